package reports

import (
	"fmt"
	"strings"
)

// kind says how a result column is read, exported and shown. It drives the
// SELECT list (money is read as exact decimal text), the XLSX cell type and
// number format, the CSV neutralisation of text, and the column width.
type kind int

const (
	kindText      kind = iota
	kindMoney          // DECIMAL(18,2): read CAST AS VARCHAR, never as float
	kindScore          // DOUBLE shown with one decimal (0..100 scores, days)
	kindRatio          // DOUBLE 0..1 shown as a percentage
	kindFloat          // DOUBLE shown with two decimals
	kindFine           // DOUBLE shown with four decimals (weights, normalized values)
	kindNumber         // DOUBLE shown as it is (Excel's General format): evidence values
	kindInt            // INTEGER / BIGINT
	kindDate           // DATE
	kindTimestamp      // TIMESTAMP
	kindBool           // BOOLEAN
)

type column struct {
	name string
	kind kind
}

// resultTable describes one result table as the reports read it: which
// columns, in which order, and the ORDER BY that makes every export of the
// same rows identical. Row identity columns come last in orderBy so ties
// cannot reorder between runs.
type resultTable struct {
	name string // DuckDB table and data file base name
	// sheet is the XLSX sheet name (English, stable; see doc.go); empty
	// for a table shown on a composed sheet (the reconciliation tables).
	sheet   string
	hasAsOf bool // rejects and orphans carry no as_of column
	// reach says what a recipient filter does to the table (filter.go).
	reach reach
	// grows is set for a table with a row per customer, ticket, invoice,
	// serial or bad value: the workbook shows its first
	// Options.WorkbookRows rows and the data files hold them all. The
	// others have a few rows by nature (per segment, owner, product group,
	// tier, check or reject reason) and are always whole, so the sheets
	// that must tie (Receivables KPIs, the control totals) do.
	grows bool
	// from, when set, makes the table a query over another one (see
	// relation) rather than a table of its own.
	from    func(sc scope, runID int64) string
	columns []column
	orderBy string
}

// resultTables are the tables a run's report covers, in data-file order.
// New columns of a table are appended after the existing ones, so a tool
// that reads the data files by position keeps working.
var resultTables = []resultTable{
	{
		name: "customer_value", sheet: "Customers", hasAsOf: true, reach: perCustomer, grows: true,
		columns: []column{
			{"rank", kindInt}, {"customer_id", kindText}, {"name", kindText}, {"tier", kindText},
			{"score", kindScore}, {"coverage", kindRatio},
			{"economic", kindScore}, {"loyalty", kindScore}, {"service_effect", kindScore}, {"characteristics", kindScore},
			{"revenue_12m", kindMoney}, {"service_cost_12m", kindMoney}, {"value_added_profit", kindMoney},
			{"industry", kindText}, {"region", kindText}, {"account_owner", kindText},
			{"segment", kindText}, {"computed_tier", kindText},
			{"override_tier", kindText}, {"override_reason", kindText}, {"override_owner", kindText}, {"override_expires", kindDate},
			{"quadrant", kindText}, {"previous_tier", kindText}, {"previous_score", kindScore}, {"tier_stability", kindRatio},
		},
		orderBy: "rank NULLS LAST, customer_id",
	},
	{
		name: "value_contributions", sheet: "Contributions", hasAsOf: true, reach: perCustomer, grows: true,
		columns: []column{
			{"customer_id", kindText}, {"group_name", kindText}, {"indicator", kindText},
			{"raw_value", kindFine}, {"normalized", kindFine}, {"weight", kindFine},
			{"contribution", kindFloat}, {"missing", kindBool},
			{"segment", kindText}, {"excluded", kindBool}, {"normalization", kindText},
		},
		orderBy: "customer_id, group_name, indicator",
	},
	{
		name: "model_used", sheet: "Model", hasAsOf: true, reach: perModel,
		columns: []column{
			{"segment", kindText}, {"group_name", kindText}, {"group_weight", kindFine},
			{"indicator", kindText}, {"weight", kindFine}, {"direction", kindText}, {"normalization", kindText},
			{"window_months", kindInt}, {"missing_policy", kindText}, {"weight_method", kindText}, {"available", kindBool},
		},
		orderBy: "segment, group_name, indicator",
	},
	{
		name: "model_evidence", sheet: "Evidence", hasAsOf: true, reach: perModel,
		columns: []column{
			{"segment", kindText}, {"metric", kindText}, {"value", kindNumber}, {"detail", kindText},
		},
		orderBy: "segment, metric",
	},
	{
		name: "movers", sheet: "Movers", hasAsOf: true, reach: perCustomer, grows: true,
		columns: []column{
			{"customer_id", kindText}, {"name", kindText}, {"previous_as_of", kindDate},
			{"previous_tier", kindText}, {"tier", kindText}, {"previous_score", kindScore}, {"score", kindScore},
			{"change", kindScore}, {"top_up", kindText}, {"top_down", kindText},
		},
		orderBy: "abs(change) DESC, customer_id",
	},
	{
		name: "owner_drain", sheet: "Drain", hasAsOf: true, reach: perOwner,
		columns: []column{
			{"account_owner", kindText}, {"customers", kindInt},
			{"revenue_12m", kindMoney}, {"service_cost_12m", kindMoney}, {"value_added_profit", kindMoney},
			{"tier_a", kindInt}, {"drains", kindInt},
		},
		orderBy: "account_owner",
	},
	{
		name: "hotspots", sheet: "Hot-spots", hasAsOf: true, reach: perProduct,
		columns: []column{
			{"rank", kindInt}, {"product_id", kindText}, {"product_name", kindText}, {"component", kindText}, {"region", kindText},
			{"failures", kindInt}, {"installed_units", kindInt},
			{"rate_per_100_per_year", kindFloat}, {"shrunk_rate_per_100_per_year", kindFloat},
			{"share", kindRatio}, {"cumulative_share", kindRatio},
			{"baseline_failures", kindInt}, {"current_exposure_share", kindRatio}, {"rising_test", kindText},
			{"rising_p_value", kindNumber}, {"rising", kindBool},
			{"repairs", kindInt}, {"mttr_hours", kindScore}, {"median_repair_hours", kindScore},
			{"repeat_serials", kindInt}, {"rising_q_value", kindNumber},
			{"rising_not_tested", kindText}, {"rising_period_months", kindInt},
		},
		orderBy: "rank NULLS LAST, product_id, component, region",
	},
	{
		// A serial belongs to a customer: a filtered report shows only the
		// allowed customers' serials.
		name: "hotspot_repeats", sheet: "Repeat failures", hasAsOf: true, reach: perCustomer, grows: true,
		columns: []column{
			{"product_id", kindText}, {"product_name", kindText}, {"component", kindText}, {"region", kindText},
			{"serial_no", kindText}, {"customer_id", kindText}, {"name", kindText}, {"faults", kindInt},
			{"first_opened_at", kindTimestamp}, {"last_opened_at", kindTimestamp}, {"ticket_ids", kindText},
		},
		orderBy: "product_id, component, region, serial_no, customer_id",
	},
	{
		name: "hotspot_unsupported", sheet: "Unsupported", hasAsOf: true, reach: perCustomer, grows: true,
		columns: []column{
			{"reason", kindText}, {"product_id", kindText}, {"product_name", kindText}, {"supported_until", kindDate},
			{"customer_id", kindText}, {"name", kindText}, {"ticket_id", kindText}, {"opened_at", kindTimestamp},
			{"installed_units", kindInt}, {"tickets", kindInt}, {"revenue_12m", kindMoney}, {"component", kindText},
		},
		orderBy: "reason DESC, product_id NULLS LAST, customer_id, ticket_id NULLS LAST",
	},
	{
		name: "ar_aging", sheet: "Aging", hasAsOf: true, reach: perCustomer, grows: true,
		columns: []column{
			{"customer_id", kindText}, {"name", kindText}, {"tier", kindText},
			{"current_amount", kindMoney}, {"d1_30", kindMoney}, {"d31_60", kindMoney}, {"d61_90", kindMoney},
			{"d90_plus", kindMoney}, {"total_open", kindMoney}, {"dso", kindScore},
		},
		orderBy: "customer_id",
	},
	{
		// Portfolio and per-tier receivables KPIs. A row sums receivables of
		// customers a filtered recipient may not see, and cannot be split
		// back into customers, so a filtered report leaves the table out.
		name: "ar_kpis", sheet: "Receivables KPIs", hasAsOf: true, reach: unfilteredOnly,
		columns: []column{
			{"scope", kindText}, {"tier", kindText}, {"customers", kindInt},
			{"open_amount", kindMoney}, {"current_amount", kindMoney}, {"overdue_amount", kindMoney}, {"overdue_share", kindRatio},
			{"credit_sales_90d", kindMoney}, {"dso", kindScore}, {"best_possible_dso", kindScore}, {"add_days", kindScore},
			{"beginning_open", kindMoney}, {"cei", kindScore},
			{"due_amount_90d", kindMoney}, {"paid_on_time_amount", kindMoney}, {"on_time_rate", kindRatio},
			{"open_invoices", kindInt}, {"overdue_invoices", kindInt}, {"issued_invoices_90d", kindInt},
			{"due_invoices_90d", kindInt}, {"on_time_invoices", kindInt},
		},
		// "portfolio" sorts before "tier"; its tier is the only NULL.
		orderBy: "scope, tier NULLS FIRST",
	},
	{
		// On the Reconciliation sheet (xlsx.go), with the exceptions below.
		name: "reconciliation_totals", hasAsOf: true, reach: unfilteredOnly,
		columns: []column{
			{"check_name", kindText}, {"total_a", kindMoney}, {"total_b", kindMoney}, {"difference", kindMoney},
			{"exceptions", kindInt}, {"explained", kindMoney}, {"ties", kindBool}, {"not_checked", kindText},
		},
		orderBy: "check_name",
	},
	{
		name: "reconciliation_exceptions", hasAsOf: true, reach: perCustomer, grows: true,
		columns: []column{
			{"check_name", kindText}, {"kind", kindText}, {"key", kindText}, {"customer_id", kindText},
			{"amount_a", kindMoney}, {"amount_b", kindMoney}, {"difference", kindMoney}, {"reference", kindText},
		},
		orderBy: `check_name, kind, "key", customer_id NULLS LAST, difference`,
	},
	{
		name: "service_queue", sheet: "Service queue", hasAsOf: true, reach: perCustomer, grows: true,
		columns: []column{
			{"rank", kindInt}, {"ticket_id", kindText}, {"customer_id", kindText}, {"name", kindText}, {"tier", kindText},
			{"score", kindScore}, {"severity", kindInt}, {"opened_at", kindTimestamp}, {"age_days", kindInt},
			{"product_id", kindText}, {"component", kindText}, {"category", kindText}, {"reason", kindText},
			{"priority", kindScore}, {"estimated_hours", kindScore}, {"fits_capacity", kindBool},
		},
		orderBy: "rank NULLS LAST, ticket_id",
	},
	{
		name: "orphans", sheet: "Orphans", hasAsOf: false, reach: unfilteredOnly, grows: true,
		columns: []column{
			{"source", kindText}, {"column_name", kindText}, {"value", kindText}, {"parent", kindText}, {"rows", kindInt},
		},
		orderBy: `source, column_name, "value"`,
	},
	{
		name: "reject_counts", sheet: "Reject counts", hasAsOf: false, reach: unfilteredOnly, from: rejectCountsFrom,
		columns: []column{
			{"source", kindText}, {"column_name", kindText}, {"reason", kindText},
			{"rows", kindInt}, {"values", kindInt}, {"files", kindInt},
			{"first_file", kindText}, {"first_line", kindInt}, {"first_value", kindText},
		},
		orderBy: `source, "rows" DESC, column_name NULLS FIRST, reason`,
	},
	{
		name: "rejects", sheet: "Rejects", hasAsOf: false, reach: unfilteredOnly, grows: true, from: rejectExamplesFrom,
		columns: []column{
			{"source", kindText}, {"file", kindText}, {"line", kindInt}, {"column_name", kindText},
			{"value", kindText}, {"reason", kindText},
		},
		orderBy: "source, file, line NULLS LAST, column_name NULLS LAST, reason, value NULLS LAST",
	},
}

// DefaultRejectExamples is how many rejected rows of each source, column
// and reason the report shows when Options.RejectExamples is 0.
const DefaultRejectExamples = 20

// relation is what a report reads for t in the run: the table in the
// scope, or the query (from) that makes a derived one. Both keep the
// table's name, so "relation WHERE run_id = $1" reads the same.
func (t resultTable) relation(sc scope, runID int64) string {
	if t.from != nil {
		return t.from(sc, runID)
	}
	return sc.rel(t.name, t.reach)
}

// A run's rejects can be millions of rows: the report counts them whole by
// source × column × reason and shows only the first examples of each. Both
// queries take the run inside (an int64 formatted into the text, as COPY
// takes no parameters): DuckDB does not push a filter outside into the
// window or the grouping, which would then cover every run's rejects.
func rejectCountsFrom(_ scope, runID int64) string {
	return fmt.Sprintf(`(SELECT run_id, source, column_name, reason, %s AS "rows", count(*) AS "values",
		count(DISTINCT file) AS files, arg_min(file, (file, line, "value")) AS first_file,
		arg_min(line, (file, line, "value")) AS first_line, arg_min("value", (file, line, "value")) AS first_value
		FROM rejects WHERE run_id = %d GROUP BY run_id, source, column_name, reason) AS reject_counts`, rejectedRows, runID)
}

func rejectExamplesFrom(sc scope, runID int64) string {
	return fmt.Sprintf(`(SELECT * FROM rejects WHERE run_id = %d QUALIFY row_number() OVER (PARTITION BY source, column_name, reason
		ORDER BY file, line NULLS LAST, "value" NULLS LAST) <= %d) AS rejects`, runID, sc.rejectExamples())
}

// tableNamed returns the data file table called name; the names are
// package constants, so an unknown one is a programming error.
func tableNamed(name string) resultTable {
	for _, t := range dataFileTables() {
		if t.name == name {
			return t
		}
	}
	panic("reports: no result table " + name)
}

// quoteIdent quotes a DuckDB identifier; the names are package constants, so
// this guards against a future name that is a keyword, not against input.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// readSQL selects one run's rows for the workbook, within the scope: money
// as exact decimal text, everything else in its own type. The run id is the
// only parameter.
func (t resultTable) readSQL(sc scope, runID int64) string {
	cols := make([]string, len(t.columns))
	for i, c := range t.columns {
		cols[i] = quoteIdent(c.name)
		if c.kind == kindMoney {
			cols[i] = "CAST(" + quoteIdent(c.name) + " AS VARCHAR)"
		}
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE run_id = $1 ORDER BY %s",
		strings.Join(cols, ", "), t.relation(sc, runID), t.orderBy)
}

func (t resultTable) countSQL(sc scope, runID int64) string {
	return fmt.Sprintf("SELECT count(*) FROM %s WHERE run_id = $1", t.relation(sc, runID))
}

// exportSQL selects one run's rows for a data file: run_id and as_of first,
// then the report columns in their own types. With neutralise set (CSV), text
// columns that start with = + - @ TAB or CR get a leading single quote, so a
// spreadsheet opening the CSV cannot run them as a formula; Parquet keeps the
// exact values, since its readers are programs, not spreadsheets. The run id
// is formatted into the text because COPY takes no parameters; it is an int64.
func (t resultTable) exportSQL(sc scope, runID int64, neutralise bool) string {
	cols := []string{"run_id"}
	if t.hasAsOf {
		cols = append(cols, "as_of")
	}
	for _, c := range t.columns {
		q := quoteIdent(c.name)
		if neutralise && c.kind == kindText {
			// NUL bytes are dropped too: many CSV readers end a field or the
			// file at one.
			v := fmt.Sprintf("replace(%s, chr(0), '')", q)
			q = fmt.Sprintf("CASE WHEN left(%[1]s, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "+
				"THEN '''' || %[1]s ELSE %[1]s END AS %[2]s", v, q)
		}
		cols = append(cols, q)
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE run_id = %d ORDER BY %s",
		strings.Join(cols, ", "), t.relation(sc, runID), runID, t.orderBy)
}
