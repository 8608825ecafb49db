package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// Runner runs the weekly job: load, transform, score, record, publish.
type Runner struct {
	Store  *Store
	Config *config.Config
	Logger *slog.Logger
	// Now is the clock, for run timestamps only; the as-of date is passed in.
	Now func() time.Time
	// Publish renders a run's reports into dir, reading the run's results
	// through tx, the run's transaction, before it is committed: a run whose
	// reports cannot be written commits nothing (see publish.go).
	Publish func(ctx context.Context, tx *sql.Tx, res *Result, dir string) error
	// ReportsDir is the report folder; a run's reports go to
	// ReportsDir/<as-of>. Needed with Publish.
	ReportsDir string
	// Profile, if set, records each stage's wall and CPU time and peak
	// memory (accord run --profile).
	Profile *Profile
}

// RunOptions are the inputs of one run.
type RunOptions struct {
	AsOf time.Time // the as-of date (its calendar day counts)
	Job  string    // the job name recorded with the run; "manual" by default
	// Full reads and computes everything even when nothing changed since
	// the last run (see unchangedSince).
	Full bool
}

// Result is what a run did.
type Result struct {
	RunID      int64
	AsOf       time.Time
	Sources    []SourceLoad
	Lookups    []LookupLoad
	Tiers      map[string]int64
	TopHotspot *HotspotSummary
	// IndicatorsWithData of Indicators have a value for at least one customer.
	IndicatorsWithData, Indicators int64
	Orphans                        []OrphanCount
	// FutureDates are the data-quality warnings of dates after the as-of date.
	FutureDates []FutureDates
	ReportDir   string
	Timings     map[string]time.Duration
	// Notes are things the run changed beyond its own date (a backfill
	// recomputing a later date's movers), for the summary.
	Notes []string
	// CarriedFrom is set when nothing changed since run CarriedFrom (same
	// job, as-of date, inputs, config and build): this run read and
	// computed nothing, and its results and reports are that run's.
	CarriedFrom int64

	// Pruned is how many earlier runs' results this run's commit removed
	// (history.keep_runs).
	Pruned int

	// fingerprint is the inputs' fingerprint, recorded with a succeeded run.
	fingerprint string

	// committed is set once the run's data and its succeeded status are
	// committed: a problem after that cannot make the run failed.
	committed bool
}

// ResultsRun is the run whose results and reports this run stands for:
// itself, or the run it carried forward.
func (r *Result) ResultsRun() int64 {
	if r.CarriedFrom != 0 {
		return r.CarriedFrom
	}
	return r.RunID
}

// HotspotSummary is the first-ranked hot-spot of a run.
type HotspotSummary struct {
	ProductID, ProductName, Component, Region string
	Failures, InstalledUnits                  int64
	RatePer100PerYear                         float64
	// RegionBasis is where regions came from: ticket, ticket_or_customer
	// or none (see queries/transform.sql, HotspotRegions).
	RegionBasis string
}

// Run loads every source and computes every result table in one
// transaction: a failure anywhere leaves the previous data and results as
// they were. The run is recorded in runs whatever happens.
func (r *Runner) Run(ctx context.Context, opt RunOptions) (res *Result, err error) {
	if opt.Job == "" {
		opt.Job = "manual"
	}
	// One run of this process writes at a time; other processes are kept
	// out by DuckDB's file lock.
	r.Store.shared.runs.Lock()
	defer r.Store.shared.runs.Unlock()
	asOf := time.Date(opt.AsOf.Year(), opt.AsOf.Month(), opt.AsOf.Day(), 0, 0, 0, 0, time.UTC)
	res = &Result{AsOf: asOf, Timings: map[string]time.Duration{}}
	// We hold the database: a run still marked running was killed.
	if err := closeInterrupted(ctx, r.Store.DB, r.Now()); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	r.Profile.Mark("fingerprint")
	defer r.Profile.Mark("")
	sums := memoSums() // the run's and each source's fingerprint hash the same files
	if !opt.Full {
		if r.Publish != nil {
			// Reports a killed run left staged are put in place first: they
			// are what an unchanged rerun stands on.
			done, err := RecoverReports(ctx, r.Store.DB, r.ReportsDir)
			for _, d := range done {
				r.Logger.Info("report folder recovered", "action", d)
			}
			if err != nil {
				return nil, fmt.Errorf("run: %w", err)
			}
		}
		start := time.Now()
		last, why, err := r.unchangedSince(ctx, opt.Job, asOf, sums)
		if err != nil {
			return nil, fmt.Errorf("run: %w", err)
		}
		res.Timings["fingerprint"] = time.Since(start)
		if last != nil {
			return r.carryForward(ctx, res, opt, last)
		}
		r.Logger.Info("inputs read afresh", "as_of", asOf.Format(time.DateOnly), "why", why)
	}
	if err := r.Store.DB.QueryRowContext(ctx, "SELECT nextval('run_ids')").Scan(&res.RunID); err != nil {
		return nil, fmt.Errorf("run: allocate id: %w", err)
	}
	log := r.Logger.With("run_id", res.RunID, "as_of", asOf.Format(time.DateOnly))
	if _, err := r.Store.DB.ExecContext(ctx,
		`INSERT INTO runs (run_id, job, as_of, started_at, config_path, config_hash, status) VALUES (?, ?, ?, ?, ?, ?, 'running')`,
		res.RunID, opt.Job, asOf, r.Now().UTC(), r.Config.Path, r.Config.Hash); err != nil {
		return nil, fmt.Errorf("run: record start: %w", err)
	}
	if err := writeHistorySnapshot(ctx, r.Store.DB, r.Store.Path, r.Now()); err != nil {
		log.Warn("history snapshot not written", "error", err) // readers fall back to waiting
	}
	defer func() {
		status, msg := "succeeded", ""
		switch {
		case err != nil && res.committed:
			// Its data and reports are committed and visible: recording it
			// failed would be the lie of a "failed" run that changed the
			// results. It stays succeeded, with what went wrong after.
			msg = Printable("after the commit: " + err.Error())
			err = &CommittedError{RunID: res.RunID, Err: err}
		case err != nil:
			status, msg = "failed", Printable(err.Error())
			var pe *PanicError
			if errors.As(err, &pe) {
				log.Error("run panicked", "panic", Printable(fmt.Sprint(pe.Value)), "stack", pe.Stack)
			}
		}
		timings := map[string]int64{}
		for k, v := range res.Timings {
			timings[k] = v.Milliseconds()
		}
		tj, _ := json.Marshal(timings)
		if _, rerr := r.Store.DB.ExecContext(context.WithoutCancel(ctx),
			`UPDATE runs SET status = ?, error = ?, finished_at = ?, timings = ?, report_dir = ? WHERE run_id = ?`,
			status, nullIfEmpty(msg), r.Now().UTC(), string(tj), nullIfEmpty(res.ReportDir), res.RunID); rerr != nil {
			rerr = fmt.Errorf("run: record end: %w", rerr)
			var ce *CommittedError
			switch {
			case errors.As(err, &ce):
				ce.Err = errors.Join(ce.Err, rerr)
			case res.committed:
				// A checkpoint that failed (a full disk) invalidates the
				// database for this process; the commit stands.
				err = &CommittedError{RunID: res.RunID, Err: rerr}
			default:
				err = errors.Join(err, rerr)
			}
		}
		// Best effort: the snapshot is for readers while a later run writes.
		if serr := writeHistorySnapshot(context.WithoutCancel(ctx), r.Store.DB, r.Store.Path, r.Now()); serr != nil {
			log.Warn("history snapshot not written", "error", serr)
		}
	}()
	// Registered after the deferred record above, so it runs first: a panic
	// anywhere in the run becomes the error the run is recorded failed with.
	defer recoverPanic(&err)
	log.Info("run started", "job", opt.Job, "config", r.Config.Path)
	if r.Publish != nil {
		done, err := RecoverReports(ctx, r.Store.DB, r.ReportsDir)
		for _, d := range done {
			log.Info("report folder recovered", "action", d)
		}
		if err != nil {
			return res, err
		}
	}
	if err := r.loadAndCompute(ctx, res, opt.Full, sums); err != nil {
		return res, err
	}
	log.Info("run finished", "report_dir", res.ReportDir)
	return res, nil
}

// loadAndCompute reads every source but those unchanged since the latest
// succeeded run (all of them when full), checks them and computes the
// results; sumOf hashes a file for the skip decisions.
func (r *Runner) loadAndCompute(ctx context.Context, res *Result, full bool, sumOf func(string) (string, error)) (err error) {
	r.Profile.Mark("prepare")
	conn, err := r.Store.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("run: connect: %w", err)
	}
	defer conn.Close()
	// Work folders of a killed run: we hold the database, so no one uses them.
	prefix := ".accord-load-" + filepath.Base(r.Store.Path) + "-"
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(r.Store.Path), prefix+"*")); len(stale) > 0 {
		for _, d := range stale {
			os.RemoveAll(d)
		}
		r.Logger.Info("removed work folders of an interrupted run", "folders", len(stale))
	}
	work, err := os.MkdirTemp(filepath.Dir(r.Store.Path), prefix)
	if err != nil {
		return fmt.Errorf("run: work dir: %w", err)
	}
	defer os.RemoveAll(work)
	if _, err := conn.ExecContext(ctx, queries.Get("CreateMacros")); err != nil {
		return fmt.Errorf("run: macros: %w", err)
	}
	seen, err := loadedHashes(ctx, conn)
	if err != nil {
		return err
	}
	// Sources are staged in tables of their own, beside the canonical ones,
	// which stay as they are until the run's one transaction swaps the staged
	// tables in. Staged tables are committed as they are written: DuckDB
	// scans committed rows about twice as fast as a transaction's own. A
	// failed or killed run's staged tables are dropped, here or by the next
	// run.
	if err := dropStaged(ctx, conn); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			return
		}
		// A cancelled statement can leave the pinned connection unusable;
		// then a fresh one drops the tables, so none outlives the run.
		bg := context.WithoutCancel(ctx)
		if derr := dropStaged(bg, conn); derr != nil {
			if fresh, cerr := r.Store.DB.Conn(bg); cerr == nil {
				derr = dropStaged(bg, fresh)
				fresh.Close()
			}
			if derr != nil {
				r.Logger.Warn("staged tables left for the next run to drop", "err", derr) // the run's error is the one to report
			}
		}
	}()
	var kept map[string]*keptSource
	if !full {
		if kept, err = r.unchangedSources(ctx, sumOf); err != nil {
			return err
		}
	}
	l := &loader{cfg: r.Config, conn: conn, workDir: work, seen: seen, profile: r.Profile, kept: kept}
	start := time.Now()
	sources, err := l.stageAll(ctx, func(sl SourceLoad) {
		if sl.KeptFrom != 0 {
			r.Logger.Info(fmt.Sprintf("source unchanged since run %d: not re-read", sl.KeptFrom), "run_id", res.RunID, "source", sl.Source,
				"rows", sl.RowsRead, "loaded", sl.Loaded, "rejected", sl.Rejected, "duplicates", sl.Duplicates)
			return
		}
		r.Logger.Info("source staged", "run_id", res.RunID, "source", sl.Source, "rows", sl.RowsRead, "loaded", sl.Loaded,
			"rejected", sl.Rejected, "duplicates", sl.Duplicates, "elapsed", time.Since(start).Round(time.Millisecond).String())
	})
	if err != nil {
		return err
	}
	res.Sources, res.Lookups = sources, l.lookups
	res.Timings["load"] = time.Since(start)
	r.Profile.Mark("checks")
	read := loadedSums(sources, l.lookups)
	fp, ferr := inputFingerprint(r.Config, read)
	if ferr != nil {
		// Without one, the next run reads everything again: slower, not wrong.
		r.Logger.Warn("inputs not fingerprinted", "run_id", res.RunID, "error", ferr)
	}
	res.fingerprint = fp
	for i := range res.Sources {
		s := &res.Sources[i]
		if s.KeptFrom != 0 {
			continue // fingerprinted when it was kept
		}
		var paths []string
		for _, f := range s.Files {
			paths = append(paths, f.Path)
		}
		if s.fingerprint, ferr = sourceFingerprint(r.Config, s.Source, paths, read); ferr != nil {
			// Without one, the next run reads the source again.
			r.Logger.Warn("source not fingerprinted", "run_id", res.RunID, "source", s.Source, "error", ferr)
		}
	}
	if err := checkShrink(ctx, conn, r.Config, sources); err != nil {
		return err
	}
	if res.FutureDates, err = checkDates(ctx, conn, sources, res.AsOf); err != nil {
		return err
	}
	for _, f := range res.FutureDates {
		r.Logger.Warn("dates after the as-of date", "run_id", res.RunID, "source", f.Source, "column", f.Column,
			"rows", f.Rows, "latest", f.Latest, "as_of", res.AsOf.Format(time.DateOnly))
	}

	if err := recordRejects(ctx, conn, res); err != nil {
		return err
	}
	// DuckDB can report a successful Commit after a failed statement, so
	// every error rolls back at once and row counts are checked after the
	// commit (readBack, stage verify).
	r.Profile.Mark("replace tables")
	start = time.Now()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("run: begin: %w", err)
	}
	// A panic (recovered by Run) must not leave the transaction open.
	defer func() { _ = tx.Rollback() }() // after Commit a no-op (ErrTxDone)
	if err := r.commit(ctx, tx, res); err != nil {
		_ = tx.Rollback() // the error that made us roll back is the one to report
		return err
	}
	res.Timings["compute"] = time.Since(start)
	r.Profile.Mark("publish")
	r.Logger.Info("run computed", "run_id", res.RunID, "elapsed", res.Timings["compute"].Round(time.Millisecond).String())
	staged, err := r.publish(ctx, tx, res)
	if err != nil {
		_ = tx.Rollback() // the error that made us roll back is the one to report
		if staged != "" {
			os.RemoveAll(staged)
		}
		return err
	}
	r.Profile.Mark("record success")
	// The run is succeeded in the transaction that commits its data, so no
	// kill can leave data without a succeeded run or the reverse.
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'succeeded', finished_at = ?, report_dir = ?, input_fingerprint = ? WHERE run_id = ?`,
		r.Now().UTC(), nullIfEmpty(res.ReportDir), nullIfEmpty(res.fingerprint), res.RunID); err != nil {
		_ = tx.Rollback() // the error that made us roll back is the one to report
		os.RemoveAll(staged)
		return fmt.Errorf("run: record success: %w", err)
	}
	// In the same transaction: a run that fails or is killed before its
	// commit removes nothing, and the results go only as a new run's come.
	r.Profile.Mark("prune history")
	pruned, held, err := pruneHistory(ctx, tx, r.Config, res.RunID, r.Now())
	if err != nil {
		_ = tx.Rollback() // the error that made us roll back is the one to report
		os.RemoveAll(staged)
		return err
	}
	res.Pruned = pruned
	if held > 0 {
		// Until their mail goes out (accord deliver --run N), these runs
		// make the database larger than keep_runs says.
		r.Logger.Warn("results kept past history.keep_runs: recipients still queued", "run_id", res.RunID, "runs", held)
	}
	if pruned > 0 {
		r.Logger.Info("history pruned", "run_id", res.RunID, "runs", pruned, "keep_runs", r.Config.History.Runs())
	}
	r.Profile.Mark("commit")
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("run: commit: %w", err)
	}
	res.committed = true
	r.Logger.Info("run committed", "run_id", res.RunID)
	if staged != "" {
		if err := placeReports(staged, res.ReportDir); err != nil {
			// The data is committed and the run succeeded; the next run or
			// `accord deliver` renames the staged folder into place.
			r.Logger.Error("reports not yet in place", "run_id", res.RunID, "staged", staged, "error", err)
		}
	}
	r.Profile.Mark("verify")
	if err := readBack(ctx, conn, "verify", res); err != nil {
		return err
	}
	if err := r.summarize(ctx, conn, res); err != nil {
		return err
	}
	// DuckDB reuses the blocks of deleted rows and replaced tables only
	// once a checkpoint has written the change out; without one here the
	// file would grow until the store is closed. (Closing checkpoints too,
	// then with nothing left to write.)
	r.Profile.Mark("checkpoint")
	if _, err := conn.ExecContext(ctx, "CHECKPOINT"); err != nil {
		r.Logger.Warn("database not checkpointed after the run; closing it checkpoints", "run_id", res.RunID, "error", err)
	}
	return nil
}

// publish renders the run's reports from its transaction into a staged
// folder and returns it ("" without a Publish step).
func (r *Runner) publish(ctx context.Context, tx *sql.Tx, res *Result) (string, error) {
	if r.Publish == nil {
		return "", nil
	}
	start := time.Now()
	final := filepath.Join(r.ReportsDir, res.AsOf.Format(time.DateOnly))
	staged := stagedReportDir(final, res.RunID)
	if err := os.RemoveAll(staged); err != nil {
		return "", fmt.Errorf("run: publish: %w", err)
	}
	if err := os.MkdirAll(r.ReportsDir, 0o755); err != nil {
		return "", fmt.Errorf("run: publish: %w", err)
	}
	r.Logger.Info("publish started", "run_id", res.RunID, "staged", staged)
	if err := r.Publish(ctx, tx, res, staged); err != nil {
		return staged, fmt.Errorf("run: publish: %w", err)
	}
	res.Timings["publish"] = time.Since(start)
	res.ReportDir = final
	return staged, nil
}

// commit replaces the canonical tables and this as-of date's results, in
// the run's transaction.
func (r *Runner) commit(ctx context.Context, tx *sql.Tx, res *Result) error {
	exec := func(stage, q string, args ...any) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("run: %s: %w", stage, err)
		}
		return nil
	}
	recordInput := func(source string, f FileLoad) error {
		return exec("record inputs", `INSERT INTO run_inputs (run_id, source, file, sha256, size_bytes, encoding, rows_read,
			rows_loaded, rows_rejected, duplicates, is_new, extra_columns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			res.RunID, source, f.Path, f.SHA256, f.Size, f.Encoding, f.RowsRead, loadedOrNull(f), f.Rejected,
			f.Duplicates, f.New, nullIfEmpty(strings.Join(f.Extra, ", ")))
	}
	for _, s := range res.Sources {
		for _, f := range s.Files {
			if err := recordInput(s.Source, f); err != nil {
				return err
			}
		}
		var keptFrom any
		if s.KeptFrom != 0 {
			keptFrom = s.KeptFrom
		}
		if err := exec("record source", `INSERT INTO run_sources (run_id, source, files, rows_read, rows_loaded, rows_rejected, duplicates,
			fingerprint, kept_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, res.RunID, s.Source, len(s.Files), s.RowsRead, s.Loaded, s.Rejected,
			s.Duplicates, nullIfEmpty(s.fingerprint), keptFrom); err != nil {
			return err
		}
	}
	keptTables := map[string]bool{}
	for _, s := range res.Sources {
		keptTables[s.Source] = s.KeptFrom != 0
	}
	for _, t := range config.CanonicalTables {
		if keptTables[t.Name] {
			continue // it holds the load that stands: nothing the source is made from changed
		}
		_, loaded := r.Config.Sources[t.Name]
		if err := replaceCanonical(ctx, tx, t, loaded); err != nil {
			return err
		}
	}
	for _, lk := range res.Lookups {
		if err := recordInput("lookup:"+lk.Name, lk.File); err != nil {
			return err
		}
	}
	if err := r.recordOrphans(ctx, tx, res); err != nil {
		return err
	}
	if err := r.compute(ctx, tx, res); err != nil {
		return err
	}
	r.Profile.Mark("read back")
	return readBack(ctx, tx, "check", res)
}

// loadedOrNull is a file's rows_loaded: NULL when its share of the source
// cannot be told (a transform's output without __file).
func loadedOrNull(f FileLoad) any {
	if !f.LoadedKnown {
		return nil
	}
	return f.Loaded
}

// recordRejects commits the run's rejects before its transaction begins:
// they are part of the run's record (a failed run keeps them, to say why),
// not of its results, which readers see only when the run succeeds. In the
// run's transaction, a 200,000-row INSERT INTO rejects read back as no rows
// (DuckDB 1.5; the rows were there after the commit), so the reports showed
// none; readBack guards against any such loss before reports render.
func recordRejects(ctx context.Context, conn *sql.Conn, res *Result) error {
	for _, s := range res.Sources {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(
			`INSERT INTO rejects SELECT ?, ?, __file, __line, column_name, value, reason FROM rej_%s ORDER BY __file, __line, column_name`, s.Source),
			res.RunID, s.Source); err != nil {
			return fmt.Errorf("run: record rejects of %s: %w", s.Source, err)
		}
	}
	return nil
}

// readBack checks that q reads back what the run wrote: each source's rows
// and rejects, and a score for every customer. It runs in the run's
// transaction before any report is rendered from it (stage "check": a
// large insert there once read back as no rows), and on the connection
// after the commit (stage "verify": DuckDB can report a successful commit
// after a failed statement). The rej_<source> tables live on the load's
// connection, which both q are.
func readBack(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, stage string, res *Result) error {
	for _, s := range res.Sources {
		var loaded, rejects, recorded int64
		err := q.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM %s), (SELECT count(*) FROM rej_%s),
			(SELECT count(*) FROM rejects WHERE run_id = ? AND source = ?)`, s.Source, s.Source), res.RunID, s.Source).Scan(&loaded, &rejects, &recorded)
		if err != nil {
			return fmt.Errorf("run: %s %s: %w", stage, s.Source, err)
		}
		if loaded != s.Loaded {
			return fmt.Errorf("run: %s %s: the run reads %d rows back, %d were loaded", stage, s.Source, loaded, s.Loaded)
		}
		if recorded != rejects {
			return fmt.Errorf("run: %s %s: the run reads %d rejects back, %d were recorded", stage, s.Source, recorded, rejects)
		}
	}
	var customers, scored int64
	if err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM customer_value WHERE run_id = ?)`,
		res.RunID).Scan(&customers, &scored); err != nil {
		return fmt.Errorf("run: %s scores: %w", stage, err)
	}
	if customers != scored {
		return fmt.Errorf("run: %s scores: %d customers, %d scored", stage, customers, scored)
	}
	return nil
}

// dropStaged drops every source's staged table.
func dropStaged(ctx context.Context, conn *sql.Conn) error {
	for _, t := range config.CanonicalTables {
		if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+stagedTable(t.Name)); err != nil {
			return fmt.Errorf("run: drop staged %s: %w", t.Name, err)
		}
	}
	return nil
}

// replaceCanonical replaces canonical table t with the rows staged for it,
// if its source was loaded, else empties it. The staged table, whose rows
// not to load check deleted, becomes the canonical one: the columns after
// the canonical ones are dropped, and it is renamed. The rows are written
// once, in file order. (DuckDB writes a renamed or altered table out again
// at the next checkpoint: measured at 10M rows, a checkpoint between staging
// and this swap would cost a second 4–7 s one after it. None is issued.)
func replaceCanonical(ctx context.Context, tx *sql.Tx, t config.Table, loaded bool) error {
	exec := func(q string) error {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("run: replace %s: %w", t.Name, err)
		}
		return nil
	}
	if !loaded {
		return exec("DELETE FROM " + t.Name)
	}
	staged := stagedTable(t.Name)
	rows, err := tx.QueryContext(ctx, `SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND database_name = current_database() AND schema_name = 'main' ORDER BY column_index`, staged)
	if err != nil {
		return fmt.Errorf("run: replace %s: %w", t.Name, err)
	}
	var extra []string
	for i := 0; rows.Next(); i++ {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("run: replace %s: %w", t.Name, err)
		}
		if i >= len(t.Columns) {
			extra = append(extra, name)
		} else if name != t.Columns[i].Name {
			rows.Close()
			return fmt.Errorf("run: replace %s: staged column %d is %s, want %s", t.Name, i+1, name, t.Columns[i].Name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("run: replace %s: %w", t.Name, err)
	}
	var stmts []string
	for _, c := range extra {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", staged, quoteIdent(c)))
	}
	stmts = append(stmts, "DROP TABLE "+t.Name, fmt.Sprintf("ALTER TABLE %s RENAME TO %s", staged, t.Name))
	for _, q := range stmts {
		if err := exec(q); err != nil {
			return err
		}
	}
	return nil
}

// reference is a column that names a row of another table.
type reference struct{ source, column, parent, parentColumn string }

var references = []reference{
	{"activities", "customer_id", "customers", "customer_id"},
	{"surveys", "customer_id", "customers", "customer_id"},
	{"billing_lines", "customer_id", "customers", "customer_id"},
	{"ar_invoices", "customer_id", "customers", "customer_id"},
	{"ar_payments", "customer_id", "customers", "customer_id"},
	{"tickets", "customer_id", "customers", "customer_id"},
	{"installed_base", "customer_id", "customers", "customer_id"},
	{"customers", "referred_by", "customers", "customer_id"},
	{"billing_lines", "product_id", "products", "product_id"},
	{"tickets", "product_id", "products", "product_id"},
	{"installed_base", "product_id", "products", "product_id"},
}

// OrphanCount is how many rows of a source name an unknown parent.
type OrphanCount struct {
	Source, Column, Parent string
	Values, Rows           int64
}

// recordOrphans lists rows whose references name nothing loaded. They stay
// loaded (a ticket is real even if the CRM export lags) and are reported.
func (r *Runner) recordOrphans(ctx context.Context, tx *sql.Tx, res *Result) error {
	for _, ref := range references {
		_, childOK := r.Config.Sources[ref.source]
		_, parentOK := r.Config.Sources[ref.parent]
		if !childOK || !parentOK {
			continue
		}
		q := fmt.Sprintf(`INSERT INTO orphans SELECT ?, ?, ?, c.%[2]s, ?, count(*) FROM %[1]s c
			WHERE c.%[2]s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %[3]s p WHERE p.%[4]s = c.%[2]s)
			GROUP BY c.%[2]s ORDER BY c.%[2]s`, ref.source, ref.column, ref.parent, ref.parentColumn)
		if _, err := tx.ExecContext(ctx, q, res.RunID, ref.source, ref.column, ref.parent); err != nil {
			return fmt.Errorf("run: orphans of %s.%s: %w", ref.source, ref.column, err)
		}
		var oc OrphanCount
		if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(rows), 0) FROM orphans WHERE run_id = ? AND source = ? AND column_name = ?`,
			res.RunID, ref.source, ref.column).Scan(&oc.Values, &oc.Rows); err != nil {
			return fmt.Errorf("run: orphans of %s.%s: %w", ref.source, ref.column, err)
		}
		if oc.Rows > 0 {
			oc.Source, oc.Column, oc.Parent = ref.source, ref.column, ref.parent
			res.Orphans = append(res.Orphans, oc)
		}
	}
	return nil
}

func (r *Runner) summarize(ctx context.Context, conn *sql.Conn, res *Result) error {
	res.Tiers = map[string]int64{}
	rows, err := conn.QueryContext(ctx, `SELECT tier, count(*) FROM customer_value WHERE run_id = ? GROUP BY tier`, res.RunID)
	if err != nil {
		return fmt.Errorf("run: summarize: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tier string
		var n int64
		if err := rows.Scan(&tier, &n); err != nil {
			return fmt.Errorf("run: summarize: %w", err)
		}
		res.Tiers[tier] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("run: summarize: %w", err)
	}
	if err := conn.QueryRowContext(ctx, queries.Get("IndicatorCoverage"), res.RunID).Scan(&res.IndicatorsWithData, &res.Indicators); err != nil {
		return fmt.Errorf("run: summarize indicators: %w", err)
	}
	var h HotspotSummary
	var name sql.NullString
	var basis sql.NullString
	err = conn.QueryRowContext(ctx, `SELECT product_id, product_name, component, region, failures, installed_units, rate_per_100_per_year, region_basis
		FROM hotspots WHERE run_id = ? AND rank = 1`, res.RunID).Scan(&h.ProductID, &name, &h.Component, &h.Region, &h.Failures, &h.InstalledUnits, &h.RatePer100PerYear, &basis)
	h.RegionBasis = basis.String
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("run: summarize hot-spots: %w", err)
	default:
		h.ProductName = name.String
		res.TopHotspot = &h
	}
	return nil
}

func loadedHashes(ctx context.Context, conn *sql.Conn) (map[string]bool, error) {
	rows, err := conn.QueryContext(ctx, `SELECT DISTINCT i.sha256 FROM run_inputs i JOIN runs r USING (run_id) WHERE r.status = 'succeeded'`)
	if err != nil {
		return nil, fmt.Errorf("run: earlier inputs: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("run: earlier inputs: %w", err)
		}
		seen[h] = true
	}
	return seen, rows.Err()
}

// CommittedError is a problem after a run's commit: its data and reports
// are in place and the run is succeeded, so the problem must not be read
// as a failed run that changed nothing.
type CommittedError struct {
	RunID int64
	Err   error
}

func (e *CommittedError) Error() string {
	return fmt.Sprintf("run %d is committed and succeeded, but after the commit: %v", e.RunID, e.Err)
}

func (e *CommittedError) Unwrap() error { return e.Err }

// PanicError is a panic recovered during a run: a bug, reported as a failed
// run with where it happened, never as a crash or a success.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error (a bug; please report it with the log): %v", e.Value)
}

// recoverPanic turns a panic of the calling function into *err.
func recoverPanic(err *error) {
	if v := recover(); v != nil {
		*err = errors.Join(*err, &PanicError{Value: v, Stack: string(debug.Stack())})
	}
}

// closeInterrupted records as failed every run still marked running; the
// caller knows none is under way.
func closeInterrupted(ctx context.Context, db *sql.DB, now time.Time) error {
	if _, err := db.ExecContext(ctx, `UPDATE runs SET status = 'failed', finished_at = ?,
		error = 'interrupted: the run ended without recording its outcome (its process was killed, or could not write its failure, e.g. on a full disk); nothing of it was committed'
		WHERE status = 'running'`, now.UTC()); err != nil {
		return fmt.Errorf("close interrupted runs: %w", err)
	}
	return nil
}

// CloseInterruptedRuns records as failed every run still marked running
// that nothing is running: holding the store, this process has the
// database to itself, and no run of this process is under way. Commands
// that list runs call it so a run that died without recording its outcome
// is not shown running forever.
func (s *Store) CloseInterruptedRuns(ctx context.Context, now time.Time) error {
	if !s.shared.runs.TryLock() {
		return nil // a run of this process is under way
	}
	defer s.shared.runs.Unlock()
	return closeInterrupted(ctx, s.DB, now)
}
