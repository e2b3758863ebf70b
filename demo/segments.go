package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/segql/segql/store"
)

// segmentDef is a demo segment: which customers it fits (nil: any) and
// how likely a fitting shopper is to be in it, relative to the other
// segments the shopper fits. Segments that few customers fit weigh more,
// so that most of those customers are in them.
type segmentDef struct {
	name, description string
	weight            int
	fits              func(store.Customer) bool
}

func hasCompany(c store.Customer) bool { return c.Company != "" }
func inGroup(g int64) func(store.Customer) bool {
	return func(c store.Customer) bool { return c.CustomerGroupID == g }
}
func ordersAtLeast(n int) func(store.Customer) bool {
	return func(c store.Customer) bool { return c.OrderCount >= n }
}

// segmentDefs lists the demo segments, in the order they are created.
func segmentDefs() []segmentDef {
	return []segmentDef{
		{"VIP", "Top customers by lifetime spend: early access, free express shipping and a personal shopper.", 30, ordersAtLeast(15)},
		{"High spenders", "Average order value above $250 over the last 12 months.", 4, ordersAtLeast(5)},
		{"Wholesale prospects", "Business buyers who asked about trade pricing but have no wholesale account yet.", 15,
			func(c store.Customer) bool { return hasCompany(c) && c.CustomerGroupID != 2 }},
		{"Wholesale accounts", "Approved trade customers buying at wholesale prices.", 40, inGroup(2)},
		{"Lapsed buyers", "Ordered before, but not in the last six months.", 5, ordersAtLeast(1)},
		{"Dormant 12 months", "No order in over a year: candidates for a win-back campaign.", 3, ordersAtLeast(1)},
		{"Newsletter subscribers", "Opted in to the weekly newsletter.", 10, nil},
		{"SMS opt-in", "Agreed to receive offers by text message.", 4, nil},
		{"First-time buyers", "Placed exactly one order so far.", 15, func(c store.Customer) bool { return c.OrderCount == 1 }},
		{"Repeat customers", "Three orders or more.", 7, ordersAtLeast(3)},
		{"Loyalty program members", "Enrolled in the points program.", 6, nil},
		{"Cart abandoners", "Left items in the cart in the last 30 days without checking out.", 5, nil},
		{"Discount seekers", "Buy mostly on sale or with a coupon code.", 4, nil},
		{"Full-price buyers", "Rarely use a discount; respond to new arrivals rather than sales.", 3, ordersAtLeast(2)},
		{"Runners", "Bought running shoes or running apparel.", 4, nil},
		{"Cyclists", "Bought bikes, cycling apparel or bike parts.", 3, nil},
		{"Yoga and pilates", "Bought mats, blocks or studio wear.", 3, nil},
		{"Outdoor and camping", "Bought tents, sleeping bags or hiking gear.", 4, nil},
		{"Home cooks", "Bought cookware, knives or kitchen tools.", 4, nil},
		{"Coffee lovers", "Bought beans, grinders or espresso machines.", 4, nil},
		{"Pet owners", "Bought pet food or accessories.", 5, nil},
		{"Parents of young children", "Bought baby or toddler products in the last two years.", 4, nil},
		{"Gift buyers", "Used gift wrapping or shipped to someone else's address.", 4, nil},
		{"Holiday shoppers", "Ordered in November or December.", 5, nil},
		{"Back-to-school shoppers", "Ordered school supplies or backpacks in August or September.", 3, nil},
		{"Eco-conscious", "Prefer sustainable, refurbished or plastic-free products.", 3, nil},
		{"Tech early adopters", "Bought new releases in their first week on sale.", 2, nil},
		{"Mobile app users", "Shop through the mobile app (channel 2).", 25,
			func(c store.Customer) bool { return slices.Contains(c.ChannelIDs, 2) }},
		{"Social media referrals", "Arrived from an Instagram or TikTok campaign.", 4, nil},
		{"Influencer partners", "Creators with an affiliate code.", 1, nil},
		{"Review writers", "Left at least one product review.", 3, ordersAtLeast(1)},
		{"Product testers", "Volunteered for beta products and surveys.", 1, nil},
		{"Support escalations", "Had a support ticket escalated in the last 90 days: handle with care.", 1, nil},
		{"Frequent returners", "Returned more than a third of what they bought.", 2, ordersAtLeast(2)},
		{"International customers", "Ship to an address outside the United States.", 3, nil},
		{"West Coast", "Ship to California, Oregon or Washington.", 4, nil},
		{"Local pickup", "Chose in-store pickup at least once.", 3, nil},
		{"Subscription box members", "Have an active monthly subscription box.", 2, nil},
		{"Staff and family", "Employees and their households.", 40, inGroup(4)},
		{"Corporate gifting", "Companies ordering gifts for their staff or clients.", 10, hasCompany},
	}
}

// segments builds the demo segments, created between about one and three
// years before the base date.
func segments(rng *rand.Rand) []store.Segment {
	defs := segmentDefs()
	out := make([]store.Segment, 0, len(defs))
	for _, def := range defs {
		created := base.AddDate(0, 0, -(300 + rng.IntN(700))).Add(time.Duration(rng.IntN(24*60)) * time.Minute)
		out = append(out, store.Segment{
			ID:          segmentID(def.name),
			Name:        def.name,
			Description: def.description,
			CreatedAt:   created,
			UpdatedAt:   between(rng, created, base),
		})
	}
	return out
}

func segmentIDsByName(segments []store.Segment) map[string]string {
	ids := make(map[string]string, len(segments))
	for _, s := range segments {
		ids[s.Name] = s.ID
	}
	return ids
}

// between is a moment from from to to, whole seconds.
func between(rng *rand.Rand, from, to time.Time) time.Time {
	span := int64(to.Sub(from) / time.Second)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(rng.Int64N(span+1)) * time.Second)
}
