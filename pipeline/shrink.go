package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// ShrinkError reports a source that loaded no rows, or far fewer than the
// last successful run did: a header-only or cut-off export would otherwise
// empty a table with exit 0.
type ShrinkError struct {
	Source         string
	Rows, Previous int64 // loaded now; loaded by PreviousRun (0 if none)
	PreviousRun    int64
	MaxShrink      float64
}

func (e *ShrinkError) Error() string {
	if e.Rows == 0 {
		before := ""
		if e.PreviousRun > 0 {
			before = fmt.Sprintf(" (the last good run, %d, loaded %d)", e.PreviousRun, e.Previous)
		}
		return fmt.Sprintf("source %s loaded no rows%s: a header-only or empty export? If it may be empty, set sources.%s.allow_empty: true",
			e.Source, before, e.Source)
	}
	return fmt.Sprintf("source %s loaded %d rows, %.0f%% fewer than the %d of the last good run %d (max_shrink %.0f%%); check the export, or raise sources.%s.max_shrink",
		e.Source, e.Rows, 100*(1-float64(e.Rows)/float64(e.Previous)), e.Previous, e.PreviousRun, 100*e.MaxShrink, e.Source)
}

// checkShrink fails on every source that loaded nothing (unless
// allow_empty) or fell by more than its max_shrink from the last
// successful run that loaded it.
func checkShrink(ctx context.Context, conn *sql.Conn, cfg *config.Config, sources []SourceLoad) error {
	type last struct{ run, rows int64 }
	prev := map[string]last{}
	rows, err := conn.QueryContext(ctx, queries.Get("LastGoodSourceRows"))
	if err != nil {
		return fmt.Errorf("run: last good rows: %w", err)
	}
	for rows.Next() {
		var src string
		var l last
		if err := rows.Scan(&src, &l.run, &l.rows); err != nil {
			rows.Close()
			return fmt.Errorf("run: last good rows: %w", err)
		}
		prev[src] = l
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("run: last good rows: %w", err)
	}
	var errs []error
	for _, s := range sources {
		src := cfg.Sources[s.Source]
		n, p := s.Loaded, prev[s.Source]
		switch {
		case n == 0 && !src.AllowEmpty:
			errs = append(errs, &ShrinkError{Source: s.Source, Previous: p.rows, PreviousRun: p.run, MaxShrink: src.Shrink()})
		case n > 0 && p.rows > 0 && float64(p.rows-n) > src.Shrink()*float64(p.rows):
			errs = append(errs, &ShrinkError{Source: s.Source, Rows: n, Previous: p.rows, PreviousRun: p.run, MaxShrink: src.Shrink()})
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("run: inputs: %w", errors.Join(errs...))
	}
	return nil
}
