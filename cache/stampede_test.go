package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/segql/segql/store"
)

// gatedStore holds every SegmentsByIDs call until gate is closed, and
// counts the calls.
type gatedStore struct {
	store.Store
	calls atomic.Int32
	gate  chan struct{}
}

func (g *gatedStore) SegmentsByIDs(ctx context.Context, ids []string) ([]*store.Segment, error) {
	g.calls.Add(1)
	<-g.gate
	return g.Store.SegmentsByIDs(ctx, ids)
}

// joins counts the callers waiting on a store load, and closes reached
// once want of them are.
type joins struct {
	n       atomic.Int32
	want    int32
	reached chan struct{}
}

func newJoins(want int) *joins { return &joins{want: int32(want), reached: make(chan struct{})} }

func (j *joins) joined(string) {
	if j.n.Add(1) == j.want {
		close(j.reached)
	}
}

// TestStampedeLoadsOnce: 500 concurrent reads of one cold key cause one
// store load. The store holds its answer until all 500 wait on the load,
// so they really overlap.
func TestStampedeLoadsOnce(t *testing.T) {
	const readers = 500
	ctx := t.Context()
	rdb := testClient(t)
	raw := openSQLite(t)
	w := newWorld(t, raw)
	gated := &gatedStore{Store: raw, gate: make(chan struct{})}
	j := newJoins(readers)
	o := testOptions(t, rdb)
	o.joinedFlight = j.joined
	c := New(gated, rdb, o)
	go func() {
		<-j.reached
		close(gated.gate)
	}()
	t.Cleanup(func() { closeOnce(gated.gate) })

	start := make(chan struct{})
	results := make(chan []*store.Segment, readers)
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			<-start
			v, err := c.SegmentsByIDs(ctx, w.segments[:1])
			if err != nil {
				t.Error(err)
			}
			results <- v
		})
	}
	close(start)
	wg.Wait()
	close(results)
	for v := range results {
		if len(v) != 1 || v[0] == nil || v[0].ID != w.segments[0] {
			t.Fatalf("a reader got %s", dump(v))
		}
	}
	if n := gated.calls.Load(); n != 1 {
		t.Errorf("%d store loads for %d concurrent reads of one key, want 1", n, readers)
	}
	// The load was written back: the next read is a hit.
	must(c.SegmentsByIDs(ctx, w.segments[:1]))(t)
	if n := gated.calls.Load(); n != 1 {
		t.Errorf("%d store loads after a warm read, want 1", n)
	}
}

// TestCallerLeavingDoesNotCancelTheLoad: a caller whose context ends while
// it waits on a shared load returns at once with its context's error; the
// load goes on for the others, even when the caller that started it left.
func TestCallerLeavingDoesNotCancelTheLoad(t *testing.T) {
	ctx := t.Context()
	rdb := testClient(t)
	raw := openSQLite(t)
	w := newWorld(t, raw)
	gated := &gatedStore{Store: raw, gate: make(chan struct{})}
	t.Cleanup(func() { closeOnce(gated.gate) })
	var joinedCh = make(chan struct{}, 3)
	o := testOptions(t, rdb)
	o.joinedFlight = func(string) { joinedCh <- struct{}{} }
	c := New(gated, rdb, o)

	type answer struct {
		v   []*store.Segment
		err error
	}
	read := func(ctx context.Context) chan answer {
		ch := make(chan answer, 1)
		go func() {
			v, err := c.SegmentsByIDs(ctx, w.segments[:1])
			ch <- answer{v, err}
		}()
		receive(t, joinedCh, "joining the load")
		return ch
	}
	leaderCtx, cancelLeader := context.WithCancel(ctx)
	leader := read(leaderCtx)
	leavingCtx, cancelLeaving := context.WithCancel(ctx)
	leaving := read(leavingCtx)
	staying := read(ctx)

	cancelLeaving()
	if a := receive(t, leaving, "the leaving caller"); !errors.Is(a.err, context.Canceled) {
		t.Errorf("the leaving caller got %s, %v; want context.Canceled", dump(a.v), a.err)
	}
	cancelLeader()
	if a := receive(t, leader, "the caller that started the load"); !errors.Is(a.err, context.Canceled) {
		t.Errorf("the caller that started the load got %v, want context.Canceled", a.err)
	}
	close(gated.gate)
	a := receive(t, staying, "the staying caller")
	if a.err != nil || len(a.v) != 1 || a.v[0] == nil || a.v[0].Name != "S0" {
		t.Errorf("the staying caller got %s, %v", dump(a.v), a.err)
	}
	if n := gated.calls.Load(); n != 1 {
		t.Errorf("%d store loads, want 1", n)
	}
	// A context ended before the call fails it at once, without Redis or
	// the store.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.SegmentsByIDs(cancelled, w.segments[1:2]); !errors.Is(err, context.Canceled) {
		t.Errorf("read with an ended context: %v", err)
	}
	if n := gated.calls.Load(); n != 1 {
		t.Errorf("%d store loads after a read with an ended context, want 1", n)
	}
}

// TestSharedLoadKeepsEachCallersOrder: callers missing the same keys in
// different orders may share one store load, but each gets its answers in
// its own key order.
func TestSharedLoadKeepsEachCallersOrder(t *testing.T) {
	ctx := t.Context()
	rdb := testClient(t)
	raw := openSQLite(t)
	w := newWorld(t, raw)
	gated := &gatedStore{Store: raw, gate: make(chan struct{})}
	j := newJoins(2)
	o := testOptions(t, rdb)
	o.joinedFlight = j.joined
	c := New(gated, rdb, o)
	go func() {
		<-j.reached
		close(gated.gate)
	}()
	t.Cleanup(func() { closeOnce(gated.gate) })

	orders := [][]string{
		{w.segments[0], w.segments[1], w.segments[2]},
		{w.segments[2], w.segments[1], w.segments[0]},
	}
	got := make([][]*store.Segment, len(orders))
	var wg sync.WaitGroup
	for k, ids := range orders {
		wg.Go(func() {
			v, err := c.SegmentsByIDs(ctx, ids)
			if err != nil {
				t.Error(err)
			}
			got[k] = v
		})
	}
	wg.Wait()
	for k, ids := range orders {
		for i, id := range ids {
			if got[k][i] == nil || got[k][i].ID != id {
				t.Errorf("caller %d asked %v and got %s", k, ids, dump(got[k]))
				break
			}
		}
	}
}
