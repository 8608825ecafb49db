package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/accordhq/accord/pipeline/model"
)

// Explanation is why a customer has its score: each indicator's raw value,
// normalized value, weight and contribution (summing to the score), and
// against the previous run the change split into input, population and
// config parts.
type Explanation struct {
	CustomerID, Name, Segment string
	AsOf                      time.Time
	Score                     float64
	Tier, ComputedTier        string
	Rank                      int
	Coverage                  float64
	Rows                      []ExplainRow
	// Previous run, if any.
	PreviousAsOf  time.Time
	PreviousScore float64
	PreviousTier  string
	HasPrevious   bool
	// PreviousRemoved is set when the previous run's results were removed
	// by history.keep_runs: there is nothing to compare with, and the
	// explanation says so rather than showing no change.
	PreviousRemoved *ResultsRemovedError
}

// ExplainRow is one indicator of an explanation. Change parts are in
// points and sum to Contribution − the previous contribution.
type ExplainRow struct {
	Group, Indicator, Normalization string
	Raw                             sql.NullFloat64
	Normalized, Weight              float64
	Contribution                    float64
	Missing, Excluded               bool
	Input, Population, Config       float64
}

// ErrNotScored is returned for a customer without a score on that date.
var ErrNotScored = errors.New("customer not scored")

// Explain explains customerID's score as of asOf (the latest run on or
// before it; the latest run when asOf is zero).
func Explain(ctx context.Context, db *sql.DB, customerID string, asOf time.Time) (*Explanation, error) {
	e := &Explanation{CustomerID: customerID}
	// The run that date's explanation would come from may be one whose
	// results history.keep_runs removed: say so, not "not scored".
	latest, err := latestRunBefore(ctx, db, asOf, true)
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", customerID, err)
	}
	if latest != 0 {
		if err := ResultsRemoved(ctx, db, latest); err != nil {
			return nil, fmt.Errorf("explain %s: %w", customerID, err)
		}
	}
	dateFilter, args := "", []any{customerID}
	if !asOf.IsZero() {
		dateFilter, args = "AND as_of <= ?", append(args, asOf)
	}
	var name sql.NullString
	var runID int64
	err = db.QueryRowContext(ctx, `SELECT run_id, as_of, name, segment, score, tier, computed_tier, rank, coverage
		FROM customer_value WHERE customer_id = ? `+dateFilter+` ORDER BY as_of DESC LIMIT 1`, args...).
		Scan(&runID, &e.AsOf, &name, &e.Segment, &e.Score, &e.Tier, &e.ComputedTier, &e.Rank, &e.Coverage)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("explain %s: %w", customerID, ErrNotScored)
	}
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", customerID, err)
	}
	e.Name = name.String
	prevLedger, err := latestRunBefore(ctx, db, e.AsOf, false)
	if err != nil {
		return nil, fmt.Errorf("explain %s: previous run: %w", customerID, err)
	}
	if prevLedger != 0 {
		var removed *ResultsRemovedError
		if err := ResultsRemoved(ctx, db, prevLedger); errors.As(err, &removed) {
			e.PreviousRemoved = removed
		} else if err != nil {
			return nil, fmt.Errorf("explain %s: %w", customerID, err)
		}
	}
	var prevRun int64
	err = db.QueryRowContext(ctx, `SELECT run_id, as_of, score, tier FROM customer_value
		WHERE customer_id = ? AND as_of < ? ORDER BY as_of DESC LIMIT 1`, customerID, e.AsOf).
		Scan(&prevRun, &e.PreviousAsOf, &e.PreviousScore, &e.PreviousTier)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("explain %s: previous run: %w", customerID, err)
	case e.PreviousRemoved != nil:
		// An older date's results are still there (a backfill kept them):
		// comparing with it would pass it off as the previous run.
	default:
		e.HasPrevious = true
	}
	cur, err := contributions(ctx, db, runID, customerID)
	if err != nil {
		return nil, err
	}
	var prev map[string]ExplainRow
	if e.HasPrevious {
		if prev, err = contributionsByIndicator(ctx, db, prevRun, customerID); err != nil {
			return nil, err
		}
	}
	for _, row := range cur {
		if e.HasPrevious {
			if err := decomposeRow(ctx, db, prevRun, e.Segment, &row, prev); err != nil {
				return nil, err
			}
			delete(prev, row.Indicator)
		}
		e.Rows = append(e.Rows, row)
	}
	// Indicators the previous run had and this one dropped: a config change.
	for _, p := range prev {
		e.Rows = append(e.Rows, ExplainRow{Group: p.Group, Indicator: p.Indicator, Normalization: "(removed)", Config: -p.Contribution})
	}
	return e, nil
}

// latestRunBefore is the succeeded run of the latest as-of date before
// asOf (on or before it with orEqual; the latest of all when asOf is zero),
// whose results stand for that date; 0 when there is none.
func latestRunBefore(ctx context.Context, db *sql.DB, asOf time.Time, orEqual bool) (int64, error) {
	cond, args := "", []any{}
	switch {
	case asOf.IsZero():
	case orEqual:
		cond, args = "AND as_of <= ?", append(args, asOf)
	default:
		cond, args = "AND as_of < ?", append(args, asOf)
	}
	var run int64
	err := db.QueryRowContext(ctx, `SELECT run_id FROM runs WHERE status = 'succeeded' `+cond+` ORDER BY as_of DESC, run_id DESC LIMIT 1`, args...).Scan(&run)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("latest run: %w", err)
	}
	return run, nil
}

func contributions(ctx context.Context, db *sql.DB, runID int64, customerID string) ([]ExplainRow, error) {
	rows, err := db.QueryContext(ctx, `SELECT group_name, indicator, normalization, raw_value, normalized, weight, contribution, missing, excluded
		FROM value_contributions WHERE run_id = ? AND customer_id = ? ORDER BY group_name, indicator`, runID, customerID)
	if err != nil {
		return nil, fmt.Errorf("explain: contributions: %w", err)
	}
	defer rows.Close()
	var out []ExplainRow
	for rows.Next() {
		var r ExplainRow
		if err := rows.Scan(&r.Group, &r.Indicator, &r.Normalization, &r.Raw, &r.Normalized, &r.Weight, &r.Contribution, &r.Missing, &r.Excluded); err != nil {
			return nil, fmt.Errorf("explain: contributions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func contributionsByIndicator(ctx context.Context, db *sql.DB, runID int64, customerID string) (map[string]ExplainRow, error) {
	rows, err := contributions(ctx, db, runID, customerID)
	if err != nil {
		return nil, err
	}
	out := map[string]ExplainRow{}
	for _, r := range rows {
		out[r.Indicator] = r
	}
	return out, nil
}

// decomposeRow splits an indicator's contribution change since the previous
// run: input = the customer's new raw value placed in the previous
// population (previous normalization), population = the rest of the
// normalized value's move, config = the weight's move (model.Decompose).
func decomposeRow(ctx context.Context, db *sql.DB, prevRun int64, segment string, row *ExplainRow, prev map[string]ExplainRow) error {
	p, ok := prev[row.Indicator]
	if !ok { // a new indicator: all of it is a config change
		row.Config = row.Contribution
		return nil
	}
	nPrime := row.Normalized
	if row.Raw.Valid && !row.Excluded {
		var err error
		if nPrime, err = normalizeInPrevious(ctx, db, prevRun, segment, row, p); err != nil {
			return err
		}
	}
	in, pop, cfg := model.Decompose(p.Weight, row.Weight, p.Normalized, nPrime, row.Normalized)
	row.Input, row.Population, row.Config = 100*in, 100*pop, 100*cfg
	return nil
}

func normalizeInPrevious(ctx context.Context, db *sql.DB, prevRun int64, segment string, row *ExplainRow, p ExplainRow) (float64, error) {
	var method, direction string
	if err := db.QueryRowContext(ctx, `SELECT normalization, direction FROM model_used WHERE run_id = ? AND indicator = ? AND segment = ?`,
		prevRun, row.Indicator, segment).Scan(&method, &direction); err != nil {
		return 0, fmt.Errorf("explain: previous model of %s: %w", row.Indicator, err)
	}
	var n model.Normalizer
	switch {
	case method == "percentile":
		n = model.Percentile{}
	case method == "zscore":
		n = model.ZScore{}
	case strings.HasPrefix(method, "minmax"):
		var lo, hi float64
		if _, err := fmt.Sscanf(method, "minmax (winsorized at the %g and %g quantiles)", &lo, &hi); err != nil {
			return 0, fmt.Errorf("explain: previous normalization %q: %w", method, err)
		}
		mm, err := model.NewMinMax(lo, hi)
		if err != nil {
			return 0, err
		}
		n = mm
	default: // thresholds: an absolute grid, no population to move
		return row.Normalized, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT raw_value FROM value_contributions
		WHERE run_id = ? AND indicator = ? AND segment = ? AND raw_value IS NOT NULL ORDER BY raw_value`, prevRun, row.Indicator, segment)
	if err != nil {
		return 0, fmt.Errorf("explain: previous population: %w", err)
	}
	defer rows.Close()
	var pop []float64
	for rows.Next() {
		var v float64
		if err := rows.Scan(&v); err != nil {
			return 0, err
		}
		pop = append(pop, v)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	old := math.NaN()
	if p.Raw.Valid {
		old = p.Raw.Float64
	}
	v := n.Normalize(model.ReplaceValue(pop, old, row.Raw.Float64), row.Raw.Float64)
	return model.Directed(n, v, direction != "lower"), nil
}

// Write prints the explanation as a table.
func (e *Explanation) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (segment %s), as of %s\n", e.CustomerID, e.Name, e.Segment, e.AsOf.Format(time.DateOnly))
	tier := e.Tier
	if e.Tier != e.ComputedTier {
		tier = fmt.Sprintf("%s (override; computed %s)", e.Tier, e.ComputedTier)
	}
	fmt.Fprintf(&b, "score %.2f, tier %s, rank %d, coverage %.0f%%\n\n", e.Score, tier, e.Rank, 100*e.Coverage)
	fmt.Fprintf(&b, "%-16s %-24s %14s %10s %8s %12s  %s\n", "group", "indicator", "raw", "normalized", "weight", "contribution", "normalization")
	var total float64
	for _, r := range e.Rows {
		if r.Normalization == "(removed)" {
			continue
		}
		raw := "missing"
		if r.Raw.Valid {
			raw = fmt.Sprintf("%.4f", r.Raw.Float64)
		}
		if r.Excluded {
			raw = "excluded"
		}
		fmt.Fprintf(&b, "%-16s %-24s %14s %10.4f %8.4f %12.4f  %s\n", r.Group, r.Indicator, raw, r.Normalized, r.Weight, r.Contribution, r.Normalization)
		total += r.Contribution
	}
	fmt.Fprintf(&b, "%-16s %-24s %14s %10s %8s %12.4f\n", "", "total", "", "", "", total)
	if p := e.PreviousRemoved; p != nil {
		fmt.Fprintf(&b, "\nchange since the previous run: not available: %s\n", p.Error())
	}
	if e.HasPrevious {
		var in, pop, cfg float64
		for _, r := range e.Rows {
			in, pop, cfg = in+r.Input, pop+r.Population, cfg+r.Config
		}
		fmt.Fprintf(&b, "\nsince %s (score %.2f, tier %s): %+.4f = input %+.4f, population %+.4f, config %+.4f\n",
			e.PreviousAsOf.Format(time.DateOnly), e.PreviousScore, e.PreviousTier, e.Score-e.PreviousScore, in, pop, cfg)
		fmt.Fprintf(&b, "%-24s %10s %10s %10s %10s\n", "indicator", "change", "input", "population", "config")
		for _, r := range e.Rows {
			ch := r.Input + r.Population + r.Config
			if math.Abs(ch) < 5e-5 {
				continue
			}
			fmt.Fprintf(&b, "%-24s %+10.4f %+10.4f %+10.4f %+10.4f\n", r.Indicator, ch, r.Input, r.Population, r.Config)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
