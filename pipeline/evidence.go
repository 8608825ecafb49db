package pipeline

import (
	"context"
	"fmt"
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
// It runs last: it re-scores into temp tables and leaves the run's results alone.
func (s *scorer) evidence(ctx context.Context) error {
	if err := s.exec(ctx, "evidence", queries.Get("EvidenceSpearman")); err != nil {
		return err
	}
	if err := s.sensitivity(ctx); err != nil {
		return err
	}
	return s.backtest(ctx)
}

func (s *scorer) sensitivity(ctx context.Context) error {
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
				if err := s.exec(ctx, "sensitivity", queries.Get("EvidenceSensitivity"),
					seg, g.Name, seg, fmt.Sprintf("sensitivity_%s_%+d", g.Name, int(delta*100)),
					fmt.Sprintf("customers whose tier changes if %s moves %+d points", g.Name, int(delta*100)), g.Name, seg); err != nil {
					return err
				}
			}
		}
	}
	return nil
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
