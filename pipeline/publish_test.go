package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRecoverReports lays out what killed runs leave in a report folder and
// checks each is finished or removed: a succeeded run's staged folder goes
// into place (replacing the old one), a failed run's is removed, and stray
// temporaries older than a minute are removed while fresh ones stay.
func TestRecoverReports(t *testing.T) {
	ctx := context.Background()
	store := openStoreT(t, filepath.Join(t.TempDir(), "accord.duckdb"))
	defer closeStoreT(t, store)
	for _, r := range []struct {
		id     int64
		status string
	}{{1, "succeeded"}, {2, "failed"}} {
		if _, err := store.DB.Exec(`INSERT INTO runs (run_id, job, as_of, started_at, config_path, config_hash, status)
			VALUES (?, 'manual', DATE '2026-11-27', now(), 'x', 'x', ?)`, r.id, r.status); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(out, "2026-11-27", "weekly.html"), "old")
	write(filepath.Join(out, ".2026-11-27.run-1.new", "weekly.html"), "run 1")
	write(filepath.Join(out, ".2026-11-20.run-2.new", "weekly.html"), "run 2")
	stale := []string{
		filepath.Join(out, "2026-11-13", ".weekly-123.xlsx"),
		filepath.Join(out, "2026-11-13", ".weekly.html-456"),
		filepath.Join(out, "2026-11-13", "data", ".hotspots.csv.tmp"),
	}
	for _, p := range stale {
		write(p, "partial")
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	fresh := filepath.Join(out, "2026-11-13", "data", ".movers.csv.tmp")
	write(fresh, "being written")

	done, err := RecoverReports(ctx, store.DB, out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recovery: %q", done)
	if b, err := os.ReadFile(filepath.Join(out, "2026-11-27", "weekly.html")); err != nil || string(b) != "run 1" {
		t.Errorf("2026-11-27 holds %q (%v), want the succeeded run 1's folder", b, err)
	}
	for _, p := range append(stale, filepath.Join(out, ".2026-11-27.run-1.new"), filepath.Join(out, ".2026-11-27.run-1.old"),
		filepath.Join(out, ".2026-11-20.run-2.new"), filepath.Join(out, "2026-11-20")) {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a temporary younger than a minute was removed: %v", err)
	}
	if len(done) != 5 {
		t.Errorf("recovery logged %d actions, want 5 (one rename, one removed folder, three temporaries)", len(done))
	}
}
