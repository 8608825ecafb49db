package pipeline

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestExplainGolden runs the fixture as of 2026-11-20 and 2026-11-27 and
// explains C2. Its contributions are those worked out in score_test.go.
// The change, by hand: on 2026-11-20 C4's maintenance (I9, billed
// 2026-11-27) had not happened, so maintenance fees were C1 5000, C2 3000,
// C3 0, C4 0, C5 1000 and C2's percentile 3/4; on 2026-11-27 C4 ties C2 at
// 3000 and C2 drops to 0.625. C2's own value did not move: the whole change
// is population, 100 × 0.21 × (0.625 − 0.75) = −2.625 points.
func TestExplainGolden(t *testing.T) {
	store, _ := runFixture(t, "testdata/fixture.yaml")
	earlier := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	if _, err := newRunner(t, store, "testdata/fixture.yaml").Run(context.Background(), RunOptions{AsOf: earlier}); err != nil {
		t.Fatal(err)
	}
	e, err := Explain(context.Background(), store.DB, "C2", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var sum, change float64
	for _, r := range e.Rows {
		sum += r.Contribution
		change += r.Input + r.Population + r.Config
	}
	if math.Abs(sum-e.Score) > 1e-9 {
		t.Errorf("contributions sum to %v, score %v", sum, e.Score)
	}
	if !e.HasPrevious || math.Abs(change-(e.Score-e.PreviousScore)) > 1e-9 {
		t.Errorf("change parts sum to %v, score moved %v", change, e.Score-e.PreviousScore)
	}
	var out bytes.Buffer
	if err := e.Write(&out); err != nil {
		t.Fatal(err)
	}
	golden := "testdata/explain_C2.golden"
	if *update {
		os.WriteFile(golden, out.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("explain output differs from %s (run with -update to accept):\n%s", golden, out.String())
	}
}

func TestExplainUnknownCustomer(t *testing.T) {
	store, _ := runFixture(t, "testdata/fixture.yaml")
	if _, err := Explain(context.Background(), store.DB, "C404", time.Time{}); err == nil {
		t.Fatal("explained a customer that does not exist")
	}
}

// Fixed cut-offs 90/40/20 against the quantile tiers of the fixture
// (C1 A 97.7, C4 B 56.3, C2 C 41.6, C5 C 35.7, C3 D 14.7): only C2 moves, C → B.
func TestPreviewListsTierMoves(t *testing.T) {
	store, _ := runFixture(t, "testdata/fixture.yaml")
	r := newRunner(t, store, writeModelConfig(t, modelWith("  tiers: {method: fixed, cutoffs: [90, 40, 20]}\n", "", "", "")))
	p, err := r.Preview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Customers != 5 || len(p.Moves) != 1 || p.Moves[0].CustomerID != "C2" || p.Moves[0].From != "C" || p.Moves[0].To != "B" {
		t.Fatalf("preview = %+v", p)
	}
	var tier string
	store.DB.QueryRow(`SELECT tier FROM customer_value WHERE customer_id = 'C2' ORDER BY as_of DESC LIMIT 1`).Scan(&tier)
	if tier != "C" {
		t.Errorf("the preview changed the stored tier to %s", tier)
	}
}
