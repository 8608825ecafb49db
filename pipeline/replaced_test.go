package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/accordhq/accord/config"
)

// A rerun of an as-of date clears the date's results before it writes its
// own: the earlier run then says its results were replaced, and by which
// run, instead of reading as a run with no rows. A rerun that fails marks
// nothing: the run whose results stay is not called replaced.
func TestRerunOfADateMarksTheRunItReplaced(t *testing.T) {
	rr := newRerunner(t, "testdata/fixture.yaml")
	first := rr.run(fixtureAsOf, true)
	second := rr.run(fixtureAsOf, true)
	ctx := context.Background()

	err := ResultsRemoved(ctx, rr.store.DB, first.RunID)
	if !errors.Is(err, ErrResultsReplaced) || errors.Is(err, ErrResultsRemoved) ||
		!strings.Contains(err.Error(), "replaced by those of run "+itoa(second.RunID)) {
		t.Errorf("run %d after run %d of its date: %v", first.RunID, second.RunID, err)
	}
	if err := ResultsRemoved(ctx, rr.store.DB, second.RunID); err != nil {
		t.Errorf("the replacing run: %v", err)
	}

	// A third run of the date fails in publish, after its compute.
	cfg, err := config.Load("testdata/fixture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: rr.store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock, ReportsDir: rr.reportsDir,
		Publish: func(context.Context, *sql.Tx, *Result, string) error {
			return errors.New("publish refused by the test")
		}}
	if _, err := r.Run(ctx, RunOptions{AsOf: fixtureAsOf, Full: true}); err == nil {
		t.Fatal("the third run did not fail")
	}
	if err := ResultsRemoved(ctx, rr.store.DB, second.RunID); err != nil {
		t.Errorf("after a failed rerun, run %d: %v", second.RunID, err)
	}
	runs, err := Runs(ctx, rr.store.DB, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range runs {
		want := int64(0)
		if run.RunID == first.RunID {
			want = second.RunID
		}
		if run.ResultsReplacedBy != want {
			t.Errorf("run %d (%s): replaced by %d, want %d", run.RunID, run.Status, run.ResultsReplacedBy, want)
		}
	}
	var rows int
	if err := rr.store.DB.QueryRow(`SELECT count(*) FROM customer_value WHERE run_id = ?`, second.RunID).Scan(&rows); err != nil || rows == 0 {
		t.Errorf("the replacing run's results: %d rows (%v)", rows, err)
	}
}
