//go:build linux

package main

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunUnderAnAddressSpaceLimit: `accord run` on the 2,000-customer demo
// under `prlimit --as=2.2GB` completes and records a succeeded run. Before
// accord capped glibc's malloc arenas (arenas_linux.go) the same run failed
// at the load with DuckDB's "Out of Memory Error: … bad allocation": 16
// arenas' reservations filled the address space long before DuckDB's
// memory_limit (60% of the limit less 1 GiB: 644 MiB here) was reached
// (3 runs in 3 at 2.2 GB). At 2 GB the capped run completed 6 times alone
// but failed once, in its reports, inside the loaded suite: hence 2.2 GB.
func TestRunUnderAnAddressSpaceLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run")
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and prlimit (util-linux) is missing: %v", err)
		}
		t.Skipf("prlimit (util-linux) is missing: %v", err)
	}
	dir, _, db := e2eRun(t)
	db.Close()
	cmd := exec.Command(prlimit, "--as=2200000000", "--", os.Args[0], "-test.run=^$")
	cmd.Env = append(withoutEnv(os.Environ(), "MALLOC_ARENA_MAX"),
		"ACCORD_TEST_MAIN="+strings.Join([]string{"run", "--config", filepath.Join(dir, "accord.yaml"), "--as-of", "2026-11-27", "--full"}, "\t"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run under a 2.2 GB address-space limit: %v\n%s", err, lastLines(string(out), 15))
	}
	rdb, err := sql.Open("duckdb", filepath.Join(dir, "accord.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if n := queryInt(t, rdb, `SELECT count(*) FROM runs WHERE status = 'succeeded'`); n != 2 {
		t.Errorf("%d succeeded runs, want 2 (the e2e run and the one under the limit)", n)
	}
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
