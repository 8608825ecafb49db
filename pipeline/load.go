package pipeline

import (
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
	"sort"
	"strconv"
	"strings"

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
	New      bool // no earlier run loaded a file with this content
}

// SourceLoad describes what a run loaded from one source.
type SourceLoad struct {
	Source     string
	Files      []FileLoad
	RowsRead   int64
	Loaded     int64
	Rejected   int64 // rows (not problems): a row with two bad cells counts once
	Duplicates int64 // exact duplicate rows dropped
	TopReasons []ReasonCount
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
}

type stagedFile struct {
	FileLoad
	readable string // UTF-8 CSV DuckDB reads
	xlsx     bool
	base     int64 // rowid of the file's first staged row
	// structural rejects (wrong column count...) by DuckDB line number
	duckRejects map[int64]bool
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
	_, err := l.conn.ExecContext(ctx, q, args...)
	return err
}

func (l *loader) count(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := l.conn.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// stage loads one source's files into temp table stg_<source> (all text),
// then types, checks and deduplicates it into clean_<source>, with every
// problem in rej_<source>.
func (l *loader) stage(ctx context.Context, name string) (SourceLoad, error) {
	src := l.cfg.Sources[name]
	table, _ := config.CanonicalTable(name)
	res := SourceLoad{Source: name}
	paths, err := expandFiles(l.cfg.Resolve(l.cfg.InputsDir), src.Files)
	if err != nil {
		return res, fmt.Errorf("source %s: %w", name, err)
	}
	var mapped []config.Column
	for _, c := range table.Columns {
		if src.Columns[c.Name] != "" {
			mapped = append(mapped, c)
		}
	}
	var cols []string
	for _, c := range mapped {
		cols = append(cols, quoteIdent(c.Name)+" VARCHAR")
	}
	stg, rej := "stg_"+name, "rej_"+name
	if err := l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (__file VARCHAR, __line BIGINT, %s)", stg, strings.Join(cols, ", "))); err != nil {
		return res, fmt.Errorf("source %s: create staging: %w", name, err)
	}
	if err := l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (__rid BIGINT, __file VARCHAR, __line BIGINT, __duck_line BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR)", rej)); err != nil {
		return res, fmt.Errorf("source %s: create rejects: %w", name, err)
	}
	var files []*stagedFile
	for i, p := range paths {
		f, err := l.stageFile(ctx, name, src, mapped, p, i)
		if err != nil {
			return res, err
		}
		files = append(files, f)
	}
	if err := l.check(ctx, name, src, table, mapped); err != nil {
		return res, fmt.Errorf("source %s: check: %w", name, err)
	}
	if err := l.assignLines(ctx, name, src, files); err != nil {
		return res, fmt.Errorf("source %s: locate rejects: %w", name, err)
	}
	return l.summarize(ctx, name, src, files, res)
}

func (l *loader) stageFile(ctx context.Context, name string, src *config.Source, mapped []config.Column, path string, idx int) (*stagedFile, error) {
	sum, size, err := fileSHA256(path)
	if err != nil {
		return nil, fmt.Errorf("source %s: read %s: %w", name, path, err)
	}
	f := &stagedFile{FileLoad: FileLoad{Path: path, SHA256: sum, Size: size, New: !l.seen[sum]}, readable: path}
	skip := src.SkipLines
	switch src.Format {
	case "xlsx":
		f.xlsx, f.Encoding = true, "xlsx"
		f.readable = filepath.Join(l.workDir, fmt.Sprintf("%s-%d.csv", name, idx))
		if err := xlsxToCSV(path, src.Sheet, src.SkipLines, f.readable); err != nil {
			return nil, fmt.Errorf("%s: source %s: %w", path, name, err)
		}
		skip = 0
	default:
		enc, err := fileEncoding(path, src.Encoding)
		if err != nil {
			return nil, fmt.Errorf("%s: detect encoding: %w", path, err)
		}
		f.Encoding = enc
		if enc != "utf-8" {
			f.readable = filepath.Join(l.workDir, fmt.Sprintf("%s-%d.csv", name, idx))
			if err := transcodeToUTF8(path, f.readable, enc); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	delim, quote := src.Delimiter, src.Quote
	if f.xlsx {
		delim, quote = ",", `"`
	}
	headers, err := readHeader(f.readable, skip, delim, quote)
	if err != nil {
		return nil, fmt.Errorf("%s: read header: %w", path, err)
	}
	var sel []string
	if f.xlsx {
		sel = append(sel, "TRY_CAST("+quoteIdent(lineColumn)+" AS BIGINT)")
	} else {
		sel = append(sel, "NULL")
	}
	for _, c := range mapped {
		h, ok := matchHeader(headers, src.Columns[c.Name])
		if !ok {
			return nil, &HeaderError{File: path, Source: name, Canonical: c.Name, Header: src.Columns[c.Name],
				Found: visibleHeaders(headers), Suggestion: closest(src.Columns[c.Name], visibleHeaders(headers))}
		}
		sel = append(sel, quoteIdent(h))
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
	base, err := l.count(ctx, "SELECT count(*) FROM stg_"+name)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", name, err)
	}
	// rowids of a temp table follow insertion order, so a staged row's
	// ordinal in its file is rowid - base + 1.
	if base > 0 {
		base, err = l.count(ctx, "SELECT max(rowid) + 1 FROM stg_"+name)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", name, err)
		}
	}
	f.base = base
	q := fmt.Sprintf(`INSERT INTO stg_%s SELECT %s, %s FROM read_csv(%s, header=true, auto_detect=false, columns={%s},
		delim=%s, quote=%s, escape=%s, skip=%d, store_rejects=true, rejects_table='accord_csv_errors', rejects_scan='accord_csv_scans'%s)`,
		name, quoteLit(path), strings.Join(sel, ", "), quoteLit(f.readable), strings.Join(colSpec, ", "),
		quoteLit(delim), quoteLit(quote), quoteLit(quote), skip, nullstr)
	if err := l.exec(ctx, q); err != nil {
		return nil, fmt.Errorf("%s: source %s: read: %w", path, name, err)
	}
	staged, err := l.count(ctx, fmt.Sprintf("SELECT count(*) FROM stg_%s WHERE __file = ?", name), path)
	if err != nil {
		return nil, err
	}
	if src.SkipFooterLines > 0 {
		drop := min(int64(src.SkipFooterLines), staged)
		if err := l.exec(ctx, fmt.Sprintf("DELETE FROM stg_%s WHERE __file = ? AND rowid >= ?", name), path, base+staged-drop); err != nil {
			return nil, fmt.Errorf("source %s: drop footer: %w", name, err)
		}
		staged -= drop
	}
	f.RowsRead = staged
	if err := l.collectCSVRejects(ctx, name, f); err != nil {
		return nil, fmt.Errorf("%s: source %s: %w", path, name, err)
	}
	return f, nil
}

// collectCSVRejects moves rows DuckDB's reader could not split (wrong number
// of columns, unterminated quotes) into the source's rejects.
func (l *loader) collectCSVRejects(ctx context.Context, name string, f *stagedFile) error {
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
		reason := "malformed row: " + strings.SplitN(s.error, "\n", 2)[0]
		if err := l.exec(ctx, fmt.Sprintf("INSERT INTO rej_%s VALUES (NULL, ?, NULL, ?, ?, ?, ?)", name), f.Path, s.line, nullIfEmpty(s.col), truncate(s.value, 500), reason); err != nil {
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// readHeader reads the header record of a UTF-8 CSV after skip lines, with
// duplicate names made unique the way a person would number them
// ("Variant", "Variant_2").
func readHeader(path string, skip int, delim, quote string) ([]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r := newLineSkipper(fh, skip)
	cr := csv.NewReader(r)
	cr.Comma = []rune(delim)[0]
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	if quote != `"` {
		// encoding/csv only knows '"'; a header rarely needs quoting.
		cr.LazyQuotes = true
	}
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

type lineSkipper struct {
	r    io.Reader
	skip int
	buf  [1]byte
}

func newLineSkipper(r io.Reader, skip int) io.Reader {
	if skip == 0 {
		return r
	}
	return &lineSkipper{r: r, skip: skip}
}

func (s *lineSkipper) Read(p []byte) (int, error) {
	for s.skip > 0 {
		if _, err := s.r.Read(s.buf[:]); err != nil {
			return 0, err
		}
		if s.buf[0] == '\n' {
			s.skip--
		}
	}
	return s.r.Read(p)
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
