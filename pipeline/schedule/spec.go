package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a five-field cron spec read in an IANA time zone.
//
// Robfig's cron only parses the spec here; the next times are computed on
// the zone's wall clock so that daylight saving time does what people
// expect:
//   - a wall time that does not exist (the spring-forward gap) runs once, at
//     the first instant after the gap (02:30 on 2026-03-29 in Europe/Berlin
//     runs at 03:00 CEST); robfig would skip it;
//   - a wall time that happens twice (the fall-back overlap) runs once, at
//     its first occurrence;
//   - a day-of-week is the day in the job's zone: Mondays 07:00 stays Monday
//     07:00 local across every change.
//
// Several wall times that fall into one gap run once between them.
type Schedule struct {
	spec string
	loc  *time.Location
	bits *cron.SpecSchedule
}

// parser reads the five standard fields; no seconds, no descriptors, no
// CRON_TZ prefix (the zone is the job's timezone).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// starBit is robfig's marker for a field written as * or ? (spec.go in
// robfig/cron/v3): with it, day-of-month and day-of-week must both match;
// without it on either, one of them is enough (classic cron).
const starBit = 1 << 63

// searchYears bounds the search for the next time: Feb 29 recurs within
// eight years (2096 → 2104).
const searchYears = 9

// maxShift is more than any UTC offset change, so the search for the next
// time starts early enough to meet every wall time that resolves after it.
const maxShift = 3 * time.Hour

// ErrNeverFires is returned for a spec that names no existing day (0 0 30 2 *).
var ErrNeverFires = errors.New("the schedule never fires (no such day)")

// LoadZone loads an IANA zone, refusing the empty name and "Local": a job
// must not depend on the machine's zone.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("time zone %q: want an IANA name such as Asia/Shanghai", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	return loc, nil
}

// ParseSpec parses a five-field cron spec (minute hour day-of-month month
// day-of-week) in loc. It never panics.
func ParseSpec(spec string, loc *time.Location) (s *Schedule, err error) {
	if loc == nil {
		return nil, errors.New("cron spec: no time zone")
	}
	trimmed := strings.TrimSpace(spec)
	if strings.HasPrefix(trimmed, "CRON_TZ=") || strings.HasPrefix(trimmed, "TZ=") {
		return nil, fmt.Errorf("cron spec %q: set the job's timezone instead of a TZ prefix", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("cron spec %q: %v", spec, r)
		}
	}()
	parsed, err := parser.Parse(trimmed)
	if err != nil {
		return nil, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	bits, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("cron spec %q: unexpected schedule type %T", spec, parsed)
	}
	s = &Schedule{spec: spec, loc: loc, bits: bits}
	if _, ok := s.nextWall(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 2000+searchYears); !ok {
		return nil, fmt.Errorf("cron spec %q: %w", spec, ErrNeverFires)
	}
	return s, nil
}

// Parse loads the zone and then parses the spec (loading first: robfig
// panics on some bad zones).
func Parse(spec, zone string) (*Schedule, error) {
	loc, err := LoadZone(zone)
	if err != nil {
		return nil, err
	}
	return ParseSpec(spec, loc)
}

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// String is the spec and its zone.
func (s *Schedule) String() string { return s.spec + " (" + s.loc.String() + ")" }

// Next returns the first scheduled instant strictly after t, in the
// schedule's zone, or the zero time if there is none within nine years.
func (s *Schedule) Next(t time.Time) time.Time {
	t = t.In(s.loc)
	// Wall times are handled as UTC times: no zone rules apply to them.
	w := wall(t).Add(-maxShift).Truncate(time.Minute)
	limit := t.Year() + searchYears
	for {
		var ok bool
		if w, ok = s.nextWall(w, limit); !ok {
			return time.Time{}
		}
		if at := s.resolve(w); at.After(t) {
			return at
		}
		w = w.Add(time.Minute)
	}
}

// wall is t's wall clock reading as a UTC time.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// nextWall returns the first wall time at or after w (a whole minute, as
// UTC) that the spec names, searching up to the end of year limit.
func (s *Schedule) nextWall(w time.Time, limit int) (time.Time, bool) {
	b := s.bits
	for w.Year() <= limit {
		switch {
		case 1<<uint(w.Month())&b.Month == 0:
			w = time.Date(w.Year(), w.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !dayMatches(b, w):
			w = time.Date(w.Year(), w.Month(), w.Day()+1, 0, 0, 0, 0, time.UTC)
		case 1<<uint(w.Hour())&b.Hour == 0:
			w = w.Truncate(time.Hour).Add(time.Hour)
		case 1<<uint(w.Minute())&b.Minute == 0:
			w = w.Add(time.Minute)
		default:
			return w, true
		}
	}
	return time.Time{}, false
}

// dayMatches applies cron's day rule to a wall date, as robfig does.
func dayMatches(b *cron.SpecSchedule, w time.Time) bool {
	dom := 1<<uint(w.Day())&b.Dom > 0
	dow := 1<<uint(w.Weekday())&b.Dow > 0
	if b.Dom&starBit > 0 || b.Dow&starBit > 0 {
		return dom && dow
	}
	return dom || dow
}

// resolve turns a wall time into the instant it runs at: the instant
// itself, the first of two (fall-back overlap), or the end of the gap
// (spring-forward).
func (s *Schedule) resolve(w time.Time) time.Time {
	var at time.Time
	// Offsets in force a day before and after cover both sides of any
	// transition near w.
	offBefore, offAfter := offset(w.Add(-24*time.Hour), s.loc), offset(w.Add(24*time.Hour), s.loc)
	for _, off := range []int{offBefore, offset(w, s.loc), offAfter} {
		c := w.Add(-time.Duration(off) * time.Second)
		if wall(c.In(s.loc)).Equal(w) && (at.IsZero() || c.Before(at)) {
			at = c
		}
	}
	if !at.IsZero() {
		return at.In(s.loc)
	}
	// w is in a gap: read with the old offset it lies after the transition,
	// with the new one before it. The transition is the first instant
	// after the gap; find it to the second.
	lo, hi := w.Add(-time.Duration(offAfter)*time.Second).Unix(), w.Add(-time.Duration(offBefore)*time.Second).Unix()
	old := offset(time.Unix(lo, 0), s.loc)
	if lo >= hi || offset(time.Unix(hi, 0), s.loc) == old {
		return time.Unix(hi, 0).In(s.loc) // no single transition in reach: a zone too odd to refine
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if offset(time.Unix(mid, 0), s.loc) == old {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Unix(hi, 0).In(s.loc)
}

// offset is the UTC offset in seconds in force at instant t in loc.
func offset(t time.Time, loc *time.Location) int {
	_, off := t.In(loc).Zone()
	return off
}
