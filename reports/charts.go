package reports

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Chart container ids: fixed, so two renders of the same data are identical
// (go-echarts would otherwise draw a random id per chart).
const (
	chartTiers     = "chart_tiers"
	chartValueCost = "chart_value_cost"
	chartPareto    = "chart_pareto"
	chartAging     = "chart_aging"
)

// chartIDs lists the charts in page order; the browser test waits for each.
var chartIDs = []string{chartTiers, chartValueCost, chartPareto, chartAging}

// chartSpec is one chart as the page's script receives it.
type chartSpec struct {
	ID     string         `json:"id"`
	Option map[string]any `json:"option"`
}

// How the page uses go-echarts: only to build each chart's option object
// (charts.Bar and friends, then JSON()). It does not use go-echarts'
// renderer or page template, because that renderer
//   - writes the option into a <script> with HTML escaping turned off, so a
//     customer named "</script>..." breaks out of it;
//   - turns any string containing "__f__" into executable JavaScript;
//   - links echarts.min.js from a CDN (AssetsHost) instead of embedding it;
//   - panics instead of returning errors.
// The options are serialised by encoding/json instead (which escapes < > &
// and U+2028/9, and sorts map keys, so the output is byte-stable), and the
// page template in html.go inlines the library and the options itself.

func buildCharts(d *reportData, l labels, opt Options) ([]chartSpec, error) {
	builders := []struct {
		id    string
		build func(*reportData, labels, Options) (map[string]any, error)
	}{
		{chartTiers, tierChart},
		{chartValueCost, valueCostChart},
		{chartPareto, paretoChart},
		{chartAging, agingChart},
	}
	out := make([]chartSpec, 0, len(builders))
	for _, b := range builders {
		option, err := b.build(d, l, opt)
		if err != nil {
			return nil, fmt.Errorf("reports: chart %s: %w", b.id, err)
		}
		out = append(out, chartSpec{ID: b.id, Option: option})
	}
	return out, nil
}

// chartsJSON serialises the chart list for the page's script. encoding/json
// escapes < > & as \u003c \u003e \u0026, so no data can end the <script>.
func chartsJSON(specs []chartSpec) ([]byte, error) {
	b, err := json.Marshal(specs)
	if err != nil {
		return nil, fmt.Errorf("reports: encode chart options: %w", err)
	}
	return b, nil
}

func tierLabel(tier string, l labels) string {
	if tier == "" {
		return l.get("chart.no_tier")
	}
	return chartLabel(tier)
}

func commonOpts(id, title string) []charts.GlobalOpts {
	return commonOptsWhy(id, title, "")
}

// commonOptsWhy is commonOpts with a subtitle saying why the chart has
// nothing to show (a source the run lacks); "" for none.
func commonOptsWhy(id, title, why string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id}),
		charts.WithTitleOpts(opts.Title{Title: chartLabel(title), Subtitle: chartLines(why), Left: "center"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom", Type: "scroll"}),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(false)}),
	}
}

// roundTrip turns a go-echarts option into plain maps, slices, strings,
// numbers and booleans, so nothing with custom marshalling reaches the page.
func roundTrip(v map[string]any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func tierChart(d *reportData, l labels, _ Options) (map[string]any, error) {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(commonOpts(chartTiers, l.get("chart.tiers")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithXAxisOpts(opts.XAxis{Name: l.get("chart.tier_axis")}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", MinInterval: 1}),
	)...)
	names := make([]string, len(d.tiers))
	data := make([]opts.BarData, len(d.tiers))
	for i, t := range d.tiers {
		names[i] = tierLabel(t.tier, l)
		data[i] = opts.BarData{Value: t.count}
	}
	bar.SetXAxis(names).AddSeries(l.get("chart.tiers.series"), data,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"}))
	bar.Validate()
	return roundTrip(bar.JSON())
}

func valueCostChart(d *reportData, l labels, opt Options) (map[string]any, error) {
	costAxis := l.get("chart.value_cost.x")
	if opt.CurrencySymbol != "" {
		costAxis = chartLabel(costAxis + " (" + opt.CurrencySymbol + ")")
	}
	sc := charts.NewScatter()
	why := d.scatterNote(l)
	if d.lacks("tickets") {
		why = noSource(l, "tickets") // no service cost: no point is placed
	}
	sc.SetGlobalOptions(append(commonOptsWhy(chartValueCost, l.get("chart.value_cost"), why),
		// The default item tooltip shows the series (tier), the point's name
		// (the customer) and its values; ECharts HTML-escapes all three. A
		// string formatter would not be escaped, so none is set.
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: costAxis, NameLocation: "middle", NameGap: 30}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.get("chart.value_cost.y"), Min: 0, Max: 100}),
	)...)
	var series []string
	points := map[string][]opts.ScatterData{}
	for _, p := range d.scatter {
		name := tierLabel(p.tier, l)
		if _, seen := points[name]; !seen {
			series = append(series, name) // d.scatter is ordered by tier
		}
		points[name] = append(points[name], opts.ScatterData{
			Name:  chartLabel(p.name),
			Value: []float64{p.cost, p.score},
		})
	}
	for _, name := range series {
		sc.AddSeries(name, points[name], charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 8}))
	}
	if d.hasMedians && len(d.scatter) > 0 {
		// The quadrants: dashed lines at the run's medians of service cost
		// and score, in a series of their own so the legend can hide them.
		// Only in an unfiltered report: the medians are company-wide.
		sc.AddSeries(l.get("chart.value_cost.medians"), []opts.ScatterData{},
			charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{
				Name: l.get("chart.value_cost.median_cost"), XAxis: d.medianCost}),
			charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{
				Name: l.get("chart.value_cost.median_score"), YAxis: d.medianScore}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				Label:     &opts.Label{Show: opts.Bool(true), Formatter: "{b}"},
				LineStyle: &opts.LineStyle{Type: "dashed", Color: "#888888"},
			}))
	}
	sc.Validate()
	return roundTrip(sc.JSON())
}

func paretoChart(d *reportData, l labels, _ Options) (map[string]any, error) {
	bar := charts.NewBar()
	why := ""
	if d.lacks("tickets") {
		why = noSource(l, "tickets")
	}
	bar.SetGlobalOptions(append(commonOptsWhy(chartPareto, l.getf("chart.pareto", paretoTopN), why),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.get("chart.pareto.bar"), MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Bottom: "50", ContainLabel: opts.Bool(true)}),
	)...)
	bar.ExtendYAxis(opts.YAxis{Type: "value", Name: "%", Min: 0, Max: 100, Position: "right"})
	rising := map[string]bool{}
	for _, h := range d.hotspots {
		if h.rising {
			rising[h.productID+"\x1f"+h.component+"\x1f"+h.region] = true
		}
	}
	bars := pareto(d.paretoItems, paretoTopN)
	names := make([]string, len(bars))
	failures := make([]opts.BarData, len(bars))
	cumulative := make([]opts.LineData, len(bars))
	for i, b := range bars {
		names[i] = paretoLabel(b, l)
		if rising[b.key] {
			// The axis label is what the tooltip shows: the rising flag
			// travels with the group's name.
			names[i] += " ↑ " + chartLabel(l.get("hotspots.rising_mark"))
		}
		failures[i] = opts.BarData{Value: b.failures}
		// Rounded to 0.1 % for display: the exact counts are in the workbook.
		pct, _ := strconv.ParseFloat(strconv.FormatFloat(b.cumulative*100, 'f', 1, 64), 64)
		cumulative[i] = opts.LineData{Value: pct}
	}
	bar.SetXAxis(names).AddSeries(l.get("chart.pareto.bar"), failures)
	line := charts.NewLine()
	line.SetXAxis(names).AddSeries(l.get("chart.pareto.line"), cumulative,
		charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}))
	bar.Overlap(line)
	bar.Validate()
	return roundTrip(bar.JSON())
}

func agingChart(d *reportData, l labels, _ Options) (map[string]any, error) {
	bar := charts.NewBar()
	why := ""
	if d.lacks("ar_invoices") {
		why = noSource(l, "ar_invoices")
	}
	bar.SetGlobalOptions(append(commonOptsWhy(chartAging, l.get("chart.aging"), why),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithXAxisOpts(opts.XAxis{Name: l.get("chart.tier_axis")}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value"}),
		charts.WithGridOpts(opts.Grid{Bottom: "80", ContainLabel: opts.Bool(true)}),
	)...)
	names := make([]string, len(d.aging))
	for i, a := range d.aging {
		names[i] = tierLabel(a.tier, l)
	}
	bar.SetXAxis(names)
	for b, bucket := range agingBuckets {
		data := make([]opts.BarData, len(d.aging))
		for i, a := range d.aging {
			// Chart heights only; the exact sums are in the tables and workbook.
			v, err := strconv.ParseFloat(a.buckets[b], 64)
			if err != nil {
				return nil, fmt.Errorf("parse %s sum %q: %w", bucket, a.buckets[b], err)
			}
			data[i] = opts.BarData{Value: v}
		}
		bar.AddSeries(l.get("col."+bucket), data,
			charts.WithBarChartOpts(opts.BarChart{Stack: "aging"}))
	}
	bar.Validate()
	return roundTrip(bar.JSON())
}
