package pipeline

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/accordhq/accord/config"
)

var fixtureAsOf = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

// floatsByKey runs a query of two columns, a key and a number, and returns
// the numbers by key.
func floatsByKey(t *testing.T, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) map[string]float64 {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var key string
		var v float64
		if err := rows.Scan(&key, &v); err != nil {
			t.Fatal(err)
		}
		out[key] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// runFixture loads the config at cfgPath into a fresh DuckDB file and runs
// it as of fixtureAsOf.
func runFixture(t *testing.T, cfgPath string) (*Store, *Result) {
	t.Helper()
	store, res, err := runAt(t, cfgPath, fixtureAsOf)
	if err != nil {
		t.Fatal(err)
	}
	return store, res
}

// runAt runs the config at cfgPath as of asOf into a fresh database, which
// the test's cleanup closes.
func runAt(t *testing.T, cfgPath string, asOf time.Time) (*Store, *Result, error) {
	t.Helper()
	cfg, store := configAndStore(t, cfgPath)
	r := &Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock}
	res, err := r.Run(context.Background(), RunOptions{AsOf: asOf})
	return store, res, err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// configAndStore loads cfgPath and opens a fresh database file the test's
// cleanup closes.
func configAndStore(t *testing.T, cfgPath string) (*config.Config, *Store) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "accord.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return cfg, store
}
