package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/reports"
)

// retentionRunner runs one config into one database at weekly as-of dates.
type retentionRunner struct {
	t     *testing.T
	cfg   *config.Config
	store *Store
}

func newRetentionRunner(t *testing.T, cfgPath string) *retentionRunner {
	t.Helper()
	cfg, store := configAndStore(t, cfgPath)
	return &retentionRunner{t: t, cfg: cfg, store: store}
}

// week is the as-of date of the i-th weekly run (0: fixtureAsOf).
func week(i int) time.Time { return fixtureAsOf.AddDate(0, 0, 7*i) }

func (rr *retentionRunner) run(ctx context.Context, logger *slog.Logger, asOf time.Time, full bool) (*Result, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &Runner{Store: rr.store, Config: rr.cfg, Logger: logger, Now: fixedClock}
	return r.Run(ctx, RunOptions{AsOf: asOf, Full: full})
}

func (rr *retentionRunner) mustRun(asOf time.Time, full bool) *Result {
	rr.t.Helper()
	res, err := rr.run(context.Background(), nil, asOf, full)
	if err != nil {
		rr.t.Fatalf("run as of %s: %v", asOf.Format(time.DateOnly), err)
	}
	return res
}

// runKeyedTables lists every table of the database with a run_id column,
// found in the catalog rather than from the code's own lists.
func runKeyedTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT DISTINCT table_name FROM duckdb_columns() WHERE column_name = 'run_id'
		AND database_name = current_database() AND schema_name = 'main' AND NOT internal ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func runIDsIn(t *testing.T, db *sql.DB, q string, args ...any) []int64 {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// ledgerTables are the run-keyed tables that keep every run: the audit trail.
var ledgerTables = []string{"runs", "run_inputs", "run_sources", "outbox"}

// TestHistoryKeepsTheNewestRunsAndTheFileBounded runs the fixture, with
// 10,000 rejected activities a run (rejects are the run-keyed rows that grow
// fastest), at twenty weekly dates with history.keep_runs at its minimum, 8:
// after the last, exactly the newest 8 dates' runs have rows in every
// run-keyed table and the older ones are marked in the ledger; and the
// database, checkpointed by each run, reaches a steady size: over the last
// four runs neither the file nor the blocks in use exceed 1.15× their most
// over the four runs after pruning began (runs 9 to 12). Without pruning
// both grew by a third over the same runs.
func TestHistoryKeepsTheNewestRunsAndTheFileBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("twenty runs")
	}
	cfgPath := fixtureKeeping(t, "8")
	appendActivities(t, filepath.Join(filepath.Dir(cfgPath), "fixture", "activities.csv"), 12000, 10000)
	rr := newRetentionRunner(t, cfgPath)
	keep := rr.cfg.History.Runs()
	if keep != config.MinKeepRuns {
		t.Fatalf("keep_runs %d, want %d", keep, config.MinKeepRuns)
	}
	const runs = 20
	var ids []int64
	wrote := map[string]map[int64]bool{} // table -> runs that wrote rows to it, seen right after each run
	var sizes, usedBlocks []int64
	var unchanged *Result
	for i := range runs {
		res := rr.mustRun(week(i), true)
		ids = append(ids, res.RunID)
		for _, tb := range prunedTables {
			if countRows(t, rr.store.DB, tb, res.RunID) > 0 {
				if wrote[tb] == nil {
					wrote[tb] = map[int64]bool{}
				}
				wrote[tb][res.RunID] = true
			}
		}
		if i == 0 {
			// A rerun that finds nothing changed stands for run 1's results:
			// they go when run 1's go, and the rerun is marked with them.
			if unchanged = rr.mustRun(week(0), false); unchanged.CarriedFrom != res.RunID {
				t.Fatalf("the rerun carried from %d, want %d", unchanged.CarriedFrom, res.RunID)
			}
		}
		sizes = append(sizes, fileSize(rr.store.Path)+max(fileSize(rr.store.Path+".wal"), 0))
		var used int64
		if err := rr.store.DB.QueryRow(`SELECT used_blocks FROM pragma_database_size()`).Scan(&used); err != nil {
			t.Fatal(err)
		}
		usedBlocks = append(usedBlocks, used)
		wantPruned := max(0, len(ids)-keep)
		if res.Pruned != min(1, wantPruned) {
			t.Errorf("run %d (as of %s) pruned %d runs, want %d", i+1, week(i).Format(time.DateOnly), res.Pruned, min(1, wantPruned))
		}
	}
	kept := ids[runs-keep:]
	pruned := append(slices.Clone(ids[:runs-keep]), unchanged.RunID)
	t.Logf("database file after each run (bytes): %v; blocks in use: %v", sizes, usedBlocks)
	// DuckDB reuses freed blocks only after a checkpoint, and compacts a
	// table's deleted rows every few runs, so the sizes rise and fall in
	// cycles: each window's most is compared, not one run's size.
	early, late := keep, runs-4 // run 9 on (pruning began), the last four
	for _, m := range []struct {
		what   string
		values []int64
	}{{"file bytes", sizes}, {"blocks in use", usedBlocks}} {
		before, after := slices.Max(m.values[early:early+4]), slices.Max(m.values[late:])
		if float64(after) > 1.15*float64(before) {
			t.Errorf("%s: at most %d over runs %d to %d, %.2f× the %d of runs %d to %d: the database is not bounded",
				m.what, after, late+1, runs, float64(after)/float64(before), before, early+1, early+4)
		}
	}
	// The bound means something only if, without pruning, the runs in
	// between would have grown the database past it: the runs before
	// pruning (from the second: the first has no replaced tables whose
	// blocks the next can reuse) show what each adds.
	perRun := float64(usedBlocks[keep-1]-usedBlocks[1]) / float64(keep-2)
	if perRun*float64(late-early) <= 0.15*float64(slices.Max(usedBlocks[early:early+4])) {
		t.Fatalf("the runs before pruning added %.1f blocks each: too few for the bound to tell pruning from none", perRun)
	}
	for _, tb := range runKeyedTables(t, rr.store.DB) {
		got := runIDsIn(t, rr.store.DB, "SELECT DISTINCT run_id FROM "+tb+" ORDER BY 1")
		if slices.Contains(ledgerTables, tb) {
			// Every run stays in the ledger; an unchanged run has a row in
			// runs only (it read nothing), and these runs mailed no one.
			var want []int64
			switch tb {
			case "runs":
				want = append(slices.Clone(ids), unchanged.RunID)
			case "run_inputs", "run_sources":
				want = ids
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s holds runs %v, want %v: the ledger stays", tb, got, want)
			}
			continue
		}
		var want []int64
		for _, id := range kept {
			if wrote[tb][id] {
				want = append(want, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s holds rows of runs %v, want those of the kept runs that wrote any, %v", tb, got, want)
		}
		if !slices.Contains(prunedTables, tb) {
			t.Errorf("run-keyed table %s is neither pruned nor part of the ledger", tb)
		}
	}
	for _, tb := range []string{"customer_value", "rejects"} {
		if len(wrote[tb]) != runs {
			t.Errorf("%s: %d runs wrote rows, want all %d (the check above needs them to)", tb, len(wrote[tb]), runs)
		}
	}
	gotPruned := runIDsIn(t, rr.store.DB, "SELECT run_id FROM runs WHERE results_pruned_at IS NOT NULL ORDER BY 1")
	slices.Sort(pruned)
	if !slices.Equal(gotPruned, pruned) {
		t.Errorf("runs marked pruned: %v, want %v", gotPruned, pruned)
	}
	records, err := Runs(context.Background(), rr.store.DB, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if (r.ResultsPrunedAt != nil) != slices.Contains(pruned, r.RunID) {
			t.Errorf("accord runs shows run %d with results_pruned_at %v", r.RunID, r.ResultsPrunedAt)
		}
		if r.ResultsPrunedAt != nil && r.Rows == 0 {
			t.Errorf("accord runs shows pruned run %d with 0 rows loaded: its ledger rows went with its results", r.RunID)
		}
	}
}

// editConfigText replaces from with to in the config file at path.
func editConfigText(t *testing.T, path, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), from) {
		t.Fatalf("%s does not contain %q", path, from)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(raw), from, to, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixtureKeeping is the fixture config with history.keep_runs set, and one
// rejected activity per run (the fixture has none), so that rejects too are
// seen kept and pruned.
func fixtureKeeping(t *testing.T, keep string) string {
	t.Helper()
	dir := copyFixture(t)
	path := filepath.Join(dir, "fixture.yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(raw, []byte("\nhistory:\n  keep_runs: "+keep+"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	editConfigText(t, path, "activities: {files: [activities.csv],", "activities: {files: [activities.csv], reject_threshold: 0.9,")
	f, err := os.OpenFile(filepath.Join(dir, "fixture", "activities.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("AC-bad,C1,not a date,inbound,phone,\n"); err != nil {
		t.Fatal(err)
	}
	return path
}

// A run that fails after its pruning statements ran (cancelled at the
// "history pruned" log line, inside its transaction, before the commit)
// removes nothing; the next run that succeeds does. While a recipient of
// the oldest run is still queued, that run keeps its results; once sent,
// they go.
func TestPruningOnlyWithASucceededRunAndNotUnderTheSender(t *testing.T) {
	rr := newRetentionRunner(t, fixtureKeeping(t, "8"))
	var ids []int64
	for i := range 8 {
		ids = append(ids, rr.mustRun(week(i), true).RunID)
	}
	first := ids[0]
	before := databaseDigest(t, rr.store.DB)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(cancelAt{Handler: slog.NewTextHandler(io.Discard, nil), msg: "history pruned", cancel: cancel})
	failed, err := rr.run(ctx, logger, week(8), true)
	if err == nil {
		t.Fatal("the run cancelled at its pruning succeeded")
	}
	var status string
	if err := rr.store.DB.QueryRow(`SELECT status FROM runs WHERE run_id = ?`, failed.RunID).Scan(&status); err != nil || status != "failed" {
		t.Fatalf("the cancelled run is recorded %q (%v), want failed", status, err)
	}
	after := databaseDigest(t, rr.store.DB)
	for tb, d := range before {
		if tb == "rejects" {
			continue // the failed run's own rejects are committed before its transaction
		}
		if after[tb] != d {
			t.Errorf("%s changed after a run failed at its pruning: %s, was %s", tb, after[tb], d)
		}
	}
	if n := queryCount(t, rr.store.DB, `SELECT count(*) FROM runs WHERE results_pruned_at IS NOT NULL`); n != 0 {
		t.Errorf("%d runs marked pruned by a failed run", n)
	}
	for _, tb := range []string{"customer_value", "rejects"} {
		if n := countRows(t, rr.store.DB, tb, first); n == 0 {
			t.Errorf("the oldest run's %s went with a failed run", tb)
		}
	}

	// A recipient of the oldest run not yet sent: the sender renders from
	// its results, so they stay past keep_runs.
	if _, err := rr.store.DB.Exec(`INSERT INTO outbox VALUES (?, 'manual', 'a@example.com', 'm1@example.com', 'queued', 0, NULL, ?)`, first, fixedClock()); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	res, err := rr.run(context.Background(), slog.New(slog.NewTextHandler(&log, nil)), week(9), true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pruned != 0 || countRows(t, rr.store.DB, "customer_value", first) == 0 {
		t.Errorf("with a recipient queued, run %d's results were pruned (%d runs pruned)", first, res.Pruned)
	}
	if !strings.Contains(log.String(), `msg="results kept past history.keep_runs: recipients still queued"`) || !strings.Contains(log.String(), "runs=1") {
		t.Errorf("the run that kept a run for its mail did not say so:\n%s", log.String())
	}
	if _, err := rr.store.DB.Exec(`UPDATE outbox SET status = 'sent' WHERE run_id = ?`, first); err != nil {
		t.Fatal(err)
	}
	res = rr.mustRun(week(10), true)
	// Dates 0..10 but 8 (failed): 10 succeeded dates, the newest 8 kept, and
	// the failed run's date is among them, so its rejects stay.
	gotPruned := runIDsIn(t, rr.store.DB, "SELECT run_id FROM runs WHERE results_pruned_at IS NOT NULL ORDER BY 1")
	if want := []int64{ids[0], ids[1]}; !slices.Equal(gotPruned, want) || res.Pruned != 2 {
		t.Errorf("after the delivery, runs %v are pruned (this run pruned %d), want %v", gotPruned, res.Pruned, want)
	}
	if n := countRows(t, rr.store.DB, "rejects", failed.RunID); n == 0 {
		t.Error("the failed run's rejects went while its date is within keep_runs")
	}
	if n := countRows(t, rr.store.DB, "outbox", first); n != 1 {
		t.Errorf("the pruned run's outbox has %d rows, want its 1: the delivery record stays", n)
	}

	// Readers of a pruned run say why, naming the setting, and render nothing.
	dir := filepath.Join(t.TempDir(), "report")
	_, err = reports.Write(context.Background(), rr.store.DB, first, week(0), dir, reports.Options{Language: "en", WorkbookRows: 10})
	if err == nil || !strings.Contains(err.Error(), "removed by history.keep_runs") {
		t.Errorf("rendering pruned run %d: %v, want it to say its results were removed by history.keep_runs", first, err)
	}
	if _, serr := os.Stat(dir); serr == nil {
		t.Errorf("rendering a pruned run created %s", dir)
	}
	_, err = Explain(context.Background(), rr.store.DB, "C1", week(1))
	var removed *ResultsRemovedError
	if !errors.As(err, &removed) || removed.RunID != ids[1] || !strings.Contains(err.Error(), "history.keep_runs") {
		t.Errorf("explain as of a pruned date: %v, want the results removed by history.keep_runs", err)
	}
	e, err := Explain(context.Background(), rr.store.DB, "C1", week(2))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := e.Write(&out); err != nil {
		t.Fatal(err)
	}
	if e.HasPrevious || e.PreviousRemoved == nil || !strings.Contains(out.String(), "change since the previous run: not available: run "+itoa(ids[1])) {
		t.Errorf("explain against a pruned previous run: previous %v, removed %v, output:\n%s", e.HasPrevious, e.PreviousRemoved, out.String())
	}
	if e, err := Explain(context.Background(), rr.store.DB, "C1", time.Time{}); err != nil || !e.HasPrevious || e.PreviousRemoved != nil {
		t.Errorf("explain of the latest run: %v, previous %v", err, e)
	}
}

// appendActivities appends rows activities to the CSV at path, the last
// bad of them with an unreadable date (each value its own, as real rejects
// are), all for the fixture's customers.
func appendActivities(t *testing.T, path string, rows, bad int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for i := range rows {
		date := fmt.Sprintf("2026-%02d-%02d 10:%02d:00", 1+i%10, 1+i%28, i%60)
		if i >= rows-bad {
			// Long and unlike each other, as mangled exports are: a reject
			// row then weighs what it would, not what compression makes of
			// a repeated value.
			sum := sha256.Sum256([]byte(date))
			date = fmt.Sprintf("day %d: %x", i, bytes.Repeat(sum[:], 4))
		}
		fmt.Fprintf(w, "AX%d,C%d,%s,inbound,phone,\n", i, 1+i%5, date)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}
