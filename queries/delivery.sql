-- E-mail delivery: the outbox and the quality gates' inputs (reports/deliver.go).
--
-- The outbox holds one row per (run, recipient). Its status moves
--   queued  → sending → sent | failed | queued (temporary failure, retried)
--   sending → unknown  (found still 'sending' by a later delivery: the
--                       process stopped during the SMTP transaction)
-- and a recipient is only ever sent to from 'queued', so each (run,
-- recipient) is sent at most once. Owner alerts use the recipient keys
-- 'alert:gates:<owner>' and 'alert:delivery:<owner>', so they too go out at
-- most once per run.

-- name: CreateOutbox
CREATE TABLE IF NOT EXISTS outbox (
    run_id      BIGINT NOT NULL,
    job         VARCHAR NOT NULL,
    recipient   VARCHAR NOT NULL,   -- the address, or alert:<kind>:<owner>
    message_id  VARCHAR NOT NULL,   -- without angle brackets; set before sending
    status      VARCHAR NOT NULL,   -- queued, sending, sent, failed, unknown
    attempts    INTEGER NOT NULL,   -- SMTP transactions started
    last_error  VARCHAR,
    updated_at  TIMESTAMP NOT NULL, -- UTC
    PRIMARY KEY (run_id, recipient)
);

-- name: OutboxRecoverSending
-- Rows a stopped delivery left in 'sending': the message may have gone out.
UPDATE outbox SET status = 'unknown', last_error = ?, updated_at = ?
WHERE run_id = ? AND status = 'sending'
RETURNING recipient, job, message_id, attempts;

-- name: OutboxGet
SELECT job, message_id, status, attempts, coalesce(last_error, '')
FROM outbox WHERE run_id = ? AND recipient = ?;

-- name: OutboxEnqueue
INSERT INTO outbox (run_id, job, recipient, message_id, status, attempts, last_error, updated_at)
VALUES (?, ?, ?, ?, 'queued', 0, NULL, ?)
ON CONFLICT DO NOTHING;

-- name: OutboxClaim
-- Written and committed before the SMTP transaction starts.
UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?
WHERE run_id = ? AND recipient = ? AND status = 'queued';

-- name: OutboxFinish
UPDATE outbox SET status = ?, last_error = ?, updated_at = ?
WHERE run_id = ? AND recipient = ? AND status = 'sending';

-- name: OutboxNote
-- A queued row that could not be sent yet (its report failed to render).
UPDATE outbox SET last_error = ?, updated_at = ?
WHERE run_id = ? AND recipient = ? AND status = 'queued';

-- name: OutboxList
-- The deliveries of the runs numbered from the first argument to the second.
SELECT run_id, job, recipient, message_id, status, attempts, coalesce(last_error, ''), updated_at
FROM outbox WHERE run_id BETWEEN ? AND ? ORDER BY run_id, recipient;

-- name: GateInputs
-- Rows per configured source in the run, for the inputs_not_empty and
-- reject_ratio gates.
-- Loaded rows are the source's own total (run_sources): a transform's
-- output rows may belong to no one file.
SELECT i.source, count(*), coalesce(sum(i.rows_read), 0),
       coalesce(any_value(s.rows_loaded), sum(i.rows_loaded), 0), coalesce(any_value(s.rows_rejected), sum(i.rows_rejected), 0)
FROM run_inputs i LEFT JOIN run_sources s ON s.run_id = i.run_id AND s.source = i.source
WHERE i.run_id = ?
GROUP BY i.source ORDER BY i.source;

-- name: GateReconciliation
-- The run's reconciliation checks (queries/reconcile.sql): the gate passes
-- when every check's control totals tie to the cent; a check that could not
-- run (not_checked) does not pass.
SELECT check_name, coalesce(ties, false), coalesce(exceptions, 0), coalesce(CAST(difference AS VARCHAR), ''),
       coalesce(CAST(explained AS VARCHAR), ''), coalesce(not_checked, '')
FROM reconciliation_totals WHERE run_id = ?
ORDER BY check_name;

-- name: OutboxRequeueFailed
-- `accord deliver --retry-failed`: a recipient whose delivery failed for
-- good (never sent) is queued again; sent and unknown rows stay as they are.
UPDATE outbox SET status = 'queued', updated_at = ?
WHERE run_id = ? AND status = 'failed' AND recipient NOT LIKE 'alert:%'
RETURNING recipient;

-- name: RunAvailability
-- What a run could and could not compute, one row per analysis: its name,
-- whether it has a result, and what it rests on or why it is not available.
-- The same facts the page and workbook state, for `accord runs --json`.
WITH src AS (SELECT DISTINCT source FROM run_inputs WHERE run_id = $1),
cov AS (SELECT count(DISTINCT indicator) FILTER (WHERE NOT missing) AS with_data, count(DISTINCT indicator) AS total
        FROM value_contributions WHERE run_id = $1),
cv AS (SELECT count(*) AS n, count(*) FILTER (WHERE tier = 'unrated') AS unrated, count(quadrant) AS placed
       FROM customer_value WHERE run_id = $1),
hs AS (SELECT count(*) AS groups, coalesce(sum(failures), 0) AS failures, any_value(region_basis) AS basis
       FROM hotspots WHERE run_id = $1),
ev AS (SELECT count(*) FILTER (WHERE detail LIKE 'not available%') AS na, any_value(detail) FILTER (WHERE detail LIKE 'not available%') AS why
       FROM model_evidence WHERE run_id = $1)
SELECT 'value_index' AS analysis, with_data > 0 AS available,
       printf('the index rests on %d of %d indicators', with_data, total) || CASE WHEN 2 * with_data < total THEN ' (under half)' ELSE '' END AS detail
FROM cov
UNION ALL
SELECT 'tiers', n > unrated, CASE WHEN n = 0 THEN 'not available: no customer scored'
       WHEN n = unrated THEN printf('not available: all %d customers are unrated (data for fewer indicators than model.min_coverage asks, or every score of their segment ties)', n)
       ELSE printf('%d of %d customers rated', n - unrated, n) END
FROM cv
UNION ALL
SELECT 'quadrants', placed > 0, CASE WHEN placed > 0 THEN printf('%d customers placed', placed)
       ELSE 'not available: service cost or score is the same for every customer' END
FROM cv
UNION ALL
SELECT 'hotspots', groups > 0, CASE
       WHEN NOT EXISTS (SELECT 1 FROM src WHERE source = 'tickets') THEN 'not available: no tickets source'
       WHEN groups = 0 THEN 'not available: no fault ticket with a product and a component'
       ELSE printf('%d groups, %d fault tickets; regions: %s', groups, failures, coalesce(basis, 'none')) END
FROM hs
UNION ALL
SELECT 'service_queue', EXISTS (SELECT 1 FROM src WHERE source = 'tickets'),
       CASE WHEN EXISTS (SELECT 1 FROM src WHERE source = 'tickets')
            THEN printf('%d open tickets', (SELECT count(*) FROM service_queue WHERE run_id = $1))
            ELSE 'not available: no tickets source' END
UNION ALL
SELECT 'receivables_aging', EXISTS (SELECT 1 FROM src WHERE source = 'ar_invoices'),
       CASE WHEN EXISTS (SELECT 1 FROM src WHERE source = 'ar_invoices')
            THEN printf('%d customers with open receivables', (SELECT count(*) FROM ar_aging WHERE run_id = $1))
            ELSE 'not available: no ar_invoices source' END
UNION ALL
SELECT 'reconciliation.' || check_name, not_checked IS NULL,
       coalesce('not checked: ' || not_checked, printf('%d exceptions; %s', exceptions, CASE WHEN ties THEN 'ties to the cent' ELSE 'does not tie' END))
FROM (SELECT * FROM reconciliation_totals WHERE run_id = $1 ORDER BY check_name)
UNION ALL
SELECT 'evidence', na = 0, coalesce(why, 'rank correlation of score and value-added profit computed')
FROM ev;

-- name: PendingDelivery
-- The latest succeeded run of a job, finished at or after the second
-- argument, whose delivery was interrupted: an outbox row still queued or
-- sending. The scheduler resumes it when it starts.
SELECT r.run_id, r.as_of, coalesce(r.report_dir, '')
FROM runs r
WHERE r.job = ? AND r.status = 'succeeded' AND r.finished_at >= ?
  AND EXISTS (SELECT 1 FROM outbox o WHERE o.run_id = r.run_id AND o.status IN ('queued', 'sending'))
ORDER BY r.run_id DESC
LIMIT 1;

-- name: OutboxApply
-- One step of a delivery's journal (reports/journal.go), applied after the
-- database was released for the sends. Values are absolute, so applying a
-- step twice changes nothing; a row changed since the step keeps its state.
INSERT INTO outbox (run_id, job, recipient, message_id, status, attempts, last_error, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run_id, recipient) DO UPDATE
SET status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error, updated_at = excluded.updated_at
WHERE outbox.updated_at <= excluded.updated_at;
