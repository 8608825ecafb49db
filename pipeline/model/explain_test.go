package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDecomposeByHand(t *testing.T) {
	// Last run: weight 0.20, normalized 0.50 → 0.100.
	// This run: weight 0.25, normalized 0.70 → 0.175. Change +0.075.
	// The new raw value within last run's population would have been 0.75.
	//   input      = 0.20·(0.75 − 0.50) = +0.050  (the customer improved)
	//   population = 0.20·(0.70 − 0.75) = −0.010  (others improved more)
	//   config     = (0.25 − 0.20)·0.70 = +0.035  (the weight went up)
	//   sum        = 0.050 − 0.010 + 0.035 = 0.075 ✓
	input, population, config := Decompose(0.20, 0.25, 0.50, 0.75, 0.70)
	near(t, "input", input, 0.050, 1e-15)
	near(t, "population", population, -0.010, 1e-15)
	near(t, "config", config, 0.035, 1e-15)
	near(t, "sum", input+population+config, 0.075, 1e-15)

	// Nothing changed but the config: all of it is config.
	input, population, config = Decompose(0.3, 0.1, 0.6, 0.6, 0.6)
	near(t, "config only: input", input, 0, 0)
	near(t, "config only: population", population, 0, 0)
	near(t, "config only: config", config, -0.2*0.6, 1e-15)
}

func TestDecomposeSumsToTheChange(t *testing.T) {
	// The identity w0(n' − n0) + w0(n1 − n') + (w1 − w0)n1 = w1·n1 − w0·n0
	// holds for any numbers; in float64 it holds to a few ulps of the
	// largest term, never more.
	rng := rand.New(rand.NewPCG(4, 4))
	for range 10000 {
		w0, w1 := rng.Float64(), rng.Float64()
		n0, nSame, n1 := rng.Float64(), rng.Float64(), rng.Float64()
		input, population, config := Decompose(w0, w1, n0, nSame, n1)
		change := w1*n1 - w0*n0
		if d := math.Abs(input + population + config - change); d > 4e-16 {
			t.Fatalf("Decompose(%v, %v, %v, %v, %v): parts sum %v, change %v (off by %g)",
				w0, w1, n0, nSame, n1, input+population+config, change, d)
		}
	}
}
