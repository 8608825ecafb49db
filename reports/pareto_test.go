package reports

import (
	"fmt"
	"testing"
)

// TestParetoIsTrue: bars by failures, non-increasing (the "others" bar
// last), the cumulative share over all failures ending at exactly 100 %,
// and nothing lost in the fold. The old chart ordered bars by the shrunk
// rate (87, 12, 12, 51, …) and its cumulative line ended near 10 %.
func TestParetoIsTrue(t *testing.T) {
	var items []paretoItem
	var total int64
	for i := range 40 {
		f := int64((i * 37) % 23) // shuffled counts, some zero, some tied
		items = append(items, paretoItem{key: fmt.Sprint(i), label: fmt.Sprintf("g%02d", i), failures: f})
		total += f
	}
	bars := pareto(items, 10)
	if len(bars) != 10 || bars[9].others == 0 {
		t.Fatalf("%d bars, last others=%d; want 10 with the tail folded", len(bars), bars[len(bars)-1].others)
	}
	var sum int64
	for i, b := range bars {
		sum += b.failures
		if i > 0 && b.others == 0 && b.failures > bars[i-1].failures {
			t.Errorf("bar %d (%d) above bar %d (%d)", i, b.failures, i-1, bars[i-1].failures)
		}
		if want := float64(sum) / float64(total); b.cumulative != want && !(i == len(bars)-1 && b.cumulative == 1) {
			t.Errorf("bar %d: cumulative %v, want %v", i, b.cumulative, want)
		}
	}
	if sum != total || bars[9].cumulative != 1 {
		t.Errorf("bars sum to %d of %d failures, last cumulative %v; want all and 1", sum, total, bars[9].cumulative)
	}
	// Zero-failure groups are not bars; the count of folded groups excludes them.
	zeros := 0
	for _, it := range items {
		if it.failures == 0 {
			zeros++
		}
	}
	if bars[9].others != len(items)-zeros-9 {
		t.Errorf("others folds %d groups, want %d", bars[9].others, len(items)-zeros-9)
	}
	// Few groups: no fold, still ends at 1.
	small := pareto([]paretoItem{{key: "a", label: "a", failures: 1}, {key: "b", label: "b", failures: 3}}, 10)
	if len(small) != 2 || small[0].label != "b" || small[1].cumulative != 1 || small[0].cumulative != 0.75 {
		t.Errorf("small pareto %+v", small)
	}
}
