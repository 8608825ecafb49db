package reports

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sheetSpec is one data sheet of the workbook: its columns with their
// headers, the query that reads its rows in order, and the query that
// counts them (both with args). Most sheets show one result table; Trend
// and Reconciliation are composed from several.
type sheetSpec struct {
	name    string // what the sheet shows, for error messages
	sheet   string
	columns []column
	headers []string
	query   string
	args    []any
	count   string
	// countArgs are count's arguments; args when nil.
	countArgs []any
}

// workbookOrder is the order of the data sheets after Summary. Every name
// is either a result table's sheet or one composed below.
var workbookOrder = []string{
	"Customers", "Contributions", "Model", "Evidence", "Movers", "Trend", "Drain", "Hot-spots", "Repeat failures", "Unsupported", "Aging",
	"Receivables KPIs", "Reconciliation", "Service queue", "Orphans", "Reject counts", "Rejects",
}

// Sheets composed from more than one table or row.
const (
	trendSheet          = "Trend"
	reconciliationSheet = "Reconciliation"
	// trendDates is how many as-of dates the Trend sheet shows at most.
	trendDates = 8
)

// sheetSpec is a result table's own sheet, within the scope.
func (t resultTable) sheetSpec(sc scope, l labels, runID int64) sheetSpec {
	h := make([]string, len(t.columns))
	for i, c := range t.columns {
		h[i] = l.get("col." + c.name)
	}
	return sheetSpec{name: t.name, sheet: t.sheet, columns: t.columns, headers: h,
		query: t.readSQL(sc, runID), count: t.countSQL(sc, runID), args: []any{runID}}
}

// workbookSheets lists the data sheets of a workbook in this scope, in
// workbookOrder: a filtered report has no Orphans, Reject counts or Rejects sheet.
func workbookSheets(ctx context.Context, q queryer, sc scope, runID int64, l labels) ([]sheetSpec, error) {
	var out []sheetSpec
	for _, name := range workbookOrder {
		switch name {
		case trendSheet:
			s, err := trendSpec(ctx, q, sc, runID, l)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		case reconciliationSheet:
			out = append(out, reconciliationSpec(sc, runID, l))
		default:
			i := slices.IndexFunc(resultTables, func(t resultTable) bool { return t.sheet == name })
			if i < 0 {
				panic("reports: no result table for sheet " + name)
			}
			if t := resultTables[i]; sc.shows(t) {
				out = append(out, t.sheetSpec(sc, l, runID))
			}
		}
	}
	return out, nil
}

// trendAsOf is one as-of date of the Trend sheet and the run it is read from.
type trendAsOf struct {
	asOf  time.Time
	runID int64
}

// trendRuns picks the Trend sheet's dates: the run's own as-of date and up
// to trendDates-1 earlier ones, each read from its latest run (the highest
// run id with customer_value rows for that date); oldest first. Later
// as-of dates are not shown: the sheet is the history up to the run.
func trendRuns(ctx context.Context, q queryer, runID int64) ([]trendAsOf, error) {
	rows, err := q.QueryContext(ctx, `
		WITH this AS (SELECT max(as_of) AS as_of FROM customer_value WHERE run_id = $1)
		SELECT as_of, run_id FROM (
			SELECT as_of, CAST($1 AS BIGINT) AS run_id FROM this
			UNION ALL
			SELECT cv.as_of, max(cv.run_id) FROM customer_value cv, this
			WHERE cv.as_of < this.as_of GROUP BY cv.as_of
		) ORDER BY as_of DESC LIMIT `+strconv.Itoa(trendDates), runID)
	if err != nil {
		return nil, fmt.Errorf("reports: trend dates: %w", err)
	}
	defer rows.Close()
	var out []trendAsOf
	for rows.Next() {
		var t trendAsOf
		if err := rows.Scan(&t.asOf, &t.runID); err != nil {
			return nil, fmt.Errorf("reports: trend dates: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: trend dates: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

// trendSpec is the Trend sheet: one row per customer of the run (in the
// scope), in the Customers sheet's order, with its tier now and its score
// on each of the trendRuns dates (empty where it was not scored then).
// History is read for the customers shown only.
func trendSpec(ctx context.Context, q queryer, sc scope, runID int64, l labels) (sheetSpec, error) {
	runs, err := trendRuns(ctx, q, runID)
	if err != nil {
		return sheetSpec{}, err
	}
	s := sheetSpec{
		name: "trend", sheet: trendSheet,
		columns: []column{{"customer_id", kindText}, {"name", kindText}, {"tier", kindText}},
		headers: []string{l.get("col.customer_id"), l.get("col.name"), l.get("col.tier")},
		args:    []any{runID},
	}
	cur := sc.rel("customer_value", perCustomer)
	sel := []string{`"customer_value".customer_id`, `"customer_value".name`, `"customer_value".tier`}
	var joins []string
	for i, r := range runs {
		alias := "h" + strconv.Itoa(i)
		s.columns = append(s.columns, column{"score", kindScore})
		s.headers = append(s.headers, l.getf("trend.score_on", r.asOf.Format(time.DateOnly)))
		s.args = append(s.args, r.runID)
		sel = append(sel, alias+".score")
		joins = append(joins, fmt.Sprintf(`LEFT JOIN customer_value %[1]s ON %[1]s.run_id = $%[2]d AND %[1]s.customer_id = "customer_value".customer_id`,
			alias, i+2))
	}
	s.query = fmt.Sprintf(`SELECT %s FROM %s %s WHERE "customer_value".run_id = $1
		ORDER BY "customer_value".rank NULLS LAST, "customer_value".customer_id`,
		strings.Join(sel, ", "), cur, strings.Join(joins, " "))
	s.count = fmt.Sprintf("SELECT count(*) FROM %s WHERE run_id = $1", cur)
	s.countArgs = []any{runID}
	return s, nil
}

// reconciliationSpec is the Reconciliation sheet: the control totals, one
// row per check, then every exception, in one table so one autofilter
// covers both. Totals rows carry total A and B in the amount columns, the
// difference, the exception count, the explained sum and whether the check
// ties; exception rows carry kind, key, customer and amounts. In a
// filtered report the totals (company-wide money) are left out and only
// the exceptions of the customers shown are listed.
func reconciliationSpec(sc scope, runID int64, l labels) sheetSpec {
	cols := []column{
		{"record", kindText}, {"check_name", kindText}, {"kind", kindText}, {"key", kindText}, {"customer_id", kindText},
		{"amount_a", kindMoney}, {"amount_b", kindMoney}, {"difference", kindMoney},
		{"exceptions", kindInt}, {"explained", kindMoney}, {"ties", kindBool}, {"not_checked", kindText},
	}
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = l.get("col." + c.name)
	}
	exceptions := sc.rel("reconciliation_exceptions", perCustomer)
	parts := []string{fmt.Sprintf(`SELECT 1 AS part, %s AS record, check_name, kind, "key", customer_id,
			CAST(amount_a AS VARCHAR) AS amount_a, CAST(amount_b AS VARCHAR) AS amount_b,
			CAST(difference AS VARCHAR) AS difference, CAST(NULL AS BIGINT) AS exceptions,
			CAST(NULL AS VARCHAR) AS explained, CAST(NULL AS BOOLEAN) AS ties, CAST(NULL AS VARCHAR) AS not_checked,
			difference AS sort_difference
		FROM %s WHERE run_id = $1`, sqlString(l.get("recon.exception")), exceptions)}
	counts := []string{fmt.Sprintf("(SELECT count(*) FROM %s WHERE run_id = $1)", exceptions)}
	if sc.shows(tableNamed("reconciliation_totals")) {
		parts = append([]string{fmt.Sprintf(`SELECT 0 AS part, %s AS record, check_name, CAST(NULL AS VARCHAR) AS kind,
			CAST(NULL AS VARCHAR) AS "key", CAST(NULL AS VARCHAR) AS customer_id,
			CASE WHEN not_checked IS NULL THEN CAST(total_a AS VARCHAR) END AS amount_a,
			CASE WHEN not_checked IS NULL THEN CAST(total_b AS VARCHAR) END AS amount_b,
			CASE WHEN not_checked IS NULL THEN CAST(difference AS VARCHAR) END AS difference,
			CASE WHEN not_checked IS NULL THEN exceptions END AS exceptions,
			CASE WHEN not_checked IS NULL THEN CAST(explained AS VARCHAR) END AS explained, ties,
			not_checked, difference AS sort_difference
		FROM reconciliation_totals WHERE run_id = $1`, sqlString(l.get("recon.total")))}, parts...)
		counts = append(counts, "(SELECT count(*) FROM reconciliation_totals WHERE run_id = $1)")
	}
	query := fmt.Sprintf(`SELECT record, check_name, kind, "key", customer_id, amount_a, amount_b, difference,
			exceptions, explained, ties, not_checked
		FROM (%s)
		ORDER BY part, check_name, kind NULLS FIRST, "key" NULLS FIRST, customer_id NULLS LAST, sort_difference`,
		strings.Join(parts, " UNION ALL "))
	return sheetSpec{name: "reconciliation", sheet: reconciliationSheet, columns: cols, headers: h,
		query: query, count: "SELECT " + strings.Join(counts, " + "), args: []any{runID}}
}
