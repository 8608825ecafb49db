package pipeline

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// blankColumn rewrites a fixture CSV with column col emptied on every row.
func blankColumn(t *testing.T, path, col string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	idx := -1
	for i, h := range rows[0] {
		if h == col {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("%s has no column %s", path, col)
	}
	for _, r := range rows[1:] {
		r[idx] = ""
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

// windowFaults counts, from the fixture's CSVs (not the pipeline's
// tables), fault tickets in the 12-month window per product, component and
// region, the region taken from the ticket, else from its customer, else
// "(all regions)" when ignoreRegions.
func windowFaults(t *testing.T, dir string, ignoreRegions bool) map[[3]string]int64 {
	t.Helper()
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	regionOf := map[string]string{}
	for _, r := range read("customers.csv")[1:] {
		regionOf[r[0]] = r[3]
	}
	from := fixtureAsOf.AddDate(-1, 0, 0)
	got := map[[3]string]int64{}
	for _, r := range read("tickets.csv")[1:] {
		opened, err := time.Parse(time.DateTime, r[2])
		if err != nil {
			t.Fatal(err)
		}
		day := time.Date(opened.Year(), opened.Month(), opened.Day(), 0, 0, 0, 0, time.UTC)
		if r[8] != "fault" || r[4] == "" || r[6] == "" || !day.After(from) || day.After(fixtureAsOf) {
			continue
		}
		region := r[7]
		if region == "" {
			region = regionOf[r[1]]
		}
		if ignoreRegions {
			region = "(all regions)"
		}
		got[[3]string{r[4], r[6], region}]++
	}
	return got
}

func hotspotFailures(t *testing.T, s *Store, runID int64) (map[[3]string]int64, string) {
	t.Helper()
	rows, err := s.DB.Query(`SELECT product_id, component, region, failures, region_basis FROM hotspots WHERE run_id = ? AND failures > 0`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[[3]string]int64{}
	basis := ""
	for rows.Next() {
		var k [3]string
		var n int64
		if err := rows.Scan(&k[0], &k[1], &k[2], &n, &basis); err != nil {
			t.Fatal(err)
		}
		got[k] = n
	}
	return got, basis
}

func sameCounts(t *testing.T, what string, got, want map[[3]string]int64) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the fixture has no fault in the window", what)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v has %d failures, want %d", what, k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d groups with failures, want %d (%v)", what, len(got), len(want), got)
	}
}

// Fault tickets without a region take their customer's: before, they fell
// out of every group and the hot-spots showed 0 failures.
func TestHotspotsTakeTheCustomersRegion(t *testing.T) {
	dir := copyFixture(t)
	blankColumn(t, filepath.Join(dir, "fixture", "tickets.csv"), "region")
	store, res := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	got, basis := hotspotFailures(t, store, res.RunID)
	sameCounts(t, "ticket regions blank", got, windowFaults(t, filepath.Join(dir, "fixture"), false))
	if basis != "ticket_or_customer" {
		t.Errorf("region_basis %q, want ticket_or_customer", basis)
	}
}

// With no region anywhere, hot-spots group by product and component alone:
// before, the table was empty.
func TestHotspotsWithoutAnyRegion(t *testing.T) {
	dir := copyFixture(t)
	blankColumn(t, filepath.Join(dir, "fixture", "tickets.csv"), "region")
	blankColumn(t, filepath.Join(dir, "fixture", "customers.csv"), "region")
	store, res := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	got, basis := hotspotFailures(t, store, res.RunID)
	sameCounts(t, "no regions", got, windowFaults(t, filepath.Join(dir, "fixture"), true))
	if basis != "none" {
		t.Errorf("region_basis %q, want none", basis)
	}
}
