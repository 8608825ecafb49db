package pipeline

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/accordhq/accord/config"
)

// inputFingerprint is the sha256 of everything a run's results are made
// from, besides the as-of date, the job and the data already committed: the
// config file's bytes, each source's file set and contents, each lookup and
// the overrides file, and the accord executable itself (a new build may
// compute differently). sumOf gives a file's sha256; the loader's own sums
// are used after a load, so the fingerprint recorded is of what was read.
func inputFingerprint(cfg *config.Config, sumOf func(path string) (string, error)) (string, error) {
	exe, err := executableSum()
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "accord-inputs 1\nexecutable %s\nconfig %s\n", exe, cfg.Hash)
	inputs := cfg.Resolve(cfg.InputsDir)
	for _, name := range cfg.SourceNames() {
		paths, err := expandFiles(inputs, cfg.Sources[name].Files)
		if err != nil {
			return "", fmt.Errorf("fingerprint: source %s: %w", name, err)
		}
		for _, p := range paths {
			sum, err := sumOf(p)
			if err != nil {
				return "", fmt.Errorf("fingerprint: source %s: %w", name, err)
			}
			fmt.Fprintf(&b, "source %s %q %s\n", name, p, sum)
		}
	}
	for _, name := range cfg.LookupNames() {
		p := lookupPath(cfg, cfg.Lookups[name])
		sum, err := sumOf(p)
		if err != nil {
			return "", fmt.Errorf("fingerprint: lookup %s: %w", name, err)
		}
		fmt.Fprintf(&b, "lookup %s %q %s\n", name, p, sum)
	}
	if cfg.Model.Overrides != "" {
		p := cfg.Resolve(cfg.Model.Overrides)
		sum, err := sumOf(p)
		if err != nil {
			return "", fmt.Errorf("fingerprint: overrides: %w", err)
		}
		fmt.Fprintf(&b, "overrides %q %s\n", p, sum)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:]), nil
}

// lookupPath is where a lookup's file is read from.
func lookupPath(cfg *config.Config, lk *config.Lookup) string {
	if filepath.IsAbs(lk.File) {
		return lk.File
	}
	return filepath.Join(cfg.Resolve(cfg.InputsDir), lk.File)
}

// hashFile is a sumOf that reads the file.
func hashFile(path string) (string, error) {
	sum, _, err := fileSHA256(path)
	return sum, err
}

// loadedSums is a sumOf over the files a load read, hashing any other
// (the overrides file, read later by the scorer).
func loadedSums(sources []SourceLoad, lookups []LookupLoad) func(string) (string, error) {
	sums := map[string]string{}
	for _, s := range sources {
		for _, f := range s.Files {
			sums[f.Path] = f.SHA256
		}
	}
	for _, lk := range lookups {
		sums[lk.File.Path] = lk.File.SHA256
	}
	return func(p string) (string, error) {
		if s, ok := sums[p]; ok && s != "" {
			return s, nil
		}
		return hashFile(p)
	}
}

var executable struct {
	once sync.Once
	sum  string
	err  error
}

// executableSum is the sha256 of the running binary, read once per process.
func executableSum() (string, error) {
	executable.once.Do(func() {
		p, err := os.Executable()
		if err == nil {
			executable.sum, err = hashFile(p)
		}
		executable.err = err
	})
	return executable.sum, executable.err
}

// lastRun is the latest succeeded run: its results and the canonical
// tables it loaded are the ones in place.
type lastRun struct {
	RunID       int64
	Job         string
	AsOf        time.Time
	Fingerprint string
	ReportDir   string
}

func latestSucceeded(ctx context.Context, db *sql.DB) (*lastRun, error) {
	var l lastRun
	var fp, dir sql.NullString
	err := db.QueryRowContext(ctx, `SELECT run_id, job, as_of, input_fingerprint, report_dir FROM runs
		WHERE status = 'succeeded' ORDER BY run_id DESC LIMIT 1`).Scan(&l.RunID, &l.Job, &l.AsOf, &fp, &dir)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest run: %w", err)
	}
	l.Fingerprint, l.ReportDir = fp.String, dir.String
	return &l, nil
}

// unchangedSince says which run's results a run of job at asOf would
// reproduce: the latest succeeded run, if it was of the same job and date,
// its inputs (fingerprint) are the same, and its reports, when reports are
// published, are in place. why says otherwise what changed, for the log.
// sumOf gives a file's sha256.
func (r *Runner) unchangedSince(ctx context.Context, job string, asOf time.Time, sumOf func(string) (string, error)) (last *lastRun, why string, err error) {
	last, err = latestSucceeded(ctx, r.Store.DB)
	switch {
	case err != nil:
		return nil, "", err
	case last == nil:
		return nil, "no earlier run", nil
	case !last.AsOf.Equal(asOf):
		return nil, "the last run was as of " + last.AsOf.Format(time.DateOnly), nil
	case last.Job != job:
		return nil, "the last run was of job " + last.Job, nil
	case last.Fingerprint == "":
		return nil, "the last run recorded no fingerprint", nil
	}
	if r.Publish != nil {
		if last.ReportDir == "" {
			return nil, "the last run has no reports", nil
		}
		want := filepath.Join(r.ReportsDir, asOf.Format(time.DateOnly))
		if filepath.Clean(last.ReportDir) != filepath.Clean(want) {
			return nil, "the last run's reports are in " + last.ReportDir, nil
		}
		if _, err := os.Stat(last.ReportDir); err != nil {
			return nil, "the last run's reports are not in place", nil
		}
	}
	fp, err := inputFingerprint(r.Config, sumOf)
	if err != nil {
		// An input that cannot be read now fails the full run with a
		// clearer error, naming its source.
		return nil, err.Error(), nil
	}
	if fp != last.Fingerprint {
		return nil, "inputs, config or the accord build changed", nil
	}
	return last, "", nil
}

// sourcesOf reads back what run id loaded, per source, from its record,
// in the order of names (sources not named follow, by name).
func sourcesOf(ctx context.Context, db *sql.DB, id int64, names []string) ([]SourceLoad, error) {
	rows, err := db.QueryContext(ctx, `SELECT source, file, sha256, size_bytes, encoding, rows_read, rows_loaded, rows_rejected,
		duplicates, is_new, coalesce(extra_columns, '') FROM run_inputs WHERE run_id = ? AND source NOT LIKE 'lookup:%' ORDER BY source, file`, id)
	if err != nil {
		return nil, fmt.Errorf("run %d inputs: %w", id, err)
	}
	defer rows.Close()
	by := map[string]*SourceLoad{}
	var recorded []string
	for rows.Next() {
		var source string
		var f FileLoad
		var loaded sql.NullInt64
		var extra string
		if err := rows.Scan(&source, &f.Path, &f.SHA256, &f.Size, &f.Encoding, &f.RowsRead, &loaded, &f.Rejected, &f.Duplicates, &f.New, &extra); err != nil {
			return nil, fmt.Errorf("run %d inputs: %w", id, err)
		}
		f.Loaded, f.LoadedKnown = loaded.Int64, loaded.Valid
		if extra != "" {
			f.Extra = strings.Split(extra, ", ")
		}
		s := by[source]
		if s == nil {
			s = &SourceLoad{Source: source}
			by[source] = s
			recorded = append(recorded, source)
		}
		s.Files = append(s.Files, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("run %d inputs: %w", id, err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("run %d inputs: %w", id, err)
	}
	sort.SliceStable(recorded, func(i, j int) bool { return rank(names, recorded[i]) < rank(names, recorded[j]) })
	out := make([]SourceLoad, 0, len(recorded))
	for _, n := range recorded {
		s := by[n]
		if err := db.QueryRowContext(ctx, `SELECT rows_read, rows_loaded, rows_rejected, duplicates FROM run_sources WHERE run_id = ? AND source = ?`,
			id, n).Scan(&s.RowsRead, &s.Loaded, &s.Rejected, &s.Duplicates); err != nil {
			return nil, fmt.Errorf("run %d source %s: %w", id, n, err)
		}
		out = append(out, *s)
	}
	return out, nil
}

// rank is name's place in names, past the end when it is not there.
func rank(names []string, name string) int {
	if i := slices.Index(names, name); i >= 0 {
		return i
	}
	return len(names)
}

// carryForward records a run that found nothing changed since last: it
// reads and computes nothing, and stands for last's results and reports,
// which stay as they are.
func (r *Runner) carryForward(ctx context.Context, res *Result, opt RunOptions, last *lastRun) (*Result, error) {
	db := r.Store.DB
	if err := db.QueryRowContext(ctx, "SELECT nextval('run_ids')").Scan(&res.RunID); err != nil {
		return nil, fmt.Errorf("run: allocate id: %w", err)
	}
	res.CarriedFrom, res.ReportDir, res.fingerprint = last.RunID, last.ReportDir, last.Fingerprint
	var err error
	if res.Sources, err = sourcesOf(ctx, db, last.RunID, r.Config.SourceNames()); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("run: connect: %w", err)
	}
	defer conn.Close()
	of := &Result{RunID: last.RunID}
	if err := r.summarize(ctx, conn, of); err != nil {
		return nil, err
	}
	res.Tiers, res.TopHotspot, res.IndicatorsWithData, res.Indicators = of.Tiers, of.TopHotspot, of.IndicatorsWithData, of.Indicators
	if res.Orphans, err = orphansOf(ctx, conn, last.RunID); err != nil {
		return nil, err
	}
	timings, _ := json.Marshal(map[string]int64{"fingerprint": res.Timings["fingerprint"].Milliseconds()})
	now := r.Now().UTC()
	if _, err := db.ExecContext(ctx, `INSERT INTO runs (run_id, job, as_of, started_at, finished_at, config_path, config_hash, status,
		timings, report_dir, input_fingerprint, carried_from) VALUES (?, ?, ?, ?, ?, ?, ?, 'unchanged', ?, ?, ?, ?)`,
		res.RunID, opt.Job, res.AsOf, now, now, r.Config.Path, r.Config.Hash, string(timings), nullIfEmpty(res.ReportDir),
		res.fingerprint, last.RunID); err != nil {
		return nil, fmt.Errorf("run: record: %w", err)
	}
	res.Notes = append(res.Notes, fmt.Sprintf("nothing changed since run %d (same job, as-of date, inputs, config and build): "+
		"its results and reports stand; accord run --full reads and computes everything again", last.RunID))
	r.Logger.Info("run unchanged", "run_id", res.RunID, "carried_from", last.RunID, "report_dir", res.ReportDir)
	if err := writeHistorySnapshot(ctx, db, r.Store.Path, r.Now()); err != nil {
		r.Logger.Warn("history snapshot not written", "error", err)
	}
	return res, nil
}

// orphansOf reads back run id's orphan counts, as recordOrphans made them.
func orphansOf(ctx context.Context, conn *sql.Conn, id int64) ([]OrphanCount, error) {
	rows, err := conn.QueryContext(ctx, `SELECT source, column_name, parent, count(*), sum(rows) FROM orphans WHERE run_id = ?
		GROUP BY ALL ORDER BY min(rowid)`, id)
	if err != nil {
		return nil, fmt.Errorf("run %d orphans: %w", id, err)
	}
	defer rows.Close()
	var out []OrphanCount
	for rows.Next() {
		var o OrphanCount
		if err := rows.Scan(&o.Source, &o.Column, &o.Parent, &o.Values, &o.Rows); err != nil {
			return nil, fmt.Errorf("run %d orphans: %w", id, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("run %d orphans: %w", id, err)
	}
	return out, nil
}

// sourceFingerprint is the sha256 of everything staging source name reads:
// its files (paths and contents, so an added or removed file is a change),
// its config section (columns, format, encoding, transform, date formats,
// thresholds…), the lookups its SQL names, the settings that are global but
// could change how a value is typed (time zone, currency), and the accord
// executable (a new build may parse, type or check differently, and carries
// the schema and macros). The as-of date is not in it: staging does not
// read it, and the checks that do are made again from the canonical table.
// sumOf gives a file's sha256.
func sourceFingerprint(cfg *config.Config, name string, files []string, sumOf func(path string) (string, error)) (string, error) {
	src := cfg.Sources[name]
	if src == nil {
		return "", fmt.Errorf("fingerprint: source %s is not configured", name)
	}
	exe, err := executableSum()
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	section, err := json.Marshal(src)
	if err != nil {
		return "", fmt.Errorf("fingerprint: source %s: %w", name, err)
	}
	currency, err := json.Marshal(cfg.Currency)
	if err != nil {
		return "", fmt.Errorf("fingerprint: currency: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "accord-source 1\nexecutable %s\nsource %s\nsection %s\ntimezone %q\ncurrency %s\n", exe, name, section, cfg.TimeZone, currency)
	for _, p := range files {
		sum, err := sumOf(p)
		if err != nil {
			return "", fmt.Errorf("fingerprint: source %s: %w", name, err)
		}
		fmt.Fprintf(&b, "file %q %s\n", p, sum)
	}
	for _, lk := range lookupsNamedBy(cfg, src) {
		p := lookupPath(cfg, cfg.Lookups[lk])
		sum, err := sumOf(p)
		if err != nil {
			return "", fmt.Errorf("fingerprint: source %s: lookup %s: %w", name, lk, err)
		}
		def, err := json.Marshal(cfg.Lookups[lk])
		if err != nil {
			return "", fmt.Errorf("fingerprint: lookup %s: %w", lk, err)
		}
		fmt.Fprintf(&b, "lookup %s %s %q %s\n", lk, def, p, sum)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:]), nil
}

// lookupsNamedBy lists the lookups whose name appears anywhere in the
// source's SQL (its transform and derived columns), ignoring case as DuckDB
// does for names. A name in a comment or a string counts too: reading a
// source again for nothing costs time, keeping it on a changed lookup would
// be a wrong result.
func lookupsNamedBy(cfg *config.Config, src *config.Source) []string {
	texts := []string{strings.ToLower(src.Transform)}
	for _, d := range src.Derived {
		texts = append(texts, strings.ToLower(d))
	}
	var out []string
	for _, name := range cfg.LookupNames() {
		if slices.ContainsFunc(texts, func(t string) bool { return strings.Contains(t, strings.ToLower(name)) }) {
			out = append(out, name)
		}
	}
	return out
}

// memoSums is a sumOf that reads each file once: the run's fingerprint and
// its sources' fingerprints hash the same files.
func memoSums() func(string) (string, error) {
	sums := map[string]string{}
	return func(p string) (string, error) {
		if s, ok := sums[p]; ok {
			return s, nil
		}
		s, err := hashFile(p)
		if err == nil {
			sums[p] = s
		}
		return s, err
	}
}

// keptSource is a source a run does not read: the latest succeeded run
// recorded the same fingerprint for it, and its canonical table still holds
// the load of run readBy, the run that last read it.
type keptSource struct {
	readBy      int64 // the run whose load of the source is in its canonical table
	recordedBy  int64 // the latest succeeded run, whose records of the source are copied
	fingerprint string
	load        SourceLoad
}

// unchangedSources finds, per configured source, whether this run may keep
// its canonical table as it is. Only the latest succeeded run counts: every
// succeeded run replaces (or keeps) every canonical table in its
// transaction, so after it the tables hold its loads; a failed, killed or
// unchanged run changes none of them (a failed run's transaction rolls back
// whole, its staged tables are its own and dropped). A source is kept when
// that run recorded the fingerprint the source has now and its canonical
// table still has the rows that run recorded loading.
func (r *Runner) unchangedSources(ctx context.Context, sumOf func(string) (string, error)) (map[string]*keptSource, error) {
	db := r.Store.DB
	last, err := latestSucceeded(ctx, db)
	if err != nil || last == nil {
		return nil, err
	}
	type recorded struct {
		fingerprint string
		loaded      int64
		readBy      int64
	}
	rec := map[string]recorded{}
	rows, err := db.QueryContext(ctx, `SELECT source, fingerprint, rows_loaded, coalesce(kept_from, run_id) FROM run_sources
		WHERE run_id = ? AND fingerprint IS NOT NULL`, last.RunID)
	if err != nil {
		return nil, fmt.Errorf("run: sources of run %d: %w", last.RunID, err)
	}
	for rows.Next() {
		var name string
		var s recorded
		if err := rows.Scan(&name, &s.fingerprint, &s.loaded, &s.readBy); err != nil {
			rows.Close()
			return nil, fmt.Errorf("run: sources of run %d: %w", last.RunID, err)
		}
		rec[name] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("run: sources of run %d: %w", last.RunID, err)
	}
	if len(rec) == 0 {
		return nil, nil
	}
	inputs := r.Config.Resolve(r.Config.InputsDir)
	kept := map[string]*keptSource{}
	for _, name := range r.Config.SourceNames() {
		was, ok := rec[name]
		if !ok {
			continue
		}
		// A source whose files cannot be listed or read now is read, and
		// fails with the error that names them.
		paths, err := expandFiles(inputs, r.Config.Sources[name].Files)
		if err != nil {
			continue
		}
		fp, err := sourceFingerprint(r.Config, name, paths, sumOf)
		if err != nil || fp != was.fingerprint {
			continue
		}
		// Guards the reasoning above against anything else that wrote the
		// table (a restore, a hand edit): a count is cheap.
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(name)).Scan(&n); err != nil {
			return nil, fmt.Errorf("run: count %s: %w", name, err)
		}
		if n != was.loaded {
			r.Logger.Warn("source read again: its table does not hold the rows its last load recorded",
				"source", name, "rows", n, "recorded", was.loaded, "run", last.RunID)
			continue
		}
		kept[name] = &keptSource{readBy: was.readBy, recordedBy: last.RunID, fingerprint: fp}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	loads, err := sourcesOf(ctx, db, last.RunID, r.Config.SourceNames())
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	for _, l := range loads {
		if k := kept[l.Source]; k != nil {
			k.load = l
		}
	}
	for name, k := range kept {
		if k.load.Source == "" {
			delete(kept, name) // no run_inputs recorded: read it
		}
	}
	return kept, nil
}
