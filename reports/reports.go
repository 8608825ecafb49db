package reports

import (
	"github.com/accordhq/accord/reports/internal/atomicfile"
	"github.com/accordhq/accord/reports/page"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"
	"github.com/accordhq/accord/reports/workbook"

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

// Write renders run runID (as of asOf) from db into dir (e.g. OUT/2026-11-27),
// creating it: weekly.html, weekly.xlsx and data/<table>.csv|.parquet for
// the result tables. All three read one snapshot (a single transaction), and
// the same database content gives the same files: the HTML byte for byte.
// It fails when the run has no customer_value rows, so a wrong run id cannot
// produce an empty report that looks like a quiet week.
func Write(ctx context.Context, db *sql.DB, runID int64, asOf time.Time, dir string, opt snapshot.Options) (snapshot.Output, error) {
	out, _, err := WriteWithData(ctx, db, runID, asOf, dir, opt)
	return out, err
}

// WriteTx is Write reading through tx, an open transaction the caller owns
// (neither committed nor rolled back here): the pipeline renders a run's
// reports from its own uncommitted transaction, so the data is committed
// only once its reports exist.
func WriteTx(ctx context.Context, tx *sql.Tx, runID int64, asOf time.Time, dir string, opt snapshot.Options) (snapshot.Output, error) {
	if tx == nil {
		return snapshot.Output{}, errors.New("reports: write: no transaction")
	}
	out, _, err := writeIn(ctx, tx, runID, asOf, dir, opt)
	return out, err
}

// writeWithData is Write, also returning what the page and the e-mail body show.
func WriteWithData(ctx context.Context, db *sql.DB, runID int64, asOf time.Time, dir string, opt snapshot.Options) (snapshot.Output, *snapshot.ReportData, error) {
	if db == nil {
		return snapshot.Output{}, nil, errors.New("reports: write: no database")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return snapshot.Output{}, nil, fmt.Errorf("reports: begin read: %w", err)
	}
	// Nothing is written to the database (a filter's allowed customers go to
	// a temporary table of this transaction); rolling back ends the snapshot.
	defer tx.Rollback()
	return writeIn(ctx, tx, runID, asOf, dir, opt)
}

// writeIn renders through tx, which it neither commits nor rolls back.
func writeIn(ctx context.Context, tx *sql.Tx, runID int64, asOf time.Time, dir string, opt snapshot.Options) (snapshot.Output, *snapshot.ReportData, error) {
	l, err := texts.LabelsFor(opt.Language)
	if err != nil {
		return snapshot.Output{}, nil, err
	}
	if n := opt.WorkbookRows; n < 0 || n > config.MaxWorkbookRows {
		return snapshot.Output{}, nil, fmt.Errorf("reports: workbook rows %d: must be between 1 and %d (0: the default %d)",
			n, config.MaxWorkbookRows, config.DefaultWorkbookRows)
	}
	if opt.Filter != "" {
		// Fail before creating anything for a filter that cannot be used.
		if err := snapshot.CheckFilter(opt.Filter); err != nil {
			return snapshot.Output{}, nil, err
		}
	}
	if err := resultsRemoved(ctx, tx, runID); err != nil {
		return snapshot.Output{}, nil, err
	}
	// The as-of date is asOf's calendar day in its own location; as a UTC
	// midnight it shows as that day everywhere (Excel dates have no zone).
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	out := snapshot.Output{
		Dir:       dir,
		HTML:      filepath.Join(dir, snapshot.HtmlName),
		XLSX:      filepath.Join(dir, snapshot.XlsxName),
		Hotspots:  filepath.Join(dir, page.HotspotsName),
		HotspotsX: filepath.Join(dir, workbook.HotspotsXLSXName),
	}
	dataDir := filepath.Join(dir, snapshot.DataName)
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return snapshot.Output{}, nil, fmt.Errorf("reports: create %s: %w", dataDir, err)
	}

	sc, err := snapshot.ApplyFilter(ctx, tx, runID, opt.Filter)
	if err != nil {
		return snapshot.Output{}, nil, err
	}
	sc.Examples = opt.RejectExamples
	d, err := snapshot.LoadReportData(ctx, tx, runID, sc)
	if err != nil {
		return snapshot.Output{}, nil, err
	}
	out.Filtered, out.Customers = sc.Filtered, d.Customers
	pageHTML, err := page.RenderHTML(d, runID, asOf, l, opt)
	if err != nil {
		return snapshot.Output{}, nil, err
	}
	if err := atomicfile.WriteFileAtomic(out.HTML, pageHTML); err != nil {
		return snapshot.Output{}, nil, err
	}
	if err := page.WriteHotspots(ctx, tx, sc, runID, asOf, out.Hotspots, l, opt); err != nil {
		return snapshot.Output{}, nil, err
	}
	if err := workbook.WriteHotspotsXLSX(ctx, tx, sc, runID, asOf, out.HotspotsX, l, opt); err != nil {
		return snapshot.Output{}, nil, err
	}
	if err := workbook.WriteXLSX(ctx, tx, sc, runID, asOf, out.XLSX, d, l, opt); err != nil {
		return snapshot.Output{}, nil, err
	}
	if out.DataFiles, err = workbook.WriteDataFiles(ctx, tx, sc, runID, dataDir); err != nil {
		return snapshot.Output{}, nil, err
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
