package model

import (
	"errors"
	"fmt"
	"math"
)

// WeibullFit is a two-parameter Weibull fitted by maximum likelihood to
// failure times with right-censoring (units that had not failed by the
// end of observation).
type WeibullFit struct {
	Beta              float64 // shape: < 1 early failures, ≈ 1 random, > 1 wear-out
	BetaLow, BetaHigh float64 // Wald 95 % interval on log β
	Eta               float64 // characteristic life: 63.2 % have failed by Eta
	Failures, Units   int
	LogLikelihood     float64
}

// ErrTooFewFailures says a Weibull cannot be fitted: fewer than
// MinWeibullFailures failures (the shape is not identified).
var ErrTooFewFailures = errors.New("too few failures to fit a Weibull")

// MinWeibullFailures is the fewest failures FitWeibull accepts.
const MinWeibullFailures = 3

// FitWeibull fits times (each > 0; failed[i] false: censored at times[i]).
// For a fixed β the likelihood is maximised at η^β = Σ t^β / r (r the
// failures), so β solves the profile score
//
//	1/β + (1/r) Σ_failed ln t − Σ t^β ln t / Σ t^β = 0,
//
// which decreases in β: found by bisection, with no starting-point trap.
// The interval is Wald's on log β from the observed information of
// (log β, log η), a numerical Hessian of the log-likelihood.
func FitWeibull(times []float64, failed []bool) (WeibullFit, error) {
	if len(times) != len(failed) {
		return WeibullFit{}, fmt.Errorf("weibull: %d times, %d flags", len(times), len(failed))
	}
	r := 0
	var sumLogFail float64
	// Scale times by their largest value so t^β cannot overflow.
	scale := 0.0
	for i, t := range times {
		if !(t > 0) || math.IsInf(t, 0) {
			return WeibullFit{}, fmt.Errorf("weibull: time %d is %v, want > 0", i, t)
		}
		scale = math.Max(scale, t)
	}
	for i, t := range times {
		if failed[i] {
			r++
			sumLogFail += math.Log(t / scale)
		}
	}
	if r < MinWeibullFailures {
		return WeibullFit{Failures: r, Units: len(times)}, fmt.Errorf("weibull: %d failures among %d units: %w", r, len(times), ErrTooFewFailures)
	}
	score := func(b float64) float64 {
		var s, sl float64
		for _, t := range times {
			x := t / scale
			p := math.Pow(x, b)
			s += p
			sl += p * math.Log(x)
		}
		return 1/b + sumLogFail/float64(r) - sl/s
	}
	lo, hi := 1e-3, 1.0
	for score(hi) > 0 && hi < 1e3 {
		hi *= 2
	}
	if score(hi) > 0 || score(lo) < 0 {
		return WeibullFit{}, errors.New("weibull: the likelihood has no maximum (all failure times equal?)")
	}
	for range 200 {
		mid := (lo + hi) / 2
		if score(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	beta := (lo + hi) / 2
	var s float64
	for _, t := range times {
		s += math.Pow(t/scale, beta)
	}
	eta := math.Pow(s/float64(r), 1/beta) * scale
	ll := func(lb, le float64) float64 { return WeibullLogLikelihood(times, failed, math.Exp(lb), math.Exp(le)) }
	lb, le := math.Log(beta), math.Log(eta)
	const h = 1e-4
	f0 := ll(lb, le)
	hbb := (ll(lb+h, le) - 2*f0 + ll(lb-h, le)) / (h * h)
	hee := (ll(lb, le+h) - 2*f0 + ll(lb, le-h)) / (h * h)
	hbe := (ll(lb+h, le+h) - ll(lb+h, le-h) - ll(lb-h, le+h) + ll(lb-h, le-h)) / (4 * h * h)
	det := hbb*hee - hbe*hbe
	fit := WeibullFit{Beta: beta, Eta: eta, Failures: r, Units: len(times), LogLikelihood: f0}
	if det <= 0 || hee >= 0 {
		return fit, errors.New("weibull: the information matrix is not positive definite")
	}
	se := math.Sqrt(-hee / det) // [(-H)^-1]_bb
	fit.BetaLow, fit.BetaHigh = beta*math.Exp(-1.959963984540054*se), beta*math.Exp(1.959963984540054*se)
	return fit, nil
}

// WeibullLogLikelihood is Σ_failed [ln β − ln η + (β−1) ln(t/η)] − Σ (t/η)^β.
func WeibullLogLikelihood(times []float64, failed []bool, beta, eta float64) float64 {
	var ll float64
	for i, t := range times {
		z := t / eta
		if failed[i] {
			ll += math.Log(beta) - math.Log(eta) + (beta-1)*math.Log(z)
		}
		ll -= math.Pow(z, beta)
	}
	return ll
}
