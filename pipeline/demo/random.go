package demo

import (
	"math"
	"math/rand/v2"
	"time"
)

// Stream identifiers: each purpose gets its own PCG stream so that changing
// how one file is made does not reshuffle the others.
const (
	streamCustomer uint64 = iota + 1
	streamMessy
	streamAdvocate
)

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// seedPCG reseeds src for (seed, stream, index); reseeding one PCG per
// customer avoids an allocation per customer.
func seedPCG(src *rand.PCG, seed int64, stream, index uint64) {
	hi := splitmix64(uint64(seed) ^ splitmix64(stream))
	lo := splitmix64(hi ^ splitmix64(index+0x632be59bd9b4e019))
	src.Seed(hi, lo)
}

func newRand(seed int64, stream, index uint64) *rand.Rand {
	src := &rand.PCG{}
	seedPCG(src, seed, stream, index)
	return rand.New(src)
}

// poisson draws a Poisson count: Knuth's method for small means, a rounded
// normal for large ones (the demo does not need exact tails there).
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean < 30 {
		limit, p, k := math.Exp(-mean), 1.0, 0
		for {
			p *= r.Float64()
			if p <= limit {
				return k
			}
			k++
		}
	}
	n := math.Round(mean + math.Sqrt(mean)*r.NormFloat64())
	return int(max(n, 0))
}

func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }

type weighted[T any] struct {
	value  T
	weight float64
}

func pickWeighted[T any](r *rand.Rand, items []weighted[T]) T {
	total := 0.0
	for _, it := range items {
		total += it.weight
	}
	x := r.Float64() * total
	for _, it := range items {
		x -= it.weight
		if x < 0 {
			return it.value
		}
	}
	return items[len(items)-1].value
}

func pick[T any](r *rand.Rand, items []T) T { return items[r.IntN(len(items))] }

const day = 24 * time.Hour

// randomDay returns a midnight in [from, to); to must be after from.
func randomDay(r *rand.Rand, from, to time.Time) time.Time {
	days := int(to.Sub(from) / day)
	if days <= 0 {
		return from
	}
	return from.AddDate(0, 0, r.IntN(days))
}

// randomInstant returns an instant in [from, to), to the second.
func randomInstant(r *rand.Rand, from, to time.Time) time.Time {
	secs := int64(to.Sub(from) / time.Second)
	if secs <= 0 {
		return from
	}
	return from.Add(time.Duration(r.Int64N(secs)) * time.Second)
}

// workingTime moves a midnight to a plausible office time: mostly 08:30–18:30
// on weekdays, sometimes evenings, and weekend days shifted to Monday most of
// the time unless that Monday is not before limit (a midnight), so the result
// stays before limit whenever d is.
func workingTime(r *rand.Rand, d, limit time.Time) time.Time {
	shift := 0
	switch d.Weekday() {
	case time.Saturday:
		shift = 2
	case time.Sunday:
		shift = 1
	}
	if shift > 0 && r.Float64() < 0.85 {
		if moved := d.AddDate(0, 0, shift); moved.Before(limit) {
			d = moved
		}
	}
	var minutes int
	if r.Float64() < 0.9 {
		minutes = 8*60 + 30 + r.IntN(10*60)
	} else {
		minutes = 18*60 + 30 + r.IntN(4*60)
	}
	return d.Add(time.Duration(minutes)*time.Minute + time.Duration(r.IntN(60))*time.Second)
}

func daysBetween(from, to time.Time) float64 { return to.Sub(from).Hours() / 24 }
