// Package format turns values into what people read: money with its
// currency, exact decimals, percentages and changes, scores, text cut to a
// width with bidi isolation, spreadsheet formula leads neutralised, chart
// labels. It reads nothing and writes nothing; page, workbook, e-mail and
// briefing share it so a number looks the same everywhere.
package format
