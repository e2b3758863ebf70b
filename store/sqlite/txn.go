package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/segql/segql/store"
)

// txn is one write transaction. Its statements come from the store's
// statement cache, bound to the transaction on first use and reused for
// the rest of it: a write prepares nothing its connection has run before,
// and a large import binds each statement once.
type txn struct {
	s     *Store
	tx    *sql.Tx
	now   time.Time // one "now" for every timestamp the transaction writes
	stmts map[string]*sql.Stmt
}

// write runs fn in one transaction and commits it when fn returns nil;
// any error, or a context cancelled on the way, rolls everything back.
func (s *Store) write(ctx context.Context, op string, fn func(*txn) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: begin: %w", op, err)
	}
	w := &txn{s: s, tx: tx, now: store.UTC(time.Now()), stmts: map[string]*sql.Stmt{}}
	if err := fn(w); err != nil {
		tx.Rollback()
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		tx.Rollback()
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: commit: %w", op, err)
	}
	return nil
}

// stmt is the transaction's statement of q. Tx.StmtContext reuses the
// cached statement where it was prepared on the transaction's connection
// already, and prepares it there (for the cache too) where not. Preparing
// a statement new to the cache takes a second connection: the pool has no
// cap on open connections.
func (w *txn) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	shared, err := w.s.prepared.get(ctx, q)
	if err != nil {
		return nil, err
	}
	var st *sql.Stmt
	if shared != nil {
		st = w.tx.StmtContext(ctx, shared)
	} else if st, err = w.tx.PrepareContext(ctx, q); err != nil {
		return nil, err
	}
	w.stmts[q] = st
	return st, nil
}

// exec runs a statement and reports how many rows it changed.
func (w *txn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// one reads one row into dest; found is false when there is none.
func (w *txn) one(ctx context.Context, q string, args []any, dest ...any) (found bool, err error) {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return false, err
	}
	err = st.QueryRowContext(ctx, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// exists reports whether a query of one column returns a row.
func (w *txn) exists(ctx context.Context, q string, args ...any) (bool, error) {
	var v any
	return w.one(ctx, q, args, &v)
}

// orNil turns a scan of a single row that found none into nil.
func orNil[T any](v *T, err error) (*T, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

// queryColumn runs a query of one column.
func queryColumn[T any](ctx context.Context, w *txn, q string, args ...any) ([]T, error) {
	st, err := w.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// rejections collects the UserErrors of one write call.
type rejections []store.UserError

func (r *rejections) add(index int, field string, code store.Code, format string, args ...any) {
	*r = append(*r, store.Reject(index, field, code, format, args...))
}
