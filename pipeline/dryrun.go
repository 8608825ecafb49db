package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// DryRun stages and checks every source of cfg in a private in-memory
// database, exactly as a run would, and reports what it would load and
// reject. The store is not opened, so it works while a run holds it.
func DryRun(ctx context.Context, cfg *config.Config) ([]SourceLoad, error) {
	s, err := openScratch(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer s.close()
	return s.stageAll(ctx)
}

// scratch is an in-memory database with one pinned connection and a loader.
type scratch struct {
	db   *sql.DB
	conn *sql.Conn
	l    *loader
	work string
}

func openScratch(ctx context.Context, cfg *config.Config) (*scratch, error) {
	connector, err := duckdb.NewConnector("?autoinstall_known_extensions=false&autoload_known_extensions=false", nil)
	if err != nil {
		return nil, fmt.Errorf("dry run: open: %w", err)
	}
	s := &scratch{db: sql.OpenDB(connector)}
	if s.conn, err = s.db.Conn(ctx); err != nil {
		s.close()
		return nil, fmt.Errorf("dry run: connect: %w", err)
	}
	if s.work, err = os.MkdirTemp("", "accord-dry-run-"); err != nil {
		s.close()
		return nil, fmt.Errorf("dry run: work dir: %w", err)
	}
	if _, err := s.conn.ExecContext(ctx, queries.Get("CreateMacros")); err != nil {
		s.close()
		return nil, fmt.Errorf("dry run: macros: %w", err)
	}
	s.l = &loader{cfg: cfg, conn: s.conn, workDir: s.work, seen: map[string]bool{}}
	return s, nil
}

func (s *scratch) stageAll(ctx context.Context) ([]SourceLoad, error) {
	return s.l.stageAll(ctx, nil)
}

func (s *scratch) close() {
	if s.conn != nil {
		s.conn.Close()
	}
	s.db.Close()
	if s.work != "" {
		os.RemoveAll(s.work)
	}
}
