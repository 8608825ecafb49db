package pipeline

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for the paths a bad file takes before DuckDB sees it: the
// XLSX reader and the transcoder. Seeds live in testdata/fuzz/<FuzzName>
// and run with `go test` (make test). To fuzz:
//
//	go test -tags duckdb_arrow -run '^$' -fuzz FuzzXLSXToCSV -fuzztime 60s ./pipeline/

// FuzzXLSXToCSV: no bytes given as a workbook may panic; a workbook that
// converts gives a CSV whose first header is the line column.
func FuzzXLSXToCSV(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("customer_id,name\nC1,Alpha\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		src, dst := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.csv")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := xlsxToCSV(src, "", 0, dst); err != nil {
			return // an error is the right answer to a bad workbook
		}
		out, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out, []byte(lineColumn+",")) && !bytes.HasPrefix(out, []byte(lineColumn+"\n")) {
			t.Errorf("converted CSV does not start with %s: %q", lineColumn, out[:min(len(out), 40)])
		}
	})
}

// FuzzTranscode: any bytes in any supported encoding transcode without a
// panic into valid UTF-8. In the byte encodings a line break is never part
// of a multi-byte character, so a stray byte cannot join two lines: the
// output has exactly the input's \n count (one row swallowing the next was
// reported for GB18030).
func FuzzTranscode(f *testing.F) {
	f.Add([]byte("a,b\nP1,\xb1\xc3A\n"), uint8(0))
	f.Add([]byte("a,\x81\nb,c\n"), uint8(0))
	f.Add([]byte("a,\x81\x30\x81\nb,c\n"), uint8(0))
	f.Add([]byte("\xff\xfea\x00,\x00b\x00\n\x00"), uint8(3))
	f.Add([]byte("a\x00\n\x00\xd8"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		encs := []string{"gb18030", "gbk", "big5", "utf-16le", "utf-16be", "latin-1"}
		enc := encs[int(which)%len(encs)]
		dir := t.TempDir()
		src, dst := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_ = detectEncoding(data)
		_ = checkText(src, "s", data, enc)
		if err := transcodeToUTF8(src, dst, enc); err != nil {
			t.Fatalf("transcode from %s: %v", enc, err)
		}
		out, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(out) {
			t.Fatalf("transcoding %q from %s gave invalid UTF-8 %q", data, enc, out)
		}
		// A byte-order mark overrides the configured encoding (a UTF-16
		// file declared gb18030 is read as UTF-16).
		bom := bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF})
		if enc != "utf-16le" && enc != "utf-16be" && !bom {
			if in, got := bytes.Count(data, []byte("\n")), bytes.Count(out, []byte("\n")); in != got {
				t.Fatalf("%s: %d line breaks in, %d out: %q → %q", enc, in, got, data, out)
			}
		}
	})
}
