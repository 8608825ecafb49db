package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestParseMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		in    string
		bytes int64
		share float64
		bad   bool
	}{
		{in: "60%", share: 0.6},
		{in: " 100 % ", share: 1},
		{in: "4GB", bytes: 4_000_000_000},
		{in: "4gib", bytes: 4 << 30},
		{in: "512MiB", bytes: 512 << 20},
		{in: "1.5G", bytes: 1_500_000_000},
		{in: "0%", bad: true},
		{in: "120%", bad: true},
		{in: "10MB", bad: true}, // under DuckDB's working minimum
		{in: "lots", bad: true},
		{in: "4", bad: true}, // a size needs its unit
	} {
		b, s, err := ParseMemoryLimit(tc.in)
		if (err != nil) != tc.bad || b != tc.bytes || s != tc.share {
			t.Errorf("ParseMemoryLimit(%q) = %d, %v, %v", tc.in, b, s, err)
		}
	}
}

func TestEngineDefaultsAndProblems(t *testing.T) {
	c, err := Load("accord.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Engine.MemoryLimit != DefaultMemoryLimit || c.Engine.Threads != 0 {
		t.Errorf("engine defaults %+v", c.Engine)
	}
	raw, err := os.ReadFile("accord.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw = []byte(strings.Replace(string(raw), "memory_limit: 60%\n  threads: 0", "memory_limit: lots\n  threads: -1", 1))
	_, err = Parse("accord.example.yaml", raw)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	for _, field := range []string{"engine.memory_limit", "engine.threads"} {
		if !strings.Contains(err.Error(), field+":") {
			t.Errorf("%s not named in %v", field, err)
		}
	}
}

func TestHistoryKeepRunsDefaultAndProblems(t *testing.T) {
	c, err := Load("accord.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.History.Runs() != DefaultKeepRuns {
		t.Errorf("history.keep_runs is %d, want the default %d", c.History.Runs(), DefaultKeepRuns)
	}
	raw, err := os.ReadFile("accord.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "keep_runs: 104\n") {
		t.Fatal("accord.example.yaml no longer sets keep_runs: 104")
	}
	absent, err := Parse("accord.example.yaml", []byte(strings.Replace(string(raw), "history:\n  keep_runs: 104\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if absent.History.KeepRuns != nil || absent.History.Runs() != DefaultKeepRuns {
		t.Errorf("without history, keep_runs is %d, want the default %d", absent.History.Runs(), DefaultKeepRuns)
	}
	for _, tc := range []struct {
		value string
		want  []string // in the problem, besides the field
	}{
		{"0", []string{"at least 8, got 0", "0 does not mean keep everything", "no unlimited"}},
		{"3", []string{"at least 8, got 3", "Trend sheet", "tier_stability"}},
		{"-1", []string{"at least 8, got -1"}},
	} {
		_, err := Parse("accord.example.yaml", []byte(strings.Replace(string(raw), "keep_runs: 104", "keep_runs: "+tc.value, 1)))
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("keep_runs %s: want a validation error, got %v", tc.value, err)
		}
		for _, w := range append(tc.want, "history.keep_runs: ") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("keep_runs %s: %q not in %v", tc.value, w, err)
			}
		}
	}
	for _, ok := range []string{"8", "520"} {
		c, err := Parse("accord.example.yaml", []byte(strings.Replace(string(raw), "keep_runs: 104", "keep_runs: "+ok, 1)))
		if err != nil {
			t.Errorf("keep_runs %s: %v", ok, err)
		} else if got := c.History.Runs(); fmt.Sprint(got) != ok {
			t.Errorf("keep_runs %s read as %d", ok, got)
		}
	}
}
