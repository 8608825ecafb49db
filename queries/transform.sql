-- Transforms from canonical tables to results. Variables set by the pipeline:
--   as_of (DATE), run_id (BIGINT), hourly_cost (DECIMAL(18,2)),
--   hotspot_months (INTEGER), prior_unit_years (DOUBLE), min_installed_units (INTEGER).
-- Windows are (as_of - N months, as_of]: the as-of day counts, its anniversary does not.

-- name: CustomerEconomics
CREATE OR REPLACE TEMP TABLE customer_economics AS
-- Trailing-12-month revenue (all billing) and cost to serve (effort hours of
-- tickets opened in the window × hourly cost), per customer, exact decimals.
SELECT c.customer_id, c.name, c.industry, c.region, c.account_owner,
       coalesce(r.revenue, 0)::DECIMAL(18,2) AS revenue_12m,
       coalesce(s.cost, 0)::DECIMAL(18,2) AS service_cost_12m
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

-- name: Hotspots
-- Fault tickets per product × component × region in the window, against the
-- installed units of that product in that region (installed_base, or product
-- billing quantities when there is no installed base). Each group's rate is
-- shrunk toward the overall rate with prior_unit_years of weight (a
-- gamma-Poisson empirical-Bayes estimate with a fixed prior strength), and
-- groups under min_installed_units are held back from the ranking.
INSERT INTO hotspots
WITH p AS (
    SELECT getvariable('as_of')::DATE AS as_of,
           getvariable('hotspot_months')::INTEGER AS months,
           getvariable('prior_unit_years')::DOUBLE AS prior,
           getvariable('min_installed_units')::INTEGER AS min_units
),
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
),
units AS (
    SELECT u.product_id, c.region, sum(u.qty) AS units
    FROM (SELECT * FROM declared UNION ALL SELECT * FROM derived) u
    JOIN customers c USING (customer_id)
    WHERE c.region IS NOT NULL
    GROUP BY ALL
),
faults AS (
    SELECT t.product_id, t.component, t.region, count(*) AS failures
    FROM tickets t, p
    WHERE t.category = 'fault' AND t.product_id IS NOT NULL AND t.component IS NOT NULL AND t.region IS NOT NULL
      AND t.opened_at::DATE > p.as_of - to_months(p.months) AND t.opened_at::DATE <= p.as_of
    GROUP BY ALL
),
components AS (
    SELECT DISTINCT product_id, component FROM tickets
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
)
SELECT getvariable('run_id')::BIGINT, p.as_of, r.rnk, r.product_id, pd.name, r.component, r.region,
       r.failures, r.units, r.rate, r.shrunk,
       coalesce(r.failures::DOUBLE / nullif(r.total_failures, 0), 0),
       CASE WHEN r.rnk IS NOT NULL THEN
           sum(r.failures) OVER (ORDER BY r.rnk NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)::DOUBLE
             / nullif(r.total_failures, 0) END
FROM ranked r CROSS JOIN p
LEFT JOIN products pd USING (product_id)
WHERE r.failures > 0 OR r.rnk IS NOT NULL
ORDER BY r.rnk NULLS LAST, r.product_id, r.component, r.region;

-- name: ArAging
-- Open amount per invoice as of the run date (amount less payments the
-- ledger applies to it, paid by then), bucketed by days past due.
INSERT INTO ar_aging
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of),
open_items AS (
    SELECT i.customer_id, i.due_at,
           i.amount - coalesce(sum(pay.amount) FILTER (WHERE pay.paid_at <= p.as_of), 0) AS open_amount,
           p.as_of - i.due_at AS days_past_due
    FROM ar_invoices i CROSS JOIN p
    LEFT JOIN ar_payments pay ON pay.invoice_id = i.invoice_id
    WHERE i.issued_at <= p.as_of
    GROUP BY i.invoice_id, i.customer_id, i.due_at, i.amount, p.as_of
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
history AS (
    SELECT category, severity, avg(effort_hours)::DOUBLE AS hours
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
               (SELECT h.hours FROM history h WHERE h.category = t.category AND h.severity = t.severity),
               (SELECT h.hours FROM history h WHERE h.category = t.category AND h.severity IS NULL),
               (SELECT h.hours FROM history h WHERE h.category IS NULL AND h.severity IS NULL)) AS estimated_hours
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
