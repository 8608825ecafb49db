//go:build unix

package pipeline

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// BenchmarkLoadCSV compares loading an activities export of N rows
// (ACCORD_BENCH_ROWS, default 1,000,000; the target size is 10,000,000:
// `ACCORD_BENCH_ROWS=10000000 make bench`) three ways, each ending with the
// rows stored in a fresh DuckDB file and checkpointed (so both sides pay for
// compressing and writing them):
//
//   - plain: CREATE TABLE t AS SELECT * FROM read_csv(path), DuckDB's own
//     type detection, then CHECKPOINT: the floor.
//   - accord: the loader's staging and checks of the file as source
//     activities (fingerprint, read through the mapping, type, check,
//     deduplicate, count), then the commit's replacement of the canonical
//     table in a transaction, COMMIT and CHECKPOINT.
//   - gb18030: the same rows encoded in GB18030, through the loader (which
//     transcodes them in Go first).
//
// A shared machine's speed drifts over minutes, so the three run
// interleaved, in rounds (ACCORD_BENCH_ROUNDS, default 1; each b.N
// iteration is that many rounds), and every ratio is a median of per-round
// ratios: each load is compared with the plain load of its own round.
// Metrics: plain-s, accord-s and gb18030-s, median seconds per load;
// accord-x-plain and gb18030-x-plain, median wall-time ratios; cpu-x
// variants, the same for the process's CPU time (user + system, all
// threads); best-x-plain, the shortest load's time over the shortest plain
// load's (each side's least disturbed round); and peak-RSS-MB per load,
// the highest over rounds (Linux: the process's high-water mark is reset
// before each load; it starts from what the process already holds). Only
// the loads are timed; opening and closing databases is not. Each round's
// log line splits the loads into phases (plain: read, checkpoint; loader:
// stage, swap, checkpoint). The files are
// generated once and cached in os.TempDir()/accord-bench-<rows>.
func BenchmarkLoadCSV(b *testing.B) {
	rows := benchEnvInt(b, "ACCORD_BENCH_ROWS", 1_000_000)
	rounds := benchEnvInt(b, "ACCORD_BENCH_ROUNDS", 1)
	dir := benchActivities(b, rows)
	loads := []struct {
		name string
		run  func() loadSample
	}{
		{"plain", func() loadSample { return benchPlain(b, filepath.Join(dir, "activities.csv"), rows) }},
		{"accord", func() loadSample { return benchAccord(b, dir, "activities.csv", "utf-8", rows) }},
		{"gb18030", func() loadSample { return benchAccord(b, dir, "activities-gb18030.csv", "gb18030", rows) }},
	}
	got := map[string][]loadSample{}
	b.ResetTimer()
	for i := 0; i < b.N*rounds; i++ {
		for _, l := range loads {
			got[l.name] = append(got[l.name], l.run())
		}
	}
	b.StopTimer()
	for r := range got["plain"] {
		p, a, g := got["plain"][r], got["accord"][r], got["gb18030"][r]
		b.Logf("round %d: plain %.2fs (%s); accord %.2fs (%.2f×; %s); gb18030 %.2fs (%.2f×; %s)", r+1,
			p.wall, p.phases, a.wall, a.wall/p.wall, a.phases, g.wall, g.wall/p.wall, g.phases)
	}
	for _, l := range loads {
		var wall, cpu, wallX, cpuX []float64
		peak := 0.0
		for r, s := range got[l.name] {
			wall, cpu = append(wall, s.wall), append(cpu, s.cpu)
			wallX = append(wallX, s.wall/got["plain"][r].wall)
			cpuX = append(cpuX, s.cpu/got["plain"][r].cpu)
			peak = max(peak, s.peakMB)
		}
		b.ReportMetric(median(wall), l.name+"-s")
		if l.name != "plain" {
			b.ReportMetric(median(wallX), l.name+"-x-plain")
			b.ReportMetric(median(cpuX), l.name+"-cpu-x-plain")
			b.ReportMetric(slices.Min(wall)/best(got["plain"]), l.name+"-best-x-plain")
		}
		if peak > 0 {
			b.ReportMetric(peak, l.name+"-peak-RSS-MB")
		}
	}
}

// loadSample is one timed load: wall and CPU seconds, peak RSS in MB, and
// where the wall time went.
type loadSample struct {
	wall, cpu, peakMB float64
	phases            string
}

// best is the shortest wall time of samples: the load least disturbed by
// the rest of the machine.
func best(samples []loadSample) float64 {
	m := samples[0].wall
	for _, s := range samples[1:] {
		m = min(m, s.wall)
	}
	return m
}

// phaseClock splits a timed load into named phases for the round's log line.
type phaseClock struct {
	last time.Time
	out  []string
}

func newPhaseClock() *phaseClock { return &phaseClock{last: time.Now()} }

func (c *phaseClock) mark(name string) {
	now := time.Now()
	c.out = append(c.out, fmt.Sprintf("%s %.1fs", name, now.Sub(c.last).Seconds()))
	c.last = now
}

func (c *phaseClock) String() string { return strings.Join(c.out, ", ") }

func benchEnvInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// measure times load: wall seconds, the process's CPU seconds, and its peak
// resident memory in MB (0 where /proc is missing).
func measure(load func()) (wall, cpu, peakMB float64) {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset the high-water mark (Linux 4.0+)
	c0, t0 := processCPU(), time.Now()
	load()
	return time.Since(t0).Seconds(), (processCPU() - c0).Seconds(), procStatusMB("VmHWM")
}

// benchPlain is DuckDB's own load of path into a fresh database file.
func benchPlain(b *testing.B, path string, rows int) (s loadSample) {
	db, err := sql.Open("duckdb", filepath.Join(b.TempDir(), "plain.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var clock *phaseClock
	s.wall, s.cpu, s.peakMB = measure(func() {
		clock = newPhaseClock()
		if _, err = db.Exec("CREATE TABLE t AS SELECT * FROM read_csv(" + quoteLit(path) + ")"); err != nil {
			b.Fatal(err)
		}
		clock.mark("read")
		if _, err = db.Exec("CHECKPOINT"); err != nil {
			b.Fatal(err)
		}
		clock.mark("checkpoint")
	})
	s.phases = clock.String()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != rows {
		b.Fatalf("plain load: %d rows (%v), want %d", n, err, rows)
	}
	return s
}

// benchAccord is the loader's load of file as source activities into a
// fresh store: staging and checks, then the commit's swap and a checkpoint.
func benchAccord(b *testing.B, dir, file, encoding string, rows int) (s loadSample) {
	yaml := fmt.Sprintf(`inputs_dir: %q
sources:
  customers: {files: [customers.csv], columns: {customer_id: customer_id, name: name}}
  billing_lines: {files: [billing_lines.csv], columns: {invoice_id: invoice_id, line_no: line_no, customer_id: customer_id, issued_at: issued_at, category: category, amount: amount}}
  activities:
    files: [%s]
    encoding: %s
    columns: {activity_id: activity_id, customer_id: customer_id, occurred_at: occurred_at, direction: direction, channel: channel, kind: kind}
`, dir, file, encoding)
	cfg, err := config.Parse(filepath.Join(dir, "bench.yaml"), []byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	tmp := b.TempDir()
	store, err := OpenStore(ctx, filepath.Join(tmp, "accord.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	conn, err := store.DB.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, queries.Get("CreateMacros")); err != nil {
		b.Fatal(err)
	}
	var res SourceLoad
	var clock *phaseClock
	s.wall, s.cpu, s.peakMB = measure(func() {
		clock = newPhaseClock()
		l := &loader{cfg: cfg, conn: conn, workDir: tmp, seen: map[string]bool{}}
		if res, err = l.stage(ctx, "activities"); err == nil {
			clock.mark("stage")
			err = benchCommit(ctx, conn, clock)
		}
	})
	s.phases = clock.String()
	if err != nil {
		b.Fatal(err)
	}
	var stored int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM activities").Scan(&stored); err != nil || stored != int64(rows) {
		b.Fatalf("stored %d rows (%v), want %d", stored, err, rows)
	}
	if res.RowsRead != int64(rows) || res.Loaded != int64(rows) || res.Rejected != 0 {
		b.Fatalf("staged %d rows, loaded %d, rejected %d; want all %d loaded", res.RowsRead, res.Loaded, res.Rejected, rows)
	}
	return s
}

// benchCommit stores the staged activities as a run's commit does, commits
// and checkpoints.
func benchCommit(ctx context.Context, conn *sql.Conn, clock *phaseClock) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	table, _ := config.CanonicalTable("activities")
	if err := replaceCanonical(ctx, tx, table, true); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	clock.mark("swap")
	_, err = conn.ExecContext(ctx, "CHECKPOINT")
	clock.mark("checkpoint")
	return err
}

// procStatusMB reads a "kB" field of /proc/self/status in MB; 0 if unavailable.
func procStatusMB(field string) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}

// benchActivities returns a folder holding activities.csv (UTF-8) and
// activities-gb18030.csv with rows rows shaped like the demo's activities
// export, generating them once. Files appear under their final names only
// when complete.
func benchActivities(b *testing.B, rows int) string {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("accord-bench-%d", rows))
	utf := filepath.Join(dir, "activities.csv")
	gb := filepath.Join(dir, "activities-gb18030.csv")
	if _, err := os.Stat(gb); err == nil {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := writeAtomically(utf, func(w *bufio.Writer) error { return writeActivities(w, rows) }); err != nil {
		b.Fatal(err)
	}
	err := writeAtomically(gb, func(w *bufio.Writer) error {
		in, err := os.Open(utf)
		if err != nil {
			return err
		}
		defer in.Close()
		enc := transform.NewWriter(w, simplifiedchinese.GB18030.NewEncoder())
		if _, err := bufio.NewReaderSize(in, 1<<20).WriteTo(enc); err != nil {
			return err
		}
		return enc.Close()
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d activity rows in %s (%s)", rows, dir, time.Since(start).Round(time.Millisecond))
	return dir
}

func writeAtomically(path string, write func(*bufio.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".partial-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeActivities writes the demo's activities columns: unique ids, one
// customer per 20 activities on average, times over two years, Chinese
// channels and kinds (so GB18030 differs from UTF-8), about 1 in 6 kinds empty.
func writeActivities(w *bufio.Writer, rows int) error {
	rng := rand.New(rand.NewPCG(3, 27))
	customers := max(rows/20, 1)
	channels := []string{"电话", "email", "微信", "拜访", "会议"}
	kinds := []string{"", "续约", "拜访", "咨询", "投诉", "培训"}
	directions := []string{"inbound", "outbound"}
	base := time.Date(2024, 11, 27, 0, 0, 0, 0, time.UTC).Unix()
	if _, err := w.WriteString("activity_id,customer_id,occurred_at,direction,channel,kind\n"); err != nil {
		return err
	}
	var buf []byte
	for i := 1; i <= rows; i++ {
		buf = buf[:0]
		buf = append(buf, 'A')
		buf = fmt.Appendf(buf, "%09d,C%06d,", i, 1+rng.IntN(customers))
		buf = time.Unix(base+rng.Int64N(2*365*86400), 0).UTC().AppendFormat(buf, time.DateTime)
		buf = append(buf, ',')
		buf = append(buf, directions[rng.IntN(2)]...)
		buf = append(buf, ',')
		buf = append(buf, channels[rng.IntN(len(channels))]...)
		buf = append(buf, ',')
		buf = append(buf, kinds[rng.IntN(len(kinds))]...)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
