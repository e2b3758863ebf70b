package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/segql/segql/store"
)

// SegmentsByIDs reads segments by id, in the order of ids.
func (s *Store) SegmentsByIDs(ctx context.Context, ids []string) ([]*store.Segment, error) {
	out, err := byIDs(ctx, s, segmentCols, "segments", "id", "uuid", ids, scanSegment,
		func(sg *store.Segment) string { return sg.ID })
	if err != nil {
		return nil, fmt.Errorf("postgres: segments by ids: %w", err)
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
	if needle := strings.ToLower(f.NameContains); needle != "" {
		if !storable(needle) {
			l.where = append(l.where, "false") // no stored name holds a NUL
		} else {
			// name_key is lower-cased in Go, so lower-casing the needle the
			// same way matches ignoring case beyond ASCII. A store holds at
			// most 1000 segments: this scans them.
			l.where = append(l.where, "name_key LIKE "+l.args.add("%"+escapeLike(needle)+"%")+` ESCAPE E'\\'`)
		}
	}
	if f.IDs != nil {
		l.where = append(l.where, "id = ANY("+l.args.add(validUUIDs(f.IDs))+"::uuid[])")
	}
	return l
}

// ListSegments reads one page of segments ordered by id.
func (s *Store) ListSegments(ctx context.Context, f store.SegmentFilter, p store.Page[string]) (store.PageOf[*store.Segment], error) {
	page, err := listPage(ctx, s, segmentList(f), p, scanSegment)
	if err != nil {
		return page, fmt.Errorf("postgres: list segments: %w", err)
	}
	return page, nil
}

// CountSegments counts the segments a filter lets through.
func (s *Store) CountSegments(ctx context.Context, f store.SegmentFilter) (int, error) {
	n, err := count(ctx, s, segmentList(f))
	if err != nil {
		return 0, fmt.Errorf("postgres: count segments: %w", err)
	}
	return n, nil
}

// CreateSegments creates segments with new ids. The names an item may
// clash with are read in one query first: a create only adds names, and
// the write lock keeps others from adding any.
func (s *Store) CreateSegments(ctx context.Context, in []store.NewSegment) (store.Written[*store.Segment], error) {
	var out store.Written[*store.Segment]
	err := s.writeTxn(ctx, "create segments", func(w *txn) error {
		out = store.Written[*store.Segment]{}
		var n int
		if _, err := w.one(ctx, `SELECT count(*) FROM segments`, nil, &n); err != nil {
			return err
		}
		keys := make([]string, len(in))
		for i, ns := range in {
			keys[i] = nameKey(ns.Name)
		}
		taken, err := w.segmentsNamed(ctx, keys)
		if err != nil {
			return err
		}
		var rej rejections
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
			if _, ok := taken[key]; ok {
				rej.add(i, "name", store.CodeDuplicateName, "a segment named %q exists already", name)
				continue
			}
			if n >= w.s.maxSegments {
				rej.add(i, "", store.CodeLimitExceeded, "a store holds at most %d segments", w.s.maxSegments)
				continue
			}
			n++
			seen[key] = true
			out.Items = append(out.Items, &store.Segment{ID: store.NewID(), Name: name, Description: ns.Description, CreatedAt: w.now, UpdatedAt: w.now})
		}
		out.Errors = rej
		return w.insertSegments(ctx, out.Items)
	})
	if err != nil {
		return store.Written[*store.Segment]{}, err
	}
	return out, nil
}

// UpdateSegments renames or redescribes segments. The segments and the
// owners of the names asked for are read in two queries first; the call
// then keeps them up to date as its items are written, in order, so a name
// freed by an earlier item can be taken by a later one.
func (s *Store) UpdateSegments(ctx context.Context, in []store.SegmentUpdate) (store.Written[*store.Segment], error) {
	var out store.Written[*store.Segment]
	err := s.writeTxn(ctx, "update segments", func(w *txn) error {
		out = store.Written[*store.Segment]{}
		ids := make([]string, len(in))
		var keys []string
		for i, u := range in {
			ids[i] = u.ID
			if u.Name != nil {
				keys = append(keys, nameKey(*u.Name))
			}
		}
		segs, err := rowsByID(ctx, w, segmentCols, "segments", "id", "uuid", validUUIDs(ids), scanSegment,
			func(sg *store.Segment) string { return sg.ID })
		if err != nil {
			return err
		}
		owners, err := w.segmentsNamed(ctx, keys)
		if err != nil {
			return err
		}
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
			seg := segs[u.ID]
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
				if owner, taken := owners[key]; taken && owner != seg.ID {
					rej.add(i, "name", store.CodeDuplicateName, "a segment named %q exists already", name)
					continue
				}
			}
			if _, err := w.exec(ctx, `UPDATE segments SET name = $2, name_key = $3, description = $4, updated_at = $5 WHERE id = $1`,
				seg.ID, name, nameKey(name), desc, w.now); err != nil {
				return err
			}
			if old := nameKey(seg.Name); owners[old] == seg.ID {
				delete(owners, old)
			}
			owners[nameKey(name)] = seg.ID
			if u.Name != nil {
				seenNames[nameKey(name)] = true
			}
			updated := *seg
			updated.Name, updated.Description, updated.UpdatedAt = name, desc, w.now
			segs[seg.ID] = &updated
			out.Items = append(out.Items, &updated)
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
	err := s.writeTxn(ctx, "delete segments", func(w *txn) error {
		out = store.DeletedSegments{}
		invalidated := map[int64]bool{}
		var err error
		out.Deleted, err = store.DeleteEach(ids, "segment", func(id string) (bool, error) {
			// One statement: its parts see the rows as they were before it,
			// so the members are touched before the cascade removes their
			// memberships, and the promotions naming the segment are found
			// before promotion_segments loses its rows.
			var deleted bool
			var promos []int64
			_, err := w.one(ctx, `WITH touched AS (
	UPDATE shopper_profiles SET updated_at = $2
	WHERE id IN (SELECT profile_id FROM memberships WHERE segment_id = $1)
), invalid AS (
	UPDATE promotions SET status = $3, updated_at = $2
	WHERE id IN (SELECT promotion_id FROM promotion_segments WHERE segment_id = $1)
	RETURNING id
), deleted AS (
	DELETE FROM segments WHERE id = $1 RETURNING id
)
SELECT EXISTS (SELECT 1 FROM deleted), ARRAY(SELECT id FROM invalid)`,
				[]any{id, w.now, store.StatusInvalid}, &deleted, &promos)
			if err != nil {
				return false, err
			}
			for _, p := range promos {
				invalidated[p] = true
			}
			return deleted, nil
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

// segmentsNamed finds the segments holding name keys: key -> segment id.
func (w *txn) segmentsNamed(ctx context.Context, keys []string) (map[string]string, error) {
	rows, err := w.tx.Query(ctx, `SELECT name_key, id FROM segments WHERE name_key = ANY($1::text[])`, distinct(storableOnly(keys)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var key, id string
		if err := rows.Scan(&key, &id); err != nil {
			return nil, err
		}
		out[key] = id
	}
	return out, rows.Err()
}

// insertSegments inserts new segments in one statement.
func (w *txn) insertSegments(ctx context.Context, segs []*store.Segment) error {
	if len(segs) == 0 {
		return nil
	}
	n := len(segs)
	ids, names, keys, descs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	created, updated := make([]time.Time, n), make([]time.Time, n)
	for i, sg := range segs {
		ids[i], names[i], keys[i], descs[i] = sg.ID, sg.Name, nameKey(sg.Name), sg.Description
		created[i], updated[i] = sg.CreatedAt, sg.UpdatedAt
	}
	_, err := w.exec(ctx, `INSERT INTO segments (id, name, name_key, description, created_at, updated_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])`,
		ids, names, keys, descs, created, updated)
	return err
}
