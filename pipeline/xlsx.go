package pipeline

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// lineColumn is the staged column holding a row's physical line (CSV) or
// Excel row number (XLSX).
const lineColumn = "__line"

// xlsxToCSV streams one sheet of an XLSX workbook into a UTF-8 CSV whose
// first column is the Excel row number, so rejects can name the row a person
// sees in Excel. Cell values are raw (dates as serial numbers, numbers
// unformatted): the loader parses them like any export text. Rows above the
// header (skipLines) and empty rows are dropped.
func xlsxToCSV(src, sheet string, skipLines int, dst string) (err error) {
	wb, err := excelize.OpenFile(src)
	if err != nil {
		return err
	}
	defer wb.Close()
	if sheet == "" {
		sheet = wb.GetSheetName(0)
	} else if idx, ierr := wb.GetSheetIndex(sheet); ierr != nil || idx < 0 {
		return fmt.Errorf("no sheet %q (sheets: %s)", sheet, strings.Join(wb.GetSheetList(), ", "))
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		return err
	}
	defer rows.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(out, 1<<20)
	w := csv.NewWriter(bw)
	width := 0
	rowNum := 0
	for rows.Next() {
		rowNum++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fmt.Errorf("row %d: %w", rowNum, err)
		}
		if rowNum <= skipLines || allBlank(cells) {
			continue
		}
		if width == 0 {
			width = len(cells) // the header row fixes the width
			if err := w.Write(append([]string{lineColumn}, cells...)); err != nil {
				return err
			}
			continue
		}
		rec := make([]string, width+1)
		rec[0] = strconv.Itoa(rowNum)
		copy(rec[1:], cells)
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return err
	}
	if width == 0 {
		return fmt.Errorf("sheet %q has no header row", sheet)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func allBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
