package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline"
	"github.com/accordhq/accord/pipeline/schedule"
	"github.com/accordhq/accord/reports/delivery"
)

// cmdSchedule runs the config's jobs until SIGTERM or SIGINT: each job runs
// the pipeline for its scheduled time's date and delivers the reports.
func cmdSchedule(ctx context.Context, args []string, logger *slog.Logger, now func() time.Time) error {
	fs := flag.NewFlagSet("schedule", flag.ContinueOnError)
	path := fs.String("config", "", "config file")
	dbFlag := fs.String("db", "", "DuckDB file (default: database of the config)")
	outFlag := fs.String("out", "", "report folder (default: reports.out_dir of the config)")
	grace := fs.Duration("grace", schedule.DefaultGrace, "on shutdown, how long a running job may take to finish")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	if len(cfg.Jobs) == 0 {
		return fmt.Errorf("%s has no jobs to schedule: %w", *path, errUsage)
	}
	if err := schedule.Validate(cfg.Jobs); err != nil {
		return fmt.Errorf("%w: %w", err, errUsage)
	}
	dbPath := databasePath(cfg, *dbFlag)
	outDir, err := reportFolder(cfg, *outFlag)
	if err != nil {
		return err
	}
	release, err := schedule.Lock(dbPath + ".schedule.lock")
	if err != nil {
		return err
	}
	defer release()
	// The scheduler holds the database only while it works, so an operator's
	// `accord run` can use it between jobs; a job waits for such a run.
	open := func(ctx context.Context) (*pipeline.Store, error) {
		return pipeline.OpenStoreWait(ctx, dbPath, 10*time.Minute, engineOption(cfg))
	}
	deliverer := &delivery.Deliverer{Now: now, Logger: logger}
	s, err := schedule.New(schedule.Options{
		Jobs: cfg.Jobs, Ledger: schedule.NewDuckLedger(open), Logger: logger, Grace: *grace,
		Run: func(ctx context.Context, job config.Job, scheduled time.Time) error {
			return runJob(ctx, cfg, open, outDir, deliverer, logger, now, job, scheduled)
		},
		Alert: func(ctx context.Context, job config.Job, subject, body string) error {
			err := deliverer.AlertOwner(ctx, cfg, job, subject, body)
			recordAlert(ctx, open, logger, now(), job, subject, err)
			return err
		},
	})
	if err != nil {
		return err
	}
	logger.Info("scheduler started", "config", *path, "database", dbPath, "jobs", len(cfg.Jobs))
	resumeDeliveries(ctx, cfg, open, deliverer, logger, now)
	return s.Run(ctx)
}

// resumeDeliveries finishes, for each job, the delivery of its latest
// succeeded run that a stop interrupted (within the job's resume_within):
// queued recipients are sent, rows left sending become unknown and are
// named to the owner, sent ones are left alone. A failure is logged and the
// owner told by the delivery itself; the schedule goes on either way.
func resumeDeliveries(ctx context.Context, cfg *config.Config, open schedule.Opener, deliverer *delivery.Deliverer,
	logger *slog.Logger, now func() time.Time) {
	for _, job := range cfg.Jobs {
		if err := resumeDelivery(ctx, cfg, open, deliverer, logger, now, job); err != nil {
			logger.Error("interrupted delivery not resumed", "job", job.Name, "error", err)
		}
	}
}

func resumeDelivery(ctx context.Context, cfg *config.Config, open schedule.Opener, deliverer *delivery.Deliverer,
	logger *slog.Logger, now func() time.Time, job config.Job) error {
	p, ok, err := findPending(ctx, open, job, now().Add(-job.ResumeWithin))
	if err != nil || !ok {
		return err
	}
	logger.Info("resuming an interrupted delivery", "job", job.Name, "run", p.RunID)
	rep, err := deliverer.DeliverReleasing(ctx, &storeConn{open: open}, job, cfg, p.RunID, p.AsOf, p.ReportDir, nil)
	if err != nil {
		return fmt.Errorf("deliver run %d: %w", p.RunID, err)
	}
	if !rep.OK() {
		// Resumed, and someone is still without the report: the delivery
		// has told the owner whom (see the outbox).
		logger.Warn("interrupted delivery resumed; not every recipient has the report", "job", job.Name, "run", p.RunID,
			"recipients", len(rep.Recipients), "owner_alerted", rep.OwnerAlerted(), "problem", deliveryProblem(rep).Error())
		return nil
	}
	logger.Info("interrupted delivery resumed", "job", job.Name, "run", p.RunID, "recipients", len(rep.Recipients))
	return nil
}

// findPending finds the job's interrupted delivery and recovers its staged
// reports, holding the database only for that.
func findPending(ctx context.Context, open schedule.Opener, job config.Job, since time.Time) (delivery.PendingDelivery, bool, error) {
	store, err := open(ctx)
	if err != nil {
		return delivery.PendingDelivery{}, false, err
	}
	defer store.Close()
	p, ok, err := delivery.FindPendingDelivery(ctx, store.DB, job.Name, since)
	if err != nil || !ok {
		return p, ok, err
	}
	if p.ReportDir != "" {
		// A kill after the run's commit may have left its reports staged.
		if _, err := pipeline.RecoverReports(ctx, store.DB, filepath.Dir(p.ReportDir)); err != nil {
			return p, false, err
		}
	}
	return p, true, nil
}

// storeConn lends a delivery the database through the scheduler's opener,
// which waits for another holder; between Open and Close nothing else holds
// it open in this process.
type storeConn struct {
	open  schedule.Opener
	store *pipeline.Store
}

func (c *storeConn) Open(ctx context.Context) (*sql.DB, error) {
	if c.store == nil {
		s, err := c.open(ctx)
		if err != nil {
			return nil, err
		}
		c.store = s
	}
	return c.store.DB, nil
}

func (c *storeConn) Close() error {
	if c.store == nil {
		return nil
	}
	err := c.store.Close()
	c.store = nil
	return err
}

// recordAlert keeps what became of a scheduler alert, so one that could not
// be sent shows in `accord runs`; a failure to record it is logged.
func recordAlert(ctx context.Context, open schedule.Opener, logger *slog.Logger, at time.Time, job config.Job, subject string, sendErr error) {
	store, err := open(ctx)
	if err == nil {
		err = pipeline.RecordScheduleAlert(ctx, store.DB, at, job.Name, job.Owner, subject, sendErr)
		store.Close()
	}
	if err != nil {
		logger.Error("alert outcome not recorded", "job", job.Name, "subject", subject, "sent", sendErr == nil, "error", err)
	}
}

// runJob runs the pipeline as of the scheduled time's date in the job's
// zone and delivers its reports. A run whose delivery failed is a failed job.
func runJob(ctx context.Context, cfg *config.Config, open schedule.Opener, outDir string, deliverer *delivery.Deliverer,
	logger *slog.Logger, now func() time.Time, job config.Job, scheduled time.Time) error {
	// The run's store is kept open into the delivery's first step (reading
	// the run and rendering), which closes it: the SMTP transactions run
	// with the database released.
	store, err := open(ctx)
	if err != nil {
		return err
	}
	conn := &storeConn{open: open, store: store}
	defer conn.Close()
	runner := &pipeline.Runner{Store: store, Config: cfg, Logger: logger, Now: now, Publish: publisher(cfg), ReportsDir: outDir}
	res, err := runner.Run(ctx, pipeline.RunOptions{AsOf: scheduled, Job: job.Name})
	if err != nil {
		return err
	}
	// A run that found nothing changed delivers its results' run: an
	// outbox that sent them already sends nothing again.
	id := res.ResultsRun()
	rep, err := deliverer.DeliverReleasing(ctx, conn, job, cfg, id, res.AsOf, res.ReportDir, nil)
	if err != nil {
		return fmt.Errorf("deliver run %d: %w", id, err)
	}
	if !rep.OK() {
		err := fmt.Errorf("deliver run %d: %w", id, deliveryProblem(rep))
		if rep.OwnerAlerted() {
			return schedule.OwnerAlerted(err)
		}
		return err
	}
	return nil
}

func deliveryProblem(rep delivery.DeliveryReport) error {
	if rep.Blocked {
		var failed []string
		for _, g := range rep.Gates {
			if !g.Passed {
				failed = append(failed, g.Name+": "+g.Reason)
			}
		}
		return fmt.Errorf("quality gates failed, nothing sent to recipients: %v", failed)
	}
	var errs []error
	for _, r := range rep.Recipients {
		if r.Status != "sent" {
			errs = append(errs, fmt.Errorf("%s: %s %s", r.Address, r.Status, r.Error))
		}
	}
	return errors.Join(errs...)
}
