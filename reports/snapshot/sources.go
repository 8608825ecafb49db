package snapshot

import (
	"github.com/accordhq/accord/reports/texts"

	"context"
)

// Optional sources: a run may do without any of these canonical tables
// (README "What Accord needs for each result"). The reports learn which
// ones the run loaded from run_inputs (every configured source records its
// files there), and name each missing one with what it takes away, so a
// result that could not be computed reads "not available: no tickets
// source", never 0, "none" or "ties".

// loadSources reads the sources the run loaded. d.sources stays nil when
// the run recorded no customers input (a hand-made fixture): then nothing
// is called missing.
func (d *ReportData) LoadSources(ctx context.Context, q Queryer, runID int64, _ Scope) error {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT source FROM run_inputs WHERE run_id = $1`, runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		got[s] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if got["customers"] {
		d.sources = got
	}
	return nil
}

// lacks says whether the run had no such source configured.
func (d *ReportData) Lacks(source string) bool {
	return d.sources != nil && !d.sources[source]
}

// noSource is the short "not available" of a result whose source is
// missing, for a KPI or a table's empty line.
func NoSource(l texts.Labels, source string) string {
	return l.Getf("na.no_source", source)
}

// missingSourceNotes names every optional source the run lacks and what it
// takes away: at the top of the page, on the workbook's Summary sheet and
// in the e-mail body. Each key is a literal (TestLabelsComplete scans them).
func MissingSourceNotes(d *ReportData, l texts.Labels) []string {
	var out []string
	if d.Lacks("tickets") {
		out = append(out, l.Get("nosource.tickets"))
	}
	if d.Lacks("installed_base") {
		out = append(out, l.Get("nosource.installed_base"))
	}
	switch {
	case d.Lacks("ar_invoices") && d.Lacks("ar_payments"):
		out = append(out, l.Get("nosource.receivables"))
	case d.Lacks("ar_invoices"):
		out = append(out, l.Get("nosource.ar_invoices"))
	case d.Lacks("ar_payments"):
		out = append(out, l.Get("nosource.ar_payments"))
	}
	if d.Lacks("surveys") {
		out = append(out, l.Get("nosource.surveys"))
	}
	if d.Lacks("activities") {
		out = append(out, l.Get("nosource.activities"))
	}
	if d.Lacks("products") {
		out = append(out, l.Get("nosource.products"))
	}
	return out
}
