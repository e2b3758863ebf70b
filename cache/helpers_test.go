package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/segql/segql/metrics"
	"github.com/segql/segql/store"
	"github.com/segql/segql/store/postgres/pgtest"
	"github.com/segql/segql/store/sqlite"
)

// redisURL is the test Redis (SEGQL_TEST_REDIS): the test is skipped
// without it, and fails under CI=true.
func redisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SEGQL_TEST_REDIS")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SEGQL_TEST_REDIS is not set: CI must run the Redis suite")
		}
		t.Skip("SEGQL_TEST_REDIS is not set: skipping the Redis suite")
	}
	return u
}

// testClient is a client of the test Redis with NewClient's settings but
// generous timeouts: the tests share a busy machine, and a slow call would
// be a miss where a test expects a hit.
func testClient(t testing.TB, adjust ...func(*redis.Options)) *redis.Client {
	t.Helper()
	opt, err := clientOptions(redisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout, opt.DialTimeout = 2*time.Second, 2*time.Second, 2*time.Second, 2*time.Second
	for _, f := range adjust {
		f(opt)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// newPrefix is a key prefix of the test's own, its keys deleted when the
// test ends.
func newPrefix(t testing.TB, rdb *redis.Client) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "segql_cache_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return prefix
}

// testOptions are the options of most tests: a prefix of their own and a
// generous timeout.
func testOptions(t testing.TB, rdb *redis.Client) Options {
	return Options{Prefix: newPrefix(t, rdb), Timeout: 2 * time.Second}
}

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "segql.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// backends are the real stores the tests run on.
var backends = []struct {
	name string
	open func(testing.TB) store.Store
}{
	{"sqlite", openSQLite},
	{"postgres", func(t testing.TB) store.Store { return pgtest.Open(t) }},
}

// counted counts the calls that reach the store.
type counted struct {
	*metrics.Store
	m *metrics.Metrics
}

func count(s store.Store) counted {
	m := metrics.New()
	return counted{Store: m.WrapStore(s), m: m}
}

// calls is the number of store calls so far, and their operations.
func (c counted) calls(t testing.TB) (float64, map[string]float64) {
	t.Helper()
	fams, err := c.m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total, by := 0.0, map[string]float64{}
	for _, f := range fams {
		if f.GetName() != "segql_store_queries_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			v := m.GetCounter().GetValue()
			total += v
			by[m.GetLabel()[0].GetValue()] = v
		}
	}
	return total, by
}

// noCalls fails the test when read reaches the store.
func noCalls(t testing.TB, next counted, what string, read func()) {
	t.Helper()
	before, beforeBy := next.calls(t)
	read()
	after, afterBy := next.calls(t)
	if after != before {
		var ops []string
		for op, n := range afterBy {
			if n != beforeBy[op] {
				ops = append(ops, fmt.Sprintf("%s×%v", op, n-beforeBy[op]))
			}
		}
		sort.Strings(ops)
		t.Errorf("%s: %v store calls (%s), want none", what, after-before, strings.Join(ops, ", "))
	}
}

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mustWrite(t testing.TB, what string, errs []store.UserError, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(errs) > 0 {
		t.Fatalf("%s: %+v", what, errs)
	}
}

func same(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, dump(got), dump(want))
	}
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }

var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func customer(id int64) store.Customer {
	return store.Customer{ID: id, Email: fmt.Sprintf("c%d@example.com", id), FirstName: "First", LastName: fmt.Sprintf("Last%d", id)}
}

func promotion(id int64, status string, cond *store.Condition) store.Promotion {
	return store.Promotion{
		ID: id, Name: fmt.Sprintf("Promotion %d", id), DisplayName: fmt.Sprintf("Deal %d", id),
		RedemptionType: store.RedemptionAutomatic, Status: status, StartsAt: base, CurrencyCode: "USD",
		Customer: store.Targeting{Segments: cond},
	}
}

func anyOf(ids ...string) *store.Condition { return &store.Condition{ID: ids} }

// world is a small store: customers 1..6, profiles for 1..5, six segments,
// memberships and promotions naming the segments.
type world struct {
	segments   []string // S0..S5, ascending
	profiles   []string // of customers 1..5, in that order
	customers  []int64
	promotions []int64
}

// Ids that are in no store.
const (
	missingUUID = "00000000-0000-7000-8000-000000000000"
	highUUID    = "ffffffff-ffff-7fff-bfff-ffffffffffff"
)

// newWorld fills s (the store itself, not the cache).
func newWorld(t testing.TB, s store.Store) world {
	t.Helper()
	ctx := t.Context()
	var w world
	cs := []store.Customer{}
	for id := int64(1); id <= 6; id++ {
		c := customer(id)
		c.ChannelIDs = []int64{1, id}
		c.CustomerGroupID = id % 3
		c.OrderCount = int(id)
		cs = append(cs, c)
		w.customers = append(w.customers, id)
	}
	cw, err := s.UpsertCustomers(ctx, cs)
	mustWrite(t, "upsert customers", cw.Errors, err)
	pw, err := s.CreateShopperProfiles(ctx, w.customers[:5])
	mustWrite(t, "create profiles", pw.Errors, err)
	for _, p := range pw.Items {
		w.profiles = append(w.profiles, p.ID)
	}
	var ns []store.NewSegment
	for i := range 6 {
		ns = append(ns, store.NewSegment{Name: fmt.Sprintf("S%d", i), Description: fmt.Sprintf("segment %d", i)})
	}
	sw, err := s.CreateSegments(ctx, ns)
	mustWrite(t, "create segments", sw.Errors, err)
	for _, sg := range sw.Items {
		w.segments = append(w.segments, sg.ID)
	}
	sort.Strings(w.segments)
	add := func(seg string, profiles ...string) {
		c, err := s.AddSegmentMembers(ctx, seg, profiles)
		mustWrite(t, "add members", c.Errors, err)
	}
	for _, sg := range w.segments {
		add(sg, w.profiles[0])
	}
	add(w.segments[1], w.profiles[1])
	add(w.segments[3], w.profiles[1])
	add(w.segments[0], w.profiles[2])
	sg := w.segments
	for _, p := range []store.Promotion{
		promotion(10, store.StatusEnabled, anyOf(sg[0])),
		promotion(20, store.StatusEnabled, nil),
		promotion(30, store.StatusDisabled, &store.Condition{Or: []store.Condition{{ID: []string{sg[0]}}, {Not: anyOf(sg[1])}}}),
		promotion(40, store.StatusEnabled, anyOf(sg[1], sg[2])),
		promotion(50, store.StatusEnabled, anyOf(sg[0], sg[3])),
		promotion(60, store.StatusEnabled, anyOf(sg[0])),
	} {
		p.ChannelIDs = []int64{1}
		p.MaxUses = ptr(100)
		p.EndsAt = ptr(base.Add(24 * time.Hour))
		p.Customer.GroupIDs = []int64{1, 2}
		w2, err := s.CreatePromotion(ctx, p)
		mustWrite(t, "create promotion", w2.Errors, err)
		w.promotions = append(w.promotions, p.ID)
	}
	return w
}

// pageShapes are the pages the snapshot reads of every parent.
func pageShapes[K store.Key](bound K) []store.Page[K] {
	return []store.Page[K]{
		{Limit: 100}, {Limit: 2}, {Limit: 2, Backward: true}, {Limit: 0},
		{After: &bound, Limit: 2}, {Before: &bound, Limit: 1, Backward: true},
	}
}

// snapshot is every read the cache answers, of every id of a world and a
// few that are in no store.
type snapshot struct {
	Shoppers          []store.ShopperRecord
	Segments          []*store.Segment
	Profiles          []*store.ShopperProfile
	ProfilesByCust    []*store.ShopperProfile
	Customers         []*store.Customer
	Promotions        []*store.Promotion
	ProfileSegmentIDs [][]string
	Enabled           []*store.Promotion
	ProfileSegments   [][]store.PageOf[*store.Segment]
	ProfileSegCounts  []int
	SegmentPromotions [][]store.PageOf[*store.Promotion]
	SegPromoCounts    []int
}

func (w world) segmentIDs() []string {
	return append(append([]string{}, w.segments...), missingUUID, "junk")
}
func (w world) profileIDs() []string {
	return append(append([]string{}, w.profiles...), missingUUID, "junk")
}
func (w world) customerIDs() []int64 { return append(append([]int64{}, w.customers...), 99, -1) }
func (w world) promotionIDs() []int64 {
	return append(append([]int64{}, w.promotions...), 999, 0)
}

func takeSnapshot(t testing.TB, s store.Store, w world) snapshot {
	t.Helper()
	ctx := t.Context()
	var sn snapshot
	// First: read through the cache, it finds nothing of a fresh world and
	// everything of one the snapshot read before.
	sn.Shoppers = must(s.ShoppersByCustomerIDs(ctx, w.customerIDs()))(t)
	sn.Segments = must(s.SegmentsByIDs(ctx, w.segmentIDs()))(t)
	sn.Profiles = must(s.ShopperProfilesByIDs(ctx, w.profileIDs()))(t)
	sn.ProfilesByCust = must(s.ShopperProfilesByCustomerIDs(ctx, w.customerIDs()))(t)
	sn.Customers = must(s.CustomersByIDs(ctx, w.customerIDs()))(t)
	sn.Promotions = must(s.PromotionsByIDs(ctx, w.promotionIDs()))(t)
	sn.ProfileSegmentIDs = must(s.ProfileSegmentIDs(ctx, w.profileIDs()))(t)
	sn.Enabled = must(s.EnabledPromotions(ctx))(t)
	for _, p := range pageShapes(w.segments[2]) {
		pages := must(s.ProfileSegmentPages(ctx, w.profileIDs(), p))(t)
		sn.ProfileSegments = append(sn.ProfileSegments, normalize(pages))
	}
	sn.ProfileSegCounts = must(s.CountProfileSegments(ctx, w.profileIDs()))(t)
	for _, p := range pageShapes[int64](35) {
		pages := must(s.SegmentPromotionPages(ctx, w.segmentIDs(), p))(t)
		sn.SegmentPromotions = append(sn.SegmentPromotions, normalize(pages))
	}
	sn.SegPromoCounts = must(s.CountSegmentPromotions(ctx, w.segmentIDs()))(t)
	return sn
}

// normalize makes every empty page's items nil: the stores answer nil or
// empty alike.
func normalize[T any](pages []store.PageOf[T]) []store.PageOf[T] {
	out := make([]store.PageOf[T], len(pages))
	for i, p := range pages {
		if len(p.Items) == 0 {
			p.Items = nil
		}
		out[i] = p
	}
	return out
}

// counters reads every generation and version key of a prefix.
func counters(t testing.TB, rdb *redis.Client, prefix string) map[string]string {
	t.Helper()
	ctx := t.Context()
	out := map[string]string{}
	for _, pattern := range []string{prefix + ":gen:*", prefix + ":ver:*"} {
		iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			v, err := rdb.Get(ctx, iter.Val()).Result()
			if err != nil {
				t.Fatal(err)
			}
			out[strings.TrimPrefix(iter.Val(), prefix+":")] = v
		}
		if err := iter.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// bumped lists the counters that changed between two readings.
func bumped(before, after map[string]string) []string {
	out := []string{}
	for k, v := range after {
		if before[k] != v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// value reads a counter or gauge.
func value(t testing.TB, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

// guard bounds how long a test waits for what must happen, so a bug fails
// the test instead of hanging it. It is never how long something takes.
const guard = 30 * time.Second

// wait waits for ch to be closed.
func wait(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(guard):
		t.Fatalf("%s did not happen within %v", what, guard)
	}
}

// receive waits for a value from ch.
func receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(guard):
		t.Fatalf("%s did not answer within %v", what, guard)
		panic("unreachable")
	}
}

// closeOnce closes ch unless it is closed already.
func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}
