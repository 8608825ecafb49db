// Package reports renders one run's result tables, already in DuckDB, into a
// dated report folder, and mails them to each recipient, filtered to the
// customers the recipient may see. It reads the result tables only, never
// raw exports.
//
// # Packages
//
// The work is split by job, each package with one reason to change, all
// reading one snapshot of the result tables:
//
//	reports           Write: one run into a dated folder (page, workbooks, data files)
//	reports/snapshot  the result tables read once: definitions, data, filter, Options
//	reports/brief     what changed: "This week" sentences, KPI changes, shared texts
//	reports/page      weekly.html and hotspots.html
//	reports/workbook  weekly.xlsx, hotspots.xlsx and the data files
//	reports/email     a recipient's message: subject, HTML and text parts, PNG charts
//	reports/delivery  report folders per recipient, gates, outbox, journal, SMTP
//	reports/texts     the en and zh-CN text catalogs (en.json, zh-CN.json)
//	reports/format    money, numbers, changes, text cutting and neutralising
//	reports/assets    the embedded ECharts library (fetch.sh)
//
// Imports point down: texts and format use nothing of the others,
// snapshot uses them, brief uses snapshot, page and workbook use brief,
// Write uses page and workbook, email uses brief and page, and delivery
// uses Write and email. internal/reportstest is the tests' fixture.
//
// # What Write creates
//
//	DIR/weekly.html   interactive page (ECharts, inlined; opens with no network)
//	DIR/hotspots.html the product managers' page (page/hotspots_page.go): true
//	                  Pareto by product, component and product × component
//	                  (failures descending, cumulative over all failures, the
//	                  tail in "others"), funnel plot (rate per 100 units per
//	                  year vs installed units, pooled rate, 95 % and 99.8 %
//	                  limits), product × component heat map (no cell where
//	                  there are no units), failures by region; a click on a
//	                  bar, cell or point filters the tables below (groups with
//	                  shrunk and raw rate and the rising verdict or "not
//	                  tested: why", fault tickets, serials, customers) to that
//	                  group; the trend per rising-test period of the top
//	                  groups with the test's verdict; the Weibull per product
//	                  × component, the next window's forecast against
//	                  capacity and the back-test (page/hotspots_forecast.go); what
//	                  cannot be supported per product × component with
//	                  customers, installed units and trailing revenue
//	DIR/hotspots.xlsx the hot-spot workbook (workbook/hotspots_xlsx.go): Summary
//	                  (rows per sheet, notes), Hot-spots, Fault tickets,
//	                  Repeat failures, Unsupported, Weibull
//	                  (hotspot_weibull), Forecast (hotspot_forecast), Periods
//	                  (hotspot_periods)
//	DIR/weekly.xlsx   typed workbook: a Summary and a sheet per result table
//	DIR/data/<table>.csv, DIR/data/<table>.parquet   the run's rows, for tools
//
// All three read one snapshot (one transaction). The same database content
// gives a byte-identical weekly.html and a workbook with identical cells.
//
// # weekly.html
//
// Summary KPIs (customers scored, customers per tier, total open receivables,
// overdue more than 90 days, portfolio DSO and on-time rate (unfiltered
// only), the top failure hot-spot, open tickets, rejected rows); four charts with fixed container ids: chart_tiers (the tier
// migration since the previous run as a sankey, new and gone customers as
// their own nodes; "not available" on a first run), chart_value_cost (value score against 12-month service cost, one
// series per tier, customer name in the tooltip, and in an unfiltered report
// a series "Quadrants (medians)" whose dashed mark lines sit at the run's
// medians of service cost and score, where the quadrants split),
// chart_pareto (failures of the top 20 hot-spots with their cumulative share
// on a second axis; a rising group's label, which the tooltip shows, ends
// "↑ rising") and chart_aging (receivables per aging bucket, stacked,
// per ar_aging.tier). Then these sections, each with a fixed id:
//
//	model           the model the run used (model_used): one sentence naming
//	                every normalization with its number of indicators and
//	                the weight method per segment, then a row per segment ×
//	                indicator: group, group weight and weight as percentages
//	                of the whole score, direction, normalization (as
//	                model_used states it, e.g. "minmax (winsorized at the
//	                0.05 and 0.95 quantiles)"), window, missing-data policy,
//	                weight method, whether the indicator had a source
//	evidence        model_evidence: the Spearman correlation, the lifts and
//	                the sensitivity counts with their detail texts, and the
//	                mean tier_stability of the customers shown
//	movers          movers: how many customers changed tier since which
//	                date, then the top 25, tier changes first, largest
//	                |change| next, with the indicators that moved each most
//	                up and down
//	drain           service drain: customers and money per quadrant
//	                (customer_value.quadrant), the medians (unfiltered
//	                only), and owner_drain per account owner, most drains
//	                first (top 30)
//	hotspots        the top 20 hot-spots with rate, rising (yes/no), the
//	                rising test's p-value (empty: no baseline history) and
//	                q-value (empty: not tested), mean time to repair and repeat serials, and a note naming the
//	                test; then what cannot be supported (top 25 rows of
//	                hotspot_unsupported in the scope), headed by the number
//	                of customers behind all its rows and the sum of their
//	                trailing-12-month revenue, each customer once
//	overrides       customers with an active manual tier (override tier,
//	                computed tier, reason, owner, expiry; top 50 by id)
//	service-queue   the top 25 of the service queue with priority,
//	                estimated hours, whether it fits this week, and reason
//	receivables     unfiltered only: ar_kpis, the portfolio then each
//	                tier: open, current, overdue and its share, DSO,
//	                best-possible DSO, average days delinquent, CEI, on-time
//	                rate, open invoices, with a note stating the formulas
//	                and the 90-day window
//	reconciliation  unfiltered only: reconciliation_totals (totals A and B,
//	                difference, explained, exceptions, ties yes/no) and the
//	                exceptions counted per check and kind (the part of the
//	                kind before any colon: "unapplied: invoice X not in
//	                ledger" counts as "unapplied")
//	data-quality    rejected rows counted by source and reason, and orphans
//	                (unknown references) counted by source and column
//
// A table cut to its top N says how many more rows the workbook holds.
//
// go-echarts builds the chart options; the page itself is an html/template
// of this package, because go-echarts' renderer does not escape data for the
// <script> context, executes strings containing "__f__", and links the
// library from a CDN (see page/charts.go). The ECharts build is inlined from
// assets/echarts.min.js, which assets/fetch.sh fetches from the npm registry
// (pinned version, sha512 integrity and sha256): run it before building.
// Every data value is escaped for its context: html/template for tables,
// encoding/json (< > & as \u escapes) for chart options, with "__f__" and
// control characters removed from chart labels.
//
// Tables (page/pagetables.go, the same on hotspots.html): a click on a header
// sorts (a second reverses; aria-sort says which); numeric columns sort by
// each cell's data-v, the number the cell shows parsed in Go (sign,
// currency symbol and grouping removed, an interval by its lower end), a
// column whose every cell is a date or timestamp by its Unix seconds, text
// by the page language's collation; cells with no number sort last. A text
// box per table filters rows (substring, case-insensitive); a table of
// more than 50 rows comes in pages ("Rows 1–50 of 72"). One script
// (tablesJS, script#accord-tables) serves every table; hotspots.html's
// drill-down marks rows and asks it to refresh, so both filters and the
// pages compose. A cell is cut at 24em with an ellipsis and, from 25
// characters, its whole text in a title (a tap opens it). Header words
// never break inside (each word a nowrap span). Each table scrolls
// sideways in its own box: the page fits 390 px. Data in running text is
// isolated (FSI…PDI in the KPI card, <bdi> in This week), cells are
// isolated by their own box. @media print hides the controls, shows every
// row, lets cells wrap, keeps rows whole and scales charts to the paper
// (and redraws them at 680 px on beforeprint).
//
// # weekly.xlsx
//
// Sheets, in order, with English names in every language (headers are
// translated), and their sources:
//
//	Summary         KPIs, the model used (normalizations and weight
//	                methods), the Spearman correlation per segment, how many
//	                customers changed tier, whether the reconciliation ties
//	                (unfiltered), row counts per sheet, notes
//	Customers       customer_value
//	Contributions   value_contributions
//	Model           model_used
//	Evidence        model_evidence
//	Movers          movers
//	Trend           customer_value across runs: one row per customer of the
//	                run (Customers order): customer_id, name, tier now, then
//	                the score on each of the last up to 8 as-of dates up to
//	                the run's own, oldest first, headed "Score <date>"; each
//	                earlier date is read from its latest run (highest run
//	                id); empty where the customer was not scored then
//	Drain           owner_drain (filtered: recomputed, see below)
//	Hot-spots       hotspots
//	Repeat failures hotspot_repeats
//	Unsupported     hotspot_unsupported
//	Aging           ar_aging
//	Receivables KPIs ar_kpis (unfiltered only)
//	Reconciliation  reconciliation_totals then reconciliation_exceptions, in
//	                one table: Row ("Control total" or "Exception"), Check,
//	                Kind, Invoice / payment, Customer ID, Amount A, Amount B,
//	                Difference, Exceptions, Explained, Ties. A totals row
//	                has total A and B in the amount columns; an exception
//	                row has no count, explained or ties; a check that
//	                was not checked has only Not checked (its reason), no
//	                amounts, count or ties. Totals first (by check), then
//	                exceptions (by check, kind, key)
//	Service queue   service_queue
//	Orphans         orphans
//	Reject counts   reject_counts: one row per source × column × reason of
//	                the run's rejects, counted whole (rows, values, files)
//	                with its first rejected value (by file and line)
//	Rejects         rejects: the first Options.RejectExamples rows of each
//	                source × column × reason (by file, line); a run can have
//	                millions, and the database's rejects table has them all
//
// Each data sheet has one header row and one row per table row of the run
// (Reconciliation: per totals row plus per exception; Trend: per customer),
// up to the cap below, in the data-file order below, without the run_id and as_of columns (the
// Summary shows both). The header is frozen
// and has an autofilter. Numbers are number cells, dates date cells
// (yyyy-mm-dd; timestamps yyyy-mm-dd hh:mm), booleans boolean cells, money
// number cells with Options.CurrencyFormat whose stored value is the exact
// decimal; a money value of more than 15 significant digits, which an
// Excel number cannot hold, is written as exact text and counted in the
// Summary notes. Evidence values use Excel's General format; the Evidence
// sheet names each metric as the page does and keeps its key in a last
// column, Metric key; the Summary's Spearman is a number per segment. Text
// is always an inline string, never a formula, stored as the data has it:
// text starting with = + - @, TAB or CR is text to every spreadsheet, so
// the workbook adds no quote (it would show and break lookups); the CSV
// data files, which lose the type, do. Text over 32,767 characters is cut
// and ends with a visible marker "…[cut: N of M characters shown]". The
// Summary's totals are DuckDB SUMs over DECIMAL, so they tie to the cent
// with the Aging sheet while it is whole.
//
// Every sheet prints landscape, one page wide (fitToWidth 1, fitToHeight 0)
// and every data sheet repeats its header row on each printed page
// (_xlnm.Print_Titles). The file is the same bytes for the same inputs:
// zip entries in one order ([Content_Types].xml, _rels/.rels, then by
// name), each dated the as-of day at 00:00 (workbook/xlsxzip.go).
//
// The workbook holds what a person reads. A sheet of a table that grows
// with the data — Customers, Contributions, Movers, Trend, Repeat
// failures, Unsupported, Aging, the Reconciliation's exceptions, Service
// queue, Orphans, Rejects, and hotspots.xlsx's Fault tickets — shows the
// first Options.WorkbookRows rows (reports.workbook_rows, default 10,000)
// in its order, and the Summary says, per such sheet, "the first N of M
// rows; the full table is data/<table>.parquet and data/<table>.csv" (for
// Trend, data/customer_value; for Reconciliation, every control total and
// the first N exceptions, data/reconciliation_exceptions). Sheets of a few
// rows by nature (Model, Evidence, Drain, Hot-spots, Receivables KPIs, the
// control totals, Reject counts) are always whole. The cap is at most one
// Excel sheet (1,048,575 rows), so no table needs a second one. A sum over
// a cut sheet is not the table's: take it from the data files.
//
// # Data files (the data contract)
//
// data/<table>.csv (UTF-8, comma, header row, RFC 4180 quoting, NULL as an
// empty field, dates ISO 8601, DECIMAL exact with two decimals, booleans
// true/false) and data/<table>.parquet (same columns, DuckDB types) hold
// the run's rows only, ordered as listed. In the CSV only, text that starts
// with = + - @, TAB or CR is prefixed with a single quote and NUL bytes are dropped; Parquet keeps the
// exact text. A table's new columns are appended after its existing ones,
// so a reader that goes by position keeps working.
//
//	customer_value: run_id, as_of, rank, customer_id, name, tier, score,
//	    coverage, economic, loyalty, service_effect, characteristics,
//	    revenue_12m, service_cost_12m, value_added_profit, industry, region,
//	    account_owner, segment, computed_tier, override_tier,
//	    override_reason, override_owner, override_expires, quadrant,
//	    previous_tier, previous_score, tier_stability.
//	    Order: rank, customer_id.
//	value_contributions: run_id, as_of, customer_id, group_name, indicator,
//	    raw_value, normalized, weight, contribution, missing, segment,
//	    excluded, normalization. Order: customer_id, group_name, indicator.
//	model_used: run_id, as_of, segment, group_name, group_weight, indicator,
//	    weight, direction, normalization, window_months, missing_policy,
//	    weight_method, available. Order: segment, group_name, indicator.
//	model_evidence: run_id, as_of, segment, metric, value, detail.
//	    Order: segment, metric.
//	movers: run_id, as_of, customer_id, name, previous_as_of, previous_tier,
//	    tier, previous_score, score, change, top_up, top_down.
//	    Order: |change| descending, customer_id.
//	owner_drain: run_id, as_of, account_owner, customers, revenue_12m,
//	    service_cost_12m, value_added_profit, tier_a, drains.
//	    Order: account_owner.
//	hotspots: run_id, as_of, rank, product_id, product_name, component,
//	    region, failures, installed_units, rate_per_100_per_year,
//	    shrunk_rate_per_100_per_year, share, cumulative_share,
//	    baseline_failures, current_exposure_share, rising_test,
//	    rising_p_value, rising, repairs, mttr_hours, median_repair_hours,
//	    repeat_serials, rising_q_value.
//	    Order: rank, product_id, component, region.
//	hotspot_repeats: run_id, as_of, product_id, product_name, component,
//	    region, serial_no, customer_id, name, faults, first_opened_at,
//	    last_opened_at, ticket_ids.
//	    Order: product_id, component, region, serial_no, customer_id.
//	hotspot_tickets: run_id, as_of, ticket_id, product_id, product_name,
//	    component, region, serial_no, customer_id, name, opened_at,
//	    closed_at, effort_hours, severity, resolution (hotspots.xlsx's Fault
//	    tickets; no weekly.xlsx sheet).
//	    Order: product_id, component, region, opened_at, ticket_id.
//	hotspot_unsupported: run_id, as_of, reason, product_id, product_name,
//	    supported_until, customer_id, name, ticket_id, opened_at,
//	    installed_units, tickets, revenue_12m.
//	    Order: reason descending, product_id, customer_id, ticket_id.
//	ar_aging: run_id, as_of, customer_id, name, tier, current_amount, d1_30,
//	    d31_60, d61_90, d90_plus, total_open, dso. Order: customer_id.
//	ar_kpis: run_id, as_of, scope, tier, customers, open_amount,
//	    current_amount, overdue_amount, overdue_share, credit_sales_90d, dso,
//	    best_possible_dso, add_days, beginning_open, cei, due_amount_90d,
//	    paid_on_time_amount, on_time_rate, open_invoices, overdue_invoices,
//	    issued_invoices_90d, due_invoices_90d, on_time_invoices.
//	    Order: scope (portfolio first), tier. Formulas: queries/transform.sql
//	    ArKpis and the README.
//	reconciliation_totals: run_id, as_of, check_name, total_a, total_b,
//	    difference, exceptions, explained, ties. Order: check_name.
//	reconciliation_exceptions: run_id, as_of, check_name, kind, key,
//	    customer_id, amount_a, amount_b, difference.
//	    Order: check_name, kind, key, customer_id, difference.
//	service_queue: run_id, as_of, rank, ticket_id, customer_id, name, tier,
//	    score, severity, opened_at, age_days, product_id, component,
//	    category, reason, priority, estimated_hours, fits_capacity.
//	    Order: rank, ticket_id.
//	orphans: run_id, source, column_name, value, parent, rows.
//	    Order: source, column_name, value.
//	reject_counts: run_id, source, column_name, reason, rows, values, files,
//	    first_file, first_line, first_value.
//	    Order: source, rows descending, column_name, reason.
//	rejects: run_id, source, file, line, column_name, value, reason; the
//	    first Options.RejectExamples of each source × column × reason.
//	    Order: source, file, line, column_name, reason, value.
//
// Column meanings and types are those of the result tables (see the internal
// contract): scores 0..100, coverage, share, cumulative_share and
// tier_stability 0..1, weights 0..1 of the whole score, money
// DECIMAL(18,2), rates per 100 installed units per year. NULLs sort last.
//
// # Filtered reports (Options.Filter)
//
// A recipient's filter is a SQL condition over the run's customer_value
// rows (customer_id, name, industry, region, account_owner, tier, score…).
// Write evaluates it once, inside its read transaction, into a temporary
// table of allowed customer ids, and every per-customer read joins against
// it: customer_value (and so Trend, quadrants, overrides), value_contributions,
// movers, ar_aging, service_queue and reconciliation_exceptions (an
// exception without a customer is left out), in the page (KPIs, charts,
// tables), the workbook and the data files alike. owner_drain is recomputed
// from the allowed customers' customer_value rows, as the pipeline computes
// it: an owner's row sums only the customers the recipient may see (the
// pipeline's row would add up customers outside the filter; where the
// filter allows all of an owner's customers the two are equal).
// Hot-spots are product × component × region aggregates with no customer
// in them (hotspot_repeats and hotspot_unsupported name customers and are
// filtered like customer rows), and model_used and model_evidence describe the model over whole
// segments; they are kept whole, so a rep sees the same hot-spots, weights
// and evidence as everyone else. Left out entirely (no sheet, no data
// file, a note instead of the page's table): rejected rows (a rejected
// value can be any customer's data and cannot be attributed to a
// customer), orphans (references to customers or products nobody knows),
// ar_kpis (portfolio and tier totals: every row sums customers outside
// the filter; the page's receivables section is a note), and
// reconciliation_totals (company-wide money; the Reconciliation sheet
// then lists only the allowed customers' exceptions, and the page's
// reconciliation section is a note). The medians the quadrants split at
// are company-wide figures too: a filtered page does not mark them. The
// report says it is filtered but never prints the filter,
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
// the This week sentences (brief/weeksay.go), the KPIs with their change since
// the previous run (brief/kpichange.go), one line of evidence (the Spearman correlation of score and
// value-added profit per segment) and one naming the normalizations and
// weight methods used, four PNG charts (customers per tier, value score vs
// cost to serve, the top-10 hot-spot Pareto, aging by tier), the top 10 of
// the service queue, the top 5 tier changes since the previous run (name,
// previous tier, tier, change, top drivers), the top 5 hot-spots and the 10
// most overdue customers, each table saying how many more the attachments
// hold. Data texts in the tables and KPIs are cut to 80 characters (fewer
// if the HTML part would still pass 100 KB, where Gmail clips), and the
// body says so; right-to-left text is isolated. The subject is
// "<job>: <headline> — as of <date>" (zh-CN: "<job>：<headline> — 数据截至
// <date>"), the headline naming what changed since the previous run
// (emailSubject); "<job> — as of <date>" on a first run.
// Charts are drawn in Go (email/png.go) with Noto Sans CJK (email/font.go: Options.
// FontPath, else ACCORD_FONT, else the Debian/Fedora/Arch paths of
// fonts-noto-cjk or WenQuanYi); without a CJK font, a Chinese label is an
// error naming the package to install, never a row of boxes. The same data
// gives the same PNG bytes. The message must fit the job's max_email_bytes
// (default 10 MB, measured as sent): attachments are added in order only
// while they fit, then the charts are dropped if even they do not; the body
// names everything left out and where the full report is: the
// recipient's own rendering under reports.base_url, else Deliverer.Location
// for an unfiltered recipient only, else no place (never a server path).
// The footer links the same URL. A body that alone is over the cap is an
// error; nothing empty is ever sent.
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
