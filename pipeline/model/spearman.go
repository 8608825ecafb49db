package model

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Spearman is Spearman's rank correlation of x and y: the Pearson
// correlation of their average ranks, so ties are handled exactly (no
// 1 − 6Σd²/(n(n²−1)) shortcut, which holds only without ties). It is NaN
// when there are fewer than two pairs, when either series is constant (its
// ranks have no variance) or when any value is NaN. x and y must have the
// same length; Spearman panics otherwise.
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("model.Spearman: %d x values but %d y values", len(x), len(y)))
	}
	if len(x) < 2 || slices.ContainsFunc(x, math.IsNaN) || slices.ContainsFunc(y, math.IsNaN) {
		return math.NaN()
	}
	return pearson(AverageRanks(x), AverageRanks(y))
}

// AverageRanks returns each value's 1-based rank in ascending order, tied
// values sharing the mean of the positions they occupy: 10, 20, 20, 30 rank
// 1, 2.5, 2.5, 4. NaN values are not ranked and get NaN.
func AverageRanks(values []float64) []float64 {
	order := make([]int, 0, len(values))
	ranks := make([]float64, len(values))
	for i, v := range values {
		if math.IsNaN(v) {
			ranks[i] = math.NaN()
			continue
		}
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(values[a], values[b]) })
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && values[order[end]] == values[order[start]] {
			end++
		}
		// positions start+1 .. end (1-based) share their mean
		mean := float64(start+1+end) / 2
		for _, i := range order[start:end] {
			ranks[i] = mean
		}
		start = end
	}
	return ranks
}

// pearson is the Pearson correlation, NaN when either series is constant.
func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var sumX, sumY float64
	for i := range x {
		sumX += x[i]
		sumY += y[i]
	}
	meanX, meanY := sumX/n, sumY/n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-meanX, y[i]-meanY
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return math.Max(-1, math.Min(1, sxy/math.Sqrt(sxx*syy)))
}
