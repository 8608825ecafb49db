package pipeline

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Shuffling the rows of every export changes no result table, under the
// default percentile normalization and under z-scores (whose means and
// deviations are floating-point sums, summed in sorted order).
func TestShufflingInputRowsChangesNothing(t *testing.T) {
	for _, norm := range []string{"percentile", "zscore"} {
		t.Run(norm, func(t *testing.T) {
			model := modelWith("  normalization: "+norm+"\n", "", "", "")
			storeA, a := runWithModel(t, model)
			dir := copyFixture(t)
			files, _ := filepath.Glob(filepath.Join(dir, "fixture", "*.csv"))
			rng := rand.New(rand.NewPCG(1, 2))
			for _, f := range files {
				raw, _ := os.ReadFile(f)
				lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
				body := lines[1:]
				rng.Shuffle(len(body), func(i, j int) { body[i], body[j] = body[j], body[i] })
				os.WriteFile(f, []byte(lines[0]+"\n"+strings.Join(body, "\n")+"\n"), 0o644)
			}
			cfg := writeModelConfigFor(t, model, filepath.Join(dir, "fixture"))
			storeB, b := runFixture(t, cfg)
			for _, table := range resultTables {
				if da, db := tableDigest(t, storeA.DB, table, a.RunID), tableDigest(t, storeB.DB, table, b.RunID); da != db {
					t.Errorf("%s differs after shuffling the inputs: %s vs %s", table, da, db)
				}
			}
		})
	}
}

// Improving one of a customer's indicators never lowers its score: C5 gets
// a large maintenance contract (maintenance_fees up, nothing else changes),
// under each population-relative normalization.
func TestImprovingAnIndicatorNeverLowersTheScore(t *testing.T) {
	for _, norm := range []string{"percentile", "zscore", "{method: minmax, low: 0.1, high: 0.9}"} {
		t.Run(norm, func(t *testing.T) {
			model := modelWith("  normalization: "+norm+"\n", "", "", "")
			before, resBefore := runWithModel(t, model)
			scoreBefore, _, _ := scoreOf(t, before.DB, resBefore.RunID, "C5")

			dir := copyFixture(t)
			f, err := os.OpenFile(filepath.Join(dir, "fixture", "billing_lines.csv"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("I99,1,C5,2026-10-01,,maintenance,1,50000.00,CNY\n")
			f.Close()
			cfg := writeModelConfigFor(t, model, filepath.Join(dir, "fixture"))
			after, resAfter := runFixture(t, cfg)
			scoreAfter, _, _ := scoreOf(t, after.DB, resAfter.RunID, "C5")
			if scoreAfter < scoreBefore {
				t.Errorf("C5's score fell from %v to %v when its maintenance fees rose", scoreBefore, scoreAfter)
			}
			if scoreAfter == scoreBefore {
				t.Errorf("C5's score did not move (%v): the change did not reach the index", scoreAfter)
			}
		})
	}
}

// writeModelConfigFor writes the fixture's config with model, reading the
// exports in inputs (a changed copy of the fixture).
func writeModelConfigFor(t *testing.T, model, inputs string) string {
	t.Helper()
	cfg := writeModelConfig(t, model)
	raw, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(raw), "inputs_dir: "+mustAbs(t, "testdata/fixture"), "inputs_dir: "+mustAbs(t, inputs), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
