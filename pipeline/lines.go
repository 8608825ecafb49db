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
func scanRecords(r io.Reader, skipLines int, quote byte, rejected map[int64]bool, visit func(recordPos) bool) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var (
		phys, duck int64 = 1, 1
		ord        int64
		inQuotes   bool
		atStart    = true
		inRecord   bool
		header     = true
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
		if b == '\n' {
			phys++
			if !inQuotes {
				duck++
				if inRecord && !end() {
					return nil
				}
				atStart = true
				continue
			}
		}
		if atStart && !inQuotes && b == '\r' {
			continue // "\r\n" alone is an empty line, not a record
		}
		if atStart && !inRecord {
			inRecord = true
			start = recordPos{duckLine: duck, physLine: phys}
		}
		if b == quote {
			inQuotes = !inQuotes
		}
		atStart = false
	}
}
