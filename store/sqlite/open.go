// Package sqlite is the embedded store.Store backend: one SQLite file, pure
// Go (modernc.org/sqlite), no server to run.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/segql/segql/store"
)

// Store is a store.Store over one SQLite database file.
type Store struct {
	db *sql.DB
	// prepared holds the statements of every read and write.
	prepared *stmtCache
	// The limits are fields, not the store constants used directly, so the
	// package's own tests can lower them and reach the per-profile limit,
	// which the equal store-wide limit otherwise hides.
	maxSegments           int
	maxSegmentsPerProfile int
	// enabled holds the enabled promotions read last.
	enabled store.EnabledMemo
	// targeting holds promotions' targeting decoded, by its stored JSON.
	targeting store.TargetingMemo
}

var _ store.Store = (*Store)(nil)

// busyTimeout is how long a writer waits for another writer's transaction
// before it gives up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Open opens (creating it if needed) the database file at path and brings
// its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Keep a few connections around: opening one re-runs the pragmas.
	db.SetMaxIdleConns(8)
	s := &Store{db: db, prepared: newStmtCache(db), maxSegments: store.MaxSegments, maxSegmentsPerProfile: store.MaxSegmentsPerProfile}
	if err := useWAL(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// useWAL switches the file to write-ahead logging, which lets readers run
// beside the one writer. The mode is kept in the file, so it is set once
// here rather than by every connection. Switching needs the file to
// itself, and SQLite answers SQLITE_BUSY at once, without its busy
// timeout, while another process opens the same new file: retry briefly.
func useWAL(ctx context.Context, db *sql.DB) error {
	var err error
	for attempt := 1; attempt <= 50; attempt++ {
		var mode string
		err = db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		if err == nil {
			return nil
		}
		var se interface{ Code() int }
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt) * 5 * time.Millisecond):
		}
	}
	return fmt.Errorf("set WAL journal mode: %w", err)
}

// dsn builds the driver's connection string; each pooled connection runs
// the pragmas when it opens.
// synchronous=NORMAL is safe from corruption in WAL mode and spares an
// fsync per commit (a power cut may lose the last commits, not more); a
// 64 MiB page cache keeps a large import's indexes in memory (it halved
// the time of a million memberships); _txlock=immediate makes BEGIN take
// the write lock, so concurrent writers queue on the busy timeout instead
// of failing when a read lock cannot be upgraded.
func dsn(path string) string {
	// SQLite parses "file:" names as URIs: escape what would end the path.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	pragmas := []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
		"foreign_keys(1)",
		"synchronous(NORMAL)",
		"cache_size(-65536)",
	}
	return "file:" + esc + "?_pragma=" + strings.Join(pragmas, "&_pragma=") + "&_txlock=immediate"
}

// Ping checks that the database answers a query. (The driver's own ping
// runs "select 1" too, parsed afresh each time.)
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.queryRow(ctx, `SELECT 1`, nil, &one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the prepared statements and the database.
func (s *Store) Close() error {
	err := errors.Join(s.prepared.close(), s.db.Close())
	if err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}
