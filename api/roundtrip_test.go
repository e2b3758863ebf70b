package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/segql/segql/api"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/store"
)

// testID is a stable UUID for the i-th object of a kind.
func testID(kind string, i int) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s-%d", kind, i)).String()
}

// grid is a data set where every segment holds every profile and every
// promotion targets every segment: each connection in a nested query is
// full at any page size up to n. Its memberships and targeting make
// n×n rows each, so keep n to a few dozen.
func grid(n int) fixture {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var f fixture
	segIDs := make([]string, n)
	for i := range n {
		segIDs[i] = testID("segment", i)
		f.Segments = append(f.Segments, store.Segment{ID: segIDs[i], Name: fmt.Sprintf("Segment %03d", i), CreatedAt: base, UpdatedAt: base})
	}
	for i := range n {
		id := int64(i + 1)
		f.Customers = append(f.Customers, store.Customer{
			ID: id, Email: fmt.Sprintf("shopper%d@example.com", id), FirstName: "Shopper", LastName: fmt.Sprint(id),
			CreatedAt: base, UpdatedAt: base,
		})
		pid := testID("profile", i)
		f.Profiles = append(f.Profiles, store.ShopperProfile{ID: pid, CustomerID: id, CreatedAt: base, UpdatedAt: base})
		for _, s := range segIDs {
			f.Memberships = append(f.Memberships, store.Membership{SegmentID: s, ProfileID: pid})
		}
	}
	for i := range n {
		f.Promotions = append(f.Promotions, store.Promotion{
			ID: int64(i + 1), Name: fmt.Sprintf("Promotion %d", i+1), DisplayName: "Deal", RedemptionType: store.RedemptionAutomatic,
			Status: store.StatusEnabled, StartsAt: base, CurrencyCode: "USD",
			Customer: store.Targeting{Segments: &store.Condition{ID: segIDs}},
		})
	}
	return f
}

// tree is a data set shaped like a real store: n segments of n profiles
// each, no profile shared between two segments' first pages, each profile
// in three segments, each segment targeted by two promotions of its own.
// Every key of the nested query is distinct, as naive resolvers meet them.
func tree(n int) fixture {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var f fixture
	segIDs := make([]string, n)
	for i := range n {
		segIDs[i] = testID("segment", i)
		f.Segments = append(f.Segments, store.Segment{ID: segIDs[i], Name: fmt.Sprintf("Segment %03d", i), CreatedAt: base, UpdatedAt: base})
		for j := range 2 {
			id := int64(2*i + j + 1)
			f.Promotions = append(f.Promotions, store.Promotion{
				ID: id, Name: fmt.Sprintf("Promotion %d", id), DisplayName: "Deal", RedemptionType: store.RedemptionAutomatic,
				Status: store.StatusEnabled, StartsAt: base, CurrencyCode: "USD",
				Customer: store.Targeting{Segments: &store.Condition{ID: []string{segIDs[i]}}},
			})
		}
	}
	for i := range n * n {
		id := int64(i + 1)
		f.Customers = append(f.Customers, store.Customer{
			ID: id, Email: fmt.Sprintf("shopper%d@example.com", id), FirstName: "Shopper", LastName: fmt.Sprint(id),
			CreatedAt: base, UpdatedAt: base,
		})
		pid := testID("profile", i)
		f.Profiles = append(f.Profiles, store.ShopperProfile{ID: pid, CustomerID: id, CreatedAt: base, UpdatedAt: base})
		home := i / n
		for k := range 3 {
			f.Memberships = append(f.Memberships, store.Membership{SegmentID: segIDs[(home+k*7)%n], ProfileID: pid})
		}
	}
	return f
}

const nestedQuery = `query Nested($n: Int!) {
  segments(first: $n) {
    nodes {
      name
      shopperProfiles(first: $n) {
        nodes {
          customer { email }
          segments(first: 3) { nodes { promotions(first: 2) { nodes { name } } } }
        }
      }
    }
  }
}`

// TestNestedQueryRoundTrips proves that a nested query costs one store
// round trip per level whatever the page size: the same for 5 as for 50.
func TestNestedQueryRoundTrips(t *testing.T) {
	for _, backend := range []struct {
		name string
		opts func(testing.TB) []func(*api.Options)
	}{
		{"sqlite", func(testing.TB) []func(*api.Options) { return nil }},
		{"postgres", func(t testing.TB) []func(*api.Options) { return []func(*api.Options){onPostgres(t)} }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			// Four nested pages of 50 are far over the cost limit; this test
			// is about round trips, not cost.
			uncosted := func(o *api.Options) { o.RequestLimits.MaxCost = -1 }
			ts := newTestServer(t, append(backend.opts(t), uncosted)...)
			ts.load(grid(50))
			testNestedRoundTrips(t, ts)
		})
	}
}

func testNestedRoundTrips(t *testing.T, ts *testServer) {
	// ListSegments, SegmentProfilePages, CustomersByIDs, ProfileSegmentPages, SegmentPromotionPages.
	const levels = 5
	for _, n := range []int{5, 50} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			before := ts.storeQueries()
			var data struct {
				Segments struct {
					Nodes []struct {
						ShopperProfiles struct {
							Nodes []struct {
								Customer struct{ Email string }
								Segments struct {
									Nodes []struct {
										Promotions struct{ Nodes []struct{ Name string } }
									}
								}
							}
						}
					}
				}
			}
			ts.query(nestedQuery, map[string]any{"n": n}, &data)
			trips := ts.storeQueries() - before
			if trips != levels {
				t.Errorf("n=%d: %v store round trips, want %d (one per level)", n, trips, levels)
			}
			// The answer is complete: n×n×3×2 promotions in all.
			got := 0
			for _, s := range data.Segments.Nodes {
				for _, p := range s.ShopperProfiles.Nodes {
					if p.Customer.Email == "" {
						t.Fatalf("profile without its customer")
					}
					for _, ps := range p.Segments.Nodes {
						got += len(ps.Promotions.Nodes)
					}
				}
			}
			if want := n * n * 3 * 2; got != want {
				t.Errorf("n=%d: %d promotions in the answer, want %d", n, got, want)
			}
		})
	}
}

// BenchmarkNestedQuery compares the nested query with loaders batching
// (several windows) against the same resolvers with batching bypassed,
// the naive one-store-call-per-item way.
func BenchmarkNestedQuery(b *testing.B) {
	const n = 20
	cases := []struct {
		name string
		opts loaders.Options
	}{
		{"naive", loaders.Options{NoBatch: true}},
		{"planned", loaders.Options{}},
	}
	backends := []struct {
		name  string
		store func(testing.TB) []func(*api.Options)
	}{
		{"sqlite", func(testing.TB) []func(*api.Options) { return nil }},
		{"postgres", func(t testing.TB) []func(*api.Options) { return []func(*api.Options){onPostgres(t)} }},
	}
	for _, backend := range backends {
		for _, c := range cases {
			b.Run(backend.name+"/"+c.name, func(b *testing.B) {
				ts := newTestServer(b, append(backend.store(b), func(o *api.Options) { o.Loaders = c.opts }, noRateLimits)...)
				ts.load(tree(n))
				b.ResetTimer()
				before := ts.storeQueries()
				for b.Loop() {
					ts.query(nestedQuery, map[string]any{"n": n}, nil)
				}
				b.ReportMetric((ts.storeQueries()-before)/float64(b.N), "trips/op")
			})
		}
	}
}
