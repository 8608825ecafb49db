package config

import (
	"errors"
	"math"
	"testing"
)

const minimalSources = `
sources:
  customers: {files: [c.csv], columns: {customer_id: id, name: name}}
`

func TestModelFormsAndDefaults(t *testing.T) {
	raw := minimalSources + `
model:
  normalization: zscore
  weights:
    method: combined
    ahp:
      groups:
        - [1, 3, "5", 5]
        - ["1/3", 1, 2, 2]
        - ["1/5", "1/2", 1, 1]
        - ["1/5", 0.5, 1, 1]
  segments:
    - name: enterprise
      when: employees >= 1000
      normalization: {method: minmax}
  groups:
    - {name: economic, weight: 35, indicators: [{name: maintenance_fees, weight: 1}]}
    - {name: loyalty, weight: 25, indicators: [{name: tenure, weight: 1, direction: higher, sql: "SELECT customer_id, 1.0 AS value FROM customers"}]}
    - {name: service_effect, weight: 20, indicators: [{name: ease_of_coordination, weight: 1, missing: exclude}]}
    - {name: characteristics, weight: 20, indicators: [{name: scale, weight: 1, normalization: {method: thresholds, bands: [{from: 0, points: 0}, {from: 10, points: 100}]}}]}
`
	c, err := Parse("m.yaml", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Model
	if m.Normalization.Method != "zscore" || m.Weights.Alpha != 0.5 {
		t.Errorf("normalization %q alpha %v", m.Normalization.Method, m.Weights.Alpha)
	}
	if got := float64(m.Weights.AHP.Groups[1][0]); math.Abs(got-1.0/3) > 1e-15 {
		t.Errorf(`"1/3" read as %v`, got)
	}
	seg := m.Segments[0]
	if seg.Normalization.Method != "minmax" || seg.Normalization.Low != 0.05 || seg.Normalization.High != 0.95 {
		t.Errorf("segment normalization %+v, want minmax 0.05..0.95", *seg.Normalization)
	}
	if len(seg.Groups) != 4 || seg.Tiers.Method != "quantile" {
		t.Errorf("segment did not inherit the model's groups and tiers")
	}
	ease := m.Groups[2].Indicators[0]
	if ease.Direction != "lower" || ease.WindowMonths != 12 || ease.Missing != "exclude" {
		t.Errorf("built-in defaults not applied: %+v", ease)
	}
	if tenure := m.Groups[1].Indicators[0]; tenure.WindowMonths != 12 || !tenure.HigherIsBetter() {
		t.Errorf("SQL indicator defaults: %+v", tenure)
	}
}

func TestModelProblems(t *testing.T) {
	raw := minimalSources + `
model:
  weights: {method: ahp, ahp: {groups: [[1, 2], [0.5, 1]]}}
  segments: [{name: default, when: ""}]
  groups:
    - {name: economic, weight: 1, indicators: [{name: custom, weight: 1, sql: "SELECT 1"}]}
    - {name: loyalty, weight: 1, indicators: [{name: repurchase, weight: 1, normalization: {method: thresholds, bands: [{from: 5, points: 10}, {from: 1, points: 200}]}}]}
    - {name: extra, weight: 1, indicators: [{name: scale, weight: 1}]}
`
	_, err := Parse("m.yaml", []byte(raw))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	fields := map[string]bool{}
	for _, p := range ve.Problems {
		fields[p.Field] = true
	}
	for _, f := range []string{"model.weights.ahp.groups", "model.segments[0].name", "model.segments[0].when",
		"model.groups[0].indicators[0].direction", "model.groups[1].indicators[0].normalization.bands[1].points",
		"model.groups[1].indicators[0].normalization.bands[1].from"} {
		if !fields[f] {
			t.Errorf("no problem for %s in:\n%v", f, err)
		}
	}
}
