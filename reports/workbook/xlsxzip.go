package workbook

import (
	"archive/zip"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// A workbook must be byte-identical for the same inputs. excelize (v2.11)
// writes its streamed sheets by ranging over a Go map, so their zip entries
// come in a different order on every save, and it creates each entry with
// zip.Writer.Create, which leaves the modification time zero: the entries
// are dated "1980-00-00", a date that does not exist. stableZip takes
// excelize's entries as they come, compresses each into a spool file, and
// on Close writes them in a fixed order, each dated the report's as-of day.

// zipEntryDate is the modification time of every entry of a report's
// workbook: midnight UTC of its as-of day, the only date the inputs give.
func zipEntryDate(asOf time.Time) time.Time {
	return time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
}

// msDosTime is t as a zip entry's MS-DOS date (day, month, years since
// 1980 in bits 0-4, 5-8, 9-15) and time (seconds/2, minutes, hours), read
// in t's own zone; 1980 is the earliest it can hold.
func msDosTime(t time.Time) (date, clock uint16) {
	if t.Year() < 1980 {
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, t.Location())
	}
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	clock = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, clock
}

// zipEntryRank orders a workbook's entries: [Content_Types].xml first (the
// package's index; some readers look for it there), then the package
// relationships, then every other entry by name.
func zipEntryRank(name string) int {
	switch name {
	case "[Content_Types].xml":
		return 0
	case "_rels/.rels":
		return 1
	}
	return 2
}

func compareZipEntries(a, b string) int {
	if ra, rb := zipEntryRank(a), zipEntryRank(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

type spooledEntry struct {
	name         string
	offset, size int64 // of the compressed bytes in the spool
	crc          uint32
	uncompressed uint64
}

// stableZip implements excelize.ZipWriter.
type stableZip struct {
	ctx      context.Context
	out      io.Writer
	modified time.Time
	spool    *os.File
	entries  []*spooledEntry
	cur      *entryWriter
	pos      int64 // end of the spool
	closed   bool
}

// entryWriter deflates one entry into the spool, counting its bytes and CRC.
type entryWriter struct {
	e     *spooledEntry
	fw    *flate.Writer
	crc   hash.Hash32
	count *countWriter
}

type countWriter struct {
	ctx context.Context
	w   io.Writer
	n   int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (w *entryWriter) Write(p []byte) (int, error) {
	n, err := w.fw.Write(p)
	w.crc.Write(p[:n])
	w.e.uncompressed += uint64(n)
	return n, err
}

// newStableZip spools into a temporary file in dir (the report folder, so
// the spool is on the disk the workbook goes to).
func newStableZip(ctx context.Context, out io.Writer, dir string, modified time.Time) (*stableZip, error) {
	spool, err := os.CreateTemp(dir, ".weekly-zip-*")
	if err != nil {
		return nil, fmt.Errorf("reports: workbook zip: %w", err)
	}
	return &stableZip{ctx: ctx, out: out, modified: modified, spool: spool}, nil
}

func (z *stableZip) finishEntry() error {
	if z.cur == nil {
		return nil
	}
	w := z.cur
	z.cur = nil
	if err := w.fw.Close(); err != nil {
		return err
	}
	w.e.crc = w.crc.Sum32()
	w.e.offset = z.pos
	w.e.size = w.count.n
	z.pos += w.count.n
	return nil
}

// Create starts an entry; the previous one is complete, as with zip.Writer.
func (z *stableZip) Create(name string) (io.Writer, error) {
	if z.closed {
		return nil, errors.New("reports: workbook zip: create after close")
	}
	if err := z.finishEntry(); err != nil {
		return nil, fmt.Errorf("reports: workbook zip %s: %w", name, err)
	}
	if slices.ContainsFunc(z.entries, func(e *spooledEntry) bool { return e.name == name }) {
		return nil, fmt.Errorf("reports: workbook zip: duplicate entry %s", name)
	}
	cw := &countWriter{ctx: z.ctx, w: z.spool}
	fw, err := flate.NewWriter(cw, flate.DefaultCompression)
	if err != nil {
		return nil, fmt.Errorf("reports: workbook zip %s: %w", name, err)
	}
	e := &spooledEntry{name: name}
	z.entries = append(z.entries, e)
	z.cur = &entryWriter{e: e, fw: fw, crc: crc32.NewIEEE(), count: cw}
	return z.cur, nil
}

// AddFS is part of excelize.ZipWriter; excelize does not call it, and a
// workbook has nothing to add from a file system.
func (z *stableZip) AddFS(fs.FS) error {
	return errors.New("reports: workbook zip: AddFS is not supported")
}

// Close writes the archive: the entries in compareZipEntries order, dated
// z.modified, their compressed bytes copied from the spool as they are.
// It removes the spool whatever happens.
func (z *stableZip) Close() (err error) {
	if z.closed {
		return nil
	}
	z.closed = true
	defer func() {
		name := z.spool.Name()
		if cerr := z.spool.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("reports: workbook zip: %w", cerr)
		}
		os.Remove(name)
	}()
	if err := z.finishEntry(); err != nil {
		return fmt.Errorf("reports: workbook zip: %w", err)
	}
	entries := slices.Clone(z.entries)
	slices.SortFunc(entries, func(a, b *spooledEntry) int { return compareZipEntries(a.name, b.name) })
	zw := zip.NewWriter(z.out)
	for _, e := range entries {
		// CreateRaw writes the header as given: the MS-DOS date and time
		// are set here (Modified alone is only read by CreateHeader).
		date, clock := msDosTime(z.modified)
		h := &zip.FileHeader{
			Name: e.name, Method: zip.Deflate, Modified: z.modified, ModifiedDate: date, ModifiedTime: clock,
			CRC32: e.crc, CompressedSize64: uint64(e.size), UncompressedSize64: e.uncompressed,
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			return fmt.Errorf("reports: workbook zip %s: %w", e.name, err)
		}
		if _, err := io.Copy(w, io.NewSectionReader(z.spool, e.offset, e.size)); err != nil {
			return fmt.Errorf("reports: workbook zip %s: %w", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("reports: workbook zip: %w", err)
	}
	return nil
}

// useStableZip makes f save through a stableZip spooling in dir.
func useStableZip(ctx context.Context, f *excelize.File, dir string, asOf time.Time) {
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		z, err := newStableZip(ctx, w, dir, zipEntryDate(asOf))
		if err != nil {
			return failedZip{err}
		}
		return z
	})
}

// failedZip fails every call with the error of creating the spool, which
// excelize's ZipWriter factory cannot return.
type failedZip struct{ err error }

func (f failedZip) Create(string) (io.Writer, error) { return nil, f.err }
func (f failedZip) AddFS(fs.FS) error                { return f.err }
func (f failedZip) Close() error                     { return f.err }
