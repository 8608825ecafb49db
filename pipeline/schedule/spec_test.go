package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/accordhq/accord/pipeline/schedule"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func utcTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

// nextN lists the n scheduled times after from, each as RFC3339 in the
// schedule's zone (so the offset shows which side of a change it is on).
func nextN(t *testing.T, spec, zone, from string, n int) []string {
	t.Helper()
	s, err := schedule.Parse(spec, zone)
	if err != nil {
		t.Fatalf("parse %q: %v", spec, err)
	}
	var out []string
	at := utcTime(t, from)
	for range n {
		at = s.Next(at)
		if at.Location().String() != zone {
			t.Fatalf("Next returned a time in %s, want %s", at.Location(), zone)
		}
		out = append(out, at.Format(time.RFC3339))
	}
	return out
}

func TestNextAcrossDaylightSavingChanges(t *testing.T) {
	for _, tc := range []struct {
		name, spec, zone, from string
		want                   []string
	}{
		{
			// 02:00 CET jumps to 03:00 CEST: 02:30 does not exist; it runs
			// once, at the first instant after the gap (robfig skips it).
			name: "Berlin spring-forward gap", spec: "30 2 * * *", zone: "Europe/Berlin", from: "2026-03-27T12:00:00Z",
			want: []string{"2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"},
		},
		{
			name: "Berlin spring-forward, 01:30 unaffected", spec: "30 1 * * *", zone: "Europe/Berlin", from: "2026-03-28T12:00:00Z",
			want: []string{"2026-03-29T01:30:00+01:00", "2026-03-30T01:30:00+02:00"},
		},
		{
			// 03:00 CEST falls back to 02:00 CET: 02:30 happens twice; it runs
			// once, at the first.
			name: "Berlin fall-back overlap", spec: "30 2 * * *", zone: "Europe/Berlin", from: "2026-10-23T12:00:00Z",
			want: []string{"2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"},
		},
		{
			name: "Berlin fall-back, 01:30 unaffected", spec: "30 1 * * *", zone: "Europe/Berlin", from: "2026-10-24T12:00:00Z",
			want: []string{"2026-10-25T01:30:00+02:00", "2026-10-26T01:30:00+01:00"},
		},
		{
			name: "New York spring-forward gap", spec: "30 2 * * *", zone: "America/New_York", from: "2026-03-07T00:00:00Z",
			want: []string{"2026-03-07T02:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"},
		},
		{
			name: "New York spring-forward, 01:30 unaffected", spec: "30 1 * * *", zone: "America/New_York", from: "2026-03-08T00:00:00Z",
			want: []string{"2026-03-08T01:30:00-05:00", "2026-03-09T01:30:00-04:00"},
		},
		{
			// 02:00 EDT falls back to 01:00 EST: 01:30 happens twice.
			name: "New York fall-back overlap", spec: "30 1 * * *", zone: "America/New_York", from: "2026-10-31T00:00:00Z",
			want: []string{"2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"},
		},
		{
			name: "New York fall-back, 02:30 unaffected", spec: "30 2 * * *", zone: "America/New_York", from: "2026-11-01T00:00:00Z",
			want: []string{"2026-11-01T02:30:00-05:00", "2026-11-02T02:30:00-05:00"},
		},
		{
			// Every wall time in the gap lands on 03:00: one run, not four.
			name: "several times in one gap run once", spec: "*/15 2 * * *", zone: "Europe/Berlin", from: "2026-03-28T01:40:00Z",
			want: []string{"2026-03-28T02:45:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"},
		},
		{
			name: "every time in the overlap runs once", spec: "*/30 2 * * *", zone: "Europe/Berlin", from: "2026-10-24T23:00:00Z",
			want: []string{"2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:00:00+01:00"},
		},
		{
			name: "Shanghai Monday 07:00 is Sunday 23:00 UTC", spec: "0 7 * * 1", zone: "Asia/Shanghai", from: "2026-11-27T00:00:00Z",
			want: []string{"2026-11-30T07:00:00+08:00", "2026-12-07T07:00:00+08:00"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := nextN(t, tc.spec, tc.zone, tc.from, len(tc.want))
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("next times:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestNextFromInsideTheOverlapDoesNotRepeat(t *testing.T) {
	s, err := schedule.Parse("30 2 * * *", "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// 01:10 UTC is 02:10 CET, the second pass through 02:xx: 02:30 CET must
	// not come up again, it ran at 02:30 CEST (00:30 UTC).
	got := s.Next(utcTime(t, "2026-10-25T01:10:00Z"))
	if want := utcTime(t, "2026-10-26T01:30:00Z"); !got.Equal(want) {
		t.Errorf("Next = %s, want %s", got.UTC(), want)
	}
	// From the gap's run itself, the next is the day after.
	s, _ = schedule.Parse("30 2 * * *", "Europe/Berlin")
	got = s.Next(utcTime(t, "2026-03-29T01:00:00Z"))
	if want := utcTime(t, "2026-03-30T00:30:00Z"); !got.Equal(want) {
		t.Errorf("Next after the gap run = %s, want %s", got.UTC(), want)
	}
}

func TestWeeklyStaysOnItsLocalDayAllYear(t *testing.T) {
	s, err := schedule.Parse("0 7 * * 1", "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := utcTime(t, "2026-01-01T00:00:00Z")
	var prev time.Time
	gaps := map[time.Duration]int{}
	for range 53 {
		at = s.Next(at)
		if at.Weekday() != time.Monday || at.Hour() != 7 || at.Minute() != 0 {
			t.Fatalf("scheduled %s: want Monday 07:00 local", at.Format(time.RFC3339))
		}
		if !prev.IsZero() {
			gaps[at.Sub(prev)]++
		}
		prev = at
	}
	// 167h across the spring change, 169h across the autumn one.
	want := map[time.Duration]int{167 * time.Hour: 1, 169 * time.Hour: 1, 168 * time.Hour: 50}
	for d, n := range want {
		if gaps[d] != n {
			t.Errorf("weeks of %s: %d, want %d (all: %v)", d, gaps[d], n, gaps)
		}
	}
	// The Mondays around both changes, in UTC.
	got := nextN(t, "0 7 * * 1", "Europe/Berlin", "2026-03-20T00:00:00Z", 2)
	if want := []string{"2026-03-23T07:00:00+01:00", "2026-03-30T07:00:00+02:00"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("spring Mondays %v, want %v", got, want)
	}
	got = nextN(t, "0 7 * * 1", "Europe/Berlin", "2026-10-16T00:00:00Z", 2)
	if want := []string{"2026-10-19T07:00:00+02:00", "2026-10-26T07:00:00+01:00"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("autumn Mondays %v, want %v", got, want)
	}
}

func TestDayRules(t *testing.T) {
	for _, tc := range []struct {
		spec, from string
		want       []string
	}{
		// Day-of-month and day-of-week both restricted: either matches.
		{"0 7 1 * 1", "2026-05-28T00:00:00Z", []string{"2026-06-01T07:00:00Z", "2026-06-08T07:00:00Z", "2026-06-15T07:00:00Z"}},
		{"0 9 * * mon-fri", "2026-11-27T10:00:00Z", []string{"2026-11-30T09:00:00Z", "2026-12-01T09:00:00Z"}},
		{"0 0 29 2 *", "2026-01-01T00:00:00Z", []string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"15,45 */6 * * *", "2026-01-01T05:00:00Z", []string{"2026-01-01T06:15:00Z", "2026-01-01T06:45:00Z", "2026-01-01T12:15:00Z"}},
	} {
		got := nextN(t, tc.spec, "UTC", tc.from, len(tc.want))
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: got %v, want %v", tc.spec, got, tc.want)
		}
	}
}

func TestParseRejectsBadSpecsAndZonesWithoutPanicking(t *testing.T) {
	for _, tc := range []struct {
		spec, zone, want string
	}{
		{"0 7 * * 1", "Mars/Olympus_Mons", "Mars/Olympus_Mons"},
		{"0 7 * * 1", "", "want an IANA name"},
		{"0 7 * * 1", "Local", "want an IANA name"},
		{"61 7 * * 1", "UTC", "61"},
		{"0 7 * *", "UTC", "expected exactly 5 fields"},
		{"0 0 7 * * 1", "UTC", "expected exactly 5 fields"},
		{"@weekly", "UTC", "descriptors"},
		{"0 0 30 2 *", "UTC", "never fires"},
		// robfig panics on this one (no space after the zone).
		{"CRON_TZ=Europe/Berlin", "UTC", "TZ prefix"},
		{"TZ=Nowhere/Bad 0 7 * * 1", "UTC", "TZ prefix"},
	} {
		_, err := schedule.Parse(tc.spec, tc.zone)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q, %q) = %v, want an error containing %q", tc.spec, tc.zone, err, tc.want)
		}
	}
	_, err := schedule.Parse("0 0 31 2,4 *", "UTC")
	if !errors.Is(err, schedule.ErrNeverFires) {
		t.Errorf("Feb/Apr 31: %v, want ErrNeverFires", err)
	}
}
