package pipeline

import (
	"os"
	"path/filepath"
	"strings"
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

// TestGeneratedLineNumber: an export with no line number gets one from its
// record number through a transform, as the README shows. The fixture's
// billing lines lose their line_no column; each line's number is then its
// record in the file (1..17, by hand: the file has 17 data rows).
func TestGeneratedLineNumber(t *testing.T) {
	dir := copyFixture(t)
	p := filepath.Join(dir, "fixture", "billing_lines.csv")
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Split(line, ",")
		out = append(out, strings.Join(append(f[:1:1], f[2:]...), ","))
	}
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	editFixtureConfig(t, dir, "billing_lines: {files: [billing_lines.csv], columns: {invoice_id: invoice_id, line_no: line_no,",
		`billing_lines: {transform: "SELECT *, __record AS line_no FROM export", files: [billing_lines.csv], columns: {invoice_id: invoice_id,`)
	store, _ := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	var n, lo, hi, distinct int64
	if err := store.DB.QueryRow(`SELECT count(*), min(line_no), max(line_no), count(DISTINCT line_no) FROM billing_lines`).Scan(&n, &lo, &hi, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != 17 || lo != 1 || hi != 17 || distinct != 17 {
		t.Errorf("billing lines: %d rows, line_no %d..%d, %d distinct; want 17 rows numbered 1..17", n, lo, hi, distinct)
	}
}
