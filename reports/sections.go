package reports

import (
	"cmp"
	"database/sql"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The page's sections after the summary and the charts: the model the run
// used, the evidence that it works, movers, service drain, manual
// overrides, the service queue, the reconciliation and data quality. Each
// is built from reportData as plain strings; html/template escapes them.

func pageSections(d *reportData, l labels, opt Options) []sectionView {
	return []sectionView{
		modelSection(d, l),
		evidenceSection(d, l),
		moversSection(d, l),
		drainSection(d, l, opt),
		hotspotSection(d, l, opt),
		overridesSection(d, l),
		{ID: "service-queue", Title: l.get("section.service_queue"), Tables: []subTable{{Table: queueTable(d, l)}}},
		receivablesSection(d, l, opt),
		reconciliationSection(d, l, opt),
		dataQualitySection(d, l),
	}
}

// lookup translates a data value through the label prefix+value, showing
// the value itself when there is no such label (a new quadrant, a custom
// direction): data is never hidden behind a missing translation.
func (l labels) lookup(prefix, value string) string {
	if s, ok := l[prefix+value]; ok {
		return s
	}
	return value
}

// storedReasons are the reject reasons the pipeline stores in English
// (pipeline/check.go) that the catalogs translate; any other reason is
// shown as stored.
var storedReasons = map[string]string{
	"required value is empty":       "reason.required_empty",
	"cannot read as a number":       "reason.not_number",
	"cannot read as a whole number": "reason.not_whole_number",
}

// storedReason shows a stored reject reason in the report's language, or
// as stored when the catalogs do not know it.
func (l labels) storedReason(reason string) string {
	if key, ok := storedReasons[reason]; ok {
		return l.get(key)
	}
	return reason
}

func headers(l labels, cols ...string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = l.get("col." + c)
	}
	return out
}

// formatPercent shows a 0..1 share as a percentage with the given decimals.
func formatPercent(v float64, decimals int) string {
	p := math.Pow(10, float64(decimals))
	return strconv.FormatFloat(math.Round(v*100*p)/p, 'f', decimals, 64) + "%"
}

// formatSigned shows a score change with one decimal and its sign.
func formatSigned(v float64) string {
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

// modelSummary states in one sentence which normalizations and weight
// methods the run used, from model_used.
func modelSummary(d *reportData, l labels) string {
	if len(d.model) == 0 {
		return l.get("model.none")
	}
	norms := map[string]int{}
	methods := map[string][]string{}
	for _, m := range d.model {
		norms[m.normalization]++
		if !slices.Contains(methods[m.method], m.segment) {
			methods[m.method] = append(methods[m.method], m.segment)
		}
	}
	names := make([]string, 0, len(norms))
	for n := range norms {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if norms[a] != norms[b] {
			return norms[b] - norms[a]
		}
		return strings.Compare(a, b)
	})
	var np []string
	for _, n := range names {
		np = append(np, l.getf("model.norm_count", l.lookup("norm.", n), norms[n]))
	}
	mnames := make([]string, 0, len(methods))
	for m := range methods {
		mnames = append(mnames, m)
	}
	slices.Sort(mnames)
	var mp []string
	for _, m := range mnames {
		if len(mnames) == 1 {
			mp = append(mp, l.lookup("weights.", m))
			continue
		}
		segs := slices.Clone(methods[m])
		slices.Sort(segs)
		for i, s := range segs {
			segs[i] = l.lookup("segment.", s)
		}
		mp = append(mp, l.lookup("weights.", m)+" ("+strings.Join(segs, ", ")+")")
	}
	return l.getf("model.summary", strings.Join(np, ", "), strings.Join(mp, ", ")) + " " + restsOn(d, l)
}

// restsOn says on how many indicators the index rests, with a warning when
// under half have data for anyone: a score from two indicators must not
// pass for one from nine.
func restsOn(d *reportData, l labels) string {
	if d.indicatorsWithData*2 < d.indicators {
		return l.getf("model.rests_on_warning", d.indicatorsWithData, d.indicators)
	}
	return l.getf("model.rests_on", d.indicatorsWithData, d.indicators)
}

func modelSection(d *reportData, l labels) sectionView {
	t := tableView{
		Header: headers(l, "segment", "group_name", "group_weight", "indicator", "weight", "direction",
			"normalization", "window_months", "missing_policy", "weight_method", "available"),
		Numeric: []bool{false, false, true, false, true, false, false, true, false, false, false},
		Empty:   l.get("model.none"),
	}
	unavailable := false
	for _, m := range d.model {
		window := strconv.FormatInt(m.window, 10)
		if m.window == 0 {
			window = "–"
		}
		if !m.available {
			unavailable = true
		}
		t.Rows = append(t.Rows, []string{l.lookup("segment.", m.segment), l.lookup("group.", m.group),
			formatPercent(m.groupWeight, 2), l.lookup("indicator.", m.indicator),
			formatPercent(m.weight, 2), l.lookup("direction.", m.direction), l.lookup("norm.", m.normalization), window,
			l.lookup("missing.", m.missing), l.lookup("weights.", m.method), yesNo(m.available, l)})
	}
	notes := []string{modelSummary(d, l)}
	if len(d.model) > 0 {
		notes = append(notes, l.get("model.intro"))
	}
	if unavailable {
		notes = append(notes, l.get("model.unavailable"))
	}
	return sectionView{ID: "model", Title: l.get("section.model"), Notes: notes, Tables: []subTable{{Table: t}}}
}

// evidenceLabel names a model_evidence metric in the report's language.
func evidenceLabel(metric string, l labels) string {
	switch metric {
	case "spearman_value_added_profit":
		return l.get("evidence.spearman")
	case "lift_repurchase":
		return l.get("evidence.lift_repurchase")
	case "lift_on_time":
		return l.get("evidence.lift_on_time")
	}
	if rest, ok := strings.CutPrefix(metric, "sensitivity_"); ok {
		if i := strings.LastIndexByte(rest, '_'); i > 0 {
			return l.getf("evidence.sensitivity", l.lookup("group.", rest[:i]), rest[i+1:])
		}
	}
	return metric
}

// evidenceValue formats a metric's value as its kind reads best:
// correlations with three decimals, lifts as a ratio, counts whole.
func evidenceValue(e evidenceRow, l labels) string {
	if !finite(e.value) {
		return l.get("report.na")
	}
	v := e.value.Float64
	switch {
	case strings.HasPrefix(e.metric, "spearman"):
		return strconv.FormatFloat(v, 'f', 3, 64)
	case strings.HasPrefix(e.metric, "lift"):
		return strconv.FormatFloat(v, 'f', 2, 64) + "×"
	case strings.HasPrefix(e.metric, "sensitivity"):
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// spearmanValues lists the rank correlation of score and value-added
// profit per segment ("default 0.556, enterprise 0.48"); "" when the run
// recorded none.
func spearmanValues(d *reportData, l labels) string {
	var parts []string
	for _, e := range d.evidence {
		if e.metric == "spearman_value_added_profit" {
			v := evidenceValue(e, l)
			// The pipeline states why in the detail ("not available: all 5
			// customers have the same score").
			if !finite(e.value) && strings.HasPrefix(e.detail, "not available") {
				v += " (" + e.detail + ")"
			}
			parts = append(parts, l.getf("evidence.segment_value", l.lookup("segment.", e.segment), v))
		}
	}
	return strings.Join(parts, ", ")
}

// spearmanLine is the one line of evidence the e-mail carries: the rank
// correlation of score and value-added profit, per segment.
func spearmanLine(d *reportData, l labels) string {
	v := spearmanValues(d, l)
	if v == "" {
		return l.get("evidence.no_spearman")
	}
	return l.getf("evidence.spearman_line", v)
}

func evidenceSection(d *reportData, l labels) sectionView {
	t := tableView{
		Header:  headers(l, "segment", "metric", "value", "detail"),
		Numeric: []bool{false, false, true, false},
		Empty:   l.get("evidence.none"),
	}
	for _, e := range d.evidence {
		t.Rows = append(t.Rows, []string{l.lookup("segment.", e.segment), evidenceLabel(e.metric, l), evidenceValue(e, l), e.detail})
	}
	notes := []string{l.get("evidence.intro"), spearmanLine(d, l)}
	if d.stability.Valid {
		notes = append(notes, l.getf("evidence.stability", formatPercent(d.stability.Float64, 1)))
	}
	return sectionView{ID: "evidence", Title: l.get("section.evidence"), Notes: notes, Tables: []subTable{{Table: t}}}
}

func moversSection(d *reportData, l labels) sectionView {
	t := tableView{
		Header: headers(l, "customer_id", "name", "previous_tier", "tier", "previous_score", "score", "change",
			"top_up", "top_down"),
		Numeric: []bool{false, false, false, false, true, true, true, false, false},
		Empty:   l.get("movers.empty"),
	}
	for _, m := range d.movers {
		prev := ""
		if m.previousScore.Valid {
			prev = formatScore(m.previousScore.Float64)
		}
		t.Rows = append(t.Rows, []string{m.customerID, m.name, m.previousTier, m.tier, prev, formatScore(m.score),
			formatSigned(m.change), m.topUp, m.topDown})
	}
	if d.moversTotal > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.getf("report.more", d.moversTotal-int64(len(t.Rows)))
	}
	note := l.get("movers.no_previous")
	if d.previousAsOf != "" {
		note = l.getf("movers.summary", d.previousAsOf, d.tierChanges, d.moversTotal)
	}
	return sectionView{ID: "movers", Title: l.get("section.movers"), Notes: []string{note}, Tables: []subTable{{Table: t}}}
}

func quadrantName(q string, l labels) string {
	if q == "" {
		return l.get("quadrant.none")
	}
	return l.lookup("quadrant.", q)
}

func drainSection(d *reportData, l labels, opt Options) sectionView {
	sym := opt.CurrencySymbol
	quads := tableView{
		Header:  headers(l, "quadrant", "customers", "revenue_12m", "service_cost_12m", "value_added_profit"),
		Numeric: []bool{false, true, true, true, true},
		Empty:   l.get("report.no_rows"),
	}
	// Without tickets no service effort is known: service cost and
	// value-added profit are not available, not ¥0.00 and the revenue.
	noCost := d.lacks("tickets")
	money := func(cost, profit string) (string, string) {
		if noCost {
			return l.get("report.na"), l.get("report.na")
		}
		return formatMoney(cost, sym), formatMoney(profit, sym)
	}
	for _, q := range d.quadrants {
		cost, profit := money(q.cost, q.profit)
		quads.Rows = append(quads.Rows, []string{quadrantName(q.quadrant, l), strconv.FormatInt(q.customers, 10),
			formatMoney(q.revenue, sym), cost, profit})
	}
	owners := tableView{
		Header: headers(l, "account_owner", "customers", "revenue_12m", "service_cost_12m", "value_added_profit",
			"tier_a", "drains"),
		Numeric: []bool{false, true, true, true, true, true, true},
		Empty:   l.get("report.no_rows"),
	}
	// Quadrants exist only where value and cost vary (queries/score.sql,
	// CompareWithPrevious); without them a drain count of 0 would be a
	// claim the data cannot make.
	noQuadrants := len(d.quadrants) > 0
	for _, q := range d.quadrants {
		if q.quadrant != "" {
			noQuadrants = false
		}
	}
	for _, o := range d.owners {
		drains := strconv.FormatInt(o.drains, 10)
		if noQuadrants {
			drains = l.get("report.na")
		}
		cost, profit := money(o.cost, o.profit)
		owners.Rows = append(owners.Rows, []string{o.owner, strconv.FormatInt(o.customers, 10),
			formatMoney(o.revenue, sym), cost, profit,
			strconv.FormatInt(o.tierA, 10), drains})
	}
	if d.ownersTotal > int64(len(owners.Rows)) && len(owners.Rows) > 0 {
		owners.More = l.getf("report.more", d.ownersTotal-int64(len(owners.Rows)))
	}
	notes := []string{l.get("drain.intro")}
	switch {
	case noCost:
		notes = append(notes, l.get("drain.no_tickets"))
	case noQuadrants:
		notes = append(notes, l.get("drain.not_available"))
	}
	switch {
	case d.filtered:
		notes = append(notes, l.get("drain.filtered"))
	case d.hasMedians:
		notes = append(notes, l.getf("drain.medians", formatScore(d.medianScore), formatMoney(d.medianCostEx, sym)))
	}
	return sectionView{ID: "drain", Title: l.get("section.drain"), Notes: notes, Tables: []subTable{
		{Title: l.get("drain.by_quadrant"), Table: quads},
		{Title: l.get("drain.by_owner"), Table: owners},
	}}
}

func overridesSection(d *reportData, l labels) sectionView {
	t := tableView{
		Header: headers(l, "customer_id", "name", "override_tier", "computed_tier", "override_reason",
			"override_owner", "override_expires"),
		Numeric: []bool{false, false, false, false, false, false, false},
		Empty:   l.get("overrides.none"),
	}
	for _, o := range d.overrides {
		t.Rows = append(t.Rows, []string{o.customerID, o.name, o.tier, o.computedTier, o.reason, o.owner, o.expires})
	}
	if d.overridesTotal > int64(len(t.Rows)) && len(t.Rows) > 0 {
		t.More = l.getf("report.more", d.overridesTotal-int64(len(t.Rows)))
	}
	return sectionView{ID: "overrides", Title: l.get("section.overrides"), Notes: []string{l.get("overrides.intro")},
		Tables: []subTable{{Table: t}}}
}

func reconciliationSection(d *reportData, l labels, opt Options) sectionView {
	s := sectionView{ID: "reconciliation", Title: l.get("section.reconciliation")}
	if d.filtered {
		s.Notes = []string{l.get("recon.filtered")}
		return s
	}
	sym := opt.CurrencySymbol
	totals := tableView{
		Header:  headers(l, "check_name", "total_a", "total_b", "difference", "explained", "exceptions", "ties"),
		Numeric: []bool{false, true, true, true, true, true, false},
		Empty:   l.get("recon.none"),
	}
	for _, r := range d.reconTotals {
		if r.notChecked != "" {
			na := l.getf("recon.not_checked", r.notChecked)
			totals.Rows = append(totals.Rows, []string{l.lookup("check.", r.check), na, na, na, na, na, na})
			continue
		}
		totals.Rows = append(totals.Rows, []string{l.lookup("check.", r.check), formatMoney(r.totalA, sym), formatMoney(r.totalB, sym),
			formatMoney(r.difference, sym), formatMoney(r.explained, sym), strconv.FormatInt(r.exceptions, 10),
			yesNo(r.ties, l)})
	}
	kinds := tableView{
		Header:  headers(l, "check_name", "kind", "exceptions", "difference"),
		Numeric: []bool{false, false, true, true},
		Empty:   l.get("recon.no_exceptions"),
	}
	for _, k := range d.reconKinds {
		kinds.Rows = append(kinds.Rows, []string{l.lookup("check.", k.check), k.kind, strconv.FormatInt(k.count, 10), formatMoney(k.amount, sym)})
	}
	s.Notes = []string{l.get("recon.intro"), reconciliationLine(d, l)}
	s.Tables = []subTable{{Title: l.get("recon.totals"), Table: totals}, {Title: l.get("recon.by_kind"), Table: kinds}}
	return s
}

// reconciliationLine says in one line whether the control totals tie, and
// which checks could not run and why: a check not run never counts as tied.
func reconciliationLine(d *reportData, l labels) string {
	untied, checked := 0, 0
	var notChecked []string
	for _, r := range d.reconTotals {
		switch {
		case r.notChecked != "":
			notChecked = append(notChecked, l.lookup("check.", r.check)+" ("+r.notChecked+")")
		case !r.ties:
			untied++
			checked++
		default:
			checked++
		}
	}
	var line string
	switch {
	case len(d.reconTotals) == 0:
		return l.get("recon.none")
	case checked == 0:
		line = l.get("recon.none_checked")
	case untied == 0:
		line = l.getf("recon.all_tie", checked)
	default:
		line = l.getf("recon.untied", untied, checked)
	}
	if len(notChecked) > 0 {
		line += " " + l.getf("recon.not_checked_list", len(notChecked), strings.Join(notChecked, "; "))
	}
	return line
}

func orphansTable(d *reportData, l labels) tableView {
	t := tableView{
		Header:  []string{l.get("col.source"), l.get("col.column_name"), l.get("col.parent"), l.get("orphans.values"), l.get("col.rows")},
		Numeric: []bool{false, false, false, true, true},
		Empty:   l.get("orphans.none"),
	}
	if d.filtered {
		t.Empty = l.get("report.filtered_orphans")
	}
	for _, o := range d.orphans {
		t.Rows = append(t.Rows, []string{o.source, o.column, o.parent, strconv.FormatInt(o.values, 10), strconv.FormatInt(o.rows, 10)})
	}
	return t
}

func dataQualitySection(d *reportData, l labels) sectionView {
	return sectionView{ID: "data-quality", Title: l.get("section.data_quality"), Tables: []subTable{
		{Title: l.get("dq.rejects"), Table: rejectsTable(d, l)},
		{Title: l.get("dq.orphans"), Table: orphansTable(d, l)},
	}}
}

// finite is whether a nullable DOUBLE holds a number to show: NULL (a ratio
// with nothing to divide by), NaN and ±Inf show as not available, never as 0.
func finite(v sql.NullFloat64) bool {
	return v.Valid && !math.IsNaN(v.Float64) && !math.IsInf(v.Float64, 0)
}

// nullScore shows a nullable DOUBLE with one decimal, or not available.
func nullScore(v sql.NullFloat64, l labels) string {
	if !finite(v) {
		return l.get("report.na")
	}
	return formatScore(v.Float64)
}

func nullPercent(v sql.NullFloat64, l labels) string {
	if !finite(v) {
		return l.get("report.na")
	}
	return formatPercent(v.Float64, 1)
}

// receivablesSection shows ar_kpis, the portfolio then each tier, next to
// the aging chart's figures. A filtered report gets a note instead: every
// row sums customers outside the filter.
func receivablesSection(d *reportData, l labels, opt Options) sectionView {
	s := sectionView{ID: "receivables", Title: l.get("section.receivables")}
	if d.filtered {
		s.Notes = []string{l.get("ar.filtered")}
		return s
	}
	if d.lacks("ar_invoices") {
		s.Notes = []string{l.get("ar.not_available")}
		return s
	}
	t := tableView{
		Header: headers(l, "scope", "open_amount", "current_amount", "overdue_amount", "overdue_share", "dso",
			"best_possible_dso", "add_days", "cei", "on_time_rate", "open_invoices"),
		Numeric: []bool{false, true, true, true, true, true, true, true, true, true, true},
		Empty:   l.get("report.no_rows"),
	}
	for _, r := range d.arKpis {
		name := l.get("ar.portfolio")
		switch {
		case r.scope != "portfolio" && r.tier == "unscored":
			name = l.get("ar.unscored")
		case r.scope != "portfolio":
			name = l.getf("kpi.tier", r.tier)
		}
		t.Rows = append(t.Rows, []string{name, formatMoney(r.open, opt.CurrencySymbol), formatMoney(r.current, opt.CurrencySymbol),
			formatMoney(r.overdue, opt.CurrencySymbol), nullPercent(r.overdueShare, l), nullScore(r.dso, l),
			nullScore(r.bestDSO, l), nullScore(r.addDays, l), nullScore(r.cei, l), nullPercent(r.onTime, l),
			strconv.FormatInt(r.openInvoices, 10)})
	}
	s.Notes = []string{l.get("ar.intro")}
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
func hotspotSection(d *reportData, l labels, opt Options) sectionView {
	t := tableView{
		Header: headers(l, "rank", "product_name", "component", "region", "failures", "shrunk_rate_per_100_per_year", "rate_per_100_per_year",
			"rising", "rising_p_value", "rising_q_value", "mttr_hours", "repeat_serials"),
		Numeric: []bool{true, false, false, false, true, true, true, false, true, true, true, true},
		Empty:   l.get("report.no_rows"),
	}
	for _, h := range d.hotspots {
		rank, mttr := "", ""
		if h.rank > 0 {
			rank = strconv.FormatInt(h.rank, 10)
		}
		if h.mttrHours.Valid {
			mttr = formatScore(h.mttrHours.Float64)
		}
		t.Rows = append(t.Rows, []string{rank, h.productLabel(), h.component, h.region, strconv.FormatInt(h.failures, 10),
			formatRate(h.shrunkRate, l), strconv.FormatFloat(h.ratePer100PerYear, 'f', 2, 64), risingCell(h, l), formatPValue(h.risingP), formatPValue(h.risingQ), mttr,
			strconv.FormatInt(h.repeatSerials, 10)})
	}
	u := tableView{
		Header:  headers(l, "reason", "product_name", "name", "ticket_id", "installed_units", "tickets", "revenue_12m"),
		Numeric: []bool{false, false, false, false, true, true, true},
		Empty:   l.get("report.no_rows"),
	}
	for _, r := range d.unsupported {
		product, name := cmp.Or(r.productName, r.productID), cmp.Or(r.name, r.customerID)
		units, tickets := "", ""
		if r.units.Valid {
			units = strconv.FormatInt(r.units.Int64, 10)
		}
		if r.tickets.Valid {
			tickets = strconv.FormatInt(r.tickets.Int64, 10)
		}
		if d.lacks("tickets") {
			tickets = l.get("report.na")
		}
		u.Rows = append(u.Rows, []string{l.lookup("unsupported.", r.reason), product, name, r.ticketID, units, tickets,
			formatMoney(r.revenue, opt.CurrencySymbol)})
	}
	if d.unsupportedTotal > int64(len(u.Rows)) && len(u.Rows) > 0 {
		u.More = l.getf("report.more", d.unsupportedTotal-int64(len(u.Rows)))
	}
	return sectionView{
		ID: "hotspots", Title: l.get("section.hotspots"),
		Notes: hotspotNotes(d, l),
		Tables: []subTable{
			{Table: t},
			{Title: l.get("hotspots.unsupported") + " — " +
				l.getf("hotspots.unsupported_note", d.unsupportedCustomers, formatMoney(d.unsupportedRevenue, opt.CurrencySymbol)), Table: u},
		},
	}
}

// hotspotNotes are the section's notes: the method, then where regions
// came from when not every fault ticket named one.
func hotspotNotes(d *reportData, l labels) []string {
	notes := []string{l.get("hotspots.note")}
	switch d.regionBasis {
	case "ticket_or_customer":
		notes = append(notes, l.get("hotspots.region_ticket_or_customer"))
	case "none":
		notes = append(notes, l.get("hotspots.region_none"))
	}
	return append(notes, hotspotAvailability(d, len(d.hotspots) > 0, l)...)
}

// hotspotAvailability says what of the hot-spot analysis could not run and
// why, on weekly.html and hotspots.html alike: no groups at all, units
// from billing without an installed base, no end-of-support check without
// products, no unsupported tickets without tickets.
func hotspotAvailability(d *reportData, hasGroups bool, l labels) []string {
	var notes []string
	if !hasGroups {
		notes = append(notes, l.get("hotspots.not_available"))
	} else if d.lacks("installed_base") {
		notes = append(notes, l.get("hotspots.units_from_billing"))
	}
	if d.lacks("products") {
		notes = append(notes, l.get("unsupported.no_products"))
	}
	if d.lacks("tickets") {
		notes = append(notes, l.get("unsupported.no_tickets"))
	}
	return notes
}
