package pipeline

import (
	"context"
	"database/sql"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runWithModel runs the hand-computed fixture (testdata/fixture) with the
// model section replaced.
func runWithModel(t *testing.T, model string) (*Store, *Result) {
	t.Helper()
	return runFixture(t, writeModelConfig(t, model))
}

// runModelErr runs the fixture with a model section and returns the run's error.
func runModelErr(t *testing.T, model string) (*Result, error) {
	t.Helper()
	store, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "accord.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newRunner(t, store, writeModelConfig(t, model)).Run(context.Background(), RunOptions{AsOf: fixtureAsOf})
}

func writeModelConfig(t *testing.T, model string) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/fixture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(raw)
	cfg = cfg[:strings.Index(cfg, "model:")] + model
	abs, _ := filepath.Abs("testdata/fixture")
	cfg = strings.Replace(cfg, "inputs_dir: fixture", "inputs_dir: "+abs, 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "fixture.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// defaultGroups is the fixture's model, to which tests add one change.
const defaultGroups = `
  groups:
    - {name: economic, weight: 35, indicators: [{name: maintenance_fees, weight: 60%s}, {name: collection_timeliness, weight: 40%s}]}
    - {name: loyalty, weight: 25, indicators: [{name: repurchase, weight: 40}, {name: proactive_communication, weight: 30}, {name: referral, weight: 30}]}
    - {name: service_effect, weight: 20, indicators: [{name: ease_of_coordination, weight: 50}, {name: satisfaction_per_cost, weight: 50}]}
    - {name: characteristics, weight: 20, indicators: [{name: scale, weight: 60}, {name: market_influence, weight: 40, missing: worst%s}]}
`

func modelWith(head, maintenance, collection, influence string) string {
	return "model:\n  hourly_cost: \"300.00\"\n" + head + strings.NewReplacer("%s", "").Replace(
		strings.Replace(strings.Replace(strings.Replace(defaultGroups, "%s", maintenance, 1), "%s", collection, 1), "%s", influence, 1))
}

func normalizedOf(t *testing.T, db *sql.DB, runID int64, indicator string) map[string]float64 {
	t.Helper()
	return floatsByKey(t, db, `SELECT customer_id, normalized FROM value_contributions WHERE run_id = ? AND indicator = ?`, runID, indicator)
}

func expectNormalized(t *testing.T, got map[string]float64, want map[string]float64, tol float64) {
	t.Helper()
	for id, w := range want {
		if math.Abs(got[id]-w) > tol {
			t.Errorf("%s: normalized %.9f, want %.9f", id, got[id], w)
		}
	}
}

// maintenance_fees raw values (see score_test.go): C1 5000, C2 3000, C3 0, C4 3000, C5 1000.
func TestMinMaxNormalizationByHand(t *testing.T) {
	// Quantiles as DuckDB's quantile_cont (h = (n-1)q over [0, 1000, 3000, 3000, 5000]):
	// q = 0.25 → h = 1 → 1000; q = 0.75 → h = 3 → 3000. (x - 1000) / 2000, clamped.
	store, res := runWithModel(t, modelWith("", ", normalization: {method: minmax, low: 0.25, high: 0.75}", "", ""))
	expectNormalized(t, normalizedOf(t, store.DB, res.RunID, "maintenance_fees"),
		map[string]float64{"C1": 1, "C2": 1, "C3": 0, "C4": 1, "C5": 0}, 1e-12)
	var used string
	store.DB.QueryRow(`SELECT normalization FROM model_used WHERE run_id = ? AND indicator = 'maintenance_fees'`, res.RunID).Scan(&used)
	if used != "minmax (winsorized at the 0.25 and 0.75 quantiles)" {
		t.Errorf("model_used says %q", used)
	}
}

func TestZScoreNormalizationByHand(t *testing.T) {
	// mean = 12000 / 5 = 2400; σ = sqrt((2600² + 600² + 2400² + 600² + 1400²) / 5) = sqrt(3040000).
	// Φ computed here with math.Erf, independently of the SQL's approximation.
	store, res := runWithModel(t, modelWith("", ", normalization: zscore", "", ""))
	sd := math.Sqrt(3040000)
	phi := func(x float64) float64 { return 0.5 * (1 + math.Erf((x-2400)/sd/math.Sqrt2)) }
	expectNormalized(t, normalizedOf(t, store.DB, res.RunID, "maintenance_fees"),
		map[string]float64{"C1": phi(5000), "C2": phi(3000), "C3": phi(0), "C4": phi(3000), "C5": phi(1000)}, 2e-7)
}

func TestThresholdsNormalizationByHand(t *testing.T) {
	// market_influence: C1 5, C2 3, C3 1, C4 4, C5 missing (worst).
	// Bands: from 1 → 0 points, from 3 → 50, from 5 → 100.
	store, res := runWithModel(t, modelWith("", "", "", ", normalization: {method: thresholds, bands: [{from: 1, points: 0}, {from: 3, points: 50}, {from: 5, points: 100}]}"))
	expectNormalized(t, normalizedOf(t, store.DB, res.RunID, "market_influence"),
		map[string]float64{"C1": 1, "C2": 0.5, "C3": 0, "C4": 0.5, "C5": 0}, 1e-12)
}

func scoreOf(t *testing.T, db *sql.DB, runID int64, id string) (score float64, tier, computed string) {
	t.Helper()
	if err := db.QueryRow(`SELECT score, tier, computed_tier FROM customer_value WHERE run_id = ? AND customer_id = ?`, runID, id).Scan(&score, &tier, &computed); err != nil {
		t.Fatal(err)
	}
	return
}

func TestExcludeRenormalizesByHand(t *testing.T) {
	// C4 has no invoice due: with "exclude", collection_timeliness (weight
	// 0.14) drops out and C4's other weights are scaled by 1 / 0.86. Its
	// default score 56.333… included 0.5 × 14 = 7 from it.
	store, res := runWithModel(t, modelWith("", "", ", missing: exclude", ""))
	want := (13.125 + 7.5 + 4.6875 + 4.6875 + 5 + 5 + 4 + 16.0/3) / 0.86
	if got, _, _ := scoreOf(t, store.DB, res.RunID, "C4"); math.Abs(got-want) > 1e-9 {
		t.Errorf("C4 score %.9f, want %.9f", got, want)
	}
	var w float64
	store.DB.QueryRow(`SELECT weight FROM value_contributions WHERE run_id = ? AND customer_id = 'C4' AND indicator = 'maintenance_fees'`, res.RunID).Scan(&w)
	if math.Abs(w-0.21/0.86) > 1e-12 {
		t.Errorf("C4 maintenance weight %v, want 0.21/0.86", w)
	}
	// C1 has all data: unchanged.
	if got, _, _ := scoreOf(t, store.DB, res.RunID, "C1"); math.Abs(got-(21+14*5.0/6+10+7.5+7.5+10+10+12+8)) > 1e-9 {
		t.Errorf("C1 score changed to %v", got)
	}
}

func TestMinCoverageAndOverridesByHand(t *testing.T) {
	// min_coverage 0.7: C4 (6 of 9) is unrated. The 4 rated customers by
	// score: C1, C2, C5, C3; quantile tiers of 4: A ≤ ⌊0.8⌋ = 0 (none),
	// B ≤ ⌊2⌋: C1, C2; C ≤ ⌊3.2⌋: C5; D: C3. Overrides: C3 → A until
	// 2026-12-31 (active); C5 → A until 2026-11-26 (expired the day before as-of).
	dir := t.TempDir()
	overrides := filepath.Join(dir, "overrides.csv")
	os.WriteFile(overrides, []byte("customer_id,tier,reason,owner,expires_at\nC3,A,strategic pilot,li.wei@example.com,2026-12-31\nC5,A,old promise,li.wei@example.com,2026-11-26\n"), 0o644)
	store, res := runWithModel(t, modelWith("  min_coverage: 0.7\n  overrides: "+overrides+"\n", "", "", ""))
	want := map[string][2]string{"C1": {"B", "B"}, "C2": {"B", "B"}, "C3": {"A", "D"}, "C4": {"unrated", "unrated"}, "C5": {"C", "C"}}
	for id, w := range want {
		if _, tier, computed := scoreOf(t, store.DB, res.RunID, id); tier != w[0] || computed != w[1] {
			t.Errorf("%s: tier %s (computed %s), want %s (%s)", id, tier, computed, w[0], w[1])
		}
	}
	var reason, owner string
	store.DB.QueryRow(`SELECT override_reason, override_owner FROM customer_value WHERE run_id = ? AND customer_id = 'C3'`, res.RunID).Scan(&reason, &owner)
	if reason != "strategic pilot" || owner != "li.wei@example.com" {
		t.Errorf("override kept as %q by %q", reason, owner)
	}
}

func TestSegmentsRankWithinThemselves(t *testing.T) {
	// employees: C1 1000, C2 100, C3 10, C4 50, C5 5. "big" = C1, C2.
	store, res := runWithModel(t, modelWith("  segments: [{name: big, when: \"employees >= 100\"}]\n", "", "", ""))
	rows, err := store.DB.Query(`SELECT customer_id, segment, rank FROM customer_value WHERE run_id = ? ORDER BY customer_id`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := ""
	for rows.Next() {
		var id, seg string
		var rank int
		rows.Scan(&id, &seg, &rank)
		got += id + ":" + seg + ":" + string(rune('0'+rank)) + " "
	}
	// Default segment C3, C4, C5 ranked among themselves: C4 > C5 > C3 as in the full ranking.
	if want := "C1:big:1 C2:big:2 C3:default:3 C4:default:1 C5:default:2 "; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// Within "big", C1 beats C2 on every indicator where they differ: two
	// customers give percentiles 0 and 1 (ties 0.5).
	n := normalizedOf(t, store.DB, res.RunID, "maintenance_fees")
	if n["C1"] != 1 || n["C2"] != 0 {
		t.Errorf("big segment maintenance percentiles C1 %v C2 %v, want 1 and 0", n["C1"], n["C2"])
	}
}

func TestSQLIndicator(t *testing.T) {
	model := strings.Replace(modelWith("", "", "", ""), "{name: market_influence, weight: 40, missing: worst}",
		`{name: headcount_small, weight: 40, direction: lower, sql: "SELECT customer_id, employees AS value FROM customers"}`, 1)
	store, res := runWithModel(t, model)
	// employees: C1 1000, C2 100, C3 10, C4 50, C5 5; lower is better:
	// percentiles ascending C5 0, C3 .25, C4 .5, C2 .75, C1 1 → turned.
	expectNormalized(t, normalizedOf(t, store.DB, res.RunID, "headcount_small"),
		map[string]float64{"C1": 0, "C2": 0.25, "C3": 0.75, "C4": 0.5, "C5": 1}, 1e-12)
}

// Queue by hand (as of 2026-11-27, defaults: severity points 30/20/10/0,
// wait 14 days, 2 points a day, capped at 40):
//
//	T3: C2 score 41.583…, severity 1 → +30, open since 2026-10-01 (57 days, 43 over) → +min(86, 40)
//	T5: C3 score 14.6875, severity 4 → +0, open 7 days → +0
//
// Estimated hours from tickets closed in the last 12 months: no (fault, 1)
// history, so T3 takes the fault average (T1 1 h, T4 2 h, T6 1 h) = 4/3; T5
// (request) has none, so the overall average (1 + 3 + 2 + 1 + 1) / 5 = 1.6.
// With 2 engineer hours, T3 fits (4/3 h) and T5 does not (4/3 + 1.6 > 2).
func TestServiceQueueByHand(t *testing.T) {
	store, res := runWithModel(t, modelWith("  service: {engineer_hours: 2}\n", "", "", ""))
	type row struct {
		id         string
		priority   float64
		hours      float64
		fits       bool
		reasonPart string
	}
	c2 := 13.125 + 14.0/3 + 3.75 + 4.6875 + 4.6875 + 8 + 8.0/3
	want := []row{
		{"T3", c2 + 30 + 40, 4.0 / 3, true, "+ 40 for waiting 57 days (over 14)"},
		{"T5", 3.75 + 0.9375 + 20.0/3 + 10.0/3, 1.6, false, "beyond this week's 2 h"},
	}
	rows, err := store.DB.Query(`SELECT ticket_id, priority, estimated_hours, fits_capacity, reason FROM service_queue WHERE run_id = ? ORDER BY rank`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var r row
		var reason string
		rows.Scan(&r.id, &r.priority, &r.hours, &r.fits, &reason)
		if i >= len(want) {
			t.Fatalf("extra queue row %s", r.id)
		}
		w := want[i]
		if r.id != w.id || math.Abs(r.priority-w.priority) > 1e-9 || math.Abs(r.hours-w.hours) > 1e-9 || r.fits != w.fits || !strings.Contains(reason, w.reasonPart) {
			t.Errorf("rank %d: got %s %.6f %.6f %v %q; want %s %.6f %.6f %v …%q…", i+1, r.id, r.priority, r.hours, r.fits, reason, w.id, w.priority, w.hours, w.fits, w.reasonPart)
		}
	}
	if i != len(want) {
		t.Errorf("%d queue rows, want %d", i, len(want))
	}
}

// Equal scores share a tier. Scored on maintenance fees alone (C1 5000,
// C2 3000, C3 0, C4 3000, C5 1000), C2 and C4 tie. Quantile tiers of 5 by
// position (rank(), ties share the first): C1 1, C2 2, C4 2, C5 4, C3 5;
// A ≤ ⌊1⌋: C1; B ≤ ⌊2.5⌋: C2, C4; C ≤ ⌊4⌋: C5; D: C3. Positions by
// row_number put C4 at 3 and in tier C, behind C2 only by its id.
func TestTiedScoresShareATier(t *testing.T) {
	store, res := runWithModel(t, "model:\n  hourly_cost: \"300.00\"\n  groups:\n"+
		"    - {name: economic, weight: 100, indicators: [{name: maintenance_fees, weight: 100}]}\n")
	want := map[string]string{"C1": "A", "C2": "B", "C4": "B", "C5": "C", "C3": "D"}
	for id, w := range want {
		if _, tier, _ := scoreOf(t, store.DB, res.RunID, id); tier != w {
			t.Errorf("%s: tier %s, want %s", id, tier, w)
		}
	}
}

// When every score is the same (one indicator, equal for everyone), the
// quantiles cannot order anyone: nobody gets a tier, where before A–D were
// dealt in customer-id order.
func TestAllTiedScoresAreUnrated(t *testing.T) {
	store, res := runWithModel(t, "model:\n  hourly_cost: \"300.00\"\n  groups:\n"+
		"    - {name: characteristics, weight: 100, indicators: [\n"+
		`        {name: same_for_all, weight: 100, direction: higher, sql: "SELECT customer_id, 1 AS value FROM customers"}]}`+"\n")
	if n := tableCount(t, store, "SELECT count(*) FROM customer_value WHERE run_id = "+itoa(res.RunID)+" AND tier <> 'unrated'"); n != 0 {
		t.Errorf("%d customers tiered from equal scores", n)
	}
	if n := tableCount(t, store, "SELECT count(*) FROM customer_value WHERE run_id = "+itoa(res.RunID)); n != 5 {
		t.Errorf("%d customers scored, want 5", n)
	}
}

// The default min_coverage is 0.5: a customer with data for fewer than half
// the indicators is unrated (before, the default 0 tiered a customer with
// data for 1 of 3 indicators like one with all 3).
func TestDefaultMinCoverageUnratesThinScores(t *testing.T) {
	store, res := runWithModel(t, "model:\n  hourly_cost: \"300.00\"\n  groups:\n"+
		"    - {name: characteristics, weight: 100, indicators: [\n"+
		`        {name: only_c1_a, weight: 34, direction: higher, sql: "SELECT customer_id, 1 AS value FROM customers WHERE customer_id = 'C1'"},`+"\n"+
		`        {name: only_c1_b, weight: 33, direction: higher, sql: "SELECT customer_id, 2 AS value FROM customers WHERE customer_id IN ('C1', 'C2')"},`+"\n"+
		`        {name: everyone, weight: 33, direction: higher, sql: "SELECT customer_id, employees AS value FROM customers"}]}`+"\n")
	// Coverage: C1 3/3, C2 2/3, C3..C5 1/3 (< 0.5: unrated).
	want := map[string]bool{"C1": true, "C2": true, "C3": false, "C4": false, "C5": false}
	for id, rated := range want {
		if _, tier, _ := scoreOf(t, store.DB, res.RunID, id); (tier != "unrated") != rated {
			t.Errorf("%s: tier %s, rated want %v", id, tier, rated)
		}
	}
}
