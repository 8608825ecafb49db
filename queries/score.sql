-- The value index. Before these run, the pipeline fills temp tables
--   customer_segment (customer_id, segment)
--   model_weights    (segment, group_name, group_weight, indicator, weight,
--                     higher_is_better, missing_policy, available, norm_method,
--                     norm_q_low, norm_q_high, norm_low, norm_high, window_months,
--                     weight_method, weight_id: the row's place in the
--                     scorer's weights)
--                    weights scaled so each segment's weights sum to 1;
--                    norm_low/norm_high hold minmax's quantile values
--   model_bands      (segment, indicator, from_value, points) for thresholds
--   indicator_raw    (indicator, window_months, customer_id, value)
--   model_tiers      (segment, method, a, b, c)
--   tier_overrides   (customer_id, tier, reason, owner, expires_at)
-- and sets variables as_of, run_id, min_coverage.

-- name: ModelPairs
-- Every (group, indicator) of the model numbered in the order a customer's
-- contributions are summed, by group and then indicator (pair), and every
-- group in its order (grp). ComputeCustomerValue and SensitivityTiers sort
-- and filter each customer's list by these numbers instead of the names:
-- two strings per item made the list of a million customers hold 1 GB more
-- than DuckDB's memory limit left, and its sort cost twice the CPU. The
-- order is the names' order, so every sum runs as it did.
CREATE OR REPLACE TEMP TABLE model_pairs AS
SELECT group_name, indicator,
       dense_rank() OVER (ORDER BY group_name, indicator)::INTEGER AS pair,
       dense_rank() OVER (ORDER BY group_name)::INTEGER AS grp
FROM (SELECT DISTINCT group_name, indicator FROM model_weights);

-- name: IndicatorValues
CREATE OR REPLACE TEMP TABLE indicator_values AS
SELECT cs.customer_id, cs.segment, w.weight_id, w.group_name, w.group_weight, w.indicator, w.weight, w.higher_is_better,
       w.missing_policy, w.norm_method, w.norm_low, w.norm_high, p.pair, p.grp,
       CASE WHEN w.available AND isfinite(r.value) THEN r.value END AS raw_value
FROM customer_segment cs
JOIN model_weights w USING (segment)
JOIN model_pairs p ON p.group_name = w.group_name AND p.indicator = w.indicator
LEFT JOIN indicator_raw r ON r.indicator = w.indicator AND r.window_months = w.window_months AND r.customer_id = cs.customer_id;

-- name: NormalizeIndicators
-- Normalization per indicator, within the customer's segment, among
-- customers with data:
--   percentile: (values below + (values equal - 1) / 2) / (n - 1); n = 1 → 0.5
--   minmax:     (x - lo) / (hi - lo) clamped to 0..1, lo and hi the
--               configured quantiles; hi = lo → 0.5
--   zscore:     Φ((x - mean) / σ), σ the population deviation; σ = 0 → 0.5
--   thresholds: points of the last band starting at or below x, / 100
-- Lower-is-better indicators are turned (1 - v), except thresholds, whose
-- grid states the points. Missing data is 0.5 (neutral), 0 (worst) or
-- excluded: then the customer's other weights are scaled up to sum to 1.
CREATE OR REPLACE TEMP TABLE normalized_indicators AS
WITH stats AS (
    -- Summed in sorted order: a floating-point sum depends on the order of
    -- its terms, and no score may depend on the order rows arrived in.
    -- Only z-scores use them: the list of every value is not built for the
    -- other methods.
    SELECT segment AS stats_segment, indicator AS stats_indicator,
           list_avg(vs) AS mean,
           list_stddev_pop(vs) AS sd
    FROM (SELECT segment, indicator, list_sort(list(raw_value) FILTER (WHERE raw_value IS NOT NULL)) AS vs
          FROM indicator_values WHERE norm_method = 'zscore' GROUP BY segment, indicator)
),
-- Each distinct value once, with how many customers have it, fewer and in
-- all: the percentile's counts from one sort of the distinct values instead
-- of two windows over every row (a rank and a count per value).
value_counts AS (
    SELECT segment AS c_segment, indicator AS c_indicator, raw_value AS c_value, n_equal,
           coalesce(sum(n_equal) OVER (PARTITION BY segment, indicator ORDER BY raw_value
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::BIGINT AS n_below,
           sum(n_equal) OVER (PARTITION BY segment, indicator)::BIGINT AS n_with_data
    FROM (SELECT segment, indicator, raw_value, count(*) AS n_equal
          FROM indicator_values WHERE raw_value IS NOT NULL GROUP BY segment, indicator, raw_value)
),
ranked AS (
    SELECT v.*, c.n_with_data, c.n_below, c.n_equal, s.mean, s.sd
    FROM indicator_values v
    LEFT JOIN value_counts c ON c.c_segment IS NOT DISTINCT FROM v.segment AND c.c_indicator = v.indicator AND c.c_value = v.raw_value
    LEFT JOIN stats s ON s.stats_segment IS NOT DISTINCT FROM v.segment AND s.stats_indicator = v.indicator
),
-- Only threshold indicators look up their band: DuckDB plans an ASOF join
-- with a small right side as a nested loop and a grouping of every left
-- row, which over all indicators cost more than the rest of this statement.
banded AS (
    SELECT r.*, b.points
    FROM (SELECT * FROM ranked WHERE norm_method = 'thresholds') r
    ASOF LEFT JOIN model_bands b ON b.segment = r.segment AND b.indicator = r.indicator AND r.raw_value >= b.from_value
    UNION ALL BY NAME
    SELECT *, NULL::DOUBLE AS points FROM ranked WHERE norm_method IS DISTINCT FROM 'thresholds'
),
normalized AS (
    SELECT *,
           CASE norm_method
               WHEN 'thresholds' THEN coalesce(points, 0) / 100.0
               ELSE (CASE WHEN higher_is_better THEN p ELSE 1 - p END)
           END AS norm_data
    FROM (
        SELECT *,
               CASE norm_method
                   WHEN 'minmax' THEN CASE WHEN norm_high > norm_low
                                           THEN greatest(0.0, least(1.0, (raw_value - norm_low) / (norm_high - norm_low)))
                                           ELSE 0.5 END
                   WHEN 'zscore' THEN CASE WHEN sd > 0 THEN accord_phi((raw_value - mean) / sd) ELSE 0.5 END
                   ELSE CASE WHEN n_with_data = 1 THEN 0.5
                             ELSE (n_below + (n_equal - 1) / 2.0) / (n_with_data - 1) END
               END AS p
        FROM banded
    )
),
policed AS (
    SELECT *,
           raw_value IS NULL AS missing,
           raw_value IS NULL AND missing_policy = 'exclude' AS excluded,
           CASE WHEN raw_value IS NOT NULL THEN norm_data
                WHEN missing_policy = 'worst' THEN 0.0
                ELSE 0.5 END AS norm
    FROM normalized
)
SELECT customer_id, segment, weight_id, group_name, group_weight, indicator, pair, grp, weight, raw_value, norm,
       missing, excluded, norm_method
FROM policed;

-- name: ScoreContributions
-- Weighs the normalized indicators: an excluded indicator's weight goes to
-- the customer's others, in proportion. SensitivityTiers repeats this
-- arithmetic for its variants: a change here must be made there too.
CREATE OR REPLACE TEMP TABLE scored_contributions AS
WITH reweighted AS (
    SELECT *,
           CASE WHEN excluded THEN 0.0
                ELSE weight / nullif(1 - sum(CASE WHEN excluded THEN weight ELSE 0 END) OVER (PARTITION BY customer_id), 0)
           END AS effective_weight
    FROM normalized_indicators
)
SELECT customer_id, segment, group_name, group_weight, indicator, raw_value, norm AS normalized,
       coalesce(effective_weight, 0.0) AS weight,
       100 * coalesce(effective_weight, 0.0) * norm AS contribution,
       missing, excluded, norm_method AS normalization, pair, grp
FROM reweighted;

-- name: ComputeCustomerValue
-- Sums run in a fixed order so a score is the same to the last bit on every
-- run: each customer's contributions are gathered into one list sorted by
-- group and indicator (their numbers in model_pairs), and every sum runs
-- over it in that order (one sort per customer; an ORDER BY inside each of
-- nine aggregates cost about five times as much). Tiers are assigned per segment among rated customers
-- (coverage at least min_coverage); an active manual override (not expired
-- on the as-of date) wins and is kept beside the computed tier.
-- SensitivityTiers repeats the score's sum and the positions for its
-- variants: a change here must be made there too.
CREATE OR REPLACE TEMP TABLE scored_customers AS
WITH gathered AS (
    SELECT customer_id, any_value(segment) AS segment,
           avg(CASE WHEN missing THEN 0.0 ELSE 1.0 END) AS coverage,
           list_sort(list({'p': pair, 'g': grp, 'c': contribution, 'w': weight, 'wn': weight * normalized})) AS items
    FROM scored_contributions
    GROUP BY customer_id
),
group_ids AS (
    SELECT max(grp) FILTER (WHERE group_name = 'economic') AS economic,
           max(grp) FILTER (WHERE group_name = 'loyalty') AS loyalty,
           max(grp) FILTER (WHERE group_name = 'service_effect') AS service_effect,
           max(grp) FILTER (WHERE group_name = 'characteristics') AS characteristics
    FROM model_pairs
),
per_customer AS (
    SELECT customer_id, segment, coverage,
           list_sum(list_transform(items, lambda x: x.c)) AS score,
           accord_group_score(items, g.economic) AS economic,
           accord_group_score(items, g.loyalty) AS loyalty,
           accord_group_score(items, g.service_effect) AS service_effect,
           accord_group_score(items, g.characteristics) AS characteristics
    FROM gathered, group_ids g
),
positioned AS (
    SELECT pc.*, coverage >= getvariable('min_coverage')::DOUBLE AS rated,
           row_number() OVER (PARTITION BY segment ORDER BY score DESC, customer_id) AS rank,
           -- rank(), not row_number(): equal scores share a position and so a
           -- tier, instead of being dealt across tiers in customer-id order.
           rank() OVER (PARTITION BY segment, coverage >= getvariable('min_coverage')::DOUBLE ORDER BY score DESC) AS position,
           count(*) OVER (PARTITION BY segment, coverage >= getvariable('min_coverage')::DOUBLE) AS n,
           min(score) OVER (PARTITION BY segment, coverage >= getvariable('min_coverage')::DOUBLE) AS low,
           max(score) OVER (PARTITION BY segment, coverage >= getvariable('min_coverage')::DOUBLE) AS high
    FROM per_customer pc
),
tiered AS (
    SELECT p.*, accord_tier(p.rated, t.method, t.a, t.b, t.c, p.score, p.position, p.n, p.low, p.high) AS computed_tier
    FROM positioned p JOIN model_tiers t USING (segment)
),
active_overrides AS (
    SELECT * FROM tier_overrides WHERE expires_at >= getvariable('as_of')::DATE
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of,
       t.customer_id, e.name, e.industry, e.region, e.account_owner, t.segment,
       t.score, coalesce(o.tier, t.computed_tier) AS tier, t.computed_tier,
       o.tier AS override_tier, o.reason AS override_reason, o.owner AS override_owner, o.expires_at AS override_expires,
       t.rank, t.coverage, t.economic, t.loyalty, t.service_effect, t.characteristics,
       e.revenue_12m, e.service_cost_12m, e.revenue_12m - e.service_cost_12m AS value_added_profit
FROM tiered t
JOIN customer_economics e USING (customer_id)
LEFT JOIN active_overrides o USING (customer_id)
ORDER BY t.segment, t.rank;

-- name: InsertCustomerValue
INSERT INTO customer_value BY NAME SELECT * FROM scored_customers;

-- name: InsertContributions
INSERT INTO value_contributions BY NAME
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, customer_id, segment, group_name,
       indicator, raw_value, normalized, weight, contribution, missing, excluded, normalization
FROM scored_contributions
ORDER BY customer_id, group_name, indicator;

-- name: InsertModelUsed
INSERT INTO model_used BY NAME
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, segment, group_name, group_weight,
       indicator, weight, CASE WHEN higher_is_better THEN 'higher' ELSE 'lower' END AS direction,
       CASE norm_method WHEN 'minmax' THEN printf('minmax (winsorized at the %g and %g quantiles)', norm_q_low, norm_q_high)
                        ELSE norm_method END AS normalization,
       window_months, missing_policy, weight_method, available
FROM model_weights
ORDER BY segment, group_name, indicator;

-- name: CompareWithPrevious
-- Each customer's previous tier and score (the latest earlier as-of date),
-- how stable its tier has been over up to 8 runs, and its value vs
-- cost-to-serve quadrant (split at the medians of this run).
UPDATE customer_value cv SET
    previous_tier = x.previous_tier,
    previous_score = x.previous_score,
    tier_stability = x.stability,
    quadrant = x.quadrant
FROM (
    SELECT now.customer_id, prev.tier AS previous_tier, prev.score AS previous_score, stab.stability,
           -- No quadrant where value or cost does not vary (no service cost
           -- recorded for anyone would make every low scorer a "drain"), and a
           -- customer that cost nothing is never a drain or partner.
           CASE WHEN max(now.service_cost_12m) OVER () IS NOT DISTINCT FROM min(now.service_cost_12m) OVER ()
                  OR max(now.score) OVER () = min(now.score) OVER () THEN NULL
                WHEN now.score >= median(now.score) OVER () AND now.service_cost_12m >= median(now.service_cost_12m) OVER ()
                  AND now.service_cost_12m > 0 THEN 'partner'
                WHEN now.score >= median(now.score) OVER () THEN 'low-touch'
                WHEN now.service_cost_12m >= median(now.service_cost_12m) OVER () AND now.service_cost_12m > 0 THEN 'drain'
                ELSE 'marginal' END AS quadrant
    FROM customer_value now
    LEFT JOIN (
        SELECT customer_id, tier, score FROM customer_value
        WHERE as_of = (SELECT max(as_of) FROM customer_value WHERE as_of < getvariable('as_of')::DATE)
    ) prev USING (customer_id)
    LEFT JOIN (
        SELECT h.customer_id, avg(CASE WHEN h.tier = c.tier THEN 1.0 ELSE 0.0 END) AS stability
        FROM customer_value h
        JOIN customer_value c ON c.customer_id = h.customer_id AND c.run_id = getvariable('run_id')::BIGINT
        WHERE h.as_of IN (SELECT DISTINCT as_of FROM customer_value WHERE as_of <= getvariable('as_of')::DATE ORDER BY as_of DESC LIMIT 8)
        GROUP BY h.customer_id
    ) stab USING (customer_id)
    WHERE now.run_id = getvariable('run_id')::BIGINT
) x
WHERE cv.run_id = getvariable('run_id')::BIGINT AND cv.customer_id = x.customer_id;

-- name: InsertMovers
-- Tier changes and the largest score moves since the previous as-of date,
-- with the indicators that moved each score most up and down.
INSERT INTO movers BY NAME
WITH prev_date AS (
    SELECT max(as_of) AS d FROM customer_value WHERE as_of < getvariable('as_of')::DATE
),
moves AS (
    SELECT cv.customer_id, cv.name, cv.previous_tier, cv.tier, cv.previous_score, cv.score,
           cv.score - cv.previous_score AS change
    FROM customer_value cv
    WHERE cv.run_id = getvariable('run_id')::BIGINT AND cv.previous_score IS NOT NULL
),
picked AS (
    SELECT * FROM moves
    QUALIFY previous_tier IS DISTINCT FROM tier OR row_number() OVER (ORDER BY abs(change) DESC, customer_id) <= 50
),
drivers AS (
    SELECT n.customer_id, n.indicator, n.contribution - coalesce(o.contribution, 0) AS delta
    FROM value_contributions n
    LEFT JOIN value_contributions o ON o.customer_id = n.customer_id AND o.indicator = n.indicator
        AND o.as_of = (SELECT d FROM prev_date)
    WHERE n.run_id = getvariable('run_id')::BIGINT AND n.customer_id IN (SELECT customer_id FROM picked)
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, (SELECT d FROM prev_date) AS previous_as_of,
       p.customer_id, p.name, p.previous_tier, p.tier, p.previous_score, p.score, p.change,
       (SELECT printf('%s %+.1f', indicator, delta) FROM drivers d WHERE d.customer_id = p.customer_id AND delta >= 0.05
        ORDER BY delta DESC, indicator LIMIT 1) AS top_up,
       (SELECT printf('%s %+.1f', indicator, delta) FROM drivers d WHERE d.customer_id = p.customer_id AND delta <= -0.05
        ORDER BY delta ASC, indicator LIMIT 1) AS top_down
FROM picked p
ORDER BY abs(p.change) DESC, p.customer_id;

-- name: OwnerDrainSelect
-- Per run and account owner, over the rows of customer_value in the
-- relation drain_customers (the caller names it: a run's customers here, a
-- recipient's customers in a filtered report).
SELECT run_id, as_of, coalesce(account_owner, '(none)') AS account_owner, count(*) AS customers,
       CAST(sum(revenue_12m) AS DECIMAL(18,2)) AS revenue_12m,
       CAST(sum(service_cost_12m) AS DECIMAL(18,2)) AS service_cost_12m,
       CAST(sum(value_added_profit) AS DECIMAL(18,2)) AS value_added_profit,
       count(*) FILTER (WHERE tier = 'A') AS tier_a,
       count(*) FILTER (WHERE quadrant = 'drain') AS drains
FROM drain_customers
GROUP BY run_id, as_of, coalesce(account_owner, '(none)')

-- name: EvidenceSpearman
-- Spearman rank correlation (ties at average ranks) of score and
-- value-added profit, per segment.
INSERT INTO model_evidence BY NAME
WITH ranked AS (
    SELECT segment,
           rank() OVER (PARTITION BY segment ORDER BY score) + (count(*) OVER (PARTITION BY segment, score) - 1) / 2.0 AS r_score,
           rank() OVER (PARTITION BY segment ORDER BY value_added_profit)
               + (count(*) OVER (PARTITION BY segment, value_added_profit) - 1) / 2.0 AS r_profit,
           value_added_profit
    FROM customer_value WHERE run_id = getvariable('run_id')::BIGINT
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, segment,
       -- Rounded: corr's floating sums depend on the order rows arrive in,
       -- and a report must not change when only the input order does.
       -- Without spread in either ranking there is no correlation: corr
       -- gives NaN, which must not be shown as a number.
       'spearman_value_added_profit' AS metric,
       CASE WHEN count(*) >= 3 AND count(value_added_profit) = count(*) AND var_pop(r_score) > 0 AND var_pop(r_profit) > 0
            THEN round(corr(r_score, r_profit), 12) END AS value,
       CASE WHEN count(value_added_profit) < count(*) THEN 'not available: value-added profit is unknown without a tickets source (no service cost)'
            WHEN count(*) < 3 THEN printf('not available: %d customers scored, a rank correlation needs at least 3', count(*))
            WHEN NOT var_pop(r_score) > 0 THEN printf('not available: all %d customers have the same score', count(*))
            WHEN NOT var_pop(r_profit) > 0 THEN printf('not available: all %d customers have the same value-added profit (revenue minus service cost)', count(*))
            ELSE printf('rank correlation of score and value-added profit over %d customers', count(*)) END AS detail
FROM ranked GROUP BY segment ORDER BY segment;

-- name: SensitivityTiers
-- Scores and tiers every variant of the sensitivity check in one pass, as
-- ScoreContributions and ComputeCustomerValue would with the variant's
-- weights, to the last bit: the same arithmetic summed in the same order,
-- the same windows, accord_tier. Re-scoring each variant in full cost most
-- of a run's evidence step.
-- sensitivity_variants (variant_id, segment, shifted_group, metric, detail,
-- has_data, and per weight of the segment weight_id, group_name, indicator,
-- weight) is filled by the pipeline. Only the variant's segment is scored:
-- tiers are per segment, so no other customer's tier can move. Variants of
-- a group without data are not scored: their evidence is not available.
-- Normalization does not depend on the weights, so normalized_indicators
-- (of the run's base weights) serves every variant.
-- Weights are matched by position: indicator names are unique within a
-- segment's model (config validates it) and every customer has one row per
-- weight of its segment (IndicatorValues), so the k-th item of a customer's
-- list sorted by group and indicator belongs to the k-th weight of its
-- segment's variant sorted the same way. A mismatch stops the run rather
-- than count the wrong tiers.
CREATE OR REPLACE TEMP TABLE sensitivity_tiers AS
WITH variants AS (
    SELECT variant_id, any_value(segment) AS segment,
           list(weight_id ORDER BY group_name, indicator) AS ids,
           list(weight ORDER BY group_name, indicator) AS w
    FROM sensitivity_variants
    WHERE has_data
    GROUP BY variant_id
),
customers AS (
    SELECT customer_id, any_value(segment) AS segment,
           avg(CASE WHEN missing THEN 0.0 ELSE 1.0 END) >= getvariable('min_coverage')::DOUBLE AS rated,
           list_sort(list({'p': pair, 'id': weight_id, 'n': norm, 'x': excluded})) AS items
    FROM normalized_indicators
    GROUP BY customer_id
),
kept AS (
    -- The share of the weights not excluded, as ScoreContributions' window
    -- sums it (exact in any order for up to two excluded indicators).
    SELECT v.variant_id, c.customer_id, c.segment, c.rated, c.items, v.ids, v.w,
           1 - list_sum(list_transform(c.items, lambda x, k: CASE WHEN x.x THEN v.w[k] ELSE 0 END)) AS kept
    FROM customers c JOIN variants v USING (segment)
),
scored AS (
    SELECT variant_id, customer_id, segment, rated,
           list_sum(list_transform(items, lambda x, k:
               CASE WHEN x.id = ids[k]
                    THEN 100 * coalesce(CASE WHEN x.x THEN 0.0 ELSE w[k] / nullif(kept, 0) END, 0.0) * x.n
                    ELSE error('sensitivity: customer ' || customer_id || ' has weight ' || x.id::VARCHAR
                               || ' where its segment has weight ' || coalesce(ids[k]::VARCHAR, 'none')) END)) AS score
    FROM kept
),
positioned AS (
    SELECT *,
           rank() OVER (PARTITION BY variant_id, rated ORDER BY score DESC) AS position,
           count(*) OVER (PARTITION BY variant_id, rated) AS n,
           min(score) OVER (PARTITION BY variant_id, rated) AS low,
           max(score) OVER (PARTITION BY variant_id, rated) AS high
    FROM scored
)
SELECT p.variant_id, p.customer_id, p.score,
       accord_tier(p.rated, t.method, t.a, t.b, t.c, p.score, p.position, p.n, p.low, p.high) AS computed_tier
FROM positioned p JOIN model_tiers t USING (segment);

-- name: EvidenceSensitivity
-- One row per variant of sensitivity_variants, in their order: the
-- customers of its segment whose computed tier in sensitivity_tiers differs
-- from base_tiers (the run's). A group none of whose indicators has data in
-- this run (its sources are not configured) gives every customer the same
-- share, so moving its weight changes no tier by construction: the value is
-- NULL and the detail says why, rather than a count of 0 that reads as
-- "stable".
INSERT INTO model_evidence BY NAME
WITH variants AS (
    SELECT variant_id, any_value(segment) AS segment, any_value(shifted_group) AS shifted_group,
           any_value(metric) AS metric, any_value(detail) AS detail, any_value(has_data) AS has_data
    FROM sensitivity_variants
    GROUP BY variant_id
),
changed AS (
    SELECT s.variant_id, count(*) FILTER (WHERE b.computed_tier <> s.computed_tier) AS n
    FROM sensitivity_tiers s JOIN base_tiers b USING (customer_id)
    GROUP BY s.variant_id
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, v.segment, v.metric,
       CASE WHEN v.has_data THEN coalesce(c.n, 0)::DOUBLE END AS value,
       CASE WHEN v.has_data THEN v.detail
            ELSE 'not available: no indicator of group ' || v.shifted_group || ' has data in this run (its sources are not configured)' END AS detail
FROM variants v LEFT JOIN changed c USING (variant_id)
ORDER BY v.variant_id;

-- name: EvidenceLift
-- Tier A against tier D, with tiers as scored at the back-test date (the
-- parameter), on what customers did from then to the as-of date: bought
-- again (any product or license billing) and paid on time (share of the
-- amount of invoices due then that was paid by the due date).
INSERT INTO model_evidence BY NAME
WITH p AS (SELECT ?::DATE AS past, getvariable('as_of')::DATE AS as_of),
outcome AS (
    SELECT s.segment, s.computed_tier AS tier, s.customer_id,
           EXISTS (SELECT 1 FROM billing_lines b, p WHERE b.customer_id = s.customer_id AND b.category IN ('product', 'license')
                   AND b.issued_at > p.past AND b.issued_at <= p.as_of) AS bought
    FROM scored_customers s
),
on_time AS (
    SELECT s.segment, s.computed_tier AS tier,
           sum(least(i.amount, coalesce((SELECT sum(pay.amount) FROM ar_payments pay WHERE pay.invoice_id = i.invoice_id AND pay.paid_at <= i.due_at), 0)))
             / nullif(sum(i.amount), 0) AS rate
    FROM scored_customers s JOIN ar_invoices i USING (customer_id), p
    WHERE i.due_at > p.past AND i.due_at <= p.as_of
    GROUP BY ALL
),
rates AS (
    SELECT o.segment,
           avg(CASE WHEN bought THEN 1.0 ELSE 0.0 END) FILTER (WHERE o.tier = 'A') AS buy_a,
           avg(CASE WHEN bought THEN 1.0 ELSE 0.0 END) FILTER (WHERE o.tier = 'D') AS buy_d,
           any_value(t_a.rate) AS pay_a, any_value(t_d.rate) AS pay_d
    FROM outcome o
    LEFT JOIN on_time t_a ON t_a.segment = o.segment AND t_a.tier = 'A'
    LEFT JOIN on_time t_d ON t_d.segment = o.segment AND t_d.tier = 'D'
    GROUP BY o.segment
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, segment, metric, value, detail
FROM rates, p,
LATERAL (VALUES
    ('lift_repurchase', buy_a / nullif(buy_d, 0),
     printf('bought again since %s: tier A %.0f%%, tier D %.0f%% (tiers as scored on %s)', p.past, 100 * buy_a, 100 * buy_d, p.past)),
    ('lift_on_time', pay_a / nullif(pay_d, 0),
     CASE WHEN NOT list_contains(getvariable('configured_sources'), 'ar_invoices')
          THEN 'not available: no ar_invoices source is configured'
          WHEN NOT list_contains(getvariable('configured_sources'), 'ar_payments')
          THEN 'not available: no ar_payments source is configured'
          WHEN pay_a IS NULL OR pay_d IS NULL
          THEN printf('not available: no invoice of tier %s customers fell due since %s', CASE WHEN pay_a IS NULL THEN 'A' ELSE 'D' END, p.past)
          WHEN pay_d = 0
          THEN printf('not available: tier D paid nothing on time since %s (nothing to divide by)', p.past)
          ELSE printf('paid on time since %s: tier A %.0f%%, tier D %.0f%% of the amount due', p.past, 100 * pay_a, 100 * pay_d) END)
) AS v(metric, value, detail)
ORDER BY segment, metric;
