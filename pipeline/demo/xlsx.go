package demo

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"
)

// customersSheet is the sheet customers.xlsx keeps its rows on.
const customersSheet = "客户"

// Column positions in customers.xlsx.
const (
	custColID = iota
	custColName
	custColIndustry
	custColRegion
	custColEmployees
	custColRevenue
	custColInfluence
	custColOwner
	custColCreated
	custColReferredBy
	custColumns
)

var customerColumns = []column{
	{"客户编号", "customer_id"}, {"客户名称", "name"}, {"行业", "industry"}, {"地区", "region"},
	{"员工人数", "employees"}, {"年营业额", "annual_revenue"}, {"市场影响力", "market_influence"},
	{"客户经理", "account_owner"}, {"创建日期", "created_at"}, {"推荐人", "referred_by"},
}

var customerBadPlans = []badPlan{
	{KindBadDate, custColCreated, badDates},
	{KindBlankID, custColID, blankIDVariant},
	{KindNonNumeric, custColRevenue, badNumbers},
	{KindNonNumeric, custColEmployees, badNumbers},
}

// xlsxTable streams customers.xlsx through excelize's StreamWriter and plants
// the same kinds of messy rows as csvTable, by Excel row number.
type xlsxTable struct {
	name string
	file *os.File
	disk *bufio.Writer
	book *excelize.File
	sw   *excelize.StreamWriter

	dateStyle, moneyStyle int

	row  int // Excel row last written (header = 1)
	rows int // data rows written

	values    []any
	badValues []any
	sched     schedule
	pending   struct {
		active bool
		values []any
		orig   int
		after  int
	}
	freshID func() string
	man     *manifestBuilder
	closed  bool
}

func createCustomersXLSX(dir string, asOf time.Time, sched schedule, man *manifestBuilder) (*xlsxTable, error) {
	name := "customers.xlsx"
	fail := func(err error) (*xlsxTable, error) { return nil, fmt.Errorf("demo: create %s: %w", name, err) }
	book := excelize.NewFile()
	if err := book.SetSheetName("Sheet1", customersSheet); err != nil {
		return fail(err)
	}
	// Fixed document times keep the workbook byte-identical between runs.
	stamp := asOf.Format(time.RFC3339)
	if err := book.SetDocProps(&excelize.DocProperties{
		Creator: "Accord demo", LastModifiedBy: "Accord demo", Title: "客户", Created: stamp, Modified: stamp,
	}); err != nil {
		return fail(err)
	}
	dateFmt := "yyyy-mm-dd"
	dateStyle, err := book.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return fail(err)
	}
	moneyStyle, err := book.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return fail(err)
	}
	sw, err := book.NewStreamWriter(customersSheet)
	if err != nil {
		return fail(err)
	}
	widths := []float64{11, 34, 8, 8, 10, 18, 10, 24, 12, 11}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return fail(err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fail(err)
	}
	header := make([]any, len(customerColumns))
	for i, c := range customerColumns {
		header[i] = c.header
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fail(err)
	}
	f, err := os.Create(filepath.Join(dir, name+partialSuffix))
	if err != nil {
		return fail(err)
	}
	return &xlsxTable{
		name: name, file: f, disk: bufio.NewWriterSize(f, 1<<16), book: book, sw: sw,
		dateStyle: dateStyle, moneyStyle: moneyStyle, row: 1,
		values: make([]any, custColumns), badValues: make([]any, custColumns),
		sched: sched, man: man,
	}, nil
}

func (x *xlsxTable) setRow(values []any) error {
	x.row++
	x.rows++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, values)
}

// write writes x.values as the next customer row, and whatever the schedule
// plants around it.
func (x *xlsxTable) write() error {
	if x.rows >= x.sched.nextBlank {
		x.row++ // an empty Excel row
		x.sched.nextBlank = x.rows + x.sched.gap(blankEvery)
	}
	if err := x.setRow(x.values); err != nil {
		return err
	}
	orig := x.row
	if x.pending.active {
		if x.pending.after == 0 {
			if err := x.writeDup(); err != nil {
				return err
			}
		} else {
			x.pending.after--
		}
	}
	if !x.pending.active && x.rows >= x.sched.nextDup {
		x.pending.active = true
		x.pending.values = append(x.pending.values[:0], x.values...)
		x.pending.orig = orig
		x.pending.after = x.sched.rng.IntN(3)
		x.sched.nextDup = x.rows + x.sched.gap(dupEvery)
		if x.pending.after == 0 {
			if err := x.writeDup(); err != nil {
				return err
			}
		} else {
			x.pending.after--
		}
	}
	if x.rows >= x.sched.nextBad {
		copy(x.badValues, x.values)
		x.badValues[custColID] = x.freshID()
		plan := customerBadPlans[x.sched.badSeq%len(customerBadPlans)]
		value := plan.values[(x.sched.badSeq/len(customerBadPlans))%len(plan.values)]
		if value == "" {
			x.badValues[plan.column] = nil
		} else {
			x.badValues[plan.column] = value // a text cell
		}
		if err := x.setRow(x.badValues); err != nil {
			return err
		}
		x.man.bad(x.name, x.row, customerColumns[plan.column].canonical, plan.kind, value)
		x.sched.badSeq++
		x.sched.nextBad = x.rows + x.sched.gap(badEvery)
	}
	return nil
}

func (x *xlsxTable) writeDup() error {
	if err := x.setRow(x.pending.values); err != nil {
		return err
	}
	x.man.duplicate(x.name, x.row, x.pending.orig)
	x.pending.active = false
	return nil
}

// close finishes the sheet and writes the workbook. excelize builds the zip
// in a bytes.Buffer unless given a ZipWriter; handing it one that writes
// straight to the file keeps a million-row workbook out of memory (the
// buffer it passes stays empty, and is written to io.Discard).
func (x *xlsxTable) close() error {
	x.closed = true
	err := x.closeBook()
	if ferr := x.disk.Flush(); err == nil {
		err = ferr
	}
	if cerr := x.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("demo: write %s: %w", x.name, err)
	}
	return nil
}

func (x *xlsxTable) closeBook() error {
	defer x.book.Close()
	if x.pending.active {
		if err := x.writeDup(); err != nil {
			return err
		}
	}
	if err := x.sw.Flush(); err != nil {
		return err
	}
	x.book.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(x.disk) })
	return x.book.Write(io.Discard)
}

func (x *xlsxTable) abort() {
	if !x.closed {
		x.closed = true
		_ = x.book.Close()
		_ = x.file.Close()
	}
}
