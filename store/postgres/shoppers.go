package postgres

import (
	"context"
	"fmt"

	"github.com/segql/segql/store"
)

// shoppersQuery reads, for each customer id of $1, a row with the
// customer, their profile and the profile's segment ids, in the order of
// $1. LEFT JOIN leaves the columns of a missing customer or profile NULL,
// which the scan functions cannot take: they are coalesced to zero values,
// and the two flags say what was found. The segment ids are read from the
// memberships_profile index per profile, ordered as ProfileSegmentIDs
// orders them.
const shoppersQuery = `SELECT c.id IS NOT NULL, p.id IS NOT NULL,
	coalesce((SELECT array_agg(m.segment_id::text ORDER BY m.segment_id) FROM memberships m WHERE m.profile_id = p.id), '{}'),
	coalesce(c.id, 0), coalesce(c.email, ''), coalesce(c.first_name, ''), coalesce(c.last_name, ''),
	coalesce(c.company, ''), coalesce(c.phone, ''), coalesce(c.customer_group_id, 0), coalesce(c.order_count, 0),
	coalesce(c.channel_ids, '{}'), coalesce(c.created_at, 'epoch'), coalesce(c.updated_at, 'epoch'),
	coalesce(p.id::text, ''), coalesce(p.customer_id, 0), coalesce(p.created_at, 'epoch'), coalesce(p.updated_at, 'epoch')
FROM unnest($1::bigint[]) WITH ORDINALITY AS k(id, n)
LEFT JOIN customers c ON c.id = k.id
LEFT JOIN shopper_profiles p ON p.customer_id = k.id
ORDER BY k.n`

// ShoppersByCustomerIDs reads each customer, their profile and its
// segment ids in one statement, so all three come from one snapshot.
func (s *Store) ShoppersByCustomerIDs(ctx context.Context, customerIDs []int64) ([]store.ShopperRecord, error) {
	rows, err := s.pool.Query(ctx, shoppersQuery, idList(customerIDs))
	if err != nil {
		return nil, fmt.Errorf("postgres: shoppers by customer ids: %w", err)
	}
	defer rows.Close()
	out := make([]store.ShopperRecord, 0, len(customerIDs))
	for rows.Next() {
		var hasCustomer, hasProfile bool
		var segments []string
		var p *store.ShopperProfile
		// One row holds a customer and a profile: the customer's scan
		// hands its destinations to the profile's as lead columns.
		c, err := scanCustomer(func(dest ...any) error {
			var err error
			p, err = scanProfile(rows.Scan, dest...)
			return err
		}, &hasCustomer, &hasProfile, &segments)
		if err != nil {
			return nil, fmt.Errorf("postgres: shoppers by customer ids: %w", err)
		}
		r := store.ShopperRecord{SegmentIDs: []string{}}
		if hasCustomer {
			r.Customer = c
		}
		if hasProfile {
			r.Profile = p
			if len(segments) > 0 {
				r.SegmentIDs = segments
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: shoppers by customer ids: %w", err)
	}
	if len(out) != len(customerIDs) {
		return nil, fmt.Errorf("postgres: shoppers by customer ids: %d rows for %d ids", len(out), len(customerIDs))
	}
	return out, nil
}
