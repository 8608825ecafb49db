package pipeline

import (
	"context"
	"database/sql"
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
