package workbook_test

import (
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/workbook"

	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestWorkbookPrintSetup: every sheet of both workbooks prints landscape,
// one page wide and as many tall as needed, and every data sheet repeats
// its header row on each page (the Summary has none: it opens with the
// title). Read back through excelize and, for fitToHeight="0" (which the
// API returns as a pointer either way), from the sheet XML.
func TestWorkbookPrintSetup(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	for _, p := range []string{out.XLSX, out.HotspotsX} {
		f := reportstest.OpenWorkbook(t, p)
		xmls := reportstest.SheetXML(t, p)
		names := f.GetDefinedName()
		sheets := f.GetSheetList()
		if len(sheets) < 4 {
			t.Fatalf("%s: only %d sheets", filepath.Base(p), len(sheets))
		}
		for _, sheet := range sheets {
			where := filepath.Base(p) + "!" + sheet
			pl, err := f.GetPageLayout(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 ||
				pl.FitToHeight == nil || *pl.FitToHeight != 0 {
				t.Errorf("%s: page layout %+v, want landscape 1 page wide", where, pl)
			}
			props, err := f.GetSheetProps(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if props.FitToPage == nil || !*props.FitToPage {
				t.Errorf("%s: fitToPage not set, so the fit is ignored", where)
			}
			x := xmls[sheet]
			ps := regexp.MustCompile(`<pageSetup[^>]*>`).FindString(x)
			for _, attr := range []string{`orientation="landscape"`, `fitToWidth="1"`, `fitToHeight="0"`} {
				if !strings.Contains(ps, attr) {
					t.Errorf("%s: no %s in the sheet XML's %q", where, attr, ps)
				}
			}
			// xsd:boolean: excelize writes "true".
			if !regexp.MustCompile(`<sheetPr[^>]*><pageSetUpPr fitToPage="(1|true)"`).MatchString(x) {
				t.Errorf("%s: no fitToPage in the sheet XML", where)
			}
			var titles []string
			for _, n := range names {
				if n.Name == "_xlnm.Print_Titles" && n.Scope == sheet {
					titles = append(titles, n.RefersTo)
				}
			}
			want := []string{"'" + sheet + "'!$1:$1"}
			if sheet == workbook.SummarySheet {
				want = nil
			}
			if !slices.Equal(titles, want) {
				t.Errorf("%s: print titles %q, want %q", where, titles, want)
			}
		}
	}
	if got := workbook.PrintTitlesRef("Bob's"); got != "'Bob''s'!$1:$1" {
		t.Errorf("printTitlesRef quotes %q", got)
	}
}
