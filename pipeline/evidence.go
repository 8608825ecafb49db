package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/accordhq/accord/queries"
)

// evidenceHorizon is how far back the back-test scores customers, to
// compare tiers with what they did afterwards.
const evidenceHorizon = 6 // months

// evidence records, per run and segment, how far the index can be trusted:
//   - spearman_value_added_profit: rank correlation of score and
//     revenue − service cost (trailing 12 months);
//   - sensitivity_<group>_<±5>: customers whose tier changes if that group's
//     weight moves by 5 points (others scaled to keep the sum);
//   - lift_repurchase, lift_on_time: tier A against tier D, scored as of
//     6 months ago, on buying again and paying on time since.
//
// It runs last: it scores into temp tables and leaves the run's results alone.
func (s *scorer) evidence(ctx context.Context) error {
	if err := s.exec(ctx, "evidence", queries.Get("EvidenceSpearman")); err != nil {
		return err
	}
	if err := s.sensitivity(ctx); err != nil {
		return err
	}
	return s.backtest(ctx)
}

// sensitivity scores every variant (segment, group, ±5 points) in one
// pass (SensitivityTiers) instead of re-scoring all customers once per
// variant, which took most of the evidence step's time.
func (s *scorer) sensitivity(ctx context.Context) error {
	if err := s.exec(ctx, "sensitivity", `CREATE OR REPLACE TEMP TABLE base_tiers AS SELECT customer_id, segment, computed_tier FROM scored_customers`); err != nil {
		return err
	}
	if err := s.writeVariants(ctx); err != nil {
		return err
	}
	for _, q := range []string{"SensitivityTiers", "EvidenceSensitivity"} {
		if err := s.exec(ctx, "sensitivity", queries.Get(q)); err != nil {
			return err
		}
	}
	return nil
}

// writeVariants fills sensitivity_variants: per segment, group and ±5
// points, the segment's weights with that group shifted (shiftGroup). One
// statement, not one per row: a model of several segments has hundreds.
func (s *scorer) writeVariants(ctx context.Context) error {
	if err := s.exec(ctx, "sensitivity", `CREATE OR REPLACE TEMP TABLE sensitivity_variants (variant_id INTEGER, segment VARCHAR,
		shifted_group VARCHAR, metric VARCHAR, detail VARCHAR, has_data BOOLEAN, weight_id INTEGER, group_name VARCHAR,
		indicator VARCHAR, weight DOUBLE)`); err != nil {
		return err
	}
	var values []string
	var args []any
	variant := 0
	for _, seg := range s.cfg.Model.SegmentNames() {
		groups, _, _, _ := s.cfg.Model.ModelFor(seg)
		for _, g := range groups {
			// The same test as model_used.available's, made here so that
			// SensitivityTiers can skip the groups whose evidence is not
			// available anyway.
			hasData := false
			for _, w := range s.weights {
				if w.Segment == seg && w.Group == g.Name && s.available(w.Indicator) {
					hasData = true
				}
			}
			for _, delta := range []float64{+0.05, -0.05} {
				metric := fmt.Sprintf("sensitivity_%s_%+d", g.Name, int(delta*100))
				detail := fmt.Sprintf("customers whose tier changes if %s moves %+d points", g.Name, int(delta*100))
				for id, w := range shiftGroup(s.weights, seg, g.Name, delta) {
					if w.Segment != seg {
						continue
					}
					values = append(values, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
					args = append(args, variant, seg, g.Name, metric, detail, hasData, id, w.Group, w.Indicator.Name, w.Weight)
				}
				variant++
			}
		}
	}
	if len(values) == 0 {
		return nil
	}
	return s.exec(ctx, "sensitivity", "INSERT INTO sensitivity_variants VALUES "+strings.Join(values, ", "), args...)
}

// shiftGroup moves one group's share of a segment's weights by delta
// (clamped to 0..1) and scales the other groups to keep the sum at 1.
func shiftGroup(weights []ModelWeight, segment, group string, delta float64) []ModelWeight {
	var share float64
	for _, w := range weights {
		if w.Segment == segment && w.Group == group {
			share = w.GroupWeight
			break
		}
	}
	target := min(1, max(0, share+delta))
	out := make([]ModelWeight, len(weights))
	copy(out, weights)
	for i := range out {
		w := &out[i]
		if w.Segment != segment {
			continue
		}
		factor := target / share
		if w.Group != group {
			factor = (1 - target) / (1 - share)
		}
		w.GroupWeight *= factor
		w.Weight *= factor
	}
	return out
}

func (s *scorer) backtest(ctx context.Context) error {
	past := s.asOf.AddDate(0, -evidenceHorizon, 0)
	set := func(d time.Time) error {
		return s.exec(ctx, "back-test", fmt.Sprintf("SET VARIABLE as_of = DATE '%s'", d.Format(time.DateOnly)))
	}
	if err := set(past); err != nil {
		return err
	}
	if err := s.exec(ctx, "back-test", queries.Get("CustomerEconomics")); err != nil {
		return err
	}
	if err := s.computeIndicators(ctx, past); err != nil {
		return err
	}
	if err := s.normalizeAndScore(ctx); err != nil {
		return err
	}
	if err := s.exec(ctx, "back-test", queries.Get("ComputeCustomerValue")); err != nil {
		return err
	}
	if err := set(s.asOf); err != nil {
		return err
	}
	return s.exec(ctx, "back-test", queries.Get("EvidenceLift"), past)
}
