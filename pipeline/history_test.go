package pipeline

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestRunsAttachEachRunsDeliveries lists runs of one job, skipping another
// job's run in between, and checks every listed run carries exactly its
// own outbox rows, in recipient order.
func TestRunsAttachEachRunsDeliveries(t *testing.T) {
	ctx := context.Background()
	store, err := OpenStore(ctx, filepath.Join(t.TempDir(), "accord.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, q := range []string{
		`INSERT INTO runs (run_id, job, as_of, started_at, config_path, config_hash, status) VALUES
			(1, 'weekly', DATE '2026-11-16', TIMESTAMP '2026-11-16 07:00:00', 'c.yaml', 'h', 'succeeded'),
			(2, 'monthly', DATE '2026-11-20', TIMESTAMP '2026-11-20 07:00:00', 'c.yaml', 'h', 'succeeded'),
			(3, 'weekly', DATE '2026-11-23', TIMESTAMP '2026-11-23 07:00:00', 'c.yaml', 'h', 'succeeded'),
			(4, 'weekly', DATE '2026-11-30', TIMESTAMP '2026-11-30 07:00:00', 'c.yaml', 'h', 'failed')`,
		`INSERT INTO outbox VALUES
			(1, 'weekly', 'b@example.com', 'm1b', 'sent', 1, NULL, TIMESTAMP '2026-11-16 07:01:00'),
			(1, 'weekly', 'a@example.com', 'm1a', 'sent', 2, NULL, TIMESTAMP '2026-11-16 07:01:00'),
			(2, 'monthly', 'a@example.com', 'm2a', 'sent', 1, NULL, TIMESTAMP '2026-11-20 07:01:00'),
			(3, 'weekly', 'c@example.com', 'm3c', 'failed', 3, '550 no such user', TIMESTAMP '2026-11-23 07:01:00')`,
	} {
		if _, err := store.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := Runs(ctx, store.DB, "weekly", 3)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64][]string{}
	var order []int64
	for _, r := range runs {
		order = append(order, r.RunID)
		for _, d := range r.Deliveries {
			got[r.RunID] = append(got[r.RunID], d.MessageID+" "+d.Status+" "+d.Error)
		}
	}
	if len(order) != 3 || order[0] != 4 || order[1] != 3 || order[2] != 1 {
		t.Fatalf("runs listed %v, want [4 3 1] (weekly only, newest first)", order)
	}
	want := map[int64][]string{1: {"m1a sent ", "m1b sent "}, 3: {"m3c failed 550 no such user"}}
	if len(got) != len(want) {
		t.Fatalf("deliveries %v, want %v", got, want)
	}
	for run, w := range want {
		if len(got[run]) != len(w) {
			t.Fatalf("run %d deliveries %v, want %v", run, got[run], w)
		}
		for i := range w {
			if got[run][i] != w[i] {
				t.Fatalf("run %d deliveries %v, want %v", run, got[run], w)
			}
		}
	}
}

// TestSnapshotSaysWhenTheRunShouldEnd: the run holding the database and,
// from the last succeeded run's length (10 minutes here, by hand), when it
// should end.
func TestSnapshotSaysWhenTheRunShouldEnd(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	finished := at("2026-11-20 07:10:00")
	snap := HistorySnapshot{Runs: []RunRecord{
		{RunID: 8, AsOf: "2026-11-27", Status: "running", StartedAt: at("2026-11-27 07:00:00")},
		{RunID: 7, AsOf: "2026-11-20", Status: "succeeded", StartedAt: at("2026-11-20 07:00:00"), FinishedAt: &finished},
	}}
	want := "run 8 (as of 2026-11-27) has been writing since 2026-11-27 07:00:00 UTC; the last run took 10m0s, so it should end about 07:10:00 UTC"
	if got := snap.Busy(); got != want {
		t.Errorf("Busy() = %q, want %q", got, want)
	}
	if got := (&HistorySnapshot{Runs: snap.Runs[1:]}).Busy(); got != "" {
		t.Errorf("no running run, Busy() = %q", got)
	}
}
