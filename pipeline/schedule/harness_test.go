package schedule_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline"
	"github.com/accordhq/accord/pipeline/schedule"
	"github.com/accordhq/accord/pipeline/schedule/clocktest"
)

// harness runs a Scheduler on a fake clock and records what it does. Tests
// move the clock with step, which first waits until the scheduler is
// waiting on the clock: no sleeps, no wall clock.
type harness struct {
	t      *testing.T
	clk    *clocktest.Clock
	ledger schedule.Ledger
	s      *schedule.Scheduler
	logs   *syncBuffer

	mu      sync.Mutex
	events  []schedule.Event
	changed chan struct{}
	seen    map[schedule.EventKind]int // per kind, how many events wait has consumed
	moved   bool                       // the clock moved since the scheduler last said it waits
	calls   []call
	alerts  []alert

	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned
	err    error         // what Run returned
}

type call struct {
	job       string
	scheduled time.Time
}

type alert struct {
	job, owner, subject, body string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// job is a config job with the defaults the config applies.
func job(name, spec, zone string) config.Job {
	return config.Job{Name: name, Schedule: spec, TimeZone: zone, Timeout: time.Hour, CatchUp: 24 * time.Hour, Owner: "ops@example.com"}
}

// newHarness builds a scheduler on clk; run is the job body (nil: succeed).
func newHarness(t *testing.T, clk *clocktest.Clock, ledger schedule.Ledger, jobs []config.Job,
	run func(ctx context.Context, job config.Job, scheduled time.Time) error) *harness {
	t.Helper()
	h := &harness{t: t, clk: clk, ledger: ledger, logs: &syncBuffer{}, changed: make(chan struct{}), seen: map[schedule.EventKind]int{}}
	s, err := schedule.New(schedule.Options{
		Jobs:   jobs,
		Ledger: ledger,
		Clock:  clk,
		Logger: slog.New(slog.NewJSONHandler(h.logs, nil)),
		Grace:  30 * time.Second,
		Run: func(ctx context.Context, j config.Job, scheduled time.Time) error {
			h.mu.Lock()
			h.calls = append(h.calls, call{j.Name, scheduled})
			h.mu.Unlock()
			if run == nil {
				return nil
			}
			return run(ctx, j, scheduled)
		},
		Alert: func(_ context.Context, j config.Job, subject, body string) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.alerts = append(h.alerts, alert{j.Name, j.Owner, subject, body})
			return nil
		},
		OnEvent: func(e schedule.Event) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.events = append(h.events, e)
			close(h.changed)
			h.changed = make(chan struct{})
		},
	})
	if err != nil {
		t.Fatalf("new scheduler: %v", err)
	}
	h.s = s
	return h
}

// start runs the scheduler until stop.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() {
		h.err = h.s.Run(ctx)
		close(h.done)
	}()
	h.t.Cleanup(func() {
		cancel()
		h.clk.Advance(time.Hour) // past any grace period, so Run returns
		<-h.done
	})
}

// wait returns the next event of kind not yet consumed, waiting for it.
func (h *harness) wait(kind schedule.EventKind) schedule.Event {
	h.t.Helper()
	for {
		h.mu.Lock()
		n := 0
		for _, e := range h.events {
			if e.Kind != kind {
				continue
			}
			if n == h.seen[kind] {
				h.seen[kind]++
				if kind == schedule.EventWaiting {
					h.moved = false
				}
				h.mu.Unlock()
				return e
			}
			n++
		}
		changed := h.changed
		h.mu.Unlock()
		select {
		case <-changed:
		case <-h.done:
			h.t.Fatalf("scheduler returned (%v) while waiting for a %s event", h.err, kind)
		}
	}
}

// step waits until the scheduler waits on the clock, then moves it d
// ahead (at least a minute, so the scheduler's wait always ends).
func (h *harness) step(d time.Duration) {
	h.t.Helper()
	if d < time.Minute {
		h.t.Fatalf("step %s: less than the scheduler's longest wait", d)
	}
	h.wait(schedule.EventWaiting)
	h.clk.Advance(d)
	h.mu.Lock()
	h.moved = true
	h.mu.Unlock()
}

// jump waits until the scheduler waits on the clock, moves the wall clock
// by d without firing its timer (a sleeping machine, a clock being set),
// then lets the timer fire.
func (h *harness) jump(d time.Duration) {
	h.t.Helper()
	h.wait(schedule.EventWaiting)
	h.clk.Jump(d)
	h.clk.Advance(time.Minute)
	h.mu.Lock()
	h.moved = true
	h.mu.Unlock()
}

// waitUntil waits until cond (called with the events so far) holds.
func (h *harness) waitUntil(cond func(events []schedule.Event) bool) {
	h.t.Helper()
	for {
		h.mu.Lock()
		ok, changed := cond(h.events), h.changed
		h.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-h.done:
			h.t.Fatalf("scheduler returned (%v) while waiting", h.err)
		}
	}
}

// stepUntil steps by d until the clock reads end (or later).
func (h *harness) stepUntil(end time.Time, d time.Duration) {
	h.t.Helper()
	for h.clk.Now().Before(end) {
		h.step(d)
	}
}

// stop cancels Run and waits for it (nothing may be left running).
func (h *harness) stop() {
	h.t.Helper()
	h.mu.Lock()
	moved := h.moved
	h.mu.Unlock()
	if moved {
		h.wait(schedule.EventWaiting) // the last step has been dealt with
	}
	h.cancel()
	h.returned()
}

// returned waits for Run to return and checks it returned nil.
func (h *harness) returned() {
	h.t.Helper()
	<-h.done
	if h.err != nil {
		h.t.Fatalf("Run returned %v, want nil", h.err)
	}
}

func (h *harness) callTimes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.calls {
		out = append(out, c.scheduled.Format(time.RFC3339))
	}
	return out
}

func (h *harness) alertList() []alert {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]alert(nil), h.alerts...)
}

func (h *harness) count(kind schedule.EventKind) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// entries is the ledger, latest first.
func entries(t *testing.T, l schedule.Ledger, job string) []schedule.Entry {
	t.Helper()
	es, err := l.List(context.Background(), job, 0)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return es
}

// duckLedger is the DuckDB ledger on a fresh file in t.TempDir().
func duckLedger(t *testing.T) (*schedule.DuckLedger, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accord.duckdb")
	return schedule.NewDuckLedger(func(ctx context.Context) (*pipeline.Store, error) {
		return pipeline.OpenStore(ctx, path)
	}), path
}
