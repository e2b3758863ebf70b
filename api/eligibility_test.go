package api_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

// Segments of the eligibility fixture.
const (
	segA = 1
	segB = 2
	segC = 3
)

// eligibilityFixture has one promotion per targeting rule and shoppers
// that each pass or fail them differently. Dates are relative to now.
//
//	customer 1: group 0, 0 orders, profile 1 in {A}
//	customer 2: group 5, 3 orders, profile 2 in {A, B}
//	customer 3: group 7, 10 orders, profile 3 in no segment
//	customer 4: group 0, 5 orders, no profile
//	customer 5: group 5, 0 orders, profile 5 in {B, C}
//	customer 6: group 0, 0 orders, profile 6 in {C}
func eligibilityFixture(now time.Time) fixture {
	cust := func(id, group int64, orders int) store.Customer {
		c := customer(id)
		c.CustomerGroupID, c.OrderCount = group, orders
		return c
	}
	f := fixture{
		Customers: []store.Customer{cust(1, 0, 0), cust(2, 5, 3), cust(3, 7, 10), cust(4, 0, 5), cust(5, 5, 0), cust(6, 0, 0)},
		Segments:  []store.Segment{segment(segA, "A"), segment(segB, "B"), segment(segC, "C")},
		Profiles:  []store.ShopperProfile{profile(1, 1), profile(2, 2), profile(3, 3), profile(5, 5), profile(6, 6)},
		Memberships: []store.Membership{
			member(segA, 1), member(segA, 2), member(segB, 2), member(segB, 5), member(segC, 5), member(segC, 6),
		},
	}
	id := func(segs ...int) store.Condition { return *anyOf(segs...) }
	not := func(c store.Condition) *store.Condition { return &store.Condition{Not: &c} }
	and := func(cs ...store.Condition) store.Condition { return store.Condition{And: cs} }
	or := func(cs ...store.Condition) store.Condition { return store.Condition{Or: cs} }
	seg := func(c store.Condition) store.Targeting { return store.Targeting{Segments: &c} }
	with := func(p store.Promotion, change func(*store.Promotion)) store.Promotion { change(&p); return p }

	f.Promotions = []store.Promotion{
		promotion(1, store.Targeting{}),                                                // everyone
		promotion(2, store.Targeting{GroupIDs: []int64{0}}),                            // guests and customers in no group
		promotion(3, store.Targeting{GroupIDs: []int64{5}}),                            // group 5
		promotion(4, store.Targeting{ExcludedGroupIDs: []int64{5}}),                    // all but group 5
		promotion(5, store.Targeting{ExcludedGroupIDs: []int64{0}}),                    // all but guests and no group
		promotion(6, store.Targeting{MinimumOrderCount: 3}),                            // 3 orders or more
		promotion(7, seg(id(segA))),                                                    // in A
		promotion(8, seg(id(segA, segC))),                                              // in A or C
		promotion(9, store.Targeting{Segments: not(id(segA))}),                         // not in A, even in no segment
		promotion(10, seg(and(id(segA), id(segB)))),                                    // in A and B
		promotion(11, seg(or(id(segB), id(segC)))),                                     // in B or C
		promotion(12, seg(and(or(id(segA), id(segC)), *not(and(id(segB), id(segC)))))), // three levels
		with(promotion(13, store.Targeting{}), func(p *store.Promotion) { p.Status = store.StatusDisabled }),
		with(promotion(14, store.Targeting{}), func(p *store.Promotion) { p.Status = store.StatusInvalid }),
		with(promotion(15, store.Targeting{}), func(p *store.Promotion) { p.StartsAt = now.Add(time.Hour) }),
		with(promotion(16, store.Targeting{}), func(p *store.Promotion) {
			p.StartsAt, p.EndsAt = now.Add(-2*time.Hour), ptr(now.Add(-time.Hour))
		}),
		with(promotion(17, store.Targeting{}), func(p *store.Promotion) { p.MaxUses, p.CurrentUses = ptr(5), 5 }),
		with(promotion(18, store.Targeting{}), func(p *store.Promotion) { p.ChannelIDs = []int64{2} }),
		with(promotion(19, store.Targeting{}), func(p *store.Promotion) { p.ChannelIDs = []int64{1, 3} }),
		with(promotion(20, store.Targeting{}), func(p *store.Promotion) { p.MaxUses, p.CurrentUses = ptr(5), 4 }),
		with(promotion(21, store.Targeting{}), func(p *store.Promotion) {
			p.StartsAt, p.EndsAt = now.Add(-time.Hour), ptr(now.Add(time.Hour))
		}),
		promotion(22, store.Targeting{GroupIDs: []int64{5}, MinimumOrderCount: 1, Segments: anyOf(segB)}), // all three at once
		promotion(23, store.Targeting{Segments: not(or(id(segA), id(segB)))}),                             // in neither A nor B
		with(promotion(24, store.Targeting{}), func(p *store.Promotion) { p.MaxUses = ptr(0) }),
		with(promotion(25, store.Targeting{Segments: anyOf(segA)}), func(p *store.Promotion) { p.Status = store.StatusDisabled }),
	}
	return f
}

// onChannel2 turns a channel 1 answer into the answer for channel 2, where
// promotion 18 applies and 19 does not.
func onChannel2(ids []int64) []int64 {
	out := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id == 19 })
	out = append(out, 18)
	slices.Sort(out)
	return out
}

// The promotions each shopper can get on channel 1.
var eligibleOnChannel1 = map[string][]int64{
	"customer 1": {1, 2, 4, 7, 8, 12, 19, 20, 21},
	"customer 2": {1, 3, 5, 6, 7, 8, 10, 11, 12, 19, 20, 21, 22},
	"customer 3": {1, 4, 5, 6, 9, 19, 20, 21, 23},
	"customer 4": {1, 2, 4, 6, 19, 20, 21},
	"customer 5": {1, 3, 5, 8, 9, 11, 19, 20, 21},
	"customer 6": {1, 2, 4, 8, 9, 11, 12, 19, 20, 21, 23},
	"unknown":    {1, 2, 4, 19, 20, 21},
	"guest":      {1, 2, 4, 19, 20, 21},
}

func promotionIDs(ps []struct{ PromotionID int64 }) []int64 {
	out := []int64{}
	for _, p := range ps {
		out = append(out, p.PromotionID)
	}
	return out
}

func TestEligibilityOfProfiles(t *testing.T) {
	ts := newTestServer(t)
	ts.load(eligibilityFixture(time.Now()))
	const q = `query($uuid: ID!, $ch: Int64) {
		default: shopperProfile(uuid: $uuid) { eligiblePromotions { promotionId } }
		chosen: shopperProfile(uuid: $uuid) { eligiblePromotions(channelId: $ch) { promotionId } }
	}`
	for _, c := range []int{1, 2, 3, 5, 6} {
		name := fmt.Sprint("customer ", c)
		want := eligibleOnChannel1[name]
		t.Run(name, func(t *testing.T) {
			ts := ts.with(t)
			for ch, chWant := range map[int64][]int64{1: want, 2: onChannel2(want), 3: want, 4: slices.DeleteFunc(slices.Clone(want), func(id int64) bool { return id == 19 })} {
				var data struct {
					Default, Chosen struct {
						EligiblePromotions []struct{ PromotionID int64 }
					}
				}
				ts.query(q, map[string]any{"uuid": profileID(c), "ch": ch}, &data)
				equal(t, "channel 1 by default", promotionIDs(data.Default.EligiblePromotions), want)
				equal(t, fmt.Sprint("channel ", ch), promotionIDs(data.Chosen.EligiblePromotions), chWant)
			}
		})
	}
}

func TestEligibilityOfViewers(t *testing.T) {
	ts := newTestServer(t)
	ts.load(eligibilityFixture(time.Now()))
	const q = `query($ch: Int64) {
		viewer { default: eligiblePromotions { promotionId } chosen: eligiblePromotions(channelId: $ch) { promotionId } }
	}`
	type result struct {
		Viewer struct {
			Default, Chosen []struct{ PromotionID int64 }
		}
	}
	shoppers := map[string]string{"guest": guest}
	for _, c := range []int64{1, 2, 3, 4, 5, 6} {
		shoppers[fmt.Sprint("customer ", c)] = ts.token(c, nil)
	}
	shoppers["unknown"] = ts.token(99, nil)

	for name, token := range shoppers {
		want := eligibleOnChannel1[name]
		t.Run(name, func(t *testing.T) {
			ts := ts.with(t)
			var data result
			ts.queryAs(token, q, map[string]any{"ch": 2}, &data)
			equal(t, "channel 1 by default", promotionIDs(data.Viewer.Default), want)
			equal(t, "channel 2 by argument", promotionIDs(data.Viewer.Chosen), onChannel2(want))
		})
	}

	t.Run("token channel wins", func(t *testing.T) {
		ts := ts.with(t)
		var data result
		ts.queryAs(ts.token(2, ptr[int64](2)), q, map[string]any{"ch": 3}, &data)
		want := onChannel2(eligibleOnChannel1["customer 2"])
		equal(t, "no argument", promotionIDs(data.Viewer.Default), want)
		equal(t, "argument 3, token 2", promotionIDs(data.Viewer.Chosen), want)

		ts.queryAs(ts.token(2, ptr[int64](3)), q, map[string]any{"ch": 2}, &data)
		want = eligibleOnChannel1["customer 2"]
		equal(t, "argument 2, token 3", promotionIDs(data.Viewer.Chosen), want)
	})

	t.Run("no guest or profile-less shopper gets a segment condition", func(t *testing.T) {
		// Promotions 7 to 12, 22, 23 have segment conditions, 9 and 23 true
		// for a profile in none of the segments they name.
		segmentTargeted := []int64{7, 8, 9, 10, 11, 12, 22, 23}
		for _, name := range []string{"guest", "unknown", "customer 4"} {
			for _, id := range eligibleOnChannel1[name] {
				if slices.Contains(segmentTargeted, id) {
					t.Errorf("%s gets segment-targeted promotion %d", name, id)
				}
			}
		}
	})
}

func TestEligibilityFollowsWrites(t *testing.T) {
	ts := newTestServer(t)
	ts.load(eligibilityFixture(time.Now()))
	tok := ts.token(3, nil)
	viewer := func() []int64 {
		t.Helper()
		var data struct {
			Viewer struct{ EligiblePromotions []struct{ PromotionID int64 } }
		}
		ts.queryAs(tok, `{ viewer { eligiblePromotions { promotionId } } }`, nil, &data)
		return promotionIDs(data.Viewer.EligiblePromotions)
	}
	equal(t, "before", viewer(), eligibleOnChannel1["customer 3"])

	// Customer 3 moves to group 5 with no orders, and joins segment A.
	up := ts.upsertCustomers(customerInput(3, map[string]any{"customerGroupId": 5, "orderCount": 0})).UpsertCustomers
	checkUserErrors(t, up.UserErrors)
	add := ts.addMembers(segID(segA), profileID(3)).AddShopperProfilesToSegment
	checkUserErrors(t, add.UserErrors)
	// Now like customer 2 without B and without orders: 3, 5 by group; 7, 8, 12 by A.
	equal(t, "after", viewer(), []int64{1, 3, 5, 7, 8, 12, 19, 20, 21})

	// Using up promotion 20 and disabling 1 take them away; enabling 13 gives it.
	for _, in := range []map[string]any{
		{"promotionId": 20, "currentUses": 5},
		{"promotionId": 1, "status": "DISABLED"},
		{"promotionId": 13, "status": "ENABLED"},
		{"promotionId": 15, "startsAt": time.Now().Add(-time.Minute).Format(time.RFC3339)},
		{"promotionId": 16, "clearEndsAt": true},
	} {
		checkUserErrors(t, ts.updatePromotion(in).UserErrors)
	}
	equal(t, "after promotion changes", viewer(), []int64{3, 5, 7, 8, 12, 13, 15, 16, 19, 21})

	// Without its profile, customer 3 keeps only what needs no segment.
	var del struct {
		DeleteShopperProfiles struct{ DeletedUuids []string }
	}
	ts.query(`mutation($ids: [ID!]!) { deleteShopperProfiles(uuids: $ids) { deletedUuids } }`, map[string]any{"ids": []string{profileID(3)}}, &del)
	equal(t, "without a profile", viewer(), []int64{3, 5, 13, 15, 16, 19, 21})
}

// TestEligibilityIsBatched checks that the eligibility of a whole page of
// profiles costs a fixed number of store round trips.
func TestEligibilityIsBatched(t *testing.T) {
	ts := newTestServer(t)
	ts.load(eligibilityFixture(time.Now()))
	before := ts.storeQueries()
	var data struct {
		ShopperProfiles struct {
			Nodes []struct {
				Customer           struct{ CustomerID int64 }
				EligiblePromotions []struct{ PromotionID int64 }
			}
		}
	}
	ts.query(`{ shopperProfiles { nodes { customer { customerId } eligiblePromotions { promotionId } } } }`, nil, &data)
	// ListShopperProfiles, CustomersByIDs, ProfileSegmentIDs, EnabledPromotions.
	if trips := ts.storeQueries() - before; trips != 4 {
		t.Errorf("%v store round trips for the eligibility of 5 profiles, want 4", trips)
	}
	if len(data.ShopperProfiles.Nodes) != 5 {
		t.Fatalf("%d profiles, want 5", len(data.ShopperProfiles.Nodes))
	}
	for _, n := range data.ShopperProfiles.Nodes {
		name := fmt.Sprint("customer ", n.Customer.CustomerID)
		equal(t, name, promotionIDs(n.EligiblePromotions), eligibleOnChannel1[name])
	}
}
