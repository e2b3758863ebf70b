package sqlite

import (
	"database/sql"
	"encoding/json"
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
	promotionCols = "id, name, display_name, redemption_type, status, starts_at, ends_at, channel_ids, currency_code, max_uses, current_uses, targeting, created_at, updated_at"
)

// qualified prefixes each column of a column list with a table alias.
func qualified(alias, list string) string {
	names := strings.Split(list, ", ")
	for i, n := range names {
		names[i] = alias + "." + n
	}
	return strings.Join(names, ", ")
}

// scanFunc is the Scan of a *sql.Row or *sql.Rows.
type scanFunc func(dest ...any) error

// The scan functions read one row of the matching column list; lead are
// destinations of columns selected before it (a page's parent key).

func scanSegment(scan scanFunc, lead ...any) (*store.Segment, error) {
	var s store.Segment
	var created, updated int64
	if err := scan(append(lead, &s.ID, &s.Name, &s.Description, &created, &updated)...); err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &s, nil
}

func scanProfile(scan scanFunc, lead ...any) (*store.ShopperProfile, error) {
	var p store.ShopperProfile
	var created, updated int64
	if err := scan(append(lead, &p.ID, &p.CustomerID, &created, &updated)...); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, nil
}

func scanCustomer(scan scanFunc, lead ...any) (*store.Customer, error) {
	var c store.Customer
	var channels string
	var created, updated int64
	if err := scan(append(lead, &c.ID, &c.Email, &c.FirstName, &c.LastName, &c.Company, &c.Phone,
		&c.CustomerGroupID, &c.OrderCount, &channels, &created, &updated)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(channels), &c.ChannelIDs); err != nil {
		return nil, fmt.Errorf("customer %d channel ids: %w", c.ID, err)
	}
	c.ChannelIDs = store.CopyIDs(c.ChannelIDs)
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &c, nil
}

// scanPromotion is a method for the store's targeting memo: the same
// targetings are read over and over, and decoding them dominated reads.
func (s *Store) scanPromotion(scan scanFunc, lead ...any) (*store.Promotion, error) {
	var p store.Promotion
	var starts, created, updated int64
	var ends, maxUses sql.NullInt64
	var channels string
	var targeting []byte // the memo's key type: no copy to convert
	if err := scan(append(lead, &p.ID, &p.Name, &p.DisplayName, &p.RedemptionType, &p.Status, &starts, &ends,
		&channels, &p.CurrencyCode, &maxUses, &p.CurrentUses, &targeting, &created, &updated)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(channels), &p.ChannelIDs); err != nil {
		return nil, fmt.Errorf("promotion %d channel ids: %w", p.ID, err)
	}
	t, err := s.targeting.Decode(targeting)
	if err != nil {
		return nil, fmt.Errorf("promotion %d targeting: %w", p.ID, err)
	}
	p.Customer = t
	p.StartsAt = fromMicros(starts)
	if ends.Valid {
		t := fromMicros(ends.Int64)
		p.EndsAt = &t
	}
	if maxUses.Valid {
		n := int(maxUses.Int64)
		p.MaxUses = &n
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	p.Normalize()
	return &p, nil
}

func micros(t time.Time) int64 { return store.UTC(t).UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// jsonList encodes a list as a JSON array ("[]" when empty, never "null"),
// the form json_each reads id lists and stored id lists in.
func jsonList[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Lists of strings and integers always encode.
		panic(fmt.Sprintf("sqlite: encode list: %v", err))
	}
	return string(b)
}

// nameKey is what segment names and emails are compared on: uniqueness
// ignores case, and SQLite's own case folding is ASCII only.
func nameKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
