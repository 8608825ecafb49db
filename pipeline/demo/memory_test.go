package demo

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// peakHeap runs Generate for n customers and returns the largest HeapInuse
// seen while it ran, sampled every 5 ms.
func peakHeap(t *testing.T, n int) uint64 {
	t.Helper()
	runtime.GC()
	var (
		peak uint64
		wg   sync.WaitGroup
	)
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	dir := filepath.Join(tempRoot, fmt.Sprintf("mem-%d", n))
	_, err := Generate(context.Background(), Options{Out: dir, Customers: n, AsOf: testAsOf})
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return peak
}

// Memory must not follow the customer count. 2.5 times the customers may
// only add the manifest's lists (about 0.6% of ~50 rows per customer, under
// 100 bytes each: 60,000 × 50 × 0.006 × 100 B ≈ 1.8 MB, doubled while a
// slice grows), so allow 8 MB. The smaller run has 40,000 customers, not
// fewer, because excelize's StreamWriter keeps up to 16 MB of sheet XML in a
// growing buffer before it spills to a temp file: a fixed ceiling, but one a
// 20,000-customer sheet (about 10 MB) does not reach.
func TestMemoryStaysFlatAsCustomersGrow(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 140,000 customers")
	}
	small := peakHeap(t, 40_000)
	large := peakHeap(t, 100_000)
	t.Logf("peak heap in use: %.1f MB at 40,000 customers, %.1f MB at 100,000", float64(small)/1e6, float64(large)/1e6)
	if large > small+8<<20 {
		t.Errorf("peak heap grew from %d to %d bytes", small, large)
	}
	if large > 96<<20 {
		t.Errorf("peak heap %d bytes, want well under 96 MB", large)
	}
}

func BenchmarkGenerate2000Customers(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Generate(context.Background(), Options{Out: dir, AsOf: testAsOf}); err != nil {
			b.Fatal(err)
		}
	}
}
