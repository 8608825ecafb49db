package pipeline

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accordhq/accord/config"
)

// tableDigest is a sha256 over a result table's rows for one run, in a
// fixed order, without the run id (which differs between runs by design).
func tableDigest(t *testing.T, db *sql.DB, table string, runID int64) string {
	t.Helper()
	return rowsDigest(t, db, "SELECT * EXCLUDE (run_id) FROM "+table+" WHERE run_id = ? ORDER BY ALL", runID)
}

// rowsDigest is "N rows, sha256" over a query's rows.
func rowsDigest(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("digest %q: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%v\n", vals)
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d rows, %x", n, h.Sum(nil))
}

func newRunner(t *testing.T, store *Store, cfgPath string) *Runner {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return &Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock}
}

// TestRerunChangesNothing reruns in full (a rerun that finds nothing
// changed computes nothing: unchanged_test.go).
func TestRerunChangesNothing(t *testing.T) {
	store, first := runFixture(t, "testdata/fixture.yaml")
	before := map[string]string{}
	for _, table := range append(resultTables, "rejects") {
		before[table] = tableDigest(t, store.DB, table, first.RunID)
	}
	second, err := newRunner(t, store, "testdata/fixture.yaml").Run(context.Background(), RunOptions{AsOf: fixtureAsOf, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range append(resultTables, "rejects") {
		if after := tableDigest(t, store.DB, table, second.RunID); after != before[table] {
			t.Errorf("%s: rerun gave %s, first run %s", table, after, before[table])
		}
		// Results are per as-of date: the rerun replaced the first run's rows.
		if n := countRows(t, store.DB, table, first.RunID); n != 0 && table != "rejects" {
			t.Errorf("%s: %d rows of the first run remain for the same as-of date", table, n)
		}
	}
	var customers int64
	store.DB.QueryRow("SELECT count(*) FROM customers").Scan(&customers)
	if customers != 5 {
		t.Errorf("after a rerun there are %d customers, want 5", customers)
	}
	var newFiles, files int64
	store.DB.QueryRow("SELECT count(*) FILTER (WHERE is_new), count(*) FROM run_inputs WHERE run_id = ?", second.RunID).Scan(&newFiles, &files)
	if newFiles != 0 || files != 9 {
		t.Errorf("second run: %d of %d files new; want 0 of 9", newFiles, files)
	}
}

func countRows(t *testing.T, db *sql.DB, table string, runID int64) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM "+table+" WHERE run_id = ?", runID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// copyFixture copies the fixture folder and config to a temp dir, so a test
// can spoil a file.
func copyFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "fixture"), os.DirFS("testdata/fixture")); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/fixture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fixture.yaml"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSameInputsGiveIdenticalResults(t *testing.T) {
	storeA, a := runFixture(t, "testdata/fixture.yaml")
	storeB, b := runFixture(t, "testdata/fixture.yaml")
	for _, table := range append(resultTables, "rejects") {
		if da, db := tableDigest(t, storeA.DB, table, a.RunID), tableDigest(t, storeB.DB, table, b.RunID); da != db {
			t.Errorf("%s differs between two runs on the same inputs: %s vs %s", table, da, db)
		}
	}
}

func TestFailedRunKeepsLastGoodData(t *testing.T) {
	dir := copyFixture(t)
	store, good := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	before := tableDigest(t, store.DB, "customer_value", good.RunID)

	// Spoil the customers: every amount unreadable, far over the 1% threshold.
	path := filepath.Join(dir, "fixture", "customers.csv")
	raw, _ := os.ReadFile(path)
	spoiled := strings.ReplaceAll(string(raw), ",1000000,", ",lots,")
	spoiled = strings.ReplaceAll(spoiled, ",500000,", ",plenty,")
	if err := os.WriteFile(path, []byte(spoiled), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := newRunner(t, store, filepath.Join(dir, "fixture.yaml")).Run(context.Background(), RunOptions{AsOf: fixtureAsOf})
	if err == nil {
		t.Fatal("a run over the reject threshold succeeded")
	}
	for _, want := range []string{"source customers", "annual_revenue: cannot read as a number", "threshold"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if after := tableDigest(t, store.DB, "customer_value", good.RunID); after != before {
		t.Error("the last good results changed after a failed run")
	}
	var customers int64
	var status, msg string
	store.DB.QueryRow("SELECT count(*) FROM customers WHERE annual_revenue IS NOT NULL").Scan(&customers)
	store.DB.QueryRow("SELECT status, error FROM runs WHERE run_id = ?", res.RunID).Scan(&status, &msg)
	if customers != 4 || status != "failed" || !strings.Contains(msg, "threshold") {
		t.Errorf("after a failed run: %d customers with revenue (want 4), run status %q, error %q", customers, status, msg)
	}
}

// Ticket T8 names customer C9, who is not in the CRM export: it is loaded
// and reported, not rejected.
func TestOrphansAreReportedNotRejected(t *testing.T) {
	store, res := runFixture(t, "testdata/fixture.yaml")
	var value string
	var rows int64
	if err := store.DB.QueryRow(`SELECT value, rows FROM orphans WHERE run_id = ? AND source = 'tickets' AND column_name = 'customer_id'`, res.RunID).Scan(&value, &rows); err != nil {
		t.Fatal(err)
	}
	if value != "C9" || rows != 1 {
		t.Errorf("orphan %s × %d, want C9 × 1", value, rows)
	}
	if len(res.Orphans) != 1 || res.Orphans[0].Rows != 1 {
		t.Errorf("run result orphans = %+v", res.Orphans)
	}
	if n := countRows(t, store.DB, "rejects", res.RunID); n != 0 {
		t.Errorf("%d rejects, want 0", n)
	}
}

func TestExtraColumnsAreListed(t *testing.T) {
	dir := copyFixture(t)
	path := filepath.Join(dir, "fixture", "products.csv")
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for i := range lines {
		lines[i] += map[bool]string{true: ",colour", false: ",blue"}[i == 0]
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	store, res := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	var extra string
	if err := store.DB.QueryRow(`SELECT extra_columns FROM run_inputs WHERE run_id = ? AND source = 'products'`, res.RunID).Scan(&extra); err != nil {
		t.Fatal(err)
	}
	if extra != "colour" {
		t.Errorf("extra columns %q, want colour", extra)
	}
}

func TestMissingColumnNamesFileHeadersAndSuggestion(t *testing.T) {
	dir := copyFixture(t)
	path := filepath.Join(dir, "fixture", "surveys.csv")
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(raw), "answered_at", "answerd_at", 1)), 0o644)
	cfg, err := config.Load(filepath.Join(dir, "fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = DryRun(context.Background(), cfg)
	var he *HeaderError
	if !errors.As(err, &he) {
		t.Fatalf("want a HeaderError, got %v", err)
	}
	for _, want := range []string{"surveys.csv", "answered_at", "answerd_at", `did you mean "answerd_at"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// An exact copy of a row is dropped and counted; two rows with the same key
// and different values are both rejected.
func TestDuplicatesExactAndConflicting(t *testing.T) {
	dir := copyFixture(t)
	appendLine := func(file, line string) {
		f, err := os.OpenFile(filepath.Join(dir, "fixture", file), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.WriteString(line + "\n")
	}
	appendLine("products.csv", "P1,Pump A,Pumps,2019-01-01,") // exact copy of line 2
	appendLine("surveys.csv", "S2,C2,2026-03-01,8,3")         // S2 again, nps 8 instead of 7
	cfg := filepath.Join(dir, "fixture.yaml")
	raw, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(raw), "surveys: {files:", "surveys: {reject_threshold: 0.5, files:", 1)), 0o644)
	store, res := runFixture(t, cfg)
	loads := map[string]SourceLoad{}
	for _, s := range res.Sources {
		loads[s.Source] = s
	}
	if p := loads["products"]; p.Duplicates != 1 || p.Loaded != 2 || p.Rejected != 0 {
		t.Errorf("products: %d duplicates, %d loaded, %d rejected; want 1, 2, 0", p.Duplicates, p.Loaded, p.Rejected)
	}
	if s := loads["surveys"]; s.Rejected != 2 || s.Loaded != 3 {
		t.Errorf("surveys: %d rejected, %d loaded; want 2 and 3", s.Rejected, s.Loaded)
	}
	var lines string
	if err := store.DB.QueryRow(`SELECT string_agg(line::VARCHAR, ',' ORDER BY line) FROM rejects
		WHERE run_id = ? AND source = 'surveys' AND reason LIKE 'conflicting duplicate%'`, res.RunID).Scan(&lines); err != nil {
		t.Fatal(err)
	}
	if lines != "3,6" {
		t.Errorf("conflicting duplicates rejected at lines %q, want 3,6", lines)
	}
}
