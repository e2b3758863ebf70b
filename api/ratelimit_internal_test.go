package api

import (
	"fmt"
	"testing"
	"time"
)

// TestRateLimitLocalBucketsBounded: the in-process buckets never number
// more than their bound; full buckets, as good as new, go first, and a
// bucket in use keeps its count.
func TestRateLimitLocalBucketsBounded(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const bound = 8
	b := newLocalBuckets(func() time.Time { return now }, bound)
	r := Rate{PerSecond: 1, Burst: 2}

	// A busy client spends its burst; seven others take one token each.
	for range 2 {
		if ok, _ := b.allow("busy", r); !ok {
			t.Fatal("busy: refused within its burst")
		}
	}
	for i := range bound - 1 {
		b.allow(fmt.Sprint("idle", i), r)
	}
	if n := b.size(); n != bound {
		t.Fatalf("%d buckets, want %d", n, bound)
	}

	// One second on, the idle buckets are full again, the busy one holds
	// one token: a newcomer evicts the full ones only.
	now = now.Add(time.Second)
	b.allow("newcomer", r)
	if n := b.size(); n != 2 {
		t.Errorf("%d buckets after eviction, want 2 (busy and newcomer)", n)
	}
	if ok, _ := b.allow("busy", r); !ok {
		t.Error("busy: its refilled token was lost")
	}
	if ok, retry := b.allow("busy", r); ok || retry != time.Second {
		t.Errorf("busy: allowed %v, retry %v; want refused for 1s: its count was lost", ok, retry)
	}

	// Many clients at once, none of them full: the bound still holds.
	for i := range 10 * bound {
		b.allow(fmt.Sprint("flood", i), r)
		if n := b.size(); n > bound {
			t.Fatalf("%d buckets, over the bound %d", n, bound)
		}
	}
}
