package reports

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// The result table schemas of the internal contract (accord-spec.md).
const resultTablesDDL = `
CREATE TABLE customer_value(run_id BIGINT, as_of DATE, customer_id VARCHAR, name VARCHAR, industry VARCHAR,
  region VARCHAR, account_owner VARCHAR, score DOUBLE, tier VARCHAR, rank INTEGER, coverage DOUBLE,
  economic DOUBLE, loyalty DOUBLE, service_effect DOUBLE, characteristics DOUBLE,
  revenue_12m DECIMAL(18,2), service_cost_12m DECIMAL(18,2), value_added_profit DECIMAL(18,2));
CREATE TABLE value_contributions(run_id BIGINT, as_of DATE, customer_id VARCHAR, group_name VARCHAR,
  indicator VARCHAR, raw_value DOUBLE, normalized DOUBLE, weight DOUBLE, contribution DOUBLE, missing BOOLEAN);
CREATE TABLE hotspots(run_id BIGINT, as_of DATE, rank INTEGER, product_id VARCHAR, product_name VARCHAR,
  component VARCHAR, region VARCHAR, failures BIGINT, installed_units BIGINT, rate_per_100_per_year DOUBLE,
  shrunk_rate_per_100_per_year DOUBLE, share DOUBLE, cumulative_share DOUBLE);
CREATE TABLE ar_aging(run_id BIGINT, as_of DATE, customer_id VARCHAR, name VARCHAR, tier VARCHAR,
  current_amount DECIMAL(18,2), d1_30 DECIMAL(18,2), d31_60 DECIMAL(18,2), d61_90 DECIMAL(18,2),
  d90_plus DECIMAL(18,2), total_open DECIMAL(18,2), dso DOUBLE);
CREATE TABLE service_queue(run_id BIGINT, as_of DATE, rank INTEGER, ticket_id VARCHAR, customer_id VARCHAR,
  name VARCHAR, tier VARCHAR, score DOUBLE, severity INTEGER, opened_at TIMESTAMP, age_days INTEGER,
  product_id VARCHAR, component VARCHAR, category VARCHAR, reason VARCHAR);
CREATE TABLE rejects(run_id BIGINT, source VARCHAR, file VARCHAR, line BIGINT, column_name VARCHAR,
  value VARCHAR, reason VARCHAR);
`

// Nasty customer names: each one attacks a different layer.
const (
	nameScript  = `</script><script>window.__pwned=1</script>`    // breaks out of a <script>
	nameImg     = `<img src=x onerror="window.__pwned=2">`        // HTML injection (tooltips, tables)
	nameFormula = `=HYPERLINK("http://x")`                        // spreadsheet formula
	nameFuncStr = `__f__window.__pwned=3__f__`                    // go-echarts JS function marker
	nameQuotes  = `O'Brien "Quote" & Co \ back`                   // quotes, ampersand, backslash
	nameDDE     = `@SUM(1+1)*cmd|' /C calc'!A0`                   // DDE payload
	nameCJK     = "深圳华强科技有限公司"                                    // CJK
	nameCtrl    = "Tab\tand\u2028line separator and -dash inside" // control and separators
)

const (
	fixtureRun  = int64(2)
	previousRun = int64(1)
	// longValue is 40,000 characters: over Excel's 32,767 per cell.
	longValueLen = 40000
)

var fixtureAsOf = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// fixtureRows is how many rows each table holds for fixtureRun; the
// previous run's rows must never show up in its report.
var fixtureRows = map[string]int{
	"customer_value":      8,
	"value_contributions": 6,
	"hotspots":            3,
	"ar_aging":            5,
	"service_queue":       3,
	"rejects":             4,
}

// Golden totals for fixtureRun's ar_aging, summed by hand:
//
//	total_open: 1200.30 + 1534.89 + 600.00 + 10000000.12 + 1.00
//	          = 2735.19 + 600.00 + 10000000.12 + 1.00 = 10003336.31
//	d90_plus:   0.00 + 1234.56 + 0.01 + 10000000.07 + 0.70
//	          = 1234.57 + 10000000.07 + 0.70 = 10001235.34
//
// C7's buckets 0.10 + 0.20 + 0.70 make 1.00 exactly, which a float sum would
// give as 0.9999999999999999.
const (
	goldenOpenAR    = "10003336.31"
	goldenOverdue90 = "10001235.34"
	// bigMoney has 18 significant digits: more than an Excel number holds.
	bigMoney = "1234567890123456.78"
)

const fixtureSQL = `
INSERT INTO customer_value VALUES
 (2, DATE '2026-11-27', 'C1', 'Acme Ltd', 'Manufacturing', 'North', 'ann@example.com', 91.5, 'A', 1, 1.0, 90, 80, 95, 70, 120000.00, 15000.50, 104999.50),
 (2, DATE '2026-11-27', 'C2', $n2, 'Retail', 'South', 'bob@example.com', 85.25, 'A', 2, 0.9, 80, 85, 70, 60, 98000.10, 30000.05, 68000.05),
 (2, DATE '2026-11-27', 'C3', $n3, 'Energy', 'East', 'ann@example.com', 70.0, 'B', 3, 0.8, 60, 75, 66, 40, 50000.00, 5000.00, 45000.00),
 (2, DATE '2026-11-27', 'C4', $n4, 'Energy', 'West', '=cmd', 65.5, 'B', 4, 0.78, 55, 65, 60, 50, 45000.00, 44000.00, 1000.00),
 (2, DATE '2026-11-27', 'C5', $n5, 'Retail', 'North', 'cy@example.com', 40.0, 'C', 5, 0.5, 30, 45, 40, 35, 10000.00, 12000.00, -2000.00),
 (2, DATE '2026-11-27', 'C6', $n6, 'Logistics', 'South', 'cy@example.com', 35.75, 'C', 6, 0.667, 25, 35, 50, 30, 8000.00, 1000.00, 7000.00),
 (2, DATE '2026-11-27', 'C7', $n7, 'Finance', 'East', 'dee@example.com', 20.0, 'D', 7, 0.222, 10, 20, 30, 25, 1234567890123456.78, 0.00, 0.01),
 (2, DATE '2026-11-27', 'C8', $n8, NULL, NULL, NULL, 5.0, 'D', 8, 0.111, NULL, NULL, NULL, NULL, 0.00, 0.00, 0.00),
 (1, DATE '2026-11-20', 'C1', 'Acme Ltd (old)', 'Manufacturing', 'North', 'ann@example.com', 90.0, 'A', 1, 1.0, 90, 80, 95, 70, 1.00, 1.00, 0.00),
 (1, DATE '2026-11-20', 'C9', 'Gone Co', 'Retail', 'North', 'ann@example.com', 10.0, 'D', 2, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00);

INSERT INTO value_contributions VALUES
 (2, DATE '2026-11-27', 'C1', 'economic', 'maintenance_fees', 52000.5, 0.95, 0.2, 19.0, false),
 (2, DATE '2026-11-27', 'C1', 'loyalty', 'referral', NULL, 0.5, 0.1, 5.0, true),
 (2, DATE '2026-11-27', 'C1', 'service_effect', 'coordination', 0.25, 0.8, 0.15, 12.0, false),
 (2, DATE '2026-11-27', 'C2', 'economic', 'maintenance_fees', 31000.0, 0.7, 0.2, 14.0, false),
 (2, DATE '2026-11-27', 'C2', 'characteristics', 'scale', 4.2, 0.6, 0.125, 7.5, false),
 (2, DATE '2026-11-27', 'C2', 'loyalty', 'proactive_communication', 3.0, 0.4, 0.1, 4.0, false),
 (1, DATE '2026-11-20', 'C9', 'economic', 'maintenance_fees', 1.0, 0.1, 0.2, 2.0, false);

INSERT INTO hotspots VALUES
 (2, DATE '2026-11-27', 1, 'P1', 'Pump X', 'valve', 'North', 12, 100, 6.0, 5.5, 0.5, 0.5),
 (2, DATE '2026-11-27', 2, 'P2', '<b>Bold</b> pump', '__f__alert(1)__f__', 'South', 8, 400, 2.0, 2.1, 0.3333333333, 0.8333333333),
 (2, DATE '2026-11-27', 3, 'P3', 'Motor', 'bearing', 'East', 4, 50, 8.0, 4.0, 0.1666666667, 1.0),
 (1, DATE '2026-11-20', 1, 'P9', 'Old pump', 'valve', 'North', 1, 10, 10.0, 1.0, 1.0, 1.0);

INSERT INTO ar_aging VALUES
 (2, DATE '2026-11-27', 'C1', 'Acme Ltd', 'A', 1000.10, 200.20, 0.00, 0.00, 0.00, 1200.30, 35.5),
 (2, DATE '2026-11-27', 'C2', $n2, 'A', 0.00, 0.00, 300.33, 0.00, 1234.56, 1534.89, NULL),
 (2, DATE '2026-11-27', 'C3', $n3, 'B', 500.00, 0.00, 0.00, 99.99, 0.01, 600.00, 20.0),
 (2, DATE '2026-11-27', 'C4', $n4, 'B', 0.05, 0.00, 0.00, 0.00, 10000000.07, 10000000.12, 120.25),
 (2, DATE '2026-11-27', 'C7', $n7, 'D', 0.10, 0.20, 0.00, 0.00, 0.70, 1.00, 3.0),
 (1, DATE '2026-11-20', 'C9', 'Gone Co', 'D', 5.00, 0.00, 0.00, 0.00, 999.00, 1004.00, 1.0);

INSERT INTO service_queue VALUES
 (2, DATE '2026-11-27', 1, 'T1', 'C2', $n2, 'A', 85.25, 1, TIMESTAMP '2026-11-20 09:30:00', 7, 'P1', 'valve', 'fault', 'tier A, severity 1'),
 (2, DATE '2026-11-27', 2, 'T2', 'C4', $n4, 'B', 65.5, 2, TIMESTAMP '2026-11-25 17:05:00', 2, 'P2', 'seal', 'complaint', '-severity 2'),
 (2, DATE '2026-11-27', 3, 'T3', 'C5', $n5, 'C', 40.0, 1, TIMESTAMP '2026-11-01 08:00:00', 26, 'P3', 'bearing', 'fault', 'age'),
 (1, DATE '2026-11-20', 1, 'T9', 'C9', 'Gone Co', 'D', 10.0, 4, TIMESTAMP '2026-11-19 08:00:00', 1, 'P9', 'valve', 'question', 'old');

INSERT INTO rejects VALUES
 (2, 'tickets', 'tickets.csv', 5, 'severity', '=1+1', 'not an integer'),
 (2, 'tickets', 'tickets.csv', 9, 'opened_at', '-', 'not a timestamp'),
 (2, 'ar_invoices', 'ar_invoices.csv', 3, 'amount', repeat('x', 40000), 'not a number'),
 (2, 'ar_invoices', 'ar_invoices.csv', 7, 'customer_id', '@cmd', 'unknown customer'),
 (1, 'tickets', 'tickets.csv', 2, 'severity', 'nine', 'not an integer');
`

// createResultTables creates the result tables in db and fills them with
// the fixture: runs 1 (2026-11-20) and 2 (2026-11-27, the one rendered).
func createResultTables(t testing.TB, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, resultTablesDDL); err != nil {
		t.Fatalf("create result tables: %v", err)
	}
	names := map[string]string{
		"$n2": nameScript, "$n3": nameImg, "$n4": nameFormula, "$n5": nameFuncStr,
		"$n6": nameQuotes, "$n7": nameDDE, "$n8": nameCJK + " " + nameCtrl,
	}
	stmt := fixtureSQL
	for k, v := range names {
		stmt = strings.ReplaceAll(stmt, k, "'"+strings.ReplaceAll(v, "'", "''")+"'")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		tx.Rollback()
		t.Fatalf("insert fixture: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// A failed statement can still commit (TRAPS.md): check the rows landed.
	for table, want := range fixtureRows {
		var got int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE run_id = 2").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("fixture %s: %d rows for run 2, want %d", table, got, want)
		}
	}
}

// openFixtureDB opens a DuckDB file in a temporary folder and fills it.
func openFixtureDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "accord.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("SET autoinstall_known_extensions = false"); err != nil {
		t.Fatal(err)
	}
	createResultTables(t, db)
	return db
}

var testOptions = Options{
	Language:       "en",
	CurrencySymbol: "¥",
	CurrencyFormat: `"¥"#,##0.00`,
	Title:          `Acme <Holdings> & "Partners" weekly customer value report`,
}

// writeFixture renders the fixture run into a fresh folder.
func writeFixture(t testing.TB, db *sql.DB, opt Options) Output {
	t.Helper()
	out, err := Write(context.Background(), db, fixtureRun, fixtureAsOf, filepath.Join(t.TempDir(), "2026-11-27"), opt)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return out
}
