package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/accordhq/accord/config"
)

// macroConn is a connection with Accord's parsing macros.
func macroConn(t testing.TB) *sql.Conn {
	t.Helper()
	s, err := openScratch(context.Background(), &config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s.conn
}

func TestNumberFormats(t *testing.T) {
	conn := macroConn(t)
	cases := []struct {
		in   string
		want string // canonical decimal text, or "NULL"
	}{
		{"1234.5", "1234.5"},
		{"1,234.50", "1234.5"},
		{"¥1,234", "1234"},
		{"￥1,234.00", "1234"},
		{"$ 12", "12"},
		{"€3.5", "3.5"},
		{"£7", "7"},
		{"1234元", "1234"},
		{"RMB 99.90", "99.9"},
		{"(1,234.00)", "-1234"},
		{"-42", "-42"},
		{"+42", "42"},
		{"12.5%", "0.125"},
		{".5", "0.5"},
		{" 7 ", "7"},
		{"1,2,3", "NULL"},
		{"12.3.4", "NULL"},
		{"abc", "NULL"},
		{"1,23", "NULL"},
		{"¥\u30001,234", "1234"}, // ideographic space
		{"1,234\u3000元", "1234"},
		{"\tRMB5", "5"},
		{"\v0", "0"},
		{"", "NULL"},
		{"  ", "NULL"},
	}
	for _, c := range cases {
		var got sql.NullString
		if err := conn.QueryRowContext(context.Background(),
			"SELECT CAST(accord_number(?) AS VARCHAR)", c.in).Scan(&got); err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		g := "NULL"
		if got.Valid {
			g = trimFloat(got.String)
		}
		if g != c.want {
			t.Errorf("accord_number(%q) = %s, want %s", c.in, g, c.want)
		}
	}
}

// trimFloat turns a decimal's text "1234.5000000000" into "1234.5".
func trimFloat(s string) string {
	if strings.Contains(s, ".") && !strings.ContainsAny(s, "eE") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
		return s
	}
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

func TestDateFormats(t *testing.T) {
	conn := macroConn(t)
	cases := []struct {
		in, format, want string
	}{
		{"2026-11-27", "", "2026-11-27 00:00:00"},
		{"2026-11-27 08:30:05", "", "2026-11-27 08:30:05"},
		{"2026-11-27T08:30:05", "", "2026-11-27 08:30:05"},
		{"2026/11/27", "", "2026-11-27 00:00:00"},
		{"2026/3/4", "", "2026-03-04 00:00:00"},
		{"2012/10/9 14:50:17", "", "2012-10-09 14:50:17"},
		{"27.11.2026", "", "2026-11-27 00:00:00"},
		{"4.3.2026 10:15", "", "2026-03-04 10:15:00"},
		{"2026年11月27日", "", "2026-11-27 00:00:00"},
		{"2026年3月4日 09:00:00", "", "2026-03-04 09:00:00"},
		{"20261127", "", "2026-11-27 00:00:00"},
		{"46353", "", "2026-11-27 00:00:00"},   // Excel serial: days since 1899-12-30 (Python: (date(2026,11,27)-date(1899,12,30)).days)
		{"46353.5", "", "2026-11-27 12:00:00"}, // with a time of day
		{"1/2/2013", "%m/%d/%Y", "2013-01-02 00:00:00"},
		{"1/2/2013", "%d/%m/%Y", "2013-02-01 00:00:00"},
		{"03/04/2026", "", "NULL"}, // ambiguous: needs a configured format
		{"2026-13-45", "", "NULL"},
		{"N/A", "", "NULL"},
		{"31/31/2026", "", "NULL"},
		{"27.11.26", "", "NULL"}, // a two-digit year is not guessed
		{"26/11/27", "", "NULL"},
		{"0000-01-01", "", "NULL"},
		{"1/2/13", "%m/%d/%Y", "NULL"}, // %Y reads 13 as the year 13
		{"", "", "NULL"},
	}
	for _, c := range cases {
		var format any
		if c.format != "" {
			format = c.format
		}
		var got sql.NullString
		if err := conn.QueryRowContext(context.Background(),
			"SELECT strftime(accord_timestamp(?, CAST(? AS VARCHAR)), '%Y-%m-%d %H:%M:%S')", c.in, format).Scan(&got); err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		g := "NULL"
		if got.Valid {
			g = got.String
		}
		if g != c.want {
			t.Errorf("accord_timestamp(%q, %q) = %s, want %s", c.in, c.format, g, c.want)
		}
	}
}

// Money is exact: typed through DECIMAL, never DOUBLE. These lose a cent
// or digits through floating point (found by FuzzNumber).
func TestMoneyIsExact(t *testing.T) {
	conn := macroConn(t)
	cases := map[string]string{
		"1.005":             "1.01", // half away from zero, as DECIMAL rounds
		"0.285":             "0.29",
		"-1.005":            "-1.01",
		"99999999999999.99": "99999999999999.99",
		"12.5%":             "0.13",
		"¥9,999,999,999.99": "9999999999.99",
	}
	for in, want := range cases {
		var got string
		if err := conn.QueryRowContext(context.Background(), "SELECT CAST(TRY_CAST(accord_number(?) AS DECIMAL(18,2)) AS VARCHAR)", in).Scan(&got); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got != want {
			t.Errorf("money %q = %s, want %s", in, got, want)
		}
	}
	var big string
	if err := conn.QueryRowContext(context.Background(), "SELECT CAST(TRY_CAST(accord_number('9007199254740993') AS BIGINT) AS VARCHAR)").Scan(&big); err != nil || big != "9007199254740993" {
		t.Errorf("whole number 9007199254740993 read as %s (%v)", big, err)
	}
}

// A column's configured formats are tried in order, a format reading a year
// below 1000 counting as not reading the value, and a value none reads is
// rejected naming the formats (and a short year when one was read).
func TestDateFormatLists(t *testing.T) {
	conn := macroConn(t)
	col := config.Column{Name: "issued_at", Type: config.Date, Required: true}
	const short = ": year 0011 has fewer than four digits (use %y for two-digit years)"
	cases := []struct {
		formats          []string
		in, want, reason string
	}{
		{[]string{"%m/%d/%Y", "%m/%d/%y"}, "2/20/2011", "2011-02-20", "NULL"},
		// %Y reads 11 as the year 0011 (DuckDB's try_strptime does, and so
		// does its list form, taking the first format that parses); the
		// next format, %y, reads 2011.
		{[]string{"%m/%d/%Y", "%m/%d/%y"}, "2/20/11", "2011-02-20", "NULL"},
		{[]string{"%m/%d/%Y"}, "2/20/11", "NULL", "cannot read as a date under %m/%d/%Y" + short},
		{[]string{"%m/%d/%Y"}, "2/20/0011", "NULL", "cannot read as a date under %m/%d/%Y" + short},
		{[]string{"%m/%d/%Y"}, "20/2/2011", "NULL", "cannot read as a date under %m/%d/%Y"},
		{[]string{"%m/%d/%Y", "%Y-%m-%d"}, "2026-07-01", "2026-07-01", "NULL"},
		{[]string{"%m/%d/%Y", "%Y-%m-%d"}, "7/1/2026", "2026-07-01", "NULL"},
		{[]string{"%m/%d/%Y", "%Y-%m-%d"}, "31/08/2026", "NULL", "cannot read as a date under %m/%d/%Y or %Y-%m-%d"},
		{[]string{"%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y"}, "x", "NULL", "cannot read as a date under %m/%d/%Y, %Y-%m-%d or %d.%m.%Y"},
		{[]string{"%m/%d/%Y", "%Y-%m-%d"}, " ", "NULL", "required value is empty"},
		{nil, "03/04/2026", "NULL", "cannot read as a date (ISO, Y/M/D, D.M.Y, 年月日 or an Excel serial; set date_formats.issued_at for others)"},
	}
	for _, c := range cases {
		src := &config.Source{DateFormats: map[string]config.Formats{}}
		if c.formats != nil {
			src.DateFormats["issued_at"] = c.formats
		}
		typed := "CAST(" + typedExpr(col, "v", src) + " AS DATE)"
		q := fmt.Sprintf("SELECT coalesce(CAST(%s AS VARCHAR), 'NULL'), coalesce(%s, 'NULL') FROM (SELECT CAST(? AS VARCHAR) AS v)",
			typed, rejectReason(col, src, "v", typed))
		var got, reason string
		if err := conn.QueryRowContext(context.Background(), q, c.in).Scan(&got, &reason); err != nil {
			t.Fatalf("%q under %q: %v", c.in, c.formats, err)
		}
		if got != c.want || reason != c.reason {
			t.Errorf("%q under %q: %s, reason %q; want %s, %q", c.in, c.formats, got, reason, c.want, c.reason)
		}
	}
}

// The ambiguity hint suggests formats that read the example as it is
// written: its separators, its year's width and its time of day. Each
// suggestion is checked against DuckDB's strptime, and the two must read
// the example as different dates.
func TestAmbiguousDateHint(t *testing.T) {
	conn := macroConn(t)
	cases := []struct{ example, monthFirst, dayFirst string }{
		{"03/04/2026", "%m/%d/%Y", "%d/%m/%Y"},
		{"03-04-2026", "%m-%d-%Y", "%d-%m-%Y"},
		{"3/4/26", "%m/%d/%y", "%d/%m/%y"},
		{"03/04/2026 14:05", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M"},
		{"03/04/2026 9:05:30", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S"},
		{"03/04/2026T14:05:30.250", "%m/%d/%YT%H:%M:%S.%f", "%d/%m/%YT%H:%M:%S.%f"},
		{"03/04/2026 2:05 PM", "%m/%d/%Y %I:%M %p", "%d/%m/%Y %I:%M %p"},
	}
	for _, c := range cases {
		m, d, ok := ambiguousFormats(c.example)
		if m != c.monthFirst || d != c.dayFirst || !ok {
			t.Errorf("%q: suggests %q and %q (time read: %v), want %q and %q", c.example, m, d, ok, c.monthFirst, c.dayFirst)
			continue
		}
		var a, b sql.NullString
		if err := conn.QueryRowContext(context.Background(), "SELECT CAST(try_strptime(?, ?) AS VARCHAR), CAST(try_strptime(?, ?) AS VARCHAR)",
			c.example, m, c.example, d).Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		if !a.Valid || !b.Valid || a.String == b.String {
			t.Errorf("%q: %q reads %v, %q reads %v; want two different dates", c.example, m, nullText(a), d, nullText(b))
		}
	}
	// A time of another shape is left to the user, and the message says so.
	e := &AmbiguousDateError{Source: "tickets", Column: "opened_at", File: "t.csv", Example: "03/04/2026 14h05"}
	if want := `set sources.tickets.date_formats.opened_at to "%m/%d/%Y" or "%d/%m/%Y", each followed by the format of its time of day`; !strings.Contains(e.Error(), want) {
		t.Errorf("hint %q lacks %q", e.Error(), want)
	}
}
