package pipeline

import (
	"context"
	"database/sql"
	"errors"
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

// An export whose dates changed shape mid-year lists both formats; a value
// neither reads is rejected at its line, naming the formats tried, and a
// two-digit year read by %Y says so instead of loading the year 0026.
func TestDateFormatListLoads(t *testing.T) {
	dir := copyFixture(t)
	os.WriteFile(filepath.Join(dir, "fixture", "ar_invoices.csv"), []byte("invoice_id,customer_id,issued_at,due_at,amount\n"+
		"A1,C1,05/31/2026,2026-06-30,1000.00\n"+ // %m/%d/%Y
		"A2,C2,2026-07-01,2026-07-31,2000.00\n"+ // %Y-%m-%d, the second format
		"A3,C3,8/1/26,2026-08-31,1000.00\n"+ // line 4: %Y reads the year 0026
		"A4,C5,31/08/2026,2026-09-30,400.00\n"+ // line 5: no month 31 under either
		"A5,C1,2025-10-01,2025-10-31,777.00\n"), 0o644)
	cfg := editFixtureConfig(t, dir, "ar_invoices: {files:",
		`ar_invoices: {reject_threshold: 0.5, date_formats: {issued_at: ["%m/%d/%Y", "%Y-%m-%d"], due_at: "%Y-%m-%d"}, files:`)
	store, res := runFixture(t, cfg)
	var got []string
	rows, err := store.DB.Query(`SELECT line, column_name, reason FROM rejects WHERE run_id = ? AND source = 'ar_invoices' ORDER BY line`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var line int64
		var col, reason string
		if err := rows.Scan(&line, &col, &reason); err != nil {
			t.Fatal(err)
		}
		got = append(got, itoa(line)+" "+col+": "+reason)
	}
	want := []string{
		"4 issued_at: cannot read as a date under %m/%d/%Y or %Y-%m-%d: year 0026 has fewer than four digits (use %y for two-digit years)",
		"5 issued_at: cannot read as a date under %m/%d/%Y or %Y-%m-%d",
	}
	if !slices.Equal(got, want) {
		t.Errorf("rejects\n%q\nwant\n%q", got, want)
	}
	var issued string
	if err := store.DB.QueryRow(`SELECT string_agg(invoice_id || ' ' || issued_at, ', ' ORDER BY invoice_id) FROM ar_invoices`).Scan(&issued); err != nil {
		t.Fatal(err)
	}
	if issued != "A1 2026-05-31, A2 2026-07-01, A5 2025-10-01" {
		t.Errorf("loaded %s", issued)
	}
}

// Day/month-ambiguous timestamps fail the load with formats that read them,
// time of day included: a date-only format would reject every value.
func TestAmbiguousTimestampsHint(t *testing.T) {
	dir := copyFixture(t)
	tickets := filepath.Join(dir, "fixture", "tickets.csv")
	raw, err := os.ReadFile(tickets)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(tickets, []byte(strings.Replace(string(raw), "T1,C1,2026-02-01 09:00:00,", "T1,C1,02/01/2026 09:00,", 1)), 0o644)
	_, _, err = runAt(t, filepath.Join(dir, "fixture.yaml"), fixtureAsOf)
	var amb *AmbiguousDateError
	if !errors.As(err, &amb) {
		t.Fatalf("want an AmbiguousDateError, got %v", err)
	}
	if want := `column opened_at has dates like "02/01/2026 09:00" whose day/month order is ambiguous; set sources.tickets.date_formats.opened_at to "%m/%d/%Y %H:%M" or "%d/%m/%Y %H:%M"`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
}

// duplicates: drop | keep | reject, on activities (23 lines) with AC5-1
// (line 22) copied twice (lines 25, 26) and AC2-1 (line 14) given a second
// variant (line 27, channel phone) and an exact copy (line 28): 27 rows read.
// AC2-1 conflicts under every policy: its three rows are rejected. AC5-1's
// three copies: drop loads one and counts 2 duplicates (27 - 3 rejected - 2
// = 22 loaded); keep loads all three (27 - 3 = 24); reject rejects all three
// (27 - 6 = 21). Every policy: read = loaded + rejected + duplicates.
func TestDuplicatePolicies(t *testing.T) {
	conflict := []string{
		"14 conflicting duplicate: 2 rows share this key with different values",
		"27 conflicting duplicate: 2 rows share this key with different values",
		"28 conflicting duplicate: 2 rows share this key with different values",
	}
	copies := []string{"22 duplicate row (3 copies)", "25 duplicate row (3 copies)", "26 duplicate row (3 copies)"}
	for _, c := range []struct {
		policy                       string
		loaded, rejected, duplicates int64
		ac51                         int64
		rejects                      []string
	}{
		{"drop", 22, 3, 2, 1, conflict},
		{"keep", 24, 3, 0, 3, conflict},
		{"reject", 21, 6, 0, 0, []string{conflict[0], copies[0], copies[1], copies[2], conflict[1], conflict[2]}},
	} {
		t.Run(c.policy, func(t *testing.T) {
			dir := copyFixture(t)
			f, err := os.OpenFile(filepath.Join(dir, "fixture", "activities.csv"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("AC5-1,C5,2026-01-15 10:00:00,inbound,wechat,\n" +
				"AC5-1,C5,2026-01-15 10:00:00,inbound,wechat,\n" +
				"AC2-1,C2,2026-01-15 10:00:00,inbound,phone,\n" +
				"AC2-1,C2,2026-01-15 10:00:00,inbound,email,\n")
			f.Close()
			cfg := editFixtureConfig(t, dir, "activities: {files:", "activities: {reject_threshold: 0.5, duplicates: "+c.policy+", files:")
			store, res := runFixture(t, cfg)
			var a SourceLoad
			for _, s := range res.Sources {
				if s.Source == "activities" {
					a = s
				}
			}
			if a.RowsRead != 27 || a.Loaded != c.loaded || a.Rejected != c.rejected || a.Duplicates != c.duplicates {
				t.Errorf("activities: %d read, %d loaded, %d rejected, %d duplicates; want 27, %d, %d, %d",
					a.RowsRead, a.Loaded, a.Rejected, a.Duplicates, c.loaded, c.rejected, c.duplicates)
			}
			var n int64
			if err := store.DB.QueryRow(`SELECT count(*) FROM activities WHERE activity_id = 'AC5-1'`).Scan(&n); err != nil || n != c.ac51 {
				t.Errorf("AC5-1 loaded %d time(s) (%v), want %d", n, err, c.ac51)
			}
			var got []string
			rows, err := store.DB.Query(`SELECT line, reason FROM rejects WHERE run_id = ? AND source = 'activities' ORDER BY line`, res.RunID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var line int64
				var reason string
				if err := rows.Scan(&line, &reason); err != nil {
					t.Fatal(err)
				}
				got = append(got, itoa(line)+" "+reason)
			}
			if !slices.Equal(got, c.rejects) {
				t.Errorf("rejects\n%q\nwant\n%q", got, c.rejects)
			}
		})
	}
}

// With a transform the policy settles its output rows, and under keep and
// reject the view "export" keeps every copy. tickets.csv has 8 tickets; T1
// (line 2) is repeated as line 10, so the transform sees 9 rows: drop drops
// the copy before it (1 duplicate, 8 loaded), keep loads both (9 loaded),
// reject rejects both at their lines (7 loaded).
func TestDuplicatePoliciesWithTransform(t *testing.T) {
	for _, c := range []struct {
		policy                              string
		loaded, rejected, duplicates, rows1 int64
		lines                               string
	}{
		{"drop", 8, 0, 1, 1, ""},
		{"keep", 9, 0, 0, 2, ""},
		{"reject", 7, 2, 0, 0, "2,10"},
	} {
		t.Run(c.policy, func(t *testing.T) {
			dir := copyFixture(t)
			f, err := os.OpenFile(filepath.Join(dir, "fixture", "tickets.csv"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("T1,C1,2026-02-01 09:00:00,2026-02-02 09:00:00,P1,S-1,power,East,fault,2,1,0,0,5,fixed\n")
			f.Close()
			raw, err := os.ReadFile(filepath.Join(dir, "fixture.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, line := range strings.Split(string(raw), "\n") {
				if strings.HasPrefix(line, "  tickets:") {
					line = `  tickets: {files: [tickets.csv], reject_threshold: 0.5, duplicates: ` + c.policy + `, transform: "SELECT * FROM export"}`
				}
				out = append(out, line)
			}
			cfg := filepath.Join(dir, "fixture.yaml")
			os.WriteFile(cfg, []byte(strings.Join(out, "\n")), 0o644)
			store, res := runFixture(t, cfg)
			var s SourceLoad
			for _, sl := range res.Sources {
				if sl.Source == "tickets" {
					s = sl
				}
			}
			if s.Loaded != c.loaded || s.Rejected != c.rejected || s.Duplicates != c.duplicates {
				t.Errorf("tickets: %d loaded, %d rejected, %d duplicates; want %d, %d, %d", s.Loaded, s.Rejected, s.Duplicates, c.loaded, c.rejected, c.duplicates)
			}
			var n int64
			var lines sql.NullString
			if err := store.DB.QueryRow(`SELECT count(*) FROM tickets WHERE ticket_id = 'T1'`).Scan(&n); err != nil || n != c.rows1 {
				t.Errorf("T1 loaded %d time(s) (%v), want %d", n, err, c.rows1)
			}
			if err := store.DB.QueryRow(`SELECT string_agg(line::VARCHAR, ',' ORDER BY line) FROM rejects WHERE run_id = ? AND source = 'tickets' AND reason = 'duplicate row (2 copies)'`, res.RunID).Scan(&lines); err != nil {
				t.Fatal(err)
			}
			if lines.String != c.lines {
				t.Errorf("duplicate rows rejected at lines %q, want %q", lines.String, c.lines)
			}
		})
	}
}
