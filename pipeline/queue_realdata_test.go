package pipeline

import (
	"database/sql"
	"math"
	"testing"
	"time"
)

// The helpdesk event log at an as-of date inside its data, where tickets
// are open and many have no severity: the service queue crashed here with
// "More than one row returned by a subquery" (a data NULL severity looked
// like GROUPING SETS' rolled-up row). The queue is checked against an
// independent computation in Go over the loaded tickets: which tickets are
// open at the end of the day, and each one's estimated hours (mean effort
// of tickets closed by then and opened in the 12 months before, of the same
// category and severity, else the same category, else all).
func TestRealExportHelpdeskServiceQueueInsideTheData(t *testing.T) {
	requireRealData(t)
	asOf := time.Date(2014, 2, 1, 0, 0, 0, 0, time.UTC)
	store, res, err := runAt(t, "../config/examples/helpdesk-tickets.yaml", asOf)
	if err != nil {
		t.Fatalf("run as of 2014-02-01: %v", err)
	}
	if open := assertQueueAgainstGo(t, store, res.RunID, asOf); open.withoutSeverity == 0 {
		t.Fatalf("fixture no longer exercises the case: %d open tickets, none without severity", open.tickets)
	}
}

// openCount is how many tickets were open at the end of the as-of day.
type openCount struct{ tickets, withoutSeverity int }

// assertQueueAgainstGo checks a run's service queue against the loaded
// tickets, recomputed in Go: the open tickets and each one's estimate.
func assertQueueAgainstGo(t *testing.T, store *Store, runID int64, asOf time.Time) openCount {
	t.Helper()

	type ticket struct {
		id, category string
		severity     sql.NullString
		opened       time.Time
		closed       sql.NullTime
		effort       sql.NullFloat64
	}
	rows, err := store.DB.Query(`SELECT ticket_id, category, severity, opened_at, closed_at, effort_hours FROM tickets`)
	if err != nil {
		t.Fatal(err)
	}
	var all []ticket
	for rows.Next() {
		var tk ticket
		if err := rows.Scan(&tk.id, &tk.category, &tk.severity, &tk.opened, &tk.closed, &tk.effort); err != nil {
			t.Fatal(err)
		}
		all = append(all, tk)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	dayEnd := asOf.AddDate(0, 0, 1)
	type acc struct{ sum, n float64 }
	bySev, byCat := map[[2]string]*acc{}, map[string]*acc{}
	var total acc
	add := func(a *acc, v float64) { a.sum += v; a.n++ }
	open := map[string]ticket{}
	noSeverity := 0
	for _, tk := range all {
		if tk.opened.Before(dayEnd) && (!tk.closed.Valid || !tk.closed.Time.Before(dayEnd)) {
			open[tk.id] = tk
			if !tk.severity.Valid {
				noSeverity++
			}
		}
		if !tk.closed.Valid || !tk.closed.Time.Before(dayEnd) || !tk.opened.After(asOf.AddDate(-1, 0, 0).Add(24*time.Hour-time.Nanosecond)) || !tk.effort.Valid {
			continue
		}
		if tk.severity.Valid {
			k := [2]string{tk.category, tk.severity.String}
			if bySev[k] == nil {
				bySev[k] = &acc{}
			}
			add(bySev[k], tk.effort.Float64)
		}
		if byCat[tk.category] == nil {
			byCat[tk.category] = &acc{}
		}
		add(byCat[tk.category], tk.effort.Float64)
		add(&total, tk.effort.Float64)
	}
	q, err := store.DB.Query(`SELECT ticket_id, estimated_hours FROM service_queue WHERE run_id = ?`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	seen := 0
	for q.Next() {
		var id string
		var est sql.NullFloat64
		if err := q.Scan(&id, &est); err != nil {
			t.Fatal(err)
		}
		tk, ok := open[id]
		if !ok {
			t.Errorf("ticket %s is queued but was not open at the end of %s", id, asOf.Format(time.DateOnly))
			continue
		}
		seen++
		want := math.NaN()
		switch a := bySev[[2]string{tk.category, tk.severity.String}]; {
		case tk.severity.Valid && a != nil:
			want = a.sum / a.n
		case byCat[tk.category] != nil:
			want = byCat[tk.category].sum / byCat[tk.category].n
		case total.n > 0:
			want = total.sum / total.n
		}
		if math.IsNaN(want) != !est.Valid || (est.Valid && math.Abs(est.Float64-want) > 1e-9) {
			t.Errorf("ticket %s (%s, severity %v): estimated %v hours, want %v", id, tk.category, tk.severity, est, want)
		}
	}
	if seen != len(open) {
		t.Errorf("queue holds %d tickets, %d were open", seen, len(open))
	}
	return openCount{len(open), noSeverity}
}
