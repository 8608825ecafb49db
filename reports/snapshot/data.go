package snapshot

import (
	"github.com/accordhq/accord/reports/texts"

	"cmp"
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/accordhq/accord/queries"
)

// queryer is what the renderers read through: the read transaction Write
// opens, so the page, the workbook and the data files show one snapshot.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// The aging buckets in display order, as ar_aging columns.
var AgingBuckets = []string{"current_amount", "d1_30", "d31_60", "d61_90", "d90_plus"}

type TierCount struct {
	Tier  string // "" when the table holds NULL
	Count int64
}

type Hotspot struct {
	Rank                 int64
	ProductID            string
	ProductName          string
	Component            string
	Region               string
	Failures             int64
	RatePer100PerYear    float64
	ShrunkRate           sql.NullFloat64 // NULL: held back (too few installed units)
	NotTested            string          // why the rising test did not apply; "" when it did
	CumulativeShareRatio float64
	Rising               bool
	RisingP              sql.NullFloat64 // NULL: no baseline history, the test does not apply
	RisingQ              sql.NullFloat64 // NULL: not in the tested family (no p-value, too few faults)
	MttrHours            sql.NullFloat64 // NULL: no repair closed in the window
	RepeatSerials        int64
}

// productLabel is the group's product by name, or by id when it has none.
func (h Hotspot) ProductLabel() string { return cmp.Or(h.ProductName, h.ProductID) }

// unsupportedRow is one row of hotspot_unsupported.
type unsupportedRow struct {
	Reason, ProductID, ProductName, CustomerID, Name, TicketID string
	Units, Tickets                                             sql.NullInt64
	Revenue                                                    string // exact decimal text
}

type ScatterPoint struct {
	Tier  string
	Name  string
	Cost  float64 // display only; the exact value is in the workbook
	Score float64
}

type AgingTier struct {
	Tier    string
	Buckets []string // exact decimal sums, in agingBuckets order
}

type queueRow struct {
	Rank      int64
	TicketID  string
	Name      string
	Tier      string
	Score     float64
	Severity  int64
	AgeDays   int64
	ProductID string
	Component string
	Category  string
	Reason    string
	Priority  float64
	Hours     sql.NullFloat64 // estimated hours; NULL: no closed ticket to estimate from
	Fits      sql.NullBool    // NULL: no engineer hours configured
}

// modelRow is one indicator of model_used: what the run actually used.
type modelRow struct {
	Segment       string
	Group         string
	GroupWeight   float64
	Indicator     string
	Weight        float64
	Direction     string
	Normalization string
	Window        int64
	Missing       string
	Method        string
	Available     bool
}

type EvidenceRow struct {
	Segment string
	Metric  string
	Value   sql.NullFloat64
	Detail  string
}

type moverRow struct {
	CustomerID    string
	Name          string
	PreviousTier  string
	Tier          string
	PreviousScore sql.NullFloat64
	Score         float64
	Change        float64
	TopUp         string
	TopDown       string
	TierChanged   bool
}

type ownerRow struct {
	Owner     string
	Customers int64
	Revenue   string // exact decimals
	Cost      string
	Profit    string
	TierA     int64
	Drains    int64
}

type quadrantRow struct {
	Quadrant  string // "" when NULL
	Customers int64
	Revenue   string
	Cost      string
	Profit    string
}

type overrideRow struct {
	CustomerID   string
	Name         string
	Tier         string // the override's tier
	ComputedTier string
	Reason       string
	Owner        string
	Expires      string // yyyy-mm-dd or ""
}

type orphanGroup struct {
	Source string
	Column string
	Parent string
	Values int64
	Rows   int64
}

type ReconTotal struct {
	Check      string
	TotalA     string // exact decimals
	TotalB     string
	Difference string
	Explained  string
	Exceptions int64
	Ties       bool
	// notChecked says why the check could not run ("" when it ran); ties
	// means nothing then.
	NotChecked string
}

type reconKind struct {
	Check  string
	Kind   string
	Count  int64
	Amount string // Σ difference, exact
}

// overdueRow is a customer with receivables past due, for the e-mail body.
type overdueRow struct {
	customerID string
	Name       string
	Tier       string
	Overdue    string // exact decimal: total_open - current_amount
	D90Plus    string
}

// arKpiRow is one row of ar_kpis: the portfolio or one tier.
type arKpiRow struct {
	Scope        string // portfolio, tier
	Tier         string // "" for the portfolio
	Open         string // exact decimals
	Current      string
	Overdue      string
	OverdueShare sql.NullFloat64
	Dso          sql.NullFloat64 // NULL: no credit sales in the period
	BestDSO      sql.NullFloat64
	AddDays      sql.NullFloat64
	Cei          sql.NullFloat64
	OnTime       sql.NullFloat64
	OpenInvoices int64
}

type rejectGroup struct {
	Source, Column, Reason string
	Rows, Values, Files    int64
	// The first rejected value of the group, by file and line.
	FirstFile  string
	FirstLine  sql.NullInt64
	FirstValue sql.NullString
}

// reportData is everything the page and the Summary sheet show besides the
// row-by-row sheets. Money is exact decimal text summed by DuckDB over
// DECIMAL, so the Summary ties to the cent with the Aging sheet.
type ReportData struct {
	Customers   int64
	Tiers       []TierCount
	OpenAR      string
	Overdue90   string
	OpenTickets int64
	Rejected    int64
	Hotspots    []Hotspot // top paretoTopN by rank
	RegionBasis string    // hotspots.region_basis: ticket, ticket_or_customer, none
	// indicatorsWithData of indicators have data for at least one customer.
	IndicatorsWithData, Indicators int64
	ParetoItems                    []ParetoItem // every hot-spot group's failures, for the Pareto charts
	// unsupported: the first unsupportedTopN rows of hotspot_unsupported
	// in the scope; the count, distinct customers and the sum of their
	// trailing-12-month revenue (each customer once, exact) cover all rows.
	Unsupported          []unsupportedRow
	UnsupportedTotal     int64
	UnsupportedCustomers int64
	UnsupportedRevenue   string
	// scatter: the customers placed on the value vs cost chart; when more
	// than scatterMax have a score and a known cost, the scatterCostliest
	// costliest to serve and every scatterEvery-th of the rest by tier and
	// rank (scatterTotal is how many could be placed).
	Scatter        []ScatterPoint
	ScatterTotal   int64
	ScatterEvery   int64
	Aging          []AgingTier
	Queue          []queueRow    // top queueTopN by rank
	Overdue        []overdueRow  // top overdueTopN by overdue amount
	Rejects        []rejectGroup // the first rejectGroupsShown of rejectGroups
	RejectGroups   int64         // source × column × reason groups of the run's rejects
	RejectExamples int           // rejected rows per group on the Rejects sheet and in rejects.csv

	Model     []modelRow // every row of model_used
	Evidence  []EvidenceRow
	Stability sql.NullFloat64 // mean tier_stability of the customers shown

	Movers       []moverRow // top moversTopN: tier changes first, then by |change|
	MoversTotal  int64
	TierChanges  int64
	PreviousAsOf string // the as-of date movers compare with; "" when none

	Owners      []ownerRow // top ownersTopN: most drains, least profit first
	OwnersTotal int64
	Quadrants   []quadrantRow
	// The run's medians of score and service cost, where quadrants split;
	// read for unfiltered reports only (they are company-wide figures).
	HasMedians   bool
	MedianScore  float64
	MedianCost   float64 // chart position only
	MedianCostEx string  // exact, for the text

	Overrides      []overrideRow // top overridesTopN by customer id
	OverridesTotal int64

	Orphans []orphanGroup // unfiltered only

	ReconTotals []ReconTotal // unfiltered only
	ReconKinds  []reconKind  // unfiltered only

	ArKpis []arKpiRow // unfiltered only: portfolio first, then tiers

	// week compares the run with the previous one (week.go).
	Week *weekChanges

	// filtered is set when the report shows only the customers a recipient
	// filter allows: rejects are then not read at all (see filter.go).
	Filtered bool

	// sources are the canonical tables the run loaded (run_inputs); nil
	// when the run recorded none, and then no source is called missing
	// (sources.go).
	sources map[string]bool
}

const (
	ParetoTopN    = 20
	queueTopN     = 25
	OverdueTopN   = 10
	moversTopN    = 25
	ownersTopN    = 30
	overridesTopN = 50
	// unsupportedTopN rows of hotspot_unsupported are on the page; all are
	// in the workbook.
	unsupportedTopN = 25
)

// The value vs cost chart places at most scatterMax customers: a point per
// customer made the page of a million customers 80 MB and its chart
// unreadable. Above that it keeps the scatterCostliest costliest to serve
// (the drains a manager looks for) and an even sample of the rest. Variables
// so a test can make a small set exceed them.
var (
	ScatterMax       int64 = 3000
	ScatterCostliest int64 = 500
)

func LoadReportData(ctx context.Context, q Queryer, runID int64, sc Scope) (*ReportData, error) {
	d := &ReportData{Filtered: sc.Filtered}
	err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM `+sc.Rel("customer_value", PerCustomer)+` WHERE run_id = $1`, runID).Scan(&d.Customers)
	if err != nil {
		return nil, fmt.Errorf("reports: count customers: %w", err)
	}
	if d.Customers == 0 {
		// A report of nothing would be mailed as if all were well.
		return nil, fmt.Errorf("reports: run %d has no rows in customer_value", runID)
	}
	steps := []struct {
		what string
		load func(context.Context, Queryer, int64, Scope) error
	}{
		{"sources", d.LoadSources},
		{"tiers", d.loadTiers},
		{"receivable totals", d.loadTotals},
		{"hot-spots", d.loadHotspots},
		{"pareto", d.loadPareto},
		{"unsupported", d.loadUnsupported},
		{"scatter", d.loadScatter},
		{"aging by tier", d.loadAging},
		{"service queue", d.loadQueue},
		{"overdue customers", d.loadOverdue},
		{"rejects", d.loadRejects},
		{"model", d.loadModel},
		{"evidence", d.loadEvidence},
		{"movers", d.loadMovers},
		{"service drain", d.loadDrain},
		{"overrides", d.loadOverrides},
		{"orphans", d.loadOrphans},
		{"reconciliation", d.loadReconciliation},
		{"receivables kpis", d.loadArKpis},
		// After rejects and sources: it reads both.
		{"changes since the previous run", d.loadWeek},
	}
	for _, s := range steps {
		if err := s.load(ctx, q, runID, sc); err != nil {
			return nil, fmt.Errorf("reports: load %s: %w", s.what, err)
		}
	}
	return d, nil
}

func (d *ReportData) loadTiers(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(tier, ''), count(*) FROM `+sc.Rel("customer_value", PerCustomer)+` WHERE run_id = $1
		GROUP BY tier ORDER BY tier NULLS LAST`, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t TierCount
		if err := rows.Scan(&t.Tier, &t.Count); err != nil {
			return err
		}
		d.Tiers = append(d.Tiers, t)
	}
	return rows.Err()
}

func (d *ReportData) loadTotals(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	// SUM over DECIMAL(18,2) is an exact DECIMAL(38,2); CAST keeps every digit.
	err := q.QueryRowContext(ctx, `
		SELECT CAST(coalesce(sum(total_open), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d90_plus), 0) AS DECIMAL(38,2))::VARCHAR
		FROM `+sc.Rel("ar_aging", PerCustomer)+` WHERE run_id = $1`, runID).Scan(&d.OpenAR, &d.Overdue90)
	if err != nil {
		return err
	}
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM `+sc.Rel("service_queue", PerCustomer)+` WHERE run_id = $1`,
		runID).Scan(&d.OpenTickets)
	if err != nil {
		return err
	}
	if sc.Filtered {
		return nil // rejects are not shown to a filtered recipient
	}
	// A row with two bad values has two rejects: count rows (file and line;
	// a reject without a line stands for its own row).
	return q.QueryRowContext(ctx, `SELECT `+rejectedRows+` FROM rejects WHERE run_id = $1`, runID).Scan(&d.Rejected)
}

// loadHotspots reads product-level aggregates, the same in every scope.
func (d *ReportData) loadHotspots(ctx context.Context, q Queryer, runID int64, _ Scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(rank, 0), coalesce(product_id, ''), coalesce(product_name, ''), coalesce(component, ''),
		       coalesce(region, ''), coalesce(failures, 0), coalesce(rate_per_100_per_year, 0),
		       coalesce(cumulative_share, 0), coalesce(rising, false), rising_p_value, mttr_hours,
		       coalesce(repeat_serials, 0), rising_q_value, shrunk_rate_per_100_per_year, coalesce(rising_not_tested, '')
		FROM hotspots WHERE run_id = $1
		ORDER BY rank NULLS LAST, product_id, component, region
		LIMIT `+strconv.Itoa(ParetoTopN), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h Hotspot
		if err := rows.Scan(&h.Rank, &h.ProductID, &h.ProductName, &h.Component, &h.Region,
			&h.Failures, &h.RatePer100PerYear, &h.CumulativeShareRatio, &h.Rising, &h.RisingP, &h.MttrHours,
			&h.RepeatSerials, &h.RisingQ, &h.ShrunkRate, &h.NotTested); err != nil {
			return err
		}
		d.Hotspots = append(d.Hotspots, h)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return q.QueryRowContext(ctx, `SELECT coalesce(any_value(region_basis), '') FROM hotspots WHERE run_id = $1`, runID).Scan(&d.RegionBasis)
}

// loadUnsupported reads what cannot be supported: rows name customers, so
// a filtered report reads only the allowed customers' rows.
func (d *ReportData) loadUnsupported(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	t := TableNamed("hotspot_unsupported")
	rel := sc.Rel(t.Name, t.Reach)
	// Revenue is per customer: a customer behind several rows counts once.
	err := q.QueryRowContext(ctx, `
		SELECT count(*), count(DISTINCT customer_id),
		       CAST(coalesce((SELECT sum(revenue_12m) FROM (SELECT DISTINCT customer_id, revenue_12m FROM `+rel+` WHERE run_id = $1)), 0) AS DECIMAL(38,2))::VARCHAR
		FROM `+rel+` WHERE run_id = $1`, runID).Scan(&d.UnsupportedTotal, &d.UnsupportedCustomers, &d.UnsupportedRevenue)
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `
		SELECT reason, coalesce(product_id, ''), coalesce(product_name, ''), customer_id, coalesce(name, ''),
		       coalesce(ticket_id, ''), installed_units, tickets, CAST(revenue_12m AS VARCHAR)
		FROM `+rel+` WHERE run_id = $1 ORDER BY `+t.orderBy+`
		LIMIT `+strconv.Itoa(unsupportedTopN), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r unsupportedRow
		if err := rows.Scan(&r.Reason, &r.ProductID, &r.ProductName, &r.CustomerID, &r.Name, &r.TicketID,
			&r.Units, &r.Tickets, &r.Revenue); err != nil {
			return err
		}
		d.Unsupported = append(d.Unsupported, r)
	}
	return rows.Err()
}

func (d *ReportData) loadScatter(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	// every is 1 (all placed) up to scatterMax points; above, the rest after
	// the costliest are taken every k-th in the chart's order, k the
	// smallest step that leaves at most scatterMax - scatterCostliest.
	rows, err := q.QueryContext(ctx, `
		WITH placed AS (
		    SELECT tier, name, customer_id, rank, service_cost_12m, score
		    FROM `+sc.Rel("customer_value", PerCustomer)+` WHERE run_id = $1
		      -- a customer with no score or no known cost has no place on the chart (not 0)
		      AND service_cost_12m IS NOT NULL AND score IS NOT NULL
		),
		numbered AS (
		    SELECT *, count(*) OVER () AS total,
		           row_number() OVER (ORDER BY service_cost_12m DESC, customer_id) AS by_cost,
		           row_number() OVER (ORDER BY tier NULLS LAST, rank NULLS LAST, customer_id) AS by_rank
		    FROM placed
		),
		stepped AS (
		    SELECT *, CASE WHEN total <= $2 THEN 1
		                   ELSE CAST(ceil((total - $3) / ($2 - $3)::DOUBLE) AS BIGINT) END AS every
		    FROM numbered
		)
		SELECT coalesce(tier, ''), coalesce(name, customer_id, ''), CAST(service_cost_12m AS DOUBLE), score, total, every
		FROM stepped
		WHERE every = 1 OR by_cost <= $3 OR (by_rank - 1) % every = 0
		ORDER BY tier NULLS LAST, rank NULLS LAST, customer_id`, runID, ScatterMax, ScatterCostliest)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p ScatterPoint
		if err := rows.Scan(&p.Tier, &p.Name, &p.Cost, &p.Score, &d.ScatterTotal, &d.ScatterEvery); err != nil {
			return err
		}
		d.Scatter = append(d.Scatter, p)
	}
	return rows.Err()
}

// scatterNote says what the value vs cost chart leaves out, or "" when it
// places every customer it can.
func (d *ReportData) ScatterNote(l texts.Labels) string {
	if d.ScatterEvery <= 1 {
		return ""
	}
	return l.Getf("chart.value_cost.sampled", int64(len(d.Scatter)), d.ScatterTotal, ScatterCostliest, d.ScatterEvery)
}

func (d *ReportData) loadAging(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(tier, ''),
		       CAST(coalesce(sum(current_amount), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d1_30), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d31_60), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d61_90), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d90_plus), 0) AS DECIMAL(38,2))::VARCHAR
		FROM `+sc.Rel("ar_aging", PerCustomer)+` WHERE run_id = $1
		GROUP BY tier ORDER BY tier NULLS LAST`, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a := AgingTier{Buckets: make([]string, len(AgingBuckets))}
		if err := rows.Scan(&a.Tier, &a.Buckets[0], &a.Buckets[1], &a.Buckets[2], &a.Buckets[3], &a.Buckets[4]); err != nil {
			return err
		}
		d.Aging = append(d.Aging, a)
	}
	return rows.Err()
}

func (d *ReportData) loadQueue(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(rank, 0), coalesce(ticket_id, ''), coalesce(name, customer_id, ''), coalesce(tier, ''),
		       coalesce(score, 0), coalesce(severity, 0), coalesce(age_days, 0), coalesce(product_id, ''),
		       coalesce(component, ''), coalesce(category, ''), coalesce(reason, ''),
		       coalesce(priority, 0), estimated_hours, fits_capacity
		FROM `+sc.Rel("service_queue", PerCustomer)+` WHERE run_id = $1
		ORDER BY rank NULLS LAST, ticket_id
		LIMIT `+strconv.Itoa(queueTopN), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r queueRow
		if err := rows.Scan(&r.Rank, &r.TicketID, &r.Name, &r.Tier, &r.Score, &r.Severity, &r.AgeDays,
			&r.ProductID, &r.Component, &r.Category, &r.Reason, &r.Priority, &r.Hours, &r.Fits); err != nil {
			return err
		}
		d.Queue = append(d.Queue, r)
	}
	return rows.Err()
}

// loadOverdue reads the customers with the most money past due (every
// bucket but current), largest first.
func (d *ReportData) loadOverdue(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT customer_id, coalesce(name, customer_id), coalesce(tier, ''),
		       CAST(total_open - current_amount AS DECIMAL(38,2))::VARCHAR,
		       CAST(d90_plus AS DECIMAL(38,2))::VARCHAR
		FROM `+sc.Rel("ar_aging", PerCustomer)+` WHERE run_id = $1 AND total_open - current_amount > 0
		ORDER BY total_open - current_amount DESC, customer_id
		LIMIT `+strconv.Itoa(OverdueTopN), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r overdueRow
		if err := rows.Scan(&r.customerID, &r.Name, &r.Tier, &r.Overdue, &r.D90Plus); err != nil {
			return err
		}
		d.Overdue = append(d.Overdue, r)
	}
	return rows.Err()
}

// rejectGroupsShown is how many source × column × reason groups of rejects
// the page shows; the Reject counts sheet and data file have them all.
const rejectGroupsShown = 50

// rejectedRows counts the input rows behind a set of rejects.
const rejectedRows = `(count(DISTINCT (source, file, line)) FILTER (WHERE line IS NOT NULL) + count(*) FILTER (WHERE line IS NULL))`

func (d *ReportData) loadRejects(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	if sc.Filtered {
		return nil // a rejected value can be any customer's data
	}
	t := TableNamed("reject_counts")
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+t.Relation(sc, runID)+` WHERE run_id = $1`, runID).Scan(&d.RejectGroups); err != nil {
		return err
	}
	d.RejectExamples = sc.rejectExamples()
	rows, err := q.QueryContext(ctx, `
		SELECT source, coalesce(column_name, ''), reason, "rows", "values", files, first_file, first_line, first_value
		FROM `+t.Relation(sc, runID)+` WHERE run_id = $1 ORDER BY `+t.orderBy+` LIMIT `+strconv.Itoa(rejectGroupsShown), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g rejectGroup
		if err := rows.Scan(&g.Source, &g.Column, &g.Reason, &g.Rows, &g.Values, &g.Files, &g.FirstFile, &g.FirstLine, &g.FirstValue); err != nil {
			return err
		}
		d.Rejects = append(d.Rejects, g)
	}
	return rows.Err()
}

// scanAll runs a query and calls scan for each row.
func scanAll(ctx context.Context, q Queryer, query string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// loadModel reads model_used whole: the model names no customer.
func (d *ReportData) loadModel(ctx context.Context, q Queryer, runID int64, _ Scope) error {
	// On how many indicators the index rests: those with data for anyone,
	// over the whole run (segment-level, like the model itself).
	if err := q.QueryRowContext(ctx, queries.Get("IndicatorCoverage"), runID).Scan(&d.IndicatorsWithData, &d.Indicators); err != nil {
		return err
	}
	return scanAll(ctx, q, `
		SELECT segment, group_name, group_weight, indicator, weight, direction, normalization,
		       window_months, missing_policy, weight_method, available
		FROM model_used WHERE run_id = $1
		ORDER BY segment, group_name, indicator`, func(rows *sql.Rows) error {
		var m modelRow
		if err := rows.Scan(&m.Segment, &m.Group, &m.GroupWeight, &m.Indicator, &m.Weight, &m.Direction,
			&m.Normalization, &m.Window, &m.Missing, &m.Method, &m.Available); err != nil {
			return err
		}
		d.Model = append(d.Model, m)
		return nil
	}, runID)
}

// loadEvidence reads model_evidence whole (segment-wide figures), the
// Spearman correlation first, then the lifts, then the sensitivities, and
// the mean tier stability of the customers shown.
func (d *ReportData) loadEvidence(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	err := scanAll(ctx, q, `
		SELECT segment, metric, value, coalesce(detail, '')
		FROM model_evidence WHERE run_id = $1
		ORDER BY segment, CASE WHEN metric LIKE 'spearman%' THEN 0 WHEN metric LIKE 'lift%' THEN 1
		                       WHEN metric LIKE 'sensitivity%' THEN 2 ELSE 3 END, metric`, func(rows *sql.Rows) error {
		var e EvidenceRow
		if err := rows.Scan(&e.Segment, &e.Metric, &e.Value, &e.Detail); err != nil {
			return err
		}
		d.Evidence = append(d.Evidence, e)
		return nil
	}, runID)
	if err != nil {
		return err
	}
	return q.QueryRowContext(ctx, `SELECT avg(tier_stability) FROM `+sc.Rel("customer_value", PerCustomer)+
		` WHERE run_id = $1`, runID).Scan(&d.Stability)
}

// loadMovers reads the top movers of the customers shown: tier changes
// first, then the largest moves, and how many there are in all.
func (d *ReportData) loadMovers(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	rel := sc.Rel("movers", PerCustomer)
	err := q.QueryRowContext(ctx, `
		SELECT count(*), count(*) FILTER (WHERE previous_tier IS DISTINCT FROM tier)
		FROM `+rel+` WHERE run_id = $1`, runID).Scan(&d.MoversTotal, &d.TierChanges)
	if err != nil {
		return err
	}
	// The date movers compare with, as the pipeline picks it (the latest
	// earlier as-of date with scores); a date, no customer's data, so read
	// whole: a filtered report whose customers did not move still says
	// since when.
	var prev sql.NullTime
	err = q.QueryRowContext(ctx, `
		SELECT max(as_of) FROM customer_value
		WHERE as_of < (SELECT max(as_of) FROM customer_value WHERE run_id = $1)`, runID).Scan(&prev)
	if err != nil {
		return err
	}
	if prev.Valid {
		d.PreviousAsOf = prev.Time.Format("2006-01-02")
	}
	return scanAll(ctx, q, `
		SELECT customer_id, coalesce(name, customer_id), coalesce(previous_tier, ''), tier, previous_score, score,
		       change, coalesce(top_up, ''), coalesce(top_down, ''), previous_tier IS DISTINCT FROM tier
		FROM `+rel+` WHERE run_id = $1
		ORDER BY previous_tier IS DISTINCT FROM tier DESC, abs(change) DESC, customer_id
		LIMIT `+strconv.Itoa(moversTopN), func(rows *sql.Rows) error {
		var m moverRow
		if err := rows.Scan(&m.CustomerID, &m.Name, &m.PreviousTier, &m.Tier, &m.PreviousScore, &m.Score,
			&m.Change, &m.TopUp, &m.TopDown, &m.TierChanged); err != nil {
			return err
		}
		d.Movers = append(d.Movers, m)
		return nil
	}, runID)
}

// loadDrain reads the service drain: per account owner (owner_drain, in a
// filtered report recomputed over the customers shown), per quadrant of
// the customers shown, and, unfiltered only, the medians the quadrants
// split at.
func (d *ReportData) loadDrain(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	owners := sc.Rel("owner_drain", perOwner)
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+owners+` WHERE run_id = $1`, runID).Scan(&d.OwnersTotal); err != nil {
		return err
	}
	err := scanAll(ctx, q, `
		SELECT account_owner, customers, CAST(revenue_12m AS VARCHAR), coalesce(CAST(service_cost_12m AS VARCHAR), ''),
		       coalesce(CAST(value_added_profit AS VARCHAR), ''), tier_a, drains
		FROM `+owners+` WHERE run_id = $1
		ORDER BY drains DESC, value_added_profit, account_owner
		LIMIT `+strconv.Itoa(ownersTopN), func(rows *sql.Rows) error {
		var o ownerRow
		if err := rows.Scan(&o.Owner, &o.Customers, &o.Revenue, &o.Cost, &o.Profit, &o.TierA, &o.Drains); err != nil {
			return err
		}
		d.Owners = append(d.Owners, o)
		return nil
	}, runID)
	if err != nil {
		return err
	}
	err = scanAll(ctx, q, `
		SELECT coalesce(quadrant, ''), count(*),
		       CAST(sum(revenue_12m) AS DECIMAL(38,2))::VARCHAR,
		       coalesce(CAST(sum(service_cost_12m) AS DECIMAL(38,2))::VARCHAR, ''),
		       coalesce(CAST(sum(value_added_profit) AS DECIMAL(38,2))::VARCHAR, '')
		FROM `+sc.Rel("customer_value", PerCustomer)+` WHERE run_id = $1
		GROUP BY quadrant
		ORDER BY CASE quadrant WHEN 'partner' THEN 0 WHEN 'low-touch' THEN 1 WHEN 'drain' THEN 2
		                       WHEN 'marginal' THEN 3 ELSE 4 END, quadrant NULLS LAST`, func(rows *sql.Rows) error {
		var r quadrantRow
		if err := rows.Scan(&r.Quadrant, &r.Customers, &r.Revenue, &r.Cost, &r.Profit); err != nil {
			return err
		}
		d.Quadrants = append(d.Quadrants, r)
		return nil
	}, runID)
	if err != nil || sc.Filtered {
		return err
	}
	// The medians over all of the run's customers, as the pipeline splits
	// the quadrants (queries/score.sql, CompareWithPrevious).
	var score, cost sql.NullFloat64
	var costEx sql.NullString
	err = q.QueryRowContext(ctx, `
		SELECT median(score), CAST(median(service_cost_12m) AS DOUBLE),
		       CAST(CAST(median(service_cost_12m) AS DECIMAL(38,2)) AS VARCHAR)
		FROM customer_value WHERE run_id = $1`, runID).Scan(&score, &cost, &costEx)
	if err != nil {
		return err
	}
	if score.Valid && cost.Valid {
		d.HasMedians, d.MedianScore, d.MedianCost, d.MedianCostEx = true, score.Float64, cost.Float64, costEx.String
	}
	return nil
}

// loadOverrides reads the customers shown whose tier is set by hand.
func (d *ReportData) loadOverrides(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	rel := sc.Rel("customer_value", PerCustomer)
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+rel+` WHERE run_id = $1 AND override_tier IS NOT NULL`,
		runID).Scan(&d.OverridesTotal); err != nil {
		return err
	}
	return scanAll(ctx, q, `
		SELECT customer_id, coalesce(name, customer_id), override_tier, computed_tier, coalesce(override_reason, ''),
		       coalesce(override_owner, ''), coalesce(strftime(override_expires, '%Y-%m-%d'), '')
		FROM `+rel+` WHERE run_id = $1 AND override_tier IS NOT NULL
		ORDER BY customer_id
		LIMIT `+strconv.Itoa(overridesTopN), func(rows *sql.Rows) error {
		var o overrideRow
		if err := rows.Scan(&o.CustomerID, &o.Name, &o.Tier, &o.ComputedTier, &o.Reason, &o.Owner, &o.Expires); err != nil {
			return err
		}
		d.Overrides = append(d.Overrides, o)
		return nil
	}, runID)
}

// loadOrphans counts unknown references per source and column; like
// rejects, they are not read for a filtered report (an unknown reference
// belongs to no known customer).
func (d *ReportData) loadOrphans(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	if sc.Filtered {
		return nil
	}
	return scanAll(ctx, q, `
		SELECT source, column_name, parent, count(*), coalesce(sum(rows), 0)
		FROM orphans WHERE run_id = $1
		GROUP BY ALL ORDER BY source, column_name, parent`, func(rows *sql.Rows) error {
		var o orphanGroup
		if err := rows.Scan(&o.Source, &o.Column, &o.Parent, &o.Values, &o.Rows); err != nil {
			return err
		}
		d.Orphans = append(d.Orphans, o)
		return nil
	}, runID)
}

// loadReconciliation reads the control totals and the exceptions counted
// by kind. A kind's detail after a colon ("unapplied: invoice X not in
// ledger") names one exception, so exceptions are counted by the part
// before it ("unapplied"); the workbook lists each in full. Both are
// company-wide money: a filtered report shows neither.
func (d *ReportData) loadReconciliation(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	if sc.Filtered {
		return nil
	}
	err := scanAll(ctx, q, `
		SELECT check_name, coalesce(CAST(total_a AS VARCHAR), ''), coalesce(CAST(total_b AS VARCHAR), ''),
		       coalesce(CAST(difference AS VARCHAR), ''), coalesce(CAST(explained AS VARCHAR), ''),
		       coalesce(exceptions, 0), coalesce(ties, false), coalesce(not_checked, '')
		FROM reconciliation_totals WHERE run_id = $1 ORDER BY check_name`, func(rows *sql.Rows) error {
		var r ReconTotal
		if err := rows.Scan(&r.Check, &r.TotalA, &r.TotalB, &r.Difference, &r.Explained, &r.Exceptions, &r.Ties, &r.NotChecked); err != nil {
			return err
		}
		d.ReconTotals = append(d.ReconTotals, r)
		return nil
	}, runID)
	if err != nil {
		return err
	}
	return scanAll(ctx, q, `
		SELECT check_name, trim(split_part(kind, ':', 1)) AS kind, count(*),
		       CAST(sum(difference) AS DECIMAL(38,2))::VARCHAR
		FROM reconciliation_exceptions WHERE run_id = $1
		GROUP BY ALL ORDER BY check_name, kind`, func(rows *sql.Rows) error {
		var r reconKind
		if err := rows.Scan(&r.Check, &r.Kind, &r.Count, &r.Amount); err != nil {
			return err
		}
		d.ReconKinds = append(d.ReconKinds, r)
		return nil
	}, runID)
}

// loadArKpis reads the portfolio and per-tier receivables KPIs. They sum
// customers outside any recipient filter, so a filtered report reads none.
func (d *ReportData) loadArKpis(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	if sc.Filtered {
		return nil
	}
	rows, err := q.QueryContext(ctx, `
		SELECT scope, coalesce(tier, ''), CAST(open_amount AS VARCHAR), CAST(current_amount AS VARCHAR),
		       CAST(overdue_amount AS VARCHAR), overdue_share, dso, best_possible_dso, add_days, cei,
		       on_time_rate, open_invoices
		FROM ar_kpis WHERE run_id = $1
		ORDER BY `+TableNamed("ar_kpis").orderBy, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r arKpiRow
		if err := rows.Scan(&r.Scope, &r.Tier, &r.Open, &r.Current, &r.Overdue, &r.OverdueShare, &r.Dso, &r.BestDSO,
			&r.AddDays, &r.Cei, &r.OnTime, &r.OpenInvoices); err != nil {
			return err
		}
		d.ArKpis = append(d.ArKpis, r)
	}
	return rows.Err()
}
