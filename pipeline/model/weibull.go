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
	return FitWeibullCounts(times, failed, nil)
}

// FitWeibullCounts is FitWeibull where times[i] stands for counts[i]
// units (nil: one each), so that many units of one age (a lot installed on
// one day, censored at the as-of date) cost one term, not one per unit.
// Units and Failures count units.
func FitWeibullCounts(times []float64, failed []bool, counts []float64) (WeibullFit, error) {
	if len(times) != len(failed) || (counts != nil && len(counts) != len(times)) {
		return WeibullFit{}, fmt.Errorf("weibull: %d times, %d flags, %d counts", len(times), len(failed), len(counts))
	}
	n := func(i int) float64 {
		if counts == nil {
			return 1
		}
		return counts[i]
	}
	var r, units float64
	var sumLogFail float64
	// Scale times by their largest value so t^β cannot overflow.
	scale := 0.0
	for i, t := range times {
		if !(t > 0) || math.IsInf(t, 0) {
			return WeibullFit{}, fmt.Errorf("weibull: time %d is %v, want > 0", i, t)
		}
		if c := n(i); !(c > 0) || math.IsInf(c, 0) {
			return WeibullFit{}, fmt.Errorf("weibull: count %d is %v, want > 0", i, c)
		}
		scale = math.Max(scale, t)
	}
	for i, t := range times {
		units += n(i)
		if failed[i] {
			r += n(i)
			sumLogFail += n(i) * math.Log(t/scale)
		}
	}
	if r < MinWeibullFailures {
		return WeibullFit{Failures: int(r), Units: int(units)}, fmt.Errorf("weibull: %v failures among %v units: %w", r, units, ErrTooFewFailures)
	}
	score := func(b float64) float64 {
		var s, sl float64
		for i, t := range times {
			x := t / scale
			p := n(i) * math.Pow(x, b)
			s += p
			sl += p * math.Log(x)
		}
		return 1/b + sumLogFail/r - sl/s
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
	for i, t := range times {
		s += n(i) * math.Pow(t/scale, beta)
	}
	eta := math.Pow(s/r, 1/beta) * scale
	ll := func(lb, le float64) float64 {
		return weibullLogLikelihood(times, failed, counts, math.Exp(lb), math.Exp(le))
	}
	lb, le := math.Log(beta), math.Log(eta)
	const h = 1e-4
	f0 := ll(lb, le)
	hbb := (ll(lb+h, le) - 2*f0 + ll(lb-h, le)) / (h * h)
	hee := (ll(lb, le+h) - 2*f0 + ll(lb, le-h)) / (h * h)
	hbe := (ll(lb+h, le+h) - ll(lb+h, le-h) - ll(lb-h, le+h) + ll(lb-h, le-h)) / (4 * h * h)
	det := hbb*hee - hbe*hbe
	fit := WeibullFit{Beta: beta, Eta: eta, Failures: int(r), Units: int(units), LogLikelihood: f0}
	if det <= 0 || hee >= 0 {
		return fit, errors.New("weibull: the information matrix is not positive definite")
	}
	se := math.Sqrt(-hee / det) // [(-H)^-1]_bb
	fit.BetaLow, fit.BetaHigh = beta*math.Exp(-1.959963984540054*se), beta*math.Exp(1.959963984540054*se)
	return fit, nil
}

// WeibullLogLikelihood is Σ_failed [ln β − ln η + (β−1) ln(t/η)] − Σ (t/η)^β.
func WeibullLogLikelihood(times []float64, failed []bool, beta, eta float64) float64 {
	return weibullLogLikelihood(times, failed, nil, beta, eta)
}

// weibullLogLikelihood weighs time i by counts[i] (nil: 1).
func weibullLogLikelihood(times []float64, failed []bool, counts []float64, beta, eta float64) float64 {
	var ll float64
	for i, t := range times {
		c := 1.0
		if counts != nil {
			c = counts[i]
		}
		z := t / eta
		if failed[i] {
			ll += c * (math.Log(beta) - math.Log(eta) + (beta-1)*math.Log(z))
		}
		ll -= c * math.Pow(z, beta)
	}
	return ll
}
