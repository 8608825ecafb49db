package pipeline

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPerFileCountsAddUp is issue 10's case 6: run_inputs.rows_loaded per
// file summed to 541,909 for a transform source that loaded 4,372 rows, and
// the source's duplicates were repeated on every file's row. Each file's
// rows are now read = rejected + duplicates + loaded, and the files add up
// to the source's totals in run_sources.
//
// The fixture's 23 activities are split by hand: act1.csv holds the first
// 10 and a second copy of the first (11 read, 1 duplicate, 10 loaded);
// act2.csv the other 13 and one with a bad date (14 read, 1 rejected, 13
// loaded). The 4 surveys go through a transform over two files: 2 + 2 read,
// the transform's output rows carry no __file, so they belong to no file
// (per-file loaded NULL) and the source loaded 4.
func TestPerFileCountsAddUp(t *testing.T) {
	dir := copyFixture(t)
	split := func(src string, parts map[string][]int, extra map[string][]string) {
		raw, err := os.ReadFile(filepath.Join(dir, "fixture", src))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		for name, idx := range parts {
			out := []string{lines[0]}
			for _, i := range idx {
				out = append(out, lines[i])
			}
			out = append(out, extra[name]...)
			if err := os.WriteFile(filepath.Join(dir, "fixture", name), []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "fixture", "activities.csv"))
	acts := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(acts) != 24 {
		t.Fatalf("fixture activities: %d lines, want 24", len(acts))
	}
	split("activities.csv", map[string][]int{"act1.csv": rangeInts(1, 10), "act2.csv": rangeInts(11, 23)},
		map[string][]string{"act1.csv": {acts[1]}, "act2.csv": {"ACX,C1,not a date,inbound,phone,"}})
	split("surveys.csv", map[string][]int{"s1.csv": {1, 2}, "s2.csv": {3, 4}}, nil)
	editFixtureConfig(t, dir, "activities: {files: [activities.csv]", "activities: {reject_threshold: 0.1, files: [act1.csv, act2.csv]")
	editFixtureConfig(t, dir, "surveys: {files: [surveys.csv]",
		`surveys: {transform: "SELECT survey_id, customer_id, answered_at, nps, would_repurchase FROM export", files: [s1.csv, s2.csv]`)

	store, res := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	type fileRow struct {
		read, rejected int64
		loaded, dups   sql.NullInt64
	}
	got := map[string]fileRow{}
	rows, err := store.DB.Query(`SELECT file, rows_read, rows_rejected, rows_loaded, duplicates FROM run_inputs
		WHERE run_id = ? AND source IN ('activities', 'surveys')`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var f string
		var r fileRow
		if err := rows.Scan(&f, &r.read, &r.rejected, &r.loaded, &r.dups); err != nil {
			t.Fatal(err)
		}
		got[filepath.Base(f)] = r
	}
	rows.Close()
	known := func(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }
	want := map[string]fileRow{
		"act1.csv": {read: 11, rejected: 0, loaded: known(10), dups: known(1)},
		"act2.csv": {read: 14, rejected: 1, loaded: known(13), dups: known(0)},
		// A transform counts each file's duplicates before it runs.
		"s1.csv": {read: 2, rejected: 0, dups: known(0)},
		"s2.csv": {read: 2, rejected: 0, dups: known(0)},
	}
	for f, w := range want {
		g := got[f]
		if g != w {
			t.Errorf("%s: %+v, want %+v", f, g, w)
		}
	}

	for _, src := range []struct {
		name                         string
		read, loaded, rejected, dups int64
	}{
		{"activities", 25, 23, 1, 1},
		{"surveys", 4, 4, 0, 0},
	} {
		var read, loaded, rejected, dups, files int64
		if err := store.DB.QueryRow(`SELECT rows_read, rows_loaded, rows_rejected, duplicates, files FROM run_sources WHERE run_id = ? AND source = ?`,
			res.RunID, src.name).Scan(&read, &loaded, &rejected, &dups, &files); err != nil {
			t.Fatal(err)
		}
		if read != src.read || loaded != src.loaded || rejected != src.rejected || dups != src.dups || files != 2 {
			t.Errorf("run_sources %s: read %d loaded %d rejected %d duplicates %d files %d, want %d %d %d %d 2",
				src.name, read, loaded, rejected, dups, files, src.read, src.loaded, src.rejected, src.dups)
		}
		if n := tableCount(t, store, "SELECT count(*) FROM "+src.name); n != src.loaded {
			t.Errorf("%s holds %d rows, run_sources says %d", src.name, n, src.loaded)
		}
	}
}

// rangeInts is from..to inclusive.
func rangeInts(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}
