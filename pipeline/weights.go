package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/pipeline/model"
)

// CheckModel derives every AHP weight of the config, so an inconsistent
// pairwise matrix is reported by `accord validate`, before any run.
func CheckModel(cfg *config.Config) error {
	var errs []error
	for _, seg := range cfg.Model.SegmentNames() {
		groups, _, norm, w := cfg.Model.ModelFor(seg)
		if w.Method != "ahp" && w.Method != "combined" {
			continue
		}
		if _, err := ahpWeights(seg, groups, norm, w); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ahpWeights derives a segment's weights from its pairwise matrices: group
// shares from the groups matrix, shares within a group from its matrix if
// it has one, else from the configured weights.
func ahpWeights(segment string, groups []config.Group, norm config.Normalization, w config.Weights) ([]ModelWeight, error) {
	field := "model.weights.ahp"
	if segment != "default" {
		field = fmt.Sprintf("model.segments[%s].weights.ahp", segment)
	}
	res, err := model.AHP(ratios(w.AHP.Groups))
	if err != nil {
		return nil, fmt.Errorf("%s.groups: %w", field, err)
	}
	out := ConfiguredWeights(segment, groups, norm)
	for gi, g := range groups {
		within := make([]float64, len(g.Indicators))
		if mat, ok := w.AHP.Indicators[g.Name]; ok {
			r, err := model.AHP(ratios(mat))
			if err != nil {
				return nil, fmt.Errorf("%s.indicators.%s: %w", field, g.Name, err)
			}
			within = r.Weights
		} else {
			var total float64
			for _, ind := range g.Indicators {
				total += ind.Weight
			}
			for i, ind := range g.Indicators {
				within[i] = ind.Weight / total
			}
		}
		for i, ind := range g.Indicators {
			for k := range out {
				if out[k].Group == g.Name && out[k].Indicator.Name == ind.Name {
					out[k].GroupWeight = res.Weights[gi]
					out[k].Weight = res.Weights[gi] * within[i]
					out[k].WeightMethod = fmt.Sprintf("ahp (consistency ratio %.3f)", res.CR)
				}
			}
		}
	}
	return out, nil
}

func ratios(m [][]config.Ratio) [][]float64 {
	out := make([][]float64, len(m))
	for i, row := range m {
		out[i] = make([]float64, len(row))
		for j, v := range row {
			out[i][j] = float64(v)
		}
	}
	return out
}

// deriveWeights replaces configured weights with weights derived from the
// data (entropy: from the dispersion of each indicator's normalized values,
// read back from scored_contributions) or from pairwise judgements (AHP), or
// both (combined), per segment. It reports whether any weight changed.
func (s *scorer) deriveWeights(ctx context.Context) (bool, error) {
	changed := false
	for _, seg := range s.cfg.Model.SegmentNames() {
		groups, _, norm, w := s.cfg.Model.ModelFor(seg)
		if w.Method == "config" {
			continue
		}
		changed = true
		var derived []ModelWeight
		var err error
		switch w.Method {
		case "ahp":
			derived, err = ahpWeights(seg, groups, norm, w)
		case "entropy":
			derived, err = s.entropyWeights(ctx, seg)
		case "combined":
			var ahp, ent []ModelWeight
			if ahp, err = ahpWeights(seg, groups, norm, w); err != nil {
				break
			}
			if ent, err = s.entropyWeights(ctx, seg); err != nil {
				break
			}
			a, e := make([]float64, len(ahp)), make([]float64, len(ent))
			for i := range ahp {
				a[i], e[i] = ahp[i].Weight, ent[i].Weight
			}
			derived = withIndicatorWeights(ahp, model.Combine(a, e, w.Alpha),
				fmt.Sprintf("combined: %.2f × %s + %.2f × entropy", w.Alpha, ahp[0].WeightMethod, 1-w.Alpha))
		}
		if err != nil {
			return false, fmt.Errorf("run: weights of segment %s: %w", seg, err)
		}
		s.replaceSegment(seg, derived)
	}
	return changed, nil
}

func (s *scorer) segmentWeights(seg string) []ModelWeight {
	var out []ModelWeight
	for _, w := range s.weights {
		if w.Segment == seg {
			out = append(out, w)
		}
	}
	return out
}

func (s *scorer) replaceSegment(seg string, derived []ModelWeight) {
	var out []ModelWeight
	for _, w := range s.weights {
		if w.Segment != seg {
			out = append(out, w)
		}
	}
	s.weights = append(out, derived...)
}

// withIndicatorWeights sets indicator weights (summing to 1) and recomputes
// group shares as the sums of their indicators.
func withIndicatorWeights(ws []ModelWeight, weights []float64, method string) []ModelWeight {
	out := make([]ModelWeight, len(ws))
	copy(out, ws)
	groupShare := map[string]float64{}
	for i := range out {
		out[i].Weight = weights[i]
		out[i].WeightMethod = method
		groupShare[out[i].Group] += weights[i]
	}
	for i := range out {
		out[i].GroupWeight = groupShare[out[i].Group]
	}
	return out
}

// entropyWeights reads the segment's customers × indicators matrix of
// normalized values (missing data as its policy scores it) and derives
// indicator weights by the entropy method.
func (s *scorer) entropyWeights(ctx context.Context, seg string) ([]ModelWeight, error) {
	ws := s.segmentWeights(seg)
	col := map[string]int{}
	for i, w := range ws {
		col[w.Indicator.Name] = i
	}
	rows, err := s.tx.QueryContext(ctx, `SELECT customer_id, indicator, normalized FROM scored_contributions
		WHERE segment = ? ORDER BY customer_id, indicator`, seg)
	if err != nil {
		return nil, fmt.Errorf("entropy: read normalized values: %w", err)
	}
	defer rows.Close()
	var matrix [][]float64
	last := ""
	for rows.Next() {
		var id, ind string
		var v float64
		if err := rows.Scan(&id, &ind, &v); err != nil {
			return nil, fmt.Errorf("entropy: %w", err)
		}
		if id != last {
			matrix = append(matrix, make([]float64, len(ws)))
			last = id
		}
		matrix[len(matrix)-1][col[ind]] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("entropy: %w", err)
	}
	weights, err := model.EntropyWeights(matrix)
	if err != nil {
		return nil, fmt.Errorf("entropy: %w", err)
	}
	return withIndicatorWeights(ws, weights, "entropy"), nil
}
