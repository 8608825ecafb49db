package reportstest

import (
	"github.com/accordhq/accord/reports"
	"github.com/accordhq/accord/reports/snapshot"

	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/queries"
	_ "github.com/duckdb/duckdb-go/v2"
)

// Nasty customer names: each one attacks a different layer.
const (
	NameScript  = `</script><script>window.__pwned=1</script>`    // breaks out of a <script>
	NameImg     = `<img src=x onerror="window.__pwned=2">`        // HTML injection (tooltips, tables)
	NameFormula = `=HYPERLINK("http://x")`                        // spreadsheet formula
	NameFuncStr = `__f__window.__pwned=3__f__`                    // go-echarts JS function marker
	NameQuotes  = `O'Brien "Quote" & Co \ back`                   // quotes, ampersand, backslash
	NameDDE     = `@SUM(1+1)*cmd|' /C calc'!A0`                   // DDE payload
	nameCJK     = "深圳华强科技有限公司"                                    // CJK
	nameCtrl    = "Tab\tand\u2028line separator and -dash inside" // control and separators
	// reasonC2 is C2's override reason: a formula lead and markup.
	ReasonC2 = `=Strategic account <b>CEO</b> sponsor`
)

const (
	FixtureRun  = int64(2)
	PreviousRun = int64(1)
	// fixtureCustomerRowsAllRuns is how many customer_value rows all runs hold.
	FixtureCustomerRowsAllRuns = 18
	// longValue is 40,000 characters: over Excel's 32,767 per cell.
	longValueLen = 40000
)

var FixtureAsOf = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// fixtureRows is how many rows each table holds for fixtureRun; the
// other runs' rows must never show up in its report.
var FixtureRows = map[string]int{
	"customer_value":            8,
	"value_contributions":       6,
	"model_used":                7,
	"model_evidence":            6,
	"movers":                    5,
	"owner_drain":               6,
	"hotspots":                  3,
	"hotspot_repeats":           2,
	"hotspot_unsupported":       2,
	"ar_aging":                  5,
	"ar_kpis":                   6,
	"reconciliation_totals":     4,
	"reconciliation_exceptions": 5,
	"service_queue":             3,
	"orphans":                   3,
	"rejects":                   4,
	// Each of run 2's four rejects is a source × column × reason of its own.
	"reject_counts": 4,
	// The fixture has no fault ticket; tests that need some insert them.
	"hotspot_tickets": 0,
}

// Golden totals for fixtureRun's ar_aging, summed by hand:
//
//	total_open: 1200.30 + 1534.89 + 600.00 + 10000000.12 + 1.00
//	          = 2735.19 + 600.00 + 10000000.12 + 1.00 = 10003336.31
//	d90_plus:   0.00 + 1234.56 + 0.01 + 10000000.07 + 0.70
//	          = 1234.57 + 10000000.07 + 0.70 = 10001235.34
//
// C7's buckets 0.10 + 0.20 + 0.70 make 1.00 exactly, which a float sum would
// give as 0.9999999999999999.
const (
	GoldenOpenAR    = "10003336.31"
	GoldenOverdue90 = "10001235.34"
	// bigMoney has 18 significant digits: more than an Excel number holds.
	BigMoney = "1234567890123456.78"
)

// The fixture's runs: 2 (2026-11-27) is the one rendered; 1 (2026-11-20)
// is the previous week; 3 and 4 are two runs for 2026-11-13, of which 4,
// the later, is the one history reads; 5 (2026-12-04) is after the
// rendered date and must not show up in its trend.
//
// Quadrants follow the run's medians: score (65.5 + 40) / 2 = 52.75,
// service cost (5000 + 12000) / 2 = 8500.
const fixtureSQL = `
INSERT INTO customer_value (run_id, as_of, customer_id, name, industry, region, account_owner, score, tier, rank,
  coverage, economic, loyalty, service_effect, characteristics, revenue_12m, service_cost_12m, value_added_profit,
  segment, computed_tier, override_tier, override_reason, override_owner, override_expires, quadrant,
  previous_tier, previous_score, tier_stability) VALUES
 (2, DATE '2026-11-27', 'C1', 'Acme Ltd', 'Manufacturing', 'North', 'ann@example.com', 91.5, 'A', 1, 1.0, 90, 80, 95, 70, 120000.00, 15000.50, 104999.50,
  'default', 'A', NULL, NULL, NULL, NULL, 'partner', 'A', 90.0, 1.0),
 (2, DATE '2026-11-27', 'C2', $n2, 'Retail', 'South', 'bob@example.com', 85.25, 'A', 2, 0.9, 80, 85, 70, 60, 98000.10, 30000.05, 68000.05,
  'default', 'B', 'A', $reasonC2, 'bob@example.com', DATE '2027-03-31', 'partner', 'B', 80.0, 0.5),
 (2, DATE '2026-11-27', 'C3', $n3, 'Energy', 'East', 'ann@example.com', 70.0, 'B', 3, 0.8, 60, 75, 66, 40, 50000.00, 5000.00, 45000.00,
  'default', 'B', NULL, NULL, NULL, NULL, 'low-touch', NULL, NULL, 1.0),
 (2, DATE '2026-11-27', 'C4', $n4, 'Energy', 'West', '=cmd', 65.5, 'B', 4, 0.78, 55, 65, 60, 50, 45000.00, 44000.00, 1000.00,
  'default', 'B', NULL, NULL, NULL, NULL, 'partner', 'C', 50.0, 0.25),
 (2, DATE '2026-11-27', 'C5', $n5, 'Retail', 'North', 'cy@example.com', 40.0, 'C', 5, 0.5, 30, 45, 40, 35, 10000.00, 12000.00, -2000.00,
  'default', 'C', NULL, NULL, NULL, NULL, 'drain', 'B', 45.0, 0.75),
 (2, DATE '2026-11-27', 'C6', $n6, 'Logistics', 'South', 'cy@example.com', 35.75, 'C', 6, 0.667, 25, 35, 50, 30, 8000.00, 1000.00, 7000.00,
  'default', 'C', NULL, NULL, NULL, NULL, 'marginal', 'C', 35.0, 1.0),
 (2, DATE '2026-11-27', 'C7', $n7, 'Finance', 'East', 'dee@example.com', 20.0, 'C', 7, 0.222, 10, 20, 30, 25, 1234567890123456.78, 0.00, 0.01,
  'enterprise', 'D', 'C', '+keep: contract renewal', 'dee@example.com', DATE '2026-12-31', 'marginal', NULL, NULL, NULL),
 (2, DATE '2026-11-27', 'C8', $n8, NULL, NULL, NULL, 5.0, 'unrated', 8, 0.111, NULL, NULL, NULL, NULL, 0.00, 0.00, 0.00,
  'default', 'unrated', NULL, NULL, NULL, NULL, 'marginal', NULL, NULL, NULL),
 (1, DATE '2026-11-20', 'C1', 'Acme Ltd (old)', 'Manufacturing', 'North', 'ann@example.com', 90.0, 'A', 1, 1.0, 90, 80, 95, 70, 1.00, 1.00, 0.00,
  'default', 'A', NULL, NULL, NULL, NULL, 'partner', NULL, NULL, 1.0),
 (1, DATE '2026-11-20', 'C9', 'Gone Co', 'Retail', 'North', 'ann@example.com', 10.0, 'D', 2, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00,
  'default', 'D', NULL, NULL, NULL, NULL, 'marginal', NULL, NULL, 1.0),
 (1, DATE '2026-11-20', 'C2', 'x', 'Retail', 'South', 'bob@example.com', 80.0, 'B', 3, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00,
  'default', 'B', NULL, NULL, NULL, NULL, 'partner', NULL, NULL, 1.0),
 (1, DATE '2026-11-20', 'C4', 'x', 'Energy', 'West', '=cmd', 50.0, 'C', 4, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00,
  'default', 'C', NULL, NULL, NULL, NULL, 'partner', NULL, NULL, 1.0),
 (1, DATE '2026-11-20', 'C5', 'x', 'Retail', 'North', 'cy@example.com', 45.0, 'B', 5, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00,
  'default', 'B', NULL, NULL, NULL, NULL, 'drain', NULL, NULL, 1.0),
 (1, DATE '2026-11-20', 'C6', 'x', 'Logistics', 'South', 'cy@example.com', 35.0, 'C', 6, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00,
  'default', 'C', NULL, NULL, NULL, NULL, 'marginal', NULL, NULL, 1.0),
 (3, DATE '2026-11-13', 'C1', 'x', 'Manufacturing', 'North', 'ann@example.com', 11.0, 'D', 1, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00,
  'default', 'D', NULL, NULL, NULL, NULL, 'marginal', NULL, NULL, 1.0),
 (4, DATE '2026-11-13', 'C1', 'x', 'Manufacturing', 'North', 'ann@example.com', 88.0, 'A', 1, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00,
  'default', 'A', NULL, NULL, NULL, NULL, 'partner', NULL, NULL, 1.0),
 (4, DATE '2026-11-13', 'C2', 'x', 'Retail', 'South', 'bob@example.com', 70.0, 'B', 2, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00,
  'default', 'B', NULL, NULL, NULL, NULL, 'partner', NULL, NULL, 1.0),
 (5, DATE '2026-12-04', 'C1', 'x', 'Manufacturing', 'North', 'ann@example.com', 12.5, 'D', 1, 1.0, 9, 8, 9, 7, 1.00, 1.00, 0.00,
  'default', 'D', NULL, NULL, NULL, NULL, 'marginal', NULL, NULL, 1.0);

INSERT INTO value_contributions (run_id, as_of, customer_id, group_name, indicator, raw_value, normalized, weight,
  contribution, missing, segment, excluded, normalization) VALUES
 (2, DATE '2026-11-27', 'C1', 'economic', 'maintenance_fees', 52000.5, 0.95, 0.2, 19.0, false, 'default', false, 'percentile'),
 (2, DATE '2026-11-27', 'C1', 'loyalty', 'referral', NULL, 0.5, 0.1, 5.0, true, 'default', false, 'zscore'),
 (2, DATE '2026-11-27', 'C1', 'service_effect', 'coordination', 0.25, 0.8, 0.15, 12.0, false, 'default', false, 'thresholds'),
 (2, DATE '2026-11-27', 'C2', 'economic', 'maintenance_fees', 31000.0, 0.7, 0.2, 14.0, false, 'default', false, 'percentile'),
 (2, DATE '2026-11-27', 'C2', 'characteristics', 'scale', 4.2, 0.6, 0.125, 7.5, false, 'default', false, 'percentile'),
 (2, DATE '2026-11-27', 'C2', 'loyalty', 'proactive_communication', 3.0, 0.4, 0.1, 4.0, false, 'default', false, 'percentile'),
 (1, DATE '2026-11-20', 'C9', 'economic', 'maintenance_fees', 1.0, 0.1, 0.2, 2.0, false, 'default', false, 'percentile');

INSERT INTO model_used (run_id, as_of, segment, group_name, group_weight, indicator, weight, direction, normalization,
  window_months, missing_policy, weight_method, available) VALUES
 (2, DATE '2026-11-27', 'default', 'economic', 0.4, 'maintenance_fees', 0.2, 'higher', 'percentile', 12, 'neutral', 'config', true),
 (2, DATE '2026-11-27', 'default', 'economic', 0.4, 'collection_timeliness', 0.2, 'higher', 'minmax (winsorized at the 0.05 and 0.95 quantiles)', 12, 'exclude', 'config', true),
 (2, DATE '2026-11-27', 'default', 'loyalty', 0.35, 'referral', 0.15, 'higher', 'zscore', 24, 'worst', 'config', true),
 (2, DATE '2026-11-27', 'default', 'loyalty', 0.35, 'proactive_communication', 0.2, 'higher', 'percentile', 12, 'neutral', 'config', true),
 (2, DATE '2026-11-27', 'default', 'service_effect', 0.25, 'ease_of_coordination', 0.25, 'lower', 'thresholds', 12, 'neutral', 'config', false),
 (2, DATE '2026-11-27', 'enterprise', 'economic', 1.0, 'maintenance_fees', 0.6, 'higher', 'percentile', 12, 'neutral', 'entropy', true),
 (2, DATE '2026-11-27', 'enterprise', 'characteristics', 1.0, 'scale', 0.4, 'higher', 'percentile', 0, 'neutral', 'entropy', true),
 (1, DATE '2026-11-20', 'default', 'economic', 1.0, 'maintenance_fees', 0.99, 'higher', 'old-normalization', 12, 'neutral', 'config', true);

INSERT INTO model_evidence (run_id, as_of, segment, metric, value, detail) VALUES
 (2, DATE '2026-11-27', 'default', 'spearman_value_added_profit', 0.6234, 'rank correlation of score and value-added profit over 7 customers'),
 (2, DATE '2026-11-27', 'default', 'lift_on_time', 1.85, 'paid on time since 2026-05-27: tier A 92%, tier D 50% of the amount due'),
 (2, DATE '2026-11-27', 'default', 'lift_repurchase', NULL, 'bought again since 2026-05-27: tier A 50%, tier D 0% (tiers as scored on 2026-05-27)'),
 (2, DATE '2026-11-27', 'default', 'sensitivity_economic_+5', 2, 'customers whose tier changes if economic moves +5 points'),
 (2, DATE '2026-11-27', 'default', 'sensitivity_economic_-5', 1, 'customers whose tier changes if economic moves -5 points'),
 (2, DATE '2026-11-27', 'enterprise', 'spearman_value_added_profit', NULL, '=rank correlation over 1 customers'),
 (1, DATE '2026-11-20', 'default', 'spearman_value_added_profit', -0.999, 'old evidence');

INSERT INTO movers (run_id, as_of, previous_as_of, customer_id, name, previous_tier, tier, previous_score, score,
  change, top_up, top_down) VALUES
 (2, DATE '2026-11-27', DATE '2026-11-20', 'C4', $n4, 'C', 'B', 50.0, 65.5, 15.5, 'collection_timeliness +12.0', NULL),
 (2, DATE '2026-11-27', DATE '2026-11-20', 'C2', $n2, 'B', 'A', 80.0, 85.25, 5.25, 'maintenance_fees +4.0', '@referral -1.2'),
 (2, DATE '2026-11-27', DATE '2026-11-20', 'C5', $n5, 'B', 'C', 45.0, 40.0, -5.0, NULL, '=ease_of_coordination -3.1'),
 (2, DATE '2026-11-27', DATE '2026-11-20', 'C1', 'Acme Ltd', 'A', 'A', 90.0, 91.5, 1.5, 'scale +1.5', NULL),
 (2, DATE '2026-11-27', DATE '2026-11-20', 'C6', $n6, 'C', 'C', 35.0, 35.75, 0.75, 'referral +0.8', NULL),
 (1, DATE '2026-11-20', DATE '2026-11-13', 'C9', 'Gone Co', 'A', 'D', 90.0, 10.0, -80.0, NULL, 'scale -80.0');

INSERT INTO owner_drain (run_id, as_of, account_owner, customers, revenue_12m, service_cost_12m, value_added_profit,
  tier_a, drains) VALUES
 (2, DATE '2026-11-27', '(none)', 1, 0.00, 0.00, 0.00, 0, 0),
 (2, DATE '2026-11-27', '=cmd', 1, 45000.00, 44000.00, 1000.00, 0, 0),
 (2, DATE '2026-11-27', 'ann@example.com', 2, 170000.00, 20000.50, 149999.50, 1, 0),
 (2, DATE '2026-11-27', 'bob@example.com', 1, 98000.10, 30000.05, 68000.05, 1, 0),
 (2, DATE '2026-11-27', 'cy@example.com', 2, 18000.00, 13000.00, 5000.00, 0, 1),
 (2, DATE '2026-11-27', 'dee@example.com', 1, 1234567890123456.78, 0.00, 0.01, 0, 0),
 (1, DATE '2026-11-20', 'ann@example.com', 2, 2.00, 2.00, 0.00, 1, 0);

INSERT INTO hotspots (run_id, as_of, rank, product_id, product_name, component, region, failures, installed_units,
  rate_per_100_per_year, shrunk_rate_per_100_per_year, share, cumulative_share,
  baseline_failures, current_exposure_share, rising_test, rising_p_value, rising, repairs, mttr_hours, median_repair_hours, repeat_serials, rising_q_value, rising_not_tested) VALUES
 (2, DATE '2026-11-27', 1, 'P1', 'Pump X', 'valve', 'North', 12, 100, 6.0, 5.5, 0.5, 0.5,
  4, 0.2, 'C-test (conditional binomial), one-sided; exposure: installed unit-days', 0.000123, true, 10, 30.25, 24.0, 2, 0.000246, NULL),
 (2, DATE '2026-11-27', 2, 'P2', '<b>Bold</b> pump', '__f__alert(1)__f__', 'South', 8, 400, 2.0, 2.1, 0.3333333333, 0.8333333333,
  30, 0.2, 'C-test (conditional binomial), one-sided; exposure: installed unit-days', 0.61, false, 0, NULL, NULL, 0, 0.61, NULL),
 (2, DATE '2026-11-27', 3, 'P3', 'Motor', 'bearing', 'East', 4, 50, 8.0, 4.0, 0.1666666667, 1.0,
  NULL, NULL, NULL, NULL, false, 3, 12.0, 12.0, 1, NULL, 'no_history'),
 (1, DATE '2026-11-20', 1, 'P9', 'Old pump', 'valve', 'North', 1, 10, 10.0, 1.0, 1.0, 1.0,
  NULL, NULL, NULL, NULL, false, 0, NULL, NULL, 0, NULL, 'no_history');

-- Repeat serials and what cannot be supported name customers: C2 and C5
-- are inside repFilter, C1 and C3 outside.
INSERT INTO hotspot_repeats (run_id, as_of, product_id, product_name, component, region, serial_no, customer_id, name,
  faults, first_opened_at, last_opened_at, ticket_ids) VALUES
 (2, DATE '2026-11-27', 'P1', 'Pump X', 'valve', 'North', 'SN-IN-2', 'C2', $n2, 2,
  TIMESTAMP '2026-10-01 09:00:00', TIMESTAMP '2026-11-02 10:00:00', 'TR-IN-1,TR-IN-2'),
 (2, DATE '2026-11-27', 'P1', 'Pump X', 'valve', 'North', 'SN-OUT-ACME', 'C1', 'Acme Ltd', 3,
  TIMESTAMP '2026-09-01 09:00:00', TIMESTAMP '2026-11-20 10:00:00', 'TR-OUT-1,TR-OUT-2,TR-OUT-3'),
 (1, DATE '2026-11-20', 'P9', 'Old pump', 'valve', 'North', 'SN-OLD', 'C9', 'Gone Co', 2,
  TIMESTAMP '2026-10-01 09:00:00', TIMESTAMP '2026-11-02 10:00:00', 'TR-OLD');

INSERT INTO hotspot_unsupported (run_id, as_of, reason, product_id, product_name, supported_until, customer_id, name,
  ticket_id, opened_at, installed_units, tickets, revenue_12m) VALUES
 (2, DATE '2026-11-27', 'past_support', 'P2', '<b>Bold</b> pump', DATE '2026-06-30', 'C5', $n5, NULL,
  TIMESTAMP '2026-09-26 09:00:00', 2, 3, 10000.00),
 (2, DATE '2026-11-27', 'unsupported_resolution', 'P2', '<b>Bold</b> pump', DATE '2026-06-30', 'C3', $n3, 'TU-OUT-1',
  TIMESTAMP '2026-11-02 09:00:00', 1, NULL, 50000.01),
 (1, DATE '2026-11-20', 'past_support', 'P9', 'Old pump', NULL, 'C9', 'Gone Co', NULL, NULL, 1, 0, 1.00);

INSERT INTO ar_aging (run_id, as_of, customer_id, name, tier, current_amount, d1_30, d31_60, d61_90, d90_plus,
  total_open, dso) VALUES
 (2, DATE '2026-11-27', 'C1', 'Acme Ltd', 'A', 1000.10, 200.20, 0.00, 0.00, 0.00, 1200.30, 35.5),
 (2, DATE '2026-11-27', 'C2', $n2, 'A', 0.00, 0.00, 300.33, 0.00, 1234.56, 1534.89, NULL),
 (2, DATE '2026-11-27', 'C3', $n3, 'B', 500.00, 0.00, 0.00, 99.99, 0.01, 600.00, 20.0),
 (2, DATE '2026-11-27', 'C4', $n4, 'B', 0.05, 0.00, 0.00, 0.00, 10000000.07, 10000000.12, 120.25),
 (2, DATE '2026-11-27', 'C7', $n7, 'D', 0.10, 0.20, 0.00, 0.00, 0.70, 1.00, 3.0),
 (1, DATE '2026-11-20', 'C9', 'Gone Co', 'D', 5.00, 0.00, 0.00, 0.00, 999.00, 1004.00, 1.0);

-- ar_kpis ties to ar_aging above: portfolio open 2735.19 (A) + 10000600.12 (B)
-- + 1.00 (D) = 10003336.31 = goldenOpenAR; current 1000.10 + 500.05 + 0.10 =
-- 1500.25. DSO = open / credit sales × 90: portfolio 10003336.31 / 20000000.00
-- × 90 = 45.015013395 (shown 45.0); D has no credit sales, so NULL. On time:
-- 2650.00 / 4000.00 = 0.6625 (shown 66.3%).
INSERT INTO ar_kpis (run_id, as_of, scope, tier, customers, open_amount, current_amount, overdue_amount, overdue_share,
  credit_sales_90d, dso, best_possible_dso, add_days, beginning_open, cei, due_amount_90d, paid_on_time_amount,
  on_time_rate, open_invoices, overdue_invoices, issued_invoices_90d, due_invoices_90d, on_time_invoices) VALUES
 (2, DATE '2026-11-27', 'portfolio', NULL, 5, 10003336.31, 1500.25, 10001836.06, 0.9998500250362972, 20000000.00, 45.015013395, 0.006751125, 45.00826227, 1501.00, 49.99082157534419, 4000.00, 2650.00, 0.6625, 6, 4, 6, 4, 1),
 (2, DATE '2026-11-27', 'tier', 'A', 2, 2735.19, 1000.10, 1735.09, 0.6343581250297055, 5000.00, 49.23342, 18.0018, 31.23162, 1000.00, 65.297505950119, 3000.00, 2400.00, 0.8, 2, 1, 2, 3, 1),
 (2, DATE '2026-11-27', 'tier', 'B', 2, 10000600.12, 500.05, 10000100.07, 0.9999499980007199, 19995000.00, 45.01395402850713, 0.002250787696924231, 45.0117032408102, 500.00, 49.986996274036, 1000.00, 250.00, 0.25, 3, 2, 4, 1, 0),
 (2, DATE '2026-11-27', 'tier', 'C', 0, 0.00, 0.00, 0.00, NULL, 0.00, NULL, NULL, NULL, 0.00, NULL, 0.00, 0.00, NULL, 0, 0, 0, 0, 0),
 (2, DATE '2026-11-27', 'tier', 'D', 1, 1.00, 0.10, 0.90, 0.9, 0.00, NULL, NULL, NULL, 1.00, 0.0, 0.00, 0.00, NULL, 1, 1, 0, 0, 0),
 (2, DATE '2026-11-27', 'tier', 'unrated', 0, 0.00, 0.00, 0.00, NULL, 0.00, NULL, NULL, NULL, 0.00, NULL, 0.00, 0.00, NULL, 0, 0, 0, 0, 0),
 (1, DATE '2026-11-20', 'portfolio', NULL, 1, 1004.00, 5.00, 999.00, 0.995, 77.00, 777.7, 5.8, 771.9, 0.00, 12.5, 0.00, 0.00, NULL, 1, 1, 1, 0, 0);

INSERT INTO reconciliation_totals (run_id, as_of, check_name, total_a, total_b, difference, exceptions, explained, ties) VALUES
 (2, DATE '2026-11-27', 'billing_vs_ledger', 1000.10, 900.05, 100.05, 3, 100.05, true),
 (2, DATE '2026-11-27', 'open_vs_ledger', 10003336.31, 10003336.31, 0.00, 0, 0.00, true),
 (2, DATE '2026-11-27', 'payments_vs_invoices', 500.00, 450.00, 50.00, 2, 60.00, false),
 (2, DATE '2026-11-27', 'revenue_vs_billing', 1234567890.12, 1234567890.12, 0.00, 0, 0.00, true),
 (1, DATE '2026-11-20', 'billing_vs_ledger', 7.00, 7.00, 0.00, 0, 0.00, true);

INSERT INTO reconciliation_exceptions (run_id, as_of, check_name, kind, key, customer_id, amount_a, amount_b, difference) VALUES
 (2, DATE '2026-11-27', 'billing_vs_ledger', 'amount differs', 'INV-1', 'C1', 600.10, 500.00, 100.10),
 (2, DATE '2026-11-27', 'billing_vs_ledger', 'missing in ledger', '=INV-2', 'C2', 0.00, NULL, 0.00),
 (2, DATE '2026-11-27', 'billing_vs_ledger', 'amount differs', 'INV-4', 'C4', 250.00, 250.05, -0.05),
 (2, DATE '2026-11-27', 'payments_vs_invoices', 'unapplied: no invoice named', 'PAY-7', NULL, 40.00, NULL, 40.00),
 (2, DATE '2026-11-27', 'payments_vs_invoices', 'over-paid', 'INV-9', 'C5', 120.00, 100.00, 20.00),
 (1, DATE '2026-11-20', 'billing_vs_ledger', 'not billed', 'INV-OLD', 'C9', NULL, 7.00, -7.00);

INSERT INTO service_queue (run_id, as_of, rank, ticket_id, customer_id, name, tier, score, severity, opened_at,
  age_days, product_id, component, category, reason, priority, estimated_hours, fits_capacity) VALUES
 (2, DATE '2026-11-27', 1, 'T1', 'C2', $n2, 'A', 85.25, 1, TIMESTAMP '2026-11-20 09:30:00', 7, 'P1', 'valve', 'fault', 'tier A, severity 1', 115.25, 2.5, true),
 (2, DATE '2026-11-27', 2, 'T2', 'C4', $n4, 'B', 65.5, 2, TIMESTAMP '2026-11-25 17:05:00', 2, 'P2', 'seal', 'complaint', '-severity 2', 85.5, NULL, false),
 (2, DATE '2026-11-27', 3, 'T3', 'C5', $n5, 'C', 40.0, 1, TIMESTAMP '2026-11-01 08:00:00', 26, 'P3', 'bearing', 'fault', 'age', 94.0, 4.0, NULL),
 (1, DATE '2026-11-20', 1, 'T9', 'C9', 'Gone Co', 'D', 10.0, 4, TIMESTAMP '2026-11-19 08:00:00', 1, 'P9', 'valve', 'question', 'old', 10.0, 1.0, true);

INSERT INTO orphans (run_id, source, column_name, value, parent, rows) VALUES
 (2, 'tickets', 'customer_id', 'C404', 'customers', 3),
 (2, 'tickets', 'customer_id', '=X1', 'customers', 1),
 (2, 'billing_lines', 'product_id', 'P404', 'products', 2),
 (1, 'tickets', 'customer_id', 'C405', 'customers', 9);

INSERT INTO rejects (run_id, source, file, line, column_name, value, reason) VALUES
 (2, 'tickets', 'tickets.csv', 5, 'severity', '=1+1', 'not an integer'),
 (2, 'tickets', 'tickets.csv', 9, 'opened_at', '-', 'not a timestamp'),
 (2, 'ar_invoices', 'ar_invoices.csv', 3, 'amount', repeat('x', 40000), 'not a number'),
 (2, 'ar_invoices', 'ar_invoices.csv', 7, 'customer_id', '@cmd', 'unknown customer'),
 (1, 'tickets', 'tickets.csv', 2, 'severity', 'nine', 'not an integer');
`

// createResultTables creates the result tables in db and fills them with
// the fixture: runs 1 (2026-11-20) and 2 (2026-11-27, the one rendered).
func createResultTables(t testing.TB, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	// The real schema (queries/schema.sql), so the fixture cannot drift
	// from what the pipeline writes.
	if _, err := db.ExecContext(ctx, queries.Get("CreateSchema")); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	names := map[string]string{
		"$n2": NameScript, "$n3": NameImg, "$n4": NameFormula, "$n5": NameFuncStr,
		"$n6": NameQuotes, "$n7": NameDDE, "$n8": nameCJK + " " + nameCtrl,
		"$reasonC2": ReasonC2,
	}
	stmt := fixtureSQL
	for k, v := range names {
		stmt = strings.ReplaceAll(stmt, k, "'"+strings.ReplaceAll(v, "'", "''")+"'")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		tx.Rollback()
		t.Fatalf("insert fixture: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// A failed statement can still commit (TRAPS.md): check the rows landed.
	for table, want := range FixtureRows {
		if snapshot.TableNamed(table).From != nil {
			continue // a query over another table
		}
		var got int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE run_id = 2").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("fixture %s: %d rows for run 2, want %d", table, got, want)
		}
	}
}

// openFixtureDB opens a DuckDB file in a temporary folder and fills it.
func OpenFixtureDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "accord.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("SET autoinstall_known_extensions = false"); err != nil {
		t.Fatal(err)
	}
	createResultTables(t, db)
	return db
}

var TestOptions = snapshot.Options{
	Language:       "en",
	CurrencySymbol: "¥",
	CurrencyFormat: `"¥"#,##0.00`,
	Title:          `Acme <Holdings> & "Partners" weekly customer value report`,
}

// writeFixture renders the fixture run into a fresh folder.
func WriteFixture(t testing.TB, db *sql.DB, opt snapshot.Options) snapshot.Output {
	t.Helper()
	out, err := reports.Write(context.Background(), db, FixtureRun, FixtureAsOf, filepath.Join(t.TempDir(), "2026-11-27"), opt)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return out
}
