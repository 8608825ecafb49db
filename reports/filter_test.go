package reports

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// repFilter allows C2 (bob), C5 and C6 (cy) of the fixture run.
const repFilter = "account_owner IN ('bob@example.com', 'cy@example.com')"

// The fixture's customers outside repFilter: what must never appear in the
// filtered report, as ids and as distinctive pieces of their data (names,
// owners), in any escaping. "Gone Co" / C9 belong to the previous run.
var (
	outsideIDs    = []string{"C1", "C3", "C4", "C7", "C8", "C9"}
	outsideTokens = []string{"Acme", "onerror", "pwned=2", "HYPERLINK", "=cmd", "calc", "SUM(1", "深圳华强",
		"Gone Co", "ann@example.com", "dee@example.com",
		// C7's override, C4's mover driver, outside customers' (or no
		// customer's) reconciliation exceptions, orphans, and the
		// reconciliation's company-wide control totals.
		"contract renewal", "collection_timeliness +12.0", "SN-OUT-ACME", "TR-OUT", "TU-OUT", "50000.01", "50,000.01", "INV-1", "INV-4", "PAY-7", "C404", "P404",
		"open_vs_ledger", "revenue_vs_billing", "1234567890.12", "1,234,567,890.12", "900.05",
		// ar_kpis: portfolio and tier totals sum outside customers (credit
		// sales, tier A's DSO, the portfolio's on-time rate).
		"20000000", "20,000,000", "19995000", "19,995,000", "49.2", "66.3%", "0.6625"}
	insideTokens = []string{"pwned=1", "pwned=3", "Brien", "bob@example.com", "cy@example.com",
		"=INV-2", "INV-9", "@referral -1.2", "Strategic account", "SN-IN-2", "TR-IN-2"}
	// outsideTickets are the service-queue tickets of outside customers.
	outsideTickets = []string{"T2", "T9"}
	// rejectTokens are values of the rejects table, which a filtered
	// report leaves out whole.
	rejectTokens = []string{"@cmd", "=1+1", "unknown customer", "not a timestamp"}
)

// idPattern matches any outside customer or ticket id as a whole word.
var idPattern = regexp.MustCompile(`\b(` + strings.Join(append(append([]string{}, outsideIDs...), outsideTickets...), "|") + `)\b`)

// assertNoOutsideData fails when text holds an id or a piece of data of a
// customer outside the filter, raw or as HTML or JSON would escape it.
func assertNoOutsideData(t *testing.T, where string, text []byte) {
	t.Helper()
	assertNoOutsideTokens(t, where, text)
	if m := idPattern.Find(text); m != nil {
		t.Errorf("%s contains the id %q of a customer or ticket outside the filter", where, m)
	}
}

// assertNoOutsideTokens is assertNoOutsideData without the ids, for text
// where short ids occur by themselves (cell references such as C1 in sheet
// XML).
func assertNoOutsideTokens(t *testing.T, where string, text []byte) {
	t.Helper()
	forms := func(s string) []string {
		return []string{s,
			strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s),
			strings.NewReplacer("&", `\u0026`, "<", `\u003c`, ">", `\u003e`).Replace(s)}
	}
	for _, tok := range append(append([]string{}, outsideTokens...), rejectTokens...) {
		for _, f := range forms(tok) {
			if bytes.Contains(text, []byte(f)) {
				t.Errorf("%s contains %q (of a customer outside the filter, or a rejected value)", where, f)
			}
		}
	}
}

// workbookText is every cell of every sheet, one per line.
func workbookText(t *testing.T, path string) ([]byte, []string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			for _, c := range r {
				b.WriteString(c)
				b.WriteByte('\n')
			}
		}
	}
	return b.Bytes(), f.GetSheetList()
}

func TestFilteredReportHoldsOnlyAllowedCustomers(t *testing.T) {
	db := openFixtureDB(t)
	opt := testOptions
	opt.Title = "Weekly report for the rep"
	opt.Filter = repFilter
	out := writeFixture(t, db, opt)
	if !out.Filtered || out.Customers != 3 {
		t.Fatalf("Filtered=%v Customers=%d, want true 3", out.Filtered, out.Customers)
	}

	// The page, outside the inlined library (whose minified code holds
	// short words like C1 by chance).
	page, err := os.ReadFile(out.HTML)
	if err != nil {
		t.Fatal(err)
	}
	_, rest := splitPage(t, page)
	assertNoOutsideData(t, "weekly.html", rest)
	// Receivables KPIs sum the whole portfolio: a note, no table, no cards.
	if !bytes.Contains(rest, []byte(labelsEN["ar.filtered"])) || bytes.Contains(rest, []byte(labelsEN["kpi.dso"])) ||
		bytes.Contains(rest, []byte(labelsEN["ar.portfolio"])) {
		t.Error("weekly.html shows receivables KPIs, or lacks the note that it leaves them out")
	}
	for _, tok := range []string{"pwned=1", "Brien"} { // escaped, but present
		if !bytes.Contains(rest, []byte(tok)) {
			t.Errorf("weekly.html lacks %q of an allowed customer", tok)
		}
	}
	_, specs := chartScript(t, page)
	points := 0
	for _, s := range specs[1].Option["series"].([]any) {
		points += len(s.(map[string]any)["data"].([]any))
	}
	if points != 3 {
		t.Errorf("scatter has %d points, want the 3 allowed customers", points)
	}

	// The workbook: every cell of every sheet, and the raw zip entries.
	cells, sheets := workbookText(t, out.XLSX)
	assertNoOutsideData(t, "weekly.xlsx cells", cells)
	for _, tok := range insideTokens {
		if !bytes.Contains(cells, []byte(tok)) {
			t.Errorf("weekly.xlsx lacks %q of an allowed customer", tok)
		}
	}
	if want := slices.DeleteFunc(slices.Clone(wantSheets), func(s string) bool {
		return s == "Rejects" || s == "Reject counts" || s == "Orphans" || s == "Receivables KPIs"
	}); !slices.Equal(sheets, want) {
		t.Errorf("sheets %q, want %q (no Rejects, Reject counts, Orphans or Receivables KPIs in a filtered report)", sheets, want)
	}
	for name, x := range sheetXML(t, out.XLSX) {
		assertNoOutsideTokens(t, "weekly.xlsx sheet XML "+name, []byte(x))
	}
	f := openWorkbook(t, out.XLSX)
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
	for _, table := range dataFileTables() {
		if table.reach == unfilteredOnly || table.name == "reconciliation_totals" || table.name == "ar_kpis" {
			continue
		}
		wantFiles = append(wantFiles, filepath.Join(out.Dir, "data", table.name+".csv"), filepath.Join(out.Dir, "data", table.name+".parquet"))
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
		if got := len(readCSV(t, filepath.Join(out.Dir, "data", table+".csv"))) - 1; got != want {
			t.Errorf("filtered %s.csv: %d rows, want %d", table, got, want)
		}
	}
	for _, p := range out.DataFiles {
		if strings.HasSuffix(p, ".csv") {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			assertNoOutsideData(t, filepath.Base(p), b)
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
		assertNoOutsideData(t, filepath.Base(p), []byte(text))
	}
}

// TestFilterRewriteLeavesStaleFilesOut: rendering a filtered report into a
// folder that held an unfiltered one removes its rejects files.
func TestFilteredReportRemovesStaleRejectFiles(t *testing.T) {
	db := openFixtureDB(t)
	dir := filepath.Join(t.TempDir(), "r")
	if _, err := Write(context.Background(), db, fixtureRun, fixtureAsOf, dir, testOptions); err != nil {
		t.Fatal(err)
	}
	opt := testOptions
	opt.Filter = repFilter
	if _, err := Write(context.Background(), db, fixtureRun, fixtureAsOf, dir, opt); err != nil {
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
	db := openFixtureDB(t)
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
		opt := testOptions
		opt.Filter = f
		if _, err := Write(context.Background(), db, fixtureRun, fixtureAsOf, filepath.Join(t.TempDir(), "r"), opt); err == nil {
			t.Errorf("filter %q was accepted", f)
		}
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM customer_value").Scan(&n); err != nil || n != fixtureCustomerRowsAllRuns {
		t.Fatalf("customer_value has %d rows after the bad filters (%v)", n, err)
	}
	// Quotes and parentheses inside strings are data, not syntax.
	for _, f := range []string{"name = 'O''Brien \"Quote\" & Co \\ back' OR (tier IN ('A', 'B'))", `"tier" = 'A'`, "name LIKE '%;--%' OR tier = 'A'"} {
		if err := checkFilter(f); err != nil {
			t.Errorf("filter %q refused: %v", f, err)
		}
	}
}
