package pipeline

import (
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The hot-spot fixture: the hand-computed fixture's customers and billing
// (plus one 0.37 service line for C2, so revenue is checked to the cent),
// with its own products, installed base and tickets, as of 2026-11-27 with
// 3-month windows. Periods k = 0 (the window) .. 4, (as_of-3(k+1) months,
// as_of-3k months]: 92, 92, 89, 92, 92 days; the first ticket is on
// 2025-08-28 (H1, a question), the first day of k = 4, so every period is
// fully observed.
//
// Groups (product × component × region; installed units now):
//
//	R  P1 power  East   3 (C1)   k0: 6 faults, k1: 1   → rising
//	F  P2 power  North  2 (C2)   3 faults in each of k0..k4   → flat
//	U  P3 sensor East   4 (C4, installed 2026-06-01: unit-days in k0, k1 only)
//	   k0: 4, k1: 0; exposure 4·92 against 4·88 (2026-06-01..08-27):
//	   p0 = 92/180 = 23/45, p = (23/45)^4
//	Z  P2 power  South  1 (C5)   k3: 2 faults, none now   → p = 1
//	N  P1 power  North  1 (C3)   no faults at all         → p = 1
//	W  P4 valve  West   none known: exposure is days; k0: 3, before: 0
//	   → p = p0^3 ≈ 0.0082 < 0.01: rising without correction; with the
//	   default false-discovery-rate correction over the four groups with
//	   at least 3 faults (R, F, U, W), q = 2·p ≈ 0.016: not rising
//
// R, F, Z and N: units constant, so p0 = 92/457 (the window's days over all).
const hotspotTickets = `ticket_id,customer_id,opened_at,closed_at,product_id,serial_no,component,region,category,severity,effort_hours,escalations,reopens,csat,resolution
H1,C4,2025-08-28 09:00:00,2025-08-28 10:00:00,,,,,question,4,1,0,0,4,fixed
R0,C1,2026-08-20 09:00:00,2026-08-29 09:00:00,P1,S-2,power,East,fault,2,1,0,0,4,fixed
R1,C1,2026-09-01 09:00:00,2026-09-01 21:00:00,P1,S-1,power,East,fault,2,1,0,0,4,fixed
R2,C1,2026-09-10 09:00:00,2026-09-11 09:00:00,P1,S-1,power,East,fault,2,1,0,0,4,fixed
R3,C1,2026-10-01 09:00:00,2026-10-03 09:00:00,P1,S-2,power,East,fault,2,1,0,0,4,fixed
R4,C1,2026-10-15 09:00:00,,P1,S-1,power,East,fault,2,1,0,0,4,
R5,C1,2026-11-01 09:00:00,2026-11-01 15:00:00,P1,,power,East,fault,2,1,0,0,4,fixed
R6,C1,2026-11-20 09:00:00,2026-11-30 09:00:00,P1,S-2,power,East,fault,2,1,0,0,4,fixed
Q1,C1,2026-10-02 09:00:00,2026-10-02 10:00:00,P1,S-1,power,East,question,4,1,0,0,4,fixed
U1,C4,2026-09-02 09:00:00,,P3,U-1,sensor,East,fault,2,1,0,0,4,
U2,C4,2026-09-12 09:00:00,,P3,U-2,sensor,East,fault,2,1,0,0,4,
U3,C4,2026-09-22 09:00:00,,P3,U-3,sensor,East,fault,2,1,0,0,4,
U4,C4,2026-10-02 09:00:00,,P3,U-4,sensor,East,fault,2,1,0,0,4,
W1,C4,2026-09-03 09:00:00,,P4,,valve,West,fault,2,1,0,0,4,
W2,C4,2026-09-13 09:00:00,,P4,,valve,West,fault,2,1,0,0,4,
W3,C4,2026-09-23 09:00:00,,P4,,valve,West,fault,2,1,0,0,4,
Z1,C5,2025-12-07 09:00:00,2025-12-07 19:00:00,P2,Z-1,power,South,fault,2,1,0,0,4,fixed
Z2,C5,2025-12-17 09:00:00,2025-12-17 19:00:00,P2,Z-2,power,South,fault,2,1,0,0,4,fixed
X1,C3,2026-11-02 09:00:00,2026-11-03 09:00:00,P1,,power,North,question,3,1,0,0,3,Unsupported 
X2,C9,2026-11-05 09:00:00,,,,,,question,3,1,0,0,,unsupported
X3,C3,2026-03-05 09:00:00,2026-03-06 09:00:00,P1,,power,North,request,3,1,0,0,3,unsupported
`

// flatTickets are F's: three per period on days 10, 20 and 30 of it, each
// closed ten hours later; F-0-1 was resolved unsupported.
func flatTickets(asOf time.Time) string {
	var b strings.Builder
	for k := 0; k <= 4; k++ {
		start := asOf.AddDate(0, -3*(k+1), 0)
		for i := 1; i <= 3; i++ {
			opened := start.AddDate(0, 0, 10*i).Add(9 * time.Hour)
			res := "fixed"
			if k == 0 && i == 1 {
				res = "unsupported"
			}
			fmt.Fprintf(&b, "F-%d-%d,C2,%s,%s,P2,F-%d-%d,power,North,fault,3,1,0,0,4,%s\n", k, i,
				opened.Format(time.DateTime), opened.Add(10*time.Hour).Format(time.DateTime), k, i, res)
		}
	}
	return b.String()
}

// hotspotFixture writes the fixture copy and a config with 3-month windows
// and extra (appended to the hotspots section); keep filters the tickets.
func hotspotFixture(t *testing.T, extra string, keep func(opened string) bool) string {
	t.Helper()
	dir := copyFixture(t)
	in := filepath.Join(dir, "fixture")
	var tickets strings.Builder
	for i, line := range strings.Split(strings.TrimSpace(hotspotTickets+flatTickets(fixtureAsOf)), "\n") {
		if i > 0 && keep != nil && !keep(strings.Split(line, ",")[2]) {
			continue
		}
		tickets.WriteString(line + "\n")
	}
	files := map[string]string{
		"tickets.csv":        tickets.String(),
		"products.csv":       "product_id,name,family,launched_at,supported_until\nP1,Pump A,Pumps,2019-01-01,\nP2,Valve B,Valves,2018-01-01,2026-06-30\nP3,Gauge C,Gauges,2026-01-01,\n",
		"installed_base.csv": "customer_id,product_id,quantity,installed_at\nC1,P1,3,2020-01-01\nC2,P2,2,2021-01-01\nC3,P1,1,2022-01-01\nC5,P2,1,2023-01-01\nC4,P3,4,2026-06-01\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(in, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(filepath.Join(in, "billing_lines.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("I15,1,C2,2026-10-01,,service,1,0.37,CNY\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cfg := filepath.Join(dir, "fixture.yaml")
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(raw), "hotspots: {min_installed_units: 1, prior_unit_years: 1}",
		"hotspots: {min_installed_units: 1, prior_unit_years: 1, window_months: 3"+extra+"}", 1)
	if s == string(raw) {
		t.Fatal("fixture.yaml has no hotspots line to replace")
	}
	if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// binomialTail is P(X ≥ c) for X ~ Binomial(n, p), summed term by term in
// exact rationals: an independent check of the SQL's log-gamma sum.
func binomialTail(n, c int64, p *big.Rat) float64 {
	q := new(big.Rat).Sub(big.NewRat(1, 1), p)
	sum := new(big.Rat)
	for j := c; j <= n; j++ {
		term := new(big.Rat).SetInt(new(big.Int).Binomial(n, j))
		for range j {
			term.Mul(term, p)
		}
		for range n - j {
			term.Mul(term, q)
		}
		sum.Add(sum, term)
	}
	f, _ := sum.Float64()
	return f
}

// benjaminiHochberg gives each test's q-value, the smallest false
// discovery rate at which the step-up procedure rejects it: with the m
// p-values sorted, p(1) ≤ … ≤ p(m), rejecting at level a means rejecting
// p(1..k) for the largest k with p(k) ≤ k·a/m, so the test ranked i is
// rejected once a ≥ min over k ≥ i of m·p(k)/k.
func benjaminiHochberg(ps map[string]float64) map[string]float64 {
	keys := make([]string, 0, len(ps))
	for k := range ps {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return ps[keys[i]] < ps[keys[j]] || ps[keys[i]] == ps[keys[j]] && keys[i] < keys[j]
	})
	m := float64(len(keys))
	out := map[string]float64{}
	for i, k := range keys {
		q := 1.0
		for j := i; j < len(keys); j++ {
			q = math.Min(q, m*ps[keys[j]]/float64(j+1))
		}
		out[k] = q
	}
	return out
}

// periodDays are the days of periods 0..4 of 3 months before fixtureAsOf,
// counted with time.AddDate rather than SQL intervals.
func periodDays() []int64 {
	var out []int64
	for k := 0; k <= 4; k++ {
		end := fixtureAsOf.AddDate(0, -3*k, 0)
		start := fixtureAsOf.AddDate(0, -3*(k+1), 0)
		out = append(out, int64(end.Sub(start).Hours()/24))
	}
	return out
}

type hotspotRow struct {
	failures, repairs, repeats int64
	baseline                   sql.NullInt64
	share, p, q, mttr, median  sql.NullFloat64
	test                       sql.NullString
	rising                     bool
}

func readHotspots(t *testing.T, db *sql.DB, runID int64) map[string]hotspotRow {
	t.Helper()
	rows, err := db.Query(`SELECT product_id || ' ' || component || ' ' || region, failures, repairs, repeat_serials,
		baseline_failures, current_exposure_share, rising_p_value, rising_q_value, mttr_hours, median_repair_hours, rising_test, rising
		FROM hotspots WHERE run_id = ?`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]hotspotRow{}
	for rows.Next() {
		var key string
		var h hotspotRow
		if err := rows.Scan(&key, &h.failures, &h.repairs, &h.repeats, &h.baseline, &h.share, &h.p, &h.q, &h.mttr, &h.median, &h.test, &h.rising); err != nil {
			t.Fatal(err)
		}
		out[key] = h
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func close12(got sql.NullFloat64, want float64) bool {
	return got.Valid && math.Abs(got.Float64-want) <= 1e-12+1e-9*math.Abs(want)
}

// TestHotspotRisingByHand checks the C-test of every group against an exact
// rational binomial tail, the window's exposure share against days counted
// by time.AddDate, and a textbook value: with one baseline window (p0 =
// 92/184 = 1/2), R's p = (C(7,6)+C(7,7))/2^7 = 1/16.
func TestHotspotRisingByHand(t *testing.T) {
	days := periodDays()
	if want := []int64{92, 92, 89, 92, 92}; fmt.Sprint(days) != fmt.Sprint(want) {
		t.Fatalf("period days %v, want %v", days, want)
	}
	total := days[0] + days[1] + days[2] + days[3] + days[4] // 457
	p0 := big.NewRat(days[0], total)
	p0f, _ := p0.Float64()

	store, res := runFixture(t, hotspotFixture(t, ", baseline_windows: 4", nil))
	got := readHotspots(t, store.DB, res.RunID)
	want := map[string]struct {
		failures, baseline int64
		share, p           float64
		rising             bool
		test               string
	}{
		"P1 power East":  {6, 1, p0f, binomialTail(7, 6, p0), true, "installed unit-days"}, // q = 4·p ≈ 0.0015
		"P2 power North": {3, 12, p0f, binomialTail(15, 3, p0), false, "installed unit-days"},
		"P3 sensor East": {4, 0, 23.0 / 45, binomialTail(4, 4, big.NewRat(23, 45)), false, "installed unit-days"},
		"P2 power South": {0, 2, p0f, 1, false, "installed unit-days"},
		"P1 power North": {0, 0, p0f, 1, false, "installed unit-days"},
		"P4 valve West":  {3, 0, p0f, binomialTail(3, 3, p0), false, "days"}, // q ≈ 0.016
	}
	if len(got) != len(want) {
		t.Errorf("%d hot-spot rows, want %d: %v", len(got), len(want), got)
	}
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("%s: no row", key)
			continue
		}
		if g.failures != w.failures || !g.baseline.Valid || g.baseline.Int64 != w.baseline || !close12(g.share, w.share) ||
			!close12(g.p, w.p) || g.rising != w.rising || g.test.String != "C-test (conditional binomial), one-sided; exposure: "+w.test+"; periods of 3 month(s)" {
			t.Errorf("%s: got failures %d baseline %v share %v p %v rising %v test %q; want %d %d %.15g %.15g %v %q",
				key, g.failures, g.baseline, g.share, g.p, g.rising, g.test.String, w.failures, w.baseline, w.share, w.p, w.rising, w.test)
		}
	}
	// The q-values: Benjamini–Hochberg over the groups with at least 3
	// faults, by the step-up definition (below); the others have none.
	family := map[string]float64{}
	for key, w := range want {
		if w.failures >= 3 {
			family[key] = w.p
		}
	}
	q := benjaminiHochberg(family)
	for key, g := range got {
		if w, ok := q[key]; ok != g.q.Valid || ok && !close12(g.q, w) {
			t.Errorf("%s: q-value %v, want %v (in the family: %v)", key, g.q, w, ok)
		}
	}
	if !(q["P1 power East"] < 0.01 && q["P4 valve West"] > 0.01) {
		t.Errorf("q-values %v: want R below 0.01 and W above", q)
	}
	// Without correction each group with at least 3 faults is flagged at
	// p < 0.01: W too.
	storeN, resN := runFixture(t, hotspotFixture(t, ", rising_correction: none", nil))
	for key, g := range readHotspots(t, storeN.DB, resN.RunID) {
		if w := key == "P1 power East" || key == "P4 valve West"; g.rising != w {
			t.Errorf("no correction: %s rising %v, want %v (p %v)", key, g.rising, w, g.p)
		}
	}
	// R's p-value, written out: 7·p0^6·(1-p0) + p0^7 with p0 = 92/457.
	if r := got["P1 power East"]; !close12(r.p, 7*math.Pow(p0f, 6)*(1-p0f)+math.Pow(p0f, 7)) || r.p.Float64 >= 0.01 {
		t.Errorf("R: p = %v, want 7·p0^6·(1-p0)+p0^7 < 0.01", r.p)
	}

	store1, res1 := runFixture(t, hotspotFixture(t, ", baseline_windows: 1", nil))
	if r := readHotspots(t, store1.DB, res1.RunID)["P1 power East"]; !close12(r.p, 8.0/128) || !close12(r.share, 0.5) || r.rising {
		t.Errorf("one baseline window: R p %v share %v rising %v, want 1/16, 1/2, not rising", r.p, r.share, r.rising)
	}
	// The same counts with a higher minimum: R is significant but too small.
	store6, res6 := runFixture(t, hotspotFixture(t, ", rising_min_failures: 7", nil))
	if r := readHotspots(t, store6.DB, res6.RunID)["P1 power East"]; r.rising || !r.p.Valid || r.p.Float64 >= 0.01 {
		t.Errorf("min failures 7: R rising %v p %v, want p < 0.01 and not rising", r.rising, r.p)
	}
}

// TestHotspotShortHistoryUsesShorterPeriods: an export that starts inside
// the 3-month window (first ticket R1 on 2026-09-01, so days from
// 2026-08-31 on count) has no day before the window; the test then runs on
// periods of max(1, 3 / (4 + 1)) = 1 month inside it: k0 (10-27, 11-27]
// 31 days, k1 (09-27, 10-27] 30 days, k2 (08-27, 09-27] observed 27 days
// (08-31 .. 09-27), k3 and k4 not observed. R (3 units installed in 2020):
// c = 2 (R5, R6), b = 4 (R3, R4 in k1; R1, R2 in k2), p0 = 31/88, and
// p = P(X ≥ 2), X ~ Binomial(6, 31/88), summed in exact rationals. c = 2 is
// under rising_min_failures 3: not tested for rising, with that reason.
// Before item 4 of issue 14 the test did not apply at all (NULL p).
func TestHotspotShortHistoryUsesShorterPeriods(t *testing.T) {
	cfg := hotspotFixture(t, "", func(opened string) bool { return opened > "2026-08-28" })
	store, res := runFixture(t, cfg)
	got := readHotspots(t, store.DB, res.RunID)
	r := got["P1 power East"]
	if r.failures != 6 {
		t.Errorf("R: %d failures in the window, want 6 (the window is still 3 months)", r.failures)
	}
	want := binomialTail(6, 2, big.NewRat(31, 88))
	if !close12(r.p, want) || !close12(r.share, 31.0/88) || !r.baseline.Valid || r.baseline.Int64 != 4 {
		t.Errorf("R: p %v share %v baseline %v, want p %v share 31/88 baseline 4", r.p, r.share, r.baseline, want)
	}
	var reason sql.NullString
	var months sql.NullInt64
	if err := store.DB.QueryRow(`SELECT rising_not_tested, rising_period_months FROM hotspots
		WHERE run_id = ? AND product_id = 'P1' AND component = 'power' AND region = 'East'`, res.RunID).Scan(&reason, &months); err != nil {
		t.Fatal(err)
	}
	if reason.String != "too_few_faults" || months.Int64 != 1 || r.rising {
		t.Errorf("R: not tested %v, period %v months, rising %v; want too_few_faults, 1, false", reason, months, r.rising)
	}
}

// TestHotspotNoBaselineHistory: an export that starts in the window's last
// month (first ticket R5 on 2026-11-01) has no baseline day even for
// 1-month periods: the test does not apply to any group (NULL baseline,
// test and p-value), nothing is flagged, and each says why: no_history.
func TestHotspotNoBaselineHistory(t *testing.T) {
	cfg := hotspotFixture(t, "", func(opened string) bool { return opened > "2026-10-28" })
	store, res := runFixture(t, cfg)
	got := readHotspots(t, store.DB, res.RunID)
	if len(got) == 0 {
		t.Fatal("no hot-spot rows")
	}
	for key, g := range got {
		if g.baseline.Valid || g.p.Valid || g.share.Valid || g.test.Valid || g.rising {
			t.Errorf("%s: baseline %v share %v p %v test %v rising %v, want all NULL and not rising", key, g.baseline, g.share, g.p, g.test, g.rising)
		}
	}
	var n int64
	if err := store.DB.QueryRow(`SELECT count(*) FROM hotspots WHERE run_id = ? AND rising_not_tested IS DISTINCT FROM 'no_history'`,
		res.RunID).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d groups without the reason no_history (%v)", n, err)
	}
	if g := got["P1 power East"]; g.failures != 2 {
		t.Errorf("R: %d failures in the window, want 2", g.failures)
	}
}

// TestHotspotRepairsAndRepeatsByHand: repairs are fault tickets closed in
// the window (2026-08-27, 2026-11-27], whenever opened:
//
//	R: R0 216 h (opened before the window), R1 12, R2 24, R3 48, R5 6;
//	   R4 is open, R6 closes after the as-of date → 5 repairs, mean 306/5 =
//	   61.2 h, median 24 h.
//	F: three, 10 h each. U: none closed → NULL. Z: closed long before → NULL.
//
// Repeat serials (fault tickets opened in the window): S-1 R1, R2, R4 (the
// question Q1 on S-1 does not count), S-2 R3, R6 (R0 is before the
// window); R5 has no serial. F and U have a serial per ticket.
func TestHotspotRepairsAndRepeatsByHand(t *testing.T) {
	store, res := runFixture(t, hotspotFixture(t, "", nil))
	got := readHotspots(t, store.DB, res.RunID)
	want := map[string]struct {
		repairs, repeats int64
		mttr, median     float64 // NaN: NULL
	}{
		"P1 power East":  {5, 2, 61.2, 24},
		"P2 power North": {3, 0, 10, 10},
		"P3 sensor East": {0, 0, math.NaN(), math.NaN()},
		"P2 power South": {0, 0, math.NaN(), math.NaN()},
	}
	for key, w := range want {
		g := got[key]
		okHours := func(v sql.NullFloat64, want float64) bool {
			if math.IsNaN(want) {
				return !v.Valid
			}
			return close12(v, want)
		}
		if g.repairs != w.repairs || g.repeats != w.repeats || !okHours(g.mttr, w.mttr) || !okHours(g.median, w.median) {
			t.Errorf("%s: repairs %d repeats %d mttr %v median %v; want %d %d %v %v", key, g.repairs, g.repeats, g.mttr, g.median, w.repairs, w.repeats, w.mttr, w.median)
		}
	}
	rows, err := store.DB.Query(`SELECT product_id, component, region, serial_no, customer_id, faults, ticket_ids,
		strftime(first_opened_at, '%Y-%m-%d'), strftime(last_opened_at, '%Y-%m-%d')
		FROM hotspot_repeats WHERE run_id = ? ORDER BY product_id, component, region, serial_no, customer_id`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var p, c, r, s, cu, ids, first, last string
		var n int64
		if err := rows.Scan(&p, &c, &r, &s, &cu, &n, &ids, &first, &last); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf("%s %s %s %s %s %d %s %s..%s", p, c, r, s, cu, n, ids, first, last))
	}
	wantLines := []string{
		"P1 power East S-1 C1 3 R1,R2,R4 2026-09-01..2026-10-15",
		"P1 power East S-2 C1 2 R3,R6 2026-10-01..2026-11-20",
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("hotspot_repeats:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}
}

// TestHotspotUnsupportedByHand: tickets resolved unsupported and opened in
// the window: F-0-1 (C2, P2), X1 (C3, "Unsupported " with a trailing
// space), X2 (C9, no product, a customer nobody knows: revenue 0.00); X3 is
// before the window. P2 ended support on 2026-06-30: C2 has 2 units and
// opened F-0-1..3 after that (the latest 2026-09-26); C5 has 1 unit and no
// ticket since. Revenue: C2 13000.00 + 0.37, C3 5000.00, C5 1000.00.
func TestHotspotUnsupportedByHand(t *testing.T) {
	store, res := runFixture(t, hotspotFixture(t, "", nil))
	rows, err := store.DB.Query(`SELECT reason, coalesce(product_id, '-'), coalesce(strftime(supported_until, '%Y-%m-%d'), '-'),
		customer_id, coalesce(name, '-'), coalesce(ticket_id, '-'), coalesce(strftime(opened_at, '%Y-%m-%d'), '-'),
		coalesce(installed_units::VARCHAR, '-'), coalesce(tickets::VARCHAR, '-'), revenue_12m::VARCHAR
		FROM hotspot_unsupported WHERE run_id = ? ORDER BY reason DESC, product_id NULLS LAST, customer_id, ticket_id NULLS LAST`, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		v := make([]string, 10)
		ptrs := make([]any, len(v))
		for i := range v {
			ptrs[i] = &v[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Join(v, " "))
	}
	want := []string{
		"unsupported_resolution P1 - C3 Gamma X1 2026-11-02 1 - 5000.00",
		"unsupported_resolution P2 2026-06-30 C2 Beta F-0-1 2026-09-06 2 - 13000.37",
		"unsupported_resolution - - C9 - X2 2026-11-05 - - 0.00",
		"past_support P2 2026-06-30 C2 Beta - 2026-09-26 2 3 13000.37",
		"past_support P2 2026-06-30 C5 Epsilon - - 1 0 1000.00",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("hotspot_unsupported:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestMigrateAddsHotspotColumns: a database made before the rising, repair,
// repeat and q-value columns gets them appended, after the old ones, and a run
// writes them.
func TestMigrateAddsHotspotColumns(t *testing.T) {
	dir := copyFixture(t)
	cfg := filepath.Join(dir, "fixture.yaml")
	store, err := OpenStore(t.Context(), filepath.Join(dir, "fixture.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"baseline_failures", "current_exposure_share", "rising_test", "rising_p_value", "rising",
		"repairs", "mttr_hours", "median_repair_hours", "repeat_serials", "rising_q_value", "rising_not_tested", "rising_period_months",
		"region_basis"} {
		if _, err := store.DB.Exec("ALTER TABLE hotspots DROP COLUMN " + c); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	store, err = OpenStore(t.Context(), filepath.Join(dir, "fixture.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var cols string
	if err := store.DB.QueryRow(`SELECT string_agg(column_name, ',' ORDER BY column_index) FROM duckdb_columns()
		WHERE table_name = 'hotspots' AND column_index > 13`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if cols != "baseline_failures,current_exposure_share,rising_test,rising_p_value,rising,repairs,mttr_hours,median_repair_hours,repeat_serials,rising_q_value,rising_not_tested,rising_period_months,region_basis" {
		t.Errorf("appended columns %q", cols)
	}
	res, err := newRunner(t, store, cfg).Run(t.Context(), RunOptions{AsOf: fixtureAsOf})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := store.DB.QueryRow(`SELECT count(*) FROM hotspots WHERE run_id = ? AND rising IS NOT NULL AND repairs IS NOT NULL`, res.RunID).Scan(&n); err != nil || n == 0 {
		t.Errorf("migrated table: %d rows with the new columns written (%v)", n, err)
	}
}
