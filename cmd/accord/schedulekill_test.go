//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/accordhq/accord/pipeline"
	"github.com/accordhq/accord/pipeline/schedule"
)

// TestKilledSchedulerResumesItsDelivery kills a real `accord schedule`
// with SIGKILL in the middle of its job's delivery, while the database is
// released (the outcomes live in the run's delivery journal), and starts a
// new one: on start it resumes the run's delivery. The recipient whose
// message went out gets nothing more; the two whose SMTP transactions had
// begun become unknown, are not resent, and are named in one owner alert.
func TestKilledSchedulerResumesItsDelivery(t *testing.T) {
	mp := startTestMailpit(t)
	var forwardAll atomic.Bool
	proxy := startProxy(t, mp.smtp, func(n int) bool { return n == 1 || forwardAll.Load() })

	cfgPath := fixtureWithJobs(t, "")
	dir := filepath.Dir(cfgPath)
	_, port, _ := net.SplitHostPort(proxy)
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, `smtp: {host: 127.0.0.1, port: %s, from: accord@example.com}
jobs:
  - name: weekly
    schedule: "0 0 * * *"
    timezone: UTC
    catch_up: 48h
    owner: ops@example.com
    gates: {inputs_not_empty: false, max_reject_ratio: 1}
    recipients: [{to: [a@example.com, b@example.com, c@example.com]}]
`, port)
	f.Close()
	// Yesterday's run is in the ledger, so today's 00:00 is due the moment
	// the scheduler starts (and the next is hours away).
	dbPath := filepath.Join(dir, "fixture.duckdb")
	today := time.Now().UTC().Truncate(24 * time.Hour)
	ledger := schedule.NewDuckLedger(func(ctx context.Context) (*pipeline.Store, error) { return pipeline.OpenStore(ctx, dbPath) })
	if _, err := ledger.Record(context.Background(), "weekly", schedule.StatusSucceeded, []time.Time{today.Add(-24 * time.Hour)}, time.Now(), "seeded by the test"); err != nil {
		t.Fatal(err)
	}
	if time.Until(today.Add(24*time.Hour)) < 5*time.Minute {
		t.Skip("too close to midnight UTC: the next scheduled run would start during the test")
	}

	first := startScheduler(t, cfgPath)
	// Wait until one message went out and was journaled sent, and the
	// other two transactions hang.
	deadline := time.Now().Add(3 * time.Minute)
	var journal string
	for {
		if time.Now().After(deadline) {
			t.Fatalf("the scheduler never reached the delivery; log:\n%s", first.log())
		}
		time.Sleep(50 * time.Millisecond)
		found, _ := filepath.Glob(filepath.Join(dir, "*", "*", "mail", ".outbox-run*.journal"))
		if len(found) != 1 || hungConnections(proxy) < 2 {
			continue
		}
		if b, _ := os.ReadFile(found[0]); bytes.Contains(b, []byte(`"status":"sent"`)) {
			journal = found[0]
			break
		}
	}
	first.cmd.Process.Signal(syscall.SIGKILL)
	first.cmd.Wait()
	if len(mp.messages(t)) != 1 {
		t.Fatalf("%d messages before the restart, want 1", len(mp.messages(t)))
	}
	sentTo := mp.messages(t)[0]
	// `accord runs` tells the truth before the resume: the journal's steps,
	// not the outbox's "queued" for a message that went out.
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"runs", "--config", cfgPath, "--json"}, &out, &errOut, time.Now); code != 0 {
		t.Fatalf("runs exited %d: %s", code, errOut.String())
	}
	var listed struct {
		Runs []pipeline.RunRecord `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &listed); err != nil || len(listed.Runs) == 0 {
		t.Fatalf("runs --json: %v\n%s", err, out.String())
	}
	shown := map[string]string{}
	for _, d := range listed.Runs[0].Deliveries {
		if d.Journal {
			shown[d.Recipient] = d.Status
		}
	}
	if shown[sentTo.to] != "sent" || len(shown) != 3 {
		t.Errorf("accord runs after the kill shows %v from the journal, want %s sent and the other two sending", shown, sentTo.to)
	}
	for a, st := range shown {
		if a != sentTo.to && st != "sending" {
			t.Errorf("accord runs shows %s %s, want sending", a, st)
		}
	}

	forwardAll.Store(true)
	second := startScheduler(t, cfgPath)
	for !strings.Contains(second.log(), "interrupted delivery resumed") {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted scheduler did not resume the delivery; log:\n%s", second.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	second.cmd.Process.Signal(syscall.SIGTERM)
	if err := second.cmd.Wait(); err != nil {
		t.Errorf("scheduler after SIGTERM: %v\n%s", err, second.log())
	}

	got := map[string]int{}
	var alert string
	for _, m := range mp.messages(t) {
		got[m.to]++
		if m.to == "ops@example.com" {
			if text := mp.text(t, m.id); strings.Contains(text, "did not reach every recipient") {
				alert += text
			}
		}
	}
	var unknown []string
	for _, a := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		want := 0
		if a == sentTo.to {
			want = 1
		} else {
			unknown = append(unknown, a)
		}
		if got[a] != want {
			t.Errorf("%s: %d messages, want %d", a, got[a], want)
		}
	}
	if _, err := os.Stat(journal); !os.IsNotExist(err) {
		t.Errorf("the journal is still there after the resume: %v", err)
	}
	if strings.Count(alert, "did not reach every recipient") != 1 {
		t.Errorf("want exactly one delivery alert to the owner, got:\n%s", alert)
	}
	for _, a := range unknown {
		if !strings.Contains(alert, a+": unknown") {
			t.Errorf("the owner alert does not name %s:\n%s", a, alert)
		}
	}
	store, err := pipeline.OpenStore(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	status := map[string]string{}
	rows, err := store.DB.Query(`SELECT recipient, status FROM outbox`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r, s string
		rows.Scan(&r, &s)
		status[r] = s
	}
	rows.Close()
	for _, a := range unknown {
		if status[a] != "unknown" {
			t.Errorf("outbox %s = %q, want unknown (%v)", a, status[a], status)
		}
	}
	if status[sentTo.to] != "sent" {
		t.Errorf("outbox %s = %q, want sent", sentTo.to, status[sentTo.to])
	}
}

// scheduler is a running `accord schedule` (the test binary as accord).
type scheduler struct {
	cmd *exec.Cmd
	syncBuffer
}

func (s *scheduler) log() string { return s.String() }

func startScheduler(t *testing.T, cfgPath string) *scheduler {
	t.Helper()
	s := &scheduler{cmd: exec.Command(os.Args[0], "-test.run=^$")}
	s.cmd.Env = append(os.Environ(), "ACCORD_TEST_MAIN=schedule\t--config\t"+cfgPath+"\t--grace\t5s")
	s.cmd.Stdout, s.cmd.Stderr = s, s
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	return s
}

// proxy forwards a connection to upstream when forward(n) says so for the
// n-th connection; otherwise it accepts and never answers (a transaction
// that has begun and hangs).
var hungConns sync.Map // proxy address → *atomic.Int32

func hungConnections(addr string) int {
	v, _ := hungConns.Load(addr)
	return int(v.(*atomic.Int32).Load())
}

func startProxy(t *testing.T, upstream string, forward func(n int) bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hung := &atomic.Int32{}
	hungConns.Store(l.Addr().String(), hung)
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		n := 0
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n++
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if !forward(n) {
				hung.Add(1)
				go io.Copy(io.Discard, c)
				continue
			}
			go func() {
				up, err := net.Dial("tcp", upstream)
				if err != nil {
					c.Close()
					return
				}
				go func() { io.Copy(up, c); up.Close() }()
				io.Copy(c, up)
				c.Close()
			}()
		}
	}()
	return l.Addr().String()
}

// testMailpit is a mailpit server of the test's own (make test-deps builds
// it into .cache/bin).
type testMailpit struct{ smtp, api string }

type mpMessage struct{ id, to string }

func startTestMailpit(t *testing.T) *testMailpit {
	t.Helper()
	exe, err := filepath.Abs("../../.cache/bin/mailpit")
	if err == nil {
		_, err = os.Stat(exe)
	}
	if err != nil {
		if exe, err = exec.LookPath("mailpit"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true and mailpit is not available (make test-deps): %v", err)
			}
			t.Skipf("mailpit is not available (run `make test-deps`): %v", err)
		}
	}
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	m := &testMailpit{smtp: free()}
	httpAddr := free()
	m.api = "http://" + httpAddr
	cmd := exec.Command(exe, "--smtp", m.smtp, "--listen", httpAddr, "--database", filepath.Join(t.TempDir(), "mp.db"),
		"--disable-version-check", "--smtp-disable-rdns", "--quiet")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(m.api + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return m
			}
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("mailpit did not start")
		}
	}
}

func (m *testMailpit) messages(t *testing.T) []mpMessage {
	t.Helper()
	resp, err := http.Get(m.api + "/api/v1/messages?limit=100")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Messages []struct {
			ID string
			To []struct{ Address string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var out []mpMessage
	for _, x := range body.Messages {
		for _, to := range x.To {
			out = append(out, mpMessage{id: x.ID, to: to.Address})
		}
	}
	return out
}

func (m *testMailpit) text(t *testing.T, id string) string {
	t.Helper()
	resp, err := http.Get(m.api + "/api/v1/message/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Text string }
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Text
}
