package page

import (
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Chart container ids: fixed, so two renders of the same data are identical
// (go-echarts would otherwise draw a random id per chart).
const (
	chartTiers     = "chart_tiers"
	ChartValueCost = "chart_value_cost"
	chartPareto    = "chart_pareto"
	chartAging     = "chart_aging"
)

// chartIDs lists the charts in page order; the browser test waits for each.
var ChartIDs = []string{chartTiers, ChartValueCost, chartPareto, chartAging}

// chartSpec is one chart as the page's script receives it.
type ChartSpec struct {
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

func buildCharts(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) ([]ChartSpec, error) {
	builders := []struct {
		id    string
		build func(*snapshot.ReportData, texts.Labels, snapshot.Options) (map[string]any, error)
	}{
		{chartTiers, tierChart},
		{ChartValueCost, valueCostChart},
		{chartPareto, paretoChart},
		{chartAging, agingChart},
	}
	out := make([]ChartSpec, 0, len(builders))
	for _, b := range builders {
		option, err := b.build(d, l, opt)
		if err != nil {
			return nil, fmt.Errorf("reports: chart %s: %w", b.id, err)
		}
		out = append(out, ChartSpec{ID: b.id, Option: option})
	}
	return out, nil
}

// chartsJSON serialises the chart list for the page's script. encoding/json
// escapes < > & as \u003c \u003e \u0026, so no data can end the <script>.
func chartsJSON(specs []ChartSpec) ([]byte, error) {
	b, err := json.Marshal(specs)
	if err != nil {
		return nil, fmt.Errorf("reports: encode chart options: %w", err)
	}
	return b, nil
}

func TierLabel(tier string, l texts.Labels) string {
	if tier == "" {
		return l.Get("chart.no_tier")
	}
	return format.ChartLabel(tier)
}

func commonOpts(id, title string) []charts.GlobalOpts {
	return commonOptsWhy(id, title, "")
}

// commonOptsWhy is commonOpts with a subtitle saying why the chart has
// nothing to show (a source the run lacks); "" for none.
func commonOptsWhy(id, title, why string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id}),
		charts.WithTitleOpts(opts.Title{Title: format.ChartLabel(title), Subtitle: format.ChartLines(why), Left: "center"}),
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

// tierChart is chart_tiers: the tier migration since the previous run, a
// sankey with the previous run's tiers on the left and this run's on the
// right, a band per move as wide as its customers. Without a previous run
// it says so instead of drawing bands (a count per tier would only repeat
// the tier quantiles). The option is plain maps: go-echarts' sankey has no
// field for the tooltip texts the fixed formatter shows.
func tierChart(d *snapshot.ReportData, l texts.Labels, _ snapshot.Options) (map[string]any, error) {
	title := format.ChartLabel(l.Get("chart.migration"))
	if d.Week == nil || !d.Week.HasPrevious || len(d.Week.Migration) == 0 {
		return map[string]any{
			"title":  map[string]any{"text": title, "subtext": format.ChartLines(l.Get("chart.migration.na")), "left": "center"},
			"xAxis":  map[string]any{"show": false},
			"yAxis":  map[string]any{"show": false},
			"series": []any{map[string]any{"type": "bar", "data": []any{}}},
		}, nil
	}
	moves := d.Week.Migration
	end := func(tier string, out, right bool) string {
		switch {
		case out && right:
			return l.Get("chart.migration.gone")
		case out:
			return l.Get("chart.migration.new")
		}
		return TierLabel(tier, l)
	}
	// Node names must differ between the sides: "was A" and "now A".
	nodeName := func(tier string, out, right bool) string {
		if right {
			return l.Getf("chart.migration.now", end(tier, out, true))
		}
		return l.Getf("chart.migration.was", end(tier, out, false))
	}
	var nodes, links []any
	leftSum, rightSum := map[string]int64{}, map[string]int64{}
	type rightKey struct {
		gone bool
		tier string
	}
	rightKeys := map[string]rightKey{}
	var leftOrder, rightOrder []string
	var both, changed, isNew, gone int64
	for _, m := range moves {
		from, to := nodeName(m.From, m.New, false), nodeName(m.To, m.Gone, true)
		if _, ok := leftSum[from]; !ok {
			leftOrder = append(leftOrder, from)
		}
		if _, ok := rightSum[to]; !ok {
			rightOrder = append(rightOrder, to)
			rightKeys[to] = rightKey{m.Gone, m.To}
		}
		leftSum[from] += m.Customers
		rightSum[to] += m.Customers
		links = append(links, map[string]any{
			"source": from, "target": to, "value": m.Customers,
			"tip": []string{end(m.From, m.New, false) + " → " + end(m.To, m.Gone, true), l.Getf("chart.migration.customers", m.Customers)},
		})
		switch {
		case m.New:
			isNew += m.Customers
		case m.Gone:
			gone += m.Customers
		default:
			both += m.Customers
			if m.From != m.To {
				changed += m.Customers
			}
		}
	}
	// This run's tiers in order, then the customers gone.
	slices.SortFunc(rightOrder, func(a, b string) int {
		ka, kb := rightKeys[a], rightKeys[b]
		if ka.gone != kb.gone {
			if ka.gone {
				return 1
			}
			return -1
		}
		return strings.Compare(ka.tier, kb.tier)
	})
	for _, side := range []struct {
		names []string
		sums  map[string]int64
		depth int
	}{{leftOrder, leftSum, 0}, {rightOrder, rightSum, 1}} {
		for _, n := range side.names {
			nodes = append(nodes, map[string]any{
				"name": n, "depth": side.depth,
				"tip": []string{n, l.Getf("chart.migration.customers", side.sums[n])},
			})
		}
	}
	sub := l.Getf("chart.migration.sub", d.Week.PrevAsOf, changed, both, isNew, gone)
	return map[string]any{
		"title":   map[string]any{"text": title, "subtext": format.ChartLines(sub), "left": "center"},
		"tooltip": map[string]any{"show": true, "trigger": "item", "formatter": formatterTip},
		"series": []any{map[string]any{
			"type": "sankey", "top": 70, "bottom": 20, "left": 20, "right": 90,
			"nodeAlign": "justify", "nodeWidth": 18, "nodeGap": 10,
			// No layout iterations: nodes keep the data's order, the same
			// on every render.
			"layoutIterations": 0, "draggable": false,
			"label":     map[string]any{"show": true},
			"lineStyle": map[string]any{"color": "source", "opacity": 0.35, "curveness": 0.5},
			"emphasis":  map[string]any{"focus": "adjacency"},
			"data":      nodes,
			"links":     links,
		}},
	}, nil
}

func valueCostChart(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) (map[string]any, error) {
	costAxis := l.Get("chart.value_cost.x")
	if opt.CurrencySymbol != "" {
		costAxis = format.ChartLabel(costAxis + " (" + opt.CurrencySymbol + ")")
	}
	sc := charts.NewScatter()
	why := d.ScatterNote(l)
	if d.Lacks("tickets") {
		why = snapshot.NoSource(l, "tickets") // no service cost: no point is placed
	}
	sc.SetGlobalOptions(append(commonOptsWhy(ChartValueCost, l.Get("chart.value_cost"), why),
		// The default item tooltip shows the series (tier), the point's name
		// (the customer) and its values; ECharts HTML-escapes all three. A
		// string formatter would not be escaped, so none is set.
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: costAxis, NameLocation: "middle", NameGap: 30}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.Get("chart.value_cost.y"), Min: 0, Max: 100}),
	)...)
	var series []string
	points := map[string][]opts.ScatterData{}
	for _, p := range d.Scatter {
		name := TierLabel(p.Tier, l)
		if _, seen := points[name]; !seen {
			series = append(series, name) // d.scatter is ordered by tier
		}
		points[name] = append(points[name], opts.ScatterData{
			Name:  format.ChartLabel(p.Name),
			Value: []float64{p.Cost, p.Score},
		})
	}
	for _, name := range series {
		sc.AddSeries(name, points[name], charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 8}))
	}
	if d.HasMedians && len(d.Scatter) > 0 {
		// The quadrants: dashed lines at the run's medians of service cost
		// and score, in a series of their own so the legend can hide them.
		// Only in an unfiltered report: the medians are company-wide.
		sc.AddSeries(l.Get("chart.value_cost.medians"), []opts.ScatterData{},
			charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{
				Name: l.Get("chart.value_cost.median_cost"), XAxis: d.MedianCost}),
			charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{
				Name: l.Get("chart.value_cost.median_score"), YAxis: d.MedianScore}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				Label:     &opts.Label{Show: opts.Bool(true), Formatter: "{b}"},
				LineStyle: &opts.LineStyle{Type: "dashed", Color: "#888888"},
			}))
	}
	sc.Validate()
	return roundTrip(sc.JSON())
}

func paretoChart(d *snapshot.ReportData, l texts.Labels, _ snapshot.Options) (map[string]any, error) {
	bar := charts.NewBar()
	why := ""
	if d.Lacks("tickets") {
		why = snapshot.NoSource(l, "tickets")
	}
	bar.SetGlobalOptions(append(commonOptsWhy(chartPareto, l.Getf("chart.pareto", snapshot.ParetoTopN), why),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.Get("chart.pareto.bar"), MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Bottom: "50", ContainLabel: opts.Bool(true)}),
	)...)
	bar.ExtendYAxis(opts.YAxis{Type: "value", Name: "%", Min: 0, Max: 100, Position: "right"})
	rising := map[string]bool{}
	for _, h := range d.Hotspots {
		if h.Rising {
			rising[h.ProductID+"\x1f"+h.Component+"\x1f"+h.Region] = true
		}
	}
	bars := snapshot.Pareto(d.ParetoItems, snapshot.ParetoTopN)
	names := make([]string, len(bars))
	failures := make([]opts.BarData, len(bars))
	cumulative := make([]opts.LineData, len(bars))
	for i, b := range bars {
		names[i] = snapshot.ParetoLabel(b, l)
		if rising[b.Key] {
			// The axis label is what the tooltip shows: the rising flag
			// travels with the group's name.
			names[i] += " ↑ " + format.ChartLabel(l.Get("hotspots.rising_mark"))
		}
		failures[i] = opts.BarData{Value: b.Failures}
		// Rounded to 0.1 % for display: the exact counts are in the workbook.
		pct, _ := strconv.ParseFloat(strconv.FormatFloat(b.Cumulative*100, 'f', 1, 64), 64)
		cumulative[i] = opts.LineData{Value: pct}
	}
	bar.SetXAxis(names).AddSeries(l.Get("chart.pareto.bar"), failures)
	line := charts.NewLine()
	line.SetXAxis(names).AddSeries(l.Get("chart.pareto.line"), cumulative,
		charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}))
	bar.Overlap(line)
	bar.Validate()
	return roundTrip(bar.JSON())
}

func agingChart(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) (map[string]any, error) {
	bar := charts.NewBar()
	why := ""
	if d.Lacks("ar_invoices") {
		why = snapshot.NoSource(l, "ar_invoices")
	}
	bar.SetGlobalOptions(append(commonOptsWhy(chartAging, l.Get("chart.aging"), why),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithXAxisOpts(opts.XAxis{Name: l.Get("chart.tier_axis")}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value"}),
		charts.WithGridOpts(opts.Grid{Bottom: "80", ContainLabel: opts.Bool(true)}),
	)...)
	names := make([]string, len(d.Aging))
	for i, a := range d.Aging {
		names[i] = TierLabel(a.Tier, l)
	}
	bar.SetXAxis(names)
	for b, bucket := range snapshot.AgingBuckets {
		data := make([]opts.BarData, len(d.Aging))
		for i, a := range d.Aging {
			// Chart heights only; the exact sums are in the tables and workbook.
			v, err := strconv.ParseFloat(a.Buckets[b], 64)
			if err != nil {
				return nil, fmt.Errorf("parse %s sum %q: %w", bucket, a.Buckets[b], err)
			}
			data[i] = opts.BarData{Value: v}
		}
		bar.AddSeries(l.Get("col."+bucket), data,
			charts.WithBarChartOpts(opts.BarChart{Stack: "aging"}))
	}
	bar.Validate()
	option, err := roundTrip(bar.JSON())
	if err != nil {
		return nil, err
	}
	// The tooltip shows each bucket's exact sum in the report's currency,
	// written here from the decimal, not the bar height's float.
	series, _ := option["series"].([]any)
	for b, s := range series {
		sm, _ := s.(map[string]any)
		items, _ := sm["data"].([]any)
		for i, item := range items {
			im, ok := item.(map[string]any)
			if !ok || b >= len(snapshot.AgingBuckets) || i >= len(d.Aging) {
				return nil, fmt.Errorf("aging series %d item %d: unexpected shape", b, i)
			}
			im["money"] = format.FormatMoney(d.Aging[i].Buckets[b], opt.CurrencySymbol)
		}
	}
	setFormatter(option, formatterMoneyAxis)
	return option, nil
}

// The page's script has a few fixed tooltip formatters, named in an
// option as "accord:<name>" (a string the Go code sets, never data). Each
// escapes every text it shows with echarts.format.encodeHTML, since ECharts
// renders a formatter's result as HTML.
const (
	formatterMoneyAxis = "accord:money-axis"
	formatterTip       = "accord:tip"
)

// chartFormattersJS defines the formatters and binds them to the options.
const chartFormattersJS = `
  var enc = echarts.format.encodeHTML;
  var formatters = {
    // An axis tooltip: the category, then each series with its item's
    // preformatted money.
    "money-axis": function (params) {
      if (!params.length) return "";
      var rows = [enc(String(params[0].axisValueLabel))];
      params.forEach(function (p) {
        var shown = p.data && typeof p.data.money === "string" ? p.data.money : String(p.value);
        rows.push(p.marker + enc(String(p.seriesName)) + ": " + enc(shown));
      });
      return rows.join("<br>");
    },
    // An item tooltip: the item's lines, written by the Go code.
    "tip": function (p) {
      var lines = p.data && p.data.tip;
      if (!lines || !lines.length) return enc(String(p.name));
      return lines.map(function (x) { return enc(String(x)); }).join("<br>");
    }
  };
  function bindFormatters(option) {
    var tip = option.tooltip;
    [].concat(tip || []).forEach(function (t) {
      if (t && typeof t.formatter === "string" && t.formatter.indexOf("accord:") === 0) {
        t.formatter = formatters[t.formatter.slice(7)];
      }
    });
  }
`

// setFormatter names a fixed formatter in the option's tooltip (go-echarts
// writes the tooltip as one object or a list of them).
func setFormatter(option map[string]any, name string) {
	switch t := option["tooltip"].(type) {
	case map[string]any:
		t["formatter"] = name
	case []any:
		for _, x := range t {
			if m, ok := x.(map[string]any); ok {
				m["formatter"] = name
			}
		}
	default:
		option["tooltip"] = map[string]any{"show": true, "trigger": "axis", "formatter": name}
	}
}
