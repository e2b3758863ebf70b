package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/segql/segql/api"
	"github.com/segql/segql/store"
)

// tripCase is a query and the store round trips it costs, by operation.
// The counts are a function of the query and the data alone: the same
// at every page size, every GOMAXPROCS and under concurrent requests.
type tripCase struct {
	name  string
	query string
	vars  func(n int) map[string]any
	// customer, when set, sends the query with that customer's token;
	// guestCustomer sends it without a token.
	customer int64
	// before runs before each request (uncounted), to put the data back.
	before func(t testing.TB, s store.Store)
	// serial cases change data, so concurrent copies would answer
	// differently; they are not run concurrently.
	serial bool
	want   map[string]int
}

const guestCustomer = -1

func pageVars(n int) map[string]any { return map[string]any{"n": n} }

// tripCases cover every field that loads, every way to reach one (nodes
// and edges, aliases, fragments, directives, interfaces, several root
// fields, a mutation's payload, a storefront shopper), against tree(4):
// 4 segments of 4 profiles, each profile in 3 segments, each segment
// targeted by 2 promotions of its own.
var tripCases = []tripCase{
	{
		name: "nested admin query",
		query: `query($n: Int!) { segments(first: $n) { nodes { name shopperProfiles(first: $n) { nodes {
			customer { email } segments(first: $n) { nodes { promotions(first: $n) { nodes { name } } } } } } } } }`,
		vars: pageVars,
		want: map[string]int{"ListSegments": 1, "SegmentProfilePages": 1, "CustomersByIDs": 1, "ProfileSegmentPages": 1, "SegmentPromotionPages": 1},
	},
	{
		name: "counts at every level",
		query: `query($n: Int!) { segments(first: $n) { totalCount nodes { shopperProfiles(first: $n) { totalCount
			edges { cursor node { segments(first: $n) { totalCount nodes { name promotions(first: $n) { totalCount } } } } } } } } }`,
		vars: pageVars,
		want: map[string]int{"ListSegments": 1, "CountSegments": 1, "SegmentProfilePages": 1, "CountSegmentProfiles": 1,
			"ProfileSegmentPages": 1, "CountProfileSegments": 1, "SegmentPromotionPages": 1, "CountSegmentPromotions": 1},
	},
	{
		// Pages of two shapes are two calls; one level's customers are one.
		name: "aliases",
		query: `query($n: Int!) { segments(first: $n) { nodes {
			a: shopperProfiles(first: $n) { nodes { customer { email } } }
			b: shopperProfiles(last: 1) { edges { node { customer { firstName } } } }
			c: shopperProfiles(first: $n) { nodes { uuid } } } } }`,
		vars: pageVars,
		want: map[string]int{"ListSegments": 1, "SegmentProfilePages": 2, "CustomersByIDs": 1},
	},
	{
		name: "nodes of several types",
		query: `query($n: Int!, $ids: [ID!]!) { nodes(ids: $ids) { id
			... on Segment { shopperProfiles(first: $n) { nodes { customer { email } } } }
			... on ShopperProfile { segments(first: $n) { nodes { name } } } } }`,
		vars: func(n int) map[string]any {
			return map[string]any{"n": n, "ids": []string{
				gid(store.TypeSegment, segID(0)), gid(store.TypeSegment, segID(1)),
				gid(store.TypeShopperProfile, profileID(0)), gid(store.TypeShopperProfile, profileID(5)), "bogus",
			}}
		},
		want: map[string]int{"SegmentsByIDs": 1, "ShopperProfilesByIDs": 1, "SegmentProfilePages": 1, "ProfileSegmentPages": 1, "CustomersByIDs": 1},
	},
	{
		name: "customers down to targeted segments",
		query: `query($n: Int!) { customers(first: $n) { nodes { shopperProfile { segments(first: $n) { nodes {
			promotions(first: $n) { nodes { targetedSegments { name shopperProfiles(first: $n) { totalCount } } } } } } } } } }`,
		vars: pageVars,
		want: map[string]int{"ListCustomers": 1, "ShopperProfilesByCustomerIDs": 1, "ProfileSegmentPages": 1,
			"SegmentPromotionPages": 1, "SegmentsByIDs": 1, "SegmentProfilePages": 1, "CountSegmentProfiles": 1},
	},
	{
		name:  "eligible promotions of a page of profiles",
		query: `query($n: Int!) { shopperProfiles(first: $n) { nodes { eligiblePromotions { name targetedSegments { name } } } } }`,
		vars:  pageVars,
		want: map[string]int{"ListShopperProfiles": 1, "CustomersByIDs": 1, "ProfileSegmentIDs": 1, "EnabledPromotions": 1,
			"SegmentsByIDs": 1},
	},
	{
		// Root fields have loaders of their own: b's customers are not a's.
		name: "two root fields",
		query: `query($n: Int!) {
			a: segments(first: $n) { nodes { shopperProfiles(first: $n) { nodes { customer { email } } } } }
			b: promotions(first: $n) { nodes { targetedSegments { shopperProfiles(first: $n) { nodes { customer { email } } } } } } }`,
		vars: pageVars,
		want: map[string]int{"ListSegments": 1, "ListPromotions": 1, "SegmentsByIDs": 1, "SegmentProfilePages": 2, "CustomersByIDs": 2},
	},
	{
		name: "fragments and directives",
		query: `query($n: Int!, $yes: Boolean!, $no: Boolean!) { segments(first: $n) { ...S } }
			fragment S on SegmentConnection { nodes { ... on Node { id }
				shopperProfiles(first: $n) @include(if: $yes) { nodes { ...P } }
				promotions(first: $n) @skip(if: $yes) { nodes { name } } } }
			fragment P on ShopperProfile { customer @include(if: $no) { email } segments(first: $n) { nodes { name } } }`,
		vars: func(n int) map[string]any { return map[string]any{"n": n, "yes": true, "no": false} },
		want: map[string]int{"ListSegments": 1, "SegmentProfilePages": 1, "ProfileSegmentPages": 1},
	},
	{
		// The storefront's query: the viewer's customer, profile, segment
		// ids and segments in one read, the enabled promotions beside it;
		// the page of segments is cut from what the read brought.
		name:     "storefront",
		customer: 1,
		query:    `query($n: Int!) { viewer { segments(first: $n) { nodes { name } } eligiblePromotions { promotionId name } } }`,
		vars:     pageVars,
		want:     map[string]int{"ShoppersByCustomerIDs": 1, "EnabledPromotions": 1},
	},
	{
		// A shopper's segments show no promotions. The profile's own
		// segments field reads its page; the viewer's page and count are
		// cut from the shopper read, which also holds the segments the
		// eligible promotions target (tree's promotions target the
		// shopper's own segments).
		name:     "storefront viewer, every field",
		customer: 1,
		query: `query($n: Int!) { viewer { customer { email shopperProfile { uuid } }
			shopperProfile { segments(first: $n) { nodes { name } } }
			segments(first: $n) { totalCount nodes { name promotions(first: $n) { nodes { name } } } }
			eligiblePromotions { name targetedSegments { name } } } }`,
		vars: pageVars,
		want: map[string]int{"ShoppersByCustomerIDs": 1, "EnabledPromotions": 1, "ProfileSegmentPages": 1},
	},
	{
		name:     "guest",
		customer: guestCustomer,
		query:    `query($n: Int!) { viewer { isGuest segments(first: $n) { totalCount } eligiblePromotions { name targetedSegments { name } } } promotions(first: $n) { nodes { name } } }`,
		vars:     pageVars,
		// Guests see no segment-targeted promotion: none of tree's.
		want: map[string]int{"EnabledPromotions": 2},
	},
	{
		// Profile 0 is made a non-member of segment 1 before each request,
		// profile 4 is a member: one added, one already there.
		name: "a mutation's payload",
		query: `mutation($s: ID!, $p: [ID!]!, $n: Int!) { addShopperProfilesToSegment(segmentUuid: $s, shopperProfileUuids: $p) {
			segment { shopperProfiles(first: $n) { totalCount } }
			added { customer { email } segments(first: $n) { nodes { name } } }
			alreadyMembers { customer { email } } } }`,
		vars: func(n int) map[string]any {
			return map[string]any{"n": n, "s": segID(1), "p": []string{profileID(0), profileID(4)}}
		},
		before: func(t testing.TB, s store.Store) {
			if _, err := s.RemoveSegmentMembers(context.Background(), segID(1), []string{profileID(0)}); err != nil {
				t.Fatalf("reset membership: %v", err)
			}
		},
		serial: true,
		want: map[string]int{"AddSegmentMembers": 1, "SegmentsByIDs": 1, "ShopperProfilesByIDs": 1,
			"SegmentProfilePages": 1, "CountSegmentProfiles": 1, "CustomersByIDs": 1, "ProfileSegmentPages": 1},
	},
}

// TestStoreRoundTripsAreExact runs every case at page sizes 1 to 250,
// at GOMAXPROCS 1 and 8, alone and as concurrent requests: each request
// costs exactly the case's round trips, by operation, every time.
func TestStoreRoundTripsAreExact(t *testing.T) {
	for _, backend := range []struct {
		name string
		opts func(testing.TB) []func(*api.Options)
	}{
		{"sqlite", func(testing.TB) []func(*api.Options) { return nil }},
		{"postgres", func(t testing.TB) []func(*api.Options) { return []func(*api.Options){onPostgres(t)} }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			// Four nested pages of 250 are far over the cost limit; this
			// test is about round trips, not cost.
			uncosted := func(o *api.Options) { o.RequestLimits.MaxCost = -1 }
			ts := newTestServer(t, append(backend.opts(t), uncosted, noRateLimits)...)
			ts.load(tree(4))
			for _, c := range tripCases {
				t.Run(c.name, func(t *testing.T) { testTrips(t, ts.with(t), c) })
			}
		})
	}
}

func testTrips(t *testing.T, ts *testServer, c tripCase) {
	token := ""
	switch {
	case c.customer == guestCustomer:
		token = guest
	case c.customer != 0:
		token = ts.token(c.customer, nil)
	}
	for _, procs := range []int{1, 8} {
		prev := runtime.GOMAXPROCS(procs)
		for _, n := range []int{1, 2, 7, 50, 250} {
			if c.before != nil {
				c.before(t, ts.Backend)
			}
			before := ts.storeCalls()
			res := ts.do(c.query, c.vars(n), token)
			if len(res.Errors) > 0 {
				t.Fatalf("GOMAXPROCS=%d n=%d: %+v", procs, n, res.Errors)
			}
			if got := diff(ts.storeCalls(), before); !maps.Equal(got, c.want) {
				t.Errorf("GOMAXPROCS=%d n=%d: round trips %s, want %s", procs, n, fmtCalls(got), fmtCalls(c.want))
			}
		}
		if !c.serial {
			const parallel = 12
			before := ts.storeCalls()
			concurrently(t, ts, parallel, c.query, c.vars(7), token)
			want := map[string]int{}
			for op, k := range c.want {
				want[op] = parallel * k
			}
			if got := diff(ts.storeCalls(), before); !maps.Equal(got, want) {
				t.Errorf("GOMAXPROCS=%d, %d requests at once: round trips %s, want %s", procs, parallel, fmtCalls(got), fmtCalls(want))
			}
		}
		runtime.GOMAXPROCS(prev)
	}
}

// concurrently sends k copies of a query at once: every goroutine waits
// for the others to be ready before it sends.
func concurrently(t *testing.T, ts *testServer, k int, query string, vars map[string]any, token string) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	if token == "" {
		token = "Bearer " + ts.AdminWrite
	} else if token != guest {
		token = "Bearer " + token
	}
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(k)
	for range k {
		done.Go(func() {
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if token != guest {
				req.Header.Set("Authorization", token)
			}
			rec := httptest.NewRecorder()
			ready.Done()
			<-start
			ts.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
				t.Errorf("concurrent request: %d %s", rec.Code, rec.Body.String())
			}
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// storeCalls is segql_store_queries_total by operation.
func (ts *testServer) storeCalls() map[string]int {
	ts.t.Helper()
	families, err := ts.Metrics.Registry.Gather()
	if err != nil {
		ts.t.Fatalf("gather: %v", err)
	}
	out := map[string]int{}
	for _, f := range families {
		if f.GetName() != "segql_store_queries_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "operation" {
					out[l.GetValue()] = int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return out
}

// diff is after minus before, without the operations that did not move.
func diff(after, before map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range after {
		if d := n - before[op]; d != 0 {
			out[op] = d
		}
	}
	return out
}

func fmtCalls(m map[string]int) string {
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", op, m[op]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}
