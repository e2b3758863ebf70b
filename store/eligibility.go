package store

import (
	"slices"
	"time"
)

// Shopper is what eligibility needs to know of the person shopping.
type Shopper struct {
	Guest           bool
	CustomerGroupID int64 // 0 for guests
	OrderCount      int
	HasProfile      bool
	SegmentIDs      map[string]bool
}

// Matches reports whether a condition holds for a shopper in these segments.
func (c *Condition) Matches(segments map[string]bool) bool {
	switch {
	case c.ID != nil:
		for _, id := range c.ID {
			if segments[id] {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !c.Not.Matches(segments)
	case c.And != nil:
		for i := range c.And {
			if !c.And[i].Matches(segments) {
				return false
			}
		}
		return true
	default:
		for i := range c.Or {
			if c.Or[i].Matches(segments) {
				return true
			}
		}
		return false
	}
}

// Eligible reports whether a shopper can get a promotion on a channel at a
// moment: enabled, inside its dates, not used up, on the channel, open to
// the shopper's group and order count, and with a segment condition that
// holds. A segment condition needs a signed-in customer with a profile;
// guests never get segment-targeted promotions.
func Eligible(p *Promotion, s Shopper, channelID int64, now time.Time) bool {
	if p.Status != StatusEnabled || now.Before(p.StartsAt) {
		return false
	}
	if p.EndsAt != nil && !now.Before(*p.EndsAt) {
		return false
	}
	if p.MaxUses != nil && p.CurrentUses >= *p.MaxUses {
		return false
	}
	if len(p.ChannelIDs) > 0 && !slices.Contains(p.ChannelIDs, channelID) {
		return false
	}
	group := s.CustomerGroupID
	if s.Guest {
		group = 0
	}
	t := p.Customer
	if len(t.GroupIDs) > 0 && !slices.Contains(t.GroupIDs, group) {
		return false
	}
	if slices.Contains(t.ExcludedGroupIDs, group) {
		return false
	}
	if t.MinimumOrderCount > 0 && (s.Guest || s.OrderCount < t.MinimumOrderCount) {
		return false
	}
	if t.Segments == nil {
		return true
	}
	if s.Guest || !s.HasProfile {
		return false
	}
	return t.Segments.Matches(s.SegmentIDs)
}
