package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sqlString quotes a SQL string literal (the data file paths in COPY).
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// writeDataFiles exports each result table's rows for the run to
// data/<table>.csv and data/<table>.parquet with DuckDB's COPY. Each file is
// written under a temporary name and renamed, so a reader never sees half a
// file under the real name.
func writeDataFiles(ctx context.Context, q queryer, runID int64, dataDir string) ([]string, error) {
	var out []string
	for _, t := range resultTables {
		for _, f := range []struct {
			ext, options string
			neutralise   bool
		}{
			{"csv", "FORMAT csv, HEADER true", true},
			{"parquet", "FORMAT parquet", false},
		} {
			path := filepath.Join(dataDir, t.name+"."+f.ext)
			tmp := filepath.Join(dataDir, "."+t.name+"."+f.ext+".tmp")
			stmt := fmt.Sprintf("COPY (%s) TO %s (%s)", t.exportSQL(runID, f.neutralise), sqlString(tmp), f.options)
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
