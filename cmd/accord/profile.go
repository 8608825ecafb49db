package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"

	"github.com/accordhq/accord/pipeline"
)

// startProfile starts a Go CPU profile into path.pprof; stop ends it, writes
// the run's stage costs to path as JSON and prints them as a table.
func startProfile(path string) (stop func(*pipeline.Profile, io.Writer) error, err error) {
	cpu, err := os.Create(path + ".pprof")
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, fmt.Errorf("profile: %w", err)
	}
	return func(p *pipeline.Profile, w io.Writer) error {
		pprof.StopCPUProfile()
		errs := []error{cpu.Close()}
		total := p.Total()
		raw, err := json.MarshalIndent(struct {
			Stages     []pipeline.StageCost     `json:"stages"`
			Total      pipeline.StageCost       `json:"total"`
			Statements []pipeline.StatementCost `json:"statements"`
		}{p.Stages, total, p.Statements}, "", "  ")
		if err == nil {
			err = os.WriteFile(path, append(raw, '\n'), 0o644)
		}
		errs = append(errs, err)
		fmt.Fprintf(w, "profile: %s (Go CPU profile: %s.pprof)\n", path, path)
		fmt.Fprintf(w, "  %-24s %9s %9s %10s\n", "stage", "wall s", "CPU s", "peak MB")
		for _, s := range append(p.Stages, total) {
			fmt.Fprintf(w, "  %-24s %9.2f %9.2f %10.0f\n", s.Stage, s.Wall.Seconds(), s.CPU.Seconds(), float64(s.PeakRSS)/(1<<20))
		}
		top := slices.Clone(p.Statements)
		slices.SortStableFunc(top, func(a, b pipeline.StatementCost) int { return cmp.Compare(b.CPU, a.CPU) })
		if len(top) > 0 {
			fmt.Fprintf(w, "  costliest statements:\n")
		}
		for _, st := range top[:min(len(top), 15)] {
			fmt.Fprintf(w, "  %9.2f %9.2f  %s: %s\n", st.Wall.Seconds(), st.CPU.Seconds(), st.Stage, st.Statement)
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		return nil
	}, nil
}
