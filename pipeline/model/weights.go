package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrInvalidMatrix is wrapped by every error about a matrix that
// EntropyWeights or AHP cannot use (shape, values, reciprocity, size).
var ErrInvalidMatrix = errors.New("invalid matrix")

// EntropyWeights derives indicator weights from how much the customers
// differ on each indicator (the entropy weight method). matrix has one row
// per customer and one column per indicator, holding normalized values
// (non-negative; normally in [0,1]). With n customers:
//
//	p_ij = x_ij / Σ_i x_ij
//	e_j  = −(1/ln n) · Σ_i p_ij·ln p_ij     (0·ln 0 = 0)
//	d_j  = 1 − e_j
//	w_j  = d_j / Σ_j d_j
//
// An indicator on which every customer is equal has e_j = 1 and weight 0:
// it tells customers apart not at all. A column of all zeros is defined the
// same way (e_j = 1, weight 0). If no indicator tells customers apart (every
// d_j = 0) the weights are equal, 1/m each.
//
// Each column is summed in ascending order, so the weights do not depend on
// the order of the rows, to the last bit. At least two rows are needed
// (ln 1 = 0).
func EntropyWeights(matrix [][]float64) ([]float64, error) {
	rows := len(matrix)
	if rows < 2 {
		return nil, fmt.Errorf("entropy weights: %d rows, need at least 2 customers: %w", rows, ErrInvalidMatrix)
	}
	cols := len(matrix[0])
	if cols == 0 {
		return nil, fmt.Errorf("entropy weights: no columns (indicators): %w", ErrInvalidMatrix)
	}
	for i, row := range matrix {
		if len(row) != cols {
			return nil, fmt.Errorf("entropy weights: row %d has %d values, row 1 has %d: %w", i+1, len(row), cols, ErrInvalidMatrix)
		}
		for j, v := range row {
			if !(v >= 0) || math.IsInf(v, 1) { // also rejects NaN
				return nil, fmt.Errorf("entropy weights: row %d column %d: %v is not a finite non-negative number: %w", i+1, j+1, v, ErrInvalidMatrix)
			}
		}
	}

	divergence := make([]float64, cols)
	column := make([]float64, rows)
	for j := range cols {
		for i := range rows {
			column[i] = matrix[i][j]
		}
		slices.Sort(column)
		var total float64
		for _, v := range column {
			total += v
		}
		if total == 0 {
			continue // e_j = 1, d_j = 0
		}
		var sum float64
		for _, v := range column {
			if v > 0 {
				p := v / total
				sum += p * math.Log(p)
			}
		}
		entropy := -sum / math.Log(float64(rows))
		divergence[j] = math.Max(0, 1-entropy) // rounding can push e_j a hair above 1
	}
	return normalizeOrEqual(divergence), nil
}

// normalizeOrEqual scales non-negative values to sum to 1, or returns equal
// shares when they sum to 0.
func normalizeOrEqual(values []float64) []float64 {
	var total float64
	for _, v := range values {
		total += v
	}
	out := make([]float64, len(values))
	for i, v := range values {
		if total > 0 {
			out[i] = v / total
		} else {
			out[i] = 1 / float64(len(values))
		}
	}
	return out
}

// ConsistencyLimit is the consistency ratio at or above which AHP refuses a
// pairwise matrix (Saaty: CR must stay under 0.1).
const ConsistencyLimit = 0.1

// saatyRandomIndex[n] is Saaty's random index RI(n): the mean consistency
// index of random reciprocal n×n matrices on the 1–9 scale.
var saatyRandomIndex = [...]float64{0, 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49}

// RandomIndex returns Saaty's random index RI(n) for 1 ≤ n ≤ 10, and false
// outside that table.
func RandomIndex(n int) (float64, bool) {
	if n < 1 || n >= len(saatyRandomIndex) {
		return 0, false
	}
	return saatyRandomIndex[n], true
}

// AHPResult is what AHP derives from a pairwise comparison matrix.
type AHPResult struct {
	// Weights is the principal eigenvector, scaled to sum to 1.
	Weights []float64
	// LambdaMax is the principal eigenvalue (n for a consistent matrix).
	LambdaMax float64
	// CI = (λmax − n)/(n − 1), the consistency index; 0 for n ≤ 2.
	CI float64
	// CR = CI/RI(n), the consistency ratio; 0 for n ≤ 2 (always consistent).
	CR float64
	// WorstPair is the pair (i, j), i < j, 0-based, whose judgement a_ij
	// strays furthest from the ratio w_i/w_j the weights imply; {0, 0} for n = 1.
	WorstPair [2]int
	// WorstDeviation is that pair's factor max(a_ij·w_j/w_i, w_i/(a_ij·w_j)),
	// ≥ 1; 1 for a consistent matrix.
	WorstDeviation float64
}

// ErrInconsistent is matched (errors.Is) by every *InconsistentError.
var ErrInconsistent = errors.New("pairwise judgements are inconsistent")

// InconsistentError reports a pairwise matrix whose consistency ratio is not
// under ConsistencyLimit, with the judgement to revisit first.
type InconsistentError struct {
	CR float64
	// Pair is the most inconsistent pair (i, j), 0-based, i < j.
	Pair [2]int
	// Judgement is a_ij as given; Implied is w_i/w_j from the derived weights.
	Judgement, Implied float64
}

func (e *InconsistentError) Error() string {
	i, j := e.Pair[0], e.Pair[1]
	return fmt.Sprintf("ahp: consistency ratio %.3f is not under %.1f; the most inconsistent judgement is row %d against column %d (0-based [%d][%d]): %.4g given, %.4g implied by the weights",
		e.CR, ConsistencyLimit, i+1, j+1, i, j, e.Judgement, e.Implied)
}

// Is makes errors.Is(err, ErrInconsistent) true.
func (e *InconsistentError) Is(target error) bool { return target == ErrInconsistent }

// reciprocityTolerance bounds |a_ij·a_ji − 1| and |a_ii − 1|.
const reciprocityTolerance = 1e-6

// AHP derives weights from Saaty's pairwise comparison matrix: a_ij says how
// many times more important criterion i is than j. The matrix must be square
// (1 ≤ n ≤ 10, the range of Saaty's random index), positive and finite, with
// a_ii = 1 and a_ji = 1/a_ij (both within a relative 1e-6).
//
// The weights are the principal eigenvector, found by power iteration from
// equal weights and scaled to sum to 1; λmax = Σ_i (A·w)_i, CI = (λmax −
// n)/(n − 1), CR = CI/RI(n). WorstPair is argmax over i < j of
// max(a_ij·w_j/w_i, w_i/(a_ij·w_j)).
//
// When CR ≥ ConsistencyLimit the result is returned in full together with an
// *InconsistentError naming the ratio and the worst pair, so a report can
// show what the judgements imply while refusing to use them.
func AHP(matrix [][]float64) (AHPResult, error) {
	n := len(matrix)
	randomIndex, ok := RandomIndex(n)
	if !ok {
		return AHPResult{}, fmt.Errorf("ahp: %d criteria; Saaty's random index covers 1 to 10: %w", n, ErrInvalidMatrix)
	}
	if err := checkPairwise(matrix); err != nil {
		return AHPResult{}, err
	}

	weights, err := principalEigenvector(matrix)
	if err != nil {
		return AHPResult{}, err
	}
	var lambda float64
	for i := range n {
		for j := range n {
			lambda += matrix[i][j] * weights[j]
		}
	}
	r := AHPResult{Weights: weights, LambdaMax: lambda, WorstDeviation: 1}
	if n > 2 {
		r.CI = (lambda - float64(n)) / float64(n-1)
		r.CR = r.CI / randomIndex
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			ratio := matrix[i][j] * weights[j] / weights[i]
			if deviation := math.Max(ratio, 1/ratio); deviation > r.WorstDeviation {
				r.WorstPair, r.WorstDeviation = [2]int{i, j}, deviation
			}
		}
	}
	if r.CR >= ConsistencyLimit {
		i, j := r.WorstPair[0], r.WorstPair[1]
		return r, &InconsistentError{CR: r.CR, Pair: r.WorstPair, Judgement: matrix[i][j], Implied: weights[i] / weights[j]}
	}
	return r, nil
}

func checkPairwise(matrix [][]float64) error {
	n := len(matrix)
	for i, row := range matrix {
		if len(row) != n {
			return fmt.Errorf("ahp: row %d has %d entries, need %d (a square matrix): %w", i+1, len(row), n, ErrInvalidMatrix)
		}
		for j, v := range row {
			if !(v > 0) || math.IsInf(v, 1) {
				return fmt.Errorf("ahp: a[%d][%d] = %v is not a positive finite number: %w", i+1, j+1, v, ErrInvalidMatrix)
			}
		}
	}
	for i := range n {
		if math.Abs(matrix[i][i]-1) > reciprocityTolerance {
			return fmt.Errorf("ahp: diagonal a[%d][%d] = %v, must be 1: %w", i+1, i+1, matrix[i][i], ErrInvalidMatrix)
		}
		for j := i + 1; j < n; j++ {
			if math.Abs(matrix[i][j]*matrix[j][i]-1) > reciprocityTolerance {
				return fmt.Errorf("ahp: a[%d][%d] = %v is not the reciprocal of a[%d][%d] = %v (want %v): %w",
					j+1, i+1, matrix[j][i], i+1, j+1, matrix[i][j], 1/matrix[i][j], ErrInvalidMatrix)
			}
		}
	}
	return nil
}

// principalEigenvector iterates w ← A·w / Σ(A·w) from equal weights. A
// positive matrix has a unique positive principal eigenvector
// (Perron–Frobenius) and the iteration converges to it.
func principalEigenvector(matrix [][]float64) ([]float64, error) {
	const (
		maxIterations = 100000
		tolerance     = 1e-15
	)
	n := len(matrix)
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	next := make([]float64, n)
	for range maxIterations {
		var total float64
		for i := range n {
			next[i] = 0
			for j := range n {
				next[i] += matrix[i][j] * w[j]
			}
			total += next[i]
		}
		var change float64
		for i := range n {
			next[i] /= total
			change = math.Max(change, math.Abs(next[i]-w[i]))
		}
		w, next = next, w
		if change <= tolerance {
			return w, nil
		}
	}
	return nil, fmt.Errorf("ahp: power iteration did not settle in %d steps: %w", maxIterations, ErrInvalidMatrix)
}

// Combine blends subjective (AHP) and objective (entropy) weights:
// normalise(α·ahp + (1 − α)·entropy), scaled to sum to 1 (equal weights if
// everything is 0). ahp and entropy must have the same length and α must be
// within [0,1] (the config checks both); Combine panics otherwise, as for an
// out-of-range index.
func Combine(ahp, entropy []float64, alpha float64) []float64 {
	if len(ahp) != len(entropy) {
		panic(fmt.Sprintf("model.Combine: %d AHP weights but %d entropy weights", len(ahp), len(entropy)))
	}
	if !(0 <= alpha && alpha <= 1) {
		panic(fmt.Sprintf("model.Combine: alpha %v is not within [0,1]", alpha))
	}
	blend := make([]float64, len(ahp))
	for i := range ahp {
		blend[i] = alpha*ahp[i] + (1-alpha)*entropy[i]
	}
	return normalizeOrEqual(blend)
}
