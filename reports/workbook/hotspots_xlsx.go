package workbook

import (
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"
)

// hotspotsXLSXName is the product managers' workbook in the report folder.
const HotspotsXLSXName = "hotspots.xlsx"

// writeHotspotsXLSX writes hotspots.xlsx: a Summary, then the hot-spot
// groups, their fault tickets, repeat serials and what cannot be
// supported, typed, neutralised and capped as in weekly.xlsx, in the
// report's scope. The Summary is where a capped sheet says so: the
// workbook is taken alone, without weekly.xlsx's.
func WriteHotspotsXLSX(ctx context.Context, q snapshot.Queryer, sc snapshot.Scope, runID int64, asOf time.Time, path string,
	l texts.Labels, opt snapshot.Options) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("reports: close hot-spot workbook: %w", cerr)
		}
	}()
	w := &XlsxWriter{F: f, L: l, opt: opt}
	if err := w.initStyles(); err != nil {
		return err
	}
	if err := f.SetSheetName(f.GetSheetName(0), SummarySheet); err != nil {
		return fmt.Errorf("reports: hot-spot workbook: %w", err)
	}
	for _, t := range []snapshot.ResultTable{snapshot.TableNamed("hotspots"), snapshot.HotspotTicketsTable, snapshot.TableNamed("hotspot_repeats"), snapshot.TableNamed("hotspot_unsupported"),
		snapshot.HotspotWeibullTable, snapshot.HotspotForecastTable, snapshot.HotspotPeriodsTable} {
		if err := w.writeTable(ctx, q, tableSheet(t, sc, l, runID, opt.WorkbookRowLimit())); err != nil {
			return err
		}
	}
	rows := [][]any{
		{excelize.Cell{StyleID: w.st.title, Value: l.Get("hs.title")}},
		{l.Get("xlsx.as_of"), excelize.Cell{StyleID: w.st.date, Value: asOf}},
		{l.Get("xlsx.run"), excelize.Cell{StyleID: w.st.integer, Value: runID}},
	}
	var filtered []string
	if sc.Filtered {
		filtered = []string{l.Get("report.filtered")}
	}
	if err := w.streamSummary(append(rows, w.summaryTail(nil, filtered)...)); err != nil {
		return err
	}
	return SaveWorkbook(ctx, f, path, asOf)
}
