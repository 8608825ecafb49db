package brief_test

import (
	"github.com/accordhq/accord/reports/brief"
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"strings"
	"testing"
)

// TestWeekSaysWhatServiceWillFace: "This week" carries the forecast's total
// row (insertHotspotModels: 4.5 expected tickets, 95 % 1–10, 9 hours 2–20,
// capacity 520, to 2027-02-27), rounded to whole tickets and hours, in both
// languages, after the changes; a run without a forecast row says nothing of
// it, and a total that could not be forecast is listed as not available with
// its reason, never as 0 tickets.
func TestWeekSaysWhatServiceWillFace(t *testing.T) {
	ctx := context.Background()
	sentences := func(t *testing.T, lang string, prepare func(db snapshot.Queryer)) string {
		t.Helper()
		db := reportstest.OpenFixtureDB(t)
		prepare(db)
		d, err := snapshot.LoadReportData(ctx, db, reportstest.FixtureRun, snapshot.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		l, err := texts.LabelsFor(lang)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range brief.WeekSentences(d, l, reportstest.TestOptions) {
			out = append(out, s.Text())
		}
		return strings.Join(out, "\n")
	}
	exec := func(db snapshot.Queryer, q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db := reportstest.OpenFixtureDB(t)
	reportstest.InsertHotspotModels(t, db)
	for lang, want := range map[string]string{
		"en":    "Service should expect about 5 fault tickets (95%: 1–10) by 2027-02-27; about 9 engineer hours (2–20), against a capacity of 520 hours.",
		"zh-CN": "服务部门预计：截至 2027-02-27 约 5 张故障工单（95%：1–10）；约 9 工程师工时（2–20），产能为 520 小时。",
	} {
		d, err := snapshot.LoadReportData(ctx, db, reportstest.FixtureRun, snapshot.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		l, _ := texts.LabelsFor(lang)
		var got []string
		for _, s := range brief.WeekSentences(d, l, reportstest.TestOptions) {
			got = append(got, s.Text())
		}
		text := strings.Join(got, "\n")
		if !strings.Contains(text, want) {
			t.Errorf("%s: This week\n%s\nlacks %q", lang, text, want)
		}
	}

	if text := sentences(t, "en", func(snapshot.Queryer) {}); strings.Contains(text, "Service should expect") {
		t.Errorf("without a forecast row This week says %q", text)
	}
	text := sentences(t, "en", func(db snapshot.Queryer) {
		exec(db, `INSERT INTO hotspot_forecast (run_id, as_of, kind, scope, forecast_at, period_end, not_available)
			VALUES (2, DATE '2026-11-27', 'forecast', 'total', DATE '2026-11-27', DATE '2027-02-27', 'no_installed_units')`)
	})
	if strings.Contains(text, "Service should expect") || !strings.Contains(text, "forecast of fault tickets (no installed units)") {
		t.Errorf("a total without a forecast: This week\n%s", text)
	}
}

// TestTopHotspotWithoutGroupsIsNotAvailable: a run whose tickets gave no
// hot-spot group (the real helpdesk export has no product or component)
// shows the top hot-spot card as not available with the reason, in the page
// and the workbook's Summary (both print topHotspot), not "none", which
// reads as nothing failing.
func TestTopHotspotWithoutGroupsIsNotAvailable(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(`DELETE FROM hotspots WHERE run_id = ?`, reportstest.FixtureRun); err != nil {
		t.Fatal(err)
	}
	d, err := snapshot.LoadReportData(context.Background(), db, reportstest.FixtureRun, snapshot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-CN"} {
		l, _ := texts.LabelsFor(lang)
		if got, want := brief.TopHotspot(d, l), l.Get("kpi.hotspot_na"); got != want || got == l.Get("kpi.none") {
			t.Errorf("%s: top hot-spot %q, want %q", lang, got, want)
		}
	}
}
