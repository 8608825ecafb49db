package delivery_test

import (
	"github.com/accordhq/accord/reports/delivery"
	"github.com/accordhq/accord/reports/internal/reportstest"

	"bufio"
	"context"
	"database/sql"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// When ACCORD_TEST_DELIVER_DB is set, the test binary is a helper process
// that delivers the fixture run from that database through the SMTP server
// at ACCORD_TEST_DELIVER_SMTP, printing "dial N" before each connection and
// hanging at the second, for its parent to kill -9 mid-delivery.
func TestMain(m *testing.M) {
	if path := os.Getenv("ACCORD_TEST_DELIVER_DB"); path != "" && os.Getenv("ACCORD_TEST_DELIVER_MODE") == "released" {
		os.Exit(deliverReleased(path, os.Getenv("ACCORD_TEST_DELIVER_SMTP"), os.Getenv("ACCORD_TEST_DELIVER_OUT")))
	}
	if path := os.Getenv("ACCORD_TEST_DELIVER_DB"); path != "" {
		os.Exit(deliverAndHang(path, os.Getenv("ACCORD_TEST_DELIVER_SMTP"), os.Getenv("ACCORD_TEST_DELIVER_OUT")))
	}
	os.Exit(m.Run())
}

func deliverAndHang(path, smtpAddr, out string) int {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 3
	}
	d, _ := testDeliverer(smtpAddr)
	d.Concurrency = 1 // one recipient at a time, so the kill falls between the first and second
	dials := 0
	d.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials++
		os.Stdout.WriteString("dial " + strconv.Itoa(dials) + "\n")
		if dials == 2 {
			time.Sleep(time.Minute) // killed here
		}
		var nd net.Dialer
		return nd.DialContext(ctx, network, addr)
	}
	cfg, job := deliveryConfig()
	if _, err := d.Deliver(context.Background(), db, job, cfg, reportstest.FixtureRun, reportstest.FixtureAsOf, out, nil); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 4
	}
	return 0
}

// TestKilledDeliveryIsResumed is issue 11's "interrupted delivery is never
// resumed", with a real process killed by SIGKILL while it delivers: the
// first recipient was sent, the second's row was 'sending' (its SMTP dial
// had begun), the third still 'queued'. The scheduler's resume (the
// pending run it finds, delivered again) sends the third, marks the
// second unknown without resending it and names it to the owner, and sends
// the first nothing more.
func TestKilledDeliveryIsResumed(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	path := succeededRunFile(t) // closed: the helper process must be able to open the file
	out := t.TempDir()

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "ACCORD_TEST_DELIVER_DB="+path, "ACCORD_TEST_DELIVER_SMTP="+mp.SmtpAddr, "ACCORD_TEST_DELIVER_OUT="+out)
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && sc.Text() != "dial 2" {
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	if len(mp.Messages()) != 1 {
		t.Fatalf("before the kill %d messages were sent, want 1", len(mp.Messages()))
	}

	// The database was released while sending: its outbox still says
	// queued for all three, and the journal holds what happened.
	db2, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for a, e := range outboxRows(t, db2) {
		if e.status != delivery.StatusQueued {
			t.Errorf("%s: outbox status %q while the journal was unapplied, want queued", a, e.status)
		}
	}
	var sent, sending, queued []string
	steps := journalSteps(t, out)
	for _, a := range []string{manager1, manager2, repAddr} {
		switch steps[a] {
		case delivery.StatusSent:
			sent = append(sent, a)
		case delivery.StatusSending:
			sending = append(sending, a)
		case "":
			queued = append(queued, a)
		}
	}
	if len(sent) != 1 || len(sending) != 1 || len(queued) != 1 {
		t.Fatalf("journal after the kill %+v, want one sent, one sending, one not started", steps)
	}
	p, ok, err := delivery.FindPendingDelivery(context.Background(), db2, "weekly", testClock.Add(-24*time.Hour))
	if err != nil || !ok || p.RunID != reportstest.FixtureRun {
		t.Fatalf("pending delivery %+v %v %v", p, ok, err)
	}
	d, _ := testDeliverer(mp.SmtpAddr)
	cfg, job := deliveryConfig()
	rep, err := d.Deliver(context.Background(), db2, job, cfg, p.RunID, p.AsOf, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]int{sent[0]: 1, sending[0]: 0, queued[0]: 1} {
		if got := len(mp.To(addr)); got != want {
			t.Errorf("%s: %d messages, want %d", addr, got, want)
		}
	}
	after := outboxRows(t, db2)
	if after[sending[0]].status != delivery.StatusUnknown || after[queued[0]].status != delivery.StatusSent || after[sent[0]].status != delivery.StatusSent {
		t.Errorf("outbox after the resume %+v", after)
	}
	alerts := mp.To(owner)
	if len(alerts) != 1 || !strings.Contains(mp.Message(alerts[0].ID).Text, sending[0]) {
		t.Errorf("owner alerts %d, want 1 naming %s", len(alerts), sending[0])
	}
	if rep.OK() {
		t.Error("a resumed delivery with an unknown recipient reports OK")
	}
	if _, ok, _ := delivery.FindPendingDelivery(context.Background(), db2, "weekly", testClock.Add(-24*time.Hour)); ok {
		t.Error("the run is still pending after its delivery was resumed")
	}
	if _, err := os.Stat(delivery.JournalPath(out, reportstest.FixtureRun)); !os.IsNotExist(err) {
		t.Errorf("the applied journal is still there: %v", err)
	}
}

// journalSteps reads the fixture run's delivery journal in outDir: each
// recipient's last step.
func journalSteps(t *testing.T, outDir string) map[string]string {
	t.Helper()
	f, err := os.Open(delivery.JournalPath(outDir, reportstest.FixtureRun))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	j := &delivery.Journal{Path: f.Name(), F: f}
	es, err := j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range es {
		out[e.Recipient] = e.Status
	}
	return out
}

// succeededRunFile is the delivery fixture with its run recorded succeeded,
// in a database file that is closed, for a helper process to open.
func succeededRunFile(t *testing.T) string {
	t.Helper()
	db := deliveryDB(t)
	defer db.Close()
	var path string
	if err := db.QueryRow(`SELECT path FROM duckdb_databases() WHERE database_name = current_database()`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO runs (run_id, job, as_of, started_at, finished_at, config_path, config_hash, status, report_dir)
		VALUES ($1, 'weekly', $2, $3, $3, 'c', 'h', 'succeeded', NULL)`, reportstest.FixtureRun, reportstest.FixtureAsOf, testClock.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	return path
}
