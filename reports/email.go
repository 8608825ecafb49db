package reports

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/accordhq/accord/config"
)

// E-mail composition. The message is
//
//	multipart/mixed
//	├─ multipart/related
//	│  ├─ multipart/alternative
//	│  │  ├─ text/plain   (the same content as text)
//	│  │  └─ text/html    (no script, no SVG, inline styles; images by cid:)
//	│  └─ image/png …     (Content-ID <name.png@accord>, inline)
//	├─ weekly.xlsx        (attachment, when it fits the size cap)
//	└─ weekly.html        (attachment, when it fits the size cap)
//
// which Gmail, Outlook and Apple Mail show as a body with pictures and two
// attachments. go-mail builds exactly this nesting when a message has two
// body parts, embeds and attachments.

// DefaultMaxEmailBytes is the size cap of one e-mail when none is given.
const DefaultMaxEmailBytes = 10 << 20

// E-mail body limits: the tables are short; the full lists are attached.
const (
	emailQueueTopN    = 10
	emailHotspotsTopN = 5
	emailMoversTopN   = 5
)

// MIME types of the attachments (mime.TypeByExtension does not know .xlsx
// on every system).
const (
	typeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typeHTML = "text/html"
)

// attachmentFile is a file offered as an attachment, in priority order.
type attachmentFile struct {
	name string
	path string
	typ  mail.ContentType
	size int64
	data []byte // nil when it is too big to attach at all
}

// composeInput is everything an e-mail is made of.
type composeInput struct {
	d        *reportData
	l        labels
	opt      Options
	out      Output
	runID    int64
	asOf     time.Time
	job      string
	from, to string
	// messageID is the Message-ID without angle brackets; date the Date header.
	messageID string
	date      time.Time
	// maxBytes caps the whole message as sent (headers, base64 and all).
	maxBytes int64
	// location says where the recipient's full report can be found when an
	// attachment is left out: its URL under reports.base_url, or the
	// operator's shared place (unfiltered recipients only); "" when there is
	// none, and then the body names no place: never a path on the server.
	location string
	// link is location when it is the report's URL, for the footer's link.
	link string
	// notes are shown at the top of the body (preview marker, gate warnings).
	notes   []string
	preview bool
}

// composed is a message ready to send and what went into it.
type composed struct {
	msg         *mail.Msg
	size        int64
	attached    []string
	leftOut     []string // attachment names left out for the size cap
	chartsShown bool
}

// compose builds the e-mail within the size cap. The body and the charts
// always come first; attachments are added in order (weekly.xlsx, then
// weekly.html) only while the whole message stays under the cap, and the
// body names each one left out and where to find it. If even the body with
// its charts is over the cap, the charts are left out too (and the body
// says so); if the bare body is over the cap, compose fails rather than
// send a cut or empty e-mail.
func compose(in composeInput) (*composed, error) {
	if in.maxBytes <= 0 {
		in.maxBytes = DefaultMaxEmailBytes
	}
	images, err := emailCharts(in.d, in.l, in.opt)
	if err != nil {
		return nil, err
	}
	files := []*attachmentFile{
		{name: xlsxName, path: in.out.XLSX, typ: typeXLSX},
		{name: htmlName, path: in.out.HTML, typ: typeHTML},
	}
	for _, f := range files {
		st, err := os.Stat(f.path)
		if err != nil {
			return nil, fmt.Errorf("reports: e-mail attachment: %w", err)
		}
		f.size = st.Size()
		if f.size/3*4 > in.maxBytes {
			continue // cannot fit once base64-encoded: not even read
		}
		if f.data, err = os.ReadFile(f.path); err != nil {
			return nil, fmt.Errorf("reports: e-mail attachment: %w", err)
		}
	}
	// slack keeps room for the notes a left-out attachment adds to the body.
	const slack = 4 << 10

	build := func(withCharts bool, attach []*attachmentFile, leftOut []*attachmentFile) (*composed, error) {
		var notes []string
		notes = append(notes, in.notes...)
		for _, f := range leftOut {
			if in.location == "" {
				notes = append(notes, in.l.getf("mail.left_out_nowhere", f.name, humanBytes(f.size), humanBytes(in.maxBytes)))
			} else {
				notes = append(notes, in.l.getf("mail.left_out", f.name, humanBytes(f.size),
					humanBytes(in.maxBytes), in.location))
			}
		}
		imgs := images
		if !withCharts {
			imgs = nil
			if len(images) > 0 {
				if in.location == "" {
					notes = append(notes, in.l.getf("mail.charts_left_out_nowhere", humanBytes(in.maxBytes), htmlName))
				} else {
					notes = append(notes, in.l.getf("mail.charts_left_out", humanBytes(in.maxBytes), htmlName, in.location))
				}
			}
		}
		var names []string
		for _, f := range attach {
			names = append(names, f.name)
		}
		msg, err := buildMessage(in, imgs, attach, notes, names)
		if err != nil {
			return nil, err
		}
		n, err := msg.WriteTo(io.Discard)
		if err != nil {
			return nil, fmt.Errorf("reports: compose e-mail: %w", err)
		}
		c := &composed{msg: msg, size: n, attached: names, chartsShown: withCharts && len(images) > 0}
		for _, f := range leftOut {
			c.leftOut = append(c.leftOut, f.name)
		}
		return c, nil
	}

	withCharts := true
	base, err := build(true, nil, files)
	if err != nil {
		return nil, err
	}
	if base.size+slack > in.maxBytes {
		withCharts = false
		if base, err = build(false, nil, files); err != nil {
			return nil, err
		}
		if base.size > in.maxBytes {
			return nil, fmt.Errorf("reports: the e-mail body alone is %s, over the %s cap; nothing is sent",
				humanBytes(base.size), humanBytes(in.maxBytes))
		}
	}
	var attach, leftOut []*attachmentFile
	for i, f := range files {
		if f.data == nil {
			leftOut = append(leftOut, f)
			continue
		}
		try := append(append([]*attachmentFile{}, attach...), f)
		rest := append(append([]*attachmentFile{}, leftOut...), files[i+1:]...)
		c, err := build(withCharts, try, rest)
		if err != nil {
			return nil, err
		}
		if c.size+slack <= in.maxBytes {
			attach = try
		} else {
			leftOut = append(leftOut, f)
		}
	}
	final, err := build(withCharts, attach, leftOut)
	if err != nil {
		return nil, err
	}
	if final.size > in.maxBytes {
		return nil, fmt.Errorf("reports: composed e-mail is %s, over the %s cap", humanBytes(final.size), humanBytes(in.maxBytes))
	}
	return final, nil
}

// humanBytes shows a size as people read it: 812 B, 14.2 KB, 1.1 MB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

func buildMessage(in composeInput, images []inlineImage, attach []*attachmentFile, notes, attachedNames []string) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(in.from); err != nil {
		return nil, fmt.Errorf("reports: e-mail from %q: %w", in.from, err)
	}
	if err := m.To(in.to); err != nil {
		return nil, fmt.Errorf("reports: e-mail to %q: %w", in.to, err)
	}
	m.Subject(emailSubject(in))
	m.SetMessageIDWithValue(in.messageID)
	m.SetDateWithValue(in.date)
	m.SetGenHeader(mail.HeaderUserAgent, "Accord")
	m.SetGenHeader("X-Accord-Run", strconv.FormatInt(in.runID, 10))
	// Ask auto-responders (out-of-office) not to answer a report.
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	m.SetGenHeader("Auto-Submitted", "auto-generated")

	html, view, err := fittedEmailHTML(in, images, notes, attachedNames)
	if err != nil {
		return nil, err
	}
	m.SetBodyString(mail.TypeTextPlain, renderEmailText(view))
	m.AddAlternativeString(mail.TypeTextHTML, html)
	for _, img := range images {
		if err := m.EmbedReader(img.file, bytes.NewReader(img.data),
			mail.WithFileContentID("<"+img.cid+">"), mail.WithFileContentType("image/png")); err != nil {
			return nil, fmt.Errorf("reports: e-mail image %s: %w", img.file, err)
		}
	}
	for _, f := range attach {
		if err := m.AttachReader(f.name, bytes.NewReader(f.data), mail.WithFileContentType(f.typ)); err != nil {
			return nil, fmt.Errorf("reports: e-mail attachment %s: %w", f.name, err)
		}
	}
	return m, nil
}

// emailSubject carries the headline: "weekly: 3 tier moves, 1 rising
// hot-spot, overdue ¥10.0M ▲1,001,085% — as of 2026-11-27". Only what
// changed since the previous run is named (the tier moves, newly rising
// hot-spots with the count of all rising, overdue receivables with its
// change); what is not available is left out, never said as 0. With no
// change it says so; a first run has only the job and the date.
func emailSubject(in composeInput) string {
	l := in.l
	date := in.asOf.Format(time.DateOnly)
	job := cutText(in.job, maxSentenceDataRunes)
	var parts []string
	if w := in.d.week; w != nil {
		if moves := w.tierUp + w.tierDown + w.tierOther; w.hasPrevious && moves > 0 {
			parts = append(parts, plural(l, "mail.subject_moves", moves))
		}
		newRising := 0
		for _, g := range w.rising {
			if g.isNew && w.prevRising >= 0 {
				newRising++
			}
		}
		if w.hotspotsKnown && newRising > 0 {
			parts = append(parts, plural(l, "mail.subject_rising", int64(len(w.rising))))
		}
		if w.overdueKnown && w.hasPrevious && w.prevOverdueKnown {
			if change := pctText(w.overdue, w.prevOverdue); change != "" {
				parts = append(parts, l.getf("mail.subject_overdue",
					formatMoneyShort(w.overdue, in.opt.CurrencySymbol, in.opt.Language), change))
			}
		}
		if len(parts) == 0 && w.hasPrevious {
			parts = append(parts, l.getf("mail.subject_no_change", w.prevAsOf))
		}
	}
	key := "mail.subject"
	args := []any{job, date}
	if len(parts) > 0 {
		key = "mail.subject_headline"
		args = []any{job, strings.Join(parts, l.get("mail.subject_sep")), date}
	}
	if in.preview {
		key += "_preview"
	}
	return oneLine(l.getf(key, args...))
}

// plural picks key_one for 1, else key, each with n.
func plural(l labels, key string, n int64) string {
	if n == 1 {
		return l.getf(key+"_one", n)
	}
	return l.getf(key, n)
}

// The body's view model: plain strings, escaped by html/template in the
// HTML part and written as they are in the text part.
type emailTable struct {
	Title   string
	Header  []string
	Rows    [][]string
	Numeric []bool
	Empty   string
	More    string // "… N more in the attachments"
}

type emailImage struct {
	Src    template.URL // cid:…; a URL html/template would otherwise reject
	Alt    string
	Width  int
	Height int
}

type emailView struct {
	Lang     string
	Title    string
	AsOf     string
	Notes    []string
	KPITitle string
	KPIs     []kpi
	// Evidence is one line on the index: the Spearman correlation and the
	// normalization and weights used.
	Evidence []string
	Charts   string
	Images   []emailImage
	Tables   []emailTable
	Attached string
	Footer   string
	// FooterLink is the recipient's own report's URL, "" when none.
	FooterLink string
	// Week is "This week": the changes since the previous run.
	WeekTitle string
	Week      []template.HTML
	WeekText  []string
	// Cut says that long texts were cut to fit the e-mail.
	Cut string
}

func bodyView(in composeInput, images []inlineImage, notes, attached []string) emailView {
	l, d := in.l, in.d
	lang := in.opt.Language
	if lang == "" {
		lang = "en"
	}
	v := emailView{
		Lang:      lang,
		Title:     reportTitle(in.opt, l),
		AsOf:      l.getf("mail.as_of", in.asOf.Format(time.DateOnly)),
		Notes:     notes,
		KPITitle:  l.get("section.summary"),
		KPIs:      kpis(d, l, in.opt),
		Evidence:  []string{spearmanLine(d, l), modelSummary(d, l)},
		Charts:    l.get("section.charts"),
		Footer:    l.getf("mail.footer_nowhere", in.runID),
		WeekTitle: l.get("week.title"),
	}
	switch {
	case in.link != "":
		v.Footer, v.FooterLink = l.getf("mail.footer_link", in.runID), in.link
	case in.location != "":
		v.Footer = l.getf("mail.footer", in.runID, in.location)
	}
	for _, s := range weekSentences(d, l, in.opt) {
		v.Week = append(v.Week, s.HTML())
		v.WeekText = append(v.WeekText, s.Text())
	}
	if d.filtered {
		v.Notes = append(v.Notes, l.get("report.filtered"))
	}
	v.Notes = append(v.Notes, missingSourceNotes(d, l)...)
	for _, img := range images {
		v.Images = append(v.Images, emailImage{Src: template.URL("cid:" + img.cid), Alt: img.alt, Width: img.width, Height: img.height})
	}
	v.Tables = append(v.Tables, emailQueueTable(d, l), emailMoversTable(d, l), emailHotspotTable(d, l),
		emailOverdueTable(d, l, in.opt))
	switch {
	case len(attached) > 0:
		v.Attached = l.getf("mail.attached", strings.Join(attached, ", "))
	case in.location != "":
		v.Attached = l.getf("mail.nothing_attached", in.location)
	default:
		v.Attached = l.get("mail.nothing_attached_nowhere")
	}
	return v
}

// emailHTMLMaxBytes is the most the HTML part may be: Gmail clips a body
// over 102 KB and hides the rest behind "[Message clipped]".
const emailHTMLMaxBytes = 100_000

// emailCellRunes are the tries at the longest data text an e-mail table
// cell or KPI shows (the attachments have every text whole): a body
// still over emailHTMLMaxBytes is tried again with the next, shorter cut.
var emailCellRunes = []int{80, 40, 20, 10}

// fittedEmailHTML renders the body with data texts cut to fit the HTML
// part under emailHTMLMaxBytes, saying so when anything was cut. Tables
// have at most emailQueueTopN, emailMoversTopN, emailHotspotsTopN and
// overdueTopN rows, so the cut bounds the size; if even the shortest cut
// is over, compose fails rather than send a clipped e-mail.
func fittedEmailHTML(in composeInput, images []inlineImage, notes, attached []string) (string, emailView, error) {
	var html string
	var size int
	for _, n := range emailCellRunes {
		v := bodyView(in, images, notes, attached)
		if cutEmailView(&v, n) {
			v.Cut = in.l.getf("mail.cut", n)
		}
		var err error
		if html, err = renderEmailHTML(v); err != nil {
			return "", v, err
		}
		if size = len(html); size <= emailHTMLMaxBytes {
			return html, v, nil
		}
	}
	return "", emailView{}, fmt.Errorf("reports: e-mail HTML is %s even with texts cut to %d characters, over %s",
		humanBytes(int64(size)), emailCellRunes[len(emailCellRunes)-1], humanBytes(emailHTMLMaxBytes))
}

// cutEmailView cuts every data text of the tables and KPIs to n runes
// (with an ellipsis) and cleans it (cleanText); it reports whether a text
// was cut.
func cutEmailView(v *emailView, n int) bool {
	cut := false
	c := func(s string) string {
		out := cutText(s, n)
		if out != cleanText(s) {
			cut = true
		}
		return out
	}
	v.Title = c(v.Title)
	for i := range v.KPIs {
		v.KPIs[i].Value = c(v.KPIs[i].Value)
	}
	for i := range v.Tables {
		for r := range v.Tables[i].Rows {
			for k := range v.Tables[i].Rows[r] {
				v.Tables[i].Rows[r][k] = c(v.Tables[i].Rows[r][k])
			}
		}
	}
	return cut
}

func emailQueueTable(d *reportData, l labels) emailTable {
	t := emailTable{Title: l.get("section.service_queue"), Empty: l.get("report.no_rows")}
	if d.lacks("tickets") {
		t.Empty = l.get("queue.not_available")
	}
	for _, c := range []string{"rank", "ticket_id", "name", "tier", "score", "severity", "age_days", "product_id", "component"} {
		t.Header = append(t.Header, l.get("col."+c))
	}
	t.Numeric = []bool{true, false, false, false, true, true, true, false, false}
	for i, r := range d.queue {
		if i == emailQueueTopN {
			break
		}
		t.Rows = append(t.Rows, []string{strconv.FormatInt(r.rank, 10), r.ticketID, r.name, r.tier,
			formatScore(r.score), strconv.FormatInt(r.severity, 10), strconv.FormatInt(r.ageDays, 10), r.productID, r.component})
	}
	if d.openTickets > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.getf("mail.more", d.openTickets-int64(len(t.Rows)))
	}
	return t
}

// emailMoversTable lists the top tier changes since the previous run:
// d.movers holds tier changes first, largest moves first.
func emailMoversTable(d *reportData, l labels) emailTable {
	t := emailTable{Title: l.get("mail.section_movers"), Empty: l.get("mail.no_tier_changes")}
	t.Header = []string{l.get("col.name"), l.get("col.previous_tier"), l.get("col.tier"), l.get("col.change"),
		l.get("col.top_up"), l.get("col.top_down")}
	t.Numeric = []bool{false, false, false, true, false, false}
	for _, m := range d.movers {
		if !m.tierChanged || len(t.Rows) == emailMoversTopN {
			break
		}
		t.Rows = append(t.Rows, []string{m.name, m.previousTier, m.tier, formatSigned(m.change), m.topUp, m.topDown})
	}
	if d.tierChanges > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.getf("mail.more", d.tierChanges-int64(len(t.Rows)))
	}
	return t
}

func emailHotspotTable(d *reportData, l labels) emailTable {
	// No group at all: the analysis could not run (as on the page).
	t := emailTable{Title: l.get("mail.section_hotspots"), Empty: l.get("hotspots.not_available")}
	for _, c := range []string{"rank", "product_name", "component", "region", "failures", "shrunk_rate_per_100_per_year", "rate_per_100_per_year"} {
		t.Header = append(t.Header, l.get("col."+c))
	}
	t.Numeric = []bool{true, false, false, false, true, true, true}
	for i, h := range d.hotspots {
		if i == emailHotspotsTopN {
			break
		}
		product := h.productLabel()
		rank := ""
		if h.rank > 0 {
			rank = strconv.FormatInt(h.rank, 10)
		}
		if h.rising {
			product += " ↑ " + l.get("hotspots.rising_mark")
		}
		t.Rows = append(t.Rows, []string{rank, product, h.component, h.region, strconv.FormatInt(h.failures, 10),
			formatRate(h.shrunkRate, l), strconv.FormatFloat(h.ratePer100PerYear, 'f', 2, 64)})
	}
	if w := d.week; w != nil && w.hotspotGroups > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.getf("mail.more", w.hotspotGroups-int64(len(t.Rows)))
	}
	return t
}

func emailOverdueTable(d *reportData, l labels, opt Options) emailTable {
	t := emailTable{Title: l.get("mail.section_overdue"), Empty: l.get("mail.no_overdue")}
	if d.lacks("ar_invoices") {
		t.Empty = l.get("ar.not_available")
	}
	t.Header = []string{l.get("col.name"), l.get("col.tier"), l.get("mail.col_overdue"), l.get("col.d90_plus")}
	t.Numeric = []bool{false, false, true, true}
	for _, r := range d.overdue {
		t.Rows = append(t.Rows, []string{r.name, r.tier, formatMoney(r.overdue, opt.CurrencySymbol), formatMoney(r.d90Plus, opt.CurrencySymbol)})
	}
	if w := d.week; w != nil && w.overdueCustomers > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.getf("mail.more", w.overdueCustomers-int64(len(t.Rows)))
	}
	return t
}

// The HTML body: tables and inline styles only (many clients drop <style>),
// no script, no SVG, no external resource: images are cid: parts.
var emailTemplate = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body style="margin:0;padding:0;background:#f4f6f8">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f6f8">
<tr><td align="center" style="padding:16px 8px">
<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:640px;background:#ffffff;font-family:Arial,'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',sans-serif;color:#222222;font-size:14px;line-height:1.4">
<tr><td style="padding:20px">
<h1 style="font-size:20px;margin:0 0 4px 0">{{.Title}}</h1>
<p style="color:#555555;margin:0 0 14px 0">{{.AsOf}}</p>
{{- if .Week}}
<h2 style="font-size:16px;margin:18px 0 8px 0">{{.WeekTitle}}</h2>
<ul style="margin:0 0 12px 0;padding:0 0 0 20px">
{{- range .Week}}
<li style="margin:0 0 6px 0">{{.}}</li>
{{- end}}
</ul>
{{- end}}
{{- range .Notes}}
<p style="background:#fff4e5;border:1px solid #f0c36d;padding:8px 10px;margin:0 0 12px 0">{{.}}</p>
{{- end}}
<h2 style="font-size:16px;margin:18px 0 8px 0">{{.KPITitle}}</h2>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;width:100%">
{{- range .KPIs}}
<tr><td style="padding:4px 8px;border-bottom:1px solid #e6e6e6;color:#555555">{{.Label}}</td><td dir="auto" style="padding:4px 8px;border-bottom:1px solid #e6e6e6;font-weight:bold;text-align:right">{{.Value}}</td><td style="padding:4px 8px;border-bottom:1px solid #e6e6e6;font-size:12px;white-space:nowrap;{{if eq .Tone "good"}}color:#1a7f37{{else if eq .Tone "bad"}}color:#c62828{{else}}color:#666666{{end}}">{{.Change}}</td></tr>
{{- end}}
</table>
{{- range .Evidence}}
<p style="color:#333333;margin:10px 0 0 0;font-size:13px">{{.}}</p>
{{- end}}
{{- if .Images}}
<h2 style="font-size:16px;margin:22px 0 8px 0">{{.Charts}}</h2>
{{- range .Images}}
<p style="margin:0 0 14px 0"><img src="{{.Src}}" width="{{.Width}}" height="{{.Height}}" alt="{{.Alt}}" style="display:block;width:100%;max-width:{{.Width}}px;height:auto;border:0"></p>
{{- end}}
{{- end}}
{{- range .Tables}}
<h2 style="font-size:16px;margin:22px 0 8px 0">{{.Title}}</h2>
{{- if .Rows}}
<table cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;width:100%;font-size:12px">
<tr>{{range .Header}}<th style="background:#eef2f6;border:1px solid #d9dee4;padding:4px 6px;text-align:left">{{.}}</th>{{end}}</tr>
{{- $t := .}}
{{- range .Rows}}
<tr>{{range $i, $c := .}}<td{{if not (index $t.Numeric $i)}} dir="auto"{{end}} style="border:1px solid #d9dee4;padding:4px 6px;{{if index $t.Numeric $i}}text-align:right;white-space:nowrap{{end}}">{{$c}}</td>{{end}}</tr>
{{- end}}
</table>
{{- if .More}}
<p style="color:#555555;margin:4px 0 0 0;font-size:12px">{{.More}}</p>
{{- end}}
{{- else}}
<p style="color:#555555;font-style:italic;margin:0">{{.Empty}}</p>
{{- end}}
{{- end}}
{{- if .Cut}}
<p style="color:#555555;margin:10px 0 0 0;font-size:12px">{{.Cut}}</p>
{{- end}}
<p style="margin:22px 0 0 0">{{.Attached}}</p>
<p style="color:#888888;font-size:12px;margin:16px 0 0 0">{{.Footer}}{{if .FooterLink}} <a href="{{.FooterLink}}" style="color:#1a5fb4">{{.FooterLink}}</a>{{end}}</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`))

func renderEmailHTML(v emailView) (string, error) {
	var buf bytes.Buffer
	if err := emailTemplate.Execute(&buf, v); err != nil {
		return "", fmt.Errorf("reports: render e-mail: %w", err)
	}
	return buf.String(), nil
}

// renderEmailText writes the plain-text alternative: the same content, for
// clients that show no HTML and for screen readers.
func renderEmailText(v emailView) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(oneLine(s)); b.WriteString("\n") }
	line(v.Title)
	line(v.AsOf)
	b.WriteString("\n")
	if len(v.WeekText) > 0 {
		line(v.WeekTitle)
		for _, s := range v.WeekText {
			line("* " + s)
		}
		b.WriteString("\n")
	}
	for _, n := range v.Notes {
		line("* " + n)
	}
	if len(v.Notes) > 0 {
		b.WriteString("\n")
	}
	line(v.KPITitle)
	for _, k := range v.KPIs {
		if k.Change != "" {
			line("  " + k.Label + ": " + isolateText(k.Value) + " (" + k.Change + ")")
		} else {
			line("  " + k.Label + ": " + isolateText(k.Value))
		}
	}
	for _, e := range v.Evidence {
		line(e)
	}
	if len(v.Images) > 0 {
		b.WriteString("\n")
		line(v.Charts)
		for _, img := range v.Images {
			line("  [" + img.Alt + "]")
		}
	}
	for _, t := range v.Tables {
		b.WriteString("\n")
		line(t.Title)
		if len(t.Rows) == 0 {
			line("  " + t.Empty)
			continue
		}
		line("  " + strings.Join(t.Header, " | "))
		for _, r := range t.Rows {
			// A cell with right-to-left text or a directional control is
			// isolated: a U+202E in one cannot reverse the rest of the line.
			cells := make([]string, len(r))
			for i, c := range r {
				cells[i] = isolateText(c)
			}
			line("  " + strings.Join(cells, " | "))
		}
		if t.More != "" {
			line("  " + t.More)
		}
	}
	if v.Cut != "" {
		b.WriteString("\n")
		line(v.Cut)
	}
	b.WriteString("\n")
	line(v.Attached)
	b.WriteString("\n")
	if v.FooterLink != "" {
		line(v.Footer + " " + v.FooterLink)
	} else {
		line(v.Footer)
	}
	return b.String()
}

// oneLine keeps data from breaking the text layout: line breaks and other
// control characters become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029' || (r < 0x20) || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// recipientPlace is where a recipient's full report is: with
// reports.base_url, the URL of the recipient's own rendering
// (<base_url>/<as-of>/mail/<language>-<filter hash>/weekly.html: a filtered
// recipient's is filtered like the e-mail); else, for an unfiltered
// recipient only, the operator's shared place (Deliverer.Location); else
// none. Never a path on this server, and never the unfiltered report for a
// filtered recipient.
func recipientPlace(baseURL, location string, asOf time.Time, t target) (where, link string) {
	if baseURL != "" {
		u := strings.TrimRight(baseURL, "/") + "/" + url.PathEscape(asOf.Format(time.DateOnly)) + "/mail/" +
			url.PathEscape(renderFolder(t.language, t.filter)) + "/" + htmlName
		return u, u
	}
	if t.filter == "" {
		return location, ""
	}
	return "", ""
}

// EmailBody renders, without sending, the body of the e-mail run runID's
// report would carry for a recipient with this language and filter (""
// for the whole report): the HTML part and the plain-text part, exactly
// as compose builds them, from the reports written under
// outDir/mail/<language>-<filter>, without the chart images. It is for
// previews and tests that read what a reader would see without an SMTP
// server.
func EmailBody(ctx context.Context, db *sql.DB, cfg *config.Config, runID int64, asOf time.Time,
	outDir, language, filter string) (html, text string, err error) {
	if language == "" {
		language = cfg.Reports.Language
	}
	var d Deliverer
	r, opt := d.render(ctx, db, cfg, runID, asOf, outDir, target{language: language, filter: filter}, map[string]renderedReport{})
	if r.err != nil {
		return "", "", r.err
	}
	l, err := labelsFor(language)
	if err != nil {
		return "", "", err
	}
	// The chart images are left out: they repeat the page's charts, and
	// drawing them needs a CJK font the caller may not have.
	where, link := recipientPlace(cfg.Reports.BaseURL, "", asOf, target{language: language, filter: filter})
	in := composeInput{d: r.d, l: l, opt: opt, out: r.out, runID: runID, asOf: asOf, location: where, link: link}
	html, view, err := fittedEmailHTML(in, nil, nil, []string{xlsxName, htmlName})
	if err != nil {
		return "", "", err
	}
	return html, renderEmailText(view), nil
}
