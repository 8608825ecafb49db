package page_test

import (
	"github.com/accordhq/accord/reports/internal/reportstest"
	pagepkg "github.com/accordhq/accord/reports/page"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// TestFunnelLimitsByHand: three groups over one year, 10, 100 and 1000
// units with 1, 5 and 30 failures: pooled rate = 100 · 36 / 1110 =
// 3.243243… per 100 units per year. At n = 100 units (E = 100 unit-years,
// r = 0.0324324 per unit-year): se = 100 · sqrt(0.0324324 / 100) =
// 1.800901; 95 %: 3.243243 ± 1.959964 · 1.800901 = [0 (clipped from
// −0.286457), 6.772944]; 99.8 %: 3.243243 + 3.090232 · 1.800901 = 8.808445.
// At n = 1000: se = 0.569495, 95 % [2.127054, 4.359433]. Computed in a
// Python shell from the formulas (math.sqrt), not by the code under test.
func TestFunnelLimitsByHand(t *testing.T) {
	groups := []pagepkg.HsGroup{
		{HotspotGroup: snapshot.HotspotGroup{Failures: 1, Units: 10}},
		{HotspotGroup: snapshot.HotspotGroup{Failures: 5, Units: 100}},
		{HotspotGroup: snapshot.HotspotGroup{Failures: 30, Units: 1000}},
		{HotspotGroup: snapshot.HotspotGroup{Failures: 3, Units: 0}}, // no units: not in the pooled rate
	}
	r := pagepkg.PooledRate(groups, 1)
	near := func(got, want float64) bool { return math.Abs(got-want) < 5e-6 }
	if !near(r, 3.243243) {
		t.Fatalf("pooled rate %v, want 3.243243", r)
	}
	for _, c := range []struct {
		n, z, lo, hi float64
	}{
		{100, pagepkg.Z95, 0, 6.772944},
		{100, pagepkg.Z998, 0, 8.808445},
		{1000, pagepkg.Z95, 2.127054, 4.359433},
	} {
		lo, hi := pagepkg.FunnelLimit(r, c.n, 1, c.z)
		if !near(lo, c.lo) || !near(hi, c.hi) {
			t.Errorf("n %v z %v: limits [%v, %v], want [%v, %v]", c.n, c.z, lo, hi, c.lo, c.hi)
		}
	}
	// Two years of exposure halve the variance: se at 100 units over 2 years
	// equals se at 200 units over 1.
	a, b := pagepkg.FunnelLimit(r, 100, 2, pagepkg.Z95)
	c, d := pagepkg.FunnelLimit(r, 200, 1, pagepkg.Z95)
	if !near(a, c) || !near(b, d) {
		t.Errorf("limits depend on unit-years only: [%v %v] vs [%v %v]", a, b, c, d)
	}
}

// TestBrowserHotspotsPage: hotspots.html opens with no network, every chart
// is drawn (a canvas and at least one series), and a real mouse click on the
// first bar of the product Pareto (Pump X, 12 failures) leaves only Pump X's
// rows visible in the tickets table.
func TestBrowserHotspotsPage(t *testing.T) {
	ctx := reportstest.Browser(t)
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(`INSERT INTO hotspot_tickets VALUES
		(2, DATE '2026-11-27', 'HT-1', 'P1', 'Pump X', 'valve', 'North', 'S-1', 'C1', 'Acme', TIMESTAMP '2026-10-01 09:00:00', NULL, 2.5, 2, 'fixed'),
		(2, DATE '2026-11-27', 'HT-2', 'P2', '<b>Bold</b> pump', '__f__alert(1)__f__', 'South', 'S-2', 'C2', 'Beta', TIMESTAMP '2026-10-02 09:00:00', NULL, 1, 2, 'fixed'),
		(2, DATE '2026-11-27', 'HT-3', 'P3', 'Motor', 'bearing', 'East', NULL, 'C3', 'Gamma', TIMESTAMP '2026-10-03 09:00:00', NULL, NULL, 3, NULL)`); err != nil {
		t.Fatal(err)
	}
	reportstest.InsertHotspotModels(t, db) // the back-test chart draws its bars
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	page, err := os.ReadFile(out.Hotspots)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(page), "<b>Bold</b>") {
		t.Error("a product name reached the page unescaped")
	}
	var log pageLog
	log.listen(t, ctx)
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(reportstest.FileURL(out.Hotspots))); err != nil {
		t.Fatal(err)
	}
	ids := `["` + strings.Join(pagepkg.HotspotChartIDs, `","`) + `"]`
	ready := fmt.Sprintf(`%s.every(function (id) {
		var el = document.getElementById(id);
		var c = el && window.echarts && echarts.getInstanceByDom(el);
		return c && el.querySelector("canvas") && c.getOption().series.length > 0;
	})`, ids)
	pctx, pcancel := context.WithTimeout(tctx, 20*time.Second)
	defer pcancel()
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](ready, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("hot-spot charts did not draw (exceptions %q): %v", log.exceptions, err)
	}
	visible := `Array.from(document.querySelectorAll('table[data-table="hs_tickets"] tbody tr'))
		.filter(function (tr) { return tr.style.display !== "none"; })
		.map(function (tr) { return tr.cells[0].textContent; }).join(",")`
	before, err := chromedp.Run(tctx, chromedp.Evaluate[string](visible))
	if err != nil || before != "HT-1,HT-2,HT-3" {
		t.Fatalf("tickets before the click: %q (%v)", before, err)
	}
	type pt struct{ X, Y float64 }
	// The centre of the first bar, in page coordinates.
	p, err := chromedp.Run(tctx, chromedp.Evaluate[pt](fmt.Sprintf(`(function () {
		var el = document.getElementById(%q); el.scrollIntoView();
		var c = echarts.getInstanceByDom(el), r = el.getBoundingClientRect();
		c.on("click", function (e) { window.__clicked = e.seriesIndex + ":" + e.dataIndex + ":" + e.componentType; });
		var xy = c.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [0, 6]);
		return {X: r.left + xy[0], Y: r.top + xy[1]};
	})()`, pagepkg.ChartHSParetoProduct)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tctx, chromedp.MouseClickXY(p.X, p.Y)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var after string
	for time.Now().Before(deadline) {
		if after, err = chromedp.Run(tctx, chromedp.Evaluate[string](visible)); err == nil && after == "HT-1" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if after != "HT-1" {
		dbg, _ := chromedp.Run(tctx, chromedp.Evaluate[string](fmt.Sprintf(`(function () {
			var el = document.getElementById(%q); var r = el.getBoundingClientRect();
			var hit = document.elementFromPoint(%v, %v); var clicked = String(window.__clicked);
			return JSON.stringify({top: r.top, left: r.left, h: r.height, hit: hit && (hit.tagName + "#" + hit.id + "." + hit.className), inner: window.innerHeight, clicked: clicked});
		})()`, pagepkg.ChartHSParetoProduct, p.X, p.Y)))
		t.Logf("click at %v: %s", p, dbg)
		t.Errorf("tickets after clicking Pump X's bar: %q, want HT-1", after)
	}
	if _, network := log.networkRequests(); len(network) > 0 {
		t.Errorf("the page made network requests: %q", network)
	}
	if len(log.exceptions) > 0 {
		t.Errorf("JavaScript exceptions: %q", log.exceptions)
	}
}

// TestHotspotsWorkbook: hotspots.xlsx stands alone with a Summary, the
// hot-spot groups, their fault tickets, repeat serials and what cannot be
// supported; a ticket's text that starts with "=" is stored as text.
func TestHotspotsWorkbook(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(`INSERT INTO hotspot_tickets VALUES
		(2, DATE '2026-11-27', 'HT-1', 'P1', 'Pump X', 'valve', 'North', '=1+1', 'C1', 'Acme', TIMESTAMP '2026-10-01 09:00:00', NULL, 2.5, 2, 'fixed')`); err != nil {
		t.Fatal(err)
	}
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	f, err := excelize.OpenFile(out.HotspotsX)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Hot-spots,Fault tickets,Repeat failures,Unsupported,Weibull,Forecast,Periods" {
		t.Errorf("sheets %q", got)
	}
	rows, err := f.GetRows("Fault tickets")
	if err != nil || len(rows) != 2 || rows[1][0] != "HT-1" {
		t.Fatalf("Fault tickets rows %q (%v)", rows, err)
	}
	if formula, _ := f.GetCellFormula("Fault tickets", "F2"); formula != "" {
		t.Errorf("serial =1+1 became formula %q", formula)
	}
	hs, err := f.GetRows("Hot-spots")
	if err != nil || len(hs) != 4 { // header + the run's 3 groups
		t.Errorf("Hot-spots rows %d (%v)", len(hs), err)
	}
}

// TestHotspotsPageShowsSomeRowsOfABigGroup: a group of 30 fault tickets
// (30 serials, one fault each, from 3 customers) shows its latest 25
// tickets and 25 of its serials, each table closed by a row, filtered with
// the group, that says 25 of 30 and names the data file; its 3 customers and
// a small group's 2 tickets are shown whole, with no such row.
func TestHotspotsPageShowsSomeRowsOfABigGroup(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	var values []string
	for i := 1; i <= 30; i++ {
		values = append(values, fmt.Sprintf("(2, DATE '2026-11-27', 'HT-%02d', 'P1', 'Pump X', 'valve', 'North', 'S-%02d', 'C%d', 'Cust %d', TIMESTAMP '2026-10-01 09:00:00' + INTERVAL (%d) HOUR, NULL, 1, 2, 'fixed')",
			i, i, i%3, i%3, i))
	}
	values = append(values, "(2, DATE '2026-11-27', 'HT-91', 'P3', 'Motor', 'bearing', 'East', 'S-91', 'C1', 'Cust 1', TIMESTAMP '2026-10-03 09:00:00', NULL, NULL, 3, NULL)",
		"(2, DATE '2026-11-27', 'HT-92', 'P3', 'Motor', 'bearing', 'East', 'S-92', 'C1', 'Cust 1', TIMESTAMP '2026-10-04 09:00:00', NULL, NULL, 3, NULL)")
	if _, err := db.Exec(`INSERT INTO hotspot_tickets VALUES ` + strings.Join(values, ", ")); err != nil {
		t.Fatal(err)
	}
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	raw, err := os.ReadFile(out.Hotspots)
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	// rowsOf returns the rows of table id for product p: first cells, and the
	// text of a closing row.
	rowsOf := func(id, p string) (first []string, more []string) {
		start := strings.Index(page, `<table data-table="`+id+`">`)
		if start < 0 {
			t.Fatalf("no table %s", id)
		}
		table := page[start : start+strings.Index(page[start:], "</table>")]
		for _, tr := range strings.Split(table, "<tr ")[1:] {
			if !strings.HasPrefix(tr, `data-p="`+p+`"`) {
				continue
			}
			cell := tr[strings.Index(tr, "<td")+3:]
			cell = cell[strings.Index(cell, ">")+1 : strings.Index(cell, "</td>")]
			if strings.Contains(tr, `class="more"`) {
				more = append(more, cell)
			} else {
				first = append(first, cell)
			}
		}
		return first, more
	}
	tickets, more := rowsOf("hs_tickets", "P1")
	var want []string
	for i := 6; i <= 30; i++ {
		want = append(want, fmt.Sprintf("HT-%02d", i))
	}
	if strings.Join(tickets, ",") != strings.Join(want, ",") {
		t.Errorf("Pump X tickets shown %v, want the latest 25 %v", tickets, want)
	}
	if len(more) != 1 || !strings.Contains(more[0], "latest 25 of this group&#39;s 30 tickets") || !strings.Contains(more[0], "data/hotspot_tickets.csv") {
		t.Errorf("Pump X tickets closing row %q", more)
	}
	serials, more := rowsOf("hs_serials", "P1")
	if len(serials) != 25 || len(more) != 1 || !strings.Contains(more[0], "25 of this group&#39;s 30 serials") {
		t.Errorf("Pump X serials: %d shown, closing row %q; want 25 and a row saying 25 of 30", len(serials), more)
	}
	customers, more := rowsOf("hs_customers", "P1")
	if len(customers) != 3 || len(more) != 0 {
		t.Errorf("Pump X customers %v, closing row %q; want all 3 and none", customers, more)
	}
	small, more := rowsOf("hs_tickets", "P3")
	if strings.Join(small, ",") != "HT-91,HT-92" || len(more) != 0 {
		t.Errorf("Motor tickets %v, closing row %q; want HT-91,HT-92 and none", small, more)
	}
}

// TestHotspotsPageWeibullAndForecast: the page shows the Weibull fit with
// its interval, η in days and years (800 / 365.25 = 2.19) and the verdict,
// a group without a fit as n/a with the reason (never 0); the forecast's
// and back-test's totals against capacity and what came; every table
// escaped, no "__f__" left in the charts' script; the same in zh-CN.
// hotspots.xlsx has the Weibull and Forecast sheets, a NULL β an empty
// cell, not 0.
func TestHotspotsPageWeibullAndForecast(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	reportstest.InsertHotspotModels(t, db)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	raw, err := os.ReadFile(out.Hotspots)
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	for _, want := range []string{
		"wear-out (β interval above 1)", "<td class=\"n\" data-v=\"2.5\">2.50</td>", "1.60 – 3.90", "800.0", "<td class=\"n\" data-v=\"2.19\">2.19</td>",
		"n/a: too few failures (under 3 with a unit age)",
		"Next window (2026-11-27 – 2027-02-27): 4.50 (95 %: 1 – 10) fault tickets expected, 9.0 (95 %: 2.0 – 20.0) engineer hours, against a capacity of 520.0 hours",
		"Back-test (2026-08-27 – 2026-11-27): forecast 3.20 (95 %: 0 – 8) fault tickets, 7 came on the units forecast.",
		"n/a: not a hot-spot group when the forecast was made",
		`id="hs_backtest"`, `data-table="hs_weibull"`, `data-table="hs_forecast"`, `data-table="hs_backtest"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>Bold</b>") {
		t.Error("a product name reached the page unescaped")
	}
	// The back-test chart's options (its group labels) hold no "__f__";
	// the drill-down filters keep the data as it is, JSON strings.
	specs := page[strings.Index(page, "var specs = ")+len("var specs = "):]
	specs = specs[:strings.Index(specs, ";\n")]
	var charts []pagepkg.HsChart
	if err := json.Unmarshal([]byte(specs), &charts); err != nil {
		t.Fatalf("chart specs: %v", err)
	}
	found := false
	for _, c := range charts {
		if c.ID == pagepkg.ChartHSBacktest {
			found = true
			b, _ := json.Marshal(c.Option)
			if strings.Contains(string(b), "__f__") || !strings.Contains(string(b), "alert(1)") || len(c.Filters) != 2 {
				t.Errorf("back-test chart: options %s, filters %v; want the label without __f__, 2 groups", b, c.Filters)
			}
		}
	}
	if !found {
		t.Error("no back-test chart")
	}
	// The trend: each top group's failures per period, oldest first, named
	// with the rising test's verdict.
	for _, c := range charts {
		if c.ID != pagepkg.ChartHSTrend {
			continue
		}
		b, _ := json.Marshal(c.Option)
		for _, want := range []string{`"2026-08-27","2026-11-27"`, `rising — Pump X · valve · North`, `"data":[{"value":4},{"value":12}]`,
			`steady — \u003cb\u003eBold\u003c/b\u003e pump · alert(1) · South`, `"data":[{"value":30},{"value":8}]`,
			`not tested: no history — Motor · bearing · East`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("trend chart lacks %s: %s", want, b)
			}
		}
		if strings.Contains(string(b), "__f__") {
			t.Errorf("trend chart holds __f__: %s", b)
		}
	}
	zh := reportstest.TestOptions
	zh.Language = "zh-CN"
	out = reportstest.WriteFixture(t, db, zh)
	raw, err = os.ReadFile(out.Hotspots)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"磨损（β 区间高于 1）", "故障太少", "下一窗口（2026-11-27 – 2027-02-27）", "回测（2026-08-27 – 2026-11-27）"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the zh-CN page lacks %q", want)
		}
	}
	f, err := excelize.OpenFile(out.HotspotsX)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Weibull")
	if err != nil || len(rows) != 3 {
		t.Fatalf("Weibull rows %q (%v)", rows, err)
	}
	if rows[2][6] != "" || rows[2][11] != "too_few_failures" {
		t.Errorf("the unfitted group's β %q, reason %q; want empty and too_few_failures", rows[2][6], rows[2][11])
	}
	if rows, err := f.GetRows("Forecast"); err != nil || len(rows) != 6 {
		t.Errorf("Forecast rows %d (%v), want header + 5", len(rows), err)
	}
}

// TestHotspotsPageUnsupportedByComponent: what cannot be supported, per
// product × component. Added to the fixture's two P2 rows (C5 past end of
// support, 10,000.00; C3's ticket naming no component, 50,000.01): three
// unsupported P1 valve tickets of C1 (twice, 100.10) and C2 (0.01) and one
// P1 seal ticket of C1. By hand: P1 valve, 2 customers, 100.11 (C1 once);
// P1 seal, 1, 100.10; P2 whole product, 1, 10,000.00; P2 no component, 1,
// 50,000.01. Each row filters with its product and component; the whole
// product's row has no component, so it shows under any of P2's.
func TestHotspotsPageUnsupportedByComponent(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(`INSERT INTO hotspot_unsupported (run_id, as_of, reason, product_id, product_name, supported_until, customer_id, name,
		ticket_id, opened_at, installed_units, tickets, revenue_12m, component) VALUES
		(2, DATE '2026-11-27', 'unsupported_resolution', 'P1', 'Pump X', NULL, 'C1', 'Acme', 'TU-1', TIMESTAMP '2026-10-01 09:00:00', 3, NULL, 100.10, 'valve'),
		(2, DATE '2026-11-27', 'unsupported_resolution', 'P1', 'Pump X', NULL, 'C1', 'Acme', 'TU-2', TIMESTAMP '2026-10-02 09:00:00', 3, NULL, 100.10, 'valve'),
		(2, DATE '2026-11-27', 'unsupported_resolution', 'P1', 'Pump X', NULL, 'C2', 'Beta', 'TU-3', TIMESTAMP '2026-10-03 09:00:00', 1, NULL, 0.01, 'valve'),
		(2, DATE '2026-11-27', 'unsupported_resolution', 'P1', 'Pump X', NULL, 'C1', 'Acme', 'TU-4', TIMESTAMP '2026-10-04 09:00:00', 3, NULL, 100.10, 'seal')`); err != nil {
		t.Fatal(err)
	}
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	raw, err := os.ReadFile(out.Hotspots)
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	start := strings.Index(page, `<table data-table="hs_unsupported">`)
	if start < 0 {
		t.Fatal("no unsupported table")
	}
	table := page[start : start+strings.Index(page[start:], "</table>")]
	for _, want := range []string{
		`<tr data-p="P2" data-c="" data-r=""><td>&lt;b&gt;Bold&lt;/b&gt; pump</td><td>(no component named)</td><td class="n" data-v="1">1</td><td class="n" data-v="1">1</td><td class="n" data-v="50000.01">¥50,000.01</td></tr>`,
		`<tr data-p="P2" data-c="" data-r=""><td>&lt;b&gt;Bold&lt;/b&gt; pump</td><td title="whole product: past end of support">whole product: past end of support</td><td class="n" data-v="1">1</td><td class="n" data-v="2">2</td><td class="n" data-v="10000">¥10,000.00</td></tr>`,
		`<tr data-p="P1" data-c="valve" data-r=""><td>Pump X</td><td>valve</td><td class="n" data-v="2">2</td><td class="n" data-v="4">4</td><td class="n" data-v="100.11">¥100.11</td></tr>`,
		`<tr data-p="P1" data-c="seal" data-r=""><td>Pump X</td><td>seal</td><td class="n" data-v="1">1</td><td class="n" data-v="3">3</td><td class="n" data-v="100.1">¥100.10</td></tr>`,
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the unsupported table lacks\n%s\nin\n%s", want, table)
		}
	}
}

// TestForecastNoteWithoutCapacity: without engineer_hours the forecast's
// note says the capacity is not available and why, rather than a number
// or a zero; a total with no forecast at all says why.
func TestForecastNoteWithoutCapacity(t *testing.T) {
	at, _ := time.Parse(time.DateOnly, "2026-11-27")
	end := at.AddDate(0, 3, 0)
	d := &pagepkg.HsData{Forecast: []pagepkg.HsForecast{
		{Kind: "forecast", Scope: "total", At: at, End: end, Expected: sql.NullFloat64{Float64: 4.5, Valid: true},
			Lo: sql.NullInt64{Int64: 1, Valid: true}, Hi: sql.NullInt64{Int64: 10, Valid: true}},
		{Kind: "backtest", Scope: "total", At: at.AddDate(0, -3, 0), End: at, Na: "no_installed_units"},
	}}
	notes := pagepkg.HsForecastNotes(d, texts.LabelsEN)
	want := []string{
		"Next window (2026-11-27 – 2027-02-27): 4.50 (95 %: 1 – 10) fault tickets expected, engineer hours not available: no fault ticket has effort hours; capacity not available: model.service.engineer_hours is not set. Units installed later are not in the forecast.",
		"Back-test (2026-08-27 – 2026-11-27): no forecast (no installed units).",
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes\n%s\nwant\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
}
