package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/accordhq/accord/queries"
)

// TierMove is a customer whose tier a config change would move.
type TierMove struct {
	CustomerID, Name, From, To string
	OldScore, NewScore         float64
}

// Preview is what a model config would change, against the latest run.
type Preview struct {
	AsOf      time.Time
	Customers int
	Moves     []TierMove
}

// ErrNoRun is returned when there is no run to compare with.
var ErrNoRun = errors.New("no successful run yet")

// Preview scores the data of the latest run with r.Config's model, in a
// transaction it rolls back, and lists the customers whose tier would
// change. Sources are not reloaded: this previews a model change.
func (r *Runner) Preview(ctx context.Context) (p *Preview, err error) {
	p = &Preview{}
	var asOf sql.NullTime
	if err := r.Store.DB.QueryRowContext(ctx, `SELECT max(as_of) FROM customer_value`).Scan(&asOf); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	if !asOf.Valid {
		return nil, fmt.Errorf("preview: %w", ErrNoRun)
	}
	p.AsOf = asOf.Time
	conn, err := r.Store.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, queries.Get("CreateMacros")); err != nil {
		return nil, fmt.Errorf("preview: macros: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	// Nothing of a preview is kept.
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE preview_baseline AS
		SELECT customer_id, name, computed_tier, score FROM customer_value WHERE as_of = ?`, p.AsOf); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	res := &Result{RunID: -1, AsOf: p.AsOf}
	if err := r.setVariables(ctx, tx, res); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, queries.Get("CustomerEconomics")); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	sc := &scorer{cfg: r.Config, tx: tx, asOf: p.AsOf}
	if err := sc.score(ctx); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, queries.Get("ComputeCustomerValue")); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM scored_customers`).Scan(&p.Customers); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT s.customer_id, coalesce(b.name, ''), coalesce(b.computed_tier, '(new)'), s.computed_tier,
			coalesce(b.score, 0), s.score
		FROM scored_customers s LEFT JOIN preview_baseline b USING (customer_id)
		WHERE b.computed_tier IS DISTINCT FROM s.computed_tier
		ORDER BY abs(s.score - coalesce(b.score, 0)) DESC, s.customer_id`)
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m TierMove
		if err := rows.Scan(&m.CustomerID, &m.Name, &m.From, &m.To, &m.OldScore, &m.NewScore); err != nil {
			return nil, fmt.Errorf("preview: %w", err)
		}
		p.Moves = append(p.Moves, m)
	}
	return p, rows.Err()
}
