package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A run's report folder is OUT/<as-of>. It is rendered into a hidden
// sibling, OUT/.<as-of>.run-<id>.new, from the run's uncommitted
// transaction; the data (and the run's "succeeded") is committed only after
// that folder is complete, and the folder is renamed into place after the
// commit. A kill before the commit leaves a .new folder of a failed run,
// which the next run removes; a kill after it leaves the .new folder of a
// succeeded run, which the next run (or `accord deliver`) renames into
// place. The previous folder of the date is moved aside to
// OUT/.<as-of>.run-<id>.old during the swap and removed after it.

// stagedReportDir is where run id renders the reports of final.
func stagedReportDir(final string, id int64) string {
	return filepath.Join(filepath.Dir(final), fmt.Sprintf(".%s.run-%d.new", filepath.Base(final), id))
}

// placeReports swaps a committed run's staged folder into place.
func placeReports(staged, final string) error {
	old := strings.TrimSuffix(staged, ".new") + ".old"
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("publish: remove %s: %w", old, err)
	}
	if err := os.Rename(final, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("publish: move %s aside: %w", final, err)
	}
	if err := os.Rename(staged, final); err != nil {
		return fmt.Errorf("publish: rename %s into place: %w", staged, err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("publish: remove %s: %w", old, err)
	}
	return nil
}

// RecoverReports finishes or discards what killed runs left in the report
// folder out: a staged folder of a succeeded run is renamed into place, one
// of any other run removed, and the temporary files of a report writer
// killed mid-file (.weekly-*.xlsx, .weekly.html-*, data/.*.tmp) are removed.
// It returns what it did, one line each, for the log.
func RecoverReports(ctx context.Context, db *sql.DB, out string) ([]string, error) {
	var done []string
	staged, _ := filepath.Glob(filepath.Join(out, ".*.run-*.new"))
	for _, s := range staged {
		base := strings.TrimSuffix(filepath.Base(s), ".new")
		i := strings.LastIndex(base, ".run-")
		id, err := strconv.ParseInt(base[i+len(".run-"):], 10, 64)
		if i < 1 || err != nil {
			continue // not ours
		}
		final := filepath.Join(out, base[1:i])
		var status string
		err = db.QueryRowContext(ctx, `SELECT status FROM runs WHERE run_id = ?`, id).Scan(&status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return done, fmt.Errorf("publish: recover %s: %w", s, err)
		}
		if status == "succeeded" {
			if err := placeReports(s, final); err != nil {
				return done, err
			}
			done = append(done, fmt.Sprintf("renamed the reports of succeeded run %d into %s", id, final))
			continue
		}
		if status == "running" {
			continue // a run of another process may be writing it (it holds the database, we do not)
		}
		if err := os.RemoveAll(s); err != nil {
			return done, fmt.Errorf("publish: remove %s: %w", s, err)
		}
		done = append(done, fmt.Sprintf("removed the unfinished reports of run %d (%s)", id, cmpOr(status, "unknown run")))
	}
	olds, _ := filepath.Glob(filepath.Join(out, ".*.run-*.old"))
	for _, o := range olds {
		if _, err := os.Stat(strings.TrimSuffix(o, ".old") + ".new"); err == nil {
			continue // its swap is not finished; the .new branch above decides
		}
		if err := os.RemoveAll(o); err != nil {
			return done, fmt.Errorf("publish: remove %s: %w", o, err)
		}
		done = append(done, "removed the replaced report folder "+o)
	}
	var strays []string
	for _, pat := range []string{"*/.weekly-*.xlsx", "*/.weekly.html-*", "*/data/.*.tmp"} {
		m, _ := filepath.Glob(filepath.Join(out, pat))
		strays = append(strays, m...)
	}
	for _, f := range strays {
		// A temporary younger than a minute may be another writer's
		// (`accord report` does not hold the database).
		if fi, err := os.Stat(f); err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return done, fmt.Errorf("publish: remove %s: %w", f, err)
		}
		done = append(done, "removed the temporary file "+f)
	}
	return done, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
