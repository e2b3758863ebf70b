package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/segql/segql/store"
)

func pagingTests() []test {
	return []test{
		{"ListSegments/Paging", testSegmentPaging},
		{"ListShopperProfiles/Paging", testProfilePaging},
		{"ListCustomers/Paging", testCustomerPaging},
		{"ListPromotions/Paging", testPromotionPaging},
		{"Lists/Empty", testEmptyLists},
	}
}

// modelPage is what a page must hold: the keys inside both bounds, the
// first Limit of them forwards or the last Limit backwards, and whether
// more lie beyond in the reading direction.
func modelPage[K store.Key](keys []K, p store.Page[K]) ([]K, bool) {
	var in []K
	for _, k := range keys {
		if (p.After == nil || k > *p.After) && (p.Before == nil || k < *p.Before) {
			in = append(in, k)
		}
	}
	if len(in) <= p.Limit {
		return in, false
	}
	if p.Backward {
		return in[len(in)-p.Limit:], true
	}
	return in[:p.Limit], true
}

func pageString[K store.Key](p store.Page[K]) string {
	s := fmt.Sprintf("limit %d backward %v", p.Limit, p.Backward)
	if p.After != nil {
		s += fmt.Sprintf(" after %v", *p.After)
	}
	if p.Before != nil {
		s += fmt.Sprintf(" before %v", *p.Before)
	}
	return s
}

// checkPaging compares read with the model for every combination of
// bounds (none, keys of the list, keys outside it), limits (0 included)
// and directions, then walks the list page by page both ways. keys is the
// whole list in ascending order.
func checkPaging[K store.Key, T any](t *testing.T, keys, outside []K, read func(store.Page[K]) (store.PageOf[T], error), key func(T) K) {
	t.Helper()
	if !slices.IsSorted(keys) {
		t.Fatalf("test keys not sorted: %v", keys)
	}
	n := len(keys)
	bounds := []*K{nil}
	for _, i := range []int{0, 1, n / 2, n - 2, n - 1} {
		if i >= 0 && i < n && !slices.Contains(bounds, &keys[i]) {
			bounds = append(bounds, &keys[i])
		}
	}
	for i := range outside {
		bounds = append(bounds, &outside[i])
	}
	failures := 0
	for _, after := range bounds {
		for _, before := range bounds {
			for _, limit := range []int{0, 1, 2, 3, n + 1} {
				for _, backward := range []bool{false, true} {
					p := store.Page[K]{After: after, Before: before, Limit: limit, Backward: backward}
					pg, err := read(p)
					if err != nil {
						t.Fatalf("%s: %v", pageString(p), err)
					}
					got := make([]K, len(pg.Items))
					for i, it := range pg.Items {
						got[i] = key(it)
					}
					want, more := modelPage(keys, p)
					if d := diff(got, want); d != "" || pg.More != more {
						t.Errorf("%s: got %v more %v, want %v more %v", pageString(p), got, pg.More, want, more)
						if failures++; failures > 10 {
							t.Fatal("too many failures")
						}
					}
				}
			}
		}
	}

	// Walk forwards, two at a time.
	var walked []K
	p := store.Page[K]{Limit: 2}
	for steps := 0; ; steps++ {
		pg := must(read(p))(t)
		for _, it := range pg.Items {
			walked = append(walked, key(it))
		}
		if !pg.More {
			break
		}
		if len(pg.Items) == 0 || steps > n {
			t.Fatalf("forward walk: More with page %v", pg.Items)
		}
		last := key(pg.Items[len(pg.Items)-1])
		p.After = &last
	}
	same(t, "forward walk", walked, keys)

	// Walk backwards, three at a time.
	walked = nil
	p = store.Page[K]{Limit: 3, Backward: true}
	for steps := 0; ; steps++ {
		pg := must(read(p))(t)
		var page []K
		for _, it := range pg.Items {
			page = append(page, key(it))
		}
		walked = append(page, walked...)
		if !pg.More {
			break
		}
		if len(pg.Items) == 0 || steps > n {
			t.Fatalf("backward walk: More with page %v", pg.Items)
		}
		first := key(pg.Items[0])
		p.Before = &first
	}
	same(t, "backward walk", walked, keys)
}

// The UUIDs below and above every UUIDv7.
const (
	lowUUID  = "00000000-0000-0000-0000-000000000000"
	highUUID = "ffffffff-ffff-ffff-ffff-ffffffffffff"
)

func testSegmentPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	var segs []*store.Segment
	for i := range 9 {
		segs = append(segs, mustSegments(t, s, fmt.Sprintf("Segment %d", i))...)
	}
	// Deleted ids make bounds that fall between the list's keys.
	gone := []string{segs[2].ID, segs[6].ID}
	d := must(s.DeleteSegments(ctx, gone))(t)
	mustWrite(t, "delete segments", d.Errors, nil)
	var keys []string
	for _, sg := range segs {
		if !slices.Contains(gone, sg.ID) {
			keys = append(keys, sg.ID)
		}
	}
	checkPaging(t, sorted(keys), append(gone, lowUUID, highUUID),
		func(p store.Page[string]) (store.PageOf[*store.Segment], error) {
			return s.ListSegments(ctx, store.SegmentFilter{}, p)
		}, func(sg *store.Segment) string { return sg.ID })
}

func testProfilePaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps := mustProfiles(t, s, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	gone := []string{ps[1].ID, ps[5].ID}
	d := must(s.DeleteShopperProfiles(ctx, gone))(t)
	mustWrite(t, "delete profiles", d.Errors, nil)
	var keys []string
	for _, p := range ps {
		if !slices.Contains(gone, p.ID) {
			keys = append(keys, p.ID)
		}
	}
	checkPaging(t, sorted(keys), append(gone, lowUUID, highUUID),
		func(p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
			return s.ListShopperProfiles(ctx, store.ShopperProfileFilter{}, p)
		}, func(p *store.ShopperProfile) string { return p.ID })
}

func testCustomerPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	keys := []int64{3, 5, 8, 13, 21, 34, 55}
	// Created out of order: the list is ordered by id, not by creation.
	mustCustomers(t, s, 21, 3, 55, 8, 34, 13, 5)
	checkPaging(t, keys, []int64{0, 4, 22, 1000},
		func(p store.Page[int64]) (store.PageOf[*store.Customer], error) {
			return s.ListCustomers(ctx, store.CustomerFilter{}, p)
		}, func(c *store.Customer) int64 { return c.ID })
}

func testPromotionPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	keys := []int64{2, 4, 6, 8, 10, 12, 14}
	for _, id := range []int64{10, 2, 14, 6, 4, 12, 8} {
		mustPromotion(t, s, promotion(id, nil))
	}
	checkPaging(t, keys, []int64{-1, 7, 99},
		func(p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
			return s.ListPromotions(ctx, store.PromotionFilter{}, p)
		}, func(p *store.Promotion) int64 { return p.ID })
}

func testEmptyLists(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, p := range []store.Page[string]{{Limit: 0}, {Limit: 5}, {Limit: 5, Backward: true}, {Limit: 0, Backward: true, After: ptr(lowUUID)}} {
		segs := must(s.ListSegments(ctx, store.SegmentFilter{}, p))(t)
		profs := must(s.ListShopperProfiles(ctx, store.ShopperProfileFilter{}, p))(t)
		if len(segs.Items) != 0 || segs.More || len(profs.Items) != 0 || profs.More {
			t.Errorf("%s: empty store lists %+v and %+v", pageString(p), segs, profs)
		}
	}
	for _, p := range []store.Page[int64]{{Limit: 0}, {Limit: 5, Backward: true}} {
		cs := must(s.ListCustomers(ctx, store.CustomerFilter{}, p))(t)
		ps := must(s.ListPromotions(ctx, store.PromotionFilter{}, p))(t)
		if len(cs.Items) != 0 || cs.More || len(ps.Items) != 0 || ps.More {
			t.Errorf("%s: empty store lists %+v and %+v", pageString(p), cs, ps)
		}
	}
}
