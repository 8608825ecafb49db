package main

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordhq/accord/pipeline"
)

// syncBuffer is a bytes.Buffer safe for the status goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The status line shows the stage under way, is cleared before a log line
// is written (so the log line starts at the line's start), and is gone
// when the run ends.
func TestStatusLineShowsTheStageAndGivesWayToLogLines(t *testing.T) {
	var out syncBuffer
	s := &statusLine{w: &out}
	p := &pipeline.Profile{}
	p.Mark("load tickets")
	stop := s.follow(p, 10*time.Millisecond)
	waitFor(t, &out, "accord run: load tickets… ")
	if _, err := s.Write([]byte("level=INFO msg=\"source staged\"\n")); err != nil {
		t.Fatal(err)
	}
	p.Mark("evidence")
	waitFor(t, &out, "accord run: evidence… ")
	stop()
	got := out.String()
	if !strings.Contains(got, clearLine+"level=INFO msg=\"source staged\"\n") {
		t.Errorf("the log line is not written on a cleared line: %q", got)
	}
	if !strings.HasSuffix(got, clearLine) {
		t.Errorf("the status line is still shown after stop: %q", got)
	}
	// After stop nothing more is written.
	n := len(out.String())
	time.Sleep(50 * time.Millisecond)
	if len(out.String()) != n {
		t.Errorf("the status line was written after stop")
	}
}

// On a pipe (a service's log, a CI job) there is no status line at all.
func TestNoStatusLineOnAPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if s := newStatusLine(w); s != nil {
		t.Error("a status line on a pipe")
	}
	if s := newStatusLine(&bytes.Buffer{}); s != nil {
		t.Error("a status line on a buffer")
	}
}

func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %q", want, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
