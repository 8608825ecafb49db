package config

import "fmt"

// History bounds the result history the database keeps. Every succeeded
// run writes its results (scores, contributions, hot-spots, aging, the
// service queue, rejects …) keyed by its run id; without a bound they grow
// with every week for as long as Accord runs.
type History struct {
	// KeepRuns is how many runs' results are kept: those of the newest
	// KeepRuns as-of dates (each date's results are its latest run's). The
	// results of older runs are deleted in the transaction that commits a
	// new run; their rows in runs, run_inputs, run_sources and the outbox
	// stay, as the audit trail. DefaultKeepRuns when absent; at least
	// MinKeepRuns. There is no "unlimited": 0 is refused rather than read
	// as keep nothing or keep everything; a large number keeps more.
	KeepRuns *int `yaml:"keep_runs"`
}

// DefaultKeepRuns is history.keep_runs' default: two years of weekly runs,
// so a year-on-year comparison of any week can still be made from the
// database.
const DefaultKeepRuns = 104

// MinKeepRuns is the least history.keep_runs may be: the Trend sheet shows
// the last 8 as-of dates, tier_stability is the share of the last 8 with
// today's tier, and a backfill recomputes the movers of up to 8 later
// dates. Fewer kept runs would make those read less history than they say.
const MinKeepRuns = 8

// Runs returns history.keep_runs, or its default.
func (h History) Runs() int {
	if h.KeepRuns == nil {
		return DefaultKeepRuns
	}
	return *h.KeepRuns
}

func (h History) validate() []Problem {
	n := h.Runs()
	switch {
	case n == 0:
		return []Problem{{Field: "history.keep_runs", Reason: fmt.Sprintf("must be at least %d, got 0; 0 does not mean keep everything "+
			"(there is no unlimited: set a larger number to keep more; the default is %d)", MinKeepRuns, DefaultKeepRuns)}}
	case n < MinKeepRuns:
		return []Problem{{Field: "history.keep_runs", Reason: fmt.Sprintf("must be at least %d, got %d: the Trend sheet and tier_stability "+
			"read the last %d as-of dates, and a backfill recomputes the movers of up to %d later ones", MinKeepRuns, n, MinKeepRuns, MinKeepRuns)}}
	}
	return nil
}
