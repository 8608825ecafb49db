package workbook

import (
	"github.com/accordhq/accord/reports/snapshot"

	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sqlString quotes a SQL string literal (the data file paths in COPY).
func SqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// writeDataFiles exports each data file table's rows for the run to
// data/<table>.csv and data/<table>.parquet with DuckDB's COPY. Each file is
// written under a temporary name and renamed, so a reader never sees half a
// file under the real name.
func WriteDataFiles(ctx context.Context, q snapshot.Queryer, sc snapshot.Scope, runID int64, dataDir string) ([]string, error) {
	var out []string
	tables := snapshot.DataFileTables()
	// A stale file of a table this scope leaves out must not stay behind.
	for _, t := range tables {
		if !sc.Shows(t) {
			for _, ext := range []string{"csv", "parquet"} {
				p := filepath.Join(dataDir, t.Name+"."+ext)
				if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
					return nil, fmt.Errorf("reports: remove %s: %w", p, err)
				}
			}
		}
	}
	for _, t := range tables {
		if !sc.Shows(t) {
			continue
		}
		for _, f := range []struct {
			ext, options string
			neutralise   bool
		}{
			{"csv", "FORMAT csv, HEADER true", true},
			{"parquet", "FORMAT parquet", false},
		} {
			path := filepath.Join(dataDir, t.Name+"."+f.ext)
			tmp := filepath.Join(dataDir, "."+t.Name+"."+f.ext+".tmp")
			stmt := fmt.Sprintf("COPY (%s) TO %s (%s)", t.ExportSQL(sc, runID, f.neutralise), SqlString(tmp), f.options)
			if _, err := q.ExecContext(ctx, stmt); err != nil {
				os.Remove(tmp)
				return nil, fmt.Errorf("reports: export %s.%s: %w", t.Name, f.ext, err)
			}
			if err := os.Rename(tmp, path); err != nil {
				return nil, fmt.Errorf("reports: export %s.%s: %w", t.Name, f.ext, err)
			}
			out = append(out, path)
		}
	}
	return out, nil
}
