package reports

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/accordhq/accord/queries"
)

// queryer is what the renderers read through: the read transaction Write
// opens, so the page, the workbook and the data files show one snapshot.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// The aging buckets in display order, as ar_aging columns.
var agingBuckets = []string{"current_amount", "d1_30", "d31_60", "d61_90", "d90_plus"}

type tierCount struct {
	tier  string // "" when the table holds NULL
	count int64
}

type hotspot struct {
	rank                 int64
	productID            string
	productName          string
	component            string
	region               string
	failures             int64
	ratePer100PerYear    float64
	shrunkRate           sql.NullFloat64 // NULL: held back (too few installed units)
	notTested            string          // why the rising test did not apply; "" when it did
	cumulativeShareRatio float64
	rising               bool
	risingP              sql.NullFloat64 // NULL: no baseline history, the test does not apply
	risingQ              sql.NullFloat64 // NULL: not in the tested family (no p-value, too few faults)
	mttrHours            sql.NullFloat64 // NULL: no repair closed in the window
	repeatSerials        int64
}

// productLabel is the group's product by name, or by id when it has none.
func (h hotspot) productLabel() string { return cmp.Or(h.productName, h.productID) }

// unsupportedRow is one row of hotspot_unsupported.
type unsupportedRow struct {
	reason, productID, productName, customerID, name, ticketID string
	units, tickets                                             sql.NullInt64
	revenue                                                    string // exact decimal text
}

type scatterPoint struct {
	tier  string
	name  string
	cost  float64 // display only; the exact value is in the workbook
	score float64
}

type agingTier struct {
	tier    string
	buckets []string // exact decimal sums, in agingBuckets order
}

type queueRow struct {
	rank      int64
	ticketID  string
	name      string
	tier      string
	score     float64
	severity  int64
	ageDays   int64
	productID string
	component string
	category  string
	reason    string
	priority  float64
	hours     sql.NullFloat64 // estimated hours; NULL: no closed ticket to estimate from
	fits      sql.NullBool    // NULL: no engineer hours configured
}

// modelRow is one indicator of model_used: what the run actually used.
type modelRow struct {
	segment       string
	group         string
	groupWeight   float64
	indicator     string
	weight        float64
	direction     string
	normalization string
	window        int64
	missing       string
	method        string
	available     bool
}

type evidenceRow struct {
	segment string
	metric  string
	value   sql.NullFloat64
	detail  string
}

type moverRow struct {
	customerID    string
	name          string
	previousTier  string
	tier          string
	previousScore sql.NullFloat64
	score         float64
	change        float64
	topUp         string
	topDown       string
	tierChanged   bool
}

type ownerRow struct {
	owner     string
	customers int64
	revenue   string // exact decimals
	cost      string
	profit    string
	tierA     int64
	drains    int64
}

type quadrantRow struct {
	quadrant  string // "" when NULL
	customers int64
	revenue   string
	cost      string
	profit    string
}

type overrideRow struct {
	customerID   string
	name         string
	tier         string // the override's tier
	computedTier string
	reason       string
	owner        string
	expires      string // yyyy-mm-dd or ""
}

type orphanGroup struct {
	source string
	column string
	parent string
	values int64
	rows   int64
}

type reconTotal struct {
	check      string
	totalA     string // exact decimals
	totalB     string
	difference string
	explained  string
	exceptions int64
	ties       bool
	// notChecked says why the check could not run ("" when it ran); ties
	// means nothing then.
	notChecked string
}

type reconKind struct {
	check  string
	kind   string
	count  int64
	amount string // Σ difference, exact
}

// overdueRow is a customer with receivables past due, for the e-mail body.
type overdueRow struct {
	customerID string
	name       string
	tier       string
	overdue    string // exact decimal: total_open - current_amount
	d90Plus    string
}

// arKpiRow is one row of ar_kpis: the portfolio or one tier.
type arKpiRow struct {
	scope        string // portfolio, tier
	tier         string // "" for the portfolio
	open         string // exact decimals
	current      string
	overdue      string
	overdueShare sql.NullFloat64
	dso          sql.NullFloat64 // NULL: no credit sales in the period
	bestDSO      sql.NullFloat64
	addDays      sql.NullFloat64
	cei          sql.NullFloat64
	onTime       sql.NullFloat64
	openInvoices int64
}

type rejectGroup struct {
	source, column, reason string
	rows, values, files    int64
	// The first rejected value of the group, by file and line.
	firstFile  string
	firstLine  sql.NullInt64
	firstValue sql.NullString
}

// reportData is everything the page and the Summary sheet show besides the
// row-by-row sheets. Money is exact decimal text summed by DuckDB over
// DECIMAL, so the Summary ties to the cent with the Aging sheet.
type reportData struct {
	customers   int64
	tiers       []tierCount
	openAR      string
	overdue90   string
	openTickets int64
	rejected    int64
	hotspots    []hotspot // top paretoTopN by rank
	regionBasis string    // hotspots.region_basis: ticket, ticket_or_customer, none
	// indicatorsWithData of indicators have data for at least one customer.
	indicatorsWithData, indicators int64
	paretoItems                    []paretoItem // every hot-spot group's failures, for the Pareto charts
	// unsupported: the first unsupportedTopN rows of hotspot_unsupported
	// in the scope; the count, distinct customers and the sum of their
	// trailing-12-month revenue (each customer once, exact) cover all rows.
	unsupported          []unsupportedRow
	unsupportedTotal     int64
	unsupportedCustomers int64
	unsupportedRevenue   string
	// scatter: the customers placed on the value vs cost chart; when more
	// than scatterMax have a score and a known cost, the scatterCostliest
	// costliest to serve and every scatterEvery-th of the rest by tier and
	// rank (scatterTotal is how many could be placed).
	scatter        []scatterPoint
	scatterTotal   int64
	scatterEvery   int64
	aging          []agingTier
	queue          []queueRow    // top queueTopN by rank
	overdue        []overdueRow  // top overdueTopN by overdue amount
	rejects        []rejectGroup // the first rejectGroupsShown of rejectGroups
	rejectGroups   int64         // source × column × reason groups of the run's rejects
	rejectExamples int           // rejected rows per group on the Rejects sheet and in rejects.csv

	model     []modelRow // every row of model_used
	evidence  []evidenceRow
	stability sql.NullFloat64 // mean tier_stability of the customers shown

	movers       []moverRow // top moversTopN: tier changes first, then by |change|
	moversTotal  int64
	tierChanges  int64
	previousAsOf string // the as-of date movers compare with; "" when none

	owners      []ownerRow // top ownersTopN: most drains, least profit first
	ownersTotal int64
	quadrants   []quadrantRow
	// The run's medians of score and service cost, where quadrants split;
	// read for unfiltered reports only (they are company-wide figures).
	hasMedians   bool
	medianScore  float64
	medianCost   float64 // chart position only
	medianCostEx string  // exact, for the text

	overrides      []overrideRow // top overridesTopN by customer id
	overridesTotal int64

	orphans []orphanGroup // unfiltered only

	reconTotals []reconTotal // unfiltered only
	reconKinds  []reconKind  // unfiltered only

	arKpis []arKpiRow // unfiltered only: portfolio first, then tiers

	// week compares the run with the previous one (week.go).
	week *weekChanges

	// filtered is set when the report shows only the customers a recipient
	// filter allows: rejects are then not read at all (see filter.go).
	filtered bool

	// sources are the canonical tables the run loaded (run_inputs); nil
	// when the run recorded none, and then no source is called missing
	// (sources.go).
	sources map[string]bool
}

const (
	paretoTopN    = 20
	queueTopN     = 25
	overdueTopN   = 10
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
	scatterMax       int64 = 3000
	scatterCostliest int64 = 500
)

func loadReportData(ctx context.Context, q queryer, runID int64, sc scope) (*reportData, error) {
	d := &reportData{filtered: sc.filtered}
	err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM `+sc.rel("customer_value", perCustomer)+` WHERE run_id = $1`, runID).Scan(&d.customers)
	if err != nil {
		return nil, fmt.Errorf("reports: count customers: %w", err)
	}
	if d.customers == 0 {
		// A report of nothing would be mailed as if all were well.
		return nil, fmt.Errorf("reports: run %d has no rows in customer_value", runID)
	}
	steps := []struct {
		what string
		load func(context.Context, queryer, int64, scope) error
	}{
		{"sources", d.loadSources},
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

func (d *reportData) loadTiers(ctx context.Context, q queryer, runID int64, sc scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(tier, ''), count(*) FROM `+sc.rel("customer_value", perCustomer)+` WHERE run_id = $1
		GROUP BY tier ORDER BY tier NULLS LAST`, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t tierCount
		if err := rows.Scan(&t.tier, &t.count); err != nil {
			return err
		}
		d.tiers = append(d.tiers, t)
	}
	return rows.Err()
}

func (d *reportData) loadTotals(ctx context.Context, q queryer, runID int64, sc scope) error {
	// SUM over DECIMAL(18,2) is an exact DECIMAL(38,2); CAST keeps every digit.
	err := q.QueryRowContext(ctx, `
		SELECT CAST(coalesce(sum(total_open), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d90_plus), 0) AS DECIMAL(38,2))::VARCHAR
		FROM `+sc.rel("ar_aging", perCustomer)+` WHERE run_id = $1`, runID).Scan(&d.openAR, &d.overdue90)
	if err != nil {
		return err
	}
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM `+sc.rel("service_queue", perCustomer)+` WHERE run_id = $1`,
		runID).Scan(&d.openTickets)
	if err != nil {
		return err
	}
	if sc.filtered {
		return nil // rejects are not shown to a filtered recipient
	}
	// A row with two bad values has two rejects: count rows (file and line;
	// a reject without a line stands for its own row).
	return q.QueryRowContext(ctx, `SELECT `+rejectedRows+` FROM rejects WHERE run_id = $1`, runID).Scan(&d.rejected)
}

// loadHotspots reads product-level aggregates, the same in every scope.
func (d *reportData) loadHotspots(ctx context.Context, q queryer, runID int64, _ scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(rank, 0), coalesce(product_id, ''), coalesce(product_name, ''), coalesce(component, ''),
		       coalesce(region, ''), coalesce(failures, 0), coalesce(rate_per_100_per_year, 0),
		       coalesce(cumulative_share, 0), coalesce(rising, false), rising_p_value, mttr_hours,
		       coalesce(repeat_serials, 0), rising_q_value, shrunk_rate_per_100_per_year, coalesce(rising_not_tested, '')
		FROM hotspots WHERE run_id = $1
		ORDER BY rank NULLS LAST, product_id, component, region
		LIMIT `+strconv.Itoa(paretoTopN), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h hotspot
		if err := rows.Scan(&h.rank, &h.productID, &h.productName, &h.component, &h.region,
			&h.failures, &h.ratePer100PerYear, &h.cumulativeShareRatio, &h.rising, &h.risingP, &h.mttrHours,
			&h.repeatSerials, &h.risingQ, &h.shrunkRate, &h.notTested); err != nil {
			return err
		}
		d.hotspots = append(d.hotspots, h)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return q.QueryRowContext(ctx, `SELECT coalesce(any_value(region_basis), '') FROM hotspots WHERE run_id = $1`, runID).Scan(&d.regionBasis)
}

// loadUnsupported reads what cannot be supported: rows name customers, so
// a filtered report reads only the allowed customers' rows.
func (d *reportData) loadUnsupported(ctx context.Context, q queryer, runID int64, sc scope) error {
	t := tableNamed("hotspot_unsupported")
	rel := sc.rel(t.name, t.reach)
	// Revenue is per customer: a customer behind several rows counts once.
	err := q.QueryRowContext(ctx, `
		SELECT count(*), count(DISTINCT customer_id),
		       CAST(coalesce((SELECT sum(revenue_12m) FROM (SELECT DISTINCT customer_id, revenue_12m FROM `+rel+` WHERE run_id = $1)), 0) AS DECIMAL(38,2))::VARCHAR
		FROM `+rel+` WHERE run_id = $1`, runID).Scan(&d.unsupportedTotal, &d.unsupportedCustomers, &d.unsupportedRevenue)
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
		if err := rows.Scan(&r.reason, &r.productID, &r.productName, &r.customerID, &r.name, &r.ticketID,
			&r.units, &r.tickets, &r.revenue); err != nil {
			return err
		}
		d.unsupported = append(d.unsupported, r)
	}
	return rows.Err()
}

func (d *reportData) loadScatter(ctx context.Context, q queryer, runID int64, sc scope) error {
	// every is 1 (all placed) up to scatterMax points; above, the rest after
	// the costliest are taken every k-th in the chart's order, k the
	// smallest step that leaves at most scatterMax - scatterCostliest.
	rows, err := q.QueryContext(ctx, `
		WITH placed AS (
		    SELECT tier, name, customer_id, rank, service_cost_12m, score
		    FROM `+sc.rel("customer_value", perCustomer)+` WHERE run_id = $1
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
		ORDER BY tier NULLS LAST, rank NULLS LAST, customer_id`, runID, scatterMax, scatterCostliest)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p scatterPoint
		if err := rows.Scan(&p.tier, &p.name, &p.cost, &p.score, &d.scatterTotal, &d.scatterEvery); err != nil {
			return err
		}
		d.scatter = append(d.scatter, p)
	}
	return rows.Err()
}

// scatterNote says what the value vs cost chart leaves out, or "" when it
// places every customer it can.
func (d *reportData) scatterNote(l labels) string {
	if d.scatterEvery <= 1 {
		return ""
	}
	return l.getf("chart.value_cost.sampled", int64(len(d.scatter)), d.scatterTotal, scatterCostliest, d.scatterEvery)
}

func (d *reportData) loadAging(ctx context.Context, q queryer, runID int64, sc scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(tier, ''),
		       CAST(coalesce(sum(current_amount), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d1_30), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d31_60), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d61_90), 0) AS DECIMAL(38,2))::VARCHAR,
		       CAST(coalesce(sum(d90_plus), 0) AS DECIMAL(38,2))::VARCHAR
		FROM `+sc.rel("ar_aging", perCustomer)+` WHERE run_id = $1
		GROUP BY tier ORDER BY tier NULLS LAST`, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a := agingTier{buckets: make([]string, len(agingBuckets))}
		if err := rows.Scan(&a.tier, &a.buckets[0], &a.buckets[1], &a.buckets[2], &a.buckets[3], &a.buckets[4]); err != nil {
			return err
		}
		d.aging = append(d.aging, a)
	}
	return rows.Err()
}

func (d *reportData) loadQueue(ctx context.Context, q queryer, runID int64, sc scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(rank, 0), coalesce(ticket_id, ''), coalesce(name, customer_id, ''), coalesce(tier, ''),
		       coalesce(score, 0), coalesce(severity, 0), coalesce(age_days, 0), coalesce(product_id, ''),
		       coalesce(component, ''), coalesce(category, ''), coalesce(reason, ''),
		       coalesce(priority, 0), estimated_hours, fits_capacity
		FROM `+sc.rel("service_queue", perCustomer)+` WHERE run_id = $1
		ORDER BY rank NULLS LAST, ticket_id
		LIMIT `+strconv.Itoa(queueTopN), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r queueRow
		if err := rows.Scan(&r.rank, &r.ticketID, &r.name, &r.tier, &r.score, &r.severity, &r.ageDays,
			&r.productID, &r.component, &r.category, &r.reason, &r.priority, &r.hours, &r.fits); err != nil {
			return err
		}
		d.queue = append(d.queue, r)
	}
	return rows.Err()
}

// loadOverdue reads the customers with the most money past due (every
// bucket but current), largest first.
func (d *reportData) loadOverdue(ctx context.Context, q queryer, runID int64, sc scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT customer_id, coalesce(name, customer_id), coalesce(tier, ''),
		       CAST(total_open - current_amount AS DECIMAL(38,2))::VARCHAR,
		       CAST(d90_plus AS DECIMAL(38,2))::VARCHAR
		FROM `+sc.rel("ar_aging", perCustomer)+` WHERE run_id = $1 AND total_open - current_amount > 0
		ORDER BY total_open - current_amount DESC, customer_id
		LIMIT `+strconv.Itoa(overdueTopN), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r overdueRow
		if err := rows.Scan(&r.customerID, &r.name, &r.tier, &r.overdue, &r.d90Plus); err != nil {
			return err
		}
		d.overdue = append(d.overdue, r)
	}
	return rows.Err()
}

// rejectGroupsShown is how many source × column × reason groups of rejects
// the page shows; the Reject counts sheet and data file have them all.
const rejectGroupsShown = 50

// rejectedRows counts the input rows behind a set of rejects.
const rejectedRows = `(count(DISTINCT (source, file, line)) FILTER (WHERE line IS NOT NULL) + count(*) FILTER (WHERE line IS NULL))`

func (d *reportData) loadRejects(ctx context.Context, q queryer, runID int64, sc scope) error {
	if sc.filtered {
		return nil // a rejected value can be any customer's data
	}
	t := tableNamed("reject_counts")
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+t.relation(sc, runID)+` WHERE run_id = $1`, runID).Scan(&d.rejectGroups); err != nil {
		return err
	}
	d.rejectExamples = sc.rejectExamples()
	rows, err := q.QueryContext(ctx, `
		SELECT source, coalesce(column_name, ''), reason, "rows", "values", files, first_file, first_line, first_value
		FROM `+t.relation(sc, runID)+` WHERE run_id = $1 ORDER BY `+t.orderBy+` LIMIT `+strconv.Itoa(rejectGroupsShown), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g rejectGroup
		if err := rows.Scan(&g.source, &g.column, &g.reason, &g.rows, &g.values, &g.files, &g.firstFile, &g.firstLine, &g.firstValue); err != nil {
			return err
		}
		d.rejects = append(d.rejects, g)
	}
	return rows.Err()
}

// scanAll runs a query and calls scan for each row.
func scanAll(ctx context.Context, q queryer, query string, scan func(*sql.Rows) error, args ...any) error {
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
func (d *reportData) loadModel(ctx context.Context, q queryer, runID int64, _ scope) error {
	// On how many indicators the index rests: those with data for anyone,
	// over the whole run (segment-level, like the model itself).
	if err := q.QueryRowContext(ctx, queries.Get("IndicatorCoverage"), runID).Scan(&d.indicatorsWithData, &d.indicators); err != nil {
		return err
	}
	return scanAll(ctx, q, `
		SELECT segment, group_name, group_weight, indicator, weight, direction, normalization,
		       window_months, missing_policy, weight_method, available
		FROM model_used WHERE run_id = $1
		ORDER BY segment, group_name, indicator`, func(rows *sql.Rows) error {
		var m modelRow
		if err := rows.Scan(&m.segment, &m.group, &m.groupWeight, &m.indicator, &m.weight, &m.direction,
			&m.normalization, &m.window, &m.missing, &m.method, &m.available); err != nil {
			return err
		}
		d.model = append(d.model, m)
		return nil
	}, runID)
}

// loadEvidence reads model_evidence whole (segment-wide figures), the
// Spearman correlation first, then the lifts, then the sensitivities, and
// the mean tier stability of the customers shown.
func (d *reportData) loadEvidence(ctx context.Context, q queryer, runID int64, sc scope) error {
	err := scanAll(ctx, q, `
		SELECT segment, metric, value, coalesce(detail, '')
		FROM model_evidence WHERE run_id = $1
		ORDER BY segment, CASE WHEN metric LIKE 'spearman%' THEN 0 WHEN metric LIKE 'lift%' THEN 1
		                       WHEN metric LIKE 'sensitivity%' THEN 2 ELSE 3 END, metric`, func(rows *sql.Rows) error {
		var e evidenceRow
		if err := rows.Scan(&e.segment, &e.metric, &e.value, &e.detail); err != nil {
			return err
		}
		d.evidence = append(d.evidence, e)
		return nil
	}, runID)
	if err != nil {
		return err
	}
	return q.QueryRowContext(ctx, `SELECT avg(tier_stability) FROM `+sc.rel("customer_value", perCustomer)+
		` WHERE run_id = $1`, runID).Scan(&d.stability)
}

// loadMovers reads the top movers of the customers shown: tier changes
// first, then the largest moves, and how many there are in all.
func (d *reportData) loadMovers(ctx context.Context, q queryer, runID int64, sc scope) error {
	rel := sc.rel("movers", perCustomer)
	err := q.QueryRowContext(ctx, `
		SELECT count(*), count(*) FILTER (WHERE previous_tier IS DISTINCT FROM tier)
		FROM `+rel+` WHERE run_id = $1`, runID).Scan(&d.moversTotal, &d.tierChanges)
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
		d.previousAsOf = prev.Time.Format("2006-01-02")
	}
	return scanAll(ctx, q, `
		SELECT customer_id, coalesce(name, customer_id), coalesce(previous_tier, ''), tier, previous_score, score,
		       change, coalesce(top_up, ''), coalesce(top_down, ''), previous_tier IS DISTINCT FROM tier
		FROM `+rel+` WHERE run_id = $1
		ORDER BY previous_tier IS DISTINCT FROM tier DESC, abs(change) DESC, customer_id
		LIMIT `+strconv.Itoa(moversTopN), func(rows *sql.Rows) error {
		var m moverRow
		if err := rows.Scan(&m.customerID, &m.name, &m.previousTier, &m.tier, &m.previousScore, &m.score,
			&m.change, &m.topUp, &m.topDown, &m.tierChanged); err != nil {
			return err
		}
		d.movers = append(d.movers, m)
		return nil
	}, runID)
}

// loadDrain reads the service drain: per account owner (owner_drain, in a
// filtered report recomputed over the customers shown), per quadrant of
// the customers shown, and, unfiltered only, the medians the quadrants
// split at.
func (d *reportData) loadDrain(ctx context.Context, q queryer, runID int64, sc scope) error {
	owners := sc.rel("owner_drain", perOwner)
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+owners+` WHERE run_id = $1`, runID).Scan(&d.ownersTotal); err != nil {
		return err
	}
	err := scanAll(ctx, q, `
		SELECT account_owner, customers, CAST(revenue_12m AS VARCHAR), coalesce(CAST(service_cost_12m AS VARCHAR), ''),
		       coalesce(CAST(value_added_profit AS VARCHAR), ''), tier_a, drains
		FROM `+owners+` WHERE run_id = $1
		ORDER BY drains DESC, value_added_profit, account_owner
		LIMIT `+strconv.Itoa(ownersTopN), func(rows *sql.Rows) error {
		var o ownerRow
		if err := rows.Scan(&o.owner, &o.customers, &o.revenue, &o.cost, &o.profit, &o.tierA, &o.drains); err != nil {
			return err
		}
		d.owners = append(d.owners, o)
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
		FROM `+sc.rel("customer_value", perCustomer)+` WHERE run_id = $1
		GROUP BY quadrant
		ORDER BY CASE quadrant WHEN 'partner' THEN 0 WHEN 'low-touch' THEN 1 WHEN 'drain' THEN 2
		                       WHEN 'marginal' THEN 3 ELSE 4 END, quadrant NULLS LAST`, func(rows *sql.Rows) error {
		var r quadrantRow
		if err := rows.Scan(&r.quadrant, &r.customers, &r.revenue, &r.cost, &r.profit); err != nil {
			return err
		}
		d.quadrants = append(d.quadrants, r)
		return nil
	}, runID)
	if err != nil || sc.filtered {
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
		d.hasMedians, d.medianScore, d.medianCost, d.medianCostEx = true, score.Float64, cost.Float64, costEx.String
	}
	return nil
}

// loadOverrides reads the customers shown whose tier is set by hand.
func (d *reportData) loadOverrides(ctx context.Context, q queryer, runID int64, sc scope) error {
	rel := sc.rel("customer_value", perCustomer)
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+rel+` WHERE run_id = $1 AND override_tier IS NOT NULL`,
		runID).Scan(&d.overridesTotal); err != nil {
		return err
	}
	return scanAll(ctx, q, `
		SELECT customer_id, coalesce(name, customer_id), override_tier, computed_tier, coalesce(override_reason, ''),
		       coalesce(override_owner, ''), coalesce(strftime(override_expires, '%Y-%m-%d'), '')
		FROM `+rel+` WHERE run_id = $1 AND override_tier IS NOT NULL
		ORDER BY customer_id
		LIMIT `+strconv.Itoa(overridesTopN), func(rows *sql.Rows) error {
		var o overrideRow
		if err := rows.Scan(&o.customerID, &o.name, &o.tier, &o.computedTier, &o.reason, &o.owner, &o.expires); err != nil {
			return err
		}
		d.overrides = append(d.overrides, o)
		return nil
	}, runID)
}

// loadOrphans counts unknown references per source and column; like
// rejects, they are not read for a filtered report (an unknown reference
// belongs to no known customer).
func (d *reportData) loadOrphans(ctx context.Context, q queryer, runID int64, sc scope) error {
	if sc.filtered {
		return nil
	}
	return scanAll(ctx, q, `
		SELECT source, column_name, parent, count(*), coalesce(sum(rows), 0)
		FROM orphans WHERE run_id = $1
		GROUP BY ALL ORDER BY source, column_name, parent`, func(rows *sql.Rows) error {
		var o orphanGroup
		if err := rows.Scan(&o.source, &o.column, &o.parent, &o.values, &o.rows); err != nil {
			return err
		}
		d.orphans = append(d.orphans, o)
		return nil
	}, runID)
}

// loadReconciliation reads the control totals and the exceptions counted
// by kind. A kind's detail after a colon ("unapplied: invoice X not in
// ledger") names one exception, so exceptions are counted by the part
// before it ("unapplied"); the workbook lists each in full. Both are
// company-wide money: a filtered report shows neither.
func (d *reportData) loadReconciliation(ctx context.Context, q queryer, runID int64, sc scope) error {
	if sc.filtered {
		return nil
	}
	err := scanAll(ctx, q, `
		SELECT check_name, coalesce(CAST(total_a AS VARCHAR), ''), coalesce(CAST(total_b AS VARCHAR), ''),
		       coalesce(CAST(difference AS VARCHAR), ''), coalesce(CAST(explained AS VARCHAR), ''),
		       coalesce(exceptions, 0), coalesce(ties, false), coalesce(not_checked, '')
		FROM reconciliation_totals WHERE run_id = $1 ORDER BY check_name`, func(rows *sql.Rows) error {
		var r reconTotal
		if err := rows.Scan(&r.check, &r.totalA, &r.totalB, &r.difference, &r.explained, &r.exceptions, &r.ties, &r.notChecked); err != nil {
			return err
		}
		d.reconTotals = append(d.reconTotals, r)
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
		if err := rows.Scan(&r.check, &r.kind, &r.count, &r.amount); err != nil {
			return err
		}
		d.reconKinds = append(d.reconKinds, r)
		return nil
	}, runID)
}

// loadArKpis reads the portfolio and per-tier receivables KPIs. They sum
// customers outside any recipient filter, so a filtered report reads none.
func (d *reportData) loadArKpis(ctx context.Context, q queryer, runID int64, sc scope) error {
	if sc.filtered {
		return nil
	}
	rows, err := q.QueryContext(ctx, `
		SELECT scope, coalesce(tier, ''), CAST(open_amount AS VARCHAR), CAST(current_amount AS VARCHAR),
		       CAST(overdue_amount AS VARCHAR), overdue_share, dso, best_possible_dso, add_days, cei,
		       on_time_rate, open_invoices
		FROM ar_kpis WHERE run_id = $1
		ORDER BY `+tableNamed("ar_kpis").orderBy, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r arKpiRow
		if err := rows.Scan(&r.scope, &r.tier, &r.open, &r.current, &r.overdue, &r.overdueShare, &r.dso, &r.bestDSO,
			&r.addDays, &r.cei, &r.onTime, &r.openInvoices); err != nil {
			return err
		}
		d.arKpis = append(d.arKpis, r)
	}
	return rows.Err()
}
