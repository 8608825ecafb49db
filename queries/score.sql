-- The value index. The pipeline fills temp table model_weights (group_name,
-- group_weight, indicator, weight, higher_is_better, missing_policy,
-- available) from the config, with all weights scaled to sum to 1, and sets
-- variables tier_method ('quantile' or 'fixed') and tier_a, tier_b, tier_c
-- (cumulative shares, or minimum scores).

-- name: ScoreContributions
-- Percentile rank among customers with data, with ties at their mid-rank:
-- (values below + (values equal - 1) / 2) / (customers with data - 1);
-- one customer with data gets 0.5. Lower-is-better indicators are turned
-- (1 - p). Missing data gets 0.5 (neutral) or 0 (worst).
CREATE OR REPLACE TEMP TABLE scored_contributions AS
WITH iv AS (
    SELECT v.customer_id, w.group_name, w.group_weight, w.indicator, w.weight, w.higher_is_better, w.missing_policy,
           CASE WHEN w.available THEN v.raw_value END AS raw_value
    FROM indicator_values v JOIN model_weights w USING (indicator)
),
ranked AS (
    SELECT *,
           count(raw_value) OVER (PARTITION BY indicator) AS n_with_data,
           rank() OVER (PARTITION BY indicator ORDER BY raw_value ASC NULLS LAST) - 1 AS n_below,
           count(*) OVER (PARTITION BY indicator, raw_value) AS n_equal
    FROM iv
),
normalized AS (
    SELECT *,
           CASE
               WHEN raw_value IS NULL THEN CASE missing_policy WHEN 'worst' THEN 0.0 ELSE 0.5 END
               WHEN n_with_data = 1 THEN 0.5
               WHEN higher_is_better THEN (n_below + (n_equal - 1) / 2.0) / (n_with_data - 1)
               ELSE 1 - (n_below + (n_equal - 1) / 2.0) / (n_with_data - 1)
           END AS norm
    FROM ranked
)
SELECT customer_id, group_name, group_weight, indicator, raw_value, norm AS normalized, weight,
       100 * weight * norm AS contribution, raw_value IS NULL AS missing
FROM normalized;

-- name: InsertCustomerValue
-- Sums run in a fixed order (ORDER BY inside the aggregate) so a score is
-- the same to the last bit on every run.
INSERT INTO customer_value
WITH per_customer AS (
    SELECT customer_id,
           sum(contribution ORDER BY group_name, indicator) AS score,
           avg(CASE WHEN missing THEN 0.0 ELSE 1.0 END) AS coverage,
           sum(contribution ORDER BY indicator) FILTER (WHERE group_name = 'economic') / nullif(any_value(group_weight) FILTER (WHERE group_name = 'economic'), 0) AS economic,
           sum(contribution ORDER BY indicator) FILTER (WHERE group_name = 'loyalty') / nullif(any_value(group_weight) FILTER (WHERE group_name = 'loyalty'), 0) AS loyalty,
           sum(contribution ORDER BY indicator) FILTER (WHERE group_name = 'service_effect') / nullif(any_value(group_weight) FILTER (WHERE group_name = 'service_effect'), 0) AS service_effect,
           sum(contribution ORDER BY indicator) FILTER (WHERE group_name = 'characteristics') / nullif(any_value(group_weight) FILTER (WHERE group_name = 'characteristics'), 0) AS characteristics
    FROM scored_contributions
    GROUP BY customer_id
),
positioned AS (
    SELECT *, row_number() OVER (ORDER BY score DESC, customer_id) AS position, count(*) OVER () AS n
    FROM per_customer
)
SELECT getvariable('run_id')::BIGINT, getvariable('as_of')::DATE, p.customer_id, e.name, e.industry, e.region, e.account_owner,
       p.score,
       CASE getvariable('tier_method')
           WHEN 'fixed' THEN CASE WHEN p.score >= getvariable('tier_a') THEN 'A' WHEN p.score >= getvariable('tier_b') THEN 'B'
                                  WHEN p.score >= getvariable('tier_c') THEN 'C' ELSE 'D' END
           ELSE CASE WHEN p.position <= floor(getvariable('tier_a') * p.n + 1e-9) THEN 'A'
                     WHEN p.position <= floor(getvariable('tier_b') * p.n + 1e-9) THEN 'B'
                     WHEN p.position <= floor(getvariable('tier_c') * p.n + 1e-9) THEN 'C' ELSE 'D' END
       END,
       p.position, p.coverage,
       coalesce(p.economic, 0), coalesce(p.loyalty, 0), coalesce(p.service_effect, 0), coalesce(p.characteristics, 0),
       e.revenue_12m, e.service_cost_12m, e.revenue_12m - e.service_cost_12m
FROM positioned p JOIN customer_economics e USING (customer_id)
ORDER BY p.position;

-- name: InsertContributions
INSERT INTO value_contributions
SELECT getvariable('run_id')::BIGINT, getvariable('as_of')::DATE, customer_id, group_name, indicator,
       raw_value, normalized, weight, contribution, missing
FROM scored_contributions
ORDER BY customer_id, group_name, indicator;
