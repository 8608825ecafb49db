-- Tables Accord keeps besides the canonical ones (which the pipeline creates
-- from config.CanonicalTables). Every result row carries the run that made it
-- and its as-of date; a rerun for the same as-of date replaces that date's rows.

-- name: CreateSchema
CREATE TABLE IF NOT EXISTS accord_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE SEQUENCE IF NOT EXISTS run_ids START 1;
CREATE TABLE IF NOT EXISTS runs (
    run_id       BIGINT PRIMARY KEY,
    job          VARCHAR NOT NULL,
    as_of        DATE NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    config_path  VARCHAR NOT NULL,
    config_hash  VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,   -- running, succeeded, failed, unchanged
    error        VARCHAR,
    timings      VARCHAR,            -- JSON: stage -> milliseconds
    report_dir   VARCHAR,
    -- Added by MigrateSchema to databases made before them, in this order.
    input_fingerprint VARCHAR,
    carried_from      BIGINT,
    results_pruned_at TIMESTAMP,
    results_replaced_by BIGINT
);
CREATE TABLE IF NOT EXISTS run_inputs (
    run_id        BIGINT NOT NULL,
    source        VARCHAR NOT NULL,
    file          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    size_bytes    BIGINT NOT NULL,
    encoding      VARCHAR NOT NULL,
    rows_read     BIGINT NOT NULL,
    rows_loaded   BIGINT,            -- the file's rows in the canonical table; NULL: see run_sources
    rows_rejected BIGINT NOT NULL,
    duplicates    BIGINT NOT NULL,   -- the file's exact duplicate rows dropped
    is_new        BOOLEAN NOT NULL,
    extra_columns VARCHAR            -- headers the mapping does not use, comma-separated
);
-- What each source of a run loaded, in all: run_inputs' per-file rows add up
-- to these, except rows_loaded of a transform whose output rows carry no
-- __file (NULL per file there: they belong to no one file).
CREATE TABLE IF NOT EXISTS run_sources (
    run_id        BIGINT NOT NULL,
    source        VARCHAR NOT NULL,
    files         BIGINT NOT NULL,
    rows_read     BIGINT NOT NULL,
    rows_loaded   BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    duplicates    BIGINT NOT NULL
);
-- Rows whose reference names nothing loaded (a ticket for an unknown
-- customer): loaded, but reported.
CREATE TABLE IF NOT EXISTS orphans (
    run_id      BIGINT NOT NULL,
    source      VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    value       VARCHAR NOT NULL,
    parent      VARCHAR NOT NULL,
    rows        BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (
    run_id      BIGINT NOT NULL,
    source      VARCHAR NOT NULL,
    file        VARCHAR NOT NULL,
    line        BIGINT,
    column_name VARCHAR,
    value       VARCHAR,
    reason      VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_value (
    run_id             BIGINT NOT NULL,
    as_of              DATE NOT NULL,
    customer_id        VARCHAR NOT NULL,
    name               VARCHAR,
    industry           VARCHAR,
    region             VARCHAR,
    account_owner      VARCHAR,
    segment            VARCHAR NOT NULL,
    score              DOUBLE NOT NULL,
    tier               VARCHAR NOT NULL,  -- A..D, or unrated; a manual override wins
    computed_tier      VARCHAR NOT NULL,
    override_tier      VARCHAR,
    override_reason    VARCHAR,
    override_owner     VARCHAR,
    override_expires   DATE,
    rank               INTEGER NOT NULL,  -- within the segment, 1 = best
    coverage           DOUBLE NOT NULL,
    economic           DOUBLE,
    loyalty            DOUBLE,
    service_effect     DOUBLE,
    characteristics    DOUBLE,
    revenue_12m        DECIMAL(18,2) NOT NULL,
    service_cost_12m   DECIMAL(18,2),     -- NULL without a tickets source: unknown, not 0
    value_added_profit DECIMAL(18,2),
    quadrant           VARCHAR,           -- value vs cost to serve: partner, drain, low-touch, marginal
    previous_tier      VARCHAR,
    previous_score     DOUBLE,
    tier_stability     DOUBLE             -- share of the last runs (up to 8) with today's tier
);
CREATE TABLE IF NOT EXISTS value_contributions (
    run_id        BIGINT NOT NULL,
    as_of         DATE NOT NULL,
    customer_id   VARCHAR NOT NULL,
    segment       VARCHAR NOT NULL,
    group_name    VARCHAR NOT NULL,
    indicator     VARCHAR NOT NULL,
    raw_value     DOUBLE,
    normalized    DOUBLE NOT NULL,
    weight        DOUBLE NOT NULL,   -- effective: excluded indicators' weight spread over the rest
    contribution  DOUBLE NOT NULL,
    missing       BOOLEAN NOT NULL,
    excluded      BOOLEAN NOT NULL,
    normalization VARCHAR NOT NULL
);
-- The model a run actually used: every weight after derivation, every
-- indicator's normalization and window. Reports state it.
CREATE TABLE IF NOT EXISTS model_used (
    run_id         BIGINT NOT NULL,
    as_of          DATE NOT NULL,
    segment        VARCHAR NOT NULL,
    group_name     VARCHAR NOT NULL,
    group_weight   DOUBLE NOT NULL,
    indicator      VARCHAR NOT NULL,
    weight         DOUBLE NOT NULL,
    direction      VARCHAR NOT NULL,
    normalization  VARCHAR NOT NULL,
    window_months  INTEGER NOT NULL,
    missing_policy VARCHAR NOT NULL,
    weight_method  VARCHAR NOT NULL,
    available      BOOLEAN NOT NULL
);
-- Evidence that the index works, per run: named metrics with a detail text.
CREATE TABLE IF NOT EXISTS model_evidence (
    run_id  BIGINT NOT NULL,
    as_of   DATE NOT NULL,
    segment VARCHAR NOT NULL,
    metric  VARCHAR NOT NULL,
    value   DOUBLE,
    detail  VARCHAR
);
CREATE TABLE IF NOT EXISTS movers (
    run_id         BIGINT NOT NULL,
    as_of          DATE NOT NULL,
    previous_as_of DATE NOT NULL,
    customer_id    VARCHAR NOT NULL,
    name           VARCHAR,
    previous_tier  VARCHAR,
    tier           VARCHAR NOT NULL,
    previous_score DOUBLE,
    score          DOUBLE NOT NULL,
    change         DOUBLE NOT NULL,
    top_up         VARCHAR,   -- indicator that moved the score up most, with its change
    top_down       VARCHAR
);
CREATE TABLE IF NOT EXISTS owner_drain (
    run_id             BIGINT NOT NULL,
    as_of              DATE NOT NULL,
    account_owner      VARCHAR NOT NULL,
    customers          BIGINT NOT NULL,
    revenue_12m        DECIMAL(18,2) NOT NULL,
    service_cost_12m   DECIMAL(18,2),     -- NULL without a tickets source: unknown, not 0
    value_added_profit DECIMAL(18,2),
    tier_a             BIGINT NOT NULL,
    drains             BIGINT NOT NULL   -- customers in the drain quadrant
);
CREATE TABLE IF NOT EXISTS hotspots (
    run_id                       BIGINT NOT NULL,
    as_of                        DATE NOT NULL,
    rank                         INTEGER,   -- NULL: held back (too few installed units)
    product_id                   VARCHAR NOT NULL,
    product_name                 VARCHAR,
    component                    VARCHAR NOT NULL,
    region                       VARCHAR NOT NULL,
    failures                     BIGINT NOT NULL,
    installed_units              BIGINT NOT NULL,
    rate_per_100_per_year        DOUBLE,
    shrunk_rate_per_100_per_year DOUBLE,
    share                        DOUBLE NOT NULL,
    cumulative_share             DOUBLE,
    -- Rising: the window's faults against the group's own baseline windows
    -- (see Hotspots in transform.sql). NULL baseline and p-value: no
    -- baseline history, so the test does not apply and nothing is flagged.
    baseline_failures            BIGINT,
    current_exposure_share       DOUBLE,    -- p0: the window's share of the exposure
    rising_test                  VARCHAR,
    rising_p_value               DOUBLE,
    rising                       BOOLEAN NOT NULL,
    -- Repairs: fault tickets closed in the window, opened to closed.
    repairs                      BIGINT NOT NULL,
    mttr_hours                   DOUBLE,    -- NULL: none closed in the window
    median_repair_hours          DOUBLE,
    repeat_serials               BIGINT NOT NULL,  -- serials with 2+ faults in the window
    -- Benjamini–Hochberg q-value over the groups tested (a p-value and at
    -- least rising_min_failures faults); NULL for the others.
    rising_q_value               DOUBLE,
    -- Why the rising test did not apply: no_history (no baseline day in the
    -- export), not_installed_before (no installed unit-days in the
    -- baseline), too_few_faults (under rising_min_failures in the tested
    -- period); NULL when it did.
    rising_not_tested            VARCHAR,
    rising_period_months         INTEGER,   -- the test's period length
    -- Where the region comes from (HotspotRegions): ticket,
    -- ticket_or_customer (a ticket without one takes its customer's) or
    -- none (grouped by product × component under "(all regions)").
    region_basis                 VARCHAR
);
-- One row per serial (of one customer) with two or more fault tickets of
-- one product × component × region opened in the hot-spot window.
CREATE TABLE IF NOT EXISTS hotspot_repeats (
    run_id          BIGINT NOT NULL,
    as_of           DATE NOT NULL,
    product_id      VARCHAR NOT NULL,
    product_name    VARCHAR,
    component       VARCHAR NOT NULL,
    region          VARCHAR NOT NULL,
    serial_no       VARCHAR NOT NULL,
    customer_id     VARCHAR NOT NULL,
    name            VARCHAR,
    faults          BIGINT NOT NULL,
    first_opened_at TIMESTAMP NOT NULL,
    last_opened_at  TIMESTAMP NOT NULL,
    ticket_ids      VARCHAR NOT NULL    -- in the order opened
);
-- What the company cannot support: tickets resolved "unsupported" opened in
-- the hot-spot window (one row each), and per customer the products past
-- supported_until that are still installed or still raise tickets; each with
-- the customer's trailing-12-month revenue.
CREATE TABLE IF NOT EXISTS hotspot_unsupported (
    run_id          BIGINT NOT NULL,
    as_of           DATE NOT NULL,
    reason          VARCHAR NOT NULL,   -- unsupported_resolution, past_support
    product_id      VARCHAR,
    product_name    VARCHAR,
    supported_until DATE,
    customer_id     VARCHAR NOT NULL,
    name            VARCHAR,
    ticket_id       VARCHAR,            -- unsupported_resolution only
    opened_at       TIMESTAMP,          -- the ticket's; past_support: the latest ticket since support ended
    installed_units BIGINT,             -- the customer's units of the product as of the run
    tickets         BIGINT,             -- past_support: tickets opened after supported_until
    revenue_12m     DECIMAL(18,2) NOT NULL,
    component       VARCHAR             -- unsupported_resolution: the ticket's; past_support: NULL (the whole product)
);
-- The fault tickets of the hot-spot window (HotspotTickets in hotspots.sql):
-- the hot-spot page's drill-down.
CREATE TABLE IF NOT EXISTS hotspot_tickets (
    run_id       BIGINT NOT NULL,
    as_of        DATE NOT NULL,
    ticket_id    VARCHAR NOT NULL,
    product_id   VARCHAR NOT NULL,
    product_name VARCHAR,
    component    VARCHAR NOT NULL,
    region       VARCHAR NOT NULL,
    serial_no    VARCHAR,
    customer_id  VARCHAR NOT NULL,
    name         VARCHAR,
    opened_at    TIMESTAMP NOT NULL,
    closed_at    TIMESTAMP,
    effort_hours DOUBLE,
    severity     INTEGER,
    resolution   VARCHAR
);
-- Wear-out or early failure per product × component (hotspotWeibull in
-- pipeline/hotspot_forecast.go, units from WeibullUnits in hotspots.sql): a
-- two-parameter Weibull of unit age at failure, in days, fitted by maximum
-- likelihood with right-censoring. The fit's columns are NULL with
-- not_available saying why when it could not be made.
CREATE TABLE IF NOT EXISTS hotspot_weibull (
    run_id               BIGINT NOT NULL,
    as_of                DATE NOT NULL,
    product_id           VARCHAR NOT NULL,
    product_name         VARCHAR,
    component            VARCHAR NOT NULL,
    failures             BIGINT NOT NULL,  -- units whose first fault in the window has an age
    censored_units       BIGINT NOT NULL,  -- dated units with no fault in the window, at their age on the as-of date
    failures_without_age BIGINT NOT NULL,  -- faults whose unit has no installed_at (or none installed by the fault's day)
    beta                 DOUBLE,           -- shape
    beta_low             DOUBLE,           -- 95 % interval (profile likelihood)
    beta_high            DOUBLE,
    eta_days             DOUBLE,           -- characteristic life: 63.2 % have failed by this age, in days
    verdict              VARCHAR,          -- early_failures (β interval under 1), wear_out (over 1), random (contains 1)
    not_available        VARCHAR           -- no_installed_dates, too_few_failures, shape_not_bounded, no_fit; NULL when fitted
);
-- What service will face next (hotspotForecast in
-- pipeline/hotspot_forecast.go): per hot-spot group, the fault tickets and
-- engineer hours expected in the next window, with 95 % prediction
-- intervals, and one total row (scope 'total') against the capacity. kind
-- 'forecast' is made at the as-of date for (as_of, as_of + window];
-- 'backtest' was made at as_of − window from the data before it, for the
-- window that has since happened, with the fault tickets that did.
CREATE TABLE IF NOT EXISTS hotspot_forecast (
    run_id            BIGINT NOT NULL,
    as_of             DATE NOT NULL,
    kind              VARCHAR NOT NULL,  -- forecast, backtest
    scope             VARCHAR NOT NULL,  -- group, total
    forecast_at       DATE NOT NULL,     -- the date the forecast is made at
    period_end        DATE NOT NULL,     -- it covers (forecast_at, period_end]
    product_id        VARCHAR,           -- NULL on the total row
    product_name      VARCHAR,
    component         VARCHAR,
    region            VARCHAR,
    installed_units   BIGINT,
    basis_failures    BIGINT,            -- fault tickets in the window before forecast_at
    rate_per_100_per_year DOUBLE,        -- the shrunk rate the forecast uses, per installed unit-year of that window
    expected_tickets  DOUBLE,
    tickets_low       BIGINT,            -- 95 % prediction interval
    tickets_high      BIGINT,
    mean_effort_hours DOUBLE,
    effort_basis      VARCHAR,           -- group, all_faults (the group had none with hours), none (no fault ticket has hours)
    expected_hours    DOUBLE,
    hours_low         DOUBLE,
    hours_high        DOUBLE,
    capacity_hours    DOUBLE,            -- total row: engineer_hours per week × weeks of the period
    actual_tickets    BIGINT,            -- backtest: fault tickets opened in (forecast_at, period_end] on units installed by forecast_at
    not_available     VARCHAR            -- no_installed_units, not_forecast (no hot-spot row at forecast_at); NULL when forecast
);
-- The rising test's periods per hot-spot group (HotspotPeriods in
-- hotspots.sql): the trend the test compares, one row per group of the
-- run's hotspots and period observed.
CREATE TABLE IF NOT EXISTS hotspot_periods (
    run_id         BIGINT NOT NULL,
    as_of          DATE NOT NULL,
    product_id     VARCHAR NOT NULL,
    component      VARCHAR NOT NULL,
    region         VARCHAR NOT NULL,
    period         INTEGER NOT NULL,  -- 0: the latest (the tested period), 1, 2, …: earlier
    period_start   DATE NOT NULL,     -- the period is (period_start, period_end]
    period_end     DATE NOT NULL,
    observed_days  BIGINT NOT NULL,   -- its days on or after the export's first ticket
    failures       BIGINT NOT NULL,
    unit_days      DOUBLE,            -- installed unit-days; NULL when the group has no installed units
    rate_per_100_per_year DOUBLE      -- 100 · failures / (unit_days / 365.25); NULL without unit-days
);
CREATE TABLE IF NOT EXISTS ar_aging (
    run_id         BIGINT NOT NULL,
    as_of          DATE NOT NULL,
    customer_id    VARCHAR NOT NULL,
    name           VARCHAR,
    tier           VARCHAR,
    current_amount DECIMAL(18,2) NOT NULL,
    d1_30          DECIMAL(18,2) NOT NULL,
    d31_60         DECIMAL(18,2) NOT NULL,
    d61_90         DECIMAL(18,2) NOT NULL,
    d90_plus       DECIMAL(18,2) NOT NULL,
    total_open     DECIMAL(18,2) NOT NULL,
    dso            DOUBLE
);
-- Receivables KPIs as of the run date, one row for the portfolio and one per
-- tier (customer_value.tier of the run; 'unscored' for receivables of a
-- customer with no score row). Formulas and windows: queries/transform.sql ArKpis.
CREATE TABLE IF NOT EXISTS ar_kpis (
    run_id              BIGINT NOT NULL,
    as_of               DATE NOT NULL,
    scope               VARCHAR NOT NULL,  -- portfolio, tier
    tier                VARCHAR,           -- NULL in the portfolio row
    customers           BIGINT NOT NULL,   -- with open receivables
    open_amount         DECIMAL(18,2) NOT NULL,
    current_amount      DECIMAL(18,2) NOT NULL,
    overdue_amount      DECIMAL(18,2) NOT NULL,
    overdue_share       DOUBLE,
    credit_sales_90d    DECIMAL(18,2) NOT NULL,
    dso                 DOUBLE,
    best_possible_dso   DOUBLE,
    add_days            DOUBLE,
    beginning_open      DECIMAL(18,2) NOT NULL,
    cei                 DOUBLE,
    due_amount_90d      DECIMAL(18,2) NOT NULL,
    paid_on_time_amount DECIMAL(18,2) NOT NULL,
    on_time_rate        DOUBLE,
    open_invoices       BIGINT NOT NULL,
    overdue_invoices    BIGINT NOT NULL,
    issued_invoices_90d BIGINT NOT NULL,
    due_invoices_90d    BIGINT NOT NULL,
    on_time_invoices    BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS service_queue (
    run_id          BIGINT NOT NULL,
    as_of           DATE NOT NULL,
    rank            INTEGER NOT NULL,
    ticket_id       VARCHAR NOT NULL,
    customer_id     VARCHAR NOT NULL,
    name            VARCHAR,
    tier            VARCHAR,
    score           DOUBLE,
    severity        INTEGER,
    opened_at       TIMESTAMP NOT NULL,
    age_days        INTEGER NOT NULL,
    priority        DOUBLE NOT NULL,   -- score + severity points + waiting points
    estimated_hours DOUBLE,
    fits_capacity   BOOLEAN,           -- within this week's engineer hours, in rank order
    product_id      VARCHAR,
    component       VARCHAR,
    category        VARCHAR,
    reason          VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS reconciliation_exceptions (
    run_id      BIGINT NOT NULL,
    as_of       DATE NOT NULL,
    check_name  VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,   -- invoice or payment id
    reference   VARCHAR,            -- the other document it names (an unapplied payment's invoice)
    customer_id VARCHAR,
    amount_a    DECIMAL(18,2),
    amount_b    DECIMAL(18,2),
    difference  DECIMAL(18,2) NOT NULL
);
CREATE TABLE IF NOT EXISTS reconciliation_totals (
    run_id      BIGINT NOT NULL,
    as_of       DATE NOT NULL,
    check_name  VARCHAR NOT NULL,
    -- The totals are NULL for a check that was not checked: no zero stands
    -- for a figure that could not be computed.
    total_a     DECIMAL(18,2),
    total_b     DECIMAL(18,2),
    difference  DECIMAL(18,2),
    exceptions  BIGINT,
    explained   DECIMAL(18,2),           -- sum of the listed exceptions' differences
    ties        BOOLEAN,                 -- difference = explained, to the cent; NULL: not checked
    not_checked VARCHAR                  -- why the check could not run (a source it needs is absent or empty)
);

-- name: MigrateSchema
-- Columns added to result tables after databases were created with the
-- table: appended, as in CreateSchema. Nullable here (DuckDB adds no NOT NULL
-- column), and NULL in rows written before: those runs never computed them.
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS baseline_failures BIGINT;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS current_exposure_share DOUBLE;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS rising_test VARCHAR;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS rising_p_value DOUBLE;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS rising BOOLEAN;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS repairs BIGINT;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS mttr_hours DOUBLE;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS median_repair_hours DOUBLE;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS repeat_serials BIGINT;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS rising_q_value DOUBLE;
ALTER TABLE reconciliation_totals ADD COLUMN IF NOT EXISTS not_checked VARCHAR;
ALTER TABLE reconciliation_totals ALTER COLUMN ties DROP NOT NULL;
ALTER TABLE customer_value ALTER COLUMN service_cost_12m DROP NOT NULL;
ALTER TABLE customer_value ALTER COLUMN value_added_profit DROP NOT NULL;
ALTER TABLE owner_drain ALTER COLUMN service_cost_12m DROP NOT NULL;
ALTER TABLE owner_drain ALTER COLUMN value_added_profit DROP NOT NULL;
ALTER TABLE reconciliation_totals ALTER COLUMN total_a DROP NOT NULL;
ALTER TABLE reconciliation_totals ALTER COLUMN total_b DROP NOT NULL;
ALTER TABLE reconciliation_totals ALTER COLUMN difference DROP NOT NULL;
ALTER TABLE reconciliation_totals ALTER COLUMN exceptions DROP NOT NULL;
ALTER TABLE reconciliation_totals ALTER COLUMN explained DROP NOT NULL;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS rising_not_tested VARCHAR;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS rising_period_months INTEGER;
ALTER TABLE hotspots ADD COLUMN IF NOT EXISTS region_basis VARCHAR;
ALTER TABLE run_inputs ALTER COLUMN rows_loaded DROP NOT NULL;
ALTER TABLE hotspot_unsupported ADD COLUMN IF NOT EXISTS component VARCHAR;

-- A run's input fingerprint (inputFingerprint in pipeline/fingerprint.go)
-- and, for a run that found nothing changed, the run whose results it
-- carried forward.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS input_fingerprint VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS carried_from BIGINT;
-- A source's fingerprint (sourceFingerprint in pipeline/fingerprint.go) and,
-- when the run kept the source's canonical table as an earlier run loaded
-- it (nothing it is made from changed), the run that read it.
ALTER TABLE run_sources ADD COLUMN IF NOT EXISTS fingerprint VARCHAR;
ALTER TABLE run_sources ADD COLUMN IF NOT EXISTS kept_from BIGINT;

-- When history.keep_runs removed the run's results (queries/retention.sql):
-- its result rows, orphans and rejects are gone, this row stays. NULL: the
-- results are there (or, for a failed run, its rejects).
ALTER TABLE runs ADD COLUMN IF NOT EXISTS results_pruned_at TIMESTAMP;
-- The later run of the same as-of date whose results replaced this run's
-- (a rerun clears the date's results first); NULL: not replaced.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS results_replaced_by BIGINT;

-- name: CreateMacros
-- The standard normal CDF, through Abramowitz & Stegun 7.1.26 for erf
-- (absolute error under 1.5e-7): DuckDB has no erf.
CREATE OR REPLACE TEMP MACRO accord_erf_pos(x) AS
    1 - (((((1.061405429 * (1 / (1 + 0.3275911 * x)) - 1.453152027) * (1 / (1 + 0.3275911 * x)) + 1.421413741)
          * (1 / (1 + 0.3275911 * x)) - 0.284496736) * (1 / (1 + 0.3275911 * x)) + 0.254829592) * (1 / (1 + 0.3275911 * x)))
        * exp(-x * x);
CREATE OR REPLACE TEMP MACRO accord_phi(z) AS
    0.5 * (1 + sign(z) * accord_erf_pos(abs(z) / sqrt(2)));
-- A group's score, 0..100, from a customer's contributions sorted by group
-- and indicator (see ComputeCustomerValue): its weighted mean of normalized
-- values, summed in list order. grp is the group's number in model_pairs.
CREATE OR REPLACE TEMP MACRO accord_group_score(items, grp) AS
    100 * list_sum(list_transform(list_filter(items, lambda x: x.g = grp), lambda x: x.wn))
        / nullif(list_sum(list_transform(list_filter(items, lambda x: x.g = grp), lambda x: x.w)), 0);
-- A customer's computed tier from its place among the rated customers of
-- its segment (see ComputeCustomerValue). One definition, because the
-- sensitivity check (SensitivityTiers) must tier its variants exactly as a
-- run tiers its customers.
CREATE OR REPLACE TEMP MACRO accord_tier(rated, method, a, b, c, score, pos, n, low, high) AS
    CASE WHEN NOT rated THEN 'unrated'
         WHEN method = 'fixed' THEN CASE WHEN score >= a THEN 'A' WHEN score >= b THEN 'B'
                                         WHEN score >= c THEN 'C' ELSE 'D' END
         -- When every rated score of a segment is the same, quantiles
         -- cannot tell its customers apart: no tier is given.
         WHEN n > 1 AND low = high THEN 'unrated'
         ELSE CASE WHEN pos <= floor(a * n + 1e-9) THEN 'A'
                   WHEN pos <= floor(b * n + 1e-9) THEN 'B'
                   WHEN pos <= floor(c * n + 1e-9) THEN 'C' ELSE 'D' END
    END;
-- Value parsing for exported text. Temporary: they live on the load's pinned
-- connection, so an old database never holds a stale definition.
CREATE OR REPLACE TEMP MACRO accord_text(s) AS nullif(trim(s), '');
-- A number as exported: currency symbols and any Unicode space removed, a
-- currency code in front dropped, (x) is -x, thousands separators only in
-- valid places, x% is x/100. NULL if invalid. Exact: DECIMAL all the way
-- (a DECIMAL divided by 100 would turn into DOUBLE; times 0.01 stays exact).
CREATE OR REPLACE TEMP MACRO accord_num_body(t) AS
    CASE WHEN t LIKE '(%)' THEN '-' || t[2:-2] ELSE t END;
CREATE OR REPLACE TEMP MACRO accord_num_clean(s) AS
    accord_num_body(regexp_replace(regexp_replace(s, '[¥￥$€£元\s\p{Z}\x{000B}]', '', 'g'), '^(RMB|CNY|USD|EUR)', ''));
CREATE OR REPLACE TEMP MACRO accord_number(s) AS (
    CASE
        WHEN accord_text(s) IS NULL THEN NULL
        WHEN regexp_full_match(accord_num_clean(s), '[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?|[+-]?\.\d+%?') THEN
            CASE WHEN accord_num_clean(s) LIKE '%\%' ESCAPE '\'
                 THEN TRY_CAST(replace(rtrim(accord_num_clean(s), '%'), ',', '') AS DECIMAL(36,10)) * 0.01
                 ELSE TRY_CAST(replace(accord_num_clean(s), ',', '') AS DECIMAL(36,10))
            END
    END);
-- A timestamp as exported: an explicit format if configured; else an Excel
-- serial day number; else ISO, Y/M/D, D.M.Y or 年月日, with or without time.
-- Day-first and month-first slash dates (03/04/2026) are deliberately absent:
-- they need a configured format.
CREATE OR REPLACE TEMP MACRO accord_timestamp_any(s, fmt) AS (
    CASE
        WHEN accord_text(s) IS NULL THEN NULL
        WHEN fmt IS NOT NULL THEN try_strptime(trim(s), fmt)
        WHEN regexp_full_match(trim(s), '\d{1,7}(\.\d+)?') THEN
            CASE WHEN TRY_CAST(trim(s) AS DOUBLE) BETWEEN 1 AND 2958465
                 THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(TRY_CAST(trim(s) AS DOUBLE) * 86400000000) AS BIGINT))
            END
        -- ISO, the common case, without trying the whole list of formats.
        WHEN regexp_full_match(trim(s), '\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?') THEN
            TRY_CAST(replace(trim(s), 'T', ' ') AS TIMESTAMP)
        -- Every default format has a four-digit year: strptime's %Y also takes
        -- 26 as the year 26, which an export never means.
        WHEN NOT regexp_matches(trim(s), '\d{4}') THEN NULL
        ELSE try_strptime(trim(s), [
            '%Y-%m-%d', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%SZ',
            '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S.%f',
            '%Y/%m/%d', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M',
            '%d.%m.%Y', '%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M',
            '%Y年%m月%d日', '%Y年%m月%d日 %H:%M:%S', '%Y年%m月%d日 %H:%M',
            '%Y%m%d'])
    END);
-- The shape of ISO as most exports write it, 2026-11-27 or 2026-11-27
-- 08:30:05, with a year from 1000 (the first digit 1-9): the cast reads it
-- exactly. Every other position must be a digit: the cast also reads a zone
-- or a stray letter ('00:00:0Z') that the general path refuses (FuzzDate
-- found it). One regular expression checks it in half the CPU of LIKE and
-- translate() (0.55 s against 1.1 s for 1M timestamps; translate rebuilds
-- every value).
CREATE OR REPLACE TEMP MACRO accord_iso_shape(s) AS
    regexp_full_match(s, '[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?');
-- The other default formats, by shape: a value shaped like exactly one of
-- them (checked with LIKE, far cheaper than the regular expressions and the
-- 17-format list) is read with that one format. The formats' separators and
-- lengths differ, so no earlier format of the list could read such a value;
-- a value the one format does not read takes the general path, so results
-- are the general path's (FuzzDate compares the two). A year of four
-- characters read by %Y is 1000..9999 when its first is 1-9: a byte
-- comparison instead of reading the value twice.
CREATE OR REPLACE TEMP MACRO accord_timestamp_shaped(s) AS (
    CASE
        WHEN s LIKE '____/__/__' THEN CASE WHEN s >= '1' THEN try_strptime(s, '%Y/%m/%d') END
        -- month or day of one digit (2024/3/26), as spreadsheets write them
        WHEN s LIKE '____/_/__' OR s LIKE '____/__/_' OR s LIKE '____/_/_' THEN CASE WHEN s >= '1' THEN try_strptime(s, '%Y/%m/%d') END
        WHEN s LIKE '____/__/__ __:__:__' THEN CASE WHEN s >= '1' THEN try_strptime(s, '%Y/%m/%d %H:%M:%S') END
        WHEN s LIKE '____/__/__ __:__' THEN CASE WHEN s >= '1' THEN try_strptime(s, '%Y/%m/%d %H:%M') END
        WHEN s LIKE '__.__.____' THEN CASE WHEN s[7] >= '1' THEN try_strptime(s, '%d.%m.%Y') END
        WHEN s LIKE '__.__.____ __:__:__' THEN CASE WHEN s[7] >= '1' THEN try_strptime(s, '%d.%m.%Y %H:%M:%S') END
        WHEN s LIKE '__.__.____ __:__' THEN CASE WHEN s[7] >= '1' THEN try_strptime(s, '%d.%m.%Y %H:%M') END
        WHEN s LIKE '____年__月__日' THEN CASE WHEN s >= '1' THEN try_strptime(s, '%Y年%m月%d日') END
        WHEN s LIKE '____-__-__T__:__:__' THEN CASE WHEN s >= '1' THEN try_strptime(s, '%Y-%m-%dT%H:%M:%S') END
        WHEN s LIKE '____-__-__ __:__' THEN CASE WHEN s >= '1' THEN try_strptime(s, '%Y-%m-%d %H:%M') END
    END);
-- Years before 1000 are misread short years (a configured %Y reads "13" as 13).
CREATE OR REPLACE TEMP MACRO accord_timestamp(s, fmt) AS (
    CASE WHEN fmt IS NULL AND accord_iso_shape(s) THEN TRY_CAST(s AS TIMESTAMP)
         -- coalesce evaluates the general path only where the shaped read is NULL
         ELSE coalesce(CASE WHEN fmt IS NULL THEN accord_timestamp_shaped(s) END,
                       CASE WHEN year(accord_timestamp_any(s, fmt)) BETWEEN 1000 AND 9999 THEN accord_timestamp_any(s, fmt) END) END);
