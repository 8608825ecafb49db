package page_test

import (
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/internal/reportstest"
	pagepkg "github.com/accordhq/accord/reports/page"

	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// libraryURLs are the only URLs the pinned echarts.min.js (5.6.0) contains,
// and none is ever fetched: four XML namespace names (identifiers passed to
// createElementNS / setAttributeNS) and two links inside license comments.
// A new library version that adds a URL fails the test until someone has
// checked that it is not loaded at run time (the browser test checks too).
var libraryURLs = []string{
	"http://www.apache.org/licenses/LICENSE-2.0",                // license comment
	"http://www.w3.org/1999/xlink",                              // namespace
	"http://www.w3.org/2000/svg",                                // namespace
	"http://www.w3.org/2000/xmlns/",                             // namespace
	"http://www.w3.org/XML/1998/namespace",                      // namespace
	"https://github.com/ecomfe/zrender/blob/master/LICENSE.txt", // license comment
}

// urlPattern finds URLs however they are quoted or escaped around them.
var urlPattern = regexp.MustCompile(`(?i)\b(?:https?|ftp|wss?)://[^\s"'<>\\&)]*`)

func TestPageOpensWithoutNetwork(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	page, err := os.ReadFile(reportstest.WriteFixture(t, db, reportstest.TestOptions).HTML)
	if err != nil {
		t.Fatal(err)
	}
	library, rest := reportstest.SplitPage(t, page)
	if !bytes.Equal(library, pagepkg.EchartsJS) {
		t.Error("the library is not inlined verbatim")
	}

	// The whole file, library included: every URL is an allowed namespace or
	// license link from the library, or the fixture's own data ("http://x"
	// inside the =HYPERLINK name), shown as text.
	for _, u := range urlPattern.FindAllString(string(library), -1) {
		if !slices.Contains(libraryURLs, u) {
			t.Errorf("library contains an unexpected URL %q", u)
		}
	}
	for _, u := range urlPattern.FindAllString(string(rest), -1) {
		if u != "http://x" {
			t.Errorf("page contains URL %q outside the library", u)
		}
	}
	// Nothing outside the library can load anything: no tag with a src, href,
	// data or action attribute, no CSS url() or @import. (Data cannot add a
	// tag: TestPageEscapesData checks that no raw "<" from data survives.)
	// Attribute values are left out: html/template quotes every one and
	// escapes any quote inside, so " src=" in a title (a long cell's text)
	// is text, not an attribute.
	tag := regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	attr := regexp.MustCompile(`(?i)\s(src|href|data|action|srcset|poster)\s*=`)
	value := regexp.MustCompile(`="[^"]*"`)
	for _, tg := range tag.FindAllString(string(rest), -1) {
		if attr.MatchString(value.ReplaceAllString(tg, `=""`)) {
			t.Errorf("page outside the library has a loading tag %s", tg)
		}
	}
	for _, bad := range []string{"url(", "@import"} {
		if bytes.Contains(bytes.ToLower(rest), []byte(bad)) {
			t.Errorf("page outside the library contains %q", bad)
		}
	}
}

func TestPageEscapesData(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	page, err := os.ReadFile(reportstest.WriteFixture(t, db, reportstest.TestOptions).HTML)
	if err != nil {
		t.Fatal(err)
	}
	_, rest := reportstest.SplitPage(t, page)

	// Exactly three script elements close: the tables' script, the library
	// and the chart code. A raw "</script>" from a customer name would add one.
	if n := bytes.Count(bytes.ToLower(page), []byte("</script")); n != 3 {
		t.Errorf("%d </script sequences in the page, want 3", n)
	}
	for _, raw := range []string{reportstest.NameScript, reportstest.NameImg, "<img", "<b>Bold</b>", `"Partners"`} {
		if bytes.Contains(rest, []byte(raw)) {
			t.Errorf("raw %q appears in the page", raw)
		}
	}
	// Tables show the names HTML-escaped.
	if !bytes.Contains(rest, []byte("&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;")) {
		t.Error("service queue does not show the script name escaped")
	}

	raw, specs := reportstest.ChartScript(t, page)
	if strings.Contains(raw, "__f__") {
		t.Error("chart options contain the go-echarts __f__ marker")
	}
	if strings.ContainsAny(raw, "<>") {
		t.Error("chart options contain a raw < or >")
	}
	var ids []string
	for _, s := range specs {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, pagepkg.ChartIDs) {
		t.Errorf("chart ids %q, want %q", ids, pagepkg.ChartIDs)
	}
	for _, id := range pagepkg.ChartIDs {
		if !bytes.Contains(rest, []byte(`<div id="`+id+`" class="chart"></div>`)) {
			t.Errorf("no container for %s", id)
		}
	}

	// The scatter carries every customer, named as chartLabel names them:
	// escaping is lossless, the JSON decodes back to the same text.
	var names []string
	series := specs[1].Option["series"].([]any)
	for _, s := range series {
		for _, p := range s.(map[string]any)["data"].([]any) {
			names = append(names, p.(map[string]any)["name"].(string))
		}
	}
	for _, n := range []string{reportstest.NameScript, reportstest.NameImg, reportstest.NameFormula, reportstest.NameFuncStr, reportstest.NameQuotes, reportstest.NameDDE} {
		if !slices.Contains(names, format.ChartLabel(n)) {
			t.Errorf("scatter lacks %q", format.ChartLabel(n))
		}
	}
	if len(names) != reportstest.FixtureRows["customer_value"] {
		t.Errorf("scatter has %d points, want %d", len(names), reportstest.FixtureRows["customer_value"])
	}
}

func TestPageIsDeterministic(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	a, err := os.ReadFile(reportstest.WriteFixture(t, db, reportstest.TestOptions).HTML)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(reportstest.WriteFixture(t, db, reportstest.TestOptions).HTML)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same data differ")
	}
	// And it changes when the data does, so the check above is not vacuous.
	if _, err := db.Exec("UPDATE customer_value SET score = 50 WHERE run_id = 2 AND customer_id = 'C1'"); err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile(reportstest.WriteFixture(t, db, reportstest.TestOptions).HTML)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Error("the page did not change with the data")
	}
}

func TestPageChinese(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	opt := reportstest.TestOptions
	opt.Language = "zh-CN"
	opt.Title = ""
	page, err := os.ReadFile(reportstest.WriteFixture(t, db, opt).HTML)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="zh-CN">`, "<title>每周客户价值报告</title>", "已评分客户数", "¥10,003,336.31",
		"本次运行使用的模型", "使用的标准化方法（指标个数）：百分位（4）", "越低越好", "伙伴（高价值、高成本）", "控制总数"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("zh-CN page lacks %q", want)
		}
	}
	_, specs := reportstest.ChartScript(t, page)
	if title := specs[0].Option["title"].(map[string]any)["text"]; title != "自上次运行以来的等级变动" {
		t.Errorf("zh-CN chart title %q", title)
	}
}

// TestEmbeddedLibraryIsThePinnedOne ties the embedded file to the hash that
// assets/fetch.sh pins, so a hand-copied or stale file fails here.
func TestEmbeddedLibraryIsThePinnedOne(t *testing.T) {
	script, err := os.ReadFile("../assets/fetch.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`ECHARTS_MIN_SHA256-([0-9a-f]{64})`).FindSubmatch(script)
	if m == nil {
		t.Fatal("fetch.sh pins no sha256")
	}
	sum := sha256.Sum256(pagepkg.EchartsJS)
	if got := hex.EncodeToString(sum[:]); got != string(m[1]) {
		t.Errorf("embedded echarts.min.js has sha256 %s, fetch.sh pins %s", got, m[1])
	}
	if err := pagepkg.CheckInlineScript(pagepkg.EchartsJS); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"</SCRIPT>", "a<!--b"} {
		if pagepkg.CheckInlineScript([]byte(bad)) == nil {
			t.Errorf("checkInlineScript accepted %q", bad)
		}
	}
}

// The receivables section shows ar_kpis in order, portfolio first, with the
// fixture's hand-derived figures (fixture_test.go): open ¥10,003,336.31,
// DSO 45.015… shown 45.0, on-time 2650/4000 = 66.25% shown 66.3%, and tier
// D's DSO, NULL for want of credit sales, as n/a rather than 0. The summary
// cards carry the portfolio DSO and on-time rate.
func TestPageReceivablesKpis(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	page, err := os.ReadFile(reportstest.WriteFixture(t, db, reportstest.TestOptions).HTML)
	if err != nil {
		t.Fatal(err)
	}
	_, rest := reportstest.SplitPage(t, page)
	start := bytes.Index(rest, []byte(`<h2 id="receivables">`))
	end := bytes.Index(rest, []byte(`<h2 id="reconciliation">`))
	if start < 0 || end < start {
		t.Fatalf("no receivables section before the reconciliation (%d, %d)", start, end)
	}
	section := string(rest[start:end])
	cells := regexp.MustCompile(`<tr>(?s:(.*?))</tr>`).FindAllStringSubmatch(section, -1)
	var rows [][]string
	for _, c := range cells {
		var row []string
		for _, td := range regexp.MustCompile(`<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(c[1], -1) {
			row = append(row, td[1])
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
	}
	if len(rows) != 6 {
		t.Fatalf("%d KPI rows, want 6 (portfolio, A, B, C, D, unrated):\n%s", len(rows), section)
	}
	// scope, open, current, overdue, overdue share, DSO, best, ADD, CEI, on time, open invoices
	if want := []string{"Portfolio", "¥10,003,336.31", "¥1,500.25", "¥10,001,836.06", "100.0%", "45.0", "0.0", "45.0", "50.0", "66.3%", "6"}; !slices.Equal(rows[0], want) {
		t.Errorf("portfolio row %q, want %q", rows[0], want)
	}
	if rows[4][0] != "Tier D" || rows[4][5] != "n/a" || rows[4][8] != "0.0" {
		t.Errorf("tier D row %q, want DSO n/a and CEI 0.0", rows[4])
	}
	for _, card := range []string{`<div class="l">DSO, 90 days</div><div class="v">45.0</div>`,
		`<div class="l">Paid on time, 90 days</div><div class="v">66.3%</div>`} {
		if !bytes.Contains(rest, []byte(card)) {
			t.Errorf("summary lacks %s", card)
		}
	}
}
