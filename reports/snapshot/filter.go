package snapshot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/accordhq/accord/queries"
)

// reach says what a recipient filter (Options.Filter) does to a result table.
type reach int

const (
	// perCustomer tables keep only the rows of the customers the filter
	// allows (their customer_id is in the allowed set).
	PerCustomer reach = iota
	// perProduct tables hold product-level aggregates with no customer in
	// them (hot-spots: product × component × region); they are kept whole,
	// so a rep sees the same failure hot-spots as everyone else.
	perProduct
	// unfilteredOnly tables are left out of a filtered report: a rejected
	// row's value can be any customer's data (a name, an id, an amount), and
	// it cannot be tied to a customer reliably, since it was rejected; an
	// orphan is a reference to a customer or product nobody knows; and the
	// reconciliation's control totals are company-wide money.
	UnfilteredOnly
	// perModel tables describe the model of the run (model_used, the
	// weights and normalizations; model_evidence, correlations and counts
	// over whole segments) and name no customer; they are kept whole.
	perModel
	// perOwner is owner_drain, sums per account owner. A filtered report
	// recomputes it from the allowed customers' customer_value rows, so an
	// owner's row sums only the customers the recipient may see (the
	// table's own row would add up customers outside the filter).
	perOwner
)

// allowedCustomers is the temporary table, private to the report's read
// transaction, holding the customer ids a filtered report may show.
const allowedCustomers = "accord_recipient_customers"

// scope is which rows a report shows: all of the run's, or only those of
// the customers its recipient's filter allows.
type Scope struct {
	Filtered bool
	// examples is how many rejected rows of each source, column and reason
	// the report shows (DefaultRejectExamples when 0).
	Examples int
}

func (sc Scope) rejectExamples() int {
	if sc.Examples > 0 {
		return sc.Examples
	}
	return DefaultRejectExamples
}

// rel is the relation a report reads in place of table: the table itself,
// or, in a filtered scope, the table restricted to the allowed customers
// under the table's own name, so "rel WHERE run_id = $1" reads the same.
func (sc Scope) Rel(table string, r reach) string {
	if !sc.Filtered {
		return QuoteIdent(table)
	}
	switch r {
	case PerCustomer:
		return fmt.Sprintf("(SELECT * FROM %[1]s WHERE customer_id IN (SELECT customer_id FROM %[2]s)) AS %[1]s",
			QuoteIdent(table), allowedCustomers)
	case perOwner:
		return "(" + strings.Replace(queries.Get("OwnerDrainSelect"), "FROM drain_customers",
			fmt.Sprintf("FROM (SELECT * FROM customer_value WHERE customer_id IN (SELECT customer_id FROM %s)) AS drain_customers", allowedCustomers), 1) +
			") AS " + QuoteIdent(table)
	}
	return QuoteIdent(table)
}

// shows reports whether a table appears at all in this scope.
func (sc Scope) Shows(t ResultTable) bool {
	return !sc.Filtered || t.Reach != UnfilteredOnly
}

// ValidateFilter checks a recipient filter's form without a database (for
// `accord validate`): see checkFilter. Whether its columns exist and it
// matches anyone is only known when a report is written.
func ValidateFilter(filter string) error { return CheckFilter(filter) }

// checkFilter accepts a filter that is one SQL expression and nothing else:
// no statement separator, no comment (which could hide the closing
// parenthesis the filter is wrapped in), no parameter or dollar-quoted
// string, balanced parentheses, and every quote closed. The filter comes
// from the config, not from a recipient, so this guards against mistakes
// that would widen or break the query, not against a hostile author; the
// database still checks that it is a valid boolean condition.
func CheckFilter(filter string) error {
	if strings.TrimSpace(filter) == "" {
		return errors.New("reports: filter is empty")
	}
	depth := 0
	for i := 0; i < len(filter); i++ {
		c := filter[i]
		switch {
		case c == '\'' || c == '"':
			// A quoted string or identifier; a doubled quote is an escaped one.
			j := i + 1
			for ; j < len(filter); j++ {
				if filter[j] == c {
					if j+1 < len(filter) && filter[j+1] == c {
						j++
						continue
					}
					break
				}
			}
			if j >= len(filter) {
				return fmt.Errorf("reports: filter %q: unclosed %c quote", filter, c)
			}
			i = j
		case c == ';':
			return fmt.Errorf("reports: filter %q: a filter is one condition; ';' is not allowed", filter)
		case c == '-' && i+1 < len(filter) && filter[i+1] == '-',
			c == '/' && i+1 < len(filter) && filter[i+1] == '*':
			return fmt.Errorf("reports: filter %q: comments are not allowed", filter)
		case c == '$' || c == '?':
			return fmt.Errorf("reports: filter %q: parameters and $-quoted strings are not allowed", filter)
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return fmt.Errorf("reports: filter %q: unbalanced ')'", filter)
			}
		}
	}
	if depth != 0 {
		return fmt.Errorf("reports: filter %q: unbalanced '('", filter)
	}
	return nil
}

// applyFilter evaluates the filter over the run's customers once, inside the
// read transaction, into allowedCustomers; every per-customer read of the
// report then joins against it. It returns the scope and how many customers
// the filter allows; a filter that allows none is an error, because an empty
// report would reach its recipient looking like a quiet week.
func ApplyFilter(ctx context.Context, q Queryer, runID int64, filter string) (Scope, error) {
	if filter == "" {
		return Scope{}, nil
	}
	if err := CheckFilter(filter); err != nil {
		return Scope{}, err
	}
	// The filter sees the run's customer_value rows under the table's own
	// name, so it can name any of its columns (account_owner, region, tier…).
	// The run id is an int64 formatted into the text: CREATE TABLE AS takes
	// no parameters.
	stmt := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE %s AS
		SELECT DISTINCT customer_id FROM (SELECT * FROM customer_value WHERE run_id = %d) AS customer_value
		WHERE (%s)`, allowedCustomers, runID, filter)
	if _, err := q.ExecContext(ctx, stmt); err != nil {
		return Scope{}, fmt.Errorf("reports: filter %q: %w", filter, err)
	}
	var n int64
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+allowedCustomers).Scan(&n); err != nil {
		return Scope{}, fmt.Errorf("reports: filter %q: %w", filter, err)
	}
	if n == 0 {
		return Scope{}, fmt.Errorf("reports: filter %q matches no customer of run %d", filter, runID)
	}
	return Scope{Filtered: true}, nil
}
