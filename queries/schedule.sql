-- The scheduler's ledger: one row per (job, scheduled time), so that a
-- restart, a second instance or a clock set back never runs a scheduled job
-- twice. Times are TIMESTAMP holding UTC (like runs.started_at); the job's
-- time zone is in the config. The scheduler opens the store for each
-- statement and closes it again, so a manual `accord run` can take the file
-- between jobs.

-- name: CreateJobRuns
CREATE TABLE IF NOT EXISTS job_runs (
    job          VARCHAR NOT NULL,
    scheduled_at TIMESTAMP NOT NULL,   -- UTC: the instant the cron spec named in the job's zone
    status       VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'missed')),
    started_at   TIMESTAMP,            -- UTC; NULL for skipped and missed
    finished_at  TIMESTAMP,            -- UTC; when a final status was recorded
    error        VARCHAR,              -- why it failed, was skipped or was missed
    PRIMARY KEY (job, scheduled_at)
);

-- name: ClaimJobRun
-- A conflict means the (job, time) is already claimed or recorded: no row
-- comes back and the caller must not run it.
INSERT INTO job_runs (job, scheduled_at, status, started_at)
VALUES (?, ?, 'running', ?)
ON CONFLICT DO NOTHING
RETURNING job;

-- name: FinishJobRun
-- Only a running row is finished: the first final status wins (the job
-- itself, or the scheduler giving up on it at shutdown).
UPDATE job_runs SET status = ?, finished_at = ?, error = ?
WHERE job = ? AND scheduled_at = ? AND status = 'running'
RETURNING job;

-- name: RecordJobRun
-- Records a run that never started (skipped, missed) unless the (job, time)
-- is already known.
INSERT INTO job_runs (job, scheduled_at, status, finished_at, error)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING scheduled_at;

-- name: CountJobRun
SELECT count(*) FROM job_runs WHERE job = ? AND scheduled_at = ? AND status = ?;

-- name: LastJobRun
SELECT max(scheduled_at) FROM job_runs WHERE job = ?;

-- name: InterruptJobRuns
-- Rows still running when a scheduler starts belong to one that stopped
-- without finishing them (only one scheduler runs per database).
UPDATE job_runs SET status = 'failed', finished_at = ?, error = ?
WHERE status = 'running'
RETURNING job, scheduled_at, status, started_at, finished_at, error;

-- name: ListJobRuns
SELECT job, scheduled_at, status, started_at, finished_at, error
FROM job_runs
WHERE ? = '' OR job = ?
ORDER BY scheduled_at DESC, job
LIMIT ?;

-- name: CreateScheduleAlerts
-- Every alert the scheduler meant for a job's owner (a failed or missed
-- run), with whether it reached the mail server: an alert that could not
-- be sent is kept here and shown by `accord runs`, not lost.
CREATE TABLE IF NOT EXISTS schedule_alerts (
    alerted_at TIMESTAMP NOT NULL, -- UTC
    job     VARCHAR NOT NULL,
    owner   VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    status  VARCHAR NOT NULL CHECK (status IN ('sent', 'failed')),
    error   VARCHAR
);

-- name: RecordScheduleAlert
INSERT INTO schedule_alerts (alerted_at, job, owner, subject, status, error) VALUES (?, ?, ?, ?, ?, ?);

-- name: UnsentScheduleAlerts
-- The latest alerts that did not reach the mail server, newest first.
SELECT alerted_at, job, owner, subject, coalesce(error, '') FROM schedule_alerts
WHERE status = 'failed' AND (? = '' OR job = ?)
ORDER BY alerted_at DESC LIMIT ?;
