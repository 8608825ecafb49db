package format

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestChartLabelStripsFunctionMarker(t *testing.T) {
	for _, in := range []string{
		"__f__alert(1)__f__",
		"___f__f__f__",  // removing one marker must not leave another
		"__f____f__f__", // nested
		"x__f__y",
	} {
		got := ChartLabel(in)
		if strings.Contains(got, "__f__") {
			t.Errorf("chartLabel(%q) = %q, still holds __f__", in, got)
		}
	}
	if got := ChartLabel("a\tb\u2028c\x00d"); got != "abcd" {
		t.Errorf("control characters: got %q, want %q", got, "abcd")
	}
	long := strings.Repeat("名", 100)
	if got := ChartLabel(long); utf8.RuneCountInString(got) != maxChartLabelRunes || !strings.HasSuffix(got, "…") {
		t.Errorf("long label: %d runes %q", utf8.RuneCountInString(got), got)
	}
	// Angle brackets stay: encoding/json escapes them, and the text must
	// read the same in the chart.
	if got := ChartLabel("</script>"); got != "</script>" {
		t.Errorf("chartLabel changed %q to %q", "</script>", got)
	}
}

// TestFormulaLead: the leads a CSV field must not start with (TestDataFiles
// checks every CSV text field of the fixture with it).
func TestFormulaLead(t *testing.T) {
	cases := map[string]bool{
		`=HYPERLINK("http://x")`: true, "+1": true, "-1": true, "@cmd": true,
		"\t=1": true, "\r=1": true, "a=1": false, "": false, "'=1": false,
	}
	for in, want := range cases {
		if got := FormulaLead(in); got != want {
			t.Errorf("formulaLead(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestTruncateCell(t *testing.T) {
	mark := func(shown, total int) string { return fmt.Sprintf("…[cut: %d of %d characters shown]", shown, total) }

	short := strings.Repeat("x", excelMaxCellChars)
	if got, cut := TruncateCell(short, mark); cut || got != short {
		t.Fatalf("a cell of exactly %d characters was cut", excelMaxCellChars)
	}

	got, cut := TruncateCell(strings.Repeat("x", 40000), mark)
	if !cut {
		t.Fatal("40,000 characters were not cut")
	}
	// The marker "…[cut: 32728 of 40000 characters shown]" is 39 characters
	// (1 + 6 for "…[cut: ", 5 digits, 4 for " of ", 5 digits, 18 for
	// " characters shown]"): 32,767 - 39 = 32,728 x's are kept.
	want := strings.Repeat("x", 32728) + "…[cut: 32728 of 40000 characters shown]"
	if got != want {
		t.Fatalf("cut cell: %d units, ends %q", Utf16Len(got), got[len(got)-45:])
	}

	// Emoji take two UTF-16 units; a pair must never be split.
	got, _ = TruncateCell(strings.Repeat("😀", 20000), mark)
	if n := Utf16Len(got); n > excelMaxCellChars {
		t.Fatalf("emoji cell is %d UTF-16 units", n)
	}
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "of 40000 characters shown]") {
		t.Fatalf("emoji cell broken: ends %q", got[len(got)-40:])
	}
}

func TestExactFloat(t *testing.T) {
	cases := []struct {
		dec   string
		want  float64
		exact bool
	}{
		{"1234.50", 1234.5, true},
		{"0.10", 0.1, true},
		{"-2000.00", -2000, true},
		{"0.00", 0, true},
		{"-0.00", 0, true},
		{"9999999999999.99", 9999999999999.99, true}, // 15 significant digits
		{"99999999999999.99", 0, false},              // 16
		{"1234567890123456.78", 0, false},            // 18
		{"12a.00", 0, false},
	}
	for _, c := range cases {
		got, ok := ExactFloat(c.dec)
		if ok != c.exact || (ok && got != c.want) {
			t.Errorf("exactFloat(%q) = %v, %v; want %v, %v", c.dec, got, ok, c.want, c.exact)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	cases := map[string]string{
		"-1234567.5":          "-¥1,234,567.50",
		"10003336.31":         "¥10,003,336.31",
		"0.00":                "¥0.00",
		"-0.00":               "¥0.00",
		"100":                 "¥100.00",
		"123456":              "¥123,456.00",
		"1234567890123456.78": "¥1,234,567,890,123,456.78",
	}
	for in, want := range cases {
		if got := FormatMoney(in, "¥"); got != want {
			t.Errorf("formatMoney(%q) = %q, want %q", in, got, want)
		}
	}
}
