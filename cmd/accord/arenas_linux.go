package main

import (
	"os"
	"syscall"
)

// mallocArenaMax is how many malloc arenas DuckDB's threads share under an
// address-space rlimit. glibc gives threads up to 8 arenas per core, each
// reserving 64–128 MB of address space it mostly never touches: under
// `prlimit --as=2GB` those reservations, not DuckDB's memory_limit, ran a
// 2,000-customer run out of memory ("Failed to allocate block … bad
// allocation"); with 2 arenas it completes. glibc reads the cap from the
// environment only (mallopt at init came too late: Go's threads had made
// their arenas), so the process starts itself again with it set.
const mallocArenaMax = "2"

// reexecWithArenaCap re-executes accord with MALLOC_ARENA_MAX set when an
// address-space limit is in force and the variable is not set. It returns
// only if it does not re-execute (no limit, already set, or exec failed:
// then the run goes on as before and may meet the limit early).
func reexecWithArenaCap() {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err != nil || rl.Cur == ^uint64(0) || rl.Cur >= 1<<62 {
		return
	}
	if _, set := os.LookupEnv("MALLOC_ARENA_MAX"); set {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, append(os.Environ(), "MALLOC_ARENA_MAX="+mallocArenaMax))
}
