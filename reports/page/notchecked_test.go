package page_test

import (
	"github.com/accordhq/accord/reports"
	"github.com/accordhq/accord/reports/brief"
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/page"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A check that could not run is named with its reason and never counted as
// tied: with one check run and three not, the line must not read "All 4
// checks tie" (what a run without a receivables source showed).
func TestReconciliationLineNamesChecksNotRun(t *testing.T) {
	l, err := texts.LabelsFor("en")
	if err != nil {
		t.Fatal(err)
	}
	d := &snapshot.ReportData{ReconTotals: []snapshot.ReconTotal{
		{Check: "billing_vs_ledger", NotChecked: "no ar_invoices source is configured"},
		{Check: "open_vs_ledger", NotChecked: "no ar_invoices source is configured"},
		{Check: "payments_vs_invoices", NotChecked: "no ar_payments source is configured"},
		{Check: "revenue_vs_billing", Ties: true},
	}}
	line := brief.ReconciliationLine(d, l)
	if strings.Contains(line, "4 checks tie") {
		t.Errorf("line counts unrun checks as tied: %q", line)
	}
	for _, want := range []string{"All 1 checks tie", "Not checked (3)", "billing_vs_ledger (no ar_invoices source is configured)"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	sec := page.ReconciliationSection(d, l, snapshot.Options{})
	row := sec.Tables[0].Table.Rows[0]
	if row[len(row)-1] != "not checked: no ar_invoices source is configured" || row[1] != row[len(row)-1] {
		t.Errorf("unrun check's row shows %q, want the reason in every figure's place", row)
	}
	d.ReconTotals = d.ReconTotals[:3]
	if line := brief.ReconciliationLine(d, l); !strings.HasPrefix(line, "No check could run.") {
		t.Errorf("no check run: %q", line)
	}
}

// The headline counts rejected rows, not rejected values: a second bad
// value on tickets.csv line 5 adds a reject but no row. Run 2 of the
// fixture then has 6 rejects on 4 rows (tickets lines 5 and 9,
// ar_invoices lines 3 and 7), and tickets' "not an integer" group, two
// values on line 5, 1 row.
func TestRejectedRowsCountRowsNotValues(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(`INSERT INTO rejects VALUES (2, 'tickets', 'tickets.csv', 5, 'effort_hours', 'x', 'not a number'),
		(2, 'tickets', 'tickets.csv', 5, 'reopens', 'y', 'not an integer')`); err != nil {
		t.Fatal(err)
	}
	_, d, err := reports.WriteWithData(context.Background(), db, reportstest.FixtureRun, reportstest.FixtureAsOf, filepath.Join(t.TempDir(), "2026-11-27"), snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Rejected != 4 {
		t.Errorf("rejected rows %d, want 4 (6 rejects)", d.Rejected)
	}
	for _, g := range d.Rejects {
		if g.Source == "tickets" && g.Reason == "not an integer" && g.Rows != 1 {
			t.Errorf("tickets 'not an integer': %d rows, want 1", g.Rows)
		}
	}
}

// The model line states on how many indicators the index rests and warns
// under half (3 of 9 is the case the issue saw).
func TestRestsOnWarnsUnderHalf(t *testing.T) {
	l, err := texts.LabelsFor("en")
	if err != nil {
		t.Fatal(err)
	}
	if got := brief.RestsOn(&snapshot.ReportData{IndicatorsWithData: 3, Indicators: 9}, l); !strings.HasPrefix(got, "Warning: the index rests on only 3 of 9 indicators") {
		t.Errorf("3 of 9: %q", got)
	}
	if got := brief.RestsOn(&snapshot.ReportData{IndicatorsWithData: 5, Indicators: 9}, l); got != "The index rests on 5 of 9 indicators (those with data for at least one customer)." {
		t.Errorf("5 of 9: %q", got)
	}
}

// CSV data files carry no NUL byte (many readers end a field or the file at
// one); the Parquet file keeps the value exact.
func TestCSVDataFilesDropNUL(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(`INSERT INTO rejects VALUES (2, 'tickets', 'tickets.csv', 11, 'name', 'a' || chr(0) || 'b', 'not a number')`); err != nil {
		t.Fatal(err)
	}
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	raw, err := os.ReadFile(filepath.Join(out.Dir, "data", "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(string(raw), 0) {
		t.Error("rejects.csv holds a NUL byte")
	}
	if !strings.Contains(string(raw), ",ab,") {
		t.Errorf("rejects.csv lacks the value with its NUL dropped:\n%s", raw)
	}
	var v string
	if err := db.QueryRow(`SELECT value FROM read_parquet(?) WHERE line = 11`, filepath.Join(out.Dir, "data", "rejects.parquet")).Scan(&v); err != nil || v != "a\x00b" {
		t.Errorf("parquet value %q (%v), want a NUL b", v, err)
	}
}
