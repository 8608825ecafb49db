package pipeline

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accordhq/accord/config"
)

// FileLoad describes one input file of a run.
type FileLoad struct {
	Path     string
	SHA256   string
	Size     int64
	Encoding string
	RowsRead int64
	Rejected int64
	// Loaded is the file's rows in the canonical table; LoadedKnown is
	// false when that cannot be told: a transform's output rows that do not
	// carry __file belong to no one file (run_sources has the total).
	Loaded      int64
	LoadedKnown bool
	// Duplicates is the file's exact duplicate rows dropped.
	Duplicates int64
	New        bool // no earlier run loaded a file with this content
	// Extra lists the file's headers the mapping does not use.
	Extra []string
}

// SourceLoad describes what a run loaded from one source.
type SourceLoad struct {
	Source     string
	Files      []FileLoad
	RowsRead   int64
	Loaded     int64
	Rejected   int64 // rows (not problems): a row with two bad cells counts once
	Duplicates int64 // exact duplicate rows dropped (duplicates: drop); kept or rejected copies are not counted here
	TopReasons []ReasonCount
	// KeptFrom is set when nothing the source is made from changed since
	// run KeptFrom read it: this run read none of its files and kept its
	// canonical table; the counts, files and rejects are that load's.
	KeptFrom int64

	// fingerprint is the source's fingerprint (sourceFingerprint),
	// recorded with a succeeded run; "" when it could not be taken.
	fingerprint string
}

// ReasonCount is a reject reason and how many rows it hit.
type ReasonCount struct {
	Reason string
	Rows   int64
}

// ThresholdError reports a source whose rejects exceed its threshold.
type ThresholdError struct {
	Source    string
	Rejected  int64
	Read      int64
	Threshold float64
	Top       []ReasonCount
}

func (e *ThresholdError) Error() string {
	var reasons []string
	for _, r := range e.Top {
		reasons = append(reasons, fmt.Sprintf("%s (%d)", r.Reason, r.Rows))
	}
	return fmt.Sprintf("source %s: %d of %d rows rejected (%.2f%%), over the threshold of %.2f%%; most frequent: %s",
		e.Source, e.Rejected, e.Read, 100*float64(e.Rejected)/float64(max(e.Read, 1)), 100*e.Threshold, strings.Join(reasons, "; "))
}

// HeaderError reports a mapped column missing from an export's header.
type HeaderError struct {
	File, Source, Canonical, Header string
	Found                           []string
	Suggestion                      string
}

func (e *HeaderError) Error() string {
	msg := fmt.Sprintf("%s: source %s maps column %s to header %q, which the file does not have; headers found: %s",
		e.File, e.Source, e.Canonical, e.Header, strings.Join(e.Found, ", "))
	if e.Suggestion != "" {
		msg += fmt.Sprintf("; did you mean %q?", e.Suggestion)
	}
	return msg
}

// loader stages and validates every source on one pinned connection: DuckDB
// keeps CSV rejects and temp tables per connection.
type loader struct {
	cfg     *config.Config
	conn    *sql.Conn
	workDir string
	// seen holds sha256 sums of files earlier runs loaded.
	seen map[string]bool
	// exportHeaders are the columns of the source being transformed.
	exportHeaders []string
	// lookups are the lookup files read, for run_inputs.
	lookups []LookupLoad
	// profile marks each source's staging as a stage (nil: none).
	profile *Profile
	// kept are the sources not to read (see unchangedSources).
	kept map[string]*keptSource
}

type stagedFile struct {
	FileLoad
	readable string // UTF-8 CSV DuckDB reads
	xlsx     bool
	base     int64 // rowid of the file's first staged row
	// structural rejects (wrong column count...) by DuckDB line number
	duckRejects map[int64]bool
	// ordinalLines: the record number is the line (Parquet rows, JSON lines)
	ordinalLines bool
	// unterminated is the DuckDB line of a quote never closed: DuckDB's
	// reader reads nothing after it. unread counts the lines it left.
	unterminated, unread int64
}

// expandFiles resolves a source's glob patterns, sorted, without repeats.
func expandFiles(dir string, patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("no file matches %s", p)
		}
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func (l *loader) exec(ctx context.Context, q string, args ...any) error {
	return l.profile.statementNamed(func() string { return statementName(q) }, func() error {
		_, err := l.conn.ExecContext(ctx, q, args...)
		return err
	})
}

func (l *loader) count(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := l.profile.statementNamed(func() string { return statementName(q) }, func() error {
		return l.conn.QueryRowContext(ctx, q, args...).Scan(&n)
	})
	return n, err
}

// statementName is how the profile names a generated statement: its
// first words, spaces collapsed.
func statementName(q string) string {
	words := strings.Fields(q)
	name := strings.Join(words[:min(len(words), 6)], " ")
	if len(name) > 60 {
		name = name[:60]
	}
	return name
}

// stageAll stages every configured source in load order, telling staged
// (if set) about each; on an error it returns what was staged so far,
// the failing source last.
func (l *loader) stageAll(ctx context.Context, staged func(SourceLoad)) ([]SourceLoad, error) {
	var out []SourceLoad
	var err error
	l.profile.Mark("load lookups")
	if l.lookups, err = l.loadLookups(ctx); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	for _, name := range l.cfg.SourceNames() {
		l.profile.Mark("load " + name)
		var sl SourceLoad
		if k := l.kept[name]; k != nil {
			sl, err = l.keep(ctx, name, k)
		} else {
			sl, err = l.stage(ctx, name)
		}
		out = append(out, sl)
		if err != nil {
			return out, fmt.Errorf("load: %w", err)
		}
		if staged != nil {
			staged(sl)
		}
	}
	return out, nil
}

// stage loads one source's files into table accord_staged_<source>: each
// mapped canonical column typed, with the reason and raw text of every value
// that cannot be used beside it. check then records those problems in
// rej_<source> and settles duplicates, leaving in the staged table only the
// rows to load.
//
// Without a transform, each file is read and typed in one pass, straight
// from DuckDB's reader through the column mapping: nothing is staged as text
// first. With one, files are read whole into export_<source>, exact
// duplicate rows are dropped, the transform runs over them (as the view
// "export"), its output is mapped into stg_<source> and typed from there.
func (l *loader) stage(ctx context.Context, name string) (SourceLoad, error) {
	src := l.cfg.Sources[name]
	table, _ := config.CanonicalTable(name)
	res := SourceLoad{Source: name}
	paths, err := expandFiles(l.cfg.Resolve(l.cfg.InputsDir), src.Files)
	if err != nil {
		return res, fmt.Errorf("source %s: %w", name, err)
	}
	rej := "rej_" + name
	if err := l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (__rid BIGINT, __file VARCHAR, __line BIGINT, __record BIGINT, __duck_line BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR)", rej)); err != nil {
		return res, fmt.Errorf("source %s: create rejects: %w", name, err)
	}
	var files []*stagedFile
	var typed *typedLayout
	if src.Transform == "" {
		var meta []string
		if src.Format == "xlsx" {
			meta = []string{"__line"}
		}
		typed = newTypedLayout(name, src, table, mappedColumns(table, src, nil), meta)
		if err := l.exec(ctx, typed.ddl()); err != nil {
			return res, fmt.Errorf("source %s: create staging: %w", name, err)
		}
	}
	for i, p := range paths {
		f, err := l.stageFile(ctx, name, src, typed, p, i)
		if err != nil {
			return res, err
		}
		files = append(files, f)
	}
	if src.Transform != "" {
		if typed, err = l.transform(ctx, name, src, table, files, &res); err != nil {
			return res, err
		}
	}
	dups, err := l.check(ctx, typed, files)
	if err != nil {
		return res, fmt.Errorf("source %s: check: %w", name, err)
	}
	res.Duplicates += dups // a transform's duplicate events are counted before it ran
	if err := l.assignLines(ctx, name, src, files); err != nil {
		return res, fmt.Errorf("source %s: locate rejects: %w", name, err)
	}
	return l.summarize(ctx, name, src, typed, files, res)
}

// keep stands in for stage on a source whose canonical table is kept: no
// file is read and nothing is staged. Its record is the last load's, and
// its rejects (copied into rej_<source>, for recordRejects and readBack as
// if check had found them) too; only whether a file is new is asked again,
// as a load would.
func (l *loader) keep(ctx context.Context, name string, k *keptSource) (SourceLoad, error) {
	sl := k.load
	sl.Files = slices.Clone(sl.Files)
	for i := range sl.Files {
		sl.Files[i].New = !l.seen[sl.Files[i].SHA256]
	}
	sl.KeptFrom, sl.fingerprint, sl.TopReasons = k.readBy, k.fingerprint, nil
	rej := "rej_" + name
	if err := l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (__rid BIGINT, __file VARCHAR, __line BIGINT, __record BIGINT, __duck_line BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR)", rej)); err != nil {
		return sl, fmt.Errorf("source %s: create rejects: %w", name, err)
	}
	if err := l.exec(ctx, fmt.Sprintf(`INSERT INTO %s SELECT NULL, file, line, NULL, NULL, column_name, value, reason
		FROM rejects WHERE run_id = ? AND source = ? ORDER BY rowid`, rej), k.recordedBy, name); err != nil {
		return sl, fmt.Errorf("source %s: rejects of run %d: %w", name, k.recordedBy, err)
	}
	var err error
	if sl.TopReasons, err = l.topReasons(ctx, name); err != nil {
		return sl, fmt.Errorf("source %s: %w", name, err)
	}
	return sl, nil
}

// mappedColumns lists the canonical columns the source gives a value:
// through columns, constants or derived, or (with a transform) an output
// column of the same name.
func mappedColumns(table config.Table, src *config.Source, outputs []string) []config.Column {
	var out []config.Column
	for _, c := range table.Columns {
		if src.Maps(c.Name) {
			out = append(out, c)
			continue
		}
		if _, ok := matchHeader(outputs, c.Name); ok {
			out = append(out, c)
		}
	}
	return out
}

// createStaging makes stg_<source>, a transform's output mapped to the
// canonical columns, as text.
func (l *loader) createStaging(ctx context.Context, name string, mapped []config.Column) error {
	var cols []string
	for _, c := range mapped {
		cols = append(cols, quoteIdent(c.Name)+" VARCHAR")
	}
	q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE stg_%s (__file VARCHAR, __line BIGINT, __record BIGINT, %s)", name, strings.Join(cols, ", "))
	if err := l.exec(ctx, q); err != nil {
		return fmt.Errorf("source %s: create staging: %w", name, err)
	}
	return nil
}

// selectList is the SQL giving each mapped canonical column its text from a
// row of headers; a mapped header the row does not have is a HeaderError.
func selectList(file, name string, src *config.Source, mapped []config.Column, headers []string) ([]string, error) {
	var sel []string
	for _, c := range mapped {
		switch {
		case src.Constants[c.Name] != "":
			sel = append(sel, quoteLit(src.Constants[c.Name]))
		case src.Derived[c.Name] != "":
			sel = append(sel, "CAST(("+src.Derived[c.Name]+") AS VARCHAR)")
		default:
			want := src.Columns[c.Name]
			if want == "" {
				want = c.Name // a transform output named like the canonical column
			}
			h, ok := matchHeader(headers, want)
			if !ok {
				found := visibleHeaders(headers)
				return nil, &HeaderError{File: file, Source: name, Canonical: c.Name, Header: want,
					Found: found, Suggestion: closest(want, found)}
			}
			sel = append(sel, "CAST("+quoteIdent(h)+" AS VARCHAR)")
		}
	}
	return sel, nil
}

// exportFrom is the table function reading one prepared file, and its headers.
func (l *loader) exportFrom(ctx context.Context, src *config.Source, f *stagedFile) (string, []string, error) {
	switch src.Format {
	case "parquet":
		from := "read_parquet(" + quoteLit(f.readable) + ")"
		h, err := l.describe(ctx, from)
		return from, h, err
	case "jsonl":
		from := "read_json(" + quoteLit(f.readable) + ", format='newline_delimited')"
		h, err := l.describe(ctx, from)
		return from, h, err
	}
	delim, quote, skip := src.Delimiter, src.Quote, src.SkipLines
	if f.xlsx {
		delim, quote, skip = ",", `"`, 0
	}
	headers := slices.Clone(src.ColumnNames)
	if src.HasHeader() {
		var err error
		if headers, err = readHeader(f.readable, skip, delim); err != nil {
			return "", nil, fmt.Errorf("read header: %w", err)
		}
	}
	var colSpec []string
	for _, h := range headers {
		colSpec = append(colSpec, quoteLit(h)+": 'VARCHAR'")
	}
	nullstr := ""
	if len(src.NullTokens) > 0 {
		var toks []string
		for _, t := range src.NullTokens {
			toks = append(toks, quoteLit(t))
		}
		nullstr = ", nullstr=[" + strings.Join(toks, ", ") + "]"
	}
	from := fmt.Sprintf(`read_csv(%s, header=%t, auto_detect=false, columns={%s}, delim=%s, quote=%s, escape=%s, skip=%d,
		store_rejects=true, rejects_table='accord_csv_errors', rejects_scan='accord_csv_scans'%s)`,
		quoteLit(f.readable), src.HasHeader(), strings.Join(colSpec, ", "), quoteLit(delim), quoteLit(quote), quoteLit(quote), skip, nullstr)
	return from, headers, nil
}

func (l *loader) describe(ctx context.Context, from string) ([]string, error) {
	rows, err := l.conn.QueryContext(ctx, "DESCRIBE SELECT * FROM "+from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, typ string
		var a, b, c, d any
		if err := rows.Scan(&name, &typ, &a, &b, &c, &d); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// prepare makes a version of a file DuckDB can read: UTF-8 CSV as is,
// other encodings transcoded, XLSX streamed out to CSV. The file's sha256 is
// computed alongside, on another core; fingerprinted waits for it and
// records it in the FileLoad.
func (l *loader) prepare(name string, src *config.Source, path string, idx int) (f *stagedFile, fingerprinted func() error, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("source %s: read %s: %w", name, path, err)
	}
	// sf and fp, not the named results: a failed prepare returns them as
	// nil, and the deferred wait for the fingerprint still calls and fills
	// them (it panicked on every file prepare could not read).
	sf := &stagedFile{FileLoad: FileLoad{Path: path, Size: fi.Size()}, readable: path}
	f = sf
	type digest struct {
		sum string
		err error
	}
	done := make(chan digest, 1)
	go func() {
		sum, _, err := fileSHA256(path)
		done <- digest{sum, err}
	}()
	fp := func() error {
		d := <-done
		done <- d // a second call sees the same answer
		if d.err != nil {
			return d.err
		}
		sf.SHA256, sf.New = d.sum, !l.seen[d.sum]
		return nil
	}
	fingerprinted = fp
	defer func() {
		if err != nil {
			_ = fp() // no goroutine outlives a failed prepare; its error is the lesser one
		}
	}()
	switch src.Format {
	case "xlsx":
		f.xlsx, f.Encoding = true, "xlsx"
		f.readable = filepath.Join(l.workDir, fmt.Sprintf("%s-%d.csv", name, idx))
		if err := xlsxToCSV(path, src.Sheet, src.SkipLines, f.readable); err != nil {
			return nil, nil, fmt.Errorf("%s: source %s: %w", path, name, err)
		}
	case "parquet":
		f.Encoding, f.ordinalLines = "parquet", true
	default:
		enc, err := fileEncoding(path, src.Encoding)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: detect encoding: %w", path, err)
		}
		f.Encoding = enc
		f.ordinalLines = src.Format == "jsonl"
		head, err := readHead(path)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: source %s: read: %w", path, name, err)
		}
		if err := checkText(path, name, head, enc); err != nil {
			return nil, nil, err
		}
		if enc != "utf-8" {
			f.readable = filepath.Join(l.workDir, fmt.Sprintf("%s-%d.%s", name, idx, src.Format))
			if err := transcodeToUTF8(path, f.readable, enc); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	return f, fingerprinted, nil
}

func (l *loader) stageFile(ctx context.Context, name string, src *config.Source, typed *typedLayout, path string, idx int) (_ *stagedFile, err error) {
	f, fingerprinted, err := l.prepare(name, src, path, idx)
	if err != nil {
		return nil, err
	}
	defer func() {
		// The fingerprint is taken while DuckDB reads the file.
		if ferr := fingerprinted(); err == nil && ferr != nil {
			err = fmt.Errorf("source %s: read %s: %w", name, path, ferr)
		}
	}()
	from, headers, err := l.exportFrom(ctx, src, f)
	if err != nil {
		return nil, fmt.Errorf("%s: source %s: %w", path, name, err)
	}
	lineExpr := "NULL"
	if f.xlsx {
		lineExpr = "TRY_CAST(" + quoteIdent(lineColumn) + " AS BIGINT)"
	}
	var target, q string
	if src.Transform == "" {
		sel, err := selectList(path, name, src, typed.mapped, headers)
		if err != nil {
			return nil, err
		}
		f.Extra = unusedHeaders(src, headers)
		for i, c := range typed.mapped {
			sel[i] += " AS " + quoteIdent(c.Name)
		}
		if f.xlsx {
			sel = append([]string{lineExpr + " AS __line"}, sel...)
		}
		target = typed.tableName()
		q = typed.insert(fmt.Sprintf("(SELECT %s FROM %s)", strings.Join(sel, ", "), from))
	} else {
		target = "export_" + name
		if idx == 0 {
			var cols []string
			for _, h := range visibleHeaders(headers) {
				cols = append(cols, quoteIdent(h)+" VARCHAR")
			}
			if err := l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (__file VARCHAR, __line BIGINT, __record BIGINT, %s)", target, strings.Join(cols, ", "))); err != nil {
				return nil, fmt.Errorf("source %s: create export table: %w", name, err)
			}
			l.exportHeaders = visibleHeaders(headers)
		}
		var sel []string
		for _, h := range l.exportHeaders {
			m, ok := matchHeader(headers, h)
			if !ok {
				return nil, &HeaderError{File: path, Source: name, Canonical: h, Header: h, Found: visibleHeaders(headers), Suggestion: closest(h, visibleHeaders(headers))}
			}
			sel = append(sel, "CAST("+quoteIdent(m)+" AS VARCHAR)")
		}
		q = fmt.Sprintf(`INSERT INTO %s SELECT %s, %s, NULL, %s FROM %s`, target, quoteLit(path), lineExpr, strings.Join(sel, ", "), from)
	}
	var r sql.Result
	err = l.profile.statement("read and type "+filepath.Base(path), func() (err error) {
		r, err = l.conn.ExecContext(ctx, q)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: source %s: read: %w", path, name, err)
	}
	staged, err := r.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("%s: source %s: read: %w", path, name, err)
	}
	if f.base, err = l.firstRowID(ctx, target, staged); err != nil {
		return nil, fmt.Errorf("source %s: %w", name, err)
	}
	if src.SkipFooterLines > 0 {
		drop := min(int64(src.SkipFooterLines), staged)
		if err := l.exec(ctx, fmt.Sprintf("DELETE FROM %s WHERE rowid >= ?", target), f.base+staged-drop); err != nil {
			return nil, fmt.Errorf("source %s: drop footer: %w", name, err)
		}
		staged -= drop
	}
	f.RowsRead = staged
	if err := l.collectCSVRejects(ctx, name, f); err != nil {
		return nil, fmt.Errorf("%s: source %s: %w", path, name, err)
	}
	if f.unterminated > 0 {
		if err := l.rejectUnreadTail(ctx, name, src, f); err != nil {
			return nil, fmt.Errorf("%s: source %s: %w", path, name, err)
		}
	}
	return f, nil
}

// unusedHeaders lists headers no column mapping names (derived
// expressions may still read them).
func unusedHeaders(src *config.Source, headers []string) []string {
	used := map[string]bool{}
	for _, h := range src.Columns {
		used[strings.ToLower(strings.TrimSpace(h))] = true
	}
	var out []string
	for _, h := range visibleHeaders(headers) {
		if !used[strings.ToLower(strings.TrimSpace(h))] {
			out = append(out, h)
		}
	}
	return out
}

// firstRowID is the rowid of the first of the n rows just appended to
// table. Rowids follow insertion order, contiguously, so a staged row's
// record number in its file is rowid - base + 1. Counting back from the
// last also holds inside a transaction, where DuckDB numbers a table's new
// rows from a large offset.
func (l *loader) firstRowID(ctx context.Context, table string, n int64) (int64, error) {
	return l.count(ctx, "SELECT coalesce(max(rowid), -1) - ? + 1 FROM "+table, n)
}

// transform numbers each exported record, drops exact duplicate rows, runs
// the source's SQL over them and maps its output into stg_<source>.
func (l *loader) transform(ctx context.Context, name string, src *config.Source, table config.Table, files []*stagedFile, res *SourceLoad) (*typedLayout, error) {
	for _, f := range files {
		if err := l.exec(ctx, fmt.Sprintf("UPDATE export_%s SET __record = rowid - ? + 1 WHERE __file = ?", name), f.base, f.Path); err != nil {
			return nil, fmt.Errorf("source %s: number records: %w", name, err)
		}
	}
	var cols []string
	for _, h := range l.exportHeaders {
		cols = append(cols, quoteIdent(h))
	}
	list := strings.Join(cols, ", ")
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW export AS
		SELECT __file, min(__record) AS __record, %[1]s FROM export_%[2]s GROUP BY __file, %[1]s`, list, name)
	if src.Duplicates == config.DuplicatesKeep || src.Duplicates == config.DuplicatesReject {
		// The export keeps its copies: keep means the transform sees every
		// line, and reject settles the copies in its output, where a row
		// is rejected with its line (a copy dropped here would go unsaid).
		q = fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW export AS SELECT __file, __record, %[1]s FROM export_%[2]s`, list, name)
	}
	if err := l.exec(ctx, q); err != nil {
		return nil, fmt.Errorf("source %s: dedupe export: %w", name, err)
	}
	for _, f := range files {
		dups, err := l.count(ctx, fmt.Sprintf("SELECT (SELECT count(*) FROM export_%s WHERE __file = $1) - (SELECT count(*) FROM export WHERE __file = $1)", name), f.Path)
		if err != nil {
			return nil, fmt.Errorf("source %s: count duplicates: %w", name, err)
		}
		f.Duplicates = dups
		res.Duplicates += dups
	}
	if err := l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE tout_%s AS %s", name, src.Transform)); err != nil {
		return nil, fmt.Errorf("source %s: transform: %w", name, err)
	}
	outputs, err := l.describe(ctx, "tout_"+name)
	if err != nil {
		return nil, fmt.Errorf("source %s: transform output: %w", name, err)
	}
	mapped := mappedColumns(table, src, outputs)
	for _, c := range table.Columns {
		if c.Required && !slices.ContainsFunc(mapped, func(m config.Column) bool { return m.Name == c.Name }) {
			return nil, &HeaderError{File: "transform of source " + name, Source: name, Canonical: c.Name, Header: c.Name,
				Found: outputs, Suggestion: closest(c.Name, outputs)}
		}
	}
	sel, err := selectList("transform of source "+name, name, src, mapped, outputs)
	if err != nil {
		return nil, err
	}
	if err := l.createStaging(ctx, name, mapped); err != nil {
		return nil, err
	}
	fileExpr, recordExpr := "NULL", "NULL"
	if _, ok := matchHeader(outputs, "__file"); ok {
		fileExpr = "__file"
		if _, ok := matchHeader(outputs, "__record"); ok {
			recordExpr = "__record"
		}
	} else if len(files) == 1 {
		fileExpr = quoteLit(files[0].Path)
	}
	q = fmt.Sprintf("INSERT INTO stg_%s SELECT %s, NULL, %s, %s FROM tout_%s", name, fileExpr, recordExpr, strings.Join(sel, ", "), name)
	if err := l.exec(ctx, q); err != nil {
		return nil, fmt.Errorf("source %s: map transform output: %w", name, err)
	}
	typed := newTypedLayout(name, src, table, mapped, []string{"__file", "__line", "__record"})
	if err := l.exec(ctx, typed.ddl()); err != nil {
		return nil, fmt.Errorf("source %s: create staging: %w", name, err)
	}
	if err := l.exec(ctx, typed.insert("stg_"+name)); err != nil {
		return nil, fmt.Errorf("source %s: type transform output: %w", name, err)
	}
	return typed, nil
}

// collectCSVRejects moves rows DuckDB's reader could not split (wrong number
// of columns, unterminated quotes) into the source's rejects.
func (l *loader) collectCSVRejects(ctx context.Context, name string, f *stagedFile) error {
	if f.ordinalLines {
		return nil // not read by read_csv
	}
	rows, err := l.conn.QueryContext(ctx, `SELECT line, coalesce(column_name, ''), coalesce(csv_line, ''), error_message FROM accord_csv_errors ORDER BY line`)
	if err != nil {
		return fmt.Errorf("read csv rejects: %w", err)
	}
	f.duckRejects = map[int64]bool{}
	type structural struct {
		line              int64
		col, value, error string
	}
	var found []structural
	for rows.Next() {
		var s structural
		if err := rows.Scan(&s.line, &s.col, &s.value, &s.error); err != nil {
			rows.Close()
			return err
		}
		found = append(found, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range found {
		if f.duckRejects[s.line] {
			continue // one reject per row
		}
		f.duckRejects[s.line] = true
		f.RowsRead++
		if f.unterminated == 0 && strings.Contains(s.error, "unterminated quote") {
			f.unterminated = s.line
		}
		reason := "malformed row: " + strings.SplitN(s.error, "\n", 2)[0]
		if strings.Contains(s.error, "not utf-8 encoded") {
			// auto took the file as UTF-8 from its first 64 KB
			reason += fmt.Sprintf(" Set sources.%s.encoding (gb18030, gbk, big5, latin-1…)", name)
		}
		if err := l.exec(ctx, fmt.Sprintf("INSERT INTO rej_%s VALUES (NULL, ?, NULL, NULL, ?, ?, ?, ?)", name), f.Path, s.line, nullIfEmpty(s.col), truncate(s.value, 500), reason); err != nil {
			return err
		}
	}
	return l.exec(ctx, "DROP TABLE IF EXISTS accord_csv_errors; DROP TABLE IF EXISTS accord_csv_scans")
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// truncate cuts s to at most n bytes at a character boundary: a value cut
// inside a multi-byte character is invalid UTF-8, which DuckDB refused to
// bind ("could not bind parameter", "Invalid unicode … in segment
// statistics update") and so failed a run on its own reject.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\ufffd")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// readHeader reads the header record of a UTF-8 CSV after skip lines, with
// duplicate names made unique the way a person would number them
// ("Variant", "Variant_2"). encoding/csv knows only '"' as a quote; with
// lazy quotes that is enough for headers, which rarely need quoting.
func readHeader(path string, skip int, delim string) ([]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	br := bufio.NewReader(fh)
	for ; skip > 0; skip-- {
		if _, err := br.ReadString('\n'); err != nil {
			return nil, errors.New("file ends within the lines to skip")
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = []rune(delim)[0]
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	var rec []string
	for {
		rec, err = cr.Read()
		if err == io.EOF {
			return nil, errors.New("file has no header")
		}
		if err != nil {
			return nil, err
		}
		if !(len(rec) == 1 && strings.TrimSpace(rec[0]) == "") {
			break
		}
	}
	if len(rec) > 0 {
		rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
	}
	seen := map[string]int{}
	for i, h := range rec {
		seen[h]++
		if n := seen[h]; n > 1 {
			rec[i] = h + "_" + strconv.Itoa(n)
		}
	}
	return rec, nil
}

// matchHeader finds want among headers: exactly, else ignoring case and
// surrounding space.
func matchHeader(headers []string, want string) (string, bool) {
	for _, h := range headers {
		if h == want {
			return h, true
		}
	}
	for _, h := range headers {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(want)) {
			return h, true
		}
	}
	return "", false
}

func visibleHeaders(h []string) []string {
	var out []string
	for _, x := range h {
		if x != lineColumn {
			out = append(out, x)
		}
	}
	return out
}

// closest suggests the header nearest to want by edit distance, if near enough.
func closest(want string, headers []string) string {
	best, bestD := "", 1<<30
	for _, h := range headers {
		if d := editDistance(strings.ToLower(want), strings.ToLower(h)); d < bestD {
			best, bestD = h, d
		}
	}
	if bestD <= max(2, len([]rune(want))/3) {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// rejectUnreadTail rejects, as one range, the lines DuckDB's reader left
// unread after a quote that is never closed (it ends the file there without
// an error: 13,000 lines once loaded as 499 rows). Each non-blank line after
// the quote's line counts as a rejected row, so the source's threshold
// sees the loss.
func (l *loader) rejectUnreadTail(ctx context.Context, name string, src *config.Source, f *stagedFile) error {
	fh, err := os.Open(f.readable)
	if err != nil {
		return err
	}
	var quoteLine int64
	err = scanFileRecords(fh, src.SkipLines, src.HasHeader(), delimiterOf(src, f), quoteOf(src, f), f.duckRejects, func(p recordPos) bool {
		if p.duckLine == f.unterminated {
			quoteLine = p.physLine
			return false
		}
		return true
	})
	fh.Close()
	if err != nil {
		return fmt.Errorf("locate unterminated quote: %w", err)
	}
	fh, err = os.Open(f.readable)
	if err != nil {
		return err
	}
	defer fh.Close()
	var phys, unread, last int64
	br := bufio.NewReaderSize(fh, 1<<20)
	for {
		line, rerr := br.ReadString('\n')
		if line != "" {
			phys++
			if phys > quoteLine && strings.TrimSpace(line) != "" {
				unread++
				last = phys
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("count unread lines: %w", rerr)
		}
	}
	if unread == 0 || quoteLine == 0 {
		return nil // the quote's record was the file's last
	}
	f.unread = unread
	f.RowsRead += unread
	reason := fmt.Sprintf("not read: %d line(s), %d to %d, follow a quote opened on line %d that is never closed; close that quote (or set sources.%s.quote) and run again",
		unread, quoteLine+1, last, quoteLine, name)
	return l.exec(ctx, fmt.Sprintf("INSERT INTO rej_%s VALUES (NULL, ?, ?, NULL, NULL, NULL, NULL, ?)", name), f.Path, quoteLine+1, reason)
}

// quoteOf is the byte that quotes fields of a staged CSV.
func quoteOf(src *config.Source, f *stagedFile) byte {
	if f.xlsx || src.Quote == "" {
		return '"'
	}
	return src.Quote[0]
}

// loadLookups reads every lookup file into a temporary table of its name on
// the load's connection, so the transforms that follow can join it. Each is
// fingerprinted like a source's file; a row DuckDB's reader cannot split
// fails the run (a lookup has no rejects table and no threshold: a dropped
// row would silently drop the joined rows).
func (l *loader) loadLookups(ctx context.Context) ([]LookupLoad, error) {
	var out []LookupLoad
	for i, name := range l.cfg.LookupNames() {
		lk := l.cfg.Lookups[name]
		src := &config.Source{Format: "csv", Encoding: lk.Encoding, Delimiter: lk.Delimiter, Quote: `"`}
		path := lookupPath(l.cfg, lk)
		f, fingerprinted, err := l.prepare("lookup_"+name, src, path, i)
		if err == nil {
			err = fingerprinted()
		}
		var from string
		if err == nil {
			from, _, err = l.exportFrom(ctx, src, f)
		}
		if err == nil {
			err = l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT * FROM %s", quoteIdent(name), from))
		}
		if err != nil {
			return nil, fmt.Errorf("lookup %s: %s: %w", name, path, err)
		}
		var bad int64
		var line sql.NullInt64
		var msg sql.NullString
		if err := l.conn.QueryRowContext(ctx, `SELECT count(*), min(line), any_value(error_message) FROM accord_csv_errors`).Scan(&bad, &line, &msg); err != nil {
			return nil, fmt.Errorf("lookup %s: %w", name, err)
		}
		if bad > 0 {
			return nil, fmt.Errorf("lookup %s: %s line %d: %s (%d rows could not be read)", name, path, line.Int64, msg.String, bad)
		}
		n, err := l.count(ctx, "SELECT count(*) FROM "+quoteIdent(name))
		if err != nil {
			return nil, fmt.Errorf("lookup %s: %w", name, err)
		}
		f.RowsRead, f.Loaded, f.LoadedKnown = n, n, true
		out = append(out, LookupLoad{Name: name, File: f.FileLoad})
	}
	return out, nil
}

// LookupLoad is what a run read from one lookup file.
type LookupLoad struct {
	Name string
	File FileLoad
}

// topReasons are the source's three most frequent reject reasons.
func (l *loader) topReasons(ctx context.Context, name string) ([]ReasonCount, error) {
	rows, err := l.conn.QueryContext(ctx, fmt.Sprintf(
		`SELECT coalesce(column_name, 'row') || ': ' || reason, count(*) AS n FROM rej_%s GROUP BY ALL ORDER BY n DESC, 1 LIMIT 3`, name))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReasonCount
	for rows.Next() {
		var rc ReasonCount
		if err := rows.Scan(&rc.Reason, &rc.Rows); err != nil {
			return nil, err
		}
		out = append(out, rc)
	}
	return out, rows.Err()
}
