package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateListsEveryProblemAndExits2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(path, []byte("timezone: Nowhere/City\nsources:\n  customers: {files: [c.csv], columns: {customer_id: id}}\nreports: {language: fr}\n"), 0o644)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"validate", "--config", path}, &out, &errOut, clock)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	for _, field := range []string{"timezone", "sources.customers.columns.name", "reports.language"} {
		if !strings.Contains(errOut.String(), field) {
			t.Errorf("stderr does not name %s:\n%s", field, errOut.String())
		}
	}
}

func TestValidateInputsDryRunsWithoutTheDatabase(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"validate", "--config", "../../pipeline/testdata/fixture.yaml", "--inputs"}, &out, &errOut, clock)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "customers") || !strings.Contains(out.String(), "billing_lines            17         17") {
		t.Errorf("dry run output lacks per-source counts:\n%s", out.String())
	}
	if _, err := os.Stat("../../pipeline/testdata/fixture.duckdb"); err == nil {
		t.Error("dry run created the database")
	}
}

func TestUnknownCommandExits2(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, &out, &errOut, clock); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
}
