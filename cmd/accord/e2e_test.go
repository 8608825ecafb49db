package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline/demo"
	"github.com/accordhq/accord/queries"
)

var e2eAsOf = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func clock() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) }

// e2eRun writes small demo exports, points a copy of the example config at
// them, and runs `accord run` in process.
func e2eRun(t *testing.T) (dir string, manifest demo.Manifest, db *sql.DB) {
	t.Helper()
	dir = t.TempDir()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--out", filepath.Join(dir, "demo"), "--customers", "2000", "--seed", "7", "--as-of", "2026-11-27"}, &out, &errOut, clock); code != 0 {
		t.Fatalf("demo exited %d: %s", code, errOut.String())
	}
	manifest, err := demo.ReadManifest(filepath.Join(dir, "demo", demo.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../config/accord.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("inputs_dir: ../data/demo", "inputs_dir: demo",
		"database: ../data/accord.duckdb", "database: accord.duckdb",
		"out_dir: ../data/reports", "out_dir: reports").Replace(string(raw))
	cfgPath := filepath.Join(dir, "accord.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"run", "--config", cfgPath, "--as-of", "2026-11-27"}, &out, &errOut, clock); code != 0 {
		t.Fatalf("run exited %d: %s", code, errOut.String())
	}
	wantDir := filepath.Join(dir, "reports", "2026-11-27")
	if !strings.Contains(out.String(), "reports: "+wantDir) {
		t.Errorf("summary does not say where the reports are:\n%s", out.String())
	}
	db, err = sql.Open("duckdb", filepath.Join(dir, "accord.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dir, manifest, db
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestEndToEndDemoRun(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run")
	}
	dir, manifest, db := e2eRun(t)
	runID := queryInt(t, db, "SELECT max(run_id) FROM runs WHERE status = 'succeeded'")

	t.Run("every customer scored exactly once", func(t *testing.T) {
		customers := queryInt(t, db, "SELECT count(*) FROM customers")
		scored := queryInt(t, db, "SELECT count(DISTINCT customer_id) FROM customer_value WHERE run_id = ?", runID)
		rows := queryInt(t, db, "SELECT count(*) FROM customer_value WHERE run_id = ?", runID)
		if customers == 0 || scored != customers || rows != customers {
			t.Errorf("customers %d, distinct scored %d, score rows %d", customers, scored, rows)
		}
		// The demo's bad customer rows are rejected, the rest loaded.
		bad := 0
		for _, b := range manifest.BadRows {
			if b.File == "customers.xlsx" {
				bad++
			}
		}
		if int(customers) > manifest.Customers || int(customers) < manifest.Customers-bad {
			t.Errorf("loaded %d customers of %d generated (%d planted bad)", customers, manifest.Customers, bad)
		}
	})

	t.Run("indicator coverage counted as the rows show", func(t *testing.T) {
		// Independent count: walk every contribution row in Go and note which
		// indicators have a value for at least one customer.
		rows, err := db.Query(`SELECT indicator, missing FROM value_contributions WHERE run_id = ?`, runID)
		if err != nil {
			t.Fatal(err)
		}
		all, with := map[string]bool{}, map[string]bool{}
		for rows.Next() {
			var ind string
			var missing bool
			if err := rows.Scan(&ind, &missing); err != nil {
				t.Fatal(err)
			}
			all[ind] = true
			if !missing {
				with[ind] = true
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		var gotWith, gotAll int
		if err := db.QueryRow(queries.Get("IndicatorCoverage"), runID).Scan(&gotWith, &gotAll); err != nil {
			t.Fatal(err)
		}
		if len(all) == 0 || gotWith != len(with) || gotAll != len(all) {
			t.Errorf("IndicatorCoverage %d of %d, rows show %d of %d", gotWith, gotAll, len(with), len(all))
		}
	})

	t.Run("contributions sum to scores", func(t *testing.T) {
		var worst float64
		if err := db.QueryRow(`SELECT max(abs(cv.score - s.total)) FROM customer_value cv JOIN
			(SELECT customer_id, sum(contribution) AS total FROM value_contributions WHERE run_id = ? GROUP BY ALL) s USING (customer_id)
			WHERE cv.run_id = ?`, runID, runID).Scan(&worst); err != nil {
			t.Fatal(err)
		}
		if worst > 1e-9 || math.IsNaN(worst) {
			t.Errorf("contributions differ from scores by up to %g", worst)
		}
	})

	t.Run("planted hot-spot ranks first", func(t *testing.T) {
		var product, component, region string
		if err := db.QueryRow(`SELECT product_id, component, region FROM hotspots WHERE run_id = ? AND rank = 1`, runID).Scan(&product, &component, &region); err != nil {
			t.Fatal(err)
		}
		h := manifest.Hotspot
		if product != h.ProductID || component != h.Component || region != h.Region {
			t.Errorf("top hot-spot %s/%s/%s, planted %s/%s/%s", product, component, region, h.ProductID, h.Component, h.Region)
		}
	})

	t.Run("rising test applies and its flag follows the q-value", func(t *testing.T) {
		// The demo's 36 months give the 12-month window two baseline
		// windows, so every group with faults is tested. Whether the
		// planted rising group (three times its rate in the last six
		// months only) reaches alpha 0.01 depends on the seed: with seed 7
		// it does not (p ≈ 0.15), so this checks the rule, not the power.
		r := manifest.Rising
		if n := queryInt(t, db, `SELECT count(*) FROM hotspots WHERE run_id = ? AND product_id = ? AND component = ? AND region = ?
			AND rising_p_value BETWEEN 0 AND 1 AND baseline_failures > 0`, runID, r.ProductID, r.Component, r.Region); n != 1 {
			t.Errorf("planted rising group %s/%s/%s: %d tested rows, want 1", r.ProductID, r.Component, r.Region, n)
		}
		// The false-discovery-rate family is the groups with a p-value and
		// at least 3 faults; the flag is q < 0.01, and q ≥ p.
		if n := queryInt(t, db, `SELECT count(*) FROM hotspots WHERE run_id = ?
			AND ((rising_q_value IS NOT NULL) IS DISTINCT FROM (rising_p_value IS NOT NULL AND failures >= 3)
			     OR rising IS DISTINCT FROM coalesce(rising_q_value < 0.01, false)
			     OR rising_q_value < rising_p_value)`, runID); n != 0 {
			t.Errorf("%d hot-spot rows whose q-value or rising flag breaks the rule (family: p and failures >= 3; rising: q < 0.01)", n)
		}
		if n := queryInt(t, db, `SELECT count(*) FROM hotspot_unsupported WHERE run_id = ? AND reason = 'past_support'`, runID); n == 0 {
			t.Error("no customer behind the products the demo puts past end of support")
		}
	})

	t.Run("planted bad rows are rejected with their lines", func(t *testing.T) {
		if len(manifest.BadRows) == 0 {
			t.Fatal("the demo planted no bad rows")
		}
		for _, b := range manifest.BadRows {
			n := queryInt(t, db, `SELECT count(*) FROM rejects WHERE run_id = ? AND file LIKE ? AND line = ? AND column_name = ?`,
				runID, "%"+string(filepath.Separator)+b.File, b.Line, b.Column)
			if n == 0 {
				t.Errorf("planted %s in %s line %d column %s (%q) is not in rejects", b.Kind, b.File, b.Line, b.Column, b.Value)
			}
		}
		rejected := queryInt(t, db, `SELECT count(DISTINCT (file, line)) FROM rejects WHERE run_id = ?`, runID)
		if rejected != int64(len(manifest.BadRows)) {
			t.Errorf("%d rows rejected, %d planted", rejected, len(manifest.BadRows))
		}
	})

	// A sheet shows every row of its table, up to reports.workbook_rows
	// (default); a sheet cut there says so on Summary.
	t.Run("each workbook sheet has a row per table row", func(t *testing.T) {
		wb, err := excelize.OpenFile(filepath.Join(dir, "reports", "2026-11-27", "weekly.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer wb.Close()
		summary, err := wb.GetRows("Summary")
		if err != nil {
			t.Fatal(err)
		}
		var notes strings.Builder
		for _, r := range summary {
			notes.WriteString(strings.Join(r, " ") + "\n")
		}
		cut := 0
		for sheet, table := range map[string]string{"Customers": "customer_value", "Contributions": "value_contributions",
			"Hot-spots": "hotspots", "Aging": "ar_aging", "Service queue": "service_queue",
			"Model": "model_used", "Evidence": "model_evidence", "Drain": "owner_drain", "Orphans": "orphans",
			"Repeat failures": "hotspot_repeats", "Unsupported": "hotspot_unsupported",
			"Receivables KPIs": "ar_kpis"} {
			rows, err := wb.GetRows(sheet)
			if err != nil {
				t.Errorf("sheet %s: %v", sheet, err)
				continue
			}
			all := queryInt(t, db, fmt.Sprintf("SELECT count(*) FROM %s WHERE run_id = ?", table), runID)
			want := min(all, int64(config.DefaultWorkbookRows))
			if int64(len(rows)-1) != want {
				t.Errorf("sheet %s has %d data rows, table %s has %d (sheets show at most %d)", sheet, len(rows)-1, table, all, config.DefaultWorkbookRows)
			}
			if all > want {
				cut++
				note := fmt.Sprintf("%s: the first %d of %d rows; the full table is data/%s.parquet", sheet, want, all, table)
				if !strings.Contains(notes.String(), note) {
					t.Errorf("Summary does not say %q:\n%s", note, notes.String())
				}
			}
		}
		if cut == 0 {
			t.Error("no sheet was cut: the demo no longer checks the cap (value_contributions has 9 rows per customer)")
		}
		// Rejects are counted whole on Reject counts (a row per source ×
		// column × reason) and shown as the first 20 (the default) of each.
		for sheet, q := range map[string]string{
			"Reject counts": `SELECT count(*) FROM (SELECT DISTINCT source, column_name, reason FROM rejects WHERE run_id = ?)`,
			"Rejects":       `SELECT coalesce(sum(least(n, 20)), 0) FROM (SELECT count(*) AS n FROM rejects WHERE run_id = ? GROUP BY source, column_name, reason)`,
		} {
			rows, err := wb.GetRows(sheet)
			if err != nil {
				t.Errorf("sheet %s: %v", sheet, err)
				continue
			}
			if want := queryInt(t, db, q, runID); int64(len(rows)-1) != want || want == 0 {
				t.Errorf("sheet %s has %d data rows, want %d (and some)", sheet, len(rows)-1, want)
			}
		}
	})

	t.Run("receivables KPIs tie to the aging to the cent", func(t *testing.T) {
		var aging, portfolio, tiers string
		if err := db.QueryRow(`SELECT
			(SELECT coalesce(sum(total_open), 0)::DECIMAL(38,2)::VARCHAR FROM ar_aging WHERE run_id = $1),
			(SELECT open_amount::DECIMAL(38,2)::VARCHAR FROM ar_kpis WHERE run_id = $1 AND scope = 'portfolio'),
			(SELECT sum(open_amount)::DECIMAL(38,2)::VARCHAR FROM ar_kpis WHERE run_id = $1 AND scope = 'tier')`, runID).Scan(&aging, &portfolio, &tiers); err != nil {
			t.Fatal(err)
		}
		if aging != portfolio || portfolio != tiers {
			t.Errorf("open receivables: ar_aging %s, ar_kpis portfolio %s, tiers %s", aging, portfolio, tiers)
		}
	})

	t.Run("HTML loads nothing from the network", func(t *testing.T) {
		page, err := os.ReadFile(filepath.Join(dir, "reports", "2026-11-27", "weekly.html"))
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:)?//`).Find(page); m != nil {
			t.Errorf("HTML references a network resource: %s", m)
		}
		if !bytes.Contains(page, []byte("echarts")) {
			t.Error("HTML does not embed the ECharts script")
		}
	})

	t.Run("data exports exist for each result table", func(t *testing.T) {
		for _, table := range []string{"customer_value", "value_contributions", "hotspots", "ar_aging", "service_queue", "rejects",
			"model_used", "model_evidence", "owner_drain", "reconciliation_totals", "hotspot_repeats", "hotspot_unsupported", "ar_kpis"} {
			for _, ext := range []string{"csv", "parquet"} {
				p := filepath.Join(dir, "reports", "2026-11-27", "data", table+"."+ext)
				if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
					t.Errorf("%s: %v", p, err)
				}
			}
		}
	})
}
