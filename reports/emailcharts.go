package reports

import (
	"bytes"
	"fmt"
	"image/png"
	"strconv"
)

// inlineImage is a PNG chart of an e-mail body, referenced as cid:<cid>.
type inlineImage struct {
	cid    string // Content-ID without angle brackets
	file   string // file name of the MIME part
	alt    string // alternative text (the chart title)
	data   []byte
	width  int // CSS pixels the <img> shows it at
	height int
}

// emailParetoTopN is how many hot-spots the e-mail's Pareto chart shows.
const emailParetoTopN = 10

// emailCharts draws the PNG charts of an e-mail body from the report's data:
// customers per tier, value score against cost to serve, the hot-spot
// Pareto and receivables aging by tier. A chart with no data is left out
// (its table says so). It fails when a label needs glyphs the font lacks.
func emailCharts(d *reportData, l labels, opt Options) ([]inlineImage, error) {
	f, err := loadChartFont(opt.FontPath)
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
			cid: name + ".png@accord", file: name + ".png", alt: title, data: data,
			width: cfg.Width / pngScale, height: cfg.Height / pngScale,
		})
		return nil
	}

	// Customers per tier.
	var tiers []barItem
	for _, t := range d.tiers {
		tiers = append(tiers, barItem{label: tierLabel(t.tier, l), value: float64(t.count), color: tierColor(t.tier),
			note: strconv.FormatInt(t.count, 10)})
	}
	title := l.get("chart.tiers")
	png1, err := drawVBars(f, title, tiers)
	if err := add("tiers", title, png1, err); err != nil {
		return nil, err
	}

	// Value score against cost to serve, one colour per tier.
	if len(d.scatter) > 0 {
		var dots []scatterDot
		var series []stackSeries
		seen := map[string]bool{}
		for _, p := range d.scatter {
			dots = append(dots, scatterDot{x: p.cost, y: p.score, color: tierColor(p.tier)})
			if !seen[p.tier] {
				seen[p.tier] = true
				series = append(series, stackSeries{name: tierLabel(p.tier, l), color: tierColor(p.tier)})
			}
		}
		xName := l.get("chart.value_cost.x")
		if opt.CurrencySymbol != "" {
			xName += " (" + opt.CurrencySymbol + ")"
		}
		title := l.get("chart.value_cost")
		if d.scatterEvery > 1 {
			title += " · " + l.getf("chart.value_cost.sampled_short", int64(len(d.scatter)), d.scatterTotal)
		}
		png2, err := drawScatter(f, title, xName, l.get("chart.value_cost.y"), 100, dots, series)
		if err := add("value_cost", title, png2, err); err != nil {
			return nil, err
		}
	}

	// Hot-spot Pareto: failures per group, cumulative share beside each bar.
	if bars := pareto(d.paretoItems, emailParetoTopN); len(bars) > 0 {
		var items []barItem
		for _, b := range bars {
			items = append(items, barItem{
				label: paretoLabel(b, l), value: float64(b.failures), color: colBar,
				note: l.getf("mail.pareto_bar_note", b.failures, strconv.FormatFloat(b.cumulative*100, 'f', 1, 64)),
			})
		}
		title := l.getf("mail.pareto_title", len(items))
		png3, err := drawHBars(f, title, l.get("mail.pareto_subtitle"), items)
		if err := add("pareto", title, png3, err); err != nil {
			return nil, err
		}
	}

	// Receivables aging by tier, stacked by bucket.
	if len(d.aging) > 0 {
		series := make([]stackSeries, len(agingBuckets))
		for i, b := range agingBuckets {
			series[i] = stackSeries{name: l.get("col." + b), color: agingColors[i]}
		}
		var rows []stackRow
		for _, a := range d.aging {
			r := stackRow{label: tierLabel(a.tier, l)}
			total := 0.0
			for _, dec := range a.buckets {
				v, err := strconv.ParseFloat(dec, 64)
				if err != nil {
					return nil, fmt.Errorf("reports: e-mail chart aging: %q: %w", dec, err)
				}
				r.values = append(r.values, v)
				total += v
			}
			r.note = formatMoney(strconv.FormatFloat(total, 'f', 2, 64), opt.CurrencySymbol)
			rows = append(rows, r)
		}
		title := l.get("chart.aging")
		png4, err := drawStackedHBars(f, title, series, rows)
		if err := add("aging", title, png4, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func hotspotLabel(h hotspot) string {
	product := h.productLabel()
	return chartLabel(product + " · " + h.component + " · " + h.region)
}
