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

// truncLogLik is an independent left-truncated log-likelihood from the
// density and survival of the Weibull: a unit seen from age e contributes
// ln f(t) − ln S(e) if it failed at t, ln S(t) − ln S(e) if it survived.
func truncLogLik(entry, ts []float64, failed []bool, k, lambda float64) float64 {
	lnS := func(x float64) float64 { return -math.Pow(x/lambda, k) }
	var s float64
	for i, t := range ts {
		if failed[i] {
			s += math.Log(k/lambda) + (k-1)*math.Log(t/lambda) + lnS(t)
		} else {
			s += lnS(t)
		}
		s -= lnS(entry[i])
	}
	return s
}

// truncSample draws n units already uniform-in-[0, maxEntry] old when a
// window of w days opens, each failing at T ~ Weibull(β, η) given T > e
// (inverse of the conditional survival: T = η ((e/η)^β − ln U)^(1/β)),
// censored at e + w if it has not.
func truncSample(rng *rand.Rand, n int, beta, eta, maxEntry, w float64) (entry, ts []float64, failed []bool) {
	for range n {
		e := rng.Float64() * maxEntry
		tt := eta * math.Pow(math.Pow(e/eta, beta)-math.Log(1-rng.Float64()), 1/beta)
		entry = append(entry, e)
		if tt <= e+w {
			ts, failed = append(ts, tt), append(failed, true)
		} else {
			ts, failed = append(ts, e+w), append(failed, false)
		}
	}
	return
}

// TestWeibullTruncatedNoEntryIsFitWeibull: with every unit observed from
// age 0 the truncated fit is the ordinary one (bisection on the profile
// score), to 1e-6 on β and η.
func TestWeibullTruncatedNoEntryIsFitWeibull(t *testing.T) {
	ts := []float64{16, 34, 53, 75, 93, 120, 150, 150, 150, 150}
	failed := []bool{true, true, true, true, true, true, false, false, false, false}
	want, err := FitWeibull(ts, failed)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FitWeibullTruncated(make([]float64, len(ts)), ts, failed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.Beta-want.Beta) > 1e-6*want.Beta || math.Abs(got.Eta-want.Eta) > 1e-6*want.Eta {
		t.Errorf("truncated fit %+v, ordinary %+v", got, want)
	}
	// Its interval is the profile likelihood's: at each end the profile
	// (η at its best for that β, by the independent likelihood on a fine
	// η grid) is χ²₁(0.95)/2 = 1.9207 below the maximum.
	for _, b := range []float64{got.BetaLow, got.BetaHigh} {
		prof := math.Inf(-1)
		for j := -3000; j <= 3000; j++ {
			prof = math.Max(prof, weibullLogLik(ts, failed, b, got.Eta*math.Exp(float64(j)*0.0005)))
		}
		if d := weibullLogLik(ts, failed, got.Beta, got.Eta) - prof; math.Abs(d-1.920729410347062) > 1e-3 {
			t.Errorf("at β = %v the profile is %v below the top, want 1.9207", b, d)
		}
	}
}

// TestWeibullTruncatedAgainstGridSearch: on a truncated sample no (β, η)
// of a fine grid around the fit has a higher independent log-likelihood,
// and the fitted point's value is the independent one's.
func TestWeibullTruncatedAgainstGridSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	entry, ts, failed := truncSample(rng, 400, 2.5, 1500, 2500, 365)
	fit, err := FitWeibullTruncated(entry, ts, failed, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := truncLogLik(entry, ts, failed, fit.Beta, fit.Eta)
	if math.Abs(at-fit.LogLikelihood) > 1e-6*math.Abs(at) {
		t.Errorf("log-likelihood at the fit %v, independent %v", fit.LogLikelihood, at)
	}
	for i := -40; i <= 40; i++ {
		for j := -40; j <= 40; j++ {
			b, e := fit.Beta*math.Exp(float64(i)*0.005), fit.Eta*math.Exp(float64(j)*0.005)
			if l := truncLogLik(entry, ts, failed, b, e); l > at+1e-9 {
				t.Fatalf("(β %v, η %v) has log-likelihood %v > the fit's %v", b, e, l, at)
			}
		}
	}
}

// TestWeibullTruncatedRecoversShape: 200 seeded trials of 300 units seen
// for a year from ages up to 3000 days, for β = 2 (wear-out) and β = 1
// (random): the true β inside the 95 % interval in at least 90 % of them.
// For β = 2 the ordinary fit, blind to the entry ages, is shown to miss:
// its interval holds 2 in under half the trials (it reads the late
// failures of old units as a much steeper wear-out).
func TestWeibullTruncatedRecoversShape(t *testing.T) {
	for _, beta := range []float64{2, 1} {
		covered, naive := 0, 0
		const trials = 200
		for i := range trials {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(beta*1000)))
			entry, ts, failed := truncSample(rng, 300, beta, 2000, 3000, 365)
			fit, err := FitWeibullTruncated(entry, ts, failed, nil)
			if err != nil {
				t.Fatalf("β %v trial %d: %v", beta, i, err)
			}
			if fit.BetaLow <= beta && beta <= fit.BetaHigh {
				covered++
			}
			if beta != 2 {
				continue
			}
			if nf, err := FitWeibull(ts, failed); err == nil && nf.BetaLow <= beta && beta <= nf.BetaHigh {
				naive++
			}
		}
		if covered < trials*9/10 {
			t.Errorf("β = %v inside the interval in %d of %d trials, want ≥ 90 %%", beta, covered, trials)
		}
		if beta == 2 && naive >= trials/2 {
			t.Errorf("the ordinary fit covered β = 2 in %d of %d trials: the truncation test shows nothing", naive, trials)
		}
		t.Logf("β = %v: truncated fit covers %d/%d (ordinary fit, β = 2 only: %d)", beta, covered, trials, naive)
	}
}

// TestWeibullBallBearings: the 23 ball bearings of Lieblein & Zelen (1956,
// "Statistical investigation of the fatigue life of deep-groove ball
// bearings", J. Res. Nat. Bur. Standards 57(5)), millions of revolutions to
// failure, none censored: the textbook Weibull example, whose maximum
// likelihood fit the reliability texts give as β̂ ≈ 2.10, η̂ ≈ 81.9 (e.g.
// Lawless, "Statistical Models and Methods for Lifetime Data", 2nd ed.,
// 2003; Meeker & Escobar, "Statistical Methods for Reliability Data",
// 1998, as μ̂ = ln η̂ ≈ 4.405, σ̂ = 1/β̂ ≈ 0.476). Both the ordinary and the
// truncated fit (no unit truncated) must give them.
func TestWeibullBallBearings(t *testing.T) {
	ts := []float64{17.88, 28.92, 33.00, 41.52, 42.12, 45.60, 48.48, 51.84, 51.96, 54.12, 55.56, 67.80,
		68.64, 68.64, 68.88, 84.12, 93.12, 98.64, 105.12, 105.84, 127.92, 128.04, 173.40}
	failed := make([]bool, len(ts))
	for i := range failed {
		failed[i] = true
	}
	a, err := FitWeibull(ts, failed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := FitWeibullTruncated(make([]float64, len(ts)), ts, failed, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []WeibullFit{a, b} {
		if math.Abs(f.Beta-2.10) > 0.01 || math.Abs(f.Eta-81.9) > 0.1 {
			t.Errorf("β %.4f, η %.3f; the published fit is β 2.10, η 81.9", f.Beta, f.Eta)
		}
	}
	t.Logf("β %.4f [%.3f, %.3f], η %.3f", a.Beta, a.BetaLow, a.BetaHigh, a.Eta)
}

// TestWeibullShapeNotBounded: 40 units seen for a year from ages up to
// 3,000 days at a constant hazard (seed 1), of which 3 fail: the profile
// likelihood does not fall χ²₁(0.95)/2 below its top within a factor of
// 10,000 of β̂ on one side, so the truncated fit says the shape is not
// bounded rather than give an interval (Wald's would be finite).
func TestWeibullShapeNotBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	entry, ts, failed := truncSample(rng, 40, 1, 3000, 3000, 365)
	fit, err := FitWeibullTruncated(entry, ts, failed, nil)
	if !errors.Is(err, ErrShapeNotBounded) || fit.Failures != 3 || !(fit.Beta > 0) {
		t.Errorf("fit %+v, err %v; want 3 failures, a β and the shape not bounded", fit, err)
	}
}
