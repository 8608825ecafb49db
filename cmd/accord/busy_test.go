package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/pipeline"
	"github.com/accordhq/accord/reports/delivery"
)

// When ACCORD_TEST_HOLD_DB is set, the test binary is a helper process that
// opens that database, says "ready", and holds it until killed, as a run
// writing would.
//
// When ACCORD_TEST_MAIN holds arguments (tab-separated), the test binary is
// the accord command itself, with its signal handling, for tests that kill
// a real `accord schedule`.
func TestMain(m *testing.M) {
	if args := os.Getenv("ACCORD_TEST_MAIN"); args != "" {
		os.Args = append([]string{"accord"}, strings.Split(args, "\t")...)
		main()
	}
	if path := os.Getenv("ACCORD_TEST_HOLD_DB"); path != "" {
		s, err := pipeline.OpenStore(context.Background(), path)
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(3)
		}
		os.Stdout.WriteString("ready\n")
		time.Sleep(time.Minute)
		s.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunsWhileTheDatabaseIsHeld is issue 11's "readers during a run":
// `accord runs` failed while a run wrote. It now shows the history snapshot
// the last run left beside the database, saying it is one.
func TestRunsWhileTheDatabaseIsHeld(t *testing.T) {
	cfgPath := fixtureWithJobs(t, "")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"run", "--config", cfgPath, "--as-of", "2026-11-27"}, &out, &errOut, clock); code != 0 {
		t.Fatalf("run exited %d: %s", code, errOut.String())
	}
	dbPath := filepath.Join(filepath.Dir(cfgPath), "fixture.duckdb")
	holder := exec.Command(os.Args[0], "-test.run=^$")
	holder.Env = append(os.Environ(), "ACCORD_TEST_HOLD_DB="+dbPath)
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("holder did not open the database: %q %v", line, err)
	}

	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"runs", "--config", cfgPath}, &out, &errOut, clock); code != 0 {
		t.Fatalf("runs exited %d while the database was held: %s", code, errOut.String())
	}
	for _, want := range []string{"the database is held by a run; this is the history as of", "succeeded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("runs output lacks %q:\n%s", want, out.String())
		}
	}
	// explain needs the data itself: it says the database is held.
	errOut.Reset()
	if code := run(context.Background(), []string{"explain", "--config", cfgPath, "C1"}, &out, &errOut, clock); code == 0 ||
		!strings.Contains(errOut.String(), "is in use by process") {
		t.Errorf("explain exited %d while the database was held: %s", code, errOut.String())
	}
}

// TestUnsentAlertIsKeptAndShown is issue 11's "the owner's alerts are lost
// without a log line": an alert the scheduler could not send (here the
// mail server's port is closed) is recorded and `accord runs` lists it; a
// sent one is not listed.
func TestUnsentAlertIsKeptAndShown(t *testing.T) {
	cfgPath := fixtureWithJobs(t, "0 7 * * 1")
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	job := cfg.Jobs[0]
	job.Owner = "ops@example.com"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close() // nothing listens there now
	d := &delivery.Deliverer{Now: clock, Getenv: func(k string) string {
		if k == delivery.EnvSMTPAddr {
			return closed
		}
		return ""
	}, Sleep: func(context.Context, time.Duration) error { return nil }, Timeout: 2 * time.Second}
	sendErr := d.AlertOwner(context.Background(), cfg, job, "weekly missed a run", "body")
	if sendErr == nil {
		t.Fatal("an alert to a closed port was sent")
	}
	dbPath := filepath.Join(filepath.Dir(cfgPath), "fixture.duckdb")
	open := func(ctx context.Context) (*pipeline.Store, error) { return pipeline.OpenStore(ctx, dbPath) }
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	recordAlert(context.Background(), open, logger, clock(), job, "weekly missed a run", sendErr)
	recordAlert(context.Background(), open, logger, clock(), job, "weekly failed", nil)

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"runs", "--config", cfgPath}, &out, &errOut, clock); code != 0 {
		t.Fatalf("runs exited %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "alerts the owner did not get") || !strings.Contains(out.String(), `"weekly missed a run"`) ||
		!strings.Contains(out.String(), "ops@example.com") {
		t.Errorf("runs does not show the unsent alert:\n%s", out.String())
	}
	if strings.Contains(out.String(), `"weekly failed"`) {
		t.Errorf("runs lists an alert that was sent:\n%s", out.String())
	}
}
