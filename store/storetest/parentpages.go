package storetest

import (
	"fmt"
	"testing"

	"github.com/segql/segql/store"
)

func parentPageTests() []test {
	return []test{
		{"SegmentProfilePages", testSegmentProfilePages},
		{"ProfileSegmentPages", testProfileSegmentPages},
		{"SegmentPromotionPages", testSegmentPromotionPages},
	}
}

// checkParentPages reads the pages of several parents at once (a missing
// parent and a repeated one among them) for many page shapes and compares
// each with the model; children maps each parent to its sorted keys.
func checkParentPages[K store.Key, T any](t *testing.T, parents []string, children map[string][]K, bounds []K,
	read func([]string, store.Page[K]) ([]store.PageOf[T], error), key func(T) K) {
	t.Helper()
	after := []*K{nil}
	for i := range bounds {
		after = append(after, &bounds[i])
	}
	failures := 0
	for _, a := range after {
		for _, b := range after {
			for _, limit := range []int{0, 1, 2, 3, 100} {
				for _, backward := range []bool{false, true} {
					p := store.Page[K]{After: a, Before: b, Limit: limit, Backward: backward}
					pages, err := read(parents, p)
					if err != nil {
						t.Fatalf("%s: %v", pageString(p), err)
					}
					if len(pages) != len(parents) {
						t.Fatalf("%s: %d pages for %d parents", pageString(p), len(pages), len(parents))
					}
					for i, parent := range parents {
						got := make([]K, len(pages[i].Items))
						for j, it := range pages[i].Items {
							got[j] = key(it)
						}
						want, more := modelPage(children[parent], p)
						if d := diff(got, want); d != "" || pages[i].More != more {
							t.Errorf("%s, parent %d (%s): got %v more %v, want %v more %v", pageString(p), i, parent, got, pages[i].More, want, more)
							if failures++; failures > 10 {
								t.Fatal("too many failures")
							}
						}
					}
				}
			}
		}
	}
}

func testSegmentProfilePages(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B", "C", "D")
	ps := mustProfiles(t, s, 1, 2, 3, 4, 5, 6, 7, 8)
	mustAdd(t, s, sg[0].ID, ps[:7]...)
	mustAdd(t, s, sg[1].ID, ps[1], ps[3], ps[5])
	mustAdd(t, s, sg[2].ID, ps[7])
	children := map[string][]string{
		sg[0].ID: sorted(profileIDs(ps[:7])),
		sg[1].ID: sorted([]string{ps[1].ID, ps[3].ID, ps[5].ID}),
		sg[2].ID: {ps[7].ID},
	}
	all := sorted(profileIDs(ps))
	parents := []string{sg[0].ID, missingUUID, sg[1].ID, sg[2].ID, sg[3].ID, sg[0].ID}
	checkParentPages(t, parents, children, []string{all[1], all[4], lowUUID},
		func(ids []string, p store.Page[string]) ([]store.PageOf[*store.ShopperProfile], error) {
			return s.SegmentProfilePages(ctx, ids, p)
		}, func(p *store.ShopperProfile) string { return p.ID })

	// The items are whole profiles, as stored.
	pages := must(s.SegmentProfilePages(ctx, []string{sg[2].ID}, store.Page[string]{Limit: 5}))(t)
	same(t, "profile page", pages[0].Items, must(s.ShopperProfilesByIDs(ctx, []string{ps[7].ID}))(t))
	same(t, "no parents", must(s.SegmentProfilePages(ctx, nil, store.Page[string]{Limit: 5}))(t), []store.PageOf[*store.ShopperProfile]{})
}

func testProfileSegmentPages(t *testing.T, s store.Store) {
	ctx := t.Context()
	var names []string
	for i := range 6 {
		names = append(names, fmt.Sprintf("S%d", i))
	}
	sg := mustSegments(t, s, names...)
	ps := mustProfiles(t, s, 1, 2, 3)
	for _, x := range sg {
		mustAdd(t, s, x.ID, ps[0])
	}
	mustAdd(t, s, sg[1].ID, ps[1])
	mustAdd(t, s, sg[3].ID, ps[1])
	children := map[string][]string{
		ps[0].ID: sorted(segmentIDs(sg)),
		ps[1].ID: sorted([]string{sg[1].ID, sg[3].ID}),
	}
	all := sorted(segmentIDs(sg))
	parents := []string{ps[1].ID, ps[0].ID, ps[2].ID, "junk", ps[0].ID}
	checkParentPages(t, parents, children, []string{all[0], all[3], highUUID},
		func(ids []string, p store.Page[string]) ([]store.PageOf[*store.Segment], error) {
			return s.ProfileSegmentPages(ctx, ids, p)
		}, func(sg *store.Segment) string { return sg.ID })

	pages := must(s.ProfileSegmentPages(ctx, []string{ps[1].ID}, store.Page[string]{Limit: 5}))(t)
	same(t, "segment page", pages[0].Items, must(s.SegmentsByIDs(ctx, sorted([]string{sg[1].ID, sg[3].ID})))(t))
}

func testSegmentPromotionPages(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B", "C")
	both := func() *store.Condition {
		return &store.Condition{Or: []store.Condition{{ID: []string{sg[0].ID}}, {Not: anyOf(sg[1].ID, sg[0].ID)}}}
	}
	for _, p := range []store.Promotion{
		promotion(10, both()), promotion(20, nil), promotion(30, anyOf(sg[0].ID)),
		promotion(40, both()), promotion(60, anyOf(sg[0].ID)), promotion(70, both()),
	} {
		mustPromotion(t, s, p)
	}
	children := map[string][]int64{
		sg[0].ID: {10, 30, 40, 60, 70},
		sg[1].ID: {10, 40, 70},
	}
	parents := []string{sg[0].ID, sg[2].ID, sg[1].ID, sg[0].ID, missingUUID}
	checkParentPages(t, parents, children, []int64{10, 35, 70},
		func(ids []string, p store.Page[int64]) ([]store.PageOf[*store.Promotion], error) {
			return s.SegmentPromotionPages(ctx, ids, p)
		}, func(p *store.Promotion) int64 { return p.ID })

	pages := must(s.SegmentPromotionPages(ctx, []string{sg[1].ID}, store.Page[int64]{Limit: 1, Backward: true}))(t)
	same(t, "promotion page", pages[0].Items, must(s.PromotionsByIDs(ctx, []int64{70}))(t))
}
