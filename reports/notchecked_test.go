package reports

import (
	"strings"
	"testing"
)

// A check that could not run is named with its reason and never counted as
// tied: with one check run and three not, the line must not read "All 4
// checks tie" (what a run without a receivables source showed).
func TestReconciliationLineNamesChecksNotRun(t *testing.T) {
	l, err := labelsFor("en")
	if err != nil {
		t.Fatal(err)
	}
	d := &reportData{reconTotals: []reconTotal{
		{check: "billing_vs_ledger", notChecked: "no ar_invoices source is configured"},
		{check: "open_vs_ledger", notChecked: "no ar_invoices source is configured"},
		{check: "payments_vs_invoices", notChecked: "no ar_payments source is configured"},
		{check: "revenue_vs_billing", ties: true},
	}}
	line := reconciliationLine(d, l)
	if strings.Contains(line, "4 checks tie") {
		t.Errorf("line counts unrun checks as tied: %q", line)
	}
	for _, want := range []string{"All 1 checks tie", "Not checked (3)", "billing_vs_ledger (no ar_invoices source is configured)"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	sec := reconciliationSection(d, l, Options{})
	row := sec.Tables[0].Table.Rows[0]
	if row[len(row)-1] != "not checked: no ar_invoices source is configured" || row[1] != row[len(row)-1] {
		t.Errorf("unrun check's row shows %q, want the reason in every figure's place", row)
	}
	d.reconTotals = d.reconTotals[:3]
	if line := reconciliationLine(d, l); !strings.HasPrefix(line, "No check could run.") {
		t.Errorf("no check run: %q", line)
	}
}
