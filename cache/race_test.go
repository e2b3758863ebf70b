package cache

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/segql/segql/store"
)

// TestStaleWriteBackRefused makes the race deterministic: between a
// reader's store read and its write-back, another instance writes through
// the same Redis. The reader's write-back must be refused, so the next
// read answers the write, never the value the reader loaded.
func TestStaleWriteBackRefused(t *testing.T) {
	cases := []struct {
		name  string
		read  func(ctx context.Context, c *Store, w world) (any, error)
		write func(ctx context.Context, c *Store, w world) error
	}{
		{"segment", func(ctx context.Context, c *Store, w world) (any, error) {
			return c.SegmentsByIDs(ctx, w.segments[2:3])
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.UpdateSegments(ctx, []store.SegmentUpdate{{ID: w.segments[2], Name: ptr("Renamed")}})
			return err
		}},
		{"profile's segment ids", func(ctx context.Context, c *Store, w world) (any, error) {
			return c.ProfileSegmentIDs(ctx, w.profiles[1:2])
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.AddSegmentMembers(ctx, w.segments[4], w.profiles[1:2])
			return err
		}},
		{"profile's segment pages and their segments", func(ctx context.Context, c *Store, w world) (any, error) {
			return c.ProfileSegmentPages(ctx, w.profiles[1:2], store.Page[string]{Limit: 10})
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.UpdateSegments(ctx, []store.SegmentUpdate{{ID: w.segments[3], Name: ptr("Renamed")}})
			return err
		}},
		{"segment's promotions", func(ctx context.Context, c *Store, w world) (any, error) {
			return c.SegmentPromotionPages(ctx, w.segments[4:5], store.Page[int64]{Limit: 10})
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.CreatePromotion(ctx, promotion(70, store.StatusEnabled, anyOf(w.segments[4])))
			return err
		}},
		{"enabled promotions", func(ctx context.Context, c *Store, w world) (any, error) {
			return c.EnabledPromotions(ctx)
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.UpdatePromotion(ctx, store.PromotionUpdate{ID: 20, Status: ptr(store.StatusDisabled)})
			return err
		}},
		{"customer without a profile", func(ctx context.Context, c *Store, w world) (any, error) {
			return c.ShopperProfilesByCustomerIDs(ctx, []int64{6})
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.CreateShopperProfiles(ctx, []int64{6})
			return err
		}},
		{"profile by customer", func(ctx context.Context, c *Store, w world) (any, error) {
			return c.ShopperProfilesByCustomerIDs(ctx, []int64{1})
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.RemoveSegmentMembers(ctx, w.segments[0], w.profiles[:1])
			return err
		}},
		{"family invalidated whole", func(ctx context.Context, c *Store, w world) (any, error) {
			return c.ShopperProfilesByIDs(ctx, w.profiles[:1])
		}, func(ctx context.Context, c *Store, w world) error {
			_, err := c.DeleteSegments(ctx, w.segments[5:])
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
			old := must(tc.read(ctx, reader, w))(t)
			if !wrote {
				t.Fatal("the read wrote nothing back")
			}
			fresh := must(tc.read(ctx, New(raw, rdb, Options{Prefix: newPrefix(t, rdb)}), w))(t)
			if dump(fresh) == dump(old) {
				t.Fatal("the write changed nothing the read answers")
			}
			for i := range 2 {
				same(t, "read after the refused write-back", must(tc.read(ctx, reader, w))(t), fresh)
				same(t, "read through the writer", must(tc.read(ctx, writer, w))(t), fresh)
				_ = i
			}
		})
	}
}

// flaky dials the test Redis through connections that fail while down.
type flaky struct{ down atomic.Bool }

var errDown = errors.New("redis is down (test)")

func (f *flaky) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if f.down.Load() {
		return nil, errDown
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return flakyConn{Conn: c, f: f}, nil
}

type flakyConn struct {
	net.Conn
	f *flaky
}

func (c flakyConn) Read(b []byte) (int, error) {
	if c.f.down.Load() {
		return 0, errDown
	}
	return c.Conn.Read(b)
}

func (c flakyConn) Write(b []byte) (int, error) {
	if c.f.down.Load() {
		return 0, errDown
	}
	return c.Conn.Write(b)
}

func flakyClient(t testing.TB) (*redis.Client, *flaky) {
	f := &flaky{}
	return testClient(t, func(o *redis.Options) { o.Dialer = f.dial; o.MinIdleConns = 0 }), f
}

// TestLostInvalidation: a write whose invalidation cannot reach Redis is
// remembered; the instance's next Redis call bumps every generation before
// anything is served from the cache. Until then another instance may serve
// the replaced value (documented).
func TestLostInvalidation(t *testing.T) {
	ctx := t.Context()
	rdb, f := flakyClient(t)
	raw := openSQLite(t)
	w := newWorld(t, raw)
	o := testOptions(t, rdb)
	o.BreakerFailures = 100
	a := New(raw, rdb, o)
	other := New(raw, testClient(t), o)
	name := func(c *Store) string { return must(c.SegmentsByIDs(ctx, w.segments[2:3]))(t)[0].Name }
	same(t, "before", name(a), "S2")
	same(t, "before, other instance", name(other), "S2")

	f.down.Store(true)
	mustWrite(t, "rename", must(a.UpdateSegments(ctx, []store.SegmentUpdate{{ID: w.segments[2], Name: ptr("Renamed")}}))(t).Errors, nil)
	if a.lost.Load() == 0 {
		t.Fatal("the lost invalidation is not remembered")
	}
	same(t, "writer, Redis down", name(a), "Renamed")
	same(t, "other instance meanwhile (stale until the writer reaches Redis)", name(other), "S2")

	f.down.Store(false)
	before := counters(t, rdb, o.Prefix)
	same(t, "writer, Redis back", name(a), "Renamed")
	if n := a.lost.Load(); n != 0 {
		t.Errorf("%d lost invalidations still remembered", n)
	}
	same(t, "every generation bumped", bumped(before, counters(t, rdb, o.Prefix)), []string{
		"gen:cust", "gen:enabled", "gen:prof", "gen:profc", "gen:profsegs", "gen:promo", "gen:seg", "gen:segpromos"})
	same(t, "other instance after", name(other), "Renamed")
}

// TestLostInvalidationBlocksCachedReads: while an invalidation is lost and
// Redis cannot take the bump of every generation, nothing is served from
// the cache, even by a Redis that answers reads.
func TestLostInvalidationBlocksCachedReads(t *testing.T) {
	ctx := t.Context()
	rdb := testClient(t)
	raw := openSQLite(t)
	w := newWorld(t, raw)
	next := count(raw)
	o := testOptions(t, rdb)
	c := New(next, rdb, o)
	must(c.SegmentsByIDs(ctx, w.segments))(t)
	c.lost.Store(1)
	// The bump is refused: the generation keys are not integers.
	for _, f := range allFamilies {
		rdb.Set(ctx, c.keys.gen(f), "x", 0)
	}
	before, _ := next.calls(t)
	must(c.SegmentsByIDs(ctx, w.segments))(t)
	if after, _ := next.calls(t); after != before+1 {
		t.Errorf("%v store calls while the bump fails, want 1", after-before)
	}
	if c.lost.Load() == 0 {
		t.Error("the lost invalidation was forgotten")
	}
}

// blockAfterRead lets a test hold a store read's answer back.
type blockAfterRead struct {
	store.Store
	calls   atomic.Int32
	read    chan struct{} // closed once the first SegmentsByIDs has read
	release chan struct{} // closing it lets the first SegmentsByIDs answer
}

func (b *blockAfterRead) SegmentsByIDs(ctx context.Context, ids []string) ([]*store.Segment, error) {
	v, err := b.Store.SegmentsByIDs(ctx, ids)
	if b.calls.Add(1) == 1 {
		close(b.read)
		<-b.release
	}
	return v, err
}

// TestReadAfterWriteDoesNotJoinOlderLoad: a read that starts after a write
// answered never shares a store load that started before it, in this
// instance (the write count) or another (the versions).
func TestReadAfterWriteDoesNotJoinOlderLoad(t *testing.T) {
	for _, sameInstance := range []bool{true, false} {
		name := "other instance"
		if sameInstance {
			name = "same instance"
		}
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			rdb := testClient(t)
			raw := openSQLite(t)
			w := newWorld(t, raw)
			slow := &blockAfterRead{Store: raw, read: make(chan struct{}), release: make(chan struct{})}
			o := testOptions(t, rdb)
			reader := New(slow, rdb, o)
			writer := reader
			if !sameInstance {
				writer = New(raw, rdb, o)
			}
			first := make(chan []*store.Segment, 1)
			t.Cleanup(func() { closeOnce(slow.release) })
			go func() {
				v, err := reader.SegmentsByIDs(ctx, w.segments[:1])
				if err != nil {
					t.Error(err)
				}
				first <- v
			}()
			wait(t, slow.read, "the first read's store call")
			mustWrite(t, "rename", must(writer.UpdateSegments(ctx, []store.SegmentUpdate{{ID: w.segments[0], Name: ptr("Renamed")}}))(t).Errors, nil)
			got := must(reader.SegmentsByIDs(ctx, w.segments[:1]))(t)
			same(t, "read after the write", got[0].Name, "Renamed")
			closeOnce(slow.release)
			same(t, "the older read", receive(t, first, "the first read")[0].Name, "S0")
			same(t, "read after both", must(reader.SegmentsByIDs(ctx, w.segments[:1]))(t)[0].Name, "Renamed")
		})
	}
}
