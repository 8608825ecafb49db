package delivery_test

import (
	"github.com/accordhq/accord/reports/brief"
	"github.com/accordhq/accord/reports/delivery"
	"github.com/accordhq/accord/reports/email"
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestEmailHostileFixture: customer C2 (in the rep's filter) and product
// P1 get hostileName, and the run is delivered through mailpit to the
// zh-CN managers (unfiltered) and the English rep (filtered). Each HTML
// part is under 100 KB (Gmail clips at 102 KB) and says texts were cut;
// the name is escaped, never raw markup; the NUL is gone from both parts;
// the override is isolated (inside <bdi> or a dir="auto" cell in HTML,
// between FSI and PDI in text). Rendered in headless Chromium, the body
// shows its title and footer (nothing swallowed it) and ran nothing.
func TestEmailHostileFixture(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	for _, q := range []string{
		`UPDATE customer_value SET name = $1 WHERE customer_id = 'C2'`,
		`UPDATE service_queue SET name = $1 WHERE customer_id = 'C2'`,
		`UPDATE movers SET name = $1 WHERE customer_id = 'C2'`,
		`UPDATE ar_aging SET name = $1 WHERE customer_id = 'C2'`,
		`UPDATE hotspots SET product_name = $1 WHERE product_id = 'P1'`,
	} {
		if _, err := db.Exec(q, reportstest.HostileName); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var stored int
	if err := db.QueryRow(`SELECT length(name) FROM customer_value WHERE customer_id = 'C2' AND run_id = 2`).Scan(&stored); err != nil || stored != len([]rune(reportstest.HostileName)) {
		t.Fatalf("hostile name stored with %d characters (%v), want %d", stored, err, len([]rune(reportstest.HostileName)))
	}
	cfg, job := deliveryConfig()
	cfg.Reports.BaseURL = "https://reports.example.com/accord"
	d, _ := testDeliverer(mp.SmtpAddr)
	rep := deliver(t, d, db, cfg, job, filepath.Join(t.TempDir(), "2026-11-27"))
	if !rep.OK() {
		t.Fatalf("delivery not OK: %+v", rep)
	}
	ctx := reportstest.Browser(t)
	for _, addr := range []string{manager1, repAddr} {
		s := mp.To(addr)[0]
		_, msg := checkMessage(t, mp, s, []string{"weekly.xlsx", "weekly.html"})
		if n := len(msg.HTML); n >= email.EmailHTMLMaxBytes || n < 5000 {
			t.Errorf("%s: HTML part is %d bytes, want under %d", addr, n, email.EmailHTMLMaxBytes)
		}
		for part, body := range map[string]string{"HTML": msg.HTML, "text": msg.Text} {
			if strings.Contains(body, "\x00") {
				t.Errorf("%s: %s part carries a NUL", addr, part)
			}
			if strings.Contains(body, strings.Repeat("W", 100)) {
				t.Errorf("%s: %s part carries the name uncut", addr, part)
			}
		}
		if strings.Contains(msg.HTML, "<script") || !strings.Contains(msg.HTML, "&lt;/script&gt;") {
			t.Errorf("%s: the name is not escaped in the HTML part", addr)
		}
		// Every U+202E is inside an isolating element.
		if all, isolated := strings.Count(msg.HTML, "\u202e"),
			len(regexp.MustCompile(`<(?:bdi|td dir="auto"[^>]*)>(?:&[a-z#0-9]+;|[^<])*\x{202e}`).FindAllString(msg.HTML, -1)); all == 0 || all != isolated {
			t.Errorf("%s: %d right-to-left overrides in the HTML, %d of them isolated", addr, all, isolated)
		}
		if all, isolated := strings.Count(msg.Text, "\u202e"), strings.Count(msg.Text, "\u2068\u202e"); all == 0 || all != isolated {
			t.Errorf("%s: %d right-to-left overrides in the text, %d of them isolated", addr, all, isolated)
		}
		if !strings.Contains(msg.HTML, "cut to") && !strings.Contains(msg.HTML, "截断") {
			t.Errorf("%s: the body does not say texts were cut", addr)
		}

		p := filepath.Join(t.TempDir(), "mail.html")
		if err := os.WriteFile(p, []byte(msg.HTML), 0o644); err != nil {
			t.Fatal(err)
		}
		tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		if err := chromedp.Do(tctx, chromedp.Navigate(reportstest.FileURL(p))); err != nil {
			cancel()
			t.Fatal(err)
		}
		type rendered struct {
			H1     string `json:"h1"`
			Footer string `json:"footer"`
			Pwned  bool   `json:"pwned"`
		}
		r, err := chromedp.Run(tctx, chromedp.Evaluate[rendered](`(() => {
			const ps = document.querySelectorAll("p");
			return {h1: document.querySelector("h1").innerText, footer: ps[ps.length-1].innerText,
			        pwned: window.__pwned !== undefined};
		})()`))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		h1, footer, pwned := r.H1, r.Footer, r.Pwned
		if h1 != cfg.Reports.Title || !strings.Contains(footer, "Accord") || pwned {
			t.Errorf("%s: rendered h1 %q, footer %q, pwned %v", addr, h1, footer, pwned)
		}
		if !strings.Contains(footer, "https://reports.example.com/accord/2026-11-27/mail/") {
			t.Errorf("%s: footer %q does not link the recipient's report", addr, footer)
		}
	}
}

// TestEmailSubjectHeadline: the subject names what changed since the
// previous run, from the fixture (week_test.go works the numbers out):
// 3 tier moves, P1 newly rising, overdue 10,001,836.06 against 999.00 =
// ▲1,001,085% (¥10.0M; in Chinese ¥1,000.2万: 10001836.06 / 10000 =
// 1000.18…). A run with no change says so; a first run carries only the
// job and the date; a filtered recipient's counts are its own.
func TestEmailSubjectHeadline(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	subject := func(runID int64, lang string, sc snapshot.Scope) string {
		t.Helper()
		l, _ := texts.LabelsFor(lang)
		d, err := snapshot.LoadReportData(context.Background(), db, runID, sc)
		if err != nil {
			t.Fatal(err)
		}
		opt := reportstest.TestOptions
		opt.Language = lang
		var asOf time.Time
		if err := db.QueryRow(`SELECT max(as_of) FROM customer_value WHERE run_id = $1`, runID).Scan(&asOf); err != nil {
			t.Fatal(err)
		}
		return email.EmailSubject(email.ComposeInput{D: d, L: l, Opt: opt, AsOf: asOf, Job: "weekly"})
	}
	for _, c := range []struct{ lang, want string }{
		{"en", "weekly: 3 tier moves, 1 rising hot-spot, overdue ¥10.0M ▲1,001,085% — as of 2026-11-27"},
		{"zh-CN", "weekly：3 位客户等级变化，1 个上升故障热点，逾期 ¥1,000.2万 ▲1,001,085% — 数据截至 2026-11-27"},
	} {
		if got := subject(reportstest.FixtureRun, c.lang, snapshot.Scope{}); got != c.want {
			t.Errorf("%s subject %q, want %q", c.lang, got, c.want)
		}
	}
	sc, err := snapshot.ApplyFilter(context.Background(), db, reportstest.FixtureRun, reportstest.RepFilter)
	if err != nil {
		t.Fatal(err)
	}
	// The rep's customers C2 and C5 moved; its overdue (C2's 1,534.89) was
	// nothing at the last run, so there is no percent, only the arrow.
	if got, want := subject(reportstest.FixtureRun, "en", sc), "weekly: 2 tier moves, 1 rising hot-spot, overdue ¥1.5K ▲ — as of 2026-11-27"; got != want {
		t.Errorf("rep subject %q, want %q", got, want)
	}
	if _, err := db.Exec("DELETE FROM customer_value WHERE run_id = 5"); err != nil {
		t.Fatal(err)
	}
	reportstest.CopyRun(t, db, reportstest.FixtureRun, 7, "2026-12-04")
	if got, want := subject(7, "en", snapshot.Scope{}), "weekly: no change since 2026-11-27 — as of 2026-12-04"; got != want {
		t.Errorf("no-change subject %q, want %q", got, want)
	}
	if _, err := db.Exec("DELETE FROM customer_value WHERE as_of < DATE '2026-11-20'"); err != nil {
		t.Fatal(err)
	}
	if got, want := subject(reportstest.PreviousRun, "en", snapshot.Scope{}), "weekly — as of 2026-11-20"; got != want {
		t.Errorf("first-run subject %q, want %q", got, want)
	}
}

// TestMoneyShortAndPercent: by hand. 17,849,999.99 is 178.49999… tenths
// of a million: ¥17.8M; 17,850,000 is exactly 178.5: half away from zero,
// ¥17.9M. 104 against 100 is +4%; 100 against 104 is −3.85%: ▼4%; 100.4
// against 100 moved under half a percent: ▲<1%; from 0 there is no
// percent; unchanged says nothing.
func TestMoneyShortAndPercent(t *testing.T) {
	for _, c := range []struct{ dec, lang, want string }{
		{"17849999.99", "en", "¥17.8M"}, {"17850000.00", "en", "¥17.9M"}, {"-1234.56", "en", "-¥1.2K"},
		{"999.99", "en", "¥999.99"}, {"2500000000.00", "en", "¥2.5B"},
		{"123456789.00", "zh-CN", "¥1.2亿"}, {"17849999.99", "zh-CN", "¥1,785.0万"}, {"9999.99", "zh-CN", "¥9,999.99"},
	} {
		if got := format.FormatMoneyShort(c.dec, "¥", c.lang); got != c.want {
			t.Errorf("formatMoneyShort(%s, %s) = %q, want %q", c.dec, c.lang, got, c.want)
		}
	}
	for _, c := range []struct{ now, prev, want string }{
		{"104", "100", "▲4%"}, {"100", "104", "▼4%"}, {"100.4", "100", "▲<1%"}, {"5", "0", "▲"}, {"5.00", "5", ""},
		{"-50", "-100", "▲50%"}, {"x", "1", ""},
	} {
		if got := format.PctText(c.now, c.prev); got != c.want {
			t.Errorf("pctText(%s, %s) = %q, want %q", c.now, c.prev, got, c.want)
		}
	}
}

// TestEmailTablesSayWhatIsLeftOut: with 9 hot-spot groups and 12 overdue
// customers, the e-mail shows 5 and 10 and says how many more (4, 2) the
// attachments hold.
func TestEmailTablesSayWhatIsLeftOut(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	for i := range 6 {
		if _, err := db.Exec(`INSERT INTO hotspots (run_id, as_of, rank, product_id, product_name, component, region, failures,
			installed_units, rate_per_100_per_year, shrunk_rate_per_100_per_year, share, cumulative_share, rising, repairs, repeat_serials)
			VALUES (2, DATE '2026-11-27', $1, $2, 'Extra', 'part', 'West', 1, 100, 1.0, 1.0, 0.01, 1.0, false, 0, 0)`,
			4+i, fmt.Sprintf("PX%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 7 {
		if _, err := db.Exec(`INSERT INTO ar_aging (run_id, as_of, customer_id, name, tier, current_amount, d1_30, d31_60, d61_90,
			d90_plus, total_open, dso) VALUES (2, DATE '2026-11-27', $1, 'Extra', 'C', 0, 1.00, 0, 0, 0, 1.00, 1.0)`,
			fmt.Sprintf("CX%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	d, err := snapshot.LoadReportData(context.Background(), db, reportstest.FixtureRun, snapshot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	hs, od := email.EmailHotspotTable(d, texts.LabelsEN), email.EmailOverdueTable(d, texts.LabelsEN, reportstest.TestOptions)
	if len(hs.Rows) != email.EmailHotspotsTopN || hs.More != "… and 4 more in the attached workbook." {
		t.Errorf("hot-spots: %d rows, more %q", len(hs.Rows), hs.More)
	}
	if len(od.Rows) != snapshot.OverdueTopN || od.More != "… and 2 more in the attached workbook." {
		t.Errorf("overdue: %d rows, more %q", len(od.Rows), od.More)
	}
}

// TestCutAndIsolateText: NUL is dropped, other controls and separators
// become spaces, a cut ends in "…" within the rune count; text with a
// directional control or right-to-left letters is isolated, other text is
// left alone.
func TestCutAndIsolateText(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"a\tb\x00c\u2028d", 10, "a bc d"}, {"abcdefgh", 5, "abcd…"}, {"深圳华强科技", 4, "深圳华…"}, {"abc", 3, "abc"},
	} {
		if got := format.CutText(c.in, c.n); got != c.want {
			t.Errorf("cutText(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	for in, want := range map[string]string{
		"\u202eevil": "\u2068\u202eevil\u2069", "שלום": "\u2068שלום\u2069", "Acme": "Acme", "深圳": "深圳",
	} {
		if got := brief.IsolateText(in); got != want {
			t.Errorf("isolateText(%q) = %q, want %q", in, got, want)
		}
	}
}
