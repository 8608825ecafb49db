-- Receivables reconciliation for finance: billing against the receivables
-- ledger, payments against invoices, and the scores' money tied back to the
-- ledger. Every exception is listed; each check's control totals must tie
-- to the cent: total A − total B equals the sum of the listed differences.

-- name: ReconcileChecks
-- Which checks can run: each needs its sources configured (the variable
-- configured_sources) and holding rows up to the as-of date. A check that
-- cannot run lists no exceptions and says why instead of tying: without a
-- ledger every billed invoice would be "missing in ledger".
CREATE OR REPLACE TEMP TABLE reconcile_checks AS
WITH needs(check_name, source) AS (
    VALUES ('billing_vs_ledger', 'billing_lines'), ('billing_vs_ledger', 'ar_invoices'),
           ('payments_vs_invoices', 'ar_payments'), ('payments_vs_invoices', 'ar_invoices'),
           ('revenue_vs_billing', 'billing_lines'), ('open_vs_ledger', 'ar_invoices')
),
present(source, n) AS (
    SELECT 'billing_lines', count(*) FROM billing_lines WHERE issued_at <= getvariable('as_of')::DATE
    UNION ALL SELECT 'ar_invoices', count(*) FROM ar_invoices WHERE issued_at <= getvariable('as_of')::DATE
    UNION ALL SELECT 'ar_payments', count(*) FROM ar_payments WHERE paid_at <= getvariable('as_of')::DATE
)
SELECT check_name,
       string_agg(CASE WHEN NOT list_contains(getvariable('configured_sources'), source)
                       THEN 'no ' || source || ' source is configured'
                       WHEN n = 0 THEN source || ' has no rows up to the as-of date' END, '; ' ORDER BY source) AS not_checked
FROM needs JOIN present USING (source)
GROUP BY check_name;

-- name: ReconcileExceptions
INSERT INTO reconciliation_exceptions BY NAME
WITH billed AS (
    SELECT invoice_id, any_value(customer_id) AS customer_id, sum(amount) AS amount
    FROM billing_lines WHERE issued_at <= getvariable('as_of')::DATE GROUP BY invoice_id
),
ledger AS (
    SELECT invoice_id, customer_id, amount FROM ar_invoices WHERE issued_at <= getvariable('as_of')::DATE
),
paid AS (
    SELECT invoice_id, sum(amount) AS amount FROM ar_payments
    WHERE paid_at <= getvariable('as_of')::DATE AND invoice_id IS NOT NULL GROUP BY invoice_id
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, check_name, kind, key, reference,
       customer_id, amount_a, amount_b, coalesce(amount_a, 0) - coalesce(amount_b, 0) AS difference
FROM (
    SELECT 'billing_vs_ledger' AS check_name,
           CASE WHEN l.invoice_id IS NULL THEN 'missing in ledger'
                WHEN b.invoice_id IS NULL THEN 'not billed'
                ELSE 'amount differs' END AS kind,
           coalesce(b.invoice_id, l.invoice_id) AS key, NULL AS reference, coalesce(b.customer_id, l.customer_id) AS customer_id,
           b.amount AS amount_a, l.amount AS amount_b
    FROM billed b FULL JOIN ledger l USING (invoice_id)
    WHERE b.amount IS DISTINCT FROM l.amount
    UNION ALL
    -- reference: the invoice the payment names, which the ledger lacks (NULL: none named)
    SELECT 'payments_vs_invoices', 'unapplied', p.payment_id, p.invoice_id, p.customer_id, p.amount, NULL
    FROM ar_payments p
    WHERE p.paid_at <= getvariable('as_of')::DATE
      AND (p.invoice_id IS NULL OR p.invoice_id NOT IN (SELECT invoice_id FROM ar_invoices))
    UNION ALL
    SELECT 'payments_vs_invoices', 'over-paid', l.invoice_id, NULL, l.customer_id, pd.amount, l.amount
    FROM ledger l JOIN paid pd USING (invoice_id)
    WHERE pd.amount > l.amount
)
WHERE check_name IN (SELECT check_name FROM reconcile_checks WHERE not_checked IS NULL)
ORDER BY check_name, kind, key;

-- name: ReconcileTotals
-- Control totals per check. billing_vs_ledger: billed vs ledger amounts;
-- payments_vs_invoices: payments received vs payments applied to ledger
-- invoices (up to each invoice's amount); revenue_vs_billing: Σ revenue_12m
-- of the scores vs the billing lines of the window; open_vs_ledger: Σ open
-- receivables of the aging vs ledger amounts less applied payments.
INSERT INTO reconciliation_totals BY NAME
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of),
applied AS (
    SELECT i.invoice_id, i.amount, coalesce(sum(pay.amount), 0) AS paid
    FROM ar_invoices i CROSS JOIN p
    LEFT JOIN ar_payments pay ON pay.invoice_id = i.invoice_id AND pay.paid_at <= p.as_of
    WHERE i.issued_at <= p.as_of
    GROUP BY i.invoice_id, i.amount
),
totals AS (
    SELECT 'billing_vs_ledger' AS check_name,
           (SELECT coalesce(sum(amount), 0) FROM billing_lines, p WHERE issued_at <= p.as_of) AS total_a,
           (SELECT coalesce(sum(amount), 0) FROM ar_invoices, p WHERE issued_at <= p.as_of) AS total_b
    UNION ALL
    SELECT 'payments_vs_invoices',
           (SELECT coalesce(sum(amount), 0) FROM ar_payments, p WHERE paid_at <= p.as_of),
           (SELECT coalesce(sum(least(paid, amount)), 0) FROM applied)
    UNION ALL
    SELECT 'revenue_vs_billing',
           (SELECT coalesce(sum(revenue_12m), 0) FROM customer_value WHERE run_id = getvariable('run_id')::BIGINT),
           (SELECT coalesce(sum(b.amount), 0) FROM billing_lines b, p
             WHERE b.issued_at > p.as_of - INTERVAL 12 MONTH AND b.issued_at <= p.as_of
               AND b.customer_id IN (SELECT customer_id FROM customers))
    UNION ALL
    SELECT 'open_vs_ledger',
           (SELECT coalesce(sum(total_open), 0) FROM ar_aging WHERE run_id = getvariable('run_id')::BIGINT),
           (SELECT coalesce(sum(amount - paid), 0) FROM applied WHERE amount > paid)
),
explained AS (
    SELECT check_name, count(*) AS exceptions, sum(difference) AS explained
    FROM reconciliation_exceptions WHERE run_id = getvariable('run_id')::BIGINT GROUP BY check_name
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, t.check_name,
       CASE WHEN c.not_checked IS NULL THEN t.total_a END AS total_a,
       CASE WHEN c.not_checked IS NULL THEN t.total_b END AS total_b,
       CASE WHEN c.not_checked IS NULL THEN t.total_a - t.total_b END AS difference,
       CASE WHEN c.not_checked IS NULL THEN coalesce(e.exceptions, 0) END AS exceptions,
       CASE WHEN c.not_checked IS NULL THEN coalesce(e.explained, 0) END AS explained,
       CASE WHEN c.not_checked IS NULL THEN t.total_a - t.total_b = coalesce(e.explained, 0) END AS ties,
       c.not_checked
FROM totals t LEFT JOIN explained e USING (check_name) JOIN reconcile_checks c USING (check_name)
ORDER BY t.check_name;
