package page_test

import (
	"os"
	"testing"

	"github.com/accordhq/accord/reports/internal/reportstest"
)

// chartOption is the option of the chart with this id on the page.
func chartOption(t *testing.T, html string, id string) map[string]any {
	t.Helper()
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	_, specs := reportstest.ChartScript(t, page)
	for _, s := range specs {
		if s.ID == id {
			return s.Option
		}
	}
	t.Fatalf("no chart %s", id)
	return nil
}

// TestTierMigrationChart: chart_tiers is the sankey of the fixture's tier
// moves from run 1 to run 2. The expected bands are counted here another
// way, from every customer's tier in each run read back row by row and
// paired in Go; by hand they are A→A, B→A, B→C, C→B, C→C, new→B, new→C,
// new→unrated and D→gone, one customer each.
func TestTierMigrationChart(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	option := chartOption(t, out.HTML, "chart_tiers")

	tiers := map[int]map[string]string{1: {}, 2: {}}
	rows, err := db.Query(`SELECT run_id, customer_id, coalesce(tier, '') FROM customer_value WHERE run_id IN (1, 2)`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var run int
		var id, tier string
		if err := rows.Scan(&run, &id, &tier); err != nil {
			t.Fatal(err)
		}
		tiers[run][id] = tier
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]float64{}
	for id, now := range tiers[2] {
		was, ok := tiers[1][id]
		from := "was " + was
		if !ok {
			from = "was new"
		}
		want[[2]string{from, "now " + now}]++
	}
	for id, was := range tiers[1] {
		if _, ok := tiers[2][id]; !ok {
			want[[2]string{"was " + was, "now gone"}]++
		}
	}
	if len(want) != 9 {
		t.Fatalf("the fixture's moves changed: %v", want)
	}

	series := option["series"].([]any)[0].(map[string]any)
	if series["type"] != "sankey" {
		t.Fatalf("chart_tiers series type %v, want sankey", series["type"])
	}
	got := map[[2]string]float64{}
	for _, x := range series["links"].([]any) {
		link := x.(map[string]any)
		got[[2]string{link["source"].(string), link["target"].(string)}] += link["value"].(float64)
		if tip, _ := link["tip"].([]any); len(tip) != 2 {
			t.Errorf("link %v has no tooltip lines", link)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d bands, want %d: %v", len(got), len(want), got)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("band %s → %s: %v customers, want %v", k[0], k[1], got[k], n)
		}
	}
	// Nodes: left in tier order then new, right in tier order then gone.
	var names []string
	for _, x := range series["data"].([]any) {
		names = append(names, x.(map[string]any)["name"].(string))
	}
	wantNames := []string{"was A", "was B", "was C", "was D", "was new", "now A", "now B", "now C", "now unrated", "now gone"}
	if len(names) != len(wantNames) {
		t.Fatalf("nodes %q, want %q", names, wantNames)
	}
	for i := range names {
		if names[i] != wantNames[i] {
			t.Errorf("node %d %q, want %q (all %q)", i, names[i], wantNames[i], names)
		}
	}
	// 2026-11-20 is run 1; of the 5 customers in both runs 3 changed tier
	// (B→A, B→C, C→B); 3 are new (the unrated one among them), 1 is gone.
	title := option["title"].(map[string]any)
	if sub := title["subtext"]; sub != "Since 2026-11-20: 3 of 5 customers in both runs changed tier\n3 new, 1 gone" {
		t.Errorf("subtitle %q", sub)
	}
	if tip := option["tooltip"].(map[string]any)["formatter"]; tip != "accord:tip" {
		t.Errorf("tooltip formatter %v, want the fixed escaping one", tip)
	}
}

// TestTierMigrationFirstRun: with no previous run the chart says the
// migration is not available and why, and draws no band.
func TestTierMigrationFirstRun(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(`DELETE FROM customer_value WHERE run_id <> 2`); err != nil {
		t.Fatal(err)
	}
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	option := chartOption(t, out.HTML, "chart_tiers")
	title := option["title"].(map[string]any)
	if title["subtext"] != "Not available: no previous run to compare with" {
		t.Errorf("first run subtitle %q", title["subtext"])
	}
	for _, x := range option["series"].([]any) {
		if s := x.(map[string]any); s["type"] == "sankey" || len(s["data"].([]any)) != 0 {
			t.Errorf("first run draws %v", s)
		}
	}
}
