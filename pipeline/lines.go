package pipeline

import (
	"bufio"
	"io"
)

// recordPos is where one CSV record starts.
type recordPos struct {
	ord      int64 // 1 = first staged record after the header; 0 = header or a record DuckDB rejected
	duckLine int64 // DuckDB's line number: newlines inside quotes do not count
	physLine int64 // the line a person sees in an editor
}

// scanRecords walks a UTF-8 CSV the way DuckDB's reader splits it into
// records: skipLines lines come first, then the header; empty lines are not
// records; a quoted field may span lines. DuckDB's reject table numbers lines
// without counting newlines inside quotes, so each record carries both
// numberings. Records whose DuckDB line is in rejected were not staged and
// take no ordinal. visit returns false to stop early.
//
// As in DuckDB, a quote opens a quoted field only at the start of a field
// (after spaces at most: a quote inside an unquoted field, as in 27" monitor,
// is a character), and a doubled quote inside a quoted field is an escaped
// quote. DuckDB reads the file's first line break as its style: in a "\n"
// file a \r is a break of its own, and so is a lone \r; an editor counts
// "\r\n" once.
func scanRecords(r io.Reader, skipLines int, delim, quote byte, rejected map[int64]bool, visit func(recordPos) bool) error {
	return scanFileRecords(r, skipLines, true, delim, quote, rejected, visit)
}

// scanFileRecords is scanRecords for a file with or without a header record.
func scanFileRecords(r io.Reader, skipLines int, hasHeader bool, delim, quote byte, rejected map[int64]bool, visit func(recordPos) bool) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var (
		phys, duck int64 = 1, 1
		ord        int64
		inQuotes   bool
		fieldStart = true // outside quotes, at the start of a field
		justClosed bool   // the previous byte closed a quoted field
		style      byte   // the file's line breaks: 'n' \n, 'w' \r\n, 'r' \r; 0 until the first
		atStart    = true
		inRecord   bool
		header     = hasHeader
		start      recordPos
	)
	for skipped := 0; skipped < skipLines; {
		b, err := br.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if b == '\n' {
			skipped++
			phys++
			duck++
		}
	}
	end := func() bool {
		inRecord = false
		if header {
			header = false
			return true
		}
		if rejected[start.duckLine] {
			start.ord = 0
		} else {
			ord++
			start.ord = ord
		}
		return visit(start)
	}
	// lineBreak ends the current line outside quotes; it reports false when
	// visit asked to stop.
	lineBreak := func() bool {
		duck++
		if inRecord && !end() {
			return false
		}
		atStart, fieldStart, justClosed = true, true, false
		return true
	}
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			if inRecord {
				end()
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch b {
		case '\r':
			next, perr := br.Peek(1)
			crlf := perr == nil && next[0] == '\n'
			if style == 0 {
				style = map[bool]byte{true: 'w', false: 'r'}[crlf]
			}
			if crlf && style == 'w' {
				continue // "\r\n" is one line break, at its \n
			}
			if !crlf {
				phys++
			}
			if !inQuotes && !lineBreak() {
				return nil
			}
			continue
		case '\n':
			if style == 0 {
				style = 'n'
			}
			phys++
			if !inQuotes {
				if !lineBreak() {
					return nil
				}
				continue
			}
		}
		if atStart && !inRecord {
			inRecord = true
			start = recordPos{duckLine: duck, physLine: phys}
		}
		atStart = false
		switch {
		case b == quote && inQuotes:
			inQuotes, justClosed = false, true
		case b == quote && (fieldStart || justClosed):
			inQuotes, justClosed = true, false // opening, or the second of a doubled quote
		case b == delim && !inQuotes:
			fieldStart, justClosed = true, false
			continue
		case b == ' ' && fieldStart && !inQuotes:
			continue // DuckDB lets spaces stand before an opening quote
		default:
			justClosed = false
		}
		fieldStart = false
	}
}
