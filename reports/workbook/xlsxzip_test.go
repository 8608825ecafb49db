package workbook_test

import (
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/workbook"

	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// workbookCopyEnv names the folder a child test process copies its fixture
// workbooks to (TestWorkbookBytesAreStable).
const workbookCopyEnv = "ACCORD_TEST_WORKBOOK_COPY"

// TestWorkbookWriteForParent writes the fixture's workbooks when a parent
// test asks for them; otherwise it has nothing to do.
func TestWorkbookWriteForParent(t *testing.T) {
	dir := os.Getenv(workbookCopyEnv)
	if dir == "" {
		t.Skip("only run as TestWorkbookBytesAreStable's child")
	}
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
	for _, p := range []string{out.XLSX, out.HotspotsX} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWorkbookBytesAreStable: the same inputs give the same workbook, byte
// for byte: twice in this process and once in each of two child processes
// (Go's map order, which excelize's save ranged over, differs between
// iterations and between processes). The entries come in one order,
// [Content_Types].xml first, each dated the as-of day (not "1980-00-00").
func TestWorkbookBytesAreStable(t *testing.T) {
	if os.Getenv(workbookCopyEnv) != "" {
		t.Skip("child")
	}
	db := reportstest.OpenFixtureDB(t)
	var weekly, hotspots [][]byte
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for range 2 {
		out := reportstest.WriteFixture(t, db, reportstest.TestOptions)
		weekly = append(weekly, read(out.XLSX))
		hotspots = append(hotspots, read(out.HotspotsX))
	}
	for range 2 {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestWorkbookWriteForParent$", "-test.count=1")
		cmd.Env = append(os.Environ(), workbookCopyEnv+"="+dir)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, b)
		}
		weekly = append(weekly, read(filepath.Join(dir, snapshot.XlsxName)))
		hotspots = append(hotspots, read(filepath.Join(dir, workbook.HotspotsXLSXName)))
	}
	for name, versions := range map[string][][]byte{snapshot.XlsxName: weekly, workbook.HotspotsXLSXName: hotspots} {
		for i, b := range versions[1:] {
			if !bytes.Equal(b, versions[0]) {
				t.Errorf("%s: write %d differs from write 1 (%d and %d bytes)", name, i+2, len(b), len(versions[0]))
			}
		}
		zr, err := zip.NewReader(bytes.NewReader(versions[0]), int64(len(versions[0])))
		if err != nil {
			t.Fatal(err)
		}
		var entries []string
		want := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
		for _, e := range zr.File {
			entries = append(entries, e.Name)
			// MS-DOS date: bits 9-15 year since 1980, 5-8 month, 0-4 day.
			month, day := e.ModifiedDate>>5&0xf, e.ModifiedDate&0x1f
			if month < 1 || month > 12 || day < 1 || !e.Modified.Equal(want) {
				t.Errorf("%s: %s dated %v (DOS month %d day %d), want %v", name, e.Name, e.Modified, month, day, want)
			}
		}
		props, err := excelizeDocProps(versions[0])
		if err != nil {
			t.Fatal(err)
		}
		if props.Created != "2026-11-27T00:00:00Z" || props.Modified != props.Created || props.Creator != "Accord" {
			t.Errorf("%s: document properties %+v, want Accord on the as-of day", name, props)
		}
		if len(entries) < 10 || entries[0] != "[Content_Types].xml" || entries[1] != "_rels/.rels" ||
			!slices.IsSortedFunc(entries[2:], strings.Compare) {
			t.Errorf("%s: entries in order %q", name, entries)
		}
	}
}

// excelizeDocProps reads a workbook's core document properties.
func excelizeDocProps(b []byte) (*excelize.DocProperties, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.GetDocProps()
}
