package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/accordhq/accord/pipeline/model"
	"github.com/accordhq/accord/queries"
)

// weibullGroup gathers one product × component's units (WeibullUnits).
type weibullGroup struct {
	productID, component string
	productName          sql.NullString
	entry, times, counts []float64
	failed               []bool
	failures, censored   int64
	withoutAge           int64
}

// hotspotWeibull fits, in the run's transaction, a Weibull to each hot-spot
// product × component's unit ages, each unit seen over the window from its
// age at the window's start (queries/hotspots.sql WeibullUnits;
// model.FitWeibullTruncated), and writes hotspot_weibull. A group that cannot be fitted gets NULL fit
// columns and the reason: no_installed_dates (no dated unit of the product,
// failed or not), too_few_failures (under model.MinWeibullFailures failures
// with an age), no_fit (the likelihood has no maximum or no usable
// curvature, e.g. every failure at one age).
func hotspotWeibull(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, queries.Get("WeibullUnits"))
	if err != nil {
		return fmt.Errorf("run: weibull units: %w", err)
	}
	var groups []*weibullGroup
	for rows.Next() {
		var pid, comp, kind string
		var name sql.NullString
		var entry, age sql.NullFloat64
		var units float64
		if err := rows.Scan(&pid, &name, &comp, &kind, &entry, &age, &units); err != nil {
			rows.Close()
			return fmt.Errorf("run: weibull units: %w", err)
		}
		if kind == "group" {
			groups = append(groups, &weibullGroup{productID: pid, component: comp, productName: name})
			continue
		}
		g := groups[len(groups)-1] // ordered by group, 'group' first
		if g.productID != pid || g.component != comp {
			rows.Close()
			return fmt.Errorf("run: weibull units: %s/%s has no group row", pid, comp)
		}
		switch kind {
		case "no_age":
			g.withoutAge += int64(units)
		case "failed", "censored":
			g.entry = append(g.entry, entry.Float64)
			g.times = append(g.times, age.Float64)
			g.counts = append(g.counts, units)
			g.failed = append(g.failed, kind == "failed")
			if kind == "failed" {
				g.failures += int64(units)
			} else {
				g.censored += int64(units)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("run: weibull units: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO hotspot_weibull VALUES (getvariable('run_id')::BIGINT, getvariable('as_of')::DATE,
		?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("run: weibull: %w", err)
	}
	defer stmt.Close()
	for _, g := range groups {
		var beta, low, high, eta sql.NullFloat64
		var verdict, na sql.NullString
		switch {
		case len(g.times) == 0:
			na = sql.NullString{String: "no_installed_dates", Valid: true}
		default:
			fit, err := model.FitWeibullTruncated(g.entry, g.times, g.failed, g.counts)
			switch {
			case errors.Is(err, model.ErrTooFewFailures):
				na = sql.NullString{String: "too_few_failures", Valid: true}
			case err != nil:
				na = sql.NullString{String: "no_fit", Valid: true}
			default:
				beta = sql.NullFloat64{Float64: fit.Beta, Valid: true}
				low = sql.NullFloat64{Float64: fit.BetaLow, Valid: true}
				high = sql.NullFloat64{Float64: fit.BetaHigh, Valid: true}
				eta = sql.NullFloat64{Float64: fit.Eta, Valid: true}
				verdict = sql.NullString{String: weibullVerdict(fit), Valid: true}
			}
		}
		if _, err := stmt.ExecContext(ctx, g.productID, g.productName, g.component, g.failures, g.censored, g.withoutAge,
			beta, low, high, eta, verdict, na); err != nil {
			return fmt.Errorf("run: weibull %s/%s: %w", g.productID, g.component, err)
		}
	}
	return nil
}

// weibullVerdict reads the shape from its 95 % interval: wholly under 1,
// early failures (a falling hazard); wholly over 1, wear-out (a rising
// one); containing 1, random (a constant hazard cannot be ruled out).
func weibullVerdict(f model.WeibullFit) string {
	switch {
	case f.BetaHigh < 1:
		return "early_failures"
	case f.BetaLow > 1:
		return "wear_out"
	}
	return "random"
}
