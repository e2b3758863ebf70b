package demo

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segql/segql/importer/importtest"
	"github.com/segql/segql/store"
	"github.com/segql/segql/store/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "segql.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seeded is a fresh store seeded once, with what Seed reported.
type seeded struct {
	store *sqlite.Store
	stats Stats
	err   error
	snap  *importtest.Snapshot
}

// TestSeed seeds two fresh stores at once (seeding is slow under -race)
// and checks them.
func TestSeed(t *testing.T) {
	ctx := t.Context()
	day := time.Now().UTC().Truncate(24 * time.Hour)
	stores := []*seeded{{store: openStore(t)}, {store: openStore(t)}}
	for _, s := range stores {
		empty, err := Empty(ctx, s.store)
		if err != nil || !empty {
			t.Fatalf("a fresh store: Empty = %v, %v; want true", empty, err)
		}
	}
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Go(func() { s.stats, s.err = Seed(ctx, s.store) })
	}
	wg.Wait()
	for _, s := range stores {
		if s.err != nil {
			t.Fatal(s.err)
		}
		snap, err := importtest.Take(ctx, s.store)
		if err != nil {
			t.Fatal(err)
		}
		s.snap = snap
	}
	a := stores[0]

	t.Run("counts", func(t *testing.T) {
		st := a.stats
		if st.Segments != 40 || st.Customers != 3000 || st.Promotions != 36 {
			t.Errorf("stats = %+v, want 40 segments, 3000 customers, 36 promotions", st)
		}
		if st.ShopperProfiles < 2600 || st.ShopperProfiles > 2800 {
			t.Errorf("%d shopper profiles, want about 90%% of the customers", st.ShopperProfiles)
		}
		if st.Memberships < 3000 || st.Memberships > 15000 {
			t.Errorf("%d memberships, want several thousand", st.Memberships)
		}
		want := [4]int{st.Customers, st.Segments, st.ShopperProfiles, st.Promotions}
		if a.snap.Counts != want || len(a.snap.Memberships) != st.Memberships {
			t.Errorf("the store counts %v and %d memberships, Seed reported %+v", a.snap.Counts, len(a.snap.Memberships), st)
		}
		empty, err := Empty(ctx, a.store)
		if err != nil || empty {
			t.Errorf("a seeded store: Empty = %v, %v; want false", empty, err)
		}
	})

	t.Run("deterministic", func(t *testing.T) {
		if d := importtest.Diff(stores[1].snap, a.snap); d != "" {
			if !time.Now().UTC().Truncate(24 * time.Hour).Equal(day) {
				t.Skip("the day changed while seeding: promotion dates moved")
			}
			t.Errorf("two seeded stores differ:\n%s", d)
		}
		if g1, g2 := Generate(day), Generate(day.Add(23*time.Hour)); !reflect.DeepEqual(g1.Promotions, g2.Promotions) {
			t.Error("the data set changes within a day")
		}
	})

	t.Run("customers", func(t *testing.T) {
		email := regexp.MustCompile(`^[a-z]+\.[a-z]+\.(\d+)@example\.com$`)
		seen := map[string]bool{}
		groups := map[int64]int{}
		twoChannels := 0
		for _, c := range a.snap.Customers {
			m := email.FindStringSubmatch(c.Email)
			if m == nil || m[1] != fmt.Sprint(c.ID) {
				t.Errorf("customer %d has email %q, want first.last.%d@example.com", c.ID, c.Email, c.ID)
			}
			if seen[c.Email] {
				t.Errorf("email %q twice", c.Email)
			}
			seen[c.Email] = true
			groups[c.CustomerGroupID]++
			switch {
			case slices.Equal(c.ChannelIDs, []int64{1, 2}):
				twoChannels++
			case !slices.Equal(c.ChannelIDs, []int64{1}):
				t.Errorf("customer %d has channels %v, want [1] or [1 2]", c.ID, c.ChannelIDs)
			}
		}
		for g := range int64(5) {
			if groups[g] == 0 {
				t.Errorf("no customer in group %d", g)
			}
		}
		if len(groups) != 5 {
			t.Errorf("groups %v, want 0 to 4", groups)
		}
		if twoChannels == 0 {
			t.Error("no customer on two channels")
		}
	})

	t.Run("memberships", func(t *testing.T) {
		per := map[string]int{}
		for _, m := range a.snap.Memberships {
			per[m.ProfileID]++
		}
		most, none := 0, 0
		for _, p := range a.snap.ShopperProfiles {
			most = max(most, per[p.ID])
			if per[p.ID] == 0 {
				none++
			}
		}
		if most > maxSegmentsPerProfile || most < 5 {
			t.Errorf("the most segments of a profile is %d, want 5 to %d", most, maxSegmentsPerProfile)
		}
		if none == 0 {
			t.Error("every profile is in a segment, want some in none")
		}
	})

	t.Run("promotions pass the store's checks", func(t *testing.T) {
		for i, p := range a.snap.Promotions {
			if ue := store.CheckPromotion(i, *p); ue != nil {
				t.Errorf("promotion %d %q: %v", p.ID, p.Name, ue)
			}
		}
		for i, p := range Generate(time.Now()).Promotions {
			if ue := store.CheckPromotion(i, p); ue != nil {
				t.Errorf("generated promotion %d %q: %v", p.ID, p.Name, ue)
			}
		}
	})

	t.Run("every kind of targeting", func(t *testing.T) {
		checkTargetingKinds(t, a.snap.Promotions, time.Now())
	})

	t.Run("promotions target segments", func(t *testing.T) {
		if len(a.snap.SegmentPromotions) < 10 {
			t.Errorf("%d segments are targeted by promotions, want at least 10", len(a.snap.SegmentPromotions))
		}
	})
}

// checkTargetingKinds checks that the promotions use every kind of
// targeting and every state of a promotion.
func checkTargetingKinds(t *testing.T, promos []*store.Promotion, now time.Time) {
	t.Helper()
	active := func(p *store.Promotion) bool {
		return p.Status == store.StatusEnabled && !now.Before(p.StartsAt) && (p.EndsAt == nil || now.Before(*p.EndsAt))
	}
	kinds := []struct {
		name string
		is   func(*store.Promotion) bool
	}{
		{"no targeting", func(p *store.Promotion) bool {
			c := p.Customer
			return len(c.GroupIDs)+len(c.ExcludedGroupIDs) == 0 && c.MinimumOrderCount == 0 && c.Segments == nil
		}},
		{"group ids with guests (0)", func(p *store.Promotion) bool { return slices.Contains(p.Customer.GroupIDs, 0) }},
		{"group ids without guests", func(p *store.Promotion) bool {
			return len(p.Customer.GroupIDs) > 0 && !slices.Contains(p.Customer.GroupIDs, 0)
		}},
		{"excluded group ids", func(p *store.Promotion) bool { return len(p.Customer.ExcludedGroupIDs) > 0 }},
		{"minimum order count", func(p *store.Promotion) bool { return p.Customer.MinimumOrderCount > 0 }},
		{"id with one segment", func(p *store.Promotion) bool { s := p.Customer.Segments; return s != nil && len(s.ID) == 1 }},
		{"id with several segments", func(p *store.Promotion) bool { s := p.Customer.Segments; return s != nil && len(s.ID) > 1 }},
		{"not", func(p *store.Promotion) bool { return hasOperator(p.Customer.Segments, "not") }},
		{"and", func(p *store.Promotion) bool { return hasOperator(p.Customer.Segments, "and") }},
		{"or", func(p *store.Promotion) bool { return hasOperator(p.Customer.Segments, "or") }},
		{"two levels", func(p *store.Promotion) bool { return depth(p.Customer.Segments) == 2 }},
		{"three levels", func(p *store.Promotion) bool { return depth(p.Customer.Segments) == store.MaxConditionDepth }},
		{"segments with groups", func(p *store.Promotion) bool {
			return p.Customer.Segments != nil && len(p.Customer.GroupIDs) > 0
		}},
		{"active", active},
		{"active, targeting segments", func(p *store.Promotion) bool { return active(p) && p.Customer.Segments != nil }},
		{"disabled", func(p *store.Promotion) bool { return p.Status == store.StatusDisabled }},
		{"ended", func(p *store.Promotion) bool { return p.EndsAt != nil && !now.Before(*p.EndsAt) }},
		{"not started", func(p *store.Promotion) bool { return now.Before(p.StartsAt) }},
		{"never ends", func(p *store.Promotion) bool { return p.EndsAt == nil }},
		{"channel restricted", func(p *store.Promotion) bool { return len(p.ChannelIDs) > 0 }},
		{"coupon", func(p *store.Promotion) bool { return p.RedemptionType == store.RedemptionCoupon }},
		{"max uses left", func(p *store.Promotion) bool { return p.MaxUses != nil && p.CurrentUses < *p.MaxUses }},
		{"max uses used up", func(p *store.Promotion) bool { return p.MaxUses != nil && p.CurrentUses >= *p.MaxUses }},
		{"another currency", func(p *store.Promotion) bool { return p.CurrencyCode != "USD" }},
	}
	for _, k := range kinds {
		if !slices.ContainsFunc(promos, k.is) {
			t.Errorf("no promotion has %s", k.name)
		}
	}
}

// hasOperator reports whether a condition uses an operator anywhere.
func hasOperator(c *store.Condition, op string) bool {
	if c == nil {
		return false
	}
	switch {
	case c.Not != nil:
		return op == "not" || hasOperator(c.Not, op)
	case c.And != nil, c.Or != nil:
		if (c.And != nil && op == "and") || (c.Or != nil && op == "or") {
			return true
		}
		for _, sub := range append(slices.Clone(c.And), c.Or...) {
			if hasOperator(&sub, op) {
				return true
			}
		}
	}
	return false
}

// depth is the number of operator levels of a condition.
func depth(c *store.Condition) int {
	if c == nil || c.ID != nil {
		return 0
	}
	if c.Not != nil {
		return 1 + depth(c.Not)
	}
	deepest := 0
	for _, sub := range append(slices.Clone(c.And), c.Or...) {
		deepest = max(deepest, depth(&sub))
	}
	return 1 + deepest
}

func TestGenerateIsDeterministic(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	a, b := Generate(now), Generate(now)
	if !reflect.DeepEqual(a, b) {
		t.Error("two data sets generated at one time differ")
	}
	// Every name a promotion's condition uses is a segment.
	ids := map[string]bool{}
	for _, s := range a.Segments {
		ids[s.ID] = true
	}
	for _, p := range a.Promotions {
		for _, id := range p.Customer.Segments.SegmentIDs() {
			if !ids[id] {
				t.Errorf("promotion %d names segment %s, not in the data set", p.ID, id)
			}
		}
	}
	checkTargetingKinds(t, ptrs(a.Promotions), now)
}

func ptrs[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

func TestEmptyAfterOneCustomer(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	err := s.Import(ctx, func(imp store.Importer) error {
		return imp.Customer(ctx, store.Pos{}, store.Customer{ID: 1, Email: "a@example.com", FirstName: "A", LastName: "B"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if empty, err := Empty(ctx, s); err != nil || empty {
		t.Errorf("a store with one customer: Empty = %v, %v; want false", empty, err)
	}
}
