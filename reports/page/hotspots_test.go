package page_test

import (
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/page"
	"github.com/accordhq/accord/reports/snapshot"

	"os"
	"strings"
	"testing"
)

// TestPageHotspotSection: the page's hot-spot table shows the rising flag,
// its p- and q-values and the mean time to repair (fixture: Pump X rising
// at p = 0.000123, q = 0.000246, MTTR 30.25 h shown as 30.3; Motor has no
// baseline, so neither, and says it was not tested and why, never "no"); the shrunk rate it is ranked by
// stands beside the raw rate; the Pareto's axis label (what its tooltip shows) marks the
// rising group. What cannot be supported: both rows and their customers'
// revenue, 10000.00 + 50000.01 = 60,000.01; a rep filtered to C2, C5 and
// C6 sees only C5's row and 10,000.00.
func TestPageHotspotSection(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	read := func(opt snapshot.Options) (string, []page.ChartSpec) {
		page, err := os.ReadFile(reportstest.WriteFixture(t, db, opt).HTML)
		if err != nil {
			t.Fatal(err)
		}
		_, rest := reportstest.SplitPage(t, page)
		_, specs := reportstest.ChartScript(t, page)
		return string(rest), specs
	}
	html, specs := read(reportstest.TestOptions)
	for _, want := range []string{
		`<td class="n" data-v="1">1</td><td>Pump X</td><td>valve</td><td>North</td><td class="n" data-v="12">12</td><td class="n" data-v="5.5">5.50</td><td class="n" data-v="6">6.00</td><td>yes</td><td class="n" data-v="0.000123">0.000123</td><td class="n" data-v="0.000246">0.000246</td><td class="n" data-v="30.3">30.3</td><td class="n" data-v="2">2</td>`,
		`<td>Motor</td><td>bearing</td><td>East</td><td class="n" data-v="4">4</td><td class="n" data-v="4">4.00</td><td class="n" data-v="8">8.00</td><td title="not tested: no earlier days in the export to compare with">not tested: no earlier days in the export to compare with</td><td class="n"></td><td class="n"></td><td class="n" data-v="12">12.0</td><td class="n" data-v="1">1</td>`,
		"What we cannot support — 2 customer(s) behind these rows, trailing-12-month revenue ¥60,000.01.",
		`<td>Past end of support</td><td>&lt;b&gt;Bold&lt;/b&gt; pump</td>`,
		`<td>Resolved unsupported</td>`, `TU-OUT-1`, `¥50,000.01`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	names := specs[2].Option["xAxis"].([]any)[0].(map[string]any)["data"].([]any)
	if !strings.HasSuffix(names[0].(string), "↑ rising") || strings.Contains(names[1].(string), "↑") {
		t.Errorf("Pareto labels %q: want only the first (rising) marked", names)
	}

	opt := reportstest.TestOptions
	opt.Filter = reportstest.RepFilter
	html, _ = read(opt)
	if !strings.Contains(html, "What we cannot support — 1 customer(s) behind these rows, trailing-12-month revenue ¥10,000.00.") {
		t.Error("filtered page does not sum only the allowed customers' revenue")
	}
	for _, bad := range []string{"TU-OUT-1", "50,000.01", "60,000.01"} {
		if strings.Contains(html, bad) {
			t.Errorf("filtered page shows %q of a customer outside the filter", bad)
		}
	}
	// Hot-spots are product-level: the rep sees the same rising flag.
	if !strings.Contains(html, `<td class="n" data-v="0.000123">0.000123</td>`) {
		t.Error("filtered page lost the product-level hot-spot table")
	}
}
