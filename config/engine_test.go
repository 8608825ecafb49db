package config

import (
	"errors"
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
