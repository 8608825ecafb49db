package workbook

import (
	"github.com/accordhq/accord/reports/brief"
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// summarySheet is the first sheet. Sheet names are English in every
// language, so links, macros and the lead's tooling can rely on them.
const SummarySheet = "Summary"

// maxSheetRows is the most data rows a sheet holds: Excel's 1,048,576 rows
// less the header. Options.WorkbookRows is at most this, so a table never
// needs a second sheet.
const MaxSheetRows = excelize.TotalRows - 1

// cancelCheckRows is how often the row loop looks at the context. The rows
// stop on their own once it is done (database/sql closes them), but only
// from another goroutine; the loop's own check does not rely on that.
const cancelCheckRows = 1000

type xlsxStyles struct {
	title, header, bold                                 int
	money, score, ratio, float, fine, integer, date, ts int
	corr                                                int
}

type sheetCount struct {
	sheet string
	rows  int
}

type XlsxWriter struct {
	F   *excelize.File
	st  xlsxStyles
	L   texts.Labels
	opt snapshot.Options

	counts      []sheetCount
	notes       []string
	truncated   int
	moneyAsText int
}

func WriteXLSX(ctx context.Context, q snapshot.Queryer, sc snapshot.Scope, runID int64, asOf time.Time, path string,
	d *snapshot.ReportData, l texts.Labels, opt snapshot.Options) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("reports: close workbook: %w", cerr)
		}
	}()
	w := &XlsxWriter{F: f, L: l, opt: opt}
	if err := w.initStyles(); err != nil {
		return err
	}
	// The default sheet becomes Summary so it stays first; it is filled last,
	// when the row counts and notes are known.
	if err := f.SetSheetName(f.GetSheetName(0), SummarySheet); err != nil {
		return fmt.Errorf("reports: name summary sheet: %w", err)
	}
	// The first sheet of a new file is the active and selected one. Not
	// SetActiveSheet: it reads every streamed sheet back into memory to
	// unselect it and writes it out again (at 100k customers, 7 of the 9 s
	// of weekly.xlsx).
	specs, err := workbookSheets(ctx, q, sc, runID, l, opt.WorkbookRowLimit())
	if err != nil {
		return err
	}
	for _, spec := range specs {
		if err := w.writeTable(ctx, q, spec); err != nil {
			return err
		}
	}
	if err := w.writeSummary(d, runID, asOf); err != nil {
		return err
	}
	return SaveWorkbook(ctx, f, path, asOf)
}

// ctxWriter fails its writes once ctx is done: zipping the workbook reads
// no rows, so nothing else would stop it (it was most of the time of a
// workbook of every row).
type CtxWriter struct {
	Ctx context.Context
	W   io.Writer
}

func (c CtxWriter) Write(p []byte) (int, error) {
	if err := c.Ctx.Err(); err != nil {
		return 0, err
	}
	return c.W.Write(p)
}

// saveWorkbook writes beside the target and renames, so a failed run never
// leaves half a workbook under the real name. The zip is stable
// (xlsxzip.go): the same cells give the same bytes, entries dated asOf.
func SaveWorkbook(ctx context.Context, f *excelize.File, path string, asOf time.Time) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".weekly-*.xlsx")
	if err != nil {
		return fmt.Errorf("reports: save workbook: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	useStableZip(ctx, f, filepath.Dir(path), asOf)
	// The document's dates are the as-of day too (excelize's template says
	// 2006-09-16 and its author).
	day := zipEntryDate(asOf).Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "Accord", LastModifiedBy: "Accord", Created: day, Modified: day}); err != nil {
		tmp.Close()
		return fmt.Errorf("reports: save workbook: %w", err)
	}
	if _, err := f.WriteTo(CtxWriter{ctx, tmp}); err != nil {
		tmp.Close()
		return fmt.Errorf("reports: save workbook: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("reports: save workbook: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("reports: save workbook: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("reports: save workbook: %w", err)
	}
	return nil
}

func (w *XlsxWriter) initStyles() error {
	moneyFmt := w.opt.CurrencyFormat
	if moneyFmt == "" {
		moneyFmt = "#,##0.00"
	}
	custom := func(s string) *string { return &s }
	defs := []struct {
		id    *int
		style excelize.Style
	}{
		{&w.st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&w.st.header, excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
		}},
		{&w.st.bold, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&w.st.money, excelize.Style{CustomNumFmt: custom(moneyFmt)}},
		{&w.st.score, excelize.Style{CustomNumFmt: custom("0.0")}},
		{&w.st.ratio, excelize.Style{CustomNumFmt: custom("0.0%")}},
		{&w.st.float, excelize.Style{CustomNumFmt: custom("0.00")}},
		{&w.st.fine, excelize.Style{CustomNumFmt: custom("0.0000")}},
		{&w.st.corr, excelize.Style{CustomNumFmt: custom("0.000")}},
		{&w.st.integer, excelize.Style{NumFmt: 1}}, // "0"
		{&w.st.date, excelize.Style{CustomNumFmt: custom("yyyy-mm-dd")}},
		{&w.st.ts, excelize.Style{CustomNumFmt: custom("yyyy-mm-dd hh:mm")}},
	}
	for _, def := range defs {
		id, err := w.F.NewStyle(&def.style)
		if err != nil {
			return fmt.Errorf("reports: workbook style: %w", err)
		}
		*def.id = id
	}
	return nil
}

func (w *XlsxWriter) styleOf(k snapshot.Kind) int {
	switch k {
	case snapshot.KindMoney:
		return w.st.money
	case snapshot.KindScore:
		return w.st.score
	case snapshot.KindRatio:
		return w.st.ratio
	case snapshot.KindFloat:
		return w.st.float
	case snapshot.KindFine:
		return w.st.fine
	case snapshot.KindInt:
		return w.st.integer
	case snapshot.KindDate:
		return w.st.date
	case snapshot.KindTimestamp:
		return w.st.ts
	}
	return 0 // text, booleans and kindNumber: General
}

// displayWidth estimates a header's width in Excel character units: CJK
// characters take two.
func displayWidth(s string) float64 {
	n := 0.0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana) || r >= 0xFF00 && r <= 0xFFEF {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func columnWidth(c snapshot.Column, header string) float64 {
	base := map[snapshot.Kind]float64{
		snapshot.KindText: 16, snapshot.KindMoney: 16, snapshot.KindScore: 10, snapshot.KindRatio: 10, snapshot.KindFloat: 12, snapshot.KindFine: 11,
		snapshot.KindInt: 9, snapshot.KindDate: 12, snapshot.KindTimestamp: 17, snapshot.KindBool: 9, snapshot.KindNumber: 12,
	}[c.Kind]
	switch c.Name {
	case "name", "product_name", "account_owner", "file", "normalization", "top_up", "top_down", "override_reason":
		base = 30
	case "reason", "value", "detail":
		base = 40
	}
	return max(base, displayWidth(header)+3)
}

// startSheet creates a data sheet ready for dataRows rows: autofilter over
// the header and data, column widths, frozen header, header row. The order
// matters: the autofilter lives in the worksheet object the stream writer
// copies, and widths and panes must precede the first row.
func (w *XlsxWriter) startSheet(sheet string, t sheetSpec, dataRows int) (*excelize.StreamWriter, error) {
	if _, err := w.F.NewSheet(sheet); err != nil {
		return nil, fmt.Errorf("reports: sheet %s: %w", sheet, err)
	}
	lastCol, err := excelize.ColumnNumberToName(len(t.columns))
	if err != nil {
		return nil, fmt.Errorf("reports: sheet %s: %w", sheet, err)
	}
	filterRange := "A1:" + lastCol + strconv.Itoa(dataRows+1)
	if err := w.F.AutoFilter(sheet, filterRange, nil); err != nil {
		return nil, fmt.Errorf("reports: sheet %s autofilter: %w", sheet, err)
	}
	if err := w.printSetup(sheet, true); err != nil {
		return nil, err
	}
	sw, err := w.F.NewStreamWriter(sheet)
	if err != nil {
		return nil, fmt.Errorf("reports: sheet %s: %w", sheet, err)
	}
	header := make([]any, len(t.columns))
	for i, c := range t.columns {
		label := t.headers[i]
		header[i] = excelize.Cell{StyleID: w.st.header, Value: label}
		if err := sw.SetColWidth(i+1, i+1, columnWidth(c, label)); err != nil {
			return nil, fmt.Errorf("reports: sheet %s width: %w", sheet, err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return nil, fmt.Errorf("reports: sheet %s panes: %w", sheet, err)
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, fmt.Errorf("reports: sheet %s header: %w", sheet, err)
	}
	return sw, nil
}

// printSetup makes a sheet print legibly: landscape, scaled to one page
// wide and as many pages tall as it needs (fitToHeight 0 is "automatic"),
// and, with titles, its header row repeated on every page. Without it a
// PDF of the workbook was 1,693 pages of column strips. The stream writer
// copies the sheet's properties and page setup when it is created, so this
// must come before NewStreamWriter; the print titles are a defined name of
// the workbook, scoped to the sheet.
func (w *XlsxWriter) printSetup(sheet string, titles bool) error {
	fit, landscape := true, "landscape"
	one, auto := 1, 0
	if err := w.F.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("reports: sheet %s page setup: %w", sheet, err)
	}
	if err := w.F.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Orientation: &landscape, FitToWidth: &one, FitToHeight: &auto,
	}); err != nil {
		return fmt.Errorf("reports: sheet %s page setup: %w", sheet, err)
	}
	if titles {
		if err := w.F.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: PrintTitlesRef(sheet), Scope: sheet,
		}); err != nil {
			return fmt.Errorf("reports: sheet %s print titles: %w", sheet, err)
		}
	}
	return nil
}

// printTitlesRef is the reference of a sheet's first row, quoted as Excel
// quotes sheet names (a quote inside doubled).
func PrintTitlesRef(sheet string) string {
	return "'" + strings.ReplaceAll(sheet, "'", "''") + "'!$1:$1"
}

// writeTable streams one table into its sheet: every row, or for a capped
// spec the fixed rows and the first limit of the others, with a Summary
// note saying how many of how many and where the rest is. The counts and
// the rows are read in the same transaction, so they agree; a mismatch is
// reported anyway.
func (w *XlsxWriter) writeTable(ctx context.Context, q snapshot.Queryer, t sheetSpec) error {
	countArgs := t.countArgs
	if countArgs == nil {
		countArgs = t.args
	}
	var total, fixed int
	if err := q.QueryRowContext(ctx, t.count, countArgs...).Scan(&total); err != nil {
		return fmt.Errorf("reports: count %s: %w", t.name, err)
	}
	if t.fixed != "" {
		if err := q.QueryRowContext(ctx, t.fixed, countArgs...).Scan(&fixed); err != nil {
			return fmt.Errorf("reports: count %s: %w", t.name, err)
		}
	}
	want := total // rows the query returns
	if t.limit > 0 {
		want = fixed + min(total-fixed, t.limit)
	}
	// Only the fixed rows can push a capped sheet past Excel's limit; the
	// rows cut here are capped ones, so the note below covers them.
	shown := min(want, MaxSheetRows)
	rows, err := q.QueryContext(ctx, t.query, t.args...)
	if err != nil {
		return fmt.Errorf("reports: read %s: %w", t.name, err)
	}
	defer rows.Close()

	values := make([]any, len(t.columns))
	targets := make([]any, len(t.columns))
	for i := range values {
		targets[i] = &values[i]
	}
	sw, err := w.startSheet(t.sheet, t, shown)
	if err != nil {
		return err
	}
	for i := 0; i < shown; i++ {
		if i%cancelCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("reports: sheet %s: stopped at row %d of %d: %w", t.sheet, i, shown, err)
			}
		}
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return fmt.Errorf("reports: read %s: %w", t.name, err)
			}
			return fmt.Errorf("reports: read %s: %d rows counted but only %d read", t.name, want, i)
		}
		if err := rows.Scan(targets...); err != nil {
			return fmt.Errorf("reports: read %s: %w", t.name, err)
		}
		cells, err := w.rowCells(t, values)
		if err != nil {
			return fmt.Errorf("reports: %s row %d: %w", t.name, i+1, err)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("reports: sheet %s row %d: %w", t.sheet, i+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("reports: sheet %s: %w", t.sheet, err)
	}
	w.counts = append(w.counts, sheetCount{t.sheet, shown})
	if shown == want {
		if rows.Next() {
			return fmt.Errorf("reports: read %s: more than the %d rows counted", t.name, want)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("reports: read %s: %w", t.name, err)
		}
	}
	if shown < total {
		w.notes = append(w.notes, w.L.Getf(t.capNote, t.sheet, shown-fixed, total-fixed, t.dataTable))
	}
	return nil
}

// rowCells turns one scanned row into typed cells.
func (w *XlsxWriter) rowCells(t sheetSpec, values []any) ([]any, error) {
	cells := make([]any, len(values))
	for i, v := range values {
		if v == nil {
			continue // an empty cell, not the text "NULL"
		}
		if show := t.show[i]; show != nil {
			if str, ok := v.(string); ok {
				v = show(str)
			}
		}
		c, err := w.cell(t.columns[i].Kind, v)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", t.columns[i].Name, err)
		}
		cells[i] = c
	}
	return cells, nil
}

func (w *XlsxWriter) cell(k snapshot.Kind, v any) (any, error) {
	switch k {
	case snapshot.KindText:
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		return w.TextCell(s), nil
	case snapshot.KindMoney:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("money read as %T, want decimal text", v)
		}
		return w.moneyCell(s), nil
	case snapshot.KindScore, snapshot.KindRatio, snapshot.KindFloat, snapshot.KindFine, snapshot.KindNumber:
		f, ok := v.(float64)
		if !ok {
			if f32, ok32 := v.(float32); ok32 {
				f, ok = float64(f32), true
			}
		}
		if !ok {
			return nil, fmt.Errorf("number read as %T", v)
		}
		return excelize.Cell{StyleID: w.styleOf(k), Value: f}, nil
	case snapshot.KindInt:
		n, err := toInt64(v)
		if err != nil {
			return nil, err
		}
		return excelize.Cell{StyleID: w.st.integer, Value: n}, nil
	case snapshot.KindDate, snapshot.KindTimestamp:
		ts, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("date read as %T", v)
		}
		return excelize.Cell{StyleID: w.styleOf(k), Value: ts}, nil
	case snapshot.KindBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("boolean read as %T", v)
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown column kind %d", k)
}

func toInt64(v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case int32:
		return int64(n), nil
	case int16:
		return int64(n), nil
	case int8:
		return int64(n), nil
	case int:
		return int64(n), nil
	case uint8:
		return int64(n), nil
	case uint16:
		return int64(n), nil
	case uint32:
		return int64(n), nil
	}
	return 0, fmt.Errorf("integer read as %T", v)
}

// textCell cuts text to Excel's cell limit with a visible marker, and
// otherwise stores it as it is. The stream writer stores every Go string as
// an inline string (t="inlineStr", never a <f> formula element), so text
// that starts with = + - @ is text in Excel, LibreOffice and Sheets, and
// a leading apostrophe would only show, and break lookups of the value
// (TestWorkbookFormulaTextIsText). The CSV data files, which lose the
// type, keep their neutralising quote (exportSQL).
func (w *XlsxWriter) TextCell(s string) string {
	s, cut := format.TruncateCell(s, func(shown, total int) string {
		return w.L.Getf("xlsx.truncated_mark", shown, total)
	})
	if cut {
		w.truncated++
	}
	return s
}

// moneyCell writes an exact decimal as a number when Excel can hold it to
// the digit (the stored text then equals the decimal), else as exact text.
func (w *XlsxWriter) moneyCell(dec string) any {
	if f, ok := format.ExactFloat(dec); ok {
		return excelize.Cell{StyleID: w.st.money, Value: f}
	}
	w.moneyAsText++
	return dec
}

func (w *XlsxWriter) writeSummary(d *snapshot.ReportData, runID int64, asOf time.Time) error {
	l := w.L
	var rows [][]any
	add := func(cells ...any) { rows = append(rows, cells) }
	label := func(key string, args ...any) any { return l.Getf(key, args...) }

	add(excelize.Cell{StyleID: w.st.title, Value: w.TextCell(brief.ReportTitle(w.opt, l))})
	add(label("xlsx.as_of"), excelize.Cell{StyleID: w.st.date, Value: asOf})
	add(label("xlsx.run"), excelize.Cell{StyleID: w.st.integer, Value: runID})
	add()
	add(w.headerCells(l.Get("xlsx.item"), l.Get("xlsx.value"))...)
	add(label("kpi.customers"), excelize.Cell{StyleID: w.st.integer, Value: d.Customers})
	for _, t := range d.Tiers {
		name := t.Tier
		if name == "" {
			name = l.Get("chart.no_tier")
		}
		add(w.TextCell(l.Getf("kpi.tier", name)), excelize.Cell{StyleID: w.st.integer, Value: t.Count})
	}
	// A figure whose source the run lacks says so instead of 0 (sources.go).
	if d.Lacks("ar_invoices") {
		na := w.TextCell(snapshot.NoSource(l, "ar_invoices"))
		add(label("kpi.open_ar"), na)
		add(label("kpi.overdue_90"), na)
	} else {
		add(label("kpi.open_ar"), w.moneyCell(d.OpenAR))
		add(label("kpi.overdue_90"), w.moneyCell(d.Overdue90))
	}
	add(label("kpi.top_hotspot"), w.TextCell(brief.TopHotspot(d, l)))
	if d.Lacks("tickets") {
		add(label("kpi.open_tickets"), w.TextCell(snapshot.NoSource(l, "tickets")))
	} else {
		add(label("kpi.open_tickets"), excelize.Cell{StyleID: w.st.integer, Value: d.OpenTickets})
	}
	if !d.Filtered {
		add(label("kpi.rejected_rows"), excelize.Cell{StyleID: w.st.integer, Value: d.Rejected})
	}
	add(label("xlsx.model"), w.TextCell(brief.ModelSummary(d, l)))
	// One number per segment, stored as a number (three decimals shown);
	// not available says so with the pipeline's reason, never as 0.
	spearman := false
	for _, e := range d.Evidence {
		if e.Metric != "spearman_value_added_profit" {
			continue
		}
		spearman = true
		name := w.TextCell(l.Getf("xlsx.spearman_segment", e.Segment))
		if format.Finite(e.Value) {
			add(name, excelize.Cell{StyleID: w.st.corr, Value: e.Value.Float64})
			continue
		}
		// The pipeline states why in the detail, as the page shows it.
		na := l.Get("report.na")
		if strings.HasPrefix(e.Detail, "not available") {
			na = e.Detail
		}
		add(name, w.TextCell(na))
	}
	if !spearman {
		add(label("evidence.spearman"), w.TextCell(l.Get("evidence.no_spearman")))
	}
	add(label("xlsx.tier_changes"), excelize.Cell{StyleID: w.st.integer, Value: d.TierChanges})
	if !d.Filtered {
		add(label("xlsx.reconciliation"), w.TextCell(brief.ReconciliationLine(d, l)))
	}
	var filtered []string
	if d.Filtered {
		filtered = []string{l.Get("report.filtered"), l.Get("xlsx.filtered_reconciliation"), l.Get("xlsx.filtered_drain")}
	}
	return w.streamSummary(append(rows, w.summaryTail(snapshot.MissingSourceNotes(d, l), filtered)...))
}

func (w *XlsxWriter) headerCells(a, b string) []any {
	return []any{excelize.Cell{StyleID: w.st.header, Value: a}, excelize.Cell{StyleID: w.st.header, Value: b}}
}

// summaryTail is the end of a Summary sheet: the data rows of each sheet,
// then the notes: lead, the capped sheets (first N of M rows, and where
// they all are), then more, then what was changed to fit Excel. It must be
// built after the Summary's own text cells, so their counts are in it.
func (w *XlsxWriter) summaryTail(lead, more []string) [][]any {
	l := w.L
	var rows [][]any
	add := func(cells ...any) { rows = append(rows, cells) }
	add()
	add(w.headerCells(l.Get("xlsx.sheets"), l.Get("xlsx.rows"))...)
	for _, c := range w.counts {
		add(c.sheet, excelize.Cell{StyleID: w.st.integer, Value: c.rows})
	}
	add()
	add(excelize.Cell{StyleID: w.st.bold, Value: l.Get("xlsx.notes")})
	notes := append(slices.Clip(lead), w.notes...)
	notes = append(notes, more...)
	if w.truncated > 0 {
		notes = append(notes, l.Getf("xlsx.truncated", w.truncated))
	}
	if w.moneyAsText > 0 {
		notes = append(notes, l.Getf("xlsx.money_as_text", w.moneyAsText))
	}
	notes = append(notes, l.Get("xlsx.sheet_names"))
	for _, n := range notes {
		add(n)
	}
	return rows
}

// streamSummary writes rows into the Summary sheet.
func (w *XlsxWriter) streamSummary(rows [][]any) error {
	// The Summary has no header row to repeat: it opens with the title.
	if err := w.printSetup(SummarySheet, false); err != nil {
		return err
	}
	sw, err := w.F.NewStreamWriter(SummarySheet)
	if err != nil {
		return fmt.Errorf("reports: summary sheet: %w", err)
	}
	if err := sw.SetColWidth(1, 1, 34); err != nil {
		return fmt.Errorf("reports: summary sheet: %w", err)
	}
	if err := sw.SetColWidth(2, 2, 60); err != nil {
		return fmt.Errorf("reports: summary sheet: %w", err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, r); err != nil {
			return fmt.Errorf("reports: summary row %d: %w", i+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("reports: summary sheet: %w", err)
	}
	return nil
}
