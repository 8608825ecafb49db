package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accordhq/accord/config"
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

// TestTransformJoinsALookup: a transform joins a configured lookup file by
// name; the file is found under inputs_dir (not the working directory) and
// fingerprinted in run_inputs like any input. The lookup renames the
// fixture's regions East → 华东 and North → 华北 (South has no entry and
// keeps its name), so by hand: C1, C4 华东; C2, C3 华北; C5 South.
func TestTransformJoinsALookup(t *testing.T) {
	dir := copyFixture(t)
	lookup := "code,region_name\nEast,华东\nNorth,华北\n"
	if err := os.WriteFile(filepath.Join(dir, "fixture", "regions.csv"), []byte(lookup), 0o644); err != nil {
		t.Fatal(err)
	}
	editFixtureConfig(t, dir, "customers: {files: [customers.csv]",
		`customers: {transform: "SELECT c.* EXCLUDE (region), coalesce(r.region_name, c.region) AS region FROM export c LEFT JOIN regions r ON r.code = c.region", files: [customers.csv]`)
	editFixtureConfig(t, dir, "model:", "lookups: {regions: {file: regions.csv}}\nmodel:")
	cfg, err := config.Load(filepath.Join(dir, "fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := CheckMapping(t.Context(), cfg); err != nil || len(problems) > 0 {
		t.Fatalf("validate: %v %v", problems, err)
	}
	store, res := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	got := map[string]string{}
	rows, err := store.DB.Query("SELECT customer_id, region FROM customers")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, region string
		if err := rows.Scan(&id, &region); err != nil {
			t.Fatal(err)
		}
		got[id] = region
	}
	rows.Close()
	want := map[string]string{"C1": "华东", "C2": "华北", "C3": "华北", "C4": "华东", "C5": "South"}
	if !maps.Equal(got, want) {
		t.Errorf("regions %v, want %v", got, want)
	}
	sum := sha256.Sum256([]byte(lookup))
	var file, sha string
	var read int64
	if err := store.DB.QueryRow(`SELECT file, sha256, rows_read FROM run_inputs WHERE run_id = ? AND source = 'lookup:regions'`, res.RunID).Scan(&file, &sha, &read); err != nil {
		t.Fatal(err)
	}
	if sha != hex.EncodeToString(sum[:]) || read != 2 || file != filepath.Join(dir, "fixture", "regions.csv") {
		t.Errorf("run_inputs lookup row: %s %s %d, want the file under inputs_dir, its sha256 and 2 rows", file, sha, read)
	}
}
