package email

import (
	"github.com/accordhq/accord/reports/brief"
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/page"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"bytes"
	"fmt"
	"html/template"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
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
	EmailHotspotsTopN = 5
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
type ComposeInput struct {
	D        *snapshot.ReportData
	L        texts.Labels
	Opt      snapshot.Options
	Out      snapshot.Output
	RunID    int64
	AsOf     time.Time
	Job      string
	From, To string
	// messageID is the Message-ID without angle brackets; date the Date header.
	MessageID string
	Date      time.Time
	// maxBytes caps the whole message as sent (headers, base64 and all).
	MaxBytes int64
	// location says where the recipient's full report can be found when an
	// attachment is left out: its URL under reports.base_url, or the
	// operator's shared place (unfiltered recipients only); "" when there is
	// none, and then the body names no place: never a path on the server.
	Location string
	// link is location when it is the report's URL, for the footer's link.
	Link string
	// notes are shown at the top of the body (preview marker, gate warnings).
	Notes   []string
	Preview bool
}

// composed is a message ready to send and what went into it.
type Composed struct {
	Msg         *mail.Msg
	Size        int64
	Attached    []string
	LeftOut     []string // attachment names left out for the size cap
	chartsShown bool
}

// compose builds the e-mail within the size cap. The body and the charts
// always come first; attachments are added in order (weekly.xlsx, then
// weekly.html) only while the whole message stays under the cap, and the
// body names each one left out and where to find it. If even the body with
// its charts is over the cap, the charts are left out too (and the body
// says so); if the bare body is over the cap, compose fails rather than
// send a cut or empty e-mail.
func Compose(in ComposeInput) (*Composed, error) {
	if in.MaxBytes <= 0 {
		in.MaxBytes = DefaultMaxEmailBytes
	}
	images, err := EmailCharts(in.D, in.L, in.Opt)
	if err != nil {
		return nil, err
	}
	files := []*attachmentFile{
		{name: snapshot.XlsxName, path: in.Out.XLSX, typ: typeXLSX},
		{name: snapshot.HtmlName, path: in.Out.HTML, typ: typeHTML},
	}
	for _, f := range files {
		st, err := os.Stat(f.path)
		if err != nil {
			return nil, fmt.Errorf("reports: e-mail attachment: %w", err)
		}
		f.size = st.Size()
		if f.size/3*4 > in.MaxBytes {
			continue // cannot fit once base64-encoded: not even read
		}
		if f.data, err = os.ReadFile(f.path); err != nil {
			return nil, fmt.Errorf("reports: e-mail attachment: %w", err)
		}
	}
	// slack keeps room for the notes a left-out attachment adds to the body.
	const slack = 4 << 10

	build := func(withCharts bool, attach []*attachmentFile, leftOut []*attachmentFile) (*Composed, error) {
		var notes []string
		notes = append(notes, in.Notes...)
		for _, f := range leftOut {
			if in.Location == "" {
				notes = append(notes, in.L.Getf("mail.left_out_nowhere", f.name, humanBytes(f.size), humanBytes(in.MaxBytes)))
			} else {
				notes = append(notes, in.L.Getf("mail.left_out", f.name, humanBytes(f.size),
					humanBytes(in.MaxBytes), in.Location))
			}
		}
		imgs := images
		if !withCharts {
			imgs = nil
			if len(images) > 0 {
				if in.Location == "" {
					notes = append(notes, in.L.Getf("mail.charts_left_out_nowhere", humanBytes(in.MaxBytes), snapshot.HtmlName))
				} else {
					notes = append(notes, in.L.Getf("mail.charts_left_out", humanBytes(in.MaxBytes), snapshot.HtmlName, in.Location))
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
		c := &Composed{Msg: msg, Size: n, Attached: names, chartsShown: withCharts && len(images) > 0}
		for _, f := range leftOut {
			c.LeftOut = append(c.LeftOut, f.name)
		}
		return c, nil
	}

	withCharts := true
	base, err := build(true, nil, files)
	if err != nil {
		return nil, err
	}
	if base.Size+slack > in.MaxBytes {
		withCharts = false
		if base, err = build(false, nil, files); err != nil {
			return nil, err
		}
		if base.Size > in.MaxBytes {
			return nil, fmt.Errorf("reports: the e-mail body alone is %s, over the %s cap; nothing is sent",
				humanBytes(base.Size), humanBytes(in.MaxBytes))
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
		if c.Size+slack <= in.MaxBytes {
			attach = try
		} else {
			leftOut = append(leftOut, f)
		}
	}
	final, err := build(withCharts, attach, leftOut)
	if err != nil {
		return nil, err
	}
	if final.Size > in.MaxBytes {
		return nil, fmt.Errorf("reports: composed e-mail is %s, over the %s cap", humanBytes(final.Size), humanBytes(in.MaxBytes))
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

func buildMessage(in ComposeInput, images []inlineImage, attach []*attachmentFile, notes, attachedNames []string) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(in.From); err != nil {
		return nil, fmt.Errorf("reports: e-mail from %q: %w", in.From, err)
	}
	if err := m.To(in.To); err != nil {
		return nil, fmt.Errorf("reports: e-mail to %q: %w", in.To, err)
	}
	m.Subject(EmailSubject(in))
	m.SetMessageIDWithValue(in.MessageID)
	m.SetDateWithValue(in.Date)
	m.SetGenHeader(mail.HeaderUserAgent, "Accord")
	m.SetGenHeader("X-Accord-Run", strconv.FormatInt(in.RunID, 10))
	// Ask auto-responders (out-of-office) not to answer a report.
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	m.SetGenHeader("Auto-Submitted", "auto-generated")

	html, view, err := FittedEmailHTML(in, images, notes, attachedNames)
	if err != nil {
		return nil, err
	}
	m.SetBodyString(mail.TypeTextPlain, RenderEmailText(view))
	m.AddAlternativeString(mail.TypeTextHTML, html)
	for _, img := range images {
		if err := m.EmbedReader(img.File, bytes.NewReader(img.Data),
			mail.WithFileContentID("<"+img.cid+">"), mail.WithFileContentType("image/png")); err != nil {
			return nil, fmt.Errorf("reports: e-mail image %s: %w", img.File, err)
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
func EmailSubject(in ComposeInput) string {
	l := in.L
	date := in.AsOf.Format(time.DateOnly)
	job := format.CutText(in.Job, format.MaxSentenceDataRunes)
	var parts []string
	if w := in.D.Week; w != nil {
		if moves := w.TierUp + w.TierDown + w.TierOther; w.HasPrevious && moves > 0 {
			parts = append(parts, plural(l, "mail.subject_moves", moves))
		}
		newRising := 0
		for _, g := range w.Rising {
			if g.IsNew && w.PrevRising >= 0 {
				newRising++
			}
		}
		if w.HotspotsKnown && newRising > 0 {
			parts = append(parts, plural(l, "mail.subject_rising", int64(len(w.Rising))))
		}
		if w.OverdueKnown && w.HasPrevious && w.PrevOverdueKnown {
			if change := format.PctText(w.Overdue, w.PrevOverdue); change != "" {
				parts = append(parts, l.Getf("mail.subject_overdue",
					format.FormatMoneyShort(w.Overdue, in.Opt.CurrencySymbol, in.Opt.Language), change))
			}
		}
		if len(parts) == 0 && w.HasPrevious {
			parts = append(parts, l.Getf("mail.subject_no_change", w.PrevAsOf))
		}
	}
	key := "mail.subject"
	args := []any{job, date}
	if len(parts) > 0 {
		key = "mail.subject_headline"
		args = []any{job, strings.Join(parts, l.Get("mail.subject_sep")), date}
	}
	if in.Preview {
		key += "_preview"
	}
	return OneLine(l.Getf(key, args...))
}

// plural picks key_one for 1, else key, each with n.
func plural(l texts.Labels, key string, n int64) string {
	if n == 1 {
		return l.Getf(key+"_one", n)
	}
	return l.Getf(key, n)
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
	KPIs     []brief.Kpi
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

func BodyView(in ComposeInput, images []inlineImage, notes, attached []string) emailView {
	l, d := in.L, in.D
	lang := in.Opt.Language
	if lang == "" {
		lang = "en"
	}
	v := emailView{
		Lang:      lang,
		Title:     brief.ReportTitle(in.Opt, l),
		AsOf:      l.Getf("mail.as_of", in.AsOf.Format(time.DateOnly)),
		Notes:     notes,
		KPITitle:  l.Get("section.summary"),
		KPIs:      page.Kpis(d, l, in.Opt),
		Evidence:  []string{page.SpearmanLine(d, l), brief.ModelSummary(d, l)},
		Charts:    l.Get("section.charts"),
		Footer:    l.Getf("mail.footer_nowhere", in.RunID),
		WeekTitle: l.Get("week.title"),
	}
	switch {
	case in.Link != "":
		v.Footer, v.FooterLink = l.Getf("mail.footer_link", in.RunID), in.Link
	case in.Location != "":
		v.Footer = l.Getf("mail.footer", in.RunID, in.Location)
	}
	for _, s := range brief.WeekSentences(d, l, in.Opt) {
		v.Week = append(v.Week, s.HTML())
		v.WeekText = append(v.WeekText, s.Text())
	}
	if d.Filtered {
		v.Notes = append(v.Notes, l.Get("report.filtered"))
	}
	v.Notes = append(v.Notes, snapshot.MissingSourceNotes(d, l)...)
	for _, img := range images {
		v.Images = append(v.Images, emailImage{Src: template.URL("cid:" + img.cid), Alt: img.Alt, Width: img.Width, Height: img.height})
	}
	v.Tables = append(v.Tables, emailQueueTable(d, l), emailMoversTable(d, l), EmailHotspotTable(d, l),
		EmailOverdueTable(d, l, in.Opt))
	switch {
	case len(attached) > 0:
		v.Attached = l.Getf("mail.attached", strings.Join(attached, ", "))
	case in.Location != "":
		v.Attached = l.Getf("mail.nothing_attached", in.Location)
	default:
		v.Attached = l.Get("mail.nothing_attached_nowhere")
	}
	return v
}

// emailHTMLMaxBytes is the most the HTML part may be: Gmail clips a body
// over 102 KB and hides the rest behind "[Message clipped]".
const EmailHTMLMaxBytes = 100_000

// emailCellRunes are the tries at the longest data text an e-mail table
// cell or KPI shows (the attachments have every text whole): a body
// still over emailHTMLMaxBytes is tried again with the next, shorter cut.
var emailCellRunes = []int{80, 40, 20, 10}

// fittedEmailHTML renders the body with data texts cut to fit the HTML
// part under emailHTMLMaxBytes, saying so when anything was cut. Tables
// have at most emailQueueTopN, emailMoversTopN, emailHotspotsTopN and
// overdueTopN rows, so the cut bounds the size; if even the shortest cut
// is over, compose fails rather than send a clipped e-mail.
func FittedEmailHTML(in ComposeInput, images []inlineImage, notes, attached []string) (string, emailView, error) {
	var html string
	var size int
	for _, n := range emailCellRunes {
		v := BodyView(in, images, notes, attached)
		if cutEmailView(&v, n) {
			v.Cut = in.L.Getf("mail.cut", n)
		}
		var err error
		if html, err = RenderEmailHTML(v); err != nil {
			return "", v, err
		}
		if size = len(html); size <= EmailHTMLMaxBytes {
			return html, v, nil
		}
	}
	return "", emailView{}, fmt.Errorf("reports: e-mail HTML is %s even with texts cut to %d characters, over %s",
		humanBytes(int64(size)), emailCellRunes[len(emailCellRunes)-1], humanBytes(EmailHTMLMaxBytes))
}

// cutEmailView cuts every data text of the tables and KPIs to n runes
// (with an ellipsis) and cleans it (cleanText); it reports whether a text
// was cut.
func cutEmailView(v *emailView, n int) bool {
	cut := false
	c := func(s string) string {
		out := format.CutText(s, n)
		if out != format.CleanText(s) {
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

func emailQueueTable(d *snapshot.ReportData, l texts.Labels) emailTable {
	t := emailTable{Title: l.Get("section.service_queue"), Empty: l.Get("report.no_rows")}
	if d.Lacks("tickets") {
		t.Empty = l.Get("queue.not_available")
	}
	for _, c := range []string{"rank", "ticket_id", "name", "tier", "score", "severity", "age_days", "product_id", "component"} {
		t.Header = append(t.Header, l.Get("col."+c))
	}
	t.Numeric = []bool{true, false, false, false, true, true, true, false, false}
	for i, r := range d.Queue {
		if i == emailQueueTopN {
			break
		}
		t.Rows = append(t.Rows, []string{strconv.FormatInt(r.Rank, 10), r.TicketID, r.Name, r.Tier,
			format.FormatScore(r.Score), strconv.FormatInt(r.Severity, 10), strconv.FormatInt(r.AgeDays, 10), r.ProductID, r.Component})
	}
	if d.OpenTickets > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.Getf("mail.more", d.OpenTickets-int64(len(t.Rows)))
	}
	return t
}

// emailMoversTable lists the top tier changes since the previous run:
// d.movers holds tier changes first, largest moves first.
func emailMoversTable(d *snapshot.ReportData, l texts.Labels) emailTable {
	t := emailTable{Title: l.Get("mail.section_movers"), Empty: l.Get("mail.no_tier_changes")}
	t.Header = []string{l.Get("col.name"), l.Get("col.previous_tier"), l.Get("col.tier"), l.Get("col.change"),
		l.Get("col.top_up"), l.Get("col.top_down")}
	t.Numeric = []bool{false, false, false, true, false, false}
	for _, m := range d.Movers {
		if !m.TierChanged || len(t.Rows) == emailMoversTopN {
			break
		}
		t.Rows = append(t.Rows, []string{m.Name, m.PreviousTier, m.Tier, page.FormatSigned(m.Change), m.TopUp, m.TopDown})
	}
	if d.TierChanges > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.Getf("mail.more", d.TierChanges-int64(len(t.Rows)))
	}
	return t
}

func EmailHotspotTable(d *snapshot.ReportData, l texts.Labels) emailTable {
	// No group at all: the analysis could not run (as on the page).
	t := emailTable{Title: l.Get("mail.section_hotspots"), Empty: l.Get("hotspots.not_available")}
	for _, c := range []string{"rank", "product_name", "component", "region", "failures", "shrunk_rate_per_100_per_year", "rate_per_100_per_year"} {
		t.Header = append(t.Header, l.Get("col."+c))
	}
	t.Numeric = []bool{true, false, false, false, true, true, true}
	for i, h := range d.Hotspots {
		if i == EmailHotspotsTopN {
			break
		}
		product := h.ProductLabel()
		rank := ""
		if h.Rank > 0 {
			rank = strconv.FormatInt(h.Rank, 10)
		}
		if h.Rising {
			product += " ↑ " + l.Get("hotspots.rising_mark")
		}
		t.Rows = append(t.Rows, []string{rank, product, h.Component, h.Region, strconv.FormatInt(h.Failures, 10),
			snapshot.FormatRate(h.ShrunkRate, l), strconv.FormatFloat(h.RatePer100PerYear, 'f', 2, 64)})
	}
	if w := d.Week; w != nil && w.HotspotGroups > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.Getf("mail.more", w.HotspotGroups-int64(len(t.Rows)))
	}
	return t
}

func EmailOverdueTable(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) emailTable {
	t := emailTable{Title: l.Get("mail.section_overdue"), Empty: l.Get("mail.no_overdue")}
	if d.Lacks("ar_invoices") {
		t.Empty = l.Get("ar.not_available")
	}
	t.Header = []string{l.Get("col.name"), l.Get("col.tier"), l.Get("mail.col_overdue"), l.Get("col.d90_plus")}
	t.Numeric = []bool{false, false, true, true}
	for _, r := range d.Overdue {
		t.Rows = append(t.Rows, []string{r.Name, r.Tier, format.FormatMoney(r.Overdue, opt.CurrencySymbol), format.FormatMoney(r.D90Plus, opt.CurrencySymbol)})
	}
	if w := d.Week; w != nil && w.OverdueCustomers > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.Getf("mail.more", w.OverdueCustomers-int64(len(t.Rows)))
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

func RenderEmailHTML(v emailView) (string, error) {
	var buf bytes.Buffer
	if err := emailTemplate.Execute(&buf, v); err != nil {
		return "", fmt.Errorf("reports: render e-mail: %w", err)
	}
	return buf.String(), nil
}

// renderEmailText writes the plain-text alternative: the same content, for
// clients that show no HTML and for screen readers.
func RenderEmailText(v emailView) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(OneLine(s)); b.WriteString("\n") }
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
			line("  " + k.Label + ": " + brief.IsolateText(k.Value) + " (" + k.Change + ")")
		} else {
			line("  " + k.Label + ": " + brief.IsolateText(k.Value))
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
				cells[i] = brief.IsolateText(c)
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
func OneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029' || (r < 0x20) || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
