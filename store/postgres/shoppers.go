package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/segql/segql/store"
)

// shoppersQuery reads, for each customer id of $1, a row with the
// customer, their profile and the profile's segment ids, in the order of
// $1. LEFT JOIN leaves the columns of a missing customer or profile NULL,
// which the scan functions cannot take: they are coalesced to zero values,
// and the two flags say what was found. The profile's segments are read
// through the memberships_profile index and by primary key, ordered as
// ProfileSegmentIDs orders their ids, as arrays of their columns.
const shoppersQuery = `SELECT c.id IS NOT NULL, p.id IS NOT NULL,
	coalesce(s.ids, '{}'), coalesce(s.names, '{}'), coalesce(s.descriptions, '{}'), coalesce(s.created, '{}'), coalesce(s.updated, '{}'),
	coalesce(c.id, 0), coalesce(c.email, ''), coalesce(c.first_name, ''), coalesce(c.last_name, ''),
	coalesce(c.company, ''), coalesce(c.phone, ''), coalesce(c.customer_group_id, 0), coalesce(c.order_count, 0),
	coalesce(c.channel_ids, '{}'), coalesce(c.created_at, 'epoch'), coalesce(c.updated_at, 'epoch'),
	coalesce(p.id::text, ''), coalesce(p.customer_id, 0), coalesce(p.created_at, 'epoch'), coalesce(p.updated_at, 'epoch')
FROM unnest($1::bigint[]) WITH ORDINALITY AS k(id, n)
LEFT JOIN customers c ON c.id = k.id
LEFT JOIN shopper_profiles p ON p.customer_id = k.id
LEFT JOIN LATERAL (
	SELECT array_agg(g.id::text ORDER BY g.id) AS ids, array_agg(g.name ORDER BY g.id) AS names,
		array_agg(g.description ORDER BY g.id) AS descriptions,
		array_agg(g.created_at ORDER BY g.id) AS created, array_agg(g.updated_at ORDER BY g.id) AS updated
	FROM memberships m JOIN segments g ON g.id = m.segment_id
	WHERE m.profile_id = p.id
) s ON true
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
		var sg segmentArrays
		var p *store.ShopperProfile
		// One row holds a customer and a profile: the customer's scan
		// hands its destinations to the profile's as lead columns.
		c, err := scanCustomer(func(dest ...any) error {
			var err error
			p, err = scanProfile(rows.Scan, dest...)
			return err
		}, &hasCustomer, &hasProfile, &sg.ids, &sg.names, &sg.descriptions, &sg.created, &sg.updated)
		if err != nil {
			return nil, fmt.Errorf("postgres: shoppers by customer ids: %w", err)
		}
		r := store.ShopperRecord{SegmentIDs: []string{}, Segments: []*store.Segment{}}
		if hasCustomer {
			r.Customer = c
		}
		if hasProfile {
			r.Profile = p
			if r.Segments, err = sg.segments(); err != nil {
				return nil, fmt.Errorf("postgres: shoppers by customer ids: profile %s: %w", p.ID, err)
			}
			r.SegmentIDs = store.SegmentIDsOf(r.Segments)
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

// segmentArrays are a profile's segments as shoppersQuery reads them: one
// array per column, in the same order.
type segmentArrays struct {
	ids, names, descriptions []string
	created, updated         []time.Time
}

func (a segmentArrays) segments() ([]*store.Segment, error) {
	n := len(a.ids)
	if len(a.names) != n || len(a.descriptions) != n || len(a.created) != n || len(a.updated) != n {
		return nil, fmt.Errorf("segment columns of unequal lengths")
	}
	out := make([]*store.Segment, n)
	for i := range n {
		out[i] = &store.Segment{ID: a.ids[i], Name: a.names[i], Description: a.descriptions[i],
			CreatedAt: a.created[i].UTC(), UpdatedAt: a.updated[i].UTC()}
	}
	return out, nil
}
