package pipeline

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// resultTables are replaced per as-of date: a rerun for the same date
// replaces that date's rows.
var resultTables = []string{"customer_value", "value_contributions", "model_used", "model_evidence", "movers",
	"owner_drain", "hotspots", "hotspot_repeats", "hotspot_unsupported", "hotspot_tickets", "hotspot_weibull", "hotspot_forecast", "hotspot_periods", "ar_aging", "ar_kpis", "service_queue", "reconciliation_exceptions", "reconciliation_totals"}

// compute runs every transform of a run inside its transaction: segments,
// indicators, weights, scores, history, then hot-spots, aging and the
// service queue.
func (r *Runner) compute(ctx context.Context, tx *sql.Tx, res *Result) error {
	exec := func(stage, q string, args ...any) error {
		return r.Profile.statement(stage, func() error {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("run: %s: %w", stage, err)
			}
			return nil
		})
	}
	if err := r.setVariables(ctx, tx, res); err != nil {
		return err
	}
	// The date's earlier runs lose their results to this one: they say so
	// (ResultsRemoved) rather than read as a run with nothing in it. In the
	// run's transaction, so a failed rerun marks nothing.
	if err := exec("mark replaced runs", `UPDATE runs SET results_replaced_by = ? WHERE as_of = ? AND run_id <> ?
		AND status = 'succeeded' AND results_replaced_by IS NULL AND results_pruned_at IS NULL`, res.RunID, res.AsOf, res.RunID); err != nil {
		return err
	}
	for _, t := range resultTables {
		if err := exec("clear "+t, "DELETE FROM "+t+" WHERE as_of = ?", res.AsOf); err != nil {
			return err
		}
	}
	if err := exec("customer economics", queries.Get("CustomerEconomics")); err != nil {
		return err
	}
	sc := &scorer{cfg: r.Config, tx: tx, asOf: res.AsOf, profile: r.Profile}
	r.Profile.Mark("score")
	start := time.Now()
	if err := sc.score(ctx); err != nil {
		return err
	}
	res.Timings["score"] = time.Since(start)
	r.Profile.Mark("results")
	start = time.Now()
	for _, stmt := range []string{"ComputeCustomerValue", "InsertCustomerValue", "InsertContributions", "InsertModelUsed", "CompareWithPrevious",
		"InsertMovers", "InstalledUnits", "HotspotRegions", "Hotspots", "HotspotPeriods", "HotspotRepeats", "HotspotUnsupported", "HotspotTickets", "InvoicePayments", "ArAging", "ArKpis", "ServiceQueue", "ReconcileChecks", "ReconcileExceptions", "ReconcileTotals"} {
		if err := exec(strings.ToLower(stmt), queries.Get(stmt)); err != nil {
			return err
		}
	}
	if err := r.Profile.statement("hotspot weibull", func() error { return hotspotWeibull(ctx, tx) }); err != nil {
		return err
	}
	if err := r.Profile.statement("hotspot forecast", func() error { return hotspotForecast(ctx, tx) }); err != nil {
		return err
	}
	ownerDrain := strings.Replace(queries.Get("OwnerDrainSelect"), "FROM drain_customers",
		"FROM (SELECT * FROM customer_value WHERE run_id = getvariable('run_id')::BIGINT) AS drain_customers", 1)
	if err := exec("owner drain", "INSERT INTO owner_drain BY NAME "+ownerDrain+" ORDER BY account_owner"); err != nil {
		return err
	}
	if err := r.refreshLater(ctx, tx, res); err != nil {
		return err
	}
	res.Timings["results"] = time.Since(start)
	r.Profile.Mark("evidence")
	start = time.Now()
	err := sc.evidence(ctx)
	res.Timings["evidence"] = time.Since(start)
	return err
}

func (r *Runner) setVariables(ctx context.Context, tx *sql.Tx, res *Result) error {
	m := r.Config.Model
	sv := m.Service
	vars := []string{
		fmt.Sprintf("SET VARIABLE as_of = DATE '%s'", res.AsOf.Format(time.DateOnly)),
		fmt.Sprintf("SET VARIABLE run_id = %d", res.RunID),
		"SET VARIABLE configured_sources = " + sourceList(r.Config.SourceNames()),
		fmt.Sprintf("SET VARIABLE hourly_cost = CAST(%s AS DECIMAL(18,2))", quoteLit(m.HourlyCost)),
		fmt.Sprintf("SET VARIABLE hotspot_months = %d", r.Config.Hotspots.WindowMonths),
		fmt.Sprintf("SET VARIABLE prior_unit_years = %v::DOUBLE", r.Config.Hotspots.PriorUnitYears),
		fmt.Sprintf("SET VARIABLE min_installed_units = %d", r.Config.Hotspots.MinInstalledUnits),
		fmt.Sprintf("SET VARIABLE baseline_windows = %d", r.Config.Hotspots.BaselineWindows),
		fmt.Sprintf("SET VARIABLE rising_alpha = %v::DOUBLE", r.Config.Hotspots.RisingAlpha),
		fmt.Sprintf("SET VARIABLE rising_min_failures = %d", r.Config.Hotspots.RisingMinFailures),
		fmt.Sprintf("SET VARIABLE rising_correction = %s", quoteLit(r.Config.Hotspots.RisingCorrection)),
		fmt.Sprintf("SET VARIABLE min_coverage = %v::DOUBLE", m.Coverage()),
		fmt.Sprintf("SET VARIABLE severity_points = [%v, %v, %v, %v]::DOUBLE[]", sv.SeverityPoints[0], sv.SeverityPoints[1], sv.SeverityPoints[2], sv.SeverityPoints[3]),
		fmt.Sprintf("SET VARIABLE wait_days = %d", sv.WaitDays),
		fmt.Sprintf("SET VARIABLE points_per_day = %v::DOUBLE", sv.PointsPerDay),
		fmt.Sprintf("SET VARIABLE engineer_hours = %v::DOUBLE", sv.EngineerHours),
		fmt.Sprintf("SET VARIABLE max_waiting_points = %v::DOUBLE", sv.MaxWaitingPoints),
	}
	for _, v := range vars {
		if _, err := tx.ExecContext(ctx, v); err != nil {
			return fmt.Errorf("run: set variables: %w", err)
		}
	}
	return nil
}

// ModelWeight is one indicator's place in a segment's model, weights scaled
// so all indicator weights of the segment sum to 1.
type ModelWeight struct {
	Segment        string
	Group          string
	GroupWeight    float64 // the group's share
	Indicator      config.Indicator
	Weight         float64 // group share × share within the group
	Normalization  config.Normalization
	WeightMethod   string
	HigherIsBetter bool
}

// ConfiguredWeights scales the configured weights of groups: group weights
// to sum to 1, indicator weights within each group to sum to 1.
func ConfiguredWeights(segment string, groups []config.Group, norm config.Normalization) []ModelWeight {
	var total float64
	for _, g := range groups {
		total += g.Weight
	}
	var out []ModelWeight
	for _, g := range groups {
		var within float64
		for _, ind := range g.Indicators {
			within += ind.Weight
		}
		for _, ind := range g.Indicators {
			n := norm
			if ind.Normalization != nil {
				n = *ind.Normalization
			}
			out = append(out, ModelWeight{
				Segment: segment, Group: g.Name, GroupWeight: g.Weight / total, Indicator: ind,
				Weight: g.Weight / total * ind.Weight / within, Normalization: n, WeightMethod: "config",
				HigherIsBetter: ind.HigherIsBetter(),
			})
		}
	}
	return out
}

// scorer computes a run's scores inside its transaction.
type scorer struct {
	cfg     *config.Config
	tx      *sql.Tx
	asOf    time.Time
	weights []ModelWeight
	profile *Profile // nil records nothing
}

func (s *scorer) exec(ctx context.Context, stage, q string, args ...any) error {
	return s.profile.statement(stage, func() error {
		if _, err := s.tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("run: %s: %w", stage, err)
		}
		return nil
	})
}

func (s *scorer) score(ctx context.Context) error {
	if err := s.assignSegments(ctx); err != nil {
		return err
	}
	m := s.cfg.Model
	for _, seg := range m.SegmentNames() {
		groups, _, norm, _ := m.ModelFor(seg)
		s.weights = append(s.weights, ConfiguredWeights(seg, groups, norm)...)
	}
	if err := s.computeIndicators(ctx, s.asOf); err != nil {
		return err
	}
	if err := s.loadOverrides(ctx); err != nil {
		return err
	}
	if err := s.normalizeAndScore(ctx); err != nil {
		return err
	}
	derived, err := s.deriveWeights(ctx)
	if err != nil || !derived {
		return err
	}
	// Weights derived from the data: score again with them.
	return s.normalizeAndScore(ctx)
}

// normalizeAndScore scores indicator_raw with s.weights into scored_contributions.
func (s *scorer) normalizeAndScore(ctx context.Context) error {
	if err := s.writeModelTables(ctx); err != nil {
		return err
	}
	if err := s.exec(ctx, "model pairs", queries.Get("ModelPairs")); err != nil {
		return err
	}
	if err := s.exec(ctx, "indicator values", queries.Get("IndicatorValues")); err != nil {
		return err
	}
	if err := s.exec(ctx, "normalize", queries.Get("NormalizeIndicators")); err != nil {
		return err
	}
	return s.exec(ctx, "score", queries.Get("ScoreContributions"))
}

// assignSegments puts each customer in the first segment whose condition
// holds, the rest in "default".
func (s *scorer) assignSegments(ctx context.Context) error {
	if err := s.exec(ctx, "segments", "CREATE OR REPLACE TEMP TABLE customer_segment (customer_id VARCHAR PRIMARY KEY, segment VARCHAR NOT NULL)"); err != nil {
		return err
	}
	for i, seg := range s.cfg.Model.Segments {
		q := fmt.Sprintf(`INSERT INTO customer_segment SELECT customer_id, ? FROM customers
			WHERE (%s) AND customer_id NOT IN (SELECT customer_id FROM customer_segment)`, seg.When)
		if _, err := s.tx.ExecContext(ctx, q, seg.Name); err != nil {
			return fmt.Errorf("run: model.segments[%d] (%s): condition %q: %w", i, seg.Name, seg.When, err)
		}
	}
	return s.exec(ctx, "segments", `INSERT INTO customer_segment SELECT customer_id, 'default' FROM customers
		WHERE customer_id NOT IN (SELECT customer_id FROM customer_segment)`)
}

// computeIndicators runs each distinct indicator (name and window) once
// into indicator_raw.
func (s *scorer) computeIndicators(ctx context.Context, asOf time.Time) error {
	if err := s.exec(ctx, "indicators", "CREATE OR REPLACE TEMP TABLE indicator_raw (indicator VARCHAR, window_months INTEGER, customer_id VARCHAR, value DOUBLE)"); err != nil {
		return err
	}
	done := map[string]bool{}
	for _, w := range s.weights {
		ind := w.Indicator
		key := fmt.Sprintf("%s/%d", ind.Name, ind.WindowMonths)
		if done[key] {
			continue
		}
		done[key] = true
		q := ind.SQL
		if q == "" {
			q = queries.Get(config.BuiltinIndicators[ind.Name].Statement)
		}
		q = strings.TrimRight(strings.TrimSpace(q), ";")
		start := asOf.AddDate(0, -ind.WindowMonths, 0)
		if err := s.exec(ctx, "indicator "+ind.Name, fmt.Sprintf("SET VARIABLE window_start = DATE '%s'", start.Format(time.DateOnly))); err != nil {
			return err
		}
		ins := fmt.Sprintf(`INSERT INTO indicator_raw SELECT %s, %d, customer_id, value::DOUBLE FROM (%s)`, quoteLit(ind.Name), ind.WindowMonths, q)
		if _, err := s.tx.ExecContext(ctx, ins); err != nil {
			return fmt.Errorf("run: indicator %s: %w", ind.Name, err)
		}
	}
	return nil
}

func (s *scorer) available(ind config.Indicator) bool {
	if ind.SQL != "" {
		return true
	}
	_, ok := s.cfg.Sources[config.BuiltinIndicators[ind.Name].Needs]
	return ok
}

// writeModelTables fills model_weights, model_bands and model_tiers from
// s.weights, with minmax quantiles computed over each segment's values.
func (s *scorer) writeModelTables(ctx context.Context) error {
	ddl := []string{
		`CREATE OR REPLACE TEMP TABLE model_weights (segment VARCHAR, group_name VARCHAR, group_weight DOUBLE, indicator VARCHAR,
			weight DOUBLE, higher_is_better BOOLEAN, missing_policy VARCHAR, available BOOLEAN, norm_method VARCHAR,
			norm_q_low DOUBLE, norm_q_high DOUBLE, norm_low DOUBLE, norm_high DOUBLE, window_months INTEGER, weight_method VARCHAR,
			weight_id INTEGER)`,
		`CREATE OR REPLACE TEMP TABLE model_bands (segment VARCHAR, indicator VARCHAR, from_value DOUBLE, points DOUBLE)`,
		`CREATE OR REPLACE TEMP TABLE model_tiers (segment VARCHAR, method VARCHAR, a DOUBLE, b DOUBLE, c DOUBLE)`,
	}
	for _, q := range ddl {
		if err := s.exec(ctx, "model tables", q); err != nil {
			return err
		}
	}
	for i, w := range s.weights {
		n := w.Normalization
		var lo, hi sql.NullFloat64
		if n.Method == "minmax" {
			q := fmt.Sprintf(`SELECT quantile_cont(r.value, %v), quantile_cont(r.value, %v) FROM indicator_raw r
				JOIN customer_segment cs USING (customer_id)
				WHERE cs.segment = ? AND r.indicator = ? AND r.window_months = ? AND isfinite(r.value)`, n.Low, n.High)
			if err := s.tx.QueryRowContext(ctx, q, w.Segment, w.Indicator.Name, w.Indicator.WindowMonths).Scan(&lo, &hi); err != nil {
				return fmt.Errorf("run: minmax bounds of %s: %w", w.Indicator.Name, err)
			}
		}
		if err := s.exec(ctx, "model weights", `INSERT INTO model_weights VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.Segment, w.Group, w.GroupWeight, w.Indicator.Name, w.Weight, w.HigherIsBetter, w.Indicator.Missing,
			s.available(w.Indicator), n.Method, n.Low, n.High, lo, hi, w.Indicator.WindowMonths, w.WeightMethod, i); err != nil {
			return err
		}
		for _, b := range n.Bands {
			if err := s.exec(ctx, "model bands", `INSERT INTO model_bands VALUES (?, ?, ?, ?)`, w.Segment, w.Indicator.Name, b.From, b.Points); err != nil {
				return err
			}
		}
	}
	for _, seg := range s.cfg.Model.SegmentNames() {
		_, t, _, _ := s.cfg.Model.ModelFor(seg)
		cuts := t.Quantiles
		if t.Method == "fixed" {
			cuts = t.Cutoffs
		}
		if err := s.exec(ctx, "model tiers", `INSERT INTO model_tiers VALUES (?, ?, ?, ?, ?)`, seg, t.Method, cuts[0], cuts[1], cuts[2]); err != nil {
			return err
		}
	}
	return nil
}

// OverrideError names the line of a bad manual override.
type OverrideError struct {
	File   string
	Line   int
	Reason string
}

func (e *OverrideError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// loadOverrides reads the manual tier overrides file into tier_overrides.
func (s *scorer) loadOverrides(ctx context.Context) error {
	if err := s.exec(ctx, "overrides", `CREATE OR REPLACE TEMP TABLE tier_overrides (customer_id VARCHAR PRIMARY KEY, tier VARCHAR,
		reason VARCHAR, owner VARCHAR, expires_at DATE)`); err != nil {
		return err
	}
	if s.cfg.Model.Overrides == "" {
		return nil
	}
	path := s.cfg.Resolve(s.cfg.Model.Overrides)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("run: overrides: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = 5
	header, err := cr.Read()
	if err != nil {
		return &OverrideError{File: path, Line: 1, Reason: "no header (want customer_id,tier,reason,owner,expires_at)"}
	}
	if strings.Join(header, ",") != "customer_id,tier,reason,owner,expires_at" {
		return &OverrideError{File: path, Line: 1, Reason: fmt.Sprintf("header %q, want customer_id,tier,reason,owner,expires_at", strings.Join(header, ","))}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &OverrideError{File: path, Line: line, Reason: err.Error()}
		}
		tier := strings.TrimSpace(rec[1])
		if tier != "A" && tier != "B" && tier != "C" && tier != "D" {
			return &OverrideError{File: path, Line: line, Reason: fmt.Sprintf("tier %q is not A, B, C or D", tier)}
		}
		if strings.TrimSpace(rec[2]) == "" || strings.TrimSpace(rec[3]) == "" {
			return &OverrideError{File: path, Line: line, Reason: "an override needs a reason and an owner"}
		}
		expires, err := time.Parse(time.DateOnly, strings.TrimSpace(rec[4]))
		if err != nil {
			return &OverrideError{File: path, Line: line, Reason: fmt.Sprintf("expires_at %q is not YYYY-MM-DD (overrides must expire)", rec[4])}
		}
		if err := s.exec(ctx, "overrides", `INSERT OR REPLACE INTO tier_overrides VALUES (?, ?, ?, ?, ?)`,
			strings.TrimSpace(rec[0]), tier, rec[2], rec[3], expires); err != nil {
			return err
		}
	}
}

// sourceList is a SQL VARCHAR[] literal of source names (never empty, so
// it keeps its type).
func sourceList(names []string) string {
	q := []string{"''"}
	for _, n := range names {
		q = append(q, quoteLit(n))
	}
	return "[" + strings.Join(q, ", ") + "]::VARCHAR[]"
}
