-- Result history bounded by history.keep_runs (pipeline/retention.go).
--
-- Results are kept per as-of date (a rerun of a date replaces its rows), so
-- keep_runs counts as-of dates: the runs of the newest keep_runs dates that
-- succeeded keep their results. The statements run in the transaction that
-- commits a run, after the run is marked succeeded, so a failed run prunes
-- nothing. A pruned run keeps its row in runs (status, error, timings) with
-- results_pruned_at set, and its run_inputs, run_sources and outbox rows:
-- the audit trail of what it read and whom it mailed.

-- name: MarkPrunedRuns
-- $1 keep_runs, $2 the committing run, $3 now (UTC). Marks the runs whose
-- results go: succeeded and failed (their rejects) runs of a date older than
-- the newest $1 dates of succeeded runs, once there are $1 such dates. Never
-- the committing run (a backfill of an old date keeps its results until the
-- next run), nor a run with a recipient still queued or sending: its sender
-- (the scheduler's resume, `accord deliver --run N`) renders from them.
WITH kept AS (
    SELECT DISTINCT as_of FROM runs
    WHERE status = 'succeeded' AND results_pruned_at IS NULL
    ORDER BY as_of DESC LIMIT $1
), oldest_kept AS (
    SELECT min(as_of) AS as_of FROM kept HAVING count(*) = $1
)
UPDATE runs SET results_pruned_at = $3
WHERE results_pruned_at IS NULL AND run_id <> $2
  AND status IN ('succeeded', 'failed')
  AND as_of < (SELECT as_of FROM oldest_kept)
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.run_id = runs.run_id AND o.status IN ('queued', 'sending'))
RETURNING run_id;

-- name: MarkPrunedCarried
-- $1 now (UTC). A run that found nothing changed (unchanged) stands for the
-- results of the run it carried forward: they go when that run's go.
UPDATE runs SET results_pruned_at = $1
WHERE results_pruned_at IS NULL AND status = 'unchanged'
  AND carried_from IN (SELECT run_id FROM runs WHERE results_pruned_at IS NOT NULL);

-- name: HeldForMail
-- $1 keep_runs, $2 the committing run. Runs past keep_runs that keep their
-- results only because a recipient is still queued or sending, for the log.
WITH kept AS (
    SELECT DISTINCT as_of FROM runs
    WHERE status = 'succeeded' AND results_pruned_at IS NULL
    ORDER BY as_of DESC LIMIT $1
)
SELECT count(*) FROM runs r
WHERE r.status = 'succeeded' AND r.results_pruned_at IS NULL AND r.run_id <> $2
  AND r.as_of < (SELECT min(as_of) FROM kept HAVING count(*) = $1)
  AND EXISTS (SELECT 1 FROM outbox o WHERE o.run_id = r.run_id AND o.status IN ('queued', 'sending'));

-- name: ResultsRemoved
-- $1 a run. When and by what its results were removed, if they were: its
-- own, or (an unchanged run) those of the run it carried forward; by
-- history.keep_runs (when) or by a later run of the same as-of date (which).
SELECT r.run_id, strftime(r.as_of, '%Y-%m-%d'), coalesce(c.run_id, r.run_id),
       coalesce(c.results_pruned_at, r.results_pruned_at), coalesce(c.results_replaced_by, r.results_replaced_by)
FROM runs r LEFT JOIN runs c ON c.run_id = r.carried_from
WHERE r.run_id = $1 AND (coalesce(c.results_pruned_at, r.results_pruned_at) IS NOT NULL
                         OR coalesce(c.results_replaced_by, r.results_replaced_by) IS NOT NULL);
