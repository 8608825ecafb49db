package model

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestEntropyWeightsByHand(t *testing.T) {
	// Three customers, three indicators, chosen so every logarithm is exact:
	//
	//	column 1: 1, 1, 1 → p = ⅓ each; Σ p ln p = ln ⅓ = −ln 3; e = ln 3/ln 3 = 1; d = 0
	//	column 2: 1, 0, 0 → p = 1, 0, 0; Σ p ln p = 0 (0·ln 0 = 0);   e = 0;   d = 1
	//	column 3: 1, 1, 0 → p = ½, ½, 0; Σ p ln p = ln ½ = −ln 2;      e = ln 2/ln 3; d = 1 − ln 2/ln 3
	//
	// ln 2/ln 3 = 0.693147/1.098612 = 0.630930, so d = (0, 1, 0.369070),
	// Σ d = 1.369070 and w = (0, 0.730423, 0.269577).
	matrix := [][]float64{
		{1, 1, 1},
		{1, 0, 1},
		{1, 0, 0},
	}
	w, err := EntropyWeights(matrix)
	if err != nil {
		t.Fatal(err)
	}
	ratio := math.Ln2 / math.Log(3)
	nearAll(t, "weights (closed form)", w, []float64{0, 1 / (2 - ratio), (1 - ratio) / (2 - ratio)}, 1e-15)
	nearAll(t, "weights (6 decimals)", w, []float64{0, 0.730423, 0.269577}, 5e-7)
}

func TestEntropyWeightsXu2004(t *testing.T) {
	// Xu, X. (2004). "A note on the subjective and objective integrated
	// approach to determine attribute weights". European Journal of
	// Operational Research 156(2), 530–532: four alternatives on four
	// attributes, entropy weights 0.4630, 0.3992, 0.1378, 0.0000 (as
	// reproduced in the test suite of the energyinpython/distance-metrics-
	// for-mcda package, tests/test_weights.py). The fourth attribute is
	// nearly constant (29, 29, 28.9, 29) and so carries almost no weight.
	//
	// The published matrix is in raw units; p_ij = x_ij/Σ_i x_ij does not
	// change when a column is scaled, so it is divided by 100 here to stay
	// inside the [0,1] the pipeline passes.
	raw := [][]float64{
		{30, 30, 38, 29},
		{19, 54, 86, 29},
		{19, 15, 85, 28.9},
		{68, 70, 60, 29},
	}
	scaled := make([][]float64, len(raw))
	for i, row := range raw {
		for _, v := range row {
			scaled[i] = append(scaled[i], v/100)
		}
	}
	for name, m := range map[string][][]float64{"raw": raw, "scaled": scaled} {
		w, err := EntropyWeights(m)
		if err != nil {
			t.Fatal(err)
		}
		nearAll(t, name+" weights", w, []float64{0.4630, 0.3992, 0.1378, 0.0000}, 5e-5)
	}
}

func TestEntropyWeightsDegenerateColumns(t *testing.T) {
	// A column of zeros is defined as e = 1, weight 0; the rest share the
	// weight as if it were not there. Columns 1 and 2 below are the same
	// data, so they share equally: 0.5 each.
	w, err := EntropyWeights([][]float64{
		{0, 0.2, 0.2},
		{0, 0.8, 0.8},
		{0, 0.5, 0.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	nearAll(t, "zero column", w, []float64{0, 0.5, 0.5}, 1e-15)

	// No column tells customers apart (all constant or zero): equal weights.
	w, err = EntropyWeights([][]float64{{0.3, 0, 1}, {0.3, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	nearAll(t, "nothing to tell apart", w, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-15)
}

func TestEntropyWeightsRejectsBadMatrices(t *testing.T) {
	for name, m := range map[string][][]float64{
		"one customer":  {{0.1, 0.2}},
		"no customers":  nil,
		"no indicators": {{}, {}},
		"ragged":        {{0.1, 0.2}, {0.3}},
		"negative":      {{0.1, -0.2}, {0.3, 0.4}},
		"NaN":           {{0.1, math.NaN()}, {0.3, 0.4}},
		"infinite":      {{0.1, math.Inf(1)}, {0.3, 0.4}},
	} {
		_, err := EntropyWeights(m)
		if !errors.Is(err, ErrInvalidMatrix) {
			t.Errorf("%s: error = %v, want ErrInvalidMatrix", name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "entropy weights: ") {
			t.Errorf("%s: error %q lacks its prefix", name, err)
		}
	}
}

// saatyHouse is the criteria matrix of the house-buying example in Saaty,
// T. L. (1990). "How to make a decision: the analytic hierarchy process".
// European Journal of Operational Research 48, 9–26 (section 2, the
// pairwise comparison matrix of the eight criteria; also transcribed in
// LINDO Systems' model AnaHierProc02, which cites the paper). Criteria:
// size of house, transportation, neighborhood, age, yard space, modern
// facilities, general condition, financing.
var saatyHouse = [][]float64{
	{1, 5, 3, 7, 6, 6, 1.0 / 3, 1.0 / 4},
	{1.0 / 5, 1, 1.0 / 3, 5, 3, 3, 1.0 / 5, 1.0 / 7},
	{1.0 / 3, 3, 1, 6, 3, 4, 6, 1.0 / 5},
	{1.0 / 7, 1.0 / 5, 1.0 / 6, 1, 1.0 / 3, 1.0 / 4, 1.0 / 7, 1.0 / 8},
	{1.0 / 6, 1.0 / 3, 1.0 / 3, 3, 1, 1.0 / 2, 1.0 / 5, 1.0 / 6},
	{1.0 / 6, 1.0 / 3, 1.0 / 4, 4, 2, 1, 1.0 / 5, 1.0 / 6},
	{3, 5, 1.0 / 6, 7, 5, 5, 1, 1.0 / 2},
	{4, 7, 5, 8, 6, 6, 2, 1},
}

func TestAHPSaatyHouseExample(t *testing.T) {
	// Published with the matrix: priorities .173 .054 .188 .018 .031 .036
	// .167 .333, λmax = 9.669, C.I. = 0.238, C.R. = 0.169 — above 0.1, so
	// Saaty's own example is one AHP must refuse.
	r, err := AHP(saatyHouse)
	nearAll(t, "weights", r.Weights, []float64{.173, .054, .188, .018, .031, .036, .167, .333}, 0.0005+1e-9)
	near(t, "λmax", r.LambdaMax, 9.669, 0.0005+1e-9)
	near(t, "CI", r.CI, 0.238, 0.0005+1e-9)
	near(t, "CR", r.CR, 0.169, 0.0005+1e-9)
	near(t, "Σ weights", sum(r.Weights), 1, 1e-12)

	// The worst pair, by hand from the published priorities: the factor
	// max(a_ij·w_j/w_i, its inverse) for a few suspects —
	//   neighborhood over general condition a_37 = 6, w3/w7 = .188/.167 = 1.126 → 5.33
	//   size over neighborhood              a_13 = 3, w1/w3 = .173/.188 = 0.920 → 3.26
	//   size over general condition         a_17 = 1/3, w1/w7 = 1.036        → 3.11
	//   neighborhood over financing         a_38 = 1/5, w3/w8 = 0.565        → 2.83
	//   age over financing                  a_48 = 1/8, w4/w8 = 0.054        → 2.31
	// and every other pair is at most 2.08. So rows 3 and 7, 0-based (2, 6),
	// by a wide margin.
	if r.WorstPair != [2]int{2, 6} {
		t.Errorf("WorstPair = %v, want [2 6] (neighborhood vs general condition)", r.WorstPair)
	}
	near(t, "worst deviation", r.WorstDeviation, 6/(.188/.167), 0.05)

	var inconsistent *InconsistentError
	if !errors.As(err, &inconsistent) {
		t.Fatalf("error = %v, want *InconsistentError (CR 0.169 ≥ 0.1)", err)
	}
	if !errors.Is(err, ErrInconsistent) {
		t.Errorf("errors.Is(err, ErrInconsistent) = false")
	}
	near(t, "error CR", inconsistent.CR, 0.169, 0.0005+1e-9)
	if inconsistent.Pair != [2]int{2, 6} || inconsistent.Judgement != 6 {
		t.Errorf("error pair %v judgement %v, want [2 6] and 6", inconsistent.Pair, inconsistent.Judgement)
	}
	near(t, "implied ratio", inconsistent.Implied, .188/.167, 0.01)
	for _, want := range []string{"ahp: ", "0.169", "row 3 against column 7", "6 given"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err, want)
		}
	}
}

func TestAHPWikipediaLeaderExample(t *testing.T) {
	// Wikipedia, "Analytic hierarchy process – leader example" (the Tom,
	// Dick and Harry case): criteria Experience, Education, Charisma, Age,
	// judged Experience 4× Education, 3× Charisma, 7× Age; Education ⅓×
	// Charisma, 3× Age; Charisma 5× Age (as transcribed in the R package
	// ahp, inst/extdata/tom_dick_harry.ahp). The article gives the criteria
	// weights .547, .127, .270, .056 and goes on to use them, so the matrix
	// passes the consistency check. The four figures sum to exactly 1.000;
	// rounding each to nearest would give 1.001, so one of them (Experience,
	// .5476 by the eigenvector) was rounded the other way to make the sum.
	// Hence a tolerance of one unit in the third decimal, not half a unit.
	leader := [][]float64{
		{1, 4, 3, 7},
		{1.0 / 4, 1, 1.0 / 3, 3},
		{1.0 / 3, 3, 1, 5},
		{1.0 / 7, 1.0 / 3, 1.0 / 5, 1},
	}
	r, err := AHP(leader)
	if err != nil {
		t.Fatalf("AHP(leader) error = %v, want none", err)
	}
	nearAll(t, "weights", r.Weights, []float64{.547, .127, .270, .056}, 0.001)
	if !(r.CR > 0 && r.CR < ConsistencyLimit) {
		t.Errorf("CR = %v, want within (0, 0.1): judgements are not perfectly consistent but acceptable", r.CR)
	}
	if !(r.LambdaMax > 4) {
		t.Errorf("λmax = %v, want above n = 4 for an imperfect matrix", r.LambdaMax)
	}
}

func TestAHPThreeByThreeClosedForm(t *testing.T) {
	// For a 3×3 reciprocal matrix with a12 = a, a13 = b, a23 = c the
	// principal eigenvector is the normalized row geometric means and
	// λmax = 1 + k^(1/3) + k^(−1/3), k = b/(a·c) (Saaty 1980, The Analytic
	// Hierarchy Process, ch. 2; checked by substituting into A·w = λ·w).
	//
	// a = 2, b = 2, c = 2 (consistency would need b = a·c = 4):
	//   k = 2/4 = ½; ∛½ = 0.793701, ∛2 = 1.259921 → λmax = 3.053622
	//   CI = 0.053622/2 = 0.026811; CR = 0.026811/0.58 = 0.046225 (< 0.1)
	//   row geometric means ∛(1·2·2) = 1.587401, ∛(½·1·2) = 1, ∛(½·½·1) = 0.629961;
	//   sum 3.217362 → w = (1.587401/3.217362, 1/3.217362, 0.629961/3.217362)
	//                    = (0.493386, 0.310814, 0.195800)
	m := [][]float64{
		{1, 2, 2},
		{0.5, 1, 2},
		{0.5, 0.5, 1},
	}
	r, err := AHP(m)
	if err != nil {
		t.Fatal(err)
	}
	g := []float64{math.Cbrt(4), 1, math.Cbrt(0.25)}
	total := g[0] + g[1] + g[2]
	nearAll(t, "weights (closed form)", r.Weights, []float64{g[0] / total, g[1] / total, g[2] / total}, 1e-12)
	nearAll(t, "weights (6 decimals)", r.Weights, []float64{0.493386, 0.310814, 0.195800}, 1e-6)
	lambda := 1 + math.Cbrt(0.5) + math.Cbrt(2)
	near(t, "λmax", r.LambdaMax, lambda, 1e-12)
	near(t, "CI", r.CI, (lambda-3)/2, 1e-12)
	near(t, "CR", r.CR, (lambda-3)/2/0.58, 1e-12)
	near(t, "CR (6 decimals)", r.CR, 0.046225, 1e-6)
}

func TestAHPOneReversedJudgementIsTheWorstPair(t *testing.T) {
	// Start from the consistent doubling matrix a_ij = 2^(j−i) (weights 8:4:2:1)
	// and reverse one judgement: criterion 1 is now ⅛ of criterion 4 instead
	// of 8×, off by a factor of 64. Every other judgement still agrees with
	// the others, so the reversed pair must be the one reported.
	m := [][]float64{
		{1, 2, 4, 1.0 / 8},
		{1.0 / 2, 1, 2, 4},
		{1.0 / 4, 1.0 / 2, 1, 2},
		{8, 1.0 / 4, 1.0 / 2, 1},
	}
	r, err := AHP(m)
	var inconsistent *InconsistentError
	if !errors.As(err, &inconsistent) {
		t.Fatalf("error = %v, want *InconsistentError", err)
	}
	if r.WorstPair != [2]int{0, 3} || inconsistent.Pair != [2]int{0, 3} {
		t.Errorf("worst pair %v / %v, want [0 3]", r.WorstPair, inconsistent.Pair)
	}
	if inconsistent.CR < ConsistencyLimit || inconsistent.CR != r.CR {
		t.Errorf("error CR %v, result CR %v: want the same value, ≥ 0.1", inconsistent.CR, r.CR)
	}
	if !strings.Contains(err.Error(), "row 1 against column 4") {
		t.Errorf("message %q does not name the pair", err)
	}
	if len(r.Weights) != 4 || math.Abs(sum(r.Weights)-1) > 1e-12 {
		t.Errorf("weights %v: an inconsistent result must still be returned in full", r.Weights)
	}
}

func TestAHPSmallMatrices(t *testing.T) {
	// n = 1: the single criterion gets everything.
	r, err := AHP([][]float64{{1}})
	if err != nil {
		t.Fatal(err)
	}
	nearAll(t, "n=1 weights", r.Weights, []float64{1}, 0)
	near(t, "n=1 CR", r.CR, 0, 0)

	// n = 2: always consistent; 3:1 gives ¾, ¼; λmax = 2 exactly
	// (A·w = (¾ + 3·¼, ⅓·¾ + ¼) = (1.5, 0.5) = 2·w).
	r, err = AHP([][]float64{{1, 3}, {1.0 / 3, 1}})
	if err != nil {
		t.Fatal(err)
	}
	nearAll(t, "n=2 weights", r.Weights, []float64{0.75, 0.25}, 1e-15)
	near(t, "n=2 λmax", r.LambdaMax, 2, 1e-15)
	near(t, "n=2 CR", r.CR, 0, 0)
}

func TestAHPRejectsInvalidMatrices(t *testing.T) {
	eleven := make([][]float64, 11)
	for i := range eleven {
		eleven[i] = make([]float64, 11)
		for j := range eleven[i] {
			eleven[i][j] = 1
		}
	}
	for name, c := range map[string]struct {
		m    [][]float64
		want string
	}{
		"empty":           {nil, "0 criteria"},
		"too large":       {eleven, "11 criteria"},
		"not square":      {[][]float64{{1, 2}, {0.5, 1, 3}}, "row 2 has 3 entries"},
		"zero":            {[][]float64{{1, 0}, {1, 1}}, "a[1][2] = 0"},
		"negative":        {[][]float64{{1, -2}, {-0.5, 1}}, "a[1][2] = -2"},
		"NaN":             {[][]float64{{1, math.NaN()}, {1, 1}}, "a[1][2] = NaN"},
		"diagonal":        {[][]float64{{2, 1}, {1, 1}}, "diagonal a[1][1] = 2"},
		"not reciprocal":  {[][]float64{{1, 3}, {0.5, 1}}, "a[2][1] = 0.5 is not the reciprocal of a[1][2] = 3"},
		"rounded too far": {[][]float64{{1, 3}, {0.333, 1}}, "not the reciprocal"},
	} {
		_, err := AHP(c.m)
		if !errors.Is(err, ErrInvalidMatrix) {
			t.Errorf("%s: error = %v, want ErrInvalidMatrix", name, err)
			continue
		}
		if errors.Is(err, ErrInconsistent) {
			t.Errorf("%s: an invalid matrix is not an inconsistent one", name)
		}
		if !strings.HasPrefix(err.Error(), "ahp: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: message %q, want it to start with \"ahp: \" and contain %q", name, err, c.want)
		}
	}
	// 1/3 written to seven places is reciprocal enough (|3·0.3333333 − 1| = 1e-7).
	if _, err := AHP([][]float64{{1, 3}, {0.3333333, 1}}); err != nil {
		t.Errorf("rounded reciprocal rejected: %v", err)
	}
}

func TestRandomIndexIsSaatysTable(t *testing.T) {
	want := map[int]float64{1: 0, 2: 0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
	for n, ri := range want {
		got, ok := RandomIndex(n)
		if !ok || got != ri {
			t.Errorf("RandomIndex(%d) = %v, %v; want %v", n, got, ok, ri)
		}
	}
	for _, n := range []int{0, 11, -1} {
		if _, ok := RandomIndex(n); ok {
			t.Errorf("RandomIndex(%d) claims a value", n)
		}
	}
}

func TestCombine(t *testing.T) {
	// α = 0.5: ½·(0.6, 0.4, 0) + ½·(0.2, 0.2, 0.6) = (0.4, 0.3, 0.3), sums to 1 already.
	nearAll(t, "α = 0.5", Combine([]float64{0.6, 0.4, 0}, []float64{0.2, 0.2, 0.6}, 0.5), []float64{0.4, 0.3, 0.3}, 1e-15)
	// α = 1 and α = 0 return either side.
	nearAll(t, "α = 1", Combine([]float64{0.6, 0.4}, []float64{0.1, 0.9}, 1), []float64{0.6, 0.4}, 1e-15)
	nearAll(t, "α = 0", Combine([]float64{0.6, 0.4}, []float64{0.1, 0.9}, 0), []float64{0.1, 0.9}, 1e-15)
	// Inputs that do not sum to 1 are normalised: 0.25·(2, 2) + 0.75·(0, 4) = (0.5, 3.5) → (0.125, 0.875).
	nearAll(t, "normalised", Combine([]float64{2, 2}, []float64{0, 4}, 0.25), []float64{0.125, 0.875}, 1e-15)
	// All zero: equal weights rather than NaN.
	nearAll(t, "all zero", Combine([]float64{0, 0}, []float64{0, 0}, 0.5), []float64{0.5, 0.5}, 0)

	for name, f := range map[string]func(){
		"length mismatch": func() { Combine([]float64{1}, []float64{0.5, 0.5}, 0.5) },
		"alpha above 1":   func() { Combine([]float64{1}, []float64{1}, 1.5) },
		"alpha NaN":       func() { Combine([]float64{1}, []float64{1}, math.NaN()) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Combine did not panic", name)
				}
			}()
			f()
		}()
	}
}
