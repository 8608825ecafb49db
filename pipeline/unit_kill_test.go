//go:build unix

package pipeline

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killRunAt starts `accord run` and kills it with SIGKILL when it first logs
// msg; it returns the killed run's id and the source that log line names
// (if any). It fails the test if the run ends first. The run is --full, so
// a rerun on unchanged inputs does the work it is killed in.
func killRunAt(t *testing.T, bin, cfgPath, asOf, msg string) (int64, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // a guard against a hang
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--config", cfgPath, "--as-of", asOf, "--full")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		log    []string
		runID  int64
		killed bool
		source string
	)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		log = append(log, line)
		var rec struct {
			Msg    string `json:"msg"`
			RunID  int64  `json:"run_id"`
			Source string `json:"source"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if rec.Msg == "run started" {
			runID = rec.RunID
		}
		if rec.Msg == msg && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill: %v", err)
			}
			killed, source = true, rec.Source
		}
	}
	_ = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !killed || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL || runID == 0 {
		t.Fatalf("the run was not killed at %q (%v); its log:\n%s", msg, cmd.ProcessState, strings.Join(log, "\n"))
	}
	return runID, source
}

// folderDigest is a sha256 over every file under dir (path and content),
// and the list of its entries; "missing" when dir does not exist.
func folderDigest(t *testing.T, dir string) string {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		return "missing"
	}
	h := sha256.New()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		names = append(names, rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", rel, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return fmt.Sprintf("%x %v", h.Sum(nil), names)
}

// TestKilledRunIsOneUnit kills a real `accord run` that replaces a date's
// results at each boundary after the load (computed, publishing,
// committed) and checks the run is either wholly there (committed: data,
// succeeded, and its reports once recovered) or not at all (the previous
// run's data, status and report folder byte for byte as before). This
// fails against the old flow, where results were committed before the
// reports were written and a kill in publish left the new rows under a run
// the next run records failed.
func TestKilledRunIsOneUnit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs it several times")
	}
	dir := t.TempDir()
	bin := buildCLI(t, dir)
	demoDir := filepath.Join(dir, "demo")
	dbPath := filepath.Join(dir, "accord.duckdb")
	cfgPath := demoConfig(t, dir)
	reportsDir := filepath.Join(dir, "reports")
	const asOf = "2026-11-27"
	folder := filepath.Join(reportsDir, asOf)

	accordCLI(t, bin, "demo", "--out", demoDir, "--customers", "3000", "--seed", "3", "--as-of", asOf)
	accordCLI(t, bin, "run", "--config", cfgPath, "--as-of", asOf)

	type good struct {
		run            int64
		state, reports string
	}
	snapshot := func() good {
		store := openStoreT(t, dbPath)
		defer closeStoreT(t, store)
		g := good{run: queryCount(t, store.DB, "SELECT max(run_id) FROM runs WHERE status = 'succeeded'")}
		g.state = readState(t, store.DB, asOf).String()
		g.reports = folderDigest(t, folder)
		return g
	}
	last := snapshot()
	if last.reports == "missing" {
		t.Fatal("the first run wrote no report folder")
	}

	for _, stage := range []string{"run computed", "publish started"} {
		killed, _ := killRunAt(t, bin, cfgPath, asOf, stage)
		store := openStoreT(t, dbPath)
		var status string
		if err := store.DB.QueryRow("SELECT status FROM runs WHERE run_id = ?", killed).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status != "running" {
			t.Errorf("killed at %q: run %d is %q, want running (it never finished)", stage, killed, status)
		}
		// Its rejects are its record, committed before its transaction
		// (recordRejects), under a run id no reader takes as succeeded.
		for _, tb := range []string{"customer_value", "movers", "hotspots", "run_inputs"} {
			if n := queryCount(t, store.DB, "SELECT count(*) FROM "+tb+" WHERE run_id = ?", killed); n != 0 {
				t.Errorf("killed at %q: %s has %d rows of the killed run", stage, tb, n)
			}
		}
		closeStoreT(t, store)
		if got := snapshot(); got != last {
			t.Errorf("killed at %q: the last good run changed:\n got  %+v\n want %+v", stage, got, last)
		}
	}

	// Killed just after the commit: the run is wholly there; its reports
	// are either in place or staged and renamed into place by recovery.
	killed, _ := killRunAt(t, bin, cfgPath, asOf, "run committed")
	store := openStoreT(t, dbPath)
	var status string
	if err := store.DB.QueryRow("SELECT status FROM runs WHERE run_id = ?", killed).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "succeeded" {
		t.Errorf("killed after the commit: run %d is %q, want succeeded", killed, status)
	}
	if n := queryCount(t, store.DB, "SELECT count(*) FROM customer_value WHERE as_of = CAST(? AS DATE) AND run_id <> ?", asOf, killed); n != 0 {
		t.Errorf("killed after the commit: %d customer_value rows of %s are not the committed run's", n, asOf)
	}
	if _, err := RecoverReports(context.Background(), store.DB, reportsDir); err != nil {
		t.Fatal(err)
	}
	closeStoreT(t, store)
	page, err := os.ReadFile(filepath.Join(folder, "weekly.html"))
	if err != nil || !strings.Contains(string(page), fmt.Sprint(killed)) {
		t.Errorf("after recovery the report folder is not run %d's: %v", killed, err)
	}
	if left, _ := filepath.Glob(filepath.Join(reportsDir, ".*")); len(left) != 0 {
		t.Errorf("left in the report folder after recovery: %v", left)
	}

	// The next run records the killed ones failed and leaves nothing staged.
	accordCLI(t, bin, "run", "--config", cfgPath, "--as-of", asOf)
	store = openStoreT(t, dbPath)
	defer closeStoreT(t, store)
	if n := queryCount(t, store.DB, "SELECT count(*) FROM runs WHERE status = 'running'"); n != 0 {
		t.Errorf("%d runs still running after the next run", n)
	}
	if left, _ := filepath.Glob(filepath.Join(reportsDir, ".*")); len(left) != 0 {
		t.Errorf("left in the report folder after the next run: %v", left)
	}
}
