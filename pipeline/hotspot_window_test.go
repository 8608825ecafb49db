package pipeline

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accordhq/accord/reports"
)

// TestHotspotTwelveMonthWindow: the rising test with a 12-month window on
// the hot-spot fixture, whose export starts on 2025-08-28. The window is
// (2025-11-27, 2026-11-27], 365 days; the day before the first ticket is
// before it, so the periods stay 12 months long and the baseline is the
// observed part of (2024-11-27, 2025-11-27]: 92 days from 2025-08-27. By
// hand:
//
//	P1 power East  R0..R6 in the window, none before, 3 units throughout:
//	               p0 = 365/457, p = (365/457)^7: tested
//	P2 power North F-0..F-3 (12) in the window, F-4 (3) before: tested
//	P3 sensor East installed 2026-06-01, no unit-days before the window:
//	               not_installed_before
//	P2 power South Z1, Z2 (2, in 2025-12): too_few_faults
//	P1 power North no faults: too_few_faults
//
// and on hotspots.html no group the test did not reach reads "no": each
// says "not tested" and why.
func TestHotspotTwelveMonthWindow(t *testing.T) {
	cfg := hotspotFixture(t, "", nil)
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	twelve := strings.Replace(string(raw), "window_months: 3", "window_months: 12", 1)
	if twelve == string(raw) {
		t.Fatal("the fixture config has no window_months: 3")
	}
	if err := os.WriteFile(cfg, []byte(twelve), 0o644); err != nil {
		t.Fatal(err)
	}
	store, res := runFixture(t, cfg)
	got := readHotspots(t, store.DB, res.RunID)
	reasons := map[string]string{}
	rows, err := store.DB.Query(`SELECT product_id || ' ' || component || ' ' || region, coalesce(rising_not_tested, ''), rising_period_months
		FROM hotspots WHERE run_id = ?`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, r string
		var months int64
		if err := rows.Scan(&k, &r, &months); err != nil {
			t.Fatal(err)
		}
		reasons[k] = r
		if months != 12 {
			t.Errorf("%s: periods of %d months, want 12", k, months)
		}
	}
	rows.Close()
	want := map[string]string{"P1 power East": "", "P2 power North": "", "P3 sensor East": "not_installed_before",
		"P2 power South": "too_few_faults", "P1 power North": "too_few_faults"}
	for k, w := range want {
		if reasons[k] != w {
			t.Errorf("%s: not tested %q, want %q", k, reasons[k], w)
		}
	}
	r := got["P1 power East"]
	if p := binomialTail(7, 7, big.NewRat(365, 457)); r.failures != 7 || !close12(r.p, p) || !close12(r.share, 365.0/457) {
		t.Errorf("P1 power East: %d failures, p %v, share %v; want 7, %v, 365/457", r.failures, r.p, r.share, p)
	}
	if f := got["P2 power North"]; f.failures != 12 || !f.baseline.Valid || f.baseline.Int64 != 3 || f.rising {
		t.Errorf("P2 power North: %d failures, baseline %v, rising %v; want 12, 3, not rising", f.failures, f.baseline, f.rising)
	}

	dir := filepath.Join(t.TempDir(), "2026-11-27")
	out, err := reports.Write(context.Background(), store.DB, res.RunID, fixtureAsOf, dir, reports.Options{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(out.Hotspots)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	start := strings.Index(s, `<table data-table="hs_groups">`)
	if start < 0 {
		t.Fatal("no groups table")
	}
	table := s[start : start+strings.Index(s[start:], "</table>")]
	for k, why := range map[string]string{
		"P3 sensor East": "not tested: no units installed before the tested period",
		"P2 power South": "not tested: too few faults in the tested period",
		"P1 power North": "not tested: too few faults in the tested period",
	} {
		f := strings.Fields(k)
		attr := `data-p="` + f[0] + `" data-c="` + f[1] + `" data-r="` + f[2] + `"`
		i := strings.Index(table, attr)
		if i < 0 {
			t.Errorf("%s: no row", k)
			continue
		}
		row := table[i : i+strings.Index(table[i:], "</tr>")]
		if !strings.Contains(row, why) || strings.Contains(row, "<td>no</td>") {
			t.Errorf("%s: row %s; want %q and no \"no\"", k, row, why)
		}
	}
}

// TestMigrateAddsHotspotModelTables: a database made before issue 14's
// last tables (no hotspot_weibull, hotspot_forecast, hotspot_periods, and
// hotspot_unsupported without component) gets them when opened, and a run
// writes them: the new tables by CreateSchema's CREATE TABLE IF NOT EXISTS,
// the column by MigrateSchema, appended last.
func TestMigrateAddsHotspotModelTables(t *testing.T) {
	dir := copyFixture(t)
	path := filepath.Join(dir, "fixture.duckdb")
	store, err := OpenStore(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TABLE hotspot_weibull", "DROP TABLE hotspot_forecast", "DROP TABLE hotspot_periods",
		"ALTER TABLE hotspot_unsupported DROP COLUMN component"} {
		if _, err := store.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	store, err = OpenStore(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var last string
	if err := store.DB.QueryRow(`SELECT column_name FROM duckdb_columns() WHERE table_name = 'hotspot_unsupported'
		ORDER BY column_index DESC LIMIT 1`).Scan(&last); err != nil || last != "component" {
		t.Errorf("hotspot_unsupported's last column %q (%v), want component", last, err)
	}
	res, err := newRunner(t, store, filepath.Join(dir, "fixture.yaml")).Run(t.Context(), RunOptions{AsOf: fixtureAsOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range []string{"hotspot_weibull", "hotspot_forecast", "hotspot_periods"} {
		var n int64
		if err := store.DB.QueryRow("SELECT count(*) FROM "+tb+" WHERE run_id = ?", res.RunID).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: %d rows of the run (%v)", tb, n, err)
		}
	}
}

// TestHotspotForecastCapacity: with model.service.engineer_hours 40 (hours
// a week), the forecast's total row holds the capacity of its period,
// (2026-11-27, 2027-02-27], 92 days: 40 · 92 / 7 hours; the back-test's,
// (2026-08-27, 2026-11-27], 92 days too. Group rows hold none.
func TestHotspotForecastCapacity(t *testing.T) {
	cfg := hotspotFixture(t, "", nil)
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withHours := strings.Replace(string(raw), "  hourly_cost: \"300.00\"\n", "  hourly_cost: \"300.00\"\n  service: {engineer_hours: 40}\n", 1)
	if withHours == string(raw) {
		t.Fatal("the fixture config has no hourly_cost line")
	}
	if err := os.WriteFile(cfg, []byte(withHours), 0o644); err != nil {
		t.Fatal(err)
	}
	store, res := runFixture(t, cfg)
	got := readForecast(t, store.DB, res.RunID)
	for _, k := range []string{"forecast total", "backtest total"} {
		if c := got[k].capH; !close12(c, 40.0*92/7) {
			t.Errorf("%s: capacity %v, want 40 · 92 / 7 = %v", k, c, 40.0*92/7)
		}
	}
	if c := got["forecast P1 power East"].capH; c.Valid {
		t.Errorf("a group row holds capacity %v", c)
	}
}
