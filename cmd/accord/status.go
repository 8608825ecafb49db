package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/accordhq/accord/pipeline"
)

// statusLine is the one line a run keeps up to date on a terminal: the
// stage under way and how long it and the run have taken. Log lines go
// through it, so a line is cleared before anything else is written and
// output never interleaves. On a pipe or a file there is none (newStatusLine
// returns nil): a service's log gets log lines only.
type statusLine struct {
	mu    sync.Mutex
	w     io.Writer
	shown bool
}

const clearLine = "\r\033[K"

// newStatusLine returns a status line on w if w is a terminal, else nil.
func newStatusLine(w io.Writer) *statusLine {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return &statusLine{w: w}
		}
	}
	return nil
}

// Write writes p (a log line) below a cleared status line.
func (s *statusLine) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hideLocked()
	return s.w.Write(p)
}

func (s *statusLine) show(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprint(s.w, clearLine+text)
	s.shown = true
}

func (s *statusLine) hideLocked() {
	if s.shown {
		fmt.Fprint(s.w, clearLine)
		s.shown = false
	}
}

// follow shows p's stage every interval until stop is called; stop
// clears the line.
func (s *statusLine) follow(p *pipeline.Profile, interval time.Duration) (stop func()) {
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				if stage, since := p.Current(); stage != "" {
					s.show(fmt.Sprintf("accord run: %s… %.0f s (run %.0f s)", stage, now.Sub(since).Seconds(), now.Sub(start).Seconds()))
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		s.mu.Lock()
		s.hideLocked()
		s.mu.Unlock()
	}
}
