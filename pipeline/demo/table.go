package demo

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Kinds of planted invalid rows (Manifest.BadRows[].Kind).
const (
	KindBadDate    = "bad_date"    // 2026-13-45, N/A, 31/31/2026
	KindBlankID    = "blank_id"    // empty key or customer_id
	KindNonNumeric = "non_numeric" // abc, 12.3.4
)

var (
	badDates       = []string{"2026-13-45", "N/A", "31/31/2026"}
	badDatesNoNA   = []string{"2026-13-45", "31/31/2026"}
	badNumbers     = []string{"abc", "12.3.4"}
	blankIDVariant = []string{""}
)

type fileEncoding int

const (
	encUTF8 fileEncoding = iota
	encUTF8BOM
	encGB18030
)

type column struct{ header, canonical string }

// badPlan is one way an injected row is made invalid.
type badPlan struct {
	kind   string
	column int
	values []string // variants, used in turn
}

// schedule decides, from its own random stream, after which data rows a
// blank line, a duplicate or an invalid row goes: on average every 200th row
// gets an invalid row and every 1,000th a duplicate and a blank line, with
// jittered spacing. Spacing does not depend on the file's size, so every
// file, small or large, keeps to about 0.5% invalid rows (loaders fail a run
// above a reject threshold, 1% by default); at 2,000 customers even the
// smallest files get each invalid kind, since the plans are used in turn.
type schedule struct {
	rng                         *rand.Rand
	nextBad, nextDup, nextBlank int // data row counts that trigger the next one
	badSeq                      int // invalid rows planted so far
}

// Mean spacing of planted rows, in data rows.
const (
	badEvery   = 200  // 0.5% invalid
	dupEvery   = 1000 // 0.1% duplicates
	blankEvery = 1000 // 0.1% blank lines
)

func newSchedule(rng *rand.Rand) schedule {
	s := schedule{rng: rng}
	s.nextBad = s.gap(badEvery)
	s.nextDup = s.gap(dupEvery)
	s.nextBlank = s.gap(blankEvery)
	return s
}

// gap is the next spacing: within ±25% of every, so that no stretch of a
// file, however short, gets more than 1/150 invalid rows.
func (s *schedule) gap(every float64) int {
	return max(1, int(math.Round(every*(0.75+0.5*s.rng.Float64()))))
}

// csvTable streams one delimited file and plants its messy rows.
type csvTable struct {
	name     string
	columns  []column
	badPlans []badPlan
	// amountStyles is how the table spells amounts (see amount).
	amountStyles []weighted[moneyStyle]

	file  *os.File
	disk  *bufio.Writer
	trans *transform.Writer // nil unless GB18030
	w     *bufio.Writer
	eol   string

	line int // physical line last written (header = 1)
	rows int // data rows written, planted rows included

	fields    [][]byte
	nf        int
	lineBuf   []byte
	badFields [][]byte

	sched   schedule
	pending pendingDup
	// freshKey rewrites the key of a copied row so that an injected invalid
	// row collides with nothing even if a loader wrongly accepted it. It
	// returns false when it cannot, and the injection moves to the next row.
	freshKey func(fields [][]byte) bool
	man      *manifestBuilder
	closed   bool
	// err is the first write error; bufio keeps failing after it, so the
	// generator checks it now and then instead of after every row.
	err error
}

type pendingDup struct {
	active bool
	line   []byte
	orig   int
	after  int // data rows still to write before the copy
}

func createCSV(dir, name string, enc fileEncoding, columns []column, bad []badPlan, sched schedule, man *manifestBuilder) (*csvTable, error) {
	f, err := os.Create(filepath.Join(dir, name+partialSuffix))
	if err != nil {
		return nil, fmt.Errorf("demo: create %s: %w", name, err)
	}
	t := &csvTable{
		name: name, columns: columns, badPlans: bad,
		amountStyles: []weighted[moneyStyle]{{moneyPlain, 1}},
		file:         f, disk: bufio.NewWriterSize(f, 1<<16), eol: "\n",
		fields: make([][]byte, len(columns)), badFields: make([][]byte, len(columns)),
		sched: sched, man: man,
	}
	t.w = t.disk
	switch enc {
	case encUTF8BOM:
		t.disk.WriteString("\uFEFF")
	case encGB18030:
		t.trans = transform.NewWriter(t.disk, simplifiedchinese.GB18030.NewEncoder())
		t.w = bufio.NewWriterSize(t.trans, 1<<16)
		t.eol = "\r\n"
	}
	for i, c := range columns {
		t.fields[i] = append(t.fields[i][:0], c.header...)
	}
	t.nf = len(columns)
	t.writeLine(t.fields)
	t.rows = 0 // the header is no data row
	t.nf = 0
	return t, nil
}

// Field appenders: a row is built left to right, then end() writes it.
func (t *csvTable) next() *[]byte {
	f := &t.fields[t.nf]
	*f = (*f)[:0]
	t.nf++
	return f
}

func (t *csvTable) str(s string) { f := t.next(); *f = append(*f, s...) }
func (t *csvTable) empty()       { t.next() }
func (t *csvTable) int(n int64)  { f := t.next(); *f = strconv.AppendInt(*f, n, 10) }
func (t *csvTable) when(v time.Time, layout string) {
	f := t.next()
	*f = appendTime(*f, v, layout)
}
func (t *csvTable) fixed2(hundredths int64) { f := t.next(); *f = appendFixed2(*f, hundredths) }
func (t *csvTable) quantity(tenThousandths int64) {
	f := t.next()
	*f = appendQuantity(*f, tenThousandths)
}

// amount writes cents in the table's usual spelling, now and then a messy
// but valid one, decided by the table's own stream.
func (t *csvTable) amount(cents int64) {
	f := t.next()
	*f = appendMoney(*f, cents, pickWeighted(t.sched.rng, t.amountStyles))
}

// end writes the row built since the last end, and whatever the schedule
// plants around it.
func (t *csvTable) end() {
	if t.nf != len(t.columns) {
		panic(fmt.Sprintf("demo: %s row has %d fields, want %d", t.name, t.nf, len(t.columns)))
	}
	t.nf = 0
	if t.rows >= t.sched.nextBlank {
		t.write([]byte(t.eol))
		t.line++
		t.sched.nextBlank = t.rows + t.sched.gap(blankEvery)
	}
	t.writeLine(t.fields)
	orig := t.line
	if t.pending.active {
		if t.pending.after == 0 {
			t.writeDup()
		} else {
			t.pending.after--
		}
	}
	if !t.pending.active && t.rows >= t.sched.nextDup {
		t.pending = pendingDup{active: true, line: append(t.pending.line[:0], t.lineBuf...), orig: orig, after: t.sched.rng.IntN(3)}
		t.sched.nextDup = t.rows + t.sched.gap(dupEvery)
		if t.pending.after == 0 {
			t.writeDup()
		} else {
			t.pending.after--
		}
	}
	if t.rows >= t.sched.nextBad {
		t.injectBad()
	}
}

func (t *csvTable) write(b []byte) {
	if _, err := t.w.Write(b); err != nil && t.err == nil {
		t.err = fmt.Errorf("demo: write %s: %w", t.name, err)
	}
}

func (t *csvTable) writeDup() {
	t.write(t.pending.line)
	t.line++
	t.rows++
	t.man.duplicate(t.name, t.line, t.pending.orig)
	t.pending.active = false
}

func (t *csvTable) injectBad() {
	for i := range t.fields {
		t.badFields[i] = append(t.badFields[i][:0], t.fields[i]...)
	}
	if !t.freshKey(t.badFields) {
		return
	}
	plan := t.badPlans[t.sched.badSeq%len(t.badPlans)]
	value := plan.values[(t.sched.badSeq/len(t.badPlans))%len(plan.values)]
	t.badFields[plan.column] = append(t.badFields[plan.column][:0], value...)
	t.writeLine(t.badFields)
	t.man.bad(t.name, t.line, t.columns[plan.column].canonical, plan.kind, value)
	t.sched.badSeq++
	t.sched.nextBad = t.rows + t.sched.gap(badEvery)
}

// writeLine encodes fields as one CSV line (RFC 4180 quoting) into lineBuf
// and writes it.
func (t *csvTable) writeLine(fields [][]byte) {
	b := t.lineBuf[:0]
	for i, f := range fields[:len(t.columns)] {
		if i > 0 {
			b = append(b, ',')
		}
		if needsQuotes(f) {
			b = append(b, '"')
			for _, c := range f {
				if c == '"' {
					b = append(b, '"')
				}
				b = append(b, c)
			}
			b = append(b, '"')
		} else {
			b = append(b, f...)
		}
	}
	b = append(b, t.eol...)
	t.lineBuf = b
	t.write(b)
	t.line++
	t.rows++
}

func needsQuotes(f []byte) bool {
	for _, c := range f {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}

// close flushes every layer and closes the file; it reports the first error
// any layer met, since bufio writers keep their first error.
func (t *csvTable) close() error {
	t.closed = true
	if t.pending.active {
		t.writeDup()
	}
	err := t.w.Flush()
	if t.trans != nil {
		if cerr := t.trans.Close(); err == nil {
			err = cerr
		}
	}
	if ferr := t.disk.Flush(); err == nil {
		err = ferr
	}
	if cerr := t.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("demo: write %s: %w", t.name, err)
	}
	return nil
}

// abort closes the file after a failure elsewhere; the partial file is
// removed by the caller.
func (t *csvTable) abort() {
	if !t.closed {
		t.closed = true
		_ = t.file.Close()
	}
}
