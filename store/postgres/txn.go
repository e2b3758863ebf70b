package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/segql/segql/store"
)

// txn is one write transaction of a mutation, holding the write lock.
type txn struct {
	s   *Store
	tx  pgx.Tx
	now time.Time // one "now" for every timestamp the transaction writes
}

// writeTxn is write with a txn: now is read once the write lock is held,
// so timestamps follow the order writes commit in.
func (s *Store) writeTxn(ctx context.Context, name string, fn func(*txn) error) error {
	return s.write(ctx, name, func(tx pgx.Tx) error {
		return fn(&txn{s: s, tx: tx, now: store.UTC(time.Now())})
	})
}

// exec runs a statement and reports how many rows it changed.
func (w *txn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := w.tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// one reads one row into dest; found is false when there is none.
func (w *txn) one(ctx context.Context, q string, args []any, dest ...any) (found bool, err error) {
	err = w.tx.QueryRow(ctx, q, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// column runs a query of one column.
func column[T any](ctx context.Context, w *txn, q string, args ...any) ([]T, error) {
	rows, err := w.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[T])
}

// rejections collects the UserErrors of one write call.
type rejections []store.UserError

func (r *rejections) add(index int, field string, code store.Code, format string, args ...any) {
	*r = append(*r, store.Reject(index, field, code, format, args...))
}

// rowsByID reads, inside the transaction, the rows whose key column is one
// of ids, by key. sqlType is the key column's type.
func rowsByID[K comparable, T any](ctx context.Context, w *txn, cols, table, key, sqlType string, ids []K, scan func(scanFunc, ...any) (T, error), keyOf func(T) K) (map[K]T, error) {
	rows, err := w.tx.Query(ctx, "SELECT "+cols+" FROM "+table+" WHERE "+key+" = ANY($1::"+sqlType+"[])", distinct(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[K]T, len(ids))
	for rows.Next() {
		it, err := scan(rows.Scan)
		if err != nil {
			return nil, err
		}
		out[keyOf(it)] = it
	}
	return out, rows.Err()
}
