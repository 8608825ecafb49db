package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/pipeline"
)

// The run summary states how many indicators the index rests on and warns
// under half (issue 10: an index on 3 of 9 indicators looked like a full one).
func TestSummaryStatesIndicatorCoverage(t *testing.T) {
	for _, c := range []struct {
		with, total int64
		warn        bool
	}{{3, 9, true}, {4, 9, true}, {5, 9, false}, {9, 9, false}} {
		var b bytes.Buffer
		printSummary(&b, &pipeline.Result{AsOf: time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), IndicatorsWithData: c.with, Indicators: c.total})
		out := b.String()
		want := "the index rests on " + itoa(c.with) + " of " + itoa(c.total) + " indicators"
		if !strings.Contains(out, want) {
			t.Errorf("%d/%d: summary lacks %q:\n%s", c.with, c.total, want, out)
		}
		if got := strings.Contains(out, "under half of the model's indicators"); got != c.warn {
			t.Errorf("%d/%d: warning shown %v, want %v:\n%s", c.with, c.total, got, c.warn, out)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
