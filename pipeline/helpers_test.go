package pipeline

import (
	"context"
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

// runFixture loads the config at cfgPath into a fresh DuckDB file and runs it.
func runFixture(t *testing.T, cfgPath string) (*Store, *Result) {
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
	r := &Runner{Store: store, Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: fixedClock}
	res, err := r.Run(context.Background(), RunOptions{AsOf: fixtureAsOf})
	if err != nil {
		t.Fatal(err)
	}
	return store, res
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
