package page

import (
	"github.com/accordhq/accord/reports/brief"
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"cmp"
	"database/sql"
	"math"
	"strconv"
	"strings"
)

// The page's sections after the summary and the charts: the model the run
// used, the evidence that it works, movers, service drain, manual
// overrides, the service queue, the reconciliation and data quality. Each
// is built from reportData as plain strings; html/template escapes them.

func pageSections(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) []sectionView {
	return []sectionView{
		modelSection(d, l),
		evidenceSection(d, l),
		moversSection(d, l),
		drainSection(d, l, opt),
		hotspotSection(d, l, opt),
		overridesSection(d, l),
		{ID: "service-queue", Title: l.Get("section.service_queue"), Tables: []subTable{{Table: queueTable(d, l)}}},
		receivablesSection(d, l, opt),
		ReconciliationSection(d, l, opt),
		dataQualitySection(d, l),
	}
}

func headers(l texts.Labels, cols ...string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = l.Get("col." + c)
	}
	return out
}

// formatPercent shows a 0..1 share as a percentage with the given decimals.
func formatPercent(v float64, decimals int) string {
	p := math.Pow(10, float64(decimals))
	return strconv.FormatFloat(math.Round(v*100*p)/p, 'f', decimals, 64) + "%"
}

// formatSigned shows a score change with one decimal and its sign.
func FormatSigned(v float64) string {
	r := math.Round(v*10) / 10
	if r == 0 {
		return "0.0"
	}
	s := strconv.FormatFloat(r, 'f', 1, 64)
	if r > 0 {
		s = "+" + s
	}
	return s
}

func modelSection(d *snapshot.ReportData, l texts.Labels) sectionView {
	t := tableView{
		Header: headers(l, "segment", "group_name", "group_weight", "indicator", "weight", "direction",
			"normalization", "window_months", "missing_policy", "weight_method", "available"),
		Numeric: []bool{false, false, true, false, true, false, false, true, false, false, false},
		Empty:   l.Get("model.none"),
	}
	unavailable := false
	for _, m := range d.Model {
		window := strconv.FormatInt(m.Window, 10)
		if m.Window == 0 {
			window = "–"
		}
		if !m.Available {
			unavailable = true
		}
		t.Rows = append(t.Rows, []string{l.Lookup("segment.", m.Segment), l.Lookup("group.", m.Group),
			formatPercent(m.GroupWeight, 2), l.Lookup("indicator.", m.Indicator),
			formatPercent(m.Weight, 2), l.Lookup("direction.", m.Direction), l.Lookup("norm.", m.Normalization), window,
			l.Lookup("missing.", m.Missing), l.Lookup("weights.", m.Method), format.YesNo(m.Available, l)})
	}
	notes := []string{brief.ModelSummary(d, l)}
	if len(d.Model) > 0 {
		notes = append(notes, l.Get("model.intro"))
	}
	if unavailable {
		notes = append(notes, l.Get("model.unavailable"))
	}
	return sectionView{ID: "model", Title: l.Get("section.model"), Notes: notes, Tables: []subTable{{Table: t}}}
}

// evidenceValue formats a metric's value as its kind reads best:
// correlations with three decimals, lifts as a ratio, counts whole.
func evidenceValue(e snapshot.EvidenceRow, l texts.Labels) string {
	if !format.Finite(e.Value) {
		return l.Get("report.na")
	}
	v := e.Value.Float64
	switch {
	case strings.HasPrefix(e.Metric, "spearman"):
		return strconv.FormatFloat(v, 'f', 3, 64)
	case strings.HasPrefix(e.Metric, "lift"):
		return strconv.FormatFloat(v, 'f', 2, 64) + "×"
	case strings.HasPrefix(e.Metric, "sensitivity"):
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// spearmanValues lists the rank correlation of score and value-added
// profit per segment ("default 0.556, enterprise 0.48"); "" when the run
// recorded none.
func spearmanValues(d *snapshot.ReportData, l texts.Labels) string {
	var parts []string
	for _, e := range d.Evidence {
		if e.Metric == "spearman_value_added_profit" {
			v := evidenceValue(e, l)
			// The pipeline states why in the detail ("not available: all 5
			// customers have the same score").
			if !format.Finite(e.Value) && strings.HasPrefix(e.Detail, "not available") {
				v += " (" + e.Detail + ")"
			}
			parts = append(parts, l.Getf("evidence.segment_value", l.Lookup("segment.", e.Segment), v))
		}
	}
	return strings.Join(parts, ", ")
}

// spearmanLine is the one line of evidence the e-mail carries: the rank
// correlation of score and value-added profit, per segment.
func SpearmanLine(d *snapshot.ReportData, l texts.Labels) string {
	v := spearmanValues(d, l)
	if v == "" {
		return l.Get("evidence.no_spearman")
	}
	return l.Getf("evidence.spearman_line", v)
}

func evidenceSection(d *snapshot.ReportData, l texts.Labels) sectionView {
	t := tableView{
		Header:  headers(l, "segment", "metric", "value", "detail"),
		Numeric: []bool{false, false, true, false},
		Empty:   l.Get("evidence.none"),
	}
	for _, e := range d.Evidence {
		t.Rows = append(t.Rows, []string{l.Lookup("segment.", e.Segment), brief.EvidenceLabel(e.Metric, l), evidenceValue(e, l), e.Detail})
	}
	notes := []string{l.Get("evidence.intro"), SpearmanLine(d, l)}
	if d.Stability.Valid {
		notes = append(notes, l.Getf("evidence.stability", formatPercent(d.Stability.Float64, 1)))
	}
	return sectionView{ID: "evidence", Title: l.Get("section.evidence"), Notes: notes, Tables: []subTable{{Table: t}}}
}

func moversSection(d *snapshot.ReportData, l texts.Labels) sectionView {
	t := tableView{
		Header: headers(l, "customer_id", "name", "previous_tier", "tier", "previous_score", "score", "change",
			"top_up", "top_down"),
		Numeric: []bool{false, false, false, false, true, true, true, false, false},
		Empty:   l.Get("movers.empty"),
	}
	for _, m := range d.Movers {
		prev := ""
		if m.PreviousScore.Valid {
			prev = format.FormatScore(m.PreviousScore.Float64)
		}
		t.Rows = append(t.Rows, []string{m.CustomerID, m.Name, m.PreviousTier, m.Tier, prev, format.FormatScore(m.Score),
			FormatSigned(m.Change), m.TopUp, m.TopDown})
	}
	if d.MoversTotal > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.Getf("report.more", d.MoversTotal-int64(len(t.Rows)))
	}
	note := l.Get("movers.no_previous")
	if d.PreviousAsOf != "" {
		note = l.Getf("movers.summary", d.PreviousAsOf, d.TierChanges, d.MoversTotal)
	}
	return sectionView{ID: "movers", Title: l.Get("section.movers"), Notes: []string{note}, Tables: []subTable{{Table: t}}}
}

func quadrantName(q string, l texts.Labels) string {
	if q == "" {
		return l.Get("quadrant.none")
	}
	return l.Lookup("quadrant.", q)
}

func drainSection(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) sectionView {
	sym := opt.CurrencySymbol
	quads := tableView{
		Header:  headers(l, "quadrant", "customers", "revenue_12m", "service_cost_12m", "value_added_profit"),
		Numeric: []bool{false, true, true, true, true},
		Empty:   l.Get("report.no_rows"),
	}
	// Without tickets no service effort is known: service cost and
	// value-added profit are not available, not ¥0.00 and the revenue.
	noCost := d.Lacks("tickets")
	money := func(cost, profit string) (string, string) {
		if noCost {
			return l.Get("report.na"), l.Get("report.na")
		}
		return format.FormatMoney(cost, sym), format.FormatMoney(profit, sym)
	}
	for _, q := range d.Quadrants {
		cost, profit := money(q.Cost, q.Profit)
		quads.Rows = append(quads.Rows, []string{quadrantName(q.Quadrant, l), strconv.FormatInt(q.Customers, 10),
			format.FormatMoney(q.Revenue, sym), cost, profit})
	}
	owners := tableView{
		Header: headers(l, "account_owner", "customers", "revenue_12m", "service_cost_12m", "value_added_profit",
			"tier_a", "drains"),
		Numeric: []bool{false, true, true, true, true, true, true},
		Empty:   l.Get("report.no_rows"),
	}
	// Quadrants exist only where value and cost vary (queries/score.sql,
	// CompareWithPrevious); without them a drain count of 0 would be a
	// claim the data cannot make.
	noQuadrants := len(d.Quadrants) > 0
	for _, q := range d.Quadrants {
		if q.Quadrant != "" {
			noQuadrants = false
		}
	}
	for _, o := range d.Owners {
		drains := strconv.FormatInt(o.Drains, 10)
		if noQuadrants {
			drains = l.Get("report.na")
		}
		cost, profit := money(o.Cost, o.Profit)
		owners.Rows = append(owners.Rows, []string{o.Owner, strconv.FormatInt(o.Customers, 10),
			format.FormatMoney(o.Revenue, sym), cost, profit,
			strconv.FormatInt(o.TierA, 10), drains})
	}
	if d.OwnersTotal > int64(len(owners.Rows)) && len(owners.Rows) > 0 {
		owners.More = l.Getf("report.more", d.OwnersTotal-int64(len(owners.Rows)))
	}
	notes := []string{l.Get("drain.intro")}
	switch {
	case noCost:
		notes = append(notes, l.Get("drain.no_tickets"))
	case noQuadrants:
		notes = append(notes, l.Get("drain.not_available"))
	}
	switch {
	case d.Filtered:
		notes = append(notes, l.Get("drain.filtered"))
	case d.HasMedians:
		notes = append(notes, l.Getf("drain.medians", format.FormatScore(d.MedianScore), format.FormatMoney(d.MedianCostEx, sym)))
	}
	return sectionView{ID: "drain", Title: l.Get("section.drain"), Notes: notes, Tables: []subTable{
		{Title: l.Get("drain.by_quadrant"), Table: quads},
		{Title: l.Get("drain.by_owner"), Table: owners},
	}}
}

func overridesSection(d *snapshot.ReportData, l texts.Labels) sectionView {
	t := tableView{
		Header: headers(l, "customer_id", "name", "override_tier", "computed_tier", "override_reason",
			"override_owner", "override_expires"),
		Numeric: []bool{false, false, false, false, false, false, false},
		Empty:   l.Get("overrides.none"),
	}
	for _, o := range d.Overrides {
		t.Rows = append(t.Rows, []string{o.CustomerID, o.Name, o.Tier, o.ComputedTier, o.Reason, o.Owner, o.Expires})
	}
	if d.OverridesTotal > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.Getf("report.more", d.OverridesTotal-int64(len(t.Rows)))
	}
	return sectionView{ID: "overrides", Title: l.Get("section.overrides"), Notes: []string{l.Get("overrides.intro")},
		Tables: []subTable{{Table: t}}}
}

func ReconciliationSection(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) sectionView {
	s := sectionView{ID: "reconciliation", Title: l.Get("section.reconciliation")}
	if d.Filtered {
		s.Notes = []string{l.Get("recon.filtered")}
		return s
	}
	sym := opt.CurrencySymbol
	totals := tableView{
		Header:  headers(l, "check_name", "total_a", "total_b", "difference", "explained", "exceptions", "ties"),
		Numeric: []bool{false, true, true, true, true, true, false},
		Empty:   l.Get("recon.none"),
	}
	for _, r := range d.ReconTotals {
		if r.NotChecked != "" {
			na := l.Getf("recon.not_checked", r.NotChecked)
			totals.Rows = append(totals.Rows, []string{l.Lookup("check.", r.Check), na, na, na, na, na, na})
			continue
		}
		totals.Rows = append(totals.Rows, []string{l.Lookup("check.", r.Check), format.FormatMoney(r.TotalA, sym), format.FormatMoney(r.TotalB, sym),
			format.FormatMoney(r.Difference, sym), format.FormatMoney(r.Explained, sym), strconv.FormatInt(r.Exceptions, 10),
			format.YesNo(r.Ties, l)})
	}
	kinds := tableView{
		Header:  headers(l, "check_name", "kind", "exceptions", "difference"),
		Numeric: []bool{false, false, true, true},
		Empty:   l.Get("recon.no_exceptions"),
	}
	for _, k := range d.ReconKinds {
		kinds.Rows = append(kinds.Rows, []string{l.Lookup("check.", k.Check), k.Kind, strconv.FormatInt(k.Count, 10), format.FormatMoney(k.Amount, sym)})
	}
	s.Notes = []string{l.Get("recon.intro"), brief.ReconciliationLine(d, l)}
	s.Tables = []subTable{{Title: l.Get("recon.totals"), Table: totals}, {Title: l.Get("recon.by_kind"), Table: kinds}}
	return s
}

func orphansTable(d *snapshot.ReportData, l texts.Labels) tableView {
	t := tableView{
		Header:  []string{l.Get("col.source"), l.Get("col.column_name"), l.Get("col.parent"), l.Get("orphans.values"), l.Get("col.rows")},
		Numeric: []bool{false, false, false, true, true},
		Empty:   l.Get("orphans.none"),
	}
	if d.Filtered {
		t.Empty = l.Get("report.filtered_orphans")
	}
	for _, o := range d.Orphans {
		t.Rows = append(t.Rows, []string{o.Source, o.Column, o.Parent, strconv.FormatInt(o.Values, 10), strconv.FormatInt(o.Rows, 10)})
	}
	return t
}

func dataQualitySection(d *snapshot.ReportData, l texts.Labels) sectionView {
	return sectionView{ID: "data-quality", Title: l.Get("section.data_quality"), Tables: []subTable{
		{Title: l.Get("dq.rejects"), Table: rejectsTable(d, l)},
		{Title: l.Get("dq.orphans"), Table: orphansTable(d, l)},
	}}
}

// nullScore shows a nullable DOUBLE with one decimal, or not available.
func nullScore(v sql.NullFloat64, l texts.Labels) string {
	if !format.Finite(v) {
		return l.Get("report.na")
	}
	return format.FormatScore(v.Float64)
}

func nullPercent(v sql.NullFloat64, l texts.Labels) string {
	if !format.Finite(v) {
		return l.Get("report.na")
	}
	return formatPercent(v.Float64, 1)
}

// receivablesSection shows ar_kpis, the portfolio then each tier, next to
// the aging chart's figures. A filtered report gets a note instead: every
// row sums customers outside the filter.
func receivablesSection(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) sectionView {
	s := sectionView{ID: "receivables", Title: l.Get("section.receivables")}
	if d.Filtered {
		s.Notes = []string{l.Get("ar.filtered")}
		return s
	}
	if d.Lacks("ar_invoices") {
		s.Notes = []string{l.Get("ar.not_available")}
		return s
	}
	t := tableView{
		Header: headers(l, "scope", "open_amount", "current_amount", "overdue_amount", "overdue_share", "dso",
			"best_possible_dso", "add_days", "cei", "on_time_rate", "open_invoices"),
		Numeric: []bool{false, true, true, true, true, true, true, true, true, true, true},
		Empty:   l.Get("report.no_rows"),
	}
	for _, r := range d.ArKpis {
		name := l.Get("ar.portfolio")
		switch {
		case r.Scope != "portfolio" && r.Tier == "unscored":
			name = l.Get("ar.unscored")
		case r.Scope != "portfolio":
			name = l.Getf("kpi.tier", r.Tier)
		}
		t.Rows = append(t.Rows, []string{name, format.FormatMoney(r.Open, opt.CurrencySymbol), format.FormatMoney(r.Current, opt.CurrencySymbol),
			format.FormatMoney(r.Overdue, opt.CurrencySymbol), nullPercent(r.OverdueShare, l), nullScore(r.Dso, l),
			nullScore(r.BestDSO, l), nullScore(r.AddDays, l), nullScore(r.Cei, l), nullPercent(r.OnTime, l),
			strconv.FormatInt(r.OpenInvoices, 10)})
	}
	s.Notes = []string{l.Get("ar.intro")}
	s.Tables = []subTable{{Table: t}}
	return s
}

// formatPValue shows a p-value with three significant digits: they span
// many orders of magnitude, and the workbook has the exact value.
func formatPValue(v sql.NullFloat64) string {
	if !v.Valid {
		return ""
	}
	return strconv.FormatFloat(v.Float64, 'g', 3, 64)
}

// hotspotSection is the page's hot-spot table (the Pareto's groups with
// the rising test, repair time and repeat serials) and what the company
// cannot support, in the report's scope.
func hotspotSection(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) sectionView {
	t := tableView{
		Header: headers(l, "rank", "product_name", "component", "region", "failures", "shrunk_rate_per_100_per_year", "rate_per_100_per_year",
			"rising", "rising_p_value", "rising_q_value", "mttr_hours", "repeat_serials"),
		Numeric: []bool{true, false, false, false, true, true, true, false, true, true, true, true},
		Empty:   l.Get("report.no_rows"),
	}
	for _, h := range d.Hotspots {
		rank, mttr := "", ""
		if h.Rank > 0 {
			rank = strconv.FormatInt(h.Rank, 10)
		}
		if h.MttrHours.Valid {
			mttr = format.FormatScore(h.MttrHours.Float64)
		}
		t.Rows = append(t.Rows, []string{rank, h.ProductLabel(), h.Component, h.Region, strconv.FormatInt(h.Failures, 10),
			snapshot.FormatRate(h.ShrunkRate, l), strconv.FormatFloat(h.RatePer100PerYear, 'f', 2, 64), snapshot.RisingCell(h, l), formatPValue(h.RisingP), formatPValue(h.RisingQ), mttr,
			strconv.FormatInt(h.RepeatSerials, 10)})
	}
	u := tableView{
		Header:  headers(l, "reason", "product_name", "name", "ticket_id", "installed_units", "tickets", "revenue_12m"),
		Numeric: []bool{false, false, false, false, true, true, true},
		Empty:   l.Get("report.no_rows"),
	}
	for _, r := range d.Unsupported {
		product, name := cmp.Or(r.ProductName, r.ProductID), cmp.Or(r.Name, r.CustomerID)
		units, tickets := "", ""
		if r.Units.Valid {
			units = strconv.FormatInt(r.Units.Int64, 10)
		}
		if r.Tickets.Valid {
			tickets = strconv.FormatInt(r.Tickets.Int64, 10)
		}
		if d.Lacks("tickets") {
			tickets = l.Get("report.na")
		}
		u.Rows = append(u.Rows, []string{l.Lookup("unsupported.", r.Reason), product, name, r.TicketID, units, tickets,
			format.FormatMoney(r.Revenue, opt.CurrencySymbol)})
	}
	if d.UnsupportedTotal > int64(len(u.Rows)) && len(u.Rows) > 0 {
		u.More = l.Getf("report.more", d.UnsupportedTotal-int64(len(u.Rows)))
	}
	return sectionView{
		ID: "hotspots", Title: l.Get("section.hotspots"),
		Notes: hotspotNotes(d, l),
		Tables: []subTable{
			{Table: t},
			{Title: l.Get("hotspots.unsupported") + " — " +
				l.Getf("hotspots.unsupported_note", d.UnsupportedCustomers, format.FormatMoney(d.UnsupportedRevenue, opt.CurrencySymbol)), Table: u},
		},
	}
}

// hotspotNotes are the section's notes: the method, then where regions
// came from when not every fault ticket named one.
func hotspotNotes(d *snapshot.ReportData, l texts.Labels) []string {
	notes := []string{l.Get("hotspots.note")}
	switch d.RegionBasis {
	case "ticket_or_customer":
		notes = append(notes, l.Get("hotspots.region_ticket_or_customer"))
	case "none":
		notes = append(notes, l.Get("hotspots.region_none"))
	}
	return append(notes, hotspotAvailability(d, len(d.Hotspots) > 0, l)...)
}

// hotspotAvailability says what of the hot-spot analysis could not run and
// why, on weekly.html and hotspots.html alike: no groups at all, units
// from billing without an installed base, no end-of-support check without
// products, no unsupported tickets without tickets.
func hotspotAvailability(d *snapshot.ReportData, hasGroups bool, l texts.Labels) []string {
	var notes []string
	if !hasGroups {
		notes = append(notes, l.Get("hotspots.not_available"))
	} else if d.Lacks("installed_base") {
		notes = append(notes, l.Get("hotspots.units_from_billing"))
	}
	if d.Lacks("products") {
		notes = append(notes, l.Get("unsupported.no_products"))
	}
	if d.Lacks("tickets") {
		notes = append(notes, l.Get("unsupported.no_tickets"))
	}
	return notes
}
