package delivery

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/accordhq/accord/queries"
)

// ErrDeliveryBusy is returned when another process is delivering the same
// run (it holds the run's delivery journal).
var ErrDeliveryBusy = errors.New("another process is delivering this run")

// journal is the outbox of one run's delivery while the database is not
// held: every step of every send ('sending' before the SMTP transaction,
// its outcome after it) is appended and synced here first, and applied to
// the outbox table when the delivery reopens the database. A process killed
// meanwhile leaves the journal behind; the run's next delivery applies it
// before anything else, so a message that may have gone out is never sent
// twice. An exclusive lock on the file keeps a second delivery of the run
// away.
type Journal struct {
	Path string
	mu   sync.Mutex
	F    *os.File
}

// journalEntry is one step: the outbox row's state after it. Entries carry
// absolute values (attempts, status), so applying one twice changes nothing.
type journalEntry struct {
	Recipient string    `json:"recipient"`
	Job       string    `json:"job"`
	MessageID string    `json:"message_id"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

// journalPath is where run runID's delivery journal lives: in the run's
// report folder, beside the mail renderings, so it goes wherever the
// reports go.
func JournalPath(outDir string, runID int64) string {
	return filepath.Join(outDir, "mail", ".outbox-run"+strconv.FormatInt(runID, 10)+".journal")
}

// openJournal opens and locks run runID's journal, creating it.
func openJournal(outDir string, runID int64) (*Journal, error) {
	path := JournalPath(outDir, runID)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("reports: delivery journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("reports: delivery journal: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("reports: deliver run %d: %w (%s is locked)", runID, ErrDeliveryBusy, path)
		}
		return nil, fmt.Errorf("reports: delivery journal %s: %w", path, err)
	}
	return &Journal{Path: path, F: f}, nil
}

// append records one step durably before the caller acts on it.
func (j *Journal) append(e journalEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.F.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("reports: delivery journal %s: %w", j.Path, err)
	}
	if err := j.F.Sync(); err != nil {
		return fmt.Errorf("reports: delivery journal %s: %w", j.Path, err)
	}
	return nil
}

// entries reads the journal: the last entry of each recipient, in the order
// the recipients first appear. A last line cut short by a kill is ignored;
// it was never acted on (a send starts only after its entry is synced).
func (j *Journal) Entries() ([]journalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.F.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("reports: delivery journal %s: %w", j.Path, err)
	}
	data, err := io.ReadAll(j.F)
	if err != nil {
		return nil, fmt.Errorf("reports: delivery journal %s: %w", j.Path, err)
	}
	lines := bytes.Split(data, []byte("\n"))
	// The segment after the last newline is empty, or a line cut short.
	lines = lines[:len(lines)-1]
	last := map[string]int{}
	var out []journalEntry
	for n, line := range lines {
		var e journalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("reports: delivery journal %s line %d: %w", j.Path, n+1, err)
		}
		if i, ok := last[e.Recipient]; ok {
			out[i] = e
			continue
		}
		last[e.Recipient] = len(out)
		out = append(out, e)
	}
	return out, nil
}

// apply writes the journal's steps into the outbox table in one
// transaction, then empties the journal. A row changed after a step (a
// requeue by `accord deliver --retry-failed`) keeps its newer state.
func (j *Journal) apply(ctx context.Context, db *sql.DB, runID int64) error {
	es, err := j.Entries()
	if err != nil || len(es) == 0 {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reports: apply delivery journal: %w", err)
	}
	defer tx.Rollback()
	for _, e := range es {
		var errArg any
		if e.Error != "" {
			errArg = e.Error
		}
		if _, err := tx.ExecContext(ctx, queries.Get("OutboxApply"), runID, e.Job, e.Recipient, e.MessageID, e.Status,
			e.Attempts, errArg, e.At.UTC()); err != nil {
			return fmt.Errorf("reports: apply delivery journal (%s): %w", e.Recipient, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("reports: apply delivery journal: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.F.Truncate(0); err != nil {
		return fmt.Errorf("reports: delivery journal %s: %w", j.Path, err)
	}
	return nil
}

// close releases the lock and removes the journal if nothing is left in it.
func (j *Journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if st, err := j.F.Stat(); err == nil && st.Size() == 0 {
		os.Remove(j.Path) // removed while still locked, so no other delivery holds a lock on a file no longer there
	}
	return j.F.Close()
}

// JournalStep is a recipient's last step in a run's delivery journal.
type JournalStep struct {
	Recipient string
	Status    string
	Attempts  int
	Error     string
	At        time.Time
}

// ReadJournal returns the steps of run runID's delivery journal under
// outDir that the outbox table does not have yet: those of a delivery under
// way (which holds the database only at its start and end) or of one
// stopped before it recorded them (the run's next delivery applies them).
// It takes no lock, so it never gets in a delivery's way; a step being
// written is not seen.
func ReadJournal(outDir string, runID int64) ([]JournalStep, error) {
	f, err := os.Open(JournalPath(outDir, runID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reports: read delivery journal: %w", err)
	}
	defer f.Close()
	j := &Journal{Path: f.Name(), F: f}
	es, err := j.Entries()
	if err != nil {
		return nil, err
	}
	out := make([]JournalStep, len(es))
	for i, e := range es {
		out[i] = JournalStep{Recipient: e.Recipient, Status: e.Status, Attempts: e.Attempts, Error: e.Error, At: e.At}
	}
	return out, nil
}
