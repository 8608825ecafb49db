package brief_test

import (
	"github.com/accordhq/accord/reports"
	"github.com/accordhq/accord/reports/email"
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
	"time"

	"github.com/xuri/excelize/v2"
)

// Tests of what issue 4 added to the reports: the model used, the evidence,
// movers, the trend, service drain, overrides, the reconciliation and the
// orphans, in the page, the workbook, the data files and the e-mail body.

// sheetRows returns a sheet's rows, raw values.
func sheetRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s: %v", sheet, err)
	}
	return rows
}

func assertCellType(t *testing.T, f *excelize.File, sheet, cell string, want excelize.CellType) {
	t.Helper()
	if got, _ := f.GetCellType(sheet, cell); got != want {
		t.Errorf("%s!%s: cell type %v, want %v", sheet, cell, got, want)
	}
}

func TestWorkbookModelEvidenceMovers(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	f := reportstest.OpenWorkbook(t, out.XLSX)

	// Model: the weights and normalizations the run used, typed.
	ind := reportstest.ColOf(t, f, "Model", "Indicator")
	seg := reportstest.ColOf(t, f, "Model", "Segment")
	r := reportstest.RowOf(t, f, "Model", ind, "collection_timeliness")
	if v := reportstest.RawValue(t, f, "Model", reportstest.CellAt(reportstest.ColOf(t, f, "Model", "Normalization"), r)); v != "minmax (winsorized at the 0.05 and 0.95 quantiles)" {
		t.Errorf("Model normalization %q", v)
	}
	reportstest.AssertNumber(t, f, "Model", reportstest.CellAt(reportstest.ColOf(t, f, "Model", "Weight"), r), "0.2", "0.0000")
	reportstest.AssertNumber(t, f, "Model", reportstest.CellAt(reportstest.ColOf(t, f, "Model", "Group weight"), r), "0.4", "0.0000")
	reportstest.AssertNumber(t, f, "Model", reportstest.CellAt(reportstest.ColOf(t, f, "Model", "Window (months)"), r), "12", "builtin:1")
	r = reportstest.RowOf(t, f, "Model", ind, "ease_of_coordination")
	avail := reportstest.CellAt(reportstest.ColOf(t, f, "Model", "Available"), r)
	assertCellType(t, f, "Model", avail, excelize.CellTypeBool)
	if v := reportstest.RawValue(t, f, "Model", avail); v != "0" {
		t.Errorf("Model available %q, want false", v)
	}
	if v := reportstest.RawValue(t, f, "Model", reportstest.CellAt(seg, reportstest.RowOf(t, f, "Model", reportstest.ColOf(t, f, "Model", "Weight method"), "entropy"))); v != "enterprise" {
		t.Errorf("entropy weights belong to %q", v)
	}

	// Evidence: metrics named as the page names them, their keys in the
	// last column; numbers as numbers, NULL empty, details kept as they
	// are (a formula lead is typed text, not a formula).
	metric := reportstest.ColOf(t, f, "Evidence", "Metric")
	key := reportstest.ColOf(t, f, "Evidence", "Metric key")
	value := reportstest.ColOf(t, f, "Evidence", "Value")
	detail := reportstest.ColOf(t, f, "Evidence", "Detail")
	onTime := reportstest.RowOf(t, f, "Evidence", key, "lift_on_time")
	reportstest.AssertNumber(t, f, "Evidence", reportstest.CellAt(value, onTime), "1.85", "builtin:0")
	if v := reportstest.RawValue(t, f, "Evidence", reportstest.CellAt(metric, onTime)); v != "Lift, tier A vs D: paid on time" {
		t.Errorf("Evidence metric shown as %q, want its name", v)
	}
	for _, row := range sheetRows(t, f, "Evidence")[1:] {
		m, _ := excelize.ColumnNameToNumber(metric)
		if strings.Contains(row[m-1], "_") {
			t.Errorf("Evidence metric %q is a key, not a name", row[m-1])
		}
	}
	if v := reportstest.RawValue(t, f, "Evidence", reportstest.CellAt(value, reportstest.RowOf(t, f, "Evidence", key, "lift_repurchase"))); v != "" {
		t.Errorf("NULL lift written as %q", v)
	}
	rows := sheetRows(t, f, "Evidence")
	found := false
	for _, row := range rows {
		n, _ := excelize.ColumnNameToNumber(detail)
		if len(row) >= n && row[n-1] == "=rank correlation over 1 customers" {
			found = true
		}
	}
	if !found {
		t.Error("Evidence: the formula-like detail is not kept as it is")
	}

	// Movers: largest moves first, dates typed, drivers as they are.
	ids := []string{}
	for _, row := range sheetRows(t, f, "Movers")[1:] {
		ids = append(ids, row[0])
	}
	if got := strings.Join(ids, ","); got != "C4,C2,C5,C1,C6" {
		t.Errorf("Movers order %s, want C4,C2,C5,C1,C6 (by |change|)", got)
	}
	c2 := reportstest.RowOf(t, f, "Movers", "A", "C2")
	prev := reportstest.CellAt(reportstest.ColOf(t, f, "Movers", "Previous as-of"), c2)
	if got := reportstest.NumFmt(t, f, "Movers", prev); got != "yyyy-mm-dd" {
		t.Errorf("previous_as_of format %q", got)
	}
	if v, _ := f.GetCellValue("Movers", prev); v != "2026-11-20" {
		t.Errorf("previous_as_of shows %q", v)
	}
	reportstest.AssertNumber(t, f, "Movers", reportstest.CellAt(reportstest.ColOf(t, f, "Movers", "Change"), c2), "5.25", "0.0")
	if v := reportstest.RawValue(t, f, "Movers", reportstest.CellAt(reportstest.ColOf(t, f, "Movers", "Moved down most by"), c2)); v != "@referral -1.2" {
		t.Errorf("top_down %q, want it as it is, no quote", v)
	}
	if v := reportstest.RawValue(t, f, "Movers", reportstest.CellAt(reportstest.ColOf(t, f, "Movers", "Customer"), c2)); v != reportstest.NameScript {
		t.Errorf("mover name %q", v)
	}
}

func TestWorkbookTrend(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	f := reportstest.OpenWorkbook(t, out.XLSX)
	rows := sheetRows(t, f, "Trend")
	// The run's as-of date and the earlier ones, oldest first; 2026-12-04
	// (after the run) is not shown; 2026-11-13 is read from run 4, its
	// latest, not run 3.
	wantHeader := []string{"Customer ID", "Customer", "Tier", "Score 2026-11-13", "Score 2026-11-20", "Score 2026-11-27"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Fatalf("Trend header %q, want %q", rows[0], wantHeader)
	}
	var ids []string
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		ids = append(ids, r[0])
		byID[r[0]] = r
	}
	if got := strings.Join(ids, ","); got != "C1,C2,C3,C4,C5,C6,C7,C8" {
		t.Errorf("Trend rows %s, want the run's customers in rank order", got)
	}
	for id, want := range map[string][]string{
		"C1": {"A", "88", "90", "91.5"},
		"C2": {"A", "70", "80", "85.25"},
		"C3": {"B", "", "", "70"},
		"C8": {"unrated", "", "", "5"},
	} {
		got := append(slices.Clone(byID[id][2:]), "", "", "", "")[:4]
		if !slices.Equal(got, want) {
			t.Errorf("Trend %s: %q, want %q", id, got, want)
		}
	}
	c1 := reportstest.RowOf(t, f, "Trend", "A", "C1")
	reportstest.AssertNumber(t, f, "Trend", reportstest.CellAt("D", c1), "88", "0.0")
	for _, r := range rows {
		for _, c := range r {
			if c == "11" || c == "12.5" {
				t.Errorf("Trend shows %s: a superseded run or a later date", c)
			}
		}
	}
}

func TestWorkbookDrainReconciliationOrphans(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	f := reportstest.OpenWorkbook(t, out.XLSX)
	money := reportstest.TestOptions.CurrencyFormat

	// Drain: money typed, a formula-like owner as it is, 18 digits exact text.
	owner := reportstest.ColOf(t, f, "Drain", "Account owner")
	ann := reportstest.RowOf(t, f, "Drain", owner, "ann@example.com")
	reportstest.AssertNumber(t, f, "Drain", reportstest.CellAt(reportstest.ColOf(t, f, "Drain", "Revenue 12m"), ann), "170000.00", money)
	reportstest.AssertNumber(t, f, "Drain", reportstest.CellAt(reportstest.ColOf(t, f, "Drain", "Value-added profit"), ann), "149999.50", money)
	reportstest.AssertNumber(t, f, "Drain", reportstest.CellAt(reportstest.ColOf(t, f, "Drain", "Drains"), reportstest.RowOf(t, f, "Drain", owner, "cy@example.com")), "1", "builtin:1")
	reportstest.RowOf(t, f, "Drain", owner, "=cmd")
	dee := reportstest.RowOf(t, f, "Drain", owner, "dee@example.com")
	if v := reportstest.RawValue(t, f, "Drain", reportstest.CellAt(reportstest.ColOf(t, f, "Drain", "Revenue 12m"), dee)); v != reportstest.BigMoney {
		t.Errorf("Drain big money %q", v)
	}

	// Reconciliation: the control totals first, then every exception.
	rows := sheetRows(t, f, "Reconciliation")
	var records []string
	for _, r := range rows[1:] {
		records = append(records, r[0]+"/"+r[1])
	}
	want := []string{
		"Control total/billing_vs_ledger", "Control total/open_vs_ledger", "Control total/payments_vs_invoices",
		"Control total/revenue_vs_billing",
		"Exception/billing_vs_ledger", "Exception/billing_vs_ledger", "Exception/billing_vs_ledger",
		"Exception/payments_vs_invoices", "Exception/payments_vs_invoices",
	}
	if !slices.Equal(records, want) {
		t.Errorf("Reconciliation rows %q, want %q", records, want)
	}
	a := reportstest.ColOf(t, f, "Reconciliation", "Amount A")
	diff := reportstest.ColOf(t, f, "Reconciliation", "Difference")
	ties := reportstest.ColOf(t, f, "Reconciliation", "Ties")
	reportstest.AssertNumber(t, f, "Reconciliation", reportstest.CellAt(a, 2), "1000.10", money)
	reportstest.AssertNumber(t, f, "Reconciliation", reportstest.CellAt(reportstest.ColOf(t, f, "Reconciliation", "Explained"), 4), "60.00", money)
	reportstest.AssertNumber(t, f, "Reconciliation", reportstest.CellAt(reportstest.ColOf(t, f, "Reconciliation", "Exceptions"), 2), "3", "builtin:1")
	assertCellType(t, f, "Reconciliation", reportstest.CellAt(ties, 4), excelize.CellTypeBool)
	if v := reportstest.RawValue(t, f, "Reconciliation", reportstest.CellAt(ties, 4)); v != "0" {
		t.Errorf("payments_vs_invoices ties = %q, want false", v)
	}
	key := reportstest.ColOf(t, f, "Reconciliation", "Invoice / payment")
	inv4 := reportstest.RowOf(t, f, "Reconciliation", key, "INV-4")
	reportstest.AssertNumber(t, f, "Reconciliation", reportstest.CellAt(diff, inv4), "-0.05", money)
	reportstest.RowOf(t, f, "Reconciliation", key, "=INV-2") // as it is: typed text
	pay7 := reportstest.RowOf(t, f, "Reconciliation", key, "PAY-7")
	if v := reportstest.RawValue(t, f, "Reconciliation", reportstest.CellAt(reportstest.ColOf(t, f, "Reconciliation", "Amount B"), pay7)); v != "" {
		t.Errorf("NULL amount written as %q", v)
	}
	if v := reportstest.RawValue(t, f, "Reconciliation", reportstest.CellAt(reportstest.ColOf(t, f, "Reconciliation", "Customer ID"), pay7)); v != "" {
		t.Errorf("NULL customer written as %q", v)
	}

	// Orphans: the run's unknown references.
	orphans := sheetRows(t, f, "Orphans")
	if len(orphans) != 4 || orphans[1][0] != "billing_lines" || orphans[3][2] != "=X1" && orphans[2][2] != "=X1" {
		t.Errorf("Orphans sheet %q", orphans)
	}

	// The Customers sheet carries the new columns; Service queue too.
	id := reportstest.ColOf(t, f, "Customers", "Customer ID")
	c2 := reportstest.RowOf(t, f, "Customers", id, "C2")
	for header, want := range map[string]string{"Segment": "default", "Computed tier": "B", "Override tier": "A",
		"Override reason": reportstest.ReasonC2, "Override owner": "bob@example.com", "Quadrant": "partner", "Previous tier": "B"} {
		if v := reportstest.RawValue(t, f, "Customers", reportstest.CellAt(reportstest.ColOf(t, f, "Customers", header), c2)); v != want {
			t.Errorf("Customers C2 %s = %q, want %q", header, v, want)
		}
	}
	exp := reportstest.CellAt(reportstest.ColOf(t, f, "Customers", "Override expires"), c2)
	if v, _ := f.GetCellValue("Customers", exp); v != "2027-03-31" || reportstest.NumFmt(t, f, "Customers", exp) != "yyyy-mm-dd" {
		t.Errorf("override expiry shows %q", v)
	}
	reportstest.AssertNumber(t, f, "Customers", reportstest.CellAt(reportstest.ColOf(t, f, "Customers", "Previous score"), c2), "80", "0.0")
	reportstest.AssertNumber(t, f, "Customers", reportstest.CellAt(reportstest.ColOf(t, f, "Customers", "Tier stability"), c2), "0.5", "0.0%")
	t1 := reportstest.RowOf(t, f, "Service queue", reportstest.ColOf(t, f, "Service queue", "Ticket"), "T1")
	reportstest.AssertNumber(t, f, "Service queue", reportstest.CellAt(reportstest.ColOf(t, f, "Service queue", "Priority"), t1), "115.25", "0.0")
	reportstest.AssertNumber(t, f, "Service queue", reportstest.CellAt(reportstest.ColOf(t, f, "Service queue", "Estimated hours"), t1), "2.5", "0.0")
	assertCellType(t, f, "Service queue", reportstest.CellAt(reportstest.ColOf(t, f, "Service queue", "Fits this week"), t1), excelize.CellTypeBool)

	// The Summary states the model and the evidence.
	summary := map[string]string{}
	srows, _ := f.GetRows("Summary")
	for _, r := range srows {
		if len(r) > 1 {
			summary[r[0]] = r[1]
		}
	}
	if v := summary["Model used"]; !strings.Contains(v, "percentile (4)") || !strings.Contains(v, "config (default), entropy (enterprise)") {
		t.Errorf("Summary model line %q", v)
	}
	// One row per segment, the value a number (TestWorkbookSummarySpearmanIsANumber).
	if a, b := summary["Spearman: score vs value-added profit (default)"], summary["Spearman: score vs value-added profit (enterprise)"]; a != "0.623" || b != "n/a" {
		t.Errorf("Summary evidence rows %q, %q", a, b)
	}
	if v := summary["Reconciliation checks"]; v != "1 of 4 checks do not tie." {
		t.Errorf("Summary reconciliation line %q", v)
	}
	if v := summary["Customers who changed tier"]; v != "3" {
		t.Errorf("Summary tier changes %q", v)
	}

	// Other runs' rows stay out of every sheet.
	cells, _ := reportstest.WorkbookText(t, out.XLSX)
	for _, tok := range []string{"old-normalization", "old evidence", "INV-OLD", "C405", "Gone Co", "-0.999"} {
		if bytes.Contains(cells, []byte(tok)) {
			t.Errorf("the workbook shows %q of another run", tok)
		}
	}
}

func TestDataFilesNewTables(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	field := func(table, keyCol, key, col string) string {
		t.Helper()
		recs := reportstest.ReadCSV(t, filepath.Join(out.Dir, "data", table+".csv"))
		k, c := slices.Index(recs[0], keyCol), slices.Index(recs[0], col)
		if k < 0 || c < 0 {
			t.Fatalf("%s.csv has no %s or %s: %q", table, keyCol, col, recs[0])
		}
		for _, r := range recs[1:] {
			if r[k] == key {
				return r[c]
			}
		}
		t.Fatalf("%s.csv: no row with %s = %q", table, keyCol, key)
		return ""
	}
	for _, c := range []struct{ table, keyCol, key, col, want string }{
		{"model_used", "indicator", "collection_timeliness", "normalization", "minmax (winsorized at the 0.05 and 0.95 quantiles)"},
		{"model_used", "indicator", "collection_timeliness", "weight", "0.2"},
		{"model_evidence", "metric", "lift_repurchase", "value", ""},
		{"movers", "customer_id", "C2", "top_down", "'@referral -1.2"},
		{"movers", "customer_id", "C4", "name", "'" + reportstest.NameFormula},
		{"movers", "customer_id", "C2", "previous_as_of", "2026-11-20"},
		{"owner_drain", "account_owner", "ann@example.com", "revenue_12m", "170000.00"},
		{"owner_drain", "account_owner", "'=cmd", "customers", "1"},
		{"owner_drain", "account_owner", "dee@example.com", "revenue_12m", reportstest.BigMoney},
		{"reconciliation_totals", "check_name", "billing_vs_ledger", "total_b", "900.05"},
		{"reconciliation_totals", "check_name", "payments_vs_invoices", "ties", "false"},
		{"reconciliation_exceptions", "key", "'=INV-2", "customer_id", "C2"},
		{"reconciliation_exceptions", "key", "INV-4", "difference", "-0.05"},
		{"reconciliation_exceptions", "key", "PAY-7", "customer_id", ""},
		{"customer_value", "customer_id", "C2", "override_reason", "'" + reportstest.ReasonC2},
		{"customer_value", "customer_id", "C2", "override_expires", "2027-03-31"},
		{"value_contributions", "indicator", "referral", "normalization", "zscore"},
		{"service_queue", "ticket_id", "T1", "fits_capacity", "true"},
		{"orphans", "value", "C404", "rows", "3"},
	} {
		if got := field(c.table, c.keyCol, c.key, c.col); got != c.want {
			t.Errorf("%s.csv %s=%s: %s = %q, want %q", c.table, c.keyCol, c.key, c.col, got, c.want)
		}
	}
	// Parquet keeps the exact text and the DECIMAL type.
	var key, diff string
	p := filepath.Join(out.Dir, "data", "reconciliation_exceptions.parquet")
	if err := db.QueryRow("SELECT \"key\", CAST(difference AS VARCHAR) FROM read_parquet('"+p+"') WHERE customer_id = 'C2'").Scan(&key, &diff); err != nil {
		t.Fatal(err)
	}
	if key != "=INV-2" || diff != "0.00" {
		t.Errorf("parquet exception %q %q", key, diff)
	}
}

func TestPageStatesModelEvidenceAndSections(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	page, err := os.ReadFile(reportstest.WriteFixture(t, db, reportstest.TestOptions).HTML)
	if err != nil {
		t.Fatal(err)
	}
	_, rest := reportstest.SplitPage(t, page)
	html := string(rest)
	for _, want := range []string{
		// The normalizations and weight methods used, in words…
		"Normalization used (number of indicators): percentile (4), minmax (winsorized at the 0.05 and 0.95 quantiles) (1), thresholds (1), zscore (1). Weight method: config (default), entropy (enterprise).",
		// …and a model_used row as the table shows it: weights as percentages.
		"<tr><td>default</td><td>economic</td><td class=\"n\" data-v=\"40\">40.00%</td><td>collection_timeliness</td><td class=\"n\" data-v=\"20\">20.00%</td>" +
			"<td>higher is better</td><td title=\"minmax (winsorized at the 0.05 and 0.95 quantiles)\">minmax (winsorized at the 0.05 and 0.95 quantiles)</td><td class=\"n\" data-v=\"12\">12</td>" +
			"<td>exclude and renormalize</td><td>config</td><td>yes</td></tr>",
		"<td>ease_of_coordination</td><td class=\"n\" data-v=\"25\">25.00%</td><td>lower is better</td><td>thresholds</td>",
		// Evidence.
		"Index check: Spearman rank correlation of score and value-added profit: default 0.623, enterprise n/a.",
		"<td title=\"Lift, tier A vs D: paid on time\">Lift, tier A vs D: paid on time</td><td class=\"n\" data-v=\"1.85\">1.85×</td><td title=\"paid on time since 2026-05-27: tier A 92%, tier D 50% of the amount due\">paid on time since 2026-05-27: tier A 92%, tier D 50% of the amount due</td>",
		"<td title=\"Sensitivity: customers changing tier if economic moves &#43;5 points\">Sensitivity: customers changing tier if economic moves &#43;5 points</td><td class=\"n\" data-v=\"2\">2</td>",
		"Tier stability: on average, 75.0% of each customer",
		// Movers: tier changes first, with drivers.
		"Since 2026-11-20: 3 customers changed tier; 5 movers in all",
		"<td>C2</td><td title=\"&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;\">&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</td><td>B</td><td>A</td><td class=\"n\" data-v=\"80\">80.0</td><td class=\"n\" data-v=\"85.3\">85.3</td><td class=\"n\" data-v=\"5.3\">&#43;5.3</td><td>maintenance_fees &#43;4.0</td><td>@referral -1.2</td>",
		// Service drain: quadrants, medians, owners.
		"This run&#39;s medians: score 52.8, service cost ¥8,500.00",
		"<td title=\"drain (low value, high cost)\">drain (low value, high cost)</td><td class=\"n\" data-v=\"1\">1</td><td class=\"n\" data-v=\"10000\">¥10,000.00</td><td class=\"n\" data-v=\"12000\">¥12,000.00</td><td class=\"n\" data-v=\"-2000\">-¥2,000.00</td>",
		"<td>cy@example.com</td><td class=\"n\" data-v=\"2\">2</td><td class=\"n\" data-v=\"18000\">¥18,000.00</td><td class=\"n\" data-v=\"13000\">¥13,000.00</td><td class=\"n\" data-v=\"5000\">¥5,000.00</td><td class=\"n\" data-v=\"0\">0</td><td class=\"n\" data-v=\"1\">1</td>",
		// Overrides, escaped.
		"<td>C2</td><td title=\"&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;\">&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</td><td>A</td><td>B</td><td title=\"=Strategic account &lt;b&gt;CEO&lt;/b&gt; sponsor\">=Strategic account &lt;b&gt;CEO&lt;/b&gt; sponsor</td><td>bob@example.com</td><td data-v=\"1806451200\">2027-03-31</td>",
		// The service queue says why and what fits.
		"<td class=\"n\" data-v=\"115.3\">115.3</td><td class=\"n\" data-v=\"2.5\">2.5</td><td>yes</td>",
		// Reconciliation and orphans.
		"1 of 4 checks do not tie.",
		"<td>billing_vs_ledger</td><td class=\"n\" data-v=\"1000.1\">¥1,000.10</td><td class=\"n\" data-v=\"900.05\">¥900.05</td><td class=\"n\" data-v=\"100.05\">¥100.05</td><td class=\"n\" data-v=\"100.05\">¥100.05</td><td class=\"n\" data-v=\"3\">3</td><td>yes</td>",
		"<td>payments_vs_invoices</td><td>over-paid</td><td class=\"n\" data-v=\"1\">1</td><td class=\"n\" data-v=\"20\">¥20.00</td>",
		"<td>tickets</td><td>customer_id</td><td>customers</td><td class=\"n\" data-v=\"2\">2</td><td class=\"n\" data-v=\"4\">4</td>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"old-normalization", "old evidence", "-0.999", "Gone Co", "<b>CEO</b>"} {
		if strings.Contains(html, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	// The value vs cost chart marks the quadrant split at the medians.
	_, specs := reportstest.ChartScript(t, page)
	series := specs[1].Option["series"].([]any)
	last := series[len(series)-1].(map[string]any)
	if last["name"] != "Quadrants (medians)" {
		t.Fatalf("last scatter series %v, want the medians", last["name"])
	}
	lines := last["markLine"].(map[string]any)["data"].([]any)
	if len(lines) != 2 || lines[0].(map[string]any)["xAxis"] != 8500.0 || lines[1].(map[string]any)["yAxis"] != 52.75 {
		t.Errorf("median lines %v", lines)
	}
}

func TestFilteredPageLeavesCompanyFiguresOut(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	opt := reportstest.TestOptions
	opt.Filter = reportstest.RepFilter
	page, err := os.ReadFile(reportstest.WriteFixture(t, db, opt).HTML)
	if err != nil {
		t.Fatal(err)
	}
	_, rest := reportstest.SplitPage(t, page)
	html := string(rest)
	for _, want := range []string{
		texts.LabelsEN["recon.filtered"], texts.LabelsEN["report.filtered_orphans"], texts.LabelsEN["drain.filtered"],
		"Since 2026-11-20: 2 customers changed tier; 3 movers in all",
		"<td>cy@example.com</td><td class=\"n\" data-v=\"2\">2</td>",
		"<td>bob@example.com</td><td class=\"n\" data-v=\"1\">1</td>",
		// The model and its evidence stay whole.
		"<td>collection_timeliness</td><td class=\"n\" data-v=\"20\">20.00%</td>",
		"default 0.623",
	} {
		want = strings.NewReplacer("'", "&#39;").Replace(want)
		if !strings.Contains(html, want) {
			t.Errorf("filtered page lacks %q", want)
		}
	}
	for _, bad := range []string{"medians: score", "billing_vs_ledger", "C404", "¥8,500.00", "1 of 4"} {
		if strings.Contains(html, bad) {
			t.Errorf("filtered page shows the company-wide %q", bad)
		}
	}
	_, specs := reportstest.ChartScript(t, page)
	for _, s := range specs[1].Option["series"].([]any) {
		if _, ok := s.(map[string]any)["markLine"]; ok {
			t.Error("the filtered scatter marks the company-wide medians")
		}
	}

	// A recipient whose customers did not move still learns since when.
	opt.Filter = "customer_id = 'C3'"
	page, err = os.ReadFile(reportstest.WriteFixture(t, db, opt).HTML)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("Since 2026-11-20: 0 customers changed tier; 0 movers in all")) ||
		!bytes.Contains(page, []byte(texts.LabelsEN["movers.empty"])) {
		t.Error("a filtered page without movers does not say since when nobody moved")
	}
}

// TestFilteredDrainIsRecomputed: a filtered report's owner_drain sums the
// allowed customers only. Where a filter allows all of an owner's customers
// it equals the pipeline's row; where it allows some, it sums those.
func TestFilteredDrainIsRecomputed(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	ctx := context.Background()
	read := func(dir string) map[string][]string {
		recs := reportstest.ReadCSV(t, filepath.Join(dir, "data", "owner_drain.csv"))
		out := map[string][]string{}
		for _, r := range recs[1:] {
			out[r[2]] = r
		}
		return out
	}
	full, err := reports.Write(ctx, db, reportstest.FixtureRun, reportstest.FixtureAsOf, filepath.Join(t.TempDir(), "full"), reportstest.TestOptions)
	if err != nil {
		t.Fatal(err)
	}
	table := read(full.Dir)
	opt := reportstest.TestOptions
	opt.Filter = reportstest.RepFilter
	rep, err := reports.Write(ctx, db, reportstest.FixtureRun, reportstest.FixtureAsOf, filepath.Join(t.TempDir(), "rep"), opt)
	if err != nil {
		t.Fatal(err)
	}
	got := read(rep.Dir)
	if len(got) != 2 {
		t.Fatalf("filtered owner_drain has owners %v, want bob and cy", got)
	}
	for _, owner := range []string{"bob@example.com", "cy@example.com"} {
		if !slices.Equal(got[owner], table[owner]) {
			t.Errorf("%s: recomputed %q, pipeline's %q", owner, got[owner], table[owner])
		}
	}

	// North: C1 (ann) and C5 (cy); ann's C3 is in the East and must not
	// count, so ann's row is C1's alone.
	opt.Filter = "region = 'North'"
	north, err := reports.Write(ctx, db, reportstest.FixtureRun, reportstest.FixtureAsOf, filepath.Join(t.TempDir(), "north"), opt)
	if err != nil {
		t.Fatal(err)
	}
	got = read(north.Dir)
	if len(got) != 2 {
		t.Fatalf("North owner_drain has owners %v, want ann and cy", got)
	}
	if r := got["ann@example.com"]; r[3] != "1" || r[4] != "120000.00" || r[5] != "15000.50" || r[6] != "104999.50" || r[7] != "1" {
		t.Errorf("ann's North row %q, want C1's figures only", r)
	}
	if r := got["cy@example.com"]; r[3] != "1" || r[8] != "1" {
		t.Errorf("cy's North row %q, want C5 only, a drain", r)
	}
	f := reportstest.OpenWorkbook(t, north.XLSX)
	if rows := sheetRows(t, f, "Drain"); len(rows) != 3 {
		t.Errorf("North Drain sheet has %d rows, want header + 2", len(rows))
	}
	page, err := os.ReadFile(north.HTML)
	if err != nil {
		t.Fatal(err)
	}
	if _, rest := reportstest.SplitPage(t, page); bytes.Contains(rest, []byte("170,000.00")) || bytes.Contains(rest, []byte("149,999.50")) {
		t.Error("the North page shows ann's company-wide drain row")
	}
}

func TestEmailBodyMoversAndEvidence(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	ctx := context.Background()
	body := func(opt snapshot.Options) (string, string) {
		t.Helper()
		l, err := texts.LabelsFor(opt.Language)
		if err != nil {
			t.Fatal(err)
		}
		_, d, err := reports.WriteWithData(ctx, db, reportstest.FixtureRun, reportstest.FixtureAsOf, filepath.Join(t.TempDir(), "r"), opt)
		if err != nil {
			t.Fatal(err)
		}
		v := email.BodyView(email.ComposeInput{D: d, L: l, Opt: opt, RunID: reportstest.FixtureRun, AsOf: reportstest.FixtureAsOf,
			Date: time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)}, nil, nil, nil)
		html, err := email.RenderEmailHTML(v)
		if err != nil {
			t.Fatal(err)
		}
		return html, email.RenderEmailText(v)
	}
	html, text := body(reportstest.TestOptions)
	for _, want := range []string{
		"Tier changes since the previous run",
		"Index check: Spearman rank correlation of score and value-added profit: default 0.623, enterprise n/a.",
		"Normalization used (number of indicators): percentile (4)",
	} {
		if !strings.Contains(text, want) || !strings.Contains(html, want) {
			t.Errorf("e-mail body lacks %q", want)
		}
	}
	// The three tier changes, largest move first; C1 and C6 kept their tier.
	moverLines := []string{}
	inMovers := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "Tier changes since the previous run":
			inMovers = true
		case inMovers && line == "":
			inMovers = false
		case inMovers && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "  Customer |"):
			moverLines = append(moverLines, line)
		}
	}
	if len(moverLines) != 3 || !strings.HasPrefix(moverLines[0], "  "+reportstest.NameFormula+" | C | B | +15.5") ||
		!strings.HasPrefix(moverLines[1], "  "+reportstest.NameScript+" | B | A | +5.3") ||
		!strings.HasPrefix(moverLines[2], "  "+reportstest.NameFuncStr+" | B | C | -5.0") {
		t.Errorf("movers in the text body:\n%s", strings.Join(moverLines, "\n"))
	}
	if strings.Contains(html, "<script>window") {
		t.Error("a mover's name is not escaped in the HTML body")
	}

	// A filtered recipient sees only its customers' tier changes.
	opt := reportstest.TestOptions
	opt.Title = "Weekly report for the rep"
	opt.Filter = reportstest.RepFilter
	html, text = body(opt)
	reportstest.AssertNoOutsideData(t, "filtered e-mail HTML", []byte(html))
	reportstest.AssertNoOutsideData(t, "filtered e-mail text", []byte(text))
	if !strings.Contains(text, "+5.3") || !strings.Contains(text, "-5.0") {
		t.Errorf("filtered e-mail lacks its customers' tier changes:\n%s", text)
	}
}
