package config

import (
	"errors"
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
reports: {language: fr}
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
		"model.groups[0].indicators[1].missing", "model.tiers.quantiles", "reports.language",
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

func TestUnknownKeyIsAnError(t *testing.T) {
	_, err := Parse("typo.yaml", []byte("sourcez: {}\n"))
	if err == nil || !strings.Contains(err.Error(), "sourcez") {
		t.Fatalf("want an error naming the unknown key, got %v", err)
	}
}
