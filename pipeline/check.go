package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/accordhq/accord/config"
)

// typedExpr is the SQL that turns a staged text column into its canonical type.
func typedExpr(c config.Column, raw string, src *config.Source) string {
	switch c.Type {
	case config.Integer:
		return fmt.Sprintf("(CASE WHEN accord_number(%[1]s) = trunc(accord_number(%[1]s)) THEN TRY_CAST(accord_number(%[1]s) AS BIGINT) END)", raw)
	case config.Money:
		return fmt.Sprintf("TRY_CAST(accord_number(%s) AS DECIMAL(18,2))", raw)
	case config.Quantity:
		return fmt.Sprintf("TRY_CAST(accord_number(%s) AS DECIMAL(18,4))", raw)
	case config.Date, config.Timestamp:
		format := "NULL::VARCHAR"
		if f := src.DateFormats[c.Name]; f != "" {
			format = quoteLit(f)
		}
		e := fmt.Sprintf("accord_timestamp(%s, %s)", raw, format)
		if c.Type == config.Date {
			e = "CAST(" + e + " AS DATE)"
		}
		return e
	default:
		if len(c.Enum) > 0 {
			return fmt.Sprintf("lower(accord_text(%s))", raw)
		}
		return fmt.Sprintf("accord_text(%s)", raw)
	}
}

func describeType(c config.Column) string {
	switch c.Type {
	case config.Integer:
		return "a whole number"
	case config.Money, config.Quantity:
		return "a number"
	case config.Date:
		return "a date (ISO, Y/M/D, D.M.Y, 年月日 or an Excel serial; set date_formats." + c.Name + " for others)"
	case config.Timestamp:
		return "a date and time (ISO, Y/M/D, D.M.Y, 年月日 or an Excel serial; set date_formats." + c.Name + " for others)"
	}
	return "text"
}

// AmbiguousDateError reports a date column whose values could be day-first
// or month-first: Accord does not guess.
type AmbiguousDateError struct {
	Source, Column, File, Example string
}

func (e *AmbiguousDateError) Error() string {
	return fmt.Sprintf("%s: column %s has dates like %q whose day/month order is ambiguous; set sources.%s.date_formats.%s to \"%%m/%%d/%%Y\" or \"%%d/%%m/%%Y\"",
		e.File, e.Column, e.Example, e.Source, e.Column)
}

// ambiguousDate is a SQL condition on %[1]s: N/N/YYYY or N-N-YYYY with both
// N from 1 to 12, so either could be the month. (31/31/2026 is no date at
// all, and is rejected row by row.)
const ambiguousDate = `regexp_full_match(trim(%[1]s), '\d{1,2}[/-]\d{1,2}[/-]\d{2,4}([ T].*)?')
	AND TRY_CAST(regexp_extract(trim(%[1]s), '^(\d{1,2})', 1) AS INTEGER) BETWEEN 1 AND 12
	AND TRY_CAST(regexp_extract(trim(%[1]s), '^\d{1,2}[/-](\d{1,2})', 1) AS INTEGER) BETWEEN 1 AND 12`

func (l *loader) checkAmbiguousDates(ctx context.Context, name string, src *config.Source, c config.Column) error {
	if (c.Type != config.Date && c.Type != config.Timestamp) || src.DateFormats[c.Name] != "" {
		return nil
	}
	var file, example sql.NullString
	cond := fmt.Sprintf(ambiguousDate, quoteIdent(c.Name))
	err := l.conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT __file, %s FROM stg_%s WHERE %s LIMIT 1`,
		quoteIdent(c.Name), name, cond)).Scan(&file, &example)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("column %s: %w", c.Name, err)
	}
	return &AmbiguousDateError{Source: name, Column: c.Name, File: file.String, Example: example.String}
}

// rejectReason is a SQL CASE giving why a staged value is unusable, or NULL.
func rejectReason(c config.Column, raw, typed string) string {
	var whens []string
	if c.Required {
		whens = append(whens, fmt.Sprintf("WHEN accord_text(%s) IS NULL THEN 'required value is empty'", raw))
	}
	if c.Type != config.Text {
		whens = append(whens, fmt.Sprintf("WHEN accord_text(%s) IS NOT NULL AND %s IS NULL THEN %s", raw, typed, quoteLit("cannot read as "+describeType(c))))
	}
	if len(c.Enum) > 0 {
		var lits []string
		for _, e := range c.Enum {
			lits = append(lits, quoteLit(e))
		}
		whens = append(whens, fmt.Sprintf("WHEN %s NOT IN (%s) THEN %s", typed, strings.Join(lits, ", "), quoteLit("not one of: "+strings.Join(c.Enum, ", "))))
	}
	if c.Min != nil {
		whens = append(whens, fmt.Sprintf("WHEN %s < %d THEN %s", typed, *c.Min, quoteLit(fmt.Sprintf("below the minimum of %d", *c.Min))))
	}
	if c.Max != nil {
		whens = append(whens, fmt.Sprintf("WHEN %s > %d THEN %s", typed, *c.Max, quoteLit(fmt.Sprintf("above the maximum of %d", *c.Max))))
	}
	if len(whens) == 0 {
		return ""
	}
	return "CASE " + strings.Join(whens, " ") + " END"
}

// check types the staged rows into typed_<source>, records every unusable
// value in rej_<source>, drops exact duplicates and rejects conflicting
// ones (same key, different values), leaving clean_<source>.
func (l *loader) check(ctx context.Context, name string, src *config.Source, table config.Table, mapped []config.Column) error {
	isMapped := map[string]bool{}
	for _, c := range mapped {
		isMapped[c.Name] = true
		if err := l.checkAmbiguousDates(ctx, name, src, c); err != nil {
			return err
		}
	}
	// Each value is typed once: the inner projection types every mapped
	// column; the outer one derives reject reasons from the raw and typed
	// values side by side, keeping the raw text only where it is rejected.
	var inner, outer, names, typedNames []string
	var problems []config.Column
	for _, c := range table.Columns {
		names = append(names, quoteIdent(c.Name))
		typed := quoteIdent("t:" + c.Name)
		typedNames = append(typedNames, typed+" AS "+quoteIdent(c.Name))
		if !isMapped[c.Name] {
			inner = append(inner, fmt.Sprintf("CAST(NULL AS %s) AS %s", sqlType(c.Type), typed))
			continue
		}
		inner = append(inner, quoteIdent(c.Name), fmt.Sprintf("CAST(%s AS %s) AS %s", typedExpr(c, quoteIdent(c.Name), src), sqlType(c.Type), typed))
		if reason := rejectReason(c, quoteIdent(c.Name), typed); reason != "" {
			outer = append(outer, reason+" AS "+quoteIdent("r:"+c.Name))
			problems = append(problems, c)
		}
	}
	outer = append(outer, "__rid", "__file", "__line", "__record")
	outer = append(outer, typedNames...)
	for _, c := range problems {
		outer = append(outer, fmt.Sprintf("CASE WHEN %s IS NOT NULL THEN %s END AS %s",
			quoteIdent("r:"+c.Name), quoteIdent(c.Name), quoteIdent("v:"+c.Name)))
	}
	stg, rej := "stg_"+name, "rej_"+name
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE typed_%s AS SELECT %s FROM (SELECT rowid AS __rid, __file, __line, __record, %s FROM %s)`,
		name, strings.Join(outer, ", "), strings.Join(inner, ", "), stg)
	if err := l.exec(ctx, q); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	var anyProblem []string
	for _, c := range problems {
		q := fmt.Sprintf(`INSERT INTO %s SELECT __rid, __file, __line, __record, NULL, %s, %s, %s FROM typed_%s WHERE %s IS NOT NULL`,
			rej, quoteLit(c.Name), quoteIdent("v:"+c.Name), quoteIdent("r:"+c.Name), name, quoteIdent("r:"+c.Name))
		if err := l.exec(ctx, q); err != nil {
			return fmt.Errorf("column %s: %w", c.Name, err)
		}
		anyProblem = append(anyProblem, quoteIdent("r:"+c.Name)+" IS NULL")
	}
	good := "true"
	if len(anyProblem) > 0 {
		good = strings.Join(anyProblem, " AND ")
	}
	var keys []string
	for _, k := range table.Key {
		keys = append(keys, quoteIdent(k))
	}
	keyList := strings.Join(keys, ", ")
	sameKey := func(a, b string) string {
		var eq []string
		for _, k := range keys {
			eq = append(eq, a+"."+k+" = "+b+"."+k)
		}
		return strings.Join(eq, " AND ")
	}
	q = fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE clean_%[1]s AS
		SELECT min(__rid) AS __rid, count(*) AS __copies, %[2]s
		FROM typed_%[1]s WHERE %[3]s
		GROUP BY ALL`, name, strings.Join(names, ", "), good)
	if err := l.exec(ctx, q); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	if err := l.exec(ctx, "DROP TABLE typed_"+name); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	// Same key, different values: neither copy can be trusted. After exact
	// duplicates are collapsed, a key that still repeats is such a conflict;
	// a narrow aggregation on the key finds them.
	q = fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE conflicts_%[1]s AS
		SELECT %[2]s, count(*) AS n FROM clean_%[1]s GROUP BY %[2]s HAVING count(*) > 1`, name, keyList)
	if err := l.exec(ctx, q); err != nil {
		return fmt.Errorf("conflicting duplicates: %w", err)
	}
	var cKeys []string
	for _, k := range keys {
		cKeys = append(cKeys, "c."+k)
	}
	keyText := "concat_ws(' / ', " + strings.Join(cKeys, ", ") + ")"
	q = fmt.Sprintf(`INSERT INTO %[1]s
		SELECT c.__rid, s.__file, s.__line, s.__record, NULL, %[2]s, %[3]s,
		       'conflicting duplicate: ' || k.n || ' rows share this key with different values'
		FROM clean_%[4]s c JOIN conflicts_%[4]s k ON %[5]s
		JOIN %[6]s s ON s.rowid = c.__rid`, rej, quoteLit(strings.Join(table.Key, ", ")), keyText, name, sameKey("k", "c"), stg)
	if err := l.exec(ctx, q); err != nil {
		return fmt.Errorf("conflicting duplicates: %w", err)
	}
	q = fmt.Sprintf(`DELETE FROM clean_%s WHERE __rid IN (SELECT __rid FROM %s WHERE __rid IS NOT NULL)`, name, rej)
	if err := l.exec(ctx, q); err != nil {
		return fmt.Errorf("drop conflicting duplicates: %w", err)
	}
	return nil
}

// assignLines gives every reject its physical line: XLSX rows carry their
// Excel row number; Parquet rows and JSON lines their record number; CSV
// rejects are located by one scan of the file, read only as far as its last
// reject. A transform's rows have a line only if it passed __record through.
func (l *loader) assignLines(ctx context.Context, name string, src *config.Source, files []*stagedFile) error {
	transformed := src.Transform != ""
	for _, f := range files {
		if f.xlsx {
			continue
		}
		ordExpr := "coalesce(__record, __rid - ? + 1)"
		args := []any{f.base, f.Path}
		if transformed {
			ordExpr, args = "__record", []any{f.Path}
		}
		if f.ordinalLines {
			q := fmt.Sprintf("UPDATE rej_%s SET __line = %s WHERE __file = ? AND __line IS NULL", name, ordExpr)
			if err := l.exec(ctx, q, args...); err != nil { // ordExpr's ? comes first
				return err
			}
			continue
		}
		rows, err := l.conn.QueryContext(ctx, fmt.Sprintf(
			`SELECT DISTINCT coalesce(%s, 0), coalesce(__duck_line, 0) FROM rej_%s WHERE __file = ? AND __line IS NULL`, ordExpr, name), args...)
		if err != nil {
			return err
		}
		wantOrd, wantDuck := map[int64]bool{}, map[int64]bool{}
		for rows.Next() {
			var ord, duck int64
			if err := rows.Scan(&ord, &duck); err != nil {
				rows.Close()
				return err
			}
			if ord > 0 {
				wantOrd[ord] = true
			}
			if duck > 0 {
				wantDuck[duck] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(wantOrd)+len(wantDuck) == 0 {
			continue
		}
		byOrd, byDuck := map[int64]int64{}, map[int64]int64{}
		fh, err := os.Open(f.readable)
		if err != nil {
			return err
		}
		remaining := len(wantOrd) + len(wantDuck)
		err = scanRecords(fh, src.SkipLines, delimiterOf(src, f), src.Quote[0], f.duckRejects, func(p recordPos) bool {
			if p.ord > 0 && wantOrd[p.ord] {
				byOrd[p.ord] = p.physLine
				remaining--
			}
			if wantDuck[p.duckLine] {
				byDuck[p.duckLine] = p.physLine
				remaining--
			}
			return remaining > 0
		})
		fh.Close()
		if err != nil {
			return err
		}
		if err := l.exec(ctx, "CREATE OR REPLACE TEMP TABLE accord_line_map (kind VARCHAR, k BIGINT, line BIGINT)"); err != nil {
			return err
		}
		if err := l.insertLineMap(ctx, "ord", byOrd); err != nil {
			return err
		}
		if err := l.insertLineMap(ctx, "duck", byDuck); err != nil {
			return err
		}
		q := fmt.Sprintf(`UPDATE rej_%[1]s r SET __line = m.line FROM accord_line_map m
			WHERE r.__file = ? AND r.__line IS NULL AND (
			  (m.kind = 'ord' AND r.__duck_line IS NULL AND m.k = %[2]s) OR
			  (m.kind = 'duck' AND r.__rid IS NULL AND m.k = r.__duck_line))`, name, strings.ReplaceAll(strings.ReplaceAll(ordExpr, "__record", "r.__record"), "__rid", "r.__rid"))
		updateArgs := []any{f.Path}
		if !transformed {
			updateArgs = append(updateArgs, f.base)
		}
		if err := l.exec(ctx, q, updateArgs...); err != nil {
			return err
		}
	}
	return nil
}

// delimiterOf is the byte that separates fields of a staged CSV.
func delimiterOf(src *config.Source, f *stagedFile) byte {
	if f.xlsx || src.Delimiter == "" {
		return ','
	}
	return src.Delimiter[0]
}

func (l *loader) insertLineMap(ctx context.Context, kind string, m map[int64]int64) error {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for len(keys) > 0 {
		n := min(len(keys), 500)
		var vals []string
		for _, k := range keys[:n] {
			vals = append(vals, fmt.Sprintf("(%s, %d, %d)", quoteLit(kind), k, m[k]))
		}
		if err := l.exec(ctx, "INSERT INTO accord_line_map VALUES "+strings.Join(vals, ", ")); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// summarize counts per file and source and enforces the reject threshold.
func (l *loader) summarize(ctx context.Context, name string, src *config.Source, files []*stagedFile, res SourceLoad) (SourceLoad, error) {
	for _, f := range files {
		n, err := l.count(ctx, fmt.Sprintf(
			`SELECT count(DISTINCT coalesce(__rid::VARCHAR, 'line ' || __duck_line)) FROM rej_%s WHERE __file = ?`, name), f.Path)
		if err != nil {
			return res, err
		}
		f.Rejected = n
		res.Files = append(res.Files, f.FileLoad)
		res.RowsRead += f.RowsRead
		res.Rejected += n
	}
	var err error
	if res.Loaded, err = l.count(ctx, "SELECT count(*) FROM clean_"+name); err != nil {
		return res, err
	}
	var dups int64
	if dups, err = l.count(ctx, "SELECT coalesce(sum(__copies - 1), 0) FROM clean_"+name); err != nil {
		return res, err
	}
	res.Duplicates += dups // a transform's duplicate events are counted before it ran
	rows, err := l.conn.QueryContext(ctx, fmt.Sprintf(
		`SELECT coalesce(column_name, 'row') || ': ' || reason, count(*) AS n FROM rej_%s GROUP BY ALL ORDER BY n DESC, 1 LIMIT 3`, name))
	if err != nil {
		return res, err
	}
	defer rows.Close()
	for rows.Next() {
		var rc ReasonCount
		if err := rows.Scan(&rc.Reason, &rc.Rows); err != nil {
			return res, err
		}
		res.TopReasons = append(res.TopReasons, rc)
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	if res.RowsRead > 0 && float64(res.Rejected)/float64(res.RowsRead) > src.Threshold() {
		return res, &ThresholdError{Source: name, Rejected: res.Rejected, Read: res.RowsRead, Threshold: src.Threshold(), Top: res.TopReasons}
	}
	return res, nil
}
