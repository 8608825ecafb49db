//go:build !unix

package pipeline

import "time"

// processCPU cannot be read here; stages show their wall time only.
func processCPU() time.Duration { return 0 }
