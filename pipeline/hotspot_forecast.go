package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/accordhq/accord/pipeline/model"
	"github.com/accordhq/accord/queries"
)

// weibullGroup gathers one product × component's units (WeibullUnits).
type weibullGroup struct {
	productID, component string
	productName          sql.NullString
	entry, times, counts []float64
	failed               []bool
	failures, censored   int64
	withoutAge           int64
}

// hotspotWeibull fits, in the run's transaction, a Weibull to each hot-spot
// product × component's unit ages, each unit seen over the window from its
// age at the window's start (queries/hotspots.sql WeibullUnits;
// model.FitWeibullTruncated), and writes hotspot_weibull. A group that cannot be fitted gets NULL fit
// columns and the reason: no_installed_dates (no dated unit of the product,
// failed or not), too_few_failures (under model.MinWeibullFailures failures
// with an age), shape_not_bounded (the profile likelihood leaves one end of
// β's 95 % interval open: too little information), no_fit (the likelihood
// has no maximum with β in [0.01, 100], e.g. every failure at one age).
func hotspotWeibull(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, queries.Get("WeibullUnits"))
	if err != nil {
		return fmt.Errorf("run: weibull units: %w", err)
	}
	var groups []*weibullGroup
	for rows.Next() {
		var pid, comp, kind string
		var name sql.NullString
		var entry, age sql.NullFloat64
		var units float64
		if err := rows.Scan(&pid, &name, &comp, &kind, &entry, &age, &units); err != nil {
			rows.Close()
			return fmt.Errorf("run: weibull units: %w", err)
		}
		if kind == "group" {
			groups = append(groups, &weibullGroup{productID: pid, component: comp, productName: name})
			continue
		}
		g := groups[len(groups)-1] // ordered by group, 'group' first
		if g.productID != pid || g.component != comp {
			rows.Close()
			return fmt.Errorf("run: weibull units: %s/%s has no group row", pid, comp)
		}
		switch kind {
		case "no_age":
			g.withoutAge += int64(units)
		case "failed", "censored":
			g.entry = append(g.entry, entry.Float64)
			g.times = append(g.times, age.Float64)
			g.counts = append(g.counts, units)
			g.failed = append(g.failed, kind == "failed")
			if kind == "failed" {
				g.failures += int64(units)
			} else {
				g.censored += int64(units)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("run: weibull units: %w", err)
	}
	out := &rowBatch{table: "hotspot_weibull", columns: 12}
	for _, g := range groups {
		var beta, low, high, eta sql.NullFloat64
		var verdict, na sql.NullString
		switch {
		case len(g.times) == 0:
			na = sql.NullString{String: "no_installed_dates", Valid: true}
		default:
			fit, err := model.FitWeibullTruncated(g.entry, g.times, g.failed, g.counts)
			switch {
			case errors.Is(err, model.ErrTooFewFailures):
				na = sql.NullString{String: "too_few_failures", Valid: true}
			case errors.Is(err, model.ErrShapeNotBounded):
				na = sql.NullString{String: "shape_not_bounded", Valid: true}
			case err != nil:
				na = sql.NullString{String: "no_fit", Valid: true}
			default:
				beta = sql.NullFloat64{Float64: fit.Beta, Valid: true}
				low = sql.NullFloat64{Float64: fit.BetaLow, Valid: true}
				high = sql.NullFloat64{Float64: fit.BetaHigh, Valid: true}
				eta = sql.NullFloat64{Float64: fit.Eta, Valid: true}
				verdict = sql.NullString{String: weibullVerdict(fit), Valid: true}
			}
		}
		out.add(g.productID, g.productName, g.component, g.failures, g.censored, g.withoutAge, beta, low, high, eta, verdict, na)
	}
	if err := out.flush(ctx, tx); err != nil {
		return fmt.Errorf("run: weibull: %w", err)
	}
	return nil
}

// rowBatch gathers a result table's rows of the run (each led by the run's
// run_id and as_of) and inserts them a few hundred at a time: a prepared
// INSERT per row cost 2 ms each here, 0.9 s for the 446 forecast rows of
// 10,000 demo customers.
type rowBatch struct {
	table   string
	columns int // after run_id and as_of
	args    []any
	rows    int
}

func (b *rowBatch) add(values ...any) {
	b.args = append(b.args, values...)
	b.rows++
}

func (b *rowBatch) flush(ctx context.Context, tx *sql.Tx) error {
	const per = 200
	row := "(getvariable('run_id')::BIGINT, getvariable('as_of')::DATE" + strings.Repeat(", ?", b.columns) + ")"
	for start := 0; start < b.rows; start += per {
		n := min(per, b.rows-start)
		q := "INSERT INTO " + b.table + " VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
		if _, err := tx.ExecContext(ctx, q, b.args[start*b.columns:(start+n)*b.columns]...); err != nil {
			return fmt.Errorf("insert %s: %w", b.table, err)
		}
	}
	b.args, b.rows = nil, 0
	return nil
}

// weibullVerdict reads the shape from its 95 % interval: wholly under 1,
// early failures (a falling hazard); wholly over 1, wear-out (a rising
// one); containing 1, random (a constant hazard cannot be ruled out).
func weibullVerdict(f model.WeibullFit) string {
	switch {
	case f.BetaHigh < 1:
		return "early_failures"
	case f.BetaLow > 1:
		return "wear_out"
	}
	return "random"
}

// forecastRow is one group's ForecastInputs row.
type forecastRow struct {
	productID, component, region string
	productName                  sql.NullString
	units, failures              sql.NullInt64
	basisUnitYears               sql.NullFloat64
	a, b, exposure               sql.NullFloat64
	effort                       sql.NullFloat64
	effortBasis                  string
	actual                       sql.NullInt64
	forecastAt, periodEnd        time.Time
	capacity                     sql.NullFloat64
}

// hotspotForecast writes hotspot_forecast in the run's transaction: the
// fault tickets and engineer hours each hot-spot group will bring in the
// next window, and the back-test, the same forecast made at as_of − window
// from the data before it (the InstalledUnits and Hotspots statements as of
// that date, on the tickets opened by then, into temporary tables), against
// the tickets that came.
//
// A group's faults per unit-year have a gamma posterior, shape a =
// failures + r0·k and rate b = installed unit-years of the window + k (the
// hot-spot rate's shrinkage, on the unit-days each lot was installed; see
// ForecastInputs); its tickets in an exposure of E unit-years are then
// negative binomial, the gamma-Poisson predictive: P(Y = y) = Γ(a+y) /
// (Γ(a) y!) · q^a (1−q)^y, q = b / (b + E), mean a·E/b. Its 95 % prediction interval is the
// 2.5 % and 97.5 % quantiles (the smallest y whose distribution function
// reaches them), wider than a Poisson's of the same mean by the rate's own
// uncertainty. The total's interval is that of the sum of the groups'
// independent counts, their distributions convolved. Hours are tickets ×
// the group's mean effort; the total's hours interval is the normal
// approximation, expected ± 1.96 √(Σ effort² · variance), never below 0.
func hotspotForecast(ctx context.Context, tx *sql.Tx) error {
	exec := func(stage, q string) error {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("run: forecast: %s: %w", stage, err)
		}
		return nil
	}
	steps := []struct{ stage, q string }{
		{"groups", "CREATE OR REPLACE TEMP TABLE forecast_groups AS SELECT * FROM hotspots WHERE run_id = getvariable('run_id')::BIGINT"},
		{"date", "SET VARIABLE forecast_at = getvariable('as_of')::DATE"},
	}
	for _, s := range steps {
		if err := exec(s.stage, s.q); err != nil {
			return err
		}
	}
	if err := writeForecast(ctx, tx, "forecast"); err != nil {
		return err
	}
	// The back-test: the hot-spot groups as of as_of − window.
	installed, err := rewrite(queries.Get("InstalledUnits"), "InstalledUnits",
		"TEMP TABLE installed_units AS", "TEMP TABLE bt_installed_units AS",
		"getvariable('as_of')", "getvariable('forecast_at')")
	if err != nil {
		return err
	}
	hotspots, err := rewrite(queries.Get("Hotspots"), "Hotspots",
		"INSERT INTO hotspots", "INSERT INTO forecast_groups",
		"FROM installed_units", "FROM bt_installed_units",
		"FROM hs_tickets", "FROM bt_hs_tickets",
		"getvariable('as_of')", "getvariable('forecast_at')")
	if err != nil {
		return err
	}
	steps = []struct{ stage, q string }{
		{"back-test date", "SET VARIABLE forecast_at = (getvariable('as_of')::DATE - to_months(getvariable('hotspot_months')::INTEGER))::DATE"},
		{"back-test units", installed},
		// Only the tickets opened by then: a component first failing later
		// must not make a group of the back-test.
		{"back-test tickets", "CREATE OR REPLACE TEMP TABLE bt_hs_tickets AS SELECT * FROM hs_tickets WHERE opened_at::DATE <= getvariable('forecast_at')::DATE"},
		{"back-test groups", "CREATE OR REPLACE TEMP TABLE forecast_groups AS SELECT * FROM hotspots LIMIT 0"},
		{"back-test hot-spots", hotspots},
	}
	for _, s := range steps {
		if err := exec(s.stage, s.q); err != nil {
			return err
		}
	}
	return writeForecast(ctx, tx, "backtest")
}

// rewrite replaces every occurrence of each old with its new in a named
// statement, or says the statement no longer holds an old (it changed, and
// the back-test must be looked at again).
func rewrite(q, name string, pairs ...string) (string, error) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(q, pairs[i]) {
			return "", fmt.Errorf("run: forecast: statement %s has no %q to rewrite for the back-test", name, pairs[i])
		}
		q = strings.ReplaceAll(q, pairs[i], pairs[i+1])
	}
	return q, nil
}

// writeForecast forecasts forecast_groups' rows (ForecastInputs) into
// hotspot_forecast under kind, with a total row.
func writeForecast(ctx context.Context, tx *sql.Tx, kind string) error {
	rows, err := tx.QueryContext(ctx, queries.Get("ForecastInputs"))
	if err != nil {
		return fmt.Errorf("run: forecast %s: %w", kind, err)
	}
	var in []forecastRow
	for rows.Next() {
		var f forecastRow
		if err := rows.Scan(&f.productID, &f.productName, &f.component, &f.region, &f.units, &f.failures, &f.basisUnitYears,
			&f.a, &f.b, &f.exposure, &f.effort, &f.effortBasis, &f.actual, &f.forecastAt, &f.periodEnd, &f.capacity); err != nil {
			rows.Close()
			return fmt.Errorf("run: forecast %s: %w", kind, err)
		}
		in = append(in, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("run: forecast %s: %w", kind, err)
	}
	out := &rowBatch{table: "hotspot_forecast", columns: 22}
	nf := func(v float64) sql.NullFloat64 { return sql.NullFloat64{Float64: v, Valid: true} }
	ni := func(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }
	totalPMF := countDist{p: []float64{1}} // the distribution of the sum of the groups' tickets
	var expT, expH, varH float64
	var basis, actual int64
	anyActual, forecasts := false, 0
	hoursKnown := true
	for _, f := range in {
		var expected, eh, hl, hh, rate sql.NullFloat64
		var lo, hi sql.NullInt64
		var na sql.NullString
		effort := f.effort
		basisName := sql.NullString{String: f.effortBasis, Valid: true}
		switch {
		case !f.units.Valid:
			na = sql.NullString{String: "not_forecast", Valid: true}
			basisName, effort = sql.NullString{}, sql.NullFloat64{}
		case f.units.Int64 <= 0 || !(f.exposure.Float64 > 0) || !(f.b.Float64 > 0):
			na = sql.NullString{String: "no_installed_units", Valid: true}
			basisName, effort = sql.NullString{}, sql.NullFloat64{}
		default:
			pmf := negBinPMF(f.a.Float64, f.b.Float64/(f.b.Float64+f.exposure.Float64))
			mean, variance := negBinMoments(f.a.Float64, f.b.Float64, f.exposure.Float64)
			l, h := pmf.quantile(0.025), pmf.quantile(0.975)
			expected, lo, hi = nf(mean), ni(int64(l)), ni(int64(h))
			rate = nf(100 * f.a.Float64 / f.b.Float64)
			totalPMF = convolve(totalPMF, pmf)
			expT += mean
			forecasts++
			if f.effort.Valid {
				eh, hl, hh = nf(mean*f.effort.Float64), nf(float64(l)*f.effort.Float64), nf(float64(h)*f.effort.Float64)
				expH += mean * f.effort.Float64
				varH += f.effort.Float64 * f.effort.Float64 * variance
			} else {
				hoursKnown = false
			}
			basis += f.failures.Int64
		}
		if f.actual.Valid {
			anyActual = true
			actual += f.actual.Int64
		}
		out.add(kind, "group", f.forecastAt, f.periodEnd, f.productID, f.productName, f.component, f.region,
			f.units, f.failures, rate, expected, lo, hi, effort, basisName, eh, hl, hh, nil, f.actual, na)
	}
	if len(in) == 0 {
		return nil
	}
	var expected, eh, hl, hh sql.NullFloat64
	var lo, hi, act sql.NullInt64
	var na sql.NullString
	if forecasts == 0 {
		na = sql.NullString{String: "no_installed_units", Valid: true}
	} else {
		expected, lo, hi = nf(expT), ni(int64(totalPMF.quantile(0.025))), ni(int64(totalPMF.quantile(0.975)))
		if hoursKnown {
			sd := 1.959963984540054 * math.Sqrt(varH)
			eh, hl, hh = nf(expH), nf(math.Max(0, expH-sd)), nf(expH+sd)
		}
	}
	if anyActual {
		act = ni(actual)
	}
	f := in[0]
	out.add(kind, "total", f.forecastAt, f.periodEnd, nil, nil, nil, nil,
		nil, ni(basis), nil, expected, lo, hi, nil, nil, eh, hl, hh, f.capacity, act, na)
	if err := out.flush(ctx, tx); err != nil {
		return fmt.Errorf("run: forecast %s: %w", kind, err)
	}
	return nil
}

// negBinMoments are the mean a·E/b and variance mean·(1 + E/b) of the
// gamma(a, b)-Poisson(·E) count.
func negBinMoments(a, b, e float64) (mean, variance float64) {
	mean = a * e / b
	return mean, mean * (1 + e/b)
}

// countDist is a count's distribution P(Y = off + i) = p[i], its tails
// beyond tailMass on either side dropped, so that a sum of hundreds of
// groups' counts is convolved over its likely values only.
type countDist struct {
	off int
	p   []float64
}

// tailMass is the probability each side a distribution may drop: over 1,000
// groups at most 2e-12 in all, far below the 2.5 % the quantiles read.
const tailMass = 1e-15

// trim drops leading and trailing values of d holding under tailMass each side.
func (d countDist) trim() countDist {
	lo, acc := 0, 0.0
	for lo < len(d.p)-1 && acc+d.p[lo] < tailMass {
		acc += d.p[lo]
		lo++
	}
	hi, acc := len(d.p), 0.0
	for hi-1 > lo && acc+d.p[hi-1] < tailMass {
		acc += d.p[hi-1]
		hi--
	}
	return countDist{off: d.off + lo, p: d.p[lo:hi]}
}

// negBinPMF is P(Y = y) = Γ(a+y) / (Γ(a) y!) q^a (1−q)^y for y = 0, 1, …
// until the rest of the tail is under tailMass (a = 0: Y = 0). Past the
// mode the terms fall by r = (a+y)/(y+1)·(1−q) < 1, itself falling, so the
// tail after y is under p(y)·r/(1−r): a bound that rounding cannot stall,
// as a running distribution function short of 1 − 1e-15 can. Each term is
// computed from log-gamma, not by recurrence, so a term far below the first
// cannot underflow the rest.
func negBinPMF(a, q float64) countDist {
	if a <= 0 || q >= 1 {
		return countDist{p: []float64{1}}
	}
	la, _ := math.Lgamma(a)
	lq, l1q := math.Log(q), math.Log1p(-q)
	mean := a * (1 - q) / q
	var out []float64
	for y := 0; ; y++ {
		lay, _ := math.Lgamma(a + float64(y))
		ly1, _ := math.Lgamma(float64(y) + 1)
		p := math.Exp(lay - la - ly1 + a*lq + float64(y)*l1q)
		out = append(out, p)
		r := (a + float64(y)) / float64(y+1) * (1 - q)
		if (float64(y) > mean && r < 1 && p*r/(1-r) < tailMass) || y > 10_000_000 {
			return countDist{p: out}.trim()
		}
	}
}

// quantile is the smallest y with P(Y ≤ y) ≥ level.
func (d countDist) quantile(level float64) int {
	cdf := 0.0
	for i, v := range d.p {
		cdf += v
		if cdf >= level {
			return d.off + i
		}
	}
	return d.off + len(d.p) - 1
}

// convolve is the distribution of the sum of two independent counts.
func convolve(a, b countDist) countDist {
	out := make([]float64, len(a.p)+len(b.p)-1)
	for i, x := range a.p {
		if x == 0 {
			continue
		}
		for j, y := range b.p {
			out[i+j] += x * y
		}
	}
	return countDist{off: a.off + b.off, p: out}.trim()
}
