package pipeline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// Store is Accord's DuckDB database: canonical tables, results and run history.
type Store struct {
	DB   *sql.DB
	Path string
}

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
// ensures Accord's tables exist.
func OpenStore(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	connector, err := duckdb.NewConnector(path+"?autoinstall_known_extensions=false&autoload_known_extensions=false", nil)
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
	s := &Store{DB: db, Path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenStoreWait is OpenStore that, while another process holds the
// database, retries until wait has passed; wait 0 fails at once.
func OpenStoreWait(ctx context.Context, path string, wait time.Duration) (*Store, error) {
	deadline := time.Now().Add(wait)
	for {
		s, err := OpenStore(ctx, path)
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

// Close checkpoints and closes the database.
func (s *Store) Close() error {
	_, cerr := s.DB.Exec("CHECKPOINT")
	if err := s.DB.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("close store: checkpoint: %w", cerr)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	for _, stmt := range []string{"CreateSchema", "CreateOutbox"} {
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
