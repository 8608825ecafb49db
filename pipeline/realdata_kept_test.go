package pipeline

import (
	"testing"
	"time"
)

// On the real exports of config/examples: a run at one as-of date, then
// one at a later date in the same database, keeps every source (nothing
// changed) and gives every result table, row for row, what the same two
// runs reading everything give in a fresh database; the earlier date's
// results are still there, not replaced.
func TestRealExportsKeptSourcesEqualAFullLoad(t *testing.T) {
	requireRealData(t)
	for _, c := range []struct{ config, first, later string }{
		{"ibm-ar.yaml", "2012-02-01", "2013-12-02"},
		{"helpdesk-tickets.yaml", "2010-06-01", "2012-06-01"},
		{"telco-crm.yaml", "2024-01-01", "2026-01-01"},
	} {
		t.Run(c.config, func(t *testing.T) {
			cfg := "../config/examples/" + c.config
			rr := newRerunner(t, cfg)
			first := rr.run(isoDay(t, c.first), true)
			later := rr.run(isoDay(t, c.later), false)
			for _, s := range later.Sources {
				if s.KeptFrom != first.RunID {
					t.Errorf("source %s: kept from run %d, want %d (its files did not change)", s.Source, s.KeptFrom, first.RunID)
				}
			}
			// The same two runs, each reading everything: the later run's
			// movers and previous tiers come from the earlier one.
			fresh := newRerunner(t, cfg)
			fresh.run(isoDay(t, c.first), true)
			full := fresh.run(isoDay(t, c.later), true)
			for _, table := range resultTables {
				got, want := tableDigest(t, rr.store.DB, table, later.RunID), tableDigest(t, fresh.store.DB, table, full.RunID)
				if got != want {
					t.Errorf("%s at %s with kept sources: %s; a full load: %s", table, c.later, got, want)
				}
			}
			if err := ResultsRemoved(t.Context(), rr.store.DB, first.RunID); err != nil {
				t.Errorf("the earlier date's run: %v", err)
			}
		})
	}
}

// isoDay is the date s (2006-01-02).
func isoDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
