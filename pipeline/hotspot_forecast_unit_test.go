package pipeline

import (
	"math"
	"testing"
)

// TestConvolvedTotalIsNegativeBinomial: the total's distribution is the
// groups' convolved, each trimmed of tails under 1e-15. Independent
// negative binomials with one q add up to a negative binomial of the
// summed shapes, so the convolution of 200 groups (shapes 0.5 to 5, q =
// 0.6) must have the quantiles of NegBin(Σ a, 0.6), computed here by the
// recurrence p(0) = q^a, p(y+1) = p(y)·(a+y)/(y+1)·(1−q); its mean
// Σ a (1−q)/q too.
func TestConvolvedTotalIsNegativeBinomial(t *testing.T) {
	const q = 0.6
	total := countDist{p: []float64{1}}
	var sumA float64
	for i := range 200 {
		a := 0.5 + float64(i%10)*0.5
		sumA += a
		total = convolve(total, negBinPMF(a, q))
	}
	want := recurrencePMF(sumA, q, 2000)
	for _, level := range []float64{0.025, 0.5, 0.975} {
		if got, w := total.quantile(level), quantileOf(want, level); int64(got) != w {
			t.Errorf("quantile %v: convolved %d, NegBin(%v, %v) %d", level, got, sumA, q, w)
		}
	}
	var mean, mass float64
	for i, v := range total.p {
		mean += float64(total.off+i) * v
		mass += v
	}
	if math.Abs(mass-1) > 1e-9 || math.Abs(mean-sumA*(1-q)/q) > 1e-6*mean {
		t.Errorf("mass %v, mean %v; want 1 and %v", mass, mean, sumA*(1-q)/q)
	}
	if total.off == 0 || len(total.p) > 1000 {
		t.Errorf("the total spans %d values from %d: its tails were not trimmed", len(total.p), total.off)
	}
}
