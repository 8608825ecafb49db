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
