// Package postgres is the store.Store backend on PostgreSQL (pgx, pgxpool).
// It behaves exactly as the SQLite backend does: the contract suite in
// store/storetest runs unchanged against both.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/segql/segql/store"
)

// Store is a store.Store over one PostgreSQL schema: the first schema of
// the connection's search_path that exists (current_schema()).
type Store struct {
	pool   *pgxpool.Pool
	schema string
	// writeKey and migrateKey are the advisory locks of this schema: every
	// write transaction takes writeKey, Migrate takes migrateKey.
	writeKey   int64
	migrateKey int64
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

// Options tune the connection pool.
type Options struct {
	// MaxConns is the most connections the pool opens; 0 keeps pgxpool's
	// default (the greater of 4 and the number of CPUs), or pool_max_conns
	// from the URL.
	MaxConns int32
	// StatementTimeout makes the server cancel any statement running
	// longer; 0 sets none (the URL's or the server's setting stays).
	StatementTimeout time.Duration
}

// Lock classes: each is hashed with the schema name into an advisory lock
// key, so stores in different schemas of one database never wait for each
// other.
const (
	writeLockClass   = "segql/postgres write"
	migrateLockClass = "segql/postgres migrate"
)

// lockKey is the advisory lock key of a lock class in a schema.
func lockKey(class, schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte(class))
	h.Write([]byte{0})
	h.Write([]byte(schema))
	return int64(h.Sum64())
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string; search_path in it picks the schema) and brings the
// schema up to date.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	return open(ctx, url, o, nil)
}

// open is Open with a last say on the pool's configuration (for tests).
func open(ctx context.Context, url string, o Options, configure func(*pgxpool.Config)) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
		if cfg.MinConns > cfg.MaxConns {
			cfg.MinConns = cfg.MaxConns
		}
	}
	if o.StatementTimeout > 0 {
		ms := max(o.StatementTimeout.Milliseconds(), 1)
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(ms, 10)
	}
	if configure != nil {
		configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	var schema *string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if schema == nil {
		pool.Close()
		return nil, errors.New("postgres: open: no schema of the search_path exists")
	}
	s := &Store{
		pool:                  pool,
		schema:                *schema,
		writeKey:              lockKey(writeLockClass, *schema),
		migrateKey:            lockKey(migrateLockClass, *schema),
		maxSegments:           store.MaxSegments,
		maxSegmentsPerProfile: store.MaxSegmentsPerProfile,
	}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Schema names the schema the store's tables are in.
func (s *Store) Schema() string { return s.schema }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes every connection of the pool, waiting for the ones in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// rollbackTimeout bounds a rollback, which runs after the call's context
// may have ended. A rollback that fails closes the connection, and the
// server then rolls the transaction back on its own.
const rollbackTimeout = 5 * time.Second

// write runs fn in one transaction and commits it when fn returns nil; any
// error, or a context cancelled on the way, rolls everything back. The
// transaction first takes the schema's write lock, so writes run one at a
// time as SQLite's do: the checks a write makes (limits, uniqueness, is
// this profile a member already) hold until it commits. name says what
// the write is, for errors.
func (s *Store) write(ctx context.Context, name string, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %s: begin: %w", name, err)
	}
	// Roll back on a context of its own: the call's may be the reason.
	rollback := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		tx.Rollback(rctx)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, s.writeKey); err != nil {
		rollback()
		return fmt.Errorf("postgres: %s: take the write lock: %w", name, err)
	}
	if err := fn(tx); err != nil {
		rollback()
		return fmt.Errorf("postgres: %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		rollback()
		return fmt.Errorf("postgres: %s: %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %s: commit: %w", name, err)
	}
	return nil
}
