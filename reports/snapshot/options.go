package snapshot

import "github.com/accordhq/accord/config"

// Options says how a report is labelled and how money is shown.
type Options struct {
	// Language is "en" (the default when empty) or "zh-CN": every label,
	// chart title and sheet header is translated. Sheet names stay English.
	Language string
	// CurrencySymbol prefixes money in the HTML page, e.g. "¥".
	CurrencySymbol string
	// CurrencyFormat is the Excel number format of money cells, e.g.
	// `"¥"#,##0.00`; "#,##0.00" when empty.
	CurrencyFormat string
	// Title heads the page and the Summary sheet, e.g. the company name and
	// "Weekly customer value report"; a translated default when empty.
	Title string
	// Filter, when set, is a SQL condition over the run's customer_value
	// rows (customer_id, name, industry, region, account_owner, tier, score…),
	// e.g. "account_owner = 'li.wei@example.com'". The report then shows only
	// those customers: every per-customer table, chart, KPI and data file is
	// restricted to them (owner_drain is recomputed over them), hot-spots
	// (product-level) and the model and its evidence (segment-level) stay
	// whole, and rejected rows, orphans and the reconciliation's control
	// totals are left out (see filter.go and doc.go). A filter that matches
	// no customer is an error.
	Filter string
	// FontPath is the font the PNG charts of e-mails are drawn with (a .ttf,
	// .otf or .ttc); when empty, ACCORD_FONT, then the usual places of Noto
	// Sans CJK (see font.go).
	FontPath string
	// RejectExamples is how many rejected rows of each source, column and
	// reason the Rejects sheet and data/rejects.csv show (the counts are
	// whole); DefaultRejectExamples when 0.
	RejectExamples int
	// WorkbookRows is how many rows a sheet of weekly.xlsx or hotspots.xlsx
	// shows of a table that grows with the data (resultTable.grows): the
	// first ones in the sheet's order, the Summary saying how many of how
	// many and naming the data files, which hold every row.
	// config.DefaultWorkbookRows when 0; at most config.MaxWorkbookRows.
	WorkbookRows int
}

// workbookRowLimit is Options.WorkbookRows or its default.
func (opt Options) WorkbookRowLimit() int {
	if opt.WorkbookRows == 0 {
		return config.DefaultWorkbookRows
	}
	return opt.WorkbookRows
}

// Output lists what Write created.
type Output struct {
	Dir       string   // the report folder
	HTML      string   // Dir/weekly.html
	Hotspots  string   // Dir/hotspots.html, the product managers' page
	HotspotsX string   // Dir/hotspots.xlsx, their workbook
	XLSX      string   // Dir/weekly.xlsx
	DataFiles []string // Dir/data/<table>.csv and .parquet, in table order
	// Filtered is set when Options.Filter restricted the report; Customers
	// is how many customers it shows.
	Filtered  bool
	Customers int64
}

// File names inside the report folder.
const (
	HtmlName = "weekly.html"
	XlsxName = "weekly.xlsx"
	DataName = "data"
)
