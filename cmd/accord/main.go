package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline"
	"github.com/accordhq/accord/pipeline/demo"
	"github.com/accordhq/accord/pipeline/schedule"
	"github.com/accordhq/accord/reports"
	"github.com/accordhq/accord/reports/delivery"
	"github.com/accordhq/accord/reports/snapshot"
)

const usage = `accord: one customer value index for sales, service and finance

usage:
  accord demo     --out DIR [--customers N] [--seed S] [--as-of YYYY-MM-DD]
  accord validate --config FILE [--inputs]
  accord run      --config FILE [--as-of YYYY-MM-DD] [--out DIR] [--db FILE] [--wait DURATION] [--full] [--profile FILE]
  accord schedule --config FILE [--db FILE] [--out DIR] [--grace DURATION]
  accord send     --config FILE --job NAME --to ADDRESS [--db FILE]
  accord deliver  --config FILE --run N [--retry-failed] [--db FILE]
  accord runs     --config FILE [--job NAME] [--json] [--limit N] [--db FILE]
  accord explain  --config FILE [--as-of YYYY-MM-DD] [--db FILE] CUSTOMER_ID
  accord score    --config NEW_FILE --diff [--db FILE]
  accord version
`

// exitUsage is the exit code for bad flags or an invalid config.
const exitUsage = 2

// exitFailed is the exit code for a failed run or command, and for a crash.
const exitFailed = 1

func main() {
	reexecWithArenaCap()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) (code int) {
	// Go exits 2 on a panic, the code of an invalid config: a crash is a
	// failure (1) with the bug's stack, never mistaken for a config problem.
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "accord: internal error (a bug; please report it): %s\n%s", pipeline.Printable(fmt.Sprint(v)), debug.Stack())
			code = exitFailed
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	logger := newLogger(stderr)
	// On a terminal a run shows its stage as it goes; log lines pass through
	// the status line so the two never interleave.
	status := newStatusLine(stderr)
	if status != nil && args[0] == "run" {
		logger = newLogger(status)
	}
	var err error
	switch args[0] {
	case "demo":
		err = cmdDemo(ctx, args[1:], stdout, now)
	case "validate":
		err = cmdValidate(ctx, args[1:], stdout)
	case "run":
		err = cmdRun(ctx, args[1:], stdout, logger, status, now)
	case "schedule":
		err = cmdSchedule(ctx, args[1:], logger, now)
	case "send":
		err = cmdSend(ctx, args[1:], stdout, logger, now)
	case "deliver":
		err = cmdDeliver(ctx, args[1:], stdout, logger, now)
	case "runs":
		err = cmdRuns(ctx, args[1:], stdout)
	case "explain":
		err = cmdExplain(ctx, args[1:], stdout)
	case "score":
		err = cmdScore(ctx, args[1:], stdout, logger, now)
	case "version", "--version":
		err = cmdVersion(ctx, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "accord: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "accord %s: %s\n", args[0], pipeline.Printable(err.Error()))
	var committed *pipeline.CommittedError
	switch {
	case diskFull(err) && errors.As(err, &committed):
		fmt.Fprintf(stderr, "accord: the disk is full (no space left on device): run %d is committed and succeeded and its reports are in place, "+
			"but the database could not be checkpointed; free space where the database and its spill folder are before the next run\n", committed.RunID)
	case diskFull(err):
		fmt.Fprintln(stderr, "accord: the disk is full (no space left on device): free space where the database, its spill folder "+
			"and the reports are, then run it again; the last successful run's data and reports are unchanged")
	}
	var ve *config.ValidationError
	var se *config.SyntaxError
	var pe *pipeline.PanicError
	switch {
	case errors.As(err, &pe):
		return exitFailed // a bug inside a command is a failure, whatever it wraps
	case errors.As(err, &ve) || errors.As(err, &se) || errors.Is(err, flag.ErrHelp) || errors.Is(err, errUsage):
		return exitUsage
	}
	return exitFailed
}

var errUsage = errors.New("usage")

// diskFull tells whether err comes of a full disk: ENOSPC from Go, or
// DuckDB's text of it (its errors reach Go as text).
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || strings.Contains(strings.ToLower(err.Error()), "no space left on device")
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments, as people type them ("explain C000076 --config F"); the flag
// package alone stops at the first positional one. "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// newLogger logs JSON when stderr is not a terminal (a service, a pipe), text otherwise.
func newLogger(w io.Writer) *slog.Logger {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, nil))
		}
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

func parseAsOf(s string, cfg *config.Config, now func() time.Time) (time.Time, error) {
	if s == "" {
		loc := time.UTC
		if cfg != nil {
			loc = cfg.Location()
		}
		n := now().In(loc)
		return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--as-of %q: want YYYY-MM-DD: %w", s, errUsage)
	}
	return t, nil
}

func cmdDemo(ctx context.Context, args []string, stdout io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	out := fs.String("out", "data/demo", "folder to write the demo exports to")
	customers := fs.Int("customers", 2000, "number of customers")
	seed := fs.Int64("seed", 1, "random seed (same seed, same files)")
	asOf := fs.String("as-of", "", "date the data leads up to (default: today)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	date, err := parseAsOf(*asOf, nil, now)
	if err != nil {
		return err
	}
	m, err := demo.Generate(ctx, demo.Options{Out: *out, Customers: *customers, Seed: *seed, AsOf: date})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo exports for %d customers as of %s written to %s\n", m.Customers, date.Format(time.DateOnly), *out)
	return nil
}

func cmdValidate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	path := fs.String("config", "", "config file")
	inputs := fs.Bool("inputs", false, "also dry-run the load: per-source rows and reject reasons, without touching the database")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	if err := pipeline.CheckModel(cfg); err != nil {
		return fmt.Errorf("%s: %w: %w", *path, err, errUsage)
	}
	for i, j := range cfg.Jobs {
		for k, r := range j.Recipients {
			if r.Filter == "" {
				continue
			}
			if err := snapshot.ValidateFilter(r.Filter); err != nil {
				return fmt.Errorf("%s: jobs[%d].recipients[%d].filter: %w: %w", *path, i, k, err, errUsage)
			}
		}
	}
	problems, err := pipeline.CheckMapping(ctx, cfg)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &config.ValidationError{Path: *path, Problems: problems} // exit 2, like any config problem
	}
	fmt.Fprintf(stdout, "%s: valid (%d sources, %d model groups; every mapping compiles against its first file's headers)\n", *path, len(cfg.Sources), len(cfg.Model.Groups))
	if !*inputs {
		return nil
	}
	loads, err := pipeline.DryRun(ctx, cfg)
	printSources(stdout, loads)
	for _, s := range loads {
		for _, r := range s.TopReasons {
			fmt.Fprintf(stdout, "  %s: %s (%d)\n", s.Source, r.Reason, r.Rows)
		}
	}
	return err
}

func printSources(w io.Writer, loads []pipeline.SourceLoad) {
	fmt.Fprintf(w, "  %-16s %10s %10s %9s %10s\n", "source", "rows", "loaded", "rejected", "duplicates")
	for _, s := range loads {
		fmt.Fprintf(w, "  %-16s %10d %10d %9d %10d", s.Source, s.RowsRead, s.Loaded, s.Rejected, s.Duplicates)
		if s.KeptFrom != 0 {
			fmt.Fprintf(w, "  unchanged since run %d: not re-read", s.KeptFrom)
		}
		fmt.Fprintln(w)
	}
}

func cmdRun(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger, status *statusLine, now func() time.Time) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	path := fs.String("config", "", "config file")
	asOfFlag := fs.String("as-of", "", "as-of date (default: today in the config's time zone)")
	outFlag := fs.String("out", "", "report folder (default: reports.out_dir of the config)")
	dbFlag := fs.String("db", "", "DuckDB file (default: database of the config)")
	wait := fs.Duration("wait", 0, "how long to wait for another run holding the database (default: exit at once)")
	full := fs.Bool("full", false, "read every source and compute everything, even if nothing changed since the last run")
	profilePath := fs.String("profile", "", "write each stage's wall time, CPU time and peak memory to this JSON file, and a Go CPU profile beside it (.pprof)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	asOf, err := parseAsOf(*asOfFlag, cfg, now)
	if err != nil {
		return err
	}
	dbPath := databasePath(cfg, *dbFlag)
	outDir, err := reportFolder(cfg, *outFlag)
	if err != nil {
		return err
	}
	store, err := pipeline.OpenStoreWait(ctx, dbPath, *wait, engineOption(cfg))
	if err != nil {
		return err
	}
	defer store.Close()
	runner := &pipeline.Runner{Store: store, Config: cfg, Logger: logger, Now: now, Publish: publisher(cfg), ReportsDir: outDir}
	if *profilePath != "" {
		stop, err := startProfile(*profilePath)
		if err != nil {
			return err
		}
		runner.Profile = &pipeline.Profile{}
		defer func() {
			if perr := stop(runner.Profile, stdout); perr != nil {
				logger.Error("profile not written", "error", perr) // the run's outcome stands
			}
		}()
	}
	stopStatus := func() {}
	if status != nil {
		if runner.Profile == nil {
			runner.Profile = &pipeline.Profile{}
		}
		stopStatus = status.follow(runner.Profile, time.Second)
	}
	res, err := runner.Run(ctx, pipeline.RunOptions{AsOf: asOf, Full: *full})
	stopStatus() // before the summary, which shares the terminal
	if err != nil {
		return err
	}
	printSummary(stdout, res)
	return nil
}

func printSummary(w io.Writer, res *pipeline.Result) {
	fmt.Fprintf(w, "run %d as of %s\n", res.RunID, res.AsOf.Format(time.DateOnly))
	if res.CarriedFrom != 0 {
		fmt.Fprintf(w, "unchanged: the results of run %d (nothing re-read or recomputed)\n", res.CarriedFrom)
	}
	printSources(w, res.Sources)
	var tiers []string
	keys := make([]string, 0, len(res.Tiers))
	for k := range res.Tiers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tiers = append(tiers, fmt.Sprintf("%s %d", k, res.Tiers[k]))
	}
	for _, o := range res.Orphans {
		fmt.Fprintf(w, "  orphans: %d %s rows name %d %s not in %s\n", o.Rows, o.Source, o.Values, o.Column, o.Parent)
	}
	for _, f := range res.FutureDates {
		fmt.Fprintf(w, "  warning: %s.%s has %d row(s) dated after the as-of date %s (latest %s)\n",
			f.Source, f.Column, f.Rows, res.AsOf.Format(time.DateOnly), f.Latest)
	}
	fmt.Fprintf(w, "tiers: %s\n", strings.Join(tiers, ", "))
	fmt.Fprintf(w, "model: the index rests on %d of %d indicators\n", res.IndicatorsWithData, res.Indicators)
	if 2*res.IndicatorsWithData < res.Indicators {
		fmt.Fprintln(w, "  warning: under half of the model's indicators have data for anyone; tiers rest on the few that do")
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	switch h := res.TopHotspot; {
	case h == nil:
		fmt.Fprintln(w, "hot-spots: not available (no fault tickets with a product and component in the window)")
	case h.Failures == 0:
		fmt.Fprintln(w, "hot-spots: no fault in the window")
	default:
		fmt.Fprintf(w, "top hot-spot: %s %s / %s / %s: %d failures on %d units (%.1f per 100 units per year)\n",
			h.ProductID, h.ProductName, h.Component, h.Region, h.Failures, h.InstalledUnits, h.RatePer100PerYear)
		switch h.RegionBasis {
		case "ticket_or_customer":
			fmt.Fprintln(w, "  regions: the ticket's, else its customer's (some fault tickets name no region)")
		case "none":
			fmt.Fprintln(w, "  regions: none (no customer has a region): hot-spots are per product and component")
		}
	}
	fmt.Fprintf(w, "reports: %s\n", res.ReportDir)
}

// openConfigStore loads the config and opens its database (or --db).
func openConfigStore(ctx context.Context, path, db string) (*config.Config, *pipeline.Store, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, nil, err
	}
	store, err := pipeline.OpenStore(ctx, databasePath(cfg, db), engineOption(cfg))
	if err != nil {
		return cfg, nil, withBusy(err, databasePath(cfg, db))
	}
	return cfg, store, nil
}

// withBusy adds to a locked-database error what the history snapshot says
// of the run holding it and when it should end.
func withBusy(err error, dbPath string) error {
	if !errors.Is(err, pipeline.ErrLocked) {
		return err
	}
	if snap, serr := pipeline.ReadHistorySnapshot(dbPath); serr == nil {
		if busy := snap.Busy(); busy != "" {
			return fmt.Errorf("%w; %s", err, busy)
		}
	}
	return err
}

func cmdExplain(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	path := fs.String("config", "", "config file")
	asOfFlag := fs.String("as-of", "", "explain the run on or before this date (default: the latest)")
	dbFlag := fs.String("db", "", "DuckDB file (default: database of the config)")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return errUsage
	}
	if len(positional) != 1 {
		return fmt.Errorf("want one CUSTOMER_ID: %w", errUsage)
	}
	customerID := positional[0]
	var asOf time.Time
	if *asOfFlag != "" {
		if asOf, err = parseAsOf(*asOfFlag, nil, time.Now); err != nil {
			return err
		}
	}
	_, store, err := openConfigStore(ctx, *path, *dbFlag)
	if err != nil {
		return err
	}
	defer store.Close()
	e, err := pipeline.Explain(ctx, store.DB, customerID, asOf)
	if err != nil {
		return err
	}
	return e.Write(stdout)
}

func cmdScore(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger, now func() time.Time) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	path := fs.String("config", "", "the config whose model to preview")
	diff := fs.Bool("diff", false, "list the customers whose tier the config would change, against the latest run")
	dbFlag := fs.String("db", "", "DuckDB file (default: database of the config)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if !*diff {
		return fmt.Errorf("only --diff is supported: preview a model change against the latest run: %w", errUsage)
	}
	cfg, store, err := openConfigStore(ctx, *path, *dbFlag)
	if err != nil {
		return err
	}
	defer store.Close()
	r := &pipeline.Runner{Store: store, Config: cfg, Logger: logger, Now: now}
	p, err := r.Preview(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s against the run of %s: %d of %d customers change tier\n", *path, p.AsOf.Format(time.DateOnly), len(p.Moves), p.Customers)
	transitions := map[string]int{}
	for _, m := range p.Moves {
		transitions[m.From+" → "+m.To]++
	}
	keys := make([]string, 0, len(transitions))
	for k := range transitions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "  %-12s %d\n", k, transitions[k])
	}
	for _, m := range p.Moves {
		fmt.Fprintf(stdout, "  %-12s %-40s %s → %s  %.1f → %.1f\n", m.CustomerID, m.Name, m.From, m.To, m.OldScore, m.NewScore)
	}
	return nil
}

func cmdRuns(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	path := fs.String("config", "", "config file")
	job := fs.String("job", "", "only this job's runs")
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", 20, "how many runs, newest first")
	dbFlag := fs.String("db", "", "DuckDB file (default: database of the config)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, store, err := openConfigStore(ctx, *path, *dbFlag)
	if errors.Is(err, pipeline.ErrLocked) {
		// A run holds the database: show the history as of its start.
		return printRunsSnapshot(stdout, databasePath(cfg, *dbFlag), *job, *limit, *asJSON, err)
	}
	if err != nil {
		return err
	}
	err = store.CloseInterruptedRuns(ctx, time.Now())
	var runs []pipeline.RunRecord
	if err == nil {
		runs, err = pipeline.Runs(ctx, store.DB, *job, *limit)
	}
	if err == nil && *asJSON {
		err = pipeline.FillAvailability(ctx, store.DB, runs)
	}
	var unsent []pipeline.UnsentAlert
	if err == nil {
		unsent, err = pipeline.UnsentAlerts(ctx, store.DB, *job, *limit)
	}
	if err == nil {
		err = overlayJournals(runs)
	}
	store.Close()
	if err != nil {
		return err
	}
	// The ledger opens the store itself, per operation.
	ledger := schedule.NewDuckLedger(func(ctx context.Context) (*pipeline.Store, error) {
		return pipeline.OpenStore(ctx, store.Path)
	})
	scheduled, err := ledger.List(ctx, *job, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Runs         []pipeline.RunRecord   `json:"runs"`
			Scheduled    []schedule.Entry       `json:"scheduled"`
			UnsentAlerts []pipeline.UnsentAlert `json:"unsent_alerts,omitempty"`
		}{runs, scheduled, unsent})
	}
	printRuns(stdout, runs)
	if len(unsent) > 0 {
		fmt.Fprintln(stdout, "\nalerts the owner did not get (the mail server refused or was down):")
		for _, a := range unsent {
			fmt.Fprintf(stdout, "  %s  %-10s  %s  %q: %s\n", a.At.UTC().Format("2006-01-02 15:04:05"), a.Job, a.Owner, a.Subject, a.Error)
		}
	}
	if len(scheduled) == 0 {
		return nil
	}
	return printScheduled(stdout, cfg, scheduled)
}

// printRunsSnapshot shows the history snapshot of a database a run holds,
// saying so; lockErr is returned when there is no snapshot to show.
func printRunsSnapshot(stdout io.Writer, dbPath, job string, limit int, asJSON bool, lockErr error) error {
	snap, err := pipeline.ReadHistorySnapshot(dbPath)
	if err != nil {
		return withBusy(lockErr, dbPath)
	}
	var runs []pipeline.RunRecord
	for _, r := range snap.Runs {
		if (job == "" || r.Job == job) && len(runs) < limit {
			runs = append(runs, r)
		}
	}
	note := fmt.Sprintf("the database is held by a run; this is the history as of %s UTC (%s)",
		snap.WrittenAt.UTC().Format("2006-01-02 15:04:05"), pipeline.SnapshotPath(dbPath))
	if busy := snap.Busy(); busy != "" {
		note += "; " + busy
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Snapshot string               `json:"snapshot"`
			Runs     []pipeline.RunRecord `json:"runs"`
		}{note, runs})
	}
	fmt.Fprintln(stdout, note)
	printRuns(stdout, runs)
	return nil
}

// overlayJournals shows, for each run, the delivery steps its journal holds
// and the outbox does not have yet (a delivery releases the database while
// it sends), so `accord runs` does not say queued of a message that went out.
func overlayJournals(runs []pipeline.RunRecord) error {
	for i := range runs {
		r := &runs[i]
		if r.ReportDir == "" {
			continue
		}
		steps, err := delivery.ReadJournal(r.ReportDir, r.RunID)
		if err != nil {
			return err
		}
		for _, st := range steps {
			k := slices.IndexFunc(r.Deliveries, func(d pipeline.Delivery) bool { return d.Recipient == st.Recipient })
			if k < 0 {
				r.Deliveries = append(r.Deliveries, pipeline.Delivery{Recipient: st.Recipient})
				k = len(r.Deliveries) - 1
			}
			d := &r.Deliveries[k]
			d.Status, d.Attempts, d.Error, d.UpdatedAt, d.Journal = st.Status, st.Attempts, st.Error, st.At, true
		}
	}
	return nil
}

func printRuns(stdout io.Writer, runs []pipeline.RunRecord) {
	fmt.Fprintf(stdout, "%6s  %-10s  %-10s  %-9s  %-19s  %8s  %8s  %s\n", "run", "job", "as of", "status", "started (UTC)", "rows", "rejected", "error / reports")
	for _, r := range runs {
		detail := r.ReportDir
		if r.CarriedFrom != 0 {
			detail = fmt.Sprintf("nothing changed: the results of run %d, %s", r.CarriedFrom, r.ReportDir)
		}
		if r.Error != "" {
			detail = r.Error
		}
		if r.ResultsPrunedAt != nil {
			// The report folder on disk is the operator's; the database's
			// results of the run are gone, which is what readers need told.
			what := "results"
			if r.Status == "failed" {
				what = "rejects"
			}
			detail = fmt.Sprintf("%s removed by history.keep_runs on %s; %s", what, r.ResultsPrunedAt.UTC().Format(time.DateOnly), detail)
		}
		if r.ResultsReplacedBy != 0 && r.ResultsPrunedAt == nil {
			detail = fmt.Sprintf("results replaced by run %d (same as-of date); %s", r.ResultsReplacedBy, detail)
		}
		fmt.Fprintf(stdout, "%6d  %-10s  %-10s  %-9s  %-19s  %8d  %8d  %s\n", r.RunID, r.Job, r.AsOf, r.Status,
			r.StartedAt.UTC().Format("2006-01-02 15:04:05"), r.Rows, r.Rejected, detail)
		for _, d := range r.Deliveries {
			status := d.Status
			if d.Journal {
				status += " (journal: not yet recorded in the database)"
			}
			fmt.Fprintf(stdout, "%6s  → %-40s %-8s %d attempt(s)  %s %s\n", "", d.Recipient, status, d.Attempts, d.MessageID, d.Error)
		}
	}
}

func printScheduled(stdout io.Writer, cfg *config.Config, scheduled []schedule.Entry) error {
	zones := map[string]*time.Location{}
	for _, j := range cfg.Jobs {
		if loc, err := time.LoadLocation(j.TimeZone); err == nil {
			zones[j.Name] = loc
		}
	}
	fmt.Fprintln(stdout, "\nscheduled jobs:")
	return schedule.WriteRuns(stdout, scheduled, zones)
}

func findJob(cfg *config.Config, name string) (config.Job, error) {
	var names []string
	for _, j := range cfg.Jobs {
		if j.Name == name {
			return j, nil
		}
		names = append(names, j.Name)
	}
	return config.Job{}, fmt.Errorf("no job %q in the config (jobs: %s): %w", name, strings.Join(names, ", "), errUsage)
}

// cmdSend mails a job's latest report to one address now: a preview, kept
// out of the outbox, so it never counts as the scheduled delivery.
func cmdSend(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger, now func() time.Time) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	path := fs.String("config", "", "config file")
	jobName := fs.String("job", "", "the job whose report to send")
	to := fs.String("to", "", "the address to send it to")
	dbFlag := fs.String("db", "", "DuckDB file (default: database of the config)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *jobName == "" || *to == "" {
		return fmt.Errorf("--job and --to are required: %w", errUsage)
	}
	cfg, store, err := openConfigStore(ctx, *path, *dbFlag)
	if err != nil {
		return err
	}
	defer store.Close()
	job, err := findJob(cfg, *jobName)
	if err != nil {
		return err
	}
	run, err := latestRun(ctx, store, job.Name)
	if err != nil {
		return err
	}
	asOf, err := time.Parse(time.DateOnly, run.AsOf)
	if err != nil {
		return fmt.Errorf("send: run %d: %w", run.RunID, err)
	}
	d := &delivery.Deliverer{Now: now, Logger: logger}
	res, err := d.SendPreview(ctx, store.DB, job, cfg, run.RunID, asOf, run.ReportDir, *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sent run %d (as of %s) of job %s to %s: %s, %d bytes, Message-ID %s\n", run.RunID, run.AsOf, job.Name, res.Address, res.Status, res.Size, res.MessageID)
	if len(res.LeftOut) > 0 {
		fmt.Fprintf(stdout, "left out for the size cap: %s\n", strings.Join(res.LeftOut, ", "))
	}
	return nil
}

// latestRun is the job's latest successful run, else the latest successful run of any job.
func latestRun(ctx context.Context, store *pipeline.Store, job string) (pipeline.RunRecord, error) {
	for _, j := range []string{job, ""} {
		runs, err := pipeline.Runs(ctx, store.DB, j, 50)
		if err != nil {
			return pipeline.RunRecord{}, err
		}
		for _, r := range runs {
			if r.Status == "succeeded" && r.ReportDir != "" {
				return r, nil
			}
		}
	}
	return pipeline.RunRecord{}, fmt.Errorf("send: %w: run `accord run` first", pipeline.ErrNoRun)
}

// reportFolder is --out, else the config's reports.out_dir, made absolute.
func reportFolder(cfg *config.Config, flagValue string) (string, error) {
	dir := cfg.Resolve(cfg.Reports.OutDir)
	if flagValue != "" {
		dir = flagValue
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("report folder: %w", err)
	}
	return abs, nil
}

// publisher renders a run, from its uncommitted transaction, into the
// folder the runner stages (it becomes OUT/<as-of>/ once committed).
func publisher(cfg *config.Config) func(context.Context, *sql.Tx, *pipeline.Result, string) error {
	return func(ctx context.Context, tx *sql.Tx, res *pipeline.Result, dir string) error {
		_, err := reports.WriteTx(ctx, tx, res.RunID, res.AsOf, dir, reports.Options{
			Language: cfg.Reports.Language, CurrencySymbol: cfg.Currency.Symbol,
			CurrencyFormat: cfg.Currency.ExcelFormat, Title: cfg.Reports.Title, RejectExamples: cfg.Reports.RejectExamples,
			WorkbookRows: cfg.Reports.SheetRows(),
		})
		return err
	}
}

// loadConfig loads the --config file, which every command but demo needs.
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return nil, fmt.Errorf("--config is required: %w", errUsage)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	// The scheduler's own check, so every command refuses a spec schedule
	// would ("61 7 * * 1" and "0 7 * * 8" pass config's count of fields).
	if len(cfg.Jobs) > 0 {
		if err := schedule.Validate(cfg.Jobs); err != nil {
			return nil, fmt.Errorf("%s: %w: %w", path, err, errUsage)
		}
	}
	return cfg, nil
}

// databasePath is --db, else the config's database.
// engineOption is the config's engine settings, its spill folder resolved
// against the config's folder.
func engineOption(cfg *config.Config) pipeline.StoreOption {
	e := cfg.Engine
	if e.TempDirectory != "" {
		e.TempDirectory = cfg.Resolve(e.TempDirectory)
	}
	return pipeline.WithEngine(e)
}

func databasePath(cfg *config.Config, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return cfg.Resolve(cfg.Database)
}

// cmdVersion prints Accord's version (the module version, or the VCS
// revision of a local build) and the DuckDB library's.
func cmdVersion(ctx context.Context, stdout io.Writer) error {
	version := "(unknown)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				version += " " + s.Value[:12]
			}
		}
	}
	duck, err := pipeline.DuckDBVersion(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "accord %s\nduckdb %s\n", version, duck)
	return err
}
