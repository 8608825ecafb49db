package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline/demo"
	"github.com/accordhq/accord/queries"
)

// referenceSensitivity is the sensitivity check as it was before
// SensitivityTiers scored every variant in one pass: per segment, group and
// ±5 points, re-weigh the normalized indicators, score and tier every
// customer again (ComputeCustomerValue) and count the tier changes. Kept
// for the tests only, as the definition the one pass must match to the bit.
// each, if not nil, sees scored_customers of every variant.
func (s *scorer) referenceSensitivity(ctx context.Context, each func(seg, group string, delta float64)) error {
	if err := s.exec(ctx, "sensitivity", `CREATE OR REPLACE TEMP TABLE base_tiers AS SELECT customer_id, segment, computed_tier FROM scored_customers`); err != nil {
		return err
	}
	base := s.weights
	defer func() { s.weights = base }()
	for _, seg := range s.cfg.Model.SegmentNames() {
		groups, _, _, _ := s.cfg.Model.ModelFor(seg)
		for _, g := range groups {
			for _, delta := range []float64{+0.05, -0.05} {
				s.weights = shiftGroup(base, seg, g.Name, delta)
				if err := s.reweigh(ctx); err != nil {
					return err
				}
				if err := s.exec(ctx, "sensitivity", queries.Get("ComputeCustomerValue")); err != nil {
					return err
				}
				if each != nil {
					each(seg, g.Name, delta)
				}
				if err := s.exec(ctx, "sensitivity", referenceEvidenceSensitivity,
					seg, g.Name, seg, fmt.Sprintf("sensitivity_%s_%+d", g.Name, int(delta*100)),
					fmt.Sprintf("customers whose tier changes if %s moves %+d points", g.Name, int(delta*100)), g.Name, seg); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// referenceEvidenceSensitivity is the per-variant count referenceSensitivity
// made. Parameters: segment, group, segment, metric, detail, group, segment.
const referenceEvidenceSensitivity = `INSERT INTO model_evidence BY NAME
WITH g AS (
    SELECT coalesce(bool_or(available), true) AS has_data FROM model_used
    WHERE run_id = getvariable('run_id')::BIGINT AND segment = ? AND group_name = ?
)
SELECT getvariable('run_id')::BIGINT AS run_id, getvariable('as_of')::DATE AS as_of, ? AS segment, ? AS metric,
       CASE WHEN any_value(g.has_data) THEN count(*) FILTER (WHERE b.computed_tier <> s.computed_tier)::DOUBLE END AS value,
       CASE WHEN any_value(g.has_data) THEN ?
            ELSE 'not available: no indicator of group ' || ? || ' has data in this run (its sources are not configured)' END AS detail
FROM g LEFT JOIN (scored_customers s JOIN base_tiers b USING (customer_id)) ON s.segment = ?`

// reweigh scores the indicators normalizeAndScore last normalized again,
// with s.weights: the same rows in the same order, other weights.
// Normalization does not depend on the weights.
func (s *scorer) reweigh(ctx context.Context) error {
	if err := s.exec(ctx, "reweigh", `CREATE OR REPLACE TEMP TABLE shifted_weights (weight_id INTEGER, weight DOUBLE, group_weight DOUBLE)`); err != nil {
		return err
	}
	for i, w := range s.weights {
		if err := s.exec(ctx, "reweigh", `INSERT INTO shifted_weights VALUES (?, ?, ?)`, i, w.Weight, w.GroupWeight); err != nil {
			return err
		}
	}
	if err := s.exec(ctx, "reweigh", `UPDATE normalized_indicators n SET weight = w.weight, group_weight = w.group_weight
		FROM shifted_weights w WHERE n.weight_id = w.weight_id`); err != nil {
		return err
	}
	return s.exec(ctx, "score", queries.Get("ScoreContributions"))
}

// The one-pass sensitivity check gives the very rows of model_evidence the
// per-variant re-scoring gave, and every variant's score and tier of every
// customer bit for bit, on the hand-computed fixture and on demo data: one
// segment, several (fixed and quantile tiers, entropy weights, excluded
// indicators, unrated customers), and without the tickets source (a group
// without data).
func TestSensitivityOnePassEqualsPerVariantRescoring(t *testing.T) {
	demoDir := t.TempDir()
	if _, err := demo.Generate(context.Background(), demo.Options{Out: demoDir, Customers: 1500, Seed: 5, AsOf: fixtureAsOf}); err != nil {
		t.Fatal(err)
	}
	noTickets := func(t *testing.T) string {
		dir := copyFixture(t)
		raw, err := os.ReadFile(filepath.Join(dir, "fixture.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		line := string(raw)[strings.Index(string(raw), "  tickets: "):]
		return editFixtureConfig(t, dir, line[:strings.Index(line, "\n")+1], "")
	}
	// changed: some variant of a segment changes a tier, so the check has a
	// count to get wrong (five customers rarely do, but all their scores are
	// compared); unavailable: some group has no data.
	cases := []struct {
		name                 string
		config               func(t *testing.T) string
		changed, unavailable bool
	}{
		{"fixture", func(*testing.T) string { return "testdata/fixture.yaml" }, false, false},
		{"fixture segments", func(t *testing.T) string {
			return writeModelConfig(t, modelWith(`  segments:
    - {name: big, when: "employees >= 100"}
    - {name: small, when: "employees < 20", tiers: {method: fixed, cutoffs: [60, 40, 20]}}
    - {name: nobody, when: "false"}
`, "", "", ""))
		}, true, false},
		{"fixture without tickets", noTickets, false, true},
		{"demo", func(t *testing.T) string { return exampleConfig(t, demoDir) }, true, false},
		{"demo segments", func(t *testing.T) string { return exampleConfig(t, demoDir, demoSegments) }, true, false},
		{"demo without tickets", func(t *testing.T) string { return exampleConfig(t, demoDir, demoSegments, demoWithoutTickets) }, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changed, unavailable := false, false
			for _, r := range compareSensitivity(t, c.config(t)) {
				changed = changed || (r.value != "NULL" && !strings.HasPrefix(r.value, "0 "))
				unavailable = unavailable || r.value == "NULL"
			}
			if changed != c.changed || unavailable != c.unavailable {
				t.Errorf("some tier changes: %v, want %v; some group without data: %v, want %v", changed, c.changed, unavailable, c.unavailable)
			}
		})
	}
}

// compareSensitivity runs cfgPath, scores its run again in a transaction it
// rolls back, and compares the sensitivity check both ways. It returns the
// reference's rows.
func compareSensitivity(t *testing.T, cfgPath string) []evidenceRow {
	t.Helper()
	store, res := runFixture(t, cfgPath)
	ctx := context.Background()
	tx, sc := rescoreRun(t, store, mustLoad(t, cfgPath), res)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}

	// The tiers the check compares with are the run's, and the run's evidence left them alone.
	run := scoresOf(t, tx, `SELECT customer_id, score, computed_tier || '/' || tier FROM customer_value WHERE run_id = ?`, res.RunID)
	again := scoresOf(t, tx, `SELECT customer_id, score, computed_tier || '/' || tier FROM scored_customers`)
	diffScores(t, "the run's customer_value against scoring again", run, again)
	compareScoreOrder(t, tx)

	stored := evidenceRows(t, tx, res.RunID)
	clear := func() { exec(`DELETE FROM model_evidence WHERE run_id = ? AND metric LIKE 'sensitivity%'`, res.RunID) }
	clear()
	if err := sc.sensitivity(ctx); err != nil {
		t.Fatal(err)
	}
	onePass := evidenceRows(t, tx, res.RunID)
	variants := map[string]int{} // segment/metric → variant_id
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT segment || '/' || metric, variant_id FROM sensitivity_variants`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var key string
		var id int
		if err := rows.Scan(&key, &id); err != nil {
			t.Fatal(err)
		}
		variants[key] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	onePassTiers := map[int]map[string]scored{}
	for _, id := range variants {
		onePassTiers[id] = scoresOf(t, tx, `SELECT customer_id, s.score, s.computed_tier FROM sensitivity_tiers s JOIN base_tiers USING (customer_id)
			WHERE variant_id = ?`, id)
	}

	clear()
	hasData := map[string]bool{}
	for _, w := range sc.weights {
		hasData[w.Segment+"/"+w.Group] = hasData[w.Segment+"/"+w.Group] || sc.available(w.Indicator)
	}
	err = sc.referenceSensitivity(ctx, func(seg, group string, delta float64) {
		key := fmt.Sprintf("%s/sensitivity_%s_%+d", seg, group, int(delta*100))
		id, ok := variants[key]
		if !ok {
			t.Errorf("%s: no such variant in sensitivity_variants", key)
			return
		}
		got := onePassTiers[id]
		if !hasData[seg+"/"+group] {
			if len(got) != 0 {
				t.Errorf("%s: group without data, yet %d customers scored", key, len(got))
			}
			return
		}
		want := scoresOf(t, tx, `SELECT customer_id, score, computed_tier FROM scored_customers WHERE segment = ?`, seg)
		diffScores(t, key, got, want)
	})
	if err != nil {
		t.Fatal(err)
	}
	reference := evidenceRows(t, tx, res.RunID)
	if len(reference) == 0 {
		t.Fatal("the reference wrote no sensitivity evidence")
	}
	for what, got := range map[string][]evidenceRow{"one pass": onePass, "the run's": stored} {
		if g, w := fmt.Sprint(got), fmt.Sprint(reference); g != w {
			t.Errorf("%s sensitivity evidence:\n%s\nper-variant re-scoring:\n%s", what, g, w)
		}
	}
	return reference
}

// rescoreRun scores the data of run res again, up to its evidence, in a
// transaction the test's cleanup rolls back: the state sensitivity() starts
// from. The run's id: the reference reads from the run's model_used which
// groups have data.
func rescoreRun(tb testing.TB, store *Store, cfg *config.Config, res *Result) (*sql.Tx, *scorer) {
	tb.Helper()
	ctx := context.Background()
	conn, err := store.DB.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, queries.Get("CreateMacros")); err != nil {
		tb.Fatal(err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { tx.Rollback() })
	r := &Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock}
	if err := r.setVariables(ctx, tx, &Result{RunID: res.RunID, AsOf: res.AsOf}); err != nil {
		tb.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, queries.Get("CustomerEconomics")); err != nil {
		tb.Fatal(err)
	}
	sc := &scorer{cfg: cfg, tx: tx, asOf: res.AsOf}
	if err := sc.score(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, queries.Get("ComputeCustomerValue")); err != nil {
		tb.Fatal(err)
	}
	return tx, sc
}

// evidenceRow is a row of model_evidence as compared: value by its bits.
type evidenceRow struct {
	segment, metric string
	value           string
	detail          sql.NullString
}

func (r evidenceRow) String() string {
	return fmt.Sprintf("%s %s %s %q\n", r.segment, r.metric, r.value, r.detail.String)
}

func evidenceRows(t *testing.T, tx *sql.Tx, runID int64) []evidenceRow {
	t.Helper()
	rows, err := tx.Query(`SELECT segment, metric, value, detail FROM model_evidence WHERE run_id = ? AND metric LIKE 'sensitivity%'
		ORDER BY segment, metric`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []evidenceRow
	for rows.Next() {
		var r evidenceRow
		var v sql.NullFloat64
		if err := rows.Scan(&r.segment, &r.metric, &v, &r.detail); err != nil {
			t.Fatal(err)
		}
		r.value = "NULL"
		if v.Valid {
			r.value = fmt.Sprintf("%v (%#x)", v.Float64, math.Float64bits(v.Float64))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// scored is a customer's score and tier in one variant.
type scored struct {
	score float64
	tier  string
}

func scoresOf(t *testing.T, tx *sql.Tx, q string, args ...any) map[string]scored {
	t.Helper()
	rows, err := tx.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]scored{}
	for rows.Next() {
		var id string
		var s scored
		if err := rows.Scan(&id, &s.score, &s.tier); err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// diffScores fails unless got and want hold the same customers with
// bit-identical scores and the same tiers; it names the first few that differ.
func diffScores(t *testing.T, what string, got, want map[string]scored) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d customers, want %d", what, len(got), len(want))
	}
	bad := 0
	for id, w := range want {
		g, ok := got[id]
		if ok && math.Float64bits(g.score) == math.Float64bits(w.score) && g.tier == w.tier {
			continue
		}
		if bad++; bad <= 5 {
			t.Errorf("%s: customer %s: score %v tier %q (present %v), want %v %q", what, id, g.score, g.tier, ok, w.score, w.tier)
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d customers differ in all", what, bad)
	}
}

// demoSegments adds to the example model segments unlike the default:
// coarse indicators, so that many scores tie across tier boundaries; fixed
// tiers; entropy weights with two excluded indicators (at most two per
// customer: ScoreContributions sums excluded weights in window order, exact
// only for two); none with customers. min_coverage 0.6 leaves some unrated.
var demoSegments = [2]string{"  tiers:\n    method: quantile", `  min_coverage: 0.6
  segments:
    - name: north
      when: "region = '华北'"
      groups:
        - {name: influence, weight: 50, indicators: [{name: market_influence, weight: 1}]}
        - {name: referrals, weight: 30, indicators: [{name: referral, weight: 1}]}
        - {name: service, weight: 20, indicators: [{name: ease_of_coordination, weight: 1}]}
    - {name: large, when: "employees >= 300", tiers: {method: fixed, cutoffs: [60, 50, 40]}}
    - name: east
      when: "region = '华东'"
      weights: {method: entropy}
      groups:
        - {name: economic, weight: 40, indicators: [{name: maintenance_fees, weight: 60}, {name: collection_timeliness, weight: 40, missing: exclude}]}
        - {name: loyalty, weight: 30, indicators: [{name: repurchase, weight: 40}, {name: proactive_communication, weight: 30, missing: exclude}, {name: referral, weight: 30}]}
        - {name: service, weight: 10, indicators: [{name: satisfaction_per_cost, weight: 1}]}
        - {name: characteristics, weight: 20, indicators: [{name: scale, weight: 60}, {name: market_influence, weight: 40, missing: worst}]}
    - {name: nobody, when: "employees < 0"}
  tiers:
    method: quantile`}

// demoWithoutTickets, as an edit of exampleConfig, drops the tickets
// source: the service groups have no data.
var demoWithoutTickets = [2]string{"tickets", ""}

// exampleConfig writes the example config reading the demo exports in dir,
// with edits (old, new) applied, and returns its path.
func exampleConfig(t testing.TB, dir string, edits ...[2]string) string {
	t.Helper()
	raw, err := os.ReadFile("../config/accord.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(raw)
	for _, e := range append([][2]string{{"inputs_dir: ../data/demo", "inputs_dir: " + dir}}, edits...) {
		if e == demoWithoutTickets {
			start, end := strings.Index(cfg, "\n  tickets:\n"), strings.Index(cfg, "\n  products:\n")
			if start < 0 || end < start {
				t.Fatal("config/accord.example.yaml no longer has a tickets source before products")
			}
			cfg = cfg[:start] + cfg[end:]
			continue
		}
		if !strings.Contains(cfg, e[0]) {
			t.Fatalf("config/accord.example.yaml no longer contains %q", e[0])
		}
		cfg = strings.Replace(cfg, e[0], e[1], 1)
	}
	path := filepath.Join(t.TempDir(), "accord.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// referenceCustomerScores is how ComputeCustomerValue summed before it
// sorted each customer's list by the numbers of model_pairs: by the group
// and indicator names themselves. Kept for the tests only, as the
// definition the numbered sort must match to the bit.
const referenceCustomerScores = `CREATE OR REPLACE TEMP TABLE reference_scores AS
WITH gathered AS (
    SELECT customer_id, any_value(segment) AS segment,
           avg(CASE WHEN missing THEN 0.0 ELSE 1.0 END) AS coverage,
           list_sort(list({'g': group_name, 'i': indicator, 'c': contribution, 'w': weight, 'wn': weight * normalized})) AS items
    FROM scored_contributions
    GROUP BY customer_id
)
SELECT customer_id, segment, coverage,
       list_sum(list_transform(items, lambda x: x.c)) AS score,
       100 * list_sum(list_transform(list_filter(items, lambda x: x.g = 'economic'), lambda x: x.wn))
           / nullif(list_sum(list_transform(list_filter(items, lambda x: x.g = 'economic'), lambda x: x.w)), 0) AS economic,
       100 * list_sum(list_transform(list_filter(items, lambda x: x.g = 'loyalty'), lambda x: x.wn))
           / nullif(list_sum(list_transform(list_filter(items, lambda x: x.g = 'loyalty'), lambda x: x.w)), 0) AS loyalty,
       100 * list_sum(list_transform(list_filter(items, lambda x: x.g = 'service_effect'), lambda x: x.wn))
           / nullif(list_sum(list_transform(list_filter(items, lambda x: x.g = 'service_effect'), lambda x: x.w)), 0) AS service_effect,
       100 * list_sum(list_transform(list_filter(items, lambda x: x.g = 'characteristics'), lambda x: x.wn))
           / nullif(list_sum(list_transform(list_filter(items, lambda x: x.g = 'characteristics'), lambda x: x.w)), 0) AS characteristics
FROM gathered`

// compareScoreOrder checks scored_customers' scores, group scores and
// coverage against referenceCustomerScores, every double by its bits
// (EXCEPT ALL compares values exactly, NULL equal to NULL).
func compareScoreOrder(t *testing.T, tx *sql.Tx) {
	t.Helper()
	if _, err := tx.Exec(referenceCustomerScores); err != nil {
		t.Fatal(err)
	}
	const cols = `customer_id, segment, coverage, score, economic, loyalty, service_effect, characteristics`
	var n, onlyNew, onlyReference int64
	if err := tx.QueryRow(`SELECT (SELECT count(*) FROM reference_scores),
			(SELECT count(*) FROM (SELECT `+cols+` FROM scored_customers EXCEPT ALL SELECT `+cols+` FROM reference_scores)),
			(SELECT count(*) FROM (SELECT `+cols+` FROM reference_scores EXCEPT ALL SELECT `+cols+` FROM scored_customers))`).
		Scan(&n, &onlyNew, &onlyReference); err != nil {
		t.Fatal(err)
	}
	if n == 0 || onlyNew != 0 || onlyReference != 0 {
		t.Errorf("scores summed by numbered pairs against by names, over %d customers: %d rows only in the run's, %d only in the reference", n, onlyNew, onlyReference)
	}
}
