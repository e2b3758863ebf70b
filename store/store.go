// Package store holds segql's domain types, the Store interface every
// backend implements, the rules writes are checked against and the
// promotion-targeting evaluator.
package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Limits of a store, as the reference has them.
const (
	MaxSegments           = 1000 // segments per store
	MaxSegmentsPerProfile = 1000 // segments one shopper profile may be in
)

// Store is the data behind the graph. Reads are batch-shaped: one call is
// one round trip to the database whatever the number of keys, and results
// come back in key order with nil (or an empty page) for a missing key.
// Each write is one transaction: items reported in UserErrors were not
// written, every other item was.
type Store interface {
	SegmentsByIDs(ctx context.Context, ids []string) ([]*Segment, error)
	ShopperProfilesByIDs(ctx context.Context, ids []string) ([]*ShopperProfile, error)
	ShopperProfilesByCustomerIDs(ctx context.Context, customerIDs []int64) ([]*ShopperProfile, error)
	CustomersByIDs(ctx context.Context, ids []int64) ([]*Customer, error)
	PromotionsByIDs(ctx context.Context, ids []int64) ([]*Promotion, error)

	// ProfileSegmentIDs gives every segment id of each profile, for
	// eligibility (a profile is in at most MaxSegmentsPerProfile).
	ProfileSegmentIDs(ctx context.Context, profileIDs []string) ([][]string, error)
	// ShoppersByCustomerIDs reads, for each customer id in order, the
	// customer, their profile and its segment ids, in one round trip: the
	// values CustomersByIDs, ShopperProfilesByCustomerIDs and
	// ProfileSegmentIDs answer, from one snapshot. An unknown customer
	// gives a zero record.
	ShoppersByCustomerIDs(ctx context.Context, customerIDs []int64) ([]ShopperRecord, error)
	// EnabledPromotions gives every ENABLED promotion, the candidates of
	// eligibility, ordered by id.
	EnabledPromotions(ctx context.Context) ([]*Promotion, error)

	ListSegments(ctx context.Context, f SegmentFilter, p Page[string]) (PageOf[*Segment], error)
	CountSegments(ctx context.Context, f SegmentFilter) (int, error)
	ListShopperProfiles(ctx context.Context, f ShopperProfileFilter, p Page[string]) (PageOf[*ShopperProfile], error)
	CountShopperProfiles(ctx context.Context, f ShopperProfileFilter) (int, error)
	ListCustomers(ctx context.Context, f CustomerFilter, p Page[int64]) (PageOf[*Customer], error)
	CountCustomers(ctx context.Context, f CustomerFilter) (int, error)
	ListPromotions(ctx context.Context, f PromotionFilter, p Page[int64]) (PageOf[*Promotion], error)
	CountPromotions(ctx context.Context, f PromotionFilter) (int, error)

	// Per-parent pages: one page of the same shape for each parent id.
	SegmentProfilePages(ctx context.Context, segmentIDs []string, p Page[string]) ([]PageOf[*ShopperProfile], error)
	ProfileSegmentPages(ctx context.Context, profileIDs []string, p Page[string]) ([]PageOf[*Segment], error)
	SegmentPromotionPages(ctx context.Context, segmentIDs []string, p Page[int64]) ([]PageOf[*Promotion], error)
	CountSegmentProfiles(ctx context.Context, segmentIDs []string) ([]int, error)
	CountProfileSegments(ctx context.Context, profileIDs []string) ([]int, error)
	CountSegmentPromotions(ctx context.Context, segmentIDs []string) ([]int, error)

	CreateSegments(ctx context.Context, in []NewSegment) (Written[*Segment], error)
	UpdateSegments(ctx context.Context, in []SegmentUpdate) (Written[*Segment], error)
	DeleteSegments(ctx context.Context, ids []string) (DeletedSegments, error)
	CreateShopperProfiles(ctx context.Context, customerIDs []int64) (Written[*ShopperProfile], error)
	DeleteShopperProfiles(ctx context.Context, ids []string) (Deleted[string], error)
	AddSegmentMembers(ctx context.Context, segmentID string, profileIDs []string) (MembershipChange, error)
	RemoveSegmentMembers(ctx context.Context, segmentID string, profileIDs []string) (MembershipChange, error)
	UpsertCustomers(ctx context.Context, in []Customer) (Written[*Customer], error)
	DeleteCustomers(ctx context.Context, ids []int64) (Deleted[int64], error)
	CreatePromotion(ctx context.Context, in Promotion) (Written[*Promotion], error)
	UpdatePromotion(ctx context.Context, in PromotionUpdate) (Written[*Promotion], error)
	DeletePromotions(ctx context.Context, ids []int64) (Deleted[int64], error)

	// Import runs fill inside one transaction: when fill or the final
	// checks fail, nothing it wrote stays.
	Import(ctx context.Context, fill func(Importer) error) error

	Ping(ctx context.Context) error
	Close() error
}

// Importer upserts records by id inside an import's transaction. Each call
// checks the record against the same rules as the mutations. pos says
// where the record came from; a backend that checks records in batches may
// report a refused record at a later call or when Import ends, always as a
// *RecordError carrying that record's pos. Errors for the record of the
// call itself may be returned as they are.
type Importer interface {
	Customer(ctx context.Context, pos Pos, c Customer) error
	Segment(ctx context.Context, pos Pos, s Segment) error
	ShopperProfile(ctx context.Context, pos Pos, p ShopperProfile) error
	Membership(ctx context.Context, pos Pos, m Membership) error
	Promotion(ctx context.Context, pos Pos, p Promotion) error
}

// Pos is where an imported record came from.
type Pos struct {
	File string
	Line int
}

// RecordError is an imported record the store refused, and where it came from.
type RecordError struct {
	Pos Pos
	Err error
}

func (e *RecordError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Pos.File, e.Pos.Line, e.Err) }

// Unwrap gives the reason, usually a UserError.
func (e *RecordError) Unwrap() error { return e.Err }

// SegmentFilter narrows ListSegments; zero fields do not filter.
type SegmentFilter struct {
	NameContains string
	IDs          []string // nil: any; empty: none
}

// ShopperProfileFilter narrows ListShopperProfiles.
type ShopperProfileFilter struct {
	CustomerIDs []int64 // nil: any
}

// CustomerFilter narrows ListCustomers.
type CustomerFilter struct {
	Emails          []string // nil: any; compared ignoring case
	CustomerGroupID *int64
}

// PromotionFilter narrows ListPromotions.
type PromotionFilter struct {
	Status          string
	RedemptionType  string
	TargetedSegment string
}

// Matches reports whether p passes the filter, as the backends' queries
// judge it, for lists held in memory.
func (f PromotionFilter) Matches(p *Promotion) bool {
	switch {
	case f.Status != "" && p.Status != f.Status:
		return false
	case f.RedemptionType != "" && p.RedemptionType != f.RedemptionType:
		return false
	case f.TargetedSegment != "":
		return p.Customer.Segments != nil && slices.Contains(p.Customer.Segments.SegmentIDs(), f.TargetedSegment)
	}
	return true
}

// NewSegment is a segment to create.
type NewSegment struct {
	Name        string
	Description string
}

// SegmentUpdate changes the fields that are not nil.
type SegmentUpdate struct {
	ID          string
	Name        *string
	Description *string
}

// PromotionUpdate changes the fields that are set.
type PromotionUpdate struct {
	ID             int64
	Name           *string
	DisplayName    *string
	RedemptionType *string
	Status         *string
	StartsAt       *time.Time
	EndsAt         *time.Time
	ClearEndsAt    bool
	ChannelIDs     []int64 // nil: keep
	CurrencyCode   *string
	MaxUses        *int
	ClearMaxUses   bool
	CurrentUses    *int
	Customer       *Targeting // nil: keep; set: replaces the targeting whole
}

// Written is what a create, update or upsert call wrote, in input order,
// and the items it rejected.
type Written[T any] struct {
	Items  []T
	Errors []UserError
}

// Deleted lists the ids a delete call removed and the items it rejected.
type Deleted[K Key] struct {
	IDs    []K
	Errors []UserError
}

// DeletedSegments is Deleted plus the promotions that became INVALID
// because their condition named a deleted segment.
type DeletedSegments struct {
	Deleted[string]
	InvalidatedPromotionIDs []int64
}

// MembershipChange reports an add or remove call on one segment.
type MembershipChange struct {
	SegmentFound bool
	Changed      []string // profile ids added or removed
	Unchanged    []string // already members (add) or not members (remove)
	Errors       []UserError
}
