package pipeline

import (
	"os"
	"path/filepath"
	"testing"
)

// TestHeaderlessExport: an export with no header row loads through
// header: false and column_names, and a reject names the line a person sees
// (line 1 is data here). The fixture's products file loses its header; a
// bad launch date is written on its line 3, by hand.
func TestHeaderlessExport(t *testing.T) {
	dir := copyFixture(t)
	body := "P1,Pump A,Pumps,2019-01-01,\nP2,Valve B,Valves,2018-01-01,2026-06-30\nP3,Gauge C,Gauges,someday,\n"
	if err := os.WriteFile(filepath.Join(dir, "fixture", "products.csv"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	editFixtureConfig(t, dir, "products: {files: [products.csv], columns: {product_id: product_id, name: name,",
		"products: {header: false, reject_threshold: 0.5, column_names: [pid, pname, fam, launched, eol], files: [products.csv], columns: {product_id: pid, name: pname,")
	editFixtureConfig(t, dir, "family: family, launched_at: launched_at, supported_until: supported_until}}",
		"family: fam, launched_at: launched, supported_until: eol}}")
	store, res := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	if n := tableCount(t, store, "SELECT count(*) FROM products WHERE product_id IN ('P1', 'P2') AND name IN ('Pump A', 'Valve B')"); n != 2 {
		t.Errorf("products P1, P2 loaded %d times, want 2 (the first record is data, not a header)", n)
	}
	var line int64
	var reason string
	if err := store.DB.QueryRow(`SELECT line, reason FROM rejects WHERE run_id = ? AND source = 'products'`, res.RunID).Scan(&line, &reason); err != nil {
		t.Fatal(err)
	}
	if line != 3 {
		t.Errorf("reject on line %d (%s), want 3", line, reason)
	}
}
