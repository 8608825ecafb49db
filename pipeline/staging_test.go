package pipeline

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/accordhq/accord/config"
)

// A source read from several files tells their rows apart by rowid: each
// reject must name its own file and line, and every good row is loaded.
func TestRejectsOfSeveralFilesNameTheirFile(t *testing.T) {
	dir := copyFixture(t)
	fx := filepath.Join(dir, "fixture")
	os.Remove(filepath.Join(fx, "surveys.csv"))
	header := "survey_id,customer_id,answered_at,nps,would_repurchase\n"
	os.WriteFile(filepath.Join(fx, "surveys-1.csv"), []byte(header+
		"S1,C1,2026-03-01,10,5\n"+
		"S9,C2,2026-03-01,eleven,3\n"), 0o644) // line 3: nps is not a number
	os.WriteFile(filepath.Join(fx, "surveys-2.csv"), []byte(header+
		"S2,C2,2026-03-01,7,3\n"+
		"S4,C4,2025-01-01,9,4\n"+
		"S8,C4,2025-13-01,9,4\n"+ // line 4: no month 13
		"S5,C5,2026-06-01,5,\n"), 0o644)
	cfg := filepath.Join(dir, "fixture.yaml")
	raw, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(raw), "surveys: {files: [surveys.csv],", "surveys: {reject_threshold: 0.5, files: [surveys-*.csv],", 1)), 0o644)
	store, res := runFixture(t, cfg)

	rows, err := store.DB.Query(`SELECT file, line, column_name FROM rejects WHERE run_id = ? AND source = 'surveys' ORDER BY file, line`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var file, col string
		var line int64
		if err := rows.Scan(&file, &line, &col); err != nil {
			t.Fatal(err)
		}
		got = append(got, filepath.Base(file)+":"+itoa(line)+":"+col)
	}
	want := []string{"surveys-1.csv:3:nps", "surveys-2.csv:4:answered_at"}
	if !slices.Equal(got, want) {
		t.Errorf("rejects %v, want %v", got, want)
	}
	var ids string
	if err := store.DB.QueryRow(`SELECT string_agg(survey_id, ',' ORDER BY survey_id) FROM surveys`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if ids != "S1,S2,S4,S5" {
		t.Errorf("loaded surveys %s, want S1,S2,S4,S5", ids)
	}
}

// After a run the canonical tables have exactly their canonical columns, in
// order (the staged table they were swapped from had more), and no staged
// table is left, after a good run or a failed one.
func TestStagedTablesBecomeCanonicalAndLeaveNothing(t *testing.T) {
	dir := copyFixture(t)
	store, _ := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	for _, tb := range config.CanonicalTables {
		var cols string
		if err := store.DB.QueryRow(`SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index)
			FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main'`, tb.Name).Scan(&cols); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range tb.Columns {
			want = append(want, c.Name+" "+sqlType(c.Type))
		}
		if cols != strings.Join(want, ", ") {
			t.Errorf("table %s has columns %s, want %s", tb.Name, cols, strings.Join(want, ", "))
		}
	}
	assertNoStaged := func(when string) {
		t.Helper()
		var n int
		if err := store.DB.QueryRow(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'accord_staged_%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d staged tables left", when, n)
		}
	}
	assertNoStaged("after a good run")

	// The second source to load fails: the first one's staged table must go.
	os.WriteFile(filepath.Join(dir, "fixture", "surveys.csv"), []byte("survey_id,customer_id,answered_at,nps,would_repurchase\nS1,C1,never,x,y\n"), 0o644)
	cfg, err := config.Load(filepath.Join(dir, "fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock}
	if _, err := r.Run(context.Background(), RunOptions{AsOf: fixtureAsOf}); err == nil {
		t.Fatal("a run whose surveys are all rejected succeeded")
	}
	assertNoStaged("after a failed run")
	var n int
	if err := store.DB.QueryRow(`SELECT count(*) FROM surveys`).Scan(&n); err != nil || n != 4 {
		t.Errorf("surveys after the failed run: %d rows (%v), want the last good 4", n, err)
	}
}
