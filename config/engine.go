package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Engine bounds what DuckDB may take of the machine. Without a memory limit
// DuckDB claims 80% of physical memory and ignores an address-space limit,
// so under one it never spills and the Go side runs out first.
type Engine struct {
	// MemoryLimit is DuckDB's memory limit: a size ("4GB", "512MiB") or a
	// share of the memory the process may use ("60%": of the smallest of
	// physical memory, the cgroup's memory.max and the address-space rlimit).
	// Default "60%", which leaves the rest to Go (reports, transcoding).
	MemoryLimit string `yaml:"memory_limit"`
	// Threads is how many threads DuckDB runs; 0 (the default) is one per core.
	Threads int `yaml:"threads"`
	// TempDirectory is where DuckDB spills what does not fit; relative to the
	// config file's folder. Default: beside the database, "<database>.tmp".
	TempDirectory string `yaml:"temp_directory"`
}

// DefaultMemoryLimit is Engine.MemoryLimit's default.
const DefaultMemoryLimit = "60%"

func (e *Engine) applyDefaults() {
	if e.MemoryLimit == "" {
		e.MemoryLimit = DefaultMemoryLimit
	}
}

func (e *Engine) validate() []Problem {
	var ps []Problem
	if _, _, err := ParseMemoryLimit(e.MemoryLimit); err != nil {
		ps = append(ps, Problem{Field: "engine.memory_limit", Reason: err.Error()})
	}
	if e.Threads < 0 {
		ps = append(ps, Problem{Field: "engine.threads", Reason: fmt.Sprintf("must not be negative, got %d", e.Threads)})
	}
	return ps
}

var sizeUnits = []struct {
	suffix string
	bytes  float64
}{
	// Longest suffixes first, so "GiB" is not read as "B".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"t", 1e12},
	{"b", 1},
}

// ParseMemoryLimit reads a memory limit: a share ("60%", returned as 0.6
// with bytes 0) or a size with a unit ("4GB", "512MiB", returned in bytes).
func ParseMemoryLimit(s string) (bytes int64, share float64, err error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if p, ok := strings.CutSuffix(t, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(v > 0 && v <= 100) {
			return 0, 0, fmt.Errorf("a share must be above 0%% and at most 100%%, got %q", s)
		}
		return 0, v / 100, nil
	}
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(t, u.suffix); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil || v <= 0 {
				break
			}
			b := int64(v * u.bytes)
			if b < 64<<20 {
				return 0, 0, fmt.Errorf("%q is under 64 MiB, too little for DuckDB to run", s)
			}
			return b, 0, nil
		}
	}
	return 0, 0, fmt.Errorf("%q is neither a size with a unit (4GB, 512MiB) nor a share (60%%)", s)
}
