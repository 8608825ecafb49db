package pipeline

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHistoryIndependentOfRunOrder runs two as-of dates in both orders and
// checks the later date's previous values and movers are the same: they
// come from the latest earlier as-of date, not from whichever ran first.
// Before refreshLater, running the later date first left it no movers.
func TestHistoryIndependentOfRunOrder(t *testing.T) {
	later := fixtureAsOf
	earlier := later.AddDate(0, 0, -7)
	history := func(order ...time.Time) (string, string, *Result) {
		store := openStoreT(t, filepath.Join(t.TempDir(), "accord.duckdb"))
		defer closeStoreT(t, store)
		var last *Result
		for _, d := range order {
			res, err := newRunner(t, store, "testdata/fixture.yaml").Run(context.Background(), RunOptions{AsOf: d})
			if err != nil {
				t.Fatal(err)
			}
			last = res
		}
		day := later.Format(time.DateOnly)
		movers := rowsDigest(t, store.DB, `SELECT * EXCLUDE (run_id) FROM movers WHERE as_of = CAST(? AS DATE) ORDER BY ALL`, day)
		prev := rowsDigest(t, store.DB, `SELECT customer_id, previous_tier, previous_score, tier_stability FROM customer_value
			WHERE as_of = CAST(? AS DATE) ORDER BY ALL`, day)
		return movers, prev, last
	}
	inOrderMovers, inOrderPrev, _ := history(earlier, later)
	backfillMovers, backfillPrev, backfill := history(later, earlier)
	if strings.HasPrefix(inOrderMovers, "0 rows") {
		t.Fatalf("no movers in the in-order history, the test shows nothing: %s", inOrderMovers)
	}
	if backfillMovers != inOrderMovers {
		t.Errorf("movers of %s depend on the run order:\n backfill %s\n in order %s", later.Format(time.DateOnly), backfillMovers, inOrderMovers)
	}
	if backfillPrev != inOrderPrev {
		t.Errorf("previous values of %s depend on the run order:\n backfill %s\n in order %s", later.Format(time.DateOnly), backfillPrev, inOrderPrev)
	}
	if len(backfill.Notes) != 1 || !strings.Contains(backfill.Notes[0], later.Format(time.DateOnly)) {
		t.Errorf("the backfill's notes are %q, want one naming %s", backfill.Notes, later.Format(time.DateOnly))
	}
}
