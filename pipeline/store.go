package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// Store is Accord's DuckDB database: canonical tables, results and run history.
type Store struct {
	DB   *sql.DB
	Path string
	// Engine is what DuckDB was opened with (zero without WithEngine).
	Engine EngineSettings
	shared *sharedStore
}

// DuckDB lets one process open a file once: stores opened again in the same
// process (the scheduler's overlapping jobs) share the handle, and the last
// Close closes it. runs serialises runs of the process on the database.
type sharedStore struct {
	db     *sql.DB
	engine EngineSettings
	refs   int
	runs   sync.Mutex
}

var (
	openMu     sync.Mutex
	openStores = map[string]*sharedStore{}
)

// ErrLocked is returned when another process holds the database for writing.
var ErrLocked = errors.New("database is in use by another process")

// LockError names the database and the process holding it.
type LockError struct {
	Path string
	PID  string
}

func (e *LockError) Error() string {
	holder := "another process"
	if e.PID != "" {
		holder = "process " + e.PID
	}
	return fmt.Sprintf("database %s is in use by %s (one Accord run writes at a time); wait for it to finish or use another --db", e.Path, holder)
}

func (e *LockError) Unwrap() error { return ErrLocked }

var lockPID = regexp.MustCompile(`PID (\d+)`)

// OpenStore opens (creating if needed) the DuckDB file at path, with
// extension auto-install off so nothing reaches for the network, and
// ensures Accord's tables exist. WithEngine bounds its memory and threads;
// a store already open in the process keeps the settings it was opened with.
func OpenStore(ctx context.Context, path string, opts ...StoreOption) (*Store, error) {
	var o storeOptions
	for _, opt := range opts {
		opt(&o)
	}
	key, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	openMu.Lock()
	defer openMu.Unlock()
	if sh, ok := openStores[key]; ok {
		sh.refs++
		return &Store{DB: sh.db, Path: path, Engine: sh.engine, shared: sh}, nil
	}
	dsn := url.Values{}
	dsn.Set("autoinstall_known_extensions", "false")
	dsn.Set("autoload_known_extensions", "false")
	var engine EngineSettings
	if o.engine != nil {
		if o.memory == 0 {
			o.memory = availableMemory()
		}
		if engine, err = resolveEngine(*o.engine, o.memory); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		if engine.TempDirectory != "" {
			if err := os.MkdirAll(engine.TempDirectory, 0o755); err != nil {
				return nil, fmt.Errorf("open store: temp_directory: %w", err)
			}
		}
		for k, v := range engine.dsnParams() {
			dsn[k] = v
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	connector, err := duckdb.NewConnector(path+"?"+dsn.Encode(), nil)
	if err != nil {
		if strings.Contains(err.Error(), "Conflicting lock") || strings.Contains(err.Error(), "Could not set lock") {
			pid := ""
			if m := lockPID.FindStringSubmatch(err.Error()); m != nil {
				pid = m[1]
			}
			return nil, &LockError{Path: path, PID: pid}
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	// Idle connections would keep temp tables alive between uses.
	db.SetMaxIdleConns(0)
	s := &Store{DB: db, Path: path, Engine: engine, shared: &sharedStore{db: db, engine: engine, refs: 1}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	openStores[key] = s.shared
	return s, nil
}

// OpenStoreWait is OpenStore that, while another process holds the
// database, retries until wait has passed; wait 0 fails at once.
func OpenStoreWait(ctx context.Context, path string, wait time.Duration, opts ...StoreOption) (*Store, error) {
	deadline := time.Now().Add(wait)
	for {
		s, err := OpenStore(ctx, path, opts...)
		if !errors.Is(err, ErrLocked) || !time.Now().Before(deadline) {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open store: waiting for the lock: %w", ctx.Err())
		case <-time.After(min(250*time.Millisecond, time.Until(deadline))):
		}
	}
}

// Close releases the store; the last holder in the process checkpoints
// (reclaiming the space a killed run left) and closes the database.
func (s *Store) Close() error {
	openMu.Lock()
	defer openMu.Unlock()
	s.shared.refs--
	if s.shared.refs > 0 {
		return nil
	}
	for k, sh := range openStores {
		if sh == s.shared {
			delete(openStores, k)
		}
	}
	// Best effort: closing the database checkpoints too, and committed data
	// is safe in the WAL either way.
	_, _ = s.DB.Exec("CHECKPOINT")
	if err := s.DB.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	for _, stmt := range []string{"CreateSchema", "MigrateSchema", "CreateOutbox", "CreateJobRuns", "CreateScheduleAlerts"} {
		if _, err := s.DB.ExecContext(ctx, queries.Get(stmt)); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	for _, t := range config.CanonicalTables {
		if _, err := s.DB.ExecContext(ctx, canonicalDDL(t)); err != nil {
			return fmt.Errorf("create table %s: %w", t.Name, err)
		}
	}
	return nil
}

func sqlType(t config.ColumnType) string {
	switch t {
	case config.Integer:
		return "BIGINT"
	case config.Money:
		return "DECIMAL(18,2)"
	case config.Quantity:
		return "DECIMAL(18,4)"
	case config.Date:
		return "DATE"
	case config.Timestamp:
		return "TIMESTAMP"
	default:
		return "VARCHAR"
	}
}

func canonicalDDL(t config.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (", t.Name)
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", c.Name, sqlType(c.Type))
	}
	b.WriteString(")")
	return b.String()
}

// quoteIdent quotes a SQL identifier (export headers may hold any text).
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteLit quotes a SQL string literal.
func quoteLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
