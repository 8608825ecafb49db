package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Normalizer maps a raw indicator value into [0,1] relative to a population.
//
// population is the raw values of the customers x is compared with; it
// normally already contains x, the customer's own value (at explain time:
// last run's population with this customer's old value replaced by the new
// one, see ReplaceValue). NaN entries are "no data" and are skipped. How a
// normalizer treats an x that is not in the population is stated on each
// type. A NaN x (no data) gives NaN: the missing-data policy is the caller's.
//
// Name is the method's name as the config spells it (percentile, minmax,
// zscore, thresholds), for reports that must state which one was used.
type Normalizer interface {
	Normalize(population []float64, x float64) float64
	Name() string
}

// fitter is implemented by every normalizer in this package: the work that
// depends only on the population (sorting, quantiles, moments) is done once,
// so NormalizeAll is O(n log n) rather than O(n²).
type fitter interface {
	fit(population []float64) func(x float64) float64
}

// NormalizeAll normalizes every value of population within population
// itself: what the SQL computes for one indicator in one run. Result i
// belongs to population[i]; NaN (no data) stays NaN.
func NormalizeAll(n Normalizer, population []float64) []float64 {
	normalize := func(x float64) float64 { return n.Normalize(population, x) }
	if f, ok := n.(fitter); ok {
		normalize = f.fit(population)
	}
	out := make([]float64, len(population))
	for i, x := range population {
		out[i] = normalize(x)
	}
	return out
}

// Directed turns a normalized value by the indicator's direction: v when
// higher is better, 1 − v when lower is better. Thresholds grids state their
// points directly (a lower-is-better grid gives fewer points to higher
// bands), so their values are never turned.
func Directed(n Normalizer, v float64, higherIsBetter bool) float64 {
	switch n.(type) {
	case Thresholds, *Thresholds:
		return v
	}
	if higherIsBetter {
		return v
	}
	return 1 - v
}

// ReplaceValue returns a copy of population with one occurrence of oldValue
// replaced by newValue: "this customer's new value within the old
// population". A NaN or absent oldValue (no data last run) appends newValue;
// a NaN newValue (no data now) removes the occurrence. population is not
// modified.
func ReplaceValue(population []float64, oldValue, newValue float64) []float64 {
	out := slices.Clone(population)
	at := -1
	if !math.IsNaN(oldValue) {
		at = slices.Index(out, oldValue)
	}
	switch {
	case at >= 0 && math.IsNaN(newValue):
		return slices.Delete(out, at, at+1)
	case at >= 0:
		out[at] = newValue
	case !math.IsNaN(newValue):
		out = append(out, newValue)
	}
	return out
}

// sortedWithData returns the population's non-NaN values in ascending order.
func sortedWithData(population []float64) []float64 {
	s := make([]float64, 0, len(population))
	for _, v := range population {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	slices.Sort(s)
	return s
}

// Percentile is the mid-rank percentile, the default normalization:
//
//	p = (below + (equal − 1)/2) / (n − 1)
//
// where, over the population counting x itself exactly once, below is the
// number of values < x, equal the number of values == x (x included) and n
// the number of values; n = 1 gives 0.5. Ties share the mean of the
// positions they occupy, so the lowest value gets 0, the highest 1.
//
// This is score.sql's rank() OVER (ORDER BY v) − 1 for below,
// count(*) OVER (PARTITION BY v) for equal and count(v) for n, where the
// customer's own row is one of the rows. "x itself once" means: if x occurs
// in the population, one of those occurrences is x; if it does not, x is
// counted as one more member (n + 1), giving the percentile it would have
// had had it been there.
type Percentile struct{}

// Name returns "percentile".
func (Percentile) Name() string { return "percentile" }

// Normalize returns x's mid-rank percentile within population.
func (p Percentile) Normalize(population []float64, x float64) float64 {
	return p.fit(population)(x)
}

func (Percentile) fit(population []float64) func(float64) float64 {
	s := sortedWithData(population)
	return func(x float64) float64 {
		if math.IsNaN(x) {
			return math.NaN()
		}
		below := sort.SearchFloat64s(s, x)                                // first index with s[i] >= x
		upTo := sort.Search(len(s), func(i int) bool { return s[i] > x }) // first index with s[i] > x
		equal, n := upTo-below, len(s)
		if equal == 0 { // x is not in the population: count it once
			equal, n = 1, n+1
		}
		if n == 1 {
			return 0.5
		}
		return (float64(below) + float64(equal-1)/2) / float64(n-1)
	}
}

// ErrInvalidNormalizer is wrapped by the errors of NewMinMax and NewThresholds.
var ErrInvalidNormalizer = errors.New("invalid normalizer")

// MinMax is min-max scaling winsorized at the Low and High quantiles of the
// population (e.g. 0.05 and 0.95):
//
//	lo = q(Low), hi = q(High), v = clamp((x − lo)/(hi − lo), 0, 1)
//
// with q the linearly interpolated sample quantile of the population as
// passed (x is not added), exactly DuckDB's quantile_cont; see QuantileCont.
// hi == lo (or an empty population) gives 0.5 for every x. Build it with
// NewMinMax, which checks 0 ≤ Low < High ≤ 1.
type MinMax struct {
	Low, High float64
}

// NewMinMax returns a MinMax winsorized at the low and high quantiles.
func NewMinMax(low, high float64) (MinMax, error) {
	if !(0 <= low && low < high && high <= 1) { // also rejects NaN
		return MinMax{}, fmt.Errorf("minmax: quantiles low %v and high %v must satisfy 0 ≤ low < high ≤ 1: %w", low, high, ErrInvalidNormalizer)
	}
	return MinMax{Low: low, High: high}, nil
}

// Name returns "minmax".
func (MinMax) Name() string { return "minmax" }

// Normalize returns x scaled between the population's Low and High quantiles.
func (m MinMax) Normalize(population []float64, x float64) float64 {
	return m.fit(population)(x)
}

func (m MinMax) fit(population []float64) func(float64) float64 {
	s := sortedWithData(population)
	if len(s) == 0 {
		return constantUnlessNaN(0.5)
	}
	lo, hi := quantileOfSorted(s, m.Low), quantileOfSorted(s, m.High)
	if hi == lo {
		return constantUnlessNaN(0.5)
	}
	return func(x float64) float64 {
		if math.IsNaN(x) {
			return math.NaN()
		}
		return clamp01((x - lo) / (hi - lo))
	}
}

// QuantileCont is the q-quantile of values (NaN skipped) by linear
// interpolation between order statistics, as DuckDB's quantile_cont and
// R's quantile(type = 7) (Hyndman & Fan 1996, definition 7): with the values
// sorted ascending as s[0..n−1], h = (n − 1)·q and
//
//	Q(q) = s[⌊h⌋] + (h − ⌊h⌋)·(s[⌊h⌋+1] − s[⌊h⌋]).
//
// q is clamped to [0,1]; no values give NaN.
func QuantileCont(values []float64, q float64) float64 {
	s := sortedWithData(values)
	if len(s) == 0 {
		return math.NaN()
	}
	return quantileOfSorted(s, q)
}

func quantileOfSorted(s []float64, q float64) float64 {
	h := float64(len(s)-1) * clamp01(q)
	lower := int(math.Floor(h))
	if lower >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lower] + (h-float64(lower))*(s[lower+1]-s[lower])
}

// ZScore is the z-score through the standard normal CDF:
//
//	z = (x − mean)/σ,  v = Φ(z) = ½·erfc(−z/√2)
//
// with mean and the population standard deviation σ (dividing by n, not
// n − 1) taken over the population as passed (x is not added). σ = 0 (or an
// empty population) gives 0.5 for every x.
type ZScore struct{}

// Name returns "zscore".
func (ZScore) Name() string { return "zscore" }

// Normalize returns Φ of x's z-score within population.
func (z ZScore) Normalize(population []float64, x float64) float64 {
	return z.fit(population)(x)
}

func (ZScore) fit(population []float64) func(float64) float64 {
	s := sortedWithData(population) // sorted, so the sums do not depend on row order
	if len(s) == 0 {
		return constantUnlessNaN(0.5)
	}
	var sum float64
	for _, v := range s {
		sum += v
	}
	mean := sum / float64(len(s))
	var squares float64
	for _, v := range s {
		squares += (v - mean) * (v - mean)
	}
	sigma := math.Sqrt(squares / float64(len(s)))
	if sigma == 0 {
		return constantUnlessNaN(0.5)
	}
	return func(x float64) float64 {
		return StandardNormalCDF((x - mean) / sigma)
	}
}

// StandardNormalCDF is Φ(z) = ½·erfc(−z/√2), accurate in both tails.
func StandardNormalCDF(z float64) float64 {
	return 0.5 * math.Erfc(-z/math.Sqrt2)
}

// Band is one step of a Thresholds grid: values from From up (to the next
// band's From) get Points, 0..100.
type Band struct {
	From   float64
	Points float64
}

// Thresholds is an absolute grid, comparable across runs because it ignores
// the population: x gets Points/100 of the last band whose From ≤ x, and 0
// below the first band. Bands are sorted by From, strictly ascending; build
// the grid with NewThresholds. The points state the direction themselves (a
// lower-is-better grid gives fewer points to higher bands), so the caller
// never turns a Thresholds value; see Directed. The value is non-decreasing
// in x only when the points are.
type Thresholds struct {
	Bands []Band
}

// NewThresholds checks a grid: at least one band, From finite and strictly
// ascending, Points within 0..100. The bands are copied.
func NewThresholds(bands []Band) (Thresholds, error) {
	if len(bands) == 0 {
		return Thresholds{}, fmt.Errorf("thresholds: no bands: %w", ErrInvalidNormalizer)
	}
	for i, b := range bands {
		if math.IsNaN(b.From) || math.IsInf(b.From, 0) {
			return Thresholds{}, fmt.Errorf("thresholds: band %d: from %v is not a finite number: %w", i+1, b.From, ErrInvalidNormalizer)
		}
		if !(0 <= b.Points && b.Points <= 100) {
			return Thresholds{}, fmt.Errorf("thresholds: band %d (from %v): points %v must be within 0..100: %w", i+1, b.From, b.Points, ErrInvalidNormalizer)
		}
		if i > 0 && !(b.From > bands[i-1].From) {
			return Thresholds{}, fmt.Errorf("thresholds: band %d: from %v must be above band %d's %v (ascending, no repeats): %w", i+1, b.From, i, bands[i-1].From, ErrInvalidNormalizer)
		}
	}
	return Thresholds{Bands: slices.Clone(bands)}, nil
}

// Name returns "thresholds".
func (Thresholds) Name() string { return "thresholds" }

// Normalize returns the points of x's band, divided by 100; the population
// is not used.
func (t Thresholds) Normalize(_ []float64, x float64) float64 {
	if math.IsNaN(x) {
		return math.NaN()
	}
	points := 0.0
	for _, b := range t.Bands {
		if b.From > x {
			break
		}
		points = b.Points
	}
	return points / 100
}

func (t Thresholds) fit([]float64) func(float64) float64 {
	return func(x float64) float64 { return t.Normalize(nil, x) }
}

func constantUnlessNaN(v float64) func(float64) float64 {
	return func(x float64) float64 {
		if math.IsNaN(x) {
			return math.NaN()
		}
		return v
	}
}

func clamp01(v float64) float64 {
	return math.Max(0, math.Min(1, v))
}
