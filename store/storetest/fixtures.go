package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

// customer is a valid customer with the given id.
func customer(id int64) store.Customer {
	return store.Customer{
		ID:        id,
		Email:     fmt.Sprintf("customer%d@example.com", id),
		FirstName: "First",
		LastName:  fmt.Sprintf("Last%d", id),
	}
}

// promotion is a valid ENABLED promotion targeting cond (nil: everyone).
func promotion(id int64, cond *store.Condition) store.Promotion {
	return store.Promotion{
		ID:             id,
		Name:           fmt.Sprintf("Promotion %d", id),
		DisplayName:    fmt.Sprintf("Deal %d", id),
		RedemptionType: store.RedemptionAutomatic,
		Status:         store.StatusEnabled,
		StartsAt:       time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		CurrencyCode:   "USD",
		Customer:       store.Targeting{Segments: cond},
	}
}

// anyOf is the condition "in any of these segments".
func anyOf(ids ...string) *store.Condition { return &store.Condition{ID: ids} }

func ptr[T any](v T) *T { return &v }

func mustCustomers(t *testing.T, s store.Store, ids ...int64) []*store.Customer {
	t.Helper()
	in := make([]store.Customer, len(ids))
	for i, id := range ids {
		in[i] = customer(id)
	}
	w, err := s.UpsertCustomers(t.Context(), in)
	mustWrite(t, "upsert customers", w.Errors, err)
	return w.Items
}

func mustSegments(t *testing.T, s store.Store, names ...string) []*store.Segment {
	t.Helper()
	in := make([]store.NewSegment, len(names))
	for i, n := range names {
		in[i] = store.NewSegment{Name: n, Description: "about " + n}
	}
	w, err := s.CreateSegments(t.Context(), in)
	mustWrite(t, "create segments", w.Errors, err)
	return w.Items
}

// mustProfiles creates the customers and a profile for each.
func mustProfiles(t *testing.T, s store.Store, customerIDs ...int64) []*store.ShopperProfile {
	t.Helper()
	mustCustomers(t, s, customerIDs...)
	w, err := s.CreateShopperProfiles(t.Context(), customerIDs)
	mustWrite(t, "create shopper profiles", w.Errors, err)
	return w.Items
}

func mustAdd(t *testing.T, s store.Store, segmentID string, profiles ...*store.ShopperProfile) {
	t.Helper()
	c, err := s.AddSegmentMembers(t.Context(), segmentID, profileIDs(profiles))
	mustWrite(t, "add segment members", c.Errors, err)
}

func mustPromotion(t *testing.T, s store.Store, p store.Promotion) *store.Promotion {
	t.Helper()
	w, err := s.CreatePromotion(t.Context(), p)
	mustWrite(t, "create promotion", w.Errors, err)
	return w.Items[0]
}

func mustWrite(t *testing.T, what string, errs []store.UserError, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(errs) > 0 {
		t.Fatalf("%s: rejected: %+v", what, errs)
	}
}

// must passes on a call's result and fails the test on its error:
// must(s.SegmentsByIDs(ctx, ids))(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mustImport(t *testing.T, s store.Store, fill func(ctx context.Context, im store.Importer) error) {
	t.Helper()
	ctx := t.Context()
	if err := s.Import(ctx, func(im store.Importer) error { return fill(ctx, im) }); err != nil {
		t.Fatalf("import: %v", err)
	}
}

func profileIDs(ps []*store.ShopperProfile) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func segmentIDs(ss []*store.Segment) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

// sorted returns a sorted copy.
func sorted[K store.Key](ks []K) []K {
	out := slices.Clone(ks)
	slices.Sort(out)
	return out
}

// wantErr is a UserError as a test expects it; the message only has to be
// there.
type wantErr struct {
	Index int
	Field string
	Code  store.Code
}

func checkErrors(t *testing.T, what string, got []store.UserError, want ...wantErr) {
	t.Helper()
	g := make([]wantErr, len(got))
	for i, e := range got {
		g[i] = wantErr{e.Index, e.Field, e.Code}
		if strings.TrimSpace(e.Message) == "" {
			t.Errorf("%s: user error %+v has no message", what, e)
		}
	}
	if len(want) == 0 {
		want = []wantErr{}
	}
	if d := diff(g, want); d != "" {
		t.Errorf("%s: user errors %+v, want %+v (%s)", what, g, want, d)
	}
}

// world is a small store: customers 1..5, profiles for 1..4, three
// segments, memberships and three promotions.
type world struct {
	customers  []*store.Customer       // ids 1..5
	profiles   []*store.ShopperProfile // customers 1..4
	segments   []*store.Segment        // Alpha, Beta, Gamma
	promotions []*store.Promotion      // 1: Alpha, 2: Alpha or Beta, 3: no condition (DISABLED)
	// members[i] are the profiles of segments[i].
	members [][]*store.ShopperProfile
}

func newWorld(t *testing.T, s store.Store) *world {
	t.Helper()
	w := &world{}
	w.customers = mustCustomers(t, s, 1, 2, 3, 4, 5)
	c, err := s.CreateShopperProfiles(t.Context(), []int64{1, 2, 3, 4})
	mustWrite(t, "create shopper profiles", c.Errors, err)
	w.profiles = c.Items
	w.segments = mustSegments(t, s, "Alpha", "Beta", "Gamma")
	p := w.profiles
	w.members = [][]*store.ShopperProfile{{p[0], p[1]}, {p[1], p[2], p[3]}, {}}
	for i, m := range w.members {
		if len(m) > 0 {
			mustAdd(t, s, w.segments[i].ID, m...)
		}
	}
	// Adding members touched the profiles: read them again.
	w.profiles = must(s.ShopperProfilesByIDs(t.Context(), profileIDs(p)))(t)
	for i, m := range w.members {
		w.members[i] = must(s.ShopperProfilesByIDs(t.Context(), profileIDs(m)))(t)
	}
	sg := w.segments
	p3 := promotion(3, nil)
	p3.Status = store.StatusDisabled
	w.promotions = []*store.Promotion{
		mustPromotion(t, s, promotion(1, anyOf(sg[0].ID))),
		mustPromotion(t, s, promotion(2, &store.Condition{Or: []store.Condition{{ID: []string{sg[0].ID}}, {ID: []string{sg[1].ID}}}})),
		mustPromotion(t, s, p3),
	}
	return w
}

// snapshot is everything a store holds, read through its own methods, to
// check that a failed write left it exactly as it was.
type snapshot struct {
	Customers     []*store.Customer
	Segments      []*store.Segment
	Profiles      []*store.ShopperProfile
	Promotions    []*store.Promotion
	Memberships   [][]string // segment ids of each profile
	Targeted      [][]int64  // promotion ids naming each segment
	SegmentCount  int
	CustomerCount int
}

func takeSnapshot(t *testing.T, s store.Store) snapshot {
	t.Helper()
	ctx := t.Context()
	var sn snapshot
	sn.Customers = readAll(t, func(p store.Page[int64]) (store.PageOf[*store.Customer], error) {
		return s.ListCustomers(ctx, store.CustomerFilter{}, p)
	}, func(c *store.Customer) int64 { return c.ID })
	sn.Segments = readAll(t, func(p store.Page[string]) (store.PageOf[*store.Segment], error) {
		return s.ListSegments(ctx, store.SegmentFilter{}, p)
	}, func(s *store.Segment) string { return s.ID })
	sn.Profiles = readAll(t, func(p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
		return s.ListShopperProfiles(ctx, store.ShopperProfileFilter{}, p)
	}, func(p *store.ShopperProfile) string { return p.ID })
	sn.Promotions = readAll(t, func(p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
		return s.ListPromotions(ctx, store.PromotionFilter{}, p)
	}, func(p *store.Promotion) int64 { return p.ID })
	sn.Memberships = must(s.ProfileSegmentIDs(ctx, profileIDs(sn.Profiles)))(t)
	for i := range sn.Memberships {
		sn.Memberships[i] = sorted(sn.Memberships[i])
	}
	pages := must(s.SegmentPromotionPages(ctx, segmentIDs(sn.Segments), store.Page[int64]{Limit: 250}))(t)
	for _, pg := range pages {
		var ids []int64
		for _, p := range pg.Items {
			ids = append(ids, p.ID)
		}
		sn.Targeted = append(sn.Targeted, ids)
	}
	sn.SegmentCount = must(s.CountSegments(ctx, store.SegmentFilter{}))(t)
	sn.CustomerCount = must(s.CountCustomers(ctx, store.CustomerFilter{}))(t)
	return sn
}

// readAll reads a whole list page by page.
func readAll[K store.Key, T any](t *testing.T, read func(store.Page[K]) (store.PageOf[T], error), key func(T) K) []T {
	t.Helper()
	var out []T
	p := store.Page[K]{Limit: 250}
	for {
		pg := must(read(p))(t)
		out = append(out, pg.Items...)
		if !pg.More || len(pg.Items) == 0 {
			return out
		}
		k := key(pg.Items[len(pg.Items)-1])
		p.After = &k
	}
}
