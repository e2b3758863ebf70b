package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/segql/segql/store"
)

// The records of the data files, in the reference REST API's field names.
// Pointer fields tell a missing (or null) field from a zero value; fields
// not listed are ignored.

type customerRecord struct {
	ID              *int64  `json:"id"`
	Email           *string `json:"email"`
	FirstName       *string `json:"first_name"`
	LastName        *string `json:"last_name"`
	Company         string  `json:"company"`
	Phone           string  `json:"phone"`
	CustomerGroupID int64   `json:"customer_group_id"`
	ChannelIDs      []int64 `json:"channel_ids"`
	DateCreated     *string `json:"date_created"`
	DateModified    *string `json:"date_modified"`
	OrderCount      int     `json:"order_count"`
}

type segmentRecord struct {
	ID          *string `json:"id"`
	Name        *string `json:"name"`
	Description string  `json:"description"`
	CreatedAt   *string `json:"created_at"`
	UpdatedAt   *string `json:"updated_at"`
}

type shopperProfileRecord struct {
	ID         *string `json:"id"`
	CustomerID *int64  `json:"customer_id"`
	CreatedAt  *string `json:"created_at"`
	UpdatedAt  *string `json:"updated_at"`
}

type membershipRecord struct {
	SegmentID *string `json:"segment_id"`
	ProfileID *string `json:"shopper_profile_id"`
}

type promotionRecord struct {
	ID             *int64           `json:"id"`
	Name           *string          `json:"name"`
	DisplayName    *string          `json:"display_name"`
	RedemptionType *string          `json:"redemption_type"`
	Status         *string          `json:"status"`
	StartDate      *string          `json:"start_date"`
	EndDate        *string          `json:"end_date"`
	Channels       []channelRecord  `json:"channels"`
	CurrencyCode   *string          `json:"currency_code"`
	MaxUses        *int             `json:"max_uses"`
	CurrentUses    int              `json:"current_uses"`
	Customer       *store.Targeting `json:"customer"`
	CreatedAt      *string          `json:"created_at"`
	UpdatedAt      *string          `json:"updated_at"`
}

type channelRecord struct {
	ID *int64 `json:"id"`
}

func loadCustomer(ctx context.Context, imp store.Importer, pos store.Pos, line []byte, _ time.Time) error {
	var r customerRecord
	if err := decode(line, &r); err != nil {
		return err
	}
	if err := required(field{"id", r.ID != nil}, field{"email", r.Email != nil},
		field{"first_name", r.FirstName != nil}, field{"last_name", r.LastName != nil}); err != nil {
		return err
	}
	created, err := parseTime("date_created", r.DateCreated)
	if err != nil {
		return err
	}
	modified, err := parseTime("date_modified", r.DateModified)
	if err != nil {
		return err
	}
	return imp.Customer(ctx, pos, store.Customer{
		ID:              *r.ID,
		Email:           *r.Email,
		FirstName:       *r.FirstName,
		LastName:        *r.LastName,
		Company:         r.Company,
		Phone:           r.Phone,
		CustomerGroupID: r.CustomerGroupID,
		OrderCount:      r.OrderCount,
		ChannelIDs:      r.ChannelIDs,
		CreatedAt:       created,
		UpdatedAt:       modified,
	})
}

func loadSegment(ctx context.Context, imp store.Importer, pos store.Pos, line []byte, _ time.Time) error {
	var r segmentRecord
	if err := decode(line, &r); err != nil {
		return err
	}
	if err := required(field{"id", r.ID != nil}, field{"name", r.Name != nil}); err != nil {
		return err
	}
	created, updated, err := timestamps(r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return err
	}
	return imp.Segment(ctx, pos, store.Segment{
		ID:          *r.ID,
		Name:        *r.Name,
		Description: r.Description,
		CreatedAt:   created,
		UpdatedAt:   updated,
	})
}

func loadShopperProfile(ctx context.Context, imp store.Importer, pos store.Pos, line []byte, _ time.Time) error {
	var r shopperProfileRecord
	if err := decode(line, &r); err != nil {
		return err
	}
	if err := required(field{"id", r.ID != nil}, field{"customer_id", r.CustomerID != nil}); err != nil {
		return err
	}
	created, updated, err := timestamps(r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return err
	}
	return imp.ShopperProfile(ctx, pos, store.ShopperProfile{
		ID:         *r.ID,
		CustomerID: *r.CustomerID,
		CreatedAt:  created,
		UpdatedAt:  updated,
	})
}

func loadMembership(ctx context.Context, imp store.Importer, pos store.Pos, line []byte, _ time.Time) error {
	var r membershipRecord
	if err := decode(line, &r); err != nil {
		return err
	}
	if err := required(field{"segment_id", r.SegmentID != nil}, field{"shopper_profile_id", r.ProfileID != nil}); err != nil {
		return err
	}
	return imp.Membership(ctx, pos, store.Membership{SegmentID: *r.SegmentID, ProfileID: *r.ProfileID})
}

func loadPromotion(ctx context.Context, imp store.Importer, pos store.Pos, line []byte, now time.Time) error {
	var r promotionRecord
	if err := decode(line, &r); err != nil {
		return err
	}
	if err := required(field{"id", r.ID != nil}, field{"name", r.Name != nil},
		field{"redemption_type", r.RedemptionType != nil}); err != nil {
		return err
	}
	p := store.Promotion{
		ID:             *r.ID,
		Name:           *r.Name,
		DisplayName:    or(r.DisplayName, *r.Name),
		RedemptionType: *r.RedemptionType,
		Status:         or(r.Status, store.StatusEnabled),
		CurrencyCode:   or(r.CurrencyCode, "USD"),
		MaxUses:        r.MaxUses,
		CurrentUses:    r.CurrentUses,
	}
	var err error
	if p.StartsAt, err = parseTime("start_date", r.StartDate); err != nil {
		return err
	}
	if p.StartsAt.IsZero() {
		p.StartsAt = now
	}
	if end, err := parseTime("end_date", r.EndDate); err != nil {
		return err
	} else if !end.IsZero() {
		p.EndsAt = &end
	}
	for i, ch := range r.Channels {
		if ch.ID == nil {
			return fmt.Errorf("channels.%d.id: required field missing", i)
		}
		p.ChannelIDs = append(p.ChannelIDs, *ch.ID)
	}
	if r.Customer != nil {
		p.Customer = *r.Customer
	}
	if p.CreatedAt, p.UpdatedAt, err = timestamps(r.CreatedAt, r.UpdatedAt); err != nil {
		return err
	}
	return imp.Promotion(ctx, pos, p)
}

// decode reads one line's JSON object into v and says in plain words what
// is wrong with a line that does not fit.
func decode(line []byte, v any) error {
	err := json.Unmarshal(line, v)
	if err == nil {
		return nil
	}
	var syntax *json.SyntaxError
	var wrongType *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &wrongType) && wrongType.Field == "":
		return fmt.Errorf("a line must hold a JSON object, not %s", article(wrongType.Value))
	case errors.As(err, &wrongType):
		return fmt.Errorf("%s: wrong type: got %s, want %s", wrongType.Field, article(wrongType.Value), describe(wrongType.Type))
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

// article puts "a" or "an" before a JSON kind ("string", "number 1.5").
func article(value string) string {
	switch value {
	case "":
		return "a value"
	case "array", "object":
		return "an " + value
	}
	return "a " + value
}

// describe names the JSON a Go type is read from.
func describe(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// field is a required field of a record and whether the line has it.
type field struct {
	name    string
	present bool
}

// required names the first missing field.
func required(fields ...field) error {
	for _, f := range fields {
		if !f.present {
			return fmt.Errorf("%s: required field missing", f.name)
		}
	}
	return nil
}

// parseTime reads an RFC 3339 time; a missing, null or empty one is the
// zero time.
func parseTime(field string, s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %q is not an RFC 3339 time", field, *s)
	}
	return store.UTC(t), nil
}

// timestamps reads created_at and updated_at. Missing ones stay zero: the
// store makes them the import's time, and a record that replaces another
// keeps the old one's created_at.
func timestamps(createdAt, updatedAt *string) (created, updated time.Time, err error) {
	if created, err = parseTime("created_at", createdAt); err != nil {
		return
	}
	updated, err = parseTime("updated_at", updatedAt)
	return
}

// or is *p, or def when p is nil or empty.
func or(p *string, def string) string {
	if p == nil || *p == "" {
		return def
	}
	return *p
}
