package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/reports/delivery"
)

// Issue 10: the demo with each optional source removed in turn. Every run
// succeeds, and every output (weekly.html, hotspots.html, weekly.xlsx, the
// e-mail body) names what is missing; no section of an analysis that could
// not run shows a 0, "0 failures", "none" or a tie.
//
// The expected texts are the product's English labels (reports/i18n.go):
// "nosource.*" (the summary sentence naming the source and what it takes
// away), "na.no_source" (a KPI without its source), "queue.not_available",
// "ar.not_available", "drain.no_tickets", "hotspots.not_available",
// "hotspots.units_from_billing", "unsupported.no_products",
// "unsupported.no_tickets"; which result needs which source is the README
// table "What Accord needs for each result". Each summary sentence is also
// checked absent from the runs that have its source, so a note shown
// always (or never) fails the test.

// optionalCase is one run with sources removed from the example config.
type optionalCase struct {
	name   string
	drop   []string // keys removed under sources:
	note   string   // start of the summary sentence naming the missing source
	checks func(t *testing.T, o *optionalOutputs)
}

// optionalOutputs is what one run wrote, as a reader sees it.
type optionalOutputs struct {
	page, pageText string // weekly.html: markup, and its text
	hotspots       string // hotspots.html text
	wb             *excelize.File
	mailHTML       string // e-mail HTML part, tags removed and unescaped
	mailText       string // e-mail text part
}

// The summary sentences (labels nosource.*), by case.
var optionalNotes = map[string]string{
	"tickets":        "No tickets source in this run: hot-spots, the service queue",
	"installed_base": "No installed_base source in this run: hot-spot rates use installed units derived from product billing lines",
	"receivables":    "No receivables sources (ar_invoices, ar_payments) in this run",
	"surveys":        "No surveys source in this run: referral counts referred customers only",
	"activities":     "No activities source in this run: proactive communication is not available",
	"products":       "No products source in this run: products are shown by their ID, and past end of support is not checked",
}

func TestOptionalSourcesRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("six end-to-end runs")
	}
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--out", filepath.Join(dir, "demo"), "--customers", "300",
		"--seed", "7", "--as-of", "2026-11-27"}, &out, &errOut, clock); code != 0 {
		t.Fatalf("demo exited %d: %s", code, errOut.String())
	}
	raw, err := os.ReadFile("../../config/accord.example.yaml")
	if err != nil {
		t.Fatal(err)
	}

	cases := []optionalCase{
		{name: "tickets", drop: []string{"tickets"}, checks: checkNoTickets},
		{name: "installed_base", drop: []string{"installed_base"}, checks: checkNoInstalledBase},
		{name: "receivables", drop: []string{"ar_invoices", "ar_payments"}, checks: checkNoReceivables},
		{name: "surveys", drop: []string{"surveys"}, checks: func(t *testing.T, o *optionalOutputs) {
			// Surveys feed referral (NPS promoters) and satisfaction per
			// cost (NPS when a ticket has no CSAT); both keep other data,
			// so the run says what they lack (the summary sentence).
		}},
		{name: "activities", drop: []string{"activities"}, checks: checkNoActivities},
		{name: "products", drop: []string{"products"}, checks: checkNoProducts},
	}
	for _, c := range cases {
		c.note = optionalNotes[c.name]
		t.Run(c.name, func(t *testing.T) {
			o := runWithout(t, dir, string(raw), c)
			// (b) the summary of page, workbook and e-mail names the source.
			summary := sheetText(t, o.wb, "Summary")
			for where, text := range map[string]string{"weekly.html": o.pageText, "workbook Summary": summary,
				"e-mail HTML": o.mailHTML, "e-mail text": o.mailText} {
				if !strings.Contains(text, c.note) {
					t.Errorf("%s does not name the missing source: want %q", where, c.note)
				}
				// Every other case's source is present: its sentence must not show.
				for other, note := range optionalNotes {
					if other != c.name && strings.Contains(text, note) {
						t.Errorf("%s says %q, but that source is in this run", where, note)
					}
				}
			}
			c.checks(t, o)
		})
	}
}

// runWithout runs `accord run` on the demo with the case's sources removed
// from the config, into its own database and report folder, and reads the
// outputs.
func runWithout(t *testing.T, dir, raw string, c optionalCase) *optionalOutputs {
	t.Helper()
	cfg := dropSources(t, raw, c.drop)
	cfg = strings.NewReplacer("inputs_dir: ../data/demo", "inputs_dir: demo",
		"database: ../data/accord.duckdb", "database: "+c.name+".duckdb",
		"out_dir: ../data/reports", "out_dir: reports-"+c.name).Replace(cfg)
	cfgPath := filepath.Join(dir, c.name+".yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	parsed, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// Only the dropped sources are gone: the example maps nine.
	for _, s := range c.drop {
		if _, ok := parsed.Sources[s]; ok {
			t.Fatalf("the config still maps %s", s)
		}
	}
	if len(parsed.Sources) != 9-len(c.drop) {
		t.Fatalf("the config maps %d sources after dropping %v, want %d", len(parsed.Sources), c.drop, 9-len(c.drop))
	}
	// (a) the run succeeds.
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"run", "--config", cfgPath, "--as-of", "2026-11-27"}, &out, &errOut, clock); code != 0 {
		t.Fatalf("run without %v exited %d: %s", c.drop, code, errOut.String())
	}
	repDir := filepath.Join(dir, "reports-"+c.name, "2026-11-27")
	o := &optionalOutputs{}
	page, err := os.ReadFile(filepath.Join(repDir, "weekly.html"))
	if err != nil {
		t.Fatal(err)
	}
	o.page, o.pageText = string(page), htmlText(string(page))
	hs, err := os.ReadFile(filepath.Join(repDir, "hotspots.html"))
	if err != nil {
		t.Fatal(err)
	}
	o.hotspots = htmlText(string(hs))
	if o.wb, err = excelize.OpenFile(filepath.Join(repDir, "weekly.xlsx")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.wb.Close() })

	db, err := sql.Open("duckdb", filepath.Join(dir, c.name+".duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var runID int64
	if err := db.QueryRow("SELECT max(run_id) FROM runs WHERE status = 'succeeded'").Scan(&runID); err != nil {
		t.Fatal(err)
	}
	mailHTML, mailText, err := delivery.EmailBody(context.Background(), db, parsed, runID, e2eAsOf,
		filepath.Join(t.TempDir(), "mail"), "en", "")
	if err != nil {
		t.Fatal(err)
	}
	o.mailHTML, o.mailText = htmlText(mailHTML), mailText
	return o
}

// dropSources removes the entries of names under sources: from the YAML
// text: an entry is its "  name:" line and the more indented lines after it.
func dropSources(t *testing.T, raw string, names []string) string {
	t.Helper()
	var kept []string
	inSources, skipping := false, false
	removed := map[string]bool{}
	for _, line := range strings.Split(raw, "\n") {
		switch {
		case strings.HasPrefix(line, "sources:"):
			inSources = true
		case inSources && line != "" && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "#"):
			inSources, skipping = false, false
		}
		if inSources && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") {
			key := strings.TrimSuffix(strings.TrimSpace(line), ":")
			skipping = false
			for _, n := range names {
				if key == n {
					skipping, removed[n] = true, true
				}
			}
		}
		if !skipping {
			kept = append(kept, line)
		}
	}
	for _, n := range names {
		if !removed[n] {
			t.Fatalf("the example config has no source %s", n)
		}
	}
	return strings.Join(kept, "\n")
}

var (
	scriptRE = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`)
	tagRE    = regexp.MustCompile(`<[^>]*>`)
	spaceRE  = regexp.MustCompile(`\s+`)
	kpiRE    = regexp.MustCompile(`<div class="l">([^<]*)</div><div class="v"[^>]*>([^<]*)</div>`)
	cellRE   = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
	rowRE    = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
)

// htmlText is a page's visible text on one line, unescaped.
func htmlText(s string) string {
	s = scriptRE.ReplaceAllString(s, " ")
	s = tagRE.ReplaceAllString(s, " ")
	return spaceRE.ReplaceAllString(html.UnescapeString(s), " ")
}

// pageSection is the markup of weekly.html's section with this id, up to
// the next section heading.
func pageSection(t *testing.T, page, id string) string {
	t.Helper()
	start := strings.Index(page, `<h2 id="`+id+`">`)
	if start < 0 {
		t.Fatalf("weekly.html has no section %s", id)
	}
	rest := page[start+1:]
	if end := strings.Index(rest, "<h2"); end >= 0 {
		rest = rest[:end]
	} else if end := strings.Index(rest, "<footer"); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// pageKPI is the value of the summary figure with this label.
func pageKPI(t *testing.T, page, label string) string {
	t.Helper()
	for _, m := range kpiRE.FindAllStringSubmatch(page, -1) {
		if html.UnescapeString(m[1]) == label {
			return html.UnescapeString(m[2])
		}
	}
	t.Fatalf("weekly.html has no summary figure %q", label)
	return ""
}

// tableColumn is every cell under the header name in the section's tables.
func tableColumn(section, name string) []string {
	var out []string
	col := -1
	for _, r := range rowRE.FindAllStringSubmatch(section, -1) {
		cells := cellRE.FindAllStringSubmatch(r[1], -1)
		if strings.Contains(r[1], "<th") {
			col = -1
			for i, c := range cells {
				if htmlText(c[1]) == " "+name+" " || strings.TrimSpace(htmlText(c[1])) == name {
					col = i
				}
			}
			continue
		}
		if col >= 0 && col < len(cells) {
			out = append(out, strings.TrimSpace(htmlText(cells[col][1])))
		}
	}
	return out
}

// tableRows is every body row of the section's tables, cells as text.
func tableRows(section string) [][]string {
	var out [][]string
	for _, r := range rowRE.FindAllStringSubmatch(section, -1) {
		if strings.Contains(r[1], "<th") {
			continue
		}
		var row []string
		for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
			row = append(row, strings.TrimSpace(htmlText(c[1])))
		}
		out = append(out, row)
	}
	return out
}

func sheetRows(t *testing.T, wb *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := wb.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

func sheetText(t *testing.T, wb *excelize.File, sheet string) string {
	var b strings.Builder
	for _, r := range sheetRows(t, wb, sheet) {
		b.WriteString(strings.Join(r, " | "))
		b.WriteString("\n")
	}
	return b.String()
}

// summaryValue is the Summary sheet's value of the item with this label.
func summaryValue(t *testing.T, wb *excelize.File, label string) string {
	t.Helper()
	for _, r := range sheetRows(t, wb, "Summary") {
		if len(r) >= 2 && r[0] == label {
			return r[1]
		}
	}
	t.Fatalf("Summary sheet has no item %q", label)
	return ""
}

// mailLine is the e-mail text part's line "  label: value", its value.
func mailLine(t *testing.T, text, label string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, "  "+label+": "); ok {
			return v
		}
	}
	t.Fatalf("e-mail text has no line %q", label)
	return ""
}

// mailSection is the e-mail text part from the line title to the next
// blank line.
func mailSection(t *testing.T, text, title string) string {
	t.Helper()
	i := strings.Index(text, "\n"+title+"\n")
	if i < 0 {
		t.Fatalf("e-mail text has no section %q", title)
	}
	rest := text[i+1:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// wantNA checks a figure reads "not available: no <source> source in this
// run" (label na.no_source), not a 0 or "none".
func wantNA(t *testing.T, where, got, source string) {
	t.Helper()
	want := "not available: no " + source + " source in this run"
	if got != want {
		t.Errorf("%s = %q, want %q", where, got, want)
	}
}

// Without tickets: no hot-spots, no service queue, no service cost, no
// ease of coordination or satisfaction per cost (README table), and no
// ticket counts on what cannot be supported.
func checkNoTickets(t *testing.T, o *optionalOutputs) {
	// Charts: value vs cost places no customer (cost unknown, not 0); both
	// it and the Pareto say why.
	assertChartSaysWhy(t, o.page, "chart_value_cost", "not available: no tickets source in this run", true)
	assertChartSaysWhy(t, o.page, "chart_pareto", "not available: no tickets source in this run", false)
	na := func(where, got string) { wantNA(t, where, got, "tickets") }
	na("weekly.html Top failure hot-spot", pageKPI(t, o.page, "Top failure hot-spot"))
	na("weekly.html Open tickets in the queue", pageKPI(t, o.page, "Open tickets in the queue"))
	na("Summary sheet Top failure hot-spot", summaryValue(t, o.wb, "Top failure hot-spot"))
	na("Summary sheet Open tickets in the queue", summaryValue(t, o.wb, "Open tickets in the queue"))
	na("e-mail Top failure hot-spot", mailLine(t, o.mailText, "Top failure hot-spot"))
	na("e-mail Open tickets in the queue", mailLine(t, o.mailText, "Open tickets in the queue"))

	// Service queue: the reason (queue.not_available), not "No rows".
	const queueNA = "Not available: no tickets source in this run, so there are no open tickets to rank."
	if s := htmlText(pageSection(t, o.page, "service-queue")); !strings.Contains(s, queueNA) {
		t.Errorf("weekly.html service queue: %q, want %q", s, queueNA)
	}
	if s := mailSection(t, o.mailText, "Top of the service queue"); !strings.Contains(s, queueNA) {
		t.Errorf("e-mail service queue: %q, want %q", s, queueNA)
	}

	// Hot-spots: not available with the reason naming tickets
	// (hotspots.not_available), on both pages and in the e-mail.
	const hsNA = "hot-spots need the tickets source"
	hsSection := pageSection(t, o.page, "hotspots")
	for where, text := range map[string]string{"weekly.html hot-spots": htmlText(hsSection), "hotspots.html": o.hotspots,
		"e-mail hot-spots": mailSection(t, o.mailText, "Top failure hot-spots")} {
		if !strings.Contains(text, hsNA) {
			t.Errorf("%s does not say hot-spots need tickets", where)
		}
	}
	for where, text := range map[string]string{"weekly.html hot-spots": htmlText(hsSection), "hotspots.html": o.hotspots} {
		if !strings.Contains(text, "Tickets resolved unsupported are not checked: no tickets source in this run") {
			t.Errorf("%s does not say unsupported tickets are not checked", where)
		}
	}
	// Tickets since end of support cannot be counted: n/a, never 0.
	for _, v := range tableColumn(hsSection, "Tickets since end of support") {
		if v != "n/a" {
			t.Errorf("weekly.html: tickets since end of support %q without tickets, want n/a", v)
			break
		}
	}

	// Drain: service cost is unknown; cost and value-added profit are n/a
	// and the note names tickets (drain.no_tickets).
	drain := pageSection(t, o.page, "drain")
	if !strings.Contains(htmlText(drain), "Service cost is not available: no tickets source in this run") {
		t.Error("weekly.html drain section does not say service cost needs tickets")
	}
	for _, col := range []string{"Service cost 12m", "Value-added profit"} {
		vals := tableColumn(drain, col)
		if len(vals) == 0 {
			t.Errorf("weekly.html drain: no column %q", col)
		}
		for _, v := range vals {
			if v != "n/a" {
				t.Errorf("weekly.html drain %s = %q without tickets, want n/a", col, v)
				break
			}
		}
	}

	// Evidence: moving service_effect's weight cannot change a tier when
	// none of its indicators has data: n/a with the reason, not 0.
	for _, r := range tableRows(pageSection(t, o.page, "evidence")) {
		if len(r) == 4 && strings.Contains(r[1], "service_effect") {
			if r[2] != "n/a" || !strings.HasPrefix(r[3], "not available: no indicator of group service_effect has data") {
				t.Errorf("weekly.html evidence %q = %q (%q), want n/a with the reason", r[1], r[2], r[3])
			}
		}
	}
	// The model says its two indicators are not available.
	checkUnavailable(t, o, "ease_of_coordination", "satisfaction_per_cost")
}

// Without installed_base: units come from product billing lines (README:
// "installed units from installed_base or product billing lines"), and
// every output says so; hot-spots still run.
func checkNoInstalledBase(t *testing.T, o *optionalOutputs) {
	const note = "Installed units come from product billing lines: no installed_base source in this run."
	if !strings.Contains(htmlText(pageSection(t, o.page, "hotspots")), note) {
		t.Error("weekly.html hot-spots do not say where installed units come from")
	}
	if !strings.Contains(o.hotspots, note) {
		t.Error("hotspots.html does not say where installed units come from")
	}
	if strings.Contains(o.pageText, "hot-spots need the tickets source") {
		t.Error("hot-spots are called not available, but tickets are loaded")
	}
}

// Without ar_invoices and ar_payments: no receivable figures, no KPIs or
// aging, the three ledger checks not checked, no on-time lift.
func checkNoReceivables(t *testing.T, o *optionalOutputs) {
	assertChartSaysWhy(t, o.page, "chart_aging", "not available: no ar_invoices source in this run", true)
	na := func(where, got string) { wantNA(t, where, got, "ar_invoices") }
	for _, label := range []string{"Total open receivables", "Overdue more than 90 days", "DSO, 90 days", "Paid on time, 90 days"} {
		na("weekly.html "+label, pageKPI(t, o.page, label))
		na("e-mail "+label, mailLine(t, o.mailText, label))
	}
	for _, label := range []string{"Total open receivables", "Overdue more than 90 days"} {
		na("Summary sheet "+label, summaryValue(t, o.wb, label))
	}
	const arNA = "Not available: no ar_invoices source in this run, so there are no receivables KPIs or aging."
	ar := pageSection(t, o.page, "receivables")
	if !strings.Contains(htmlText(ar), arNA) || strings.Contains(ar, "<td") {
		t.Errorf("weekly.html receivables: %q, want only %q", htmlText(ar), arNA)
	}
	if s := mailSection(t, o.mailText, "Most overdue receivables"); !strings.Contains(s, arNA) {
		t.Errorf("e-mail most overdue receivables: %q, want %q", s, arNA)
	}
	// The KPI and aging sheets hold no rows of zeros: header only.
	for _, sheet := range []string{"Receivables KPIs", "Aging"} {
		if rows := sheetRows(t, o.wb, sheet); len(rows) != 1 {
			t.Errorf("sheet %s has %d rows without receivables, want the header only", sheet, len(rows))
		}
	}

	// Reconciliation: the three checks that need the ledger (README) are
	// not checked with the reason, on the page and the sheet; neither
	// shows totals, 0 exceptions or a tie for them.
	ledgerChecks := map[string]bool{"billing_vs_ledger": true, "open_vs_ledger": true, "payments_vs_invoices": true}
	recon := pageSection(t, o.page, "reconciliation")
	seen := 0
	for _, r := range tableRows(recon) {
		if len(r) != 7 || !ledgerChecks[r[0]] {
			continue
		}
		seen++
		for i, c := range r[1:] {
			if !strings.HasPrefix(c, "not checked: no ar_invoices source is configured") {
				t.Errorf("weekly.html control totals %s column %d = %q, want not checked with the reason", r[0], i+2, c)
			}
		}
	}
	if seen != 3 {
		t.Errorf("weekly.html control totals: %d rows of the ledger checks, want 3", seen)
	}
	rows := sheetRows(t, o.wb, "Reconciliation")
	seen = 0
	for _, r := range rows[1:] {
		if len(r) < 2 || !ledgerChecks[r[1]] {
			continue
		}
		seen++
		for i := 5; i <= 10 && i < len(r); i++ {
			if r[i] != "" {
				t.Errorf("Reconciliation sheet %s column %s = %q for a check not checked, want empty", r[1], rows[0][i], r[i])
			}
		}
		if len(r) < 12 || !strings.HasPrefix(r[11], "no ar_invoices source is configured") {
			t.Errorf("Reconciliation sheet %s: no reason it was not checked (%q)", r[1], r)
		}
	}
	if seen != 3 {
		t.Errorf("Reconciliation sheet: %d control total rows of the ledger checks, want 3", seen)
	}

	// Evidence: the on-time lift needs the ledger.
	found := false
	for _, r := range tableRows(pageSection(t, o.page, "evidence")) {
		if len(r) == 4 && strings.Contains(r[1], "paid on time") {
			found = true
			if r[2] != "n/a" || r[3] != "not available: no ar_invoices source is configured" {
				t.Errorf("weekly.html evidence %q = %q (%q), want n/a, not available: no ar_invoices source is configured", r[1], r[2], r[3])
			}
		}
	}
	if !found {
		t.Error("weekly.html evidence has no paid-on-time lift row")
	}
	checkUnavailable(t, o, "collection_timeliness")
}

func checkNoActivities(t *testing.T, o *optionalOutputs) {
	checkUnavailable(t, o, "proactive_communication")
}

// Without products: end of support cannot be checked (it needs
// products.supported_until), and both pages say so.
func checkNoProducts(t *testing.T, o *optionalOutputs) {
	const note = "Past end of support is not checked: no products source in this run"
	if !strings.Contains(htmlText(pageSection(t, o.page, "hotspots")), note) {
		t.Error("weekly.html does not say end of support is not checked")
	}
	if !strings.Contains(o.hotspots, note) {
		t.Error("hotspots.html does not say end of support is not checked")
	}
	// The check did not run, so no row may claim a customer past support
	// (label unsupported.past_support in the Reason column).
	for _, v := range tableColumn(pageSection(t, o.page, "hotspots"), "Reason") {
		if v == "Past end of support" {
			t.Error("weekly.html lists a customer past end of support without products")
			break
		}
	}
}

// checkUnavailable: the model section marks each indicator not available
// (its source missing), and no other.
func checkUnavailable(t *testing.T, o *optionalOutputs, indicators ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, i := range indicators {
		want[i] = true
	}
	rows := tableRows(pageSection(t, o.page, "model"))
	if len(rows) == 0 {
		t.Fatal("weekly.html model section has no rows")
	}
	for _, r := range rows {
		if len(r) < 11 {
			continue
		}
		if got := r[len(r)-1]; (got == "no") != want[r[3]] {
			t.Errorf("weekly.html model: %s available %q, want no = %v", r[3], got, want[r[3]])
		}
	}
	if !strings.Contains(htmlText(pageSection(t, o.page, "model")), "An indicator marked not available had no configured source in this run") {
		t.Error("weekly.html model section does not explain not available")
	}
}

// pageCharts reads the chart options the page's script draws (the JSON
// after "var specs = "), by chart id.
func pageCharts(t *testing.T, page string) map[string]map[string]any {
	t.Helper()
	_, rest, ok := strings.Cut(page, "var specs = ")
	if !ok {
		t.Fatal("weekly.html has no chart specs")
	}
	var specs []struct {
		ID     string         `json:"id"`
		Option map[string]any `json:"option"`
	}
	if err := json.NewDecoder(strings.NewReader(rest)).Decode(&specs); err != nil {
		t.Fatalf("chart specs: %v", err)
	}
	out := map[string]map[string]any{}
	for _, s := range specs {
		out[s.ID] = s.Option
	}
	return out
}

// assertChartSaysWhy checks a chart's subtitle gives the reason and, when
// points is set, that it plots no data (an unknown value is not drawn as 0).
func assertChartSaysWhy(t *testing.T, page, id, why string, points bool) {
	t.Helper()
	opt := pageCharts(t, page)[id]
	if opt == nil {
		t.Fatalf("no chart %s", id)
	}
	raw, _ := json.Marshal(opt["title"])
	if !strings.Contains(string(raw), `"subtext":"`+why) {
		t.Errorf("chart %s title %s does not say %q", id, raw, why)
	}
	if !points {
		return
	}
	series, _ := opt["series"].([]any)
	for _, s := range series {
		if m, ok := s.(map[string]any); ok {
			if data, _ := m["data"].([]any); len(data) > 0 {
				t.Errorf("chart %s draws %d points of series %v without the data", id, len(data), m["name"])
			}
		}
	}
}
