package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// Gate names.
const (
	GateInputsNotEmpty = "inputs_not_empty"
	GateRejectRatio    = "reject_ratio"
	GateReconciliation = "reconciliation"
)

// GateResult is one quality check a run must pass before its reports are
// sent. The caller can supply its own (the receivables reconciliation, as
// Name "reconciliation") next to the ones CheckGates computes.
type GateResult struct {
	Name   string
	Passed bool
	Reason string // why it failed, or what passed
}

// CheckGates evaluates the job's gates for a run:
//
//   - inputs_not_empty (on unless job.Gates.InputsNotEmpty is false): every
//     configured source loaded at least one row in the run (run_inputs);
//   - reject_ratio (always): no source rejected more than
//     job.Gates.MaxRejectRatio of the rows it read, or, when that is unset,
//     its own reject_threshold;
//   - reconciliation (when job.Gates.Reconciliation is set): the supplied
//     result named "reconciliation" if the caller gives one, else
//     ReconciliationGate over the run's reconciliation_totals.
//
// Every supplied result is returned too, after the computed ones.
func CheckGates(ctx context.Context, db *sql.DB, cfg *config.Config, job config.Job, runID int64, supplied []GateResult) ([]GateResult, error) {
	type counts struct{ files, read, loaded, rejected int64 }
	bySource := map[string]counts{}
	rows, err := db.QueryContext(ctx, queries.Get("GateInputs"), runID)
	if err != nil {
		return nil, fmt.Errorf("reports: gates: read run_inputs: %w", err)
	}
	for rows.Next() {
		var s string
		var c counts
		if err := rows.Scan(&s, &c.files, &c.read, &c.loaded, &c.rejected); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reports: gates: read run_inputs: %w", err)
		}
		bySource[s] = c
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("reports: gates: read run_inputs: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: gates: read run_inputs: %w", err)
	}
	sources := cfg.SourceNames()

	var out []GateResult
	if job.Gates.InputsNotEmpty == nil || *job.Gates.InputsNotEmpty {
		var empty []string
		for _, s := range sources {
			c := bySource[s]
			if c.loaded == 0 {
				empty = append(empty, fmt.Sprintf("%s (%d files, %d rows read, 0 loaded)", s, c.files, c.read))
			}
		}
		g := GateResult{Name: GateInputsNotEmpty, Passed: len(empty) == 0}
		if g.Passed {
			g.Reason = fmt.Sprintf("all %d configured sources loaded rows", len(sources))
		} else {
			g.Reason = "no rows loaded from " + strings.Join(empty, ", ")
		}
		out = append(out, g)
	}

	var over []string
	for _, s := range sources {
		c := bySource[s]
		limit := config.DefaultRejectThreshold
		if src := cfg.Sources[s]; src != nil {
			limit = src.Threshold()
		}
		if job.Gates.MaxRejectRatio != nil {
			limit = *job.Gates.MaxRejectRatio
		}
		if c.read == 0 {
			continue
		}
		if ratio := float64(c.rejected) / float64(c.read); ratio > limit {
			over = append(over, fmt.Sprintf("%s rejected %d of %d rows (%s), over %s", s, c.rejected, c.read,
				percent(ratio), percent(limit)))
		}
	}
	g := GateResult{Name: GateRejectRatio, Passed: len(over) == 0}
	if g.Passed {
		g.Reason = "every source's rejected rows are within its limit"
	} else {
		g.Reason = strings.Join(over, "; ")
	}
	out = append(out, g)

	if job.Gates.Reconciliation {
		found := false
		for _, s := range supplied {
			if s.Name == GateReconciliation {
				found = true
			}
		}
		if !found {
			out = append(out, ReconciliationGate(ctx, db, runID))
		}
	}
	return append(out, supplied...), nil
}

// ReconciliationGate passes when the run recorded its receivables
// reconciliation and every check's control totals tie to the cent (each
// difference is fully explained by listed exceptions; exceptions themselves
// are finance's work list, not a reason to stop the report). No recorded
// check, or a table that cannot be read, fails the gate: a required check
// that did not run has not passed.
func ReconciliationGate(ctx context.Context, db *sql.DB, runID int64) GateResult {
	g := GateResult{Name: GateReconciliation}
	rows, err := db.QueryContext(ctx, queries.Get("GateReconciliation"), runID)
	if err != nil {
		g.Reason = "cannot read the reconciliation: " + err.Error()
		return g
	}
	defer rows.Close()
	var checks, exceptions int64
	var untied, notChecked []string
	for rows.Next() {
		var name, diff, explained, why string
		var ties bool
		var n int64
		if err := rows.Scan(&name, &ties, &n, &diff, &explained, &why); err != nil {
			g.Reason = "cannot read the reconciliation: " + err.Error()
			return g
		}
		checks++
		exceptions += n
		if why != "" {
			notChecked = append(notChecked, name+" not checked: "+why)
			continue
		}
		if !ties {
			untied = append(untied, fmt.Sprintf("%s: difference %s, of which %s explained by listed exceptions", name, diff, explained))
		}
	}
	if err := rows.Err(); err != nil {
		g.Reason = "cannot read the reconciliation: " + err.Error()
		return g
	}
	switch {
	case checks == 0:
		g.Reason = fmt.Sprintf("the job requires the reconciliation to pass, but run %d recorded none", runID)
	case len(untied) > 0 || len(notChecked) > 0:
		g.Reason = strings.Join(append(notChecked, untied...), "; ")
		if len(untied) > 0 {
			g.Reason = "control totals do not tie: " + g.Reason
		}
	default:
		g.Passed = true
		g.Reason = fmt.Sprintf("all %d checks tie to the cent (%d exceptions listed)", checks, exceptions)
	}
	return g
}

func percent(r float64) string {
	return strconv.FormatFloat(r*100, 'f', 2, 64) + "%"
}

// failedGates lists the gates that did not pass.
func FailedGates(gs []GateResult) []GateResult {
	var out []GateResult
	for _, g := range gs {
		if !g.Passed {
			out = append(out, g)
		}
	}
	return out
}
