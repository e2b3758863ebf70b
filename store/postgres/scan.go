package postgres

import (
	"fmt"
	"strings"
	"time"

	"github.com/segql/segql/store"
)

// Column lists, in the order the scan functions below read them.
const (
	segmentCols   = "id, name, description, created_at, updated_at"
	profileCols   = "id, customer_id, created_at, updated_at"
	customerCols  = "id, email, first_name, last_name, company, phone, customer_group_id, order_count, channel_ids, created_at, updated_at"
	promotionCols = "id, name, display_name, redemption_type, status, starts_at, ends_at, channel_ids, currency_code, max_uses, current_uses, customer, created_at, updated_at"
)

// qualified prefixes each column of a column list with a table alias.
func qualified(alias, list string) string {
	names := strings.Split(list, ", ")
	for i, n := range names {
		names[i] = alias + "." + n
	}
	return strings.Join(names, ", ")
}

// scanFunc is the Scan of a pgx.Row or pgx.Rows.
type scanFunc func(dest ...any) error

// The scan functions read one row of the matching column list; lead are
// destinations of columns selected before it (a page's parent key).

func scanSegment(scan scanFunc, lead ...any) (*store.Segment, error) {
	var s store.Segment
	if err := scan(append(lead, &s.ID, &s.Name, &s.Description, &s.CreatedAt, &s.UpdatedAt)...); err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return &s, nil
}

func scanProfile(scan scanFunc, lead ...any) (*store.ShopperProfile, error) {
	var p store.ShopperProfile
	if err := scan(append(lead, &p.ID, &p.CustomerID, &p.CreatedAt, &p.UpdatedAt)...); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

func scanCustomer(scan scanFunc, lead ...any) (*store.Customer, error) {
	var c store.Customer
	if err := scan(append(lead, &c.ID, &c.Email, &c.FirstName, &c.LastName, &c.Company, &c.Phone,
		&c.CustomerGroupID, &c.OrderCount, &c.ChannelIDs, &c.CreatedAt, &c.UpdatedAt)...); err != nil {
		return nil, err
	}
	c.ChannelIDs = store.CopyIDs(c.ChannelIDs)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// scanPromotion is a method for the store's targeting memo: the same
// targetings are read over and over, and decoding them dominated reads.
func (s *Store) scanPromotion(scan scanFunc, lead ...any) (*store.Promotion, error) {
	var p store.Promotion
	var ends *time.Time
	var maxUses *int
	var targeting []byte
	if err := scan(append(lead, &p.ID, &p.Name, &p.DisplayName, &p.RedemptionType, &p.Status, &p.StartsAt, &ends,
		&p.ChannelIDs, &p.CurrencyCode, &maxUses, &p.CurrentUses, &targeting, &p.CreatedAt, &p.UpdatedAt)...); err != nil {
		return nil, err
	}
	t, err := s.targeting.Decode(targeting)
	if err != nil {
		return nil, fmt.Errorf("promotion %d targeting: %w", p.ID, err)
	}
	p.Customer = t
	p.EndsAt, p.MaxUses = ends, maxUses
	p.Normalize()
	return &p, nil
}

// idList is a list of ids to store in a bigint[] column: never NULL.
func idList(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// nameKey is what segment names and emails are compared on: uniqueness
// ignores case. It is computed in Go, as the SQLite backend does, so both
// fold case alike whatever the database's collation.
func nameKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validUUIDs keeps the ids that are canonical UUIDs, the only ones a uuid
// column can hold: any other id matches nothing.
func validUUIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if store.ValidUUID(id) {
			out = append(out, id)
		}
	}
	return out
}

// distinct keeps the first of each repeated key.
func distinct[K comparable](keys []K) []K {
	seen := make(map[K]bool, len(keys))
	out := make([]K, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
