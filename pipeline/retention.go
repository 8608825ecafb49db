package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// prunedTables hold a run's results, keyed by its run id, and are emptied
// of the runs history.keep_runs removes. runs, run_inputs, run_sources and
// the outbox are not: they are the audit trail (status, error, timings, the
// files read, whom it mailed), a few rows per run.
var prunedTables = append(append([]string{}, resultTables...), "orphans", "rejects")

// pruneHistory removes, in the run's transaction tx (after the run is
// marked succeeded in it, before the commit), the results of the runs
// past cfg's history.keep_runs (queries/retention.sql). It returns how many
// runs it marked, and how many past keep_runs it kept for mail not yet
// sent. Rows of every run marked are deleted, including any an earlier,
// interrupted version left, so the tables hold no pruned run's rows.
func pruneHistory(ctx context.Context, tx *sql.Tx, cfg *config.Config, runID int64, now time.Time) (marked, heldForMail int, err error) {
	rows, err := tx.QueryContext(ctx, queries.Get("MarkPrunedRuns"), cfg.History.Runs(), runID, now.UTC())
	if err != nil {
		return 0, 0, fmt.Errorf("run: prune history: %w", err)
	}
	for rows.Next() {
		marked++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("run: prune history: %w", err)
	}
	if _, err := tx.ExecContext(ctx, queries.Get("MarkPrunedCarried"), now.UTC()); err != nil {
		return 0, 0, fmt.Errorf("run: prune history: carried runs: %w", err)
	}
	if err := tx.QueryRowContext(ctx, queries.Get("HeldForMail"), cfg.History.Runs(), runID).Scan(&heldForMail); err != nil {
		return 0, 0, fmt.Errorf("run: prune history: runs held for mail: %w", err)
	}
	if marked == 0 {
		return 0, heldForMail, nil
	}
	for _, t := range prunedTables {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE run_id IN (SELECT run_id FROM runs WHERE results_pruned_at IS NOT NULL)"); err != nil {
			return 0, 0, fmt.Errorf("run: prune history: %s: %w", t, err)
		}
	}
	return marked, heldForMail, nil
}

// ResultsRemovedError is the error of a reader asked for a run whose
// results history.keep_runs removed.
type ResultsRemovedError struct {
	RunID int64 // the run asked for
	AsOf  string
	// ResultsRun is the run whose results were removed: RunID, or the run
	// an unchanged RunID carried forward.
	ResultsRun int64
	// At is when history.keep_runs removed them; zero when ReplacedBy, the
	// later run of the same as-of date, replaced them instead.
	At         time.Time
	ReplacedBy int64
}

// ErrResultsRemoved is what a ResultsRemovedError is.
var ErrResultsRemoved = errors.New("results removed by history.keep_runs")

func (e *ResultsRemovedError) Error() string {
	var b strings.Builder
	if e.At.IsZero() {
		fmt.Fprintf(&b, "run %d (as of %s): its results were replaced by those of run %d, a later run of the same as-of date", e.RunID, e.AsOf, e.ReplacedBy)
		if e.ResultsRun != e.RunID {
			fmt.Fprintf(&b, " (it stood for the results of run %d)", e.ResultsRun)
		}
		fmt.Fprintf(&b, "; read or deliver run %d", e.ReplacedBy)
		return b.String()
	}
	fmt.Fprintf(&b, "run %d (as of %s): its results were removed by history.keep_runs on %s UTC", e.RunID, e.AsOf, e.At.UTC().Format("2006-01-02 15:04"))
	if e.ResultsRun != e.RunID {
		fmt.Fprintf(&b, " (it stood for the results of run %d)", e.ResultsRun)
	}
	b.WriteString("; the database keeps the results of the newest history.keep_runs as-of dates, and the run's record in `accord runs`")
	return b.String()
}

func (e *ResultsRemovedError) Unwrap() error {
	if e.At.IsZero() {
		return ErrResultsReplaced
	}
	return ErrResultsRemoved
}

// ErrResultsReplaced is what a ResultsRemovedError of a run whose results a
// later run of its as-of date replaced is.
var ErrResultsReplaced = errors.New("results replaced by a later run of the same as-of date")

// ResultsRemoved returns a *ResultsRemovedError when run's results were
// removed by history.keep_runs, else nil.
func ResultsRemoved(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, run int64) error {
	e := &ResultsRemovedError{}
	var at sql.NullTime
	var by sql.NullInt64
	err := q.QueryRowContext(ctx, queries.Get("ResultsRemoved"), run).Scan(&e.RunID, &e.AsOf, &e.ResultsRun, &at, &by)
	e.At, e.ReplacedBy = at.Time, by.Int64
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("results of run %d: %w", run, err)
	}
	return e
}
