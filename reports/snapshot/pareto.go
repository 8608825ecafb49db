package snapshot

import (
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/texts"

	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
)

// paretoItem is one group's failures at some level (product, component,
// product × component, or the hot-spot group itself).
type ParetoItem struct {
	Key      string // the group's identity, for drill-down
	Label    string
	Failures int64
}

// paretoBar is one bar of a true Pareto: groups by failures, descending,
// the cumulative share over all failures, so the last bar reaches 100 %.
type paretoBar struct {
	ParetoItem
	Others     int     // > 0: the bar folds this many smaller groups
	Cumulative float64 // share of all failures up to and including this bar, 0..1
}

// pareto orders items by failures (descending; ties by label, then key,
// so the order is stable) and keeps topN bars, the last of which folds
// every remaining group into "others" when there are more than topN.
// Groups without failures are left out: they add nothing to the total.
// The cumulative share is over all failures, so it ends at exactly 1.
func Pareto(items []ParetoItem, topN int) []paretoBar {
	var kept []ParetoItem
	var total int64
	for _, it := range items {
		if it.Failures > 0 {
			kept = append(kept, it)
			total += it.Failures
		}
	}
	slices.SortFunc(kept, func(a, b ParetoItem) int {
		return cmp.Or(cmp.Compare(b.Failures, a.Failures), cmp.Compare(a.Label, b.Label), cmp.Compare(a.Key, b.Key))
	})
	named := len(kept)
	if topN > 0 && named > topN {
		named = topN - 1
	}
	out := make([]paretoBar, 0, min(len(kept), max(topN, 1)))
	var run int64
	for _, it := range kept[:named] {
		run += it.Failures
		out = append(out, paretoBar{ParetoItem: it, Cumulative: float64(run) / float64(total)})
	}
	if rest := kept[named:]; len(rest) > 0 {
		var sum int64
		for _, it := range rest {
			sum += it.Failures
		}
		out = append(out, paretoBar{ParetoItem: ParetoItem{Failures: sum}, Others: len(rest), Cumulative: 1})
	}
	if len(out) > 0 {
		out[len(out)-1].Cumulative = 1 // exact, not a float sum's 0.9999…
	}
	return out
}

// hotspotGroup is one row of hotspots as the Pareto and the hot-spot page
// read it: every group with failures or a rank, not only the top ones.
type HotspotGroup struct {
	ProductID, ProductName, Component, Region string
	Failures, Units                           int64
}

func (g HotspotGroup) ProductLabel() string { return cmp.Or(g.ProductName, g.ProductID) }

// loadHotspotGroups reads every hot-spot group of the run (product-level
// aggregates, the same in every scope).
func loadHotspotGroups(ctx context.Context, q Queryer, runID int64) ([]HotspotGroup, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT product_id, coalesce(product_name, ''), component, region, failures, installed_units
		FROM hotspots WHERE run_id = $1 ORDER BY product_id, component, region`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HotspotGroup
	for rows.Next() {
		var g HotspotGroup
		if err := rows.Scan(&g.ProductID, &g.ProductName, &g.Component, &g.Region, &g.Failures, &g.Units); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// loadPareto reads the weekly page's Pareto: hot-spot groups by failures.
func (d *ReportData) loadPareto(ctx context.Context, q Queryer, runID int64, _ Scope) error {
	groups, err := loadHotspotGroups(ctx, q, runID)
	if err != nil {
		return err
	}
	items := make([]ParetoItem, len(groups))
	for i, g := range groups {
		items[i] = ParetoItem{Key: g.ProductID + "\x1f" + g.Component + "\x1f" + g.Region,
			Label: g.ProductLabel() + " · " + g.Component + " · " + g.Region, Failures: g.Failures}
	}
	d.ParetoItems = items
	return nil
}

// paretoLabel is a bar's axis label: the group, or "others (n groups)".
func ParetoLabel(b paretoBar, l texts.Labels) string {
	if b.Others > 0 {
		return format.ChartLabel(l.Getf("pareto.others", b.Others))
	}
	return format.ChartLabel(b.Label)
}

// notTested says why a group's rising test did not apply, or "" when it did.
func notTested(reason string, l texts.Labels) string {
	if reason == "" {
		return ""
	}
	return l.Get("rising.not_tested") + ": " + l.Lookup("rising.why.", reason)
}

// risingCell is the rising flag as the page shows it: yes or no where the
// test applied, else "not tested: why" (never a "no" for a test not run).
func RisingCell(h Hotspot, l texts.Labels) string {
	if h.NotTested != "" {
		return notTested(h.NotTested, l)
	}
	return format.YesNo(h.Rising, l)
}

// formatRate shows a rate per 100 units per year with two decimals, or
// "n/a" when the group has none (held back: too few installed units).
func FormatRate(v sql.NullFloat64, l texts.Labels) string {
	if !v.Valid {
		return l.Get("report.na")
	}
	return strconv.FormatFloat(v.Float64, 'f', 2, 64)
}
