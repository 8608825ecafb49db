//go:build unix

package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline/demo"
)

// skipStore is one database that runs are made into, with the reports
// rendered as accord run renders them, and the last run's log.
type skipStore struct {
	t          *testing.T
	store      *Store
	reportsDir string
	log        bytes.Buffer
	// failPublish makes the next run fail after its sources are staged
	// and its results computed, before anything is committed.
	failPublish bool
}

func newSkipStore(t *testing.T) *skipStore {
	t.Helper()
	store, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "accord.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &skipStore{t: t, store: store, reportsDir: t.TempDir()}
}

func (s *skipStore) try(cfgPath string, full bool) (*Result, error) {
	s.t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		s.t.Fatal(err)
	}
	s.log.Reset()
	publish := benchPublisher(cfg)
	r := &Runner{Store: s.store, Config: cfg, Logger: slog.New(slog.NewTextHandler(&s.log, nil)), Now: fixedClock, ReportsDir: s.reportsDir,
		Publish: func(ctx context.Context, tx *sql.Tx, res *Result, dir string) error {
			if s.failPublish {
				s.failPublish = false
				return errors.New("publish failed on purpose")
			}
			return publish(ctx, tx, res, dir)
		}}
	return r.Run(context.Background(), RunOptions{AsOf: fixtureAsOf, Full: full})
}

func (s *skipStore) run(cfgPath string, full bool) *Result {
	s.t.Helper()
	res, err := s.try(cfgPath, full)
	if err != nil {
		s.t.Fatalf("run (full %v): %v\n%s", full, err, s.log.String())
	}
	return res
}

// readSources names the sources res read (the others it kept).
func readSources(res *Result) []string {
	var out []string
	for _, s := range res.Sources {
		if s.KeptFrom == 0 {
			out = append(out, s.Source)
		}
	}
	return out
}

func expectRead(t *testing.T, what string, res *Result, want ...string) {
	t.Helper()
	if got := readSources(res); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: read %v, want %v", what, got, want)
	}
}

// sameRun fails unless run a of store sa and run b of store sb hold the
// same record and results: every result table, the rejects, orphans,
// run_inputs and run_sources (but for kept_from, which says how), the
// canonical tables, the summary and the reports folder (workbooks entry
// by entry: a zip records when each was written).
func sameRun(t *testing.T, sa *skipStore, a *Result, sb *skipStore, b *Result) {
	t.Helper()
	for _, table := range append(resultTables, "rejects", "orphans", "run_inputs") {
		if da, db := tableDigest(t, sa.store.DB, table, a.RunID), tableDigest(t, sb.store.DB, table, b.RunID); da != db {
			t.Errorf("%s: %s, a full load %s", table, da, db)
		}
	}
	q := "SELECT * EXCLUDE (run_id, kept_from) FROM run_sources WHERE run_id = ? ORDER BY ALL"
	if da, db := rowsDigest(t, sa.store.DB, q, a.RunID), rowsDigest(t, sb.store.DB, q, b.RunID); da != db {
		t.Errorf("run_sources: %s, a full load %s", da, db)
	}
	for _, ct := range config.CanonicalTables {
		q := "SELECT * FROM " + ct.Name + " ORDER BY ALL"
		if da, db := rowsDigest(t, sa.store.DB, q), rowsDigest(t, sb.store.DB, q); da != db {
			t.Errorf("canonical %s: %s, a full load %s", ct.Name, da, db)
		}
	}
	strip := func(ss []SourceLoad) []SourceLoad {
		out := make([]SourceLoad, len(ss))
		for i, s := range ss {
			s.KeptFrom = 0
			out[i] = s
		}
		return out
	}
	if ga, gb := strip(a.Sources), strip(b.Sources); !reflect.DeepEqual(ga, gb) {
		t.Errorf("sources:\n%+v\na full load:\n%+v", ga, gb)
	}
	if !reflect.DeepEqual(a.FutureDates, b.FutureDates) || !reflect.DeepEqual(a.Orphans, b.Orphans) || !reflect.DeepEqual(a.Tiers, b.Tiers) {
		t.Errorf("summary: future dates %v, orphans %v, tiers %v; a full load %v, %v, %v", a.FutureDates, a.Orphans, a.Tiers,
			b.FutureDates, b.Orphans, b.Tiers)
	}
	fa, fb := fileSums(t, a.ReportDir), fileSums(t, b.ReportDir)
	for name, sum := range fa {
		if fb[name] != sum {
			t.Errorf("report %s differs from a full load's", name)
		}
	}
	if len(fa) != len(fb) || len(fa) == 0 {
		t.Errorf("reports: %d files, a full load %d", len(fa), len(fb))
	}
}

// fileSums is the sha256 of each file under dir, by its path there.
func fileSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if filepath.Ext(p) != ".xlsx" {
			sum, err := hashFile(p)
			out[rel] = sum
			return err
		}
		// A workbook is a zip whose entries carry the time they were
		// written: its entries' contents are compared.
		zr, err := zip.OpenReader(p)
		if err != nil {
			return err
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, rc)
			rc.Close()
			if err != nil {
				return err
			}
			out[rel+":"+f.Name] = hex.EncodeToString(h.Sum(nil))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// appendCopy appends to an export a copy of its first plain data row (no
// quotes, an ID first) under a new ID: one more row, other results.
func appendCopy(t *testing.T, path, suffix string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\r\n"), "\n")
	for _, l := range lines[1:] {
		id, rest, ok := strings.Cut(strings.TrimRight(l, "\r"), ",")
		if !ok || id == "" || strings.ContainsAny(l, `"`) {
			continue
		}
		out := strings.TrimRight(string(raw), "\r\n") + "\n" + id + suffix + "," + rest + "\n"
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s has no plain row to copy", path)
}

// skipFixture is the fixture with a rejected survey (a score of eleven)
// and one answered after the as-of date: a kept source's rejects and its
// date warning must come out as a full load's.
func skipFixture(t *testing.T) (dir, cfgPath string) {
	t.Helper()
	dir = copyFixture(t)
	surveys := filepath.Join(dir, "fixture", "surveys.csv")
	raw, err := os.ReadFile(surveys)
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, []byte("S6,C3,2026-05-01,eleven,4\nS7,C3,2027-01-05,8,4\n")...)
	if err := os.WriteFile(surveys, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath = editFixtureConfig(t, dir, "surveys: {files: [surveys.csv],", "surveys: {reject_threshold: 0.5, files: [surveys.csv],")
	return dir, cfgPath
}

// TestOneSourceChangedReadsOnlyIt is issue 12's target: one source
// changed, only it is staged again, and the run's results, record and
// reports are a full load's, on the fixture and on demo data.
func TestOneSourceChangedReadsOnlyIt(t *testing.T) {
	demoDir := t.TempDir()
	if _, err := demo.Generate(context.Background(), demo.Options{Out: demoDir, Customers: 1500, Seed: 5, AsOf: fixtureAsOf}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		demo    bool
		changed string // the source whose export changes
	}{
		{"fixture", false, "tickets"},
		{"demo tickets", true, "tickets"},
		{"demo activities", true, "activities"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var inputs, cfgPath string
			if c.demo {
				// A copy of the demo set, so each case changes its own.
				inputs = t.TempDir()
				if err := os.CopyFS(inputs, os.DirFS(demoDir)); err != nil {
					t.Fatal(err)
				}
				cfgPath = exampleConfig(t, inputs)
			} else {
				var dir string
				dir, cfgPath = skipFixture(t)
				inputs = filepath.Join(dir, "fixture")
			}
			skip, full := newSkipStore(t), newSkipStore(t)
			skip.run(cfgPath, false)
			full.run(cfgPath, true)

			appendCopy(t, filepath.Join(inputs, c.changed+".csv"), "-new")
			got := skip.run(cfgPath, false)
			log := skip.log.String()
			want := full.run(cfgPath, true)
			expectRead(t, "one source changed", got, c.changed)
			expectRead(t, "--full", want, readSources(want)...)
			if len(readSources(want)) != len(want.Sources) {
				t.Errorf("--full kept a source: read %v", readSources(want))
			}
			for _, s := range got.Sources {
				if s.Source != c.changed && (s.KeptFrom != 1 || !strings.Contains(log, "source unchanged since run 1: not re-read")) {
					t.Errorf("source %s kept from run %d; log:\n%s", s.Source, s.KeptFrom, log)
				}
			}
			sameRun(t, skip, got, full, want)
			// A third run, one more source changed: a source kept twice
			// still stands for the load of run 1.
			appendCopy(t, filepath.Join(inputs, "surveys.csv"), "-again")
			got = skip.run(cfgPath, false)
			want = full.run(cfgPath, true)
			expectRead(t, "surveys changed next", got, "surveys")
			for _, s := range got.Sources {
				if s.Source != "surveys" && s.Source != c.changed && s.KeptFrom != 1 {
					t.Errorf("third run: source %s kept from run %d, want 1", s.Source, s.KeptFrom)
				}
			}
			sameRun(t, skip, got, full, want)
		})
	}
}

// TestKeptSourceKeepsItsRejects: a kept source's rejected rows are the new
// run's rejects, with their file, line, column and reason, and its date
// warning stands.
func TestKeptSourceKeepsItsRejects(t *testing.T) {
	dir, cfgPath := skipFixture(t)
	s := newSkipStore(t)
	first := s.run(cfgPath, false)
	appendCopy(t, filepath.Join(dir, "fixture", "tickets.csv"), "-new")
	second := s.run(cfgPath, false)
	expectRead(t, "tickets changed", second, "tickets")
	q := "SELECT source, file, line, column_name, value, reason FROM rejects WHERE run_id = ? AND source = 'surveys' ORDER BY ALL"
	if a, b := rowsDigest(t, s.store.DB, q, first.RunID), rowsDigest(t, s.store.DB, q, second.RunID); a != b || !strings.HasPrefix(a, "1 rows") {
		t.Errorf("surveys' rejects: run 2 %s, run 1 %s; want the one reject of run 1", b, a)
	}
	var line int64
	var column, reason string
	if err := s.store.DB.QueryRow(`SELECT line, column_name, reason FROM rejects WHERE run_id = ? AND source = 'surveys'`, second.RunID).Scan(&line, &column, &reason); err != nil {
		t.Fatal(err)
	}
	if line != 6 || column != "nps" || reason == "" {
		t.Errorf("kept reject: line %d column %s reason %q, want line 6 of nps", line, column, reason)
	}
	var surveys SourceLoad
	for _, src := range second.Sources {
		if src.Source == "surveys" {
			surveys = src
		}
	}
	if surveys.Rejected != 1 || surveys.RowsRead != 6 || len(surveys.TopReasons) != 1 {
		t.Errorf("kept surveys: %+v, want 6 rows read, 1 rejected with its reason", surveys)
	}
	if len(second.FutureDates) != 1 || second.FutureDates[0].Source != "surveys" || second.FutureDates[0].Latest != "2027-01-05" {
		t.Errorf("future dates %+v, want the survey of 2027-01-05", second.FutureDates)
	}
}

// TestSourceReadAgainWhenWhatItReadsChanged changes, one at a time, what a
// source's staging reads; each time exactly the sources it touches are
// read again.
func TestSourceReadAgainWhenWhatItReadsChanged(t *testing.T) {
	dir := copyFixture(t)
	lookup := filepath.Join(dir, "fixture", "regions.csv")
	if err := os.WriteFile(lookup, []byte("code,region_name\nEast,华东\nNorth,华北\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	editFixtureConfig(t, dir, "customers: {files: [customers.csv]",
		`customers: {transform: "SELECT c.* EXCLUDE (region), coalesce(r.region_name, c.region) AS region FROM export c LEFT JOIN regions r ON r.code = c.region", files: [customers.csv]`)
	cfgPath := editFixtureConfig(t, dir, "model:", "lookups: {regions: {file: regions.csv}}\nmodel:")
	s := newSkipStore(t)
	s.run(cfgPath, false)
	all := readSources(s.run(cfgPath, true))

	editFixtureConfig(t, dir, "hourly_cost:", "# a comment\n  hourly_cost:")
	expectRead(t, "the model changed", s.run(cfgPath, false))

	editFixtureConfig(t, dir, "surveys: {files: [surveys.csv],", "surveys: {null_tokens: ['-'], files: [surveys.csv],")
	expectRead(t, "surveys' config section", s.run(cfgPath, false), "surveys")

	if err := os.WriteFile(lookup, []byte("code,region_name\nEast,华东\nNorth,华北\nSouth,华南\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := s.run(cfgPath, false)
	expectRead(t, "the lookup customers join", res, "customers")
	var region string
	if err := s.store.DB.QueryRow(`SELECT region FROM customers WHERE customer_id = 'C5'`).Scan(&region); err != nil || region != "华南" {
		t.Errorf("C5's region %q (%v), want 华南 from the changed lookup", region, err)
	}

	editFixtureConfig(t, dir, "timezone: Asia/Shanghai", "timezone: Europe/Berlin")
	expectRead(t, "the time zone", s.run(cfgPath, false), all...)

	editFixtureConfig(t, dir, "model:", "currency: {code: USD, symbol: $}\nmodel:")
	expectRead(t, "the currency", s.run(cfgPath, false), all...)

	// Another build of accord: the executable's sum is read once per
	// process, so the test stands in another.
	if _, err := executableSum(); err != nil {
		t.Fatal(err)
	}
	build := executable.sum
	executable.sum = "another build"
	t.Cleanup(func() { executable.sum = build })
	expectRead(t, "another build", s.run(cfgPath, false), all...)
}

// TestSkipAfterFailedRun: a run that fails after staging (its publishing
// fails; a source shrinks to nothing, under --full too) commits nothing,
// so the next run decides against the last succeeded load: a source put
// back as that run read it is kept, one changed since is read, and the
// results are a full load's each time.
func TestSkipAfterFailedRun(t *testing.T) {
	dir, cfgPath := skipFixture(t)
	tickets, surveys := filepath.Join(dir, "fixture", "tickets.csv"), filepath.Join(dir, "fixture", "surveys.csv")
	read := func(p string) []byte {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	write := func(p string, raw []byte) {
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	originalTickets, originalSurveys := read(tickets), read(surveys)
	skip, full := newSkipStore(t), newSkipStore(t)
	skip.run(cfgPath, false)
	full.run(cfgPath, true)
	fails := func(what string, fullRun bool) {
		t.Helper()
		if _, err := skip.try(cfgPath, fullRun); err == nil {
			t.Fatalf("%s: the run succeeded", what)
		}
		if _, err := full.try(cfgPath, true); err == nil {
			t.Fatalf("%s: the full run succeeded", what)
		}
	}

	appendCopy(t, tickets, "-new")
	skip.failPublish, full.failPublish = true, true
	fails("publishing fails", false)
	write(tickets, originalTickets)
	// The model's comment changes the config, not a source: the run is
	// not carried forward, and reads nothing.
	editFixtureConfig(t, dir, "hourly_cost:", "# a comment\n  hourly_cost:")
	got, want := skip.run(cfgPath, false), full.run(cfgPath, true)
	expectRead(t, "tickets back as run 1 read them", got)
	sameRun(t, skip, got, full, want)

	appendCopy(t, tickets, "-new")
	write(surveys, []byte("survey_id,customer_id,answered_at,nps,would_repurchase\n"))
	fails("surveys empty, --full", true)
	write(surveys, originalSurveys)
	got, want = skip.run(cfgPath, false), full.run(cfgPath, true)
	expectRead(t, "tickets changed since the last succeeded run", got, "tickets")
	sameRun(t, skip, got, full, want)
}

// TestKeptOnlyWhileItsTableHoldsItsLoad: a canonical table changed behind
// the runs' back (a restore, a hand edit) no longer holds the load its
// fingerprint stands for, so its source is read again.
func TestKeptOnlyWhileItsTableHoldsItsLoad(t *testing.T) {
	dir, cfgPath := skipFixture(t)
	s := newSkipStore(t)
	s.run(cfgPath, false)
	if _, err := s.store.DB.Exec(`DELETE FROM surveys WHERE survey_id = 'S1'`); err != nil {
		t.Fatal(err)
	}
	appendCopy(t, filepath.Join(dir, "fixture", "tickets.csv"), "-new")
	res := s.run(cfgPath, false)
	expectRead(t, "surveys edited in the database", res, "surveys", "tickets")
	if !strings.Contains(s.log.String(), "source read again: its table does not hold the rows its last load recorded") {
		t.Errorf("no warning of the edited table:\n%s", s.log.String())
	}
	var n int64
	if err := s.store.DB.QueryRow(`SELECT count(*) FROM surveys WHERE survey_id = 'S1'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("survey S1: %d rows (%v), want it loaded again", n, err)
	}
}
