package brief_test

import (
	"github.com/accordhq/accord/reports/brief"
	"github.com/accordhq/accord/reports/internal/reportstest"
	pagepkg "github.com/accordhq/accord/reports/page"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the This week sentences")

// weekText renders the briefing of run runID as text, one sentence a line.
func weekText(t *testing.T, db *sql.DB, runID int64, lang string) string {
	t.Helper()
	l, err := texts.LabelsFor(lang)
	if err != nil {
		t.Fatal(err)
	}
	d, err := snapshot.LoadReportData(context.Background(), db, runID, snapshot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	opt := reportstest.TestOptions
	opt.Language = lang
	var b strings.Builder
	for _, s := range brief.WeekSentences(d, l, opt) {
		b.WriteString(s.Text())
		b.WriteString("\n")
	}
	return b.String()
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

// TestWeekSentencesTwoRuns: the fixture's run 2 against run 1, in both
// languages, as golden files. The numbers, by hand from the fixture
// (fixture_test.go):
//   - tier moves: movers of run 2 with a tier change are C4 C→B and C2
//     B→A (up) and C5 B→C (down): 3, 2 up, 1 down; largest |change| first:
//     C4 15.5 (top_up collection_timeliness +12.0), C2 5.25 (top_up
//     maintenance_fees +4.0), C5 −5.0 (top_down =ease_of_coordination −3.1).
//     Weight 3 moves / 8 customers = 0.375.
//   - overdue = Σ (total_open − current_amount) of ar_aging: run 2:
//     200.20 + 1534.89 + 100.00 + 10000000.07 + 0.90 = 10001836.06 (the
//     ar_kpis portfolio overdue_amount too); run 1: 1004.00 − 5.00 =
//     999.00. (10001836.06 − 999) / 999 = 10010.848…, so up 1,001,085%.
//   - DSO 45.015… → 45.0 against 777.7: (45.0 − 777.7) / 777.7 = −0.9421…,
//     down 94%; weight 0.942.
//   - service queue: 3 tickets (T1 fits, T2 does not, T3 unknown) against
//     1 (T9): up 200%, weight 2.
//   - rejects: 4 rows (4 distinct lines) against 1: up 300%, weight 3.
//   - rising: P1 Pump X · valve · North is rising; run 1 had hot-spot rows
//     and P1 was not among them, so it is new: weight 1.
//
// Ranked: overdue (10010.8), rejects (3), queue (2), rising (1), DSO
// (0.94), tier moves (0.375).
func TestWeekSentencesTwoRuns(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	for _, lang := range []string{"en", "zh-CN"} {
		checkGolden(t, "week_two_runs_"+lang+".txt", weekText(t, db, reportstest.FixtureRun, lang))
	}
}

// TestWeekSentencesNoChange: run 7 copies run 2's results a week later and
// has no movers (the fixture's run 5, scored 2026-12-04, is removed so run
// 2 is the previous one): nothing changed, and that is said (P1 was
// already rising, so it is not news).
func TestWeekSentencesNoChange(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec("DELETE FROM customer_value WHERE run_id = 5"); err != nil {
		t.Fatal(err)
	}
	reportstest.CopyRun(t, db, reportstest.FixtureRun, 7, "2026-12-04")
	for _, lang := range []string{"en", "zh-CN"} {
		checkGolden(t, "week_no_change_"+lang+".txt", weekText(t, db, 7, lang))
	}
	if got := weekText(t, db, 7, "en"); got != "Nothing changed since the last run (2026-11-27).\n" {
		t.Errorf("no-change run says %q", got)
	}
}

// TestWeekSentencesFirstRun: with the fixture's runs of 2026-11-13 gone,
// run 1 has no earlier run; it says so and compares nothing.
func TestWeekSentencesFirstRun(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec("DELETE FROM customer_value WHERE as_of < DATE '2026-11-20'"); err != nil {
		t.Fatal(err)
	}
	got := weekText(t, db, reportstest.PreviousRun, "en")
	if !strings.HasPrefix(got, "This is the first scored run") || strings.Contains(got, "last run") {
		t.Errorf("first run says %q", got)
	}
}

// TestWeekOnThePage: weekly.html opens with This week, before the KPIs,
// its sentences escaped and the data in them isolated: the fixture's C2
// name (</script>…) appears as &lt;/script&gt; inside <bdi>.
func TestWeekOnThePage(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	for _, lang := range []string{"en", "zh-CN"} {
		opt := reportstest.TestOptions
		opt.Language = lang
		out := reportstest.WriteFixture(t, db, opt)
		b, err := os.ReadFile(out.HTML)
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		l, _ := texts.LabelsFor(lang)
		week := strings.Index(page, `<h2 id="this-week">`+l.Get("week.title")+`</h2>`)
		summary := strings.Index(page, "<h2>"+l.Get("section.summary")+"</h2>")
		if week < 0 || summary < 0 || week > summary {
			t.Fatalf("%s: This week at %d, Summary at %d: want This week first", lang, week, summary)
		}
		block := page[week:summary]
		if n := strings.Count(block, "<li>"); n != 6 {
			t.Errorf("%s: %d sentences on the page, want the golden file's 6", lang, n)
		}
		if !strings.Contains(block, "<bdi>&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</bdi>") {
			t.Errorf("%s: the mover's name is not escaped and isolated:\n%s", lang, block)
		}
	}
}

// TestKPIChanges: each card of the fixture's run 2 against run 1, by hand:
// customers 8 (C1–C8) vs 6 (C1, C2, C4, C5, C6, C9); tier A C1, C2 vs C1;
// B C3, C4 vs C2, C5; C C5, C6, C7 vs C4, C6; unrated C8 vs none (not a
// tier: no tone); open receivables 10,003,336.31 vs 1,004.00: +996,248%
// (9962.48…); over 90 days 10,001,235.34 (0 + 1,234.56 + 0.01 +
// 10,000,000.07 + 0.70) vs 999.00: +1,001,025%, worse; DSO 45.0 vs 777.7
// days: −732.7, better; on time 66.3% vs NULL: n/a; the top hot-spot was
// P9; queue 3 vs 1 and rejects 4 vs 1, worse. A first run shows no change.
func TestKPIChanges(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	d, err := snapshot.LoadReportData(context.Background(), db, reportstest.FixtureRun, snapshot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]string{
		{"Customers scored", "▲2 vs last run", ""},
		{"Tier A", "▲1 vs last run", "good"},
		{"Tier B", "unchanged since last run", ""},
		{"Tier C", "▲1 vs last run", ""},
		{"Tier unrated", "▲1 vs last run", ""},
		{"Total open receivables", "▲996,248% vs last run", ""},
		{"Overdue more than 90 days", "▲1,001,025% vs last run", "bad"},
		{"DSO, 90 days", "▼732.7 days vs last run", "good"},
		{"Paid on time, 90 days", "change n/a", ""},
		{"Top failure hot-spot", "last run: Old pump · valve · North", ""},
		{"Open tickets in the queue", "▲2 vs last run", "bad"},
		{"Rejected input rows", "▲3 vs last run", "bad"},
	}
	got := pagepkg.Kpis(d, texts.LabelsEN, reportstest.TestOptions)
	if len(got) != len(want) {
		t.Fatalf("%d cards, want %d", len(got), len(want))
	}
	for i, k := range got {
		if w := want[i]; k.Label != w[0] || k.Change != w[1] || k.Tone != w[2] {
			t.Errorf("card %d: %q %q %q, want %q", i, k.Label, k.Change, k.Tone, w)
		}
	}
	// zh-CN says the same in its words.
	zh := pagepkg.Kpis(d, texts.LabelsZH, reportstest.TestOptions)
	if zh[7].Change != "较上次 ▼732.7 天" || zh[2].Change != "与上次相同" {
		t.Errorf("zh-CN changes %q, %q", zh[7].Change, zh[2].Change)
	}
	// The page shows them with their tone; the e-mail colours them inline.
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	page, err := os.ReadFile(out.HTML)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<div class="c bad" title="worse than last run">▲3 vs last run</div>`) ||
		!strings.Contains(string(page), `<div class="c good" title="better than last run">▼732.7 days vs last run</div>`) {
		t.Error("weekly.html lacks the toned KPI changes")
	}

	if _, err := db.Exec("DELETE FROM customer_value WHERE as_of < DATE '2026-11-20'"); err != nil {
		t.Fatal(err)
	}
	first, err := snapshot.LoadReportData(context.Background(), db, reportstest.PreviousRun, snapshot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range pagepkg.Kpis(first, texts.LabelsEN, reportstest.TestOptions) {
		if k.Change != "" || k.Tone != "" {
			t.Errorf("first run card %q shows a change %q", k.Label, k.Change)
		}
	}
}
