package cache

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/metrics"
	"github.com/segql/segql/store"
)

// TestWarmReadsCostNoStoreCalls reads every cached family and derived page
// cold, then warm: warm reads answer what the store answers with no store
// call, on each backend.
func TestWarmReadsCostNoStoreCalls(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb := testClient(t)
			raw := b.open(t)
			w := newWorld(t, raw)
			next := count(raw)
			m := metrics.New()
			o := testOptions(t, rdb)
			o.Metrics = m
			c := New(next, rdb, o)
			ctx := t.Context()
			want := takeSnapshot(t, raw, w)

			reads := []struct {
				name string
				read func() any
			}{
				{"SegmentsByIDs", func() any { return must(c.SegmentsByIDs(ctx, w.segmentIDs()))(t) }},
				{"ShopperProfilesByIDs", func() any { return must(c.ShopperProfilesByIDs(ctx, w.profileIDs()[:6]))(t) }},
				{"ShopperProfilesByCustomerIDs", func() any { return must(c.ShopperProfilesByCustomerIDs(ctx, w.customerIDs()))(t) }},
				{"CustomersByIDs", func() any { return must(c.CustomersByIDs(ctx, w.customerIDs()))(t) }},
				{"PromotionsByIDs", func() any { return must(c.PromotionsByIDs(ctx, w.promotionIDs()))(t) }},
				{"ProfileSegmentIDs", func() any { return must(c.ProfileSegmentIDs(ctx, w.profileIDs()[:6]))(t) }},
				{"EnabledPromotions", func() any { return must(c.EnabledPromotions(ctx))(t) }},
				{"ProfileSegmentPages", func() any {
					return normalize(must(c.ProfileSegmentPages(ctx, w.profileIDs()[:6], store.Page[string]{Limit: 3}))(t))
				}},
				{"CountProfileSegments", func() any { return must(c.CountProfileSegments(ctx, w.profileIDs()[:6]))(t) }},
				{"SegmentPromotionPages", func() any {
					return normalize(must(c.SegmentPromotionPages(ctx, w.segments, store.Page[int64]{Limit: 2, Backward: true}))(t))
				}},
				{"CountSegmentPromotions", func() any { return must(c.CountSegmentPromotions(ctx, w.segments))(t) }},
			}
			for _, r := range reads {
				t.Run(r.name, func(t *testing.T) {
					cold := r.read()
					for i := range 2 {
						var warm any
						noCalls(t, next, fmt.Sprintf("warm read %d", i), func() { warm = r.read() })
						same(t, "warm read", warm, cold)
					}
				})
			}
			// The whole snapshot, warm, is the store's.
			var got snapshot
			takeSnapshot(t, c, w) // the shapes the reads above did not warm
			noCalls(t, next, "warm snapshot", func() { got = takeSnapshot(t, c, w) })
			same(t, "warm snapshot", got, want)
			if hits := value(t, m.CacheRequests.WithLabelValues(famSegment, "hit")); hits == 0 {
				t.Error("no segment hits counted")
			}
			if errs := value(t, m.CacheRequests.WithLabelValues(famSegment, "error")); errs != 0 {
				t.Errorf("%v segment lookups counted as errors", errs)
			}
		})
	}
}

// TestDerivedPagesMatchStore pages a profile's segments and a segment's
// promotions from the cache with every bound, limit and direction, and
// walks them page by page both ways: each page is the store's own.
func TestDerivedPagesMatchStore(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb := testClient(t)
			raw := b.open(t)
			w := newWorld(t, raw)
			next := count(raw)
			c := New(next, rdb, testOptions(t, rdb))
			ctx := t.Context()
			profiles := w.profileIDs()
			segments := w.segmentIDs()

			segBounds := []*string{nil, &w.segments[0], &w.segments[2], &w.segments[5], ptr(missingUUID), ptr(highUUID)}
			promoBounds := []*int64{nil, ptr[int64](10), ptr[int64](35), ptr[int64](60), ptr[int64](0), ptr[int64](1000)}
			// Warm every list first, so the comparisons below read the cache.
			must(c.ProfileSegmentPages(ctx, profiles, store.Page[string]{Limit: 1}))(t)
			must(c.SegmentPromotionPages(ctx, segments, store.Page[int64]{Limit: 1}))(t)
			must(c.SegmentsByIDs(ctx, w.segments))(t)
			must(c.PromotionsByIDs(ctx, w.promotions))(t)
			before, _ := next.calls(t)
			for _, limit := range []int{0, 1, 2, 3, 100} {
				for _, backward := range []bool{false, true} {
					for _, after := range segBounds {
						for _, bef := range segBounds {
							p := store.Page[string]{After: after, Before: bef, Limit: limit, Backward: backward}
							got := must(c.ProfileSegmentPages(ctx, profiles, p))(t)
							want := must(raw.ProfileSegmentPages(ctx, profiles, p))(t)
							same(t, fmt.Sprintf("profile segments %s", pageString(p)), normalize(got), normalize(want))
						}
					}
					for _, after := range promoBounds {
						for _, bef := range promoBounds {
							p := store.Page[int64]{After: after, Before: bef, Limit: limit, Backward: backward}
							got := must(c.SegmentPromotionPages(ctx, segments, p))(t)
							want := must(raw.SegmentPromotionPages(ctx, segments, p))(t)
							same(t, fmt.Sprintf("segment promotions %s", pageString(p)), normalize(got), normalize(want))
						}
					}
				}
			}
			if after, by := next.calls(t); after != before {
				t.Errorf("the pages cost %v store calls (%v), want none", after-before, by)
			}

			// Walk profile 0's segments two at a time, forwards then backwards.
			walk := func(backward bool) []string {
				var seen []string
				var cursor *string
				for range 10 {
					p := store.Page[string]{Limit: 2, Backward: backward}
					if backward {
						p.Before = cursor
					} else {
						p.After = cursor
					}
					page := must(c.ProfileSegmentPages(ctx, profiles[:1], p))(t)[0]
					want := must(raw.ProfileSegmentPages(ctx, profiles[:1], p))(t)[0]
					same(t, "walked page", normalize([]store.PageOf[*store.Segment]{page}), normalize([]store.PageOf[*store.Segment]{want}))
					ids := make([]string, len(page.Items))
					for i, sg := range page.Items {
						ids[i] = sg.ID
					}
					if backward {
						seen = append(ids, seen...)
						if len(ids) > 0 {
							cursor = &ids[0]
						}
					} else {
						seen = append(seen, ids...)
						if len(ids) > 0 {
							cursor = &ids[len(ids)-1]
						}
					}
					if !page.More {
						return seen
					}
				}
				t.Fatal("the walk did not end")
				return nil
			}
			same(t, "forward walk", walk(false), w.segments)
			same(t, "backward walk", walk(true), w.segments)
		})
	}
}

func pageString[K store.Key](p store.Page[K]) string {
	s := fmt.Sprintf("limit %d backward %v", p.Limit, p.Backward)
	if p.After != nil {
		s += fmt.Sprintf(" after %v", *p.After)
	}
	if p.Before != nil {
		s += fmt.Sprintf(" before %v", *p.Before)
	}
	return s
}

// TestSpan checks the keyset rules of store.Span, which cache pages use, against the model the store
// contract suite uses.
func TestSpan(t *testing.T) {
	ids := []int64{10, 20, 30, 40, 50}
	bounds := []*int64{nil, ptr[int64](5), ptr[int64](10), ptr[int64](25), ptr[int64](50), ptr[int64](60)}
	for _, after := range bounds {
		for _, before := range bounds {
			for _, limit := range []int{-1, 0, 1, 2, 5, 6} {
				for _, backward := range []bool{false, true} {
					p := store.Page[int64]{After: after, Before: before, Limit: limit, Backward: backward}
					lo, hi, more := store.Span(ids, identity[int64], p)
					want, wantMore := modelPage(ids, p)
					if got := ids[lo:hi]; !slices.Equal(got, want) || more != wantMore {
						t.Errorf("%s: got %v more %v, want %v more %v", pageString(p), got, more, want, wantMore)
					}
				}
			}
		}
	}
}

// modelPage is the store contract suite's model of a page.
func modelPage[K store.Key](keys []K, p store.Page[K]) ([]K, bool) {
	var in []K
	for _, k := range keys {
		if (p.After == nil || k > *p.After) && (p.Before == nil || k < *p.Before) {
			in = append(in, k)
		}
	}
	limit := max(p.Limit, 0)
	if len(in) <= limit {
		return in, false
	}
	if p.Backward {
		return in[len(in)-limit:], true
	}
	return in[:limit], true
}

// TestNotFoundCached: a missing key is cached as missing, for NotFoundTTL.
func TestNotFoundCached(t *testing.T) {
	rdb := testClient(t)
	next := count(openSQLite(t))
	o := testOptions(t, rdb)
	o.NotFoundTTL = 7 * time.Second
	o.Jitter = -1
	c := New(next, rdb, o)
	ctx := t.Context()
	for _, read := range []func() (any, error){
		func() (any, error) { return c.SegmentsByIDs(ctx, []string{missingUUID}) },
		func() (any, error) { return c.ShopperProfilesByIDs(ctx, []string{missingUUID}) },
		func() (any, error) { return c.ShopperProfilesByCustomerIDs(ctx, []int64{42}) },
		func() (any, error) { return c.CustomersByIDs(ctx, []int64{42}) },
		func() (any, error) { return c.PromotionsByIDs(ctx, []int64{42}) },
	} {
		cold := must(read())(t)
		if reflect.ValueOf(cold).Index(0).Interface() != reflect.Zero(reflect.TypeOf(cold).Elem()).Interface() {
			t.Fatalf("cold read of a missing key: %v", dump(cold))
		}
		noCalls(t, next, "missing key, warm", func() { same(t, "warm", must(read())(t), cold) })
	}
	for _, key := range []string{
		c.keys.data(famSegment, "0", missingUUID), c.keys.data(famProfile, "0", missingUUID),
		c.keys.data(famProfileByC, "0", "42"), c.keys.data(famCustomer, "0", "42"), c.keys.data(famPromotion, "0", "42"),
	} {
		v := must(rdb.Get(ctx, key).Result())(t)
		ttl := must(rdb.PTTL(ctx, key).Result())(t)
		if v != notFound || ttl <= 0 || ttl > o.NotFoundTTL {
			t.Errorf("%s = %q with TTL %v, want %q within %v", key, v, ttl, notFound, o.NotFoundTTL)
		}
	}
	// A found value takes the TTL.
	w := must(next.Store.UpsertCustomers(ctx, []store.Customer{customer(7)}))(t)
	mustWrite(t, "upsert", w.Errors, nil)
	must(c.CustomersByIDs(ctx, []int64{7}))(t)
	ttl := must(rdb.PTTL(ctx, c.keys.data(famCustomer, "0", "7")).Result())(t)
	if ttl <= o.NotFoundTTL || ttl > defaultTTL {
		t.Errorf("found customer TTL %v, want above %v up to %v", ttl, o.NotFoundTTL, defaultTTL)
	}
}

// TestMalformedIDsAnsweredAsMissing: ids that are not canonical UUIDs are
// missing to every store (the contract); the cache answers them so, with
// no store call and nothing cached.
func TestMalformedIDsAnsweredAsMissing(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb := testClient(t)
			raw := b.open(t)
			w := newWorld(t, raw)
			next := count(raw)
			o := testOptions(t, rdb)
			c := New(next, rdb, o)
			ctx := t.Context()
			odd := []string{"junk", "", strings.ToUpper(w.segments[0]), "{" + w.profiles[0] + "}", w.segments[0]}
			var got snapshot
			noCalls(t, next, "malformed ids", func() {
				got.Segments = must(c.SegmentsByIDs(ctx, odd[:4]))(t)
				got.Profiles = must(c.ShopperProfilesByIDs(ctx, odd[:4]))(t)
				got.ProfileSegmentIDs = must(c.ProfileSegmentIDs(ctx, odd[:4]))(t)
				got.ProfileSegments = [][]store.PageOf[*store.Segment]{normalize(must(c.ProfileSegmentPages(ctx, odd[:4], store.Page[string]{Limit: 5}))(t))}
				got.ProfileSegCounts = must(c.CountProfileSegments(ctx, odd[:4]))(t)
				got.SegmentPromotions = [][]store.PageOf[*store.Promotion]{normalize(must(c.SegmentPromotionPages(ctx, odd[:4], store.Page[int64]{Limit: 5}))(t))}
				got.SegPromoCounts = must(c.CountSegmentPromotions(ctx, odd[:4]))(t)
			})
			var want snapshot
			want.Segments = must(raw.SegmentsByIDs(ctx, odd[:4]))(t)
			want.Profiles = must(raw.ShopperProfilesByIDs(ctx, odd[:4]))(t)
			want.ProfileSegmentIDs = must(raw.ProfileSegmentIDs(ctx, odd[:4]))(t)
			want.ProfileSegments = [][]store.PageOf[*store.Segment]{normalize(must(raw.ProfileSegmentPages(ctx, odd[:4], store.Page[string]{Limit: 5}))(t))}
			want.ProfileSegCounts = must(raw.CountProfileSegments(ctx, odd[:4]))(t)
			want.SegmentPromotions = [][]store.PageOf[*store.Promotion]{normalize(must(raw.SegmentPromotionPages(ctx, odd[:4], store.Page[int64]{Limit: 5}))(t))}
			want.SegPromoCounts = must(raw.CountSegmentPromotions(ctx, odd[:4]))(t)
			same(t, "malformed ids", got, want)
			if n := len(must(rdb.Keys(ctx, o.Prefix+":*").Result())(t)); n != 0 {
				t.Errorf("%d keys cached for malformed ids", n)
			}
			// Mixed with a real id, the real one is looked up.
			same(t, "mixed", must(c.SegmentsByIDs(ctx, odd))(t), must(raw.SegmentsByIDs(ctx, odd))(t))
		})
	}
}

// TestRecordsRoundTrip: every cached form decodes to exactly what was
// encoded, nil and empty lists and optional fields included.
func TestRecordsRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC)
	ends := at.Add(time.Hour)
	promos := []*store.Promotion{
		{ID: 1, Name: "n", DisplayName: "d", RedemptionType: store.RedemptionCoupon, Status: store.StatusEnabled,
			StartsAt: at, EndsAt: &ends, ChannelIDs: []int64{1, 2}, CurrencyCode: "EUR", MaxUses: ptr(0), CurrentUses: 3,
			Customer: store.Targeting{GroupIDs: []int64{}, ExcludedGroupIDs: []int64{4}, MinimumOrderCount: 2,
				Segments: &store.Condition{And: []store.Condition{{ID: []string{"a"}}, {Not: &store.Condition{Or: []store.Condition{{ID: []string{"b", "c"}}}}}}}},
			CreatedAt: at, UpdatedAt: ends},
		{ID: 2, StartsAt: at, CreatedAt: at, UpdatedAt: at, ChannelIDs: []int64{}},
	}
	roundTrip(t, promotionCodec, promos[0])
	roundTrip(t, promotionCodec, promos[1])
	roundTrip(t, promotionCodec, nil)
	roundTrip(t, promotionsCodec, promos)
	roundTrip(t, promotionsCodec, nil)
	roundTrip(t, promotionsCodec, []*store.Promotion{})
	roundTrip(t, segmentCodec, &store.Segment{ID: "s", Name: "n", Description: "d\u00e9", CreatedAt: at, UpdatedAt: ends})
	roundTrip(t, segmentCodec, nil)
	roundTrip(t, profileCodec, &store.ShopperProfile{ID: "p", CustomerID: 9, CreatedAt: at, UpdatedAt: at})
	roundTrip(t, customerCodec, &store.Customer{ID: 9, Email: "e", FirstName: "f", LastName: "l", Company: "c", Phone: "p",
		CustomerGroupID: 3, OrderCount: 4, ChannelIDs: []int64{1}, CreatedAt: at, UpdatedAt: at})
	roundTrip(t, customerCodec, &store.Customer{ID: 9, CreatedAt: at, UpdatedAt: at})
	roundTrip(t, childrenCodec[string, *store.Segment](), children[string, *store.Segment]{IDs: []string{"a", "b"}})
	roundTrip(t, childrenCodec[int64, *store.Promotion](), children[int64, *store.Promotion]{})
}

func roundTrip[V any](t *testing.T, c codec[V], v V) {
	t.Helper()
	b, err := c.encode(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.decode(b)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "round trip of "+string(b), got, v)
}

// TestEnabledPromotionsDecodedOnce: while the enabled set is unchanged, a
// read moves only its stamp, and answers the set decoded before.
func TestEnabledPromotionsDecodedOnce(t *testing.T) {
	rdb := testClient(t)
	raw := openSQLite(t)
	newWorld(t, raw)
	o := testOptions(t, rdb)
	c := New(raw, rdb, o)
	ctx := t.Context()
	first := must(c.EnabledPromotions(ctx))(t)
	held := c.enabled.Load()
	if held == nil || len(held.stamp) != stampLen {
		t.Fatalf("held set %+v", held)
	}
	again := must(c.EnabledPromotions(ctx))(t)
	if len(again) == 0 || again[0] != first[0] {
		t.Error("the warm read decoded the set again")
	}
	// Another instance decodes the value once and holds the same stamp.
	other := New(raw, rdb, o)
	same(t, "other instance", must(other.EnabledPromotions(ctx))(t), first)
	if other.enabled.Load().stamp != held.stamp {
		t.Error("the other instance holds another stamp")
	}
	// A change is seen: the held set is replaced.
	w := must(c.UpdatePromotion(ctx, store.PromotionUpdate{ID: 20, Status: ptr(store.StatusDisabled)}))(t)
	mustWrite(t, "disable", w.Errors, nil)
	after := must(other.EnabledPromotions(ctx))(t)
	same(t, "after the change", after, must(raw.EnabledPromotions(ctx))(t))
	if len(after) != len(first)-1 {
		t.Errorf("%d enabled promotions after disabling one of %d", len(after), len(first))
	}
}
