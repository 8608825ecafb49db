package reportstest

import (
	"github.com/accordhq/accord/reports/email"
	pagepkg "github.com/accordhq/accord/reports/page"
	"github.com/accordhq/accord/reports/snapshot"

	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"math/big"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// chromiumPath is the browser the test drives; CHROMIUM overrides it.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// browser starts a headless Chromium with a fresh profile and no background
// traffic of its own, so every request it makes comes from the page. It
// skips when Chromium is missing, except on CI (CI=true), where a missing
// browser must not turn the test green.
func Browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath()
	if _, err := os.Stat(exe); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and Chromium is missing at %s: %v", exe, err)
		}
		t.Skipf("Chromium not found at %s (set CHROMIUM); skipping", exe)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser now, on the long-lived context (see chromedp.Run).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

func FileURL(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return (&url.URL{Scheme: "file", Path: abs}).String()
}

// hostileName is a 40,000-character customer name that opens with a
// right-to-left override, carries a NUL and tries to close a <script>.
var HostileName = "\u202e" + "</script><script>window.__pwned=9</script>\x00" + strings.Repeat("W", 40000)

func ReadCSV(t *testing.T, p string) [][]string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return recs
}

// repFilter allows C2 (bob), C5 and C6 (cy) of the fixture run.
const RepFilter = "account_owner IN ('bob@example.com', 'cy@example.com')"

// The fixture's customers outside repFilter: what must never appear in the
// filtered report, as ids and as distinctive pieces of their data (names,
// owners), in any escaping. "Gone Co" / C9 belong to the previous run.
var (
	outsideIDs    = []string{"C1", "C3", "C4", "C7", "C8", "C9"}
	outsideTokens = []string{"Acme", "onerror", "pwned=2", "HYPERLINK", "=cmd", "calc", "SUM(1", "深圳华强",
		"Gone Co", "ann@example.com", "dee@example.com",
		// C7's override, C4's mover driver, outside customers' (or no
		// customer's) reconciliation exceptions, orphans, and the
		// reconciliation's company-wide control totals.
		"contract renewal", "collection_timeliness +12.0", "SN-OUT-ACME", "TR-OUT", "TU-OUT", "50000.01", "50,000.01", "INV-1", "INV-4", "PAY-7", "C404", "P404",
		"open_vs_ledger", "revenue_vs_billing", "1234567890.12", "1,234,567,890.12", "900.05",
		// ar_kpis: portfolio and tier totals sum outside customers (credit
		// sales, tier A's DSO, the portfolio's on-time rate).
		"20000000", "20,000,000", "19995000", "19,995,000", "49.2", "66.3%", "0.6625"}
	InsideTokens = []string{"pwned=1", "pwned=3", "Brien", "bob@example.com", "cy@example.com",
		"=INV-2", "INV-9", "@referral -1.2", "Strategic account", "SN-IN-2", "TR-IN-2"}
	// outsideTickets are the service-queue tickets of outside customers.
	outsideTickets = []string{"T2", "T9"}
	// rejectTokens are values of the rejects table, which a filtered
	// report leaves out whole.
	rejectTokens = []string{"@cmd", "=1+1", "unknown customer", "not a timestamp"}
)

// idPattern matches any outside customer or ticket id as a whole word.
var idPattern = regexp.MustCompile(`\b(` + strings.Join(append(append([]string{}, outsideIDs...), outsideTickets...), "|") + `)\b`)

// assertNoOutsideData fails when text holds an id or a piece of data of a
// customer outside the filter, raw or as HTML or JSON would escape it.
func AssertNoOutsideData(t *testing.T, where string, text []byte) {
	t.Helper()
	AssertNoOutsideTokens(t, where, text)
	if m := idPattern.Find(text); m != nil {
		t.Errorf("%s contains the id %q of a customer or ticket outside the filter", where, m)
	}
}

// assertNoOutsideTokens is assertNoOutsideData without the ids, for text
// where short ids occur by themselves (cell references such as C1 in sheet
// XML).
func AssertNoOutsideTokens(t *testing.T, where string, text []byte) {
	t.Helper()
	forms := func(s string) []string {
		return []string{s,
			strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s),
			strings.NewReplacer("&", `\u0026`, "<", `\u003c`, ">", `\u003e`).Replace(s)}
	}
	for _, tok := range append(append([]string{}, outsideTokens...), rejectTokens...) {
		for _, f := range forms(tok) {
			if bytes.Contains(text, []byte(f)) {
				t.Errorf("%s contains %q (of a customer outside the filter, or a rejected value)", where, f)
			}
		}
	}
}

// workbookText is every cell of every sheet, one per line.
func WorkbookText(t *testing.T, path string) ([]byte, []string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			for _, c := range r {
				b.WriteString(c)
				b.WriteByte('\n')
			}
		}
	}
	return b.Bytes(), f.GetSheetList()
}

// insertHotspotModels gives the reports fixture's run two Weibull rows
// (one fitted, one not) and a forecast and back-test, with a product name
// and a component that must not reach the page as markup or script.
func InsertHotspotModels(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO hotspot_weibull VALUES
			(2, DATE '2026-11-27', 'P1', 'Pump X', 'valve', 12, 300, 1, 2.5, 1.6, 3.9, 800, 'wear_out', NULL),
			(2, DATE '2026-11-27', 'P2', '<b>Bold</b> pump', '__f__alert(1)__f__', 2, 40, 0, NULL, NULL, NULL, NULL, NULL, 'too_few_failures')`,
		`INSERT INTO hotspot_forecast VALUES
			(2, DATE '2026-11-27', 'forecast', 'group', DATE '2026-11-27', DATE '2027-02-27', 'P1', 'Pump X', 'valve', 'North', 40, 6, 55.5, 4.5, 1, 10, 2, 'group', 9, 2, 20, NULL, NULL, NULL),
			(2, DATE '2026-11-27', 'forecast', 'total', DATE '2026-11-27', DATE '2027-02-27', NULL, NULL, NULL, NULL, NULL, 6, NULL, 4.5, 1, 10, NULL, NULL, 9, 2, 20, 520, NULL, NULL),
			(2, DATE '2026-11-27', 'backtest', 'group', DATE '2026-08-27', DATE '2026-11-27', 'P1', 'Pump X', 'valve', 'North', 38, 4, 40.1, 3.2, 0, 8, 2, 'group', 6.4, 0, 16, NULL, 5, NULL),
			(2, DATE '2026-11-27', 'backtest', 'group', DATE '2026-08-27', DATE '2026-11-27', 'P2', '<b>Bold</b> pump', '__f__alert(1)__f__', 'South', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2, 'not_forecast'),
			(2, DATE '2026-11-27', 'backtest', 'total', DATE '2026-08-27', DATE '2026-11-27', NULL, NULL, NULL, NULL, NULL, 4, NULL, 3.2, 0, 8, NULL, NULL, 6.4, 0, 16, NULL, 7, NULL)`,
		`INSERT INTO hotspot_periods VALUES
			(2, DATE '2026-11-27', 'P1', 'valve', 'North', 0, DATE '2026-08-27', DATE '2026-11-27', 92, 12, 9200, 4.76),
			(2, DATE '2026-11-27', 'P1', 'valve', 'North', 1, DATE '2026-05-27', DATE '2026-08-27', 92, 4, 9200, 1.59),
			(2, DATE '2026-11-27', 'P2', '__f__alert(1)__f__', 'South', 0, DATE '2026-08-27', DATE '2026-11-27', 92, 8, 36800, 0.79),
			(2, DATE '2026-11-27', 'P2', '__f__alert(1)__f__', 'South', 1, DATE '2026-05-27', DATE '2026-08-27', 92, 30, 36800, 2.98)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// splitPage cuts the page into the inlined library and everything else.
func SplitPage(t *testing.T, page []byte) (library, rest []byte) {
	t.Helper()
	open := []byte(`<script id="echarts-lib">`)
	i := bytes.Index(page, open)
	if i < 0 {
		t.Fatal("no inlined library script")
	}
	j := bytes.Index(page[i:], []byte("</script>"))
	if j < 0 {
		t.Fatal("library script not closed")
	}
	library = page[i+len(open) : i+j]
	rest = append(append([]byte{}, page[:i]...), page[i+j:]...)
	return library, rest
}

// chartScript returns the chart options the page hands to ECharts.
func ChartScript(t *testing.T, page []byte) (raw string, specs []pagepkg.ChartSpec) {
	t.Helper()
	s := string(page)
	i := strings.Index(s, "var specs = ")
	j := strings.Index(s, ";\n  var instances")
	if i < 0 || j < i {
		t.Fatal("chart options not found")
	}
	raw = s[i+len("var specs = ") : j]
	if err := json.Unmarshal([]byte(raw), &specs); err != nil {
		t.Fatalf("chart options are not JSON: %v", err)
	}
	return raw, specs
}

// cjkFont returns the CJK chart font of this machine. Without one the test
// skips, except on CI (CI=true), where `make test-deps` installs
// fonts-noto-cjk and a missing font must not turn the tests green.
func CjkFont(t *testing.T) *email.ChartFont {
	t.Helper()
	t.Setenv(email.FontEnv, "")
	f, err := email.LoadChartFont("")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Cjk {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no CJK font found (tried %q); install fonts-noto-cjk", email.DefaultFontPaths)
		}
		t.Skipf("no CJK font found (tried %q); install fonts-noto-cjk", email.DefaultFontPaths)
	}
	return f
}

// copyRun copies every result row of run from into run to, dated asOf,
// except movers (no customer moved).
func CopyRun(t *testing.T, db *sql.DB, from, to int64, asOf string) {
	t.Helper()
	for _, table := range snapshot.DataFileTables() {
		if table.From != nil || table.Name == "movers" {
			continue
		}
		q := "INSERT INTO " + snapshot.QuoteIdent(table.Name) + " SELECT * REPLACE ($2 AS run_id"
		if table.HasAsOf {
			q += ", CAST($3 AS DATE) AS as_of"
		}
		q += ") FROM " + snapshot.QuoteIdent(table.Name) + " WHERE run_id = $1"
		args := []any{from, to}
		if table.HasAsOf {
			args = append(args, asOf)
		}
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("copy %s: %v", table.Name, err)
		}
	}
	if _, err := db.Exec("INSERT INTO rejects SELECT * REPLACE ($2 AS run_id) FROM rejects WHERE run_id = $1", from, to); err != nil {
		t.Fatal(err)
	}
}

var WantSheets = []string{"Summary", "Customers", "Contributions", "Model", "Evidence", "Movers", "Trend", "Drain",
	"Hot-spots", "Repeat failures", "Unsupported", "Aging", "Receivables KPIs", "Reconciliation", "Service queue", "Orphans", "Reject counts", "Rejects"}

func OpenWorkbook(t *testing.T, p string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// sheetXML returns each sheet's worksheet XML by sheet name, read from the
// zip itself, so the assertions see what Excel will see.
func SheetXML(t *testing.T, p string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	read := func(name string) []byte {
		for _, f := range zr.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				b, err := io.ReadAll(rc)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
		}
		t.Fatalf("%s not in workbook", name)
		return nil
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(read("xl/workbook.xml"), &wb); err != nil {
		t.Fatal(err)
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(read("xl/_rels/workbook.xml.rels"), &rels); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range wb.Sheets {
		for _, r := range rels.Rel {
			if r.ID == s.RID {
				target := strings.TrimPrefix(r.Target, "/")
				if !strings.HasPrefix(target, "xl/") {
					target = path.Join("xl", target)
				}
				out[s.Name] = string(read(target))
			}
		}
	}
	return out
}

// colOf finds a header's column letter in row 1.
func ColOf(t *testing.T, f *excelize.File, sheet, header string) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) == 0 {
		t.Fatalf("%s: no rows (%v)", sheet, err)
	}
	i := slices.Index(rows[0], header)
	if i < 0 {
		t.Fatalf("%s: no header %q in %q", sheet, header, rows[0])
	}
	name, _ := excelize.ColumnNumberToName(i + 1)
	return name
}

// rowOf finds the row whose cell in column col equals value.
func RowOf(t *testing.T, f *excelize.File, sheet, col, value string) int {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := excelize.ColumnNameToNumber(col)
	for i, r := range rows {
		if len(r) >= n && r[n-1] == value {
			return i + 1
		}
	}
	t.Fatalf("%s: no row with %s = %q", sheet, col, value)
	return 0
}

func CellAt(col string, row int) string { return col + strconv.Itoa(row) }

func NumFmt(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return "builtin:" + strconv.Itoa(st.NumFmt)
}

func RawValue(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// assertNumber checks a cell is a number cell (no string type, no formula)
// whose stored text is the decimal want, with number format wantFmt.
func AssertNumber(t *testing.T, f *excelize.File, sheet, cell, want, wantFmt string) {
	t.Helper()
	typ, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("%s!%s: cell type %v, want a number", sheet, cell, typ)
	}
	raw := RawValue(t, f, sheet, cell)
	got, ok1 := new(big.Rat).SetString(raw)
	exp, ok2 := new(big.Rat).SetString(want)
	if !ok1 || !ok2 || got.Cmp(exp) != 0 {
		t.Errorf("%s!%s: stored %q, want exactly %s", sheet, cell, raw, want)
	}
	if got := NumFmt(t, f, sheet, cell); got != wantFmt {
		t.Errorf("%s!%s: number format %q, want %q", sheet, cell, got, wantFmt)
	}
}
