package config

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Model is the customer value model: indicators in weighted groups,
// normalized, weighted and summed to a score from 0 to 100, then tiered.
type Model struct {
	// Normalization is the default for every indicator.
	Normalization Normalization `yaml:"normalization"`
	Weights       Weights       `yaml:"weights"`
	// HourlyCost prices one hour of service effort, for cost-to-serve.
	HourlyCost string  `yaml:"hourly_cost"`
	Groups     []Group `yaml:"groups"`
	Tiers      Tiers   `yaml:"tiers"`
	// MinCoverage is the share of indicators with data below which a
	// customer is "unrated" rather than tiered (default DefaultMinCoverage;
	// 0 tiers everyone). Read it through Coverage.
	MinCoverage *float64 `yaml:"min_coverage"`
	// Overrides is a CSV file (customer_id, tier, reason, owner, expires_at)
	// of manual tiers, relative to the config's folder.
	Overrides string `yaml:"overrides"`
	// Segments score groups of customers with their own model; a customer
	// belongs to the first segment whose condition holds, else to "default".
	Segments []Segment `yaml:"segments"`
	Service  Service   `yaml:"service"`
}

// Segment is a separate model for the customers its condition selects.
// Groups, tiers, normalization and weights left out are the main model's.
type Segment struct {
	Name string `yaml:"name"`
	// When is a SQL condition over the customers table (e.g. "employees >= 1000").
	When          string         `yaml:"when"`
	Groups        []Group        `yaml:"groups"`
	Tiers         *Tiers         `yaml:"tiers"`
	Normalization *Normalization `yaml:"normalization"`
	Weights       *Weights       `yaml:"weights"`
}

// Normalization turns an indicator's raw values into 0..1.
type Normalization struct {
	// Method: percentile (mid-rank, default), minmax (winsorized at Low and
	// High quantiles), zscore (through the normal CDF) or thresholds (points
	// per band, an absolute grid comparable across runs).
	Method string  `yaml:"method"`
	Low    float64 `yaml:"low"`  // minmax: lower quantile (default 0.05)
	High   float64 `yaml:"high"` // minmax: upper quantile (default 0.95)
	Bands  []Band  `yaml:"bands"`
}

// Band is one step of a thresholds grid: values from From up get Points (0..100).
type Band struct {
	From   float64 `yaml:"from"`
	Points float64 `yaml:"points"`
}

// UnmarshalYAML accepts a bare method name ("percentile") or the full form.
func (n *Normalization) UnmarshalYAML(unmarshal func(any) error) error {
	var method string
	if err := unmarshal(&method); err == nil {
		*n = Normalization{Method: method}
		return nil
	}
	type plain Normalization
	var p plain
	if err := unmarshal(&p); err != nil {
		return err
	}
	*n = Normalization(p)
	return nil
}

// Weights says where the weights come from.
type Weights struct {
	// Method: config (default: the weights written in groups), entropy
	// (derived from the data's dispersion), ahp (from pairwise comparison
	// matrices) or combined (Alpha·AHP + (1−Alpha)·entropy).
	Method string  `yaml:"method"`
	Alpha  float64 `yaml:"alpha"`
	AHP    AHP     `yaml:"ahp"`
}

// AHP holds pairwise comparison matrices: Groups in the order of the
// model's groups; Indicators per group name, in the group's order (a group
// without one keeps its configured indicator weights).
type AHP struct {
	Groups     [][]Ratio            `yaml:"groups"`
	Indicators map[string][][]Ratio `yaml:"indicators"`
}

// Ratio is a pairwise judgement: a number or a fraction such as "1/3".
type Ratio float64

// UnmarshalYAML reads 3, 0.5 or "1/3".
func (r *Ratio) UnmarshalYAML(unmarshal func(any) error) error {
	var f float64
	if err := unmarshal(&f); err == nil {
		*r = Ratio(f)
		return nil
	}
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	num, den, frac := strings.Cut(strings.TrimSpace(s), "/")
	a, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return fmt.Errorf("ratio %q: %w", s, err)
	}
	if !frac {
		*r = Ratio(a)
		return nil
	}
	b, err := strconv.ParseFloat(strings.TrimSpace(den), 64)
	if err != nil || b == 0 {
		return fmt.Errorf("ratio %q: bad denominator", s)
	}
	*r = Ratio(a / b)
	return nil
}

// Group is one of the model's indicator groups.
type Group struct {
	Name       string      `yaml:"name"`
	Weight     float64     `yaml:"weight"`
	Indicators []Indicator `yaml:"indicators"`
}

// Indicator is one measured indicator within a group: a built-in, or a SQL
// query of the user's.
type Indicator struct {
	Name string `yaml:"name"`
	// Weight within its group; weights are normalised to sum to 1.
	Weight float64 `yaml:"weight"`
	// Missing is the policy for a customer without data: neutral (0.5),
	// worst (0), or exclude (left out, the customer's other weights scaled up).
	Missing string `yaml:"missing"`
	// SQL defines a custom indicator: a query returning (customer_id, value)
	// that may read getvariable('as_of') and getvariable('window_start')
	// (as_of minus WindowMonths). Empty for built-ins.
	SQL string `yaml:"sql"`
	// Direction: higher or lower is better (default: the built-in's; required for SQL).
	Direction string `yaml:"direction"`
	// WindowMonths is the look-back window (default: the built-in's, else 12).
	WindowMonths int `yaml:"window_months"`
	// Normalization overrides the model's for this indicator.
	Normalization *Normalization `yaml:"normalization"`
}

// HigherIsBetter reports the indicator's direction.
func (i Indicator) HigherIsBetter() bool { return i.Direction != "lower" }

// Tiers says how scores become tiers A–D.
type Tiers struct {
	// Method: quantile (share of customers per tier, best first) or fixed
	// (score cut-offs).
	Method string `yaml:"method"`
	// Quantile: cumulative shares for A, B, C (D is the rest).
	Quantiles []float64 `yaml:"quantiles"`
	// Fixed: minimum scores for A, B, C.
	Cutoffs []float64 `yaml:"cutoffs"`
}

// Service configures the service priority queue.
type Service struct {
	// SeverityPoints are priority points for severity 1..4 (default 30, 20, 10, 0).
	SeverityPoints []float64 `yaml:"severity_points"`
	// WaitDays is how long a ticket waits before it starts to climb (default 14).
	WaitDays int `yaml:"wait_days"`
	// PointsPerDay is how fast a ticket climbs after WaitDays (default 2).
	PointsPerDay float64 `yaml:"points_per_day"`
	// MaxWaitingPoints caps the climb (default 40: a D customer's ticket
	// can pass an A customer's, but a forgotten one does not top the queue forever).
	MaxWaitingPoints float64 `yaml:"max_waiting_points"`
	// EngineerHours is the service capacity this week; tickets that fit are marked.
	EngineerHours float64 `yaml:"engineer_hours"`
}

// Builtin describes a built-in indicator.
type Builtin struct {
	HigherIsBetter bool
	WindowMonths   int
	Needs          string // the canonical table it reads
	Statement      string // its named statement in queries/indicators.sql
}

// BuiltinIndicators are the indicators Accord computes by name.
var BuiltinIndicators = map[string]Builtin{
	"maintenance_fees":        {true, 12, "billing_lines", "IndicatorMaintenanceFees"},
	"collection_timeliness":   {true, 12, "ar_invoices", "IndicatorCollectionTimeliness"},
	"repurchase":              {true, 24, "billing_lines", "IndicatorRepurchase"},
	"proactive_communication": {true, 12, "activities", "IndicatorProactiveCommunication"},
	"referral":                {true, 24, "customers", "IndicatorReferral"},
	"ease_of_coordination":    {false, 12, "tickets", "IndicatorEaseOfCoordination"},
	"satisfaction_per_cost":   {true, 12, "tickets", "IndicatorSatisfactionPerCost"},
	"scale":                   {true, 0, "customers", "IndicatorScale"},
	"market_influence":        {true, 0, "customers", "IndicatorMarketInfluence"},
}

// DefaultGroups is the default value model of DESIGN.md: four groups, nine indicators.
func DefaultGroups() []Group {
	return []Group{
		{Name: "economic", Weight: 35, Indicators: []Indicator{
			{Name: "maintenance_fees", Weight: 60}, {Name: "collection_timeliness", Weight: 40}}},
		{Name: "loyalty", Weight: 25, Indicators: []Indicator{
			{Name: "repurchase", Weight: 40}, {Name: "proactive_communication", Weight: 30}, {Name: "referral", Weight: 30}}},
		{Name: "service_effect", Weight: 20, Indicators: []Indicator{
			{Name: "ease_of_coordination", Weight: 50}, {Name: "satisfaction_per_cost", Weight: 50}}},
		{Name: "characteristics", Weight: 20, Indicators: []Indicator{
			{Name: "scale", Weight: 60}, {Name: "market_influence", Weight: 40}}},
	}
}

func (n *Normalization) applyDefaults() {
	if n.Method == "" {
		n.Method = "percentile"
	}
	if n.Method == "minmax" && n.Low == 0 && n.High == 0 {
		n.Low, n.High = 0.05, 0.95
	}
}

// DefaultMinCoverage is model.min_coverage's default: a customer with data
// for fewer than half the indicators is unrated, so a score from two
// indicators never passes for one from nine.
const DefaultMinCoverage = 0.5

// Coverage is the minimum coverage for a tier (MinCoverage or its default).
func (m *Model) Coverage() float64 {
	if m.MinCoverage == nil {
		return DefaultMinCoverage
	}
	return *m.MinCoverage
}

func (m *Model) applyDefaults() {
	m.Normalization.applyDefaults()
	if m.Weights.Method == "" {
		m.Weights.Method = "config"
	}
	if m.Weights.Method == "combined" && m.Weights.Alpha == 0 {
		m.Weights.Alpha = 0.5
	}
	if m.HourlyCost == "" {
		m.HourlyCost = "0"
	}
	if len(m.Groups) == 0 {
		m.Groups = DefaultGroups()
	}
	defaultGroups(m.Groups)
	m.Tiers.applyDefaults()
	for i := range m.Segments {
		s := &m.Segments[i]
		if len(s.Groups) == 0 {
			s.Groups = m.Groups
		} else {
			defaultGroups(s.Groups)
		}
		if s.Tiers == nil {
			s.Tiers = &m.Tiers
		} else {
			s.Tiers.applyDefaults()
		}
		if s.Normalization == nil {
			s.Normalization = &m.Normalization
		} else {
			s.Normalization.applyDefaults()
		}
		if s.Weights == nil {
			s.Weights = &m.Weights
		}
	}
	sv := &m.Service
	if len(sv.SeverityPoints) == 0 {
		sv.SeverityPoints = []float64{30, 20, 10, 0}
	}
	if sv.WaitDays == 0 {
		sv.WaitDays = 14
	}
	if sv.PointsPerDay == 0 {
		sv.PointsPerDay = 2
	}
	if sv.MaxWaitingPoints == 0 {
		sv.MaxWaitingPoints = 40
	}
}

func defaultGroups(groups []Group) {
	for gi := range groups {
		for ii := range groups[gi].Indicators {
			ind := &groups[gi].Indicators[ii]
			if ind.Missing == "" {
				ind.Missing = "neutral"
			}
			if b, ok := BuiltinIndicators[ind.Name]; ok && ind.SQL == "" {
				if ind.Direction == "" {
					ind.Direction = map[bool]string{true: "higher", false: "lower"}[b.HigherIsBetter]
				}
				if ind.WindowMonths == 0 {
					ind.WindowMonths = b.WindowMonths
				}
			}
			if ind.WindowMonths == 0 && ind.SQL != "" {
				ind.WindowMonths = 12
			}
			if ind.Normalization != nil {
				ind.Normalization.applyDefaults()
			}
		}
	}
}

func (t *Tiers) applyDefaults() {
	if t.Method == "" {
		t.Method = "quantile"
	}
	if t.Method == "quantile" && len(t.Quantiles) == 0 {
		t.Quantiles = []float64{0.2, 0.5, 0.8}
	}
}

// ModelFor returns the model a segment uses ("" or "default": the main one).
func (m *Model) ModelFor(segment string) (groups []Group, tiers Tiers, norm Normalization, weights Weights) {
	for _, s := range m.Segments {
		if s.Name == segment {
			return s.Groups, *s.Tiers, *s.Normalization, *s.Weights
		}
	}
	return m.Groups, m.Tiers, m.Normalization, m.Weights
}

// SegmentNames lists the segments, "default" last.
func (m *Model) SegmentNames() []string {
	var out []string
	for _, s := range m.Segments {
		out = append(out, s.Name)
	}
	return append(out, "default")
}

func (c *Config) validateModel() []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	m := c.Model
	if err := checkMoney(m.HourlyCost); err != nil {
		add("model.hourly_cost", "%v", err)
	}
	if c := m.Coverage(); c < 0 || c > 1 {
		add("model.min_coverage", "must be between 0 and 1, got %v", c)
	}
	ps = append(ps, validateNormalization("model.normalization", m.Normalization)...)
	ps = append(ps, validateGroups("model", m.Groups)...)
	ps = append(ps, validateTiers("model.tiers", m.Tiers)...)
	ps = append(ps, validateWeights("model.weights", m.Weights, m.Groups)...)
	seen := map[string]bool{"default": true}
	for i, s := range m.Segments {
		f := fmt.Sprintf("model.segments[%d]", i)
		if s.Name == "" || seen[s.Name] {
			add(f+".name", "must be set, unique, and not \"default\" (got %q)", s.Name)
		}
		seen[s.Name] = true
		if strings.TrimSpace(s.When) == "" {
			add(f+".when", "a segment needs a SQL condition over customers")
		}
		ps = append(ps, validateGroups(f, s.Groups)...)
		ps = append(ps, validateTiers(f+".tiers", *s.Tiers)...)
		ps = append(ps, validateNormalization(f+".normalization", *s.Normalization)...)
		ps = append(ps, validateWeights(f+".weights", *s.Weights, s.Groups)...)
	}
	sv := m.Service
	if len(sv.SeverityPoints) != 4 {
		add("model.service.severity_points", "need four values (severity 1..4), got %d", len(sv.SeverityPoints))
	}
	if sv.WaitDays < 0 || sv.PointsPerDay < 0 || sv.EngineerHours < 0 {
		add("model.service", "wait_days, points_per_day and engineer_hours must not be negative")
	}
	return ps
}

func validateNormalization(f string, n Normalization) []Problem {
	var ps []Problem
	switch n.Method {
	case "percentile", "zscore":
	case "minmax":
		if !(n.Low >= 0 && n.Low < n.High && n.High <= 1) {
			ps = append(ps, Problem{f, fmt.Sprintf("minmax needs 0 <= low < high <= 1, got %v and %v", n.Low, n.High)})
		}
	case "thresholds":
		if len(n.Bands) == 0 {
			ps = append(ps, Problem{f + ".bands", "thresholds need at least one band"})
		}
		for i, b := range n.Bands {
			if b.Points < 0 || b.Points > 100 {
				ps = append(ps, Problem{fmt.Sprintf("%s.bands[%d].points", f, i), fmt.Sprintf("must be 0..100, got %v", b.Points)})
			}
			if i > 0 && b.From <= n.Bands[i-1].From {
				ps = append(ps, Problem{fmt.Sprintf("%s.bands[%d].from", f, i), "bands must ascend by from"})
			}
		}
	default:
		ps = append(ps, Problem{f + ".method", fmt.Sprintf("unknown normalization %q (percentile, minmax, zscore, thresholds)", n.Method)})
	}
	return ps
}

func validateGroups(prefix string, groups []Group) []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	seen := map[string]string{}
	groupNames := map[string]bool{}
	for gi, g := range groups {
		gf := fmt.Sprintf("%s.groups[%d]", prefix, gi)
		if g.Name == "" || groupNames[g.Name] {
			add(gf+".name", "must be set and unique, got %q", g.Name)
		}
		groupNames[g.Name] = true
		if g.Weight <= 0 || math.IsNaN(g.Weight) {
			add(gf+".weight", "must be positive, got %v", g.Weight)
		}
		if len(g.Indicators) == 0 {
			add(gf+".indicators", "group %q has no indicators", g.Name)
		}
		for ii, ind := range g.Indicators {
			f := fmt.Sprintf("%s.indicators[%d]", gf, ii)
			_, builtin := BuiltinIndicators[ind.Name]
			switch {
			case ind.Name == "":
				add(f+".name", "empty")
			case ind.SQL == "" && !builtin:
				add(f+".name", "unknown indicator %q: give it a sql query, or use a built-in (%s)", ind.Name, strings.Join(builtinNames(), ", "))
			case ind.SQL != "" && ind.Direction == "":
				add(f+".direction", "a SQL indicator needs a direction: higher or lower")
			}
			if ind.Direction != "" && ind.Direction != "higher" && ind.Direction != "lower" {
				add(f+".direction", "must be higher or lower, got %q", ind.Direction)
			}
			if prev, dup := seen[ind.Name]; dup {
				add(f+".name", "indicator %q already used in %s", ind.Name, prev)
			}
			seen[ind.Name] = f
			if ind.Weight <= 0 || math.IsNaN(ind.Weight) {
				add(f+".weight", "must be positive, got %v", ind.Weight)
			}
			if ind.Missing != "neutral" && ind.Missing != "worst" && ind.Missing != "exclude" {
				add(f+".missing", "must be neutral, worst or exclude, got %q", ind.Missing)
			}
			if ind.WindowMonths < 0 {
				add(f+".window_months", "must not be negative")
			}
			if ind.Normalization != nil {
				ps = append(ps, validateNormalization(f+".normalization", *ind.Normalization)...)
			}
		}
	}
	return ps
}

func validateTiers(f string, t Tiers) []Problem {
	var ps []Problem
	switch t.Method {
	case "quantile":
		if len(t.Quantiles) != 3 || !strictlyIncreasing(t.Quantiles) || t.Quantiles[0] <= 0 || t.Quantiles[2] >= 1 {
			ps = append(ps, Problem{f + ".quantiles", fmt.Sprintf("need three increasing shares between 0 and 1 (A, B, C), got %v", t.Quantiles)})
		}
	case "fixed":
		if len(t.Cutoffs) != 3 || !strictlyDecreasing(t.Cutoffs) || t.Cutoffs[0] > 100 || t.Cutoffs[2] < 0 {
			ps = append(ps, Problem{f + ".cutoffs", fmt.Sprintf("need three decreasing scores between 0 and 100 (A, B, C), got %v", t.Cutoffs)})
		}
	default:
		ps = append(ps, Problem{f + ".method", fmt.Sprintf("must be quantile or fixed, got %q", t.Method)})
	}
	return ps
}

func validateWeights(f string, w Weights, groups []Group) []Problem {
	var ps []Problem
	switch w.Method {
	case "config", "entropy":
	case "ahp", "combined":
		if len(w.AHP.Groups) != len(groups) {
			ps = append(ps, Problem{f + ".ahp.groups", fmt.Sprintf("need a %d×%d matrix (one row per group, in order), got %d rows", len(groups), len(groups), len(w.AHP.Groups))})
		}
		for i, row := range w.AHP.Groups {
			if len(row) != len(groups) {
				ps = append(ps, Problem{fmt.Sprintf("%s.ahp.groups[%d]", f, i), fmt.Sprintf("need %d entries, got %d", len(groups), len(row))})
			}
		}
		for name, mat := range w.AHP.Indicators {
			n := -1
			for _, g := range groups {
				if g.Name == name {
					n = len(g.Indicators)
				}
			}
			if n < 0 {
				ps = append(ps, Problem{f + ".ahp.indicators." + name, "no such group"})
				continue
			}
			if len(mat) != n {
				ps = append(ps, Problem{f + ".ahp.indicators." + name, fmt.Sprintf("need a %d×%d matrix, got %d rows", n, n, len(mat))})
			}
		}
		if w.Method == "combined" && (w.Alpha < 0 || w.Alpha > 1) {
			ps = append(ps, Problem{f + ".alpha", fmt.Sprintf("must be between 0 and 1, got %v", w.Alpha)})
		}
	default:
		ps = append(ps, Problem{f + ".method", fmt.Sprintf("must be config, entropy, ahp or combined, got %q", w.Method)})
	}
	return ps
}

func strictlyIncreasing(v []float64) bool {
	for i := 1; i < len(v); i++ {
		if v[i] <= v[i-1] {
			return false
		}
	}
	return true
}

func strictlyDecreasing(v []float64) bool {
	for i := 1; i < len(v); i++ {
		if v[i] >= v[i-1] {
			return false
		}
	}
	return true
}

func builtinNames() []string {
	var n []string
	for k := range BuiltinIndicators {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
