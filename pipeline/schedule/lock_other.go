//go:build !unix

package schedule

import "errors"

// ErrAlreadyRunning is returned by Lock when another scheduler holds the lock.
var ErrAlreadyRunning = errors.New("another accord schedule is running on this database")

// Lock is a no-op where flock is not available: run one scheduler per
// database by hand there.
func Lock(path string) (release func() error, err error) {
	return func() error { return nil }, nil
}
