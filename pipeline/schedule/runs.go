package schedule

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteRuns prints ledger entries as a table for `accord runs`, scheduled
// times in each job's zone (zones[job]; UTC for a job not in it).
func WriteRuns(w io.Writer, entries []Entry, zones map[string]*time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSCHEDULED\tSTATUS\tSTARTED (UTC)\tTOOK\tERROR")
	for _, e := range entries {
		loc := zones[e.Job]
		if loc == nil {
			loc = time.UTC
		}
		started, took := "-", "-"
		if !e.StartedAt.IsZero() {
			started = e.StartedAt.Format("2006-01-02 15:04:05")
			if !e.FinishedAt.IsZero() {
				took = e.FinishedAt.Sub(e.StartedAt).Round(time.Second).String()
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Job, e.ScheduledAt.In(loc).Format("2006-01-02 15:04 -07:00"), e.Status, started, took, e.Error)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write runs: %w", err)
	}
	return nil
}
