package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var allFiles = []string{
	FileCustomers, FileActivities, FileSurveys, FileBillingLines, FileTickets,
	FileProducts, FileInstalledBase, FileARInvoices, FileARPayments, ManifestFile,
}

func hashFiles(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	sums := map[string][32]byte{}
	for _, f := range allFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		sums[f] = sha256.Sum256(b)
	}
	return sums
}

func TestGenerateIsByteIdenticalForSameInputs(t *testing.T) {
	opt := Options{Customers: 400, Seed: 7, AsOf: testAsOf}
	dirs := []string{filepath.Join(tempRoot, "det-a"), filepath.Join(tempRoot, "det-b")}
	var manifests []Manifest
	for _, dir := range dirs {
		o := opt
		o.Out = dir
		m, err := Generate(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		manifests = append(manifests, m)
	}
	a, b := hashFiles(t, dirs[0]), hashFiles(t, dirs[1])
	for _, f := range allFiles {
		if a[f] != b[f] {
			t.Errorf("%s differs between two runs with the same options", f)
		}
	}
	if !reflect.DeepEqual(manifests[0], manifests[1]) {
		t.Error("manifests differ between two runs with the same options")
	}

	// A different seed must change the data, or the test above proves nothing.
	o := opt
	o.Out, o.Seed = filepath.Join(tempRoot, "det-c"), 8
	if _, err := Generate(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	c := hashFiles(t, o.Out)
	for _, f := range []string{FileCustomers, FileActivities, FileTickets, FileARPayments} {
		if a[f] == c[f] {
			t.Errorf("%s is the same for seeds 7 and 8", f)
		}
	}
}

func TestCSVHeadersEncodingsAndLineEndings(t *testing.T) {
	e := defaultExport(t)
	want := map[string]string{
		FileActivities:    "activity_id,customer_id,occurred_at,direction,channel,kind",
		FileSurveys:       "survey_id,customer_id,answered_at,nps,would_repurchase",
		FileBillingLines:  "invoice_id,line_no,customer_id,issued_at,product_id,category,quantity,amount,currency",
		FileTickets:       "ticket_id,customer_id,opened_at,closed_at,product_id,serial_no,component,region,category,severity,effort_hours,escalations,reopens,csat,resolution",
		FileProducts:      "product_id,name,family,launched_at,supported_until",
		FileInstalledBase: "customer_id,product_id,quantity,installed_at",
		FileARInvoices:    "发票号,客户编号,开票日期,到期日,金额",
		FileARPayments:    "付款编号,发票号,客户编号,付款日期,金额",
	}
	for file, header := range want {
		raw, err := os.ReadFile(filepath.Join(e.dir, file))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case isGB18030(file):
			first, _, _ := bytes.Cut(raw, []byte("\r\n"))
			if utf8.Valid(first) {
				t.Errorf("%s: header bytes are valid UTF-8; want GB18030", file)
			}
			decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(first)
			if err != nil || string(decoded) != header {
				t.Errorf("%s: header decodes to %q (%v), want %q", file, decoded, err, header)
			}
			if lf, crlf := bytes.Count(raw, []byte("\n")), bytes.Count(raw, []byte("\r\n")); lf != crlf {
				t.Errorf("%s: %d line feeds but %d CRLFs; want CRLF only", file, lf, crlf)
			}
		default:
			prefix := header + "\n"
			if file == FileSurveys {
				prefix = "\uFEFF" + prefix
			}
			if !bytes.HasPrefix(raw, []byte(prefix)) {
				first, _, _ := bytes.Cut(raw, []byte("\n"))
				t.Errorf("%s starts with %q, want %q", file, first, prefix)
			}
			if bytes.HasPrefix(raw, []byte("\uFEFF")) != (file == FileSurveys) {
				t.Errorf("%s: BOM present = %v; only surveys.csv has one", file, !(file == FileSurveys))
			}
			if bytes.IndexByte(raw, '\r') >= 0 {
				t.Errorf("%s has a carriage return; want LF line endings", file)
			}
			if !utf8.Valid(raw) {
				t.Errorf("%s is not valid UTF-8", file)
			}
		}
	}
}

func TestCustomersWorkbookHasTypedCells(t *testing.T) {
	e := defaultExport(t)
	f, err := excelize.OpenFile(filepath.Join(e.dir, FileCustomers))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"客户"}) {
		t.Fatalf("sheets = %v, want [客户]", got)
	}
	rows := xlsxRows(t, e.dir)
	wantHeader := []string{"客户编号", "客户名称", "行业", "地区", "员工人数", "年营业额", "市场影响力", "客户经理", "创建日期", "推荐人"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Fatalf("header = %v, want %v", rows[0], wantHeader)
	}
	// Row 2 is the first customer, never a planted row.
	if got := cell(rows[1], 0); got != "C000001" {
		t.Fatalf("A2 = %q, want C000001", got)
	}
	styleID, err := f.GetCellStyle("客户", "I2")
	if err != nil {
		t.Fatal(err)
	}
	style, err := f.GetStyle(styleID)
	if err != nil {
		t.Fatal(err)
	}
	if style.CustomNumFmt == nil || *style.CustomNumFmt != "yyyy-mm-dd" {
		t.Errorf("创建日期 number format = %v, want yyyy-mm-dd", style.CustomNumFmt)
	}
	dateCells, revenueNumbers := 0, 0
	skip := plantedLines(e.man, FileCustomers)
	for i, row := range rows[1:] {
		if len(row) == 0 || skip[i+2] {
			continue
		}
		serial, err := strconv.ParseFloat(cell(row, 8), 64)
		if err != nil {
			t.Fatalf("row %d: 创建日期 %q is not a date serial", i+2, cell(row, 8))
		}
		created, err := excelize.ExcelDateToTime(serial, false)
		if err != nil || !created.Before(testAsOf) || created.Before(testAsOf.AddDate(-13, 0, 0)) {
			t.Fatalf("row %d: 创建日期 %v (%v) outside the 12 years before as-of", i+2, created, err)
		}
		dateCells++
		if _, err := strconv.ParseFloat(cell(row, 5), 64); err == nil {
			revenueNumbers++
		} else if _, err := parseCents(cell(row, 5)); err != nil {
			t.Errorf("row %d: 年营业额 %q is neither a number nor a valid amount", i+2, cell(row, 5))
		}
	}
	if dateCells < 2000 {
		t.Errorf("%d customer rows with date cells, want at least 2000", dateCells)
	}
	// About 1% of revenues are text like "1,234,000.00" on purpose.
	if revenueNumbers < dateCells*95/100 || revenueNumbers == dateCells {
		t.Errorf("%d of %d revenues are numbers; want most but not all", revenueNumbers, dateCells)
	}
}

// canonicalHeader maps the canonical column names of the Chinese-headed
// receivables files to their headers.
var canonicalHeader = map[string]string{
	"invoice_id": "发票号", "customer_id": "客户编号", "issued_at": "开票日期", "due_at": "到期日",
	"amount": "金额", "payment_id": "付款编号", "paid_at": "付款日期",
}

var xlsxColumnOf = map[string]int{
	"customer_id": 0, "employees": 4, "annual_revenue": 5, "created_at": 8,
}

func TestManifestPointsAtPlantedRows(t *testing.T) {
	e := defaultExport(t)
	onDisk, err := ReadManifest(filepath.Join(e.dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(onDisk, e.man) {
		t.Fatal("MANIFEST.json differs from the returned manifest")
	}
	if e.man.Customers != 2000 || e.man.Seed != 1 || e.man.AsOf != "2026-03-31" {
		t.Errorf("manifest header = %d customers, seed %d, as-of %s", e.man.Customers, e.man.Seed, e.man.AsOf)
	}
	validBad := map[string][]string{
		KindBadDate: {"2026-13-45", "N/A", "31/31/2026"}, KindBlankID: {""}, KindNonNumeric: {"abc", "12.3.4"},
	}
	kinds := map[string]map[string]bool{}
	lines := map[string][]string{}
	rows := xlsxRows(t, e.dir)
	totalBad := 0
	for _, b := range e.man.BadRows {
		totalBad++
		if !slices.Contains(validBad[b.Kind], b.Value) {
			t.Errorf("%+v: value not of its kind", b)
		}
		if kinds[b.File] == nil {
			kinds[b.File] = map[string]bool{}
		}
		kinds[b.File][b.Kind] = true
		if b.File == FileCustomers {
			col, ok := xlsxColumnOf[b.Column]
			if !ok || b.Line > len(rows) || cell(rows[b.Line-1], col) != b.Value {
				t.Errorf("%+v: Excel row holds %q", b, cell(rows[min(b.Line, len(rows))-1], col))
			}
			continue
		}
		if lines[b.File] == nil {
			lines[b.File] = physicalLines(t, e.dir, b.File)
		}
		ls := lines[b.File]
		if b.Line < 2 || b.Line > len(ls) {
			t.Errorf("%+v: line out of range 2..%d", b, len(ls))
			continue
		}
		header, fields := splitCSV(t, ls[0]), splitCSV(t, ls[b.Line-1])
		name := b.Column
		if isGB18030(b.File) {
			name = canonicalHeader[b.Column]
		}
		i := slices.Index(header, name)
		if i < 0 || i >= len(fields) || fields[i] != b.Value {
			t.Errorf("%+v: line is %q", b, ls[b.Line-1])
		}
	}
	wantKinds := map[string][]string{
		FileCustomers:     {KindBadDate, KindBlankID, KindNonNumeric},
		FileActivities:    {KindBadDate, KindBlankID},
		FileSurveys:       {KindBadDate, KindBlankID, KindNonNumeric},
		FileBillingLines:  {KindBadDate, KindBlankID, KindNonNumeric},
		FileTickets:       {KindBadDate, KindBlankID, KindNonNumeric},
		FileInstalledBase: {KindBadDate, KindBlankID, KindNonNumeric},
		FileARInvoices:    {KindBadDate, KindBlankID, KindNonNumeric},
		FileARPayments:    {KindBadDate, KindBlankID, KindNonNumeric},
	}
	for file, ks := range wantKinds {
		for _, k := range ks {
			if !kinds[file][k] {
				t.Errorf("%s has no planted %s row", file, k)
			}
		}
	}

	// Duplicates repeat an earlier line exactly; each file has some.
	dupFiles := map[string]bool{}
	for _, d := range e.man.Duplicates {
		dupFiles[d.File] = true
		if d.DuplicateOf >= d.Line || d.DuplicateOf < 2 {
			t.Errorf("%+v: duplicate must follow its original", d)
			continue
		}
		if d.File == FileCustomers {
			if !slices.Equal(rows[d.Line-1], rows[d.DuplicateOf-1]) || len(rows[d.Line-1]) == 0 {
				t.Errorf("%+v: Excel rows differ", d)
			}
			continue
		}
		if lines[d.File] == nil {
			lines[d.File] = physicalLines(t, e.dir, d.File)
		}
		ls := lines[d.File]
		if ls[d.Line-1] == "" || ls[d.Line-1] != ls[d.DuplicateOf-1] {
			t.Errorf("%+v: %q vs %q", d, ls[d.Line-1], ls[d.DuplicateOf-1])
		}
	}

	// Files counts every non-blank data row; every file but products.csv
	// has blank lines, which the line numbers above count.
	totalRows := 0
	for _, file := range allFiles[:len(allFiles)-1] {
		n, blanks := 0, 0
		if file == FileCustomers {
			for _, r := range rows[1:] {
				if len(r) == 0 {
					blanks++
				} else {
					n++
				}
			}
		} else {
			for _, l := range physicalLines(t, e.dir, file)[1:] {
				if l == "" {
					blanks++
				} else {
					n++
				}
			}
		}
		if e.man.Files[file] != n {
			t.Errorf("manifest says %d rows in %s, the file has %d", e.man.Files[file], file, n)
		}
		if (blanks > 0) == (file == FileProducts) || (dupFiles[file] == (file == FileProducts)) {
			t.Errorf("%s: %d blank lines, duplicates %v; want both in every file but products.csv", file, blanks, dupFiles[file])
		}
		totalRows += n
	}
	// About 0.5% of rows are invalid.
	if share := float64(totalBad) / float64(totalRows); share < 0.003 || share > 0.01 {
		t.Errorf("%d of %d rows are planted invalid rows (%.2f%%), want about 0.5%%", totalBad, totalRows, 100*share)
	}
}

func TestGenerateValidatesOptions(t *testing.T) {
	cases := []struct {
		name string
		opt  Options
		want string
	}{
		{"no as-of", Options{Out: filepath.Join(tempRoot, "v1")}, "as-of date is required"},
		{"negative customers", Options{Out: filepath.Join(tempRoot, "v2"), AsOf: testAsOf, Customers: -1}, "customers must be between"},
		{"too many customers", Options{Out: filepath.Join(tempRoot, "v3"), AsOf: testAsOf, Customers: MaxCustomers + 1}, "customers must be between"},
		{"no directory", Options{AsOf: testAsOf}, "output directory is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Generate(context.Background(), c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestCancelledGenerateLeavesNoFiles(t *testing.T) {
	dir := filepath.Join(tempRoot, "cancelled")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, Options{Out: dir, AsOf: testAsOf, Customers: 50})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("cancelled run left %d files, e.g. %s", len(left), left[0].Name())
	}
}

func TestAsOfTimeOfDayAndZoneDoNotMatter(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	dirs := []string{filepath.Join(tempRoot, "tz-a"), filepath.Join(tempRoot, "tz-b")}
	asOfs := []time.Time{testAsOf, time.Date(2026, time.March, 31, 23, 59, 0, 0, shanghai)}
	for i := range dirs {
		if _, err := Generate(context.Background(), Options{Out: dirs[i], AsOf: asOfs[i], Customers: 50}); err != nil {
			t.Fatal(err)
		}
	}
	a, b := hashFiles(t, dirs[0]), hashFiles(t, dirs[1])
	if !reflect.DeepEqual(a, b) {
		t.Error("the as-of date's clock time or zone changed the output")
	}
}

// Loaders fail a run when more than 1% of a source's rows are rejected, so
// no file may carry that many planted invalid rows, at any size.
func TestInvalidRowsStayUnderOnePercentPerFile(t *testing.T) {
	small := filepath.Join(tempRoot, "small")
	m, err := Generate(context.Background(), Options{Out: small, AsOf: testAsOf, Customers: 150})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []export{{small, m}, defaultExport(t)} {
		bad := map[string]int{}
		for _, b := range e.man.BadRows {
			bad[b.File]++
		}
		for file, rows := range e.man.Files {
			if share := float64(bad[file]) / float64(rows); share >= 0.01 {
				t.Errorf("%d customers: %s has %d invalid rows of %d (%.2f%%)", e.man.Customers, file, bad[file], rows, 100*share)
			}
		}
	}
}
