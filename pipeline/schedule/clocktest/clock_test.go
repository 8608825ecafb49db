package clocktest_test

import (
	"context"
	"testing"
	"time"

	"github.com/accordhq/accord/pipeline/schedule/clocktest"
)

func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case t := <-ch:
		return t, true
	default:
		return time.Time{}, false
	}
}

func TestAfterFiresOnlyWhenMovedFarEnough(t *testing.T) {
	start := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	c := clocktest.New(start)
	a, b := c.After(time.Minute), c.After(time.Hour)
	if c.Waiters() != 2 {
		t.Fatalf("waiters %d, want 2", c.Waiters())
	}
	c.Advance(59 * time.Second)
	if _, ok := fired(a); ok {
		t.Fatal("fired 1s early")
	}
	c.Advance(time.Second)
	if got, ok := fired(a); !ok || !got.Equal(start.Add(time.Minute)) {
		t.Fatalf("a: %v %v", got, ok)
	}
	if _, ok := fired(b); ok || c.Waiters() != 1 {
		t.Fatal("b fired early")
	}
	if _, ok := fired(c.After(0)); !ok {
		t.Error("After(0) does not fire at once")
	}
}

func TestSetBackFiresNothingAndJumpKeepsRemainingDurations(t *testing.T) {
	start := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	c := clocktest.New(start)
	a := c.After(time.Minute)
	c.Set(start.Add(-time.Hour))
	if _, ok := fired(a); ok {
		t.Fatal("setting the clock back fired a timer")
	}
	c.Set(start)
	c.Jump(24 * time.Hour) // the wall clock moves; the timer still has a minute
	if _, ok := fired(a); ok || !c.Now().Equal(start.Add(24*time.Hour)) {
		t.Fatal("Jump fired a timer or did not move the clock")
	}
	c.Advance(time.Minute)
	if _, ok := fired(a); !ok {
		t.Fatal("timer did not fire after its remaining minute")
	}
}

func TestBlockUntil(t *testing.T) {
	c := clocktest.New(time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC))
	done := make(chan error, 1)
	go func() { done <- c.BlockUntil(context.Background(), 2) }()
	c.After(time.Second)
	c.After(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.BlockUntil(ctx, 3); err == nil {
		t.Error("BlockUntil with 2 waiters and a cancelled context returned nil")
	}
}
