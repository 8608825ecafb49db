-- Tables Accord keeps besides the canonical ones (which the pipeline creates
-- from config.CanonicalTables). Every result row carries the run that made it
-- and its as-of date; a rerun for the same as-of date replaces that date's rows.

-- name: CreateSchema
CREATE SEQUENCE IF NOT EXISTS run_ids START 1;
CREATE TABLE IF NOT EXISTS runs (
    run_id       BIGINT PRIMARY KEY,
    job          VARCHAR NOT NULL,
    as_of        DATE NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    config_path  VARCHAR NOT NULL,
    config_hash  VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,   -- running, succeeded, failed
    error        VARCHAR,
    timings      VARCHAR,            -- JSON: stage -> milliseconds
    report_dir   VARCHAR
);
CREATE TABLE IF NOT EXISTS run_inputs (
    run_id        BIGINT NOT NULL,
    source        VARCHAR NOT NULL,
    file          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    size_bytes    BIGINT NOT NULL,
    encoding      VARCHAR NOT NULL,
    rows_read     BIGINT NOT NULL,
    rows_loaded   BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    duplicates    BIGINT NOT NULL,
    is_new        BOOLEAN NOT NULL,
    extra_columns VARCHAR            -- headers the mapping does not use, comma-separated
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
    score              DOUBLE NOT NULL,
    tier               VARCHAR NOT NULL,
    rank               INTEGER NOT NULL,
    coverage           DOUBLE NOT NULL,
    economic           DOUBLE NOT NULL,
    loyalty            DOUBLE NOT NULL,
    service_effect     DOUBLE NOT NULL,
    characteristics    DOUBLE NOT NULL,
    revenue_12m        DECIMAL(18,2) NOT NULL,
    service_cost_12m   DECIMAL(18,2) NOT NULL,
    value_added_profit DECIMAL(18,2) NOT NULL
);
CREATE TABLE IF NOT EXISTS value_contributions (
    run_id       BIGINT NOT NULL,
    as_of        DATE NOT NULL,
    customer_id  VARCHAR NOT NULL,
    group_name   VARCHAR NOT NULL,
    indicator    VARCHAR NOT NULL,
    raw_value    DOUBLE,
    normalized   DOUBLE NOT NULL,
    weight       DOUBLE NOT NULL,
    contribution DOUBLE NOT NULL,
    missing      BOOLEAN NOT NULL
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
    cumulative_share             DOUBLE
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
CREATE TABLE IF NOT EXISTS service_queue (
    run_id      BIGINT NOT NULL,
    as_of       DATE NOT NULL,
    rank        INTEGER NOT NULL,
    ticket_id   VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    name        VARCHAR,
    tier        VARCHAR,
    score       DOUBLE,
    severity    INTEGER,
    opened_at   TIMESTAMP NOT NULL,
    age_days    INTEGER NOT NULL,
    product_id  VARCHAR,
    component   VARCHAR,
    category    VARCHAR,
    reason      VARCHAR NOT NULL
);

-- name: CreateMacros
-- Value parsing for exported text. Temporary: they live on the load's pinned
-- connection, so an old database never holds a stale definition.
CREATE OR REPLACE TEMP MACRO accord_text(s) AS nullif(trim(s), '');
-- A number as exported: currency symbols and spaces removed, (x) is -x,
-- thousands separators only in valid positions, x% is x/100. NULL if invalid.
CREATE OR REPLACE TEMP MACRO accord_num_body(t) AS
    CASE WHEN t LIKE '(%)' THEN '-' || t[2:-2] ELSE t END;
CREATE OR REPLACE TEMP MACRO accord_num_clean(s) AS
    accord_num_body(regexp_replace(trim(s), '[¥￥$€£元\s\x{00A0}]|^(RMB|CNY|USD|EUR)', '', 'g'));
CREATE OR REPLACE TEMP MACRO accord_number(s) AS (
    CASE
        WHEN accord_text(s) IS NULL THEN NULL
        WHEN regexp_full_match(accord_num_clean(s), '[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?|[+-]?\.\d+%?') THEN
            CASE WHEN accord_num_clean(s) LIKE '%\%' ESCAPE '\'
                 THEN TRY_CAST(replace(rtrim(accord_num_clean(s), '%'), ',', '') AS DECIMAL(38,10)) / 100
                 ELSE TRY_CAST(replace(accord_num_clean(s), ',', '') AS DECIMAL(38,10))
            END
    END);
-- A timestamp as exported: an explicit format if configured; else an Excel
-- serial day number; else ISO, Y/M/D, D.M.Y or 年月日, with or without time.
-- Day-first and month-first slash dates (03/04/2026) are deliberately absent:
-- they need a configured format.
CREATE OR REPLACE TEMP MACRO accord_timestamp(s, fmt) AS (
    CASE
        WHEN accord_text(s) IS NULL THEN NULL
        WHEN fmt IS NOT NULL THEN try_strptime(trim(s), fmt)
        WHEN regexp_full_match(trim(s), '\d{1,7}(\.\d+)?') THEN
            CASE WHEN TRY_CAST(trim(s) AS DOUBLE) BETWEEN 1 AND 2958465
                 THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(TRY_CAST(trim(s) AS DOUBLE) * 86400000000) AS BIGINT))
            END
        ELSE try_strptime(trim(s), [
            '%Y-%m-%d', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%SZ',
            '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S.%f',
            '%Y/%m/%d', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M',
            '%d.%m.%Y', '%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M',
            '%Y年%m月%d日', '%Y年%m月%d日 %H:%M:%S', '%Y年%m月%d日 %H:%M',
            '%Y%m%d'])
    END);
