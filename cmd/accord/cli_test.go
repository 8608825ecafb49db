package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateListsEveryProblemAndExits2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(path, []byte("timezone: Nowhere/City\nsources:\n  customers: {files: [c.csv], columns: {customer_id: id}}\nreports: {language: fr}\n"), 0o644)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"validate", "--config", path}, &out, &errOut, clock)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	for _, field := range []string{"timezone", "sources.customers.columns.name", "reports.language"} {
		if !strings.Contains(errOut.String(), field) {
			t.Errorf("stderr does not name %s:\n%s", field, errOut.String())
		}
	}
}

func TestValidateInputsDryRunsWithoutTheDatabase(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"validate", "--config", "../../pipeline/testdata/fixture.yaml", "--inputs"}, &out, &errOut, clock)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "customers") || !strings.Contains(out.String(), "billing_lines            17         17") {
		t.Errorf("dry run output lacks per-source counts:\n%s", out.String())
	}
	if _, err := os.Stat("../../pipeline/testdata/fixture.duckdb"); err == nil {
		t.Error("dry run created the database")
	}
}

func TestUnknownCommandExits2(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, &out, &errOut, clock); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
}

// fixtureWithJobs copies the pipeline fixture into a temporary folder and
// appends a job with the given cron spec.
func fixtureWithJobs(t *testing.T, spec string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "fixture"), os.DirFS("../../pipeline/testdata/fixture")); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../pipeline/testdata/fixture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if spec != "" {
		raw = append(raw, []byte("smtp: {host: localhost, from: accord@example.com}\njobs:\n  - {name: weekly, schedule: \""+spec+"\", recipients: [{to: [a@example.com]}]}\n")...)
	}
	path := filepath.Join(dir, "accord.yaml")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// validate used to count five fields and accept specs schedule refuses.
func TestValidateRefusesCronSpecsTheSchedulerRefuses(t *testing.T) {
	for _, c := range []struct {
		spec string
		code int
	}{{"0 7 * * 1", 0}, {"61 7 * * 1", exitUsage}, {"0 7 * * 8", exitUsage}, {"0 0 30 2 *", exitUsage}} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"validate", "--config", fixtureWithJobs(t, c.spec)}, &out, &errOut, clock)
		if code != c.code {
			t.Errorf("validate of %q: exit %d, want %d; stderr: %s", c.spec, code, c.code, errOut.String())
		}
		if c.code != 0 && !strings.Contains(errOut.String(), "jobs[0].schedule") {
			t.Errorf("validate of %q does not name jobs[0].schedule: %s", c.spec, errOut.String())
		}
	}
}

// Exit codes as the README documents them: an invalid config 2, a failed
// run 1, a crash 1 (Go's own panic exit is 2, the invalid-config code).
func TestExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	bad := fixtureWithJobs(t, "61 7 * * 1")
	if code := run(context.Background(), []string{"run", "--config", bad, "--db", filepath.Join(t.TempDir(), "x.duckdb")}, &out, &errOut, clock); code != exitUsage {
		t.Errorf("run with an invalid schedule: exit %d, want %d", code, exitUsage)
	}
	cfg := fixtureWithJobs(t, "")
	os.Remove(filepath.Join(filepath.Dir(cfg), "fixture", "tickets.csv"))
	errOut.Reset()
	if code := run(context.Background(), []string{"run", "--config", cfg, "--out", t.TempDir(), "--as-of", "2026-11-27"}, &out, &errOut, clock); code != exitFailed {
		t.Errorf("failed run: exit %d, want %d; stderr: %s", code, exitFailed, errOut.String())
	}
	errOut.Reset()
	// A nil stdout makes "help" panic inside run: a real crash.
	if code := run(context.Background(), []string{"help"}, nil, &errOut, clock); code != exitFailed {
		t.Errorf("crash: exit %d, want %d", code, exitFailed)
	}
	if !strings.Contains(errOut.String(), "internal error") {
		t.Errorf("crash message: %q", errOut.String())
	}
}

// A YAML syntax error is an invalid config: exit 2 (it exited 1).
func TestYAMLSyntaxErrorExitsUsage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("sources: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"validate", "--config", bad}, &out, &errOut, clock); code != exitUsage {
		t.Errorf("YAML syntax error: exit %d, want %d; stderr %s", code, exitUsage, errOut.String())
	}
}

// Flags after the positional argument are read, as people type them
// ("explain C000076 --config F" was refused as a usage error).
func TestFlagsAfterPositionalArgument(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg := fs.String("config", "", "")
	db := fs.String("db", "", "")
	pos, err := parseInterspersed(fs, []string{"C000076", "--config", "a.yaml", "--db", "x.duckdb"})
	if err != nil || len(pos) != 1 || pos[0] != "C000076" || *cfg != "a.yaml" || *db != "x.duckdb" {
		t.Errorf("got %v %v config %q db %q", pos, err, *cfg, *db)
	}
	fs2 := flag.NewFlagSet("t", flag.ContinueOnError)
	fs2.String("config", "", "")
	if pos, err := parseInterspersed(fs2, []string{"--config", "a.yaml", "--", "--not-a-flag"}); err != nil || len(pos) != 1 || pos[0] != "--not-a-flag" {
		t.Errorf("after --: %v %v", pos, err)
	}
}

// version names Accord's build and the DuckDB linked in.
func TestVersionPrintsDuckDB(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &errOut, clock); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "accord ") || !strings.HasPrefix(lines[1], "duckdb v1.") {
		t.Errorf("version output %q", out.String())
	}
}

// TestValidateCompilesMappings is issue 10's "validate says valid and run
// fails with a raw Binder Error": validate now binds every derived
// expression, transform and mapped header against the first file's
// headers, and names the config field of each failure.
func TestValidateCompilesMappings(t *testing.T) {
	path := fixtureWithJobs(t, "")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer(
		// a derived expression naming a header the file lacks ("np")
		"surveys: {files: [surveys.csv], columns: {survey_id: survey_id, customer_id: customer_id, answered_at: answered_at, nps: nps,",
		`surveys: {files: [surveys.csv], derived: {nps: '"np" + 1'}, columns: {survey_id: survey_id, customer_id: customer_id, answered_at: answered_at,`,
		// a transform selecting a column the export lacks
		"products: {files: [products.csv]",
		`products: {transform: "SELECT product_idd AS product_id, name, family, launched_at, supported_until FROM export", files: [products.csv]`,
		// a mapped header the file lacks
		"activities: {files: [activities.csv], columns: {activity_id: activity_id,",
		"activities: {files: [activities.csv], columns: {activity_id: activity_idx,",
	).Replace(string(raw))
	if cfg == string(raw) {
		t.Fatal("fixture config changed: nothing replaced")
	}
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"validate", "--config", path}, &out, &errOut, clock); code != exitUsage {
		t.Fatalf("exit %d, want %d; stdout:\n%s", code, exitUsage, out.String())
	}
	for _, want := range []string{
		`sources.surveys.derived.nps: does not compile`, `"np" not found`,
		`sources.products.transform: does not compile`, `"product_idd" not found`,
		`sources.activities.columns.activity_id: header "activity_idx" is not in the file`, `did you mean "activity_id"?`,
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if strings.Contains(errOut.String(), "LINE 1") {
		t.Errorf("stderr quotes Accord's own SQL:\n%s", errOut.String())
	}
}
