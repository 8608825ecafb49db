package reports

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// echartsJS is the ECharts library, inlined into every page so the report
// opens with no network. assets/fetch.sh fetches it from the npm registry
// (pinned version and hashes); it is not committed, so run fetch.sh before
// building: without the file this package does not compile.
//
//go:embed assets/echarts.min.js
var echartsJS []byte

// checkInlineScript verifies that a script can sit inside <script>…</script>
// verbatim: the HTML parser ends the element at the first "</script" in any
// case, and "<!--" switches it into a mode where "<script" nests. Checked at
// every render because the file comes from outside the repository.
func checkInlineScript(js []byte) error {
	lower := bytes.ToLower(js)
	for _, bad := range []string{"</script", "<!--"} {
		if bytes.Contains(lower, []byte(bad)) {
			return fmt.Errorf("reports: embedded echarts.min.js contains %q and cannot be inlined", bad)
		}
	}
	if len(js) == 0 {
		return errors.New("reports: embedded echarts.min.js is empty; run reports/assets/fetch.sh")
	}
	return nil
}

type kpi struct {
	Label string
	Value string
	// Change is the move since the previous run ("▲2 vs last run",
	// "unchanged", "change n/a"); "" on a first run. Tone is good, bad or
	// "" by the KPI's direction (kpichange.go).
	Change string
	Tone   string
	// Long is set for a value that may be cut on the page (three lines);
	// its title then carries the whole text.
	Long bool

	key   string // which KPI, for kpiChanges
	tier  string // a tier card's tier and count
	count int64
}

type tableView struct {
	Header  []string
	Rows    [][]string
	Numeric []bool // right-aligned columns
	Empty   string
	More    string // "… and N more in the workbook", when the table is cut
}

// sectionView is a page section: a heading, paragraphs, then tables, each
// with an optional sub-heading.
type sectionView struct {
	ID     string
	Title  string
	Notes  []string
	Tables []subTable
}

type subTable struct {
	Title string
	Table tableView
	Grid  gridView // Table as the page renders it (renderHTML)
}

type chartView struct {
	ID string
}

type pageView struct {
	Lang     string
	Title    string
	Subtitle string
	Notice   string   // set for a filtered report
	Missing  []string // optional sources the run lacks, and what each takes away
	Footer   string
	Labels   map[string]string
	KPIs     []kpi
	// Week is "This week": what changed since the previous run (weeksay.go).
	Week       []template.HTML
	Charts     []chartView
	Sections   []sectionView
	Library    template.JS
	ChartsJSON template.JS
	TablesJS   template.JS
}

// pageHead and pageTableCSS are the parts weekly.html and hotspots.html
// share: the document head up to the base styles, and the chart and table
// styles.
const (
	pageHead = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 12px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 16px}
`
	pageTableCSS = `.chart{width:100%;height:440px;margin:8px 0 24px}
` + gridCSS
)

// The page template. html/template escapes every data value for its context
// (text, attribute); the two template.JS values are trusted on purpose: the
// library is checked by checkInlineScript, and the chart options come from
// encoding/json, which escapes < > & inside strings.
var pageTemplate = template.Must(template.New("weekly").Parse(pageHead + `.kpis{display:flex;flex-wrap:wrap;gap:12px}
.kpi{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:160px;max-width:100%;box-sizing:border-box}
.kpi .l{color:#666;font-size:12px}
.kpi .v{font-size:18px;font-weight:600;margin-top:4px;overflow-wrap:anywhere;unicode-bidi:isolate;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;overflow:hidden}
@media print{.kpi .v{display:block;-webkit-line-clamp:none}}
.kpi .c{font-size:12px;margin-top:2px;color:#666}
.kpi .c.good{color:#1a7f37}
.kpi .c.bad{color:#c62828}
` + pageTableCSS + `h3{font-size:15px;margin:20px 0 8px}
.note{margin:0 0 10px}
.more{color:#666;font-size:12px;margin:4px 0 0}
footer{color:#888;font-size:12px;margin-top:32px}
.week{margin:0 0 8px;padding-left:20px;font-size:15px;line-height:1.5}
.week li{margin:0 0 4px;overflow-wrap:anywhere}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">{{.Subtitle}}</p>
{{- if .Notice}}
<p class="sub">{{.Notice}}</p>
{{- end}}
{{- if .Week}}

<h2 id="this-week">{{index .Labels "week.title"}}</h2>
<ul class="week">
{{- range .Week}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}

<h2>{{index .Labels "section.summary"}}</h2>
<div class="kpis">
{{- range .KPIs}}
<div class="kpi"><div class="l">{{.Label}}</div><div class="v"{{if .Long}} title="{{.Value}}"{{end}}>{{.Value}}</div>{{if .Change}}<div class="c{{if .Tone}} {{.Tone}}{{end}}"{{if eq .Tone "good"}} title="{{index $.Labels "kpi.better"}}"{{else if eq .Tone "bad"}} title="{{index $.Labels "kpi.worse"}}"{{end}}>{{.Change}}</div>{{end}}</div>
{{- end}}
</div>
{{- range .Missing}}
<p class="note missing-source">{{.}}</p>
{{- end}}

<h2>{{index .Labels "section.charts"}}</h2>
{{- range .Charts}}
<div id="{{.ID}}" class="chart"></div>
{{- end}}

{{- range .Sections}}

<h2 id="{{.ID}}">{{.Title}}</h2>
{{- range .Notes}}
<p class="note">{{.}}</p>
{{- end}}
{{- range .Tables}}
{{- if .Title}}
<h3>{{.Title}}</h3>
{{- end}}
{{template "grid" .Grid}}
{{- end}}
{{- end}}

<footer>{{.Footer}}</footer>

<script id="accord-tables">{{.TablesJS}}</script>
<script id="echarts-lib">{{.Library}}</script>
<script id="accord-charts">
"use strict";
(function () {
  var specs = {{.ChartsJSON}};
  var instances = [];
  specs.forEach(function (spec) {
    var chart = echarts.init(document.getElementById(spec.id), null, {renderer: "canvas"});
    chart.setOption(spec.option);
    instances.push(chart);
  });
` + chartsResizeJS + `
})();
</script>
</body>
</html>
` + gridTemplate))

func renderHTML(d *reportData, runID int64, asOf time.Time, l labels, opt Options) ([]byte, error) {
	if err := checkInlineScript(echartsJS); err != nil {
		return nil, err
	}
	specs, err := buildCharts(d, l, opt)
	if err != nil {
		return nil, err
	}
	optionsJSON, err := chartsJSON(specs)
	if err != nil {
		return nil, err
	}
	lang := opt.Language
	if lang == "" {
		lang = "en"
	}
	view := pageView{
		Lang:       lang,
		Title:      reportTitle(opt, l),
		Subtitle:   l.getf("report.as_of", asOf.Format(time.DateOnly), runID),
		Footer:     l.getf("report.generated_by", runID),
		Notice:     filteredNotice(d, l),
		Missing:    missingSourceNotes(d, l),
		Labels:     l,
		KPIs:       kpis(d, l, opt),
		Week:       weekHTML(d, l, opt),
		Sections:   pageSections(d, l, opt),
		Library:    template.JS(echartsJS),
		ChartsJSON: template.JS(optionsJSON),
		TablesJS:   template.JS(tablesScript),
	}
	txt := newGridText(l)
	for i := range view.Sections {
		s := &view.Sections[i]
		for j := range s.Tables {
			label := cmp.Or(s.Tables[j].Title, s.Title)
			s.Tables[j].Grid = weeklyGrid(s.Tables[j].Table, label, opt.CurrencySymbol, txt)
		}
	}
	for _, s := range specs {
		view.Charts = append(view.Charts, chartView{ID: s.ID})
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, view); err != nil {
		return nil, fmt.Errorf("reports: render html: %w", err)
	}
	return buf.Bytes(), nil
}

// weekHTML is the This week sentences as escaped HTML.
func weekHTML(d *reportData, l labels, opt Options) []template.HTML {
	var out []template.HTML
	for _, s := range weekSentences(d, l, opt) {
		out = append(out, s.HTML())
	}
	return out
}

func reportTitle(opt Options, l labels) string {
	if strings.TrimSpace(opt.Title) != "" {
		return opt.Title
	}
	return l.get("report.default_title")
}

func kpis(d *reportData, l labels, opt Options) []kpi {
	card := func(key, label, value string) kpi { return kpi{Label: label, Value: value, key: key} }
	out := []kpi{card("customers", l.get("kpi.customers"), strconv.FormatInt(d.customers, 10))}
	for _, t := range d.tiers {
		name := t.tier
		if name == "" {
			name = l.get("chart.no_tier")
		}
		k := card("tier", l.getf("kpi.tier", name), strconv.FormatInt(t.count, 10))
		k.tier, k.count = t.tier, t.count
		out = append(out, k)
	}
	// Without a ledger the receivable figures are not available, not ¥0.00
	// (and the source is named); likewise the ticket figures.
	if d.lacks("ar_invoices") {
		na := noSource(l, "ar_invoices")
		out = append(out, card("open_ar", l.get("kpi.open_ar"), na), card("overdue_90", l.get("kpi.overdue_90"), na))
		if !d.filtered {
			out = append(out, card("dso", l.get("kpi.dso"), na), card("on_time", l.get("kpi.on_time"), na))
		}
	} else {
		out = append(out,
			card("open_ar", l.get("kpi.open_ar"), formatMoney(d.openAR, opt.CurrencySymbol)),
			card("overdue_90", l.get("kpi.overdue_90"), formatMoney(d.overdue90, opt.CurrencySymbol)),
		)
	}
	// Portfolio figures: only in an unfiltered report (loadArKpis).
	if len(d.arKpis) > 0 && d.arKpis[0].scope == "portfolio" {
		p := d.arKpis[0]
		out = append(out, card("dso", l.get("kpi.dso"), nullScore(p.dso, l)), card("on_time", l.get("kpi.on_time"), nullPercent(p.onTime, l)))
	}
	out = append(out,
		card("top_hotspot", l.get("kpi.top_hotspot"), topHotspot(d, l)),
		card("open_tickets", l.get("kpi.open_tickets"), openTickets(d, l)),
	)
	if !d.filtered {
		out = append(out, card("rejected_rows", l.get("kpi.rejected_rows"), strconv.FormatInt(d.rejected, 10)))
	}
	kpiChanges(d, l, out)
	for i := range out {
		out[i].Long = utf8.RuneCountInString(out[i].Value) > 40
	}
	return out
}

// filteredNotice tells the reader of a filtered report what it leaves out.
// It never shows the filter itself: a filter such as "customer_id NOT IN
// ('C1')" would name customers the recipient must not see.
func filteredNotice(d *reportData, l labels) string {
	if !d.filtered {
		return ""
	}
	return l.get("report.filtered")
}

// openTickets is the queue's length, or not available without tickets.
func openTickets(d *reportData, l labels) string {
	if d.lacks("tickets") {
		return noSource(l, "tickets")
	}
	return strconv.FormatInt(d.openTickets, 10)
}

func topHotspot(d *reportData, l labels) string {
	if d.lacks("tickets") {
		return noSource(l, "tickets")
	}
	if len(d.hotspots) == 0 {
		// No group could be formed (hotspots.not_available): not "none",
		// which would read as nothing failing.
		return l.get("kpi.hotspot_na")
	}
	h := d.hotspots[0]
	product := h.productLabel()
	// Isolated: a right-to-left override in a name must not reverse the
	// rest of the card's line.
	return l.getf("kpi.hotspot_detail", isolateText(product), isolateText(h.component), isolateText(h.region), h.failures,
		strconv.FormatFloat(h.ratePer100PerYear, 'f', 2, 64))
}

func queueTable(d *reportData, l labels) tableView {
	cols := []string{"rank", "ticket_id", "name", "tier", "score", "severity", "age_days", "priority",
		"estimated_hours", "fits_capacity", "product_id", "component", "category", "reason"}
	t := tableView{Empty: l.get("report.no_rows")}
	if d.lacks("tickets") {
		t.Empty = l.get("queue.not_available")
	}
	for _, c := range cols {
		t.Header = append(t.Header, l.get("col."+c))
	}
	t.Numeric = []bool{true, false, false, false, true, true, true, true, true, false, false, false, false, false}
	for _, r := range d.queue {
		hours := ""
		if r.hours.Valid {
			hours = formatScore(r.hours.Float64)
		}
		fits := ""
		if r.fits.Valid {
			fits = yesNo(r.fits.Bool, l)
		}
		t.Rows = append(t.Rows, []string{
			strconv.FormatInt(r.rank, 10), r.ticketID, r.name, r.tier,
			formatScore(r.score), strconv.FormatInt(r.severity, 10),
			strconv.FormatInt(r.ageDays, 10), formatScore(r.priority), hours, fits,
			r.productID, r.component, l.lookup("ticket_category.", r.category), r.reason,
		})
	}
	if d.openTickets > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.getf("report.more", d.openTickets-int64(len(t.Rows)))
	}
	return t
}

func yesNo(b bool, l labels) string {
	if b {
		return l.get("report.yes")
	}
	return l.get("report.no")
}

// formatScore shows one decimal, rounding halves away from zero as Excel's
// "0.0" format does, so the page and the workbook show the same digits.
func formatScore(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
}

func rejectsTable(d *reportData, l labels) tableView {
	t := tableView{
		Header: []string{l.get("rejects.source"), l.get("rejects.column"), l.get("rejects.reason"), l.get("rejects.rows"),
			l.get("rejects.values"), l.get("rejects.files"), l.get("rejects.first")},
		Numeric: []bool{false, false, false, true, true, true, false},
		Empty:   l.get("report.no_rows"),
	}
	if d.filtered {
		t.Empty = l.get("report.filtered_rejects")
	}
	for _, g := range d.rejects {
		column := g.column
		if column == "" {
			column = l.get("rejects.whole_row")
		}
		first := filepath.Base(g.firstFile) // the whole path is on the sheets
		if g.firstLine.Valid {
			first += ":" + strconv.FormatInt(g.firstLine.Int64, 10)
		}
		if g.firstValue.Valid && g.firstValue.String != "" {
			first += " " + strconv.Quote(shortText(g.firstValue.String, 60))
		}
		t.Rows = append(t.Rows, []string{g.source, column, l.storedReason(g.reason),
			strconv.FormatInt(g.rows, 10), strconv.FormatInt(g.values, 10), strconv.FormatInt(g.files, 10), first})
	}
	if d.rejectGroups > 0 {
		t.More = l.getf("rejects.examples", d.rejectExamples)
	}
	if n := d.rejectGroups - int64(len(d.rejects)); n > 0 {
		t.More = l.getf("report.more", n) + " " + t.More
	}
	return t
}

// shortText is s cut to at most n characters, with an ellipsis when cut.
func shortText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
