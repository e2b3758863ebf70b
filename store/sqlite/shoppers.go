package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/segql/segql/store"
)

// shoppersQuery reads, for each customer id of a JSON list, a row with
// its index in the list (placed by it: an ORDER BY cost a sort), the
// customer, their profile and the profile's segments, as a JSON array of
// segment rows in segmentCols' order. LEFT JOIN leaves the columns of a
// missing customer or profile NULL, which the scan functions cannot take:
// they are coalesced to zero values, and the two flags say what was found.
const shoppersQuery = `SELECT j.key, c.id IS NOT NULL, p.id IS NOT NULL,
	(SELECT json_group_array(json_array(s.id, s.name, s.description, s.created_at, s.updated_at) ORDER BY s.id)
		FROM memberships m JOIN segments s ON s.id = m.segment_id WHERE m.profile_id = p.id),
	coalesce(c.id, 0), coalesce(c.email, ''), coalesce(c.first_name, ''), coalesce(c.last_name, ''),
	coalesce(c.company, ''), coalesce(c.phone, ''), coalesce(c.customer_group_id, 0), coalesce(c.order_count, 0),
	coalesce(c.channel_ids, '[]'), coalesce(c.created_at, 0), coalesce(c.updated_at, 0),
	coalesce(p.id, ''), coalesce(p.customer_id, 0), coalesce(p.created_at, 0), coalesce(p.updated_at, 0)
FROM json_each(?) j
LEFT JOIN customers c ON c.id = j.value
LEFT JOIN shopper_profiles p ON p.customer_id = j.value`

// ShoppersByCustomerIDs reads each customer, their profile and its
// segment ids in one statement, so all three come from one snapshot.
func (s *Store) ShoppersByCustomerIDs(ctx context.Context, customerIDs []int64) ([]store.ShopperRecord, error) {
	rows, err := s.query(ctx, shoppersQuery, jsonList(customerIDs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: shoppers by customer ids: %w", err)
	}
	defer rows.Close()
	out := make([]store.ShopperRecord, len(customerIDs))
	read := 0
	for rows.Next() {
		var key int
		var hasCustomer, hasProfile bool
		var segments string
		var p *store.ShopperProfile
		// One row holds a customer and a profile: the customer's scan
		// hands its destinations to the profile's as lead columns.
		c, err := scanCustomer(func(dest ...any) error {
			var err error
			p, err = scanProfile(rows.Scan, dest...)
			return err
		}, &key, &hasCustomer, &hasProfile, &segments)
		if err != nil {
			return nil, fmt.Errorf("sqlite: shoppers by customer ids: %w", err)
		}
		r := store.ShopperRecord{SegmentIDs: []string{}, Segments: []*store.Segment{}}
		if hasCustomer {
			r.Customer = c
		}
		if hasProfile {
			r.Profile = p
			if r.Segments, err = segmentRows(segments); err != nil {
				return nil, fmt.Errorf("sqlite: shoppers by customer ids: profile %s segments: %w", p.ID, err)
			}
			r.SegmentIDs = store.SegmentIDsOf(r.Segments)
		}
		if key < 0 || key >= len(out) {
			return nil, fmt.Errorf("sqlite: shoppers by customer ids: row of id %d of %d", key, len(out))
		}
		out[key] = r
		read++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: shoppers by customer ids: %w", err)
	}
	if read != len(customerIDs) {
		return nil, fmt.Errorf("sqlite: shoppers by customer ids: %d rows for %d ids", read, len(customerIDs))
	}
	return out, nil
}

// segmentRows decodes a JSON array of segment rows, each as scanSegment
// reads one.
func segmentRows(rows string) ([]*store.Segment, error) {
	var raw [][]json.RawMessage
	if err := json.Unmarshal([]byte(rows), &raw); err != nil {
		return nil, err
	}
	out := make([]*store.Segment, len(raw))
	for i, cols := range raw {
		s, err := scanSegment(func(dest ...any) error {
			if len(cols) != len(dest) {
				return fmt.Errorf("a segment row of %d columns, want %d", len(cols), len(dest))
			}
			for j, c := range cols {
				if err := json.Unmarshal(c, dest[j]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}
