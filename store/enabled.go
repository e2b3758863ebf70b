package store

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/segql/segql/flight"
)

// EnabledMemo keeps the enabled promotions a backend read last, with the
// promotions version they were read at. Every backend keeps a version of
// its promotions that each write to them moves in the same transaction
// (a trigger), so a process asks for the version, one small read, and
// reads and decodes the whole set again only when it moved, whichever
// process wrote. Its promotions are shared by every caller: callers must
// not modify them.
type EnabledMemo struct {
	held   atomic.Pointer[enabledAt]
	flight flight.Group
}

type enabledAt struct {
	version    int64
	promotions []*Promotion
}

// EnabledSource is how a backend reads its promotions version, and the
// enabled promotions with the version of the same snapshot. A load that
// finds no enabled promotion may not know the version: it answers ok
// false and the empty set is not held.
type EnabledSource struct {
	Version func(ctx context.Context) (int64, error)
	Load    func(ctx context.Context) (ps []*Promotion, version int64, ok bool, err error)
}

// RowCursor is what CollectEnabled needs of a backend's rows (pgx.Rows,
// *sql.Rows).
type RowCursor interface {
	Next() bool
	Err() error
}

// CollectEnabled reads the rows of an EnabledSource's Load, each the
// promotions version followed by one enabled promotion, which scan reads
// from the current row. Without rows the version is unknown: ok is false.
func CollectEnabled(rows RowCursor, scan func(version *int64) (*Promotion, error)) (ps []*Promotion, version int64, ok bool, err error) {
	for rows.Next() {
		p, err := scan(&version)
		if err != nil {
			return nil, 0, false, err
		}
		ps = append(ps, p)
	}
	return ps, version, len(ps) > 0, rows.Err()
}

// Get answers the enabled promotions, read again only when the version
// moved since they were held. Callers that find it moved at once share
// one load; a caller is never answered with a set older than the version
// it saw.
func (m *EnabledMemo) Get(ctx context.Context, src EnabledSource) ([]*Promotion, error) {
	seen := int64(0)
	if held := m.held.Load(); held != nil {
		v, err := src.Version(ctx)
		if err != nil {
			return nil, err
		}
		if v == held.version {
			return slices.Clone(held.promotions), nil
		}
		seen = v
	}
	for {
		got, err := m.load(ctx, src)
		if err != nil {
			return nil, err
		}
		// A load that began before the caller saw the version may be older
		// than it: load again.
		if got.version >= seen || got.version == 0 {
			return slices.Clone(got.promotions), nil
		}
	}
}

// enabledLoadTimeout bounds a shared load, which runs on a context of its
// own since no one caller's context may end it.
const enabledLoadTimeout = 30 * time.Second

// load reads the set once for every caller asking at the same time. The
// version of a set whose version is unknown is 0.
func (m *EnabledMemo) load(ctx context.Context, src EnabledSource) (*enabledAt, error) {
	v, _, err := m.flight.Do(ctx, "enabled", enabledLoadTimeout, func(ctx context.Context) (any, error) {
		ps, v, ok, err := src.Load(ctx)
		if err != nil {
			return nil, err
		}
		got := &enabledAt{promotions: ps}
		if ok {
			got.version = v
			m.keep(got)
		}
		return got, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*enabledAt), nil
}

// keep holds a set unless one of a later version is held already: a
// slow load must not replace a newer one.
func (m *EnabledMemo) keep(next *enabledAt) {
	for {
		cur := m.held.Load()
		if cur != nil && cur.version > next.version {
			return
		}
		if m.held.CompareAndSwap(cur, next) {
			return
		}
	}
}
