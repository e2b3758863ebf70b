package sqlite

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

// resetStatements empties a store's statement cache, so a test sees the
// statements of the calls it makes next.
func resetStatements(t *testing.T, s *Store) {
	t.Helper()
	if err := s.prepared.close(); err != nil {
		t.Fatal(err)
	}
	s.prepared = newStmtCache(s.db)
}

func cachedTexts(s *Store) map[string]bool {
	s.prepared.mu.Lock()
	defer s.prepared.mu.Unlock()
	out := map[string]bool{}
	for q := range s.prepared.byText {
		out[q] = true
	}
	return out
}

// stmtFixture fills a store with two of everything: customers 1 and 2,
// their profiles, two segments both profiles are in, and an enabled
// promotion targeting the first segment.
type stmtFixture struct {
	profiles, segments []string
}

func fillForStatements(t *testing.T, s *Store) stmtFixture {
	t.Helper()
	ctx := t.Context()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := stmtFixture{
		profiles: []string{"00000000-0000-7000-8000-200000000001", "00000000-0000-7000-8000-200000000002"},
		segments: []string{"00000000-0000-7000-8000-100000000001", "00000000-0000-7000-8000-100000000002"},
	}
	err := s.Import(ctx, func(im store.Importer) error {
		for i, id := range f.segments {
			if err := im.Segment(ctx, store.Pos{}, store.Segment{ID: id, Name: fmt.Sprintf("Segment %d", i), CreatedAt: base, UpdatedAt: base}); err != nil {
				return err
			}
		}
		for i, id := range f.profiles {
			cid := int64(i + 1)
			if err := im.Customer(ctx, store.Pos{}, store.Customer{ID: cid, Email: fmt.Sprintf("c%d@example.com", cid), FirstName: "F", LastName: "L", CreatedAt: base, UpdatedAt: base}); err != nil {
				return err
			}
			if err := im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: id, CustomerID: cid, CreatedAt: base, UpdatedAt: base}); err != nil {
				return err
			}
			for _, seg := range f.segments {
				if err := im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: seg, ProfileID: id}); err != nil {
					return err
				}
			}
		}
		return im.Promotion(ctx, store.Pos{}, store.Promotion{ID: 1, Name: "P", RedemptionType: store.RedemptionAutomatic,
			Status: store.StatusEnabled, StartsAt: base, CurrencyCode: "USD",
			Customer: store.Targeting{Segments: &store.Condition{ID: []string{f.segments[0]}}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// keys gives n keys: the fixture's own first, then ones of no row.
func keys(own []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		if i < len(own) {
			out[i] = own[i]
		} else {
			out[i] = fmt.Sprintf("00000000-0000-7000-8000-9%011d", i)
		}
	}
	return out
}

func intKeys(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

func errOf[T any](_ T, err error) error { return err }

// TestStatementsReused checks that every read and write runs through the
// statement cache, and that its SQL text, and so its statement, is the
// same whatever the number of keys or items: the first calls cache the
// call's statements, calls with 8 to 250 keys add none.
func TestStatementsReused(t *testing.T) {
	s := open(t)
	f := fillForStatements(t, s)
	resetStatements(t, s)
	seg, prof := f.segments, f.profiles
	page := store.Page[string]{Limit: 10}
	after := store.Page[string]{Limit: 10, After: &seg[0]}
	before := store.Page[string]{Limit: 10, Backward: true, Before: &prof[1]}
	ipage := store.Page[int64]{Limit: 10}
	group := int64(1)
	emails := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("C%d@example.com", i+1)
		}
		return out
	}
	created := 0
	names := func(n int) []store.NewSegment {
		out := make([]store.NewSegment, n)
		for i := range out {
			created++
			out[i] = store.NewSegment{Name: fmt.Sprintf("New %d", created)}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		call func(ctx context.Context, n int) error
	}{
		{"SegmentsByIDs", func(ctx context.Context, n int) error { return errOf(s.SegmentsByIDs(ctx, keys(seg, n))) }},
		{"ShopperProfilesByIDs", func(ctx context.Context, n int) error { return errOf(s.ShopperProfilesByIDs(ctx, keys(prof, n))) }},
		{"ShopperProfilesByCustomerIDs", func(ctx context.Context, n int) error {
			return errOf(s.ShopperProfilesByCustomerIDs(ctx, intKeys(n)))
		}},
		{"CustomersByIDs", func(ctx context.Context, n int) error { return errOf(s.CustomersByIDs(ctx, intKeys(n))) }},
		{"PromotionsByIDs", func(ctx context.Context, n int) error { return errOf(s.PromotionsByIDs(ctx, intKeys(n))) }},
		{"ProfileSegmentIDs", func(ctx context.Context, n int) error { return errOf(s.ProfileSegmentIDs(ctx, keys(prof, n))) }},
		// The first call loads, the second reads the version only.
		{"EnabledPromotions", func(ctx context.Context, n int) error { return errOf(s.EnabledPromotions(ctx)) }},
		{"ListSegments", func(ctx context.Context, n int) error {
			return errOf(s.ListSegments(ctx, store.SegmentFilter{}, after))
		}},
		{"ListSegments/Name", func(ctx context.Context, n int) error {
			return errOf(s.ListSegments(ctx, store.SegmentFilter{NameContains: "seg"}, page))
		}},
		{"ListSegments/IDs", func(ctx context.Context, n int) error {
			return errOf(s.ListSegments(ctx, store.SegmentFilter{IDs: keys(seg, n)}, page))
		}},
		{"CountSegments/IDs", func(ctx context.Context, n int) error {
			return errOf(s.CountSegments(ctx, store.SegmentFilter{IDs: keys(seg, n)}))
		}},
		{"ListShopperProfiles/Customers", func(ctx context.Context, n int) error {
			return errOf(s.ListShopperProfiles(ctx, store.ShopperProfileFilter{CustomerIDs: intKeys(n)}, before))
		}},
		{"CountShopperProfiles/Customers", func(ctx context.Context, n int) error {
			return errOf(s.CountShopperProfiles(ctx, store.ShopperProfileFilter{CustomerIDs: intKeys(n)}))
		}},
		{"ListCustomers/Emails", func(ctx context.Context, n int) error {
			return errOf(s.ListCustomers(ctx, store.CustomerFilter{Emails: emails(n), CustomerGroupID: &group}, ipage))
		}},
		{"CountCustomers/Emails", func(ctx context.Context, n int) error {
			return errOf(s.CountCustomers(ctx, store.CustomerFilter{Emails: emails(n)}))
		}},
		{"ListPromotions/TargetedSegment", func(ctx context.Context, n int) error {
			return errOf(s.ListPromotions(ctx, store.PromotionFilter{TargetedSegment: seg[0], Status: store.StatusEnabled}, ipage))
		}},
		{"CountPromotions", func(ctx context.Context, n int) error { return errOf(s.CountPromotions(ctx, store.PromotionFilter{})) }},
		{"SegmentProfilePages", func(ctx context.Context, n int) error {
			return errOf(s.SegmentProfilePages(ctx, keys(seg, n), before))
		}},
		{"ProfileSegmentPages", func(ctx context.Context, n int) error {
			return errOf(s.ProfileSegmentPages(ctx, keys(prof, n), page))
		}},
		{"SegmentPromotionPages", func(ctx context.Context, n int) error {
			return errOf(s.SegmentPromotionPages(ctx, keys(seg, n), ipage))
		}},
		{"CountSegmentProfiles", func(ctx context.Context, n int) error { return errOf(s.CountSegmentProfiles(ctx, keys(seg, n))) }},
		{"CountProfileSegments", func(ctx context.Context, n int) error { return errOf(s.CountProfileSegments(ctx, keys(prof, n))) }},
		{"CountSegmentPromotions", func(ctx context.Context, n int) error {
			return errOf(s.CountSegmentPromotions(ctx, keys(seg, n)))
		}},
		{"Ping", func(ctx context.Context, n int) error { return s.Ping(ctx) }},
		{"SchemaVersion", func(ctx context.Context, n int) error { return errOf(s.SchemaVersion(ctx)) }},
		{"CreateSegments", func(ctx context.Context, n int) error { return errOf(s.CreateSegments(ctx, names(n))) }},
		// The fixture's first profile leaves the second segment on the
		// first call and comes back on the second.
		{"RemoveSegmentMembers", func(ctx context.Context, n int) error {
			return errOf(s.RemoveSegmentMembers(ctx, seg[1], keys(prof[:1], n)))
		}},
		{"AddSegmentMembers", func(ctx context.Context, n int) error {
			return errOf(s.AddSegmentMembers(ctx, seg[1], keys(prof[:1], n)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			start := cachedTexts(s)
			for range 2 {
				if err := tc.call(ctx, 1); err != nil {
					t.Fatal(err)
				}
			}
			first := cachedTexts(s)
			if len(first) == len(start) {
				t.Fatalf("the call cached no statement")
			}
			for _, n := range []int{8, 50, 250} {
				if err := tc.call(ctx, n); err != nil {
					t.Fatal(err)
				}
				if now := cachedTexts(s); len(now) != len(first) {
					maps.DeleteFunc(now, func(q string, _ bool) bool { return first[q] })
					t.Errorf("%d keys: new statements %q", n, slices.Sorted(maps.Keys(now)))
				}
			}
		})
	}
}

// TestStatementCacheBound fills a cache bounded to two statements: reads
// and writes past the bound prepare their statements per call and answer
// as before, and the cache stays at two.
func TestStatementCacheBound(t *testing.T) {
	s := open(t)
	resetStatements(t, s)
	s.prepared.max = 2
	ctx := t.Context()
	w, err := s.CreateSegments(ctx, []store.NewSegment{{Name: "Alpha"}, {Name: "Beta"}})
	if err != nil || len(w.Errors) > 0 || len(w.Items) != 2 {
		t.Fatalf("create: %+v %v", w, err)
	}
	if n := s.prepared.len(); n != 2 {
		t.Fatalf("%d statements cached, want 2", n)
	}
	ids := []string{w.Items[1].ID, w.Items[0].ID}
	got, err := s.SegmentsByIDs(ctx, ids)
	if err != nil || len(got) != 2 || got[0] == nil || got[0].Name != "Beta" || got[1] == nil || got[1].Name != "Alpha" {
		t.Errorf("segments by ids: %+v %v", got, err)
	}
	n, err := s.CountSegments(ctx, store.SegmentFilter{})
	if err != nil || n != 2 {
		t.Errorf("count: %d %v, want 2", n, err)
	}
	p, err := s.ListSegments(ctx, store.SegmentFilter{NameContains: "alp"}, store.Page[string]{Limit: 10})
	if err != nil || len(p.Items) != 1 || p.Items[0].Name != "Alpha" {
		t.Errorf("list: %+v %v", p, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
	if n := s.prepared.len(); n != 2 {
		t.Errorf("%d statements cached, want 2", n)
	}
}

// TestClosedStore checks that Close closes the cached statements and that
// a store read after Close fails, as before there was a cache.
func TestClosedStore(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "segql.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := s.SegmentsByIDs(ctx, []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if s.prepared.len() == 0 {
		t.Fatal("the read cached no statement")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.prepared.len(); n != 0 {
		t.Errorf("%d statements left after Close", n)
	}
	if _, err := s.SegmentsByIDs(ctx, []string{"x"}); err == nil {
		t.Error("a read after Close succeeded")
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}
}
