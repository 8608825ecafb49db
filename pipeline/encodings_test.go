package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/accordhq/accord/config"
)

// TestEncodings writes the same customers export in each supported
// encoding and loads it with encoding auto (where a file can tell) and with
// the encoding configured, expecting the same text back.
func TestEncodings(t *testing.T) {
	cases := []struct {
		name     string
		enc      encoding.Encoding // nil: UTF-8 as is
		bom      []byte
		text     string // a customer name the encoding can hold
		detected bool   // auto must find it without configuration
	}{
		{"utf-8", nil, nil, "星河科技 Ærø", true},
		{"utf-8", nil, []byte{0xEF, 0xBB, 0xBF}, "星河科技 with BOM", true},
		{"utf-16le", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), []byte{0xFF, 0xFE}, "星河科技 LE", true},
		{"utf-16be", unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), []byte{0xFE, 0xFF}, "星河科技 BE", true},
		{"gb18030", simplifiedchinese.GB18030, nil, "星河科技 ¥€", true},
		{"gbk", simplifiedchinese.GBK, nil, "星河科技有限公司", true}, // GBK bytes are GB18030 bytes
		{"big5", traditionalchinese.Big5, nil, "星河科技股份有限公司", false},
		{"latin-1", charmap.ISO8859_1, nil, "Société Générale Ærø", false},
	}
	for _, c := range cases {
		body := "customer_id,name\r\nC1," + c.text + "\r\nC2,plain\r\n"
		raw := []byte(body)
		if c.enc != nil {
			var err error
			if raw, err = c.enc.NewEncoder().Bytes(raw); err != nil {
				t.Fatalf("%s: encode: %v", c.name, err)
			}
		}
		raw = append(append([]byte{}, c.bom...), raw...)
		modes := []string{c.name}
		if c.detected {
			modes = append(modes, "auto")
		}
		for _, mode := range modes {
			t.Run(c.name+"/"+mode+map[bool]string{true: "/bom", false: ""}[c.bom != nil], func(t *testing.T) {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "c.csv"), raw, 0o644); err != nil {
					t.Fatal(err)
				}
				cfg := &config.Config{Path: filepath.Join(dir, "x.yaml"), Sources: map[string]*config.Source{
					"customers": {Files: []string{"c.csv"}, Format: "csv", Encoding: mode, Delimiter: ",", Quote: `"`,
						Columns: map[string]string{"customer_id": "customer_id", "name": "name"}},
				}}
				s, err := openScratch(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer s.close()
				loads, err := s.stageAll(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				want := c.name
				if c.name == "gbk" {
					want = "gb18030" // GBK is a subset of GB18030, which auto chooses
				}
				if got := loads[0].Files[0].Encoding; mode == "auto" && got != want {
					t.Errorf("detected %s, want %s", got, want)
				}
				var name string
				if err := s.conn.QueryRowContext(context.Background(), "SELECT name FROM accord_staged_customers WHERE customer_id = 'C1'").Scan(&name); err != nil {
					t.Fatal(err)
				}
				if name != c.text {
					t.Errorf("name %q, want %q", name, c.text)
				}
			})
		}
	}
}

// TestTranscodeStreams transcodes a GB18030 file much larger than the
// transcoder's buffers and checks the result byte for byte; memory is
// measured in the load benchmark, not here.
func TestTranscodeStreams(t *testing.T) {
	dir := t.TempDir()
	line := "C000001,星河科技有限公司,¥1,234.50\r\n"
	var utf8Body []byte
	for len(utf8Body) < 8<<20 {
		utf8Body = append(utf8Body, line...)
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf8Body)
	if err != nil {
		t.Fatal(err)
	}
	src, dst := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
	os.WriteFile(src, gb, 0o644)
	if err := transcodeToUTF8(src, dst, "gb18030"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	if string(got) != string(utf8Body) {
		t.Fatalf("transcoded %d bytes differ from the %d-byte original", len(got), len(utf8Body))
	}
}
