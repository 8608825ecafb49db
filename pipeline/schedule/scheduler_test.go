package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline/schedule"
	"github.com/accordhq/accord/pipeline/schedule/clocktest"
)

func TestShanghaiMondayRunsAtSundayEveningUTCWithTheLocalAsOf(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	clk := clocktest.New(utcTime(t, "2026-11-29T22:00:00Z"))
	h := newHarness(t, clk, ledger, []config.Job{job("weekly", "0 7 * * 1", "Asia/Shanghai")}, nil)
	h.start()
	h.step(30 * time.Minute)
	h.step(30 * time.Minute) // 23:00 UTC
	e := h.wait(schedule.EventStarted)
	if !e.Scheduled.Equal(utcTime(t, "2026-11-29T23:00:00Z")) {
		t.Fatalf("started for %s, want 2026-11-29T23:00Z", e.Scheduled.UTC())
	}
	h.wait(schedule.EventFinished)
	h.stop()

	calls := h.calls
	if len(calls) != 1 {
		t.Fatalf("runs: %v, want one", h.callTimes())
	}
	as := calls[0].scheduled
	// The as-of time is in the job's zone, so its calendar day is Monday
	// 30 November, not Sunday 29 (which the same instant is in UTC).
	if as.Location().String() != "Asia/Shanghai" || as.Weekday() != time.Monday || as.Day() != 30 || as.Hour() != 7 {
		t.Errorf("as-of %s (%s), want Monday 2026-11-30 07:00 in Asia/Shanghai", as.Format(time.RFC3339), as.Location())
	}
	es := entries(t, ledger, "weekly")
	if len(es) != 1 || es[0].Status != schedule.StatusSucceeded || !es[0].ScheduledAt.Equal(as) || es[0].ScheduledAt.Location() != time.UTC {
		t.Errorf("ledger %+v, want one succeeded row at %s UTC", es, as.UTC())
	}
}

// TestDaylightSavingNights steps the clock a minute at a time through
// each change and checks what ran: a time in the gap once just after it,
// a time in the overlap once, the others as usual.
func TestDaylightSavingNights(t *testing.T) {
	for _, tc := range []struct {
		name, zone, spec, from, to string
		want                       []string // scheduled times passed to the job, local
	}{
		{"Berlin spring 02:30", "Europe/Berlin", "30 2 * * *", "2026-03-28T22:00:00Z", "2026-03-29T04:00:00Z", []string{"2026-03-29T03:00:00+02:00"}},
		{"Berlin spring 01:30", "Europe/Berlin", "30 1 * * *", "2026-03-28T22:00:00Z", "2026-03-29T04:00:00Z", []string{"2026-03-29T01:30:00+01:00"}},
		{"Berlin autumn 02:30", "Europe/Berlin", "30 2 * * *", "2026-10-24T21:00:00Z", "2026-10-25T04:00:00Z", []string{"2026-10-25T02:30:00+02:00"}},
		{"Berlin autumn 01:30", "Europe/Berlin", "30 1 * * *", "2026-10-24T21:00:00Z", "2026-10-25T04:00:00Z", []string{"2026-10-25T01:30:00+02:00"}},
		{"New York spring 02:30", "America/New_York", "30 2 * * *", "2026-03-08T04:00:00Z", "2026-03-08T10:00:00Z", []string{"2026-03-08T03:00:00-04:00"}},
		{"New York spring 01:30", "America/New_York", "30 1 * * *", "2026-03-08T04:00:00Z", "2026-03-08T10:00:00Z", []string{"2026-03-08T01:30:00-05:00"}},
		{"New York autumn 01:30", "America/New_York", "30 1 * * *", "2026-11-01T03:00:00Z", "2026-11-01T10:00:00Z", []string{"2026-11-01T01:30:00-04:00"}},
		{"New York autumn 02:30", "America/New_York", "30 2 * * *", "2026-11-01T03:00:00Z", "2026-11-01T10:00:00Z", []string{"2026-11-01T02:30:00-05:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.New(utcTime(t, tc.from))
			h := newHarness(t, clk, schedule.NewMemoryLedger(), []config.Job{job("nightly", tc.spec, tc.zone)}, nil)
			h.start()
			h.stepUntil(utcTime(t, tc.to), time.Minute)
			h.stop()
			if got := h.callTimes(); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("ran %v, want %v", got, tc.want)
			}
			// Each ran on time, not caught up.
			if h.count(schedule.EventMissed) != 0 {
				t.Errorf("missed events: %d", h.count(schedule.EventMissed))
			}
		})
	}
}

func TestWeeklyBerlinStaysMondaySevenAcrossBothChanges(t *testing.T) {
	for _, tc := range []struct{ from, to string }{
		{"2026-03-20T00:00:00Z", "2026-04-07T00:00:00Z"},
		{"2026-10-16T00:00:00Z", "2026-11-03T00:00:00Z"},
	} {
		clk := clocktest.New(utcTime(t, tc.from))
		h := newHarness(t, clk, schedule.NewMemoryLedger(), []config.Job{job("weekly", "0 7 * * 1", "Europe/Berlin")}, nil)
		h.start()
		h.stepUntil(utcTime(t, tc.to), 15*time.Minute)
		h.stop()
		got := h.callTimes()
		if len(got) != 3 {
			t.Fatalf("%s: ran %v, want three Mondays", tc.from, got)
		}
		for _, c := range h.calls {
			if c.scheduled.Weekday() != time.Monday || c.scheduled.Hour() != 7 || c.scheduled.Minute() != 0 {
				t.Errorf("ran at %s, want Monday 07:00 Berlin time", c.scheduled.Format(time.RFC3339))
			}
		}
	}
}

func TestCatchUpAfterDowntime(t *testing.T) {
	ctx := context.Background()
	zone := "Asia/Shanghai"
	lastRun := "2026-11-02T07:00:00+08:00" // a Monday; then three weeks down
	for _, tc := range []struct {
		name    string
		restart string // when the scheduler comes back
		catchUp time.Duration
		ran     []string
		missed  []string
	}{
		{
			name: "latest within the window runs", restart: "2026-11-23T09:00:00+08:00", catchUp: 24 * time.Hour,
			ran:    []string{"2026-11-23T07:00:00+08:00"},
			missed: []string{"2026-11-16T07:00:00+08:00", "2026-11-09T07:00:00+08:00"},
		},
		{
			name: "latest outside the window is missed too", restart: "2026-11-25T09:00:00+08:00", catchUp: 24 * time.Hour,
			missed: []string{"2026-11-23T07:00:00+08:00", "2026-11-16T07:00:00+08:00", "2026-11-09T07:00:00+08:00"},
		},
		{
			name: "a wider window still catches up only the latest", restart: "2026-11-25T09:00:00+08:00", catchUp: 30 * 24 * time.Hour,
			ran:    []string{"2026-11-23T07:00:00+08:00"},
			missed: []string{"2026-11-16T07:00:00+08:00", "2026-11-09T07:00:00+08:00"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ledger, _ := duckLedger(t)
			last := utcTime(t, lastRun)
			if ok, err := ledger.Claim(ctx, "weekly", last, last); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			if _, err := ledger.Finish(ctx, "weekly", last, schedule.StatusSucceeded, last.Add(time.Minute), ""); err != nil {
				t.Fatal(err)
			}
			j := job("weekly", "0 7 * * 1", zone)
			j.CatchUp = tc.catchUp
			h := newHarness(t, clocktest.New(utcTime(t, tc.restart)), ledger, []config.Job{j}, nil)
			h.start()
			if len(tc.ran) > 0 {
				h.wait(schedule.EventFinished)
			}
			m := h.wait(schedule.EventMissed)
			h.stop()

			if got := h.callTimes(); strings.Join(got, " ") != strings.Join(tc.ran, " ") {
				t.Errorf("ran %v, want %v", got, tc.ran)
			}
			if len(m.Times) != len(tc.missed) {
				t.Errorf("missed event times %v, want %d", m.Times, len(tc.missed))
			}
			var missed []string
			for _, e := range entries(t, ledger, "weekly") {
				if e.Status == schedule.StatusMissed {
					missed = append(missed, e.ScheduledAt.In(mustZone(t, zone)).Format(time.RFC3339))
					if !strings.Contains(e.Error, "not running") {
						t.Errorf("missed row reason %q", e.Error)
					}
				}
			}
			if strings.Join(missed, " ") != strings.Join(tc.missed, " ") {
				t.Errorf("recorded missed %v, want %v", missed, tc.missed)
			}
			alerts := h.alertList()
			if len(alerts) != 1 {
				t.Fatalf("alerts %+v, want exactly one", alerts)
			}
			a := alerts[0]
			if a.owner != "ops@example.com" || !strings.Contains(a.subject, fmt.Sprintf("%d scheduled run(s) missed", len(tc.missed))) {
				t.Errorf("alert to %s: %q", a.owner, a.subject)
			}
			for _, s := range tc.missed {
				local := utcTime(t, s).In(mustZone(t, zone)).Format("2006-01-02 15:04")
				if !strings.Contains(a.body, local) {
					t.Errorf("alert body does not list %s:\n%s", local, a.body)
				}
			}
			if want := len(tc.ran) > 0; strings.Contains(a.body, "is being run now") != want {
				t.Errorf("alert body says whether the latest runs (want %v):\n%s", want, a.body)
			}
		})
	}
}

func TestCatchUpAfterTheMachineSlept(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	clk := clocktest.New(utcTime(t, "2026-11-01T22:00:00Z")) // Monday 06:00 in Shanghai
	h := newHarness(t, clk, ledger, []config.Job{job("weekly", "0 7 * * 1", "Asia/Shanghai")}, nil)
	h.start()
	h.step(time.Hour) // Monday 2 Nov 07:00: on time
	h.wait(schedule.EventFinished)
	// Asleep for three weeks (the wall clock moves, timers do not); wakes
	// two hours after the fourth Monday.
	h.jump(21*24*time.Hour + 2*time.Hour - time.Minute)
	h.wait(schedule.EventFinished)
	m := h.wait(schedule.EventMissed)
	h.stop()

	want := []string{"2026-11-02T07:00:00+08:00", "2026-11-23T07:00:00+08:00"}
	if got := h.callTimes(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ran %v, want %v", got, want)
	}
	if len(m.Times) != 2 || m.Times[0].Day() != 9 || m.Times[1].Day() != 16 {
		t.Errorf("missed %v, want 9 and 16 November", m.Times)
	}
	if !strings.Contains(h.logs.String(), "clock jumped ahead") {
		t.Errorf("the jump is not logged:\n%s", h.logs.String())
	}
	if n := len(h.alertList()); n != 1 {
		t.Errorf("%d alerts, want one", n)
	}
}

func TestNewJobStartsFromNowNotFromTheBeginningOfTime(t *testing.T) {
	clk := clocktest.New(utcTime(t, "2026-11-30T12:00:00Z"))
	h := newHarness(t, clk, schedule.NewMemoryLedger(), []config.Job{job("weekly", "0 7 * * 1", "Asia/Shanghai")}, nil)
	h.start()
	h.step(time.Hour)
	h.stop()
	if len(h.calls) != 0 || h.count(schedule.EventMissed) != 0 || len(h.alertList()) != 0 {
		t.Errorf("a job with no history ran %v / missed %d", h.callTimes(), h.count(schedule.EventMissed))
	}
}

func TestRestartDoesNotRerunAClaimedTime(t *testing.T) {
	ctx := context.Background()
	ledger, _ := duckLedger(t)
	jobs := []config.Job{job("hourly", "0 * * * *", "Europe/Berlin")}
	due := utcTime(t, "2026-11-30T06:00:00Z")

	// First life: runs 06:00, then stops.
	h1 := newHarness(t, clocktest.New(due.Add(-30*time.Minute)), ledger, jobs, nil)
	h1.start()
	h1.step(30 * time.Minute)
	h1.wait(schedule.EventFinished)
	h1.stop()

	// Second life on the same file, its clock 40 minutes behind (set back,
	// or another machine): it passes 06:00 again and must not run it.
	h2 := newHarness(t, clocktest.New(due.Add(-40*time.Minute)), ledger, jobs, nil)
	h2.start()
	h2.stepUntil(due.Add(30*time.Minute), 5*time.Minute)
	h2.stop()
	if got := h2.callTimes(); len(got) != 0 {
		t.Errorf("second instance ran %v", got)
	}
	// And a run left claimed by a scheduler that died mid-run is not rerun:
	// it is recorded failed ("interrupted") and the owner told.
	crashed := due.Add(time.Hour)
	if ok, err := ledger.Claim(ctx, "hourly", crashed, crashed); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	h3 := newHarness(t, clocktest.New(crashed.Add(10*time.Minute)), ledger, jobs, nil)
	h3.start()
	e := h3.wait(schedule.EventInterrupted)
	h3.step(20 * time.Minute)
	h3.stop()
	if !e.Scheduled.Equal(crashed) || len(h3.calls) != 0 {
		t.Errorf("interrupted %s, runs %v", e.Scheduled, h3.callTimes())
	}
	es := entries(t, ledger, "hourly")
	if len(es) != 2 || es[0].Status != schedule.StatusFailed || !strings.Contains(es[0].Error, "interrupted") ||
		es[1].Status != schedule.StatusSucceeded {
		t.Errorf("ledger %+v", es)
	}
	if a := h3.alertList(); len(a) != 1 || !strings.Contains(a[0].subject, "interrupted") {
		t.Errorf("alerts %+v, want one about the interrupted run", a)
	}
}

func TestTwoSchedulersOnOneDatabaseRunATimeOnce(t *testing.T) {
	ledger, _ := duckLedger(t)
	jobs := []config.Job{job("hourly", "0 * * * *", "UTC")}
	start := utcTime(t, "2026-11-30T05:59:00Z")
	a := newHarness(t, clocktest.New(start), ledger, jobs, nil)
	b := newHarness(t, clocktest.New(start), ledger, jobs, nil)
	a.start()
	b.start()
	a.step(time.Minute)
	b.step(time.Minute)
	// Each tries to claim 06:00; exactly one gets it.
	claimed := func(events []schedule.Event) bool {
		for _, e := range events {
			if e.Kind == schedule.EventStarted || e.Kind == schedule.EventDuplicate || e.Kind == schedule.EventNotClaimed {
				return true
			}
		}
		return false
	}
	a.waitUntil(claimed)
	b.waitUntil(claimed)
	a.stop()
	b.stop()
	if runs := len(a.calls) + len(b.calls); runs != 1 {
		t.Errorf("06:00 ran %d times (a %v, b %v)", runs, a.callTimes(), b.callTimes())
	}
	if d := a.count(schedule.EventDuplicate) + b.count(schedule.EventDuplicate); d != 1 {
		t.Errorf("%d duplicate events, want 1", d)
	}
}

func TestRunIsSkippedWhileThePreviousOneIsGoing(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	release := make(chan struct{})
	first := true
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	j := job("hourly", "0 * * * *", "UTC")
	j.Timeout = 3 * time.Hour
	h := newHarness(t, clk, ledger, []config.Job{j}, func(ctx context.Context, _ config.Job, _ time.Time) error {
		if first {
			first = false
			<-release
		}
		return nil
	})
	h.start()
	h.step(time.Minute) // 06:00 starts and hangs on
	h.wait(schedule.EventStarted)
	h.step(time.Hour) // 07:00: still going
	sk := h.wait(schedule.EventSkipped)
	close(release)
	h.wait(schedule.EventFinished)
	h.step(time.Hour) // 08:00 runs again
	h.wait(schedule.EventFinished)
	h.stop()

	if !sk.Scheduled.Equal(utcTime(t, "2026-11-30T07:00:00Z")) {
		t.Errorf("skipped %s, want 07:00", sk.Scheduled)
	}
	want := []string{"2026-11-30T06:00:00Z", "2026-11-30T08:00:00Z"}
	if got := h.callTimes(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ran %v, want %v", got, want)
	}
	es := entries(t, ledger, "hourly")
	got := []string{}
	for _, e := range es {
		got = append(got, e.ScheduledAt.Format("15:04")+" "+string(e.Status))
	}
	if w := "08:00 succeeded,07:00 skipped,06:00 succeeded"; strings.Join(got, ",") != w {
		t.Errorf("ledger %v, want %s", got, w)
	}
	if !strings.Contains(es[1].Error, "06:00") {
		t.Errorf("skip reason %q does not name the run still going", es[1].Error)
	}
	if a := h.alertList(); len(a) != 1 || !strings.Contains(a[0].subject, "skipped") {
		t.Errorf("alerts %+v, want one about the skip", a)
	}
}

func TestPanicIsRecordedAsAFailureAndTheSchedulerGoesOn(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	h := newHarness(t, clk, ledger, []config.Job{job("hourly", "0 * * * *", "UTC")}, func(_ context.Context, _ config.Job, at time.Time) error {
		if at.Hour() == 6 {
			var m map[string]int
			m["boom"]++ // a nil map write: a real runtime panic
		}
		return nil
	})
	h.start()
	h.step(time.Minute)
	e := h.wait(schedule.EventFinished)
	h.step(time.Hour)
	e2 := h.wait(schedule.EventFinished)
	h.stop()

	var pe *schedule.PanicError
	if e.Status != schedule.StatusFailed || !errors.As(e.Err, &pe) || !strings.Contains(string(pe.Stack), "scheduler_test.go") {
		t.Fatalf("06:00 finished %s with %v, want failed with a panic and its stack", e.Status, e.Err)
	}
	if e2.Status != schedule.StatusSucceeded {
		t.Errorf("07:00 %s, want succeeded: the scheduler must keep going", e2.Status)
	}
	es := entries(t, ledger, "hourly")
	if es[1].Status != schedule.StatusFailed || !strings.Contains(es[1].Error, "panic: assignment to entry in nil map") {
		t.Errorf("ledger row %+v", es[1])
	}
	if logs := h.logs.String(); !strings.Contains(logs, `"stack":"goroutine`) || !strings.Contains(logs, "scheduler_test.go") {
		t.Errorf("the stack is not in the log:\n%s", logs)
	}
	if a := h.alertList(); len(a) != 1 || !strings.Contains(a[0].body, "panic") {
		t.Errorf("alerts %+v, want one about the panic", a)
	}
}

// A job that told the owner itself (delivery alerts) is recorded as failed
// without a second alert; any other failure is alerted.
func TestAFailureTheJobAlertedIsNotAlertedTwice(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	h := newHarness(t, clk, ledger, []config.Job{job("hourly", "0 * * * *", "UTC")}, func(_ context.Context, _ config.Job, at time.Time) error {
		if at.Hour() == 6 {
			return schedule.OwnerAlerted(errors.New("deliver run 1: boss@example.com: failed 550"))
		}
		return errors.New("smtp unreachable")
	})
	h.start()
	h.step(time.Minute)
	e := h.wait(schedule.EventFinished)
	h.step(time.Hour)
	h.wait(schedule.EventFinished)
	h.stop()

	if e.Status != schedule.StatusFailed {
		t.Errorf("06:00 finished %s, want failed", e.Status)
	}
	recorded := false
	for _, r := range entries(t, ledger, "hourly") {
		recorded = recorded || (r.ScheduledAt.Hour() == 6 && r.Status == schedule.StatusFailed && strings.Contains(r.Error, "550"))
	}
	if !recorded {
		t.Errorf("ledger %+v: want 06:00 failed with the delivery error", entries(t, ledger, "hourly"))
	}
	if a := h.alertList(); len(a) != 1 || !strings.Contains(a[0].body, "smtp unreachable") {
		t.Errorf("alerts %+v, want only the one about the 07:00 failure", a)
	}
}

func TestTimeoutCancelsTheRunAndRecordsIt(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	j := job("hourly", "0 * * * *", "UTC")
	j.Timeout = 10 * time.Minute
	causes := make(chan error, 1)
	h := newHarness(t, clk, ledger, []config.Job{j}, func(ctx context.Context, _ config.Job, at time.Time) error {
		if at.Hour() != 6 {
			return nil
		}
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return fmt.Errorf("load: %w", ctx.Err())
	})
	h.start()
	h.step(time.Minute)
	h.wait(schedule.EventStarted)
	h.step(9 * time.Minute)
	select {
	case c := <-causes:
		t.Fatalf("cancelled after 9 of 10 minutes: %v", c)
	default:
	}
	h.step(time.Minute)
	e := h.wait(schedule.EventFinished)
	h.stop()
	if c := <-causes; !errors.Is(c, schedule.ErrTimeout) {
		t.Errorf("the run's context ended with %v, want ErrTimeout", c)
	}
	if e.Status != schedule.StatusFailed || !errors.Is(e.Err, context.Canceled) {
		t.Errorf("finished %s %v", e.Status, e.Err)
	}
	es := entries(t, ledger, "hourly")
	if len(es) != 1 || es[0].Error != "timed out after 10m0s: load: context canceled" {
		t.Errorf("ledger %+v", es)
	}
}

func TestShutdownLetsARunningJobFinish(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	release := make(chan struct{})
	h := newHarness(t, clk, ledger, []config.Job{job("hourly", "0 * * * *", "UTC")}, func(ctx context.Context, _ config.Job, _ time.Time) error {
		<-release
		return ctx.Err() // nil unless cancelled
	})
	h.start()
	h.step(time.Minute)
	h.wait(schedule.EventStarted)
	h.cancel() // SIGTERM
	h.wait(schedule.EventStopping)
	clk.Advance(29 * time.Second)
	close(release) // finishes within the grace period
	h.returned()
	es := entries(t, ledger, "")
	if len(es) != 1 || es[0].Status != schedule.StatusSucceeded {
		t.Errorf("ledger %+v, want the run succeeded", es)
	}
	if !strings.Contains(h.logs.String(), `"msg":"stopping: no new runs","running":["hourly"]`) {
		t.Errorf("the stop is not logged with the running job:\n%s", h.logs.String())
	}
}

func TestShutdownCancelsAJobThatOutlivesTheGrace(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	causes := make(chan error, 1)
	h := newHarness(t, clk, ledger, []config.Job{job("hourly", "0 * * * *", "UTC")}, func(ctx context.Context, _ config.Job, _ time.Time) error {
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return ctx.Err()
	})
	h.start()
	h.step(time.Minute)
	h.wait(schedule.EventStarted)
	h.cancel()
	h.wait(schedule.EventStopping)
	clk.Advance(29 * time.Second)
	select {
	case c := <-causes:
		t.Fatalf("cancelled within the grace: %v", c)
	default:
	}
	clk.Advance(time.Second)
	h.returned()
	if c := <-causes; !errors.Is(c, schedule.ErrShutdown) {
		t.Errorf("cause %v, want ErrShutdown", c)
	}
	es := entries(t, ledger, "hourly")
	if len(es) != 1 || es[0].Status != schedule.StatusFailed || !strings.HasPrefix(es[0].Error, "shut down: ") {
		t.Errorf("ledger %+v, want failed with shut down", es)
	}
}

func TestShutdownDoesNotWaitForeverForAJobThatIgnoresCancellation(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	stuck := make(chan struct{})
	defer close(stuck)
	h := newHarness(t, clk, ledger, []config.Job{job("hourly", "0 * * * *", "UTC")}, func(context.Context, config.Job, time.Time) error {
		<-stuck // ignores its context
		return nil
	})
	h.start()
	h.step(time.Minute)
	h.wait(schedule.EventStarted)
	h.cancel()
	h.wait(schedule.EventStopping)
	clk.Advance(40 * time.Second) // grace, then 10s more
	h.returned()
	es := entries(t, ledger, "hourly")
	if len(es) != 1 || es[0].Status != schedule.StatusFailed || !strings.Contains(es[0].Error, "did not return") {
		t.Errorf("ledger %+v", es)
	}
}

func TestClockSetBackRunsNothingTwice(t *testing.T) {
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	h := newHarness(t, clk, schedule.NewMemoryLedger(), []config.Job{job("hourly", "0 * * * *", "UTC")}, nil)
	h.start()
	h.step(time.Minute) // 06:00 runs
	h.wait(schedule.EventFinished)
	h.jump(-31 * time.Minute) // corrected back by half an hour: 05:30
	h.stepUntil(utcTime(t, "2026-11-30T07:00:00Z"), 5*time.Minute)
	h.wait(schedule.EventFinished)
	h.stop()
	want := []string{"2026-11-30T06:00:00Z", "2026-11-30T07:00:00Z"}
	if got := h.callTimes(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ran %v, want %v", got, want)
	}
	if !strings.Contains(h.logs.String(), "clock went back") {
		t.Error("the clock going back is not logged")
	}
}

func TestNewReportsEveryProblemWithoutPanicking(t *testing.T) {
	jobs := []config.Job{
		job("weekly", "0 7 * * 1", "Asia/Shanghai"),     // fine
		job("mars", "0 7 * * 1", "Mars/Olympus_Mons"),   // bad zone
		job("badspec", "0 25 * * 1", "Europe/Berlin"),   // bad hour
		job("both", "CRON_TZ=Bad/Zone", "Nowhere/Zone"), // both; robfig panics on this spec
		job("weekly", "0 7 * * 1", "UTC"),               // duplicate name
		{Name: "neg", Schedule: "0 7 * * *", TimeZone: "UTC", Timeout: -time.Second, CatchUp: -time.Hour},
		{Name: "local", Schedule: "0 7 * * *", TimeZone: "Local"},
	}
	_, err := schedule.New(schedule.Options{Jobs: jobs, Ledger: schedule.NewMemoryLedger(),
		Run: func(context.Context, config.Job, time.Time) error { return nil }})
	var ve *schedule.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("New = %v, want a *ValidationError", err)
	}
	var fields []string
	for _, p := range ve.Problems {
		fields = append(fields, p.Field)
	}
	want := "jobs[1].timezone jobs[2].schedule jobs[3].timezone jobs[3].schedule jobs[4].name jobs[5].timeout jobs[5].catch_up jobs[6].timezone"
	if strings.Join(fields, " ") != want {
		t.Errorf("problems at %v\nwant %s\n%v", fields, want, err)
	}
	if !strings.Contains(err.Error(), "Mars/Olympus_Mons") || !strings.Contains(err.Error(), "25") {
		t.Errorf("message does not say what is wrong: %v", err)
	}
	if verr := schedule.Validate(jobs); verr == nil || verr.Error() != err.Error() {
		t.Errorf("Validate = %v, want the same problems as New", verr)
	}
	if err := schedule.Validate(jobs[:1]); err != nil {
		t.Errorf("Validate of a good job: %v", err)
	}
}

func TestAFailingAlertIsLoggedAndTheSchedulerGoesOn(t *testing.T) {
	ledger := schedule.NewMemoryLedger()
	clk := clocktest.New(utcTime(t, "2026-11-30T05:59:00Z"))
	logs := &syncBuffer{}
	finished := make(chan schedule.Status, 4)
	waitings := make(chan struct{}, 100)
	s, err := schedule.New(schedule.Options{
		Jobs: []config.Job{job("hourly", "0 * * * *", "UTC")}, Ledger: ledger, Clock: clk,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Run: func(_ context.Context, _ config.Job, at time.Time) error {
			if at.Hour() == 6 {
				return errors.New("load: no rows")
			}
			return nil
		},
		Alert: func(context.Context, config.Job, string, string) error { panic("mail server on fire") },
		OnEvent: func(e schedule.Event) {
			switch e.Kind {
			case schedule.EventFinished:
				finished <- e.Status
			case schedule.EventWaiting:
				waitings <- struct{}{}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	<-waitings
	clk.Advance(time.Minute)
	if st := <-finished; st != schedule.StatusFailed {
		t.Fatalf("06:00 %s, want failed", st)
	}
	<-waitings
	clk.Advance(time.Hour)
	if st := <-finished; st != schedule.StatusSucceeded {
		t.Fatalf("07:00 %s, want succeeded", st)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !strings.Contains(logs.String(), `"msg":"cannot alert the job's owner"`) || !strings.Contains(logs.String(), "mail server on fire") {
		t.Errorf("the failing alert is not logged:\n%s", logs.String())
	}
}
