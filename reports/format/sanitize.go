package format

import (
	"github.com/accordhq/accord/reports/texts"

	"database/sql"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxChartLabelRunes caps a label drawn in a chart; the full text stays in the
// tables and the workbook.
const maxChartLabelRunes = 60

// chartLines is chartLabel for each line of a text of several (a chart's
// subtitle from the catalogs), kept on its own line.
func ChartLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = ChartLabel(line)
	}
	return strings.Join(lines, "\n")
}

// chartLabel makes a data string safe to put into a chart option.
//
// The option is serialised by encoding/json, which already writes < > & and
// U+2028/U+2029 as \u escapes, so no data can close the <script> element or
// break the JavaScript string. On top of that this removes "__f__": go-echarts
// turns any string holding that marker into executable JavaScript when its own
// renderer is used. We do not use that renderer, but stripping the marker
// keeps the options safe if someone renders them with go-echarts later. It
// also drops control characters and caps the length so one long name cannot
// swamp a chart.
func ChartLabel(s string) string {
	for strings.Contains(s, "__f__") {
		s = strings.ReplaceAll(s, "__f__", "")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > maxChartLabelRunes {
		s = string([]rune(s)[:maxChartLabelRunes-1]) + "…"
	}
	return s
}

// formulaLead reports whether a spreadsheet could read text as a formula (or
// as a DDE payload): = + - @ start one in Excel, LibreOffice and Sheets, and a
// leading TAB or CR is stripped by some of them before that check. The CSV
// data files quote such text (exportSQL does it in SQL); the workbook
// stores it as typed text, which no spreadsheet evaluates.
func FormulaLead(s string) bool {
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}

// excelMaxCellChars is Excel's limit for one cell, counted in UTF-16 units.
const excelMaxCellChars = 32767

// utf16Units is how many UTF-16 units r takes; ranging over a string never
// yields a rune UTF-16 cannot encode (bad UTF-8 comes out as U+FFFD).
func utf16Units(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1
}

func Utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Units(r)
	}
	return n
}

// truncateCell cuts s to fit one Excel cell and appends a visible marker made
// by mark(shown, total) (counts in UTF-16 units, as Excel counts). excelize
// would cut silently; a reader must see that the text is incomplete.
func TruncateCell(s string, mark func(shown, total int) string) (string, bool) {
	total := Utf16Len(s)
	if total <= excelMaxCellChars {
		return s, false
	}
	// The marker's length depends on the shown count only through its digits;
	// size it with the total, which has at least as many.
	budget := excelMaxCellChars - Utf16Len(mark(total, total))
	var b strings.Builder
	shown := 0
	for _, r := range s {
		n := utf16Units(r)
		if shown+n > budget {
			break
		}
		b.WriteRune(r)
		shown += n
	}
	b.WriteString(mark(shown, total))
	return b.String(), true
}

// decimalParts splits an exact decimal string ("-1234.50") into sign,
// integer digits and fraction digits. ok is false for anything else.
func decimalParts(s string) (neg bool, intPart, frac string, ok bool) {
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	intPart, frac, _ = strings.Cut(s, ".")
	if intPart == "" {
		intPart = "0"
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return false, "", "", false
		}
	}
	return neg, intPart, frac, true
}

// formatMoney groups an exact decimal string by thousands for display,
// without ever going through a float: "-1234567.5" becomes "-¥1,234,567.50".
func FormatMoney(dec, symbol string) string {
	neg, intPart, frac, ok := decimalParts(dec)
	if !ok {
		return dec
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	var b strings.Builder
	if neg && strings.Trim(intPart+frac, "0") != "" {
		b.WriteByte('-')
	}
	b.WriteString(symbol)
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	b.WriteByte('.')
	b.WriteString(frac)
	return b.String()
}

// excelMaxDigits is how many significant digits an Excel number keeps (and
// how many excelize writes).
const excelMaxDigits = 15

// exactFloat converts an exact decimal string to the float64 an Excel cell
// will store, and reports whether that cell's text is the same number: true
// when the decimal has at most 15 significant digits, since then the shortest
// float64 formatting gives back exactly those digits. Money that fails this
// (over a trillion with cents) must be written as text to stay exact.
func ExactFloat(dec string) (float64, bool) {
	neg, intPart, frac, ok := decimalParts(dec)
	if !ok {
		return 0, false
	}
	digits := strings.TrimLeft(intPart+strings.TrimRight(frac, "0"), "0")
	if len(digits) > excelMaxDigits {
		return 0, false
	}
	f, err := strconv.ParseFloat(dec, 64)
	if err != nil {
		return 0, false
	}
	if f == 0 {
		f = 0 // "-0.00" must not become the float -0, which Excel shows as "-0.00"
	}
	// Check the round trip rather than trust the digit count alone.
	want := strings.TrimLeft(intPart, "0")
	if want == "" {
		want = "0"
	}
	if fr := strings.TrimRight(frac, "0"); fr != "" {
		want += "." + fr
	}
	if neg && want != "0" {
		want = "-" + want
	}
	if strconv.FormatFloat(f, 'f', -1, 64) != want {
		return 0, false
	}
	return f, true
}

func YesNo(b bool, l texts.Labels) string {
	if b {
		return l.Get("report.yes")
	}
	return l.Get("report.no")
}

// formatScore shows one decimal, rounding halves away from zero as Excel's
// "0.0" format does, so the page and the workbook show the same digits.
func FormatScore(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
}

// finite is whether a nullable DOUBLE holds a number to show: NULL (a ratio
// with nothing to divide by), NaN and ±Inf show as not available, never as 0.
func Finite(v sql.NullFloat64) bool {
	return v.Valid && !math.IsNaN(v.Float64) && !math.IsInf(v.Float64, 0)
}

// maxSentenceDataRunes caps a name inside a sentence or a subject.
const MaxSentenceDataRunes = 60

// cutText is cleanText(s) cut to n runes with an ellipsis.
func CutText(s string, n int) string {
	s = CleanText(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

// cleanText drops NUL and turns other control characters and line or
// paragraph separators into spaces, so data cannot break a line or a
// layout.
func CleanText(s string) string {
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
