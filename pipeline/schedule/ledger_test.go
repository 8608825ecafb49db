package schedule_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline"
	"github.com/accordhq/accord/pipeline/schedule"
	"github.com/accordhq/accord/pipeline/schedule/clocktest"
)

// TestLedgerContract runs the same checks on both ledgers.
func TestLedgerContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func(t *testing.T) schedule.Ledger
	}{
		{"memory", func(*testing.T) schedule.Ledger { return schedule.NewMemoryLedger() }},
		{"duckdb", func(t *testing.T) schedule.Ledger { l, _ := duckLedger(t); return l }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			l := tc.new(t)
			shanghai := mustZone(t, "Asia/Shanghai")
			at := time.Date(2026, 11, 30, 7, 0, 0, 0, shanghai) // = 2026-11-29 23:00 UTC
			now := at.Add(2 * time.Second)

			if _, ok, err := l.Last(ctx, "weekly"); err != nil || ok {
				t.Fatalf("Last on an empty ledger: %v %v", ok, err)
			}
			if ok, err := l.Claim(ctx, "weekly", at, now); err != nil || !ok {
				t.Fatalf("first claim: %v %v", ok, err)
			}
			// The same instant written in another zone is the same key.
			if ok, err := l.Claim(ctx, "weekly", at.UTC(), now); err != nil || ok {
				t.Fatalf("second claim of the same (job, time): %v %v, want false", ok, err)
			}
			if ok, err := l.Claim(ctx, "other", at, now); err != nil || !ok {
				t.Fatalf("another job at the same time: %v %v", ok, err)
			}
			last, ok, err := l.Last(ctx, "weekly")
			if err != nil || !ok || !last.Equal(at) || last.Location() != time.UTC {
				t.Fatalf("Last = %v %v %v, want %s in UTC", last, ok, err, at.UTC())
			}

			if done, err := l.Finish(ctx, "weekly", at, schedule.StatusSucceeded, now.Add(time.Minute), ""); err != nil || !done {
				t.Fatalf("finish: %v %v", done, err)
			}
			// A finished run is not finished again (the first final status wins).
			if done, err := l.Finish(ctx, "weekly", at, schedule.StatusFailed, now.Add(2*time.Minute), "late"); err != nil || done {
				t.Fatalf("second finish: %v %v, want false", done, err)
			}

			next := at.Add(7 * 24 * time.Hour)
			rec, err := l.Record(ctx, "weekly", schedule.StatusMissed, []time.Time{at, next}, now, "missed: down")
			if err != nil || len(rec) != 1 || !rec[0].Equal(next) {
				t.Fatalf("Record = %v %v, want only the unrecorded %s", rec, err, next.UTC())
			}
			if rec, err := l.Record(ctx, "weekly", schedule.StatusMissed, []time.Time{next}, now, "again"); err != nil || len(rec) != 0 {
				t.Fatalf("recording again = %v %v, want nothing new", rec, err)
			}
			if ok, err := l.Claim(ctx, "weekly", next, now); err != nil || ok {
				t.Fatalf("claiming a missed time: %v %v, want false", ok, err)
			}

			es, err := l.List(ctx, "weekly", 0)
			if err != nil || len(es) != 2 {
				t.Fatalf("List = %+v %v", es, err)
			}
			if es[0].Status != schedule.StatusMissed || es[0].Error != "missed: down" || !es[0].StartedAt.IsZero() ||
				es[1].Status != schedule.StatusSucceeded || !es[1].StartedAt.Equal(now) || !es[1].FinishedAt.Equal(now.Add(time.Minute)) || es[1].Error != "" {
				t.Errorf("entries %+v", es)
			}
			if es, _ := l.List(ctx, "", 1); len(es) != 1 || !es[0].ScheduledAt.Equal(next) {
				t.Errorf("List limit 1 = %+v", es)
			}

			// "other" is still running: a new scheduler marks it interrupted.
			in, err := l.Interrupt(ctx, now.Add(time.Hour), "interrupted: test")
			if err != nil || len(in) != 1 || in[0].Job != "other" || in[0].Status != schedule.StatusFailed {
				t.Fatalf("Interrupt = %+v %v", in, err)
			}
			if in, _ := l.Interrupt(ctx, now.Add(time.Hour), "again"); len(in) != 0 {
				t.Errorf("second Interrupt = %+v, want nothing", in)
			}
		})
	}
}

// TestDuckLedgerWorksWhileTheJobsRunWrites: a ledger write while another
// connection of the process holds a write transaction (a job's run) must
// succeed, although a CHECKPOINT cannot run then.
func TestDuckLedgerWorksWhileTheJobsRunWrites(t *testing.T) {
	ctx := context.Background()
	l, path := duckLedger(t)
	run, err := pipeline.OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	tx, err := run.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE scratch AS SELECT 1 AS x`); err != nil {
		t.Fatal(err)
	}
	at := utcTime(t, "2026-11-29T23:00:00Z")
	if ok, err := l.Claim(ctx, "weekly", at, at); err != nil || !ok {
		t.Fatalf("claim during another write: %v %v", ok, err)
	}
	if _, err := l.Finish(ctx, "weekly", at, schedule.StatusSucceeded, at, ""); err != nil {
		t.Fatalf("finish during another write: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if es := entries(t, l, "weekly"); len(es) != 1 || es[0].Status != schedule.StatusSucceeded {
		t.Errorf("ledger %+v", es)
	}
}

// TestSchedulerDoesNotHoldTheDatabase: while the scheduler waits between
// jobs, another process (an operator's `accord run`) can open the file
// for writing.
func TestSchedulerDoesNotHoldTheDatabase(t *testing.T) {
	ledger, path := duckLedger(t)
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	h := newHarness(t, clk, ledger, []config.Job{job("hourly", "0 * * * *", "UTC")}, nil)
	h.start()
	h.step(time.Minute)
	h.wait(schedule.EventFinished)
	h.wait(schedule.EventWaiting)

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperOpenStore$")
	cmd.Env = append(os.Environ(), "ACCORD_SCHEDULE_TEST_DB="+path)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "opened for writing") {
		t.Fatalf("another process could not open the database between jobs: %v\n%s", err, out)
	}
	h.stop()
	if es := entries(t, ledger, "hourly"); len(es) != 1 || es[0].Status != schedule.StatusSucceeded {
		t.Errorf("ledger %+v", es)
	}
}

// TestHelperOpenStore is the other process of TestSchedulerDoesNotHoldTheDatabase.
func TestHelperOpenStore(t *testing.T) {
	path := os.Getenv("ACCORD_SCHEDULE_TEST_DB")
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := pipeline.OpenStore(context.Background(), path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if _, err := s.DB.Exec(`CREATE TABLE manual_run AS SELECT 1 AS x`); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("opened for writing\n")
}

func TestLockAllowsOneSchedulerPerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accord.duckdb.schedule.lock")
	release, err := schedule.Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = schedule.Lock(path)
	if !errors.Is(err, schedule.ErrAlreadyRunning) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second Lock = %v, want ErrAlreadyRunning naming this process", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	release, err = schedule.Lock(path)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
}

func TestWriteRunsShowsLocalTimes(t *testing.T) {
	var b strings.Builder
	es := []schedule.Entry{{
		Job: "weekly", ScheduledAt: utcTime(t, "2026-11-29T23:00:00Z"), Status: schedule.StatusFailed,
		StartedAt: utcTime(t, "2026-11-29T23:00:01Z"), FinishedAt: utcTime(t, "2026-11-29T23:02:01Z"), Error: "run: load: boom",
	}}
	if err := schedule.WriteRuns(&b, es, map[string]*time.Location{"weekly": mustZone(t, "Asia/Shanghai")}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"2026-11-30 07:00 +08:00", "failed", "2m0s", "run: load: boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs table lacks %q:\n%s", want, out)
		}
	}
}
