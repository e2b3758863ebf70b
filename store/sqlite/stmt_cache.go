package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxStmts bounds the statement cache. Every statement text is built from
// the store's own fragments, values always being parameters, so the store
// has fewer than 250 (a list's filters, bounds and direction combine into a
// few dozen texts each); past the bound a statement is prepared per call,
// as it was before there was a cache.
const maxStmts = 512

// stmtCache holds prepared statements by SQL text for the store's life.
// A DB.QueryContext parses and plans its SQL on every call (it was ~12%
// of a storefront query's CPU); a *sql.Stmt is prepared once on each
// pooled connection it runs on and reused there, which database/sql does
// by itself.
type stmtCache struct {
	db  *sql.DB
	max int // the package's tests lower it to reach the bound

	mu     sync.Mutex
	byText map[string]*sql.Stmt
	closed bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, max: maxStmts, byText: map[string]*sql.Stmt{}}
}

// get returns the statement of q, preparing it on first use; nil (and no
// error) when the cache is full or closed.
func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.byText[q]
	full := c.closed || len(c.byText) >= c.max
	c.mu.Unlock()
	if ok || full {
		return st, nil
	}
	// Prepared outside the lock: it runs on a connection of the pool,
	// which may have to be opened first.
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	prev, raced := c.byText[q]
	keep := !raced && !c.closed && len(c.byText) < c.max
	if keep {
		c.byText[q] = st
	}
	c.mu.Unlock()
	if keep {
		return st, nil
	}
	st.Close()
	return prev, nil
}

// len counts the cached statements.
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byText)
}

// close closes every cached statement; later gets answer nil. A statement
// still in use is closed once its rows are.
func (c *stmtCache) close() error {
	c.mu.Lock()
	all := c.byText
	c.byText, c.closed = nil, true
	c.mu.Unlock()
	var errs []error
	for _, st := range all {
		if err := st.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// query runs a read through the cached statement of q.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared.get(ctx, q)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return s.db.QueryContext(ctx, q, args...)
	}
	return st.QueryContext(ctx, args...)
}

// queryRow reads the first row of q, through its cached statement, into
// dest; sql.ErrNoRows when there is none.
func (s *Store) queryRow(ctx context.Context, q string, args []any, dest ...any) error {
	st, err := s.prepared.get(ctx, q)
	if err != nil {
		return err
	}
	if st == nil {
		return s.db.QueryRowContext(ctx, q, args...).Scan(dest...)
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}
