package cache

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/segql/segql/store"
)

// TestWritesInvalidate runs every write through a warm cache: it bumps
// exactly the generations and versions it should, and every cached read
// then answers what the store answers.
func TestWritesInvalidate(t *testing.T) {
	ver := func(family string, ids ...any) []string {
		var out []string
		for _, id := range ids {
			out = append(out, fmt.Sprintf("ver:%s:%v", family, id))
		}
		return out
	}
	gen := func(families ...string) []string {
		var out []string
		for _, f := range families {
			out = append(out, "gen:"+f)
		}
		return out
	}
	cat := func(lists ...[]string) []string {
		out := []string{}
		for _, l := range lists {
			out = append(out, l...)
		}
		sort.Strings(out)
		return out
	}
	cases := []struct {
		name string
		// write writes through c, may add ids to w, and says what it
		// should bump.
		write func(t *testing.T, ctx context.Context, c store.Store, w *world) []string
	}{
		{"CreateSegments", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.CreateSegments(ctx, []store.NewSegment{{Name: "New"}, {Name: "S1"}})
			if err != nil || len(r.Items) != 1 || len(r.Errors) != 1 {
				t.Fatalf("create: %+v, %v", r, err)
			}
			w.segments = append(w.segments, r.Items[0].ID)
			return cat(ver(famSegment, r.Items[0].ID))
		}},
		{"UpdateSegments", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.UpdateSegments(ctx, []store.SegmentUpdate{{ID: w.segments[2], Name: ptr("Renamed")}, {ID: missingUUID, Name: ptr("X")}})
			if err != nil || len(r.Items) != 1 {
				t.Fatalf("update: %+v, %v", r, err)
			}
			return cat(ver(famSegment, w.segments[2]))
		}},
		{"DeleteSegments/named by promotions", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.DeleteSegments(ctx, []string{w.segments[0], missingUUID})
			if err != nil || len(r.IDs) != 1 {
				t.Fatalf("delete: %+v, %v", r, err)
			}
			same(t, "invalidated promotions", r.InvalidatedPromotionIDs, []int64{10, 30, 50, 60})
			return cat(ver(famSegment, w.segments[0]), ver(famSegPromos, w.segments[0]), ver(famPromotion, 10, 30, 50, 60),
				gen(famEnabled, famProfile, famProfSegs))
		}},
		{"DeleteSegments/named by none", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.DeleteSegments(ctx, []string{w.segments[5]})
			if err != nil || len(r.IDs) != 1 || len(r.InvalidatedPromotionIDs) != 0 {
				t.Fatalf("delete: %+v, %v", r, err)
			}
			return cat(ver(famSegment, w.segments[5]), ver(famSegPromos, w.segments[5]), gen(famProfile, famProfSegs))
		}},
		{"CreateShopperProfiles", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.CreateShopperProfiles(ctx, []int64{6, 1})
			if err != nil || len(r.Items) != 1 {
				t.Fatalf("create: %+v, %v", r, err)
			}
			w.profiles = append(w.profiles, r.Items[0].ID)
			return cat(ver(famProfile, r.Items[0].ID), ver(famProfileByC, 6))
		}},
		{"DeleteShopperProfiles", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.DeleteShopperProfiles(ctx, []string{w.profiles[1]})
			if err != nil || len(r.IDs) != 1 {
				t.Fatalf("delete: %+v, %v", r, err)
			}
			return cat(ver(famProfile, w.profiles[1]), ver(famProfSegs, w.profiles[1]), gen(famProfileByC))
		}},
		{"AddSegmentMembers", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.AddSegmentMembers(ctx, w.segments[4], []string{w.profiles[1], w.profiles[0]})
			if err != nil || len(r.Changed) != 1 || len(r.Unchanged) != 1 {
				t.Fatalf("add: %+v, %v", r, err)
			}
			return cat(ver(famProfile, w.profiles[1]), ver(famProfSegs, w.profiles[1]))
		}},
		{"RemoveSegmentMembers", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.RemoveSegmentMembers(ctx, w.segments[0], []string{w.profiles[0], w.profiles[3]})
			if err != nil || len(r.Changed) != 1 || len(r.Unchanged) != 1 {
				t.Fatalf("remove: %+v, %v", r, err)
			}
			return cat(ver(famProfile, w.profiles[0]), ver(famProfSegs, w.profiles[0]))
		}},
		{"UpsertCustomers", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			changed := customer(2)
			changed.OrderCount = 50
			r, err := c.UpsertCustomers(ctx, []store.Customer{changed, customer(7)})
			if err != nil || len(r.Items) != 2 {
				t.Fatalf("upsert: %+v, %v", r, err)
			}
			w.customers = append(w.customers, 7)
			return cat(ver(famCustomer, 2, 7))
		}},
		{"DeleteCustomers", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.DeleteCustomers(ctx, []int64{1, 99})
			if err != nil || len(r.IDs) != 1 {
				t.Fatalf("delete: %+v, %v", r, err)
			}
			return cat(ver(famCustomer, 1), ver(famProfileByC, 1), gen(famProfile, famProfSegs))
		}},
		{"CreatePromotion", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.CreatePromotion(ctx, promotion(70, store.StatusEnabled, anyOf(w.segments[4])))
			if err != nil || len(r.Items) != 1 {
				t.Fatalf("create: %+v, %v", r, err)
			}
			w.promotions = append(w.promotions, 70)
			return cat(ver(famPromotion, 70), gen(famEnabled, famSegPromos))
		}},
		{"UpdatePromotion", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.UpdatePromotion(ctx, store.PromotionUpdate{ID: 10, Customer: &store.Targeting{Segments: anyOf(w.segments[5])}})
			if err != nil || len(r.Items) != 1 {
				t.Fatalf("update: %+v, %v", r, err)
			}
			return cat(ver(famPromotion, 10), gen(famEnabled, famSegPromos))
		}},
		{"DeletePromotions", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.DeletePromotions(ctx, []int64{40, 999})
			if err != nil || len(r.IDs) != 1 {
				t.Fatalf("delete: %+v, %v", r, err)
			}
			return cat(ver(famPromotion, 40), gen(famEnabled, famSegPromos))
		}},
		{"Import", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			id := store.NewID()
			err := c.Import(ctx, func(im store.Importer) error {
				if err := im.Segment(ctx, store.Pos{}, store.Segment{ID: id, Name: "Imported"}); err != nil {
					return err
				}
				return im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: id, ProfileID: w.profiles[2]})
			})
			if err != nil {
				t.Fatal(err)
			}
			w.segments = append(w.segments, id)
			return cat(gen(allFamilies...))
		}},
		{"rejected write", func(t *testing.T, ctx context.Context, c store.Store, w *world) []string {
			r, err := c.UpdateSegments(ctx, []store.SegmentUpdate{{ID: missingUUID, Name: ptr("X")}})
			if err != nil || len(r.Errors) != 1 {
				t.Fatalf("update: %+v, %v", r, err)
			}
			return []string{}
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					ctx := t.Context()
					rdb := testClient(t)
					raw := b.open(t)
					w := newWorld(t, raw)
					next := count(raw)
					o := testOptions(t, rdb)
					c := New(next, rdb, o)
					takeSnapshot(t, c, w)
					noCalls(t, next, "warm snapshot", func() { takeSnapshot(t, c, w) })

					before := counters(t, rdb, o.Prefix)
					want := tc.write(t, ctx, c, &w)
					same(t, "bumped", bumped(before, counters(t, rdb, o.Prefix)), want)

					same(t, "cached reads after the write", takeSnapshot(t, c, w), takeSnapshot(t, raw, w))
					noCalls(t, next, "warm again", func() { takeSnapshot(t, c, w) })
				})
			}
		})
	}
}

// TestDeleteSegmentsShowsInvalidPromotions: deleting a segment through the
// cache makes the promotions naming it INVALID everywhere the cache
// answers them, and takes the segment out of its members' pages.
func TestDeleteSegmentsShowsInvalidPromotions(t *testing.T) {
	ctx := t.Context()
	rdb := testClient(t)
	raw := openSQLite(t)
	w := newWorld(t, raw)
	c := New(raw, rdb, testOptions(t, rdb))
	enabledIDs := func() []int64 {
		var ids []int64
		for _, p := range must(c.EnabledPromotions(ctx))(t) {
			ids = append(ids, p.ID)
		}
		return ids
	}
	firstPage := func() []string {
		var ids []string
		for _, sg := range must(c.ProfileSegmentPages(ctx, w.profiles[:1], store.Page[string]{Limit: 2}))(t)[0].Items {
			ids = append(ids, sg.ID)
		}
		return ids
	}
	same(t, "enabled before", enabledIDs(), []int64{10, 20, 40, 50, 60})
	same(t, "promotion 10 before", must(c.PromotionsByIDs(ctx, []int64{10}))(t)[0].Status, store.StatusEnabled)
	same(t, "S0 promotions before", len(must(c.SegmentPromotionPages(ctx, w.segments[:1], store.Page[int64]{Limit: 10}))(t)[0].Items), 4)
	same(t, "first page before", firstPage(), w.segments[:2])

	d := must(c.DeleteSegments(ctx, w.segments[:1]))(t)
	same(t, "invalidated", d.InvalidatedPromotionIDs, []int64{10, 30, 50, 60})

	same(t, "enabled after", enabledIDs(), []int64{20, 40})
	for _, p := range must(c.PromotionsByIDs(ctx, []int64{10, 30, 50, 60}))(t) {
		if p.Status != store.StatusInvalid {
			t.Errorf("promotion %d is %s, want INVALID", p.ID, p.Status)
		}
	}
	same(t, "S0 promotions after", normalize(must(c.SegmentPromotionPages(ctx, w.segments[:1], store.Page[int64]{Limit: 10}))(t)), []store.PageOf[*store.Promotion]{{}})
	same(t, "S0 promotion count after", must(c.CountSegmentPromotions(ctx, w.segments[:1]))(t), []int{0})
	same(t, "first page after", firstPage(), w.segments[1:3])
	same(t, "segment after", must(c.SegmentsByIDs(ctx, w.segments[:1]))(t), []*store.Segment{nil})
}

// TestMembershipChangesVisibleThroughPages: adding and removing members
// through the cache shows in the profiles' pages and counts at once.
func TestMembershipChangesVisibleThroughPages(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			rdb := testClient(t)
			raw := b.open(t)
			w := newWorld(t, raw)
			c := New(raw, rdb, testOptions(t, rdb))
			p1 := w.profiles[1]
			segmentsOf := func() ([]string, int, []string) {
				var ids []string
				for _, sg := range must(c.ProfileSegmentPages(ctx, []string{p1}, store.Page[string]{Limit: 10}))(t)[0].Items {
					ids = append(ids, sg.ID)
				}
				return ids, must(c.CountProfileSegments(ctx, []string{p1}))(t)[0], must(c.ProfileSegmentIDs(ctx, []string{p1}))(t)[0]
			}
			check := func(what string, want ...string) {
				t.Helper()
				ids, n, list := segmentsOf()
				same(t, what+": page", ids, want)
				same(t, what+": count", n, len(want))
				same(t, what+": ids", list, want)
			}
			check("before", w.segments[1], w.segments[3])
			before := must(c.ShopperProfilesByCustomerIDs(ctx, []int64{2}))(t)[0]

			mustWrite(t, "add", must(c.AddSegmentMembers(ctx, w.segments[4], []string{p1}))(t).Errors, nil)
			check("after add", w.segments[1], w.segments[3], w.segments[4])
			after := must(c.ShopperProfilesByCustomerIDs(ctx, []int64{2}))(t)[0]
			if !after.UpdatedAt.After(before.UpdatedAt) && after.UpdatedAt != before.UpdatedAt {
				t.Errorf("updated_at went back: %v, then %v", before.UpdatedAt, after.UpdatedAt)
			}
			same(t, "profile by customer after add", after, must(raw.ShopperProfilesByIDs(ctx, []string{p1}))(t)[0])

			mustWrite(t, "remove", must(c.RemoveSegmentMembers(ctx, w.segments[1], []string{p1}))(t).Errors, nil)
			check("after remove", w.segments[3], w.segments[4])
			same(t, "profile after remove", must(c.ShopperProfilesByIDs(ctx, []string{p1}))(t), must(raw.ShopperProfilesByIDs(ctx, []string{p1}))(t))
			if !slices.IsSorted(w.segments) {
				t.Fatal("world segments unsorted")
			}
		})
	}
}
