package reports

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// hotspotWeibullTable and hotspotForecastTable are the run's Weibull fits
// and service forecast as hotspots.xlsx and the data files show them; like
// hotspot_tickets they are not among resultTables (weekly.xlsx has no
// sheet of them). Aggregates over products: kept whole in a filtered
// report, as the hot-spots are.
var hotspotWeibullTable = resultTable{
	name: "hotspot_weibull", sheet: "Weibull", hasAsOf: true, reach: perProduct,
	columns: []column{
		{"product_id", kindText}, {"product_name", kindText}, {"component", kindText},
		{"failures", kindInt}, {"censored_units", kindInt}, {"failures_without_age", kindInt},
		{"beta", kindFloat}, {"beta_low", kindFloat}, {"beta_high", kindFloat}, {"eta_days", kindScore},
		{"verdict", kindText}, {"not_available", kindText},
	},
	orderBy: "product_id, component",
}

var hotspotForecastTable = resultTable{
	name: "hotspot_forecast", sheet: "Forecast", hasAsOf: true, reach: perProduct,
	columns: []column{
		{"kind", kindText}, {"scope", kindText}, {"forecast_at", kindDate}, {"period_end", kindDate},
		{"product_id", kindText}, {"product_name", kindText}, {"component", kindText}, {"region", kindText},
		{"installed_units", kindInt}, {"basis_failures", kindInt}, {"rate_per_100_per_year", kindFloat},
		{"expected_tickets", kindFloat}, {"tickets_low", kindInt}, {"tickets_high", kindInt},
		{"mean_effort_hours", kindFloat}, {"effort_basis", kindText},
		{"expected_hours", kindScore}, {"hours_low", kindScore}, {"hours_high", kindScore}, {"capacity_hours", kindScore},
		{"actual_tickets", kindInt}, {"not_available", kindText},
	},
	orderBy: "kind DESC, scope DESC, expected_tickets DESC NULLS LAST, product_id, component, region",
}

const chartHSBacktest = "hs_backtest"

// hsBacktestTopN is how many groups the back-test chart shows beside the
// total, those with the most tickets expected or seen.
const hsBacktestTopN = 10

type hsWeibull struct {
	productID, productName, component string
	failures, censored, withoutAge    int64
	beta, low, high, eta              sql.NullFloat64
	verdict, na                       string
}

type hsForecast struct {
	kind, scope                  string
	at, end                      time.Time
	productID, productName       string
	component, region            string
	units, basis                 sql.NullInt64
	expected                     sql.NullFloat64
	lo, hi, actual               sql.NullInt64
	hours, hoursLo, hoursHi, cap sql.NullFloat64
	na                           string
}

func (f hsForecast) label() string {
	return cmp.Or(f.productName, f.productID) + " · " + f.component + " · " + f.region
}

func loadHotspotModels(ctx context.Context, q queryer, runID int64, d *hsData) error {
	rows, err := q.QueryContext(ctx, `SELECT product_id, coalesce(product_name, ''), component, failures, censored_units,
		failures_without_age, beta, beta_low, beta_high, eta_days, coalesce(verdict, ''), coalesce(not_available, '')
		FROM hotspot_weibull WHERE run_id = $1 ORDER BY product_id, component`, runID)
	if err != nil {
		return fmt.Errorf("reports: load weibull: %w", err)
	}
	for rows.Next() {
		var w hsWeibull
		if err := rows.Scan(&w.productID, &w.productName, &w.component, &w.failures, &w.censored, &w.withoutAge,
			&w.beta, &w.low, &w.high, &w.eta, &w.verdict, &w.na); err != nil {
			rows.Close()
			return fmt.Errorf("reports: load weibull: %w", err)
		}
		d.weibull = append(d.weibull, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reports: load weibull: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT kind, scope, forecast_at, period_end, coalesce(product_id, ''), coalesce(product_name, ''),
		coalesce(component, ''), coalesce(region, ''), installed_units, basis_failures, expected_tickets, tickets_low, tickets_high,
		actual_tickets, expected_hours, hours_low, hours_high, capacity_hours, coalesce(not_available, '')
		FROM hotspot_forecast WHERE run_id = $1
		ORDER BY kind DESC, scope DESC, expected_tickets DESC NULLS LAST, actual_tickets DESC NULLS LAST, product_id, component, region`, runID)
	if err != nil {
		return fmt.Errorf("reports: load forecast: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f hsForecast
		if err := rows.Scan(&f.kind, &f.scope, &f.at, &f.end, &f.productID, &f.productName, &f.component, &f.region, &f.units, &f.basis,
			&f.expected, &f.lo, &f.hi, &f.actual, &f.hours, &f.hoursLo, &f.hoursHi, &f.cap, &f.na); err != nil {
			return fmt.Errorf("reports: load forecast: %w", err)
		}
		d.forecast = append(d.forecast, f)
	}
	return rows.Err()
}

// forecastRows are d's rows of one kind and scope, in the table's order.
func (d *hsData) forecastRows(kind, scope string) []hsForecast {
	var out []hsForecast
	for _, f := range d.forecast {
		if f.kind == kind && f.scope == scope {
			out = append(out, f)
		}
	}
	return out
}

func naOr(v sql.NullFloat64, format func(float64) string, l labels) string {
	if !v.Valid {
		return l.get("report.na")
	}
	return format(v.Float64)
}

func intOr(v sql.NullInt64, l labels) string {
	if !v.Valid {
		return l.get("report.na")
	}
	return strconv.FormatInt(v.Int64, 10)
}

func format2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// hsForecastNotes say what the next window will bring service and how the
// back-test did, from the total rows.
func hsForecastNotes(d *hsData, l labels) []string {
	var out []string
	for _, kind := range []string{"forecast", "backtest"} {
		tot := d.forecastRows(kind, "total")
		if len(tot) == 0 {
			continue
		}
		t := tot[0]
		period := t.at.Format(time.DateOnly) + " – " + t.end.Format(time.DateOnly)
		if !t.expected.Valid {
			out = append(out, l.getf("hs."+kind+"_none", period, l.lookup("forecast.why.", t.na)))
			continue
		}
		tickets := l.getf("hs.range", format2(t.expected.Float64), intOr(t.lo, l), intOr(t.hi, l))
		hours := l.get("hs.hours_unknown")
		if t.hours.Valid {
			hours = l.getf("hs.hours", l.getf("hs.range", formatScore(t.hours.Float64), formatScore(t.hoursLo.Float64), formatScore(t.hoursHi.Float64)))
		}
		switch {
		case kind == "forecast" && t.cap.Valid:
			out = append(out, l.getf("hs.forecast_total", period, tickets, hours, formatScore(t.cap.Float64)))
		case kind == "forecast":
			out = append(out, l.getf("hs.forecast_total_nocap", period, tickets, hours))
		default:
			out = append(out, l.getf("hs.backtest_total", period, tickets, intOr(t.actual, l)))
		}
	}
	return out
}

// hsBacktest charts the back-test: expected tickets with the 95 % interval
// against the tickets that came, for the total and the groups with the
// most of either. A click on a group's bar filters the tables.
func hsBacktest(d *hsData, l labels) (hsChart, error) {
	c := hsChart{ID: chartHSBacktest}
	rows := d.forecastRows("backtest", "group")
	slices.SortStableFunc(rows, func(a, b hsForecast) int {
		m := func(f hsForecast) float64 { return max(f.expected.Float64, float64(f.actual.Int64)) }
		return cmp.Compare(m(b), m(a))
	})
	rows = rows[:min(len(rows), hsBacktestTopN)]
	why := ""
	if len(d.forecastRows("backtest", "total")) == 0 {
		why = l.get("hs.backtest_empty")
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(commonOptsWhy(chartHSBacktest, l.get("hs.backtest"), why),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.get("hs.backtest_axis"), MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Bottom: "50", ContainLabel: opts.Bool(true)}),
	)...)
	names := make([]string, len(rows))
	exp := make([]opts.BarData, len(rows))
	act := make([]opts.BarData, len(rows))
	lo := make([]opts.LineData, len(rows))
	hi := make([]opts.LineData, len(rows))
	for i, f := range rows {
		names[i] = chartLabel(f.label())
		exp[i] = opts.BarData{Value: nil}
		if f.expected.Valid {
			exp[i] = opts.BarData{Value: round2(f.expected.Float64)}
			lo[i] = opts.LineData{Value: f.lo.Int64}
			hi[i] = opts.LineData{Value: f.hi.Int64}
		} else {
			lo[i], hi[i] = opts.LineData{Value: nil}, opts.LineData{Value: nil}
		}
		act[i] = opts.BarData{Value: f.actual.Int64}
		c.Filters = append(c.Filters, map[string]string{"p": f.productID, "c": f.component, "r": f.region})
	}
	bar.SetXAxis(names).
		AddSeries(l.get("hs.backtest_expected"), exp).
		AddSeries(l.get("hs.backtest_actual"), act)
	band := charts.NewLine()
	band.SetXAxis(names).
		AddSeries(l.get("hs.backtest_low"), lo, charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Opacity: opts.Float(0)})).
		AddSeries(l.get("hs.backtest_high"), hi, charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Opacity: opts.Float(0)}))
	bar.Overlap(band)
	bar.Validate()
	o, err := roundTrip(bar.JSON())
	c.Option = o
	return c, err
}

// hsModelTables are the Weibull and forecast tables of the page.
func hsModelTables(d *hsData, l labels) []hsTable {
	wt := hsTable{ID: "hs_weibull", Title: l.get("hs.weibull"), Empty: l.get("report.no_rows"),
		Header: headers(l, "product_name", "component", "failures", "censored_units", "failures_without_age",
			"beta", "beta_interval", "eta_days", "eta_years", "verdict"),
		Numeric: []bool{false, false, true, true, true, true, true, true, true, false}}
	for _, w := range d.weibull {
		beta, interval, eta, years := l.get("report.na"), "", l.get("report.na"), ""
		var verdict string
		if w.na != "" {
			verdict = l.get("report.na") + ": " + l.lookup("weibull.why.", w.na)
		} else {
			verdict = l.lookup("weibull.verdict.", w.verdict)
			beta, eta = format2(w.beta.Float64), formatScore(w.eta.Float64)
			interval = format2(w.low.Float64) + " – " + format2(w.high.Float64)
			years = format2(w.eta.Float64 / 365.25)
		}
		wt.Rows = append(wt.Rows, hsRow{P: w.productID, C: w.component, Cells: []string{cmp.Or(w.productName, w.productID), w.component,
			strconv.FormatInt(w.failures, 10), strconv.FormatInt(w.censored, 10), strconv.FormatInt(w.withoutAge, 10),
			beta, interval, eta, years, verdict}})
	}
	var out []hsTable
	out = append(out, wt)
	for _, kind := range []string{"forecast", "backtest"} {
		cols := []string{"product_name", "component", "region", "installed_units", "basis_failures", "expected_tickets", "tickets_interval",
			"expected_hours", "hours_interval"}
		num := []bool{false, false, false, true, true, true, true, true, true}
		if kind == "backtest" {
			cols = append(cols, "actual_tickets")
			num = append(num, true)
		}
		t := hsTable{ID: "hs_" + kind, Title: l.get("hs." + kind + "_table"), Empty: l.get("report.no_rows"),
			Header: headers(l, cols...), Numeric: num}
		for _, f := range d.forecastRows(kind, "group") {
			var cells []string
			if f.na != "" {
				na := l.get("report.na") + ": " + l.lookup("forecast.why.", f.na)
				cells = []string{cmp.Or(f.productName, f.productID), f.component, f.region, intOr(f.units, l), intOr(f.basis, l), na, "", "", ""}
			} else {
				hours, hint := l.get("report.na")+": "+l.get("forecast.why.no_effort_hours"), ""
				if f.hours.Valid {
					hours = formatScore(f.hours.Float64)
					hint = formatScore(f.hoursLo.Float64) + " – " + formatScore(f.hoursHi.Float64)
				}
				cells = []string{cmp.Or(f.productName, f.productID), f.component, f.region, intOr(f.units, l), intOr(f.basis, l),
					format2(f.expected.Float64), intOr(f.lo, l) + " – " + intOr(f.hi, l), hours, hint}
			}
			if kind == "backtest" {
				cells = append(cells, intOr(f.actual, l))
			}
			t.Rows = append(t.Rows, hsRow{P: f.productID, C: f.component, R: f.region, Cells: cells})
		}
		out = append(out, t)
	}
	return out
}

var hotspotPeriodsTable = resultTable{
	name: "hotspot_periods", sheet: "Periods", hasAsOf: true, reach: perProduct,
	columns: []column{
		{"product_id", kindText}, {"component", kindText}, {"region", kindText}, {"period", kindInt},
		{"period_start", kindDate}, {"period_end", kindDate}, {"observed_days", kindInt}, {"failures", kindInt},
		{"unit_days", kindScore}, {"rate_per_100_per_year", kindFloat},
	},
	orderBy: "product_id, component, region, period",
}

const chartHSTrend = "hs_trend"

// hsTrendTopN is how many of the top-ranked groups the trend chart draws;
// rising groups outside them are drawn too.
const hsTrendTopN = 6

type hsPeriod struct {
	productID, component, region string
	end                          time.Time
	failures                     int64
}

func loadHotspotPeriods(ctx context.Context, q queryer, runID int64, d *hsData) error {
	rows, err := q.QueryContext(ctx, `SELECT product_id, component, region, period_end, failures
		FROM hotspot_periods WHERE run_id = $1 ORDER BY product_id, component, region, period DESC`, runID)
	if err != nil {
		return fmt.Errorf("reports: load hot-spot periods: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p hsPeriod
		if err := rows.Scan(&p.productID, &p.component, &p.region, &p.end, &p.failures); err != nil {
			return fmt.Errorf("reports: load hot-spot periods: %w", err)
		}
		d.periods = append(d.periods, p)
	}
	return rows.Err()
}

// trendVerdict is the rising test's verdict of a group, short for a
// chart's legend: rising, steady (tested, not flagged) or not tested and
// why (the groups table says it at length).
func trendVerdict(g hsGroup, l labels) string {
	switch {
	case g.notTested != "":
		return l.get("rising.not_tested") + ": " + l.lookup("trend.why.", g.notTested)
	case g.rising:
		return l.get("trend.rising")
	}
	return l.get("trend.steady")
}

// hsTrend draws the failures per rising-test period of the top-ranked
// groups and of every rising one, each series named with the test's
// verdict; a click on a point filters the tables to its group.
func hsTrend(d *hsData, l labels) (hsChart, error) {
	c := hsChart{ID: chartHSTrend}
	var chosen []hsGroup
	for _, g := range d.groups {
		if (g.rank.Valid && g.rank.Int64 <= hsTrendTopN) || g.rising {
			chosen = append(chosen, g)
		}
	}
	ends := map[time.Time]bool{}
	byGroup := map[[3]string]map[time.Time]int64{}
	for _, p := range d.periods {
		k := [3]string{p.productID, p.component, p.region}
		if byGroup[k] == nil {
			byGroup[k] = map[time.Time]int64{}
		}
		byGroup[k][p.end] = p.failures
		ends[p.end] = true
	}
	var axis []time.Time
	for e := range ends {
		axis = append(axis, e)
	}
	slices.SortFunc(axis, func(a, b time.Time) int { return a.Compare(b) })
	names := make([]string, len(axis))
	for i, e := range axis {
		names[i] = e.Format(time.DateOnly)
	}
	why := ""
	if len(chosen) == 0 || len(axis) == 0 {
		why = l.get("hs.trend_empty")
	}
	line := charts.NewLine()
	line.SetGlobalOptions(append(commonOptsWhy(chartHSTrend, l.get("hs.trend"), why),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Name: l.get("hs.trend_axis_x")}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.get("chart.pareto.bar"), MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Bottom: "90", ContainLabel: opts.Bool(true)}),
	)...)
	line.SetXAxis(names)
	for _, g := range chosen {
		k := [3]string{g.productID, g.component, g.region}
		data := make([]opts.LineData, len(axis))
		for i, e := range axis {
			if v, ok := byGroup[k][e]; ok {
				data[i] = opts.LineData{Value: v}
			} else {
				data[i] = opts.LineData{Value: nil}
			}
		}
		// The verdict first and whole (our own text); the group's label,
		// which is data, sanitized and capped.
		name := trendVerdict(g, l) + " — " + chartLabel(g.productLabel()+" · "+g.component+" · "+g.region)
		line.AddSeries(name, data)
		c.Filters = append(c.Filters, map[string]string{"p": g.productID, "c": g.component, "r": g.region})
	}
	if len(chosen) == 0 {
		line.AddSeries(l.get("chart.pareto.bar"), []opts.LineData{})
	}
	line.Validate()
	o, err := roundTrip(line.JSON())
	c.Option = o
	return c, err
}
