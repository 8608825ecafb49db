package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/accordhq/accord/config"
)

// Fast paths for numbers as most exports write them. accord_number (two
// regular-expression replaces, a full match and DECIMAL(36,10)
// arithmetic) is ~100× a plain cast; these conditions pick the values a
// plain cast reads exactly as accord_number would, and everything else takes
// the general path. FuzzNumber checks both paths against one reference.
//
// plainInteger: only digits and minus signs (a cast rejects a misplaced
// sign, as accord_number does; a dot is excluded because the BIGINT cast
// rounds 1.5 where accord_number rejects it).
// plainDecimal: digits, minus signs and dots, not ending in a dot (the cast
// reads "5." and accord_number does not), with at most 10 decimals (beyond,
// accord_number rounds to 10 first, and rounding twice can differ).
//
// groupedInteger, groupedDecimal: the same with thousands separators, as
// finance exports write money (155,977.27): the commas are dropped and the
// rest cast. One regular expression, against accord_number's seven.
const (
	groupedInteger = `regexp_full_match(%[1]s, '-?\d{1,3}(,\d{3})+')`
	groupedDecimal = `regexp_full_match(%[1]s, '-?\d{1,3}(,\d{3})+(\.\d{1,10})?')`
	plainInteger   = "ltrim(%[1]s, '-0123456789') = ''"
	plainDecimal   = "(ltrim(%[1]s, '-0123456789.') = '' AND NOT suffix(%[1]s, '.') " +
		"AND (instr(%[1]s, '.') = 0 OR length(%[1]s) - instr(%[1]s, '.') <= 10))"
)

// typedExpr is the SQL that turns a staged text column into its canonical type.
func typedExpr(c config.Column, raw string, src *config.Source) string {
	switch c.Type {
	case config.Integer:
		return fmt.Sprintf("(CASE WHEN "+plainInteger+" THEN TRY_CAST(%[1]s AS BIGINT) "+
			"WHEN "+groupedInteger+" THEN TRY_CAST(replace(%[1]s, ',', '') AS BIGINT) "+
			"WHEN accord_number(%[1]s) = trunc(accord_number(%[1]s)) THEN TRY_CAST(accord_number(%[1]s) AS BIGINT) END)", raw)
	case config.Money:
		return fmt.Sprintf("(CASE WHEN "+plainDecimal+" THEN TRY_CAST(%[1]s AS DECIMAL(18,2)) "+
			"WHEN "+groupedDecimal+" THEN TRY_CAST(replace(%[1]s, ',', '') AS DECIMAL(18,2)) "+
			"ELSE TRY_CAST(accord_number(%[1]s) AS DECIMAL(18,2)) END)", raw)
	case config.Quantity:
		return fmt.Sprintf("(CASE WHEN "+plainDecimal+" THEN TRY_CAST(%[1]s AS DECIMAL(18,4)) "+
			"WHEN "+groupedDecimal+" THEN TRY_CAST(replace(%[1]s, ',', '') AS DECIMAL(18,4)) "+
			"ELSE TRY_CAST(accord_number(%[1]s) AS DECIMAL(18,4)) END)", raw)
	case config.Date, config.Timestamp:
		e := fmt.Sprintf("accord_timestamp(%s, NULL::VARCHAR)", raw)
		if formats := src.DateFormats[c.Name]; len(formats) > 0 {
			// One accord_timestamp per format, not try_strptime's list form:
			// the list takes the first format that parses at all, so with
			// [%m/%d/%Y, %m/%d/%y] it reads 2/20/11 as the year 11 under %Y;
			// accord_timestamp refuses a year below 1000 and the next
			// format gets its turn.
			var each []string
			for _, f := range formats {
				each = append(each, fmt.Sprintf("accord_timestamp(%s, %s)", raw, quoteLit(f)))
			}
			e = each[0]
			if len(each) > 1 {
				e = "coalesce(" + strings.Join(each, ", ") + ")"
			}
		}
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

// unreadableDate is the SQL text of why a value of a date column with
// configured formats did not type: the formats tried, and, when one of them
// read it with a year below 1000 (%Y takes the 11 of 2/20/11 as the year
// 0011), that the year is short. It runs only on values that did not type.
func unreadableDate(raw string, formats []string) string {
	under := formats[0]
	if len(formats) > 1 {
		under = strings.Join(formats[:len(formats)-1], ", ") + " or " + formats[len(formats)-1]
	}
	msg := "cannot read as a date under " + under
	var years []string
	for _, f := range formats {
		y := fmt.Sprintf("year(try_strptime(trim(%s), %s))", raw, quoteLit(f))
		years = append(years, fmt.Sprintf("CASE WHEN %[1]s < 1000 THEN %[1]s END", y))
	}
	short := "coalesce(" + strings.Join(years, ", ") + ")"
	return fmt.Sprintf("CASE WHEN %[1]s IS NOT NULL THEN %[2]s || lpad(CAST(%[1]s AS VARCHAR), 4, '0') || %[3]s ELSE %[4]s END",
		short, quoteLit(msg+": year "), quoteLit(" has fewer than four digits (use %y for two-digit years)"), quoteLit(msg))
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
	monthFirst, dayFirst, timeRead := ambiguousFormats(e.Example)
	var clock string
	if !timeRead {
		clock = ", each followed by the format of its time of day"
	}
	return fmt.Sprintf("%s: column %s has dates like %q whose day/month order is ambiguous; set sources.%s.date_formats.%s to %q or %q%s",
		e.File, e.Column, e.Example, e.Source, e.Column, monthFirst, dayFirst, clock)
}

var (
	ambiguousDateShape = regexp.MustCompile(`^(\d{1,2})([/-])(\d{1,2})([/-])(\d+)(.*)$`)
	ambiguousTimeShape = regexp.MustCompile(`^([ T])\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?(\s*)([AaPp][Mm])?$`)
)

// ambiguousFormats are the two formats that could read example (a value
// ambiguousDate matched), month first and day first: its separators, its
// year's width and its time of day, so that the suggestion, pasted into the
// config, reads the column (a date-only format rejects "03/04/2026 14:05").
// A time part of another shape is left for the user: timeRead is false.
func ambiguousFormats(example string) (monthFirst, dayFirst string, timeRead bool) {
	m := ambiguousDateShape.FindStringSubmatch(strings.TrimSpace(example))
	if m == nil {
		return "%m/%d/%Y", "%d/%m/%Y", true
	}
	timeRead = true
	year := "%Y"
	if len(m[5]) == 2 {
		year = "%y"
	}
	var clock string
	if rest := m[6]; rest != "" {
		t := ambiguousTimeShape.FindStringSubmatch(rest)
		switch {
		case t == nil:
			timeRead = false
		default:
			hour := "%H"
			if t[5] != "" {
				hour = "%I"
			}
			clock = t[1] + hour + ":%M"
			if t[2] != "" {
				clock += ":%S"
			}
			if t[3] != "" {
				clock += ".%f"
			}
			if t[5] != "" {
				clock += t[4] + "%p"
			}
		}
	}
	monthFirst = "%m" + m[2] + "%d" + m[4] + year + clock
	dayFirst = "%d" + m[2] + "%m" + m[4] + year + clock
	return monthFirst, dayFirst, timeRead
}

// ambiguousDate is a SQL condition on %[1]s: N/N/YYYY or N-N-YYYY with both
// N from 1 to 12, so either could be the month. (31/31/2026 is no date at
// all, and is rejected row by row.)
const ambiguousDate = `regexp_full_match(trim(%[1]s), '\d{1,2}[/-]\d{1,2}[/-]\d{2,4}([ T].*)?')
	AND TRY_CAST(regexp_extract(trim(%[1]s), '^(\d{1,2})', 1) AS INTEGER) BETWEEN 1 AND 12
	AND TRY_CAST(regexp_extract(trim(%[1]s), '^\d{1,2}[/-](\d{1,2})', 1) AS INTEGER) BETWEEN 1 AND 12`

// checkAmbiguousDates fails on a date column, without a configured format,
// holding a value that could be day-first or month-first. Such a value never
// types (no default format reads it), so only the column's rejects are
// searched.
func (l *loader) checkAmbiguousDates(ctx context.Context, t *typedLayout) error {
	for _, c := range t.mapped {
		if (c.Type != config.Date && c.Type != config.Timestamp) || len(t.src.DateFormats[c.Name]) > 0 {
			continue
		}
		var file, example sql.NullString
		err := l.conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT __file, value FROM rej_%s WHERE column_name = ? AND %s ORDER BY __rid LIMIT 1`,
			t.name, fmt.Sprintf(ambiguousDate, "value")), c.Name).Scan(&file, &example)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("column %s: %w", c.Name, err)
		}
		return &AmbiguousDateError{Source: t.name, Column: c.Name, File: file.String, Example: example.String}
	}
	return nil
}

// rejectReason is a SQL CASE giving why a staged value is unusable, or NULL.
// Most values type, so that case is decided first, on the typed value alone;
// the raw text is looked at only when the value did not type.
func rejectReason(c config.Column, src *config.Source, raw, typed string) string {
	var empty, unreadable string
	if c.Required {
		empty = "'required value is empty'"
	}
	if formats := src.DateFormats[c.Name]; len(formats) > 0 && (c.Type == config.Date || c.Type == config.Timestamp) {
		unreadable = unreadableDate(raw, formats)
	} else if c.Type != config.Text {
		unreadable = quoteLit("cannot read as " + describeType(c))
	}
	var whens []string
	switch {
	case empty != "" && unreadable != "":
		whens = append(whens, fmt.Sprintf("WHEN %s IS NULL THEN CASE WHEN accord_text(%s) IS NULL THEN %s ELSE %s END", typed, raw, empty, unreadable))
	case empty != "" && c.Type == config.Text:
		whens = append(whens, fmt.Sprintf("WHEN %s IS NULL THEN %s", typed, empty)) // text types to NULL only when empty
	case empty != "":
		whens = append(whens, fmt.Sprintf("WHEN %s IS NULL AND accord_text(%s) IS NULL THEN %s", typed, raw, empty))
	case unreadable != "":
		whens = append(whens, fmt.Sprintf("WHEN %s IS NULL AND accord_text(%s) IS NOT NULL THEN %s", typed, raw, unreadable))
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

// typedLayout is the shape of accord_staged_<source>: the canonical columns,
// typed (NULL where unmapped), then pass-through columns (meta), then
// __problems: NULL on a good row, else the list of its rejected values
// (column, raw text, reason). One column holds them all: every column
// written costs time, even one that is nearly all NULL. Its rowids follow
// the files' records in order.
type typedLayout struct {
	name     string
	src      *config.Source
	table    config.Table
	mapped   []config.Column
	meta     []string // __line (XLSX), or __file, __line, __record (transform)
	problems []config.Column
}

func newTypedLayout(name string, src *config.Source, table config.Table, mapped []config.Column, meta []string) *typedLayout {
	t := &typedLayout{name: name, src: src, table: table, mapped: mapped, meta: meta}
	for _, c := range mapped {
		if rejectReason(c, src, "x", "x") != "" {
			t.problems = append(t.problems, c)
		}
	}
	return t
}

// stagedTable is where a source's rows are typed and checked, beside its
// canonical table; the run's transaction turns it into that table.
func stagedTable(source string) string { return "accord_staged_" + source }

func (t *typedLayout) tableName() string { return stagedTable(t.name) }

const problemsType = `STRUCT("column" VARCHAR, value VARCHAR, reason VARCHAR)[]`

func metaType(col string) string {
	if col == "__file" {
		return "VARCHAR"
	}
	return "BIGINT"
}

// ddl creates the staged table: the canonical columns in their order (NULL
// where unmapped), so that dropping the rest leaves the canonical table.
func (t *typedLayout) ddl() string {
	var cols []string
	for _, c := range t.table.Columns {
		cols = append(cols, quoteIdent(c.Name)+" "+sqlType(c.Type))
	}
	for _, m := range t.meta {
		cols = append(cols, m+" "+metaType(m))
	}
	cols = append(cols, "__problems "+problemsType)
	return fmt.Sprintf("CREATE OR REPLACE TABLE %s (%s)", t.tableName(), strings.Join(cols, ", "))
}

// insert is the statement typing the rows of rel (its meta columns and the
// mapped columns' text, named like them) into the staged table. Each value is
// typed once: the inner projection types every mapped column, the middle one
// derives reject reasons from the raw and typed values side by side, and the
// outer one keeps the raw text of a rejected value, with its reason, in
// __problems.
func (t *typedLayout) insert(rel string) string {
	inner := slices.Clone(t.meta)
	mid := slices.Clone(t.meta)
	var outer []string
	isMapped := map[string]bool{}
	for _, c := range t.mapped {
		isMapped[c.Name] = true
		typed := quoteIdent("t:" + c.Name)
		inner = append(inner, quoteIdent(c.Name), fmt.Sprintf("CAST(%s AS %s) AS %s", typedExpr(c, quoteIdent(c.Name), t.src), sqlType(c.Type), typed))
		mid = append(mid, quoteIdent(c.Name), typed)
	}
	for _, c := range t.problems {
		mid = append(mid, rejectReason(c, t.src, quoteIdent(c.Name), quoteIdent("t:"+c.Name))+" AS "+quoteIdent("r:"+c.Name))
	}
	for _, c := range t.table.Columns {
		if isMapped[c.Name] {
			outer = append(outer, quoteIdent("t:"+c.Name))
		} else {
			outer = append(outer, fmt.Sprintf("CAST(NULL AS %s)", sqlType(c.Type)))
		}
	}
	outer = append(outer, t.meta...)
	if len(t.problems) == 0 {
		outer = append(outer, "NULL")
	} else {
		var items []string
		for _, c := range t.problems {
			items = append(items, fmt.Sprintf(`{'column': %s, 'value': %s, 'reason': %s}`, quoteLit(c.Name), quoteIdent(c.Name), quoteIdent("r:"+c.Name)))
		}
		outer = append(outer, fmt.Sprintf("CASE WHEN %s THEN list_filter([%s], lambda p: p.reason IS NOT NULL) END", t.bad(), strings.Join(items, ", ")))
	}
	return fmt.Sprintf("INSERT INTO %s SELECT %s FROM (SELECT %s FROM (SELECT %s FROM %s))", t.tableName(),
		strings.Join(outer, ", "), strings.Join(mid, ", "), strings.Join(inner, ", "), rel)
}

// bad is the condition on a staged row that one of its values is rejected.
func (t *typedLayout) bad() string {
	var conds []string
	for _, c := range t.problems {
		conds = append(conds, quoteIdent("r:"+c.Name)+" IS NOT NULL")
	}
	if len(conds) == 0 {
		return "false"
	}
	return strings.Join(conds, " OR ")
}

// where gives the file, line and record of a typed row: a transform's rows
// carry them; a file's rows are told apart by their rowids.
func (t *typedLayout) where(files []*stagedFile) (file, line, record string) {
	line, record = "NULL", "NULL"
	if slices.Contains(t.meta, "__line") {
		line = "__line"
	}
	if slices.Contains(t.meta, "__file") {
		return "__file", line, "__record"
	}
	if len(files) == 0 {
		return "NULL", line, record
	}
	file = quoteLit(files[len(files)-1].Path)
	for i := len(files) - 2; i >= 0; i-- {
		file = fmt.Sprintf("CASE WHEN rowid < %d THEN %s ELSE %s END", files[i+1].base, quoteLit(files[i].Path), file)
	}
	return file, line, record
}

// check records every unusable value of the staged table in rej_<source>,
// fails on ambiguous dates and deletes the rows not to load (rejected ones,
// duplicate copies): what is left is what the run loads, in file order. It
// returns how many exact duplicate rows it dropped.
//
// Exact duplicates (same values throughout) are settled by the source's
// duplicates policy (settleDuplicates); conflicting ones (same key,
// different values) are not loaded at all, each row rejected. Few
// keys repeat, so the repeated hashes of the key, found by sorting the
// hashes, give the candidates, and only their rows are compared whole.
func (l *loader) check(ctx context.Context, t *typedLayout, files []*stagedFile) (int64, error) {
	typed, rej, name := t.tableName(), "rej_"+t.name, t.name
	fileExpr, lineExpr, recordExpr := t.where(files)
	q := fmt.Sprintf(`INSERT INTO %s SELECT __rid, __file, __line, __record, NULL, p."column", p.value, p.reason
		FROM (SELECT rowid AS __rid, %s AS __file, %s AS __line, %s AS __record, unnest(__problems) AS p
		      FROM %s WHERE __problems IS NOT NULL)
		ORDER BY __rid`, rej, fileExpr, lineExpr, recordExpr, typed)
	res, err := l.conn.ExecContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("rejects: %w", err)
	}
	if err := l.checkAmbiguousDates(ctx, t); err != nil {
		return 0, err
	}
	// Rows not to load are deleted here, not in the run's transaction: a
	// run whose transaction deleted from a staged table and then altered it
	// (the swap) failed to commit, "another transaction has altered this
	// table". Deleting keeps the other rows' rowids, so record numbers stay
	// as they were.
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		if err := l.exec(ctx, fmt.Sprintf("DELETE FROM %s WHERE __problems IS NOT NULL", typed)); err != nil {
			return 0, fmt.Errorf("set rejected rows aside: %w", err)
		}
	}
	var keys, mapped []string
	for _, k := range t.table.Key {
		keys = append(keys, quoteIdent(k))
	}
	for _, c := range t.mapped {
		mapped = append(mapped, quoteIdent(c.Name))
	}
	keyList := strings.Join(keys, ", ")
	// Sorting the hashes and comparing neighbours took 1.0 s for 10M rows
	// where GROUP BY hash HAVING count(*) > 1 took 1.6–2.0 s.
	q = fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE dupkeys_%[1]s AS
		SELECT DISTINCT h FROM (SELECT h, lag(h) OVER (ORDER BY h) AS previous FROM (SELECT hash(%[2]s) AS h FROM %[3]s))
		WHERE h = previous`, name, keyList, typed)
	if err := l.exec(ctx, q); err != nil {
		return 0, fmt.Errorf("find duplicates: %w", err)
	}
	candidates, err := l.count(ctx, "SELECT count(*) FROM dupkeys_"+name)
	if err != nil {
		return 0, fmt.Errorf("find duplicates: %w", err)
	}
	var dups int64
	if candidates > 0 {
		if dups, err = l.settleDuplicates(ctx, t, keys, mapped, fileExpr, lineExpr, recordExpr); err != nil {
			return 0, err
		}
	}
	return dups, nil
}

// settleDuplicates compares the rows whose key hash repeats: per key, each
// distinct row is a variant. A key with several variants is a conflict:
// every one of its rows is rejected and none is loaded, whatever the
// policy (which copy would be right is not Accord's to guess). A key with
// one variant in several copies is an exact duplicate, settled by the
// source's duplicates policy: drop keeps its first row and deletes the
// copies (counted, and returned), keep loads every copy, reject rejects
// every copy. Only dropped copies are counted as duplicates: kept copies
// are loaded rows and rejected ones rejected rows, so rows read = loaded +
// rejected + duplicates under each policy.
func (l *loader) settleDuplicates(ctx context.Context, t *typedLayout, keys, mapped []string, fileExpr, lineExpr, recordExpr string) (int64, error) {
	name, typed := t.name, t.tableName()
	keyList := strings.Join(keys, ", ")
	sameKey := func(a, b string) string {
		var eq []string
		for _, k := range keys {
			eq = append(eq, a+"."+k+" IS NOT DISTINCT FROM "+b+"."+k)
		}
		return strings.Join(eq, " AND ")
	}
	steps := []struct{ what, q string }{
		{"candidate rows", fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE duprows_%[1]s AS
			SELECT rowid AS __rid, %[2]s AS __file, %[3]s AS __line, %[4]s AS __record, %[5]s
			FROM %[6]s WHERE hash(%[7]s) IN (SELECT h FROM dupkeys_%[1]s)`,
			name, fileExpr, lineExpr, recordExpr, strings.Join(mapped, ", "), typed, keyList)},
		{"variants", fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE variants_%[1]s AS
			SELECT min(__rid) AS __rid, count(*) AS copies, %[2]s FROM duprows_%[1]s GROUP BY %[2]s`, name, strings.Join(mapped, ", "))},
		{"variant counts", fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE varkeys_%[1]s AS
			SELECT %[2]s, count(*) AS variants, sum(copies) AS copies FROM variants_%[1]s GROUP BY %[2]s`, name, keyList)},
	}
	for _, s := range steps {
		if err := l.exec(ctx, s.q); err != nil {
			return 0, fmt.Errorf("duplicates: %s: %w", s.what, err)
		}
	}
	var dKeys []string
	for _, k := range keys {
		dKeys = append(dKeys, "d."+k)
	}
	keyText := "concat_ws(' / ', " + strings.Join(dKeys, ", ") + ")"
	// Every row of a conflicting key is rejected, each copy of a variant
	// too: rejecting only a variant's first row left its copies neither
	// loaded nor counted.
	reasons := []string{`WHEN k.variants > 1 THEN 'conflicting duplicate: ' || k.variants || ' rows share this key with different values'`}
	policy := t.src.Duplicates
	if policy == config.DuplicatesReject {
		reasons = append(reasons, `WHEN k.copies > 1 THEN 'duplicate row (' || k.copies || ' copies)'`)
	}
	q := fmt.Sprintf(`INSERT INTO rej_%[1]s
		SELECT * FROM (SELECT d.__rid, d.__file, d.__line, d.__record, NULL, %[2]s, %[3]s, CASE %[4]s END AS __reason
		               FROM duprows_%[1]s d JOIN varkeys_%[1]s k ON %[5]s)
		WHERE __reason IS NOT NULL
		ORDER BY __rid`, name, quoteLit(strings.Join(t.table.Key, ", ")), keyText, strings.Join(reasons, " "), sameKey("k", "d"))
	if err := l.exec(ctx, q); err != nil {
		return 0, fmt.Errorf("duplicates: reject: %w", err)
	}
	// The candidate rows to load: per unconflicted key, its first row
	// (drop), all of its rows (keep), or its row if it has no copy (reject).
	var keep string
	switch policy {
	case config.DuplicatesKeep:
		keep = fmt.Sprintf(`SELECT d.__rid, 1 AS copies FROM duprows_%[1]s d JOIN varkeys_%[1]s k ON %[2]s AND k.variants = 1`, name, sameKey("k", "d"))
	case config.DuplicatesReject:
		keep = fmt.Sprintf(`SELECT v.__rid, v.copies FROM variants_%[1]s v JOIN varkeys_%[1]s k ON %[2]s AND k.variants = 1 AND k.copies = 1`, name, sameKey("k", "v"))
	default:
		keep = fmt.Sprintf(`SELECT v.__rid, v.copies FROM variants_%[1]s v JOIN varkeys_%[1]s k ON %[2]s AND k.variants = 1`, name, sameKey("k", "v"))
	}
	if err := l.exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE keep_%s AS %s`, name, keep)); err != nil {
		return 0, fmt.Errorf("duplicates: %w", err)
	}
	q = fmt.Sprintf(`DELETE FROM %[2]s
		WHERE rowid IN (SELECT __rid FROM duprows_%[1]s) AND rowid NOT IN (SELECT __rid FROM keep_%[1]s)`, name, typed)
	if err := l.exec(ctx, q); err != nil {
		return 0, fmt.Errorf("duplicates: drop copies: %w", err)
	}
	return l.count(ctx, fmt.Sprintf("SELECT coalesce(sum(copies - 1), 0) FROM keep_%s", name))
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
		err = scanFileRecords(fh, src.SkipLines, src.HasHeader(), delimiterOf(src, f), src.Quote[0], f.duckRejects, func(p recordPos) bool {
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
		// Two updates, each an equality join: one with an OR of the two
		// kinds is a nested loop, rejects × map (130 s for 200,000 rejects).
		ordKey := strings.ReplaceAll(strings.ReplaceAll(ordExpr, "__record", "r.__record"), "__rid", "r.__rid")
		updateArgs := []any{f.Path}
		if !transformed {
			updateArgs = append(updateArgs, f.base)
		}
		for _, u := range []struct {
			q    string
			args []any
		}{
			{fmt.Sprintf(`UPDATE rej_%s r SET __line = m.line FROM accord_line_map m
				WHERE r.__file = ? AND r.__line IS NULL AND r.__duck_line IS NULL AND m.kind = 'ord' AND m.k = %s`, name, ordKey), updateArgs},
			{fmt.Sprintf(`UPDATE rej_%s r SET __line = m.line FROM accord_line_map m
				WHERE r.__file = ? AND r.__line IS NULL AND r.__rid IS NULL AND m.kind = 'duck' AND m.k = r.__duck_line`, name), []any{f.Path}},
		} {
			if err := l.exec(ctx, u.q, u.args...); err != nil {
				return err
			}
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

// perFileLoaded counts each file's rows in the staged (to be canonical)
// table. A file's rows are read, then rejected, dropped as duplicates or
// loaded, so for a file read directly its duplicates are what is left; a
// transform counted its files' duplicates before it ran, and its output
// rows are a file's only when they carry __file (or there is one file).
func (l *loader) perFileLoaded(ctx context.Context, name string, src *config.Source, t *typedLayout, files []*stagedFile) error {
	fileExpr, _, _ := t.where(files)
	byFile := map[string]int64{}
	rows, err := l.conn.QueryContext(ctx, fmt.Sprintf("SELECT %s, count(*) FROM %s GROUP BY 1", fileExpr, stagedTable(name)))
	if err != nil {
		return fmt.Errorf("count rows per file: %w", err)
	}
	defer rows.Close()
	unattributed := false
	for rows.Next() {
		var file sql.NullString
		var n int64
		if err := rows.Scan(&file, &n); err != nil {
			return fmt.Errorf("count rows per file: %w", err)
		}
		if !file.Valid {
			unattributed = true
			continue
		}
		byFile[file.String] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count rows per file: %w", err)
	}
	for _, f := range files {
		f.LoadedKnown = !unattributed
		f.Loaded = byFile[f.Path]
		if src.Transform == "" {
			f.Duplicates = f.RowsRead - f.Rejected - f.Loaded
		}
	}
	return nil
}

// summarize counts per file and source and enforces the reject threshold.
func (l *loader) summarize(ctx context.Context, name string, src *config.Source, t *typedLayout, files []*stagedFile, res SourceLoad) (SourceLoad, error) {
	for _, f := range files {
		n, err := l.count(ctx, fmt.Sprintf(
			`SELECT count(DISTINCT coalesce(__rid::VARCHAR, 'line ' || __duck_line)) FROM rej_%s WHERE __file = ?`, name), f.Path)
		if err != nil {
			return res, err
		}
		f.Rejected = n + f.unread // the unread tail is one reject row standing for its lines
		res.RowsRead += f.RowsRead
		res.Rejected += f.Rejected
	}
	// A transform's output rows without __file are rejected for no one file,
	// but count against the source all the same.
	orphaned, err := l.count(ctx, fmt.Sprintf(
		`SELECT count(DISTINCT coalesce(__rid::VARCHAR, 'line ' || __duck_line)) FROM rej_%s WHERE __file IS NULL`, name))
	if err != nil {
		return res, err
	}
	res.Rejected += orphaned
	if res.Loaded, err = l.count(ctx, "SELECT count(*) FROM "+stagedTable(name)); err != nil {
		return res, err
	}
	if err := l.perFileLoaded(ctx, name, src, t, files); err != nil {
		return res, err
	}
	for _, f := range files {
		res.Files = append(res.Files, f.FileLoad)
	}
	if res.TopReasons, err = l.topReasons(ctx, name); err != nil {
		return res, err
	}
	if res.RowsRead > 0 && float64(res.Rejected)/float64(res.RowsRead) > src.Threshold() {
		return res, &ThresholdError{Source: name, Rejected: res.Rejected, Read: res.RowsRead, Threshold: src.Threshold(), Top: res.TopReasons}
	}
	return res, nil
}
