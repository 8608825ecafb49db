package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/pipeline/demo"
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
			want := "no_fit"
			if errors.Is(err, model.ErrShapeNotBounded) {
				want = "shape_not_bounded"
			}
			if w.na.String != want || w.beta.Valid || w.verdict.Valid {
				t.Errorf("%s: %+v; the per-unit fit fails (%v), want %s and a NULL fit", key, w, err, want)
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

type forecastRowT struct {
	kind, scope, key         string
	at, end                  time.Time
	units, basis, lo, hi     sql.NullInt64
	actual                   sql.NullInt64
	rate, expected           sql.NullFloat64
	effort, eh, hl, hh, capH sql.NullFloat64
	effortBasis, na          sql.NullString
}

func readForecast(t *testing.T, db *sql.DB, runID int64) map[string]forecastRowT {
	t.Helper()
	rows, err := db.Query(`SELECT kind, scope, coalesce(product_id || ' ' || component || ' ' || region, 'total'), forecast_at, period_end,
		installed_units, basis_failures, tickets_low, tickets_high, actual_tickets, rate_per_100_per_year, expected_tickets,
		mean_effort_hours, expected_hours, hours_low, hours_high, capacity_hours, effort_basis, not_available
		FROM hotspot_forecast WHERE run_id = ?`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]forecastRowT{}
	for rows.Next() {
		var f forecastRowT
		if err := rows.Scan(&f.kind, &f.scope, &f.key, &f.at, &f.end, &f.units, &f.basis, &f.lo, &f.hi, &f.actual, &f.rate, &f.expected,
			&f.effort, &f.eh, &f.hl, &f.hh, &f.capH, &f.effortBasis, &f.na); err != nil {
			t.Fatal(err)
		}
		k := f.kind + " " + f.key
		if _, dup := out[k]; dup {
			t.Fatalf("two rows for %s", k)
		}
		out[k] = f
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// recurrencePMF is the negative binomial P(Y = y) of shape a and q = b/(b+E)
// by the recurrence p(0) = q^a, p(y+1) = p(y)·(a+y)/(y+1)·(1−q): another
// way than the run's log-gamma terms.
func recurrencePMF(a, q float64, upto int) []float64 {
	p := []float64{math.Pow(q, a)}
	for y := 0; y < upto; y++ {
		p = append(p, p[y]*(a+float64(y))/float64(y+1)*(1-q))
	}
	return p
}

func quantileOf(p []float64, level float64) int64 {
	c := 0.0
	for y, v := range p {
		c += v
		if c >= level {
			return int64(y)
		}
	}
	return int64(len(p) - 1)
}

// TestHotspotForecastByHand: the forecast and the back-test on the
// hot-spot fixture (3-month windows, prior_unit_years k = 1, every effort
// 1 hour), from counts read off the fixture by hand.
//
// Forecast at 2026-11-27. Groups with units (units, faults in the window):
// P1 power East (3, 6: R1..R6), P1 power North (1, 0), P2 power North (2,
// 3: F-0-*), P2 power South (1, 0), P3 sensor East (4, 4: U1..U4). Every lot
// is there all 92 days of the window: unit-years u·92/365.25, pooled r0 =
// 13 / (11·92/365.25). Each: a = faults + r0·k, b = unit-years + k, E =
// units · 3/12, expected a·E/b. P4 valve West has 3 faults and no units:
// no_installed_units, NULL, never 0.
//
// Back-test at 2026-08-27, from the tickets opened by then: on the window
// (2026-05-27, 2026-08-27], 92 days, R0 for P1 power East, F-1-1..3 for P2
// power North, nothing else; P3 has had no fault ticket by then, so P3
// sensor East is no group of the back-test (not_forecast, though its units
// were installed on 2026-06-01). r0 = 4 / (7·92/365.25). Actual, in
// (2026-08-27, 2026-11-27], on units installed by 2026-08-27: 6, 0, 3, 0,
// and P3 sensor East's 4; P4 valve's 3 are on no known unit and count
// nowhere. Intervals: quantiles 2.5 % and 97.5 % of the
// recurrence pmf; the total's from the groups' recurrence pmfs convolved
// here.
func TestHotspotForecastByHand(t *testing.T) {
	store, res := runFixture(t, hotspotFixture(t, "", nil))
	got := readForecast(t, store.DB, res.RunID)
	type g struct {
		key                   string
		units, faults, actual int64
		btFaults, btDays      int64 // btDays 0: no group of the back-test
	}
	groups := []g{
		{"P1 power East", 3, 6, 6, 1, 92}, {"P1 power North", 1, 0, 0, 0, 92}, {"P2 power North", 2, 3, 3, 3, 92},
		{"P2 power South", 1, 0, 0, 0, 92}, {"P3 sensor East", 4, 4, 4, 0, 0},
	}
	for _, kind := range []string{"forecast", "backtest"} {
		faults := func(x g) int64 {
			if kind == "backtest" {
				return x.btFaults
			}
			return x.faults
		}
		uy := func(x g) float64 {
			if kind == "backtest" {
				return float64(x.units*x.btDays) / 365.25
			}
			return float64(x.units*92) / 365.25
		}
		in := func(x g) bool { return kind == "forecast" || x.btDays > 0 }
		var sumF int64
		var sumUY float64
		for _, x := range groups {
			if in(x) {
				sumF += faults(x)
				sumUY += uy(x)
			}
		}
		r0 := float64(sumF) / sumUY
		total := []float64{1}
		var totalMean float64
		for _, x := range groups {
			f, ok := got[kind+" "+x.key]
			if !ok {
				t.Errorf("%s %s: no row", kind, x.key)
				continue
			}
			if !in(x) {
				if f.na.String != "not_forecast" || f.expected.Valid || f.lo.Valid || f.eh.Valid || f.actual.Int64 != x.actual {
					t.Errorf("%s %s: %+v, want not_forecast, NULL, %d actual", kind, x.key, f, x.actual)
				}
				continue
			}
			a, b, e := float64(faults(x))+r0, uy(x)+1, float64(x.units)*0.25
			mean := a * e / b
			pmf := recurrencePMF(a, b/(b+e), 400)
			lo, hi := quantileOf(pmf, 0.025), quantileOf(pmf, 0.975)
			n := len(total)
			next := make([]float64, n+len(pmf)-1)
			for i, u := range total {
				for j, v := range pmf {
					next[i+j] += u * v
				}
			}
			total, totalMean = next, totalMean+mean
			if !close12(f.expected, mean) || f.lo.Int64 != lo || f.hi.Int64 != hi || !close12(f.rate, 100*a/b) ||
				f.units.Int64 != x.units || f.basis.Int64 != faults(x) || f.na.Valid {
				t.Errorf("%s %s: expected %v [%v, %v], rate %v, units %v, basis %v, %v; want %.6g [%d, %d], rate %.6g, %d units, %d faults",
					kind, x.key, f.expected, f.lo, f.hi, f.rate, f.units, f.basis, f.na, mean, lo, hi, 100*a/b, x.units, faults(x))
			}
			// Every fault ticket of the fixture takes 1 hour.
			if !close12(f.effort, 1) || !close12(f.eh, mean) || !close12(f.hl, float64(lo)) || !close12(f.hh, float64(hi)) {
				t.Errorf("%s %s: hours %v (%v, %v–%v), want %v at 1 h a ticket", kind, x.key, f.eh, f.effort, f.hl, f.hh, mean)
			}
			wantActual := sql.NullInt64{}
			if kind == "backtest" {
				wantActual = sql.NullInt64{Int64: x.actual, Valid: true}
			}
			if f.actual != wantActual {
				t.Errorf("%s %s: actual %v, want %v", kind, x.key, f.actual, wantActual)
			}
		}
		tot := got[kind+" total"]
		if !close12(tot.expected, totalMean) || tot.lo.Int64 != quantileOf(total, 0.025) || tot.hi.Int64 != quantileOf(total, 0.975) || tot.basis.Int64 != sumF {
			t.Errorf("%s total: %v [%v, %v], basis %v; want %.6g [%d, %d], %d", kind, tot.expected, tot.lo, tot.hi, tot.basis,
				totalMean, quantileOf(total, 0.025), quantileOf(total, 0.975), sumF)
		}
		if tot.capH.Valid {
			t.Errorf("%s total: capacity %v without engineer_hours, want NULL", kind, tot.capH)
		}
		t.Logf("%s: total expected %.2f [%d, %d], actual %v", kind, totalMean, quantileOf(total, 0.025), quantileOf(total, 0.975), tot.actual)
	}
	w := got["forecast P4 valve West"]
	if w.na.String != "no_installed_units" || w.expected.Valid || w.lo.Valid || w.eh.Valid {
		t.Errorf("P4 valve West forecast: %+v, want no_installed_units and NULL", w)
	}
	if w, ok := got["backtest P4 valve West"]; ok {
		t.Errorf("P4 valve West back-test: %+v, want no row (no units, no faults before 2026-08-27, none on a known unit since)", w)
	}
	if tot := got["backtest total"]; tot.actual.Int64 != 6+3+4 {
		t.Errorf("back-test total actual %v, want 13 (the period's fault tickets on units installed by 2026-08-27)", tot.actual)
	}
	if tot := got["forecast total"]; tot.actual.Valid {
		t.Errorf("forecast total actual %v: the period is not over, want NULL", tot.actual)
	}
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	if f := got["backtest P1 power East"]; !f.at.Equal(d("2026-08-27")) || !f.end.Equal(d("2026-11-27")) {
		t.Errorf("back-test period (%v, %v], want (2026-08-27, 2026-11-27]", f.at, f.end)
	}
	if f := got["forecast P1 power East"]; !f.at.Equal(d("2026-11-27")) || !f.end.Equal(d("2027-02-27")) {
		t.Errorf("forecast period (%v, %v], want (2026-11-27, 2027-02-27]", f.at, f.end)
	}
	if f := got["forecast P3 sensor East"]; f.effortBasis.String != "group" {
		t.Errorf("P3 sensor East forecast: effort basis %v, want group", f.effortBasis)
	}
}

// TestHotspotBacktestOnDemoHotspot: the back-test on the demo's planted
// hot-spot (MANIFEST.json's hotspot: P07 电源模块 华东 at six times the base
// rate), 1,500 customers as of 2026-11-27, the example config (12-month
// window, prior_unit_years k = 50, min_installed_units 10). The forecast
// made at 2025-11-27 is recomputed here from the loaded canonical tables
// (customers, installed_base, tickets) by plain Go loops, not by the
// pipeline's SQL:
//
//	units(p, r)   Σ installed_base quantity of product p installed by
//	              2025-11-27 (or undated), of customers in region r;
//	unit-years    Σ quantity · days from the day before installation (the
//	              window's start if earlier or undated) to 2025-11-27, / 365.25;
//	faults        fault tickets opened in (2024-11-27, 2025-11-27], region
//	              the ticket's or else its customer's;
//	groups        p × c × r for every product with units in r and every
//	              component c of p in a fault ticket opened by 2025-11-27;
//	r0            Σ faults / Σ unit-years over the groups with ≥ 10 units;
//	the group's   a = faults + 50·r0, b = unit-years + 50, E = units: expected
//	              a·E/b, the interval from the recurrence pmf.
//
// The actual count is its fault tickets opened in (2025-11-27, 2026-11-27]
// by customers with the product installed by 2025-11-27; a hot-spot with a
// steady rate must land inside its 95 % interval.
func TestHotspotBacktestOnDemoHotspot(t *testing.T) {
	inputs := t.TempDir()
	man, err := demo.Generate(context.Background(), demo.Options{Out: inputs, Customers: 1500, Seed: 5, AsOf: fixtureAsOf})
	if err != nil {
		t.Fatal(err)
	}
	store, res := runFixture(t, exampleConfig(t, inputs))
	db := store.DB
	bt := fixtureAsOf.AddDate(-1, 0, 0)
	from := bt.AddDate(-1, 0, 0)
	region := map[string]string{}
	rows, err := db.Query(`SELECT customer_id, region FROM customers WHERE region IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, r string
		if err := rows.Scan(&id, &r); err != nil {
			t.Fatal(err)
		}
		region[id] = r
	}
	rows.Close()
	var first time.Time
	if err := db.QueryRow(`SELECT min(opened_at)::DATE FROM tickets`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	start := from
	if first.AddDate(0, 0, -1).After(start) {
		start = first.AddDate(0, 0, -1)
	}
	units := map[[2]string]float64{}     // product, region
	unitYears := map[[2]string]float64{} // product, region
	installedBy := map[[2]string]bool{}  // customer, product
	rows, err = db.Query(`SELECT customer_id, product_id, quantity, installed_at FROM installed_base`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c, p string
		var q float64
		var at sql.NullTime
		if err := rows.Scan(&c, &p, &q, &at); err != nil {
			t.Fatal(err)
		}
		r, ok := region[c]
		if !ok || q <= 0 {
			continue
		}
		since := start
		if at.Valid && at.Time.AddDate(0, 0, -1).After(since) {
			since = at.Time.AddDate(0, 0, -1)
		}
		if bt.After(since) {
			unitYears[[2]string{p, r}] += q * bt.Sub(since).Hours() / 24 / 365.25
		}
		if !at.Valid || !at.Time.After(bt) {
			units[[2]string{p, r}] += q
			installedBy[[2]string{c, p}] = true
		}
	}
	rows.Close()
	faults := map[[3]string]int64{}
	actual := map[[3]string]int64{}
	components := map[string]map[string]bool{}
	rows, err = db.Query(`SELECT customer_id, product_id, component, region, opened_at FROM tickets
		WHERE category = 'fault' AND product_id IS NOT NULL AND component IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c, p, comp string
		var r sql.NullString
		var opened time.Time
		if err := rows.Scan(&c, &p, &comp, &r, &opened); err != nil {
			t.Fatal(err)
		}
		day := time.Date(opened.Year(), opened.Month(), opened.Day(), 0, 0, 0, 0, time.UTC)
		if !day.After(bt) { // the back-test knows the components of the tickets so far
			if components[p] == nil {
				components[p] = map[string]bool{}
			}
			components[p][comp] = true
		}
		reg := r.String
		if !r.Valid {
			reg = region[c]
		}
		if reg == "" {
			continue
		}
		k := [3]string{p, comp, reg}
		switch {
		case day.After(from) && !day.After(bt):
			faults[k]++
		case day.After(bt) && !day.After(fixtureAsOf) && installedBy[[2]string{c, p}]:
			actual[k]++
		}
	}
	rows.Close()
	var sumF, sumUY float64
	for pr, u := range units {
		if u < 10 {
			continue
		}
		for comp := range components[pr[0]] {
			sumF += float64(faults[[3]string{pr[0], comp, pr[1]}])
			sumUY += unitYears[pr]
		}
	}
	r0 := sumF / sumUY
	hs := man.Hotspot
	k := [3]string{hs.ProductID, hs.Component, hs.Region}
	u := units[[2]string{hs.ProductID, hs.Region}]
	a, b, e := float64(faults[k])+50*r0, unitYears[[2]string{hs.ProductID, hs.Region}]+50, u
	mean := a * e / b
	pmf := recurrencePMF(a, b/(b+e), 2000)
	lo, hi := quantileOf(pmf, 0.025), quantileOf(pmf, 0.975)

	got := readForecast(t, db, res.RunID)
	f, ok := got["backtest "+hs.ProductID+" "+hs.Component+" "+hs.Region]
	if !ok {
		t.Fatalf("no back-test row for the planted hot-spot %v", k)
	}
	if math.Abs(f.expected.Float64-mean) > 1e-9*mean || f.lo.Int64 != lo || f.hi.Int64 != hi ||
		f.units.Int64 != int64(u) || f.basis.Int64 != faults[k] || f.actual.Int64 != actual[k] {
		t.Errorf("planted hot-spot back-test: expected %v [%v, %v], units %v, basis %v, actual %v; want %.6g [%d, %d], %v units, %d faults, %d actual",
			f.expected, f.lo, f.hi, f.units, f.basis, f.actual, mean, lo, hi, u, faults[k], actual[k])
	}
	if actual[k] < lo || actual[k] > hi {
		t.Errorf("the planted hot-spot's %d faults fell outside its back-tested interval [%d, %d]", actual[k], lo, hi)
	}
	if rate := 100 * a / b; rate < 3*100*r0 {
		t.Errorf("the planted hot-spot's forecast rate %.3g per 100 unit-years is not well above the pooled %.3g", rate, 100*r0)
	}
	tot := got["backtest total"]
	t.Logf("planted %v: %d units, %d faults in the year before %s, r0 %.4g: expected %.2f [%d, %d], actual %d; total expected %.1f [%v, %v], actual %v",
		k, int64(u), faults[k], bt.Format(time.DateOnly), r0, mean, lo, hi, actual[k], tot.expected.Float64, tot.lo.Int64, tot.hi.Int64, tot.actual.Int64)
	w := readWeibull(t, db, res.RunID)
	counts := map[string]int{}
	for _, x := range w {
		counts[x.verdict.String+x.na.String]++
	}
	t.Logf("demo Weibull verdicts (the demo's faults are a constant-rate process): %v", counts)
}

// TestHotspotPeriodsAddUp: the trend rows (hotspot_periods) are the rising
// test's own counts. On the hot-spot fixture every group's period 0 holds
// its window's failures, periods 1..4 sum to its baseline_failures, the
// periods' days are those counted by time.AddDate (periodDays: 92, 92, 89,
// 92, 92), and, where the test ran on unit-days, period 0's share of the
// unit-days is current_exposure_share. By hand, P1 power East (R) has 6
// faults in period 0, 1 (R0) in period 1 and none before; its 3 units give
// 3 · 92 unit-days in period 0, a rate of 100 · 6 / (276 / 365.25).
func TestHotspotPeriodsAddUp(t *testing.T) {
	store, res := runFixture(t, hotspotFixture(t, "", nil))
	hs := readHotspots(t, store.DB, res.RunID)
	rows, err := store.DB.Query(`SELECT product_id || ' ' || component || ' ' || region, period, observed_days, failures, unit_days,
		rate_per_100_per_year FROM hotspot_periods WHERE run_id = ? ORDER BY 1, 2`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type agg struct {
		current, baseline int64
		ud0, udAll        float64
		byUnits           bool
		periods           []int64
	}
	got := map[string]*agg{}
	days := periodDays()
	for rows.Next() {
		var key string
		var k int
		var observed, failures int64
		var ud, rate sql.NullFloat64
		if err := rows.Scan(&key, &k, &observed, &failures, &ud, &rate); err != nil {
			t.Fatal(err)
		}
		a := got[key]
		if a == nil {
			a = &agg{}
			got[key] = a
		}
		a.periods = append(a.periods, failures)
		if observed != days[k] {
			t.Errorf("%s period %d: %d days, want %d", key, k, observed, days[k])
		}
		if k == 0 {
			a.current = failures
			a.ud0 = ud.Float64
		} else {
			a.baseline += failures
		}
		a.udAll += ud.Float64
		a.byUnits = ud.Valid
		if ud.Valid && ud.Float64 > 0 && !close12(rate, 100*float64(failures)/(ud.Float64/365.25)) {
			t.Errorf("%s period %d: rate %v from %d failures over %v unit-days", key, k, rate, failures, ud.Float64)
		}
		if !ud.Valid && rate.Valid {
			t.Errorf("%s period %d: a rate %v without unit-days", key, k, rate)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(hs) {
		t.Errorf("trends for %d groups, hotspots has %d", len(got), len(hs))
	}
	for key, h := range hs {
		a := got[key]
		if a == nil {
			t.Errorf("%s: no trend rows", key)
			continue
		}
		if a.current != h.failures || (h.baseline.Valid && a.baseline != h.baseline.Int64) {
			t.Errorf("%s: period 0 %d, baseline %d; hotspots has %d and %v", key, a.current, a.baseline, h.failures, h.baseline)
		}
		if a.byUnits && h.share.Valid && a.udAll > 0 && !close12(h.share, a.ud0/a.udAll) {
			t.Errorf("%s: unit-day share %v, hotspots' current_exposure_share %v", key, a.ud0/a.udAll, h.share)
		}
	}
	r := got["P1 power East"]
	if r == nil || fmt.Sprint(r.periods) != "[6 1 0 0 0]" || !close12(sql.NullFloat64{Float64: r.ud0, Valid: true}, 3*92) {
		t.Errorf("P1 power East: periods %v, unit-days in period 0 %v; want [6 1 0 0 0] and 276", r.periods, r.ud0)
	}
}

// TestHotspotUnsupportedComponent: hotspot_unsupported carries the
// unsupported ticket's component, so the page can sum per product ×
// component: on the hot-spot fixture X1 (P1 power) and F-0-1 (P2 power)
// name power, X2 names none (NULL), and past_support rows (P2 past
// 2026-06-30) are the whole product, NULL.
func TestHotspotUnsupportedComponent(t *testing.T) {
	store, res := runFixture(t, hotspotFixture(t, "", nil))
	rows, err := store.DB.Query(`SELECT reason || ' ' || coalesce(ticket_id, customer_id) || ' ' || coalesce(component, 'NULL')
		FROM hotspot_unsupported WHERE run_id = ? ORDER BY 1`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	want := []string{"past_support C2 NULL", "past_support C5 NULL",
		"unsupported_resolution F-0-1 power", "unsupported_resolution X1 power", "unsupported_resolution X2 NULL"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("unsupported rows %q, want %q", got, want)
	}
}
