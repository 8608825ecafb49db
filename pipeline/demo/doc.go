// Package demo writes realistic, deterministic demo exports for every
// canonical Accord source: the files `accord demo --out DIR` produces and
// config/accord.example.yaml maps (customers.xlsx, activities.csv,
// surveys.csv, billing_lines.csv, tickets.csv, products.csv,
// installed_base.csv, ar_invoices.csv, ar_payments.csv and MANIFEST.json).
//
// The data is built customer by customer: every customer's rows go to all
// files in one pass and nothing is kept once they are written, so memory
// stays flat whatever the customer count. Only the manifest's lists of
// planted rows grow, at about 0.6% of the rows. The workbook is streamed
// too: excelize's StreamWriter spills the sheet to a temp file, and the zip
// is written straight to the output file instead of excelize's in-memory
// buffer.
//
// Everything is a function of (seed, as-of date, customer count): each
// customer draws from its own PCG stream seeded from the seed and its index,
// each file's messy rows from another stream, and the workbook carries fixed
// document properties, so two runs are byte-identical. Every event falls
// before the as-of date; only due dates and products' supported_until reach
// past it.
//
// The exports are imperfect the way real ones are, and MANIFEST.json says
// exactly where. Invalid rows a loader must reject (bad dates, blank ids,
// non-numeric amounts, about 0.5% of each file) are extra rows with keys of
// their own, so dropping them leaves the data consistent: invoices still
// equal the sum of their lines. Valid but messy values must be accepted:
// `1,234.50`, `¥1,234`, blank lines, exact duplicate rows (to be dropped
// once). Planted patterns: a failure hot-spot (P07, 电源模块, 华东, six times
// the base fault rate per installed unit), a rising group (P12, 电池, 华南,
// three times its own rate in the last six months), late payers, unpaid and
// partly paid invoices, payments that match no invoice, products past end of
// support, frequent buyers, referrals and customers who drain service.
package demo
