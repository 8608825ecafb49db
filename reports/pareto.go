package reports

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
)

// paretoItem is one group's failures at some level (product, component,
// product × component, or the hot-spot group itself).
type paretoItem struct {
	key      string // the group's identity, for drill-down
	label    string
	failures int64
}

// paretoBar is one bar of a true Pareto: groups by failures, descending,
// the cumulative share over all failures, so the last bar reaches 100 %.
type paretoBar struct {
	paretoItem
	others     int     // > 0: the bar folds this many smaller groups
	cumulative float64 // share of all failures up to and including this bar, 0..1
}

// pareto orders items by failures (descending; ties by label, then key,
// so the order is stable) and keeps topN bars, the last of which folds
// every remaining group into "others" when there are more than topN.
// Groups without failures are left out: they add nothing to the total.
// The cumulative share is over all failures, so it ends at exactly 1.
func pareto(items []paretoItem, topN int) []paretoBar {
	var kept []paretoItem
	var total int64
	for _, it := range items {
		if it.failures > 0 {
			kept = append(kept, it)
			total += it.failures
		}
	}
	slices.SortFunc(kept, func(a, b paretoItem) int {
		return cmp.Or(cmp.Compare(b.failures, a.failures), cmp.Compare(a.label, b.label), cmp.Compare(a.key, b.key))
	})
	named := len(kept)
	if topN > 0 && named > topN {
		named = topN - 1
	}
	out := make([]paretoBar, 0, min(len(kept), max(topN, 1)))
	var run int64
	for _, it := range kept[:named] {
		run += it.failures
		out = append(out, paretoBar{paretoItem: it, cumulative: float64(run) / float64(total)})
	}
	if rest := kept[named:]; len(rest) > 0 {
		var sum int64
		for _, it := range rest {
			sum += it.failures
		}
		out = append(out, paretoBar{paretoItem: paretoItem{failures: sum}, others: len(rest), cumulative: 1})
	}
	if len(out) > 0 {
		out[len(out)-1].cumulative = 1 // exact, not a float sum's 0.9999…
	}
	return out
}

// hotspotGroup is one row of hotspots as the Pareto and the hot-spot page
// read it: every group with failures or a rank, not only the top ones.
type hotspotGroup struct {
	productID, productName, component, region string
	failures, units                           int64
}

func (g hotspotGroup) productLabel() string { return cmp.Or(g.productName, g.productID) }

// loadHotspotGroups reads every hot-spot group of the run (product-level
// aggregates, the same in every scope).
func loadHotspotGroups(ctx context.Context, q queryer, runID int64) ([]hotspotGroup, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT product_id, coalesce(product_name, ''), component, region, failures, installed_units
		FROM hotspots WHERE run_id = $1 ORDER BY product_id, component, region`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hotspotGroup
	for rows.Next() {
		var g hotspotGroup
		if err := rows.Scan(&g.productID, &g.productName, &g.component, &g.region, &g.failures, &g.units); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// loadPareto reads the weekly page's Pareto: hot-spot groups by failures.
func (d *reportData) loadPareto(ctx context.Context, q queryer, runID int64, _ scope) error {
	groups, err := loadHotspotGroups(ctx, q, runID)
	if err != nil {
		return err
	}
	items := make([]paretoItem, len(groups))
	for i, g := range groups {
		items[i] = paretoItem{key: g.productID + "\x1f" + g.component + "\x1f" + g.region,
			label: g.productLabel() + " · " + g.component + " · " + g.region, failures: g.failures}
	}
	d.paretoItems = items
	return nil
}

// paretoLabel is a bar's axis label: the group, or "others (n groups)".
func paretoLabel(b paretoBar, l labels) string {
	if b.others > 0 {
		return chartLabel(l.getf("pareto.others", b.others))
	}
	return chartLabel(b.label)
}

// notTested says why a group's rising test did not apply, or "" when it did.
func notTested(reason string, l labels) string {
	if reason == "" {
		return ""
	}
	return l.get("rising.not_tested") + ": " + l.lookup("rising.why.", reason)
}

// risingCell is the rising flag as the page shows it: yes or no where the
// test applied, else "not tested: why" (never a "no" for a test not run).
func risingCell(h hotspot, l labels) string {
	if h.notTested != "" {
		return notTested(h.notTested, l)
	}
	return yesNo(h.rising, l)
}

// formatRate shows a rate per 100 units per year with two decimals, or
// "n/a" when the group has none (held back: too few installed units).
func formatRate(v sql.NullFloat64, l labels) string {
	if !v.Valid {
		return l.get("report.na")
	}
	return strconv.FormatFloat(v.Float64, 'f', 2, 64)
}
