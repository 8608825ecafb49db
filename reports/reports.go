package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

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

// workbookRows is Options.WorkbookRows or its default.
func (opt Options) workbookRows() int {
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
	htmlName = "weekly.html"
	xlsxName = "weekly.xlsx"
	dataName = "data"
)

// Write renders run runID (as of asOf) from db into dir (e.g. OUT/2026-11-27),
// creating it: weekly.html, weekly.xlsx and data/<table>.csv|.parquet for
// the result tables. All three read one snapshot (a single transaction), and
// the same database content gives the same files: the HTML byte for byte.
// It fails when the run has no customer_value rows, so a wrong run id cannot
// produce an empty report that looks like a quiet week.
func Write(ctx context.Context, db *sql.DB, runID int64, asOf time.Time, dir string, opt Options) (Output, error) {
	out, _, err := write(ctx, db, runID, asOf, dir, opt)
	return out, err
}

// WriteTx is Write reading through tx, an open transaction the caller owns
// (neither committed nor rolled back here): the pipeline renders a run's
// reports from its own uncommitted transaction, so the data is committed
// only once its reports exist.
func WriteTx(ctx context.Context, tx *sql.Tx, runID int64, asOf time.Time, dir string, opt Options) (Output, error) {
	if tx == nil {
		return Output{}, errors.New("reports: write: no transaction")
	}
	out, _, err := writeIn(ctx, tx, runID, asOf, dir, opt)
	return out, err
}

// write is Write, also returning what the page and the e-mail body show.
func write(ctx context.Context, db *sql.DB, runID int64, asOf time.Time, dir string, opt Options) (Output, *reportData, error) {
	if db == nil {
		return Output{}, nil, errors.New("reports: write: no database")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Output{}, nil, fmt.Errorf("reports: begin read: %w", err)
	}
	// Nothing is written to the database (a filter's allowed customers go to
	// a temporary table of this transaction); rolling back ends the snapshot.
	defer tx.Rollback()
	return writeIn(ctx, tx, runID, asOf, dir, opt)
}

// writeIn renders through tx, which it neither commits nor rolls back.
func writeIn(ctx context.Context, tx *sql.Tx, runID int64, asOf time.Time, dir string, opt Options) (Output, *reportData, error) {
	l, err := labelsFor(opt.Language)
	if err != nil {
		return Output{}, nil, err
	}
	if n := opt.WorkbookRows; n < 0 || n > config.MaxWorkbookRows {
		return Output{}, nil, fmt.Errorf("reports: workbook rows %d: must be between 1 and %d (0: the default %d)",
			n, config.MaxWorkbookRows, config.DefaultWorkbookRows)
	}
	if opt.Filter != "" {
		// Fail before creating anything for a filter that cannot be used.
		if err := checkFilter(opt.Filter); err != nil {
			return Output{}, nil, err
		}
	}
	if err := resultsRemoved(ctx, tx, runID); err != nil {
		return Output{}, nil, err
	}
	// The as-of date is asOf's calendar day in its own location; as a UTC
	// midnight it shows as that day everywhere (Excel dates have no zone).
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	out := Output{
		Dir:       dir,
		HTML:      filepath.Join(dir, htmlName),
		XLSX:      filepath.Join(dir, xlsxName),
		Hotspots:  filepath.Join(dir, hotspotsName),
		HotspotsX: filepath.Join(dir, hotspotsXLSXName),
	}
	dataDir := filepath.Join(dir, dataName)
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return Output{}, nil, fmt.Errorf("reports: create %s: %w", dataDir, err)
	}

	sc, err := applyFilter(ctx, tx, runID, opt.Filter)
	if err != nil {
		return Output{}, nil, err
	}
	sc.examples = opt.RejectExamples
	d, err := loadReportData(ctx, tx, runID, sc)
	if err != nil {
		return Output{}, nil, err
	}
	out.Filtered, out.Customers = sc.filtered, d.customers
	page, err := renderHTML(d, runID, asOf, l, opt)
	if err != nil {
		return Output{}, nil, err
	}
	if err := writeFileAtomic(out.HTML, page); err != nil {
		return Output{}, nil, err
	}
	if err := writeHotspots(ctx, tx, sc, runID, asOf, out.Hotspots, l, opt); err != nil {
		return Output{}, nil, err
	}
	if err := writeHotspotsXLSX(ctx, tx, sc, runID, asOf, out.HotspotsX, l, opt); err != nil {
		return Output{}, nil, err
	}
	if err := writeXLSX(ctx, tx, sc, runID, asOf, out.XLSX, d, l, opt); err != nil {
		return Output{}, nil, err
	}
	if out.DataFiles, err = writeDataFiles(ctx, tx, sc, runID, dataDir); err != nil {
		return Output{}, nil, err
	}
	return out, d, nil
}

// resultsRemoved fails for a run whose results history.keep_runs removed
// (queries/retention.sql), saying so, before anything is created: its
// tables hold no rows, and a report of them would read as a quiet week.
func resultsRemoved(ctx context.Context, tx *sql.Tx, runID int64) error {
	var run, resultsRun int64
	var asOf string
	var at sql.NullTime
	var replacedBy sql.NullInt64
	err := tx.QueryRowContext(ctx, queries.Get("ResultsRemoved"), runID).Scan(&run, &asOf, &resultsRun, &at, &replacedBy)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("reports: results of run %d: %w", runID, err)
	}
	stood := ""
	if resultsRun != run {
		stood = fmt.Sprintf(" (it stood for the results of run %d)", resultsRun)
	}
	if !at.Valid {
		return fmt.Errorf("reports: run %d (as of %s): its results were replaced by those of run %d, a later run of the same as-of date%s; "+
			"nothing to render: render or deliver run %d", run, asOf, replacedBy.Int64, stood, replacedBy.Int64)
	}
	return fmt.Errorf("reports: run %d (as of %s): its results were removed by history.keep_runs on %s UTC%s; nothing to render: "+
		"the database keeps the results of the newest history.keep_runs as-of dates", run, asOf, at.Time.UTC().Format("2006-01-02 15:04"), stood)
}

// writeFileAtomic writes beside the target and renames over it.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	return nil
}
