package page

import (
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/internal/atomicfile"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// hotspotsName is the product managers' own page in the report folder.
const HotspotsName = "hotspots.html"

// The hot-spot page's chart ids: fixed, as on the weekly page.
const (
	ChartHSParetoProduct   = "hs_pareto_product"
	chartHSParetoComponent = "hs_pareto_component"
	chartHSParetoPC        = "hs_pareto_product_component"
	chartHSFunnel          = "hs_funnel"
	chartHSHeatmap         = "hs_heatmap"
	chartHSRegion          = "hs_region"
)

// hotspotChartIDs lists the page's charts in order; the browser test waits for each.
var HotspotChartIDs = []string{ChartHSParetoProduct, chartHSParetoComponent, chartHSParetoPC, chartHSFunnel, chartHSHeatmap, chartHSRegion, ChartHSTrend, ChartHSBacktest}

// hsParetoTopN bars per Pareto, the last folding the rest into "others".
const hsParetoTopN = 15

// Funnel limits: two-sided 95 % and 99.8 % of the standard normal.
const (
	Z95  = 1.959963984540054
	Z998 = 3.090232306167813
)

// hsGroup is one hot-spot group (product × component × region) as the page reads it.
type HsGroup struct {
	snapshot.HotspotGroup
	rank        sql.NullInt64
	rate        sql.NullFloat64
	shrunk      sql.NullFloat64
	rising      bool
	p, q        sql.NullFloat64
	notTested   string
	periodMonth sql.NullInt64
}

type hsTicket struct {
	ticketID, productID, productName, component, region, serial, customerID, name string
	opened                                                                        time.Time
	effort                                                                        sql.NullFloat64
	// groupTickets is how many tickets the ticket's group has in all.
	groupTickets int64
}

// hsRowsPerGroup is how many tickets, customers and serials the page shows
// of each group (product × component × region): the latest tickets, the
// customers and serials with the most faults. The whole lists are in the
// report's data/hotspot_tickets files; a page of every ticket grew to 94 MB
// at 100,000 customers, more than a browser opens comfortably.
const hsRowsPerGroup = 25

type hsUnsupported struct {
	productID, productName string
	// component is the unsupported tickets' component ("" when they name
	// none); past marks the products past end of support (the whole
	// product, no component).
	component        string
	past             bool
	customers, units int64
	revenue          string // exact decimal text
}

// hsCustomer is a customer behind a group's faults; hsSerial a serial with
// faults in a group. shownOf is how many the group has in all.
type hsCustomer struct {
	productID, component, region, name string
	tickets, serials, shownOf          int64
}

type hsSerial struct {
	productID, component, region, serial string
	faults, shownOf                      int64
}

type HsData struct {
	groups      []HsGroup
	tickets     []hsTicket
	customers   []hsCustomer
	serials     []hsSerial
	unsupported []hsUnsupported
	weibull     []hsWeibull
	Forecast    []HsForecast
	periods     []hsPeriod
	windowYears float64 // 0: unknown (no group with failures and a rate)
	// availability names what could not run and why (hotspotAvailability).
	availability []string
}

func loadHotspotPage(ctx context.Context, q snapshot.Queryer, runID int64, sc snapshot.Scope) (*HsData, error) {
	d := &HsData{}
	rows, err := q.QueryContext(ctx, `
		SELECT product_id, coalesce(product_name, ''), component, region, failures, installed_units, rank,
		       rate_per_100_per_year, shrunk_rate_per_100_per_year, coalesce(rising, false), rising_p_value,
		       rising_q_value, coalesce(rising_not_tested, ''), rising_period_months
		FROM hotspots WHERE run_id = $1 ORDER BY rank NULLS LAST, product_id, component, region`, runID)
	if err != nil {
		return nil, fmt.Errorf("reports: load hot-spot groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g HsGroup
		if err := rows.Scan(&g.ProductID, &g.ProductName, &g.Component, &g.Region, &g.Failures, &g.Units, &g.rank,
			&g.rate, &g.shrunk, &g.rising, &g.p, &g.q, &g.notTested, &g.periodMonth); err != nil {
			return nil, fmt.Errorf("reports: load hot-spot groups: %w", err)
		}
		// The window's length in years, from any group with a rate:
		// rate = 100 · failures / (units · years).
		if d.windowYears == 0 && g.Failures > 0 && g.Units > 0 && g.rate.Valid && g.rate.Float64 > 0 {
			d.windowYears = 100 * float64(g.Failures) / (float64(g.Units) * g.rate.Float64)
		}
		d.groups = append(d.groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: load hot-spot groups: %w", err)
	}
	rel := sc.Rel("hotspot_tickets", snapshot.PerCustomer)
	trows, err := q.QueryContext(ctx, `
		SELECT ticket_id, product_id, product_name, component, region, serial_no, customer_id, name, opened_at, effort_hours, n
		FROM (SELECT ticket_id, product_id, coalesce(product_name, '') AS product_name, component, region,
		             coalesce(serial_no, '') AS serial_no, customer_id, coalesce(name, '') AS name, opened_at, effort_hours,
		             row_number() OVER (PARTITION BY product_id, component, region ORDER BY opened_at DESC, ticket_id DESC) AS latest,
		             count(*) OVER (PARTITION BY product_id, component, region) AS n
		      FROM `+rel+` WHERE run_id = $1)
		WHERE latest <= $2
		ORDER BY product_id, component, region, opened_at, ticket_id`, runID, hsRowsPerGroup)
	if err != nil {
		return nil, fmt.Errorf("reports: load hot-spot tickets: %w", err)
	}
	defer trows.Close()
	for trows.Next() {
		var t hsTicket
		if err := trows.Scan(&t.ticketID, &t.productID, &t.productName, &t.component, &t.region, &t.serial,
			&t.customerID, &t.name, &t.opened, &t.effort, &t.groupTickets); err != nil {
			return nil, fmt.Errorf("reports: load hot-spot tickets: %w", err)
		}
		d.tickets = append(d.tickets, t)
	}
	if err := trows.Err(); err != nil {
		return nil, fmt.Errorf("reports: load hot-spot tickets: %w", err)
	}
	// Customers and serials per group, counted over every ticket, the
	// ones with the most faults first.
	crows, err := q.QueryContext(ctx, `
		SELECT product_id, component, region, name, tickets, serials, n
		FROM (SELECT product_id, component, region, coalesce(nullif(any_value(name), ''), customer_id) AS name,
		             count(*) AS tickets, count(DISTINCT nullif(serial_no, '')) AS serials,
		             row_number() OVER (PARTITION BY product_id, component, region ORDER BY count(*) DESC, customer_id) AS top,
		             count(*) OVER (PARTITION BY product_id, component, region) AS n
		      FROM `+rel+` WHERE run_id = $1 GROUP BY product_id, component, region, customer_id)
		WHERE top <= $2
		ORDER BY product_id, component, region, top`, runID, hsRowsPerGroup)
	if err != nil {
		return nil, fmt.Errorf("reports: load hot-spot customers: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var c hsCustomer
		if err := crows.Scan(&c.productID, &c.component, &c.region, &c.name, &c.tickets, &c.serials, &c.shownOf); err != nil {
			return nil, fmt.Errorf("reports: load hot-spot customers: %w", err)
		}
		d.customers = append(d.customers, c)
	}
	if err := crows.Err(); err != nil {
		return nil, fmt.Errorf("reports: load hot-spot customers: %w", err)
	}
	srows, err := q.QueryContext(ctx, `
		SELECT product_id, component, region, serial_no, faults, n
		FROM (SELECT product_id, component, region, serial_no, count(*) AS faults,
		             row_number() OVER (PARTITION BY product_id, component, region ORDER BY count(*) DESC, serial_no, customer_id) AS top,
		             count(*) OVER (PARTITION BY product_id, component, region) AS n
		      FROM `+rel+` WHERE run_id = $1 AND coalesce(serial_no, '') <> ''
		      GROUP BY product_id, component, region, customer_id, serial_no)
		WHERE top <= $2
		ORDER BY product_id, component, region, top`, runID, hsRowsPerGroup)
	if err != nil {
		return nil, fmt.Errorf("reports: load hot-spot serials: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var r hsSerial
		if err := srows.Scan(&r.productID, &r.component, &r.region, &r.serial, &r.faults, &r.shownOf); err != nil {
			return nil, fmt.Errorf("reports: load hot-spot serials: %w", err)
		}
		d.serials = append(d.serials, r)
	}
	if err := srows.Err(); err != nil {
		return nil, fmt.Errorf("reports: load hot-spot serials: %w", err)
	}
	// Per product × component (the unsupported tickets' component; the
	// whole product for past end of support): distinct customers, their
	// installed units of the product and their trailing revenue, each
	// customer once per row (exact DECIMAL sum).
	urows, err := q.QueryContext(ctx, `
		SELECT coalesce(product_id, ''), coalesce(any_value(product_name), ''), comp, past, count(*),
		       coalesce(sum(units), 0), CAST(sum(revenue_12m) AS DECIMAL(38,2))::VARCHAR
		FROM (SELECT DISTINCT product_id, product_name, reason = 'past_support' AS past,
		             CASE WHEN reason = 'past_support' THEN '' ELSE coalesce(component, '') END AS comp,
		             customer_id, coalesce(installed_units, 0) AS units, revenue_12m
		      FROM `+sc.Rel("hotspot_unsupported", snapshot.PerCustomer)+` WHERE run_id = $1)
		GROUP BY 1, 3, 4 ORDER BY sum(revenue_12m) DESC, 1, 4, 3`, runID)
	if err != nil {
		return nil, fmt.Errorf("reports: load unsupported by product: %w", err)
	}
	defer urows.Close()
	for urows.Next() {
		var u hsUnsupported
		if err := urows.Scan(&u.productID, &u.productName, &u.component, &u.past, &u.customers, &u.units, &u.revenue); err != nil {
			return nil, fmt.Errorf("reports: load unsupported by product: %w", err)
		}
		d.unsupported = append(d.unsupported, u)
	}
	if err := urows.Err(); err != nil {
		return nil, fmt.Errorf("reports: load unsupported by product: %w", err)
	}
	if err := loadHotspotPeriods(ctx, q, runID, d); err != nil {
		return nil, err
	}
	return d, loadHotspotModels(ctx, q, runID, d)
}

// funnelLimit is the control limit of a rate per 100 units per year for a
// group of n units over years years, under the pooled rate r (per 100 per
// year): failures ~ Poisson(r/100 · n · years), so the rate's standard
// error is 100 · sqrt((r/100) / (n · years)); limits r ± z · se, the
// lower one not below 0.
func FunnelLimit(r, n, years, z float64) (lo, hi float64) {
	e := n * years
	if e <= 0 {
		return math.NaN(), math.NaN()
	}
	se := 100 * math.Sqrt(r/100/e)
	return math.Max(0, r-z*se), r + z*se
}

// pooledRate is 100 · Σ failures / Σ unit-years over the groups with units.
func PooledRate(groups []HsGroup, years float64) float64 {
	var f, uy float64
	for _, g := range groups {
		if g.Units > 0 {
			f += float64(g.Failures)
			uy += float64(g.Units) * years
		}
	}
	if uy == 0 {
		return math.NaN()
	}
	return 100 * f / uy
}

// hsChart is a chart of the page and, per data index, the drill-down
// filter a click applies: {"p": product, "c": component, "r": region}.
type HsChart struct {
	ID      string              `json:"id"`
	Option  map[string]any      `json:"option"`
	Filters []map[string]string `json:"filters"`
}

func hsPareto(id, title string, items []snapshot.ParetoItem, filt map[string]map[string]string, l texts.Labels) (HsChart, error) {
	bars := snapshot.Pareto(items, hsParetoTopN)
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(commonOpts(id, title),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.Get("chart.pareto.bar"), MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Bottom: "50", ContainLabel: opts.Bool(true)}),
	)...)
	bar.ExtendYAxis(opts.YAxis{Type: "value", Name: "%", Min: 0, Max: 100, Position: "right"})
	names := make([]string, len(bars))
	data := make([]opts.BarData, len(bars))
	cum := make([]opts.LineData, len(bars))
	filters := make([]map[string]string, len(bars))
	for i, b := range bars {
		names[i] = snapshot.ParetoLabel(b, l)
		data[i] = opts.BarData{Value: b.Failures}
		pct, _ := strconv.ParseFloat(strconv.FormatFloat(b.Cumulative*100, 'f', 1, 64), 64)
		cum[i] = opts.LineData{Value: pct}
		if b.Others == 0 {
			filters[i] = filt[b.Key]
		}
	}
	bar.SetXAxis(names).AddSeries(l.Get("chart.pareto.bar"), data)
	line := charts.NewLine()
	line.SetXAxis(names).AddSeries(l.Get("chart.pareto.line"), cum, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}))
	bar.Overlap(line)
	bar.Validate()
	o, err := roundTrip(bar.JSON())
	return HsChart{ID: id, Option: o, Filters: filters}, err
}

func hsCharts(d *HsData, l texts.Labels) ([]HsChart, error) {
	byP, byC, byPC := map[string]*snapshot.ParetoItem{}, map[string]*snapshot.ParetoItem{}, map[string]*snapshot.ParetoItem{}
	filt := map[string]map[string]string{}
	add := func(m map[string]*snapshot.ParetoItem, key, label string, f int64, filter map[string]string) {
		if m[key] == nil {
			m[key] = &snapshot.ParetoItem{Key: key, Label: label}
			filt[key] = filter
		}
		m[key].Failures += f
	}
	for _, g := range d.groups {
		add(byP, "p\x1f"+g.ProductID, g.ProductLabel(), g.Failures, map[string]string{"p": g.ProductID})
		add(byC, "c\x1f"+g.Component, g.Component, g.Failures, map[string]string{"c": g.Component})
		add(byPC, "pc\x1f"+g.ProductID+"\x1f"+g.Component, g.ProductLabel()+" · "+g.Component, g.Failures,
			map[string]string{"p": g.ProductID, "c": g.Component})
	}
	flat := func(m map[string]*snapshot.ParetoItem) []snapshot.ParetoItem {
		out := make([]snapshot.ParetoItem, 0, len(m))
		for _, it := range m {
			out = append(out, *it)
		}
		slices.SortFunc(out, func(a, b snapshot.ParetoItem) int { return cmp.Compare(a.Key, b.Key) })
		return out
	}
	var out []HsChart
	for _, p := range []struct {
		id, title string
		m         map[string]*snapshot.ParetoItem
	}{
		{ChartHSParetoProduct, l.Get("hs.pareto_product"), byP},
		{chartHSParetoComponent, l.Get("hs.pareto_component"), byC},
		{chartHSParetoPC, l.Get("hs.pareto_pc"), byPC},
	} {
		c, err := hsPareto(p.id, p.title, flat(p.m), filt, l)
		if err != nil {
			return nil, fmt.Errorf("reports: chart %s: %w", p.id, err)
		}
		out = append(out, c)
	}
	for _, b := range []func(*HsData, texts.Labels) (HsChart, error){hsFunnel, hsHeatmap, hsRegion, hsTrend, hsBacktest} {
		c, err := b(d, l)
		if err != nil {
			return nil, fmt.Errorf("reports: chart %s: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func hsFunnel(d *HsData, l texts.Labels) (HsChart, error) {
	c := HsChart{ID: chartHSFunnel}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(append(commonOpts(chartHSFunnel, l.Get("hs.funnel")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "log", Name: l.Get("col.installed_units"), NameLocation: "middle", NameGap: 30}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.Get("col.rate_per_100_per_year")}),
	)...)
	var pts []opts.ScatterData
	lo, hi := 0.0, 0.0
	for _, g := range d.groups {
		if g.Units <= 0 || !g.rate.Valid {
			continue
		}
		n := float64(g.Units)
		if lo == 0 || n < lo {
			lo = n
		}
		hi = math.Max(hi, n)
		pts = append(pts, opts.ScatterData{Name: format.ChartLabel(g.ProductLabel() + " · " + g.Component + " · " + g.Region),
			Value: []float64{n, round2(g.rate.Float64)}})
		c.Filters = append(c.Filters, map[string]string{"p": g.ProductID, "c": g.Component, "r": g.Region})
	}
	sc.AddSeries(l.Get("hs.funnel_groups"), pts, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 7}))
	r := PooledRate(d.groups, d.windowYears)
	if len(pts) > 0 && d.windowYears > 0 && !math.IsNaN(r) {
		// The limits drawn as lines through 40 log-spaced unit counts.
		var pooled, lo95, hi95, lo998, hi998 []opts.ScatterData
		for i := range 40 {
			n := lo * math.Pow(hi/lo, float64(i)/39)
			a, b := FunnelLimit(r, n, d.windowYears, Z95)
			e, f := FunnelLimit(r, n, d.windowYears, Z998)
			pooled = append(pooled, opts.ScatterData{Value: []float64{n, round2(r)}})
			lo95, hi95 = append(lo95, opts.ScatterData{Value: []float64{n, round2(a)}}), append(hi95, opts.ScatterData{Value: []float64{n, round2(b)}})
			lo998, hi998 = append(lo998, opts.ScatterData{Value: []float64{n, round2(e)}}), append(hi998, opts.ScatterData{Value: []float64{n, round2(f)}})
		}
		for _, s := range []struct {
			name string
			data []opts.ScatterData
		}{{l.Get("hs.funnel_pooled"), pooled}, {l.Get("hs.funnel_95"), lo95}, {l.Get("hs.funnel_95"), hi95},
			{l.Get("hs.funnel_998"), lo998}, {l.Get("hs.funnel_998"), hi998}} {
			sc.AddSeries(s.name, s.data, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 0}))
		}
	}
	sc.Validate()
	o, err := roundTrip(sc.JSON())
	if err != nil {
		return c, err
	}
	// Limit series are lines: ECharts draws a "line" series on value axes.
	if series, ok := o["series"].([]any); ok {
		for i := 1; i < len(series); i++ {
			if m, ok := series[i].(map[string]any); ok {
				m["type"], m["showSymbol"], m["silent"] = "line", false, true
			}
		}
	}
	c.Option = o
	return c, nil
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func hsHeatmap(d *HsData, l texts.Labels) (HsChart, error) {
	c := HsChart{ID: chartHSHeatmap}
	type cell struct{ f, u int64 }
	cells := map[[2]string]*cell{}
	var products, components []string
	labelOf := map[string]string{}
	for _, g := range d.groups {
		k := [2]string{g.ProductID, g.Component}
		if cells[k] == nil {
			cells[k] = &cell{}
		}
		cells[k].f += g.Failures
		cells[k].u += g.Units
		if _, ok := labelOf[g.ProductID]; !ok {
			labelOf[g.ProductID] = g.ProductLabel()
			products = append(products, g.ProductID)
		}
		if !slices.Contains(components, g.Component) {
			components = append(components, g.Component)
		}
	}
	slices.Sort(products)
	slices.Sort(components)
	hm := charts.NewHeatMap()
	yNames := make([]string, len(products))
	for i, p := range products {
		yNames[i] = format.ChartLabel(labelOf[p])
	}
	xNames := make([]string, len(components))
	for i, cp := range components {
		xNames[i] = format.ChartLabel(cp)
	}
	var data []opts.HeatMapData
	maxRate := 0.0
	for i, cp := range components {
		for j, p := range products {
			ce := cells[[2]string{p, cp}]
			if ce == nil || ce.u == 0 || d.windowYears == 0 {
				continue // no units: no rate, no cell (not a zero)
			}
			rate := round2(100 * float64(ce.f) / (float64(ce.u) * d.windowYears))
			maxRate = math.Max(maxRate, rate)
			data = append(data, opts.HeatMapData{Value: [3]any{i, j, rate}})
			c.Filters = append(c.Filters, map[string]string{"p": p, "c": cp})
		}
	}
	hm.SetGlobalOptions(append(commonOpts(chartHSHeatmap, l.Get("hs.heatmap")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: xNames, AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: yNames, AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithGridOpts(opts.Grid{Bottom: "80", ContainLabel: opts.Bool(true)}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: 0, Max: float32(math.Max(maxRate, 1)),
			Orient: "horizontal", Left: "center", Bottom: "0"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)...)
	hm.AddSeries(l.Get("col.rate_per_100_per_year"), data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true)}))
	hm.Validate()
	o, err := roundTrip(hm.JSON())
	c.Option = o
	return c, err
}

func hsRegion(d *HsData, l texts.Labels) (HsChart, error) {
	c := HsChart{ID: chartHSRegion}
	type agg struct{ f, u int64 }
	by := map[string]*agg{}
	var regions []string
	for _, g := range d.groups {
		if by[g.Region] == nil {
			by[g.Region] = &agg{}
			regions = append(regions, g.Region)
		}
		by[g.Region].f += g.Failures
	}
	slices.Sort(regions)
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(commonOpts(chartHSRegion, l.Get("hs.region")),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: l.Get("chart.pareto.bar"), MinInterval: 1}),
	)...)
	names := make([]string, len(regions))
	data := make([]opts.BarData, len(regions))
	for i, r := range regions {
		names[i] = format.ChartLabel(r)
		data[i] = opts.BarData{Value: by[r].f}
		c.Filters = append(c.Filters, map[string]string{"r": r})
	}
	bar.SetXAxis(names).AddSeries(l.Get("chart.pareto.bar"), data)
	bar.Validate()
	o, err := roundTrip(bar.JSON())
	c.Option = o
	return c, err
}

// hsRow is a table row with its drill-down keys as data attributes.
type hsRow struct {
	P, C, R string
	Cells   []string
	// More, instead of cells, says how many of the group's rows are shown.
	More string
}

type hsTable struct {
	ID      string
	Title   string
	Header  []string
	Numeric []bool
	Rows    []hsRow
	Empty   string
}

type hsPageView struct {
	Lang, Title, Subtitle, Footer string
	Labels                        map[string]string
	Notes                         []string
	Charts                        []string
	Tables                        []hsTable
	Grids                         []gridView // Tables as the page renders them
	Library                       template.JS
	ChartsJSON                    template.JS
	TablesJS                      template.JS
}

func hsTables(d *HsData, l texts.Labels, opt snapshot.Options) []hsTable {
	groups := hsTable{ID: "hs_groups", Title: l.Get("hs.groups"), Empty: l.Get("report.no_rows"),
		Header: headers(l, "rank", "product_name", "component", "region", "failures", "installed_units",
			"shrunk_rate_per_100_per_year", "rate_per_100_per_year", "rising", "rising_p_value", "rising_q_value", "rising_period_months"),
		Numeric: []bool{true, false, false, false, true, true, true, true, false, true, true, true}}
	for _, g := range d.groups {
		if g.Failures == 0 && !g.rank.Valid {
			continue
		}
		rank, months := "", ""
		if g.rank.Valid {
			rank = strconv.FormatInt(g.rank.Int64, 10)
		}
		if g.periodMonth.Valid {
			months = strconv.FormatInt(g.periodMonth.Int64, 10)
		}
		h := snapshot.Hotspot{Rising: g.rising, NotTested: g.notTested}
		groups.Rows = append(groups.Rows, hsRow{P: g.ProductID, C: g.Component, R: g.Region, Cells: []string{
			rank, g.ProductLabel(), g.Component, g.Region, strconv.FormatInt(g.Failures, 10), strconv.FormatInt(g.Units, 10),
			snapshot.FormatRate(g.shrunk, l), snapshot.FormatRate(g.rate, l), snapshot.RisingCell(h, l), formatPValue(g.p), formatPValue(g.q), months}})
	}
	tickets := hsTable{ID: "hs_tickets", Title: l.Get("hs.tickets"), Empty: l.Get("report.no_rows"),
		Header:  headers(l, "ticket_id", "opened_at", "product_name", "component", "region", "serial_no", "name", "effort_hours"),
		Numeric: []bool{false, false, false, false, false, false, false, true}}
	// more closes a group's rows when the page shows only some: the row
	// filters with its group, so a click on a bar still says what is left out.
	more := func(t *hsTable, p, c, r string, shown, of int64, key string) {
		if of > shown {
			t.Rows = append(t.Rows, hsRow{P: p, C: c, R: r, More: l.Getf(key, shown, of)})
		}
	}
	for i, t := range d.tickets {
		effort := ""
		if t.effort.Valid {
			effort = format.FormatScore(t.effort.Float64)
		}
		product := cmp.Or(t.productName, t.productID)
		name := cmp.Or(t.name, t.customerID)
		tickets.Rows = append(tickets.Rows, hsRow{P: t.productID, C: t.component, R: t.region, Cells: []string{
			t.ticketID, t.opened.Format(time.DateOnly), product, t.component, t.region, t.serial, name, effort}})
		if endsGroup(d.tickets, i, func(t hsTicket) [3]string { return [3]string{t.productID, t.component, t.region} }) {
			more(&tickets, t.productID, t.component, t.region, min(t.groupTickets, hsRowsPerGroup), t.groupTickets, "hs.more_tickets")
		}
	}
	labelOf := map[string]string{}
	for _, g := range d.groups {
		labelOf[g.ProductID] = g.ProductLabel()
	}
	customers := hsTable{ID: "hs_customers", Title: l.Get("hs.customers"), Empty: l.Get("report.no_rows"),
		Header:  headers(l, "name", "product_name", "component", "region", "tickets", "serial_no"),
		Numeric: []bool{false, false, false, false, true, true}}
	for i, c := range d.customers {
		customers.Rows = append(customers.Rows, hsRow{P: c.productID, C: c.component, R: c.region, Cells: []string{
			c.name, cmp.Or(labelOf[c.productID], c.productID), c.component, c.region, strconv.FormatInt(c.tickets, 10), strconv.FormatInt(c.serials, 10)}})
		if endsGroup(d.customers, i, func(c hsCustomer) [3]string { return [3]string{c.productID, c.component, c.region} }) {
			more(&customers, c.productID, c.component, c.region, min(c.shownOf, hsRowsPerGroup), c.shownOf, "hs.more_customers")
		}
	}
	serialT := hsTable{ID: "hs_serials", Title: l.Get("hs.serials"), Empty: l.Get("report.no_rows"),
		Header:  headers(l, "serial_no", "product_name", "component", "region", "faults"),
		Numeric: []bool{false, false, false, false, true}}
	for i, r := range d.serials {
		serialT.Rows = append(serialT.Rows, hsRow{P: r.productID, C: r.component, R: r.region, Cells: []string{
			r.serial, cmp.Or(labelOf[r.productID], r.productID), r.component, r.region, strconv.FormatInt(r.faults, 10)}})
		if endsGroup(d.serials, i, func(r hsSerial) [3]string { return [3]string{r.productID, r.component, r.region} }) {
			more(&serialT, r.productID, r.component, r.region, min(r.shownOf, hsRowsPerGroup), r.shownOf, "hs.more_serials")
		}
	}
	unsup := hsTable{ID: "hs_unsupported", Title: l.Get("hs.unsupported"), Empty: l.Get("report.no_rows"),
		Header:  headers(l, "product_name", "component", "customers", "installed_units", "revenue_12m"),
		Numeric: []bool{false, false, true, true, true}}
	for _, u := range d.unsupported {
		// A row of the whole product, or of tickets naming no component,
		// has no component key: it shows under every component's filter.
		comp := u.component
		switch {
		case u.past:
			comp = l.Get("hs.unsupported_past")
		case comp == "":
			comp = l.Get("hs.unsupported_no_component")
		}
		unsup.Rows = append(unsup.Rows, hsRow{P: u.productID, C: u.component, Cells: []string{cmp.Or(u.productName, u.productID), comp,
			strconv.FormatInt(u.customers, 10), strconv.FormatInt(u.units, 10), format.FormatMoney(u.revenue, opt.CurrencySymbol)}})
	}
	return append([]hsTable{groups}, append(hsModelTables(d, l), tickets, serialT, customers, unsup)...)
}

// endsGroup says whether rows[i] is the last of its group (product,
// component, region) in rows, which are sorted by group.
func endsGroup[T any](rows []T, i int, group func(T) [3]string) bool {
	return i+1 == len(rows) || group(rows[i+1]) != group(rows[i])
}

// cutLast splits s at its last unit separator.
func cutLast(s string) (before, after string, ok bool) {
	i := bytes.LastIndexByte([]byte(s), 0x1f)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

func renderHotspots(d *HsData, runID int64, asOf time.Time, l texts.Labels, opt snapshot.Options) ([]byte, error) {
	if err := CheckInlineScript(EchartsJS); err != nil {
		return nil, err
	}
	specs, err := hsCharts(d, l)
	if err != nil {
		return nil, err
	}
	js, err := jsonForScript(specs)
	if err != nil {
		return nil, err
	}
	lang := cmp.Or(opt.Language, "en")
	v := hsPageView{
		Lang: lang, Title: l.Get("hs.title"),
		Subtitle:   l.Getf("report.as_of", asOf.Format(time.DateOnly), runID),
		Footer:     l.Getf("report.generated_by", runID),
		Labels:     l,
		Notes:      append(append([]string{l.Get("hs.intro"), l.Get("hotspots.note")}, d.availability...), HsForecastNotes(d, l)...),
		Charts:     HotspotChartIDs,
		Tables:     hsTables(d, l, opt),
		Library:    template.JS(EchartsJS),
		ChartsJSON: template.JS(js),
		TablesJS:   template.JS(tablesScript),
	}
	txt := newGridText(l)
	for _, t := range v.Tables {
		v.Grids = append(v.Grids, hsGrid(t, opt.CurrencySymbol, txt))
	}
	var buf bytes.Buffer
	if err := hotspotsTemplate.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("reports: render hotspots.html: %w", err)
	}
	return buf.Bytes(), nil
}

// jsonForScript serialises the charts for the page's script: encoding/json
// escapes < > & and U+2028/9, so no data can end the <script>.
func jsonForScript(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("reports: encode hot-spot charts: %w", err)
	}
	return b, nil
}

// The hot-spot page. As on weekly.html, html/template escapes every data
// value (cells and the data-p/-c/-r attributes the drill-down reads); the
// two template.JS values are the checked library and encoding/json output.
// A click on a bar, cell or point applies that element's filter (product,
// component and/or region) to every table below; "show all" clears it.
var hotspotsTemplate = template.Must(template.New("hotspots").Parse(pageHead + pageTableCSS + `.note{margin:0 0 10px}tr.more td{font-style:italic;color:#555}
#hs-filter{position:sticky;top:0;z-index:1;background:#fffbe6;border:1px solid #e6d9a0;padding:6px 10px;margin:12px 0;overflow-wrap:anywhere}
#hs-filter-text{unicode-bidi:isolate}
footer{color:#888;font-size:12px;margin-top:32px}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">{{.Subtitle}}</p>
{{- range .Notes}}
<p class="note">{{.}}</p>
{{- end}}
{{- range .Charts}}
<div id="{{.}}" class="chart"></div>
{{- end}}
<div id="hs-filter">{{index .Labels "hs.filter"}}: <span id="hs-filter-text">{{index .Labels "hs.filter_all"}}</span> <button id="hs-clear" type="button">{{index .Labels "hs.filter_clear"}}</button></div>
{{- range .Grids}}
<h2 id="{{.ID}}">{{.Label}}</h2>
{{- template "grid" .}}
{{- end}}
<footer>{{.Footer}}</footer>
<script id="accord-tables">{{.TablesJS}}</script>
<script id="echarts-lib">{{.Library}}</script>
<script id="accord-hotspots">
"use strict";
(function () {
  var specs = {{.ChartsJSON}};
  var allText = document.getElementById("hs-filter-text").textContent;
  function apply(f) {
    var shown = [];
    ["p", "c", "r"].forEach(function (k) { if (f && f[k] !== undefined) { shown.push(f[k]); } });
    // Each key isolated (FSI … PDI): a right-to-left override in one
    // cannot reverse the others.
    document.getElementById("hs-filter-text").textContent = shown.length ?
      shown.map(function (s) { return "\u2068" + s + "\u2069"; }).join(" · ") : allText;
    document.querySelectorAll("tr[data-p]").forEach(function (tr) {
      var ok = !f || ["p", "c", "r"].every(function (k) {
        return f[k] === undefined || (tr.dataset[k] === "" && k !== "p") || tr.dataset[k] === f[k];
      });
      tr.__hsOut = !ok;
    });
    window.accordTables.refresh(); // the tables apply it with their own filters and pages
  }
  var instances = [];
  specs.forEach(function (spec) {
    var chart = echarts.init(document.getElementById(spec.id), null, {renderer: "canvas"});
    chart.setOption(spec.option);
    chart.on("click", function (e) {
      var f = spec.filters && spec.filters[e.dataIndex];
      if (f) { apply(f); } // a Pareto's bar and its line point share the index
    });
    instances.push(chart);
  });
  document.getElementById("hs-clear").addEventListener("click", function () { apply(null); });
  window.accordHotspots = {filter: apply};
` + chartsResizeJS + `
})();
</script>
</body>
</html>
` + gridTemplate))

// writeHotspots renders hotspots.html from the read transaction of Write.
func WriteHotspots(ctx context.Context, q snapshot.Queryer, sc snapshot.Scope, runID int64, asOf time.Time, path string, l texts.Labels, opt snapshot.Options) error {
	d, err := loadHotspotPage(ctx, q, runID, sc)
	if err != nil {
		return err
	}
	var src snapshot.ReportData
	if err := src.LoadSources(ctx, q, runID, sc); err != nil {
		return fmt.Errorf("reports: load sources: %w", err)
	}
	d.availability = hotspotAvailability(&src, len(d.groups) > 0, l)
	page, err := renderHotspots(d, runID, asOf, l, opt)
	if err != nil {
		return err
	}
	return atomicfile.WriteFileAtomic(path, page)
}
