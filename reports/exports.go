package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// sqlString quotes a SQL string literal (the data file paths in COPY).
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// dataFileTables are the tables with data files: the result tables, then
// hotspot_tickets, which only hotspots.xlsx shows, so that a Fault tickets
// sheet cut to the workbook's rows has the whole table to point at, and the
// hot-spot workbook's Weibull and Forecast tables.
func dataFileTables() []resultTable {
	return append(slices.Clip(resultTables), hotspotTicketsTable, hotspotWeibullTable, hotspotForecastTable, hotspotPeriodsTable)
}

// writeDataFiles exports each data file table's rows for the run to
// data/<table>.csv and data/<table>.parquet with DuckDB's COPY. Each file is
// written under a temporary name and renamed, so a reader never sees half a
// file under the real name.
func writeDataFiles(ctx context.Context, q queryer, sc scope, runID int64, dataDir string) ([]string, error) {
	var out []string
	tables := dataFileTables()
	// A stale file of a table this scope leaves out must not stay behind.
	for _, t := range tables {
		if !sc.shows(t) {
			for _, ext := range []string{"csv", "parquet"} {
				p := filepath.Join(dataDir, t.name+"."+ext)
				if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
					return nil, fmt.Errorf("reports: remove %s: %w", p, err)
				}
			}
		}
	}
	for _, t := range tables {
		if !sc.shows(t) {
			continue
		}
		for _, f := range []struct {
			ext, options string
			neutralise   bool
		}{
			{"csv", "FORMAT csv, HEADER true", true},
			{"parquet", "FORMAT parquet", false},
		} {
			path := filepath.Join(dataDir, t.name+"."+f.ext)
			tmp := filepath.Join(dataDir, "."+t.name+"."+f.ext+".tmp")
			stmt := fmt.Sprintf("COPY (%s) TO %s (%s)", t.exportSQL(sc, runID, f.neutralise), sqlString(tmp), f.options)
			if _, err := q.ExecContext(ctx, stmt); err != nil {
				os.Remove(tmp)
				return nil, fmt.Errorf("reports: export %s.%s: %w", t.name, f.ext, err)
			}
			if err := os.Rename(tmp, path); err != nil {
				return nil, fmt.Errorf("reports: export %s.%s: %w", t.name, f.ext, err)
			}
			out = append(out, path)
		}
	}
	return out, nil
}
