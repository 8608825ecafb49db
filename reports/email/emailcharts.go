package email

import (
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/page"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"bytes"
	"fmt"
	"image/png"
	"strconv"
)

// inlineImage is a PNG chart of an e-mail body, referenced as cid:<cid>.
type inlineImage struct {
	cid    string // Content-ID without angle brackets
	File   string // file name of the MIME part
	Alt    string // alternative text (the chart title)
	Data   []byte
	Width  int // CSS pixels the <img> shows it at
	height int
}

// emailParetoTopN is how many hot-spots the e-mail's Pareto chart shows.
const emailParetoTopN = 10

// emailCharts draws the PNG charts of an e-mail body from the report's data:
// customers per tier, value score against cost to serve, the hot-spot
// Pareto and receivables aging by tier. A chart with no data is left out
// (its table says so). It fails when a label needs glyphs the font lacks.
func EmailCharts(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) ([]inlineImage, error) {
	f, err := LoadChartFont(opt.FontPath)
	if err != nil {
		return nil, err
	}
	var out []inlineImage
	add := func(name, title string, data []byte, err error) error {
		if err != nil {
			return fmt.Errorf("reports: e-mail chart %s: %w", name, err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("reports: e-mail chart %s: %w", name, err)
		}
		out = append(out, inlineImage{
			cid: name + ".png@accord", File: name + ".png", Alt: title, Data: data,
			Width: cfg.Width / PngScale, height: cfg.Height / PngScale,
		})
		return nil
	}

	// Customers per tier.
	var tiers []BarItem
	for _, t := range d.Tiers {
		tiers = append(tiers, BarItem{Label: page.TierLabel(t.Tier, l), Value: float64(t.Count), Color: tierColor(t.Tier),
			Note: strconv.FormatInt(t.Count, 10)})
	}
	title := l.Get("chart.tiers")
	png1, err := drawVBars(f, title, tiers)
	if err := add("tiers", title, png1, err); err != nil {
		return nil, err
	}

	// Value score against cost to serve, one colour per tier.
	if len(d.Scatter) > 0 {
		var dots []scatterDot
		var series []stackSeries
		seen := map[string]bool{}
		for _, p := range d.Scatter {
			dots = append(dots, scatterDot{x: p.Cost, y: p.Score, color: tierColor(p.Tier)})
			if !seen[p.Tier] {
				seen[p.Tier] = true
				series = append(series, stackSeries{name: page.TierLabel(p.Tier, l), color: tierColor(p.Tier)})
			}
		}
		xName := l.Get("chart.value_cost.x")
		if opt.CurrencySymbol != "" {
			xName += " (" + opt.CurrencySymbol + ")"
		}
		title := l.Get("chart.value_cost")
		if d.ScatterEvery > 1 {
			title += " · " + l.Getf("chart.value_cost.sampled_short", int64(len(d.Scatter)), d.ScatterTotal)
		}
		png2, err := drawScatter(f, title, xName, l.Get("chart.value_cost.y"), 100, dots, series)
		if err := add("value_cost", title, png2, err); err != nil {
			return nil, err
		}
	}

	// Hot-spot Pareto: failures per group, cumulative share beside each bar.
	if bars := snapshot.Pareto(d.ParetoItems, emailParetoTopN); len(bars) > 0 {
		var items []BarItem
		for _, b := range bars {
			items = append(items, BarItem{
				Label: snapshot.ParetoLabel(b, l), Value: float64(b.Failures), Color: ColBar,
				Note: l.Getf("mail.pareto_bar_note", b.Failures, strconv.FormatFloat(b.Cumulative*100, 'f', 1, 64)),
			})
		}
		title := l.Getf("mail.pareto_title", len(items))
		png3, err := DrawHBars(f, title, l.Get("mail.pareto_subtitle"), items)
		if err := add("pareto", title, png3, err); err != nil {
			return nil, err
		}
	}

	// Receivables aging by tier, stacked by bucket.
	if len(d.Aging) > 0 {
		series := make([]stackSeries, len(snapshot.AgingBuckets))
		for i, b := range snapshot.AgingBuckets {
			series[i] = stackSeries{name: l.Get("col." + b), color: agingColors[i]}
		}
		var rows []stackRow
		for _, a := range d.Aging {
			r := stackRow{label: page.TierLabel(a.Tier, l)}
			total := 0.0
			for _, dec := range a.Buckets {
				v, err := strconv.ParseFloat(dec, 64)
				if err != nil {
					return nil, fmt.Errorf("reports: e-mail chart aging: %q: %w", dec, err)
				}
				r.values = append(r.values, v)
				total += v
			}
			r.note = format.FormatMoney(strconv.FormatFloat(total, 'f', 2, 64), opt.CurrencySymbol)
			rows = append(rows, r)
		}
		title := l.Get("chart.aging")
		png4, err := drawStackedHBars(f, title, series, rows)
		if err := add("aging", title, png4, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func hotspotLabel(h snapshot.Hotspot) string {
	product := h.ProductLabel()
	return format.ChartLabel(product + " · " + h.Component + " · " + h.Region)
}
