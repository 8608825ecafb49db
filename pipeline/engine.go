package pipeline

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/accordhq/accord/config"
)

// StoreOption configures OpenStore.
type StoreOption func(*storeOptions)

type storeOptions struct {
	engine *config.Engine
	// memory is what the process may use, in bytes; 0 means read it from
	// the machine (tests inject it).
	memory int64
}

// WithEngine applies the config's engine settings (memory limit, threads,
// spill folder) to the database. Its TempDirectory is used as given, so
// resolve it against the config's folder first (Config.Resolve).
func WithEngine(e config.Engine) StoreOption {
	return func(o *storeOptions) { o.engine = &e }
}

// EngineSettings are the DuckDB settings an Engine resolves to.
type EngineSettings struct {
	MemoryLimitBytes int64
	Threads          int
	TempDirectory    string // "" leaves DuckDB's default, "<database>.tmp"
}

// resolveEngine turns e into DuckDB settings, taking a share of memory
// (the bytes the process may use).
func resolveEngine(e config.Engine, memory int64) (EngineSettings, error) {
	b, share, err := config.ParseMemoryLimit(cmp.Or(e.MemoryLimit, config.DefaultMemoryLimit))
	if err != nil {
		return EngineSettings{}, fmt.Errorf("engine: memory_limit: %w", err)
	}
	if share > 0 {
		b = int64(float64(memory) * share)
	}
	threads := e.Threads
	if threads == 0 {
		threads = runtime.NumCPU()
	}
	return EngineSettings{MemoryLimitBytes: b, Threads: threads, TempDirectory: e.TempDirectory}, nil
}

// dsnParams are the connection-string settings for s.
func (s EngineSettings) dsnParams() url.Values {
	v := url.Values{}
	// DuckDB reads sizes with binary units; MiB keeps the value exact enough.
	v.Set("memory_limit", strconv.FormatInt(max(s.MemoryLimitBytes>>20, 64), 10)+"MiB")
	v.Set("threads", strconv.Itoa(s.Threads))
	if s.TempDirectory != "" {
		v.Set("temp_directory", s.TempDirectory)
	}
	return v
}

// addressSpaceReserve is the address space kept out of a share of an
// address-space rlimit: the Go runtime, thread stacks and DuckDB's
// allocator reserve far more virtual memory than they touch.
const addressSpaceReserve = 1 << 30

// availableMemory is the least of physical memory, the cgroup's limit and
// the address-space rlimit (less addressSpaceReserve): what one share of
// "memory_limit: 60%" is taken of.
func availableMemory() int64 {
	best := physicalMemory()
	if c := cgroupMemoryLimit(); c > 0 && (best == 0 || c < best) {
		best = c
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil && rl.Cur != ^uint64(0) && rl.Cur < 1<<62 {
		as := int64(rl.Cur) - addressSpaceReserve
		if as < 256<<20 {
			as = int64(rl.Cur) / 2
		}
		if best == 0 || as < best {
			best = as
		}
	}
	if best == 0 {
		best = 4 << 30 // nothing readable: assume a small machine
	}
	return best
}

func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

func cgroupMemoryLimit() int64 {
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
		// "max" (v2) and a huge number (v1) both mean no limit.
		if err == nil && v > 0 && v < 1<<62 {
			return v
		}
	}
	return 0
}

// DuckDBVersion is the version of the DuckDB library linked in, as DuckDB
// reports it (an in-memory database, opened and closed).
func DuckDBVersion(ctx context.Context) (string, error) {
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		return "", fmt.Errorf("duckdb version: %w", err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", fmt.Errorf("duckdb version: %w", err)
	}
	return v, nil
}
