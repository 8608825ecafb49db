package pipeline

import (
	"strings"
	"testing"
)

func TestScanRecordsCountsLinesLikeAPerson(t *testing.T) {
	// line 1 title, 2 header, 3 rec1, 4 blank, 5-6 rec2 (quoted newline),
	// 7 rec3 (rejected by DuckDB, which calls it line 6: it does not count the quoted newline),
	// 8 blank CRLF (two breaks to DuckDB in a \n file, so rec4 is its line 9), 9 rec4 without final newline
	src := "Report title\na,b\n1,x\n\n2,\"multi\nline\"\n3\n\r\n4,w"
	var got []recordPos
	err := scanRecords(strings.NewReader(src), 1, ',', '"', map[int64]bool{6: true}, func(p recordPos) bool {
		got = append(got, p)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []recordPos{{1, 3, 3}, {2, 5, 5}, {0, 6, 7}, {3, 9, 9}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestScanRecordsStopsEarly(t *testing.T) {
	n := 0
	err := scanRecords(strings.NewReader("h\n1\n2\n3\n"), 0, ',', '"', nil, func(p recordPos) bool {
		n++
		return p.ord < 2
	})
	if err != nil || n != 2 {
		t.Fatalf("visited %d records (err %v), want 2", n, err)
	}
}

// A quote inside an unquoted field is a character, as DuckDB reads it:
// 27" monitor on line 2 must not swallow the lines after it. Found by FuzzCSVLines.
func TestScanRecordsQuoteInsideAField(t *testing.T) {
	src := "a,b\n1,27\" monitor\n2,\"quoted, \"\"escaped\"\"\"\n3,32\" monitor\n4,x"
	var lines []int64
	err := scanRecords(strings.NewReader(src), 0, ',', '"', nil, func(p recordPos) bool {
		lines = append(lines, p.physLine)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{2, 3, 4, 5}; len(lines) != len(want) || lines[0] != 2 || lines[1] != 3 || lines[2] != 4 || lines[3] != 5 {
		t.Errorf("records start on lines %v, want %v", lines, want)
	}
}
