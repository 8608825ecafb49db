package workbook_test

import (
	"github.com/accordhq/accord/reports"
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"
	"github.com/accordhq/accord/reports/workbook"

	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/xuri/excelize/v2"
)

// sheetSources says which result tables each data sheet shows: its rows
// are one per row of these tables for the run (Trend: one per customer).
var sheetSources = map[string][]string{
	"Customers": {"customer_value"}, "Contributions": {"value_contributions"}, "Model": {"model_used"},
	"Evidence": {"model_evidence"}, "Movers": {"movers"}, "Trend": {"customer_value"}, "Drain": {"owner_drain"},
	"Hot-spots": {"hotspots"}, "Repeat failures": {"hotspot_repeats"}, "Unsupported": {"hotspot_unsupported"},
	"Aging":            {"ar_aging"},
	"Receivables KPIs": {"ar_kpis"},
	"Reconciliation":   {"reconciliation_totals", "reconciliation_exceptions"},
	"Service queue":    {"service_queue"}, "Orphans": {"orphans"}, "Reject counts": {"reject_counts"}, "Rejects": {"rejects"},
}

// fixtureSheetRows is how many data rows a sheet has for the fixture run.
func fixtureSheetRows(sheet string) int {
	n := 0
	for _, table := range sheetSources[sheet] {
		n += reportstest.FixtureRows[table]
	}
	return n
}

func TestWorkbookSheetsRowsAndLayout(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	f := reportstest.OpenWorkbook(t, out.XLSX)
	xmls := reportstest.SheetXML(t, out.XLSX)

	if got := f.GetSheetList(); !slices.Equal(got, reportstest.WantSheets) {
		t.Fatalf("sheets %q, want %q", got, reportstest.WantSheets)
	}
	// Every table with a sheet of its own, or on a composed one, is covered.
	for _, table := range snapshot.ResultTables {
		found := false
		for _, srcs := range sheetSources {
			found = found || slices.Contains(srcs, table.Name)
		}
		if !found {
			t.Errorf("table %s is on no sheet", table.Name)
		}
	}
	for _, sheet := range reportstest.WantSheets[1:] {
		t.Run(sheet, func(t *testing.T) {
			inDB := 0
			for _, table := range sheetSources[sheet] {
				var n int
				if err := db.QueryRow("SELECT count(*) FROM "+snapshot.TableNamed(table).Relation(snapshot.Scope{}, reportstest.FixtureRun)+" WHERE run_id = $1", reportstest.FixtureRun).Scan(&n); err != nil {
					t.Fatal(err)
				}
				inDB += n
			}
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			// One header row plus one row per table row of the run; the
			// other runs' rows stay out.
			if len(rows)-1 != inDB || inDB != fixtureSheetRows(sheet) {
				t.Errorf("%d data rows, tables have %d for the run (fixture %d)", len(rows)-1, inDB, fixtureSheetRows(sheet))
			}
			width := len(rows[0])
			if i := slices.IndexFunc(snapshot.ResultTables, func(rt snapshot.ResultTable) bool { return rt.Sheet == sheet }); i >= 0 {
				table := snapshot.ResultTables[i]
				// Evidence adds the metric key after the table's columns.
				extra := 0
				if sheet == "Evidence" {
					extra = 1
					if got := rows[0][len(rows[0])-1]; got != "Metric key" {
						t.Errorf("last header %q, want Metric key", got)
					}
				}
				if width != len(table.Columns)+extra {
					t.Errorf("%d columns, want %d", width, len(table.Columns)+extra)
				}
				for i, c := range table.Columns {
					if want := texts.LabelsEN.Get("col." + c.Name); rows[0][i] != want {
						t.Errorf("header %d = %q, want %q", i+1, rows[0][i], want)
					}
				}
			}
			panes, err := f.GetPanes(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
				t.Errorf("header not frozen: %+v", panes)
			}
			last, _ := excelize.ColumnNumberToName(width)
			// excelize writes the reference absolute ($A$1:$P$9).
			wantFilter := fmt.Sprintf(`<autoFilter ref="A1:%s%d"`, last, inDB+1)
			if !strings.Contains(strings.ReplaceAll(xmls[sheet], "$", ""), wantFilter) {
				t.Errorf("no %s in sheet XML", wantFilter)
			}
			// Widths come before the data (<cols> precedes <sheetData>).
			x := xmls[sheet]
			if c, d := strings.Index(x, "<cols>"), strings.Index(x, "<sheetData>"); c < 0 || c > d {
				t.Errorf("column widths missing or after the data")
			}
		})
	}
	for name, x := range xmls {
		// No cell anywhere carries a formula.
		if regexp.MustCompile(`<f[ >]`).MatchString(x) {
			t.Errorf("sheet %s contains a formula element", name)
		}
		if strings.Contains(x, "Gone Co") {
			t.Errorf("sheet %s shows the previous run's customer", name)
		}
	}
}

func TestWorkbookTypedCells(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	f := reportstest.OpenWorkbook(t, out.XLSX)
	money := reportstest.TestOptions.CurrencyFormat

	// Money: number cells whose stored text is the exact decimal.
	idCol := reportstest.ColOf(t, f, "Customers", "Customer ID")
	revenue := reportstest.ColOf(t, f, "Customers", "Revenue 12m")
	profit := reportstest.ColOf(t, f, "Customers", "Value-added profit")
	c2 := reportstest.RowOf(t, f, "Customers", idCol, "C2")
	reportstest.AssertNumber(t, f, "Customers", reportstest.CellAt(revenue, c2), "98000.10", money)
	c5 := reportstest.RowOf(t, f, "Customers", idCol, "C5")
	reportstest.AssertNumber(t, f, "Customers", reportstest.CellAt(profit, c5), "-2000.00", money)
	// Formatted with the currency format, as a reader sees it.
	if v, _ := f.GetCellValue("Customers", reportstest.CellAt(revenue, c2)); v != "¥98,000.10" {
		t.Errorf("formatted money %q, want ¥98,000.10", v)
	}
	// 18 significant digits do not fit an Excel number: exact text instead.
	c7 := reportstest.RowOf(t, f, "Customers", idCol, "C7")
	if typ, _ := f.GetCellType("Customers", reportstest.CellAt(revenue, c7)); typ != excelize.CellTypeInlineString {
		t.Errorf("big money cell type %v, want inline string", typ)
	}
	if v := reportstest.RawValue(t, f, "Customers", reportstest.CellAt(revenue, c7)); v != reportstest.BigMoney {
		t.Errorf("big money %q, want %q", v, reportstest.BigMoney)
	}

	// Scores and ratios are numbers with their formats.
	reportstest.AssertNumber(t, f, "Customers", reportstest.CellAt(reportstest.ColOf(t, f, "Customers", "Score"), c2), "85.25", "0.0")
	reportstest.AssertNumber(t, f, "Customers", reportstest.CellAt(reportstest.ColOf(t, f, "Customers", "Coverage"), c2), "0.9", "0.0%")
	reportstest.AssertNumber(t, f, "Customers", reportstest.CellAt(reportstest.ColOf(t, f, "Customers", "Rank"), c2), "2", "builtin:1")
	// NULL stays an empty cell.
	c8 := reportstest.RowOf(t, f, "Customers", idCol, "C8")
	if v := reportstest.RawValue(t, f, "Customers", reportstest.CellAt(reportstest.ColOf(t, f, "Customers", "Industry"), c8)); v != "" {
		t.Errorf("NULL industry written as %q", v)
	}

	// Dates are date cells.
	opened := reportstest.ColOf(t, f, "Service queue", "Opened")
	t1 := reportstest.RowOf(t, f, "Service queue", reportstest.ColOf(t, f, "Service queue", "Ticket"), "T1")
	cell := reportstest.CellAt(opened, t1)
	if got := reportstest.NumFmt(t, f, "Service queue", cell); got != "yyyy-mm-dd hh:mm" {
		t.Errorf("opened_at format %q", got)
	}
	serial, err := strconv.ParseFloat(reportstest.RawValue(t, f, "Service queue", cell), 64)
	if err != nil {
		t.Fatalf("opened_at is not a number: %v", err)
	}
	if got, _ := excelize.ExcelDateToTime(serial, false); !got.Equal(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("opened_at serial %v is %v", serial, got)
	}
	if v, _ := f.GetCellValue("Service queue", cell); v != "2026-11-20 09:30" {
		t.Errorf("opened_at shows %q", v)
	}
	if got := reportstest.NumFmt(t, f, "Summary", "B2"); got != "yyyy-mm-dd" {
		t.Errorf("as-of format %q", got)
	}
	if v, _ := f.GetCellValue("Summary", "B2"); v != "2026-11-27" {
		t.Errorf("as-of shows %q", v)
	}

	// Formula-looking text, read back: inline strings, no formula, the
	// text exactly as the data has it (no leading quote).
	name := reportstest.ColOf(t, f, "Customers", "Customer")
	c4 := reportstest.RowOf(t, f, "Customers", idCol, "C4")
	for _, c := range []struct{ sheet, cell, want string }{
		{"Customers", reportstest.CellAt(name, c4), reportstest.NameFormula},
		{"Customers", reportstest.CellAt(reportstest.ColOf(t, f, "Customers", "Account owner"), c4), "=cmd"},
		{"Customers", reportstest.CellAt(name, c7), reportstest.NameDDE},
		{"Customers", reportstest.CellAt(name, c2), reportstest.NameScript}, // untouched: no formula lead
	} {
		typ, _ := f.GetCellType(c.sheet, c.cell)
		formula, _ := f.GetCellFormula(c.sheet, c.cell)
		v := reportstest.RawValue(t, f, c.sheet, c.cell)
		if typ != excelize.CellTypeInlineString || formula != "" || v != c.want {
			t.Errorf("%s!%s: type %v formula %q value %q; want inline string %q", c.sheet, c.cell, typ, formula, v, c.want)
		}
	}

	// A 40,000-character value is cut with a visible marker.
	value := reportstest.ColOf(t, f, "Rejects", "Value")
	long := reportstest.RowOf(t, f, "Rejects", reportstest.ColOf(t, f, "Rejects", "Line"), "3")
	v := reportstest.RawValue(t, f, "Rejects", reportstest.CellAt(value, long))
	wantCut := strings.Repeat("x", 32728) + "…[cut: 32728 of 40000 characters shown]"
	if v != wantCut {
		t.Errorf("long cell: %d characters, ends %q", format.Utf16Len(v), v[max(0, len(v)-50):])
	}
}

func TestWorkbookSummaryTiesToTheCent(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	f := reportstest.OpenWorkbook(t, out.XLSX)
	money := reportstest.TestOptions.CurrencyFormat

	summary := map[string]string{} // label -> cell
	rows, _ := f.GetRows("Summary")
	for i, r := range rows {
		if len(r) > 0 {
			summary[r[0]] = reportstest.CellAt("B", i+1)
		}
	}
	reportstest.AssertNumber(t, f, "Summary", summary["Total open receivables"], reportstest.GoldenOpenAR, money)
	reportstest.AssertNumber(t, f, "Summary", summary["Overdue more than 90 days"], reportstest.GoldenOverdue90, money)
	reportstest.AssertNumber(t, f, "Summary", summary["Customers scored"], "8", "builtin:1")
	reportstest.AssertNumber(t, f, "Summary", summary["Tier A"], "2", "builtin:1")

	// The Aging sheet's cells add up, exactly, to the Summary total.
	col := reportstest.ColOf(t, f, "Aging", "Total open")
	sum := new(big.Rat)
	aging, _ := f.GetRows("Aging")
	for r := 2; r <= len(aging); r++ {
		v, ok := new(big.Rat).SetString(reportstest.RawValue(t, f, "Aging", reportstest.CellAt(col, r)))
		if !ok {
			t.Fatalf("Aging!%s%d is not a number", col, r)
		}
		sum.Add(sum, v)
	}
	if want, _ := new(big.Rat).SetString(reportstest.GoldenOpenAR); sum.Cmp(want) != 0 {
		t.Errorf("Aging total_open cells sum to %s, want %s", sum.FloatString(2), reportstest.GoldenOpenAR)
	}

	// The Receivables KPIs sheet: its portfolio row (first) holds the same
	// open total, and its tier rows add up to it, to the cent.
	col = reportstest.ColOf(t, f, "Receivables KPIs", "Open")
	kpiRows, _ := f.GetRows("Receivables KPIs")
	tiers := new(big.Rat)
	for r := 3; r <= len(kpiRows); r++ {
		v, ok := new(big.Rat).SetString(reportstest.RawValue(t, f, "Receivables KPIs", reportstest.CellAt(col, r)))
		if !ok {
			t.Fatalf("Receivables KPIs!%s%d is not a number", col, r)
		}
		tiers.Add(tiers, v)
	}
	reportstest.AssertNumber(t, f, "Receivables KPIs", reportstest.CellAt(col, 2), reportstest.GoldenOpenAR, money)
	if want, _ := new(big.Rat).SetString(reportstest.GoldenOpenAR); tiers.Cmp(want) != 0 || len(kpiRows) != 1+reportstest.FixtureRows["ar_kpis"] {
		t.Errorf("Receivables KPIs: %d rows, tiers' open sum to %s, want %d rows summing to %s",
			len(kpiRows)-1, tiers.FloatString(2), reportstest.FixtureRows["ar_kpis"], reportstest.GoldenOpenAR)
	}

	// Row counts per sheet and the notes.
	for _, sheet := range reportstest.WantSheets[1:] {
		reportstest.AssertNumber(t, f, "Summary", summary[sheet], strconv.Itoa(fixtureSheetRows(sheet)), "builtin:1")
	}
	var notes []string
	for _, r := range rows {
		if len(r) == 1 {
			notes = append(notes, r[0])
		}
	}
	joined := strings.Join(notes, "\n")
	// Text with a formula lead is stored as typed text, unchanged, so
	// there is no note about it (the note of a quote prefix is gone). The
	// 40,000-character reject is cut twice: on Rejects and as a first value.
	if strings.Contains(joined, "single quote") {
		t.Errorf("Summary still speaks of quote-prefixed cells:\n%s", joined)
	}
	for _, want := range []string{
		"2 text cells were longer than Excel's 32,767 characters",
		// C7's revenue on Customers and dee's on Drain.
		"2 money values have more than 15 significant digits",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("Summary notes lack %q:\n%s", want, joined)
		}
	}
}

// summaryNotes returns the Summary's one-cell rows (title and notes) and
// its sheet → data rows list.
func summaryNotes(t *testing.T, f *excelize.File) (notes []string, rowsOf map[string]string) {
	t.Helper()
	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	rowsOf = map[string]string{}
	for _, r := range rows {
		switch len(r) {
		case 1:
			notes = append(notes, r[0])
		case 2:
			rowsOf[r[0]] = r[1]
		}
	}
	return notes, rowsOf
}

// sheetColumn returns a sheet's data cells under header, in row order.
func sheetColumn(t *testing.T, f *excelize.File, sheet, header string) []string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(rows[0], header)
	if i < 0 {
		t.Fatalf("%s: no header %q in %q", sheet, header, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		v := ""
		if i < len(r) {
			v = r[i]
		}
		out = append(out, v)
	}
	return out
}

// queryStrings reads one text column as a sheet shows it: as it is.
func queryStrings(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWorkbookCapsGrowingSheets: with 3 rows per sheet, every sheet of a
// table that grows with the data shows the first 3 rows of the table in its
// order (read here with the order written out, not the package's), the
// Summary says "first 3 of M" with the true M and names the data files,
// and the data files hold all M rows. Sheets of a few rows by nature are
// whole even above the cap, and Reconciliation keeps every control total.
func TestWorkbookCapsGrowingSheets(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(`INSERT INTO hotspot_tickets
		SELECT 2, DATE '2026-11-27', 'HT-' || i, 'P1', 'Pump X', 'valve', 'North', 'S' || i, 'C1', 'Acme',
			TIMESTAMP '2026-10-01 09:00:00' + i * INTERVAL 1 DAY, NULL, 1.5, 2, 'fixed'
		FROM range(5, 0, -1) t(i)`); err != nil {
		t.Fatal(err)
	}
	// Last in, first in the sheet's order: the cut must follow the order.
	if _, err := db.Exec(`INSERT INTO reconciliation_exceptions (run_id, as_of, check_name, kind, key, customer_id, amount_a, amount_b, difference)
		VALUES (2, DATE '2026-11-27', 'billing_vs_ledger', 'amount differs', 'INV-0', 'C3', 1.00, 2.00, -1.00)`); err != nil {
		t.Fatal(err)
	}
	opt := reportstest.TestOptions
	opt.WorkbookRows = 3
	out := reportstest.WriteFixture(t, db, opt)
	f := reportstest.OpenWorkbook(t, out.XLSX)
	xmls := reportstest.SheetXML(t, out.XLSX)
	notes, rowsOf := summaryNotes(t, f)
	joined := strings.Join(notes, "\n")
	col := func(name string) string { return texts.LabelsEN.Get("col." + name) }

	capped := []struct {
		sheet, table, header, first string // first: the sheet's rows, in order
		wantNote                    string
	}{
		{"Customers", "customer_value", col("customer_id"),
			"SELECT customer_id FROM customer_value WHERE run_id = 2 ORDER BY rank NULLS LAST, customer_id",
			"Customers: the first 3 of 8 rows; the full table is data/customer_value.parquet and data/customer_value.csv."},
		{"Contributions", "value_contributions", col("indicator"),
			"SELECT indicator FROM value_contributions WHERE run_id = 2 ORDER BY customer_id, group_name, indicator", ""},
		{"Movers", "movers", col("customer_id"),
			"SELECT customer_id FROM movers WHERE run_id = 2 ORDER BY abs(change) DESC, customer_id", ""},
		{"Trend", "customer_value", col("customer_id"),
			"SELECT customer_id FROM customer_value WHERE run_id = 2 ORDER BY rank NULLS LAST, customer_id",
			"Trend: the first 3 of 8 customers, in the Customers order; every customer's current score is in data/customer_value.parquet and data/customer_value.csv, earlier scores in the earlier reports' data files."},
		{"Aging", "ar_aging", col("customer_id"),
			"SELECT customer_id FROM ar_aging WHERE run_id = 2 ORDER BY customer_id", ""},
		{"Rejects", "rejects", col("line"),
			"SELECT CAST(line AS VARCHAR) FROM rejects WHERE run_id = 2 ORDER BY source, file, line", ""},
		// Every control total (4), then the first 3 of the 6 exceptions.
		{"Reconciliation", "reconciliation_exceptions", col("key"),
			`SELECT coalesce(k, '') FROM (
				SELECT 0 AS part, check_name, NULL AS kind, NULL AS k, NULL AS customer_id, NULL AS difference FROM reconciliation_totals WHERE run_id = 2
				UNION ALL (SELECT 1, check_name, kind, "key", customer_id, difference FROM reconciliation_exceptions WHERE run_id = 2
					ORDER BY check_name, kind, "key", customer_id, difference LIMIT 3))
			ORDER BY part, check_name, kind NULLS FIRST, k NULLS FIRST`,
			"Reconciliation: every control total, and the first 3 of 6 exceptions; all exceptions are in data/reconciliation_exceptions.parquet and data/reconciliation_exceptions.csv."},
	}
	for _, c := range capped {
		t.Run(c.sheet, func(t *testing.T) {
			var total int
			if err := db.QueryRow("SELECT count(*) FROM " + c.table + " WHERE run_id = 2").Scan(&total); err != nil {
				t.Fatal(err)
			}
			if total <= 3 {
				t.Fatalf("fixture %s has %d rows: too few to cap at 3", c.table, total)
			}
			want := queryStrings(t, db, c.first)
			if c.sheet != "Reconciliation" {
				want = want[:3]
			}
			if got := sheetColumn(t, f, c.sheet, c.header); !slices.Equal(got, want) {
				t.Errorf("%s shows %q, want the first rows %q", c.header, got, want)
			}
			shown := len(want)
			if got := rowsOf[c.sheet]; got != strconv.Itoa(shown) {
				t.Errorf("Summary counts %s data rows, want %d", got, shown)
			}
			if c.wantNote == "" {
				c.wantNote = fmt.Sprintf("%s: the first 3 of %d rows; the full table is data/%s.parquet and data/%s.csv.", c.sheet, total, c.table, c.table)
			}
			if !slices.Contains(notes, c.wantNote) {
				t.Errorf("Summary lacks the note %q:\n%s", c.wantNote, joined)
			}
			// The autofilter covers the rows shown, not the table.
			last, _ := excelize.ColumnNumberToName(len(mustRows(t, f, c.sheet)[0]))
			if want := fmt.Sprintf(`<autoFilter ref="A1:%s%d"`, last, shown+1); !strings.Contains(strings.ReplaceAll(xmls[c.sheet], "$", ""), want) {
				t.Errorf("no %s in the sheet", want)
			}
			// The data files hold every row.
			for _, reader := range []string{"read_parquet", "read_csv"} {
				var n int
				p := filepath.Join(out.Dir, "data", c.table+"."+strings.TrimPrefix(reader, "read_"))
				if err := db.QueryRow("SELECT count(*) FROM " + reader + "(" + workbook.SqlString(p) + ")").Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != total {
					t.Errorf("%s: %d rows, want all %d", p, n, total)
				}
			}
		})
	}

	// Sheets of a few rows by nature are whole, even above the cap; growing
	// ones at or under it are whole and say nothing.
	for sheet, want := range map[string]int{"Model": 7, "Evidence": 6, "Drain": 6, "Receivables KPIs": 6, "Reject counts": 4,
		"Hot-spots": 3, "Service queue": 3, "Orphans": 3, "Repeat failures": 2, "Unsupported": 2} {
		if got := len(mustRows(t, f, sheet)) - 1; got != want || want != fixtureSheetRows(sheet) {
			t.Errorf("%s: %d data rows, want all %d", sheet, got, want)
		}
		if strings.Contains(joined, sheet+": the first") {
			t.Errorf("Summary says %s is cut", sheet)
		}
	}
	// The Receivables KPIs still tie: the tiers' open amounts add up to the
	// portfolio's (TestWorkbookSummaryTiesToTheCent checks the cents).
	if got := len(mustRows(t, f, "Receivables KPIs")) - 1; got != reportstest.FixtureRows["ar_kpis"] {
		t.Errorf("Receivables KPIs: %d rows, want all %d", got, reportstest.FixtureRows["ar_kpis"])
	}
	if slices.ContainsFunc(f.GetSheetList(), func(s string) bool { return strings.HasSuffix(s, " (2)") }) {
		t.Errorf("continuation sheets: %q", f.GetSheetList())
	}

	// hotspots.xlsx follows the same rule, with its own Summary: 3 of the 5
	// fault tickets, in product, component, region, opened order.
	h := reportstest.OpenWorkbook(t, out.HotspotsX)
	if got := strings.Join(h.GetSheetList(), ","); got != "Summary,Hot-spots,Fault tickets,Repeat failures,Unsupported,Weibull,Forecast,Periods" {
		t.Errorf("hotspots.xlsx sheets %q", got)
	}
	if got := sheetColumn(t, h, "Fault tickets", col("ticket_id")); !slices.Equal(got, []string{"HT-1", "HT-2", "HT-3"}) {
		t.Errorf("Fault tickets %q, want the first three opened", got)
	}
	hnotes, hrows := summaryNotes(t, h)
	if want := "Fault tickets: the first 3 of 5 rows; the full table is data/hotspot_tickets.parquet and data/hotspot_tickets.csv."; !slices.Contains(hnotes, want) {
		t.Errorf("hotspots.xlsx Summary lacks %q:\n%s", want, strings.Join(hnotes, "\n"))
	}
	if hrows["Fault tickets"] != "3" || hrows["Hot-spots"] != "3" {
		t.Errorf("hotspots.xlsx Summary rows %v", hrows)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM read_parquet(" + workbook.SqlString(filepath.Join(out.Dir, "data", "hotspot_tickets.parquet")) + ")").Scan(&n); err != nil || n != 5 {
		t.Errorf("data/hotspot_tickets.parquet: %d rows (%v), want 5", n, err)
	}

	// In Chinese, through the zh-CN catalog.
	opt.Language = "zh-CN"
	notes, _ = summaryNotes(t, reportstest.OpenWorkbook(t, reportstest.WriteFixture(t, db, opt).XLSX))
	if want := "Customers：仅显示前 3 行（共 8 行）；完整数据见 data/customer_value.parquet 和 data/customer_value.csv。"; !slices.Contains(notes, want) {
		t.Errorf("zh-CN Summary lacks %q:\n%s", want, strings.Join(notes, "\n"))
	}
}

// TestFilteredWorkbookIsCapped: a rep's workbook (3 customers, 2 of their
// exceptions) at 1 row per sheet shows 1 of each, counted in the filter;
// with no control totals in it, Reconciliation's note is the plain one.
func TestFilteredWorkbookIsCapped(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	opt := reportstest.TestOptions
	opt.Filter = reportstest.RepFilter
	opt.WorkbookRows = 1
	out := reportstest.WriteFixture(t, db, opt)
	f := reportstest.OpenWorkbook(t, out.XLSX)
	notes, _ := summaryNotes(t, f)
	for _, want := range []string{
		"Customers: the first 1 of 3 rows; the full table is data/customer_value.parquet and data/customer_value.csv.",
		"Reconciliation: the first 1 of 2 rows; the full table is data/reconciliation_exceptions.parquet and data/reconciliation_exceptions.csv.",
	} {
		if !slices.Contains(notes, want) {
			t.Errorf("Summary lacks %q:\n%s", want, strings.Join(notes, "\n"))
		}
	}
	for _, sheet := range []string{"Customers", "Reconciliation", "Trend", "Aging"} {
		if got := len(mustRows(t, f, sheet)) - 1; got != 1 {
			t.Errorf("%s: %d data rows, want 1", sheet, got)
		}
	}
	if got := len(reportstest.ReadCSV(t, filepath.Join(out.Dir, "data", "customer_value.csv"))) - 1; got != 3 {
		t.Errorf("filtered customer_value.csv: %d rows, want the 3 allowed", got)
	}
}

func TestWorkbookRowsOutOfRange(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	for _, n := range []int{-1, workbook.MaxSheetRows + 1} {
		opt := reportstest.TestOptions
		opt.WorkbookRows = n
		if _, err := reports.Write(context.Background(), db, reportstest.FixtureRun, reportstest.FixtureAsOf, t.TempDir(), opt); err == nil ||
			!strings.Contains(err.Error(), "must be between 1 and 1048575") {
			t.Errorf("WorkbookRows %d: err = %v", n, err)
		}
	}
	// The config's bound is the sheet's, so a valid config never needs a
	// second sheet.
	if config.MaxWorkbookRows != workbook.MaxSheetRows {
		t.Errorf("config.MaxWorkbookRows %d, Excel sheet rows %d", config.MaxWorkbookRows, workbook.MaxSheetRows)
	}
}

func mustRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) == 0 {
		t.Fatalf("%s: %d rows (%v)", sheet, len(rows), err)
	}
	return rows
}

func TestWorkbookEmptyTable(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec("DELETE FROM rejects"); err != nil {
		t.Fatal(err)
	}
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	f := reportstest.OpenWorkbook(t, out.XLSX)
	rows, err := f.GetRows("Rejects")
	if err != nil || len(rows) != 1 {
		t.Fatalf("empty Rejects sheet: %d rows (%v), want the header only", len(rows), err)
	}
}

func TestWorkbookChinese(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	opt := reportstest.TestOptions
	opt.Language = "zh-CN"
	out := reportstest.WriteFixture(t, db, opt)
	f := reportstest.OpenWorkbook(t, out.XLSX)
	if got := f.GetSheetList(); !slices.Equal(got, reportstest.WantSheets) {
		t.Errorf("zh-CN sheet names %q, want the English ones", got)
	}
	rows, _ := f.GetRows("Customers")
	if rows[0][1] != "客户编号" || rows[0][2] != "客户名称" {
		t.Errorf("zh-CN headers %q", rows[0][:3])
	}
}

func TestWorkbookSameInputSameCells(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	a := reportstest.OpenWorkbook(t, reportstest.WriteFixture(t, db, reportstest.TestOptions).XLSX)
	b := reportstest.OpenWorkbook(t, reportstest.WriteFixture(t, db, reportstest.TestOptions).XLSX)
	for _, sheet := range reportstest.WantSheets {
		ra, _ := a.GetRows(sheet, excelize.Options{RawCellValue: true})
		rb, _ := b.GetRows(sheet, excelize.Options{RawCellValue: true})
		if len(ra) < 2 && sheet != "Rejects" {
			t.Fatalf("%s: too few rows to compare", sheet)
		}
		if fmt.Sprint(ra) != fmt.Sprint(rb) {
			t.Errorf("%s differs between two renders of the same data", sheet)
		}
	}
}

func TestWriteFailsOnAnEmptyRunOrBadLanguage(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	ctx := context.Background()
	if _, err := reports.Write(ctx, db, 99, reportstest.FixtureAsOf, t.TempDir(), reportstest.TestOptions); err == nil ||
		!strings.Contains(err.Error(), "run 99 has no rows") {
		t.Errorf("run without rows: err = %v", err)
	}
	opt := reportstest.TestOptions
	opt.Language = "fr"
	if _, err := reports.Write(ctx, db, reportstest.FixtureRun, reportstest.FixtureAsOf, t.TempDir(), opt); err == nil ||
		!strings.Contains(err.Error(), "unsupported language") {
		t.Errorf("language fr: err = %v", err)
	}
}

func TestWorkbookAsOfKeepsTheCalendarDay(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	shanghai := time.FixedZone("CST", 8*3600)
	// 00:30 on the 27th in Shanghai is still the 26th in UTC.
	asOf := time.Date(2026, 11, 27, 0, 30, 0, 0, shanghai)
	out, err := reports.Write(context.Background(), db, reportstest.FixtureRun, asOf, t.TempDir(), reportstest.TestOptions)
	if err != nil {
		t.Fatal(err)
	}
	f := reportstest.OpenWorkbook(t, out.XLSX)
	if v, _ := f.GetCellValue("Summary", "B2"); v != "2026-11-27" {
		t.Errorf("as-of shows %q, want 2026-11-27", v)
	}
}

// cancelOnQuery cancels the write as soon as the query containing match
// has started, so the cancellation lands in the middle of that sheet.
type cancelOnQuery struct {
	snapshot.Queryer
	match  string
	cancel context.CancelFunc
}

func (c cancelOnQuery) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := c.Queryer.QueryContext(ctx, query, args...)
	if strings.Contains(query, c.match) {
		c.cancel()
	}
	return rows, err
}

// TestWorkbookWriteStopsWhenCancelled: an interrupt while the Customers
// sheet (50,008 rows, all shown) is being written stops the workbook with
// the context's error, saying where, and leaves no workbook and no
// temporary file. (database/sql would end the rows too, from its own
// goroutine, as "read customer_value: context canceled"; the loop's check
// stops first and names the sheet and row.)
func TestWorkbookWriteStopsWhenCancelled(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(`INSERT INTO customer_value SELECT customer_value.* REPLACE ('X' || i AS customer_id, 100 + i AS rank)
		FROM customer_value, range(50000) t(i) WHERE run_id = 2 AND customer_id = 'C1'`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	d, err := snapshot.LoadReportData(ctx, tx, reportstest.FixtureRun, snapshot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	opt := reportstest.TestOptions
	opt.WorkbookRows = config.MaxWorkbookRows
	dir := t.TempDir()
	q := cancelOnQuery{Queryer: tx, match: "ORDER BY rank NULLS LAST, customer_id LIMIT", cancel: cancel}
	err = workbook.WriteXLSX(ctx, q, snapshot.Scope{}, reportstest.FixtureRun, reportstest.FixtureAsOf, filepath.Join(dir, snapshot.XlsxName), d, texts.LabelsEN, opt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "Customers") {
		t.Errorf("err = %v, want it to stop on the Customers sheet", err)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestSaveWorkbookStopsWhenCancelled: zipping the workbook reads no rows,
// so it checks the context itself: once cancelled, no file is written.
func TestSaveWorkbookStopsWhenCancelled(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20000; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := sw.SetRow(cell, []any{i, "row " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if err := workbook.SaveWorkbook(ctx, f, filepath.Join(dir, snapshot.XlsxName), time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)); !errors.Is(err, context.Canceled) {
		t.Errorf("save after cancel: err = %v, want context.Canceled", err)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}

	// Mid-write: the writes that come after the cancel fail.
	ctx, cancel = context.WithCancel(context.Background())
	var buf strings.Builder
	w := workbook.CtxWriter{Ctx: ctx, W: &buf}
	if _, err := w.Write([]byte("PK")); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := w.Write([]byte("more")); !errors.Is(err, context.Canceled) || buf.String() != "PK" {
		t.Errorf("write after cancel: err = %v, wrote %q", err, buf.String())
	}
}

// TestWorkbooksOpenOnSummary: both workbooks open on their Summary, the
// one selected tab (two selected tabs would group the sheets, and an edit
// would change both). Nothing sets it: a new file's first sheet is, and
// SetActiveSheet would read every streamed sheet back into memory.
func TestWorkbooksOpenOnSummary(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	for _, p := range []string{out.XLSX, out.HotspotsX} {
		f := reportstest.OpenWorkbook(t, p)
		if i := f.GetActiveSheetIndex(); f.GetSheetName(i) != workbook.SummarySheet {
			t.Errorf("%s opens on %q", filepath.Base(p), f.GetSheetName(i))
		}
		for name, x := range reportstest.SheetXML(t, p) {
			if selected := regexp.MustCompile(`tabSelected="(1|true)"`).MatchString(x); selected != (name == workbook.SummarySheet) {
				t.Errorf("%s: sheet %s selected = %v", filepath.Base(p), name, selected)
			}
		}
	}
}
