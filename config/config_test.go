package config

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestExampleConfigIsValid(t *testing.T) {
	c, err := Load("accord.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.SourceNames()); got != len(CanonicalTables) {
		t.Errorf("example maps %d sources, want all %d", got, len(CanonicalTables))
	}
	if c.Sources["customers"].Format != "xlsx" || c.Sources["activities"].Format != "csv" {
		t.Errorf("formats not derived from extensions: %q %q", c.Sources["customers"].Format, c.Sources["activities"].Format)
	}
	if c.Sources["ar_invoices"].Threshold() != DefaultRejectThreshold {
		t.Errorf("default threshold not applied")
	}
	if len(c.Hash) != 64 {
		t.Errorf("config hash %q", c.Hash)
	}
}

// TestValidateReportsEveryProblem feeds a config with one mistake per area and
// expects each to be named by its field in a single error.
func TestValidateReportsEveryProblem(t *testing.T) {
	raw := `
timezone: Mars/Olympus
sources:
  customers:
    files: ["[x"]
    format: pdf
    encoding: ebcdic
    columns: {customer_id: id, colour: c}
  tickets:
    files: [t.csv]
    header: false
    columns: {ticket_id: id}
  products:
    files: [p.csv]
    column_names: [id, id]
    columns: {product_id: id}
model:
  normalization: magic
  hourly_cost: "12,50"
  groups:
    - name: economic
      weight: -1
      indicators: [{name: astrology, weight: 1}, {name: scale, weight: 0, missing: maybe}]
  tiers: {method: quantile, quantiles: [0.5, 0.2, 0.8]}
reports: {language: fr, workbook_rows: 0}
hotspots: {baseline_windows: -1, rising_alpha: 1.5, rising_min_failures: -2, rising_correction: bonferroni}
`
	_, err := Parse("bad.yaml", []byte(raw))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationError, got %v", err)
	}
	want := []string{
		"timezone", "sources.customers.files[0]", "sources.customers.format", "sources.customers.encoding",
		"sources.customers.columns.name", "sources.customers.columns.colour", "sources.tickets.columns.customer_id",
		"sources.tickets.column_names", "sources.products.column_names", "sources.products.column_names[1]",
		"model.normalization.method", "model.hourly_cost", "model.groups[0].weight",
		"model.groups[0].indicators[0].name", "model.groups[0].indicators[1].weight",
		"model.groups[0].indicators[1].missing", "model.tiers.quantiles", "reports.language", "reports.workbook_rows",
		"hotspots.baseline_windows", "hotspots.rising_alpha", "hotspots.rising_min_failures", "hotspots.rising_correction",
	}
	fields := map[string]bool{}
	for _, p := range ve.Problems {
		fields[p.Field] = true
	}
	for _, f := range want {
		if !fields[f] {
			t.Errorf("no problem reported for %s; got:\n%v", f, err)
		}
	}
	if !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("error does not name the file: %v", err)
	}
}

// TestHotspotDefaults: a config without the rising-test knobs gets the
// documented defaults (4 baseline windows, alpha 0.01 as a false discovery
// rate, at least 3 faults).
func TestHotspotDefaults(t *testing.T) {
	c, err := Load("examples/helpdesk-tickets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := c.Hotspots
	if h.BaselineWindows != 4 || h.RisingAlpha != 0.01 || h.RisingMinFailures != 3 || h.RisingCorrection != "fdr" || h.WindowMonths != 12 {
		t.Errorf("hotspot defaults %+v", h)
	}
}

// TestWorkbookRows: absent is the default; 0 is refused, not read as
// "every row" (which made a 756 MB workbook at 1M customers); so is more
// than one Excel sheet holds.
func TestWorkbookRows(t *testing.T) {
	c, err := Load("accord.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Reports.SheetRows(); got != 10000 {
		t.Errorf("example workbook_rows %d, want 10000", got)
	}
	if got := (Reports{}).SheetRows(); got != DefaultWorkbookRows {
		t.Errorf("absent workbook_rows reads %d, want the default %d", got, DefaultWorkbookRows)
	}
	base := `
sources:
  customers: {files: [c.csv], columns: {customer_id: id, name: n}}
reports:
`
	for _, c := range []struct {
		value string
		ok    bool
	}{{"1", true}, {"1048575", true}, {"0", false}, {"-5", false}, {"1048576", false}} {
		cfg, err := Parse("rows.yaml", []byte(base+"  workbook_rows: "+c.value+"\n"))
		if c.ok {
			if err != nil {
				t.Errorf("workbook_rows %s: %v", c.value, err)
			} else if got := cfg.Reports.SheetRows(); strconv.Itoa(got) != c.value {
				t.Errorf("workbook_rows %s read as %d", c.value, got)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "reports.workbook_rows: must be between 1 and 1048575") {
			t.Errorf("workbook_rows %s: err = %v, want it refused", c.value, err)
		}
	}
}

// TestBaseURL: reports.base_url is an http(s) URL with a host; anything
// else (a server path, a credential in the URL) is refused.
func TestBaseURL(t *testing.T) {
	base := `
sources:
  customers: {files: [c.csv], columns: {customer_id: id, name: n}}
reports:
`
	for _, c := range []struct {
		value string
		ok    bool
	}{
		{"https://reports.example.com/accord", true}, {"http://intranet:8080/", true},
		{"/srv/accord/out", false}, {"file:///srv/accord", false}, {"https://u:p@example.com/", false},
		{"https://example.com/?x=1", false}, {"example.com/accord", false},
	} {
		cfg, err := Parse("url.yaml", []byte(base+"  base_url: "+strconv.Quote(c.value)+"\n"))
		if c.ok {
			if err != nil || cfg.Reports.BaseURL != c.value {
				t.Errorf("base_url %s: %v", c.value, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "reports.base_url: must be an http or https URL") {
			t.Errorf("base_url %s: err = %v, want it refused", c.value, err)
		}
	}
}

func TestUnknownKeyIsAnError(t *testing.T) {
	_, err := Parse("typo.yaml", []byte("sourcez: {}\n"))
	if err == nil || !strings.Contains(err.Error(), "sourcez") {
		t.Fatalf("want an error naming the unknown key, got %v", err)
	}
}

// date_formats takes one format or a list per column, and duplicates a
// policy; both are validated field by field.
func TestDateFormatsAndDuplicates(t *testing.T) {
	minimal := func(extra string) string {
		return `
sources:
  customers: {files: [c.csv], columns: {customer_id: id, name: n}}
  billing_lines:
    files: [b.csv]
    columns: {invoice_id: i, line_no: l, customer_id: c, issued_at: d, category: k, amount: a}
` + extra
	}
	c, err := Parse("ok.yaml", []byte(minimal(`    date_formats: {issued_at: ["%m/%d/%Y", "%Y-%m-%d"]}
    duplicates: keep
  tickets:
    files: [t.csv]
    columns: {ticket_id: t, customer_id: c, opened_at: o, category: k}
    date_formats: {opened_at: "%d/%m/%Y %H:%M"}
`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources["billing_lines"].DateFormats["issued_at"]; len(got) != 2 || got[0] != "%m/%d/%Y" || got[1] != "%Y-%m-%d" {
		t.Errorf("list form read as %q", got)
	}
	if got := c.Sources["tickets"].DateFormats["opened_at"]; len(got) != 1 || got[0] != "%d/%m/%Y %H:%M" {
		t.Errorf("string form read as %q", got)
	}
	if c.Sources["billing_lines"].Duplicates != DuplicatesKeep || c.Sources["customers"].Duplicates != DuplicatesDrop {
		t.Errorf("duplicates %q and %q, want keep and the default drop", c.Sources["billing_lines"].Duplicates, c.Sources["customers"].Duplicates)
	}

	_, err = Parse("bad.yaml", []byte(minimal(`    date_formats: {issued_at: ["%m/%d/%Y", "", "mm/dd/yyyy"], amount: "%Y"}
    duplicates: sometimes
  products:
    files: [p.csv]
    columns: {product_id: p}
    duplicates: keep
`)))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationError, got %v", err)
	}
	want := map[string]string{
		"sources.billing_lines.date_formats.issued_at[1]": "empty format",
		"sources.billing_lines.date_formats.issued_at[2]": `"mm/dd/yyyy" has no % directive`,
		"sources.billing_lines.date_formats.amount":       "not a date column",
		"sources.billing_lines.duplicates":                `must be drop, keep or reject, got "sometimes"`,
		"sources.products.duplicates":                     "billing_lines, tickets, installed_base find products by it",
	}
	got := map[string]string{}
	for _, p := range ve.Problems {
		got[p.Field] = p.Reason
	}
	for field, reason := range want {
		if !strings.Contains(got[field], reason) {
			t.Errorf("%s: reason %q, want it to say %q; all:\n%v", field, got[field], reason, err)
		}
	}
	if _, ok := got["sources.billing_lines.date_formats.issued_at[0]"]; ok {
		t.Errorf("a valid format was reported: %v", err)
	}
}
