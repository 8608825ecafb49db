package pipeline

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/accordhq/accord/pipeline/model"
)

func groupWeights(t *testing.T, store *Store, runID int64) map[string]float64 {
	t.Helper()
	return floatsByKey(t, store.DB, `SELECT group_name, any_value(group_weight) FROM model_used WHERE run_id = ? GROUP BY ALL`, runID)
}

// A consistent matrix (a_ij = w_i / w_j for w = 0.4, 0.2, 0.2, 0.2) gives
// exactly those group weights and a consistency ratio of 0.
func TestAHPWeightsInARun(t *testing.T) {
	store, res := runWithModel(t, modelWith(`  weights:
    method: ahp
    ahp:
      groups: [[1, 2, 2, 2], ["1/2", 1, 1, 1], ["1/2", 1, 1, 1], ["1/2", 1, 1, 1]]
`, "", "", ""))
	got := groupWeights(t, store, res.RunID)
	for g, w := range map[string]float64{"economic": 0.4, "loyalty": 0.2, "service_effect": 0.2, "characteristics": 0.2} {
		if math.Abs(got[g]-w) > 1e-9 {
			t.Errorf("%s weight %v, want %v", g, got[g], w)
		}
	}
	var method string
	store.DB.QueryRow(`SELECT any_value(weight_method) FROM model_used WHERE run_id = ?`, res.RunID).Scan(&method)
	if !strings.HasPrefix(method, "ahp (consistency ratio 0.000") {
		t.Errorf("weight method %q", method)
	}
}

func TestInconsistentAHPFailsTheRunNamingTheRatioAndPair(t *testing.T) {
	cfgModel := modelWith(`  weights:
    method: ahp
    ahp:
      groups: [[1, 9, "1/9", 1], ["1/9", 1, 9, 1], [9, "1/9", 1, 1], [1, 1, 1, 1]]
`, "", "", "")
	_, err := runModelErr(t, cfgModel)
	if !errors.Is(err, model.ErrInconsistent) {
		t.Fatalf("want an inconsistency error, got %v", err)
	}
	for _, want := range []string{"model.weights.ahp.groups", "consistency ratio", "most inconsistent"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// The entropy weights a run uses are checked against the entropy method
// computed here independently, in SQL over the run's normalized values:
// p = x / Σx per indicator, e = −Σ p ln p / ln n, w = (1 − e) / Σ(1 − e).
func TestEntropyWeightsMatchAnIndependentComputation(t *testing.T) {
	store, res := runWithModel(t, modelWith("  weights: {method: entropy}\n", "", "", ""))
	rows, err := store.DB.Query(`
		WITH x AS (SELECT indicator, normalized AS v FROM value_contributions WHERE run_id = ?),
		     p AS (SELECT indicator, v / sum(v) OVER (PARTITION BY indicator) AS p, count(*) OVER () / count(DISTINCT indicator) OVER () AS n FROM x),
		     e AS (SELECT indicator, -sum(CASE WHEN p > 0 THEN p * ln(p) ELSE 0 END) / ln(any_value(n)) AS e FROM p GROUP BY indicator)
		SELECT e.indicator, (1 - e) / sum(1 - e) OVER (), m.weight
		FROM e JOIN model_used m ON m.indicator = e.indicator AND m.run_id = ?`, res.RunID, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var ind string
		var want, got float64
		rows.Scan(&ind, &want, &got)
		n++
		if math.Abs(want-got) > 1e-9 {
			t.Errorf("%s: weight %v, independent entropy %v", ind, got, want)
		}
	}
	if n != 9 {
		t.Errorf("checked %d indicators, want 9", n)
	}
}
