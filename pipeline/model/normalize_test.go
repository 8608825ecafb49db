package model

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestPercentileMidRankByHand(t *testing.T) {
	// Population 10, 20, 20, 30, 40 (n = 5, so the denominator is n − 1 = 4);
	// p = (below + (equal − 1)/2) / 4:
	//   10: below 0, equal 1 → 0/4             = 0
	//   20: below 1, equal 2 → (1 + 0.5)/4     = 0.375 (both 20s)
	//   30: below 3, equal 1 → 3/4             = 0.75
	//   40: below 4, equal 1 → 4/4             = 1
	// Not in the population, so counted once more (n = 6, denominator 5):
	//   25: below 3 → 3/5 = 0.6;  5: below 0 → 0;  50: below 5 → 5/5 = 1
	population := []float64{30, 20, 40, 10, 20} // order must not matter
	for _, c := range []struct{ x, want float64 }{
		{10, 0}, {20, 0.375}, {30, 0.75}, {40, 1},
		{25, 0.6}, {5, 0}, {50, 1},
	} {
		near(t, "percentile of "+ftoa(c.x), Percentile{}.Normalize(population, c.x), c.want, 1e-15)
	}
	nearAll(t, "NormalizeAll", NormalizeAll(Percentile{}, population), []float64{0.75, 0.375, 1, 0, 0.375}, 1e-15)
}

func TestPercentileEdgeCases(t *testing.T) {
	// One customer with data: 0.5, as score.sql's "n_with_data = 1".
	near(t, "single member", Percentile{}.Normalize([]float64{7}, 7), 0.5, 0)
	// Empty population: x alone counts once, n = 1 → 0.5.
	near(t, "empty population", Percentile{}.Normalize(nil, 3), 0.5, 0)
	// NaN is no data, skipped like NULL: 10, NaN, 30 is n = 2, so 30 → 1/1.
	near(t, "NaN skipped", Percentile{}.Normalize([]float64{10, math.NaN(), 30}, 30), 1, 0)
	// All equal: below 0, equal 3 → (0 + 1)/2 = 0.5.
	near(t, "all tied", Percentile{}.Normalize([]float64{4, 4, 4}, 4), 0.5, 0)
	if v := (Percentile{}).Normalize([]float64{1, 2}, math.NaN()); !math.IsNaN(v) {
		t.Errorf("percentile of NaN = %v, want NaN (no data)", v)
	}
}

func TestPercentileMatchesPipelineFixture(t *testing.T) {
	// pipeline/score_test.go works the SQL's mid-rank percentiles out by hand
	// for its five-customer fixture: maintenance fees 5000, 3000, 0, 3000,
	// 1000 normalize to 1, .625, 0, .625, .25 (3000: below 2, equal 2 →
	// (2 + 0.5)/4). The Go reference must agree with those same numbers.
	fees := []float64{5000, 3000, 0, 3000, 1000}
	nearAll(t, "maintenance_fees", NormalizeAll(Percentile{}, fees), []float64{1, 0.625, 0, 0.625, 0.25}, 1e-15)
	// Lower-is-better, ease of coordination 0, 2, 0.5, (missing), 1 turn to
	// 1, 0, 2/3, ·, 1/3 (n = 4 with data).
	ease := []float64{0, 2, 0.5, math.NaN(), 1}
	got := NormalizeAll(Percentile{}, ease)
	for i, want := range []float64{1, 0, 2.0 / 3, math.NaN(), 1.0 / 3} {
		if math.IsNaN(want) {
			if !math.IsNaN(got[i]) {
				t.Errorf("ease[%d] = %v, want NaN (missing)", i, got[i])
			}
			continue
		}
		near(t, "ease turned", Directed(Percentile{}, got[i], false), want, 1e-15)
	}
}

func TestQuantileContByHand(t *testing.T) {
	// Hyndman & Fan (1996), "Sample quantiles in statistical packages", The
	// American Statistician 50(4), definition 7 (R's default, DuckDB's
	// quantile_cont): h = (n − 1)q, interpolate between s[⌊h⌋] and s[⌊h⌋+1].
	values := []float64{50, 10, 40, 20, 30}
	for _, c := range []struct{ q, want float64 }{
		{0, 10}, {1, 50}, {0.5, 30},
		{0.05, 12}, // h = 4·0.05 = 0.2 → 10 + 0.2·(20 − 10)
		{0.95, 48}, // h = 4·0.95 = 3.8 → 40 + 0.8·(50 − 40)
		{0.3, 22},  // h = 1.2 → 20 + 0.2·10
	} {
		near(t, "QuantileCont q="+ftoa(c.q), QuantileCont(values, c.q), c.want, 1e-12)
	}
	// 1, 2, 3, 4: the median is h = 1.5 → 2.5, not 2 or 3 (no "nearest" rule).
	near(t, "median of 1..4", QuantileCont([]float64{4, 3, 2, 1}, 0.5), 2.5, 0)
	if v := QuantileCont([]float64{math.NaN()}, 0.5); !math.IsNaN(v) {
		t.Errorf("quantile of no data = %v, want NaN", v)
	}
}

func TestMinMaxWinsorizedByHand(t *testing.T) {
	// Population 10..50 step 10, winsorized at 0.05/0.95: lo = 12, hi = 48
	// (see TestQuantileContByHand), v = clamp((x − 12)/36, 0, 1).
	m, err := NewMinMax(0.05, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	population := []float64{30, 50, 10, 40, 20}
	for _, c := range []struct{ x, want float64 }{
		{30, 0.5},       // 18/36
		{20, 2.0 / 9},   // 8/36
		{45, 11.0 / 12}, // 33/36
		{10, 0},         // −2/36, clamped
		{50, 1},         // 38/36, clamped
		{1e6, 1},        // far outside the population: still 1
	} {
		near(t, "minmax of "+ftoa(c.x), m.Normalize(population, c.x), c.want, 1e-15)
	}

	// Low 0, High 1 is plain min-max: 0..4, x = 1 → 0.25.
	plain, _ := NewMinMax(0, 1)
	near(t, "plain min-max", plain.Normalize([]float64{0, 4}, 1), 0.25, 0)

	// hi == lo: 5, 5, 5, 5, 9 at 0.05/0.5 → lo = 5 (h = 0.2), hi = 5 (h = 2):
	// no spread to scale by, so 0.5 for everyone.
	flat, _ := NewMinMax(0.05, 0.5)
	for _, x := range []float64{5, 9, -100} {
		near(t, "hi == lo", flat.Normalize([]float64{5, 5, 5, 5, 9}, x), 0.5, 0)
	}
	near(t, "empty population", m.Normalize(nil, 3), 0.5, 0)
}

func TestNewMinMaxRejectsBadQuantiles(t *testing.T) {
	for _, c := range [][2]float64{{0.5, 0.5}, {0.9, 0.1}, {-0.1, 0.9}, {0.1, 1.1}, {math.NaN(), 0.9}} {
		_, err := NewMinMax(c[0], c[1])
		if !errors.Is(err, ErrInvalidNormalizer) {
			t.Errorf("NewMinMax(%v, %v) error = %v, want ErrInvalidNormalizer", c[0], c[1], err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "minmax: ") {
			t.Errorf("error %q lacks the minmax: prefix", err)
		}
	}
}

func TestZScoreThroughNormalCDF(t *testing.T) {
	// The population 2, 4, 4, 4, 5, 5, 7, 9 has mean 5 and population
	// standard deviation 2 (Σ(v − 5)² = 9+1+1+1+0+0+4+16 = 32, /8 = 4, √4 = 2)
	// — the worked example in Wikipedia's "Standard deviation" article.
	// Φ values are from Abramowitz & Stegun (1964), Handbook of Mathematical
	// Functions, Table 26.1: Φ(1) = 0.8413447461, Φ(2) = 0.9772498681.
	population := []float64{9, 2, 4, 5, 4, 7, 4, 5}
	for _, c := range []struct{ x, want float64 }{
		{5, 0.5},              // z = 0
		{7, 0.8413447461},     // z = 1
		{9, 0.9772498681},     // z = 2
		{1, 1 - 0.9772498681}, // z = −2, by symmetry
		{3, 1 - 0.8413447461}, // z = −1
		{25, 1},               // z = 10: 1 − 7.6e-24, which is 1 in float64
	} {
		near(t, "zscore of "+ftoa(c.x), ZScore{}.Normalize(population, c.x), c.want, 1e-10)
	}
	// The deep lower tail stays positive and accurate (erfc, not 1 − erf):
	// x = −15 is z = −10, and by the asymptotic series (A&S 26.2.12)
	// Φ(−z) ≈ φ(z)/z·(1 − 1/z² + 3/z⁴ − 15/z⁶) with φ(10) = e^−50/√(2π)
	// = 1.92875e-22/2.50663 = 7.69460e-23: 7.69460e-24 × 0.990285 = 7.6198e-24.
	if v := (ZScore{}).Normalize(population, -15); !(v > 7.61e-24 && v < 7.63e-24) {
		t.Errorf("Φ(−10) = %g, want ≈ 7.62e-24", v)
	}
	// σ = 0: every customer equal, nothing to tell apart → 0.5.
	near(t, "σ = 0", ZScore{}.Normalize([]float64{3, 3, 3}, 3), 0.5, 0)
	near(t, "σ = 0, x elsewhere", ZScore{}.Normalize([]float64{3, 3, 3}, 8), 0.5, 0)
	near(t, "empty", ZScore{}.Normalize(nil, 8), 0.5, 0)
}

func TestThresholdsGrid(t *testing.T) {
	grid, err := NewThresholds([]Band{{From: 0, Points: 0}, {From: 1000, Points: 40}, {From: 10000, Points: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ x, want float64 }{
		{-5, 0}, // below the first band
		{0, 0}, {999.99, 0},
		{1000, 0.4}, {9999, 0.4}, // From is inclusive
		{10000, 1}, {1e12, 1},
	} {
		near(t, "thresholds of "+ftoa(c.x), grid.Normalize(nil, c.x), c.want, 0)
	}
	// The population plays no part: the grid is absolute.
	near(t, "population ignored", grid.Normalize([]float64{1e9, 2e9}, 5000), 0.4, 0)

	// A grid starting above zero gives 0 below its first band.
	late, _ := NewThresholds([]Band{{From: 500, Points: 60}})
	near(t, "below a late first band", late.Normalize(nil, 100), 0, 0)

	// Lower-is-better grids state points directly and are never turned.
	fewerIsBetter, _ := NewThresholds([]Band{{From: 0, Points: 100}, {From: 2, Points: 50}, {From: 5, Points: 0}})
	v := fewerIsBetter.Normalize(nil, 3)
	near(t, "descending grid", v, 0.5, 0)
	near(t, "Directed leaves thresholds alone", Directed(fewerIsBetter, 0.3, false), 0.3, 0)
	near(t, "Directed leaves *Thresholds alone", Directed(&fewerIsBetter, 0.3, false), 0.3, 0)
	near(t, "Directed turns others", Directed(Percentile{}, 0.2, false), 0.8, 1e-15)
	near(t, "Directed keeps higher-is-better", Directed(ZScore{}, 0.2, true), 0.2, 0)
}

func TestNewThresholdsValidation(t *testing.T) {
	bad := map[string][]Band{
		"no bands":          nil,
		"points above 100":  {{From: 0, Points: 101}},
		"negative points":   {{From: 0, Points: -1}},
		"repeated from":     {{From: 0, Points: 0}, {From: 0, Points: 50}},
		"descending from":   {{From: 10, Points: 0}, {From: 5, Points: 50}},
		"NaN from":          {{From: math.NaN(), Points: 0}},
		"infinite from":     {{From: math.Inf(-1), Points: 0}},
		"NaN points":        {{From: 0, Points: math.NaN()}},
		"unsorted, 3 bands": {{From: 0, Points: 0}, {From: 100, Points: 50}, {From: 50, Points: 70}},
	}
	for name, bands := range bad {
		_, err := NewThresholds(bands)
		if !errors.Is(err, ErrInvalidNormalizer) {
			t.Errorf("%s: error = %v, want ErrInvalidNormalizer", name, err)
		}
	}
	// The grid is copied: changing the caller's slice changes nothing.
	bands := []Band{{From: 0, Points: 10}}
	grid, err := NewThresholds(bands)
	if err != nil {
		t.Fatal(err)
	}
	bands[0].Points = 90
	near(t, "copied bands", grid.Normalize(nil, 1), 0.1, 0)
}

func TestNamesMatchConfigMethods(t *testing.T) {
	// config.Normalization.Method spells the methods this way.
	for n, want := range map[Normalizer]string{
		Percentile{}: "percentile", MinMax{0.05, 0.95}: "minmax", ZScore{}: "zscore",
	} {
		if n.Name() != want {
			t.Errorf("Name() = %q, want %q", n.Name(), want)
		}
	}
	if (Thresholds{}).Name() != "thresholds" {
		t.Errorf("Thresholds.Name() = %q", Thresholds{}.Name())
	}
}

func TestReplaceValue(t *testing.T) {
	old := []float64{10, 20, 20, 30}
	for _, c := range []struct {
		name          string
		oldV, newV    float64
		want          []float64
		percentileOfX float64
	}{
		// 20 → 35 in the old population: 10, 35, 20, 30; 35 is the top → 1.
		{"changed", 20, 35, []float64{10, 35, 20, 30}, 1},
		// No data last run: appended; 25 among 10, 20, 20, 30, 25 → below 3 → 3/4.
		{"new data", math.NaN(), 25, []float64{10, 20, 20, 30, 25}, 0.75},
		// No data now: removed; the remaining population is what the others see.
		{"data gone", 30, math.NaN(), []float64{10, 20, 20}, math.NaN()},
	} {
		got := ReplaceValue(old, c.oldV, c.newV)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: ReplaceValue = %v, want %v", c.name, got, c.want)
		}
		near(t, c.name+" percentile", Percentile{}.Normalize(got, c.newV), c.percentileOfX, 1e-15)
	}
	if !slices.Equal(old, []float64{10, 20, 20, 30}) {
		t.Errorf("ReplaceValue modified its input: %v", old)
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func TestNoDataStaysNoData(t *testing.T) {
	// A NaN x is a customer without data: every normalizer returns NaN so the
	// caller's missing-data policy (neutral, worst, exclude) decides, and
	// NaN in the population is skipped rather than poisoning everyone else.
	for _, n := range propertyNormalizers(t) {
		if v := n.Normalize([]float64{1, 2, 3}, math.NaN()); !math.IsNaN(v) {
			t.Errorf("%s of NaN = %v, want NaN", n.Name(), v)
		}
		withGap := n.Normalize([]float64{1, math.NaN(), 3}, 3)
		without := n.Normalize([]float64{1, 3}, 3)
		if withGap != without {
			t.Errorf("%s: NaN in population changed 3's value from %v to %v", n.Name(), without, withGap)
		}
	}
}
