package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Config is a whole Accord configuration file.
type Config struct {
	// Database is the DuckDB file; relative to the config file's folder.
	Database string `yaml:"database"`
	// InputsDir is the folder source globs are relative to; relative to the
	// config file's folder.
	InputsDir string `yaml:"inputs_dir"`
	// TimeZone is the IANA zone the as-of date is taken in.
	TimeZone string             `yaml:"timezone"`
	Currency Currency           `yaml:"currency"`
	Sources  map[string]*Source `yaml:"sources"`
	// Lookups are side files a transform may join by name (a region map,
	// a product code table): each is read as text into a table of that
	// name before any source, resolved against InputsDir and fingerprinted
	// in run_inputs (source "lookup:<name>") like any input.
	Lookups  map[string]*Lookup `yaml:"lookups"`
	Model    Model              `yaml:"model"`
	Hotspots Hotspots           `yaml:"hotspots"`
	Reports  Reports            `yaml:"reports"`
	// Groups name lists of addresses for job recipients.
	Groups map[string][]string `yaml:"groups"`
	Jobs   []Job               `yaml:"jobs"`
	SMTP   SMTP                `yaml:"smtp"`
	Engine Engine              `yaml:"engine"`
	// History bounds the result history kept in the database.
	History History `yaml:"history"`

	// Path is the file the config was read from; Hash is the sha256 of its bytes.
	Path string `yaml:"-"`
	Hash string `yaml:"-"`
}

// Lookup is one side file for transforms: CSV or TSV with a header.
type Lookup struct {
	File      string `yaml:"file"`
	Encoding  string `yaml:"encoding"` // as for sources; default auto
	Delimiter string `yaml:"delimiter"`
}

var lookupName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// LookupNames lists the lookups in name order.
func (c *Config) LookupNames() []string {
	names := make([]string, 0, len(c.Lookups))
	for n := range c.Lookups {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Currency says how money is shown; amounts themselves stay exact decimals.
type Currency struct {
	Code        string `yaml:"code"`
	Symbol      string `yaml:"symbol"`
	ExcelFormat string `yaml:"excel_format"`
}

// Source maps one company export (a set of files) onto a canonical table.
type Source struct {
	// Files are glob patterns, relative to InputsDir.
	Files  []string `yaml:"files"`
	Format string   `yaml:"format"` // csv, tsv, xlsx, parquet, jsonl
	// Encoding is auto (BOM, then UTF-8 check, then GB18030), utf-8, utf-16le,
	// utf-16be, gb18030, gbk, big5 or latin-1.
	Encoding  string `yaml:"encoding"`
	Delimiter string `yaml:"delimiter"`
	Quote     string `yaml:"quote"`
	// Header is false for an export whose first record is data; its
	// columns are then named by ColumnNames, in file order. Default true.
	Header      *bool    `yaml:"header"`
	ColumnNames []string `yaml:"column_names"`
	// SkipLines are lines before the header (titles printed above a table).
	SkipLines int `yaml:"skip_lines"`
	// SkipFooterLines are trailing records to drop (a "Total" row).
	SkipFooterLines int      `yaml:"skip_footer_lines"`
	NullTokens      []string `yaml:"null_tokens"`
	Sheet           string   `yaml:"sheet"` // XLSX sheet; default: the first
	// Columns maps canonical column → header in the export (or in the
	// transform's output).
	Columns map[string]string `yaml:"columns"`
	// Constants sets canonical columns to a fixed text value.
	Constants map[string]string `yaml:"constants"`
	// Derived sets canonical columns to a SQL expression over the export's
	// headers (quoted with double quotes), e.g. 'concat("First", \' \', "Last")'.
	Derived map[string]string `yaml:"derived"`
	// Transform is a SQL query over the view "export" (the staged file, all
	// columns text, exact duplicate rows removed unless Duplicates is keep
	// or reject, plus __file and __record,
	// the record's number in its file). Its output columns are what Columns
	// maps; output columns named like canonical columns map themselves.
	// Output __file and __record (e.g. min(__record)) to let rejects name a line.
	Transform string `yaml:"transform"`
	// DateFormats overrides date parsing per canonical column (strptime syntax,
	// e.g. "%m/%d/%Y"); needed for ambiguous day/month orders. A column may
	// list several formats, tried in order (the first that reads a value
	// with a four-digit year wins).
	DateFormats map[string]Formats `yaml:"date_formats"`
	// Duplicates is what happens to exact duplicate rows (the same values in
	// every mapped column): drop (the default: load one, count the rest),
	// keep (load every copy) or reject (reject every copy).
	Duplicates string `yaml:"duplicates"`
	// RejectThreshold is the share of rows that may be rejected before the
	// run fails (default 0.01).
	RejectThreshold *float64 `yaml:"reject_threshold"`
	// MaxShrink is the share by which the rows loaded may fall from the
	// last successful run before the run fails (default 0.5; 1 allows any
	// drop but to zero).
	MaxShrink *float64 `yaml:"max_shrink"`
	// AllowEmpty lets the source load no rows at all (a header-only export)
	// without failing the run.
	AllowEmpty bool `yaml:"allow_empty"`
}

// Formats is a column's date formats: a YAML string (one format) or a list
// (several, tried in order). Exports mixing two shapes in one column (a
// system migrated mid-year) need the list.
type Formats []string

// UnmarshalYAML reads "%m/%d/%Y" or ["%m/%d/%Y", "%Y-%m-%d"].
func (f *Formats) UnmarshalYAML(unmarshal func(any) error) error {
	var one string
	if err := unmarshal(&one); err == nil {
		*f = Formats{one}
		return nil
	}
	var many []string
	if err := unmarshal(&many); err != nil {
		return fmt.Errorf("date_formats: want a format or a list of formats: %w", err)
	}
	*f = Formats(many)
	return nil
}

// Duplicate policies (Source.Duplicates).
const (
	DuplicatesDrop   = "drop"
	DuplicatesKeep   = "keep"
	DuplicatesReject = "reject"
)

// Hotspots configures failure hot-spot analysis.
type Hotspots struct {
	WindowMonths int `yaml:"window_months"`
	// PriorUnitYears is the weight of the overall failure rate in the
	// empirical-Bayes shrinkage of each group's rate, in installed unit-years.
	PriorUnitYears float64 `yaml:"prior_unit_years"`
	// MinInstalledUnits holds back groups with fewer installed units from ranking.
	MinInstalledUnits int `yaml:"min_installed_units"`
	// BaselineWindows is how many windows of window_months before the
	// current one form each group's own baseline for the rising test.
	BaselineWindows int `yaml:"baseline_windows"`
	// RisingAlpha is the level of the rising test (the one-sided
	// conditional binomial C-test of two Poisson rates): the false discovery
	// rate under RisingCorrection "fdr", each group's significance level
	// under "none".
	RisingAlpha float64 `yaml:"rising_alpha"`
	// RisingCorrection is how the many groups' tests are combined: "fdr"
	// (Benjamini–Hochberg, the default: with hundreds of groups, testing
	// each at alpha flags about alpha × groups steady ones) or "none".
	RisingCorrection string `yaml:"rising_correction"`
	// RisingMinFailures is the fewest faults in the current window a group
	// needs to be flagged rising, so one or two faults never raise a flag
	// however quiet the baseline was.
	RisingMinFailures int `yaml:"rising_min_failures"`
}

// Reports configures rendering.
type Reports struct {
	OutDir   string `yaml:"out_dir"`  // relative to the config file's folder
	Language string `yaml:"language"` // en or zh-CN
	Title    string `yaml:"title"`
	// RejectExamples is how many rejected rows of each source, column and
	// reason the Rejects sheet and data/rejects.csv show; the counts cover
	// every reject. Default 20.
	RejectExamples int `yaml:"reject_examples"`
	// WorkbookRows is how many rows a workbook sheet shows of a table that
	// grows with the data (customers, contributions, tickets, invoices…);
	// the data files hold every row. DefaultWorkbookRows when absent. There
	// is no "unlimited": a sheet of every row of a large run is hundreds of
	// megabytes nobody reads, so 0 is an error rather than a way to get one.
	WorkbookRows *int `yaml:"workbook_rows"`
	// BaseURL is where a web server publishes out_dir (http or https):
	// e-mails link a recipient's own report under it
	// (<base_url>/<as-of>/mail/<language>-<filter hash>/weekly.html). Without
	// it they name no place at all, never a path on the server.
	BaseURL string `yaml:"base_url"`
}

// DefaultWorkbookRows is the workbook's default rows per capped sheet:
// enough to scroll, sort and filter by hand, small enough to open quickly.
const DefaultWorkbookRows = 10000

// MaxWorkbookRows is the most rows reports.workbook_rows may be: one Excel
// sheet (1,048,576 rows) less its header.
const MaxWorkbookRows = 1048575

// SheetRows returns reports.workbook_rows, or its default.
func (r Reports) SheetRows() int {
	if r.WorkbookRows == nil {
		return DefaultWorkbookRows
	}
	return *r.WorkbookRows
}

// Problem is one thing wrong with a config, tied to its field.
type Problem struct {
	Field  string
	Reason string
}

func (p Problem) String() string { return p.Field + ": " + p.Reason }

// ValidationError lists every problem found in a config.
type ValidationError struct {
	Path     string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config %s has %d problem(s):", e.Path, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// SyntaxError is a config file that is not valid YAML (or has a key the
// schema does not know): like a ValidationError, the config is unusable.
type SyntaxError struct {
	Path, Detail string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("config: parse %s: %s", e.Path, e.Detail) }

// Load reads, defaults and validates the config at path.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read: %w", err)
	}
	return Parse(path, raw)
}

// Parse decodes raw (read from path), applies defaults and validates.
func Parse(path string, raw []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(raw), yaml.DisallowUnknownField())
	if err := dec.Decode(&c); err != nil {
		return nil, &SyntaxError{Path: path, Detail: yaml.FormatError(err, false, true)}
	}
	sum := sha256.Sum256(raw)
	c.Hash = hex.EncodeToString(sum[:])
	c.Path = path
	c.applyDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Dir is the folder relative paths in the config are resolved against.
func (c *Config) Dir() string { return filepath.Dir(c.Path) }

// Resolve makes p absolute against the config's folder ("" is the folder).
func (c *Config) Resolve(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir(), p)
}

// Location returns the configured time zone (validated by Load).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// SourceNames returns configured sources in canonical load order.
func (c *Config) SourceNames() []string {
	var names []string
	for _, t := range CanonicalTables {
		if _, ok := c.Sources[t.Name]; ok {
			names = append(names, t.Name)
		}
	}
	return names
}

// Threshold returns the source's reject threshold.
func (s *Source) Threshold() float64 {
	if s.RejectThreshold == nil {
		return DefaultRejectThreshold
	}
	return *s.RejectThreshold
}

// Shrink returns the source's max_shrink.
func (s *Source) Shrink() float64 {
	if s.MaxShrink == nil {
		return DefaultMaxShrink
	}
	return *s.MaxShrink
}

// DefaultMaxShrink is the share by which a source's rows may fall from the
// last successful run.
const DefaultMaxShrink = 0.5

// DefaultRejectThreshold is the share of rows a source may lose to rejects.
const DefaultRejectThreshold = 0.01

func (c *Config) applyDefaults() {
	if c.Database == "" {
		c.Database = "data/accord.duckdb"
	}
	if c.TimeZone == "" {
		c.TimeZone = "UTC"
	}
	if c.Currency.Symbol == "" {
		c.Currency.Symbol = "¥"
	}
	if c.Currency.Code == "" {
		c.Currency.Code = "CNY"
	}
	if c.Currency.ExcelFormat == "" {
		c.Currency.ExcelFormat = `"` + c.Currency.Symbol + `"#,##0.00`
	}
	for _, lk := range c.Lookups {
		if lk == nil {
			continue
		}
		if lk.Encoding == "" {
			lk.Encoding = "auto"
		}
		if lk.Delimiter == "" {
			lk.Delimiter = ","
			if strings.HasSuffix(strings.ToLower(lk.File), ".tsv") {
				lk.Delimiter = "\t"
			}
		}
	}
	for _, s := range c.Sources {
		if s == nil {
			continue
		}
		if s.Format == "" {
			s.Format = formatFromFiles(s.Files)
		}
		if s.Encoding == "" {
			s.Encoding = "auto"
		}
		if s.Delimiter == "" {
			s.Delimiter = ","
			if s.Format == "tsv" {
				s.Delimiter = "\t"
			}
		}
		if s.Quote == "" {
			s.Quote = `"`
		}
		if s.Duplicates == "" {
			s.Duplicates = DuplicatesDrop
		}
	}
	c.Model.applyDefaults()
	if c.Hotspots.WindowMonths == 0 {
		c.Hotspots.WindowMonths = 12
	}
	if c.Hotspots.PriorUnitYears == 0 {
		c.Hotspots.PriorUnitYears = 50
	}
	if c.Hotspots.MinInstalledUnits == 0 {
		c.Hotspots.MinInstalledUnits = 10
	}
	if c.Hotspots.BaselineWindows == 0 {
		c.Hotspots.BaselineWindows = 4
	}
	if c.Hotspots.RisingAlpha == 0 {
		c.Hotspots.RisingAlpha = 0.01
	}
	if c.Hotspots.RisingMinFailures == 0 {
		c.Hotspots.RisingMinFailures = 3
	}
	if c.Hotspots.RisingCorrection == "" {
		c.Hotspots.RisingCorrection = "fdr"
	}
	if c.Reports.OutDir == "" {
		c.Reports.OutDir = "reports-out"
	}
	if c.Reports.Language == "" {
		c.Reports.Language = "en"
	}
	if c.Reports.RejectExamples == 0 {
		c.Reports.RejectExamples = 20
	}
	if c.Reports.Title == "" {
		c.Reports.Title = "Accord"
	}
	c.applyJobDefaults()
	c.Engine.applyDefaults()
}

// HasHeader reports whether the export's first record (after SkipLines)
// names its columns.
func (s *Source) HasHeader() bool { return s.Header == nil || *s.Header }

// Maps reports whether the source gives canonical column col a value.
func (s *Source) Maps(col string) bool {
	return s.Columns[col] != "" || s.Constants[col] != "" || s.Derived[col] != ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func formatFromFiles(files []string) string {
	for _, f := range files {
		switch strings.ToLower(filepath.Ext(f)) {
		case ".parquet":
			return "parquet"
		case ".jsonl", ".ndjson":
			return "jsonl"
		case ".xlsx":
			return "xlsx"
		case ".tsv", ".tab":
			return "tsv"
		case ".csv", ".txt":
			return "csv"
		}
	}
	return ""
}

var knownEncodings = map[string]bool{"auto": true, "utf-8": true, "utf-16le": true, "utf-16be": true,
	"gb18030": true, "gbk": true, "big5": true, "latin-1": true}

func (c *Config) validate() error {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		add("timezone", "unknown IANA time zone %q", c.TimeZone)
	}
	if len(c.Sources) == 0 {
		add("sources", "no sources configured")
	}
	for _, n := range c.LookupNames() {
		lk, f := c.Lookups[n], "lookups."+n
		_, canonical := CanonicalTable(n)
		switch {
		case !lookupName.MatchString(n) || canonical || n == "export":
			add(f, "a lookup is a table name a transform joins: lower-case letters, digits and _, not a canonical table or export")
		case lk == nil || lk.File == "":
			add(f+".file", "no file")
		default:
			if ext := strings.ToLower(filepath.Ext(lk.File)); ext != ".csv" && ext != ".tsv" && ext != ".txt" {
				add(f+".file", "a lookup is a CSV or TSV file, got %q", lk.File)
			}
			if !knownEncodings[strings.ToLower(lk.Encoding)] {
				add(f+".encoding", "unknown encoding %q", lk.Encoding)
			}
			if len([]rune(lk.Delimiter)) != 1 {
				add(f+".delimiter", "must be one character, got %q", lk.Delimiter)
			}
		}
	}
	names := make([]string, 0, len(c.Sources))
	for n := range c.Sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := c.Sources[n]
		f := "sources." + n
		t, ok := CanonicalTable(n)
		if !ok {
			add(f, "unknown canonical table (known: %s)", strings.Join(canonicalNames(), ", "))
			continue
		}
		if s == nil {
			add(f, "empty source")
			continue
		}
		if len(s.Files) == 0 {
			add(f+".files", "no file patterns")
		}
		for i, g := range s.Files {
			if _, err := filepath.Match(g, ""); err != nil {
				add(fmt.Sprintf("%s.files[%d]", f, i), "bad glob %q: %v", g, err)
			}
		}
		switch s.Format {
		case "csv", "tsv", "xlsx", "parquet", "jsonl":
		case "":
			add(f+".format", "not set and not derivable from the file extension (csv, tsv, xlsx, parquet, jsonl)")
		default:
			add(f+".format", "unknown format %q (csv, tsv, xlsx, parquet, jsonl)", s.Format)
		}
		switch {
		case !s.HasHeader() && (s.Format == "parquet" || s.Format == "jsonl"):
			add(f+".header", "a %s file names its columns itself; header: false is for csv, tsv and xlsx", s.Format)
		case !s.HasHeader() && len(s.ColumnNames) == 0:
			add(f+".column_names", "header: false needs column_names, the export's columns in file order")
		case s.HasHeader() && len(s.ColumnNames) > 0:
			add(f+".column_names", "only with header: false (the file's header names the columns)")
		}
		seenName := map[string]bool{}
		for i, n := range s.ColumnNames {
			if strings.TrimSpace(n) == "" || seenName[n] || strings.HasPrefix(n, "__") {
				add(fmt.Sprintf("%s.column_names[%d]", f, i), "must be non-empty, unique and not start with __, got %q", n)
			}
			seenName[n] = true
		}
		if !knownEncodings[strings.ToLower(s.Encoding)] {
			add(f+".encoding", "unknown encoding %q", s.Encoding)
		}
		if len([]rune(s.Delimiter)) != 1 {
			add(f+".delimiter", "must be one character, got %q", s.Delimiter)
		}
		if s.SkipLines < 0 || s.SkipFooterLines < 0 {
			add(f, "skip_lines and skip_footer_lines must not be negative")
		}
		if s.RejectThreshold != nil && (*s.RejectThreshold < 0 || *s.RejectThreshold > 1) {
			add(f+".reject_threshold", "must be between 0 and 1, got %v", *s.RejectThreshold)
		}
		if s.MaxShrink != nil && (*s.MaxShrink < 0 || *s.MaxShrink > 1) {
			add(f+".max_shrink", "must be between 0 and 1, got %v", *s.MaxShrink)
		}
		for _, col := range t.Columns {
			// A transform's output columns are known only when it runs.
			if col.Required && s.Transform == "" && !s.Maps(col.Name) {
				add(f+".columns."+col.Name, "required column is not mapped")
			}
		}
		for key, m := range map[string]map[string]string{"columns": s.Columns, "constants": s.Constants, "derived": s.Derived} {
			for _, k := range sortedKeys(m) {
				if _, ok := t.Column(k); !ok {
					add(f+"."+key+"."+k, "%s has no column %q", n, k)
				}
			}
		}
		for _, k := range sortedKeys(s.Derived) {
			if strings.TrimSpace(s.Derived[k]) == "" {
				add(f+".derived."+k, "empty expression")
			}
		}
		for _, k := range sortedKeys(s.Columns) {
			if s.Constants[k] != "" || s.Derived[k] != "" {
				add(f+".columns."+k, "mapped more than once (columns, constants, derived)")
			}
		}
		for _, k := range sortedKeys(s.DateFormats) {
			col, ok := t.Column(k)
			if !ok || (col.Type != Date && col.Type != Timestamp) {
				add(f+".date_formats."+k, "not a date column of %s", n)
			}
			if len(s.DateFormats[k]) == 0 {
				add(f+".date_formats."+k, "no formats listed")
			}
			for i, format := range s.DateFormats[k] {
				field := fmt.Sprintf("%s.date_formats.%s[%d]", f, k, i)
				switch {
				case strings.TrimSpace(format) == "":
					add(field, "empty format")
				case !strings.Contains(format, "%"):
					// Without a directive strptime matches only that literal text.
					add(field, "%q has no %% directive (strptime syntax, e.g. \"%%m/%%d/%%Y\")", format)
				}
			}
		}
		switch s.Duplicates {
		case DuplicatesDrop, DuplicatesReject:
		case DuplicatesKeep:
			if len(t.ReferencedBy) > 0 {
				add(f+".duplicates", "keep would load copies of a row under one %s, and %s find %s by it (every copy would double what joins to it); use drop or reject",
					strings.Join(t.Key, ", "), strings.Join(t.ReferencedBy, ", "), n)
			}
		default:
			add(f+".duplicates", "must be drop, keep or reject, got %q", s.Duplicates)
		}
	}
	for _, t := range CanonicalTables {
		if !t.Optional {
			if _, ok := c.Sources[t.Name]; !ok {
				add("sources."+t.Name, "required source is missing")
			}
		}
	}
	ps = append(ps, c.validateModel()...)
	ps = append(ps, c.validateJobs()...)
	ps = append(ps, c.Engine.validate()...)
	ps = append(ps, c.History.validate()...)
	if c.Hotspots.WindowMonths < 1 {
		add("hotspots.window_months", "must be at least 1")
	}
	if c.Hotspots.PriorUnitYears < 0 {
		add("hotspots.prior_unit_years", "must not be negative")
	}
	if c.Hotspots.BaselineWindows < 1 || c.Hotspots.BaselineWindows > 20 {
		add("hotspots.baseline_windows", "must be between 1 and 20, got %d", c.Hotspots.BaselineWindows)
	}
	if !(c.Hotspots.RisingAlpha > 0 && c.Hotspots.RisingAlpha < 1) {
		add("hotspots.rising_alpha", "must be between 0 and 1 (exclusive), got %v", c.Hotspots.RisingAlpha)
	}
	if c.Hotspots.RisingMinFailures < 1 {
		add("hotspots.rising_min_failures", "must be at least 1, got %d", c.Hotspots.RisingMinFailures)
	}
	if c.Hotspots.RisingCorrection != "fdr" && c.Hotspots.RisingCorrection != "none" {
		add("hotspots.rising_correction", "must be fdr or none, got %q", c.Hotspots.RisingCorrection)
	}
	if c.Reports.RejectExamples < 1 || c.Reports.RejectExamples > 100000 {
		add("reports.reject_examples", "must be between 1 and 100000, got %d", c.Reports.RejectExamples)
	}
	if n := c.Reports.SheetRows(); n < 1 || n > MaxWorkbookRows {
		add("reports.workbook_rows", "must be between 1 and %d (one Excel sheet), got %d; there is no unlimited: every row is in data/<table>.csv and .parquet", MaxWorkbookRows, n)
	}
	if c.Reports.BaseURL != "" {
		if u, err := url.Parse(c.Reports.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			add("reports.base_url", "must be an http or https URL with a host and no query, fragment or credentials, got %q", c.Reports.BaseURL)
		}
	}
	if c.Reports.Language != "en" && c.Reports.Language != "zh-CN" {
		add("reports.language", "must be en or zh-CN, got %q", c.Reports.Language)
	}
	if len(ps) > 0 {
		return &ValidationError{Path: c.Path, Problems: ps}
	}
	return nil
}

func canonicalNames() []string {
	var n []string
	for _, t := range CanonicalTables {
		n = append(n, t.Name)
	}
	return n
}

// checkMoney checks a plain decimal amount such as "300" or "300.50".
func checkMoney(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("empty amount")
	}
	dot := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot:
			dot = true
		case r == '-' && i == 0:
		default:
			return fmt.Errorf("%q is not a plain decimal amount", s)
		}
	}
	return nil
}
