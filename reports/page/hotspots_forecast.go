package page

import (
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

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

const ChartHSBacktest = "hs_backtest"

// hsBacktestTopN is how many groups the back-test chart shows beside the
// total, those with the most tickets expected or seen.
const hsBacktestTopN = 10

type hsWeibull struct {
	productID, productName, component string
	failures, censored, withoutAge    int64
	beta, low, high, eta              sql.NullFloat64
	verdict, na                       string
}

type HsForecast struct {
	Kind, Scope                  string
	At, End                      time.Time
	productID, productName       string
	component, region            string
	units, basis                 sql.NullInt64
	Expected                     sql.NullFloat64
	Lo, Hi, actual               sql.NullInt64
	hours, hoursLo, hoursHi, cap sql.NullFloat64
	Na                           string
}

func (f HsForecast) label() string {
	return cmp.Or(f.productName, f.productID) + " · " + f.component + " · " + f.region
}

func loadHotspotModels(ctx context.Context, q snapshot.Queryer, runID int64, d *HsData) error {
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
		var f HsForecast
		if err := rows.Scan(&f.Kind, &f.Scope, &f.At, &f.End, &f.productID, &f.productName, &f.component, &f.region, &f.units, &f.basis,
			&f.Expected, &f.Lo, &f.Hi, &f.actual, &f.hours, &f.hoursLo, &f.hoursHi, &f.cap, &f.Na); err != nil {
			return fmt.Errorf("reports: load forecast: %w", err)
		}
		d.Forecast = append(d.Forecast, f)
	}
	return rows.Err()
}

// forecastRows are d's rows of one kind and scope, in the table's order.
func (d *HsData) forecastRows(kind, scope string) []HsForecast {
	var out []HsForecast
	for _, f := range d.Forecast {
		if f.Kind == kind && f.Scope == scope {
			out = append(out, f)
		}
	}
	return out
}

func naOr(v sql.NullFloat64, format func(float64) string, l texts.Labels) string {
	if !v.Valid {
		return l.Get("report.na")
	}
	return format(v.Float64)
}

func intOr(v sql.NullInt64, l texts.Labels) string {
	if !v.Valid {
		return l.Get("report.na")
	}
	return strconv.FormatInt(v.Int64, 10)
}

func format2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// hsForecastNotes say what the next window will bring service and how the
// back-test did, from the total rows.
func HsForecastNotes(d *HsData, l texts.Labels) []string {
	var out []string
	for _, kind := range []string{"forecast", "backtest"} {
		tot := d.forecastRows(kind, "total")
		if len(tot) == 0 {
			continue
		}
		t := tot[0]
		period := t.At.Format(time.DateOnly) + " – " + t.End.Format(time.DateOnly)
		if !t.Expected.Valid {
			out = append(out, l.Getf("hs."+kind+"_none", period, l.Lookup("forecast.why.", t.Na)))
			continue
		}
		tickets := l.Getf("hs.range", format2(t.Expected.Float64), intOr(t.Lo, l), intOr(t.Hi, l))
		hours := l.Get("hs.hours_unknown")
		if t.hours.Valid {
			hours = l.Getf("hs.hours", l.Getf("hs.range", format.FormatScore(t.hours.Float64), format.FormatScore(t.hoursLo.Float64), format.FormatScore(t.hoursHi.Float64)))
		}
		switch {
		case kind == "forecast" && t.cap.Valid:
			out = append(out, l.Getf("hs.forecast_total", period, tickets, hours, format.FormatScore(t.cap.Float64)))
		case kind == "forecast":
			out = append(out, l.Getf("hs.forecast_total_nocap", period, tickets, hours))
		default:
			out = append(out, l.Getf("hs.backtest_total", period, tickets, intOr(t.actual, l)))
		}
	}
	return out
}

// hsBacktest charts the back-test: expected tickets with the 95 % interval
// against the tickets that came, for the total and the groups with the
// most of either. A click on a group's bar filters the tables.
func hsBacktest(d *HsData, l texts.Labels) (HsChart, error) {
	c := HsChart{ID: ChartHSBacktest}
	rows := d.forecastRows("backtest", "group")
	slices.SortStableFunc(rows, func(a, b HsForecast) int {
		m := func(f HsForecast) float64 { return max(f.Expected.Float64, float64(f.actual.Int64)) }
		return cmp.Compare(m(b), m(a))
	})
	rows = rows[:min(len(rows), hsBacktestTopN)]
	why := ""
	if len(d.forecastRows("backtest", "total")) == 0 {
		why = l.Get("hs.backtest_empty")
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(commonOptsWhy(ChartHSBacktest, l.Get("hs.backtest"), why),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.Get("hs.backtest_axis"), MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Bottom: "50", ContainLabel: opts.Bool(true)}),
	)...)
	names := make([]string, len(rows))
	exp := make([]opts.BarData, len(rows))
	act := make([]opts.BarData, len(rows))
	lo := make([]opts.LineData, len(rows))
	hi := make([]opts.LineData, len(rows))
	for i, f := range rows {
		names[i] = format.ChartLabel(f.label())
		exp[i] = opts.BarData{Value: nil}
		if f.Expected.Valid {
			exp[i] = opts.BarData{Value: round2(f.Expected.Float64)}
			lo[i] = opts.LineData{Value: f.Lo.Int64}
			hi[i] = opts.LineData{Value: f.Hi.Int64}
		} else {
			lo[i], hi[i] = opts.LineData{Value: nil}, opts.LineData{Value: nil}
		}
		act[i] = opts.BarData{Value: f.actual.Int64}
		c.Filters = append(c.Filters, map[string]string{"p": f.productID, "c": f.component, "r": f.region})
	}
	bar.SetXAxis(names).
		AddSeries(l.Get("hs.backtest_expected"), exp).
		AddSeries(l.Get("hs.backtest_actual"), act)
	band := charts.NewLine()
	band.SetXAxis(names).
		AddSeries(l.Get("hs.backtest_low"), lo, charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Opacity: opts.Float(0)})).
		AddSeries(l.Get("hs.backtest_high"), hi, charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Opacity: opts.Float(0)}))
	bar.Overlap(band)
	bar.Validate()
	o, err := roundTrip(bar.JSON())
	c.Option = o
	return c, err
}

// hsModelTables are the Weibull and forecast tables of the page.
func hsModelTables(d *HsData, l texts.Labels) []hsTable {
	wt := hsTable{ID: "hs_weibull", Title: l.Get("hs.weibull"), Empty: l.Get("report.no_rows"),
		Header: headers(l, "product_name", "component", "failures", "censored_units", "failures_without_age",
			"beta", "beta_interval", "eta_days", "eta_years", "verdict"),
		Numeric: []bool{false, false, true, true, true, true, true, true, true, false}}
	for _, w := range d.weibull {
		beta, interval, eta, years := l.Get("report.na"), "", l.Get("report.na"), ""
		var verdict string
		if w.na != "" {
			verdict = l.Get("report.na") + ": " + l.Lookup("weibull.why.", w.na)
		} else {
			verdict = l.Lookup("weibull.verdict.", w.verdict)
			beta, eta = format2(w.beta.Float64), format.FormatScore(w.eta.Float64)
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
		t := hsTable{ID: "hs_" + kind, Title: l.Get("hs." + kind + "_table"), Empty: l.Get("report.no_rows"),
			Header: headers(l, cols...), Numeric: num}
		for _, f := range d.forecastRows(kind, "group") {
			var cells []string
			if f.Na != "" {
				na := l.Get("report.na") + ": " + l.Lookup("forecast.why.", f.Na)
				cells = []string{cmp.Or(f.productName, f.productID), f.component, f.region, intOr(f.units, l), intOr(f.basis, l), na, "", "", ""}
			} else {
				hours, hint := l.Get("report.na")+": "+l.Get("forecast.why.no_effort_hours"), ""
				if f.hours.Valid {
					hours = format.FormatScore(f.hours.Float64)
					hint = format.FormatScore(f.hoursLo.Float64) + " – " + format.FormatScore(f.hoursHi.Float64)
				}
				cells = []string{cmp.Or(f.productName, f.productID), f.component, f.region, intOr(f.units, l), intOr(f.basis, l),
					format2(f.Expected.Float64), intOr(f.Lo, l) + " – " + intOr(f.Hi, l), hours, hint}
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

const ChartHSTrend = "hs_trend"

// hsTrendTopN is how many of the top-ranked groups the trend chart draws;
// rising groups outside them are drawn too.
const hsTrendTopN = 6

type hsPeriod struct {
	productID, component, region string
	end                          time.Time
	failures                     int64
}

func loadHotspotPeriods(ctx context.Context, q snapshot.Queryer, runID int64, d *HsData) error {
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
func trendVerdict(g HsGroup, l texts.Labels) string {
	switch {
	case g.notTested != "":
		return l.Get("rising.not_tested") + ": " + l.Lookup("trend.why.", g.notTested)
	case g.rising:
		return l.Get("trend.rising")
	}
	return l.Get("trend.steady")
}

// hsTrend draws the failures per rising-test period of the top-ranked
// groups and of every rising one, each series named with the test's
// verdict; a click on a point filters the tables to its group.
func hsTrend(d *HsData, l texts.Labels) (HsChart, error) {
	c := HsChart{ID: ChartHSTrend}
	var chosen []HsGroup
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
		why = l.Get("hs.trend_empty")
	}
	line := charts.NewLine()
	line.SetGlobalOptions(append(commonOptsWhy(ChartHSTrend, l.Get("hs.trend"), why),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Name: l.Get("hs.trend_axis_x")}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.Get("chart.pareto.bar"), MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Bottom: "90", ContainLabel: opts.Bool(true)}),
	)...)
	line.SetXAxis(names)
	for _, g := range chosen {
		k := [3]string{g.ProductID, g.Component, g.Region}
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
		name := trendVerdict(g, l) + " — " + format.ChartLabel(g.ProductLabel()+" · "+g.Component+" · "+g.Region)
		line.AddSeries(name, data)
		c.Filters = append(c.Filters, map[string]string{"p": g.ProductID, "c": g.Component, "r": g.Region})
	}
	if len(chosen) == 0 {
		line.AddSeries(l.Get("chart.pareto.bar"), []opts.LineData{})
	}
	line.Validate()
	o, err := roundTrip(line.JSON())
	c.Option = o
	return c, err
}
