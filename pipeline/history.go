package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
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
	return out, rows.Err()
}
