package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/accordhq/accord/config"
)

// FutureDates counts a column's values after the run's as-of date: a
// data-quality warning (a typo'd year, a clock set wrong), not a reject;
// the rows load.
type FutureDates struct {
	Source, Column string
	Rows           int64
	Latest         string // the latest such date, YYYY-MM-DD
}

// notEvents are date columns whose values lie ahead by nature.
var notEvents = map[string]bool{"due_at": true, "supported_until": true}

// eventColumns are the columns saying when something happened; a run whose
// as-of date precedes every one of them has no data to score.
var eventColumns = map[string]string{
	"activities": "occurred_at", "surveys": "answered_at", "billing_lines": "issued_at",
	"ar_invoices": "issued_at", "ar_payments": "paid_at", "tickets": "opened_at",
}

// BeforeDataError reports an as-of date earlier than every dated row: the
// run would score everyone from nothing and publish full tiers.
type BeforeDataError struct {
	AsOf                     time.Time
	Earliest, Source, Column string
}

func (e *BeforeDataError) Error() string {
	return fmt.Sprintf("as-of %s is before any data: the earliest event in the inputs is %s (%s.%s); run with a later --as-of",
		e.AsOf.Format(time.DateOnly), e.Earliest, e.Source, e.Column)
}

// checkDates fails a run whose as-of date precedes all its events, and
// counts, per source and column, the dates after the as-of date. Failing
// (rather than marking results not available) is the choice: no analysis
// of such a run holds anything, and a failed run keeps the last good data
// and reports in place with the reason.
func checkDates(ctx context.Context, conn *sql.Conn, sources []SourceLoad, asOf time.Time) ([]FutureDates, error) {
	var out []FutureDates
	var events, onOrBefore int64
	var earliest BeforeDataError
	for _, s := range sources {
		table, _ := config.CanonicalTable(s.Source)
		for _, c := range table.Columns {
			if (c.Type != config.Date && c.Type != config.Timestamp) || notEvents[c.Name] {
				continue
			}
			d := "CAST(" + quoteIdent(c.Name) + " AS DATE)"
			var n, before, total int64
			var latest, first sql.NullString
			q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE %[1]s > ?), CAST(max(%[1]s) FILTER (WHERE %[1]s > ?) AS VARCHAR),
				count(*) FILTER (WHERE %[1]s <= ?), count(%[1]s), CAST(min(%[1]s) AS VARCHAR) FROM %[2]s`, d, rowsOf(s))
			if err := conn.QueryRowContext(ctx, q, asOf, asOf, asOf).Scan(&n, &latest, &before, &total, &first); err != nil {
				return nil, fmt.Errorf("run: check dates of %s.%s: %w", s.Source, c.Name, err)
			}
			if n > 0 {
				out = append(out, FutureDates{Source: s.Source, Column: c.Name, Rows: n, Latest: latest.String})
			}
			if eventColumns[s.Source] == c.Name && total > 0 {
				events += total
				onOrBefore += before
				if earliest.Earliest == "" || first.String < earliest.Earliest {
					earliest = BeforeDataError{Earliest: first.String, Source: s.Source, Column: c.Name}
				}
			}
		}
	}
	if events > 0 && onOrBefore == 0 {
		earliest.AsOf = asOf
		return out, &earliest
	}
	return out, nil
}

// rowsOf is the table holding the rows a run loads for source s: its staged
// table, or, for a source kept as it was, its canonical table (the checks
// that depend on the as-of date read it there, as a full load would have
// read the same rows staged).
func rowsOf(s SourceLoad) string {
	if s.KeptFrom != 0 {
		return s.Source
	}
	return stagedTable(s.Source)
}
