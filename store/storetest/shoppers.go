package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/segql/segql/store"
)

func shopperTests() []test {
	return []test{
		{"ShoppersByCustomerIDs", testShoppersByCustomerIDs},
		{"ShoppersByCustomerIDsMany", testShoppersMany},
		{"ShoppersByCustomerIDsAfterWrites", testShoppersAfterWrites},
	}
}

// shoppers reads ids twice (a cache answers the second from what the first
// stored) and checks both answers: non-nil segment lists in ascending
// order, each record's segments those of its ids as SegmentsByIDs answers
// them, and the values the three reads they replace answer. It returns
// the records without their segments, checked already.
func shoppers(t *testing.T, s store.Store, what string, ids []int64) []store.ShopperRecord {
	t.Helper()
	var got []store.ShopperRecord
	for round := range 2 {
		got = must(s.ShoppersByCustomerIDs(t.Context(), ids))(t)
		step := fmt.Sprintf("%s (read %d)", what, round+1)
		if len(got) != len(ids) {
			t.Fatalf("%s: %d records for %d ids", step, len(got), len(ids))
		}
		for i, r := range got {
			if r.SegmentIDs == nil {
				t.Errorf("%s: customer %d: nil segment ids, want an empty list", step, ids[i])
			}
			if !slices.IsSorted(r.SegmentIDs) {
				t.Errorf("%s: customer %d: segment ids %v not ascending", step, ids[i], r.SegmentIDs)
			}
			if r.Profile == nil && len(r.SegmentIDs) > 0 {
				t.Errorf("%s: customer %d: segment ids %v without a profile", step, ids[i], r.SegmentIDs)
			}
			same(t, fmt.Sprintf("%s: customer %d: segments", step, ids[i]), nonNilSegments(r.Segments),
				nonNilSegments(must(s.SegmentsByIDs(t.Context(), r.SegmentIDs))(t)))
			got[i].Segments = nil
		}
		same(t, step+": the three reads", got, threeReads(t, s, ids))
	}
	return got
}

// threeReads is what CustomersByIDs, ShopperProfilesByCustomerIDs and
// ProfileSegmentIDs answer for ids.
func threeReads(t *testing.T, s store.Store, ids []int64) []store.ShopperRecord {
	t.Helper()
	ctx := t.Context()
	cs := must(s.CustomersByIDs(ctx, ids))(t)
	ps := must(s.ShopperProfilesByCustomerIDs(ctx, ids))(t)
	var pids []string
	for _, p := range ps {
		if p != nil {
			pids = append(pids, p.ID)
		}
	}
	lists := must(s.ProfileSegmentIDs(ctx, pids))(t)
	out := make([]store.ShopperRecord, len(ids))
	for i := range ids {
		out[i] = store.ShopperRecord{Customer: cs[i], Profile: ps[i]}
		if ps[i] != nil {
			out[i].SegmentIDs = sorted(lists[0])
			lists = lists[1:]
		}
	}
	return out
}

func testShoppersByCustomerIDs(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	c, p, sg := w.customers, w.profiles, w.segments
	// Customer 5 has no profile; 99, 0 and -1 do not exist.
	got := shoppers(t, s, "world", []int64{2, 5, 99, 1, 2, 0, 4, -1})
	same(t, "world", got, []store.ShopperRecord{
		{Customer: c[1], Profile: p[1], SegmentIDs: sorted([]string{sg[0].ID, sg[1].ID})},
		{Customer: c[4]},
		{},
		{Customer: c[0], Profile: p[0], SegmentIDs: []string{sg[0].ID}},
		{Customer: c[1], Profile: p[1], SegmentIDs: sorted([]string{sg[0].ID, sg[1].ID})},
		{},
		{Customer: c[3], Profile: p[3], SegmentIDs: []string{sg[1].ID}},
		{},
	})
	same(t, "none", must(s.ShoppersByCustomerIDs(t.Context(), nil))(t), []store.ShopperRecord{})

	// A profile in no segment, then in several, which come in ascending
	// order whatever the order they were added in.
	np := mustProfiles(t, s, 50)[0]
	got = shoppers(t, s, "profile in no segment", []int64{50})
	same(t, "profile in no segment", got[0].Profile, np)
	if len(got[0].SegmentIDs) != 0 {
		t.Errorf("profile in no segment: segment ids %v", got[0].SegmentIDs)
	}
	many := mustSegments(t, s, "M1", "M2", "M3", "M4", "M5", "M6")
	for _, i := range []int{4, 1, 5, 0, 3, 2} {
		mustAdd(t, s, many[i].ID, np)
	}
	got = shoppers(t, s, "profile in six segments", []int64{50})
	same(t, "profile in six segments", got[0].SegmentIDs, sorted(segmentIDs(many)))
}

// testShoppersMany reads 300 customers in one call: 200 with a profile,
// in zero to three segments each.
func testShoppersMany(t *testing.T, s store.Store) {
	const n = 300
	var ids, withProfile []int64
	for id := int64(1); id <= n; id++ {
		ids = append(ids, id)
		if id%3 != 0 {
			withProfile = append(withProfile, id)
		}
	}
	mustCustomers(t, s, ids...)
	w, err := s.CreateShopperProfiles(t.Context(), withProfile)
	mustWrite(t, "create shopper profiles", w.Errors, err)
	sg := mustSegments(t, s, "Even", "Fives", "Sevens")
	for i, every := range []int64{2, 5, 7} {
		var members []*store.ShopperProfile
		for _, p := range w.Items {
			if p.CustomerID%every == 0 {
				members = append(members, p)
			}
		}
		mustAdd(t, s, sg[i].ID, members...)
	}
	// Backwards, with every id also asked for again, and an unknown id.
	var ask []int64
	for i := len(ids) - 1; i >= 0; i-- {
		ask = append(ask, ids[i])
	}
	ask = append(append(ask, ids...), n+1)
	got := shoppers(t, s, "many", ask)
	for i, r := range got {
		id := ask[i]
		switch {
		case id > n:
			same(t, "unknown customer", r, store.ShopperRecord{})
		case r.Customer == nil || r.Customer.ID != id:
			t.Errorf("record %d: customer %+v, want %d", i, r.Customer, id)
		case (id%3 != 0) != (r.Profile != nil):
			t.Errorf("customer %d: profile %+v", id, r.Profile)
		case r.Profile != nil && r.Profile.CustomerID != id:
			t.Errorf("customer %d: profile of customer %d", id, r.Profile.CustomerID)
		}
		want := 0
		for _, every := range []int64{2, 5, 7} {
			if id%3 != 0 && id <= n && id%every == 0 {
				want++
			}
		}
		if len(r.SegmentIDs) != want {
			t.Errorf("customer %d: %d segment ids, want %d", id, len(r.SegmentIDs), want)
		}
	}
}

// testShoppersAfterWrites checks that the read follows every write that
// changes what it answers.
func testShoppersAfterWrites(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	p, sg := w.profiles, w.segments
	ids := []int64{1, 2, 3, 4, 5, 99}
	shoppers(t, s, "before", ids)

	mustAdd(t, s, sg[2].ID, p[0])
	got := shoppers(t, s, "member added", ids)
	same(t, "member added", got[0].SegmentIDs, sorted([]string{sg[0].ID, sg[2].ID}))

	c, err := s.RemoveSegmentMembers(ctx, sg[0].ID, []string{p[1].ID})
	mustWrite(t, "remove members", c.Errors, err)
	got = shoppers(t, s, "member removed", ids)
	same(t, "member removed", got[1].SegmentIDs, []string{sg[1].ID})

	d, err := s.DeleteShopperProfiles(ctx, []string{p[2].ID})
	mustWrite(t, "delete profile", d.Errors, err)
	got = shoppers(t, s, "profile deleted", ids)
	same(t, "profile deleted", got[2], store.ShopperRecord{Customer: w.customers[2], SegmentIDs: []string{}})

	dc, err := s.DeleteCustomers(ctx, []int64{4})
	mustWrite(t, "delete customer", dc.Errors, err)
	got = shoppers(t, s, "customer deleted", ids)
	same(t, "customer deleted", got[3], store.ShopperRecord{SegmentIDs: []string{}})

	renamed := customer(1)
	renamed.FirstName = "Renamed"
	mustWrite(t, "upsert customer", must(s.UpsertCustomers(ctx, []store.Customer{renamed}))(t).Errors, nil)
	got = shoppers(t, s, "customer upserted", ids)
	same(t, "customer upserted", got[0].Customer.FirstName, "Renamed")

	created := mustProfiles(t, s, 5, 99)
	mustAdd(t, s, sg[1].ID, created[1])
	got = shoppers(t, s, "profiles created", ids)
	same(t, "profile created", got[4].Profile, created[0])
	same(t, "profile created and added", got[5].SegmentIDs, []string{sg[1].ID})

	ds, err := s.DeleteSegments(ctx, []string{sg[1].ID})
	mustWrite(t, "delete segment", ds.Errors, err)
	got = shoppers(t, s, "segment deleted", ids)
	for i, r := range got {
		if slices.Contains(r.SegmentIDs, sg[1].ID) {
			t.Errorf("customer %d still in the deleted segment", ids[i])
		}
	}
}

func nonNilSegments(segs []*store.Segment) []*store.Segment {
	if segs == nil {
		return []*store.Segment{}
	}
	return segs
}
