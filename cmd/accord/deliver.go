package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/accordhq/accord/pipeline"
	"github.com/accordhq/accord/reports/delivery"
)

// cmdDeliver resumes the outbox delivery of one succeeded run: queued rows
// are sent, rows left 'sending' become 'unknown' and are named to the
// owner, sent ones are left alone; --retry-failed queues failed ones again.
func cmdDeliver(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger, now func() time.Time) error {
	fs := flag.NewFlagSet("deliver", flag.ContinueOnError)
	path := fs.String("config", "", "config file")
	runFlag := fs.Int64("run", 0, "the run whose delivery to resume")
	retryFailed := fs.Bool("retry-failed", false, "also resend recipients whose delivery failed")
	dbFlag := fs.String("db", "", "DuckDB file (default: database of the config)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *runFlag <= 0 {
		return fmt.Errorf("--run is required: %w", errUsage)
	}
	cfg, store, err := openConfigStore(ctx, *path, *dbFlag)
	if err != nil {
		return err
	}
	dbPath := store.Path
	// The delivery closes the store after its first step, so the database
	// is free while the e-mails go out.
	conn := &storeConn{store: store, open: func(ctx context.Context) (*pipeline.Store, error) {
		return pipeline.OpenStoreWait(ctx, dbPath, 10*time.Minute, engineOption(cfg))
	}}
	defer conn.Close()
	runs, err := pipeline.Runs(ctx, store.DB, "", 1<<20)
	if err != nil {
		return err
	}
	var run *pipeline.RunRecord
	for i := range runs {
		if runs[i].RunID == *runFlag {
			run = &runs[i]
		}
	}
	if run != nil && run.Status == "unchanged" && run.CarriedFrom != 0 {
		// It stands for an earlier run's results and reports, which are
		// the ones to deliver; their outbox sends nobody twice.
		carried := run.CarriedFrom
		run = nil
		for i := range runs {
			if runs[i].RunID == carried {
				run = &runs[i]
			}
		}
		if run != nil {
			fmt.Fprintf(stdout, "run %d found nothing changed: delivering run %d, whose results it stands for\n", *runFlag, carried)
		}
	}
	if run == nil || run.Status != "succeeded" {
		return fmt.Errorf("deliver: run %d is not a succeeded run (see `accord runs`)", *runFlag)
	}
	// Before any outbox row is queued: a run without results has nothing
	// to render, and an empty report must never go out as a quiet week.
	if err := pipeline.ResultsRemoved(ctx, store.DB, run.RunID); err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	job, err := findJob(cfg, run.Job)
	if err != nil {
		return fmt.Errorf("deliver: run %d was made by job %q: %w", run.RunID, run.Job, err)
	}
	// A kill after the run's commit may have left its reports staged.
	if run.ReportDir != "" {
		done, err := pipeline.RecoverReports(ctx, store.DB, filepath.Dir(run.ReportDir))
		for _, d := range done {
			logger.Info("report folder recovered", "action", d)
		}
		if err != nil {
			return err
		}
	}
	asOf, err := time.Parse(time.DateOnly, run.AsOf)
	if err != nil {
		return fmt.Errorf("deliver: run %d: %w", run.RunID, err)
	}
	if *retryFailed {
		again, err := delivery.RequeueFailed(ctx, store.DB, now(), run.RunID)
		if err != nil {
			return err
		}
		logger.Info("failed recipients queued again", "run", run.RunID, "recipients", strings.Join(again, ", "))
	}
	d := &delivery.Deliverer{Now: now, Logger: logger}
	rep, err := d.DeliverReleasing(ctx, conn, job, cfg, run.RunID, asOf, run.ReportDir, nil)
	if err != nil {
		return fmt.Errorf("deliver run %d: %w", run.RunID, err)
	}
	for _, r := range rep.Recipients {
		what := r.Status
		if r.Previous {
			what += " (before)"
		}
		fmt.Fprintf(stdout, "%s: %s %s\n", r.Address, what, r.Error)
	}
	if !rep.OK() {
		return fmt.Errorf("deliver run %d: %w", run.RunID, deliveryProblem(rep))
	}
	return nil
}
