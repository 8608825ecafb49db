package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/accordhq/accord/config"
)

// localFormat shows a time in the job's zone with its offset.
const localFormat = "2006-01-02 15:04 MST (-07:00)"

func showTime(t time.Time) string {
	return t.Format(localFormat) + " = " + t.UTC().Format("2006-01-02 15:04 UTC")
}

func missedAlert(job config.Job, missed []time.Time, earlier int, caughtUp bool) alertMsg {
	n := len(missed) + earlier
	var b strings.Builder
	fmt.Fprintf(&b, "Accord job %q (%s, %s) did not run at %d scheduled time(s): the scheduler was not running, or the machine was asleep.\n\n",
		job.Name, job.Schedule, job.TimeZone, n)
	if earlier > 0 {
		fmt.Fprintf(&b, "  (%d earlier time(s) not listed)\n", earlier)
	}
	for _, t := range missed {
		fmt.Fprintf(&b, "  %s\n", showTime(t))
	}
	if caughtUp {
		fmt.Fprintf(&b, "\nThe latest scheduled run, which is within the catch-up window of %s, is being run now.\n", job.CatchUp)
	} else {
		fmt.Fprintf(&b, "\nNone of them was within the catch-up window of %s, so none is run now.\n", job.CatchUp)
	}
	b.WriteString("Only the latest missed run is ever caught up. Run a missed one by hand with: accord run --config FILE --as-of YYYY-MM-DD\n")
	return alertMsg{
		subject: fmt.Sprintf("Accord job %s: %d scheduled run(s) missed", job.Name, n),
		body:    b.String(),
	}
}

func skippedAlert(job config.Job, scheduled, since time.Time) alertMsg {
	body := fmt.Sprintf("Accord job %q scheduled at %s was skipped: its previous run (scheduled at %s) was still going. Runs are bounded by the job's timeout of %s.\n",
		job.Name, showTime(scheduled), showTime(since), job.Timeout)
	return alertMsg{
		subject: fmt.Sprintf("Accord job %s skipped (%s)", job.Name, scheduled.Format("2006-01-02 15:04 MST")),
		body:    body,
	}
}

func failedAlert(job config.Job, scheduled time.Time, reason string) alertMsg {
	return alertMsg{
		subject: fmt.Sprintf("Accord job %s failed (%s)", job.Name, scheduled.Format("2006-01-02 15:04 MST")),
		body: fmt.Sprintf("Accord job %q scheduled at %s failed:\n\n  %s\n\nThe scheduler keeps running; the next run is on schedule. See `accord runs --job %s` and the scheduler's log.\n",
			job.Name, showTime(scheduled), reason, job.Name),
	}
}

func interruptedAlert(job config.Job, scheduled time.Time) alertMsg {
	return alertMsg{
		subject: fmt.Sprintf("Accord job %s interrupted (%s)", job.Name, scheduled.Format("2006-01-02 15:04 MST")),
		body: fmt.Sprintf("Accord job %q scheduled at %s was still running when its scheduler stopped (a crash, a kill or a reboot). "+
			"It is recorded as failed and is not run again automatically, so nothing is sent twice. Check what it delivered, then run it by hand if needed.\n",
			job.Name, showTime(scheduled)),
	}
}

func notClaimedAlert(job config.Job, scheduled time.Time, err error) alertMsg {
	return alertMsg{
		subject: fmt.Sprintf("Accord job %s not run (%s)", job.Name, scheduled.Format("2006-01-02 15:04 MST")),
		body: fmt.Sprintf("Accord job %q scheduled at %s was not run: the scheduler could not record it in the database, and a run it cannot record could run twice.\n\n  %v\n",
			job.Name, showTime(scheduled), err),
	}
}
