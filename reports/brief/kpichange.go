package brief

import (
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

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

func kpiTone(dir format.ChangeDir, better kpiBetter) string {
	switch s := int(dir) * int(better); {
	case s > 0:
		return "good"
	case s < 0:
		return "bad"
	}
	return ""
}

func arrowOf(dir format.ChangeDir) string {
	if dir < 0 {
		return "▼"
	}
	return "▲"
}

// kpiCount is the change of a count: "▲2 vs last run".
func kpiCount(k *Kpi, now, prev int64, better kpiBetter, l texts.Labels) {
	if now == prev {
		k.Change = l.Get("kpi.unchanged")
		return
	}
	dir := format.ChangeDir(1)
	if now < prev {
		dir = -1
	}
	diff := now - prev
	if diff < 0 {
		diff = -diff
	}
	k.Change, k.Tone = l.Getf("kpi.change", arrowOf(dir)+strconv.FormatInt(diff, 10)), kpiTone(dir, better)
}

// kpiMoney is the change of an exact amount, in percent: "▲4% vs last run".
func kpiMoney(k *Kpi, now, prev string, better kpiBetter, l texts.Labels) {
	_, dir, _, ok := format.PctChange(now, prev)
	switch {
	case !ok:
		k.Change = l.Get("kpi.change_na")
	case dir == 0:
		k.Change = l.Get("kpi.unchanged")
	default:
		k.Change, k.Tone = l.Getf("kpi.change", format.PctText(now, prev)), kpiTone(dir, better)
	}
}

// kpiFloat is the change of a measure shown with decimals (DSO in days,
// one decimal; a rate in percentage points, scale 100), compared as shown:
// a move hidden by the rounding is unchanged.
func kpiFloat(k *Kpi, now, prev sql.NullFloat64, scale float64, unit string, better kpiBetter, l texts.Labels) {
	if !format.Finite(now) {
		return // the card says n/a itself
	}
	if !format.Finite(prev) {
		k.Change = l.Get("kpi.change_na")
		return
	}
	a, b := math.Round(now.Float64*scale*10), math.Round(prev.Float64*scale*10)
	if a == b {
		k.Change = l.Get("kpi.unchanged")
		return
	}
	dir := format.ChangeDir(1)
	if a < b {
		dir = -1
	}
	k.Change = l.Getf("kpi.change", arrowOf(dir)+strconv.FormatFloat(math.Abs(a-b)/10, 'f', 1, 64)+l.Get(unit))
	k.Tone = kpiTone(dir, better)
}

// kpiChanges sets each card's change; out is kpis' cards in their order.
func KpiChanges(d *snapshot.ReportData, l texts.Labels, out []Kpi) {
	w := d.Week
	if w == nil || !w.HasPrevious {
		return
	}
	// The best tier is the first by name and the worst the last, over both
	// runs (a tier can be empty now: D with nobody left in it); no tier and
	// "unrated" are not tiers, so their cards are neither good nor bad.
	best, worst := "", ""
	names := slices.Collect(maps.Keys(w.PrevTiers))
	for _, t := range d.Tiers {
		names = append(names, t.Tier)
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
		switch k.Key {
		case "customers":
			kpiCount(k, d.Customers, w.PrevCustomers, neither, l)
		case "tier":
			better := neither
			switch k.Tier {
			case best:
				better = higher
			case worst:
				better = lower
			}
			kpiCount(k, k.Count, w.PrevTiers[k.Tier], better, l)
		case "open_ar", "overdue_90":
			if !w.OverdueKnown {
				continue
			}
			if !w.PrevOverdueKnown {
				k.Change = l.Get("kpi.change_na")
				continue
			}
			if k.Key == "open_ar" {
				kpiMoney(k, d.OpenAR, w.PrevOpenAR, neither, l)
			} else {
				kpiMoney(k, d.Overdue90, w.PrevOverdue90, lower, l)
			}
		case "dso":
			if w.PrevOverdueKnown {
				kpiFloat(k, w.Dso, w.PrevDSO, 1, "kpi.days", lower, l)
			}
		case "on_time":
			if len(d.ArKpis) > 0 && w.PrevOverdueKnown {
				kpiFloat(k, d.ArKpis[0].OnTime, w.PrevOnTime, 100, "kpi.points", higher, l)
			}
		case "top_hotspot":
			if !w.HotspotsKnown || len(d.Hotspots) == 0 {
				continue
			}
			h := d.Hotspots[0]
			switch key := h.ProductID + "\x00" + h.Component + "\x00" + h.Region; {
			case w.PrevTop == "":
				k.Change = l.Get("kpi.change_na")
			case key == w.PrevTop:
				k.Change = l.Get("kpi.unchanged")
			default:
				k.Change = l.Getf("kpi.top_was", format.CutText(w.PrevTopLabel, format.MaxSentenceDataRunes))
			}
		case "open_tickets":
			if w.QueueKnown && w.PrevQueueKnown {
				kpiCount(k, d.OpenTickets, w.PrevQueue, lower, l)
			} else if w.QueueKnown {
				k.Change = l.Get("kpi.change_na")
			}
		case "rejected_rows":
			if w.PrevRejectsKnown {
				kpiCount(k, d.Rejected, w.PrevRejects, lower, l)
			}
		}
	}
}

type Kpi struct {
	Label string
	Value string
	// Change is the move since the previous run ("▲2 vs last run",
	// "unchanged", "change n/a"); "" on a first run. Tone is good, bad or
	// "" by the KPI's direction (kpichange.go).
	Change string
	Tone   string
	// Long is set for a value that may be cut on the page (three lines);
	// its title then carries the whole text.
	Long bool

	Key   string // which KPI, for kpiChanges
	Tier  string // a tier card's tier and count
	Count int64
}
