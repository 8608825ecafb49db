package snapshot_test

import (
	"github.com/accordhq/accord/reports"
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFilteredReportHoldsOnlyAllowedCustomers(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	opt := reportstest.TestOptions
	opt.Title = "Weekly report for the rep"
	opt.Filter = reportstest.RepFilter
	out := reportstest.WriteFixture(t, db, opt)
	if !out.Filtered || out.Customers != 3 {
		t.Fatalf("Filtered=%v Customers=%d, want true 3", out.Filtered, out.Customers)
	}

	// The page, outside the inlined library (whose minified code holds
	// short words like C1 by chance).
	page, err := os.ReadFile(out.HTML)
	if err != nil {
		t.Fatal(err)
	}
	_, rest := reportstest.SplitPage(t, page)
	reportstest.AssertNoOutsideData(t, "weekly.html", rest)
	// Receivables KPIs sum the whole portfolio: a note, no table, no cards.
	if !bytes.Contains(rest, []byte(texts.LabelsEN["ar.filtered"])) || bytes.Contains(rest, []byte(texts.LabelsEN["kpi.dso"])) ||
		bytes.Contains(rest, []byte(texts.LabelsEN["ar.portfolio"])) {
		t.Error("weekly.html shows receivables KPIs, or lacks the note that it leaves them out")
	}
	for _, tok := range []string{"pwned=1", "Brien"} { // escaped, but present
		if !bytes.Contains(rest, []byte(tok)) {
			t.Errorf("weekly.html lacks %q of an allowed customer", tok)
		}
	}
	_, specs := reportstest.ChartScript(t, page)
	points := 0
	for _, s := range specs[1].Option["series"].([]any) {
		points += len(s.(map[string]any)["data"].([]any))
	}
	if points != 3 {
		t.Errorf("scatter has %d points, want the 3 allowed customers", points)
	}

	// The workbook: every cell of every sheet, and the raw zip entries.
	cells, sheets := reportstest.WorkbookText(t, out.XLSX)
	reportstest.AssertNoOutsideData(t, "weekly.xlsx cells", cells)
	for _, tok := range reportstest.InsideTokens {
		if !bytes.Contains(cells, []byte(tok)) {
			t.Errorf("weekly.xlsx lacks %q of an allowed customer", tok)
		}
	}
	if want := slices.DeleteFunc(slices.Clone(reportstest.WantSheets), func(s string) bool {
		return s == "Rejects" || s == "Reject counts" || s == "Orphans" || s == "Receivables KPIs"
	}); !slices.Equal(sheets, want) {
		t.Errorf("sheets %q, want %q (no Rejects, Reject counts, Orphans or Receivables KPIs in a filtered report)", sheets, want)
	}
	for name, x := range reportstest.SheetXML(t, out.XLSX) {
		reportstest.AssertNoOutsideTokens(t, "weekly.xlsx sheet XML "+name, []byte(x))
	}
	f := reportstest.OpenWorkbook(t, out.XLSX)
	// Model and Evidence name no customer and stay whole; Movers, Trend
	// and the exceptions are the allowed customers' (C2, C5; PAY-7 has no
	// customer); Drain has their owners, bob and cy.
	for sheet, want := range map[string]int{"Customers": 3, "Contributions": 3, "Aging": 1, "Service queue": 2, "Hot-spots": 3,
		"Repeat failures": 1, "Unsupported": 1,
		"Model": 7, "Evidence": 6, "Movers": 3, "Trend": 3, "Drain": 2, "Reconciliation": 2} {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows)-1 != want {
			t.Errorf("%s: %d rows, want %d", sheet, len(rows)-1, want)
		}
	}

	// Every data file, byte for byte, and the Parquet rows read back.
	var wantFiles []string
	for _, table := range snapshot.DataFileTables() {
		if table.Reach == snapshot.UnfilteredOnly || table.Name == "reconciliation_totals" || table.Name == "ar_kpis" {
			continue
		}
		wantFiles = append(wantFiles, filepath.Join(out.Dir, "data", table.Name+".csv"), filepath.Join(out.Dir, "data", table.Name+".parquet"))
	}
	if !slices.Equal(out.DataFiles, wantFiles) {
		t.Errorf("data files %q, want %q", out.DataFiles, wantFiles)
	}
	for _, name := range []string{"rejects", "reject_counts", "orphans", "reconciliation_totals", "ar_kpis"} {
		if _, err := os.Stat(filepath.Join(out.Dir, "data", name+".csv")); !os.IsNotExist(err) {
			t.Errorf("data/%s.csv exists in a filtered report", name)
		}
	}
	for table, want := range map[string]int{"movers": 3, "owner_drain": 2, "reconciliation_exceptions": 2,
		"model_used": 7, "model_evidence": 6} {
		if got := len(reportstest.ReadCSV(t, filepath.Join(out.Dir, "data", table+".csv"))) - 1; got != want {
			t.Errorf("filtered %s.csv: %d rows, want %d", table, got, want)
		}
	}
	for _, p := range out.DataFiles {
		if strings.HasSuffix(p, ".csv") {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			reportstest.AssertNoOutsideData(t, filepath.Base(p), b)
			continue
		}
		var text string
		q := "SELECT coalesce(string_agg(CAST(columns(*) AS VARCHAR), '\n'), '') FROM read_parquet('" + p + "')"
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if s, ok := v.(string); ok {
					text += s + "\n"
				}
			}
		}
		rows.Close()
		reportstest.AssertNoOutsideData(t, filepath.Base(p), []byte(text))
	}
}

// TestFilterRewriteLeavesStaleFilesOut: rendering a filtered report into a
// folder that held an unfiltered one removes its rejects files.
func TestFilteredReportRemovesStaleRejectFiles(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	dir := filepath.Join(t.TempDir(), "r")
	if _, err := reports.Write(context.Background(), db, reportstest.FixtureRun, reportstest.FixtureAsOf, dir, reportstest.TestOptions); err != nil {
		t.Fatal(err)
	}
	opt := reportstest.TestOptions
	opt.Filter = reportstest.RepFilter
	if _, err := reports.Write(context.Background(), db, reportstest.FixtureRun, reportstest.FixtureAsOf, dir, opt); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"rejects", "orphans", "reconciliation_totals"} {
		for _, ext := range []string{"csv", "parquet"} {
			if _, err := os.Stat(filepath.Join(dir, "data", name+"."+ext)); !os.IsNotExist(err) {
				t.Errorf("stale %s.%s left in a filtered report's folder", name, ext)
			}
		}
	}
}

func TestBadFiltersAreRefused(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	for _, f := range []string{
		"account_owner = 'x'; DROP TABLE customer_value",
		"1=1) OR (1=1",
		"tier = 'A' -- and the rest",
		"tier = 'A' /* */",
		"tier = $1",
		"name = 'unclosed",
		"(tier = 'A'",
		"   ",
		"no_such_column = 1",
		"tier = 'Z'", // valid, but matches nobody: an empty report is an error
	} {
		opt := reportstest.TestOptions
		opt.Filter = f
		if _, err := reports.Write(context.Background(), db, reportstest.FixtureRun, reportstest.FixtureAsOf, filepath.Join(t.TempDir(), "r"), opt); err == nil {
			t.Errorf("filter %q was accepted", f)
		}
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM customer_value").Scan(&n); err != nil || n != reportstest.FixtureCustomerRowsAllRuns {
		t.Fatalf("customer_value has %d rows after the bad filters (%v)", n, err)
	}
	// Quotes and parentheses inside strings are data, not syntax.
	for _, f := range []string{"name = 'O''Brien \"Quote\" & Co \\ back' OR (tier IN ('A', 'B'))", `"tier" = 'A'`, "name LIKE '%;--%' OR tier = 'A'"} {
		if err := snapshot.CheckFilter(f); err != nil {
			t.Errorf("filter %q refused: %v", f, err)
		}
	}
}
