//go:build linux

package pipeline

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unicode"
)

// smallDisk mounts a tmpfs of size (e.g. "64m") in a temporary folder and
// returns it. Mounting needs root: elsewhere the test is skipped, saying
// so, except under CI=true, where a full-disk suite that skipped would
// prove nothing.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and the full-disk tests need root to mount a small tmpfs")
		}
		t.Skip("the full-disk tests mount a small tmpfs and need root")
	}
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Fatalf("mount a %s tmpfs on %s: %v", size, dir, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fillDisk writes a file into dir until the file system has only leave
// bytes free, and returns a function that removes it.
func fillDisk(t *testing.T, dir string, leave int) (free func()) {
	t.Helper()
	spare := filepath.Join(dir, "spare")
	if err := os.WriteFile(spare, make([]byte, leave), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{1 << 20, 4 << 10, 1} {
		buf := make([]byte, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("fill %s: %v", dir, err)
				}
				break
			}
		}
	}
	f.Close()
	if err := os.Remove(spare); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// failingRun runs `accord run` and returns its exit code and stderr.
func failingRun(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, append([]string{"run"}, args...)...)
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// lastLine is the last non-empty line of a command's stderr: the message
// a user reads.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) && r != '\t' {
			return false
		}
	}
	return true
}

type runState struct {
	status, errText string
}

func runStates(t *testing.T, db *sql.DB) map[string]runState {
	t.Helper()
	rows, err := db.Query(`SELECT strftime(as_of, '%Y-%m-%d') || '#' || run_id, status, coalesce(error, '') FROM runs ORDER BY run_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]runState{}
	for rows.Next() {
		var k string
		var s runState
		if err := rows.Scan(&k, &s.status, &s.errText); err != nil {
			t.Fatal(err)
		}
		out[k] = s
	}
	return out
}

// TestFullDisk is issue 11's full disk, for the database and for the report
// folder, with the real binary: the run that meets the full disk exits 1
// with a short, printable message naming the cause; the last successful
// run's data and reports are exactly as before; no run of the failed date
// is recorded succeeded or left running; and once there is room again, the
// same run succeeds and gives what a run on an ordinary disk gives.
func TestFullDisk(t *testing.T) {
	bin := buildCLI(t, t.TempDir())
	failures, recorded := map[string]int{}, map[string]int{}
	defer func() {
		// The sizes must give, for each place, a run that failed on the full
		// disk after it had started (so its failure was recorded).
		for _, where := range []string{"database", "reports"} {
			if recorded[where] == 0 {
				t.Errorf("no size made a run fail on a full %s disk after it started (failures %d)", where, failures[where])
			}
		}
	}()
	for _, c := range []struct {
		where string
		leave int // bytes left free: none, or room to open the database and start the run
	}{{"database", 0}, {"database", 4 << 10}, {"database", 8 << 10}, {"database", 16 << 10}, {"database", 32 << 10}, {"reports", 0}, {"reports", 256 << 10}} {
		where := c.where
		t.Run(where+"-"+strconv.Itoa(c.leave>>10)+"KiB-free", func(t *testing.T) {
			dir := copyFixture(t)
			cfg := filepath.Join(dir, "fixture.yaml")
			disk := smallDisk(t, "64m")
			db, out := filepath.Join(dir, "fixture.duckdb"), filepath.Join(dir, "out")
			if where == "database" {
				db = filepath.Join(disk, "fixture.duckdb")
			} else {
				out = filepath.Join(disk, "out")
			}
			args := func(asOf string) []string {
				return []string{"--config", cfg, "--db", db, "--out", out, "--as-of", asOf}
			}
			accordCLI(t, bin, append([]string{"run"}, args("2026-11-20")...)...)

			store, err := OpenStore(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			before := tableDigest(t, store.DB, "customer_value", 1)
			store.Close()
			reportsBefore := folderDigest(t, filepath.Join(out, "2026-11-20"))

			free := fillDisk(t, disk, c.leave)
			code, stderr := failingRun(t, bin, args("2026-11-27")...)
			free()
			msg := lastLine(stderr)
			// What `accord runs` then says is what the user reads.
			accordCLI(t, bin, "runs", "--config", cfg, "--db", db)
			t.Logf("exit %d; the run's last words on a full %s disk: %s", code, where, msg)
			store, err = OpenStore(context.Background(), db)
			if err != nil {
				t.Fatalf("the database does not open after the full disk: %v", err)
			}
			if got := tableDigest(t, store.DB, "customer_value", 1); got != before {
				t.Errorf("the last good run's results changed:\n%s\n%s", before, got)
			}
			if got := folderDigest(t, filepath.Join(out, "2026-11-20")); got != reportsBefore {
				t.Errorf("the last good run's reports changed:\n%s\n%s", reportsBefore, got)
			}
			states := runStates(t, store.DB)
			var leaked int
			if err := store.DB.QueryRow(`SELECT count(*) FROM customer_value WHERE as_of = DATE '2026-11-27'`).Scan(&leaked); err != nil {
				t.Fatal(err)
			}
			store.Close()
			if code == 0 {
				// The room sufficed: the run must then be wholly there.
				if states["2026-11-27#2"].status != "succeeded" || leaked == 0 {
					t.Errorf("exit 0 but run 2 is %+v with %d result rows", states["2026-11-27#2"], leaked)
				}
				if _, err := os.Stat(filepath.Join(out, "2026-11-27", "weekly.html")); err != nil {
					t.Errorf("exit 0 but the run's reports are not in place: %v", err)
				}
				return
			}
			if code == 1 && states["2026-11-27#2"].status == "succeeded" {
				// The disk filled after the commit (its checkpoint): the run
				// is whole, and the message says so, not that nothing changed.
				if !strings.Contains(msg, "run 2 is committed and succeeded and its reports are in place") || strings.Contains(msg, "unchanged") {
					t.Errorf("the run committed, yet the message says otherwise: %q", msg)
				}
				if leaked == 0 {
					t.Error("the committed run has no result rows")
				}
				if _, err := os.Stat(filepath.Join(out, "2026-11-27", "weekly.html")); err != nil {
					t.Errorf("the committed run's reports are not in place: %v", err)
				}
				return
			}
			failures[where]++
			if code != 1 {
				t.Errorf("run on a full disk exited %d, want 1; stderr:\n%s", code, stderr)
			}
			if !strings.Contains(msg, "the disk is full") || len(msg) > 600 || !printable(msg) {
				t.Errorf("the message does not say the disk is full, shortly and printably: %q", msg)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "internal error") {
				t.Errorf("a full disk crashed the run:\n%s", stderr)
			}
			for k, s := range states {
				if !strings.HasPrefix(k, "2026-11-27") {
					continue
				}
				recorded[where]++
				if s.status != "failed" || (!strings.Contains(strings.ToLower(s.errText), "no space left on device") &&
					!strings.Contains(s.errText, "full disk")) {
					t.Errorf("run %s is %s (%q) after the full disk, want failed saying why", k, s.status, s.errText)
				}
			}
			if leaked != 0 {
				t.Errorf("%d result rows of the failed run are visible", leaked)
			}
			if _, err := os.Stat(filepath.Join(out, "2026-11-27")); err == nil {
				t.Error("the failed run's report folder is in place")
			}

			// With room again, the run succeeds and leaves nothing staged.
			accordCLI(t, bin, append([]string{"run"}, args("2026-11-27")...)...)
			entries, _ := os.ReadDir(out)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("left in the report folder after the next run: %s", e.Name())
				}
			}
			store, err = OpenStore(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			var succeeded int
			if err := store.DB.QueryRow(`SELECT count(*) FROM runs WHERE as_of = DATE '2026-11-27' AND status = 'succeeded'`).Scan(&succeeded); err != nil {
				t.Fatal(err)
			}
			if succeeded != 1 {
				t.Errorf("%d succeeded runs of 2026-11-27 after the rerun, want 1", succeeded)
			}
		})
	}
}
