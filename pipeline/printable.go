package pipeline

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxErrorLen bounds an error kept in runs.error or printed: a reader's
// message can quote a whole binary "line".
const maxErrorLen = 2000

// Printable makes s safe for a terminal and for runs.error: invalid UTF-8
// and control characters (a NUL from a UTF-16 file, an escape sequence from
// a binary one) are shown as \xNN or \u escapes; newlines and tabs stay; a
// long message is cut, saying so. DuckDB cannot bind a string with invalid
// UTF-8, so an unprintable error once left its run recorded as running.
func Printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
		if b.Len() > maxErrorLen {
			return b.String() + fmt.Sprintf("… (%d more bytes)", len(s)-i)
		}
	}
	return b.String()
}
