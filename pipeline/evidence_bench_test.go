//go:build unix

package pipeline

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/accordhq/accord/queries"
)

// BenchmarkEvidence compares the sensitivity check's one pass
// (sensitivity) with the per-variant re-scoring it replaced
// (referenceSensitivity) on the demo exports of ACCORD_BENCH_CUSTOMERS
// customers (default 20,000; the issue measured 100,000) with the example
// config. The run is loaded and scored once, untimed; then, in rounds
// (ACCORD_BENCH_ROUNDS, default 1; each b.N iteration is that many), each
// way runs in the run's scoring state, and the scored tables are restored
// between them, untimed. Metrics: onepass-cpu-s and rescore-cpu-s, median
// CPU seconds of the process (all threads); onepass-cpu-x-rescore, the
// median of per-round CPU ratios; the same for wall time. The exports are
// generated once and cached in os.TempDir()/accord-bench-demo-<customers>-<as-of>
// (benchDemo).
func BenchmarkEvidence(b *testing.B) {
	customers := benchEnvInt(b, "ACCORD_BENCH_CUSTOMERS", 20_000)
	rounds := benchEnvInt(b, "ACCORD_BENCH_ROUNDS", 1)
	ctx := context.Background()
	cfgPath := exampleConfig(b, benchDemo(b, customers, fixtureAsOf))
	cfg := mustLoad(b, cfgPath)
	store, err := OpenStore(ctx, filepath.Join(b.TempDir(), "accord.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	start := time.Now()
	r := &Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock}
	res, err := r.Run(ctx, RunOptions{AsOf: fixtureAsOf})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("run of %d customers in %s (evidence %s)", customers, time.Since(start).Round(time.Millisecond), res.Timings["evidence"].Round(time.Millisecond))
	tx, sc := rescoreRun(b, store, cfg, res)
	restore := func() {
		if err := sc.normalizeAndScore(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, queries.Get("ComputeCustomerValue")); err != nil {
			b.Fatal(err)
		}
	}
	var onePassCPU, rescoreCPU, cpuX, wallX []float64
	b.ResetTimer()
	for i := 0; i < b.N*rounds; i++ {
		var onePassErr, rescoreErr error
		wallNew, cpuNew, _ := measure(func() { onePassErr = sc.sensitivity(ctx) })
		wallOld, cpuOld, _ := measure(func() { rescoreErr = sc.referenceSensitivity(ctx, nil) })
		if onePassErr != nil || rescoreErr != nil {
			b.Fatal(onePassErr, rescoreErr)
		}
		b.StopTimer()
		restore() // the re-scoring leaves the last variant's scores behind
		b.StartTimer()
		b.Logf("round %d: one pass %.2f CPU-s (%.2fs), re-scoring %.2f CPU-s (%.2fs): %.3f× CPU", i+1, cpuNew, wallNew, cpuOld, wallOld, cpuNew/cpuOld)
		onePassCPU, rescoreCPU = append(onePassCPU, cpuNew), append(rescoreCPU, cpuOld)
		cpuX, wallX = append(cpuX, cpuNew/cpuOld), append(wallX, wallNew/wallOld)
	}
	b.StopTimer()
	b.ReportMetric(median(onePassCPU), "onepass-cpu-s")
	b.ReportMetric(median(rescoreCPU), "rescore-cpu-s")
	b.ReportMetric(median(cpuX), "onepass-cpu-x-rescore")
	b.ReportMetric(median(wallX), "onepass-x-rescore")
}
