// Package atomicfile writes a file whole or not at all: to a temporary file
// in the same folder, then renamed over the target, so a reader sees the
// old file or the new one, never a part.
package atomicfile
