package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// weekChanges is what the briefing compares: this run's figures and the
// previous run's, in the report's scope. The previous run is the one the
// movers compare with: the latest run scored at the latest earlier as-of
// date. A figure either run cannot support has its known flag false, and
// the briefing then says not available (or nothing), never 0.
type weekChanges struct {
	HasPrevious bool
	prevRunID   int64
	PrevAsOf    string

	// Migration is how the customers' tiers moved between the previous run
	// and this one, in the scope (migration.go); nil without a previous run.
	Migration []TierMove

	// Tier moves of the run's customers (movers), by tier order: A is the
	// best, so B → A is up. other: to or from no tier (new, unrated).
	TierUp, TierDown, TierOther int64

	// Hot-spots are product-level and the same in every scope.
	HotspotsKnown bool
	HotspotGroups int64         // rows of hotspots, for "N more" in the e-mail
	Rising        []risingGroup // every rising group, by rank
	PrevRising    int64         // -1: the previous run had no hot-spot rows

	// Overdue receivables (open − current, Σ over ar_aging in the scope).
	OverdueKnown, PrevOverdueKnown bool
	Overdue, PrevOverdue           string // exact decimals
	OverdueCustomers               int64  // customers with an overdue amount

	// Portfolio DSO (unfiltered only).
	Dso, PrevDSO sql.NullFloat64
	DsoShown     bool

	// The service queue in the scope, and how much of it fits capacity.
	QueueKnown, PrevQueueKnown bool
	Queue, PrevQueue           int64
	Fits, NotFits              int64 // fits_capacity true / false
	CapacityKnown              bool  // some ticket has fits_capacity set

	// The next window's fault tickets and engineer hours (hotspot_forecast's
	// total row), company-wide like the hot-spots; forecastRow false when the
	// run has none (no hot-spot data, or a run from before the forecast).
	ForecastRow                         bool
	ForecastEnd                         string
	ForecastTickets                     sql.NullFloat64
	ForecastLow, ForecastHigh           sql.NullInt64
	ForecastHours                       sql.NullFloat64
	ForecastHoursLow, ForecastHoursHigh sql.NullFloat64
	ForecastCapacity                    sql.NullFloat64
	ForecastNotAvailable                sql.NullString

	// Rejected input rows (unfiltered only).
	RejectsShown         bool
	Rejects, PrevRejects int64
	PrevRejectsKnown     bool
	prevSources          map[string]bool

	// The previous run's KPI figures, in the same scope (kpichange.go).
	PrevCustomers             int64
	PrevTiers                 map[string]int64 // "" for no tier
	PrevOpenAR, PrevOverdue90 string           // exact; known with prevOverdueKnown
	PrevOnTime                sql.NullFloat64  // unfiltered only
	PrevTop                   string           // the top hot-spot group's key; "" when none
	PrevTopLabel              string
}

type risingGroup struct {
	Product, Component, Region string
	IsNew                      bool // not rising in the previous run
}

// prevLacks says whether the previous run had no such source configured
// (unknown sources count as present, as in lacks).
func (w *weekChanges) prevLacks(source string) bool {
	return w.prevSources != nil && !w.prevSources[source]
}

func (d *ReportData) loadWeek(ctx context.Context, q Queryer, runID int64, sc Scope) error {
	w := &weekChanges{PrevRising: -1}
	d.Week = w
	var prevAsOf sql.NullTime
	err := q.QueryRowContext(ctx, `
		WITH this AS (SELECT max(as_of) AS as_of FROM customer_value WHERE run_id = $1)
		SELECT cv.run_id, cv.as_of FROM customer_value cv, this WHERE cv.as_of < this.as_of
		ORDER BY cv.as_of DESC, cv.run_id DESC LIMIT 1`, runID).Scan(&w.prevRunID, &prevAsOf)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return fmt.Errorf("previous run: %w", err)
	default:
		w.HasPrevious = true
		w.PrevAsOf = prevAsOf.Time.Format(time.DateOnly)
	}

	// Tier moves.
	err = q.QueryRowContext(ctx, `
		SELECT count(*) FILTER (WHERE tier < previous_tier), count(*) FILTER (WHERE tier > previous_tier),
		       count(*) FILTER (WHERE (tier IS NULL) <> (previous_tier IS NULL))
		FROM `+sc.Rel("movers", PerCustomer)+` WHERE run_id = $1`, runID).Scan(&w.TierUp, &w.TierDown, &w.TierOther)
	if err != nil {
		return fmt.Errorf("tier moves: %w", err)
	}

	// Hot-spots: rising groups now, and whether each was rising last run.
	w.HotspotsKnown = !d.Lacks("tickets")
	var groups int64
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM hotspots WHERE run_id = $1`, runID).Scan(&groups); err != nil {
		return fmt.Errorf("hot-spots: %w", err)
	}
	w.HotspotsKnown = w.HotspotsKnown && groups > 0
	w.HotspotGroups = groups
	err = scanAll(ctx, q, `
		SELECT coalesce(nullif(h.product_name, ''), h.product_id, ''), coalesce(h.component, ''), coalesce(h.region, ''),
		       NOT coalesce((SELECT bool_or(p.rising) FROM hotspots p WHERE p.run_id = $2
		           AND p.product_id IS NOT DISTINCT FROM h.product_id AND p.component IS NOT DISTINCT FROM h.component
		           AND p.region IS NOT DISTINCT FROM h.region), false)
		FROM hotspots h WHERE h.run_id = $1 AND h.rising
		ORDER BY h.rank NULLS LAST, h.product_id, h.component, h.region`, func(rows *sql.Rows) error {
		var g risingGroup
		if err := rows.Scan(&g.Product, &g.Component, &g.Region, &g.IsNew); err != nil {
			return err
		}
		w.Rising = append(w.Rising, g)
		return nil
	}, runID, w.prevRunID)
	if err != nil {
		return fmt.Errorf("rising hot-spots: %w", err)
	}

	if w.HasPrevious {
		prev := map[string]bool{}
		err := scanAll(ctx, q, `SELECT DISTINCT source FROM run_inputs WHERE run_id = $1`, func(rows *sql.Rows) error {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			prev[s] = true
			return nil
		}, w.prevRunID)
		if err != nil {
			return fmt.Errorf("previous sources: %w", err)
		}
		if prev["customers"] {
			w.prevSources = prev
		}
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE rising), count(*) FROM hotspots WHERE run_id = $1`,
			w.prevRunID).Scan(&w.PrevRising, &n); err != nil {
			return fmt.Errorf("previous hot-spots: %w", err)
		}
		if n == 0 {
			w.PrevRising = -1
		}
	}

	if w.HasPrevious {
		cv := sc.Rel("customer_value", PerCustomer)
		w.PrevTiers = map[string]int64{}
		err := scanAll(ctx, q, `SELECT coalesce(tier, ''), count(*) FROM `+cv+` WHERE run_id = $1 GROUP BY tier`,
			func(rows *sql.Rows) error {
				var tier string
				var n int64
				if err := rows.Scan(&tier, &n); err != nil {
					return err
				}
				w.PrevTiers[tier] = n
				w.PrevCustomers += n
				return nil
			}, w.prevRunID)
		if err != nil {
			return fmt.Errorf("previous tiers: %w", err)
		}
		if w.Migration, err = loadMigration(ctx, q, runID, w.prevRunID, sc); err != nil {
			return fmt.Errorf("tier migration: %w", err)
		}
		err = scanAll(ctx, q, `SELECT coalesce(product_id, '') || chr(0) || coalesce(component, '') || chr(0) || coalesce(region, ''),
			coalesce(nullif(product_name, ''), product_id, ''), coalesce(component, ''), coalesce(region, '')
			FROM hotspots WHERE run_id = $1 ORDER BY rank NULLS LAST, product_id, component, region LIMIT 1`,
			func(rows *sql.Rows) error {
				var product, component, region string
				if err := rows.Scan(&w.PrevTop, &product, &component, &region); err != nil {
					return err
				}
				w.PrevTopLabel = product + " · " + component + " · " + region
				return nil
			}, w.prevRunID)
		if err != nil {
			return fmt.Errorf("previous top hot-spot: %w", err)
		}
	}

	// Overdue, in the scope, now and then (the same customers' rows).
	overdueSQL := `SELECT CAST(coalesce(sum(total_open - current_amount), 0) AS DECIMAL(38,2))::VARCHAR,
		count(*) FILTER (WHERE total_open - current_amount > 0) FROM ` +
		sc.Rel("ar_aging", PerCustomer) + ` WHERE run_id = $1`
	w.OverdueKnown = !d.Lacks("ar_invoices")
	if w.OverdueKnown {
		if err := q.QueryRowContext(ctx, overdueSQL, runID).Scan(&w.Overdue, &w.OverdueCustomers); err != nil {
			return fmt.Errorf("overdue: %w", err)
		}
	}
	w.PrevOverdueKnown = w.HasPrevious && !w.prevLacks("ar_invoices")
	if w.PrevOverdueKnown {
		var n int64
		if err := q.QueryRowContext(ctx, overdueSQL, w.prevRunID).Scan(&w.PrevOverdue, &n); err != nil {
			return fmt.Errorf("previous overdue: %w", err)
		}
		// As loadTotals sums them for this run.
		if err := q.QueryRowContext(ctx, `SELECT CAST(coalesce(sum(total_open), 0) AS DECIMAL(38,2))::VARCHAR,
			CAST(coalesce(sum(d90_plus), 0) AS DECIMAL(38,2))::VARCHAR FROM `+sc.Rel("ar_aging", PerCustomer)+` WHERE run_id = $1`,
			w.prevRunID).Scan(&w.PrevOpenAR, &w.PrevOverdue90); err != nil {
			return fmt.Errorf("previous receivables: %w", err)
		}
	}

	// DSO: a portfolio figure, so unfiltered only.
	if !sc.Filtered && w.OverdueKnown {
		w.DsoShown = true
		dsoSQL := `SELECT max(dso), max(on_time_rate) FROM ar_kpis WHERE run_id = $1 AND scope = 'portfolio'`
		var onTime sql.NullFloat64
		if err := q.QueryRowContext(ctx, dsoSQL, runID).Scan(&w.Dso, &onTime); err != nil {
			return fmt.Errorf("dso: %w", err)
		}
		if w.PrevOverdueKnown {
			if err := q.QueryRowContext(ctx, dsoSQL, w.prevRunID).Scan(&w.PrevDSO, &w.PrevOnTime); err != nil {
				return fmt.Errorf("previous dso: %w", err)
			}
		}
	}

	// What service will face next: the forecast's total.
	var end sql.NullTime
	err = q.QueryRowContext(ctx, `
		SELECT period_end, expected_tickets, tickets_low, tickets_high, expected_hours, hours_low, hours_high,
		       capacity_hours, not_available
		FROM hotspot_forecast WHERE run_id = $1 AND kind = 'forecast' AND scope = 'total'`, runID).
		Scan(&end, &w.ForecastTickets, &w.ForecastLow, &w.ForecastHigh, &w.ForecastHours, &w.ForecastHoursLow,
			&w.ForecastHoursHigh, &w.ForecastCapacity, &w.ForecastNotAvailable)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return fmt.Errorf("forecast: %w", err)
	default:
		w.ForecastRow = true
		w.ForecastEnd = end.Time.Format(time.DateOnly)
	}

	// The service queue and its capacity.
	queueRel := sc.Rel("service_queue", PerCustomer)
	w.QueueKnown = !d.Lacks("tickets")
	if w.QueueKnown {
		var unknown int64
		err := q.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE fits_capacity), count(*) FILTER (WHERE NOT fits_capacity),
			count(*) FILTER (WHERE fits_capacity IS NULL) FROM `+queueRel+` WHERE run_id = $1`, runID).
			Scan(&w.Queue, &w.Fits, &w.NotFits, &unknown)
		if err != nil {
			return fmt.Errorf("service queue: %w", err)
		}
		w.CapacityKnown = w.Fits+w.NotFits > 0
	}
	w.PrevQueueKnown = w.HasPrevious && !w.prevLacks("tickets")
	if w.PrevQueueKnown {
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+queueRel+` WHERE run_id = $1`, w.prevRunID).Scan(&w.PrevQueue); err != nil {
			return fmt.Errorf("previous service queue: %w", err)
		}
	}

	// Data quality: rejected rows, unfiltered only (filter.go).
	if !sc.Filtered {
		w.RejectsShown = true
		w.Rejects = d.Rejected
		if w.HasPrevious {
			w.PrevRejectsKnown = true
			if err := q.QueryRowContext(ctx, `SELECT `+rejectedRows+` FROM rejects WHERE run_id = $1`, w.prevRunID).
				Scan(&w.PrevRejects); err != nil {
				return fmt.Errorf("previous rejects: %w", err)
			}
		}
	}
	return nil
}
