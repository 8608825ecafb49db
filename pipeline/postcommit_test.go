package pipeline

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accordhq/accord/config"
)

// cancelAt is a slog handler that cancels a context when a record with
// message msg is logged: a fault injected at an exact point of a run.
type cancelAt struct {
	slog.Handler
	msg    string
	cancel context.CancelFunc
}

func (h cancelAt) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.cancel()
	}
	return h.Handler.Handle(ctx, r)
}

// A problem after the commit (here the read-back after it, cancelled) used
// to record the committed run failed while its results stayed visible: the
// "failed run that changed the results" of issue 11. It stays succeeded,
// saying what went wrong after the commit, and the error says so too.
func TestProblemAfterCommitKeepsTheRunSucceeded(t *testing.T) {
	dir := copyFixture(t)
	cfg, err := config.Load(filepath.Join(dir, "fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "accord.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(cancelAt{Handler: slog.NewTextHandler(io.Discard, nil), msg: "run committed", cancel: cancel})
	r := &Runner{Store: store, Config: cfg, Logger: logger, Now: fixedClock}
	res, err := r.Run(ctx, RunOptions{AsOf: fixtureAsOf})
	if err == nil || !strings.Contains(err.Error(), "committed and succeeded, but after the commit") {
		t.Fatalf("run error %v, want one saying the run is committed and succeeded", err)
	}
	var status, msg string
	if err := store.DB.QueryRow(`SELECT status, coalesce(error, '') FROM runs WHERE run_id = ?`, res.RunID).Scan(&status, &msg); err != nil {
		t.Fatal(err)
	}
	if status != "succeeded" || !strings.HasPrefix(msg, "after the commit:") || !strings.Contains(msg, "context canceled") {
		t.Errorf("run recorded %s (%q), want succeeded, with the problem after the commit", status, msg)
	}
	if n := tableCount(t, store, "SELECT count(*) FROM customer_value WHERE run_id = "+itoa(res.RunID)); n == 0 {
		t.Error("the committed run has no results")
	}
}
