package pipeline

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// detectEncoding names the encoding of a file from its first bytes: a
// byte-order mark decides; otherwise valid UTF-8 is UTF-8 and anything else
// is taken as GB18030, the usual encoding of Chinese exports (configure
// another explicitly).
func detectEncoding(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return "utf-8"
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return "utf-16le"
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "utf-16be"
	}
	// A multi-byte rune may be cut at the end of the sample.
	for i := 0; i < utf8.UTFMax && len(head) > 0; i++ {
		if utf8.Valid(head) {
			return "utf-8"
		}
		head = head[:len(head)-1]
	}
	return "gb18030"
}

func decoderFor(name string) (encoding.Encoding, error) {
	switch strings.ToLower(name) {
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), nil
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), nil
	case "gb18030":
		return simplifiedchinese.GB18030, nil
	case "gbk":
		return simplifiedchinese.GBK, nil
	case "big5":
		return traditionalchinese.Big5, nil
	case "latin-1":
		return charmap.ISO8859_1, nil
	}
	return nil, fmt.Errorf("no decoder for encoding %q", name)
}

// fileEncoding resolves the configured encoding of a file ("auto" sniffs it).
func fileEncoding(path, configured string) (string, error) {
	if configured != "" && configured != "auto" {
		return strings.ToLower(configured), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", err
	}
	return detectEncoding(head[:n]), nil
}

// transcodeToUTF8 streams src in encoding enc into dst as UTF-8 without a
// byte-order mark; memory use does not depend on the file's size.
func transcodeToUTF8(src, dst, enc string) (err error) {
	dec, err := decoderFor(enc)
	if err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(out, 1<<20)
	r := transform.NewReader(bufio.NewReaderSize(in, 1<<20), unicode.BOMOverride(dec.NewDecoder()))
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("transcode %s from %s: %w", src, enc, err)
	}
	return w.Flush()
}

// EncodingError reports a text file that cannot be what its configured
// encoding says, with what to set instead.
type EncodingError struct {
	File, Source, Reason, Fix string
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("%s: source %s: %s; %s", e.File, e.Source, e.Reason, e.Fix)
}

// readHead reads up to the first 64 KB of a file.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return head[:n], nil
}

// checkText rejects a file that is not text in encoding enc before DuckDB
// reads it: NUL bytes never occur in UTF-8, GB18030 or Latin-1 text, so a
// file with them is UTF-16 without a byte-order mark (NULs at every other
// byte) or not text at all. Read as UTF-8 either gave NULs on the terminal
// and an error no one could act on.
func checkText(file, source string, head []byte, enc string) error {
	if strings.HasPrefix(enc, "utf-16") || len(head) == 0 {
		return nil
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return &EncodingError{File: file, Source: source, Reason: "the file is a ZIP archive (an XLSX workbook?), not CSV text",
			Fix: fmt.Sprintf("set sources.%s.format: xlsx, or export it as CSV", source)}
	}
	if bytes.HasPrefix(head, []byte("PAR1")) {
		return &EncodingError{File: file, Source: source, Reason: "the file is Parquet, not CSV text",
			Fix: fmt.Sprintf("set sources.%s.format: parquet", source)}
	}
	if bytes.IndexByte(head, 0) < 0 {
		return nil
	}
	var even, odd, pairs int
	for i := 0; i+1 < len(head); i += 2 {
		pairs++
		if head[i] == 0 && head[i+1] != 0 {
			even++
		}
		if head[i+1] == 0 && head[i] != 0 {
			odd++
		}
	}
	switch {
	case odd*10 >= pairs*3 && odd > 4*even:
		return &EncodingError{File: file, Source: source, Reason: fmt.Sprintf("the file looks like UTF-16 little-endian, not %s", enc),
			Fix: fmt.Sprintf("set sources.%s.encoding: utf-16le", source)}
	case even*10 >= pairs*3 && even > 4*odd:
		return &EncodingError{File: file, Source: source, Reason: fmt.Sprintf("the file looks like UTF-16 big-endian, not %s", enc),
			Fix: fmt.Sprintf("set sources.%s.encoding: utf-16be", source)}
	}
	return &EncodingError{File: file, Source: source, Reason: fmt.Sprintf("the file holds NUL bytes (first at byte %d): it is binary, not %s text", bytes.IndexByte(head, 0), enc),
		Fix: "check that the right file was exported, as CSV"}
}
