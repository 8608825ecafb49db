package reports

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
	hasPrevious bool
	prevRunID   int64
	prevAsOf    string

	// Tier moves of the run's customers (movers), by tier order: A is the
	// best, so B → A is up. other: to or from no tier (new, unrated).
	tierUp, tierDown, tierOther int64

	// Hot-spots are product-level and the same in every scope.
	hotspotsKnown bool
	hotspotGroups int64         // rows of hotspots, for "N more" in the e-mail
	rising        []risingGroup // every rising group, by rank
	prevRising    int64         // -1: the previous run had no hot-spot rows

	// Overdue receivables (open − current, Σ over ar_aging in the scope).
	overdueKnown, prevOverdueKnown bool
	overdue, prevOverdue           string // exact decimals
	overdueCustomers               int64  // customers with an overdue amount

	// Portfolio DSO (unfiltered only).
	dso, prevDSO sql.NullFloat64
	dsoShown     bool

	// The service queue in the scope, and how much of it fits capacity.
	queueKnown, prevQueueKnown bool
	queue, prevQueue           int64
	fits, notFits              int64 // fits_capacity true / false
	capacityKnown              bool  // some ticket has fits_capacity set

	// The next window's fault tickets and engineer hours (hotspot_forecast's
	// total row), company-wide like the hot-spots; forecastRow false when the
	// run has none (no hot-spot data, or a run from before the forecast).
	forecastRow                         bool
	forecastEnd                         string
	forecastTickets                     sql.NullFloat64
	forecastLow, forecastHigh           sql.NullInt64
	forecastHours                       sql.NullFloat64
	forecastHoursLow, forecastHoursHigh sql.NullFloat64
	forecastCapacity                    sql.NullFloat64
	forecastNotAvailable                sql.NullString

	// Rejected input rows (unfiltered only).
	rejectsShown         bool
	rejects, prevRejects int64
	prevRejectsKnown     bool
	prevSources          map[string]bool

	// The previous run's KPI figures, in the same scope (kpichange.go).
	prevCustomers             int64
	prevTiers                 map[string]int64 // "" for no tier
	prevOpenAR, prevOverdue90 string           // exact; known with prevOverdueKnown
	prevOnTime                sql.NullFloat64  // unfiltered only
	prevTop                   string           // the top hot-spot group's key; "" when none
	prevTopLabel              string
}

type risingGroup struct {
	product, component, region string
	isNew                      bool // not rising in the previous run
}

// prevLacks says whether the previous run had no such source configured
// (unknown sources count as present, as in lacks).
func (w *weekChanges) prevLacks(source string) bool {
	return w.prevSources != nil && !w.prevSources[source]
}

func (d *reportData) loadWeek(ctx context.Context, q queryer, runID int64, sc scope) error {
	w := &weekChanges{prevRising: -1}
	d.week = w
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
		w.hasPrevious = true
		w.prevAsOf = prevAsOf.Time.Format(time.DateOnly)
	}

	// Tier moves.
	err = q.QueryRowContext(ctx, `
		SELECT count(*) FILTER (WHERE tier < previous_tier), count(*) FILTER (WHERE tier > previous_tier),
		       count(*) FILTER (WHERE (tier IS NULL) <> (previous_tier IS NULL))
		FROM `+sc.rel("movers", perCustomer)+` WHERE run_id = $1`, runID).Scan(&w.tierUp, &w.tierDown, &w.tierOther)
	if err != nil {
		return fmt.Errorf("tier moves: %w", err)
	}

	// Hot-spots: rising groups now, and whether each was rising last run.
	w.hotspotsKnown = !d.lacks("tickets")
	var groups int64
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM hotspots WHERE run_id = $1`, runID).Scan(&groups); err != nil {
		return fmt.Errorf("hot-spots: %w", err)
	}
	w.hotspotsKnown = w.hotspotsKnown && groups > 0
	w.hotspotGroups = groups
	err = scanAll(ctx, q, `
		SELECT coalesce(nullif(h.product_name, ''), h.product_id, ''), coalesce(h.component, ''), coalesce(h.region, ''),
		       NOT coalesce((SELECT bool_or(p.rising) FROM hotspots p WHERE p.run_id = $2
		           AND p.product_id IS NOT DISTINCT FROM h.product_id AND p.component IS NOT DISTINCT FROM h.component
		           AND p.region IS NOT DISTINCT FROM h.region), false)
		FROM hotspots h WHERE h.run_id = $1 AND h.rising
		ORDER BY h.rank NULLS LAST, h.product_id, h.component, h.region`, func(rows *sql.Rows) error {
		var g risingGroup
		if err := rows.Scan(&g.product, &g.component, &g.region, &g.isNew); err != nil {
			return err
		}
		w.rising = append(w.rising, g)
		return nil
	}, runID, w.prevRunID)
	if err != nil {
		return fmt.Errorf("rising hot-spots: %w", err)
	}

	if w.hasPrevious {
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
			w.prevRunID).Scan(&w.prevRising, &n); err != nil {
			return fmt.Errorf("previous hot-spots: %w", err)
		}
		if n == 0 {
			w.prevRising = -1
		}
	}

	if w.hasPrevious {
		cv := sc.rel("customer_value", perCustomer)
		w.prevTiers = map[string]int64{}
		err := scanAll(ctx, q, `SELECT coalesce(tier, ''), count(*) FROM `+cv+` WHERE run_id = $1 GROUP BY tier`,
			func(rows *sql.Rows) error {
				var tier string
				var n int64
				if err := rows.Scan(&tier, &n); err != nil {
					return err
				}
				w.prevTiers[tier] = n
				w.prevCustomers += n
				return nil
			}, w.prevRunID)
		if err != nil {
			return fmt.Errorf("previous tiers: %w", err)
		}
		err = scanAll(ctx, q, `SELECT coalesce(product_id, '') || chr(0) || coalesce(component, '') || chr(0) || coalesce(region, ''),
			coalesce(nullif(product_name, ''), product_id, ''), coalesce(component, ''), coalesce(region, '')
			FROM hotspots WHERE run_id = $1 ORDER BY rank NULLS LAST, product_id, component, region LIMIT 1`,
			func(rows *sql.Rows) error {
				var product, component, region string
				if err := rows.Scan(&w.prevTop, &product, &component, &region); err != nil {
					return err
				}
				w.prevTopLabel = product + " · " + component + " · " + region
				return nil
			}, w.prevRunID)
		if err != nil {
			return fmt.Errorf("previous top hot-spot: %w", err)
		}
	}

	// Overdue, in the scope, now and then (the same customers' rows).
	overdueSQL := `SELECT CAST(coalesce(sum(total_open - current_amount), 0) AS DECIMAL(38,2))::VARCHAR,
		count(*) FILTER (WHERE total_open - current_amount > 0) FROM ` +
		sc.rel("ar_aging", perCustomer) + ` WHERE run_id = $1`
	w.overdueKnown = !d.lacks("ar_invoices")
	if w.overdueKnown {
		if err := q.QueryRowContext(ctx, overdueSQL, runID).Scan(&w.overdue, &w.overdueCustomers); err != nil {
			return fmt.Errorf("overdue: %w", err)
		}
	}
	w.prevOverdueKnown = w.hasPrevious && !w.prevLacks("ar_invoices")
	if w.prevOverdueKnown {
		var n int64
		if err := q.QueryRowContext(ctx, overdueSQL, w.prevRunID).Scan(&w.prevOverdue, &n); err != nil {
			return fmt.Errorf("previous overdue: %w", err)
		}
		// As loadTotals sums them for this run.
		if err := q.QueryRowContext(ctx, `SELECT CAST(coalesce(sum(total_open), 0) AS DECIMAL(38,2))::VARCHAR,
			CAST(coalesce(sum(d90_plus), 0) AS DECIMAL(38,2))::VARCHAR FROM `+sc.rel("ar_aging", perCustomer)+` WHERE run_id = $1`,
			w.prevRunID).Scan(&w.prevOpenAR, &w.prevOverdue90); err != nil {
			return fmt.Errorf("previous receivables: %w", err)
		}
	}

	// DSO: a portfolio figure, so unfiltered only.
	if !sc.filtered && w.overdueKnown {
		w.dsoShown = true
		dsoSQL := `SELECT max(dso), max(on_time_rate) FROM ar_kpis WHERE run_id = $1 AND scope = 'portfolio'`
		var onTime sql.NullFloat64
		if err := q.QueryRowContext(ctx, dsoSQL, runID).Scan(&w.dso, &onTime); err != nil {
			return fmt.Errorf("dso: %w", err)
		}
		if w.prevOverdueKnown {
			if err := q.QueryRowContext(ctx, dsoSQL, w.prevRunID).Scan(&w.prevDSO, &w.prevOnTime); err != nil {
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
		Scan(&end, &w.forecastTickets, &w.forecastLow, &w.forecastHigh, &w.forecastHours, &w.forecastHoursLow,
			&w.forecastHoursHigh, &w.forecastCapacity, &w.forecastNotAvailable)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return fmt.Errorf("forecast: %w", err)
	default:
		w.forecastRow = true
		w.forecastEnd = end.Time.Format(time.DateOnly)
	}

	// The service queue and its capacity.
	queueRel := sc.rel("service_queue", perCustomer)
	w.queueKnown = !d.lacks("tickets")
	if w.queueKnown {
		var unknown int64
		err := q.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE fits_capacity), count(*) FILTER (WHERE NOT fits_capacity),
			count(*) FILTER (WHERE fits_capacity IS NULL) FROM `+queueRel+` WHERE run_id = $1`, runID).
			Scan(&w.queue, &w.fits, &w.notFits, &unknown)
		if err != nil {
			return fmt.Errorf("service queue: %w", err)
		}
		w.capacityKnown = w.fits+w.notFits > 0
	}
	w.prevQueueKnown = w.hasPrevious && !w.prevLacks("tickets")
	if w.prevQueueKnown {
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+queueRel+` WHERE run_id = $1`, w.prevRunID).Scan(&w.prevQueue); err != nil {
			return fmt.Errorf("previous service queue: %w", err)
		}
	}

	// Data quality: rejected rows, unfiltered only (filter.go).
	if !sc.filtered {
		w.rejectsShown = true
		w.rejects = d.rejected
		if w.hasPrevious {
			w.prevRejectsKnown = true
			if err := q.QueryRowContext(ctx, `SELECT `+rejectedRows+` FROM rejects WHERE run_id = $1`, w.prevRunID).
				Scan(&w.prevRejects); err != nil {
				return fmt.Errorf("previous rejects: %w", err)
			}
		}
	}
	return nil
}
