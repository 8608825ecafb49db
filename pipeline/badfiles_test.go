package pipeline

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/accordhq/accord/config"
)

// runFixtureErr runs the config at cfgPath on a fresh database and returns
// the run's error with the stored run record's status and error.
func runFixtureErr(t *testing.T, cfgPath string, publish func(context.Context, *sql.Tx, *Result, string) error) (store *Store, res *Result, runErr error, status, stored string) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err = OpenStore(context.Background(), filepath.Join(t.TempDir(), "accord.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r := &Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock, Publish: publish, ReportsDir: t.TempDir()}
	res, runErr = r.Run(context.Background(), RunOptions{AsOf: fixtureAsOf})
	var e *string
	if err := store.DB.QueryRow(`SELECT status, error FROM runs ORDER BY run_id DESC LIMIT 1`).Scan(&status, &e); err != nil {
		t.Fatal(err)
	}
	if e != nil {
		stored = *e
	}
	return store, res, runErr, status, stored
}

// editFixtureConfig replaces old by new in the fixture config of dir.
func editFixtureConfig(t *testing.T, dir, old, new string) string {
	t.Helper()
	cfg := filepath.Join(dir, "fixture.yaml")
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), old) {
		t.Fatalf("fixture config has no %q", old)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(raw), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// assertPrintable fails when s holds a control character other than a
// newline or tab, or invalid UTF-8.
func assertPrintable(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s is not valid UTF-8: %q", what, s)
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			t.Errorf("%s holds control character %U: %q", what, r, s)
			return
		}
	}
}

// xlsxBytes is a workbook with rows on its first sheet.
func xlsxBytes(t *testing.T, rows [][]string) []byte {
	t.Helper()
	wb := excelize.NewFile()
	defer wb.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(r))
		for k, v := range r {
			vals[k] = v
		}
		if err := wb.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := wb.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Random bytes or a truncated workbook as customers.xlsx panicked in
// loader.prepare (the failed prepare's fingerprint wrote to its nil result),
// exit 2, and the run was recorded succeeded. Now the run fails, recorded
// failed, with the file named.
func TestBadXLSXFailsTheRunAndIsRecordedFailed(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 4096)
	rng.Read(random)
	good := xlsxBytes(t, [][]string{{"product_id", "name", "family", "launched_at", "supported_until"}, {"P1", "Pump A", "Pumps", "2019-01-01", ""}})
	for name, content := range map[string][]byte{
		"random":    random,
		"truncated": good[:len(good)/2],
		"empty":     {},
	} {
		t.Run(name, func(t *testing.T) {
			dir := copyFixture(t)
			os.WriteFile(filepath.Join(dir, "fixture", "products.xlsx"), content, 0o644)
			cfg := editFixtureConfig(t, dir, "products: {files: [products.csv],", "products: {format: xlsx, files: [products.xlsx],")
			_, _, err, status, stored := runFixtureErr(t, cfg, nil)
			if err == nil {
				t.Fatal("run succeeded on a bad workbook")
			}
			var pe *PanicError
			if errors.As(err, &pe) {
				t.Fatalf("run panicked: %v\n%s", pe.Value, pe.Stack)
			}
			if status != "failed" || !strings.Contains(stored, "products.xlsx") {
				t.Errorf("run recorded %s with error %q, want failed naming products.xlsx", status, stored)
			}
		})
	}
}

// A panic anywhere in a run (here in publishing) is recovered: the run is
// recorded failed with the panic, and Run returns a *PanicError.
func TestPanicInARunIsRecordedFailed(t *testing.T) {
	_, _, err, status, stored := runFixtureErr(t, "testdata/fixture.yaml", func(context.Context, *sql.Tx, *Result, string) error {
		var m map[string]int
		m["boom"]++ // a nil map write: a real runtime panic
		return nil
	})
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Run returned %v, want a *PanicError", err)
	}
	if status != "failed" || !strings.Contains(stored, "internal error") || !strings.Contains(stored, "nil map") {
		t.Errorf("run recorded %s with error %q, want failed with the panic", status, stored)
	}
}

// A UTF-16 file declared utf-8 and a binary file end with a short printable
// message naming the file and what to set; runs.error is printable too (it
// once held NULs, failed to bind and left the run "running").
func TestUnreadableTextFilesGiveActionableErrors(t *testing.T) {
	utf16 := func(s string, big bool) []byte {
		var b bytes.Buffer
		for _, r := range s { // ASCII only here
			if big {
				b.Write([]byte{0, byte(r)})
			} else {
				b.Write([]byte{byte(r), 0})
			}
		}
		return b.Bytes()
	}
	text := "product_id,name,family,launched_at,supported_until\nP1,Pump A,Pumps,2019-01-01,\nP2,Valve B,Valves,2018-01-01,2026-06-30\n"
	rng := rand.New(rand.NewSource(2))
	random := make([]byte, 8192)
	rng.Read(random)
	random[10] = 0 // a NUL for sure, and escape bytes
	random[11] = 0x1b
	xlsx := xlsxBytes(t, [][]string{{"a"}, {"b"}})
	cases := []struct {
		name, encoding string
		content        []byte
		want           string
	}{
		{"utf16le declared utf-8", "utf-8", utf16(text, false), "set sources.products.encoding: utf-16le"},
		{"utf16be auto", "auto", utf16(text, true), "set sources.products.encoding: utf-16be"},
		{"binary", "utf-8", random, "binary"},
		{"binary auto", "auto", random, "binary"},
		{"xlsx as csv", "auto", xlsx, "set sources.products.format: xlsx"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyFixture(t)
			os.WriteFile(filepath.Join(dir, "fixture", "products.csv"), c.content, 0o644)
			cfg := editFixtureConfig(t, dir, "products: {files: [products.csv],", "products: {encoding: "+c.encoding+", files: [products.csv],")
			_, _, err, status, stored := runFixtureErr(t, cfg, nil)
			if err == nil {
				t.Fatal("run succeeded")
			}
			msg := Printable(err.Error())
			if !strings.Contains(msg, "products.csv") || !strings.Contains(msg, c.want) {
				t.Errorf("error %q does not name the file and %q", msg, c.want)
			}
			if len(msg) > 400 {
				t.Errorf("error is %d bytes long: %q", len(msg), msg)
			}
			if status != "failed" {
				t.Errorf("run recorded %s, want failed", status)
			}
			assertPrintable(t, "runs.error", stored)
		})
	}
}

func TestPrintableEscapesControlsAndInvalidUTF8(t *testing.T) {
	got := Printable("a\x00b\x1b[31mc\xff\n控制板\t")
	want := `a\u0000b\u001b[31mc\xff` + "\n控制板\t"
	if got != want {
		t.Errorf("Printable = %q, want %q", got, want)
	}
	long := Printable(strings.Repeat("x", 3*maxErrorLen))
	if len(long) > maxErrorLen+40 || !strings.Contains(long, "more bytes") {
		t.Errorf("a long message is not cut: %d bytes", len(long))
	}
}

// ticketsWithUnclosedQuote writes tickets.csv: the fixture's header, then n
// generated tickets, the one on physical line quoteLine opening a quote it
// never closes. It returns the physical line count.
func ticketsWithUnclosedQuote(t *testing.T, dir string, n, quoteLine int) int {
	t.Helper()
	var b strings.Builder
	b.WriteString("ticket_id,customer_id,opened_at,closed_at,product_id,serial_no,component,region,category,severity,effort_hours,escalations,reopens,csat,resolution\n")
	for i := 2; i <= n+1; i++ {
		component := "power"
		if i == quoteLine {
			component = `"控制板` // the quote opens and never closes
		}
		fmt.Fprintf(&b, "TX%d,C1,2026-02-01 09:00:00,2026-02-02 09:00:00,P1,,%s,华北,fault,2,1,0,0,5,fixed\n", i, component)
	}
	if err := os.WriteFile(filepath.Join(dir, "fixture", "tickets.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return n + 1
}

// An unclosed quote on line 50 of a 1,301-line export made DuckDB read
// nothing after it, with one reject and exit 0 (TRAPS.md). The lines after
// it are now rejected as a range naming the quote's line, and count against
// the threshold: 1,252 of 1,300 rows, far over 1%.
func TestUnclosedQuoteRejectsTheUnreadLines(t *testing.T) {
	dir := copyFixture(t)
	lines := ticketsWithUnclosedQuote(t, dir, 1300, 50)
	_, _, err, status, stored := runFixtureErr(t, filepath.Join(dir, "fixture.yaml"), nil)
	var te *ThresholdError
	if !errors.As(err, &te) || te.Source != "tickets" {
		t.Fatalf("run error %v, want the tickets threshold", err)
	}
	// Lines 2–49 load (48); line 50 is the malformed row; 51–1301 unread (1,251).
	if te.Read != int64(lines-1) || te.Rejected != 1+int64(lines-50) {
		t.Errorf("read %d, rejected %d; want %d read, %d rejected", te.Read, te.Rejected, lines-1, 1+lines-50)
	}
	if status != "failed" || !strings.Contains(stored, "quote opened on line 50") {
		t.Errorf("run recorded %s: %q", status, stored)
	}

	// validate --inputs (DryRun) says the same.
	cfg, err := config.Load(filepath.Join(dir, "fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	loads, err := DryRun(context.Background(), cfg)
	if !errors.As(err, &te) {
		t.Fatalf("dry run: %v, want the threshold", err)
	}
	last := loads[len(loads)-1] // the failing source comes last
	if last.Source != "tickets" || last.RowsRead != int64(lines-1) || last.Loaded != 48 {
		t.Errorf("dry run tickets: read %d, loaded %d; want %d, 48", last.RowsRead, last.Loaded, lines-1)
	}
}

// Allowed by the threshold, the range is one reject row at the first unread
// line, with the count in run_inputs.
func TestUnclosedQuoteRangeIsRecorded(t *testing.T) {
	dir := copyFixture(t)
	lines := ticketsWithUnclosedQuote(t, dir, 300, 120)
	cfg := editFixtureConfig(t, dir, "tickets: {files: [tickets.csv],", "tickets: {reject_threshold: 1, files: [tickets.csv],")
	store, res, err, _, _ := runFixtureErr(t, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var line int64
	var reason string
	if err := store.DB.QueryRow(`SELECT line, reason FROM rejects WHERE run_id = ? AND source = 'tickets' AND reason LIKE 'not read:%'`, res.RunID).Scan(&line, &reason); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("not read: %d line(s), 121 to %d, follow a quote opened on line 120", lines-120, lines)
	if line != 121 || !strings.HasPrefix(reason, want) {
		t.Errorf("range reject at line %d: %q, want line 121: %q", line, reason, want)
	}
	var read, rejected int64
	if err := store.DB.QueryRow(`SELECT rows_read, rows_rejected FROM run_inputs WHERE run_id = ? AND source = 'tickets'`, res.RunID).Scan(&read, &rejected); err != nil {
		t.Fatal(err)
	}
	if read != int64(lines-1) || rejected != int64(lines-120)+1 {
		t.Errorf("run_inputs: %d read, %d rejected; want %d, %d", read, rejected, lines-1, lines-120+1)
	}
}

// runAgain runs cfgPath on an existing store.
func runAgain(t *testing.T, store *Store, cfgPath string) error {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock}
	_, err = r.Run(context.Background(), RunOptions{AsOf: fixtureAsOf})
	return err
}

// keepLines rewrites a fixture file with its header and its first n records.
func keepLines(t *testing.T, path string, n int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	if err := os.WriteFile(path, []byte(strings.Join(lines[:1+n], "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A header-only export emptied its table with exit 0 (activities 42,632 →
// 0). Now the run fails naming the source, unless allow_empty says so.
func TestHeaderOnlyExportFailsTheRun(t *testing.T) {
	dir := copyFixture(t)
	keepLines(t, filepath.Join(dir, "fixture", "activities.csv"), 0)
	store, _, err, status, _ := runFixtureErr(t, filepath.Join(dir, "fixture.yaml"), nil)
	var se *ShrinkError
	if !errors.As(err, &se) || se.Source != "activities" || se.Rows != 0 {
		t.Fatalf("run error %v, want activities loaded no rows", err)
	}
	if status != "failed" || !strings.Contains(err.Error(), "sources.activities.allow_empty") {
		t.Errorf("run %s: %v", status, err)
	}
	var n int64
	if err := store.DB.QueryRow(`SELECT count(*) FROM activities`).Scan(&n); err != nil || n != 0 {
		t.Errorf("activities holds %d rows after a failed first run (%v)", n, err)
	}
	cfg := editFixtureConfig(t, dir, "activities: {files:", "activities: {allow_empty: true, files:")
	if _, _, err, _, _ := runFixtureErr(t, cfg, nil); err != nil {
		t.Errorf("allow_empty: %v", err)
	}
}

// A source that falls by more than max_shrink (default 50%) from the last
// good run fails the run and leaves the last good data; the fixture's 23
// activities cut to 11 is a 52% drop, to 12 a 48% one.
func TestSourceShrinkingPastMaxShrinkFailsTheRun(t *testing.T) {
	dir := copyFixture(t)
	cfgPath := filepath.Join(dir, "fixture.yaml")
	store, _ := runFixture(t, cfgPath)
	activities := filepath.Join(dir, "fixture", "activities.csv")
	full, _ := os.ReadFile(activities)
	keepLines(t, activities, 11)
	err := runAgain(t, store, cfgPath)
	var se *ShrinkError
	if !errors.As(err, &se) || se.Source != "activities" || se.Rows != 11 || se.Previous != 23 {
		t.Fatalf("run error %v, want activities 11 of 23", err)
	}
	var n int64
	if err := store.DB.QueryRow(`SELECT count(*) FROM activities`).Scan(&n); err != nil || n != 23 {
		t.Errorf("activities holds %d rows, want the last good 23 (%v)", n, err)
	}
	os.WriteFile(activities, full, 0o644)
	keepLines(t, activities, 12)
	if err := runAgain(t, store, cfgPath); err != nil {
		t.Errorf("a 48%% drop failed: %v", err)
	}
	// The last good run now has 12: 5 is a 58% drop, allowed at 0.6.
	keepLines(t, activities, 5)
	cfgPath = editFixtureConfig(t, dir, "activities: {files:", "activities: {max_shrink: 0.6, files:")
	if err := runAgain(t, store, cfgPath); err != nil {
		t.Errorf("max_shrink 0.6: %v", err)
	}
}

// An as-of date before every event gave exit 0 and full tiers from
// nothing. The run fails instead, naming the earliest event, which the
// test finds by reading the fixture's files with encoding/csv.
func TestAsOfBeforeAnyDataFailsTheRun(t *testing.T) {
	store, _, err := runAt(t, "testdata/fixture.yaml", time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC))
	var be *BeforeDataError
	if !errors.As(err, &be) {
		t.Fatalf("run error %v, want BeforeDataError", err)
	}
	if !strings.Contains(err.Error(), "as-of 2019-06-01 is before any data") || be.Earliest != earliestFixtureEvent(t) {
		t.Errorf("error %q, earliest %s; want %s", err, be.Earliest, earliestFixtureEvent(t))
	}
	var n int64
	if err := store.DB.QueryRow(`SELECT count(*) FROM customer_value`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d scores written (%v)", n, err)
	}
}

// earliestFixtureEvent reads the fixture's event columns with encoding/csv,
// independently of the loader, and returns the earliest date.
func earliestFixtureEvent(t *testing.T) string {
	t.Helper()
	earliest := ""
	for file, col := range map[string]string{"activities.csv": "occurred_at", "surveys.csv": "answered_at", "billing_lines.csv": "issued_at",
		"ar_invoices.csv": "issued_at", "ar_payments.csv": "paid_at", "tickets.csv": "opened_at"} {
		fh, err := os.Open(filepath.Join("testdata/fixture", file))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		k := slices.Index(recs[0], col)
		for _, r := range recs[1:] {
			d := strings.ReplaceAll(r[k], "/", "-")[:10]
			if earliest == "" || d < earliest {
				earliest = d
			}
		}
	}
	return earliest
}

// Future-dated rows (2030 when the as-of date is 2026) loaded silently;
// they load still, and are counted per source and column as a warning.
func TestFutureDatedRowsAreCountedPerColumn(t *testing.T) {
	dir := copyFixture(t)
	p := filepath.Join(dir, "fixture", "tickets.csv")
	raw, _ := os.ReadFile(p)
	raw = append(raw, []byte("T90,C1,2030-01-05 09:00:00,2030-01-06 09:00:00,P1,,power,East,fault,2,1,0,0,5,fixed\n"+
		"T91,C2,2031-03-01 09:00:00,,P1,,power,East,fault,2,1,0,0,5,fixed\n")...)
	os.WriteFile(p, raw, 0o644)
	_, res := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	got := map[string]FutureDates{}
	for _, f := range res.FutureDates {
		got[f.Source+"."+f.Column] = f
	}
	if f := got["tickets.opened_at"]; f.Rows != 2 || f.Latest != "2031-03-01" {
		t.Errorf("tickets.opened_at: %+v, want 2 rows, latest 2031-03-01", f)
	}
	if f := got["tickets.closed_at"]; f.Rows != 1 || f.Latest != "2030-01-06" {
		t.Errorf("tickets.closed_at: %+v, want 1 row, latest 2030-01-06", f)
	}
	if len(got) != 2 {
		t.Errorf("future dates %v, want only the two tickets columns (due_at and supported_until lie ahead by nature)", res.FutureDates)
	}
}

// A stray byte in GB18030 data was reported to swallow the valid row after
// it into one reject. Each stray byte here ends a line or precedes a quote
// or a delimiter, none of which a GB18030 character can contain: every row
// stays its own, the rows around each load, and a row with a bad value or
// broken by its own line break is rejected at its lines alone.
func TestStrayGB18030ByteKeepsTheNextRow(t *testing.T) {
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("泵")
	if err != nil {
		t.Fatal(err)
	}
	content := "product_id,name,family,launched_at,supported_until\n" +
		"P1," + gb + "\x81,Pumps,2019-01-01,\n" + // line 2: a stray lead byte before the delimiter
		"P2,Good,Pumps,2019-01-01,\x81\n" + // line 3: before the line break, in a date: rejected alone
		"P3,\"" + gb + "\x81\",Valves,2018-01-01,\n" + // line 4: before a closing quote
		"P4,Broken\x81\n" + // lines 5–6: a row cut by a line break
		",Valves,2018-01-01,\n" +
		"P5,Good,Valves,2018-01-01,\n"
	dir := copyFixture(t)
	os.WriteFile(filepath.Join(dir, "fixture", "products.csv"), []byte(content), 0o644)
	cfg := editFixtureConfig(t, dir, "products: {files: [products.csv],", "products: {reject_threshold: 1, encoding: gb18030, files: [products.csv],")
	store, res := runFixture(t, cfg)
	var ids string
	if err := store.DB.QueryRow(`SELECT string_agg(product_id, ',' ORDER BY product_id) FROM products`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if ids != "P1,P3,P5" {
		t.Errorf("loaded products %s, want P1,P3,P5", ids)
	}
	var lines string
	if err := store.DB.QueryRow(`SELECT string_agg(DISTINCT line::VARCHAR, ',' ORDER BY line::VARCHAR) FROM rejects WHERE run_id = ? AND source = 'products'`, res.RunID).Scan(&lines); err != nil {
		t.Fatal(err)
	}
	if lines != "3,5,6" {
		t.Errorf("rejects at lines %s, want 3,5,6", lines)
	}
}

// A run cancelled mid-load (as the scheduler's --grace does) was reported
// to leave its accord_staged_* tables behind; the run drops them however it
// ends. The cancel falls inside the read of a 200,000-line file.
func TestCancelledRunLeavesNoStagedTables(t *testing.T) {
	dir := copyFixture(t)
	var b strings.Builder
	b.WriteString("activity_id,customer_id,occurred_at,direction,channel,kind\n")
	for i := 0; i < 200000; i++ {
		fmt.Fprintf(&b, "A%d,C1,2026-01-15 10:00:00,inbound,phone,\n", i)
	}
	os.WriteFile(filepath.Join(dir, "fixture", "activities.csv"), []byte(b.String()), 0o644)
	cfg, err := config.Load(filepath.Join(dir, "fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, 600 * time.Millisecond} {
		store, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "accord.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), after)
		r := &Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock}
		_, err = r.Run(ctx, RunOptions{AsOf: fixtureAsOf})
		cancel()
		var left int64
		if qerr := store.DB.QueryRow(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'accord_staged_%'`).Scan(&left); qerr != nil {
			t.Fatal(qerr)
		}
		if err != nil && left > 0 {
			t.Errorf("cancelled after %s (%v): %d staged tables left", after, err, left)
		}
		store.Close()
	}
}

// A reject's value cut inside a multi-byte character was invalid UTF-8,
// which DuckDB refused to bind ("could not bind parameter", "Invalid
// unicode … in segment statistics update"): the run failed on its own
// reject of an unclosed quote late in a file.
func TestTruncateCutsAtACharacterBoundary(t *testing.T) {
	s := strings.Repeat("控制板", 200) // 3 bytes each: byte 500 falls inside one
	got := truncate(s, 500)
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || len(got) > 500+len("…") {
		t.Errorf("truncate gave %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if got := truncate("a\xffb", 10); !utf8.ValidString(got) {
		t.Errorf("truncate kept invalid UTF-8: %q", got)
	}
}
