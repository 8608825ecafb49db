package pipeline

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// When ACCORD_TEST_HOLD_DB is set, the test binary is a helper process that
// opens that database, says "ready", and holds it until killed.
func TestMain(m *testing.M) {
	if path := os.Getenv("ACCORD_TEST_HOLD_DB"); path != "" {
		s, err := OpenStore(context.Background(), path)
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

// holdDatabase starts a second process holding path open.
func holdDatabase(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ACCORD_TEST_HOLD_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper process did not open the database: %q %v", line, err)
	}
	return cmd
}

func TestSecondWriterGetsAClearMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accord.duckdb")
	holder := holdDatabase(t, path)
	_, err := OpenStore(context.Background(), path)
	var le *LockError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("want a LockError, got %v", err)
	}
	if le.PID != strconv.Itoa(holder.Process.Pid) {
		t.Errorf("lock error names PID %q, holder is %d", le.PID, holder.Process.Pid)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "one Accord run writes at a time") {
		t.Errorf("message does not explain: %v", err)
	}
}

func TestWaitingWriterGetsTheDatabaseWhenTheHolderExits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accord.duckdb")
	holder := holdDatabase(t, path)
	released := make(chan struct{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		holder.Process.Kill()
		holder.Wait()
		close(released)
	}()
	s, err := OpenStoreWait(context.Background(), path, time.Minute)
	if err != nil {
		t.Fatalf("waiting writer: %v", err)
	}
	s.Close()
	select {
	case <-released:
	default:
		t.Fatal("the store opened while the holder still ran")
	}
}

// The scheduler's overlapping jobs open the store in one process: they
// share it, and it stays usable until the last Close.
func TestStoreOpenedTwiceInOneProcessIsShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accord.duckdb")
	a, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatalf("second open in the same process: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.DB.QueryRow("SELECT count(*) FROM runs").Scan(&n); err != nil {
		t.Fatalf("store closed under its second holder: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen after the last close: %v", err)
	}
	c.Close()
}
