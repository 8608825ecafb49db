package demo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// ManifestFile is the name of the manifest written next to the exports.
const ManifestFile = "MANIFEST.json"

// Manifest records what Generate wrote and planted, so that loader, hot-spot
// and reconciliation tests can check themselves against it.
type Manifest struct {
	Seed      int64  `json:"seed"`
	AsOf      string `json:"as_of"` // YYYY-MM-DD
	Customers int    `json:"customers"`
	// Hotspot is the planted failure hot-spot over the whole window.
	Hotspot Hotspot `json:"hotspot"`
	// Rising is a group whose fault rate rises in the last months only.
	Rising Rising `json:"rising"`
	// BadRows are the invalid rows a loader must reject, in file order.
	BadRows []BadRow `json:"bad_rows"`
	// Duplicates are exact copies of earlier rows, valid, to be dropped.
	Duplicates []DupRow `json:"duplicates"`
	// UnmatchedPayments are payment ids whose invoice_id matches no invoice.
	UnmatchedPayments []string `json:"unmatched_payments"`
	// Files counts data rows per file: every non-blank line below the
	// header (Excel rows for customers.xlsx), bad rows and duplicates
	// included. Rows a loader should accept = Files[f] − bad rows of f;
	// distinct rows = that − duplicates of f.
	Files map[string]int `json:"files"`
}

// Hotspot is a product × component × region group with a raised fault rate.
type Hotspot struct {
	ProductID string  `json:"product_id"`
	Component string  `json:"component"`
	Region    string  `json:"region"`
	Factor    float64 `json:"factor"` // fault rate per installed unit ÷ the base rate
}

// Rising is a group whose fault rate is Factor times its own baseline from
// Since (YYYY-MM-DD) to as-of.
type Rising struct {
	Hotspot
	Since string `json:"since"`
}

// BadRow is a planted invalid row. Line is the 1-based physical line (header
// = 1, blank lines counted) or, for customers.xlsx, the Excel row number.
type BadRow struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column string `json:"column"` // canonical column name
	Kind   string `json:"kind"`   // KindBadDate, KindBlankID or KindNonNumeric
	Value  string `json:"value"`  // the planted cell text ("" for blank ids)
}

// DupRow is a planted exact duplicate: the row at Line repeats DuplicateOf.
type DupRow struct {
	File        string `json:"file"`
	Line        int    `json:"line"`
	DuplicateOf int    `json:"duplicate_of"`
}

type manifestBuilder struct {
	m Manifest
}

func (b *manifestBuilder) bad(file string, line int, column, kind, value string) {
	b.m.BadRows = append(b.m.BadRows, BadRow{File: file, Line: line, Column: column, Kind: kind, Value: value})
}

func (b *manifestBuilder) duplicate(file string, line, orig int) {
	b.m.Duplicates = append(b.m.Duplicates, DupRow{File: file, Line: line, DuplicateOf: orig})
}

// sortLists orders the lists by file, then line, so the manifest reads file
// by file whatever order the files were interleaved in.
func (b *manifestBuilder) sortLists() {
	slices.SortStableFunc(b.m.BadRows, func(x, y BadRow) int {
		if x.File != y.File {
			return compareStrings(x.File, y.File)
		}
		return x.Line - y.Line
	})
	slices.SortStableFunc(b.m.Duplicates, func(x, y DupRow) int {
		if x.File != y.File {
			return compareStrings(x.File, y.File)
		}
		return x.Line - y.Line
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeManifest streams the manifest one list entry per line, so that a
// manifest with hundreds of thousands of entries is never built in memory
// as one JSON document.
func writeManifest(path string, m *Manifest) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo: write manifest: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := func(key string, v any, last bool) {
		b, merr := json.Marshal(v)
		if merr != nil && err == nil {
			err = merr
		}
		fmt.Fprintf(w, "  %q: %s", key, b)
		if !last {
			w.WriteString(",")
		}
		w.WriteString("\n")
	}
	list := func(key string, n int, item func(i int) any, last bool) {
		fmt.Fprintf(w, "  %q: [", key)
		for i := range n {
			if i > 0 {
				w.WriteString(",")
			}
			b, merr := json.Marshal(item(i))
			if merr != nil && err == nil {
				err = merr
			}
			w.WriteString("\n    ")
			w.Write(b)
		}
		if n > 0 {
			w.WriteString("\n  ")
		}
		w.WriteString("]")
		if !last {
			w.WriteString(",")
		}
		w.WriteString("\n")
	}
	w.WriteString("{\n")
	enc("seed", m.Seed, false)
	enc("as_of", m.AsOf, false)
	enc("customers", m.Customers, false)
	enc("hotspot", m.Hotspot, false)
	enc("rising", m.Rising, false)
	enc("files", m.Files, false)
	enc("unmatched_payments", m.UnmatchedPayments, false)
	list("bad_rows", len(m.BadRows), func(i int) any { return m.BadRows[i] }, false)
	list("duplicates", len(m.Duplicates), func(i int) any { return m.Duplicates[i] }, true)
	w.WriteString("}\n")
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("demo: write manifest: %w", err)
	}
	return nil
}

// ReadManifest reads a MANIFEST.json written by Generate.
func ReadManifest(path string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return m, fmt.Errorf("demo: read manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("demo: read manifest %s: %w", path, err)
	}
	return m, nil
}
