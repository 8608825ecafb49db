package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline"
)

// TestPrunedRunSaysWhy runs the fixture's weekly job at nine weekly dates
// with history.keep_runs 8, so the first run's results are removed: `accord
// runs` marks it, and deliver and explain of it refuse, naming the setting.
func TestPrunedRunSaysWhy(t *testing.T) {
	cfgPath := fixtureWithJobs(t, "0 7 * * 1")
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("history: {keep_runs: 8}\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := pipeline.OpenStore(context.Background(), cfg.Resolve(cfg.Database))
	if err != nil {
		t.Fatal(err)
	}
	r := &pipeline.Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock}
	first := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for i := range 9 {
		res, err := r.Run(context.Background(), pipeline.RunOptions{AsOf: first.AddDate(0, 0, 7*i), Job: "weekly", Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if want := min(1, max(0, i+1-8)); res.Pruned != want {
			t.Fatalf("run %d pruned %d runs, want %d", i+1, res.Pruned, want)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	accord := func(wantCode int, args ...string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut, clock); code != wantCode {
			t.Fatalf("accord %v exited %d, want %d: %s", args, code, wantCode, errOut.String())
		}
		return out.String(), errOut.String()
	}
	runs, _ := accord(0, "runs", "--config", cfgPath)
	for _, line := range strings.Split(runs, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		pruned := strings.Contains(line, "results removed by history.keep_runs on ")
		if (fields[0] == "1") != pruned {
			t.Errorf("accord runs: run %s shown pruned %v:\n%s", fields[0], pruned, runs)
		}
	}
	asJSON, _ := accord(0, "runs", "--config", cfgPath, "--json")
	if n := strings.Count(asJSON, `"results_pruned_at"`); n != 1 {
		t.Errorf("accord runs --json shows results_pruned_at %d times, want once (run 1):\n%s", n, asJSON)
	}
	_, stderr := accord(exitFailed, "deliver", "--config", cfgPath, "--run", "1")
	if !strings.Contains(stderr, "run 1 (as of 2026-11-27): its results were removed by history.keep_runs") {
		t.Errorf("deliver of the pruned run: %s", stderr)
	}
	_, stderr = accord(exitFailed, "explain", "--config", cfgPath, "--as-of", "2026-11-27", "C1")
	if !strings.Contains(stderr, "removed by history.keep_runs") {
		t.Errorf("explain as of the pruned run's date: %s", stderr)
	}
	out, _ := accord(0, "explain", "--config", cfgPath, "--as-of", "2026-12-04", "C1")
	if !strings.Contains(out, "change since the previous run: not available: run 1 (as of 2026-11-27): its results were removed by history.keep_runs") {
		t.Errorf("explain against the pruned previous run:\n%s", out)
	}
}
