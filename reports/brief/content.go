package brief

import (
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"slices"
	"strconv"
	"strings"
)

func ReportTitle(opt snapshot.Options, l texts.Labels) string {
	if strings.TrimSpace(opt.Title) != "" {
		return opt.Title
	}
	return l.Get("report.default_title")
}

func TopHotspot(d *snapshot.ReportData, l texts.Labels) string {
	if d.Lacks("tickets") {
		return snapshot.NoSource(l, "tickets")
	}
	if len(d.Hotspots) == 0 {
		// No group could be formed (hotspots.not_available): not "none",
		// which would read as nothing failing.
		return l.Get("kpi.hotspot_na")
	}
	h := d.Hotspots[0]
	product := h.ProductLabel()
	// Isolated: a right-to-left override in a name must not reverse the
	// rest of the card's line.
	return l.Getf("kpi.hotspot_detail", IsolateText(product), IsolateText(h.Component), IsolateText(h.Region), h.Failures,
		strconv.FormatFloat(h.RatePer100PerYear, 'f', 2, 64))
}

// modelSummary states in one sentence which normalizations and weight
// methods the run used, from model_used.
func ModelSummary(d *snapshot.ReportData, l texts.Labels) string {
	if len(d.Model) == 0 {
		return l.Get("model.none")
	}
	norms := map[string]int{}
	methods := map[string][]string{}
	for _, m := range d.Model {
		norms[m.Normalization]++
		if !slices.Contains(methods[m.Method], m.Segment) {
			methods[m.Method] = append(methods[m.Method], m.Segment)
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
		np = append(np, l.Getf("model.norm_count", l.Lookup("norm.", n), norms[n]))
	}
	mnames := make([]string, 0, len(methods))
	for m := range methods {
		mnames = append(mnames, m)
	}
	slices.Sort(mnames)
	var mp []string
	for _, m := range mnames {
		if len(mnames) == 1 {
			mp = append(mp, l.Lookup("weights.", m))
			continue
		}
		segs := slices.Clone(methods[m])
		slices.Sort(segs)
		for i, s := range segs {
			segs[i] = l.Lookup("segment.", s)
		}
		mp = append(mp, l.Lookup("weights.", m)+" ("+strings.Join(segs, ", ")+")")
	}
	return l.Getf("model.summary", strings.Join(np, ", "), strings.Join(mp, ", ")) + " " + RestsOn(d, l)
}

// evidenceLabel names a model_evidence metric in the report's language.
func EvidenceLabel(metric string, l texts.Labels) string {
	switch metric {
	case "spearman_value_added_profit":
		return l.Get("evidence.spearman")
	case "lift_repurchase":
		return l.Get("evidence.lift_repurchase")
	case "lift_on_time":
		return l.Get("evidence.lift_on_time")
	}
	if rest, ok := strings.CutPrefix(metric, "sensitivity_"); ok {
		if i := strings.LastIndexByte(rest, '_'); i > 0 {
			return l.Getf("evidence.sensitivity", l.Lookup("group.", rest[:i]), rest[i+1:])
		}
	}
	return metric
}

// reconciliationLine says in one line whether the control totals tie, and
// which checks could not run and why: a check not run never counts as tied.
func ReconciliationLine(d *snapshot.ReportData, l texts.Labels) string {
	untied, checked := 0, 0
	var notChecked []string
	for _, r := range d.ReconTotals {
		switch {
		case r.NotChecked != "":
			notChecked = append(notChecked, l.Lookup("check.", r.Check)+" ("+r.NotChecked+")")
		case !r.Ties:
			untied++
			checked++
		default:
			checked++
		}
	}
	var line string
	switch {
	case len(d.ReconTotals) == 0:
		return l.Get("recon.none")
	case checked == 0:
		line = l.Get("recon.none_checked")
	case untied == 0:
		line = l.Getf("recon.all_tie", checked)
	default:
		line = l.Getf("recon.untied", untied, checked)
	}
	if len(notChecked) > 0 {
		line += " " + l.Getf("recon.not_checked_list", len(notChecked), strings.Join(notChecked, "; "))
	}
	return line
}

// restsOn says on how many indicators the index rests, with a warning when
// under half have data for anyone: a score from two indicators must not
// pass for one from nine.
func RestsOn(d *snapshot.ReportData, l texts.Labels) string {
	if d.IndicatorsWithData*2 < d.Indicators {
		return l.Getf("model.rests_on_warning", d.IndicatorsWithData, d.Indicators)
	}
	return l.Getf("model.rests_on", d.IndicatorsWithData, d.Indicators)
}
