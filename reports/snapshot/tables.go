package snapshot

import (
	"fmt"
	"slices"
	"strings"
)

// kind says how a result column is read, exported and shown. It drives the
// SELECT list (money is read as exact decimal text), the XLSX cell type and
// number format, the CSV neutralisation of text, and the column width.
type Kind int

const (
	KindText      Kind = iota
	KindMoney          // DECIMAL(18,2): read CAST AS VARCHAR, never as float
	KindScore          // DOUBLE shown with one decimal (0..100 scores, days)
	KindRatio          // DOUBLE 0..1 shown as a percentage
	KindFloat          // DOUBLE shown with two decimals
	KindFine           // DOUBLE shown with four decimals (weights, normalized values)
	KindNumber         // DOUBLE shown as it is (Excel's General format): evidence values
	KindInt            // INTEGER / BIGINT
	KindDate           // DATE
	KindTimestamp      // TIMESTAMP
	KindBool           // BOOLEAN
)

type Column struct {
	Name string
	Kind Kind
}

// resultTable describes one result table as the reports read it: which
// columns, in which order, and the ORDER BY that makes every export of the
// same rows identical. Row identity columns come last in orderBy so ties
// cannot reorder between runs.
type ResultTable struct {
	Name string // DuckDB table and data file base name
	// sheet is the XLSX sheet name (English, stable; see doc.go); empty
	// for a table shown on a composed sheet (the reconciliation tables).
	Sheet   string
	HasAsOf bool // rejects and orphans carry no as_of column
	// reach says what a recipient filter does to the table (filter.go).
	Reach reach
	// grows is set for a table with a row per customer, ticket, invoice,
	// serial or bad value: the workbook shows its first
	// Options.WorkbookRows rows and the data files hold them all. The
	// others have a few rows by nature (per segment, owner, product group,
	// tier, check or reject reason) and are always whole, so the sheets
	// that must tie (Receivables KPIs, the control totals) do.
	Grows bool
	// from, when set, makes the table a query over another one (see
	// relation) rather than a table of its own.
	From    func(sc Scope, runID int64) string
	Columns []Column
	orderBy string
}

// resultTables are the tables a run's report covers, in data-file order.
// New columns of a table are appended after the existing ones, so a tool
// that reads the data files by position keeps working.
var ResultTables = []ResultTable{
	{
		Name: "customer_value", Sheet: "Customers", HasAsOf: true, Reach: PerCustomer, Grows: true,
		Columns: []Column{
			{"rank", KindInt}, {"customer_id", KindText}, {"name", KindText}, {"tier", KindText},
			{"score", KindScore}, {"coverage", KindRatio},
			{"economic", KindScore}, {"loyalty", KindScore}, {"service_effect", KindScore}, {"characteristics", KindScore},
			{"revenue_12m", KindMoney}, {"service_cost_12m", KindMoney}, {"value_added_profit", KindMoney},
			{"industry", KindText}, {"region", KindText}, {"account_owner", KindText},
			{"segment", KindText}, {"computed_tier", KindText},
			{"override_tier", KindText}, {"override_reason", KindText}, {"override_owner", KindText}, {"override_expires", KindDate},
			{"quadrant", KindText}, {"previous_tier", KindText}, {"previous_score", KindScore}, {"tier_stability", KindRatio},
		},
		orderBy: "rank NULLS LAST, customer_id",
	},
	{
		Name: "value_contributions", Sheet: "Contributions", HasAsOf: true, Reach: PerCustomer, Grows: true,
		Columns: []Column{
			{"customer_id", KindText}, {"group_name", KindText}, {"indicator", KindText},
			{"raw_value", KindFine}, {"normalized", KindFine}, {"weight", KindFine},
			{"contribution", KindFloat}, {"missing", KindBool},
			{"segment", KindText}, {"excluded", KindBool}, {"normalization", KindText},
		},
		orderBy: "customer_id, group_name, indicator",
	},
	{
		Name: "model_used", Sheet: "Model", HasAsOf: true, Reach: perModel,
		Columns: []Column{
			{"segment", KindText}, {"group_name", KindText}, {"group_weight", KindFine},
			{"indicator", KindText}, {"weight", KindFine}, {"direction", KindText}, {"normalization", KindText},
			{"window_months", KindInt}, {"missing_policy", KindText}, {"weight_method", KindText}, {"available", KindBool},
		},
		orderBy: "segment, group_name, indicator",
	},
	{
		Name: "model_evidence", Sheet: "Evidence", HasAsOf: true, Reach: perModel,
		Columns: []Column{
			{"segment", KindText}, {"metric", KindText}, {"value", KindNumber}, {"detail", KindText},
		},
		orderBy: "segment, metric",
	},
	{
		Name: "movers", Sheet: "Movers", HasAsOf: true, Reach: PerCustomer, Grows: true,
		Columns: []Column{
			{"customer_id", KindText}, {"name", KindText}, {"previous_as_of", KindDate},
			{"previous_tier", KindText}, {"tier", KindText}, {"previous_score", KindScore}, {"score", KindScore},
			{"change", KindScore}, {"top_up", KindText}, {"top_down", KindText},
		},
		orderBy: "abs(change) DESC, customer_id",
	},
	{
		Name: "owner_drain", Sheet: "Drain", HasAsOf: true, Reach: perOwner,
		Columns: []Column{
			{"account_owner", KindText}, {"customers", KindInt},
			{"revenue_12m", KindMoney}, {"service_cost_12m", KindMoney}, {"value_added_profit", KindMoney},
			{"tier_a", KindInt}, {"drains", KindInt},
		},
		orderBy: "account_owner",
	},
	{
		Name: "hotspots", Sheet: "Hot-spots", HasAsOf: true, Reach: perProduct,
		Columns: []Column{
			{"rank", KindInt}, {"product_id", KindText}, {"product_name", KindText}, {"component", KindText}, {"region", KindText},
			{"failures", KindInt}, {"installed_units", KindInt},
			{"rate_per_100_per_year", KindFloat}, {"shrunk_rate_per_100_per_year", KindFloat},
			{"share", KindRatio}, {"cumulative_share", KindRatio},
			{"baseline_failures", KindInt}, {"current_exposure_share", KindRatio}, {"rising_test", KindText},
			{"rising_p_value", KindNumber}, {"rising", KindBool},
			{"repairs", KindInt}, {"mttr_hours", KindScore}, {"median_repair_hours", KindScore},
			{"repeat_serials", KindInt}, {"rising_q_value", KindNumber},
			{"rising_not_tested", KindText}, {"rising_period_months", KindInt},
		},
		orderBy: "rank NULLS LAST, product_id, component, region",
	},
	{
		// A serial belongs to a customer: a filtered report shows only the
		// allowed customers' serials.
		Name: "hotspot_repeats", Sheet: "Repeat failures", HasAsOf: true, Reach: PerCustomer, Grows: true,
		Columns: []Column{
			{"product_id", KindText}, {"product_name", KindText}, {"component", KindText}, {"region", KindText},
			{"serial_no", KindText}, {"customer_id", KindText}, {"name", KindText}, {"faults", KindInt},
			{"first_opened_at", KindTimestamp}, {"last_opened_at", KindTimestamp}, {"ticket_ids", KindText},
		},
		orderBy: "product_id, component, region, serial_no, customer_id",
	},
	{
		Name: "hotspot_unsupported", Sheet: "Unsupported", HasAsOf: true, Reach: PerCustomer, Grows: true,
		Columns: []Column{
			{"reason", KindText}, {"product_id", KindText}, {"product_name", KindText}, {"supported_until", KindDate},
			{"customer_id", KindText}, {"name", KindText}, {"ticket_id", KindText}, {"opened_at", KindTimestamp},
			{"installed_units", KindInt}, {"tickets", KindInt}, {"revenue_12m", KindMoney}, {"component", KindText},
		},
		orderBy: "reason DESC, product_id NULLS LAST, customer_id, ticket_id NULLS LAST",
	},
	{
		Name: "ar_aging", Sheet: "Aging", HasAsOf: true, Reach: PerCustomer, Grows: true,
		Columns: []Column{
			{"customer_id", KindText}, {"name", KindText}, {"tier", KindText},
			{"current_amount", KindMoney}, {"d1_30", KindMoney}, {"d31_60", KindMoney}, {"d61_90", KindMoney},
			{"d90_plus", KindMoney}, {"total_open", KindMoney}, {"dso", KindScore},
		},
		orderBy: "customer_id",
	},
	{
		// Portfolio and per-tier receivables KPIs. A row sums receivables of
		// customers a filtered recipient may not see, and cannot be split
		// back into customers, so a filtered report leaves the table out.
		Name: "ar_kpis", Sheet: "Receivables KPIs", HasAsOf: true, Reach: UnfilteredOnly,
		Columns: []Column{
			{"scope", KindText}, {"tier", KindText}, {"customers", KindInt},
			{"open_amount", KindMoney}, {"current_amount", KindMoney}, {"overdue_amount", KindMoney}, {"overdue_share", KindRatio},
			{"credit_sales_90d", KindMoney}, {"dso", KindScore}, {"best_possible_dso", KindScore}, {"add_days", KindScore},
			{"beginning_open", KindMoney}, {"cei", KindScore},
			{"due_amount_90d", KindMoney}, {"paid_on_time_amount", KindMoney}, {"on_time_rate", KindRatio},
			{"open_invoices", KindInt}, {"overdue_invoices", KindInt}, {"issued_invoices_90d", KindInt},
			{"due_invoices_90d", KindInt}, {"on_time_invoices", KindInt},
		},
		// "portfolio" sorts before "tier"; its tier is the only NULL.
		orderBy: "scope, tier NULLS FIRST",
	},
	{
		// On the Reconciliation sheet (xlsx.go), with the exceptions below.
		Name: "reconciliation_totals", HasAsOf: true, Reach: UnfilteredOnly,
		Columns: []Column{
			{"check_name", KindText}, {"total_a", KindMoney}, {"total_b", KindMoney}, {"difference", KindMoney},
			{"exceptions", KindInt}, {"explained", KindMoney}, {"ties", KindBool}, {"not_checked", KindText},
		},
		orderBy: "check_name",
	},
	{
		Name: "reconciliation_exceptions", HasAsOf: true, Reach: PerCustomer, Grows: true,
		Columns: []Column{
			{"check_name", KindText}, {"kind", KindText}, {"key", KindText}, {"customer_id", KindText},
			{"amount_a", KindMoney}, {"amount_b", KindMoney}, {"difference", KindMoney}, {"reference", KindText},
		},
		orderBy: `check_name, kind, "key", customer_id NULLS LAST, difference`,
	},
	{
		Name: "service_queue", Sheet: "Service queue", HasAsOf: true, Reach: PerCustomer, Grows: true,
		Columns: []Column{
			{"rank", KindInt}, {"ticket_id", KindText}, {"customer_id", KindText}, {"name", KindText}, {"tier", KindText},
			{"score", KindScore}, {"severity", KindInt}, {"opened_at", KindTimestamp}, {"age_days", KindInt},
			{"product_id", KindText}, {"component", KindText}, {"category", KindText}, {"reason", KindText},
			{"priority", KindScore}, {"estimated_hours", KindScore}, {"fits_capacity", KindBool},
		},
		orderBy: "rank NULLS LAST, ticket_id",
	},
	{
		Name: "orphans", Sheet: "Orphans", HasAsOf: false, Reach: UnfilteredOnly, Grows: true,
		Columns: []Column{
			{"source", KindText}, {"column_name", KindText}, {"value", KindText}, {"parent", KindText}, {"rows", KindInt},
		},
		orderBy: `source, column_name, "value"`,
	},
	{
		Name: "reject_counts", Sheet: "Reject counts", HasAsOf: false, Reach: UnfilteredOnly, From: rejectCountsFrom,
		Columns: []Column{
			{"source", KindText}, {"column_name", KindText}, {"reason", KindText},
			{"rows", KindInt}, {"values", KindInt}, {"files", KindInt},
			{"first_file", KindText}, {"first_line", KindInt}, {"first_value", KindText},
		},
		orderBy: `source, "rows" DESC, column_name NULLS FIRST, reason`,
	},
	{
		Name: "rejects", Sheet: "Rejects", HasAsOf: false, Reach: UnfilteredOnly, Grows: true, From: rejectExamplesFrom,
		Columns: []Column{
			{"source", KindText}, {"file", KindText}, {"line", KindInt}, {"column_name", KindText},
			{"value", KindText}, {"reason", KindText},
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
func (t ResultTable) Relation(sc Scope, runID int64) string {
	if t.From != nil {
		return t.From(sc, runID)
	}
	return sc.Rel(t.Name, t.Reach)
}

// A run's rejects can be millions of rows: the report counts them whole by
// source × column × reason and shows only the first examples of each. Both
// queries take the run inside (an int64 formatted into the text, as COPY
// takes no parameters): DuckDB does not push a filter outside into the
// window or the grouping, which would then cover every run's rejects.
func rejectCountsFrom(_ Scope, runID int64) string {
	return fmt.Sprintf(`(SELECT run_id, source, column_name, reason, %s AS "rows", count(*) AS "values",
		count(DISTINCT file) AS files, arg_min(file, (file, line, "value")) AS first_file,
		arg_min(line, (file, line, "value")) AS first_line, arg_min("value", (file, line, "value")) AS first_value
		FROM rejects WHERE run_id = %d GROUP BY run_id, source, column_name, reason) AS reject_counts`, rejectedRows, runID)
}

func rejectExamplesFrom(sc Scope, runID int64) string {
	return fmt.Sprintf(`(SELECT * FROM rejects WHERE run_id = %d QUALIFY row_number() OVER (PARTITION BY source, column_name, reason
		ORDER BY file, line NULLS LAST, "value" NULLS LAST) <= %d) AS rejects`, runID, sc.rejectExamples())
}

// tableNamed returns the data file table called name; the names are
// package constants, so an unknown one is a programming error.
func TableNamed(name string) ResultTable {
	for _, t := range DataFileTables() {
		if t.Name == name {
			return t
		}
	}
	panic("reports: no result table " + name)
}

// quoteIdent quotes a DuckDB identifier; the names are package constants, so
// this guards against a future name that is a keyword, not against input.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// readSQL selects one run's rows for the workbook, within the scope: money
// as exact decimal text, everything else in its own type. The run id is the
// only parameter.
func (t ResultTable) ReadSQL(sc Scope, runID int64) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = QuoteIdent(c.Name)
		if c.Kind == KindMoney {
			cols[i] = "CAST(" + QuoteIdent(c.Name) + " AS VARCHAR)"
		}
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE run_id = $1 ORDER BY %s",
		strings.Join(cols, ", "), t.Relation(sc, runID), t.orderBy)
}

func (t ResultTable) CountSQL(sc Scope, runID int64) string {
	return fmt.Sprintf("SELECT count(*) FROM %s WHERE run_id = $1", t.Relation(sc, runID))
}

// exportSQL selects one run's rows for a data file: run_id and as_of first,
// then the report columns in their own types. With neutralise set (CSV), text
// columns that start with = + - @ TAB or CR get a leading single quote, so a
// spreadsheet opening the CSV cannot run them as a formula; Parquet keeps the
// exact values, since its readers are programs, not spreadsheets. The run id
// is formatted into the text because COPY takes no parameters; it is an int64.
func (t ResultTable) ExportSQL(sc Scope, runID int64, neutralise bool) string {
	cols := []string{"run_id"}
	if t.HasAsOf {
		cols = append(cols, "as_of")
	}
	for _, c := range t.Columns {
		q := QuoteIdent(c.Name)
		if neutralise && c.Kind == KindText {
			// NUL bytes are dropped too: many CSV readers end a field or the
			// file at one.
			v := fmt.Sprintf("replace(%s, chr(0), '')", q)
			q = fmt.Sprintf("CASE WHEN left(%[1]s, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "+
				"THEN '''' || %[1]s ELSE %[1]s END AS %[2]s", v, q)
		}
		cols = append(cols, q)
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE run_id = %d ORDER BY %s",
		strings.Join(cols, ", "), t.Relation(sc, runID), runID, t.orderBy)
}

// dataFileTables are the tables with data files: the result tables, then
// hotspot_tickets, which only hotspots.xlsx shows, so that a Fault tickets
// sheet cut to the workbook's rows has the whole table to point at, and the
// hot-spot workbook's Weibull and Forecast tables.
func DataFileTables() []ResultTable {
	return append(slices.Clip(ResultTables), HotspotTicketsTable, HotspotWeibullTable, HotspotForecastTable, HotspotPeriodsTable)
}

// hotspotWeibullTable and hotspotForecastTable are the run's Weibull fits
// and service forecast as hotspots.xlsx and the data files show them; like
// hotspot_tickets they are not among resultTables (weekly.xlsx has no
// sheet of them). Aggregates over products: kept whole in a filtered
// report, as the hot-spots are.
var HotspotWeibullTable = ResultTable{
	Name: "hotspot_weibull", Sheet: "Weibull", HasAsOf: true, Reach: perProduct,
	Columns: []Column{
		{"product_id", KindText}, {"product_name", KindText}, {"component", KindText},
		{"failures", KindInt}, {"censored_units", KindInt}, {"failures_without_age", KindInt},
		{"beta", KindFloat}, {"beta_low", KindFloat}, {"beta_high", KindFloat}, {"eta_days", KindScore},
		{"verdict", KindText}, {"not_available", KindText},
	},
	orderBy: "product_id, component",
}

var HotspotForecastTable = ResultTable{
	Name: "hotspot_forecast", Sheet: "Forecast", HasAsOf: true, Reach: perProduct,
	Columns: []Column{
		{"kind", KindText}, {"scope", KindText}, {"forecast_at", KindDate}, {"period_end", KindDate},
		{"product_id", KindText}, {"product_name", KindText}, {"component", KindText}, {"region", KindText},
		{"installed_units", KindInt}, {"basis_failures", KindInt}, {"rate_per_100_per_year", KindFloat},
		{"expected_tickets", KindFloat}, {"tickets_low", KindInt}, {"tickets_high", KindInt},
		{"mean_effort_hours", KindFloat}, {"effort_basis", KindText},
		{"expected_hours", KindScore}, {"hours_low", KindScore}, {"hours_high", KindScore}, {"capacity_hours", KindScore},
		{"actual_tickets", KindInt}, {"not_available", KindText},
	},
	orderBy: "kind DESC, scope DESC, expected_tickets DESC NULLS LAST, product_id, component, region",
}

var HotspotPeriodsTable = ResultTable{
	Name: "hotspot_periods", Sheet: "Periods", HasAsOf: true, Reach: perProduct,
	Columns: []Column{
		{"product_id", KindText}, {"component", KindText}, {"region", KindText}, {"period", KindInt},
		{"period_start", KindDate}, {"period_end", KindDate}, {"observed_days", KindInt}, {"failures", KindInt},
		{"unit_days", KindScore}, {"rate_per_100_per_year", KindFloat},
	},
	orderBy: "product_id, component, region, period",
}

// hotspotTicketsTable is hotspot_tickets as the hot-spot workbook shows it;
// it is not among resultTables, so weekly.xlsx has no sheet of it, but it
// has data files (dataFileTables).
var HotspotTicketsTable = ResultTable{
	Name: "hotspot_tickets", Sheet: "Fault tickets", HasAsOf: true, Reach: PerCustomer, Grows: true,
	Columns: []Column{
		{"ticket_id", KindText}, {"product_id", KindText}, {"product_name", KindText}, {"component", KindText},
		{"region", KindText}, {"serial_no", KindText}, {"customer_id", KindText}, {"name", KindText},
		{"opened_at", KindTimestamp}, {"closed_at", KindTimestamp}, {"effort_hours", KindScore},
		{"severity", KindInt}, {"resolution", KindText},
	},
	orderBy: "product_id, component, region, opened_at, ticket_id",
}
