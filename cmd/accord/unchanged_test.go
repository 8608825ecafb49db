package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
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
	full := accord("run", "--config", cfgPath, "--as-of", "2026-11-27", "--full")
	if strings.Contains(full, "unchanged") || !strings.Contains(full, "run 3 as of 2026-11-27\n") {
		t.Errorf("--full ran as unchanged:\n%s", full)
	}
}
