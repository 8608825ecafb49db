// Package reports renders one run's result tables, already in DuckDB, into a
// dated report folder. It reads the result tables only, never raw exports.
//
// # What Write creates
//
//	DIR/weekly.html   interactive page (ECharts, inlined; opens with no network)
//	DIR/weekly.xlsx   typed workbook, one sheet per result table
//	DIR/data/<table>.csv, DIR/data/<table>.parquet   the run's rows, for tools
//
// All three read one snapshot (one transaction). The same database content
// gives a byte-identical weekly.html and a workbook with identical cells.
//
// # weekly.html
//
// Summary KPIs (customers scored, customers per tier, total open receivables,
// overdue more than 90 days, the top failure hot-spot, open tickets, rejected
// rows); four charts with fixed container ids: chart_tiers (customers per
// tier), chart_value_cost (value score against 12-month service cost, one
// series per tier, customer name in the tooltip), chart_pareto (failures of
// the top 20 hot-spots with their cumulative share on a second axis) and
// chart_aging (receivables per aging bucket, stacked, per ar_aging.tier); the
// top 25 of the service queue; rejected rows counted by source and reason.
//
// go-echarts builds the chart options; the page itself is an html/template
// of this package, because go-echarts' renderer does not escape data for the
// <script> context, executes strings containing "__f__", and links the
// library from a CDN (see charts.go). The ECharts build is inlined from
// assets/echarts.min.js, which assets/fetch.sh fetches from the npm registry
// (pinned version, sha512 integrity and sha256): run it before building.
// Every data value is escaped for its context: html/template for tables,
// encoding/json (< > & as \u escapes) for chart options, with "__f__" and
// control characters removed from chart labels.
//
// # weekly.xlsx
//
// Sheets, in order, with English names in every language (headers are
// translated): Summary, Customers (customer_value), Contributions
// (value_contributions), Hot-spots (hotspots), Aging (ar_aging), Service
// queue (service_queue), Rejects (rejects). Each data sheet has one header row
// and one row per table row of the run, in the data-file order below, without
// the run_id and as_of columns (the Summary shows both). The header is frozen
// and has an autofilter. Numbers are number cells, dates date cells
// (yyyy-mm-dd; timestamps yyyy-mm-dd hh:mm), money number cells with
// Options.CurrencyFormat whose stored value is the exact decimal; a money
// value of more than 15 significant digits, which an Excel number cannot
// hold, is written as exact text and counted in the Summary notes. Text is
// always an inline string, never a formula; text starting with = + - @, TAB
// or CR is also prefixed with a single quote so copy-paste or CSV export
// cannot turn it into one. Text over 32,767 characters is cut and ends with
// a visible marker "…[cut: N of M characters shown]". A table of more than
// 1,048,575 rows continues on "Customers (2)" and so on, each with its own
// header, and the Summary says so. The Summary's totals are DuckDB SUMs over
// DECIMAL, so they tie to the cent with the Aging sheet.
//
// # Data files (the data contract)
//
// data/<table>.csv (UTF-8, comma, header row, RFC 4180 quoting, NULL as an
// empty field, dates ISO 8601, DECIMAL exact with two decimals) and
// data/<table>.parquet (same columns, DuckDB types) hold the run's rows only,
// ordered as listed. In the CSV only, text that starts with = + - @, TAB or
// CR is prefixed with a single quote; Parquet keeps the exact text.
//
//	customer_value: run_id, as_of, rank, customer_id, name, tier, score,
//	    coverage, economic, loyalty, service_effect, characteristics,
//	    revenue_12m, service_cost_12m, value_added_profit, industry, region,
//	    account_owner. Order: rank, customer_id.
//	value_contributions: run_id, as_of, customer_id, group_name, indicator,
//	    raw_value, normalized, weight, contribution, missing.
//	    Order: customer_id, group_name, indicator.
//	hotspots: run_id, as_of, rank, product_id, product_name, component,
//	    region, failures, installed_units, rate_per_100_per_year,
//	    shrunk_rate_per_100_per_year, share, cumulative_share.
//	    Order: rank, product_id, component, region.
//	ar_aging: run_id, as_of, customer_id, name, tier, current_amount, d1_30,
//	    d31_60, d61_90, d90_plus, total_open, dso. Order: customer_id.
//	service_queue: run_id, as_of, rank, ticket_id, customer_id, name, tier,
//	    score, severity, opened_at, age_days, product_id, component,
//	    category, reason. Order: rank, ticket_id.
//	rejects: run_id, source, file, line, column_name, value, reason.
//	    Order: source, file, line, column_name, reason, value.
//
// Column meanings and types are those of the result tables (see the internal
// contract): scores 0..100, coverage, share and cumulative_share 0..1, money
// DECIMAL(18,2), rates per 100 installed units per year. NULLs sort last.
package reports
