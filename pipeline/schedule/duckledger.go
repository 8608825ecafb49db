package schedule

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/accordhq/accord/pipeline"
	"github.com/accordhq/accord/queries"
)

// Opener opens the store for one ledger operation; the ledger closes it
// right after. In the CLI it is pipeline.OpenStoreWait on the config's
// database, so a manual run holding the file delays the ledger instead of
// failing it.
type Opener func(ctx context.Context) (*pipeline.Store, error)

// DuckLedger is the Ledger in the job_runs table of Accord's DuckDB store.
// It opens the store for each operation and closes it after, so the
// scheduler never holds the single-writer file between jobs.
type DuckLedger struct {
	open Opener
}

// NewDuckLedger returns a ledger on the store that open opens.
func NewDuckLedger(open Opener) *DuckLedger { return &DuckLedger{open: open} }

// ledgerMu serializes ledger operations in the process: DuckDB opens of
// one file from several goroutines can collide ("Unique file handle
// conflict", catalog write-write conflicts while creating tables).
var ledgerMu sync.Mutex

// openAttempts bounds retries of an open that collided with another open
// of the same file in this process (the job's own run opening the store).
const openAttempts = 4

// with opens the store, makes sure job_runs exists, runs f and closes the
// store again.
func (l *DuckLedger) with(ctx context.Context, op string, f func(db *sql.DB) error) (err error) {
	ledgerMu.Lock()
	defer ledgerMu.Unlock()
	s, err := l.openRetry(ctx)
	if err != nil {
		return fmt.Errorf("ledger %s: %w", op, err)
	}
	defer func() {
		// Store.Close only releases a handle the job's run still shares.
		if cerr := s.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("ledger %s: close: %w", op, cerr))
		}
	}()
	if _, err := s.DB.ExecContext(ctx, queries.Get("CreateJobRuns")); err != nil {
		return fmt.Errorf("ledger %s: create job_runs: %w", op, err)
	}
	if err := f(s.DB); err != nil {
		return fmt.Errorf("ledger %s: %w", op, err)
	}
	return nil
}

// openRetry opens the store, retrying an open that collided with another
// one in this process; a lock held by another process is the opener's to
// wait for, and is returned as is.
func (l *DuckLedger) openRetry(ctx context.Context) (*pipeline.Store, error) {
	for attempt := 1; ; attempt++ {
		s, err := l.open(ctx)
		if err == nil || attempt == openAttempts || errors.Is(err, pipeline.ErrLocked) ||
			!strings.Contains(strings.ToLower(err.Error()), "conflict") {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
		}
	}
}

// utc is t as DuckDB's TIMESTAMP keeps it: UTC, to the microsecond.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTime is NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return utc(t)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Last implements Ledger.
func (l *DuckLedger) Last(ctx context.Context, job string) (last time.Time, ok bool, err error) {
	err = l.with(ctx, "last", func(db *sql.DB) error {
		var t sql.NullTime
		if err := db.QueryRowContext(ctx, queries.Get("LastJobRun"), job).Scan(&t); err != nil {
			return err
		}
		last, ok = t.Time.UTC(), t.Valid
		return nil
	})
	return last, ok, err
}

// Claim implements Ledger.
func (l *DuckLedger) Claim(ctx context.Context, job string, scheduled, now time.Time) (claimed bool, err error) {
	err = l.with(ctx, "claim", func(db *sql.DB) error {
		n, err := countRows(ctx, db, queries.Get("ClaimJobRun"), job, utc(scheduled), utc(now))
		claimed = n == 1
		return err
	})
	return claimed, err
}

// Finish implements Ledger.
func (l *DuckLedger) Finish(ctx context.Context, job string, scheduled time.Time, status Status, now time.Time, reason string) (done bool, err error) {
	err = l.with(ctx, "finish", func(db *sql.DB) error {
		n, err := countRows(ctx, db, queries.Get("FinishJobRun"), string(status), utc(now), nullString(reason), job, utc(scheduled))
		done = n == 1
		return err
	})
	return done, err
}

// Record implements Ledger. The rows are written in one transaction.
func (l *DuckLedger) Record(ctx context.Context, job string, status Status, times []time.Time, now time.Time, reason string) (recorded []time.Time, err error) {
	if len(times) == 0 {
		return nil, nil
	}
	err = l.with(ctx, "record "+string(status), func(db *sql.DB) (err error) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() {
			if err != nil {
				_ = tx.Rollback() // the error that made us roll back is the one to report
			}
		}()
		var out []time.Time
		for _, t := range times {
			rows, err := tx.QueryContext(ctx, queries.Get("RecordJobRun"), job, utc(t), string(status), utc(now), nullString(reason))
			if err != nil {
				return err
			}
			for rows.Next() {
				var at time.Time
				if err := rows.Scan(&at); err != nil {
					rows.Close()
					return err
				}
				out = append(out, at.UTC())
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		// DuckDB can report a successful commit after a failed statement:
		// check that what was recorded is there.
		for _, t := range out {
			var n int
			if err := db.QueryRowContext(ctx, queries.Get("CountJobRun"), job, t, string(status)).Scan(&n); err != nil {
				return err
			}
			if n != 1 {
				return fmt.Errorf("%s at %s: not in job_runs after commit", job, t.Format(time.RFC3339))
			}
		}
		recorded = out
		return nil
	})
	return recorded, err
}

// Interrupt implements Ledger.
func (l *DuckLedger) Interrupt(ctx context.Context, now time.Time, reason string) (out []Entry, err error) {
	err = l.with(ctx, "interrupt", func(db *sql.DB) error {
		out, err = scanEntries(db.QueryContext(ctx, queries.Get("InterruptJobRuns"), utc(now), reason))
		return err
	})
	sortEntries(out)
	return out, err
}

// List implements Ledger.
func (l *DuckLedger) List(ctx context.Context, job string, limit int) (out []Entry, err error) {
	if limit <= 0 {
		limit = 1 << 31
	}
	err = l.with(ctx, "list", func(db *sql.DB) error {
		out, err = scanEntries(db.QueryContext(ctx, queries.Get("ListJobRuns"), job, job, limit))
		return err
	})
	return out, err
}

// countRows runs a statement with RETURNING and counts the rows it returns.
func countRows(ctx context.Context, db *sql.DB, q string, args ...any) (int, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

func scanEntries(rows *sql.Rows, err error) ([]Entry, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var status string
		var started, finished sql.NullTime
		var msg sql.NullString
		if err := rows.Scan(&e.Job, &e.ScheduledAt, &status, &started, &finished, &msg); err != nil {
			return nil, err
		}
		e.ScheduledAt, e.Status, e.Error = e.ScheduledAt.UTC(), Status(status), msg.String
		if started.Valid {
			e.StartedAt = started.Time.UTC()
		}
		if finished.Valid {
			e.FinishedAt = finished.Time.UTC()
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
