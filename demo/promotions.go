package demo

import (
	"fmt"
	"time"

	"github.com/segql/segql/store"
)

// conditions builds segment conditions from segment names.
type conditions map[string]string // segment name to id

// in is {"id": [...]}: in any of these segments.
func (c conditions) in(names ...string) store.Condition {
	ids := make([]string, len(names))
	for i, name := range names {
		id, ok := c[name]
		if !ok {
			panic(fmt.Sprintf("demo: no segment named %q", name))
		}
		ids[i] = id
	}
	return store.Condition{ID: ids}
}

func not(c store.Condition) store.Condition            { return store.Condition{Not: &c} }
func and(cs ...store.Condition) store.Condition        { return store.Condition{And: cs} }
func or(cs ...store.Condition) store.Condition         { return store.Condition{Or: cs} }
func segmentsWhere(c store.Condition) *store.Condition { return &c }

// promotions builds the demo promotions, with dates relative to today:
// together they use every kind of targeting and every status a merchant
// sees (running, paused, ended, upcoming, used up).
func promotions(today time.Time, segments map[string]string) []store.Promotion {
	seg := conditions(segments)
	day := func(n int) time.Time { return today.AddDate(0, 0, n) }
	dayPtr := func(n int) *time.Time { t := day(n); return &t }
	intPtr := func(n int) *int { return &n }

	// A running, automatic, storewide promotion in USD, changed below.
	running := func(name, displayName string) store.Promotion {
		return store.Promotion{
			Name:           name,
			DisplayName:    displayName,
			RedemptionType: store.RedemptionAutomatic,
			Status:         store.StatusEnabled,
			StartsAt:       day(-14),
			CurrencyCode:   "USD",
		}
	}
	with := func(p store.Promotion, change func(*store.Promotion)) store.Promotion {
		change(&p)
		return p
	}

	list := []store.Promotion{
		// Open to everyone.
		with(running("Storewide 10% off", "10% off everything"), func(p *store.Promotion) {
			p.StartsAt, p.EndsAt = day(-7), dayPtr(21)
		}),
		running("Free shipping over $75", "Free shipping on orders over $75"),

		// Customer groups (0: guests and customers in no group).
		with(running("Guest welcome offer", "5% off your first order"), func(p *store.Promotion) {
			p.Customer.GroupIDs = []int64{groupNone}
		}),
		with(running("Retail week deal", "This week: 15% off accessories"), func(p *store.Promotion) {
			p.StartsAt, p.EndsAt = day(-2), dayPtr(5)
			p.Customer.GroupIDs = []int64{groupNone, groupRetail}
		}),
		with(running("Wholesale tier pricing", "Trade price: 20% off"), func(p *store.Promotion) {
			p.Customer.GroupIDs = []int64{groupWholesale}
		}),
		with(running("Loyalty club double points", "Double points this month"), func(p *store.Promotion) {
			p.EndsAt = dayPtr(16)
			p.Customer.GroupIDs = []int64{groupLoyalty}
		}),
		with(running("Staff discount", "Staff: 30% off"), func(p *store.Promotion) {
			p.ChannelIDs = []int64{channelWeb}
			p.Customer.GroupIDs = []int64{groupStaff}
		}),
		with(running("Members-only sale", "Members save 15%"), func(p *store.Promotion) {
			p.Customer.ExcludedGroupIDs = []int64{groupNone}
		}),
		with(running("Clearance for shoppers", "Clearance: up to 50% off"), func(p *store.Promotion) {
			p.Customer.ExcludedGroupIDs = []int64{groupWholesale, groupStaff}
		}),

		// Order history.
		with(running("Repeat customer thank-you", "Thanks for coming back: 10% off"), func(p *store.Promotion) {
			p.Customer.MinimumOrderCount = 3
		}),
		with(running("Tenth order reward", "A $20 reward on us"), func(p *store.Promotion) {
			p.Customer.MinimumOrderCount = 10
		}),

		// Segments: one id, several ids.
		with(running("VIP early access", "Early access to the new collection"), func(p *store.Promotion) {
			p.Customer.Segments = segmentsWhere(seg.in("VIP"))
		}),
		with(running("Win back lapsed buyers", "We miss you: 20% off"), func(p *store.Promotion) {
			p.Customer.Segments = segmentsWhere(seg.in("Lapsed buyers", "Dormant 12 months"))
		}),
		with(running("Newsletter exclusive", "Subscriber exclusive: free gift"), func(p *store.Promotion) {
			p.Customer.Segments = segmentsWhere(seg.in("Newsletter subscribers"))
		}),
		with(running("Active season kit", "Gear up: 15% off sports"), func(p *store.Promotion) {
			p.Customer.Segments = segmentsWhere(seg.in("Runners", "Cyclists", "Yoga and pilates", "Outdoor and camping"))
		}),

		// Segments: not, and, or.
		with(running("Full-price appreciation", "New arrivals: free express shipping"), func(p *store.Promotion) {
			p.Customer.Segments = segmentsWhere(not(seg.in("Discount seekers")))
		}),
		with(running("VIP high spenders", "A gift with your next order"), func(p *store.Promotion) {
			p.Customer.Segments = segmentsWhere(and(seg.in("VIP"), seg.in("High spenders")))
		}),
		with(running("Run or ride bundle", "Bundle and save 10%"), func(p *store.Promotion) {
			p.Customer.Segments = segmentsWhere(or(seg.in("Runners"), seg.in("Cyclists")))
		}),

		// Segments: nested, two and three levels.
		with(running("Loyal full-price shoppers", "Loyalty bonus: 500 points"), func(p *store.Promotion) {
			p.Customer.Segments = segmentsWhere(and(
				or(seg.in("Loyalty program members"), seg.in("Repeat customers")),
				not(seg.in("Discount seekers"))))
		}),
		with(running("Gift season special", "Free gift wrapping and 10% off"), func(p *store.Promotion) {
			p.EndsAt = dayPtr(30)
			p.Customer.Segments = segmentsWhere(or(
				and(seg.in("Gift buyers"), seg.in("Holiday shoppers")),
				and(seg.in("Corporate gifting"), not(seg.in("Frequent returners")))))
		}),
		with(running("App users not yet loyal", "Join the club from the app"), func(p *store.Promotion) {
			p.Customer.Segments = segmentsWhere(and(
				seg.in("Mobile app users"),
				not(or(seg.in("Loyalty program members"), seg.in("VIP")))))
		}),
		with(running("Coffee corner", "Free beans with any grinder"), func(p *store.Promotion) {
			p.Customer.MinimumOrderCount = 1
			p.Customer.Segments = segmentsWhere(and(
				seg.in("Coffee lovers"),
				or(seg.in("Home cooks"), not(seg.in("Newsletter subscribers")))))
		}),

		// Segments with groups and order history.
		with(running("Cart reminder", "Still thinking? 5% off your cart"), func(p *store.Promotion) {
			p.EndsAt = dayPtr(7)
			p.Customer.GroupIDs = []int64{groupRetail, groupLoyalty}
			p.Customer.Segments = segmentsWhere(seg.in("Cart abandoners"))
		}),
		with(running("Green choice reward", "Sustainable picks: 10% off"), func(p *store.Promotion) {
			p.Customer.ExcludedGroupIDs = []int64{groupStaff}
			p.Customer.MinimumOrderCount = 2
			p.Customer.Segments = segmentsWhere(and(seg.in("Eco-conscious"), not(seg.in("Frequent returners"))))
		}),

		// Paused.
		with(running("Black Friday preview", "Black Friday prices, early"), func(p *store.Promotion) {
			p.Status = store.StatusDisabled
			p.EndsAt = dayPtr(10)
		}),
		with(running("Influencer codes", "Creator collab: 25% off"), func(p *store.Promotion) {
			p.Status = store.StatusDisabled
			p.Customer.Segments = segmentsWhere(seg.in("Influencer partners"))
		}),

		// Ended.
		with(running("End-of-season clearance", "Clearance: 40% off"), func(p *store.Promotion) {
			p.StartsAt, p.EndsAt = day(-120), dayPtr(-30)
		}),
		with(running("Holiday gift guide", "Holiday gift guide picks: 15% off"), func(p *store.Promotion) {
			p.StartsAt, p.EndsAt = day(-75), dayPtr(-40)
			p.Customer.Segments = segmentsWhere(seg.in("Holiday shoppers"))
		}),

		// Upcoming.
		with(running("New season kickoff", "New season: 20% off"), func(p *store.Promotion) {
			p.StartsAt, p.EndsAt = day(14), dayPtr(45)
		}),
		with(running("Wholesale restock week", "Restock week: extra 5% for trade"), func(p *store.Promotion) {
			p.StartsAt, p.EndsAt = day(30), dayPtr(37)
			p.Customer.GroupIDs = []int64{groupWholesale}
		}),

		// Channels and currencies.
		with(running("App-only flash deal", "App exclusive: 2 for 1"), func(p *store.Promotion) {
			p.StartsAt, p.EndsAt = day(-1), dayPtr(2)
			p.ChannelIDs = []int64{channelApp}
		}),
		with(running("Web store exclusive", "Online only: free returns"), func(p *store.Promotion) {
			p.ChannelIDs = []int64{channelWeb}
		}),
		with(running("Euro shoppers 10% off", "10% de réduction"), func(p *store.Promotion) {
			p.CurrencyCode = "EUR"
			p.ChannelIDs = []int64{channelApp}
		}),

		// Coupons and usage limits.
		with(running("WELCOME10 coupon", "WELCOME10: 10% off your first order"), func(p *store.Promotion) {
			p.RedemptionType = store.RedemptionCoupon
			p.Customer.GroupIDs = []int64{groupNone, groupRetail}
		}),
		with(running("SAVE25 coupon", "SAVE25: 25% off new styles"), func(p *store.Promotion) {
			p.RedemptionType = store.RedemptionCoupon
			p.EndsAt = dayPtr(20)
			p.MaxUses, p.CurrentUses = intPtr(500), 137
		}),
		with(running("First 100 orders", "The first 100 orders ship free"), func(p *store.Promotion) {
			p.MaxUses, p.CurrentUses = intPtr(100), 100
		}),
	}
	for i := range list {
		p := &list[i]
		p.ID = int64(i + 1)
		p.CreatedAt = minTime(p.StartsAt, today).AddDate(0, 0, -7)
		p.UpdatedAt = p.CreatedAt
	}
	return list
}
