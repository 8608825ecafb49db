package demo

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// testAsOf is the as-of date of every test export.
var testAsOf = time.Date(2026, time.March, 31, 0, 0, 0, 0, time.UTC)

var tempRoot string

func TestMain(m *testing.M) {
	root, err := os.MkdirTemp("", "accord-demo-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tempRoot = root
	code := m.Run()
	_ = os.RemoveAll(root)
	os.Exit(code)
}

type export struct {
	dir string
	man Manifest
}

var defaultExp struct {
	once sync.Once
	exp  export
	err  error
}

// defaultExport is the export with all defaults (2,000 customers, seed 1),
// generated once for the tests that only read it.
func defaultExport(t *testing.T) export {
	t.Helper()
	defaultExp.once.Do(func() {
		dir := filepath.Join(tempRoot, "default")
		m, err := Generate(context.Background(), Options{Out: dir, AsOf: testAsOf})
		defaultExp.exp, defaultExp.err = export{dir, m}, err
	})
	if defaultExp.err != nil {
		t.Fatal(defaultExp.err)
	}
	return defaultExp.exp
}

func isGB18030(file string) bool { return strings.HasPrefix(file, "ar_") }

// physicalLines returns the decoded lines of a CSV export: element i is
// physical line i+1, without its line ending.
func physicalLines(t *testing.T, dir, file string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	eol := "\n"
	if isGB18030(file) {
		if raw, err = simplifiedchinese.GB18030.NewDecoder().Bytes(raw); err != nil {
			t.Fatalf("%s: decode GB18030: %v", file, err)
		}
		eol = "\r\n"
	}
	s := strings.TrimPrefix(string(raw), "\uFEFF")
	if !strings.HasSuffix(s, eol) {
		t.Fatalf("%s does not end with %q", file, eol)
	}
	lines := strings.Split(strings.TrimSuffix(s, eol), eol)
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("%s line %d has a stray line break: %q", file, i+1, l)
		}
	}
	return lines
}

func splitCSV(t *testing.T, line string) []string {
	t.Helper()
	if line == "" {
		return nil
	}
	rec, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		t.Fatalf("parse CSV line %q: %v", line, err)
	}
	return rec
}

type record struct {
	line   int
	fields []string
}

// table is a CSV export as a correct loader keeps it: blank lines, planted
// invalid rows and planted duplicates dropped.
type table struct {
	header []string
	rows   []record
}

func (tb table) col(t *testing.T, name string) int {
	t.Helper()
	for i, h := range tb.header {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, tb.header)
	return -1
}

func plantedLines(m Manifest, file string) map[int]bool {
	skip := map[int]bool{}
	for _, b := range m.BadRows {
		if b.File == file {
			skip[b.Line] = true
		}
	}
	for _, d := range m.Duplicates {
		if d.File == file {
			skip[d.Line] = true
		}
	}
	return skip
}

func cleanTable(t *testing.T, e export, file string) table {
	t.Helper()
	lines := physicalLines(t, e.dir, file)
	skip := plantedLines(e.man, file)
	tb := table{header: splitCSV(t, lines[0])}
	for i, l := range lines[1:] {
		line := i + 2
		if l == "" || skip[line] {
			continue
		}
		f := splitCSV(t, l)
		if len(f) != len(tb.header) {
			t.Fatalf("%s line %d has %d fields, want %d", file, line, len(f), len(tb.header))
		}
		tb.rows = append(tb.rows, record{line, f})
	}
	return tb
}

// xlsxRows reads customers.xlsx with raw cell values; element i is Excel
// row i+1 (empty rows are empty slices).
func xlsxRows(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(filepath.Join(dir, FileCustomers))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows("客户")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cols)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

var (
	plainMoney   = regexp.MustCompile(`^\d+\.\d{2}$`)
	groupedMoney = regexp.MustCompile(`^\d{1,3}(,\d{3})*\.\d{2}$`)
	yuanMoney    = regexp.MustCompile(`^¥\d{1,3}(,\d{3})*(\.\d{2})?$`)
)

// parseCents accepts exactly the spellings the contract allows: 12345.50,
// 12,345.50, ¥12,345 and ¥12,345.50.
func parseCents(s string) (int64, error) {
	if !plainMoney.MatchString(s) && !groupedMoney.MatchString(s) && !yuanMoney.MatchString(s) {
		return 0, fmt.Errorf("not an amount: %q", s)
	}
	s = strings.ReplaceAll(strings.TrimPrefix(s, "¥"), ",", "")
	yuan, frac, _ := strings.Cut(s, ".")
	if frac == "" {
		frac = "00"
	}
	y, err := strconv.ParseInt(yuan, 10, 64)
	if err != nil {
		return 0, err
	}
	c, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, err
	}
	return y*100 + c, nil
}

func mustCents(t *testing.T, file string, line int, s string) int64 {
	t.Helper()
	c, err := parseCents(s)
	if err != nil {
		t.Fatalf("%s line %d: %v", file, line, err)
	}
	return c
}

func mustTime(t *testing.T, layout, s string) time.Time {
	t.Helper()
	v, err := time.Parse(layout, s)
	if err != nil {
		t.Fatalf("parse %q as %q: %v", s, layout, err)
	}
	return v
}

// customerRegions maps the customer ids of the clean customers.xlsx rows to
// their region, and checks the id column is the first.
func customerRegions(t *testing.T, e export) map[string]string {
	t.Helper()
	rows := xlsxRows(t, e.dir)
	skip := plantedLines(e.man, FileCustomers)
	regions := map[string]string{}
	for i, row := range rows[1:] {
		if len(row) == 0 || skip[i+2] {
			continue
		}
		regions[cell(row, 0)] = cell(row, 3)
	}
	return regions
}
