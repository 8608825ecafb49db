package brief

import (
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"cmp"
	"fmt"
	"html/template"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// "This week": a few plain sentences at the top of the page and the
// e-mail, with the numbers written in, from weekChanges. Each sentence has
// a weight, the size of its change (the share of customers that changed
// tier; a figure's relative change |now − last| / |last|; a newly rising
// hot-spot counts as 1, a doubling), and they are shown largest first;
// what did not change is not mentioned, and when nothing did, one sentence
// says so. What cannot be compared comes last, with the reason.

// dataText is text from the data inside a sentence: cut, stripped of
// control characters, and isolated from the sentence's direction (<bdi>
// in HTML, FSI … PDI in text), so a U+202E in a name cannot reverse it.
type dataText string

// isolateText wraps s in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE
// when it holds right-to-left letters or a directional control (U+202E
// RIGHT-TO-LEFT OVERRIDE among them), so it cannot reorder the plain text
// around it; other text is left as it is.
func IsolateText(s string) string {
	for _, r := range s {
		if r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' || r == '\u200e' || r == '\u200f' || r == '\u061c' ||
			unicode.In(r, unicode.Hebrew, unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko) {
			return "\u2068" + s + "\u2069"
		}
	}
	return s
}

type sentence struct {
	weight float64
	format string // a catalog text
	args   []any
}

// Text is the sentence for the plain-text part.
func (s sentence) Text() string {
	args := make([]any, len(s.args))
	for i, a := range s.args {
		switch v := a.(type) {
		case dataText:
			args[i] = IsolateText(format.CutText(string(v), format.MaxSentenceDataRunes))
		case sentenceList:
			args[i] = v.text()
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(s.format, args...)
}

// HTML is the sentence for a page or e-mail: the catalog text and every
// argument escaped, data isolated in <bdi>.
func (s sentence) HTML() template.HTML {
	args := make([]any, len(s.args))
	for i, a := range s.args {
		args[i] = htmlArg(a)
	}
	return template.HTML(fmt.Sprintf(template.HTMLEscapeString(s.format), args...))
}

func htmlArg(a any) any {
	switch v := a.(type) {
	case dataText:
		return "<bdi>" + template.HTMLEscapeString(format.CutText(string(v), format.MaxSentenceDataRunes)) + "</bdi>"
	case sentenceList:
		return v.html()
	case string:
		return template.HTMLEscapeString(v)
	}
	return a
}

// sentenceList is a list inside a sentence: items (each a sentence of its
// own format) joined by sep.
type sentenceList struct {
	items []sentence
	sep   string
}

func (sl sentenceList) text() string {
	parts := make([]string, len(sl.items))
	for i, it := range sl.items {
		parts[i] = it.Text()
	}
	return strings.Join(parts, sl.sep)
}

func (sl sentenceList) html() string {
	parts := make([]string, len(sl.items))
	for i, it := range sl.items {
		parts[i] = string(it.HTML())
	}
	return strings.Join(parts, template.HTMLEscapeString(sl.sep))
}

// weekMovesShown is how many of the largest tier moves a sentence names;
// weekRisingShown how many rising groups.
const (
	weekMovesShown  = 3
	weekRisingShown = 3
)

// changeWords is "up 4%", "down 12%", "up <1%" for a move between two
// decimals, or "" when they are equal or prev is 0 (the caller says that).
func changeWords(now, prev string, l texts.Labels) string {
	pct, dir, pctOK, ok := format.PctChange(now, prev)
	if !ok || dir == 0 || !pctOK {
		return ""
	}
	p := "<1%"
	if abs := new(big.Int).Abs(pct); abs.Sign() != 0 {
		p = format.GroupDigits(abs.String()) + "%"
	}
	if dir > 0 {
		return l.Getf("week.up", p)
	}
	return l.Getf("week.down", p)
}

// relChange is |now − prev| / |prev|, or 1 when prev is 0 and now is not.
func relChange(now, prev float64) float64 {
	if prev == 0 {
		if now == 0 {
			return 0
		}
		return 1
	}
	return math.Abs(now-prev) / math.Abs(prev)
}

func decimalFloat(dec string) float64 {
	f, _ := strconv.ParseFloat(dec, 64) // for ranking only; the text is exact
	return f
}

// weekSentences is the briefing, largest change first.
func WeekSentences(d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) []sentence {
	w := d.Week
	if w == nil {
		return nil
	}
	var out, na []sentence
	say := func(weight float64, key string, args ...any) {
		out = append(out, sentence{weight: weight, format: l.Get(key), args: args})
	}
	item := func(key string, args ...any) sentence { return sentence{format: l.Get(key), args: args} }
	sep := l.Get("week.sep")

	if w.HasPrevious {
		if moves := w.TierUp + w.TierDown + w.TierOther; moves > 0 {
			var parts []sentence
			if w.TierUp > 0 {
				parts = append(parts, item("week.tier_up", w.TierUp))
			}
			if w.TierDown > 0 {
				parts = append(parts, item("week.tier_down", w.TierDown))
			}
			if w.TierOther > 0 {
				parts = append(parts, item("week.tier_other", w.TierOther))
			}
			var largest []sentence
			for _, m := range d.Movers {
				if !m.TierChanged || len(largest) == weekMovesShown {
					break
				}
				driver := m.TopUp
				if m.Change < 0 {
					driver = m.TopDown
				}
				from, to := cmp.Or(m.PreviousTier, l.Get("chart.no_tier")), cmp.Or(m.Tier, l.Get("chart.no_tier"))
				if driver == "" {
					largest = append(largest, item("week.move", dataText(m.Name), from, to))
				} else {
					largest = append(largest, item("week.move_by", dataText(m.Name), from, to, dataText(driver)))
				}
			}
			weight := float64(moves) / float64(max(d.Customers, 1))
			say(weight, "week.tier_moves", moves, w.PrevAsOf, sentenceList{parts, sep},
				sentenceList{largest, l.Get("week.list_sep")})
		}
	}

	if w.HotspotsKnown && len(w.Rising) > 0 {
		newCount := 0
		var groups []sentence
		for _, g := range w.Rising {
			if g.IsNew && w.PrevRising >= 0 {
				newCount++
			}
		}
		for i, g := range w.Rising {
			if i == weekRisingShown {
				groups = append(groups, item("week.more", len(w.Rising)-i))
				break
			}
			key := "week.group"
			if g.IsNew && w.PrevRising >= 0 {
				key = "week.group_new"
			}
			groups = append(groups, item(key, dataText(g.Product), dataText(g.Component), dataText(g.Region)))
		}
		switch {
		case !w.HasPrevious || w.PrevRising < 0:
			say(1, "week.rising", len(w.Rising), sentenceList{groups, l.Get("week.list_sep")})
		case newCount > 0:
			say(float64(newCount), "week.rising_new", len(w.Rising), newCount, sentenceList{groups, l.Get("week.list_sep")})
		}
	}

	sym := opt.CurrencySymbol
	switch {
	case !w.OverdueKnown:
		na = append(na, item("week.na_item", l.Get("week.overdue_name"), l.Getf("week.no_source", "ar_invoices")))
	case !w.HasPrevious:
	case !w.PrevOverdueKnown:
		na = append(na, item("week.na_item", l.Get("week.overdue_name"), l.Getf("week.no_source_last", "ar_invoices")))
	default:
		now, prev := format.FormatMoney(w.Overdue, sym), format.FormatMoney(w.PrevOverdue, sym)
		weight := relChange(decimalFloat(w.Overdue), decimalFloat(w.PrevOverdue))
		if words := changeWords(w.Overdue, w.PrevOverdue, l); words != "" {
			say(weight, "week.overdue", now, words, prev)
		} else if _, dir, _, _ := format.PctChange(w.Overdue, w.PrevOverdue); dir != 0 {
			say(weight, "week.overdue_from_zero", now)
		}
	}

	if w.DsoShown && w.HasPrevious && w.PrevOverdueKnown {
		switch {
		case !w.Dso.Valid:
			na = append(na, item("week.na_item", l.Get("kpi.dso"), l.Get("week.dso_no_sales")))
		case w.PrevDSO.Valid:
			now, prev := format.FormatScore(w.Dso.Float64), format.FormatScore(w.PrevDSO.Float64)
			if words := changeWords(now, prev, l); words != "" {
				say(relChange(w.Dso.Float64, w.PrevDSO.Float64), "week.dso", now, words, prev)
			}
		}
	}

	if !w.QueueKnown {
		na = append(na, item("week.na_item", l.Get("week.queue_name"), l.Getf("week.no_source", "tickets")))
	} else if w.HasPrevious && w.PrevQueueKnown && w.Queue != w.PrevQueue {
		capacity := item("week.capacity_na")
		if w.CapacityKnown {
			capacity = item("week.capacity", w.Fits, w.NotFits)
		}
		now, prev := strconv.FormatInt(w.Queue, 10), strconv.FormatInt(w.PrevQueue, 10)
		weight := relChange(float64(w.Queue), float64(w.PrevQueue))
		if words := changeWords(now, prev, l); words != "" {
			say(weight, "week.queue", w.Queue, words, w.PrevQueue, sentenceList{[]sentence{capacity}, ""})
		} else {
			say(weight, "week.queue_from_zero", w.Queue, sentenceList{[]sentence{capacity}, ""})
		}
	}

	if w.RejectsShown && w.HasPrevious && w.PrevRejectsKnown && w.Rejects != w.PrevRejects {
		now, prev := strconv.FormatInt(w.Rejects, 10), strconv.FormatInt(w.PrevRejects, 10)
		weight := relChange(float64(w.Rejects), float64(w.PrevRejects))
		if words := changeWords(now, prev, l); words != "" {
			say(weight, "week.rejects", w.Rejects, words, w.PrevRejects)
		} else {
			say(weight, "week.rejects_from_zero", w.Rejects)
		}
	}

	slices.SortStableFunc(out, func(a, b sentence) int {
		switch {
		case a.weight > b.weight:
			return -1
		case a.weight < b.weight:
			return 1
		}
		return 0
	})
	switch {
	case !w.HasPrevious:
		out = append([]sentence{item("week.first_run")}, out...)
	case len(out) == 0:
		out = append(out, item("week.nothing_changed", w.PrevAsOf))
	}
	// What service will face next is said every week, after what changed:
	// it is a forecast, not a change, so it neither ranks among the changes
	// nor stops "nothing changed" from being said.
	if w.ForecastRow {
		switch {
		case !w.ForecastTickets.Valid:
			na = append(na, item("week.na_item", l.Get("week.forecast_name"), cmp.Or(l.Lookup("forecast.why.", w.ForecastNotAvailable.String), l.Get("week.forecast_none"))))
		default:
			tickets := item("week.forecast_tickets", formatCount(w.ForecastTickets.Float64), w.ForecastLow.Int64, w.ForecastHigh.Int64, w.ForecastEnd)
			hours := item("week.forecast_hours_na")
			if w.ForecastHours.Valid {
				capacity := item("week.forecast_capacity_na")
				if w.ForecastCapacity.Valid {
					capacity = item("week.forecast_capacity", formatCount(w.ForecastCapacity.Float64))
				}
				hours = item("week.forecast_hours", formatCount(w.ForecastHours.Float64), formatCount(w.ForecastHoursLow.Float64),
					formatCount(w.ForecastHoursHigh.Float64), sentenceList{[]sentence{capacity}, ""})
			}
			out = append(out, item("week.forecast", sentenceList{[]sentence{tickets}, ""}, sentenceList{[]sentence{hours}, ""}))
		}
	}
	if len(na) > 0 {
		out = append(out, item("week.na", sentenceList{na, l.Get("week.list_sep")}))
	}
	return out
}

// formatCount writes an expected count or hours rounded to a whole number.
func formatCount(v float64) string {
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}
