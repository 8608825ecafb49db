package reports

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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

// maxSentenceDataRunes caps a name inside a sentence or a subject.
const maxSentenceDataRunes = 60

// cleanText drops NUL and turns other control characters and line or
// paragraph separators into spaces, so data cannot break a line or a
// layout.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0:
			return -1
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return ' '
		}
		return r
	}, s)
}

// cutText is cleanText(s) cut to n runes with an ellipsis.
func cutText(s string, n int) string {
	s = cleanText(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

// isolateText wraps s in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE
// when it holds right-to-left letters or a directional control (U+202E
// RIGHT-TO-LEFT OVERRIDE among them), so it cannot reorder the plain text
// around it; other text is left as it is.
func isolateText(s string) string {
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
			args[i] = isolateText(cutText(string(v), maxSentenceDataRunes))
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
		return "<bdi>" + template.HTMLEscapeString(cutText(string(v), maxSentenceDataRunes)) + "</bdi>"
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
func changeWords(now, prev string, l labels) string {
	pct, dir, pctOK, ok := pctChange(now, prev)
	if !ok || dir == 0 || !pctOK {
		return ""
	}
	p := "<1%"
	if abs := new(big.Int).Abs(pct); abs.Sign() != 0 {
		p = groupDigits(abs.String()) + "%"
	}
	if dir > 0 {
		return l.getf("week.up", p)
	}
	return l.getf("week.down", p)
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
func weekSentences(d *reportData, l labels, opt Options) []sentence {
	w := d.week
	if w == nil {
		return nil
	}
	var out, na []sentence
	say := func(weight float64, key string, args ...any) {
		out = append(out, sentence{weight: weight, format: l.get(key), args: args})
	}
	item := func(key string, args ...any) sentence { return sentence{format: l.get(key), args: args} }
	sep := l.get("week.sep")

	if w.hasPrevious {
		if moves := w.tierUp + w.tierDown + w.tierOther; moves > 0 {
			var parts []sentence
			if w.tierUp > 0 {
				parts = append(parts, item("week.tier_up", w.tierUp))
			}
			if w.tierDown > 0 {
				parts = append(parts, item("week.tier_down", w.tierDown))
			}
			if w.tierOther > 0 {
				parts = append(parts, item("week.tier_other", w.tierOther))
			}
			var largest []sentence
			for _, m := range d.movers {
				if !m.tierChanged || len(largest) == weekMovesShown {
					break
				}
				driver := m.topUp
				if m.change < 0 {
					driver = m.topDown
				}
				from, to := cmp.Or(m.previousTier, l.get("chart.no_tier")), cmp.Or(m.tier, l.get("chart.no_tier"))
				if driver == "" {
					largest = append(largest, item("week.move", dataText(m.name), from, to))
				} else {
					largest = append(largest, item("week.move_by", dataText(m.name), from, to, dataText(driver)))
				}
			}
			weight := float64(moves) / float64(max(d.customers, 1))
			say(weight, "week.tier_moves", moves, w.prevAsOf, sentenceList{parts, sep},
				sentenceList{largest, l.get("week.list_sep")})
		}
	}

	if w.hotspotsKnown && len(w.rising) > 0 {
		newCount := 0
		var groups []sentence
		for _, g := range w.rising {
			if g.isNew && w.prevRising >= 0 {
				newCount++
			}
		}
		for i, g := range w.rising {
			if i == weekRisingShown {
				groups = append(groups, item("week.more", len(w.rising)-i))
				break
			}
			key := "week.group"
			if g.isNew && w.prevRising >= 0 {
				key = "week.group_new"
			}
			groups = append(groups, item(key, dataText(g.product), dataText(g.component), dataText(g.region)))
		}
		switch {
		case !w.hasPrevious || w.prevRising < 0:
			say(1, "week.rising", len(w.rising), sentenceList{groups, l.get("week.list_sep")})
		case newCount > 0:
			say(float64(newCount), "week.rising_new", len(w.rising), newCount, sentenceList{groups, l.get("week.list_sep")})
		}
	}

	sym := opt.CurrencySymbol
	switch {
	case !w.overdueKnown:
		na = append(na, item("week.na_item", l.get("week.overdue_name"), l.getf("week.no_source", "ar_invoices")))
	case !w.hasPrevious:
	case !w.prevOverdueKnown:
		na = append(na, item("week.na_item", l.get("week.overdue_name"), l.getf("week.no_source_last", "ar_invoices")))
	default:
		now, prev := formatMoney(w.overdue, sym), formatMoney(w.prevOverdue, sym)
		weight := relChange(decimalFloat(w.overdue), decimalFloat(w.prevOverdue))
		if words := changeWords(w.overdue, w.prevOverdue, l); words != "" {
			say(weight, "week.overdue", now, words, prev)
		} else if _, dir, _, _ := pctChange(w.overdue, w.prevOverdue); dir != 0 {
			say(weight, "week.overdue_from_zero", now)
		}
	}

	if w.dsoShown && w.hasPrevious && w.prevOverdueKnown {
		switch {
		case !w.dso.Valid:
			na = append(na, item("week.na_item", l.get("kpi.dso"), l.get("week.dso_no_sales")))
		case w.prevDSO.Valid:
			now, prev := formatScore(w.dso.Float64), formatScore(w.prevDSO.Float64)
			if words := changeWords(now, prev, l); words != "" {
				say(relChange(w.dso.Float64, w.prevDSO.Float64), "week.dso", now, words, prev)
			}
		}
	}

	if !w.queueKnown {
		na = append(na, item("week.na_item", l.get("week.queue_name"), l.getf("week.no_source", "tickets")))
	} else if w.hasPrevious && w.prevQueueKnown && w.queue != w.prevQueue {
		capacity := item("week.capacity_na")
		if w.capacityKnown {
			capacity = item("week.capacity", w.fits, w.notFits)
		}
		now, prev := strconv.FormatInt(w.queue, 10), strconv.FormatInt(w.prevQueue, 10)
		weight := relChange(float64(w.queue), float64(w.prevQueue))
		if words := changeWords(now, prev, l); words != "" {
			say(weight, "week.queue", w.queue, words, w.prevQueue, sentenceList{[]sentence{capacity}, ""})
		} else {
			say(weight, "week.queue_from_zero", w.queue, sentenceList{[]sentence{capacity}, ""})
		}
	}

	if w.rejectsShown && w.hasPrevious && w.prevRejectsKnown && w.rejects != w.prevRejects {
		now, prev := strconv.FormatInt(w.rejects, 10), strconv.FormatInt(w.prevRejects, 10)
		weight := relChange(float64(w.rejects), float64(w.prevRejects))
		if words := changeWords(now, prev, l); words != "" {
			say(weight, "week.rejects", w.rejects, words, w.prevRejects)
		} else {
			say(weight, "week.rejects_from_zero", w.rejects)
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
	case !w.hasPrevious:
		out = append([]sentence{item("week.first_run")}, out...)
	case len(out) == 0:
		out = append(out, item("week.nothing_changed", w.prevAsOf))
	}
	// What service will face next is said every week, after what changed:
	// it is a forecast, not a change, so it neither ranks among the changes
	// nor stops "nothing changed" from being said.
	if w.forecastRow {
		switch {
		case !w.forecastTickets.Valid:
			na = append(na, item("week.na_item", l.get("week.forecast_name"), cmp.Or(l.lookup("forecast.why.", w.forecastNotAvailable.String), l.get("week.forecast_none"))))
		default:
			tickets := item("week.forecast_tickets", formatCount(w.forecastTickets.Float64), w.forecastLow.Int64, w.forecastHigh.Int64, w.forecastEnd)
			hours := item("week.forecast_hours_na")
			if w.forecastHours.Valid {
				capacity := item("week.forecast_capacity_na")
				if w.forecastCapacity.Valid {
					capacity = item("week.forecast_capacity", formatCount(w.forecastCapacity.Float64))
				}
				hours = item("week.forecast_hours", formatCount(w.forecastHours.Float64), formatCount(w.forecastHoursLow.Float64),
					formatCount(w.forecastHoursHigh.Float64), sentenceList{[]sentence{capacity}, ""})
			}
			out = append(out, item("week.forecast", sentenceList{[]sentence{tickets}, ""}, sentenceList{[]sentence{hours}, ""}))
		}
	}
	if len(na) > 0 {
		out = append(out, item("week.na", sentenceList{na, l.get("week.list_sep")}))
	}
	return out
}

// formatCount writes an expected count or hours rounded to a whole number.
func formatCount(v float64) string {
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}
