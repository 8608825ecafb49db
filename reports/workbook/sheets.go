package workbook

import (
	"github.com/accordhq/accord/reports/brief"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tableSheet is one data sheet of the workbook: its columns with their
// headers, the query that reads its rows in order, and the query that
// counts them (both with args). Most sheets show one result table; Trend
// and Reconciliation are composed from several.
type sheetSpec struct {
	name    string // what the sheet shows, for error messages
	sheet   string
	columns []snapshot.Column
	headers []string
	query   string
	args    []any
	count   string
	// countArgs are count's and fixed's arguments; args when nil.
	countArgs []any
	// limit, when above 0, caps the sheet: query reads the fixed rows and
	// at most limit others (it ends in LIMIT), and the Summary says, with
	// capNote, how many of how many it shows and that dataTable's data
	// files hold them all.
	limit     int
	dataTable string
	capNote   string
	// fixed counts the leading rows the cap leaves whole (Reconciliation's
	// control totals, which must tie); empty when there are none.
	fixed string
	// show, for a text column's index, turns the stored value into what
	// the sheet shows (Evidence: a metric key into its name).
	show map[int]func(string) string
}

// capped makes s show at most limit of its rows, the first ones in its
// order, and point at table's data files for the rest. query must end in
// its ORDER BY.
func (s *sheetSpec) capped(limit int, table, note string) {
	s.limit, s.dataTable, s.capNote = limit, table, note
	s.query += " LIMIT " + strconv.Itoa(limit)
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
	evidenceSheet       = "Evidence"
	// trendDates is how many as-of dates the Trend sheet shows at most.
	trendDates = 8
)

// tableSheet is a result table's own sheet, within the scope; a table that
// grows with the data shows its first limit rows.
func tableSheet(t snapshot.ResultTable, sc snapshot.Scope, l texts.Labels, runID int64, limit int) sheetSpec {
	h := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		h[i] = l.Get("col." + c.Name)
	}
	s := sheetSpec{name: t.Name, sheet: t.Sheet, columns: t.Columns, headers: h,
		query: t.ReadSQL(sc, runID), count: t.CountSQL(sc, runID), args: []any{runID}}
	if t.Grows {
		s.capped(limit, t.Name, "xlsx.capped")
	}
	return s
}

// workbookSheets lists the data sheets of a workbook in this scope, in
// workbookOrder: a filtered report has no Orphans, Reject counts or Rejects
// sheet. Sheets of tables that grow with the data show their first limit
// rows.
func workbookSheets(ctx context.Context, q snapshot.Queryer, sc snapshot.Scope, runID int64, l texts.Labels, limit int) ([]sheetSpec, error) {
	var out []sheetSpec
	for _, name := range workbookOrder {
		switch name {
		case trendSheet:
			s, err := trendSpec(ctx, q, sc, runID, l, limit)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		case reconciliationSheet:
			out = append(out, reconciliationSpec(sc, runID, l, limit))
		case evidenceSheet:
			out = append(out, evidenceSpec(sc, runID, l, limit))
		default:
			i := slices.IndexFunc(snapshot.ResultTables, func(t snapshot.ResultTable) bool { return t.Sheet == name })
			if i < 0 {
				panic("reports: no result table for sheet " + name)
			}
			if t := snapshot.ResultTables[i]; sc.Shows(t) {
				out = append(out, tableSheet(t, sc, l, runID, limit))
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
func trendRuns(ctx context.Context, q snapshot.Queryer, runID int64) ([]trendAsOf, error) {
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
// History is read for the customers shown only; like Customers, it shows
// the first limit of them.
func trendSpec(ctx context.Context, q snapshot.Queryer, sc snapshot.Scope, runID int64, l texts.Labels, limit int) (sheetSpec, error) {
	runs, err := trendRuns(ctx, q, runID)
	if err != nil {
		return sheetSpec{}, err
	}
	s := sheetSpec{
		name: "trend", sheet: trendSheet,
		columns: []snapshot.Column{{Name: "customer_id", Kind: snapshot.KindText}, {Name: "name", Kind: snapshot.KindText}, {Name: "tier", Kind: snapshot.KindText}},
		headers: []string{l.Get("col.customer_id"), l.Get("col.name"), l.Get("col.tier")},
		args:    []any{runID},
	}
	cur := sc.Rel("customer_value", snapshot.PerCustomer)
	sel := []string{`"customer_value".customer_id`, `"customer_value".name`, `"customer_value".tier`}
	var joins []string
	for i, r := range runs {
		alias := "h" + strconv.Itoa(i)
		s.columns = append(s.columns, snapshot.Column{Name: "score", Kind: snapshot.KindScore})
		s.headers = append(s.headers, l.Getf("trend.score_on", r.asOf.Format(time.DateOnly)))
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
	s.capped(limit, "customer_value", "xlsx.capped_trend")
	return s, nil
}

// evidenceSpec is the Evidence sheet: model_evidence's rows with each
// metric named as the page names it ("Spearman: score vs value-added
// profit", "Sensitivity: customers changing tier if economic moves 5
// points"), and its key, as the data files hold it, in a last column for
// lookups and tools.
func evidenceSpec(sc snapshot.Scope, runID int64, l texts.Labels, limit int) sheetSpec {
	s := tableSheet(snapshot.TableNamed("model_evidence"), sc, l, runID, limit)
	metric := slices.IndexFunc(s.columns, func(c snapshot.Column) bool { return c.Name == "metric" })
	s.columns = append(slices.Clone(s.columns), snapshot.Column{Name: "metric_key", Kind: snapshot.KindText})
	s.headers = append(slices.Clone(s.headers), l.Get("col.metric_key"))
	// readSQL is "SELECT <columns> FROM …": the key goes last in the list.
	s.query = strings.Replace(s.query, " FROM ", `, "metric" AS metric_key FROM `, 1)
	s.show = map[int]func(string) string{metric: func(key string) string { return brief.EvidenceLabel(key, l) }}
	return s
}

// reconciliationSpec is the Reconciliation sheet: the control totals, one
// row per check, then every exception, in one table so one autofilter
// covers both. Totals rows carry total A and B in the amount columns, the
// difference, the exception count, the explained sum and whether the check
// ties; exception rows carry kind, key, customer and amounts. In a
// filtered report the totals (company-wide money) are left out and only
// the exceptions of the customers shown are listed. The totals are always
// whole, so the sheet ties; the exceptions, one per invoice or payment
// that disagrees, are cut to the first limit.
func reconciliationSpec(sc snapshot.Scope, runID int64, l texts.Labels, limit int) sheetSpec {
	cols := []snapshot.Column{
		{Name: "record", Kind: snapshot.KindText}, {Name: "check_name", Kind: snapshot.KindText}, {Name: "kind", Kind: snapshot.KindText}, {Name: "key", Kind: snapshot.KindText}, {Name: "customer_id", Kind: snapshot.KindText},
		{Name: "amount_a", Kind: snapshot.KindMoney}, {Name: "amount_b", Kind: snapshot.KindMoney}, {Name: "difference", Kind: snapshot.KindMoney},
		{Name: "exceptions", Kind: snapshot.KindInt}, {Name: "explained", Kind: snapshot.KindMoney}, {Name: "ties", Kind: snapshot.KindBool}, {Name: "not_checked", Kind: snapshot.KindText},
	}
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = l.Get("col." + c.Name)
	}
	exceptions := sc.Rel("reconciliation_exceptions", snapshot.PerCustomer)
	// The inner ORDER BY is the outer one's for exception rows, so the
	// first limit exceptions are the ones the sheet would list first.
	parts := []string{fmt.Sprintf(`SELECT * FROM (SELECT 1 AS part, %s AS record, check_name, kind, "key", customer_id,
			CAST(amount_a AS VARCHAR) AS amount_a, CAST(amount_b AS VARCHAR) AS amount_b,
			CAST(difference AS VARCHAR) AS difference, CAST(NULL AS BIGINT) AS exceptions,
			CAST(NULL AS VARCHAR) AS explained, CAST(NULL AS BOOLEAN) AS ties, CAST(NULL AS VARCHAR) AS not_checked,
			difference AS sort_difference
		FROM %s WHERE run_id = $1
		ORDER BY check_name, kind NULLS FIRST, "key" NULLS FIRST, customer_id NULLS LAST, sort_difference
		LIMIT %d)`, SqlString(l.Get("recon.exception")), exceptions, limit)}
	counts := []string{fmt.Sprintf("(SELECT count(*) FROM %s WHERE run_id = $1)", exceptions)}
	var fixed string
	note := "xlsx.capped"
	if sc.Shows(snapshot.TableNamed("reconciliation_totals")) {
		fixed = "SELECT count(*) FROM reconciliation_totals WHERE run_id = $1"
		note = "xlsx.capped_exceptions"
		parts = append([]string{fmt.Sprintf(`SELECT 0 AS part, %s AS record, check_name, CAST(NULL AS VARCHAR) AS kind,
			CAST(NULL AS VARCHAR) AS "key", CAST(NULL AS VARCHAR) AS customer_id,
			CASE WHEN not_checked IS NULL THEN CAST(total_a AS VARCHAR) END AS amount_a,
			CASE WHEN not_checked IS NULL THEN CAST(total_b AS VARCHAR) END AS amount_b,
			CASE WHEN not_checked IS NULL THEN CAST(difference AS VARCHAR) END AS difference,
			CASE WHEN not_checked IS NULL THEN exceptions END AS exceptions,
			CASE WHEN not_checked IS NULL THEN CAST(explained AS VARCHAR) END AS explained, ties,
			not_checked, difference AS sort_difference
		FROM reconciliation_totals WHERE run_id = $1`, SqlString(l.Get("recon.total")))}, parts...)
		counts = append(counts, "(SELECT count(*) FROM reconciliation_totals WHERE run_id = $1)")
	}
	query := fmt.Sprintf(`SELECT record, check_name, kind, "key", customer_id, amount_a, amount_b, difference,
			exceptions, explained, ties, not_checked
		FROM (%s)
		ORDER BY part, check_name, kind NULLS FIRST, "key" NULLS FIRST, customer_id NULLS LAST, sort_difference`,
		strings.Join(parts, " UNION ALL "))
	// The LIMIT is in the exceptions' part, not appended as capped would.
	return sheetSpec{name: "reconciliation", sheet: reconciliationSheet, columns: cols, headers: h,
		query: query, count: "SELECT " + strings.Join(counts, " + "), args: []any{runID},
		limit: limit, dataTable: "reconciliation_exceptions", capNote: note, fixed: fixed}
}
