package store

import (
	"slices"
	"time"
)

// Segment is a group of shoppers filled by hand (a manual segment).
type Segment struct {
	ID          string // UUID
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ShopperProfile is the segmentation side of one registered customer.
type ShopperProfile struct {
	ID         string // UUID
	CustomerID int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Customer is a registered customer as the commerce platform has it.
type Customer struct {
	ID              int64
	Email           string
	FirstName       string
	LastName        string
	Company         string
	Phone           string
	CustomerGroupID int64 // 0: no group
	OrderCount      int
	ChannelIDs      []int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Redemption types and statuses of promotions, as the reference spells them.
const (
	RedemptionAutomatic = "AUTOMATIC"
	RedemptionCoupon    = "COUPON"

	StatusEnabled  = "ENABLED"
	StatusDisabled = "DISABLED"
	StatusInvalid  = "INVALID"
)

// Promotion is a discount and the customers it targets.
type Promotion struct {
	ID             int64
	Name           string
	DisplayName    string
	RedemptionType string
	Status         string
	StartsAt       time.Time
	EndsAt         *time.Time // nil: never ends
	ChannelIDs     []int64    // empty: every channel
	CurrencyCode   string
	MaxUses        *int // nil: no limit
	CurrentUses    int
	Customer       Targeting
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Targeting is the reference's `customer` object of a promotion.
type Targeting struct {
	GroupIDs          []int64    `json:"group_ids"`
	ExcludedGroupIDs  []int64    `json:"excluded_group_ids"`
	MinimumOrderCount int        `json:"minimum_order_count"`
	Segments          *Condition `json:"segments"`
}

// Condition is a boolean expression over segment membership; exactly one
// field is set. Its JSON form is the reference's.
type Condition struct {
	ID  []string    `json:"id,omitempty"`
	Not *Condition  `json:"not,omitempty"`
	And []Condition `json:"and,omitempty"`
	Or  []Condition `json:"or,omitempty"`
}

// Membership puts one shopper profile in one segment.
type Membership struct {
	SegmentID string `json:"segment_id"`
	ProfileID string `json:"shopper_profile_id"`
}

// ShopperRecord is one customer as a storefront request needs them: the
// customer, their shopper profile and every segment of that profile,
// read together.
type ShopperRecord struct {
	Customer   *Customer       // nil: no such customer
	Profile    *ShopperProfile // nil: the customer has no shopper profile
	SegmentIDs []string        // the profile's segment ids in ascending order; empty (non-nil) without a profile
	// Segments are the segments of SegmentIDs, in the same order; an
	// entry is nil only for a segment gone between two of a cache's reads.
	Segments []*Segment
}

// Node is any domain object the graph can fetch again by its global id:
// *Segment, *ShopperProfile, *Customer or *Promotion.
type Node interface{}

// Clone copies a targeting deeply: the copy shares no slice or condition
// with t. Empty and nil lists stay as they are.
func (t Targeting) Clone() Targeting {
	t.GroupIDs = slices.Clone(t.GroupIDs)
	t.ExcludedGroupIDs = slices.Clone(t.ExcludedGroupIDs)
	if t.Segments != nil {
		c := t.Segments.Clone()
		t.Segments = &c
	}
	return t
}

// Clone copies a condition deeply.
func (c *Condition) Clone() Condition {
	out := Condition{ID: slices.Clone(c.ID), And: cloneConditions(c.And), Or: cloneConditions(c.Or)}
	if c.Not != nil {
		not := c.Not.Clone()
		out.Not = &not
	}
	return out
}

func cloneConditions(cs []Condition) []Condition {
	if cs == nil {
		return nil
	}
	out := make([]Condition, len(cs))
	for i := range cs {
		out[i] = cs[i].Clone()
	}
	return out
}

// SegmentIDsOf gives the ids of segments, in their order; empty, not nil.
func SegmentIDsOf(segs []*Segment) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = s.ID
	}
	return out
}
