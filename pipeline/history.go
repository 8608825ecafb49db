package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/accordhq/accord/queries"
)

// RunRecord is one run of the history.
type RunRecord struct {
	RunID      int64      `json:"run_id"`
	Job        string     `json:"job"`
	AsOf       string     `json:"as_of"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Status     string     `json:"status"`
	// CarriedFrom is, for a run that found nothing changed (status
	// unchanged), the run whose results and reports it stands for.
	CarriedFrom int64            `json:"carried_from,omitempty"`
	Error       string           `json:"error,omitempty"`
	ReportDir   string           `json:"report_dir,omitempty"`
	Timings     map[string]int64 `json:"timings_ms,omitempty"`
	Rows        int64            `json:"rows_loaded"`
	Rejected    int64            `json:"rows_rejected"`
	Deliveries  []Delivery       `json:"deliveries,omitempty"`
	// ResultsPrunedAt is when history.keep_runs removed the run's results
	// (an unchanged run's: those of the run it carried forward); the
	// record itself stays.
	ResultsPrunedAt *time.Time `json:"results_pruned_at,omitempty"`
	// ResultsReplacedBy is the later run of the same as-of date whose
	// results replaced the run's (0: not replaced).
	ResultsReplacedBy int64 `json:"results_replaced_by,omitempty"`
	// Availability says, for a succeeded run, what each analysis rests on
	// or why it is not available (set by FillAvailability).
	Availability []Availability `json:"availability,omitempty"`
}

// Availability is one analysis of a run: whether it has a result, and what
// it rests on or why not (queries/delivery.sql, RunAvailability).
type Availability struct {
	Analysis  string `json:"analysis"`
	Available bool   `json:"available"`
	Detail    string `json:"detail"`
}

// Delivery is one recipient's e-mail of a run (from the outbox).
type Delivery struct {
	Recipient string    `json:"recipient"`
	MessageID string    `json:"message_id"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	// Journal is set when the status comes from the run's delivery journal:
	// a delivery under way, or one stopped before it recorded its outcomes.
	Journal bool `json:"journal,omitempty"`
}

// Runs lists the latest runs, newest first; job "" means every job.
func Runs(ctx context.Context, db *sql.DB, job string, limit int) ([]RunRecord, error) {
	rows, err := db.QueryContext(ctx, `SELECT r.run_id, r.job, strftime(r.as_of, '%Y-%m-%d'), r.started_at, r.finished_at, r.status,
			coalesce(r.error, ''), coalesce(r.report_dir, ''), coalesce(r.timings, '{}'),
			coalesce((SELECT sum(rows_loaded) FROM run_sources s WHERE s.run_id = coalesce(r.carried_from, r.run_id)),
			         (SELECT sum(rows_loaded) FROM run_inputs i WHERE i.run_id = coalesce(r.carried_from, r.run_id)), 0),
			coalesce((SELECT sum(rows_rejected) FROM run_sources s WHERE s.run_id = coalesce(r.carried_from, r.run_id)),
			         (SELECT sum(rows_rejected) FROM run_inputs i WHERE i.run_id = coalesce(r.carried_from, r.run_id)), 0),
			coalesce(r.carried_from, 0),
			coalesce(r.results_pruned_at, (SELECT c.results_pruned_at FROM runs c WHERE c.run_id = r.carried_from)),
			coalesce(r.results_replaced_by, (SELECT c.results_replaced_by FROM runs c WHERE c.run_id = r.carried_from), 0)
		FROM runs r WHERE ? = '' OR r.job = ? ORDER BY r.run_id DESC LIMIT ?`, job, job, limit)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	defer rows.Close()
	var out []RunRecord
	for rows.Next() {
		var r RunRecord
		var finished, pruned sql.NullTime
		var timings string
		if err := rows.Scan(&r.RunID, &r.Job, &r.AsOf, &r.StartedAt, &finished, &r.Status, &r.Error, &r.ReportDir, &timings, &r.Rows, &r.Rejected, &r.CarriedFrom, &pruned, &r.ResultsReplacedBy); err != nil {
			return nil, fmt.Errorf("runs: %w", err)
		}
		if finished.Valid {
			r.FinishedAt = &finished.Time
		}
		if pruned.Valid {
			r.ResultsPrunedAt = &pruned.Time
		}
		if err := json.Unmarshal([]byte(timings), &r.Timings); err != nil {
			return nil, fmt.Errorf("runs: timings of run %d: %w", r.RunID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// One query for the deliveries of every listed run: runs are listed
	// newest first, so their numbers lie between the last's and the first's.
	byRun, err := deliveries(ctx, db, out[len(out)-1].RunID, out[0].RunID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Deliveries = byRun[out[i].RunID]
	}
	return out, nil
}

// FillAvailability sets the Availability of each succeeded run: a few
// aggregates over the run's result tables each, so only a reader that
// shows them (`accord runs --json`) asks.
func FillAvailability(ctx context.Context, db *sql.DB, runs []RunRecord) error {
	for i := range runs {
		// A pruned run's availability would read its removed results as
		// nothing computed: it has none to show.
		if runs[i].Status != "succeeded" || runs[i].ResultsPrunedAt != nil || runs[i].ResultsReplacedBy != 0 {
			continue
		}
		var err error
		if runs[i].Availability, err = availability(ctx, db, runs[i].RunID); err != nil {
			return err
		}
	}
	return nil
}

// availability is what run computed and what it could not.
func availability(ctx context.Context, db *sql.DB, run int64) ([]Availability, error) {
	rows, err := db.QueryContext(ctx, queries.Get("RunAvailability"), run)
	if err != nil {
		return nil, fmt.Errorf("runs: availability of run %d: %w", run, err)
	}
	defer rows.Close()
	var out []Availability
	for rows.Next() {
		var a Availability
		if err := rows.Scan(&a.Analysis, &a.Available, &a.Detail); err != nil {
			return nil, fmt.Errorf("runs: availability of run %d: %w", run, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// deliveries are the outbox rows of runs first to last, by run.
func deliveries(ctx context.Context, db *sql.DB, first, last int64) (map[int64][]Delivery, error) {
	rows, err := db.QueryContext(ctx, queries.Get("OutboxList"), first, last)
	if err != nil {
		return nil, fmt.Errorf("runs: deliveries: %w", err)
	}
	defer rows.Close()
	out := map[int64][]Delivery{}
	for rows.Next() {
		var d Delivery
		var run int64
		var job string
		if err := rows.Scan(&run, &job, &d.Recipient, &d.MessageID, &d.Status, &d.Attempts, &d.Error, &d.UpdatedAt); err != nil {
			return nil, fmt.Errorf("runs: deliveries: %w", err)
		}
		out[run] = append(out[run], d)
	}
	return out, rows.Err()
}

// refreshLater recomputes, in the run's transaction, the previous values,
// tier stability and movers of the runs of later as-of dates (up to 8, the
// stability window), so history comes from the latest earlier as-of date
// whatever order the runs happened in: a backfill of 11-23 after 11-30 gives
// 11-30 the movers it would have had. Each later date whose movers changed
// is logged and noted in the run's summary (its report folder was written
// before and is refreshed by rerunning that date).
func (r *Runner) refreshLater(ctx context.Context, tx *sql.Tx, res *Result) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT run_id, strftime(as_of, '%Y-%m-%d') FROM customer_value
		WHERE as_of > ? ORDER BY 2 LIMIT 8`, res.AsOf)
	if err != nil {
		return fmt.Errorf("run: later dates: %w", err)
	}
	type later struct {
		run  int64
		asOf string
	}
	var dates []later
	for rows.Next() {
		var l later
		if err := rows.Scan(&l.run, &l.asOf); err != nil {
			rows.Close()
			return fmt.Errorf("run: later dates: %w", err)
		}
		dates = append(dates, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("run: later dates: %w", err)
	}
	if len(dates) == 0 {
		return nil
	}
	exec := func(q string, args ...any) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("run: refresh later history: %w", err)
		}
		return nil
	}
	for _, l := range dates {
		digest := func() (string, error) {
			var d string
			err := tx.QueryRowContext(ctx, `SELECT count(*) || ':' || coalesce(string_agg(customer_id || '/' || coalesce(previous_tier, '') || '/' || tier, ',' ORDER BY customer_id), '')
				FROM movers WHERE run_id = ?`, l.run).Scan(&d)
			return d, err
		}
		before, err := digest()
		if err != nil {
			return fmt.Errorf("run: refresh later history: %w", err)
		}
		var n0 int64
		_ = tx.QueryRowContext(ctx, `SELECT count(*) FROM movers WHERE run_id = ?`, l.run).Scan(&n0)
		if err := exec(fmt.Sprintf("SET VARIABLE as_of = DATE '%s'", l.asOf)); err != nil {
			return err
		}
		if err := exec(fmt.Sprintf("SET VARIABLE run_id = %d", l.run)); err != nil {
			return err
		}
		if err := exec(`DELETE FROM movers WHERE run_id = ?`, l.run); err != nil {
			return err
		}
		if err := exec(queries.Get("CompareWithPrevious")); err != nil {
			return err
		}
		if err := exec(queries.Get("InsertMovers")); err != nil {
			return err
		}
		after, err := digest()
		if err != nil {
			return fmt.Errorf("run: refresh later history: %w", err)
		}
		if after != before {
			var n1 int64
			_ = tx.QueryRowContext(ctx, `SELECT count(*) FROM movers WHERE run_id = ?`, l.run).Scan(&n1)
			note := fmt.Sprintf("this run changes the history of %s (run %d): its movers are now %d (were %d), against the latest earlier as-of date; rerun --as-of %s to refresh its reports",
				l.asOf, l.run, n1, n0, l.asOf)
			r.Logger.Info("later history recomputed", "run_id", res.RunID, "later_as_of", l.asOf, "later_run", l.run, "movers_before", n0, "movers_after", n1)
			res.Notes = append(res.Notes, note)
		}
	}
	// Back to this run's own date for the statements after.
	if err := exec(fmt.Sprintf("SET VARIABLE as_of = DATE '%s'", res.AsOf.Format(time.DateOnly))); err != nil {
		return err
	}
	return exec(fmt.Sprintf("SET VARIABLE run_id = %d", res.RunID))
}

// HistorySnapshot is the run history as of a moment, written beside the
// database (SnapshotPath) whenever a run starts or ends, so readers can
// show it while a run holds the database (DuckDB lets one process open the
// file, so `accord runs` cannot read it then).
type HistorySnapshot struct {
	WrittenAt time.Time   `json:"written_at"`
	Runs      []RunRecord `json:"runs"`
}

// SnapshotPath is where the history snapshot of the database at dbPath is.
func SnapshotPath(dbPath string) string { return dbPath + ".history.json" }

// historySnapshotRuns is how many runs, newest first, a snapshot holds.
const historySnapshotRuns = 50

// writeHistorySnapshot writes the snapshot under a temporary name and
// renames it, so a reader never sees half of one.
func writeHistorySnapshot(ctx context.Context, db *sql.DB, dbPath string, now time.Time) error {
	runs, err := Runs(ctx, db, "", historySnapshotRuns)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(HistorySnapshot{WrittenAt: now.UTC(), Runs: runs}, "", "  ")
	if err != nil {
		return fmt.Errorf("history snapshot: %w", err)
	}
	path := SnapshotPath(dbPath)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return fmt.Errorf("history snapshot: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("history snapshot: %w", err)
	}
	return nil
}

// ReadHistorySnapshot reads the snapshot beside the database at dbPath.
func ReadHistorySnapshot(dbPath string) (*HistorySnapshot, error) {
	raw, err := os.ReadFile(SnapshotPath(dbPath))
	if err != nil {
		return nil, fmt.Errorf("history snapshot: %w", err)
	}
	var s HistorySnapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("history snapshot %s: %w", SnapshotPath(dbPath), err)
	}
	return &s, nil
}

// Busy describes, from the snapshot, the run holding the database: which
// run, since when, and when it should end by the last succeeded run's
// length. "" when the snapshot shows no running run.
func (s *HistorySnapshot) Busy() string {
	var running, last *RunRecord
	for i := range s.Runs {
		r := &s.Runs[i]
		if r.Status == "running" && running == nil {
			running = r
		}
		if r.Status == "succeeded" && last == nil && r.FinishedAt != nil {
			last = r
		}
	}
	if running == nil {
		return ""
	}
	msg := fmt.Sprintf("run %d (as of %s) has been writing since %s UTC", running.RunID, running.AsOf, running.StartedAt.UTC().Format("2006-01-02 15:04:05"))
	if last != nil {
		took := last.FinishedAt.Sub(last.StartedAt).Round(time.Second)
		msg += fmt.Sprintf("; the last run took %s, so it should end about %s UTC", took, running.StartedAt.Add(took).UTC().Format("15:04:05"))
	}
	return msg
}

// UnsentAlert is an alert to a job's owner that did not reach the mail
// server (schedule_alerts).
type UnsentAlert struct {
	At      time.Time `json:"at"`
	Job     string    `json:"job"`
	Owner   string    `json:"owner"`
	Subject string    `json:"subject"`
	Error   string    `json:"error"`
}

// RecordScheduleAlert keeps what became of an alert the scheduler sent.
func RecordScheduleAlert(ctx context.Context, db *sql.DB, at time.Time, job, owner, subject string, sendErr error) error {
	status, msg := "sent", ""
	if sendErr != nil {
		status, msg = "failed", Printable(sendErr.Error())
	}
	if _, err := db.ExecContext(ctx, queries.Get("RecordScheduleAlert"), at.UTC(), job, owner, subject, status, nullIfEmpty(msg)); err != nil {
		return fmt.Errorf("record alert: %w", err)
	}
	return nil
}

// UnsentAlerts lists the latest alerts that could not be sent; job ""
// means every job.
func UnsentAlerts(ctx context.Context, db *sql.DB, job string, limit int) ([]UnsentAlert, error) {
	rows, err := db.QueryContext(ctx, queries.Get("UnsentScheduleAlerts"), job, job, limit)
	if err != nil {
		return nil, fmt.Errorf("unsent alerts: %w", err)
	}
	defer rows.Close()
	var out []UnsentAlert
	for rows.Next() {
		var a UnsentAlert
		if err := rows.Scan(&a.At, &a.Job, &a.Owner, &a.Subject, &a.Error); err != nil {
			return nil, fmt.Errorf("unsent alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
