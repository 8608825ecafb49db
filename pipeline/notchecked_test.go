package pipeline

import (
	"database/sql"
	"strings"
	"testing"
)

// Without a receivables source, the checks that need the ledger cannot run:
// each says why, lists no exceptions, and does not count as tied. Before,
// every billed invoice was listed "missing in ledger" and the page said
// "All 4 checks tie". revenue_vs_billing needs only billing and still runs.
func TestReconciliationWithoutLedgerSaysNotChecked(t *testing.T) {
	dir := copyFixture(t)
	editFixtureConfig(t, dir, "  ar_invoices: {files: [ar_invoices.csv]", "  # ar_invoices: {files: [ar_invoices.csv]")
	cfg := editFixtureConfig(t, dir, "  ar_payments: {files: [ar_payments.csv]", "  # ar_payments: {files: [ar_payments.csv]")
	store, res := runFixture(t, cfg)
	rows, err := store.DB.Query(`SELECT check_name, ties, coalesce(not_checked, '') FROM reconciliation_totals WHERE run_id = ? ORDER BY check_name`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var name, why string
		var ties sql.NullBool
		if err := rows.Scan(&name, &ties, &why); err != nil {
			t.Fatal(err)
		}
		if why != "" && ties.Valid {
			t.Errorf("%s: not checked (%s) yet ties = %v", name, why, ties.Bool)
		}
		if why == "" && !ties.Valid {
			t.Errorf("%s: checked but ties is NULL", name)
		}
		got[name] = why
	}
	want := map[string]string{
		"billing_vs_ledger":    "no ar_invoices source is configured",
		"payments_vs_invoices": "no ar_invoices source is configured; no ar_payments source is configured",
		"open_vs_ledger":       "no ar_invoices source is configured",
		"revenue_vs_billing":   "",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: not_checked %q, want %q", name, got[name], w)
		}
	}
	// No zero stands for a total that could not be computed.
	if n := tableCount(t, store, "SELECT count(*) FROM reconciliation_totals WHERE run_id = "+itoa(res.RunID)+
		" AND not_checked IS NOT NULL AND (total_a IS NOT NULL OR total_b IS NOT NULL OR difference IS NOT NULL OR exceptions IS NOT NULL OR explained IS NOT NULL)"); n != 0 {
		t.Errorf("%d not-checked checks carry totals", n)
	}
	if n := tableCount(t, store, "SELECT count(*) FROM reconciliation_exceptions WHERE run_id = "+itoa(res.RunID)+" AND check_name <> 'revenue_vs_billing'"); n != 0 {
		t.Errorf("%d exceptions listed for checks that could not run", n)
	}
	// With the ledger, every check runs (the hand-computed fixture).
	store2, res2 := runFixture(t, "testdata/fixture.yaml")
	if n := tableCount(t, store2, "SELECT count(*) FROM reconciliation_totals WHERE run_id = "+itoa(res2.RunID)+" AND not_checked IS NULL AND ties IS NOT NULL"); n != 4 {
		t.Errorf("with the ledger %d of 4 checks ran", n)
	}
}

// With no service cost for anyone (hourly_cost 0), no customer is a drain:
// before, every customer below the median score was one, since every cost
// was at the median of 0.
func TestNoServiceCostMeansNoQuadrants(t *testing.T) {
	store, res := runWithModel(t, strings.Replace(modelWith("", "", "", ""), `hourly_cost: "300.00"`, `hourly_cost: "0.00"`, 1))
	if n := tableCount(t, store, "SELECT count(*) FROM customer_value WHERE run_id = "+itoa(res.RunID)+" AND quadrant IS NOT NULL"); n != 0 {
		t.Errorf("%d customers given a quadrant with no service cost recorded", n)
	}
	if n := tableCount(t, store, "SELECT coalesce(sum(drains), 0) FROM owner_drain WHERE run_id = "+itoa(res.RunID)); n != 0 {
		t.Errorf("%d drains counted with no service cost recorded", n)
	}
	// With the fixture's costs, quadrants are there (the hand-computed case).
	store2, res2 := runFixture(t, "testdata/fixture.yaml")
	if n := tableCount(t, store2, "SELECT count(*) FROM customer_value WHERE run_id = "+itoa(res2.RunID)+" AND quadrant IS NULL"); n != 0 {
		t.Errorf("%d customers without a quadrant where costs vary", n)
	}
}

// All scores equal: the Spearman correlation does not exist. corr gave NaN,
// shown as a number; now the value is NULL and the detail says why.
func TestSpearmanWithoutSpreadIsNotAvailable(t *testing.T) {
	store, res := runWithModel(t, "model:\n  hourly_cost: \"300.00\"\n  groups:\n"+
		"    - {name: characteristics, weight: 100, indicators: [\n"+
		`        {name: same_for_all, weight: 100, direction: higher, sql: "SELECT customer_id, 1 AS value FROM customers"}]}`+"\n")
	var value sql.NullFloat64
	var detail string
	if err := store.DB.QueryRow(`SELECT value, detail FROM model_evidence WHERE run_id = ? AND metric = 'spearman_value_added_profit'`, res.RunID).Scan(&value, &detail); err != nil {
		t.Fatal(err)
	}
	if value.Valid || detail != "not available: all 5 customers have the same score" {
		t.Errorf("spearman %v, %q; want NULL, not available with the reason", value, detail)
	}
}

// On the real IBM receivables export (a ledger, no billing), the checks
// that need billing lines say so, and the two ledger checks run; on the
// Telco CRM export (no receivables, no billing) no check runs.
func TestRealExportsReconciliationChecks(t *testing.T) {
	requireRealData(t)
	for _, c := range []struct {
		cfg     string
		checked map[string]bool
	}{
		{"../config/examples/ibm-ar.yaml", map[string]bool{"payments_vs_invoices": true, "open_vs_ledger": true}},
		{"../config/examples/telco-crm.yaml", map[string]bool{}},
	} {
		store, res := runFixture(t, c.cfg)
		rows, err := store.DB.Query(`SELECT check_name, not_checked IS NULL, ties IS NOT NULL FROM reconciliation_totals WHERE run_id = ?`, res.RunID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var name string
			var ran, hasTies bool
			if err := rows.Scan(&name, &ran, &hasTies); err != nil {
				t.Fatal(err)
			}
			n++
			if ran != c.checked[name] || hasTies != ran {
				t.Errorf("%s: %s ran %v (ties recorded %v), want ran %v", c.cfg, name, ran, hasTies, c.checked[name])
			}
		}
		rows.Close()
		if n != 4 {
			t.Errorf("%s: %d checks recorded, want 4", c.cfg, n)
		}
	}
}
