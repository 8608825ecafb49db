// Package reports renders one run's result tables, already in DuckDB, into a
// dated report folder, and mails them to each recipient, filtered to the
// customers the recipient may see. It reads the result tables only, never
// raw exports.
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
// DECIMAL(18,2), rates per 100 installed units per year. NULLs sort last.//
// # Filtered reports (Options.Filter)
//
// A recipient's filter is a SQL condition over the run's customer_value rows
// (customer_id, name, industry, region, account_owner, tier, score…). Write
// evaluates it once, inside its read transaction, into a temporary table of
// allowed customer ids, and every per-customer read joins against it:
// customer_value, value_contributions, ar_aging and service_queue, in the
// page (KPIs, charts, tables), the workbook and the data files alike.
// Hot-spots are product × component × region aggregates with no customer
// in them; they are kept whole, so a rep sees the same failure hot-spots as
// everyone else. Rejected rows are left out entirely (no Rejects sheet, no
// data/rejects.*, no rejected-rows KPI, a note instead of the table): a
// rejected value can be any customer's data and cannot be attributed to a
// customer. The report says it is filtered but never prints the filter,
// which could name other customers ("customer_id NOT IN ('C1')"). A filter
// must be one expression: no ';', comments, parameters or unbalanced
// parentheses (so it cannot widen the query it is wrapped in); one that
// matches no customer is an error, never an empty report.
//
// # E-mail (Deliverer)
//
// Each e-mail is multipart/mixed > multipart/related > multipart/alternative
// (text/plain, text/html) plus PNG parts referenced by cid:, then the
// attachments weekly.xlsx and weekly.html. The HTML has no script, no SVG,
// no external resource and inline styles only; it shows an "As of" line,
// the KPIs, four PNG charts (customers per tier, value score vs cost to
// serve, the top-10 hot-spot Pareto, aging by tier), the top 10 of the
// service queue, the top 5 hot-spots and the 10 most overdue customers. The
// subject is "<job> — as of <date>" (zh-CN: "<job> — 数据截至 <date>").
// Charts are drawn in Go (png.go) with Noto Sans CJK (font.go: Options.
// FontPath, else ACCORD_FONT, else the Debian/Fedora/Arch paths of
// fonts-noto-cjk or WenQuanYi); without a CJK font, a Chinese label is an
// error naming the package to install, never a row of boxes. The same data
// gives the same PNG bytes. The message must fit the job's max_email_bytes
// (default 10 MB, measured as sent): attachments are added in order only
// while they fit, then the charts are dropped if even they do not; the body
// names everything left out and where the full report is (Deliverer.
// Location, else the report folder). A body that alone is over the cap is
// an error; nothing empty is ever sent.
//
// # Delivery, the outbox and at most once
//
// Deliverer.Deliver sends a run's reports of one job to every recipient
// address (groups expanded), each rendered by Write with the recipient's
// filter and language into OUT/<as-of>/mail/<language>-<filter hash>/
// (addresses with the same filter and language share one rendering). Each
// (run, recipient) has one row in the DuckDB table outbox (queries/
// delivery.sql): queued → sending → sent | failed | unknown. The row, with
// the Message-ID the e-mail will carry, is set to 'sending' and committed
// before the SMTP transaction starts, and the outcome is recorded after it.
//
// A process that dies between the two leaves 'sending'. The next Deliver of
// the run turns such rows into 'unknown', reports them and alerts the job
// owner, and does not resend them. This is deliberately at most once: the
// crash may have come after the server accepted the message (or after the
// final "." went out and before its reply), and nothing on our side can
// tell. A duplicate weekly report is the failure managers notice and
// distrust; a missing one is reported to the owner with the recorded
// Message-ID, who can check the recipient's mailbox or the server's log and
// resend with `accord send`. For the same reason a connection lost after
// the message data was sent (no reply to the final ".") is 'unknown', not
// retried. Only failures that prove the message was not accepted are
// retried: 4xx replies and connection errors before the data was complete,
// with exponential backoff (Deliverer.BaseDelay doubling to MaxDelay,
// MaxAttempts per call; after that the row stays 'queued' and the next
// Deliver of the run tries again, with the same Message-ID). 5xx replies,
// a server without STARTTLS, and TLS or AUTH refusals are 'failed' and not
// retried. A recipient whose report cannot be rendered stays 'queued' with
// the reason. Whenever a recipient ends the call without 'sent', the owner
// gets one alert per run (outbox key alert:delivery:<owner>).
//
// SMTP: host and port from the config, overridden by ACCORD_SMTP_ADDR
// (host:port); user and password only from ACCORD_SMTP_USER and
// ACCORD_SMTP_PASSWORD. STARTTLS is mandatory unless the host is localhost
// or a loopback address.
//
// Gates: before anything is sent, CheckGates evaluates inputs_not_empty and
// reject_ratio from run_inputs, and, when the job requires it,
// reconciliation: a result the caller supplies, else ReconciliationGate
// (every check of reconciliation_totals ties; none recorded fails). A failing gate sends nothing to
// recipients and sends the owner one alert per run (alert:gates:<owner>)
// with every failed gate's reason.
//
// Previews (SendPreview, for `accord send --job NAME --to ADDRESS`) bypass
// the outbox: they are not recorded, do not count as the recipient's
// delivery, carry a fresh Message-ID and can be repeated. An address that
// is one of the job's recipients gets exactly that recipient's report; any
// other address gets the unfiltered report in the config's language. Gates
// do not stop a preview; failed ones are listed at the top of its body.
package reports
