// Package schedule is the long-running scheduler behind `accord schedule`:
// it runs the config's jobs on their cron specs, in their IANA time zones,
// and records every (job, scheduled time) in a Ledger so that none runs
// twice, across restarts and clock changes.
//
// Times. robfig/cron/v3 parses the five-field specs; the next times are
// computed here on the job zone's wall clock (see Schedule), so a time in a
// spring-forward gap runs once right after the gap, a time in a fall-back
// overlap runs once, and a weekday is the weekday in the job's zone. The
// scheduled time, in the job's zone, is handed to the RunFunc as the run's
// as-of time. All time comes from a Clock; tests use clocktest.
//
// Runs. Each run is claimed in the ledger first (a claim that exists means
// it ran, or is running, somewhere: it is not run again), gets a context
// with the job's timeout, and has its panics recovered and recorded as a
// failure. A run due while the job's previous run is still going is
// recorded as skipped.
//
// Catch-up. A job resumes after the latest time in its ledger. Of the times
// missed while the scheduler was down or the machine asleep, the latest
// runs if it is within the job's catch_up window; the rest are recorded as
// missed, and the owner gets one alert.
//
// The ledger's DuckDB implementation opens the store for each operation and
// closes it right after: the scheduler never holds the single-writer
// database between jobs, so a manual `accord run` can use it.
package schedule
