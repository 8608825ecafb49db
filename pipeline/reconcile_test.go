package pipeline

import (
	"database/sql"
	"testing"
)

// Reconciliation of the fixture by hand (as of 2026-11-27):
//   - billing: 17 lines, 81499.00 over 15 invoice ids (I0–I14); the ledger
//     holds A1–A5, 5177.00; no id matches, so 15 "missing in ledger" + 5 "not billed".
//   - payments: 3700.00 received; applied to ledger invoices up to their
//     amount: A1 1000 + A2 2000 + A4 400 = 3400.00; Y5 names no invoice (300.00).
//   - revenue: revenue_12m of C1–C5 = 20000 + 13000 + 5000 + 6000 + 1000 = 45000.00,
//     the billing lines of (2025-11-27, 2026-11-27].
//   - open: aging 1000.00 (A3) + 777.00 (A5) = ledger amounts less applied payments.
func TestReconciliationByHand(t *testing.T) {
	store, res := runFixture(t, "testdata/fixture.yaml")
	want := map[string][4]string{ // total_a, total_b, exceptions, ties
		"billing_vs_ledger":    {"81499.00", "5177.00", "20", "true"},
		"payments_vs_invoices": {"3700.00", "3400.00", "1", "true"},
		"revenue_vs_billing":   {"45000.00", "45000.00", "0", "true"},
		"open_vs_ledger":       {"1777.00", "1777.00", "0", "true"},
	}
	rows, err := store.DB.Query(`SELECT check_name, total_a::VARCHAR, total_b::VARCHAR, exceptions::VARCHAR, ties::VARCHAR
		FROM reconciliation_totals WHERE run_id = ?`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var name string
		var got [4]string
		rows.Scan(&name, &got[0], &got[1], &got[2], &got[3])
		seen++
		if got != want[name] {
			t.Errorf("%s: got %v, want %v", name, got, want[name])
		}
	}
	if seen != len(want) {
		t.Errorf("%d checks, want %d", seen, len(want))
	}
	var kind, key string
	var reference sql.NullString
	if err := store.DB.QueryRow(`SELECT kind, key, reference FROM reconciliation_exceptions WHERE run_id = ? AND check_name = 'payments_vs_invoices'`, res.RunID).Scan(&kind, &key, &reference); err != nil {
		t.Fatal(err)
	}
	if kind != "unapplied" || key != "Y5" || reference.Valid {
		t.Errorf("payment exception %q %q %v, want Y5 unapplied naming no invoice", kind, key, reference)
	}
}
