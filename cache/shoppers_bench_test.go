package cache

import (
	"context"
	"fmt"
	"testing"

	"github.com/segql/segql/store"
)

// BenchmarkShoppers reads the customer, profile and segment ids of 1 and
// of 50 customers with ShoppersByCustomerIDs ("one") and with the three
// reads it replaces ("three"), on SQLite, on PostgreSQL and from a warm
// Redis over SQLite. trips/op are store calls on the stores and Redis
// commands on the cache (whose store calls are reported as store/op).
func BenchmarkShoppers(b *testing.B) {
	rdb, cmds := countedClient(b)
	type target struct {
		name  string
		read  store.Store
		next  counted
		trips func() float64
	}
	var targets []target
	var ids []int64
	for _, backend := range backends {
		raw := backend.open(b)
		w := newWorld(b, raw)
		ids = addShoppers(b, raw, w, 300)
		next := count(raw)
		targets = append(targets, target{backend.name, next, next, func() float64 { n, _ := next.calls(b); return n }})
		if backend.name == "sqlite" {
			c := New(next, rdb, testOptions(b, rdb))
			targets = append(targets, target{"redis", c, next, func() float64 { return float64(cmds.n.Load()) }})
		}
	}
	ctx := b.Context()
	ways := []struct {
		name string
		read func(context.Context, store.Store, []int64) error
	}{
		{"three", readThree},
		{"one", func(ctx context.Context, s store.Store, ids []int64) error {
			_, err := s.ShoppersByCustomerIDs(ctx, ids)
			return err
		}},
	}
	for _, tg := range targets {
		for _, n := range []int{1, 50} {
			for _, way := range ways {
				b.Run(fmt.Sprintf("%s/ids=%d/%s", tg.name, n, way.name), func(b *testing.B) {
					// Two in three have a profile, the last one asked for too.
					ask := ids[len(ids)-1-n : len(ids)-1]
					// The first read warms the cache.
					if err := way.read(ctx, tg.read, ask); err != nil {
						b.Fatal(err)
					}
					trips := tg.trips()
					stores, _ := tg.next.calls(b)
					for b.Loop() {
						if err := way.read(ctx, tg.read, ask); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric((tg.trips()-trips)/float64(b.N), "trips/op")
					if tg.name == "redis" {
						after, _ := tg.next.calls(b)
						b.ReportMetric((after-stores)/float64(b.N), "store/op")
					}
				})
			}
		}
	}
}

// readThree is what a storefront read of customers costs without
// ShoppersByCustomerIDs: the customers, their profiles, then the
// profiles' segment ids.
func readThree(ctx context.Context, s store.Store, ids []int64) error {
	if _, err := s.CustomersByIDs(ctx, ids); err != nil {
		return err
	}
	ps, err := s.ShopperProfilesByCustomerIDs(ctx, ids)
	if err != nil {
		return err
	}
	var pids []string
	for _, p := range ps {
		if p != nil {
			pids = append(pids, p.ID)
		}
	}
	_, err = s.ProfileSegmentIDs(ctx, pids)
	return err
}
