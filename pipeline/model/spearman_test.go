package model

import (
	"math"
	"slices"
	"testing"
)

func TestSpearmanWithTies(t *testing.T) {
	// The example in SciPy's documentation of scipy.stats.spearmanr:
	// x = 1..5, y = 5, 6, 7, 8, 7 gives 0.8207826816681233.
	// By hand: ranks of x are 1..5; y's two 7s share positions 3 and 4, so
	// y ranks 1, 2, 3.5, 5, 3.5. Both rank means are 3; deviations
	// dx = −2, −1, 0, 1, 2 and dy = −2, −1, 0.5, 2, 0.5:
	//   Σdx·dy = 4 + 1 + 0 + 2 + 1 = 8,  Σdx² = 10,  Σdy² = 4 + 1 + 0.25 + 4 + 0.25 = 9.5
	//   ρ = 8/√(10·9.5) = 8/√95 = 0.820783
	// (The no-ties shortcut 1 − 6Σd²/(n(n²−1)) would give 1 − 6·2.5/120 = 0.875.)
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{5, 6, 7, 8, 7}
	near(t, "ρ (closed form)", Spearman(x, y), 8/math.Sqrt(95), 1e-15)
	near(t, "ρ (SciPy docs)", Spearman(x, y), 0.8207826816681233, 1e-15)
	near(t, "ρ symmetric", Spearman(y, x), Spearman(x, y), 0)
}

func TestSpearmanWikipediaExample(t *testing.T) {
	// Wikipedia, "Spearman's rank correlation coefficient", Example: IQ
	// against hours of TV per week for ten people, no ties, ρ = −29/165
	// = −0.175758 (Σd² = 194; 1 − 6·194/(10·99) = −29/165).
	iq := []float64{106, 100, 86, 101, 99, 103, 97, 113, 112, 110}
	tv := []float64{7, 27, 2, 50, 28, 29, 20, 12, 6, 17}
	near(t, "ρ", Spearman(iq, tv), -29.0/165, 1e-15)
}

func TestSpearmanIsAboutOrderOnly(t *testing.T) {
	// Any increasing transformation keeps ρ = 1; reversing gives −1.
	x := []float64{1, 2, 3, 4, 5, 6}
	cubes := []float64{1, 8, 27, 64, 125, 216}
	near(t, "increasing", Spearman(x, cubes), 1, 1e-15)
	reversed := slices.Clone(cubes)
	slices.Reverse(reversed)
	near(t, "decreasing", Spearman(x, reversed), -1, 1e-15)
	expX := make([]float64, len(x))
	for i, v := range x {
		expX[i] = math.Exp(v)
	}
	near(t, "exp leaves ranks alone", Spearman(expX, reversed), -1, 1e-15)
}

func TestSpearmanUndefined(t *testing.T) {
	for name, c := range map[string][2][]float64{
		"no pairs":       {nil, nil},
		"one pair":       {{1}, {2}},
		"constant x":     {{3, 3, 3}, {1, 2, 3}},
		"constant y":     {{1, 2, 3}, {7, 7, 7}},
		"NaN in x":       {{1, math.NaN(), 3}, {1, 2, 3}},
		"NaN in y":       {{1, 2, 3}, {1, 2, math.NaN()}},
		"both constant":  {{0, 0}, {0, 0}},
		"constant, tied": {{5, 5, 5, 5}, {1, 1, 2, 2}},
	} {
		if v := Spearman(c[0], c[1]); !math.IsNaN(v) {
			t.Errorf("%s: Spearman = %v, want NaN", name, v)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Spearman of different lengths did not panic")
		}
	}()
	Spearman([]float64{1, 2}, []float64{1, 2, 3})
}

func TestAverageRanks(t *testing.T) {
	got := AverageRanks([]float64{20, 10, 30, 20, math.NaN(), 20})
	// 10 → 1; three 20s share positions 2, 3, 4 → 3; 30 → 5; NaN unranked.
	want := []float64{3, 1, 5, 3, math.NaN(), 3}
	for i := range want {
		if !(got[i] == want[i] || math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Errorf("rank[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
