package reports

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
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
	cumulativeShareRatio float64
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
}

// overdueRow is a customer with receivables past due, for the e-mail body.
type overdueRow struct {
	customerID string
	name       string
	tier       string
	overdue    string // exact decimal: total_open - current_amount
	d90Plus    string
}

type rejectGroup struct {
	source string
	reason string
	rows   int64
	files  int64
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
	scatter     []scatterPoint
	aging       []agingTier
	queue       []queueRow   // top queueTopN by rank
	overdue     []overdueRow // top overdueTopN by overdue amount
	rejects     []rejectGroup

	// filtered is set when the report shows only the customers a recipient
	// filter allows: rejects are then not read at all (see filter.go).
	filtered bool
}

const (
	paretoTopN  = 20
	queueTopN   = 25
	overdueTopN = 10
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
		{"tiers", d.loadTiers},
		{"receivable totals", d.loadTotals},
		{"hot-spots", d.loadHotspots},
		{"scatter", d.loadScatter},
		{"aging by tier", d.loadAging},
		{"service queue", d.loadQueue},
		{"overdue customers", d.loadOverdue},
		{"rejects", d.loadRejects},
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
	return q.QueryRowContext(ctx, `SELECT count(*) FROM rejects WHERE run_id = $1`, runID).Scan(&d.rejected)
}

// loadHotspots reads product-level aggregates, the same in every scope.
func (d *reportData) loadHotspots(ctx context.Context, q queryer, runID int64, _ scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(rank, 0), coalesce(product_id, ''), coalesce(product_name, ''), coalesce(component, ''),
		       coalesce(region, ''), coalesce(failures, 0), coalesce(rate_per_100_per_year, 0),
		       coalesce(cumulative_share, 0)
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
			&h.failures, &h.ratePer100PerYear, &h.cumulativeShareRatio); err != nil {
			return err
		}
		d.hotspots = append(d.hotspots, h)
	}
	return rows.Err()
}

func (d *reportData) loadScatter(ctx context.Context, q queryer, runID int64, sc scope) error {
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(tier, ''), coalesce(name, customer_id, ''),
		       coalesce(CAST(service_cost_12m AS DOUBLE), 0), coalesce(score, 0)
		FROM `+sc.rel("customer_value", perCustomer)+` WHERE run_id = $1
		ORDER BY tier NULLS LAST, rank NULLS LAST, customer_id`, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p scatterPoint
		if err := rows.Scan(&p.tier, &p.name, &p.cost, &p.score); err != nil {
			return err
		}
		d.scatter = append(d.scatter, p)
	}
	return rows.Err()
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
		       coalesce(component, ''), coalesce(category, ''), coalesce(reason, '')
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
			&r.productID, &r.component, &r.category, &r.reason); err != nil {
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

func (d *reportData) loadRejects(ctx context.Context, q queryer, runID int64, sc scope) error {
	if sc.filtered {
		return nil // a rejected value can be any customer's data
	}
	rows, err := q.QueryContext(ctx, `
		SELECT coalesce(source, ''), coalesce(reason, ''), count(*), count(DISTINCT file)
		FROM rejects WHERE run_id = $1
		GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g rejectGroup
		if err := rows.Scan(&g.source, &g.reason, &g.rows, &g.files); err != nil {
			return err
		}
		d.rejects = append(d.rejects, g)
	}
	return rows.Err()
}
