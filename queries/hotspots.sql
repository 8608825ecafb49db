-- Hot-spot page inputs (hotspots.html, hotspots.xlsx). Variables as in
-- transform.sql.

-- name: HotspotTickets
-- The fault tickets behind the hot-spot groups: every fault ticket with a
-- product, component and region opened in the window, with its customer, so
-- the page can drill down from a bar or cell to tickets, serials and
-- customers. The same filter as the Hotspots statement's window faults, so
-- a group's rows here number its failures.
INSERT INTO hotspot_tickets
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of, getvariable('hotspot_months')::INTEGER AS months)
SELECT getvariable('run_id')::BIGINT, p.as_of, t.ticket_id, t.product_id, pd.name, t.component, t.region,
       t.serial_no, t.customer_id, c.name, t.opened_at, t.closed_at, t.effort_hours, t.severity, t.resolution
FROM hs_tickets t CROSS JOIN p
LEFT JOIN products pd ON pd.product_id = t.product_id
LEFT JOIN customers c ON c.customer_id = t.customer_id
WHERE t.category = 'fault' AND t.product_id IS NOT NULL AND t.component IS NOT NULL AND t.region IS NOT NULL
  AND t.opened_at::DATE > p.as_of - to_months(p.months) AND t.opened_at::DATE <= p.as_of
ORDER BY t.product_id, t.component, t.region, t.opened_at, t.ticket_id;

-- name: WeibullUnits
-- The units behind each product × component's Weibull fit (hotspot_weibull),
-- for the groups of the run's hotspots table, each seen over the hot-spot
-- window (as_of − months, as_of]: from its age at the window's start (0 if
-- installed since; left truncation, FitWeibullTruncated) to
--   failed    its first fault ticket of the component opened in the window
--             (a serial counts once per customer, its later tickets are
--             repeats; a ticket without a serial is a unit of its own),
--             aged from its customer's installed_at of the product to the
--             ticket's day;
--   censored  the as-of date, for the customer's other units of the product
--             (quantity less those failed, never below 0);
--   no_age    faults whose customer has no installed_at of the product on or
--             before the fault's day (no installed_base row, an undated one,
--             or no installed_base source at all), counted, not fitted;
--   group     one row per group, so a group with none of the above has a row.
-- Ages are whole days; a failure on the installation day counts half a
-- day. installed_base holds one row per customer × product; should a
-- customer have several, the earliest installed_at stands for all its units.
WITH p AS (SELECT getvariable('as_of')::DATE AS as_of, getvariable('hotspot_months')::INTEGER AS months),
w AS (SELECT as_of, months, (as_of - to_months(months))::DATE AS start_day FROM p),
groups AS (
    SELECT DISTINCT h.product_id, h.component FROM hotspots h WHERE h.run_id = getvariable('run_id')::BIGINT
),
lots AS (
    SELECT ib.customer_id, ib.product_id, sum(ib.quantity)::BIGINT AS qty, min(ib.installed_at) AS installed_at,
           count(*) = count(ib.installed_at) AS dated
    FROM installed_base ib, p
    WHERE ib.quantity > 0 AND (ib.installed_at IS NULL OR ib.installed_at <= p.as_of)
    GROUP BY ALL
),
faults AS (
    SELECT t.customer_id, t.product_id, t.component, min(t.opened_at::DATE) AS day
    FROM hs_tickets t CROSS JOIN w
    WHERE t.category = 'fault' AND t.product_id IS NOT NULL AND t.component IS NOT NULL AND t.region IS NOT NULL
      AND t.opened_at::DATE > w.start_day AND t.opened_at::DATE <= w.as_of
    GROUP BY t.customer_id, t.product_id, t.component,
             CASE WHEN t.serial_no IS NULL THEN 't:' || t.ticket_id ELSE 's:' || t.serial_no END
),
aged AS (
    SELECT f.product_id, f.component, f.customer_id,
           CASE WHEN l.dated AND l.installed_at <= f.day
                THEN greatest(0.5, date_diff('day', l.installed_at, f.day)::DOUBLE) END AS age,
           greatest(0, date_diff('day', l.installed_at, w.start_day))::DOUBLE AS entry
    FROM faults f JOIN groups g USING (product_id, component) CROSS JOIN w
    LEFT JOIN lots l ON l.customer_id = f.customer_id AND l.product_id = f.product_id
),
censored AS (
    SELECT g.product_id, g.component, greatest(0.5, date_diff('day', l.installed_at, w.as_of)::DOUBLE) AS age,
           greatest(0, date_diff('day', l.installed_at, w.start_day))::DOUBLE AS entry,
           greatest(0, l.qty - coalesce(a.failed, 0)) AS units
    FROM groups g JOIN lots l USING (product_id) CROSS JOIN w
    LEFT JOIN (SELECT product_id, component, customer_id, count(*) AS failed FROM aged WHERE age IS NOT NULL GROUP BY ALL) a
      ON a.product_id = g.product_id AND a.component = g.component AND a.customer_id = l.customer_id
    WHERE l.dated
)
SELECT * FROM (
SELECT g.product_id, pd.name AS product_name, g.component, 'group' AS kind, NULL::DOUBLE AS entry, NULL::DOUBLE AS age, 0::DOUBLE AS units
FROM groups g LEFT JOIN products pd ON pd.product_id = g.product_id
UNION ALL
SELECT product_id, NULL, component, 'failed', entry, age, count(*)::DOUBLE FROM aged WHERE age IS NOT NULL GROUP BY ALL
UNION ALL
SELECT product_id, NULL, component, 'no_age', NULL, NULL, count(*)::DOUBLE FROM aged WHERE age IS NULL GROUP BY ALL
UNION ALL
SELECT product_id, NULL, component, 'censored', entry, age, sum(units)::DOUBLE FROM censored WHERE units > 0 GROUP BY ALL
)
ORDER BY product_id, component, kind <> 'group', kind, age, entry;

-- name: ForecastInputs
-- What hotspotForecast (pipeline/hotspot_forecast.go) needs per hot-spot
-- group to forecast the fault tickets of (forecast_at, forecast_at + months]
-- from the groups in forecast_groups (the run's hotspots rows, or, for the
-- back-test, those the Hotspots statement gives as of forecast_at), for the
-- units installed at forecast_at:
--   basis_unit_years: the group's exposure in the window before
--     forecast_at, (forecast_at − months, forecast_at]: each lot (an
--     installed_base row, or a product billing line without one) from its
--     installation (issue) day on, within the days the export observes (on
--     or after its first ticket), in years of 365.25 days. Not the hot-spot
--     rate's units × window: a growing base would be charged a full window
--     for units installed late in it, and the rate read low;
--   prior_a, prior_b: the gamma posterior of the group's faults per
--     unit-year, shape failures + r0·k and rate basis_unit_years + k (r0 the
--     pooled failures / basis_unit_years of the groups with at least
--     min_installed_units, k = prior_unit_years), the same shrinkage as the
--     hot-spot rate's;
--   exposure: the next window's unit-years, installed units × months / 12
--     (units installed later are not forecast);
--   mean_effort_hours: the mean effort_hours of the group's fault tickets
--     opened in the window before forecast_at; effort_basis all_faults when
--     none of them has hours (the mean over every group's), none when no
--     fault ticket has any;
--   actual: the group's fault tickets opened in (forecast_at, forecast_at +
--     months] by customers who had the product installed by forecast_at
--     (the units forecast); NULL for a period not over by the as-of date.
-- A group with such tickets and no row in forecast_groups (at forecast_at
-- under min_installed_units units and without a fault in the window) comes
-- last with NULL inputs: it was not forecast (not_forecast).
WITH p AS (
    SELECT getvariable('forecast_at')::DATE AS from_day, getvariable('as_of')::DATE AS as_of,
           getvariable('hotspot_months')::INTEGER AS months,
           getvariable('prior_unit_years')::DOUBLE AS prior,
           getvariable('min_installed_units')::INTEGER AS min_units
),
w AS (
    SELECT p.*, greatest((from_day - to_months(months))::DATE, coalesce((SELECT min(opened_at)::DATE - 1 FROM hs_tickets),
                (from_day - to_months(months))::DATE)) AS start_day,
           (from_day + to_months(months))::DATE AS end_day
    FROM p
),
lots AS (
    SELECT customer_id, product_id, quantity::DOUBLE AS qty, installed_at AS since FROM installed_base
    UNION ALL
    SELECT customer_id, product_id, quantity::DOUBLE, issued_at FROM billing_lines
    WHERE category = 'product' AND product_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM installed_base)
),
basis AS (
    SELECT l.product_id, c.region,
           -- whole unit-days, summed exactly in any order (the pooled rate
           -- sums them again: a sum of fractional unit-years would depend on
           -- the order rows were stored in)
           sum(l.qty * greatest(0, date_diff('day', greatest(w.start_day, coalesce(l.since - 1, w.start_day)), w.from_day))) AS unit_days
    FROM lots l JOIN hs_customers c USING (customer_id) CROSS JOIN w
    WHERE c.region IS NOT NULL AND l.qty > 0
    GROUP BY ALL
),
gb AS (
    SELECT g.product_id, g.product_name, g.component, g.region, g.installed_units, g.failures,
           coalesce(b.unit_days, 0) AS basis_unit_days, coalesce(b.unit_days, 0) / 365.25 AS basis_unit_years
    FROM forecast_groups g LEFT JOIN basis b ON b.product_id = g.product_id AND b.region = g.region
),
pooled AS (
    SELECT sum(failures) FILTER (WHERE installed_units >= w.min_units)::DOUBLE
             / nullif(sum(basis_unit_days) FILTER (WHERE installed_units >= w.min_units) / 365.25, 0) AS r0
    FROM gb, w
),
faults AS (
    SELECT t.* FROM hs_tickets t
    WHERE t.category = 'fault' AND t.product_id IS NOT NULL AND t.component IS NOT NULL AND t.region IS NOT NULL
),
effort AS (
    SELECT f.product_id, f.component, f.region, avg(f.effort_hours) AS hours
    FROM faults f, w WHERE f.opened_at::DATE > (w.from_day - to_months(w.months))::DATE AND f.opened_at::DATE <= w.from_day
      AND f.effort_hours IS NOT NULL
    GROUP BY ALL
),
all_effort AS (
    SELECT avg(f.effort_hours) AS hours FROM faults f, w
    WHERE f.opened_at::DATE > (w.from_day - to_months(w.months))::DATE AND f.opened_at::DATE <= w.from_day AND f.effort_hours IS NOT NULL
),
actual AS (
    SELECT f.product_id, f.component, f.region, count(*) AS tickets
    FROM faults f, w
    WHERE w.end_day <= w.as_of AND f.opened_at::DATE > w.from_day AND f.opened_at::DATE <= w.end_day
      AND EXISTS (SELECT 1 FROM lots l WHERE l.customer_id = f.customer_id AND l.product_id = f.product_id
                    AND l.qty > 0 AND (l.since IS NULL OR l.since <= w.from_day))
    GROUP BY ALL
)
SELECT coalesce(g.product_id, a.product_id) AS product_id, coalesce(g.product_name, pd.name) AS product_name,
       coalesce(g.component, a.component) AS component, coalesce(g.region, a.region) AS region,
       g.installed_units, g.failures, g.basis_unit_years,
       g.failures + coalesce(pooled.r0, 0) * w.prior AS prior_a,
       g.basis_unit_years + w.prior AS prior_b,
       g.installed_units * w.months / 12.0 AS exposure,
       coalesce(e.hours, ae.hours) AS mean_effort_hours,
       CASE WHEN e.hours IS NOT NULL THEN 'group' WHEN ae.hours IS NOT NULL THEN 'all_faults' ELSE 'none' END AS effort_basis,
       CASE WHEN w.end_day <= w.as_of THEN coalesce(a.tickets, 0) END AS actual,
       w.from_day AS forecast_at, w.end_day AS period_end,
       -- hours per week × weeks of the period
       CASE WHEN getvariable('engineer_hours')::DOUBLE > 0
            THEN getvariable('engineer_hours')::DOUBLE * date_diff('day', w.from_day, w.end_day) / 7.0 END AS capacity_hours
FROM gb g
FULL JOIN actual a ON a.product_id = g.product_id AND a.component = g.component AND a.region = g.region
CROSS JOIN w CROSS JOIN pooled CROSS JOIN all_effort ae
LEFT JOIN effort e ON e.product_id = coalesce(g.product_id, a.product_id) AND e.component = coalesce(g.component, a.component)
     AND e.region = coalesce(g.region, a.region)
LEFT JOIN products pd ON pd.product_id = a.product_id
ORDER BY g.product_id IS NULL, product_id, component, region;

-- name: HotspotPeriods
-- The periods the rising test compares (see Hotspots in transform.sql, whose
-- CTEs this repeats: the test's period length, the periods, their observed
-- days, each lot's unit-days and the faults per period), for every group of
-- the run's hotspots table: failures and installed unit-days per period, so
-- the page can draw each group's trend beside the test's verdict. A period
-- with no observed day has no row. TestHotspotPeriodsAddUp checks these rows
-- against the hotspots table's own counts.
INSERT INTO hotspot_periods
WITH p AS (
    SELECT getvariable('as_of')::DATE AS as_of,
           getvariable('hotspot_months')::INTEGER AS months,
           getvariable('baseline_windows')::INTEGER AS baseline_windows
),
history AS (SELECT min(opened_at)::DATE AS first_day FROM hs_tickets),
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
)
SELECT getvariable('run_id')::BIGINT, p.as_of, h.product_id, h.component, h.region, o.k, o.start_day, o.end_day, o.days,
       coalesce(fk.failures, 0),
       CASE WHEN h.installed_units > 0 THEN coalesce(ud.unit_days, 0) END,
       CASE WHEN h.installed_units > 0 AND ud.unit_days > 0 THEN 100.0 * coalesce(fk.failures, 0) / (ud.unit_days / 365.25) END
FROM hotspots h CROSS JOIN observed o CROSS JOIN p
LEFT JOIN unit_days_k ud ON ud.k = o.k AND ud.product_id = h.product_id AND ud.region = h.region
LEFT JOIN faults_k fk ON fk.k = o.k AND fk.product_id = h.product_id AND fk.component = h.component AND fk.region = h.region
WHERE h.run_id = getvariable('run_id')::BIGINT AND o.days > 0
ORDER BY h.product_id, h.component, h.region, o.k;
