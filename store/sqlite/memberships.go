package sqlite

import (
	"context"
	"fmt"

	"github.com/segql/segql/store"
)

// ProfileSegmentIDs reads every segment id of each profile, in the order
// of profileIDs; each list is ordered by segment id.
func (s *Store) ProfileSegmentIDs(ctx context.Context, profileIDs []string) ([][]string, error) {
	rows, err := s.query(ctx, `SELECT profile_id, segment_id FROM memberships
WHERE `+inIDs("profile_id")+` ORDER BY profile_id, segment_id`, jsonList(profileIDs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: profile segment ids: %w", err)
	}
	defer rows.Close()
	byProfile := map[string][]string{}
	for rows.Next() {
		var p, seg string
		if err := rows.Scan(&p, &seg); err != nil {
			return nil, fmt.Errorf("sqlite: profile segment ids: %w", err)
		}
		byProfile[p] = append(byProfile[p], seg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: profile segment ids: %w", err)
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
		return nil, fmt.Errorf("sqlite: segment profile pages: %w", err)
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
		return nil, fmt.Errorf("sqlite: profile segment pages: %w", err)
	}
	return out, nil
}

// CountSegmentProfiles counts each segment's members.
func (s *Store) CountSegmentProfiles(ctx context.Context, segmentIDs []string) ([]int, error) {
	out, err := countChildren(ctx, s, "memberships", "segment_id", segmentIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count segment profiles: %w", err)
	}
	return out, nil
}

// CountProfileSegments counts each profile's segments.
func (s *Store) CountProfileSegments(ctx context.Context, profileIDs []string) ([]int, error) {
	out, err := countChildren(ctx, s, "memberships", "profile_id", profileIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count profile segments: %w", err)
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

func (s *Store) changeMembers(ctx context.Context, op, segmentID string, profileIDs []string, add bool) (store.MembershipChange, error) {
	var out store.MembershipChange
	err := s.write(ctx, op, func(w *txn) error {
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
			if ok, err := w.profileExists(ctx, pid); err != nil {
				return err
			} else if !ok {
				rej.add(i, "", store.CodeNotFound, "shopper profile %s does not exist", pid)
				continue
			}
			member, err := w.isMember(ctx, segmentID, pid)
			if err != nil {
				return err
			}
			if member == add {
				out.Unchanged = append(out.Unchanged, pid)
				continue
			}
			if add {
				n, err := w.profileSegmentCount(ctx, pid)
				if err != nil {
					return err
				}
				if n >= w.s.maxSegmentsPerProfile {
					rej.add(i, "", store.CodeLimitExceeded, "shopper profile %s is in %d segments, the most one may be in", pid, n)
					continue
				}
				if _, err := w.exec(ctx, `INSERT INTO memberships (segment_id, profile_id) VALUES (?, ?)`, segmentID, pid); err != nil {
					return err
				}
			} else if _, err := w.exec(ctx, `DELETE FROM memberships WHERE segment_id = ? AND profile_id = ?`, segmentID, pid); err != nil {
				return err
			}
			if _, err := w.exec(ctx, `UPDATE shopper_profiles SET updated_at = ? WHERE id = ?`, micros(w.now), pid); err != nil {
				return err
			}
			out.Changed = append(out.Changed, pid)
		}
		out.Errors = rej
		return nil
	})
	if err != nil {
		return store.MembershipChange{}, err
	}
	return out, nil
}

// checkSegmentRef checks a reference to a segment: a UUID that exists.
func (w *txn) checkSegmentRef(ctx context.Context, index int, field, id string) (*store.UserError, error) {
	if !store.ValidUUID(id) {
		ue := store.Reject(index, field, store.CodeInvalidInput, "%q is not a segment UUID", id)
		return &ue, nil
	}
	ok, err := w.segmentExists(ctx, id)
	if err != nil || ok {
		return nil, err
	}
	ue := store.Reject(index, field, store.CodeNotFound, "segment %s does not exist", id)
	return &ue, nil
}

func (w *txn) isMember(ctx context.Context, segmentID, profileID string) (bool, error) {
	return w.exists(ctx, `SELECT 1 FROM memberships WHERE segment_id = ? AND profile_id = ?`, segmentID, profileID)
}

func (w *txn) profileSegmentCount(ctx context.Context, profileID string) (int, error) {
	var n int
	_, err := w.one(ctx, `SELECT count(*) FROM memberships WHERE profile_id = ?`, []any{profileID}, &n)
	return n, err
}
