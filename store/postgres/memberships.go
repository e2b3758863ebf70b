package postgres

import (
	"context"
	"fmt"

	"github.com/segql/segql/store"
)

// ProfileSegmentIDs reads every segment id of each profile, in the order
// of profileIDs; each list is ordered by segment id.
func (s *Store) ProfileSegmentIDs(ctx context.Context, profileIDs []string) ([][]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT profile_id, segment_id FROM memberships
WHERE profile_id = ANY($1::uuid[]) ORDER BY profile_id, segment_id`, distinct(validUUIDs(profileIDs)))
	if err != nil {
		return nil, fmt.Errorf("postgres: profile segment ids: %w", err)
	}
	defer rows.Close()
	byProfile := map[string][]string{}
	for rows.Next() {
		var p, seg string
		if err := rows.Scan(&p, &seg); err != nil {
			return nil, fmt.Errorf("postgres: profile segment ids: %w", err)
		}
		byProfile[p] = append(byProfile[p], seg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: profile segment ids: %w", err)
	}
	out := make([][]string, len(profileIDs))
	for i, id := range profileIDs {
		out[i] = byProfile[id]
	}
	return out, nil
}

// SegmentProfilePages reads a page of member profiles for each segment.
func (s *Store) SegmentProfilePages(ctx context.Context, segmentIDs []string, p store.Page[string]) ([]store.PageOf[*store.ShopperProfile], error) {
	out, err := parentPages(ctx, s, children{
		link: "memberships", parent: "segment_id", child: "profile_id",
		table: "shopper_profiles", cols: profileCols,
	}, segmentIDs, p, scanProfile)
	if err != nil {
		return nil, fmt.Errorf("postgres: segment profile pages: %w", err)
	}
	return out, nil
}

// ProfileSegmentPages reads a page of segments for each profile.
func (s *Store) ProfileSegmentPages(ctx context.Context, profileIDs []string, p store.Page[string]) ([]store.PageOf[*store.Segment], error) {
	out, err := parentPages(ctx, s, children{
		link: "memberships", parent: "profile_id", child: "segment_id",
		table: "segments", cols: segmentCols,
	}, profileIDs, p, scanSegment)
	if err != nil {
		return nil, fmt.Errorf("postgres: profile segment pages: %w", err)
	}
	return out, nil
}

// CountSegmentProfiles counts each segment's members.
func (s *Store) CountSegmentProfiles(ctx context.Context, segmentIDs []string) ([]int, error) {
	out, err := countChildren(ctx, s, "memberships", "segment_id", segmentIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: count segment profiles: %w", err)
	}
	return out, nil
}

// CountProfileSegments counts each profile's segments.
func (s *Store) CountProfileSegments(ctx context.Context, profileIDs []string) ([]int, error) {
	out, err := countChildren(ctx, s, "memberships", "profile_id", profileIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: count profile segments: %w", err)
	}
	return out, nil
}

// AddSegmentMembers puts profiles in a segment. A profile that is a member
// already is reported unchanged, not rejected, so a sync can be replayed.
func (s *Store) AddSegmentMembers(ctx context.Context, segmentID string, profileIDs []string) (store.MembershipChange, error) {
	return s.changeMembers(ctx, "add segment members", segmentID, profileIDs, true)
}

// RemoveSegmentMembers takes profiles out of a segment; the profiles stay.
// A profile that is not a member is reported unchanged.
func (s *Store) RemoveSegmentMembers(ctx context.Context, segmentID string, profileIDs []string) (store.MembershipChange, error) {
	return s.changeMembers(ctx, "remove segment members", segmentID, profileIDs, false)
}

// changeMembers adds or removes members in a few statements whatever their
// number: what it needs to know of the profiles is read in one query (each
// profile comes once in a call, so no item changes it for another), then
// the memberships change and the profiles are touched, one statement each.
func (s *Store) changeMembers(ctx context.Context, op, segmentID string, profileIDs []string, add bool) (store.MembershipChange, error) {
	var out store.MembershipChange
	err := s.writeTxn(ctx, op, func(w *txn) error {
		out = store.MembershipChange{}
		ue, err := w.checkSegmentRef(ctx, -1, "segmentUuid", segmentID)
		if err != nil {
			return err
		}
		if ue != nil {
			out.Errors = []store.UserError{*ue}
			return nil
		}
		out.SegmentFound = true
		profiles, err := w.memberProfiles(ctx, segmentID, profileIDs, add)
		if err != nil {
			return err
		}
		var rej rejections
		seen := map[string]bool{}
		for i, pid := range profileIDs {
			if !store.ValidUUID(pid) {
				rej.add(i, "", store.CodeInvalidInput, "%q is not a shopper profile UUID", pid)
				continue
			}
			if seen[pid] {
				rej.add(i, "", store.CodeDuplicateInput, "shopper profile %s appears earlier in this call", pid)
				continue
			}
			seen[pid] = true
			p, ok := profiles[pid]
			if !ok {
				rej.add(i, "", store.CodeNotFound, "shopper profile %s does not exist", pid)
				continue
			}
			if p.member == add {
				out.Unchanged = append(out.Unchanged, pid)
				continue
			}
			if add && p.segments >= w.s.maxSegmentsPerProfile {
				rej.add(i, "", store.CodeLimitExceeded, "shopper profile %s is in %d segments, the most one may be in", pid, p.segments)
				continue
			}
			out.Changed = append(out.Changed, pid)
		}
		out.Errors = rej
		if len(out.Changed) == 0 {
			return nil
		}
		if add {
			_, err = w.exec(ctx, `INSERT INTO memberships (segment_id, profile_id)
SELECT $1, unnest($2::uuid[])`, segmentID, out.Changed)
		} else {
			_, err = w.exec(ctx, `DELETE FROM memberships WHERE segment_id = $1 AND profile_id = ANY($2::uuid[])`, segmentID, out.Changed)
		}
		if err != nil {
			return err
		}
		_, err = w.exec(ctx, `UPDATE shopper_profiles SET updated_at = $1 WHERE id = ANY($2::uuid[])`, w.now, out.Changed)
		return err
	})
	if err != nil {
		return store.MembershipChange{}, err
	}
	return out, nil
}

// memberProfile is what a membership change needs to know of a profile.
type memberProfile struct {
	member   bool // in the segment
	segments int  // segments it is in, when counted
}

// memberProfiles reads, for each of ids that is a profile, whether it is a
// member of the segment and, when counted, how many segments it is in.
func (w *txn) memberProfiles(ctx context.Context, segmentID string, ids []string, counted bool) (map[string]memberProfile, error) {
	rows, err := w.tx.Query(ctx, `SELECT p.id,
	EXISTS (SELECT 1 FROM memberships m WHERE m.segment_id = $1 AND m.profile_id = p.id),
	CASE WHEN $3::boolean THEN (SELECT count(*) FROM memberships m WHERE m.profile_id = p.id) ELSE 0 END
FROM shopper_profiles p WHERE p.id = ANY($2::uuid[])`, segmentID, distinct(validUUIDs(ids)), counted)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]memberProfile{}
	for rows.Next() {
		var id string
		var p memberProfile
		if err := rows.Scan(&id, &p.member, &p.segments); err != nil {
			return nil, err
		}
		out[id] = p
	}
	return out, rows.Err()
}

// checkSegmentRef checks a reference to a segment: a UUID that exists.
func (w *txn) checkSegmentRef(ctx context.Context, index int, field, id string) (*store.UserError, error) {
	if !store.ValidUUID(id) {
		ue := store.Reject(index, field, store.CodeInvalidInput, "%q is not a segment UUID", id)
		return &ue, nil
	}
	var one int
	ok, err := w.one(ctx, `SELECT 1 FROM segments WHERE id = $1`, []any{id}, &one)
	if err != nil || ok {
		return nil, err
	}
	ue := store.Reject(index, field, store.CodeNotFound, "segment %s does not exist", id)
	return &ue, nil
}
