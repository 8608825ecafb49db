package model

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// weibullLogLik is an independent log-likelihood written from the density
// f(t) = (k/λ)(t/λ)^(k−1) e^(−(t/λ)^k) and survival S(t) = e^(−(t/λ)^k):
// failures add ln f, censored units ln S.
func weibullLogLik(ts []float64, failed []bool, k, lambda float64) float64 {
	var s float64
	for i, t := range ts {
		x := t / lambda
		if failed[i] {
			s += math.Log(k/lambda) + (k-1)*math.Log(x) - math.Pow(x, k)
		} else {
			s += -math.Pow(x, k)
		}
	}
	return s
}

// gridBest searches (β, η) on a fine log grid around the fit: no point may
// have a higher independent log-likelihood than the fitted one.
func gridBest(ts []float64, failed []bool, beta, eta float64) (float64, float64, float64) {
	bb, be, bl := beta, eta, math.Inf(-1)
	for i := -60; i <= 60; i++ {
		for j := -60; j <= 60; j++ {
			b, e := beta*math.Exp(float64(i)*0.01), eta*math.Exp(float64(j)*0.01)
			if l := weibullLogLik(ts, failed, b, e); l > bl {
				bb, be, bl = b, e, l
			}
		}
	}
	return bb, be, bl
}

// TestWeibullCensoredAgainstGridSearch: ten units, six failed and four
// still running at 1500 h (right-censored). The fitted point's likelihood
// equals the independent one, and a 121 × 121 grid (±60 % in β and η)
// finds nothing better; treating the running units as failures instead
// gives a shorter characteristic life, as it must.
func TestWeibullCensoredAgainstGridSearch(t *testing.T) {
	ts := []float64{310, 520, 740, 980, 1130, 1410, 1500, 1500, 1500, 1500}
	failed := []bool{true, true, true, true, true, true, false, false, false, false}
	fit, err := FitWeibull(ts, failed)
	if err != nil {
		t.Fatal(err)
	}
	indep := weibullLogLik(ts, failed, fit.Beta, fit.Eta)
	if math.Abs(indep-fit.LogLikelihood) > 1e-9 {
		t.Errorf("log-likelihood %v, independent %v", fit.LogLikelihood, indep)
	}
	b, e, best := gridBest(ts, failed, fit.Beta, fit.Eta)
	if best > indep+1e-9 {
		t.Errorf("grid point β %v η %v has log-likelihood %v > fitted %v (β %v η %v)", b, e, best, indep, fit.Beta, fit.Eta)
	}
	if !(fit.BetaLow < fit.Beta && fit.Beta < fit.BetaHigh) || fit.Failures != 6 || fit.Units != 10 {
		t.Errorf("fit %+v", fit)
	}
	all := make([]bool, len(ts))
	for i := range all {
		all[i] = true
	}
	naive, err := FitWeibull(ts, all)
	if err != nil {
		t.Fatal(err)
	}
	if naive.Eta >= fit.Eta {
		t.Errorf("ignoring censoring gave η %v, not below the censored fit's %v", naive.Eta, fit.Eta)
	}
}

// TestWeibullRecoversShape: 200 seeded samples of 60 units from a Weibull
// with β = 2, η = 100, censored at t = 120 (about 76 % fail); the 95 %
// interval must hold the true β in at least 90 % of them.
func TestWeibullRecoversShape(t *testing.T) {
	const beta, eta, trials = 2.0, 100.0, 200
	covered := 0
	for s := range trials {
		rng := rand.New(rand.NewPCG(uint64(s), 14))
		ts := make([]float64, 60)
		failed := make([]bool, 60)
		for i := range ts {
			u := 1 - rng.Float64() // (0, 1]
			ts[i] = eta * math.Pow(-math.Log(u), 1/beta)
			failed[i] = ts[i] <= 120
			if !failed[i] {
				ts[i] = 120
			}
		}
		fit, err := FitWeibull(ts, failed)
		if err != nil {
			t.Fatalf("trial %d: %v", s, err)
		}
		if fit.BetaLow <= beta && beta <= fit.BetaHigh {
			covered++
		}
	}
	if covered < trials*9/10 {
		t.Errorf("β = 2 inside the interval in %d of %d trials, want ≥ 90 %%", covered, trials)
	}
	t.Logf("coverage %d/%d", covered, trials)
}

// TestWeibullExponentialCase: with β fixed at 1 the Weibull is the
// exponential, whose censored MLE is closed-form, η = Σ t / r (the
// textbook total-time-on-test estimate): the independent likelihood's grid
// optimum must sit there, which checks weibullLogLik itself. And at the
// fitted β, the fitted η is the profile (Σ t^β / r)^(1/β).
func TestWeibullExponentialCase(t *testing.T) {
	ts := []float64{5, 12, 20, 33, 50, 50}
	failed := []bool{true, true, true, true, false, false}
	want := (5.0 + 12 + 20 + 33 + 50 + 50) / 4 // 42.5
	best, bestL := 0.0, math.Inf(-1)
	for e := 30.0; e <= 60; e += 0.01 {
		if l := weibullLogLik(ts, failed, 1, e); l > bestL {
			best, bestL = e, l
		}
	}
	if math.Abs(best-want) > 0.011 {
		t.Errorf("exponential grid best η %v, want Σt/r = %v", best, want)
	}
	fit, err := FitWeibull(ts, failed)
	if err != nil {
		t.Fatal(err)
	}
	var s float64
	for _, x := range ts {
		s += math.Pow(x, fit.Beta)
	}
	if got := math.Pow(s/4, 1/fit.Beta); math.Abs(got-fit.Eta) > 1e-9*fit.Eta {
		t.Errorf("η %v, profile (Σ t^β / r)^(1/β) = %v", fit.Eta, got)
	}
}

func TestWeibullTooFewFailures(t *testing.T) {
	_, err := FitWeibull([]float64{10, 20, 30}, []bool{true, true, false})
	if !errors.Is(err, ErrTooFewFailures) {
		t.Errorf("2 failures: err %v, want ErrTooFewFailures", err)
	}
	if _, err := FitWeibull([]float64{10, -1, 30}, []bool{true, true, true}); err == nil {
		t.Error("a negative time was accepted")
	}
}

// TestWeibullCountsEqualExpandedUnits: a time standing for n units fits as
// n copies of it. The run hands the fit one row per lot and age (a lot of
// 40 units installed on one day, censored at the as-of date), so the
// weighted fit must be the per-unit fit: the expanded data is the
// independent check, to 1e-9 on β and η; the interval ends come from a
// numerical Hessian (step 1e-4) whose rounding differs between the two
// sums, so to 1e-4 of their value.
func TestWeibullCountsEqualExpandedUnits(t *testing.T) {
	times := []float64{30, 90, 200, 400, 365, 730}
	failed := []bool{true, true, true, true, false, false}
	counts := []float64{1, 2, 3, 1, 40, 25}
	var et []float64
	var ef []bool
	for i, c := range counts {
		for range int(c) {
			et = append(et, times[i])
			ef = append(ef, failed[i])
		}
	}
	w, err := FitWeibullCounts(times, failed, counts)
	if err != nil {
		t.Fatal(err)
	}
	e, err := FitWeibull(et, ef)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name           string
		got, want, tol float64
	}{{"beta", w.Beta, e.Beta, 1e-9}, {"eta", w.Eta, e.Eta, 1e-9}, {"beta_low", w.BetaLow, e.BetaLow, 1e-4}, {"beta_high", w.BetaHigh, e.BetaHigh, 1e-4}} {
		if math.Abs(c.got-c.want) > c.tol*math.Abs(c.want) {
			t.Errorf("%s: counts %v, expanded %v", c.name, c.got, c.want)
		}
	}
	if w.Failures != 7 || w.Units != 72 {
		t.Errorf("failures %d, units %d; want 7 of 72", w.Failures, w.Units)
	}
	if _, err := FitWeibullCounts(times, failed, []float64{1, 1, 0, 1, 1, 1}); err == nil {
		t.Error("a zero count was accepted")
	}
}
