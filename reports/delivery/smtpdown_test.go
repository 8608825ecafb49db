package delivery_test

import (
	"github.com/accordhq/accord/reports/delivery"
	"github.com/accordhq/accord/reports/internal/reportstest"

	"bufio"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fileConn opens the database file for each step of a delivery, waiting
// while another process holds it, as the CLI's store opener does.
type fileConn struct {
	path string
	db   *sql.DB
}

func (c *fileConn) Open(ctx context.Context) (*sql.DB, error) {
	for {
		db, err := sql.Open("duckdb", c.path)
		if err == nil {
			if err = db.PingContext(ctx); err == nil {
				c.db = db
				return db, nil
			}
			db.Close()
		}
		if !strings.Contains(err.Error(), "lock") {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *fileConn) Close() error {
	if c.db == nil {
		return nil
	}
	err := c.db.Close()
	c.db = nil
	return err
}

// deliverReleased is the helper process of TestSMTPDownReleasesTheDatabase:
// it delivers the fixture run to an SMTP address nobody listens on, three
// attempts per recipient 300 ms apart, printing "dial" at each connection.
func deliverReleased(path, smtpAddr, out string) int {
	d, _ := testDeliverer(smtpAddr)
	d.MaxAttempts, d.BaseDelay, d.MaxDelay = 3, 300*time.Millisecond, 300*time.Millisecond
	d.Sleep = nil // real waits, during which the parent reads the database
	d.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	var mu sync.Mutex
	d.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		os.Stdout.WriteString("dial\n")
		mu.Unlock()
		var nd net.Dialer
		return nd.DialContext(ctx, network, addr)
	}
	cfg, job := deliveryConfig()
	if _, err := d.DeliverReleasing(context.Background(), &fileConn{path: path}, job, cfg, reportstest.FixtureRun, reportstest.FixtureAsOf, out, nil); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 4
	}
	return 0
}

// TestSMTPDownReleasesTheDatabase is issue 11's "SMTP down": while a real
// process retries recipients against a mail server that is down, the
// database is not held, so another process opens it (before, the delivery
// held it through every retry and `accord runs` failed). Afterwards the
// outbox says what happened to each recipient and to the owner's alert,
// which could not be sent either.
func TestSMTPDownReleasesTheDatabase(t *testing.T) {
	reportstest.CjkFont(t)
	path := succeededRunFile(t)
	out := t.TempDir()
	down := delivery.FreePort(t) // nothing listens here

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "ACCORD_TEST_DELIVER_MODE=released", "ACCORD_TEST_DELIVER_DB="+path,
		"ACCORD_TEST_DELIVER_SMTP="+down, "ACCORD_TEST_DELIVER_OUT="+out)
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("the helper never dialled: %s", stderr.String())
	}
	// Mid-delivery: the database opens here, read and write.
	mid, err := sql.Open("duckdb", path)
	if err == nil {
		err = mid.Ping()
	}
	if err != nil {
		t.Fatalf("the database is held while the mail server is down: %v", err)
	}
	var queued int
	if err := mid.QueryRow(`SELECT count(*) FROM outbox WHERE run_id = $1 AND status = 'queued'`, reportstest.FixtureRun).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if _, err := mid.Exec(`CREATE TABLE written_meanwhile AS SELECT 1 AS x`); err != nil {
		t.Errorf("cannot write the database mid-delivery: %v", err)
	}
	mid.Close()
	if queued != 3 {
		t.Errorf("mid-delivery %d recipients are queued, want 3", queued)
	}
	for sc.Scan() {
	}
	if err := child.Wait(); err != nil {
		t.Fatalf("helper: %v\n%s", err, stderr.String())
	}

	after, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	rows := outboxRows(t, after)
	for _, a := range []string{manager1, manager2, repAddr, "alert:delivery:" + owner} {
		e := rows[a]
		if e.status != delivery.StatusQueued || e.attempts != 3 || !strings.Contains(e.lastError, "refused") {
			t.Errorf("%s: %+v, want queued after 3 refused attempts", a, e)
		}
	}
	if !strings.Contains(stderr.String(), "owner alert not sent") {
		t.Errorf("the unsent owner alert was not logged:\n%s", stderr.String())
	}
}

// TestDeliveryDeadlineIsOneForAll: recipients are sent concurrently under
// one deadline. Each first attempt meets a 421 and its retry waits past
// the deadline; every recipient got its first attempt (one at a time, the
// first recipient's wait would have starved the others), all stay queued
// saying why and what to do, and the owner, whose alert has time of its
// own, is told of all three. A later delivery sends each exactly once.
func TestDeliveryDeadlineIsOneForAll(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	job.DeliverWithin = 2 * time.Second
	var mu sync.Mutex
	refuse := 3
	flaky := delivery.StartFlakySMTP(t, mp.SmtpAddr, func(n int) string {
		mu.Lock()
		defer mu.Unlock()
		if n <= refuse {
			return "421"
		}
		return ""
	})
	d, _ := testDeliverer(flaky.Addr())
	d.Sleep = func(ctx context.Context, _ time.Duration) error { <-ctx.Done(); return ctx.Err() }
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	for _, a := range []string{manager1, manager2, repAddr} {
		r := resultFor(t, rep, a)
		if r.Status != delivery.StatusQueued || r.Attempts != 1 || !strings.Contains(r.Error, "deliver_within") ||
			!strings.Contains(r.Error, "accord deliver --run "+strconv.FormatInt(reportstest.FixtureRun, 10)) || !strings.Contains(r.Error, "421") {
			t.Errorf("%s: %+v, want queued after 1 attempt, naming the deadline, the command and the 421", a, r)
		}
		if e := outboxRows(t, db)[a]; e.status != delivery.StatusQueued || e.attempts != 1 || !strings.Contains(e.lastError, "deliver_within") {
			t.Errorf("%s outbox: %+v", a, e)
		}
	}
	alerts := mp.To(owner)
	if len(alerts) != 1 {
		t.Fatalf("%d owner alerts, want 1", len(alerts))
	}
	text := mp.Message(alerts[0].ID).Text
	for _, a := range []string{manager1, manager2, repAddr} {
		if !strings.Contains(text, a) {
			t.Errorf("the owner alert does not name %s:\n%s", a, text)
		}
	}
	if len(mp.Messages()) != 1 {
		t.Errorf("%d messages, want only the alert", len(mp.Messages()))
	}

	job.DeliverWithin = 0 // the default
	rep = deliver(t, d, db, cfg, job, t.TempDir())
	if !rep.OK() {
		t.Errorf("second delivery not OK: %+v", rep.Recipients)
	}
	for _, a := range []string{manager1, manager2, repAddr} {
		if got := len(mp.To(a)); got != 1 {
			t.Errorf("%s: %d messages, want 1", a, got)
		}
	}
}

// TestMailpitRestartedMidDelivery: the real mail server is down when the
// delivery starts and comes back during the wait before the retries: every
// recipient gets the report exactly once, on its second attempt, and the
// owner is not alerted.
func TestMailpitRestartedMidDelivery(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	d, _ := testDeliverer(mp.SmtpAddr)
	var restart sync.Once
	var restartErr error
	d.Sleep = func(ctx context.Context, _ time.Duration) error {
		restart.Do(func() { restartErr = mp.Launch() })
		return restartErr
	}
	mp.Stop()
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	if !rep.OK() {
		t.Fatalf("delivery after the restart not OK: %+v", rep.Recipients)
	}
	for _, a := range []string{manager1, manager2, repAddr} {
		r := resultFor(t, rep, a)
		if r.Attempts != 2 {
			t.Errorf("%s: %d attempts, want 2 (refused, then sent)", a, r.Attempts)
		}
		if got := len(mp.To(a)); got != 1 {
			t.Errorf("%s: %d messages, want 1", a, got)
		}
	}
	if got := len(mp.To(owner)); got != 0 {
		t.Errorf("owner got %d alerts for a delivery that reached everyone", got)
	}
}

// TestSlowServerIsRetried: a mail server too slow to greet within the SMTP
// timeout is a temporary failure: each recipient's first connection
// stalls, the retry goes through, and each gets the report exactly once.
func TestSlowServerIsRetried(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	flaky := delivery.StartFlakySMTP(t, mp.SmtpAddr, func(n int) string {
		if n <= 3 {
			return "stall"
		}
		return ""
	})
	d, _ := testDeliverer(flaky.Addr())
	// Under the 3 s stall, with room for the retry to send 1.7 MB through
	// the relay on a loaded machine (500 ms was too little once in CI).
	d.Timeout = 2 * time.Second
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	if !rep.OK() {
		t.Fatalf("not OK: %+v", rep.Recipients)
	}
	for _, a := range []string{manager1, manager2, repAddr} {
		r := resultFor(t, rep, a)
		if r.Attempts != 2 {
			t.Errorf("%s: %d attempts, want 2 (timed out, then sent)", a, r.Attempts)
		}
		if got := len(mp.To(a)); got != 1 {
			t.Errorf("%s: %d messages, want 1", a, got)
		}
	}
}
