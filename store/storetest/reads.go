package storetest

import (
	"testing"
	"time"

	"github.com/segql/segql/store"
)

const missingUUID = "00000000-0000-7000-8000-000000000000"

func readTests() []test {
	return []test{
		{"SegmentsByIDs", testSegmentsByIDs},
		{"ShopperProfilesByIDs", testShopperProfilesByIDs},
		{"ShopperProfilesByCustomerIDs", testShopperProfilesByCustomerIDs},
		{"CustomersByIDs", testCustomersByIDs},
		{"PromotionsByIDs", testPromotionsByIDs},
		{"ProfileSegmentIDs", testProfileSegmentIDs},
		{"EnabledPromotions", testEnabledPromotions},
		{"Counts", testCounts},
		{"Ping", func(t *testing.T, s store.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Fatal(err)
			}
		}},
	}
}

func testSegmentsByIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	a, b, c := w.segments[0], w.segments[1], w.segments[2]
	for _, tc := range []struct {
		name string
		ids  []string
		want []*store.Segment
	}{
		{"none", nil, nil},
		{"one", []string{b.ID}, []*store.Segment{b}},
		{"key order", []string{c.ID, a.ID, b.ID}, []*store.Segment{c, a, b}},
		{"missing and malformed", []string{missingUUID, a.ID, "not-a-uuid", ""}, []*store.Segment{nil, a, nil, nil}},
		{"duplicates", []string{b.ID, b.ID, a.ID, b.ID}, []*store.Segment{b, b, a, b}},
	} {
		got := must(s.SegmentsByIDs(ctx, tc.ids))(t)
		same(t, tc.name, got, tc.want)
	}
}

func testShopperProfilesByIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	p := w.profiles
	for _, tc := range []struct {
		name string
		ids  []string
		want []*store.ShopperProfile
	}{
		{"none", []string{}, nil},
		{"key order", []string{p[3].ID, p[0].ID, p[2].ID}, []*store.ShopperProfile{p[3], p[0], p[2]}},
		{"missing", []string{missingUUID, p[1].ID, "x"}, []*store.ShopperProfile{nil, p[1], nil}},
		{"a segment id is not a profile id", []string{w.segments[0].ID}, []*store.ShopperProfile{nil}},
		{"duplicates", []string{p[1].ID, p[1].ID}, []*store.ShopperProfile{p[1], p[1]}},
	} {
		got := must(s.ShopperProfilesByIDs(ctx, tc.ids))(t)
		same(t, tc.name, got, tc.want)
	}
}

func testShopperProfilesByCustomerIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	p := w.profiles
	// Customer 5 has no profile, customer 99 does not exist.
	got := must(s.ShopperProfilesByCustomerIDs(ctx, []int64{4, 5, 99, 1, 4, 0, -1}))(t)
	same(t, "by customer ids", got, []*store.ShopperProfile{p[3], nil, nil, p[0], p[3], nil, nil})
	for i, c := range []int64{1, 2, 3, 4} {
		if p[i].CustomerID != c {
			t.Errorf("profile %d has customer %d, want %d", i, p[i].CustomerID, c)
		}
	}
	got = must(s.ShopperProfilesByCustomerIDs(ctx, nil))(t)
	same(t, "none", got, []*store.ShopperProfile{})
}

func testCustomersByIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	created := time.Date(2020, 2, 3, 4, 5, 6, 789123456, time.FixedZone("X", 3600))
	full := store.Customer{
		ID: 42, Email: "Full.Name@Example.com", FirstName: "Ünïcode", LastName: "Name",
		Company: "Acme", Phone: "+1 555", CustomerGroupID: 7, OrderCount: 3,
		ChannelIDs: []int64{1, 3}, CreatedAt: created, UpdatedAt: created.Add(time.Hour),
	}
	wr, err := s.UpsertCustomers(ctx, []store.Customer{full, customer(7)})
	mustWrite(t, "upsert", wr.Errors, err)
	want := full
	want.CreatedAt, want.UpdatedAt = store.UTC(created), store.UTC(created.Add(time.Hour))
	same(t, "written", wr.Items[0], &want)
	c7 := wr.Items[1]
	got := must(s.CustomersByIDs(ctx, []int64{7, 42, 8, 42, 0}))(t)
	same(t, "by ids", got, []*store.Customer{c7, &want, nil, &want, nil})
	if got[1].CreatedAt.Location() != time.UTC {
		t.Errorf("created_at in %v, want UTC", got[1].CreatedAt.Location())
	}
	got = must(s.CustomersByIDs(ctx, []int64{}))(t)
	same(t, "none", got, []*store.Customer{})
}

func testPromotionsByIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B", "C")
	starts := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("Y", -5*3600))
	ends := starts.Add(48 * time.Hour)
	full := store.Promotion{
		ID: 10, Name: "Full", DisplayName: "Full promotion", RedemptionType: store.RedemptionCoupon,
		Status: store.StatusDisabled, StartsAt: starts, EndsAt: &ends, ChannelIDs: []int64{2, 1},
		CurrencyCode: "EUR", MaxUses: ptr(100), CurrentUses: 5,
		Customer: store.Targeting{
			ExcludedGroupIDs:  []int64{0, 3},
			MinimumOrderCount: 2,
			Segments: &store.Condition{And: []store.Condition{
				{ID: []string{sg[0].ID, sg[1].ID}},
				{Not: &store.Condition{Or: []store.Condition{{ID: []string{sg[2].ID}}, {ID: []string{sg[0].ID}}}}},
			}},
		},
	}
	before := store.UTC(time.Now())
	p10 := mustPromotion(t, s, full)
	after := store.UTC(time.Now())
	want := full
	want.StartsAt = store.UTC(starts)
	want.EndsAt = ptr(store.UTC(ends))
	want.CreatedAt, want.UpdatedAt = p10.CreatedAt, p10.UpdatedAt
	same(t, "written", p10, &want)
	if p10.CreatedAt.Before(before) || p10.CreatedAt.After(after) || !p10.UpdatedAt.Equal(p10.CreatedAt) {
		t.Errorf("timestamps %v %v, want between %v and %v and equal", p10.CreatedAt, p10.UpdatedAt, before, after)
	}
	p11 := mustPromotion(t, s, promotion(11, nil))
	if p11.EndsAt != nil || p11.MaxUses != nil || p11.Customer.Segments != nil {
		t.Errorf("promotion 11 = %+v, want no end, no max uses, no condition", p11)
	}
	got := must(s.PromotionsByIDs(ctx, []int64{11, 12, 10, 11, -3}))(t)
	same(t, "by ids", got, []*store.Promotion{p11, nil, &want, p11, nil})
}

func testProfileSegmentIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	p, sg := w.profiles, w.segments
	got := must(s.ProfileSegmentIDs(ctx, []string{p[1].ID, p[0].ID, missingUUID, p[3].ID, p[1].ID}))(t)
	want := [][]string{
		sorted([]string{sg[0].ID, sg[1].ID}),
		{sg[0].ID},
		nil,
		{sg[1].ID},
		sorted([]string{sg[0].ID, sg[1].ID}),
	}
	for i := range got {
		got[i] = sorted(got[i])
	}
	same(t, "profile segment ids", got, want)
	// A profile in no segment.
	np := mustProfiles(t, s, 50)[0]
	got = must(s.ProfileSegmentIDs(ctx, []string{np.ID}))(t)
	same(t, "no segments", got, [][]string{nil})
}

func testEnabledPromotions(t *testing.T, s store.Store) {
	ctx := t.Context()
	if got := must(s.EnabledPromotions(ctx))(t); len(got) != 0 {
		t.Fatalf("empty store has %d enabled promotions", len(got))
	}
	var want []*store.Promotion
	for _, id := range []int64{9, 3, 7, 1, 5} {
		p := promotion(id, nil)
		if id == 3 {
			p.Status = store.StatusDisabled
		}
		if id == 5 {
			p.Status = store.StatusInvalid
		}
		created := mustPromotion(t, s, p)
		if p.Status == store.StatusEnabled {
			want = append(want, created)
		}
	}
	// Ordered by id.
	want = []*store.Promotion{want[2], want[1], want[0]}
	got := must(s.EnabledPromotions(ctx))(t)
	same(t, "enabled promotions", got, want)
}

func testCounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	checks := []struct {
		name string
		got  int
		want int
	}{
		{"segments", must(s.CountSegments(ctx, store.SegmentFilter{}))(t), 3},
		{"profiles", must(s.CountShopperProfiles(ctx, store.ShopperProfileFilter{}))(t), 4},
		{"customers", must(s.CountCustomers(ctx, store.CustomerFilter{}))(t), 5},
		{"promotions", must(s.CountPromotions(ctx, store.PromotionFilter{}))(t), 3},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("count %s = %d, want %d", c.name, c.got, c.want)
		}
	}
	sg, p := w.segments, w.profiles
	same(t, "segment profiles", must(s.CountSegmentProfiles(ctx, []string{sg[1].ID, sg[2].ID, missingUUID, sg[0].ID, sg[1].ID}))(t),
		[]int{3, 0, 0, 2, 3})
	same(t, "profile segments", must(s.CountProfileSegments(ctx, []string{p[1].ID, p[0].ID, "x", p[1].ID}))(t),
		[]int{2, 1, 0, 2})
	same(t, "segment promotions", must(s.CountSegmentPromotions(ctx, []string{sg[0].ID, sg[1].ID, sg[2].ID, sg[0].ID}))(t),
		[]int{2, 1, 0, 2})
	same(t, "no parents", must(s.CountSegmentProfiles(ctx, nil))(t), []int{})
}
