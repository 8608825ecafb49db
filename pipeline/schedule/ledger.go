package schedule

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"
)

// Status is where a scheduled run stands in the ledger.
type Status string

// The statuses of job_runs.status.
const (
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusSkipped   Status = "skipped" // the job's previous run was still going
	StatusMissed    Status = "missed"  // the scheduler was down or asleep, outside the catch-up window
)

// Entry is one row of the ledger: a job at one scheduled time.
type Entry struct {
	Job         string    `json:"job"`
	ScheduledAt time.Time `json:"scheduled_at"` // UTC
	Status      Status    `json:"status"`
	StartedAt   time.Time `json:"started_at,omitzero"`  // UTC; zero when it never started
	FinishedAt  time.Time `json:"finished_at,omitzero"` // UTC; zero while running
	Error       string    `json:"error,omitempty"`
}

// Ledger records every scheduled run keyed by (job, scheduled time), so
// that a (job, time) runs at most once across restarts and instances.
// Times are stored in UTC.
type Ledger interface {
	// Last returns the latest scheduled time recorded for job, whatever its
	// status; ok is false when the job has none.
	Last(ctx context.Context, job string) (last time.Time, ok bool, err error)
	// Claim records (job, scheduled) as running. claimed is false when the
	// pair is already recorded: the caller must not run it.
	Claim(ctx context.Context, job string, scheduled, now time.Time) (claimed bool, err error)
	// Finish records the final status of a claimed run; it changes only a
	// row that is still running, and reports whether it did.
	Finish(ctx context.Context, job string, scheduled time.Time, status Status, now time.Time, reason string) (bool, error)
	// Record records runs that never started (skipped, missed) at the given
	// times, leaving any time already recorded alone; it returns the times
	// it recorded.
	Record(ctx context.Context, job string, status Status, times []time.Time, now time.Time, reason string) ([]time.Time, error)
	// Interrupt marks every row still running as failed (their scheduler
	// stopped before they finished) and returns them.
	Interrupt(ctx context.Context, now time.Time, reason string) ([]Entry, error)
	// List returns the latest entries first, for one job or all (job "").
	List(ctx context.Context, job string, limit int) ([]Entry, error)
}

type key struct {
	job string
	at  time.Time
}

// MemoryLedger is a Ledger in memory, for tests and dry runs. It forgets
// everything when the process ends.
type MemoryLedger struct {
	mu   sync.Mutex
	rows map[key]*Entry
}

// NewMemoryLedger returns an empty in-memory ledger.
func NewMemoryLedger() *MemoryLedger { return &MemoryLedger{rows: map[key]*Entry{}} }

func k(job string, t time.Time) key { return key{job, t.UTC().Truncate(time.Microsecond)} }

// Last implements Ledger.
func (m *MemoryLedger) Last(_ context.Context, job string) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var last time.Time
	ok := false
	for kk := range m.rows {
		if kk.job == job && (!ok || kk.at.After(last)) {
			last, ok = kk.at, true
		}
	}
	return last, ok, nil
}

// Claim implements Ledger.
func (m *MemoryLedger) Claim(_ context.Context, job string, scheduled, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kk := k(job, scheduled)
	if _, dup := m.rows[kk]; dup {
		return false, nil
	}
	m.rows[kk] = &Entry{Job: job, ScheduledAt: kk.at, Status: StatusRunning, StartedAt: now.UTC()}
	return true, nil
}

// Finish implements Ledger.
func (m *MemoryLedger) Finish(_ context.Context, job string, scheduled time.Time, status Status, now time.Time, reason string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.rows[k(job, scheduled)]
	if !ok || e.Status != StatusRunning {
		return false, nil
	}
	e.Status, e.FinishedAt, e.Error = status, now.UTC(), reason
	return true, nil
}

// Record implements Ledger.
func (m *MemoryLedger) Record(_ context.Context, job string, status Status, times []time.Time, now time.Time, reason string) ([]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []time.Time
	for _, t := range times {
		kk := k(job, t)
		if _, dup := m.rows[kk]; dup {
			continue
		}
		m.rows[kk] = &Entry{Job: job, ScheduledAt: kk.at, Status: status, FinishedAt: now.UTC(), Error: reason}
		out = append(out, kk.at)
	}
	return out, nil
}

// Interrupt implements Ledger.
func (m *MemoryLedger) Interrupt(_ context.Context, now time.Time, reason string) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Entry
	for _, e := range m.rows {
		if e.Status == StatusRunning {
			e.Status, e.FinishedAt, e.Error = StatusFailed, now.UTC(), reason
			out = append(out, *e)
		}
	}
	sortEntries(out)
	return out, nil
}

// List implements Ledger.
func (m *MemoryLedger) List(_ context.Context, job string, limit int) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Entry
	for _, e := range m.rows {
		if job == "" || e.Job == job {
			out = append(out, *e)
		}
	}
	sortEntries(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return slices.Clip(out), nil
}

// sortEntries orders the latest scheduled time first, then by job.
func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool {
		if !es[i].ScheduledAt.Equal(es[j].ScheduledAt) {
			return es[i].ScheduledAt.After(es[j].ScheduledAt)
		}
		return es[i].Job < es[j].Job
	})
}
