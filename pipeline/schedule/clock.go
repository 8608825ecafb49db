package schedule

import "time"

// Clock is the scheduler's only source of time. Tests pass a fake one
// (package clocktest) and move it by hand: no sleeps, no wall clock.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the machine's clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// After waits for d on the monotonic clock, which stops while the machine
// sleeps; the scheduler therefore never waits longer than a minute at a
// time and compares wall clock readings to notice a jump.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
