package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/segql/segql/store"
)

func segmentID(s *store.Segment) string { return s.ID }

// SegmentsByIDs reads segments by id, in the order of ids.
func (s *Store) SegmentsByIDs(ctx context.Context, ids []string) ([]*store.Segment, error) {
	out, err := byIDs(ctx, s, segmentCols, "segments", "id", ids, scanSegment, segmentID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: segments by ids: %w", err)
	}
	return out, nil
}

// escapeLike makes a needle match itself literally in a LIKE pattern with
// ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func segmentList(f store.SegmentFilter) list {
	l := list{cols: segmentCols, from: "segments", key: "id"}
	if f.NameContains != "" {
		// name_key is lower-cased in Go, so lower-casing the needle the
		// same way matches ignoring case beyond ASCII.
		l.where = append(l.where, `name_key LIKE ? ESCAPE '\'`)
		l.args = append(l.args, "%"+escapeLike(strings.ToLower(f.NameContains))+"%")
	}
	if f.IDs != nil {
		l.where = append(l.where, inIDs("id"))
		l.args = append(l.args, jsonList(f.IDs))
	}
	return l
}

// ListSegments reads one page of segments ordered by id.
func (s *Store) ListSegments(ctx context.Context, f store.SegmentFilter, p store.Page[string]) (store.PageOf[*store.Segment], error) {
	page, err := listPage(ctx, s, segmentList(f), p, scanSegment)
	if err != nil {
		return page, fmt.Errorf("sqlite: list segments: %w", err)
	}
	return page, nil
}

// CountSegments counts the segments a filter lets through.
func (s *Store) CountSegments(ctx context.Context, f store.SegmentFilter) (int, error) {
	n, err := count(ctx, s, segmentList(f))
	if err != nil {
		return 0, fmt.Errorf("sqlite: count segments: %w", err)
	}
	return n, nil
}

// CreateSegments creates segments with new ids.
func (s *Store) CreateSegments(ctx context.Context, in []store.NewSegment) (store.Written[*store.Segment], error) {
	var out store.Written[*store.Segment]
	err := s.write(ctx, "create segments", func(w *txn) error {
		out = store.Written[*store.Segment]{}
		var rej rejections
		n, err := w.segmentCount(ctx)
		if err != nil {
			return err
		}
		seen := map[string]bool{} // names written by this call
		for i, ns := range in {
			name, ue := store.CheckSegment(i, ns.Name, ns.Description)
			if ue != nil {
				rej = append(rej, *ue)
				continue
			}
			key := nameKey(name)
			if seen[key] {
				rej.add(i, "name", store.CodeDuplicateInput, "the name %q appears earlier in this call", name)
				continue
			}
			if _, taken, err := w.segmentNamed(ctx, key); err != nil {
				return err
			} else if taken {
				rej.add(i, "name", store.CodeDuplicateName, "a segment named %q exists already", name)
				continue
			}
			if n >= w.s.maxSegments {
				rej.add(i, "", store.CodeLimitExceeded, "a store holds at most %d segments", w.s.maxSegments)
				continue
			}
			seg := &store.Segment{ID: store.NewID(), Name: name, Description: ns.Description, CreatedAt: w.now, UpdatedAt: w.now}
			if err := w.putSegment(ctx, seg); err != nil {
				return err
			}
			n++
			seen[key] = true
			out.Items = append(out.Items, seg)
		}
		out.Errors = rej
		return nil
	})
	if err != nil {
		return store.Written[*store.Segment]{}, err
	}
	return out, nil
}

// UpdateSegments renames or redescribes segments.
func (s *Store) UpdateSegments(ctx context.Context, in []store.SegmentUpdate) (store.Written[*store.Segment], error) {
	var out store.Written[*store.Segment]
	err := s.write(ctx, "update segments", func(w *txn) error {
		out = store.Written[*store.Segment]{}
		var rej rejections
		// seenNames holds the names this call has written.
		seenIDs, seenNames := map[string]bool{}, map[string]bool{}
		for i, u := range in {
			if !store.ValidUUID(u.ID) {
				rej.add(i, "uuid", store.CodeInvalidInput, "%q is not a segment UUID", u.ID)
				continue
			}
			if seenIDs[u.ID] {
				rej.add(i, "uuid", store.CodeDuplicateInput, "segment %s appears earlier in this call", u.ID)
				continue
			}
			seenIDs[u.ID] = true
			seg, err := w.segment(ctx, u.ID)
			if err != nil {
				return err
			}
			if seg == nil {
				rej.add(i, "uuid", store.CodeNotFound, "segment %s does not exist", u.ID)
				continue
			}
			name, desc := seg.Name, seg.Description
			if u.Name != nil {
				name = *u.Name
			}
			if u.Description != nil {
				desc = *u.Description
			}
			name, ue := store.CheckSegment(i, name, desc)
			if ue != nil {
				rej = append(rej, *ue)
				continue
			}
			if u.Name != nil {
				key := nameKey(name)
				if seenNames[key] {
					rej.add(i, "name", store.CodeDuplicateInput, "the name %q appears earlier in this call", name)
					continue
				}
				owner, taken, err := w.segmentNamed(ctx, key)
				if err != nil {
					return err
				}
				if taken && owner != seg.ID {
					rej.add(i, "name", store.CodeDuplicateName, "a segment named %q exists already", name)
					continue
				}
			}
			seg.Name, seg.Description, seg.UpdatedAt = name, desc, w.now
			if err := w.putSegment(ctx, seg); err != nil {
				return err
			}
			if u.Name != nil {
				seenNames[nameKey(name)] = true
			}
			out.Items = append(out.Items, seg)
		}
		out.Errors = rej
		return nil
	})
	if err != nil {
		return store.Written[*store.Segment]{}, err
	}
	return out, nil
}

// DeleteSegments deletes segments. Their profiles stay, with their
// updated_at touched; their memberships go; promotions whose condition
// names one become INVALID, so no promotion silently widens or narrows.
func (s *Store) DeleteSegments(ctx context.Context, ids []string) (store.DeletedSegments, error) {
	var out store.DeletedSegments
	err := s.write(ctx, "delete segments", func(w *txn) error {
		out = store.DeletedSegments{}
		invalidated := map[int64]bool{}
		var err error
		out.Deleted, err = store.DeleteEach(ids, "segment", func(id string) (bool, error) {
			if ok, err := w.segmentExists(ctx, id); err != nil || !ok {
				return false, err
			}
			if _, err := w.exec(ctx, `UPDATE shopper_profiles SET updated_at = ?
WHERE id IN (SELECT profile_id FROM memberships WHERE segment_id = ?)`, micros(w.now), id); err != nil {
				return false, err
			}
			promos, err := queryColumn[int64](ctx, w, `UPDATE promotions SET status = ?, updated_at = ?
WHERE id IN (SELECT promotion_id FROM promotion_segments WHERE segment_id = ?) RETURNING id`, store.StatusInvalid, micros(w.now), id)
			if err != nil {
				return false, err
			}
			for _, p := range promos {
				invalidated[p] = true
			}
			// Memberships and promotion_segments rows go by cascade.
			_, err = w.exec(ctx, `DELETE FROM segments WHERE id = ?`, id)
			return err == nil, err
		})
		if err != nil {
			return err
		}
		for p := range invalidated {
			out.InvalidatedPromotionIDs = append(out.InvalidatedPromotionIDs, p)
		}
		slices.Sort(out.InvalidatedPromotionIDs)
		return nil
	})
	if err != nil {
		return store.DeletedSegments{}, err
	}
	return out, nil
}

func (w *txn) segmentCount(ctx context.Context) (int, error) {
	var n int
	_, err := w.one(ctx, `SELECT count(*) FROM segments`, nil, &n)
	return n, err
}

func (w *txn) segmentExists(ctx context.Context, id string) (bool, error) {
	return w.exists(ctx, `SELECT 1 FROM segments WHERE id = ?`, id)
}

// segmentNamed finds the segment holding a name key.
func (w *txn) segmentNamed(ctx context.Context, key string) (id string, found bool, err error) {
	found, err = w.one(ctx, `SELECT id FROM segments WHERE name_key = ?`, []any{key}, &id)
	return id, found, err
}

// segment reads one segment, nil when there is none.
func (w *txn) segment(ctx context.Context, id string) (*store.Segment, error) {
	st, err := w.stmt(ctx, `SELECT `+segmentCols+` FROM segments WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	return orNil(scanSegment(st.QueryRowContext(ctx, id).Scan))
}

// putSegment inserts a segment or replaces the one with its id.
func (w *txn) putSegment(ctx context.Context, seg *store.Segment) error {
	_, err := w.exec(ctx, `INSERT INTO segments (id, name, name_key, description, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
	description = excluded.description, created_at = excluded.created_at, updated_at = excluded.updated_at`,
		seg.ID, seg.Name, nameKey(seg.Name), seg.Description, micros(seg.CreatedAt), micros(seg.UpdatedAt))
	return err
}
