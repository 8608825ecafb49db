-- Transforms from canonical tables to results. Variables set by the pipeline:
--   as_of (DATE), run_id (BIGINT), hourly_cost (DECIMAL(18,2)),
--   hotspot_months (INTEGER), prior_unit_years (DOUBLE), min_installed_units (INTEGER),
--   baseline_windows (INTEGER), rising_alpha (DOUBLE), rising_min_failures (INTEGER).
-- Windows are (as_of - N months, as_of]: the as-of day counts, its anniversary does not.

-- name: CustomerEconomics
CREATE OR REPLACE TEMP TABLE customer_economics AS
-- Trailing-12-month revenue (all billing) and cost to serve (effort hours of
-- tickets opened in the window × hourly cost), per customer, exact decimals.
SELECT c.customer_id, c.name, c.industry, c.region, c.account_owner,
       coalesce(r.revenue, 0)::DECIMAL(18,2) AS revenue_12m,
       -- Without a tickets source the cost to serve is unknown, not 0.
       CASE WHEN list_contains(getvariable('configured_sources'), 'tickets') THEN coalesce(s.cost, 0) END::DECIMAL(18,2) AS service_cost_12m
FROM customers c
LEFT JOIN (
    SELECT customer_id, sum(amount) AS revenue FROM billing_lines
    WHERE issued_at > getvariable('as_of')::DATE - INTERVAL 12 MONTH AND issued_at <= getvariable('as_of')::DATE
    GROUP BY customer_id
) r USING (customer_id)
LEFT JOIN (
    SELECT customer_id,
           round(sum(coalesce(effort_hours, 0)) * getvariable('hourly_cost')::DECIMAL(18,2), 2) AS cost
    FROM tickets
    WHERE opened_at::DATE > getvariable('as_of')::DATE - INTERVAL 12 MONTH AND opened_at::DATE <= getvariable('as_of')::DATE
    GROUP BY customer_id
) s USING (customer_id)
ORDER BY c.customer_id;

-- name: InstalledUnits
-- Units of each product each customer has installed by the as-of date: the
-- installed_base rows installed by then (or undated), or, when there is no
-- installed base at all, the product billing quantities issued by then.
CREATE OR REPLACE TEMP TABLE installed_units AS
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of),
declared AS (
    SELECT ib.customer_id, ib.product_id, ib.quantity::BIGINT AS qty
    FROM installed_base ib, p WHERE ib.installed_at IS NULL OR ib.installed_at <= p.as_of
),
derived AS (
    SELECT b.customer_id, b.product_id, sum(b.quantity)::BIGINT AS qty
    FROM billing_lines b, p
    WHERE b.category = 'product' AND b.product_id IS NOT NULL AND b.issued_at <= p.as_of
      AND NOT EXISTS (SELECT 1 FROM installed_base)
    GROUP BY ALL
)
SELECT customer_id, product_id, sum(qty)::BIGINT AS units
FROM (SELECT * FROM declared UNION ALL SELECT * FROM derived)
GROUP BY ALL;

-- name: HotspotRegions
-- The region hot-spots group by, decided once per run (hotspot_basis):
--   ticket              every fault ticket names its region;
--   ticket_or_customer  a ticket without one takes its customer's region;
--   none                no customer has a region, so installed units cannot
--                       be split by region: groups are product × component,
--                       under the one region "(all regions)".
-- Before, a ticket without a region was left out of every group (silently
-- empty or all-zero hot-spots).
CREATE OR REPLACE TEMP TABLE hotspot_basis AS
SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM customers WHERE region IS NOT NULL) THEN 'none'
            WHEN EXISTS (SELECT 1 FROM tickets WHERE category = 'fault' AND region IS NULL) THEN 'ticket_or_customer'
            ELSE 'ticket' END AS basis;
CREATE OR REPLACE TEMP TABLE hs_customers AS
SELECT * REPLACE (CASE WHEN (SELECT basis FROM hotspot_basis) = 'none' THEN '(all regions)' ELSE region END AS region)
FROM customers;
CREATE OR REPLACE TEMP TABLE hs_tickets AS
SELECT t.* REPLACE (CASE WHEN (SELECT basis FROM hotspot_basis) = 'none' THEN '(all regions)'
                         ELSE coalesce(t.region, c.region) END AS region)
FROM tickets t LEFT JOIN customers c USING (customer_id);

-- name: Hotspots
-- Fault tickets per product × component × region in the window, against the
-- installed units of that product in that region (installed_base, or product
-- billing quantities when there is no installed base). Each group's rate is
-- shrunk toward the overall rate with prior_unit_years of weight (a
-- gamma-Poisson empirical-Bayes estimate with a fixed prior strength), and
-- groups under min_installed_units are held back from the ranking.
--
-- Rising: period k (k = 0 the window, 1..baseline_windows before it) is
-- (as_of - (k+1)·N months, as_of - k·N months]. Only the days of a period on
-- or after the first ticket of the export count (an export that starts
-- later says nothing about the days before it): a period with none is left
-- out, and with no baseline period left the test does not apply (NULL
-- p-value, not flagged). Exposure is installed unit-days (each lot from its
-- installed_at, or billing issue day, on, within the observed days) when the
-- group has installed units now, so a product installed during the baseline
-- is compared only with the time it was there (none at all: the test does
-- not apply); observed days alone when the group has no installed units. Given n = c + b faults (c in the
-- window, b in the baseline), c is Binomial(n, p0) under "same rate", p0 =
-- the window's share of the exposure; the one-sided p-value is P(X ≥ c),
-- summed exactly from log-gamma terms: the conditional test of two Poisson
-- rates (Przyborowski & Wilenski 1940, the "C-test" of Krishnamoorthy &
-- Thomson 2004). c = 0 gives p = 1. The groups tested for rising are those
-- with a p-value and c ≥ rising_min_failures; with rising_correction 'fdr'
-- they form one family under Benjamini & Hochberg (1995): sorted by p
-- (ties by group), q_i = min over j ≥ i of m·p_j / j, and a group is
-- rising when q < rising_alpha, which bounds the expected share of false
-- flags by rising_alpha. With 'none', when p < rising_alpha.
--
-- Repairs: fault tickets of the group closed in the window (whenever
-- opened), closed_at ≥ opened_at; hours from opened_at to closed_at, to
-- the second. Repeat serials: serials (per customer) with two or more fault
-- tickets of the group opened in the window; NULL serials never count.
INSERT INTO hotspots
WITH p AS (
    SELECT getvariable('as_of')::DATE AS as_of,
           getvariable('hotspot_months')::INTEGER AS months,
           getvariable('prior_unit_years')::DOUBLE AS prior,
           getvariable('min_installed_units')::INTEGER AS min_units,
           getvariable('baseline_windows')::INTEGER AS baseline_windows,
           getvariable('rising_alpha')::DOUBLE AS alpha,
           getvariable('rising_min_failures')::INTEGER AS min_failures,
           getvariable('rising_correction')::VARCHAR AS correction
),
history AS (SELECT min(opened_at)::DATE AS first_day FROM hs_tickets),
-- The test's period length: the window's, or, when the export holds no day
-- before the window (a long window over a short history), shorter periods
-- inside it: months / (baseline_windows + 1), at least one month, so the
-- window's last part is tested against its own earlier parts.
test_len AS (
    SELECT CASE WHEN h.first_day IS NULL OR h.first_day - 1 < (p.as_of - to_months(p.months))::DATE THEN p.months
                ELSE greatest(1, p.months // (p.baseline_windows + 1)) END AS months
    FROM p, history h
),
periods AS (
    SELECT r.k, (p.as_of - to_months(((r.k + 1) * tl.months)::INTEGER))::DATE AS start_day,
           (p.as_of - to_months((r.k * tl.months)::INTEGER))::DATE AS end_day
    FROM p, test_len tl, range(0, p.baseline_windows + 1) r(k)
),
observed AS (
    SELECT pe.k, pe.start_day, pe.end_day,
           greatest(pe.start_day, coalesce(h.first_day - 1, pe.start_day)) AS observed_from,
           greatest(0, date_diff('day', greatest(pe.start_day, coalesce(h.first_day - 1, pe.start_day)), pe.end_day)) AS days
    FROM periods pe, history h
),
units AS (
    SELECT i.product_id, c.region, sum(i.units) AS units
    FROM installed_units i
    JOIN hs_customers c USING (customer_id)
    WHERE c.region IS NOT NULL
    GROUP BY ALL
),
-- Unit-days per period: each lot (an installed_base row, or a product
-- billing line) counts from its installation (issue) day on, within the
-- observed days of the period.
lots AS (
    SELECT customer_id, product_id, quantity::DOUBLE AS qty, installed_at AS since FROM installed_base
    UNION ALL
    SELECT customer_id, product_id, quantity::DOUBLE, issued_at FROM billing_lines
    WHERE category = 'product' AND product_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM installed_base)
),
unit_days_k AS (
    SELECT o.k, l.product_id, c.region,
           sum(l.qty * greatest(0, date_diff('day', greatest(o.observed_from, coalesce(l.since - 1, o.observed_from)), o.end_day))) AS unit_days
    FROM lots l JOIN hs_customers c USING (customer_id) CROSS JOIN observed o
    WHERE c.region IS NOT NULL AND l.qty > 0
    GROUP BY ALL
),
faults_k AS (
    SELECT o.k, t.product_id, t.component, t.region, count(*) AS failures
    FROM hs_tickets t JOIN observed o ON t.opened_at::DATE > o.start_day AND t.opened_at::DATE <= o.end_day
    WHERE t.category = 'fault' AND t.product_id IS NOT NULL AND t.component IS NOT NULL AND t.region IS NOT NULL
    GROUP BY ALL
),
faults AS (
    SELECT t.product_id, t.component, t.region, count(*) AS failures
    FROM hs_tickets t, p
    WHERE t.category = 'fault' AND t.product_id IS NOT NULL AND t.component IS NOT NULL AND t.region IS NOT NULL
      AND t.opened_at::DATE > p.as_of - to_months(p.months) AND t.opened_at::DATE <= p.as_of
    GROUP BY ALL
),
components AS (
    SELECT DISTINCT product_id, component FROM hs_tickets
    WHERE category = 'fault' AND product_id IS NOT NULL AND component IS NOT NULL
),
groups AS (
    SELECT coalesce(u.product_id, f.product_id) AS product_id,
           coalesce(cm.component, f.component) AS component,
           coalesce(u.region, f.region) AS region,
           coalesce(f.failures, 0) AS failures,
           coalesce(u.units, 0) AS units,
           coalesce(u.units, 0) * p.months / 12.0 AS unit_years
    FROM units u
    JOIN components cm USING (product_id)
    FULL JOIN faults f ON f.product_id = u.product_id AND f.component = cm.component AND f.region = u.region
    CROSS JOIN p
),
prior AS (
    SELECT sum(failures) FILTER (WHERE units >= p.min_units)::DOUBLE
             / nullif(sum(unit_years) FILTER (WHERE units >= p.min_units), 0) AS rate,
           sum(failures) AS total_failures
    FROM groups, p
),
rated AS (
    SELECT g.*,
           CASE WHEN g.unit_years > 0 THEN 100.0 * g.failures / g.unit_years END AS rate,
           CASE WHEN g.units >= p.min_units
                THEN 100.0 * (g.failures + coalesce(pr.rate, 0) * p.prior) / (g.unit_years + p.prior) END AS shrunk,
           pr.total_failures
    FROM groups g, p, prior pr
),
ranked AS (
    SELECT *, CASE WHEN shrunk IS NOT NULL
                   THEN row_number() OVER (ORDER BY shrunk IS NULL, shrunk DESC, failures DESC, product_id, component, region) END AS rnk
    FROM rated
),
group_periods AS (
    SELECT g.product_id, g.component, g.region, g.units, o.k, o.days,
           coalesce(ud.unit_days, 0) AS unit_days, coalesce(fk.failures, 0) AS failures
    FROM groups g
    CROSS JOIN observed o
    LEFT JOIN unit_days_k ud ON ud.k = o.k AND ud.product_id = g.product_id AND ud.region = g.region
    LEFT JOIN faults_k fk ON fk.k = o.k AND fk.product_id = g.product_id AND fk.component = g.component AND fk.region = g.region
    WHERE o.days > 0
),
exposure AS (
    SELECT product_id, component, region,
           sum(failures) FILTER (WHERE k = 0)::BIGINT AS current_failures,
           sum(failures) FILTER (WHERE k > 0)::BIGINT AS baseline_failures,
           max(units) > 0 AS by_units,   -- installed units now (at the window's end)
           sum(days) FILTER (WHERE k = 0)::DOUBLE AS current_days,
           sum(days) FILTER (WHERE k > 0)::DOUBLE AS baseline_days,
           sum(unit_days) FILTER (WHERE k = 0)::DOUBLE AS current_unit_days,
           sum(unit_days) FILTER (WHERE k > 0)::DOUBLE AS baseline_unit_days
    FROM group_periods
    GROUP BY ALL
),
tested AS (
    SELECT product_id, component, region, by_units, current_failures AS c, baseline_failures AS b,
           CASE WHEN by_units THEN current_unit_days / (current_unit_days + baseline_unit_days)
                ELSE current_days / (current_days + baseline_days) END AS p0
    FROM exposure
    WHERE current_failures IS NOT NULL AND baseline_failures IS NOT NULL
      AND (NOT by_units OR baseline_unit_days > 0)
),
rising AS (
    SELECT t.*,
           CASE WHEN t.c = 0 THEN 1.0
                ELSE least(1.0, list_sum(list_transform(range(t.c, t.c + t.b + 1), lambda j:
                    exp(lgamma(t.c + t.b + 1) - lgamma(j + 1) - lgamma(t.c + t.b - j + 1)
                        + j * ln(t.p0) + (t.c + t.b - j) * ln(1 - t.p0))))) END AS p_value
    FROM tested t
),
family AS (
    SELECT ri.*, row_number() OVER (ORDER BY ri.p_value, ri.product_id, ri.component, ri.region) AS i,
           count(*) OVER () AS m
    FROM rising ri, p WHERE ri.c >= p.min_failures
),
fdr AS (
    SELECT product_id, component, region,
           least(1.0, min(m * p_value / i) OVER (ORDER BY i DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS q_value
    FROM family
),
repairs AS (
    SELECT t.product_id, t.component, t.region, count(*) AS repairs,
           avg(date_diff('second', t.opened_at, t.closed_at)::DOUBLE) / 3600 AS mttr_hours,
           median(date_diff('second', t.opened_at, t.closed_at)::DOUBLE) / 3600 AS median_hours
    FROM hs_tickets t, p
    WHERE t.category = 'fault' AND t.product_id IS NOT NULL AND t.component IS NOT NULL AND t.region IS NOT NULL
      AND t.closed_at IS NOT NULL AND t.closed_at >= t.opened_at
      AND t.closed_at::DATE > p.as_of - to_months(p.months) AND t.closed_at::DATE <= p.as_of
    GROUP BY ALL
),
repeats AS (
    SELECT product_id, component, region, count(*) AS repeat_serials
    FROM (
        SELECT t.product_id, t.component, t.region, t.customer_id, t.serial_no
        FROM hs_tickets t, p
        WHERE t.category = 'fault' AND t.product_id IS NOT NULL AND t.component IS NOT NULL AND t.region IS NOT NULL
          AND t.serial_no IS NOT NULL
          AND t.opened_at::DATE > p.as_of - to_months(p.months) AND t.opened_at::DATE <= p.as_of
        GROUP BY ALL HAVING count(*) >= 2
    )
    GROUP BY ALL
)
SELECT getvariable('run_id')::BIGINT, p.as_of, r.rnk, r.product_id, pd.name, r.component, r.region,
       r.failures, r.units, r.rate, r.shrunk,
       coalesce(r.failures::DOUBLE / nullif(r.total_failures, 0), 0),
       CASE WHEN r.rnk IS NOT NULL THEN
           sum(r.failures) OVER (ORDER BY r.rnk NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)::DOUBLE
             / nullif(r.total_failures, 0) END,
       ri.b, ri.p0,
       CASE WHEN ri.p0 IS NOT NULL THEN
           'C-test (conditional binomial), one-sided; exposure: ' || CASE WHEN ri.by_units THEN 'installed unit-days' ELSE 'days' END
           || '; periods of ' || tl.months || ' month(s)' END,
       ri.p_value,
       coalesce(CASE WHEN p.correction = 'fdr' THEN q.q_value < p.alpha
                     ELSE ri.p_value < p.alpha AND ri.c >= p.min_failures END, false),
       coalesce(rp.repairs, 0), rp.mttr_hours, rp.median_hours,
       coalesce(rs.repeat_serials, 0), q.q_value,
       -- Why the rising test did not apply (NULL: it did).
       CASE WHEN ri.p_value IS NULL AND ex.by_units AND ex.baseline_failures IS NOT NULL THEN 'not_installed_before'
            WHEN ri.p_value IS NULL THEN 'no_history'
            WHEN ri.c < p.min_failures THEN 'too_few_faults' END,
       tl.months, (SELECT basis FROM hotspot_basis)
FROM ranked r CROSS JOIN p CROSS JOIN test_len tl
LEFT JOIN products pd ON pd.product_id = r.product_id
LEFT JOIN exposure ex ON ex.product_id = r.product_id AND ex.component = r.component AND ex.region = r.region
LEFT JOIN rising ri ON ri.product_id = r.product_id AND ri.component = r.component AND ri.region = r.region
LEFT JOIN fdr q ON q.product_id = r.product_id AND q.component = r.component AND q.region = r.region
LEFT JOIN repairs rp ON rp.product_id = r.product_id AND rp.component = r.component AND rp.region = r.region
LEFT JOIN repeats rs ON rs.product_id = r.product_id AND rs.component = r.component AND rs.region = r.region
WHERE r.failures > 0 OR r.rnk IS NOT NULL
ORDER BY r.rnk NULLS LAST, r.product_id, r.component, r.region;

-- name: HotspotRepeats
-- Serials (per customer) with two or more fault tickets of one product ×
-- component × region opened in the hot-spot window; hotspots.repeat_serials
-- counts these rows per group.
INSERT INTO hotspot_repeats
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of, getvariable('hotspot_months')::INTEGER AS months)
SELECT getvariable('run_id')::BIGINT, p.as_of, t.product_id, any_value(pd.name), t.component, t.region, t.serial_no,
       t.customer_id, any_value(c.name), count(*), min(t.opened_at), max(t.opened_at),
       string_agg(t.ticket_id, ',' ORDER BY t.opened_at, t.ticket_id)
FROM hs_tickets t CROSS JOIN p
LEFT JOIN products pd ON pd.product_id = t.product_id
LEFT JOIN customers c ON c.customer_id = t.customer_id
WHERE t.category = 'fault' AND t.product_id IS NOT NULL AND t.component IS NOT NULL AND t.region IS NOT NULL
  AND t.serial_no IS NOT NULL
  AND t.opened_at::DATE > p.as_of - to_months(p.months) AND t.opened_at::DATE <= p.as_of
GROUP BY p.as_of, t.product_id, t.component, t.region, t.serial_no, t.customer_id
HAVING count(*) >= 2
ORDER BY t.product_id, t.component, t.region, t.serial_no, t.customer_id;

-- name: HotspotUnsupported
-- What the company cannot support, with the customers and revenue behind it:
--   unsupported_resolution: every ticket (any category) opened in the
--     hot-spot window whose resolution is "unsupported";
--   past_support: per product past its supported_until (the run date is
--     later) and customer, where the customer still has units installed as
--     of the run date or opened tickets on it after supported_until.
-- revenue_12m is the customer's trailing-12-month revenue (customer_economics).
-- component is the ticket's (unsupported_resolution); NULL for past_support,
-- which concerns the whole product.
INSERT INTO hotspot_unsupported
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of, getvariable('hotspot_months')::INTEGER AS months),
installed AS (SELECT * FROM installed_units),
ended AS (SELECT pd.* FROM products pd, p WHERE pd.supported_until < p.as_of),
since_end AS (
    SELECT t.customer_id, t.product_id, count(*) AS tickets, max(t.opened_at) AS last_opened_at
    FROM tickets t JOIN ended e USING (product_id) CROSS JOIN p
    WHERE t.opened_at::DATE > e.supported_until AND t.opened_at::DATE <= p.as_of
    GROUP BY ALL
),
past AS (
    SELECT product_id, customer_id FROM installed WHERE units > 0 AND product_id IN (SELECT product_id FROM ended)
    UNION
    SELECT product_id, customer_id FROM since_end
),
rows AS (
    SELECT 'unsupported_resolution' AS reason, t.product_id, t.customer_id, t.ticket_id, t.opened_at, NULL::BIGINT AS tickets,
           t.component
    FROM tickets t, p
    WHERE lower(trim(t.resolution)) = 'unsupported'
      AND t.opened_at::DATE > p.as_of - to_months(p.months) AND t.opened_at::DATE <= p.as_of
    UNION ALL
    SELECT 'past_support', k.product_id, k.customer_id, NULL, s.last_opened_at, coalesce(s.tickets, 0), NULL
    FROM past k LEFT JOIN since_end s USING (product_id, customer_id)
)
SELECT getvariable('run_id')::BIGINT, p.as_of, r.reason, r.product_id, pd.name, pd.supported_until,
       r.customer_id, c.name, r.ticket_id, r.opened_at, i.units, r.tickets,
       coalesce(ce.revenue_12m, 0)::DECIMAL(18,2), r.component
FROM rows r CROSS JOIN p
LEFT JOIN products pd ON pd.product_id = r.product_id
LEFT JOIN customers c ON c.customer_id = r.customer_id
LEFT JOIN installed i ON i.customer_id = r.customer_id AND i.product_id = r.product_id
LEFT JOIN customer_economics ce ON ce.customer_id = r.customer_id
ORDER BY r.reason DESC, r.product_id NULLS LAST, r.customer_id, r.ticket_id NULLS LAST;

-- name: InvoicePayments
-- Each invoice issued by the as-of date with the payments the ledger
-- applies to it (ar_payments.invoice_id): paid by the as-of date, by 90
-- days before it (the receivables KPIs' period start) and by its due date
-- (and the as-of date). Payments after the as-of date count nowhere. The
-- aging and the receivables KPIs both read this, so they count alike.
CREATE OR REPLACE TEMP TABLE invoice_payments AS
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of)
SELECT i.invoice_id, i.customer_id, i.issued_at, i.due_at, i.amount,
       coalesce(sum(pay.amount) FILTER (WHERE pay.paid_at <= p.as_of), 0) AS paid_end,
       coalesce(sum(pay.amount) FILTER (WHERE pay.paid_at <= p.as_of - 90), 0) AS paid_begin,
       coalesce(sum(pay.amount) FILTER (WHERE pay.paid_at <= i.due_at AND pay.paid_at <= p.as_of), 0) AS paid_by_due
FROM ar_invoices i CROSS JOIN p
LEFT JOIN ar_payments pay ON pay.invoice_id = i.invoice_id
WHERE i.issued_at <= p.as_of
GROUP BY i.invoice_id, i.customer_id, i.issued_at, i.due_at, i.amount;

-- name: ArAging
-- Open amount per invoice as of the run date (amount less payments the
-- ledger applies to it, paid by then), bucketed by days past due.
INSERT INTO ar_aging
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of),
open_items AS (
    SELECT i.customer_id, i.due_at, i.amount - i.paid_end AS open_amount, p.as_of - i.due_at AS days_past_due
    FROM invoice_payments i CROSS JOIN p
),
billed_90 AS (
    SELECT i.customer_id, sum(i.amount) AS billed
    FROM ar_invoices i, p WHERE i.issued_at > p.as_of - 90 AND i.issued_at <= p.as_of
    GROUP BY ALL
),
per_customer AS (
    SELECT customer_id,
           sum(open_amount) FILTER (WHERE days_past_due <= 0) AS current_amount,
           sum(open_amount) FILTER (WHERE days_past_due BETWEEN 1 AND 30) AS d1_30,
           sum(open_amount) FILTER (WHERE days_past_due BETWEEN 31 AND 60) AS d31_60,
           sum(open_amount) FILTER (WHERE days_past_due BETWEEN 61 AND 90) AS d61_90,
           sum(open_amount) FILTER (WHERE days_past_due > 90) AS d90_plus,
           sum(open_amount) AS total_open
    FROM open_items WHERE open_amount > 0
    GROUP BY customer_id
)
SELECT getvariable('run_id')::BIGINT, p.as_of, pc.customer_id, c.name, cv.tier,
       coalesce(pc.current_amount, 0), coalesce(pc.d1_30, 0), coalesce(pc.d31_60, 0),
       coalesce(pc.d61_90, 0), coalesce(pc.d90_plus, 0), pc.total_open,
       round(pc.total_open::DOUBLE / nullif(b.billed, 0)::DOUBLE * 90, 1)
FROM per_customer pc CROSS JOIN p
LEFT JOIN customers c USING (customer_id)
LEFT JOIN billed_90 b USING (customer_id)
LEFT JOIN customer_value cv ON cv.customer_id = pc.customer_id AND cv.run_id = getvariable('run_id')::BIGINT
ORDER BY pc.customer_id;

-- name: ArKpis
-- Receivables KPIs as of the run date D, for the portfolio and per tier.
-- Each invoice issued by D is open by amount less the payments the ledger
-- applies to it (ar_payments.invoice_id) paid by the date in question;
-- payments after D are ignored and an over-paid invoice is open by 0, never
-- less, exactly as ArAging counts it (so open_amount ties to the cent to
-- the sum of ar_aging.total_open). The period is the 90 days (D - 90, D],
-- the window of ArAging's per-customer DSO.
--   open_amount       ending receivables: open at D
--   current_amount    the part not yet due (due_at >= D; ArAging's current)
--   overdue_amount    open_amount - current_amount; overdue_share = overdue / open
--   credit_sales_90d  amount of the invoices issued in (D - 90, D]
--   dso               open_amount / credit_sales_90d × 90 (ending balance)
--   best_possible_dso current_amount / credit_sales_90d × 90
--   add_days          average days delinquent = dso - best_possible_dso
--   beginning_open    open at D - 90: invoices issued by then, less payments paid by then
--   cei               collection effectiveness index over the period, in percent:
--                     (beginning_open + credit_sales_90d - open_amount)
--                     / (beginning_open + credit_sales_90d - current_amount) × 100
--   on_time_rate      of the invoices (amount > 0) due in (D - 90, D], the share of
--                     their amount paid on or before the due date (each capped at the
--                     invoice amount): paid_on_time_amount / due_amount_90d
-- A ratio whose denominator is zero or less (no credit sales in the period,
-- nothing to collect, nothing due) is NULL, not an error. A tier row uses
-- the customer's tier of this run for every date in the period.
INSERT INTO ar_kpis BY NAME
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of, 90 AS days),
scored AS (
    SELECT customer_id, tier FROM customer_value WHERE run_id = getvariable('run_id')::BIGINT
),
invoices AS (
    SELECT i.*, coalesce(s.tier, 'unscored') AS tier
    FROM invoice_payments i
    LEFT JOIN scored s ON s.customer_id = i.customer_id
),
facts AS (
    SELECT i.customer_id, i.tier,
           greatest(i.amount - i.paid_end, 0) AS open_end,
           CASE WHEN i.due_at >= p.as_of THEN greatest(i.amount - i.paid_end, 0) ELSE 0 END AS current_end,
           CASE WHEN i.issued_at <= p.as_of - p.days THEN greatest(i.amount - i.paid_begin, 0) ELSE 0 END AS open_begin,
           i.issued_at > p.as_of - p.days AS in_sales,
           i.amount > 0 AND i.due_at > p.as_of - p.days AND i.due_at <= p.as_of AS in_due,
           i.amount, least(i.amount, greatest(i.paid_by_due, 0)) AS on_time_amount,
           i.due_at < p.as_of AS past_due
    FROM invoices i CROSS JOIN p
),
agg AS (
    SELECT CASE WHEN grouping(tier) = 1 THEN 'portfolio' ELSE 'tier' END AS scope, tier,
           count(DISTINCT customer_id) FILTER (WHERE open_end > 0) AS customers,
           sum(open_end) AS open_amount,
           sum(current_end) AS current_amount,
           sum(amount) FILTER (WHERE in_sales) AS credit_sales,
           sum(open_begin) AS beginning_open,
           sum(amount) FILTER (WHERE in_due) AS due_amount,
           sum(on_time_amount) FILTER (WHERE in_due) AS paid_on_time,
           count(*) FILTER (WHERE open_end > 0) AS open_invoices,
           count(*) FILTER (WHERE open_end > 0 AND past_due) AS overdue_invoices,
           count(*) FILTER (WHERE in_sales) AS issued_invoices,
           count(*) FILTER (WHERE in_due) AS due_invoices,
           count(*) FILTER (WHERE in_due AND on_time_amount >= amount) AS on_time_invoices
    FROM facts
    GROUP BY GROUPING SETS ((), (tier))
),
-- Every tier the run assigned gets a row, with zeros when it holds no
-- receivables, so the tiers of a run always show.
scopes AS (
    SELECT 'portfolio' AS scope, NULL::VARCHAR AS tier
    UNION SELECT 'tier', tier FROM scored
    UNION SELECT 'tier', tier FROM facts
),
money AS (
    SELECT s.scope, s.tier,
           coalesce(a.customers, 0) AS customers,
           coalesce(a.open_amount, 0)::DECIMAL(18,2) AS open_amount,
           coalesce(a.current_amount, 0)::DECIMAL(18,2) AS current_amount,
           coalesce(a.credit_sales, 0)::DECIMAL(18,2) AS credit_sales_90d,
           coalesce(a.beginning_open, 0)::DECIMAL(18,2) AS beginning_open,
           coalesce(a.due_amount, 0)::DECIMAL(18,2) AS due_amount_90d,
           coalesce(a.paid_on_time, 0)::DECIMAL(18,2) AS paid_on_time_amount,
           coalesce(a.open_invoices, 0) AS open_invoices,
           coalesce(a.overdue_invoices, 0) AS overdue_invoices,
           coalesce(a.issued_invoices, 0) AS issued_invoices_90d,
           coalesce(a.due_invoices, 0) AS due_invoices_90d,
           coalesce(a.on_time_invoices, 0) AS on_time_invoices
    FROM scopes s
    LEFT JOIN agg a ON a.scope = s.scope AND a.tier IS NOT DISTINCT FROM s.tier
),
ratios AS (
    SELECT m.*, (m.open_amount - m.current_amount)::DECIMAL(18,2) AS overdue_amount,
           CASE WHEN m.credit_sales_90d > 0
                THEN m.open_amount::DOUBLE / m.credit_sales_90d::DOUBLE * p.days END AS dso,
           CASE WHEN m.credit_sales_90d > 0
                THEN m.current_amount::DOUBLE / m.credit_sales_90d::DOUBLE * p.days END AS best_possible_dso,
           CASE WHEN m.beginning_open + m.credit_sales_90d - m.current_amount > 0
                THEN (m.beginning_open + m.credit_sales_90d - m.open_amount)::DOUBLE
                     / (m.beginning_open + m.credit_sales_90d - m.current_amount)::DOUBLE * 100 END AS cei,
           CASE WHEN m.due_amount_90d > 0
                THEN m.paid_on_time_amount::DOUBLE / m.due_amount_90d::DOUBLE END AS on_time_rate
    FROM money m CROSS JOIN p
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of,
       scope, tier, customers, open_amount, current_amount, overdue_amount,
       CASE WHEN open_amount > 0 THEN overdue_amount::DOUBLE / open_amount::DOUBLE END AS overdue_share,
       credit_sales_90d, dso, best_possible_dso, dso - best_possible_dso AS add_days,
       beginning_open, cei, due_amount_90d, paid_on_time_amount, on_time_rate,
       open_invoices, overdue_invoices, issued_invoices_90d, due_invoices_90d, on_time_invoices
FROM ratios
-- Without a receivables ledger there are no KPIs: a row of zeros would say
-- "nothing open, nothing overdue"; the reports say the source is missing.
WHERE list_contains(getvariable('configured_sources'), 'ar_invoices')
ORDER BY scope = 'tier', tier;

-- name: ServiceQueue
-- Open tickets at the end of the as-of day, ranked by priority =
--   customer score (0..100)
--   + severity points (severity_points[severity])
--   + min(max_waiting_points, points_per_day × days waited beyond wait_days),
-- so a low-tier ticket climbs after a wait; ties by age, then id. Each
-- ticket's hours are estimated from tickets of the same category and
-- severity closed in the last 12 months; given engineer_hours this week,
-- tickets that fit, in rank order, are marked.
INSERT INTO service_queue BY NAME
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of,
                  getvariable('as_of')::DATE + INTERVAL 1 DAY AS day_end),
-- GROUPING() tells a rolled-up row from a group whose key is NULL in the
-- data (tickets without a severity): matching on IS NULL found both, and the
-- scalar subquery failed with "More than one row returned".
history AS (
    SELECT category, severity, GROUPING(category, severity) AS level, avg(effort_hours)::DOUBLE AS hours
    FROM tickets, p
    WHERE closed_at IS NOT NULL AND closed_at < p.day_end AND opened_at::DATE > p.as_of - INTERVAL 12 MONTH
    GROUP BY GROUPING SETS ((category, severity), (category), ())
),
open_tickets AS (
    SELECT t.*, cv.name, cv.tier, cv.score, cv.rank AS customer_rank,
           date_diff('day', t.opened_at::DATE, p.as_of) AS age_days,
           coalesce(getvariable('severity_points')[t.severity], 0.0) AS severity_points,
           least(getvariable('max_waiting_points')::DOUBLE, getvariable('points_per_day')::DOUBLE
             * greatest(0, date_diff('day', t.opened_at::DATE, p.as_of) - getvariable('wait_days')::INTEGER)) AS waiting_points,
           coalesce(
               (SELECT h.hours FROM history h WHERE h.level = 0 AND h.category = t.category AND h.severity = t.severity),
               (SELECT h.hours FROM history h WHERE h.level = 1 AND h.category = t.category),
               (SELECT h.hours FROM history h WHERE h.level = 3)) AS estimated_hours
    FROM tickets t CROSS JOIN p
    LEFT JOIN customer_value cv ON cv.customer_id = t.customer_id AND cv.run_id = getvariable('run_id')::BIGINT
    WHERE t.opened_at < p.day_end AND (t.closed_at IS NULL OR t.closed_at >= p.day_end)
),
ranked AS (
    SELECT *, coalesce(score, 0) + severity_points + waiting_points AS priority,
           row_number() OVER (ORDER BY coalesce(score, 0) + severity_points + waiting_points DESC, opened_at, ticket_id) AS rank
    FROM open_tickets
),
capacity AS (
    SELECT *, sum(coalesce(estimated_hours, 0)) OVER (ORDER BY rank) AS cumulative_hours FROM ranked
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, rank, ticket_id, customer_id, name, tier,
       score, severity, opened_at, age_days, priority, estimated_hours,
       CASE WHEN getvariable('engineer_hours')::DOUBLE > 0 THEN cumulative_hours <= getvariable('engineer_hours')::DOUBLE END AS fits_capacity,
       product_id, component, category,
       (CASE WHEN score IS NULL THEN 'customer not scored'
             ELSE printf('tier %s customer (rank %d, score %.1f)', tier, customer_rank, score) END)
         || printf(' + %.0f severity %s', severity_points, coalesce(severity::VARCHAR, '?'))
         || CASE WHEN waiting_points > 0 THEN printf(' + %.0f for waiting %d days (over %d)', waiting_points, age_days, getvariable('wait_days')::INTEGER)
                 ELSE printf(', open %d days', age_days) END
         || printf(' = priority %.1f', priority)
         || CASE WHEN getvariable('engineer_hours')::DOUBLE > 0
                 THEN CASE WHEN cumulative_hours <= getvariable('engineer_hours')::DOUBLE
                           THEN printf('; fits this week (%.0f of %.0f h)', cumulative_hours, getvariable('engineer_hours')::DOUBLE)
                           ELSE printf('; beyond this week''s %.0f h', getvariable('engineer_hours')::DOUBLE) END
                 ELSE '' END AS reason
FROM capacity
ORDER BY rank;

-- name: IndicatorCoverage
-- How many of the model's indicators have data for at least one customer in
-- a run: an index resting on few of them is reported as such.
SELECT count(DISTINCT indicator) FILTER (WHERE NOT missing) AS with_data,
       count(DISTINCT indicator) AS total
FROM value_contributions WHERE run_id = ?;
