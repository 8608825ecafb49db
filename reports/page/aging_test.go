package page_test

import (
	"os"
	"testing"

	"github.com/accordhq/accord/reports/internal/reportstest"
)

// TestAgingTooltipsInCurrency: the aging chart's tooltip shows each
// bucket's exact sum in the report's currency, not the bar's float height.
// The sums are the fixture's ar_aging rows of run 2 added by hand:
//
//	A current  1000.10 + 0.00          = 1000.10
//	B current  500.00 + 0.05           = 500.05
//	B 90+      0.01 + 10000000.07      = 10000000.08
//	D 1–30     0.20                    = 0.20
func TestAgingTooltipsInCurrency(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	page, err := os.ReadFile(out.HTML)
	if err != nil {
		t.Fatal(err)
	}
	_, specs := reportstest.ChartScript(t, page)
	var option map[string]any
	for _, s := range specs {
		if s.ID == "chart_aging" {
			option = s.Option
		}
	}
	if option == nil {
		t.Fatal("no chart_aging")
	}
	tip, _ := option["tooltip"].(map[string]any)
	if tip["formatter"] != "accord:money-axis" {
		t.Errorf("aging tooltip formatter %v, want the fixed money formatter", tip["formatter"])
	}
	xAxis := option["xAxis"].([]any)[0].(map[string]any)["data"].([]any)
	tierAt := map[string]int{}
	for i, x := range xAxis {
		tierAt[x.(string)] = i
	}
	series := option["series"].([]any)
	money := func(bucket int, tier string) any {
		i, ok := tierAt[tier]
		if !ok {
			t.Fatalf("no tier %s on the axis %v", tier, xAxis)
		}
		return series[bucket].(map[string]any)["data"].([]any)[i].(map[string]any)["money"]
	}
	for _, c := range []struct {
		bucket int
		tier   string
		want   string
	}{
		{0, "A", "¥1,000.10"},
		{0, "B", "¥500.05"},
		{4, "B", "¥10,000,000.08"},
		{1, "D", "¥0.20"},
	} {
		if got := money(c.bucket, c.tier); got != c.want {
			t.Errorf("aging bucket %d tier %s: tooltip money %v, want %s", c.bucket, c.tier, got, c.want)
		}
	}
}
