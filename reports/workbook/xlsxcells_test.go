package workbook_test

import (
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/texts"
	"github.com/accordhq/accord/reports/workbook"

	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestWorkbookFormulaTextIsText proves that text starting with = + - @ is
// safe in the workbook without a quote: excelize writes a Go string as an
// inline string, which no spreadsheet evaluates. Read back, the cell is an
// inline string with no formula, its value the text itself; excelize's own
// calculator returns the text, not 2; and the sheet XML has the cell as
// t="inlineStr" and no <f> element.
func TestWorkbookFormulaTextIsText(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "formula.xlsx")
	f := excelize.NewFile()
	w := &workbook.XlsxWriter{F: f, L: texts.LabelsEN}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"=1+1", "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "\r=1+1", reportstest.NameFormula, reportstest.NameDDE}
	for i, s := range texts {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, []any{w.TextCell(s)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := workbook.SaveWorkbook(t.Context(), f, p, reportstest.FixtureAsOf); err != nil {
		t.Fatal(err)
	}
	f.Close()

	r := reportstest.OpenWorkbook(t, p)
	for i, s := range texts {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		typ, _ := r.GetCellType("Sheet1", cell)
		formula, _ := r.GetCellFormula("Sheet1", cell)
		v := reportstest.RawValue(t, r, "Sheet1", cell)
		if typ != excelize.CellTypeInlineString || formula != "" || v != s {
			t.Errorf("%s: type %v formula %q value %q; want the inline string %q", cell, typ, formula, v, s)
		}
		if calc, err := r.CalcCellValue("Sheet1", cell); err != nil || calc != s {
			t.Errorf("%s calculates to %q (%v), want the text %q", cell, calc, err, s)
		}
	}
	x := reportstest.SheetXML(t, p)["Sheet1"]
	if n := strings.Count(x, `t="inlineStr"`); n != len(texts) {
		t.Errorf("%d inline strings in the XML, want %d", n, len(texts))
	}
	if regexp.MustCompile(`<f[ >]`).MatchString(x) {
		t.Error("the sheet XML has a formula element")
	}
}

// TestWorkbookSummarySpearmanIsANumber: the Summary's Spearman is one row
// per segment, a number cell (three decimals shown) with the stored value
// (the fixture's 0.6234 for default); the enterprise segment, whose value is
// NULL, says n/a, never 0.
func TestWorkbookSummarySpearmanIsANumber(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	for _, lang := range []string{"en", "zh-CN"} {
		opt := reportstest.TestOptions
		opt.Language = lang
		f := reportstest.OpenWorkbook(t, reportstest.WriteFixture(t, db, opt).XLSX)
		l, _ := texts.LabelsFor(lang)
		def := reportstest.RowOf(t, f, "Summary", "A", l.Getf("xlsx.spearman_segment", "default"))
		reportstest.AssertNumber(t, f, "Summary", reportstest.CellAt("B", def), "0.6234", "0.000")
		if v, _ := f.GetCellValue("Summary", reportstest.CellAt("B", def)); v != "0.623" {
			t.Errorf("%s: Spearman shows %q, want 0.623", lang, v)
		}
		ent := reportstest.RowOf(t, f, "Summary", "A", l.Getf("xlsx.spearman_segment", "enterprise"))
		if v := reportstest.RawValue(t, f, "Summary", reportstest.CellAt("B", ent)); v != l.Get("report.na") {
			t.Errorf("%s: NULL Spearman shows %q, want %q", lang, v, l.Get("report.na"))
		}
		// No other Summary value that is a number is stored as text: each
		// column-B text cell is a sentence, a name or n/a.
		rows := mustRows(t, f, "Summary")
		for i, r := range rows {
			if len(r) < 2 {
				continue
			}
			cell := reportstest.CellAt("B", i+1)
			typ, _ := f.GetCellType("Summary", cell)
			if typ == excelize.CellTypeInlineString && regexp.MustCompile(`^-?[0-9][0-9,.]*%?$`).MatchString(r[1]) {
				t.Errorf("%s: Summary!%s (%s) is the number %q stored as text", lang, cell, r[0], r[1])
			}
		}
	}
}

// TestWorkbookNoNumberAsText scans every cell of both workbooks: a text
// cell that reads as a plain number is a number stored as text, except a
// rejected or unknown input value (shown as the export had it) and money
// of more than 15 significant digits (exact text on purpose, counted in
// the Summary).
func TestWorkbookNoNumberAsText(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	number := regexp.MustCompile(`^[-+]?[0-9][0-9,]*(\.[0-9]+)?%?$`)
	rawInput := map[string]bool{"Value": true, "First value": true}
	checked := 0
	for _, p := range []string{out.XLSX, out.HotspotsX} {
		f := reportstest.OpenWorkbook(t, p)
		for _, sheet := range f.GetSheetList() {
			rows := mustRows(t, f, sheet)
			for r, row := range rows {
				for c, v := range row {
					cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
					typ, _ := f.GetCellType(sheet, cell)
					if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
						continue
					}
					checked++
					if !number.MatchString(v) || v == reportstest.BigMoney || r > 0 && sheet != workbook.SummarySheet && rawInput[rows[0][c]] {
						continue
					}
					t.Errorf("%s!%s: %q is a number stored as text", filepath.Base(p), cell, v)
				}
			}
		}
	}
	if checked < 200 {
		t.Fatalf("only %d text cells checked", checked)
	}
}
