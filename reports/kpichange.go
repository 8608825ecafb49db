package reports

import (
	"database/sql"
	"maps"
	"math"
	"slices"
	"strconv"
)

// A KPI card's change against the previous run (weekChanges): an arrow and
// the size of the move, and a tone from the KPI's direction: better is
// "good" (green), worse "bad" (red), a KPI with no better direction
// (customers, open receivables, tiers between the best and the worst)
// neither. A first run shows no change; a figure the previous run cannot
// give says "change n/a", never 0.

// kpiBetter is which way a KPI improves: up, down, or neither.
type kpiBetter int

const (
	neither kpiBetter = 0
	higher  kpiBetter = 1
	lower   kpiBetter = -1
)

func kpiTone(dir changeDir, better kpiBetter) string {
	switch s := int(dir) * int(better); {
	case s > 0:
		return "good"
	case s < 0:
		return "bad"
	}
	return ""
}

func arrowOf(dir changeDir) string {
	if dir < 0 {
		return "▼"
	}
	return "▲"
}

// kpiCount is the change of a count: "▲2 vs last run".
func kpiCount(k *kpi, now, prev int64, better kpiBetter, l labels) {
	if now == prev {
		k.Change = l.get("kpi.unchanged")
		return
	}
	dir := changeDir(1)
	if now < prev {
		dir = -1
	}
	diff := now - prev
	if diff < 0 {
		diff = -diff
	}
	k.Change, k.Tone = l.getf("kpi.change", arrowOf(dir)+strconv.FormatInt(diff, 10)), kpiTone(dir, better)
}

// kpiMoney is the change of an exact amount, in percent: "▲4% vs last run".
func kpiMoney(k *kpi, now, prev string, better kpiBetter, l labels) {
	_, dir, _, ok := pctChange(now, prev)
	switch {
	case !ok:
		k.Change = l.get("kpi.change_na")
	case dir == 0:
		k.Change = l.get("kpi.unchanged")
	default:
		k.Change, k.Tone = l.getf("kpi.change", pctText(now, prev)), kpiTone(dir, better)
	}
}

// kpiFloat is the change of a measure shown with decimals (DSO in days,
// one decimal; a rate in percentage points, scale 100), compared as shown:
// a move hidden by the rounding is unchanged.
func kpiFloat(k *kpi, now, prev sql.NullFloat64, scale float64, unit string, better kpiBetter, l labels) {
	if !finite(now) {
		return // the card says n/a itself
	}
	if !finite(prev) {
		k.Change = l.get("kpi.change_na")
		return
	}
	a, b := math.Round(now.Float64*scale*10), math.Round(prev.Float64*scale*10)
	if a == b {
		k.Change = l.get("kpi.unchanged")
		return
	}
	dir := changeDir(1)
	if a < b {
		dir = -1
	}
	k.Change = l.getf("kpi.change", arrowOf(dir)+strconv.FormatFloat(math.Abs(a-b)/10, 'f', 1, 64)+l.get(unit))
	k.Tone = kpiTone(dir, better)
}

// kpiChanges sets each card's change; out is kpis' cards in their order.
func kpiChanges(d *reportData, l labels, out []kpi) {
	w := d.week
	if w == nil || !w.hasPrevious {
		return
	}
	// The best tier is the first by name and the worst the last, over both
	// runs (a tier can be empty now: D with nobody left in it); no tier and
	// "unrated" are not tiers, so their cards are neither good nor bad.
	best, worst := "", ""
	names := slices.Collect(maps.Keys(w.prevTiers))
	for _, t := range d.tiers {
		names = append(names, t.tier)
	}
	slices.Sort(names)
	for _, n := range names {
		if n == "" || n == "unrated" {
			continue
		}
		if best == "" {
			best = n
		}
		worst = n
	}
	for i := range out {
		k := &out[i]
		switch k.key {
		case "customers":
			kpiCount(k, d.customers, w.prevCustomers, neither, l)
		case "tier":
			better := neither
			switch k.tier {
			case best:
				better = higher
			case worst:
				better = lower
			}
			kpiCount(k, k.count, w.prevTiers[k.tier], better, l)
		case "open_ar", "overdue_90":
			if !w.overdueKnown {
				continue
			}
			if !w.prevOverdueKnown {
				k.Change = l.get("kpi.change_na")
				continue
			}
			if k.key == "open_ar" {
				kpiMoney(k, d.openAR, w.prevOpenAR, neither, l)
			} else {
				kpiMoney(k, d.overdue90, w.prevOverdue90, lower, l)
			}
		case "dso":
			if w.prevOverdueKnown {
				kpiFloat(k, w.dso, w.prevDSO, 1, "kpi.days", lower, l)
			}
		case "on_time":
			if len(d.arKpis) > 0 && w.prevOverdueKnown {
				kpiFloat(k, d.arKpis[0].onTime, w.prevOnTime, 100, "kpi.points", higher, l)
			}
		case "top_hotspot":
			if !w.hotspotsKnown || len(d.hotspots) == 0 {
				continue
			}
			h := d.hotspots[0]
			switch key := h.productID + "\x00" + h.component + "\x00" + h.region; {
			case w.prevTop == "":
				k.Change = l.get("kpi.change_na")
			case key == w.prevTop:
				k.Change = l.get("kpi.unchanged")
			default:
				k.Change = l.getf("kpi.top_was", cutText(w.prevTopLabel, maxSentenceDataRunes))
			}
		case "open_tickets":
			if w.queueKnown && w.prevQueueKnown {
				kpiCount(k, d.openTickets, w.prevQueue, lower, l)
			} else if w.queueKnown {
				k.Change = l.get("kpi.change_na")
			}
		case "rejected_rows":
			if w.prevRejectsKnown {
				kpiCount(k, d.rejected, w.prevRejects, lower, l)
			}
		}
	}
}
