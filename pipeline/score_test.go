package pipeline

import (
	"math"
	"testing"
)

// The fixture in testdata/fixture has five customers touching all nine
// indicators, as of 2026-11-27 (12-month window (2025-11-27, 2026-11-27],
// 24-month window (2024-11-27, 2026-11-27]). Raw values by hand:
//
//	indicator               C1     C2     C3     C4       C5
//	maintenance_fees        5000   3000   0      3000     1000   (I0, I14 fall outside the window; I9 on the as-of day counts)
//	collection_timeliness   1      0.25   0      missing  1      (A2: 500 of 2000 paid by due; A5 due outside the window)
//	repurchase              3      1      1      2        0      (I12 is exactly 24 months back: outside)
//	proactive_communication 2      1      0      1        0.5    (inbound per quarter; AC1-old is outside)
//	referral                3      1      0      1        0      (C1 referred C2, C3 + promoter; C2 referred C4; C4 promoter)
//	ease_of_coordination    0      2      0.5    missing  1      (lower is better; T7 is outside)
//	satisfaction_per_cost   5/3    0.2    0.75   missing  1.5    (C5: no CSAT, NPS 5 → 5·0.4+1 = 3, /(1+1))
//	scale                   C1>C2>C4>C3                 missing (no revenue)
//	market_influence        5      3      1      4        missing (policy: worst)
//
// Mid-rank percentiles (below + (equal-1)/2) / (n-1), turned for lower-is-better:
//
//	maintenance_fees        1      .625   0      .625     .25
//	collection_timeliness   5/6    1/3    0      .5(n)    5/6
//	repurchase              1      .375   .375   .75      0
//	proactive_communication 1      .625   0      .625     .25
//	referral                1      .625   .125   .625     .125
//	ease_of_coordination    1      0      2/3    .5(n)    1/3
//	satisfaction_per_cost   1      0      1/3    .5(n)    2/3
//	scale                   1      2/3    0      1/3      .5(n)
//	market_influence        1      1/3    0      2/3      0(w)
//
// Weights: economic .35 (.21, .14), loyalty .25 (.1, .075, .075), service
// effect .2 (.1, .1), characteristics .2 (.12, .08). Scores = 100·Σ w·n:
//
//	C1 = 21 + 14·5/6 + 10 + 7.5 + 7.5 + 10 + 10 + 12 + 8                = 97.666…
//	C2 = 13.125 + 14/3 + 3.75 + 4.6875 + 4.6875 + 0 + 0 + 8 + 8/3        = 41.583…
//	C3 = 0 + 0 + 3.75 + 0 + 0.9375 + 20/3 + 10/3 + 0 + 0                 = 14.6875
//	C4 = 13.125 + 7 + 7.5 + 4.6875 + 4.6875 + 5 + 5 + 4 + 16/3           = 56.333…
//	C5 = 5.25 + 14·5/6 + 0 + 1.875 + 0.9375 + 10/3 + 20/3 + 6 + 0        = 35.729…
//
// Tiers by quantile (0.2, 0.5, 0.8) of 5: A = 1st, B = 2nd, C = 3rd–4th, D = 5th.
func TestFixtureScoresByHand(t *testing.T) {
	store, res := runFixture(t, "testdata/fixture.yaml")
	want := map[string]struct {
		score    float64
		tier     string
		rank     int
		coverage float64
	}{
		"C1": {21 + 14*5.0/6 + 10 + 7.5 + 7.5 + 10 + 10 + 12 + 8, "A", 1, 1},
		"C2": {13.125 + 14.0/3 + 3.75 + 4.6875 + 4.6875 + 8 + 8.0/3, "C", 3, 1},
		"C3": {3.75 + 0.9375 + 20.0/3 + 10.0/3, "D", 5, 1},
		"C4": {13.125 + 7 + 7.5 + 4.6875 + 4.6875 + 5 + 5 + 4 + 16.0/3, "B", 2, 6.0 / 9},
		"C5": {5.25 + 14*5.0/6 + 1.875 + 0.9375 + 10.0/3 + 20.0/3 + 6, "C", 4, 7.0 / 9},
	}
	rows, err := store.DB.Query(`SELECT customer_id, score, tier, rank, coverage FROM customer_value WHERE run_id = ?`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id, tier string
		var score, coverage float64
		var rank int
		if err := rows.Scan(&id, &score, &tier, &rank, &coverage); err != nil {
			t.Fatal(err)
		}
		seen++
		w, ok := want[id]
		if !ok {
			t.Errorf("unexpected customer %s", id)
			continue
		}
		if math.Abs(score-w.score) > 1e-9 || tier != w.tier || rank != w.rank || math.Abs(coverage-w.coverage) > 1e-12 {
			t.Errorf("%s: got score %.6f tier %s rank %d coverage %.4f; want %.6f %s %d %.4f", id, score, tier, rank, coverage, w.score, w.tier, w.rank, w.coverage)
		}
	}
	if seen != len(want) {
		t.Errorf("scored %d customers, want %d", seen, len(want))
	}
}

func TestFixtureContributionsByHand(t *testing.T) {
	store, res := runFixture(t, "testdata/fixture.yaml")
	// A few cells of the table above, with their weights.
	cases := []struct {
		customer, indicator string
		normalized, weight  float64
		missing             bool
	}{
		{"C1", "collection_timeliness", 5.0 / 6, 0.14, false},
		{"C2", "repurchase", 0.375, 0.1, false},
		{"C3", "ease_of_coordination", 2.0 / 3, 0.1, false},
		{"C4", "collection_timeliness", 0.5, 0.14, true},
		{"C5", "market_influence", 0, 0.08, true},
		{"C5", "satisfaction_per_cost", 2.0 / 3, 0.1, false},
		{"C5", "scale", 0.5, 0.12, true},
	}
	for _, c := range cases {
		var norm, weight, contribution float64
		var missing bool
		err := store.DB.QueryRow(`SELECT normalized, weight, contribution, missing FROM value_contributions
			WHERE run_id = ? AND customer_id = ? AND indicator = ?`, res.RunID, c.customer, c.indicator).Scan(&norm, &weight, &contribution, &missing)
		if err != nil {
			t.Fatalf("%s %s: %v", c.customer, c.indicator, err)
		}
		if math.Abs(norm-c.normalized) > 1e-12 || math.Abs(weight-c.weight) > 1e-12 || missing != c.missing ||
			math.Abs(contribution-100*c.weight*c.normalized) > 1e-9 {
			t.Errorf("%s %s: got norm %v weight %v contribution %v missing %v; want %v %v %v %v",
				c.customer, c.indicator, norm, weight, contribution, missing, c.normalized, c.weight, 100*c.weight*c.normalized, c.missing)
		}
	}
	var worst float64
	if err := store.DB.QueryRow(`SELECT max(abs(cv.score - s.total)) FROM customer_value cv JOIN
		(SELECT customer_id, sum(contribution) AS total FROM value_contributions WHERE run_id = ? GROUP BY ALL) s USING (customer_id)
		WHERE cv.run_id = ?`, res.RunID, res.RunID).Scan(&worst); err != nil {
		t.Fatal(err)
	}
	if worst > 1e-9 {
		t.Errorf("contributions differ from scores by up to %g", worst)
	}
}

// Receivables and queue facts of the fixture, by hand: A3 (C3, 1000.00, due
// 2026-08-31) is 88 days past due; A5 (C1, 777.00, due 2025-10-31) over 90;
// payment Y5 names no invoice and stays unapplied. Open tickets at the end
// of 2026-11-27: T3 (C2, rank 3 customer) before T5 (C3, rank 5).
func TestFixtureAgingAndQueue(t *testing.T) {
	store, res := runFixture(t, "testdata/fixture.yaml")
	var c3, c1 string
	if err := store.DB.QueryRow(`SELECT d61_90::VARCHAR FROM ar_aging WHERE run_id = ? AND customer_id = 'C3'`, res.RunID).Scan(&c3); err != nil {
		t.Fatal(err)
	}
	if err := store.DB.QueryRow(`SELECT d90_plus::VARCHAR FROM ar_aging WHERE run_id = ? AND customer_id = 'C1'`, res.RunID).Scan(&c1); err != nil {
		t.Fatal(err)
	}
	if c3 != "1000.00" || c1 != "777.00" {
		t.Errorf("aging: C3 61-90 = %s (want 1000.00), C1 90+ = %s (want 777.00)", c3, c1)
	}
	var total string
	if err := store.DB.QueryRow(`SELECT sum(total_open)::VARCHAR FROM ar_aging WHERE run_id = ?`, res.RunID).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != "1777.00" {
		t.Errorf("total open = %s, want 1777.00", total)
	}
	rows, err := store.DB.Query(`SELECT ticket_id FROM service_queue WHERE run_id = ? ORDER BY rank`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		got = append(got, id)
	}
	if len(got) != 2 || got[0] != "T3" || got[1] != "T5" {
		t.Errorf("queue = %v, want [T3 T5]", got)
	}
	var revenue, cost, vap string
	if err := store.DB.QueryRow(`SELECT revenue_12m::VARCHAR, service_cost_12m::VARCHAR, value_added_profit::VARCHAR FROM customer_value WHERE run_id = ? AND customer_id = 'C1'`, res.RunID).Scan(&revenue, &cost, &vap); err != nil {
		t.Fatal(err)
	}
	// C1: I1 4000 + I2 1000 + I4 5000 + I5 10000; 4 effort hours × 300.
	if revenue != "20000.00" || cost != "1200.00" || vap != "18800.00" {
		t.Errorf("C1 economics = %s, %s, %s; want 20000.00, 1200.00, 18800.00", revenue, cost, vap)
	}
}
