package cache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/segql/segql/store"
)

// commands counts the commands a Redis client sends, each one round trip
// (pipelines count as one).
type commands struct{ n atomic.Int64 }

func (c *commands) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commands) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *commands) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// countedClient is a test client whose commands are counted.
func countedClient(t testing.TB) (*redis.Client, *commands) {
	rdb := testClient(t)
	cmds := &commands{}
	rdb.AddHook(cmds)
	return rdb, cmds
}

// storeOps runs read and gives the store calls it made, by operation.
func storeOps(t testing.TB, next counted, read func()) map[string]float64 {
	t.Helper()
	_, before := next.calls(t)
	read()
	_, after := next.calls(t)
	out := map[string]float64{}
	for op, n := range after {
		if d := n - before[op]; d != 0 {
			out[op] = d
		}
	}
	return out
}

// addShoppers adds customers 101..100+n to s, a profile for two of three,
// each profile in some of the world's segments.
func addShoppers(t testing.TB, s store.Store, w world, n int) []int64 {
	t.Helper()
	ctx := t.Context()
	var in []store.Customer
	var ids, withProfile []int64
	for i := range n {
		id := int64(101 + i)
		in = append(in, customer(id))
		ids = append(ids, id)
		if i%3 != 2 {
			withProfile = append(withProfile, id)
		}
	}
	cw, err := s.UpsertCustomers(ctx, in)
	mustWrite(t, "upsert customers", cw.Errors, err)
	pw, err := s.CreateShopperProfiles(ctx, withProfile)
	mustWrite(t, "create profiles", pw.Errors, err)
	for k, sg := range w.segments {
		var members []string
		for i, p := range pw.Items {
			if (i+k)%(k+2) == 0 {
				members = append(members, p.ID)
			}
		}
		c, err := s.AddSegmentMembers(ctx, sg, members)
		mustWrite(t, "add members", c.Errors, err)
	}
	return ids
}

// TestShoppersWarmOneRoundTrip: once warm, a read of any number of
// customers is one Redis round trip and no store call, and answers what
// the store answers.
func TestShoppersWarmOneRoundTrip(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb, cmds := countedClient(t)
			raw := b.open(t)
			w := newWorld(t, raw)
			more := addShoppers(t, raw, w, 300)
			next := count(raw)
			c := New(next, rdb, testOptions(t, rdb))
			ctx := t.Context()
			for _, ids := range [][]int64{
				{1},
				{6},  // no profile
				{99}, // no customer
				append(w.customerIDs(), 3, 1, 99),
				append(append([]int64{}, more...), w.customerIDs()...),
			} {
				t.Run(fmt.Sprintf("%d ids", len(ids)), func(t *testing.T) {
					want := must(raw.ShoppersByCustomerIDs(ctx, ids))(t)
					same(t, "cold", must(c.ShoppersByCustomerIDs(ctx, ids))(t), want)
					for i := range 2 {
						before := cmds.n.Load()
						var got []store.ShopperRecord
						noCalls(t, next, fmt.Sprintf("warm read %d", i), func() { got = must(c.ShoppersByCustomerIDs(ctx, ids))(t) })
						if n := cmds.n.Load() - before; n != 1 {
							t.Errorf("warm read %d: %d Redis round trips, want 1", i, n)
						}
						same(t, "warm", got, want)
					}
				})
			}
		})
	}
}

// TestShoppersPartlyCold: what the script does not find is read through
// the families' own reads, only for the ids and families that missed, and
// cached by them: the next read is warm.
func TestShoppersPartlyCold(t *testing.T) {
	ids := []int64{2, 6, 1, 99, 2, 5}
	cases := []struct {
		name string
		// prepare warms or breaks the cache before the read.
		prepare func(t *testing.T, c *Store, rdb *redis.Client, w world)
		// ops are the store calls the read makes.
		ops map[string]float64
		// staysCold: the read cannot repair what it found (an undecodable
		// value is not the cache's to overwrite).
		staysCold bool
	}{
		{"cold", func(*testing.T, *Store, *redis.Client, world) {},
			map[string]float64{"CustomersByIDs": 1, "ShopperProfilesByCustomerIDs": 1, "ProfileSegmentIDs": 1, "SegmentsByIDs": 1}, false},
		{"customers cached", func(t *testing.T, c *Store, _ *redis.Client, _ world) {
			must(c.CustomersByIDs(t.Context(), ids))(t)
		}, map[string]float64{"ShopperProfilesByCustomerIDs": 1, "ProfileSegmentIDs": 1, "SegmentsByIDs": 1}, false},
		{"customers and profiles cached", func(t *testing.T, c *Store, _ *redis.Client, _ world) {
			must(c.CustomersByIDs(t.Context(), ids))(t)
			must(c.ShopperProfilesByCustomerIDs(t.Context(), ids))(t)
		}, map[string]float64{"ProfileSegmentIDs": 1, "SegmentsByIDs": 1}, false},
		{"profiles and segment ids cached", func(t *testing.T, c *Store, _ *redis.Client, w world) {
			must(c.ShopperProfilesByCustomerIDs(t.Context(), ids))(t)
			must(c.ProfileSegmentIDs(t.Context(), w.profiles))(t)
		}, map[string]float64{"CustomersByIDs": 1, "SegmentsByIDs": 1}, false},
		{"one segment evicted", func(t *testing.T, c *Store, rdb *redis.Client, w world) {
			must(c.ShoppersByCustomerIDs(t.Context(), ids))(t)
			rdb.Del(t.Context(), c.keys.data(famSegment, "0", w.segments[0]))
		}, map[string]float64{"SegmentsByIDs": 1}, false},
		{"one customer evicted", func(t *testing.T, c *Store, rdb *redis.Client, _ world) {
			must(c.ShoppersByCustomerIDs(t.Context(), ids))(t)
			rdb.Del(t.Context(), c.keys.data(famCustomer, "0", "5"))
		}, map[string]float64{"CustomersByIDs": 1}, false},
		{"one profile evicted, its mapping cached", func(t *testing.T, c *Store, rdb *redis.Client, w world) {
			must(c.ShoppersByCustomerIDs(t.Context(), ids))(t)
			rdb.Del(t.Context(), c.keys.data(famProfile, "0", w.profiles[0]))
		}, map[string]float64{"ShopperProfilesByCustomerIDs": 1}, false},
		{"one segment list evicted", func(t *testing.T, c *Store, rdb *redis.Client, w world) {
			must(c.ShoppersByCustomerIDs(t.Context(), ids))(t)
			rdb.Del(t.Context(), c.keys.data(famProfSegs, "0", w.profiles[1]))
		}, map[string]float64{"ProfileSegmentIDs": 1}, false},
		{"undecodable customer", func(t *testing.T, c *Store, rdb *redis.Client, _ world) {
			must(c.ShoppersByCustomerIDs(t.Context(), ids))(t)
			rdb.Set(t.Context(), c.keys.data(famCustomer, "0", "1"), "{not json", 0)
		}, map[string]float64{"CustomersByIDs": 1}, true},
		{"undecodable segment list", func(t *testing.T, c *Store, rdb *redis.Client, w world) {
			must(c.ShoppersByCustomerIDs(t.Context(), ids))(t)
			rdb.Set(t.Context(), c.keys.data(famProfSegs, "0", w.profiles[4]), "[1,", 0)
		}, map[string]float64{"ProfileSegmentIDs": 1}, true},
		{"profile cached as missing under a mapping", func(t *testing.T, c *Store, rdb *redis.Client, w world) {
			must(c.ShoppersByCustomerIDs(t.Context(), ids))(t)
			rdb.Set(t.Context(), c.keys.data(famProfile, "0", w.profiles[1]), notFound, 0)
		}, map[string]float64{"ShopperProfilesByCustomerIDs": 1}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			rdb, cmds := countedClient(t)
			raw := openSQLite(t)
			w := newWorld(t, raw)
			next := count(raw)
			c := New(next, rdb, testOptions(t, rdb))
			want := must(raw.ShoppersByCustomerIDs(ctx, ids))(t)
			tc.prepare(t, c, rdb, w)
			var got []store.ShopperRecord
			same(t, "store calls", storeOps(t, next, func() { got = must(c.ShoppersByCustomerIDs(ctx, ids))(t) }), tc.ops)
			same(t, "answer", got, want)
			before := cmds.n.Load()
			ops := storeOps(t, next, func() { got = must(c.ShoppersByCustomerIDs(ctx, ids))(t) })
			same(t, "next answer", got, want)
			if tc.staysCold {
				same(t, "next read's store calls", ops, tc.ops)
				return
			}
			same(t, "next read's store calls", ops, map[string]float64{})
			if n := cmds.n.Load() - before; n != 1 {
				t.Errorf("next read: %d Redis round trips, want 1", n)
			}
		})
	}
}

// TestShoppersWithoutRedis: with Redis failing, the read is one store
// call and writes nothing back.
func TestShoppersWithoutRedis(t *testing.T) {
	ctx := t.Context()
	rdb, f := flakyClient(t)
	raw := openSQLite(t)
	newWorld(t, raw)
	next := count(raw)
	c := New(next, rdb, testOptions(t, rdb))
	ids := []int64{3, 6, 99, 3}
	want := must(raw.ShoppersByCustomerIDs(ctx, ids))(t)
	f.down.Store(true)
	for i := range defaultFailures + 2 { // failing, then with the breaker open
		var got []store.ShopperRecord
		ops := storeOps(t, next, func() { got = must(c.ShoppersByCustomerIDs(ctx, ids))(t) })
		same(t, fmt.Sprintf("read %d: store calls", i), ops, map[string]float64{"ShoppersByCustomerIDs": 1})
		same(t, fmt.Sprintf("read %d", i), got, want)
	}
	if c.BreakerState() != "open" {
		t.Errorf("breaker %s, want open", c.BreakerState())
	}
}

// TestShoppersStaleWriteBackRefused: a write lands between the store read
// of a shopper read's missing part and its write-back. The write-back is
// refused, so the next read answers the write, never what the reader
// loaded. Parts the cache holds already are warmed first, so that the
// write-back the write races is the one of the part under test.
func TestShoppersStaleWriteBackRefused(t *testing.T) {
	cases := []struct {
		name     string
		customer int64
		warm     func(ctx context.Context, c *Store, cid int64) error
		write    func(ctx context.Context, c *Store, w world) error
	}{
		{"segment ids, member added", 2, func(ctx context.Context, c *Store, cid int64) error {
			if _, err := c.CustomersByIDs(ctx, []int64{cid}); err != nil {
				return err
			}
			_, err := c.ShopperProfilesByCustomerIDs(ctx, []int64{cid})
			return err
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.AddSegmentMembers(ctx, w.segments[4], w.profiles[1:2])
			return err
		}},
		{"segment ids, member removed", 1, func(ctx context.Context, c *Store, cid int64) error {
			if _, err := c.CustomersByIDs(ctx, []int64{cid}); err != nil {
				return err
			}
			_, err := c.ShopperProfilesByCustomerIDs(ctx, []int64{cid})
			return err
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.RemoveSegmentMembers(ctx, w.segments[3], w.profiles[:1])
			return err
		}},
		{"profile, member removed", 1, func(ctx context.Context, c *Store, cid int64) error {
			_, err := c.CustomersByIDs(ctx, []int64{cid})
			return err
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.RemoveSegmentMembers(ctx, w.segments[0], w.profiles[:1])
			return err
		}},
		{"profile deleted", 3, func(ctx context.Context, c *Store, cid int64) error {
			_, err := c.CustomersByIDs(ctx, []int64{cid})
			return err
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.DeleteShopperProfiles(ctx, w.profiles[2:3])
			return err
		}},
		{"profile created", 6, func(ctx context.Context, c *Store, cid int64) error {
			_, err := c.CustomersByIDs(ctx, []int64{cid})
			return err
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.CreateShopperProfiles(ctx, []int64{6})
			return err
		}},
		{"customer upserted", 4, func(context.Context, *Store, int64) error { return nil }, func(ctx context.Context, c *Store, w world) error {
			renamed := customer(4)
			renamed.FirstName = "Renamed"
			_, err := c.UpsertCustomers(ctx, []store.Customer{renamed})
			return err
		}},
		{"customer deleted", 5, func(context.Context, *Store, int64) error { return nil }, func(ctx context.Context, c *Store, w world) error {
			_, err := c.DeleteCustomers(ctx, []int64{5})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			rdb := testClient(t)
			raw := openSQLite(t)
			w := newWorld(t, raw)
			o := testOptions(t, rdb)
			writer := New(raw, rdb, o)
			if err := tc.warm(ctx, writer, tc.customer); err != nil {
				t.Fatal(err)
			}
			var once sync.Once
			wrote := false
			o.beforeWriteBack = func() {
				once.Do(func() {
					if err := tc.write(ctx, writer, w); err != nil {
						t.Errorf("write between the read and the write-back: %v", err)
					}
					wrote = true
				})
			}
			reader := New(raw, rdb, o)
			read := func(c *Store) []store.ShopperRecord {
				return must(c.ShoppersByCustomerIDs(ctx, []int64{tc.customer}))(t)
			}
			old := read(reader)
			if !wrote {
				t.Fatal("the read wrote nothing back")
			}
			fresh := must(raw.ShoppersByCustomerIDs(ctx, []int64{tc.customer}))(t)
			if dump(fresh) == dump(old) {
				t.Fatal("the write changed nothing the read answered")
			}
			for i := range 2 {
				same(t, fmt.Sprintf("read %d after the refused write-back", i), read(reader), fresh)
				same(t, fmt.Sprintf("read %d through the writer", i), read(writer), fresh)
			}
		})
	}
}
