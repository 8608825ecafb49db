package pipeline

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Profile records what each stage of a run cost: wall time, the process's
// CPU time (every thread, DuckDB's included) and its peak resident memory
// during the stage. Stages follow one another: Mark ends the current
// stage and starts the next, so they never overlap and their costs add up
// to the run's. A nil *Profile records nothing.
type Profile struct {
	mu     sync.Mutex
	Stages []StageCost
	// Statements are the compute stages' SQL statements, by name, in the
	// order they ran (several may share a name), each within its stage.
	Statements []StatementCost
	current    string
	start      time.Time
	cpu        time.Duration
}

// StageCost is one stage of a Profile.
type StageCost struct {
	Stage string        `json:"stage"`
	Wall  time.Duration `json:"wall_ns"`
	CPU   time.Duration `json:"cpu_ns"`
	// PeakRSS is the process's high-water resident set during the stage,
	// in bytes (Linux; 0 where it cannot be read). The mark is reset as the
	// stage starts, so it is this stage's peak, from what the process
	// already held.
	PeakRSS int64 `json:"peak_rss_bytes"`
}

// StatementCost is one SQL statement of a compute stage.
type StatementCost struct {
	Stage     string        `json:"stage"`
	Statement string        `json:"statement"`
	Wall      time.Duration `json:"wall_ns"`
	CPU       time.Duration `json:"cpu_ns"`
}

// statement runs f and records its cost under name in the stage under way.
func (p *Profile) statement(name string, f func() error) error {
	return p.statementNamed(func() string { return name }, f)
}

// statementNamed is statement with the name made only when recorded: a
// generated statement is named from its text (statementName).
func (p *Profile) statementNamed(name func() string, f func() error) error {
	if p == nil {
		return f()
	}
	start, cpu := time.Now(), processCPU()
	err := f()
	wall, used := time.Since(start), processCPU()-cpu
	p.mu.Lock()
	p.Statements = append(p.Statements, StatementCost{Stage: p.current, Statement: name(), Wall: wall, CPU: used})
	p.mu.Unlock()
	return err
}

// Mark ends the stage under way, if any, and starts stage ("" starts none).
func (p *Profile) Mark(stage string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now, cpu := time.Now(), processCPU()
	if p.current != "" {
		p.Stages = append(p.Stages, StageCost{Stage: p.current, Wall: now.Sub(p.start), CPU: cpu - p.cpu, PeakRSS: peakRSS()})
	}
	p.current, p.start, p.cpu = stage, now, cpu
	if stage != "" {
		resetPeakRSS()
	}
}

// Total is the sum of the recorded stages, with the highest peak.
func (p *Profile) Total() StageCost {
	t := StageCost{Stage: "total"}
	if p == nil {
		return t
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.Stages {
		t.Wall += s.Wall
		t.CPU += s.CPU
		t.PeakRSS = max(t.PeakRSS, s.PeakRSS)
	}
	return t
}

// resetPeakRSS resets the kernel's resident high-water mark of the process
// (Linux 4.0+); elsewhere peakRSS reads 0.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is VmHWM of /proc/self/status in bytes, 0 when it cannot be read.
func peakRSS() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// Current is the stage under way and when it began ("" when none), for a
// progress display.
func (p *Profile) Current() (stage string, since time.Time) {
	if p == nil {
		return "", time.Time{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.current, p.start
}
