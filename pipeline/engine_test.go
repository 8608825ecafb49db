package pipeline

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/accordhq/accord/config"
)

func withMemory(b int64) StoreOption { return func(o *storeOptions) { o.memory = b } }

func TestResolveEngine(t *testing.T) {
	const gib = int64(1) << 30
	for _, tc := range []struct {
		limit   string
		threads int
		want    int64
		wantThr int
	}{
		{"", 0, 6 * gib, runtime.NumCPU()},         // the default share, 60% of 10 GiB
		{"25%", 1, 10 * gib / 4, 1},                // a share of what the process may use
		{"4GB", 2, 4_000_000_000, 2},               // decimal units
		{"512MiB", 0, 512 << 20, runtime.NumCPU()}, // binary units
	} {
		got, err := resolveEngine(config.Engine{MemoryLimit: tc.limit, Threads: tc.threads}, 10*gib)
		if err != nil {
			t.Fatalf("%q: %v", tc.limit, err)
		}
		if got.MemoryLimitBytes != tc.want || got.Threads != tc.wantThr {
			t.Errorf("%q: got %d bytes, %d threads; want %d, %d", tc.limit, got.MemoryLimitBytes, got.Threads, tc.want, tc.wantThr)
		}
	}
}

// The settings reach DuckDB: its own current_setting reads them back.
func TestOpenStoreAppliesEngine(t *testing.T) {
	dir := t.TempDir()
	spill := filepath.Join(dir, "spill")
	s, err := OpenStore(context.Background(), filepath.Join(dir, "a.duckdb"),
		WithEngine(config.Engine{MemoryLimit: "50%", Threads: 1, TempDirectory: spill}), withMemory(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var limit, threads, temp string
	if err := s.DB.QueryRow(`SELECT current_setting('memory_limit'), current_setting('threads')::VARCHAR,
		current_setting('temp_directory')`).Scan(&limit, &threads, &temp); err != nil {
		t.Fatal(err)
	}
	// 50% of 1 GiB is 512 MiB; DuckDB shows it in its own words.
	if limit != "512.0 MiB" || threads != "1" || temp != spill {
		t.Errorf("memory_limit %q, threads %q, temp_directory %q; want 512.0 MiB, 1, %s", limit, threads, temp, spill)
	}
	if s.Engine.MemoryLimitBytes != 512<<20 {
		t.Errorf("Store.Engine.MemoryLimitBytes = %d", s.Engine.MemoryLimitBytes)
	}
}

// Without WithEngine DuckDB keeps its defaults (80% of RAM), which is what
// the issue found wrong; the CLI always passes the config's settings.
func TestAvailableMemoryIsBounded(t *testing.T) {
	m := availableMemory()
	if p := physicalMemory(); p > 0 && m > p {
		t.Errorf("available %d exceeds physical %d", m, p)
	}
	if m <= 0 {
		t.Errorf("available memory %d", m)
	}
}
