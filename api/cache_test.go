package api_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/api"
	"github.com/segql/segql/cache"
	"github.com/segql/segql/store"
)

// onRedis puts the shared test Redis (SEGQL_TEST_REDIS) in front of the
// store, under a key prefix of the test's own that is cleared afterwards.
// Without the variable the test is skipped, except under CI=true.
func onRedis(t testing.TB) func(*api.Options) {
	t.Helper()
	url := os.Getenv("SEGQL_TEST_REDIS")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SEGQL_TEST_REDIS is not set: CI must run the Redis suite")
		}
		t.Skip("SEGQL_TEST_REDIS is not set: skipping the Redis suite")
	}
	rdb, err := cache.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "segql_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	})
	return func(o *api.Options) {
		o.Redis = rdb
		// Generous timeouts: the tests share a busy machine, and a slow
		// Redis call would be a miss, not a failure.
		o.Cache = cache.Options{Prefix: prefix, Timeout: time.Second}
	}
}

// storefrontFixture is a few shoppers in segments and promotions that
// target them, for the storefront query.
func storefrontFixture() fixture {
	f := grid(6)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Promotions = append(f.Promotions, store.Promotion{
		ID: 100, Name: "Everyone", DisplayName: "Everyone", RedemptionType: store.RedemptionAutomatic,
		Status: store.StatusEnabled, StartsAt: base, CurrencyCode: "USD",
	})
	return f
}

const storefrontQuery = `{ viewer { segments { nodes { name } } eligiblePromotions { name } } }`

// TestStorefrontQueryWarmCostsNoStoreRoundTrips: once the cache is warm,
// the storefront query is answered from Redis alone, on either backend.
func TestStorefrontQueryWarmCostsNoStoreRoundTrips(t *testing.T) {
	for _, backend := range []struct {
		name string
		opts func(testing.TB) []func(*api.Options)
	}{
		{"sqlite", func(testing.TB) []func(*api.Options) { return nil }},
		{"postgres", func(t testing.TB) []func(*api.Options) { return []func(*api.Options){onPostgres(t)} }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			ts := newTestServer(t, append(backend.opts(t), onRedis(t))...)
			ts.load(storefrontFixture())
			token := ts.token(3, nil)
			type answer struct {
				Viewer struct {
					Segments           struct{ Nodes []struct{ Name string } }
					EligiblePromotions []struct{ Name string }
				}
			}
			var cold answer
			ts.queryAs(token, storefrontQuery, nil, &cold)
			if len(cold.Viewer.Segments.Nodes) != 6 || len(cold.Viewer.EligiblePromotions) != 7 {
				t.Fatalf("cold answer: %+v", cold)
			}
			for i := range 3 {
				before := ts.storeQueries()
				var warm answer
				ts.queryAs(token, storefrontQuery, nil, &warm)
				if trips := ts.storeQueries() - before; trips != 0 {
					t.Errorf("warm request %d: %v store round trips, want 0", i, trips)
				}
				if fmt.Sprint(warm) != fmt.Sprint(cold) {
					t.Errorf("warm answer %+v differs from cold %+v", warm, cold)
				}
			}

			// A write through the handler is seen at once, and the next
			// reads are warm again.
			var removed struct {
				RemoveShopperProfilesFromSegment struct{ Removed []struct{ UUID string } }
			}
			ts.query(`mutation($s: ID!, $p: [ID!]!) { removeShopperProfilesFromSegment(segmentUuid: $s, shopperProfileUuids: $p) { removed { uuid } } }`,
				map[string]any{"s": testID("segment", 0), "p": []string{testID("profile", 2)}}, &removed)
			if len(removed.RemoveShopperProfilesFromSegment.Removed) != 1 {
				t.Fatalf("remove: %+v", removed)
			}
			var after answer
			ts.queryAs(token, storefrontQuery, nil, &after)
			if len(after.Viewer.Segments.Nodes) != 5 {
				t.Errorf("after the remove the viewer is in %d segments, want 5", len(after.Viewer.Segments.Nodes))
			}
			before := ts.storeQueries()
			ts.queryAs(token, storefrontQuery, nil, nil)
			if trips := ts.storeQueries() - before; trips != 0 {
				t.Errorf("warm again after the write: %v store round trips, want 0", trips)
			}
		})
	}
}

// BenchmarkStorefrontQuery compares the storefront query with a warm
// Redis cache against no cache, on each backend.
func BenchmarkStorefrontQuery(b *testing.B) {
	for _, backend := range []struct {
		name string
		opts func(testing.TB) []func(*api.Options)
	}{
		{"sqlite", func(testing.TB) []func(*api.Options) { return nil }},
		{"postgres", func(t testing.TB) []func(*api.Options) { return []func(*api.Options){onPostgres(t)} }},
	} {
		for _, cached := range []bool{false, true} {
			name := backend.name + "/no-cache"
			if cached {
				name = backend.name + "/warm-redis"
			}
			b.Run(name, func(b *testing.B) {
				opts := backend.opts(b)
				if cached {
					opts = append(opts, onRedis(b))
				}
				ts := newTestServer(b, append(opts, noRateLimits)...)
				ts.load(demoLike(b))
				token := ts.token(3, nil)
				ts.queryAs(token, storefrontQuery, nil, nil) // warm up
				b.ResetTimer()
				before := ts.storeQueries()
				for b.Loop() {
					ts.queryAs(token, storefrontQuery, nil, nil)
				}
				b.ReportMetric((ts.storeQueries()-before)/float64(b.N), "trips/op")
			})
		}
	}
}

// demoLike is the storefront's shape at a realistic size: the shopper in
// 8 of 40 segments, and 200 enabled promotions to check, most of them
// segment-targeted.
func demoLike(b testing.TB) fixture {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var f fixture
	for i := range 40 {
		f.Segments = append(f.Segments, store.Segment{ID: testID("segment", i), Name: fmt.Sprintf("Segment %02d", i), CreatedAt: base, UpdatedAt: base})
	}
	for i := range 10 {
		id := int64(i + 1)
		f.Customers = append(f.Customers, store.Customer{ID: id, Email: fmt.Sprintf("s%d@example.com", id), FirstName: "S", LastName: "T", CustomerGroupID: 1, OrderCount: 3, CreatedAt: base, UpdatedAt: base})
		f.Profiles = append(f.Profiles, store.ShopperProfile{ID: testID("profile", i), CustomerID: id, CreatedAt: base, UpdatedAt: base})
		for k := range 8 {
			f.Memberships = append(f.Memberships, store.Membership{SegmentID: testID("segment", (i+k*5)%40), ProfileID: testID("profile", i)})
		}
	}
	for i := range 200 {
		p := store.Promotion{ID: int64(i + 1), Name: fmt.Sprintf("P%d", i+1), DisplayName: "Deal", RedemptionType: store.RedemptionAutomatic,
			Status: store.StatusEnabled, StartsAt: base, CurrencyCode: "USD"}
		if i%4 != 0 {
			p.Customer.Segments = &store.Condition{Or: []store.Condition{{ID: []string{testID("segment", i%40)}}, {Not: &store.Condition{ID: []string{testID("segment", (i+7)%40)}}}}}
		}
		f.Promotions = append(f.Promotions, p)
	}
	return f
}

// TestPersistedQueriesSharedThroughRedis: a query persisted through one
// instance is known by hash to another that shares its Redis.
func TestPersistedQueriesSharedThroughRedis(t *testing.T) {
	shared := onRedis(t)
	a := newTestServer(t, shared)
	b := newTestServer(t, shared)
	a.load(grid(3))
	b.load(grid(3))
	query := `{ segments { totalCount } }`
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}

	if res := b.post(map[string]any{"extensions": ext}); len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash on b: %+v", res.Errors)
	}
	if res := a.post(map[string]any{"query": query, "extensions": ext}); len(res.Errors) != 0 {
		t.Fatalf("persist on a: %+v", res.Errors)
	}
	res := b.post(map[string]any{"extensions": ext})
	if len(res.Errors) != 0 || !strings.Contains(string(res.Data), `"totalCount":3`) {
		t.Errorf("hash only on b after a learned it: %s %+v", res.Data, res.Errors)
	}
}

// TestPersistedQueriesWithoutRedis: with Redis unreachable, persisted
// queries still work on each instance from its local cache.
func TestPersistedQueriesWithoutRedis(t *testing.T) {
	rdb, err := cache.NewClient("redis://127.0.0.1:1/0") // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ts := newTestServer(t, func(o *api.Options) { o.Redis = rdb })
	ts.load(grid(2))
	query := `{ segments { totalCount } }`
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	if res := ts.post(map[string]any{"extensions": ext}); len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %+v", res.Errors)
	}
	if res := ts.post(map[string]any{"query": query, "extensions": ext}); len(res.Errors) != 0 {
		t.Fatalf("persist: %+v", res.Errors)
	}
	res := ts.post(map[string]any{"extensions": ext})
	if len(res.Errors) != 0 || !strings.Contains(string(res.Data), `"totalCount":2`) {
		t.Errorf("hash only: %s %+v", res.Data, res.Errors)
	}
}
