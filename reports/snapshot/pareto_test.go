package snapshot

import (
	"fmt"
	"testing"
)

// TestParetoIsTrue: bars by failures, non-increasing (the "others" bar
// last), the cumulative share over all failures ending at exactly 100 %,
// and nothing lost in the fold. The old chart ordered bars by the shrunk
// rate (87, 12, 12, 51, …) and its cumulative line ended near 10 %.
func TestParetoIsTrue(t *testing.T) {
	var items []ParetoItem
	var total int64
	for i := range 40 {
		f := int64((i * 37) % 23) // shuffled counts, some zero, some tied
		items = append(items, ParetoItem{Key: fmt.Sprint(i), Label: fmt.Sprintf("g%02d", i), Failures: f})
		total += f
	}
	bars := Pareto(items, 10)
	if len(bars) != 10 || bars[9].Others == 0 {
		t.Fatalf("%d bars, last others=%d; want 10 with the tail folded", len(bars), bars[len(bars)-1].Others)
	}
	var sum int64
	for i, b := range bars {
		sum += b.Failures
		if i > 0 && b.Others == 0 && b.Failures > bars[i-1].Failures {
			t.Errorf("bar %d (%d) above bar %d (%d)", i, b.Failures, i-1, bars[i-1].Failures)
		}
		if want := float64(sum) / float64(total); b.Cumulative != want && !(i == len(bars)-1 && b.Cumulative == 1) {
			t.Errorf("bar %d: cumulative %v, want %v", i, b.Cumulative, want)
		}
	}
	if sum != total || bars[9].Cumulative != 1 {
		t.Errorf("bars sum to %d of %d failures, last cumulative %v; want all and 1", sum, total, bars[9].Cumulative)
	}
	// Zero-failure groups are not bars; the count of folded groups excludes them.
	zeros := 0
	for _, it := range items {
		if it.Failures == 0 {
			zeros++
		}
	}
	if bars[9].Others != len(items)-zeros-9 {
		t.Errorf("others folds %d groups, want %d", bars[9].Others, len(items)-zeros-9)
	}
	// Few groups: no fold, still ends at 1.
	small := Pareto([]ParetoItem{{Key: "a", Label: "a", Failures: 1}, {Key: "b", Label: "b", Failures: 3}}, 10)
	if len(small) != 2 || small[0].Label != "b" || small[1].Cumulative != 1 || small[0].Cumulative != 0.75 {
		t.Errorf("small pareto %+v", small)
	}
}
