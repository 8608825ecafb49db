package page

import (
	"github.com/accordhq/accord/reports/assets"
	"github.com/accordhq/accord/reports/brief"
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"
)

// echartsJS is the ECharts library, inlined into every page so the report
// opens with no network. assets/fetch.sh fetches it from the npm registry
// (pinned version and hashes); it is not committed, so run fetch.sh before
// building: without the file this package does not compile.
var EchartsJS = assets.EChartsJS

// checkInlineScript verifies that a script can sit inside <script>…</script>
// verbatim: the HTML parser ends the element at the first "</script" in any
// case, and "<!--" switches it into a mode where "<script" nests. Checked at
// every render because the file comes from outside the repository.
func CheckInlineScript(js []byte) error {
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
	KPIs     []brief.Kpi
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
` + chartFormattersJS + `
  specs.forEach(function (spec) {
    var chart = echarts.init(document.getElementById(spec.id), null, {renderer: "canvas"});
    bindFormatters(spec.option);
    chart.setOption(spec.option);
    instances.push(chart);
  });
` + chartsResizeJS + `
})();
</script>
</body>
</html>
` + gridTemplate))

func RenderHTML(d *snapshot.ReportData, runID int64, asOf time.Time, l texts.Labels, opt snapshot.Options) ([]byte, error) {
	if err := CheckInlineScript(EchartsJS); err != nil {
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
		Title:      brief.ReportTitle(opt, l),
		Subtitle:   l.Getf("report.as_of", asOf.Format(time.DateOnly), runID),
		Footer:     l.Getf("report.generated_by", runID),
		Notice:     filteredNotice(d, l),
		Missing:    snapshot.MissingSourceNotes(d, l),
		Labels:     l,
		KPIs:       Kpis(d, l, opt),
		Week:       weekHTML(d, l, opt),
		Sections:   pageSections(d, l, opt),
		Library:    template.JS(EchartsJS),
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
func weekHTML(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) []template.HTML {
	var out []template.HTML
	for _, s := range brief.WeekSentences(d, l, opt) {
		out = append(out, s.HTML())
	}
	return out
}

func Kpis(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) []brief.Kpi {
	card := func(key, label, value string) brief.Kpi { return brief.Kpi{Label: label, Value: value, Key: key} }
	out := []brief.Kpi{card("customers", l.Get("kpi.customers"), strconv.FormatInt(d.Customers, 10))}
	for _, t := range d.Tiers {
		name := t.Tier
		if name == "" {
			name = l.Get("chart.no_tier")
		}
		k := card("tier", l.Getf("kpi.tier", name), strconv.FormatInt(t.Count, 10))
		k.Tier, k.Count = t.Tier, t.Count
		out = append(out, k)
	}
	// Without a ledger the receivable figures are not available, not ¥0.00
	// (and the source is named); likewise the ticket figures.
	if d.Lacks("ar_invoices") {
		na := snapshot.NoSource(l, "ar_invoices")
		out = append(out, card("open_ar", l.Get("kpi.open_ar"), na), card("overdue_90", l.Get("kpi.overdue_90"), na))
		if !d.Filtered {
			out = append(out, card("dso", l.Get("kpi.dso"), na), card("on_time", l.Get("kpi.on_time"), na))
		}
	} else {
		out = append(out,
			card("open_ar", l.Get("kpi.open_ar"), format.FormatMoney(d.OpenAR, opt.CurrencySymbol)),
			card("overdue_90", l.Get("kpi.overdue_90"), format.FormatMoney(d.Overdue90, opt.CurrencySymbol)),
		)
	}
	// Portfolio figures: only in an unfiltered report (loadArKpis).
	if len(d.ArKpis) > 0 && d.ArKpis[0].Scope == "portfolio" {
		p := d.ArKpis[0]
		out = append(out, card("dso", l.Get("kpi.dso"), nullScore(p.Dso, l)), card("on_time", l.Get("kpi.on_time"), nullPercent(p.OnTime, l)))
	}
	out = append(out,
		card("top_hotspot", l.Get("kpi.top_hotspot"), brief.TopHotspot(d, l)),
		card("open_tickets", l.Get("kpi.open_tickets"), openTickets(d, l)),
	)
	if !d.Filtered {
		out = append(out, card("rejected_rows", l.Get("kpi.rejected_rows"), strconv.FormatInt(d.Rejected, 10)))
	}
	brief.KpiChanges(d, l, out)
	for i := range out {
		out[i].Long = utf8.RuneCountInString(out[i].Value) > 40
	}
	return out
}

// filteredNotice tells the reader of a filtered report what it leaves out.
// It never shows the filter itself: a filter such as "customer_id NOT IN
// ('C1')" would name customers the recipient must not see.
func filteredNotice(d *snapshot.ReportData, l texts.Labels) string {
	if !d.Filtered {
		return ""
	}
	return l.Get("report.filtered")
}

// openTickets is the queue's length, or not available without tickets.
func openTickets(d *snapshot.ReportData, l texts.Labels) string {
	if d.Lacks("tickets") {
		return snapshot.NoSource(l, "tickets")
	}
	return strconv.FormatInt(d.OpenTickets, 10)
}

func queueTable(d *snapshot.ReportData, l texts.Labels) tableView {
	cols := []string{"rank", "ticket_id", "name", "tier", "score", "severity", "age_days", "priority",
		"estimated_hours", "fits_capacity", "product_id", "component", "category", "reason"}
	t := tableView{Empty: l.Get("report.no_rows")}
	if d.Lacks("tickets") {
		t.Empty = l.Get("queue.not_available")
	}
	for _, c := range cols {
		t.Header = append(t.Header, l.Get("col."+c))
	}
	t.Numeric = []bool{true, false, false, false, true, true, true, true, true, false, false, false, false, false}
	for _, r := range d.Queue {
		hours := ""
		if r.Hours.Valid {
			hours = format.FormatScore(r.Hours.Float64)
		}
		fits := ""
		if r.Fits.Valid {
			fits = format.YesNo(r.Fits.Bool, l)
		}
		t.Rows = append(t.Rows, []string{
			strconv.FormatInt(r.Rank, 10), r.TicketID, r.Name, r.Tier,
			format.FormatScore(r.Score), strconv.FormatInt(r.Severity, 10),
			strconv.FormatInt(r.AgeDays, 10), format.FormatScore(r.Priority), hours, fits,
			r.ProductID, r.Component, l.Lookup("ticket_category.", r.Category), r.Reason,
		})
	}
	if d.OpenTickets > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.Getf("report.more", d.OpenTickets-int64(len(t.Rows)))
	}
	return t
}

func rejectsTable(d *snapshot.ReportData, l texts.Labels) tableView {
	t := tableView{
		Header: []string{l.Get("rejects.source"), l.Get("rejects.column"), l.Get("rejects.reason"), l.Get("rejects.rows"),
			l.Get("rejects.values"), l.Get("rejects.files"), l.Get("rejects.first")},
		Numeric: []bool{false, false, false, true, true, true, false},
		Empty:   l.Get("report.no_rows"),
	}
	if d.Filtered {
		t.Empty = l.Get("report.filtered_rejects")
	}
	for _, g := range d.Rejects {
		column := g.Column
		if column == "" {
			column = l.Get("rejects.whole_row")
		}
		first := filepath.Base(g.FirstFile) // the whole path is on the sheets
		if g.FirstLine.Valid {
			first += ":" + strconv.FormatInt(g.FirstLine.Int64, 10)
		}
		if g.FirstValue.Valid && g.FirstValue.String != "" {
			first += " " + strconv.Quote(shortText(g.FirstValue.String, 60))
		}
		t.Rows = append(t.Rows, []string{g.Source, column, l.StoredReason(g.Reason),
			strconv.FormatInt(g.Rows, 10), strconv.FormatInt(g.Values, 10), strconv.FormatInt(g.Files, 10), first})
	}
	if d.RejectGroups > 0 {
		t.More = l.Getf("rejects.examples", d.RejectExamples)
	}
	if n := d.RejectGroups - int64(len(d.Rejects)); n > 0 {
		t.More = l.Getf("report.more", n) + " " + t.More
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
