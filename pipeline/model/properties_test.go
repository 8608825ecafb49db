package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomPopulation draws n values, half the time small integers (many ties),
// otherwise spread-out reals.
func randomPopulation(rng *rand.Rand, n int) []float64 {
	p := make([]float64, n)
	ties := rng.IntN(2) == 0
	for i := range p {
		if ties {
			p[i] = float64(rng.IntN(6))
		} else {
			p[i] = rng.NormFloat64() * 1000
		}
	}
	return p
}

func propertyNormalizers(t *testing.T) []Normalizer {
	t.Helper()
	winsorized, err := NewMinMax(0.05, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := NewMinMax(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	grid, err := NewThresholds([]Band{{From: -500, Points: 10}, {From: 0, Points: 10}, {From: 2, Points: 55}, {From: 900, Points: 100}})
	if err != nil {
		t.Fatal(err)
	}
	return []Normalizer{Percentile{}, winsorized, plain, ZScore{}, grid}
}

func TestNormalizersAreMonotoneAndBounded(t *testing.T) {
	// For a fixed population, sweeping x upwards (through members, between
	// them and beyond both ends) never lowers the value, and every value is
	// within [0,1].
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range propertyNormalizers(t) {
		for trial := range 300 {
			population := randomPopulation(rng, rng.IntN(30))
			xs := slices.Clone(population)
			for range 20 {
				xs = append(xs, rng.NormFloat64()*1500, float64(rng.IntN(8))-1, float64(rng.IntN(6))+0.5)
			}
			slices.Sort(xs)
			previous := math.Inf(-1)
			for _, x := range xs {
				v := n.Normalize(population, x)
				if !(v >= 0 && v <= 1) {
					t.Fatalf("%s trial %d: Normalize(%v, %v) = %v, outside [0,1]", n.Name(), trial, population, x, v)
				}
				if v < previous {
					t.Fatalf("%s trial %d: value fell from %v to %v as x rose to %v (population %v)", n.Name(), trial, previous, v, x, population)
				}
				previous = v
			}
		}
	}
}

func TestNormalizersIgnoreRowOrder(t *testing.T) {
	// Shuffling the population changes nothing, to the last bit; NormalizeAll
	// agrees with calling Normalize value by value.
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range propertyNormalizers(t) {
		for range 100 {
			population := randomPopulation(rng, 1+rng.IntN(25))
			all := NormalizeAll(n, population)
			shuffled := slices.Clone(population)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			for i, x := range population {
				if one := n.Normalize(population, x); one != all[i] {
					t.Fatalf("%s: Normalize %v but NormalizeAll %v for %v", n.Name(), one, all[i], x)
				}
				if again := n.Normalize(shuffled, x); again != all[i] {
					t.Fatalf("%s: shuffled population gives %v, unshuffled %v", n.Name(), again, all[i])
				}
			}
		}
	}
}

func TestPercentileSpansZeroToOne(t *testing.T) {
	// Within its own population (no ties at the ends) the lowest value gets
	// exactly 0 and the highest exactly 1, and the values average ½: mid-ranks
	// are symmetric.
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		population := randomPopulation(rng, 2+rng.IntN(30))
		all := NormalizeAll(Percentile{}, population)
		lowest, highest := slices.Min(population), slices.Max(population)
		for i, x := range population {
			if x == lowest && countOf(population, x) == 1 && all[i] != 0 {
				t.Fatalf("unique minimum got %v, want 0", all[i])
			}
			if x == highest && countOf(population, x) == 1 && all[i] != 1 {
				t.Fatalf("unique maximum got %v, want 1", all[i])
			}
		}
		near(t, "mean percentile", sum(all)/float64(len(all)), 0.5, 1e-12)
	}
}

func countOf(values []float64, x float64) int {
	c := 0
	for _, v := range values {
		if v == x {
			c++
		}
	}
	return c
}

func TestEntropyWeightsProperties(t *testing.T) {
	// Weights are non-negative, sum to 1, and do not depend on row order,
	// to the last bit.
	rng := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		rows, cols := 2+rng.IntN(40), 1+rng.IntN(9)
		m := make([][]float64, rows)
		for i := range m {
			m[i] = make([]float64, cols)
			for j := range m[i] {
				switch rng.IntN(5) {
				case 0:
					m[i][j] = 0
				case 1:
					m[i][j] = float64(rng.IntN(4)) / 4
				default:
					m[i][j] = rng.Float64()
				}
			}
		}
		w, err := EntropyWeights(m)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "Σ w", sum(w), 1, 1e-12)
		for j, v := range w {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("w[%d] = %v outside [0,1]", j, v)
			}
		}
		shuffled := slices.Clone(m)
		rng.Shuffle(rows, func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		again, err := EntropyWeights(shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(w, again) {
			t.Fatalf("row order changed the weights: %v vs %v", w, again)
		}
	}
}

func TestAHPOfConsistentMatrixReturnsItsWeights(t *testing.T) {
	// a_ij = w_i/w_j is perfectly consistent: A·w = n·w, so AHP must give
	// back w itself, λmax = n, CR = 0 and no judgement out of line.
	rng := rand.New(rand.NewPCG(9, 10))
	for range 300 {
		n := 1 + rng.IntN(10)
		w := make([]float64, n)
		for i := range w {
			w[i] = 0.05 + rng.Float64()
		}
		total := sum(w)
		for i := range w {
			w[i] /= total
		}
		m := make([][]float64, n)
		for i := range m {
			m[i] = make([]float64, n)
			for j := range m[i] {
				m[i][j] = w[i] / w[j]
			}
		}
		r, err := AHP(m)
		if err != nil {
			t.Fatalf("consistent %d×%d matrix: %v", n, n, err)
		}
		nearAll(t, "weights", r.Weights, w, 1e-12)
		near(t, "λmax", r.LambdaMax, float64(n), 1e-9)
		near(t, "CR", r.CR, 0, 1e-9)
		near(t, "worst deviation", r.WorstDeviation, 1, 1e-9)
	}
}

func TestSpearmanIgnoresPairOrder(t *testing.T) {
	// Reordering the pairs (customers) together changes nothing beyond
	// rounding, and ρ stays within [−1, 1].
	rng := rand.New(rand.NewPCG(11, 12))
	for range 300 {
		n := 2 + rng.IntN(40)
		x, y := randomPopulation(rng, n), randomPopulation(rng, n)
		rho := Spearman(x, y)
		if math.IsNaN(rho) {
			continue // a constant series
		}
		if rho < -1 || rho > 1 {
			t.Fatalf("ρ = %v outside [−1, 1]", rho)
		}
		order := rng.Perm(n)
		xs, ys := make([]float64, n), make([]float64, n)
		for i, k := range order {
			xs[i], ys[i] = x[k], y[k]
		}
		near(t, "ρ after reordering", Spearman(xs, ys), rho, 1e-12)
	}
}
