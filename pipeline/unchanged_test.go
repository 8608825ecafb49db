package pipeline

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/config"
)

// databaseDigest digests every table of the database but runs (which a
// carried-forward run adds a row to) and the sequences' state.
func databaseDigest(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary AND table_name <> 'runs' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]string{}
	for _, n := range tables {
		out[n] = rowsDigest(t, db, "SELECT * FROM "+quoteIdent(n)+" ORDER BY ALL")
	}
	return out
}

// rerunner runs one config again and again into one database, publishing
// a marker file per run, and keeps the log of the last run.
type rerunner struct {
	t          *testing.T
	cfgPath    string
	store      *Store
	reportsDir string
	published  int
	log        bytes.Buffer
}

func newRerunner(t *testing.T, cfgPath string) *rerunner {
	store, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "accord.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &rerunner{t: t, cfgPath: cfgPath, store: store, reportsDir: t.TempDir()}
}

func (rr *rerunner) run(asOf time.Time, full bool) *Result {
	rr.t.Helper()
	cfg, err := config.Load(rr.cfgPath)
	if err != nil {
		rr.t.Fatal(err)
	}
	rr.log.Reset()
	r := &Runner{Store: rr.store, Config: cfg, Logger: slog.New(slog.NewTextHandler(&rr.log, nil)), Now: fixedClock, ReportsDir: rr.reportsDir,
		Publish: func(ctx context.Context, tx *sql.Tx, res *Result, dir string) error {
			rr.published++
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "run.txt"), []byte(itoa(res.RunID)), 0o644)
		}}
	res, err := r.Run(context.Background(), RunOptions{AsOf: asOf, Full: full})
	if err != nil {
		rr.t.Fatalf("run as of %s: %v", asOf.Format(time.DateOnly), err)
	}
	return res
}

func TestUnchangedRerunReadsAndComputesNothing(t *testing.T) {
	dir := copyFixture(t)
	cfgPath := filepath.Join(dir, "fixture.yaml")
	rr := newRerunner(t, cfgPath)
	first := rr.run(fixtureAsOf, false)
	if first.CarriedFrom != 0 {
		t.Fatalf("the first run carried forward run %d", first.CarriedFrom)
	}
	// Ten identical runs leave the database the size of one (plus their
	// records in runs): the target of issue 12.
	size := func() int64 {
		t.Helper()
		if _, err := rr.store.DB.Exec("CHECKPOINT"); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(rr.store.Path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	one := size()
	before := databaseDigest(t, rr.store.DB)
	reportsBefore := folderDigest(t, first.ReportDir)

	again := rr.run(fixtureAsOf, false)
	if again.CarriedFrom != first.RunID || again.RunID == first.RunID || again.ResultsRun() != first.RunID {
		t.Fatalf("rerun: run %d carried from %d, want a new run carrying %d", again.RunID, again.CarriedFrom, first.RunID)
	}
	if rr.published != 1 {
		t.Errorf("reports published %d times, want once", rr.published)
	}
	if strings.Contains(rr.log.String(), "source staged") {
		t.Errorf("the unchanged rerun staged a source:\n%s", rr.log.String())
	}
	after := databaseDigest(t, rr.store.DB)
	for table, d := range before {
		if after[table] != d {
			t.Errorf("table %s changed in an unchanged rerun: %s → %s", table, d, after[table])
		}
	}
	if d := folderDigest(t, first.ReportDir); d != reportsBefore {
		t.Errorf("reports changed in an unchanged rerun")
	}
	if again.ReportDir != first.ReportDir {
		t.Errorf("rerun reports %q, want %q", again.ReportDir, first.ReportDir)
	}
	// The summary is the carried run's, read back from its record.
	if len(again.Sources) != len(first.Sources) {
		t.Fatalf("rerun lists %d sources, the run %d", len(again.Sources), len(first.Sources))
	}
	for i, s := range first.Sources {
		g := again.Sources[i]
		if g.Source != s.Source || g.RowsRead != s.RowsRead || g.Loaded != s.Loaded || g.Rejected != s.Rejected || len(g.Files) != len(s.Files) {
			t.Errorf("rerun source %d: %+v, run had %+v", i, g, s)
		}
	}
	for k, n := range first.Tiers {
		if again.Tiers[k] != n {
			t.Errorf("rerun tier %s: %d, run had %d", k, again.Tiers[k], n)
		}
	}
	if len(again.Orphans) != len(first.Orphans) {
		t.Errorf("rerun orphans %v, run had %v", again.Orphans, first.Orphans)
	}
	var status string
	var carried sql.NullInt64
	if err := rr.store.DB.QueryRow(`SELECT status, carried_from FROM runs WHERE run_id = ?`, again.RunID).Scan(&status, &carried); err != nil {
		t.Fatal(err)
	}
	if status != "unchanged" || carried.Int64 != first.RunID {
		t.Errorf("rerun recorded %s carried from %v", status, carried)
	}
	for range 8 { // with the one above, nine reruns
		rr.run(fixtureAsOf, false)
	}
	if ten := size(); float64(ten) > 1.1*float64(one) {
		t.Errorf("after ten identical runs the database is %d bytes, after one %d", ten, one)
	}
	runs, err := Runs(context.Background(), rr.store.DB, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if runs[0].CarriedFrom != first.RunID || runs[0].Rows != runs[1].Rows || runs[0].Rows == 0 {
		t.Errorf("accord runs shows the rerun as %+v", runs[0])
	}
}

// TestAnyChangeRunsInFull changes, one at a time, each thing the results
// rest on; each time the run computes everything again, reading the
// sources whose inputs changed (source_skip_test.go: which ones).
func TestAnyChangeRunsInFull(t *testing.T) {
	dir := copyFixture(t)
	cfgPath := filepath.Join(dir, "fixture.yaml")
	rr := newRerunner(t, cfgPath)
	last := rr.run(fixtureAsOf, false)
	expectFull := func(what string, res *Result, read ...string) {
		t.Helper()
		if res.CarriedFrom != 0 {
			t.Errorf("%s: the run carried forward run %d", what, res.CarriedFrom)
		}
		for _, s := range res.Sources {
			if want := read == nil || slices.Contains(read, s.Source); (s.KeptFrom == 0) != want {
				t.Errorf("%s: source %s read %v, want %v", what, s.Source, s.KeptFrom == 0, want)
			}
		}
		last = res
	}
	none := []string{}
	expectCarried := func(what string, res *Result) {
		t.Helper()
		if res.CarriedFrom != last.RunID {
			t.Errorf("%s: carried from %d, want %d", what, res.CarriedFrom, last.RunID)
		}
	}

	// Same bytes written again (a new mtime) is no change.
	tickets := filepath.Join(dir, "fixture", "tickets.csv")
	raw, err := os.ReadFile(tickets)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tickets, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(tickets, later, later); err != nil {
		t.Fatal(err)
	}
	expectCarried("same bytes, new mtime", rr.run(fixtureAsOf, false))

	// One byte of one input.
	changed := bytes.Replace(raw, []byte("\n"), []byte("\n\n"), 1) // a blank line: same rows, other bytes
	if err := os.WriteFile(tickets, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	expectFull("a changed input", rr.run(fixtureAsOf, false), "tickets")
	expectCarried("after the changed input, unchanged", rr.run(fixtureAsOf, false))

	expectFull("--full", rr.run(fixtureAsOf, true))
	expectCarried("after --full, unchanged", rr.run(fixtureAsOf, false))

	editFixtureConfig(t, dir, "hourly_cost:", "# a comment\n  hourly_cost:")
	expectFull("a changed config", rr.run(fixtureAsOf, false), none...)

	other := fixtureAsOf.AddDate(0, 0, -7)
	expectFull("another as-of date", rr.run(other, false), none...)
	// Back to the first date: the canonical tables are still the same
	// files', but the results last computed are another date's, and the
	// movers of the first date compare with them.
	expectFull("back to the first date", rr.run(fixtureAsOf, false), none...)

	if err := os.RemoveAll(last.ReportDir); err != nil {
		t.Fatal(err)
	}
	res := rr.run(fixtureAsOf, false)
	expectFull("reports removed", res, none...)
	if _, err := os.Stat(filepath.Join(res.ReportDir, "run.txt")); err != nil {
		t.Errorf("reports not written again: %v", err)
	}
}
