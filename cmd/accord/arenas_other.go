//go:build !linux

package main

// reexecWithArenaCap: only glibc's arenas need a cap (arenas_linux.go).
func reexecWithArenaCap() {}
