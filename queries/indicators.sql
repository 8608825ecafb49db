-- Built-in indicators. Each returns (customer_id, value) for every customer
-- it has data for; a customer it leaves out, or a NULL value, has no data.
-- Variables: as_of (DATE) and window_start (DATE: as_of minus the
-- indicator's window_months). Windows are (window_start, as_of]: the as-of
-- day counts, its anniversary does not. Custom indicators in the config
-- follow the same contract.

-- name: IndicatorMaintenanceFees
-- Maintenance and service billed in the window; no such billing is 0.
SELECT c.customer_id, coalesce(sum(b.amount), 0)::DOUBLE AS value
FROM customers c
LEFT JOIN billing_lines b ON b.customer_id = c.customer_id
    AND b.category IN ('maintenance', 'service')
    AND b.issued_at > getvariable('window_start')::DATE AND b.issued_at <= getvariable('as_of')::DATE
GROUP BY c.customer_id;

-- name: IndicatorCollectionTimeliness
-- Share of the amount of invoices due in the window that was paid by the
-- due date. Payments count toward an invoice only through the ledger's
-- invoice_id. No invoice due in the window: no data.
WITH paid_by_due AS (
    SELECT i.invoice_id, i.customer_id, i.amount,
           least(i.amount, coalesce(sum(pay.amount) FILTER (WHERE pay.paid_at <= i.due_at), 0)) AS on_time
    FROM ar_invoices i
    LEFT JOIN ar_payments pay ON pay.invoice_id = i.invoice_id
    WHERE i.due_at > getvariable('window_start')::DATE AND i.due_at <= getvariable('as_of')::DATE AND i.amount > 0
    GROUP BY i.invoice_id, i.customer_id, i.amount
)
SELECT customer_id, sum(on_time)::DOUBLE / sum(amount)::DOUBLE AS value
FROM paid_by_due GROUP BY customer_id;

-- name: IndicatorRepurchase
-- Distinct months with product or license billing in the window.
SELECT c.customer_id, count(DISTINCT date_trunc('month', b.issued_at))::DOUBLE AS value
FROM customers c
LEFT JOIN billing_lines b ON b.customer_id = c.customer_id
    AND b.category IN ('product', 'license')
    AND b.issued_at > getvariable('window_start')::DATE AND b.issued_at <= getvariable('as_of')::DATE
GROUP BY c.customer_id;

-- name: IndicatorProactiveCommunication
-- Inbound activities per quarter of the window.
SELECT c.customer_id,
       count(a.activity_id) / (date_diff('month', getvariable('window_start')::DATE, getvariable('as_of')::DATE) / 3.0) AS value
FROM customers c
LEFT JOIN activities a ON a.customer_id = c.customer_id AND a.direction = 'inbound'
    AND a.occurred_at::DATE > getvariable('window_start')::DATE AND a.occurred_at::DATE <= getvariable('as_of')::DATE
GROUP BY c.customer_id;

-- name: IndicatorReferral
-- Customers this one referred (ever) plus its NPS promoter answers (9–10) in the window.
SELECT c.customer_id,
       ((SELECT count(*) FROM customers r WHERE r.referred_by = c.customer_id)
        + (SELECT count(*) FROM surveys s WHERE s.customer_id = c.customer_id AND s.nps >= 9
             AND s.answered_at > getvariable('window_start')::DATE AND s.answered_at <= getvariable('as_of')::DATE))::DOUBLE AS value
FROM customers c;

-- name: IndicatorEaseOfCoordination
-- Escalations plus reopens per ticket opened in the window (lower is
-- better). No ticket: no data.
SELECT customer_id,
       (sum(coalesce(escalations, 0)) + sum(coalesce(reopens, 0)))::DOUBLE / count(*) AS value
FROM tickets
WHERE opened_at::DATE > getvariable('window_start')::DATE AND opened_at::DATE <= getvariable('as_of')::DATE
GROUP BY customer_id;

-- name: IndicatorSatisfactionPerCost
-- Satisfaction (mean CSAT of tickets opened in the window, else the latest
-- NPS mapped onto 1..5 as NPS × 0.4 + 1) per (1 + service hours per ticket).
WITH recent AS (
    SELECT * FROM tickets
    WHERE opened_at::DATE > getvariable('window_start')::DATE AND opened_at::DATE <= getvariable('as_of')::DATE
),
latest_nps AS (
    SELECT customer_id, arg_max(nps, answered_at) AS nps
    FROM surveys WHERE answered_at <= getvariable('as_of')::DATE GROUP BY customer_id
)
SELECT r.customer_id,
       coalesce(avg(r.csat), any_value(n.nps) * 0.4 + 1)
         / (1 + sum(coalesce(r.effort_hours, 0))::DOUBLE / count(*)) AS value
FROM recent r LEFT JOIN latest_nps n USING (customer_id)
GROUP BY r.customer_id;

-- name: IndicatorScale
-- Size on a log scale: the mean of ln(1 + employees) and ln(1 + annual
-- revenue); either missing: no data.
SELECT customer_id, (ln(1 + employees) + ln(1 + annual_revenue::DOUBLE)) / 2 AS value
FROM customers;

-- name: IndicatorMarketInfluence
-- The CRM's market influence rating, 1..5.
SELECT customer_id, market_influence::DOUBLE AS value FROM customers;
