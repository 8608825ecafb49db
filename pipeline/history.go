package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/accordhq/accord/queries"
)

// RunRecord is one run of the history.
type RunRecord struct {
	RunID      int64            `json:"run_id"`
	Job        string           `json:"job"`
	AsOf       string           `json:"as_of"`
	StartedAt  time.Time        `json:"started_at"`
	FinishedAt *time.Time       `json:"finished_at,omitempty"`
	Status     string           `json:"status"`
	Error      string           `json:"error,omitempty"`
	ReportDir  string           `json:"report_dir,omitempty"`
	Timings    map[string]int64 `json:"timings_ms,omitempty"`
	Rows       int64            `json:"rows_loaded"`
	Rejected   int64            `json:"rows_rejected"`
	Deliveries []Delivery       `json:"deliveries,omitempty"`
}

// Delivery is one recipient's e-mail of a run (from the outbox).
type Delivery struct {
	Recipient string    `json:"recipient"`
	MessageID string    `json:"message_id"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Runs lists the latest runs, newest first; job "" means every job.
func Runs(ctx context.Context, db *sql.DB, job string, limit int) ([]RunRecord, error) {
	rows, err := db.QueryContext(ctx, `SELECT r.run_id, r.job, strftime(r.as_of, '%Y-%m-%d'), r.started_at, r.finished_at, r.status,
			coalesce(r.error, ''), coalesce(r.report_dir, ''), coalesce(r.timings, '{}'),
			coalesce((SELECT sum(rows_loaded) FROM run_inputs i WHERE i.run_id = r.run_id), 0),
			coalesce((SELECT sum(rows_rejected) FROM run_inputs i WHERE i.run_id = r.run_id), 0)
		FROM runs r WHERE ? = '' OR r.job = ? ORDER BY r.run_id DESC LIMIT ?`, job, job, limit)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	defer rows.Close()
	var out []RunRecord
	for rows.Next() {
		var r RunRecord
		var finished sql.NullTime
		var timings string
		if err := rows.Scan(&r.RunID, &r.Job, &r.AsOf, &r.StartedAt, &finished, &r.Status, &r.Error, &r.ReportDir, &timings, &r.Rows, &r.Rejected); err != nil {
			return nil, fmt.Errorf("runs: %w", err)
		}
		if finished.Valid {
			r.FinishedAt = &finished.Time
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
