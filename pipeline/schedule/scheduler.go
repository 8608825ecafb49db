package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accordhq/accord/config"
)

// RunFunc runs one scheduled run of a job. scheduled is the time the job's
// spec named, in the job's zone (Mondays 07:00 in Asia/Shanghai arrives as
// 2026-11-30 07:00 +08:00): it is the run's as-of time, and nothing below
// should read the wall clock instead. ctx ends at the job's timeout or when
// a shutdown's grace period is over.
type RunFunc func(ctx context.Context, job config.Job, scheduled time.Time) error

// OwnerAlerted marks the error of a run whose job has already told the
// owner what went wrong (a delivery's own alert naming the recipients who
// did not get the report): the run is recorded as failed, but the owner is
// not alerted a second time.
func OwnerAlerted(err error) error { return &ownerAlertedError{err} }

type ownerAlertedError struct{ err error }

func (e *ownerAlertedError) Error() string { return e.err.Error() }
func (e *ownerAlertedError) Unwrap() error { return e.err }

// AlertFunc tells a job's owner (job.Owner, which may be empty) that a run
// failed, was skipped, missed or interrupted.
type AlertFunc func(ctx context.Context, job config.Job, subject, body string) error

// DefaultGrace is how long a shutdown waits for running jobs.
const DefaultGrace = 30 * time.Second

const (
	// maxWait caps one wait: the monotonic clock behind timers stops while
	// the machine sleeps, so the scheduler looks at the wall clock at least
	// this often and catches up what a sleep made it miss.
	maxWait = time.Minute
	// onTime is how late a run may start and still count as on time, even
	// for a job whose catch-up window is shorter.
	onTime = time.Minute
	// stopWait is how long, after the grace period, a shutdown waits for
	// cancelled jobs to return before recording them failed itself.
	stopWait = 10 * time.Second
	// maxMissedRecorded caps the missed times recorded (the latest ones)
	// after a long downtime; the alert counts the others.
	maxMissedRecorded = 1000
)

// ErrTimeout is the cause of a run's context ending at the job's timeout.
var ErrTimeout = errors.New("timed out")

// ErrShutdown is the cause of a run's context ending when the scheduler
// stops and the grace period is over.
var ErrShutdown = errors.New("shut down")

// PanicError is a run that panicked; the scheduler records it as failed,
// logs the stack, and keeps running.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Options configure a Scheduler. Jobs, Run and Ledger are required.
type Options struct {
	Jobs   []config.Job
	Run    RunFunc
	Ledger Ledger
	// Alert reaches a job's owner; nil only logs.
	Alert AlertFunc
	// Clock defaults to SystemClock.
	Clock Clock
	// Logger defaults to discarding.
	Logger *slog.Logger
	// Grace is how long Run, once its context ends, lets running jobs
	// finish before cancelling them (default DefaultGrace). A job that does
	// not return within 10s of being cancelled is recorded failed anyway.
	Grace time.Duration
	// OnEvent, if set, is told what the scheduler did, as it happens (for
	// tests and metrics); it must not block.
	OnEvent func(Event)
}

// EventKind names what happened.
type EventKind string

// The events a Scheduler reports through Options.OnEvent.
const (
	EventWaiting     EventKind = "waiting"     // the scheduler is waiting for its clock (Wake: until when at most)
	EventStarted     EventKind = "started"     // a run was claimed and is starting
	EventFinished    EventKind = "finished"    // a run ended and was recorded (Status, Err)
	EventDuplicate   EventKind = "duplicate"   // the (job, time) was already claimed: not run
	EventNotClaimed  EventKind = "not-claimed" // the ledger failed: not run (Err)
	EventSkipped     EventKind = "skipped"     // the previous run was still going: recorded skipped
	EventMissed      EventKind = "missed"      // times recorded missed (Times); the owner is being alerted
	EventInterrupted EventKind = "interrupted" // a run left running by an earlier scheduler was recorded failed
	EventStopping    EventKind = "stopping"    // the context ended: nothing new starts, the grace period runs
)

// Event is one thing the scheduler did.
type Event struct {
	Kind      EventKind
	Job       string
	Scheduled time.Time   // the run's scheduled time, in the job's zone
	Times     []time.Time // missed: the times recorded
	Status    Status      // finished: succeeded or failed
	Err       error       // finished: why it failed; not-claimed: the ledger's error
	Wake      time.Time   // waiting: the latest the scheduler wakes up
}

// ValidationError lists every problem found in the jobs, with the field
// names of the config (jobs[0].timezone).
type ValidationError struct {
	Problems []config.Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "schedule: %d problem(s) in the jobs:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Scheduler runs config jobs on their cron specs, each (job, scheduled
// time) at most once, recorded in a Ledger.
type Scheduler struct {
	jobs    []*jobState
	run     RunFunc
	ledger  Ledger
	alert   AlertFunc
	clock   Clock
	log     *slog.Logger
	grace   time.Duration
	onEvent func(Event)

	started atomic.Bool
	wg      sync.WaitGroup
	mu      sync.Mutex // guards jobState.running
	// bg is for ledger writes and alerts, which must be done also while
	// stopping; jobCtx is the parent of every run, cancelled after the grace.
	bg, jobCtx context.Context
}

type jobState struct {
	job    config.Job
	sched  *Schedule
	cursor time.Time // the latest scheduled time dealt with; used by the loop only
	// running is the run in progress, if any (guarded by Scheduler.mu).
	running *runState
}

type runState struct {
	scheduled time.Time
}

// New checks every job (see Validate) and returns a scheduler for them.
func New(o Options) (*Scheduler, error) {
	if o.Run == nil || o.Ledger == nil {
		return nil, errors.New("schedule: Options.Run and Options.Ledger are required")
	}
	jobs, err := check(o.Jobs)
	if err != nil {
		return nil, err
	}
	s := &Scheduler{jobs: jobs, run: o.Run, ledger: o.Ledger, alert: o.Alert, clock: o.Clock, log: o.Logger, grace: o.Grace, onEvent: o.OnEvent}
	if s.clock == nil {
		s.clock = SystemClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.grace <= 0 {
		s.grace = DefaultGrace
	}
	return s, nil
}

// Validate checks every job as New does (names, zones loaded before specs
// are parsed, specs that never fire, negative durations) and reports all
// problems at once as a *ValidationError; it never panics. For `accord
// validate`.
func Validate(jobs []config.Job) error {
	_, err := check(jobs)
	return err
}

func check(jobs []config.Job) ([]*jobState, error) {
	var ps []config.Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, config.Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if len(jobs) == 0 {
		add("jobs", "no jobs to schedule")
	}
	var out []*jobState
	names := map[string]bool{}
	for i, j := range jobs {
		f := fmt.Sprintf("jobs[%d]", i)
		switch {
		case j.Name == "":
			add(f+".name", "empty")
		case names[j.Name]:
			add(f+".name", "job %q defined twice", j.Name)
		}
		names[j.Name] = true
		// The zone is loaded before the spec is parsed; a spec is still
		// checked (in UTC) when the zone is bad, so both are reported.
		loc, err := LoadZone(j.TimeZone)
		if err != nil {
			add(f+".timezone", "%v", err)
		}
		sched, err := ParseSpec(j.Schedule, orUTC(loc))
		if err != nil {
			add(f+".schedule", "%v", err)
		}
		if j.Timeout < 0 {
			add(f+".timeout", "must not be negative, got %s", j.Timeout)
		}
		if j.CatchUp < 0 {
			add(f+".catch_up", "must not be negative, got %s", j.CatchUp)
		}
		if j.Timeout == 0 {
			j.Timeout = config.DefaultJobTimeout
		}
		if loc != nil && sched != nil {
			out = append(out, &jobState{job: j, sched: sched})
		}
	}
	if len(ps) > 0 {
		return nil, &ValidationError{Problems: ps}
	}
	return out, nil
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// Next returns the next scheduled time of the named job after t, in the
// job's zone (zero for an unknown job).
func (s *Scheduler) Next(job string, t time.Time) time.Time {
	for _, j := range s.jobs {
		if j.job.Name == job {
			return j.sched.Next(t)
		}
	}
	return time.Time{}
}

// now is the clock's wall reading: without the monotonic reading, so that
// comparisons see the time a sleeping machine lost.
func (s *Scheduler) now() time.Time { return s.clock.Now().Round(0) }

func (s *Scheduler) emit(e Event) {
	if s.onEvent != nil {
		s.onEvent(e)
	}
}

// Run schedules the jobs until ctx ends. It first records runs an earlier
// scheduler left running as failed, and picks up each job after the latest
// time in the ledger (catching up what was missed meanwhile). When ctx
// ends it starts nothing new, waits up to the grace period for running
// jobs, cancels those still going, records them failed ("shut down"), and
// returns nil. It returns an error only when it cannot start.
func (s *Scheduler) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("schedule: Run called twice")
	}
	s.bg = context.WithoutCancel(ctx)
	jobCtx, kill := context.WithCancelCause(s.bg)
	defer kill(nil)
	s.jobCtx = jobCtx

	now := s.now()
	if err := s.resume(ctx, now); err != nil {
		if ctx.Err() != nil {
			s.log.Info("stopped while starting", "err", err)
			return nil
		}
		return err
	}
	for ctx.Err() == nil {
		s.tick(now)
		wait := s.wait(now)
		wake := s.clock.After(wait)
		expected := now.Add(wait)
		s.emit(Event{Kind: EventWaiting, Wake: expected})
		select {
		case <-ctx.Done():
		case <-wake:
			prev := now
			now = s.now()
			switch {
			case now.Before(prev):
				s.log.Warn("clock went back; nothing scheduled runs twice", "from", prev, "to", now)
			case now.Sub(expected) > maxWait:
				s.log.Warn("clock jumped ahead (machine asleep or clock set); catching up", "expected", expected, "now", now,
					"jump", now.Sub(expected).Round(time.Second).String())
			}
		}
	}
	return s.shutdown(kill)
}

// resume marks runs interrupted by an earlier scheduler and sets each job's
// cursor to its latest recorded time (now for a job never recorded).
func (s *Scheduler) resume(ctx context.Context, now time.Time) error {
	interrupted, err := s.ledger.Interrupt(ctx, now, "interrupted: the scheduler stopped before the run finished")
	if err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	for _, e := range interrupted {
		j := s.find(e.Job)
		if j == nil {
			s.log.Warn("run of a job no longer configured was interrupted", "job", e.Job, "scheduled", e.ScheduledAt)
			continue
		}
		at := e.ScheduledAt.In(j.sched.Location())
		s.log.Warn("run interrupted by an earlier stop recorded as failed", "job", e.Job, "scheduled", at)
		s.goAlert(j.job, interruptedAlert(j.job, at))
		s.emit(Event{Kind: EventInterrupted, Job: e.Job, Scheduled: at})
	}
	for _, j := range s.jobs {
		last, ok, err := s.ledger.Last(ctx, j.job.Name)
		if err != nil {
			return fmt.Errorf("schedule: %w", err)
		}
		j.cursor = now
		if ok {
			// Also when last is after now (the clock was set back): what
			// is recorded never runs again.
			j.cursor = last
		}
		s.log.Info("job scheduled", "job", j.job.Name, "schedule", j.job.Schedule, "timezone", j.job.TimeZone,
			"next", j.sched.Next(now), "timeout", j.job.Timeout.String(), "catch_up", j.job.CatchUp.String())
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (s *Scheduler) find(name string) *jobState {
	for _, j := range s.jobs {
		if j.job.Name == name {
			return j
		}
	}
	return nil
}

// wait is how long to wait from now: until the next scheduled time, at
// most maxWait.
func (s *Scheduler) wait(now time.Time) time.Duration {
	d := maxWait
	for _, j := range s.jobs {
		if n := j.sched.Next(later(j.cursor, now)); !n.IsZero() {
			d = min(d, n.Sub(now))
		}
	}
	return max(d, time.Millisecond)
}

// tick deals with every scheduled time up to now. Of the times a job has
// due, the latest runs if it is within the job's catch-up window (or on
// time); the others are recorded missed and reported to the owner once.
func (s *Scheduler) tick(now time.Time) {
	for _, j := range s.jobs {
		due, total := j.due(now)
		if total == 0 {
			continue
		}
		latest := due[len(due)-1]
		j.cursor = latest
		missed := due[:len(due)-1]
		runIt := now.Sub(latest) <= max(j.job.CatchUp, onTime)
		if !runIt {
			missed = due
		}
		var r *runState
		var since time.Time // set when the job's previous run is still going
		if runIt {
			s.mu.Lock()
			if j.running != nil {
				since = j.running.scheduled
			} else {
				r = &runState{scheduled: latest}
				j.running = r
			}
			s.mu.Unlock()
		}
		earlier := total - len(due)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if len(missed) > 0 {
				s.recordMissed(j, missed, earlier, now, runIt)
			}
			switch {
			case !since.IsZero():
				s.recordSkipped(j, latest, since, now)
			case r != nil:
				s.execute(j, r)
			}
		}()
	}
}

// due returns the job's scheduled times in (cursor, now], at most the
// latest maxMissedRecorded of them, and how many there are in all.
func (j *jobState) due(now time.Time) (times []time.Time, total int) {
	for t := j.sched.Next(j.cursor); !t.IsZero() && !t.After(now); t = j.sched.Next(t) {
		total++
		times = append(times, t)
		if len(times) > maxMissedRecorded {
			times = times[1:]
		}
	}
	return times, total
}

func (s *Scheduler) recordMissed(j *jobState, missed []time.Time, earlier int, now time.Time, caughtUp bool) {
	reason := fmt.Sprintf("missed: the scheduler was not running (or the machine was asleep) at the scheduled time; noticed at %s, catch-up window %s",
		now.UTC().Format(time.RFC3339), j.job.CatchUp)
	recorded, err := s.ledger.Record(s.bg, j.job.Name, StatusMissed, missed, now, reason)
	if err != nil {
		s.log.Error("cannot record missed runs", "job", j.job.Name, "missed", len(missed)+earlier, "err", err)
		// The owner still hears of them.
		recorded = missed
	}
	if len(recorded) == 0 {
		return // recorded before, by an earlier scheduler that alerted then
	}
	local := make([]time.Time, len(recorded))
	for i, t := range recorded {
		local[i] = t.In(j.sched.Location())
	}
	s.log.Warn("scheduled runs missed", "job", j.job.Name, "missed", len(local)+earlier,
		"first", local[0], "last", local[len(local)-1], "catch_up", j.job.CatchUp.String())
	s.goAlert(j.job, missedAlert(j.job, local, earlier, caughtUp))
	s.emit(Event{Kind: EventMissed, Job: j.job.Name, Scheduled: local[len(local)-1], Times: local})
}

func (s *Scheduler) recordSkipped(j *jobState, at, since, now time.Time) {
	reason := fmt.Sprintf("skipped: the run scheduled at %s was still going", since.Format(time.RFC3339))
	recorded, err := s.ledger.Record(s.bg, j.job.Name, StatusSkipped, []time.Time{at}, now, reason)
	if err != nil {
		s.log.Error("cannot record a skipped run", "job", j.job.Name, "scheduled", at, "err", err)
	} else if len(recorded) == 0 {
		return // already recorded, by another scheduler
	}
	s.log.Warn("run skipped: the previous one is still going", "job", j.job.Name, "scheduled", at, "running_since", since)
	s.goAlert(j.job, skippedAlert(j.job, at, since))
	s.emit(Event{Kind: EventSkipped, Job: j.job.Name, Scheduled: at})
}

// execute claims the run in the ledger, runs it with the job's timeout and
// panic recovery, and records how it ended.
func (s *Scheduler) execute(j *jobState, r *runState) {
	var once sync.Once
	release := func() {
		once.Do(func() {
			s.mu.Lock()
			if j.running == r {
				j.running = nil
			}
			s.mu.Unlock()
		})
	}
	defer release()
	log := s.log.With("job", j.job.Name, "scheduled", r.scheduled)
	claimed, err := s.ledger.Claim(s.bg, j.job.Name, r.scheduled, s.now())
	if err != nil {
		// Not run: without a claim it could run twice.
		log.Error("run not started: cannot claim it in the ledger", "err", err)
		s.goAlert(j.job, notClaimedAlert(j.job, r.scheduled, err))
		s.emit(Event{Kind: EventNotClaimed, Job: j.job.Name, Scheduled: r.scheduled, Err: err})
		return
	}
	if !claimed {
		log.Info("run not started: already claimed (by an earlier or another scheduler)")
		s.emit(Event{Kind: EventDuplicate, Job: j.job.Name, Scheduled: r.scheduled})
		return
	}

	ctx, cancel := context.WithCancelCause(s.jobCtx)
	defer cancel(nil)
	// The timer is set before the job starts, so a fake clock moved by a
	// test that saw the job start always fires it.
	timeout := s.clock.After(j.job.Timeout)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-timeout:
			cancel(fmt.Errorf("%w after %s", ErrTimeout, j.job.Timeout))
		case <-stop:
		}
	}()

	log.Info("run started")
	s.emit(Event{Kind: EventStarted, Job: j.job.Name, Scheduled: r.scheduled})
	start := s.now()
	err = s.call(ctx, j.job, r.scheduled)
	status, reason := StatusSucceeded, ""
	if err != nil {
		status, reason = StatusFailed, err.Error()
		if cause := context.Cause(ctx); cause != nil && (errors.Is(cause, ErrTimeout) || errors.Is(cause, ErrShutdown)) {
			reason = cause.Error() + ": " + reason
		}
	}
	took := s.now().Sub(start)
	if _, ferr := s.ledger.Finish(s.bg, j.job.Name, r.scheduled, status, s.now(), reason); ferr != nil {
		log.Error("cannot record how the run ended", "status", status, "err", ferr)
	}
	release() // the next run may start; alerting is not part of this one
	if err != nil {
		attrs := []any{"err", reason, "took", took.String()}
		if pe := (*PanicError)(nil); errors.As(err, &pe) {
			attrs = append(attrs, "stack", string(pe.Stack))
		}
		if told := (*ownerAlertedError)(nil); errors.As(err, &told) {
			log.Error("run failed; the job alerted the owner itself", attrs...)
		} else {
			log.Error("run failed", attrs...)
			s.goAlert(j.job, failedAlert(j.job, r.scheduled, reason))
		}
	} else {
		log.Info("run succeeded", "took", took.String())
	}
	s.emit(Event{Kind: EventFinished, Job: j.job.Name, Scheduled: r.scheduled, Status: status, Err: err})
}

// call runs the job, turning a panic into a *PanicError.
func (s *Scheduler) call(ctx context.Context, job config.Job, scheduled time.Time) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return s.run(ctx, job, scheduled)
}

type alertMsg struct{ subject, body string }

// sendAlert tells the owner; a failing (or panicking) Alert is logged.
func (s *Scheduler) sendAlert(job config.Job, m alertMsg) {
	if s.alert == nil {
		s.log.Warn("no alert function: owner not told", "job", job.Name, "owner", job.Owner, "subject", m.subject)
		return
	}
	err := func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = &PanicError{Value: v, Stack: debug.Stack()}
			}
		}()
		return s.alert(s.bg, job, m.subject, m.body)
	}()
	if err != nil {
		s.log.Error("cannot alert the job's owner", "job", job.Name, "owner", job.Owner, "subject", m.subject, "err", err)
	}
}

// goAlert sends an alert without holding up the caller (a slow mail
// server must not delay or skip a run); shutdown waits for it like a job.
func (s *Scheduler) goAlert(job config.Job, m alertMsg) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.sendAlert(job, m)
	}()
}

// runningJobs lists the runs in progress.
func (s *Scheduler) runningJobs() map[*jobState]*runState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[*jobState]*runState{}
	for _, j := range s.jobs {
		if j.running != nil {
			out[j] = j.running
		}
	}
	return out
}

// shutdown lets running jobs finish within the grace period, then cancels
// them; a job that still does not return is recorded failed here.
func (s *Scheduler) shutdown(kill context.CancelCauseFunc) error {
	running := s.runningJobs()
	// Both timers are set before anyone is told the scheduler is stopping.
	graceOver := s.clock.After(s.grace)
	giveUp := s.clock.After(s.grace + stopWait)
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	names := make([]string, 0, len(running))
	for j := range running {
		names = append(names, j.job.Name)
	}
	s.log.Info("stopping: no new runs", "running", names, "grace", s.grace.String())
	s.emit(Event{Kind: EventStopping})
	select {
	case <-done:
		s.log.Info("stopped")
		return nil
	case <-graceOver:
	}
	reason := fmt.Errorf("%w: the scheduler stopped and the run did not finish within the %s grace period", ErrShutdown, s.grace)
	s.log.Warn("grace period over: cancelling running jobs", "running", names)
	kill(reason)
	select {
	case <-done:
		s.log.Info("stopped")
		return nil
	case <-giveUp:
	}
	for j, r := range s.runningJobs() {
		msg := fmt.Sprintf("%v; it did not return within %s of being cancelled", reason, stopWait)
		if _, err := s.ledger.Finish(s.bg, j.job.Name, r.scheduled, StatusFailed, s.now(), msg); err != nil {
			s.log.Error("cannot record a run that did not stop", "job", j.job.Name, "scheduled", r.scheduled, "err", err)
			continue
		}
		s.log.Error("run did not stop when cancelled; recorded failed", "job", j.job.Name, "scheduled", r.scheduled)
		s.goAlert(j.job, failedAlert(j.job, r.scheduled, msg))
	}
	s.log.Info("stopped")
	return nil
}
