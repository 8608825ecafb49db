package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/pipeline"
)

// TestRunUnchangedAndFull reruns `accord run` on the inputs of e2eRun: the
// rerun says it carried the first run's results, `accord runs` shows it,
// and --full runs everything again.
func TestRunUnchangedAndFull(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run")
	}
	dir, _, db := e2eRun(t)
	db.Close() // the runs below write the database
	cfgPath := filepath.Join(dir, "accord.yaml")
	accord := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut, clock); code != 0 {
			t.Fatalf("accord %v exited %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	again := accord("run", "--config", cfgPath, "--as-of", "2026-11-27")
	if !strings.Contains(again, "run 2 as of 2026-11-27\nunchanged: the results of run 1 (nothing re-read or recomputed)\n") {
		t.Errorf("the unchanged rerun's summary:\n%s", again)
	}
	if !strings.Contains(again, "reports: "+filepath.Join(dir, "reports", "2026-11-27")) || !strings.Contains(again, "tiers: A ") {
		t.Errorf("the unchanged rerun's summary lacks the carried run's tiers or reports:\n%s", again)
	}
	runs := accord("runs", "--config", cfgPath)
	if !strings.Contains(runs, "unchanged") || !strings.Contains(runs, "nothing changed: the results of run 1") {
		t.Errorf("accord runs:\n%s", runs)
	}
	// Delivering the unchanged run delivers the run it stands for (here a
	// manual run, which no job of the config sends: that is what stops it).
	var out, errOut bytes.Buffer
	run(context.Background(), []string{"deliver", "--config", cfgPath, "--run", "2"}, &out, &errOut, clock)
	if !strings.Contains(out.String(), "run 2 found nothing changed: delivering run 1") ||
		!strings.Contains(errOut.String(), `run 1 was made by job "manual"`) {
		t.Errorf("accord deliver --run 2 (unchanged):\n%s%s", out.String(), errOut.String())
	}
	profile := filepath.Join(dir, "profile.json")
	full := accord("run", "--config", cfgPath, "--as-of", "2026-11-27", "--full", "--profile", profile)
	if strings.Contains(full, "unchanged") || !strings.Contains(full, "run 3 as of 2026-11-27\n") {
		t.Errorf("--full ran as unchanged:\n%s", full)
	}

	// --profile: the stages in run order, once each, adding up to the total.
	raw, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Stages     []pipeline.StageCost     `json:"stages"`
		Total      pipeline.StageCost       `json:"total"`
		Statements []pipeline.StatementCost `json:"statements"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	var names []string
	var wall, cpu time.Duration
	for _, s := range got.Stages {
		names = append(names, s.Stage)
		wall += s.Wall
		cpu += s.CPU
		if s.Wall <= 0 || s.PeakRSS <= 0 {
			t.Errorf("stage %+v: no wall time or peak memory", s)
		}
	}
	want := []string{"fingerprint", "prepare", "load lookups", "load customers"}
	if len(names) < len(want) || !slices.Equal(names[:len(want)], want) {
		t.Errorf("stages %v, want them to begin %v", names, want)
	}
	for i, n := range []string{"checks", "replace tables", "score", "results", "evidence", "read back", "publish", "record success", "prune history", "commit", "verify", "checkpoint"} {
		if k := slices.Index(names, n); k < 0 || slices.Index(names[k+1:], n) >= 0 {
			t.Errorf("stage %s (%d) is not there once: %v", n, i, names)
		}
	}
	if got.Total.Wall != wall || got.Total.CPU != cpu || cpu <= 0 {
		t.Errorf("total %+v, stages sum to wall %v, CPU %v", got.Total, wall, cpu)
	}
	// The compute stages' statements, each within its stage, costing no
	// more than the stage.
	inStage := map[string]time.Duration{}
	for _, st := range got.Statements {
		inStage[st.Stage] += st.Wall
	}
	for _, s := range got.Stages {
		if inStage[s.Stage] > s.Wall {
			t.Errorf("stage %s: its statements took %v, the stage %v", s.Stage, inStage[s.Stage], s.Wall)
		}
	}
	for _, want := range []string{"score/normalize", "results/computecustomervalue", "evidence/sensitivity", "evidence/back-test"} {
		if !slices.ContainsFunc(got.Statements, func(st pipeline.StatementCost) bool { return st.Stage+"/"+st.Statement == want }) {
			t.Errorf("no statement %s in the profile", want)
		}
	}
	if fi, err := os.Stat(profile + ".pprof"); err != nil || fi.Size() == 0 {
		t.Errorf("no Go CPU profile beside %s: %v", profile, err)
	}
	if !strings.Contains(full, "profile: "+profile) || !strings.Contains(full, "  evidence ") || !strings.Contains(full, "costliest statements:") {
		t.Errorf("the run did not print its profile:\n%s", full)
	}
}
