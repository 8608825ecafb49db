package snapshot

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
)

// TierMove is one from → to pair of the tier migration between the previous
// run and this one, in the report's scope, and how many customers took it.
// A customer only in this run is New (From is empty); one only in the
// previous run is Gone (To is empty).
type TierMove struct {
	From, To  string
	New, Gone bool
	Customers int64
}

// loadMigration reads the moves, ordered by from then to (tiers by name,
// new and gone last), so two renders of the same data are identical.
func loadMigration(ctx context.Context, q Queryer, runID, prevRunID int64, sc Scope) ([]TierMove, error) {
	cv := sc.Rel("customer_value", PerCustomer)
	var out []TierMove
	err := scanAll(ctx, q, `
		SELECT p.tier, n.tier, p.customer_id IS NULL, n.customer_id IS NULL, count(*)
		FROM (SELECT customer_id, coalesce(tier, '') AS tier FROM `+cv+` WHERE run_id = $1) n
		FULL OUTER JOIN (SELECT customer_id, coalesce(tier, '') AS tier FROM `+cv+` WHERE run_id = $2) p
		  ON p.customer_id = n.customer_id
		GROUP BY ALL`, func(rows *sql.Rows) error {
		var from, to sql.NullString
		var m TierMove
		if err := rows.Scan(&from, &to, &m.New, &m.Gone, &m.Customers); err != nil {
			return err
		}
		m.From, m.To = from.String, to.String
		out = append(out, m)
		return nil
	}, runID, prevRunID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b TierMove) int {
		return cmp.Or(cmpBool(a.New, b.New), cmp.Compare(a.From, b.From), cmpBool(a.Gone, b.Gone), cmp.Compare(a.To, b.To))
	})
	return out, nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
