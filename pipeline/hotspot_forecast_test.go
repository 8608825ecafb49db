package pipeline

import (
	"database/sql"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/pipeline/model"
)

type weibullRow struct {
	failures, censored, withoutAge int64
	beta, low, high, eta           sql.NullFloat64
	verdict, na                    sql.NullString
}

func readWeibull(t *testing.T, db *sql.DB, runID int64) map[string]weibullRow {
	t.Helper()
	rows, err := db.Query(`SELECT product_id || ' ' || component, failures, censored_units, failures_without_age,
		beta, beta_low, beta_high, eta_days, verdict, not_available FROM hotspot_weibull WHERE run_id = ?`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]weibullRow{}
	for rows.Next() {
		var k string
		var w weibullRow
		if err := rows.Scan(&k, &w.failures, &w.censored, &w.withoutAge, &w.beta, &w.low, &w.high, &w.eta, &w.verdict, &w.na); err != nil {
			t.Fatal(err)
		}
		out[k] = w
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// days between two YYYY-MM-DD dates, by time.Time: the test's own ages.
func daysBetweenDates(t *testing.T, from, to string) float64 {
	t.Helper()
	a, err := time.Parse(time.DateOnly, from)
	if err != nil {
		t.Fatal(err)
	}
	b, err := time.Parse(time.DateOnly, to)
	if err != nil {
		t.Fatal(err)
	}
	return b.Sub(a).Hours() / 24
}

// TestHotspotWeibullByHand: the run's Weibull per product × component on
// the hot-spot fixture (window (2026-08-27, 2026-11-27]), with the units
// listed by hand from the fixture's tickets and installed base, each seen
// from its age on 2026-08-27 (0 if installed later), and fitted one unit
// per entry by model.FitWeibullTruncated (the per-unit fit the run's
// weighted one must equal; the fit itself is tested in pipeline/model):
//
//	P1 power   C1's 3 units from 2020-01-01: S-1 first fails 09-01 (R1; R2
//	           and R4 are repeats), S-2 on 10-01 (R3; R6 a repeat), R5 (no
//	           serial) on 11-01: 3 failures, C1 censored 0; C3's 1 unit
//	           from 2022-01-01 censored at the as-of date.
//	P2 power   C2's 2 units from 2021-01-01: F-0-1..3 on 09-06, 09-16,
//	           09-26 (three serials: 3 failures, more than its 2 units, so
//	           0 censored); C5's unit from 2023-01-01 censored.
//	P3 sensor  C4's 4 units from 2026-06-01 (87 days old at the window's
//	           start) fail on 09-02, 09-12, 09-22, 10-02: ages 93, 103, 113,
//	           123 days, nothing censored.
//	P4 valve   no installed base: 3 faults without an age, no fit
//	           (no_installed_dates).
func TestHotspotWeibullByHand(t *testing.T) {
	store, res := runFixture(t, hotspotFixture(t, "", nil))
	got := readWeibull(t, store.DB, res.RunID)
	d := func(from, to string) float64 { return daysBetweenDates(t, from, to) }
	asOf, start := "2026-11-27", "2026-08-27"
	cases := map[string]struct {
		entry, times       []float64
		failed             []bool
		failures, censored int64
	}{
		"P1 power": {
			[]float64{d("2020-01-01", start), d("2020-01-01", start), d("2020-01-01", start), d("2022-01-01", start)},
			[]float64{d("2020-01-01", "2026-09-01"), d("2020-01-01", "2026-10-01"), d("2020-01-01", "2026-11-01"), d("2022-01-01", asOf)},
			[]bool{true, true, true, false}, 3, 1},
		"P2 power": {
			[]float64{d("2021-01-01", start), d("2021-01-01", start), d("2021-01-01", start), d("2023-01-01", start)},
			[]float64{d("2021-01-01", "2026-09-06"), d("2021-01-01", "2026-09-16"), d("2021-01-01", "2026-09-26"), d("2023-01-01", asOf)},
			[]bool{true, true, true, false}, 3, 1},
		"P3 sensor": {[]float64{87, 87, 87, 87}, []float64{93, 103, 113, 123}, []bool{true, true, true, true}, 4, 0},
	}
	if len(got) != 4 {
		t.Errorf("%d Weibull rows, want 4 (P1 power, P2 power, P3 sensor, P4 valve): %v", len(got), got)
	}
	for key, c := range cases {
		w, ok := got[key]
		if !ok {
			t.Errorf("%s: no row", key)
			continue
		}
		if w.failures != c.failures || w.censored != c.censored || w.withoutAge != 0 {
			t.Errorf("%s: failures %d, censored %d, without age %d; want %d, %d, 0", key, w.failures, w.censored, w.withoutAge, c.failures, c.censored)
		}
		fit, err := model.FitWeibullTruncated(c.entry, c.times, c.failed, nil)
		if err != nil {
			if w.na.String != "no_fit" || w.beta.Valid || w.verdict.Valid {
				t.Errorf("%s: %+v; the per-unit fit fails (%v), want no_fit and a NULL fit", key, w, err)
			}
			t.Logf("%s: no fit (%v)", key, err)
			continue
		}
		for _, f := range []struct {
			name      string
			got       sql.NullFloat64
			want, tol float64
		}{{"beta", w.beta, fit.Beta, 1e-6}, {"eta_days", w.eta, fit.Eta, 1e-6}, {"beta_low", w.low, fit.BetaLow, 1e-4}, {"beta_high", w.high, fit.BetaHigh, 1e-4}} {
			if !f.got.Valid || math.Abs(f.got.Float64-f.want) > f.tol*f.want {
				t.Errorf("%s: %s %v, want %v", key, f.name, f.got, f.want)
			}
		}
		want := "random"
		if fit.BetaHigh < 1 {
			want = "early_failures"
		} else if fit.BetaLow > 1 {
			want = "wear_out"
		}
		if w.verdict.String != want || w.na.Valid {
			t.Errorf("%s: verdict %v, not available %v; want %s (β in [%.3g, %.3g])", key, w.verdict, w.na, want, fit.BetaLow, fit.BetaHigh)
		}
		t.Logf("%s: β %.3g [%.3g, %.3g], η %.0f days, %s", key, fit.Beta, fit.BetaLow, fit.BetaHigh, fit.Eta, want)
	}
	w := got["P4 valve"]
	if w.na.String != "no_installed_dates" || w.beta.Valid || w.eta.Valid || w.verdict.Valid || w.failures != 0 || w.withoutAge != 3 {
		t.Errorf("P4 valve: %+v, want no_installed_dates, NULL fit, 0 failures with an age, 3 without", w)
	}
}

// TestHotspotWeibullNotAvailable: with tickets only up to 2026-09-05, P1
// power has one failure in the window (R1) among its 4 dated units, P3
// sensor one (U1) among 4: too_few_failures, the fit NULL, the counts
// kept. With installed_at blank everywhere, no group has an age:
// no_installed_dates for all, the faults counted without an age.
func TestHotspotWeibullNotAvailable(t *testing.T) {
	store, res := runFixture(t, hotspotFixture(t, "", func(opened string) bool { return opened < "2026-09-05" }))
	got := readWeibull(t, store.DB, res.RunID)
	for key, want := range map[string][2]int64{"P1 power": {1, 3}, "P3 sensor": {1, 3}} {
		w := got[key]
		if w.na.String != "too_few_failures" || w.beta.Valid || w.low.Valid || w.verdict.Valid || w.failures != want[0] || w.censored != want[1] {
			t.Errorf("%s: %+v, want too_few_failures with %d failures and %d censored", key, w, want[0], want[1])
		}
	}

	cfg := hotspotFixture(t, "", nil)
	blankColumn(t, filepath.Join(filepath.Dir(cfg), "fixture", "installed_base.csv"), "installed_at")
	store, res = runFixture(t, cfg)
	got = readWeibull(t, store.DB, res.RunID)
	if len(got) != 4 {
		t.Fatalf("%d rows, want 4", len(got))
	}
	for key, w := range got {
		if w.na.String != "no_installed_dates" || w.beta.Valid || w.failures != 0 || w.censored != 0 || w.withoutAge == 0 {
			t.Errorf("%s: %+v, want no_installed_dates with every fault without an age", key, w)
		}
		if strings.HasPrefix(key, "P1") && w.withoutAge != 3 {
			t.Errorf("P1 power: %d faults without an age, want 3 units (S-1, S-2, R5)", w.withoutAge)
		}
	}
}
