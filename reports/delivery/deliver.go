package delivery

import (
	"github.com/accordhq/accord/reports"
	"github.com/accordhq/accord/reports/email"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// Environment variables of the SMTP connection. Credentials come only from
// here, never from the config file.
const (
	EnvSMTPAddr     = "ACCORD_SMTP_ADDR" // host:port, overrides smtp.host and smtp.port
	EnvSMTPUser     = "ACCORD_SMTP_USER"
	EnvSMTPPassword = "ACCORD_SMTP_PASSWORD"
)

// Outbox statuses.
const (
	StatusQueued  = "queued"  // not sent; the next delivery of the run may send it
	StatusSending = "sending" // an SMTP transaction is (or was, if the process stopped) under way
	StatusSent    = "sent"    // the server accepted the message
	StatusFailed  = "failed"  // the server refused it permanently (5xx); not retried
	StatusUnknown = "unknown" // stopped mid-transaction: it may have arrived; never resent
)

// Retry defaults: 5 attempts, 30 s doubling to at most 10 min between them.
const (
	DefaultMaxAttempts = 5
	DefaultBaseDelay   = 30 * time.Second
	DefaultMaxDelay    = 10 * time.Minute
	defaultSMTPTimeout = time.Minute
	// DefaultConcurrency is how many recipients a delivery sends at once.
	DefaultConcurrency = 4
)

// Deliverer renders each recipient's reports and mails them through the
// outbox. The zero value is ready to use; the fields are for tests and for
// tuning.
type Deliverer struct {
	// Now is the clock for Date headers and outbox timestamps (default
	// time.Now). Nothing else reads the wall clock.
	Now func() time.Time
	// Sleep waits between attempts (default: a timer that honours ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// Getenv reads the ACCORD_SMTP_* variables (default os.Getenv).
	Getenv func(string) string
	// MaxAttempts is how many SMTP transactions one Deliver call tries per
	// recipient on temporary failures; BaseDelay doubles after each, up to
	// MaxDelay. Defaults: DefaultMaxAttempts, DefaultBaseDelay, DefaultMaxDelay.
	MaxAttempts int
	BaseDelay   time.Duration
	MaxDelay    time.Duration
	// Timeout bounds one SMTP connection (default one minute).
	Timeout time.Duration
	// TLSConfig is used for STARTTLS (default: verify the server's name).
	TLSConfig *tls.Config
	// Location tells readers where the full reports are when an attachment
	// is left out for the size cap (a URL or a shared folder); default: the
	// report folder's absolute path.
	Location string
	// Concurrency is how many recipients are sent at once (default
	// DefaultConcurrency).
	Concurrency int
	// Logger receives one line per attempt (default: discarded).
	Logger *slog.Logger

	// dial replaces the network dial (tests route a hostname to a local
	// server this way, to check that STARTTLS is required).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// RecipientResult is what happened to one recipient (or owner alert).
type RecipientResult struct {
	Address   string
	Language  string
	Filtered  bool
	Dir       string // the folder its reports were rendered into
	MessageID string // without angle brackets
	Status    string // an outbox status
	Attempts  int    // SMTP transactions started, over all deliveries of the run
	Error     string // the last error, if any
	Attached  []string
	LeftOut   []string // attachments left out for the size cap
	Size      int64    // bytes of the message as sent
	// Previous is set when the outbox already held a final status for the
	// recipient (sent, failed or unknown) before this call: nothing was done.
	Previous bool
}

// DeliveryReport is the outcome of one Deliver call.
type DeliveryReport struct {
	RunID int64
	Job   string
	AsOf  time.Time
	Gates []GateResult
	// Blocked is set when a gate failed: nothing went to the recipients and
	// the owner was alerted (see Alerts).
	Blocked    bool
	Recipients []RecipientResult
	// Recovered lists recipients whose outbox row a previous, interrupted
	// delivery left in 'sending'; they are now 'unknown' and not resent.
	Recovered []string
	Alerts    []RecipientResult
}

// OwnerAlerted reports whether the owner has been told of this delivery's
// problems: an alert of it is sent, now or by an earlier call.
func (r DeliveryReport) OwnerAlerted() bool {
	for _, a := range r.Alerts {
		if a.Status == StatusSent {
			return true
		}
	}
	return false
}

// OK reports whether every recipient has the report: no gate failed and
// every recipient's status is sent.
func (r DeliveryReport) OK() bool {
	if r.Blocked {
		return false
	}
	for _, x := range r.Recipients {
		if x.Status != StatusSent {
			return false
		}
	}
	return true
}

// target is one address to deliver to, with what it may see.
type target struct {
	address  string
	language string
	filter   string
}

// Conn lends a delivery the database only while it reads the run and
// records outcomes: between the two, while SMTP transactions run and are
// retried, the database is free for other commands (`accord runs`, an
// operator's run).
type Conn interface {
	Open(ctx context.Context) (*sql.DB, error)
	Close() error
}

// Held is a Conn over a database the caller keeps open throughout.
func Held(db *sql.DB) Conn { return heldConn{db} }

type heldConn struct{ db *sql.DB }

func (h heldConn) Open(context.Context) (*sql.DB, error) {
	if h.db == nil {
		return nil, errors.New("no database")
	}
	return h.db, nil
}

func (heldConn) Close() error { return nil }

// Deliver is DeliverReleasing over a database the caller keeps open.
func (d *Deliverer) Deliver(ctx context.Context, db *sql.DB, job config.Job, cfg *config.Config, runID int64,
	asOf time.Time, outDir string, supplied []GateResult) (DeliveryReport, error) {
	return d.DeliverReleasing(ctx, Held(db), job, cfg, runID, asOf, outDir, supplied)
}

// DeliverReleasing sends run runID's reports of job to every recipient
// address of the job, each at most once:
//
//  1. with the database open: steps a killed delivery left in the run's
//     journal are applied; outbox rows left in 'sending' become 'unknown'
//     and are reported (and the owner alerted), never resent; the gates
//     (CheckGates with the supplied results) must all pass, else nothing
//     goes to recipients and the job owner gets an alert; every address
//     (groups expanded; an address listed twice gets the first entry's
//     filter and language) gets an outbox row, and each whose row is new or
//     'queued' gets its reports rendered by Write, with its filter and
//     language, into outDir/mail/<language>-<filter hash>/, and an e-mail
//     composed under job.MaxEmailBytes;
//  2. with the database released: the e-mails go out concurrently
//     (Concurrency at a time), each retried on temporary failures, all
//     under one deadline (job.DeliverWithin); every step is synced to the
//     run's journal before it is acted on; then the owner is alerted of
//     every recipient that did not get the report;
//  3. with the database open again: the journal is applied to the outbox.
//
// outDir is the run's report folder (e.g. OUT/2026-11-27). Per-recipient
// problems are in the report (see DeliveryReport.OK); the error is for
// problems that stop the whole delivery (database, SMTP settings, journal).
func (d *Deliverer) DeliverReleasing(ctx context.Context, conn Conn, job config.Job, cfg *config.Config, runID int64,
	asOf time.Time, outDir string, supplied []GateResult) (DeliveryReport, error) {
	rep := DeliveryReport{RunID: runID, Job: job.Name, AsOf: asOf}
	if conn == nil || cfg == nil {
		return rep, errors.New("reports: deliver: no database or config")
	}
	settings, err := d.SmtpSettings(cfg)
	if err != nil {
		return rep, err
	}
	jr, err := openJournal(outDir, runID)
	if err != nil {
		return rep, err
	}
	defer jr.close()
	plan, err := d.prepare(ctx, conn, jr, settings, job, cfg, runID, asOf, outDir, supplied, &rep)
	if err != nil {
		return rep, err
	}
	sendErr := d.sendPlan(ctx, jr, settings, job, cfg, runID, asOf, plan, &rep)
	// Recorded even when the delivery was cancelled: what went out must be
	// known. Should the database stay out of reach, the journal keeps it
	// for the run's next delivery.
	recordErr := d.record(context.WithoutCancel(ctx), conn, jr, runID)
	return rep, errors.Join(sendErr, recordErr)
}

// deliveryPlan is what a delivery sends once the database is released.
type deliveryPlan struct {
	sends []pendingSend
	// alertKind is the owner alert this delivery may owe ("gates" or
	// "delivery"); alertRow is its outbox row, if it has one.
	alertKind  string
	alertText  alertText // for gates; a delivery alert is written after the sends
	alertRow   outboxRow
	alertFound bool
}

// pendingSend is one composed e-mail to a recipient of rep.Recipients.
type pendingSend struct {
	index     int
	key       string
	messageID string
	attempts  int // SMTP transactions of earlier deliveries of the run
	msg       *gomail.Msg
}

// prepare is the part of a delivery that needs the database; it releases
// the database before it returns.
func (d *Deliverer) prepare(ctx context.Context, conn Conn, jr *Journal, s smtpSettings, job config.Job, cfg *config.Config,
	runID int64, asOf time.Time, outDir string, supplied []GateResult, rep *DeliveryReport) (plan deliveryPlan, err error) {
	db, err := conn.Open(ctx)
	if err != nil {
		return plan, fmt.Errorf("reports: deliver: open the database: %w", err)
	}
	defer func() {
		if cerr := conn.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("reports: deliver: release the database: %w", cerr)
		}
	}()
	if _, err := db.ExecContext(ctx, queries.Get("CreateOutbox")); err != nil {
		return plan, fmt.Errorf("reports: deliver: create outbox: %w", err)
	}
	// A delivery killed while the database was released left its steps in
	// the journal: its 'sending' rows are then recovered below.
	if err := jr.apply(ctx, db, runID); err != nil {
		return plan, err
	}
	if rep.Recovered, err = d.recoverSending(ctx, db, runID); err != nil {
		return plan, err
	}

	gates, err := CheckGates(ctx, db, cfg, job, runID, supplied)
	if err != nil {
		return plan, err
	}
	rep.Gates = gates
	if failed := FailedGates(gates); len(failed) > 0 {
		rep.Blocked = true
		d.log().Warn("quality gate failed; nothing sent to recipients", "job", job.Name, "run", runID, "failed", len(failed))
		plan.alertKind, plan.alertText = "gates", gatesAlert(cfg, job, runID, asOf, failed)
		err = d.readAlertRow(ctx, db, job, runID, &plan)
		return plan, err
	}

	// Every recipient's row is queued before the first SMTP transaction: a
	// delivery killed after the first send leaves the rest 'queued', which
	// the next delivery of the run sends, instead of no row at all.
	targets := d.targets(cfg, job)
	for _, t := range targets {
		msgID := OutboxMessageID(s.from, job.Name, runID, t.address)
		if _, err := db.ExecContext(ctx, queries.Get("OutboxEnqueue"), runID, job.Name, t.address, msgID, d.now()); err != nil {
			return plan, fmt.Errorf("reports: outbox enqueue %s: %w", t.address, err)
		}
	}
	rendered := map[string]renderedReport{}
	for _, t := range targets {
		res, send, err := d.prepareOne(ctx, db, s, cfg, job, runID, asOf, outDir, t, rendered)
		if send != nil {
			send.index = len(rep.Recipients)
			plan.sends = append(plan.sends, *send)
		}
		rep.Recipients = append(rep.Recipients, res)
		if err != nil {
			return plan, err
		}
	}
	plan.alertKind = "delivery"
	err = d.readAlertRow(ctx, db, job, runID, &plan)
	return plan, err
}

// readAlertRow reads the outbox row of the plan's owner alert.
func (d *Deliverer) readAlertRow(ctx context.Context, db *sql.DB, job config.Job, runID int64, plan *deliveryPlan) error {
	if strings.TrimSpace(job.Owner) == "" {
		return nil
	}
	var err error
	plan.alertRow, plan.alertFound, err = d.outboxGet(ctx, db, runID, alertKey(plan.alertKind, job.Owner))
	return err
}

func alertKey(kind, owner string) string { return "alert:" + kind + ":" + owner }

// sendPlan sends the plan's e-mails and the owner alert it calls for,
// without the database.
func (d *Deliverer) sendPlan(ctx context.Context, jr *Journal, s smtpSettings, job config.Job, cfg *config.Config,
	runID int64, asOf time.Time, plan deliveryPlan, rep *DeliveryReport) error {
	var errs []error
	if !rep.Blocked {
		errs = d.sendAll(ctx, jr, s, job, runID, plan.sends, rep.Recipients)
		if ctx.Err() != nil {
			// Stopped (a shutdown): the rows left queued are sent, and the
			// owner told of any problem, by the run's next delivery.
			return errors.Join(append(errs, ctx.Err())...)
		}
	}
	text := plan.alertText
	if !rep.Blocked {
		// Nobody is left silently without the report: the owner hears of
		// every recipient that did not get it (and of interrupted deliveries).
		var problems []RecipientResult
		for _, r := range rep.Recipients {
			if r.Status != StatusSent {
				problems = append(problems, r)
			}
		}
		if len(problems) == 0 {
			return errors.Join(errs...)
		}
		text = deliveryAlert(cfg, job, runID, asOf, problems)
	}
	// The alert has time of its own: the recipients' deadline may be spent.
	actx, cancel := context.WithTimeout(ctx, ownerAlertWithin)
	defer cancel()
	alert, err := d.alertOwner(actx, jr, s, cfg, job, runID, plan, text)
	if alert != nil {
		rep.Alerts = append(rep.Alerts, *alert)
	}
	return errors.Join(append(errs, err)...)
}

// ownerAlertWithin bounds the sending of one owner alert, retries included.
const ownerAlertWithin = 2 * time.Minute

// sendAll sends every pending e-mail, Concurrency at a time, under the
// job's delivery deadline, filling in results; the errors are those that
// stop a send for good (the journal cannot be written).
func (d *Deliverer) sendAll(ctx context.Context, jr *Journal, s smtpSettings, job config.Job, runID int64,
	sends []pendingSend, results []RecipientResult) []error {
	within := job.DeliverWithin
	if within <= 0 {
		within = config.DefaultDeliverWithin
	}
	sctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	work := make(chan pendingSend)
	errs := make([]error, len(results))
	var wg sync.WaitGroup
	for range min(d.concurrency(), len(sends)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				r := &results[p.index]
				status, attempts, lastErr, err := d.sendJournaled(sctx, jr, s, runID, job.Name, p.key, p.messageID, p.attempts, p.msg)
				r.Status, r.Error, r.Attempts = status, lastErr, p.attempts+attempts
				if err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
					// The deadline is a per-recipient outcome: the row stays
					// queued for `accord deliver --run N`, and says why.
					r.Error = fmt.Sprintf("not sent within the delivery deadline of %s (jobs[].deliver_within); `accord deliver --run %d` sends it", within, runID)
					if lastErr != "" {
						r.Error += "; last error: " + lastErr
					}
					err = jr.append(journalEntry{Recipient: p.key, Job: job.Name, MessageID: p.messageID, Status: status,
						Attempts: r.Attempts, Error: r.Error, At: d.now()})
				}
				errs[p.index] = err
			}
		}()
	}
	for _, p := range sends {
		work <- p
	}
	close(work)
	wg.Wait()
	return errs
}

// targets expands the job's recipients into addresses, first entry first.
func (d *Deliverer) targets(cfg *config.Config, job config.Job) []target {
	seen := map[string]bool{}
	var out []target
	for _, r := range job.Recipients {
		lang := r.Language
		if lang == "" {
			lang = cfg.Reports.Language
		}
		for _, a := range cfg.Addresses(r) {
			key := strings.ToLower(strings.TrimSpace(a))
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, target{address: strings.TrimSpace(a), language: lang, filter: strings.TrimSpace(r.Filter)})
		}
	}
	return out
}

// renderedReport is one Write of a (language, filter) pair, shared by every
// address that sees the same thing.
type renderedReport struct {
	out snapshot.Output
	d   *snapshot.ReportData
	err error
}

func (d *Deliverer) render(ctx context.Context, db *sql.DB, cfg *config.Config, runID int64, asOf time.Time,
	outDir string, t target, cache map[string]renderedReport) (renderedReport, snapshot.Options) {
	opt := snapshot.Options{
		Language:       t.language,
		CurrencySymbol: cfg.Currency.Symbol,
		CurrencyFormat: cfg.Currency.ExcelFormat,
		Title:          cfg.Reports.Title,
		RejectExamples: cfg.Reports.RejectExamples,
		WorkbookRows:   cfg.Reports.SheetRows(),
		Filter:         t.filter,
	}
	key := t.language + "\x00" + t.filter
	if r, ok := cache[key]; ok {
		return r, opt
	}
	dir := filepath.Join(outDir, "mail", RenderFolder(t.language, t.filter))
	out, data, err := reports.WriteWithData(ctx, db, runID, asOf, dir, opt)
	r := renderedReport{out: out, d: data, err: err}
	cache[key] = r
	return r, opt
}

// renderFolder names the folder of one (language, filter) rendering:
// "en-all" unfiltered, else "en-" and the first 12 hex digits of the
// filter's sha256 (a filter's text may not be a valid file name).
func RenderFolder(language, filter string) string {
	if language == "" {
		language = "en"
	}
	if filter == "" {
		return language + "-all"
	}
	sum := sha256.Sum256([]byte(filter))
	return language + "-" + hex.EncodeToString(sum[:6])
}

// prepareOne reads a target's outbox row and, unless it is final, renders
// and composes its e-mail; a render failure leaves the row queued, noted.
func (d *Deliverer) prepareOne(ctx context.Context, db *sql.DB, s smtpSettings, cfg *config.Config, job config.Job,
	runID int64, asOf time.Time, outDir string, t target, cache map[string]renderedReport) (RecipientResult, *pendingSend, error) {
	res := RecipientResult{Address: t.address, Language: t.language, Filtered: t.filter != ""}
	row, found, err := d.outboxGet(ctx, db, runID, t.address)
	if err != nil {
		return res, nil, err
	}
	if !found {
		return res, nil, fmt.Errorf("reports: outbox %s: no row after it was queued", t.address)
	}
	if row.status != StatusQueued {
		res.MessageID, res.Status, res.Attempts, res.Error, res.Previous = row.messageID, row.status, row.attempts, row.lastError, true
		return res, nil, nil
	}
	res.MessageID, res.Status, res.Attempts = row.messageID, StatusQueued, row.attempts

	r, opt := d.render(ctx, db, cfg, runID, asOf, outDir, t, cache)
	res.Dir = r.out.Dir
	l, lerr := texts.LabelsFor(t.language)
	if r.err == nil && lerr != nil {
		r.err = lerr
	}
	var c *email.Composed
	where, link := recipientPlace(cfg.Reports.BaseURL, d.Location, asOf, t)
	if r.err == nil {
		c, r.err = email.Compose(email.ComposeInput{
			D: r.d, L: l, Opt: opt, Out: r.out, RunID: runID, AsOf: asOf, Job: job.Name,
			From: s.from, To: t.address, MessageID: row.messageID, Date: d.now(),
			MaxBytes: maxEmailBytes(job), Location: where, Link: link,
		})
	}
	if r.err != nil {
		// Nothing was sent: the row stays queued, so a later delivery of
		// the run sends it once the problem (a filter, a font) is fixed.
		res.Error = r.err.Error()
		d.log().Error("report not sent: cannot render", "job", job.Name, "run", runID, "to", t.address, "err", r.err)
		if _, err := db.ExecContext(ctx, queries.Get("OutboxNote"), res.Error, d.now(), runID, t.address); err != nil {
			return res, nil, fmt.Errorf("reports: outbox note %s: %w", t.address, err)
		}
		return res, nil, nil
	}
	res.Attached, res.LeftOut, res.Size = c.Attached, c.LeftOut, c.Size
	return res, &pendingSend{key: t.address, messageID: row.messageID, attempts: row.attempts, msg: c.Msg}, nil
}

// record applies the delivery's journal to the outbox, with the database
// opened again.
func (d *Deliverer) record(ctx context.Context, conn Conn, jr *Journal, runID int64) (err error) {
	ctx, cancel := context.WithTimeout(ctx, recordWithin)
	defer cancel()
	db, err := conn.Open(ctx)
	if err != nil {
		return fmt.Errorf("reports: deliver: record the outcomes (kept in %s for the run's next delivery): %w", jr.Path, err)
	}
	defer func() {
		if cerr := conn.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("reports: deliver: release the database: %w", cerr)
		}
	}()
	return jr.apply(ctx, db, runID)
}

// recordWithin bounds the wait for the database to record a delivery.
const recordWithin = 10 * time.Minute

func (d *Deliverer) concurrency() int {
	if d.Concurrency > 0 {
		return d.Concurrency
	}
	return DefaultConcurrency
}

func maxEmailBytes(job config.Job) int64 {
	if job.MaxEmailBytes > 0 {
		return job.MaxEmailBytes
	}
	return email.DefaultMaxEmailBytes
}

// outboxMessageID is the Message-ID of (run, job, recipient): the same on
// every attempt, so a retried message is recognisably the same message.
func OutboxMessageID(from, job string, runID int64, recipient string) string {
	sum := sha256.Sum256([]byte(job + "\x00" + strings.ToLower(recipient)))
	return fmt.Sprintf("accord.%d.%s@%s", runID, hex.EncodeToString(sum[:8]), messageIDDomain(from))
}

func messageIDDomain(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i+1 < len(a.Address) {
			return a.Address[i+1:]
		}
	}
	return "accord.invalid"
}

type outboxRow struct {
	job, messageID, status, lastError string
	attempts                          int
}

func (d *Deliverer) outboxGet(ctx context.Context, db *sql.DB, runID int64, recipient string) (outboxRow, bool, error) {
	var r outboxRow
	err := db.QueryRowContext(ctx, queries.Get("OutboxGet"), runID, recipient).Scan(&r.job, &r.messageID, &r.status, &r.attempts, &r.lastError)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("reports: outbox read %s: %w", recipient, err)
	}
	return r, true, nil
}

// recoverSending turns the run's rows left in 'sending' into 'unknown'.
// Such a row means a process wrote 'sending', started the SMTP transaction
// and stopped before recording the outcome: the server may have accepted
// the message. Resending could deliver it twice, so it is not resent.
func (d *Deliverer) recoverSending(ctx context.Context, db *sql.DB, runID int64) ([]string, error) {
	rows, err := db.QueryContext(ctx, queries.Get("OutboxRecoverSending"),
		"a delivery stopped during the SMTP transaction; the message may or may not have arrived, so it is not resent",
		d.now(), runID)
	if err != nil {
		return nil, fmt.Errorf("reports: outbox recovery: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var recipient, job, msgID string
		var attempts int
		if err := rows.Scan(&recipient, &job, &msgID, &attempts); err != nil {
			return nil, fmt.Errorf("reports: outbox recovery: %w", err)
		}
		d.log().Warn("interrupted delivery: status unknown, not resent", "run", runID, "to", recipient, "message_id", msgID)
		out = append(out, recipient)
	}
	return out, rows.Err()
}

// outcome is how one SMTP transaction ended.
type outcome int

const (
	outcomeSent      outcome = iota
	outcomeTemporary         // 4xx or a connection problem before the message was complete: retry
	outcomePermanent         // 5xx, or a problem retrying cannot fix: record, do not retry
	outcomeAmbiguous         // the message was sent but the server's answer was lost: unknown
)

// classify tells how an SMTP transaction of msg ended.
func classify(msg *gomail.Msg, err error) outcome {
	if msg != nil && msg.IsDelivered() {
		return outcomeSent // a failed RSET or QUIT afterwards changes nothing
	}
	if err == nil {
		return outcomeSent
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch se.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return outcomePermanent
		}
		if code := se.ErrorCode(); code >= 400 && code < 500 {
			return outcomeTemporary
		} else if code >= 500 && code < 600 {
			return outcomePermanent
		}
		if se.Reason == gomail.ErrSMTPDataClose {
			// The final "." went out and no reply came: the server may have
			// queued the message. Retrying could deliver it twice.
			return outcomeAmbiguous
		}
		return outcomeTemporary
	}
	// Errors before the transaction (dial, greeting, STARTTLS, AUTH).
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		if tpe.Code >= 500 {
			return outcomePermanent
		}
		return outcomeTemporary
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return outcomePermanent
	}
	msgText := err.Error()
	if strings.Contains(msgText, "STARTTLS") || strings.Contains(msgText, "x509:") || strings.Contains(msgText, "tls:") {
		return outcomePermanent // the server cannot talk securely: a setup problem
	}
	if code := leadingCode(msgText); code >= 500 {
		return outcomePermanent
	}
	return outcomeTemporary // connection refused, reset, timeout, EOF, 4xx greeting
}

// leadingCode finds an SMTP reply code at the start of an error's last
// "…: " segment (go-mail wraps some server replies in plain errors).
func leadingCode(s string) int {
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	if len(s) >= 3 {
		if n, err := strconv.Atoi(s[:3]); err == nil && n >= 200 && n < 600 {
			return n
		}
	}
	return 0
}

// sendJournaled sends msg to recipient (an address or an alert key),
// syncing every step to the journal: 'sending' before each SMTP
// transaction, the outcome after it. Temporary failures are retried with
// exponential backoff up to MaxAttempts in this call; after that the row
// stays 'queued'. before is the attempts of earlier deliveries. It returns
// the final status, the attempts made here and the last error text.
func (d *Deliverer) sendJournaled(ctx context.Context, jr *Journal, s smtpSettings, runID int64, job, recipient, msgID string,
	before int, msg *gomail.Msg) (status string, attempts int, lastErr string, err error) {
	status = StatusQueued
	for {
		if err := ctx.Err(); err != nil {
			return status, attempts, lastErr, err
		}
		step := journalEntry{Recipient: recipient, Job: job, MessageID: msgID, Status: StatusSending,
			Attempts: before + attempts + 1, Error: lastErr, At: d.now()}
		if err := jr.append(step); err != nil {
			return status, attempts, lastErr, err // nothing was sent
		}
		attempts++
		sendErr := d.send(ctx, s, msg)
		o := classify(msg, sendErr)
		lastErr = ""
		if sendErr != nil {
			lastErr = sendErr.Error()
		}
		var next string
		switch o {
		case outcomeSent:
			next = StatusSent
		case outcomePermanent:
			next = StatusFailed
		case outcomeAmbiguous:
			next = StatusUnknown
		default:
			next = StatusQueued
		}
		d.log().Info("smtp attempt", "run", runID, "to", recipient, "attempt", before+attempts, "status", next, "err", lastErr)
		step.Status, step.Error, step.At = next, lastErr, d.now()
		if err := jr.append(step); err != nil {
			return StatusSending, attempts, lastErr, fmt.Errorf("reports: outbox record %s as %s: %w", recipient, next, err)
		}
		status = next
		if next != StatusQueued || attempts >= d.maxAttempts() {
			return status, attempts, lastErr, nil
		}
		if err := d.sleep(ctx, d.Backoff(attempts)); err != nil {
			return status, attempts, lastErr, err
		}
	}
}

func (d *Deliverer) maxAttempts() int {
	if d.MaxAttempts > 0 {
		return d.MaxAttempts
	}
	return DefaultMaxAttempts
}

// backoff is the wait after the n-th failed attempt: BaseDelay·2^(n-1),
// at most MaxDelay.
func (d *Deliverer) Backoff(n int) time.Duration {
	base, maxD := d.BaseDelay, d.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if maxD <= 0 {
		maxD = DefaultMaxDelay
	}
	w := base
	for i := 1; i < n && w < maxD; i++ {
		w *= 2
	}
	return min(w, maxD)
}

func (d *Deliverer) sleep(ctx context.Context, w time.Duration) error {
	if d.Sleep != nil {
		return d.Sleep(ctx, w)
	}
	t := time.NewTimer(w)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Deliverer) getenv(k string) string {
	if d.Getenv != nil {
		return d.Getenv(k)
	}
	return os.Getenv(k)
}

func (d *Deliverer) log() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// smtpSettings is the resolved SMTP connection.
type smtpSettings struct {
	Host       string
	Port       int
	User, Pass string
	from       string
	Loopback   bool
}

// smtpSettings resolves host and port (config, overridden by
// ACCORD_SMTP_ADDR), credentials (environment only) and the sender.
func (d *Deliverer) SmtpSettings(cfg *config.Config) (smtpSettings, error) {
	s := smtpSettings{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, from: cfg.SMTP.From}
	if addr := strings.TrimSpace(d.getenv(EnvSMTPAddr)); addr != "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return s, fmt.Errorf("reports: %s=%q: want host:port: %w", EnvSMTPAddr, addr, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil || p <= 0 || p > 65535 {
			return s, fmt.Errorf("reports: %s=%q: bad port", EnvSMTPAddr, addr)
		}
		s.Host, s.Port = host, p
	}
	if s.Port == 0 {
		s.Port = 587
	}
	if s.Host == "" {
		return s, fmt.Errorf("reports: no SMTP host: set smtp.host in the config or %s", EnvSMTPAddr)
	}
	if s.from == "" {
		return s, errors.New("reports: no sender: set smtp.from in the config")
	}
	if _, err := mail.ParseAddress(s.from); err != nil {
		return s, fmt.Errorf("reports: smtp.from %q: %w", s.from, err)
	}
	s.User, s.Pass = d.getenv(EnvSMTPUser), d.getenv(EnvSMTPPassword)
	if s.User == "" && s.Pass != "" {
		return s, fmt.Errorf("reports: %s is set but %s is not", EnvSMTPPassword, EnvSMTPUser)
	}
	s.Loopback = IsLoopbackHost(s.Host)
	return s, nil
}

// isLoopbackHost reports whether host names this machine: localhost or a
// loopback IP. Only then may mail go without STARTTLS.
func IsLoopbackHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// send runs one SMTP transaction for msg on a new connection.
func (d *Deliverer) send(ctx context.Context, s smtpSettings, msg *gomail.Msg) error {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = defaultSMTPTimeout
	}
	tlsCfg := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if d.TLSConfig != nil {
		tlsCfg = d.TLSConfig.Clone()
		if tlsCfg.ServerName == "" {
			tlsCfg.ServerName = s.Host
		}
	}
	// STARTTLS is mandatory, except to a server on this machine (a local
	// relay or a test server), where the traffic never leaves the host.
	policy := gomail.TLSMandatory
	if s.Loopback {
		policy = gomail.TLSOpportunistic
	}
	opts := []gomail.Option{
		gomail.WithPort(s.Port),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(tlsCfg),
		gomail.WithTimeout(timeout),
	}
	if s.User != "" {
		// Off loopback the connection is encrypted (above), and the strongest
		// mechanism the server offers is used. On loopback it may be plain
		// text, where go-mail's discovery refuses PLAIN; the traffic never
		// leaves the host, so PLAIN is used there.
		auth := gomail.SMTPAuthAutoDiscover
		if s.Loopback {
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.User), gomail.WithPassword(s.Pass))
	}
	if d.Dial != nil {
		opts = append(opts, gomail.WithDialContextFunc(d.Dial))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// SendPreview sends run runID's report of job to one address now, for
// `accord send --job NAME --to ADDRESS`. If the address is one of the
// job's recipients it gets exactly what that recipient gets (filter and
// language); otherwise the unfiltered report in the config's language. The
// preview bypasses the outbox: it is not recorded, does not count as the
// recipient's delivery, and can be repeated. Gates do not stop a preview;
// failed ones are listed at the top of its body. Temporary SMTP failures
// are retried as in Deliver.
func (d *Deliverer) SendPreview(ctx context.Context, db *sql.DB, job config.Job, cfg *config.Config, runID int64,
	asOf time.Time, outDir, to string) (RecipientResult, error) {
	res := RecipientResult{Address: to}
	if db == nil || cfg == nil {
		return res, errors.New("reports: preview: no database or config")
	}
	if _, err := mail.ParseAddress(to); err != nil {
		return res, fmt.Errorf("reports: preview: %q is not an e-mail address: %w", to, err)
	}
	settings, err := d.SmtpSettings(cfg)
	if err != nil {
		return res, err
	}
	t := target{address: to, language: cfg.Reports.Language}
	for _, x := range d.targets(cfg, job) {
		if strings.EqualFold(x.address, to) {
			t = x
		}
	}
	res.Language, res.Filtered = t.language, t.filter != ""
	gates, err := CheckGates(ctx, db, cfg, job, runID, nil)
	if err != nil {
		return res, err
	}
	r, opt := d.render(ctx, db, cfg, runID, asOf, outDir, t, map[string]renderedReport{})
	res.Dir = r.out.Dir
	if r.err != nil {
		return res, r.err
	}
	l, err := texts.LabelsFor(t.language)
	if err != nil {
		return res, err
	}
	notes := []string{l.Get("mail.preview")}
	if failed := FailedGates(gates); len(failed) > 0 {
		var reasons []string
		for _, g := range failed {
			reasons = append(reasons, g.Name+": "+g.Reason)
		}
		notes = append(notes, l.Getf("mail.gates_failed", strings.Join(reasons, "; ")))
	}
	var nonce [6]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return res, err
	}
	res.MessageID = fmt.Sprintf("accord.preview.%d.%d.%s@%s", runID, d.now().UnixNano(), hex.EncodeToString(nonce[:]),
		messageIDDomain(settings.from))
	where, link := recipientPlace(cfg.Reports.BaseURL, d.Location, asOf, t)
	c, err := email.Compose(email.ComposeInput{
		D: r.d, L: l, Opt: opt, Out: r.out, RunID: runID, AsOf: asOf, Job: job.Name,
		From: settings.from, To: to, MessageID: res.MessageID, Date: d.now(),
		MaxBytes: maxEmailBytes(job), Location: where, Link: link,
		Notes: notes, Preview: true,
	})
	if err != nil {
		return res, err
	}
	res.Attached, res.LeftOut, res.Size = c.Attached, c.LeftOut, c.Size
	for {
		res.Attempts++
		err := d.send(ctx, settings, c.Msg)
		switch classify(c.Msg, err) {
		case outcomeSent:
			res.Status = StatusSent
			return res, nil
		case outcomeTemporary:
			res.Error = err.Error()
			if res.Attempts >= d.maxAttempts() {
				res.Status = StatusQueued
				return res, fmt.Errorf("reports: preview to %s: gave up after %d attempts: %w", to, res.Attempts, err)
			}
			if err := d.sleep(ctx, d.Backoff(res.Attempts)); err != nil {
				return res, err
			}
		case outcomeAmbiguous:
			res.Status, res.Error = StatusUnknown, err.Error()
			return res, fmt.Errorf("reports: preview to %s: outcome unknown: %w", to, err)
		default:
			res.Status, res.Error = StatusFailed, err.Error()
			return res, fmt.Errorf("reports: preview to %s: %w", to, err)
		}
	}
}

// errNoOwner is returned when an alert is due and the job names no owner.
var errNoOwner = errors.New("the job has no owner to alert")

// alertText is an owner alert: subject and plain-text body.
type alertText struct {
	subject, body string
}

func alertLabels(cfg *config.Config) texts.Labels {
	l, err := texts.LabelsFor(cfg.Reports.Language)
	if err != nil {
		return texts.LabelsEN
	}
	return l
}

func gatesAlert(cfg *config.Config, job config.Job, runID int64, asOf time.Time, failed []GateResult) alertText {
	l := alertLabels(cfg)
	date := asOf.Format(time.DateOnly)
	var b strings.Builder
	b.WriteString(l.Getf("alert.gates_intro", job.Name, date, runID) + "\n\n")
	for _, g := range failed {
		b.WriteString("  - " + g.Name + ": " + email.OneLine(g.Reason) + "\n")
	}
	b.WriteString("\n" + l.Get("alert.footer") + "\n")
	return alertText{subject: l.Getf("alert.gates_subject", job.Name, date), body: b.String()}
}

func deliveryAlert(cfg *config.Config, job config.Job, runID int64, asOf time.Time, problems []RecipientResult) alertText {
	l := alertLabels(cfg)
	date := asOf.Format(time.DateOnly)
	var b strings.Builder
	b.WriteString(l.Getf("alert.delivery_intro", job.Name, date, runID) + "\n\n")
	unknown := false
	for _, p := range problems {
		line := "  - " + p.Address + ": " + p.Status
		if p.Error != "" {
			line += " (" + email.OneLine(p.Error) + ")"
		}
		b.WriteString(line + "\n")
		unknown = unknown || p.Status == StatusUnknown
	}
	if unknown {
		b.WriteString("\n" + l.Get("alert.unknown") + "\n")
	}
	b.WriteString("\n" + l.Get("alert.footer") + "\n")
	return alertText{subject: l.Getf("alert.delivery_subject", job.Name, date), body: b.String()}
}

// alertOwner mails the job owner, at most once per run and kind, through
// the journal under the key alert:<kind>:<owner>.
func (d *Deliverer) alertOwner(ctx context.Context, jr *Journal, s smtpSettings, cfg *config.Config, job config.Job,
	runID int64, plan deliveryPlan, a alertText) (*RecipientResult, error) {
	kind := plan.alertKind
	if strings.TrimSpace(job.Owner) == "" {
		d.log().Error("alert not sent: no owner", "job", job.Name, "run", runID, "kind", kind)
		if kind == "gates" {
			return nil, fmt.Errorf("reports: job %s: a quality gate failed and %w", job.Name, errNoOwner)
		}
		return nil, nil
	}
	key := alertKey(kind, job.Owner)
	res := &RecipientResult{Address: job.Owner, Language: cfg.Reports.Language}
	row := plan.alertRow
	if plan.alertFound && row.status != StatusQueued {
		res.MessageID, res.Status, res.Attempts, res.Error, res.Previous = row.messageID, row.status, row.attempts, row.lastError, true
		return res, nil
	}
	msgID := OutboxMessageID(s.from, job.Name, runID, key)
	if plan.alertFound {
		msgID = row.messageID
	}
	res.MessageID = msgID
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.From(s.from); err != nil {
		return res, fmt.Errorf("reports: alert from %q: %w", s.from, err)
	}
	if err := m.To(job.Owner); err != nil {
		return res, fmt.Errorf("reports: alert to %q: %w", job.Owner, err)
	}
	m.Subject(a.subject)
	m.SetMessageIDWithValue(msgID)
	m.SetDateWithValue(d.now())
	m.SetGenHeader(gomail.HeaderUserAgent, "Accord")
	m.SetGenHeader("X-Accord-Run", strconv.FormatInt(runID, 10))
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetBodyString(gomail.TypeTextPlain, a.body)
	status, attempts, lastErr, err := d.sendJournaled(ctx, jr, s, runID, job.Name, key, msgID, row.attempts, m)
	res.Status, res.Attempts, res.Error = status, row.attempts+attempts, lastErr
	if status != StatusSent {
		d.log().Error("owner alert not sent", "job", job.Name, "run", runID, "owner", job.Owner, "status", status, "err", lastErr)
	}
	return res, err
}

// RequeueFailed queues the run's failed recipients again, for a Deliver
// that resends exactly them (with the queued ones); it returns them.
func RequeueFailed(ctx context.Context, db *sql.DB, now time.Time, runID int64) ([]string, error) {
	if _, err := db.ExecContext(ctx, queries.Get("CreateOutbox")); err != nil {
		return nil, fmt.Errorf("reports: requeue: create outbox: %w", err)
	}
	rows, err := db.QueryContext(ctx, queries.Get("OutboxRequeueFailed"), now.UTC(), runID)
	if err != nil {
		return nil, fmt.Errorf("reports: requeue failed: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("reports: requeue failed: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PendingDelivery is a succeeded run whose delivery a stop interrupted.
type PendingDelivery struct {
	RunID     int64
	AsOf      time.Time
	ReportDir string
}

// FindPendingDelivery returns the job's latest succeeded run, finished at or
// after since, with recipients still queued or left sending; ok is false
// when there is none.
func FindPendingDelivery(ctx context.Context, db *sql.DB, job string, since time.Time) (p PendingDelivery, ok bool, err error) {
	err = db.QueryRowContext(ctx, queries.Get("PendingDelivery"), job, since.UTC()).Scan(&p.RunID, &p.AsOf, &p.ReportDir)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("reports: pending delivery of job %s: %w", job, err)
	}
	return p, true, nil
}

// recipientPlace is where a recipient's full report is: with
// reports.base_url, the URL of the recipient's own rendering
// (<base_url>/<as-of>/mail/<language>-<filter hash>/weekly.html: a filtered
// recipient's is filtered like the e-mail); else, for an unfiltered
// recipient only, the operator's shared place (Deliverer.Location); else
// none. Never a path on this server, and never the unfiltered report for a
// filtered recipient.
func recipientPlace(baseURL, location string, asOf time.Time, t target) (where, link string) {
	if baseURL != "" {
		u := strings.TrimRight(baseURL, "/") + "/" + url.PathEscape(asOf.Format(time.DateOnly)) + "/mail/" +
			url.PathEscape(RenderFolder(t.language, t.filter)) + "/" + snapshot.HtmlName
		return u, u
	}
	if t.filter == "" {
		return location, ""
	}
	return "", ""
}

// EmailBody renders, without sending, the body of the e-mail run runID's
// report would carry for a recipient with this language and filter (""
// for the whole report): the HTML part and the plain-text part, exactly
// as compose builds them, from the reports written under
// outDir/mail/<language>-<filter>, without the chart images. It is for
// previews and tests that read what a reader would see without an SMTP
// server.
func EmailBody(ctx context.Context, db *sql.DB, cfg *config.Config, runID int64, asOf time.Time,
	outDir, language, filter string) (html, text string, err error) {
	if language == "" {
		language = cfg.Reports.Language
	}
	var d Deliverer
	r, opt := d.render(ctx, db, cfg, runID, asOf, outDir, target{language: language, filter: filter}, map[string]renderedReport{})
	if r.err != nil {
		return "", "", r.err
	}
	l, err := texts.LabelsFor(language)
	if err != nil {
		return "", "", err
	}
	// The chart images are left out: they repeat the page's charts, and
	// drawing them needs a CJK font the caller may not have.
	where, link := recipientPlace(cfg.Reports.BaseURL, "", asOf, target{language: language, filter: filter})
	in := email.ComposeInput{D: r.d, L: l, Opt: opt, Out: r.out, RunID: runID, AsOf: asOf, Location: where, Link: link}
	html, view, err := email.FittedEmailHTML(in, nil, nil, []string{snapshot.XlsxName, snapshot.HtmlName})
	if err != nil {
		return "", "", err
	}
	return html, email.RenderEmailText(view), nil
}
