package page_test

import (
	"github.com/accordhq/accord/reports/email"
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"database/sql"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestScatterKeepsTheCostliestAndAnEvenSample: above scatterMax points the
// value vs cost chart keeps the scatterCostliest costliest to serve and every
// k-th of the rest in tier and rank order, and its subtitle says how many of
// how many and where all are. The expected names are picked here in Go from
// customer_value's rows, independently of the SQL.
func TestScatterKeepsTheCostliestAndAnEvenSample(t *testing.T) {
	maxWas, costliestWas := snapshot.ScatterMax, snapshot.ScatterCostliest
	snapshot.ScatterMax, snapshot.ScatterCostliest = 5, 2
	t.Cleanup(func() { snapshot.ScatterMax, snapshot.ScatterCostliest = maxWas, costliestWas })

	db := reportstest.OpenFixtureDB(t)
	type customer struct {
		id, name, tier string
		rank           sql.NullInt64
		cost           float64
	}
	rows, err := db.Query(`SELECT customer_id, coalesce(name, customer_id), coalesce(tier, ''), rank, CAST(service_cost_12m AS DOUBLE)
		FROM customer_value WHERE run_id = ? AND service_cost_12m IS NOT NULL AND score IS NOT NULL`, reportstest.FixtureRun)
	if err != nil {
		t.Fatal(err)
	}
	var all []customer
	for rows.Next() {
		var c customer
		if err := rows.Scan(&c.id, &c.name, &c.tier, &c.rank, &c.cost); err != nil {
			t.Fatal(err)
		}
		all = append(all, c)
	}
	rows.Close()
	n := int64(len(all))
	if n <= snapshot.ScatterMax {
		t.Fatalf("the fixture has %d customers to place, the test needs more than %d", n, snapshot.ScatterMax)
	}
	every := int64(math.Ceil(float64(n-snapshot.ScatterCostliest) / float64(snapshot.ScatterMax-snapshot.ScatterCostliest)))
	want := map[string]bool{}
	sort.Slice(all, func(i, j int) bool {
		if all[i].cost != all[j].cost {
			return all[i].cost > all[j].cost
		}
		return all[i].id < all[j].id
	})
	for _, c := range all[:snapshot.ScatterCostliest] {
		want[format.ChartLabel(c.name)] = true
	}
	sort.Slice(all, func(i, j int) bool { // tier NULLS LAST ('' last), rank NULLS LAST, id
		a, b := all[i], all[j]
		if a.tier != b.tier {
			return b.tier == "" || (a.tier != "" && a.tier < b.tier)
		}
		if a.rank.Valid != b.rank.Valid {
			return a.rank.Valid
		}
		if a.rank.Int64 != b.rank.Int64 {
			return a.rank.Int64 < b.rank.Int64
		}
		return a.id < b.id
	})
	for i, c := range all {
		if int64(i)%every == 0 {
			want[format.ChartLabel(c.name)] = true
		}
	}

	page, err := os.ReadFile(reportstest.WriteFixture(t, db, reportstest.TestOptions).HTML)
	if err != nil {
		t.Fatal(err)
	}
	_, specs := reportstest.ChartScript(t, page)
	var got []string
	for _, s := range specs[1].Option["series"].([]any) {
		for _, p := range s.(map[string]any)["data"].([]any) {
			got = append(got, p.(map[string]any)["name"].(string))
		}
	}
	var wantNames []string
	for name := range want {
		wantNames = append(wantNames, name)
	}
	slices.Sort(got)
	slices.Sort(wantNames)
	if !slices.Equal(got, wantNames) {
		t.Errorf("chart places %q, want %q (%d customers, the %d costliest and every %d-th)", got, wantNames, n, snapshot.ScatterCostliest, every)
	}
	title := specs[1].Option["title"]
	if list, ok := title.([]any); ok {
		title = list[0]
	}
	sub, _ := title.(map[string]any)["subtext"].(string)
	wantSub := texts.LabelsEN.Getf("chart.value_cost.sampled", int64(len(wantNames)), n, snapshot.ScatterCostliest, every)
	if sub != wantSub || !strings.Contains(sub, "data/customer_value.csv") {
		t.Errorf("subtitle %q, want %q", sub, wantSub)
	}

	// The e-mail's chart says it too, in its title (the image's alt text).
	d, err := snapshot.LoadReportData(context.Background(), db, reportstest.FixtureRun, snapshot.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	images, err := email.EmailCharts(d, texts.LabelsEN, reportstest.TestOptions)
	if err != nil {
		t.Fatal(err)
	}
	short := texts.LabelsEN.Getf("chart.value_cost.sampled_short", int64(len(wantNames)), n)
	found := false
	for _, im := range images {
		if im.File == "value_cost.png" {
			found = strings.HasSuffix(im.Alt, " · "+short)
		}
	}
	if !found {
		t.Errorf("the e-mail's value vs cost chart does not say %q", short)
	}
}
