package pipeline

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// The sensitivity evidence re-weighs the normalized indicators without
// normalizing again: SensitivityTiers in one pass, and the reference it is
// tested against (referenceSensitivity) through reweigh. Checked here for
// reweigh against the full path: normalizing and scoring from scratch with
// the same shifted weights must give every customer the very same score,
// and one that differs from the base score.
func TestReweighingEqualsScoringFromScratch(t *testing.T) {
	store, res := runFixture(t, "testdata/fixture.yaml")
	r := &Runner{Store: store, Config: mustLoad(t, "testdata/fixture.yaml"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock}
	ctx := context.Background()
	conn, err := store.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, queries.Get("CreateMacros")); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := r.setVariables(ctx, tx, &Result{RunID: -1, AsOf: res.AsOf}); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, queries.Get("CustomerEconomics")); err != nil {
		t.Fatal(err)
	}
	sc := &scorer{cfg: r.Config, tx: tx, asOf: res.AsOf}
	if err := sc.score(ctx); err != nil {
		t.Fatal(err)
	}
	scores := func() map[string]float64 {
		t.Helper()
		if _, err := tx.ExecContext(ctx, queries.Get("ComputeCustomerValue")); err != nil {
			t.Fatal(err)
		}
		return floatsByKey(t, tx, `SELECT customer_id, score FROM scored_customers`)
	}
	base := scores()
	weights := sc.weights
	for _, delta := range []float64{+0.05, -0.05} {
		sc.weights = shiftGroup(weights, "default", "economic", delta)
		if err := sc.reweigh(ctx); err != nil {
			t.Fatal(err)
		}
		reweighed := scores()
		if err := sc.normalizeAndScore(ctx); err != nil {
			t.Fatal(err)
		}
		scratch := scores()
		moved := 0
		for id, want := range scratch {
			if got := reweighed[id]; got != want {
				t.Errorf("economic %+.2f, %s: reweighed score %v, from scratch %v", delta, id, got, want)
			}
			if want != base[id] {
				moved++
			}
		}
		if len(scratch) != len(base) || moved == 0 {
			t.Errorf("economic %+.2f: %d of %d scores moved; the shift did not reach the scores", delta, moved, len(base))
		}
		sc.weights = weights
		if err := sc.normalizeAndScore(ctx); err != nil { // back to the base before the next shift
			t.Fatal(err)
		}
	}
}

func mustLoad(t testing.TB, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
