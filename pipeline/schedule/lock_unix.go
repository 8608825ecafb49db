//go:build unix

package schedule

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrAlreadyRunning is returned by Lock when another scheduler holds the lock.
var ErrAlreadyRunning = errors.New("another accord schedule is running on this database")

// Lock takes an exclusive lock on path (created if needed; by convention
// the database file plus ".schedule.lock") for as long as the scheduler
// runs, so that only one scheduler works on a database: the ledger then
// knows that a run still marked running at start was interrupted. The
// operating system drops the lock when the process ends, even on kill -9.
func Lock(path string) (release func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("schedule lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := strings.TrimSpace(string(holder))
			if pid == "" {
				pid = "unknown"
			}
			return nil, fmt.Errorf("schedule lock %s (process %s): %w", path, pid, ErrAlreadyRunning)
		}
		return nil, fmt.Errorf("schedule lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0) // the PID only helps the message above
	}
	return func() error {
		if err := f.Close(); err != nil { // closing drops the lock
			return fmt.Errorf("schedule lock: %w", err)
		}
		return nil
	}, nil
}
