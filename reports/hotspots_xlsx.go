package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"
)

// hotspotsXLSXName is the product managers' workbook in the report folder.
const hotspotsXLSXName = "hotspots.xlsx"

// hotspotTicketsTable is hotspot_tickets as the hot-spot workbook shows it;
// it is not among resultTables, so weekly.xlsx has no sheet of it, but it
// has data files (dataFileTables).
var hotspotTicketsTable = resultTable{
	name: "hotspot_tickets", sheet: "Fault tickets", hasAsOf: true, reach: perCustomer, grows: true,
	columns: []column{
		{"ticket_id", kindText}, {"product_id", kindText}, {"product_name", kindText}, {"component", kindText},
		{"region", kindText}, {"serial_no", kindText}, {"customer_id", kindText}, {"name", kindText},
		{"opened_at", kindTimestamp}, {"closed_at", kindTimestamp}, {"effort_hours", kindScore},
		{"severity", kindInt}, {"resolution", kindText},
	},
	orderBy: "product_id, component, region, opened_at, ticket_id",
}

// writeHotspotsXLSX writes hotspots.xlsx: a Summary, then the hot-spot
// groups, their fault tickets, repeat serials and what cannot be
// supported, typed, neutralised and capped as in weekly.xlsx, in the
// report's scope. The Summary is where a capped sheet says so: the
// workbook is taken alone, without weekly.xlsx's.
func writeHotspotsXLSX(ctx context.Context, q queryer, sc scope, runID int64, asOf time.Time, path string,
	l labels, opt Options) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("reports: close hot-spot workbook: %w", cerr)
		}
	}()
	w := &xlsxWriter{f: f, l: l, opt: opt}
	if err := w.initStyles(); err != nil {
		return err
	}
	if err := f.SetSheetName(f.GetSheetName(0), summarySheet); err != nil {
		return fmt.Errorf("reports: hot-spot workbook: %w", err)
	}
	for _, t := range []resultTable{tableNamed("hotspots"), hotspotTicketsTable, tableNamed("hotspot_repeats"), tableNamed("hotspot_unsupported"),
		hotspotWeibullTable, hotspotForecastTable, hotspotPeriodsTable} {
		if err := w.writeTable(ctx, q, t.sheetSpec(sc, l, runID, opt.workbookRows())); err != nil {
			return err
		}
	}
	rows := [][]any{
		{excelize.Cell{StyleID: w.st.title, Value: l.get("hs.title")}},
		{l.get("xlsx.as_of"), excelize.Cell{StyleID: w.st.date, Value: asOf}},
		{l.get("xlsx.run"), excelize.Cell{StyleID: w.st.integer, Value: runID}},
	}
	var filtered []string
	if sc.filtered {
		filtered = []string{l.get("report.filtered")}
	}
	if err := w.streamSummary(append(rows, w.summaryTail(nil, filtered)...)); err != nil {
		return err
	}
	return saveWorkbook(ctx, f, path, asOf)
}
