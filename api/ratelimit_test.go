package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/segql/segql/api"
	"github.com/segql/segql/cache"
)

// The rate limit tests go through the real handler. The in-process
// buckets run on a fake clock that the tests advance; buckets in Redis
// run on Redis's clock, so the Redis tests use rates so slow (one request
// a hundred seconds) that nothing refills while they run.

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// withRateLimits sets the handler's rate limits.
func withRateLimits(l api.RateLimits) func(*api.Options) {
	return func(o *api.Options) { o.RateLimits = l }
}

// noRateLimits turns every rate limit off, for tests and benchmarks that
// send more than a client should.
func noRateLimits(o *api.Options) {
	off := api.Rate{PerSecond: -1}
	o.RateLimits = api.RateLimits{Customer: off, Guest: off, Admin: off}
}

// caller is who sends a request in these tests.
type caller struct {
	token  string      // as testServer.do takes it: "" the admin write token, guest none
	remote string      // the connection's address; "" is httptest's 192.0.2.1:1234
	header http.Header // more headers
}

// rateAnswer is an answer with its headers.
type rateAnswer struct {
	gqlResponse
	Header http.Header
}

const viewerQuery = `{ viewer { customer { customerId } } }`

// send posts query as c.
func (ts *testServer) send(c caller, query string) rateAnswer {
	ts.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	return ts.sendRaw(c, http.MethodPost, body)
}

func (ts *testServer) sendRaw(c caller, method string, body []byte) rateAnswer {
	ts.t.Helper()
	req := httptest.NewRequest(method, "/graphql", bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.remote != "" {
		req.RemoteAddr = c.remote
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	switch c.token {
	case guest:
	case "":
		req.Header.Set("Authorization", "Bearer "+ts.AdminWrite)
	default:
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	rec := httptest.NewRecorder()
	ts.Handler.ServeHTTP(rec, req)
	out := rateAnswer{Header: rec.Header()}
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out.gqlResponse); err != nil {
			ts.t.Fatalf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
		}
	}
	out.Status = rec.Code
	ts.checkCodes(out.gqlResponse)
	return out
}

// served fails the test unless the answer is a success.
func served(t testing.TB, what string, a rateAnswer) {
	t.Helper()
	if a.Status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("%s: want it served, got %d %+v", what, a.Status, a.Errors)
	}
}

// refused fails the test unless the answer is a rate limit refusal whose
// hint is retryAfter seconds (to the millisecond; < 0: any).
func refused(t testing.TB, what string, a rateAnswer, retryAfter float64) {
	t.Helper()
	if a.Status != http.StatusTooManyRequests || len(a.Errors) != 1 {
		t.Fatalf("%s: want 429 RATE_LIMITED, got %d %+v", what, a.Status, a.Errors)
	}
	e := a.Errors[0]
	if e.Extensions["code"] != api.CodeRateLimited {
		t.Errorf("%s: code %v, want %s", what, e.Extensions["code"], api.CodeRateLimited)
	}
	hint, ok := e.Extensions["retryAfter"].(float64)
	if !ok || hint <= 0 {
		t.Fatalf("%s: extensions.retryAfter %v, want a positive number", what, e.Extensions["retryAfter"])
	}
	if retryAfter >= 0 && (hint < retryAfter-0.0015 || hint > retryAfter+0.0015) {
		t.Errorf("%s: retryAfter %v, want %v", what, hint, retryAfter)
	}
	// Retry-After: whole seconds, rounded up, at least 1.
	secs := int(hint)
	if float64(secs) < hint {
		secs++
	}
	secs = max(secs, 1)
	if got := a.Header.Get("Retry-After"); got != fmt.Sprint(secs) {
		t.Errorf("%s: Retry-After %q, want %d (retryAfter %v)", what, got, secs, hint)
	}
	if want := fmt.Sprintf("too many requests: retry after %d s", secs); e.Message != want {
		t.Errorf("%s: message %q, want %q", what, e.Message, want)
	}
	if ct := a.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if a.Data != nil && string(a.Data) != "null" {
		t.Errorf("%s: refused with data %s", what, a.Data)
	}
}

// rateLimited is segql_rate_limited_total for a principal kind.
func (ts *testServer) rateLimited(kind string) float64 {
	ts.t.Helper()
	return ts.sample("segql_rate_limited_total", "kind", kind)
}

// sample is the value of a counter (the sample count of a histogram) of
// the family name whose label is value.
func (ts *testServer) sample(name, label, value string) float64 {
	ts.t.Helper()
	families, err := ts.Metrics.Registry.Gather()
	if err != nil {
		ts.t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != label || l.GetValue() != value {
					continue
				}
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestRateLimitRefusesPastTheBurst: each kind of principal is served its
// burst, then refused with 429 RATE_LIMITED, a Retry-After header and
// extensions.retryAfter, before anything runs; the refusal is counted,
// and the server goes on serving others.
func TestRateLimitRefusesPastTheBurst(t *testing.T) {
	// 0.4 a second: the next token comes 2.5 s after the burst is spent.
	r := api.Rate{PerSecond: 0.4, Burst: 3}
	for _, c := range []struct {
		name string
		kind string
		who  func(ts *testServer) caller
	}{
		{"customer", "customer", func(ts *testServer) caller { return caller{token: ts.token(1, nil)} }},
		{"guest", "guest", func(*testServer) caller { return caller{token: guest} }},
		{"admin write token", "admin-write", func(*testServer) caller { return caller{} }},
		{"admin read token", "admin-read", func(ts *testServer) caller { return caller{token: ts.AdminRead} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := newFakeClock()
			ts := newTestServer(t, withRateLimits(api.RateLimits{Customer: r, Guest: r, Admin: r, Now: clock.Now}))
			ts.load(grid(2))
			who := c.who(ts)
			for i := range r.Burst {
				served(t, fmt.Sprintf("request %d of the burst", i+1), ts.send(who, viewerQuery))
			}
			trips := ts.storeQueries()
			refused(t, "past the burst", ts.send(who, viewerQuery), 2.5)
			refused(t, "again", ts.send(who, viewerQuery), 2.5)
			if got := ts.storeQueries(); got != trips {
				t.Errorf("refused requests made %v store round trips", got-trips)
			}
			if got := ts.rateLimited(c.kind); got != 2 {
				t.Errorf("segql_rate_limited_total{kind=%q} = %v, want 2", c.kind, got)
			}

			// The server is healthy: others are served, health and
			// metrics answer.
			served(t, "another customer", ts.send(caller{token: ts.token(2, nil)}, viewerQuery))
			if res := ts.raw(http.MethodGet, "/healthz", "", nil, nil); res.Status != http.StatusOK {
				t.Errorf("/healthz: %d", res.Status)
			}
			if res := ts.raw(http.MethodGet, "/readyz", "", nil, nil); res.Status != http.StatusOK {
				t.Errorf("/readyz: %d", res.Status)
			}
			res := ts.raw(http.MethodGet, "/metrics", "", nil, nil)
			if want := fmt.Sprintf(`segql_rate_limited_total{kind=%q} 2`, c.kind); !strings.Contains(string(res.Body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		})
	}
}

// TestRateLimitBucketsAreSeparate: each customer, each guest address
// (IPv6 by /64) and each admin token spends a bucket of its own.
func TestRateLimitBucketsAreSeparate(t *testing.T) {
	r := api.Rate{PerSecond: 0.001, Burst: 2}
	for _, c := range []struct {
		name   string
		a, b   func(ts *testServer) caller
		shared bool
	}{
		{name: "two customers",
			a: func(ts *testServer) caller { return caller{token: ts.token(1, nil)} },
			b: func(ts *testServer) caller { return caller{token: ts.token(2, nil)} }},
		{name: "two tokens of one customer", shared: true,
			a: func(ts *testServer) caller { return caller{token: ts.token(1, nil)} },
			b: func(ts *testServer) caller { return caller{token: ts.token(1, nil), remote: "198.51.100.9:443"} }},
		{name: "guests at two addresses",
			a: func(*testServer) caller { return caller{token: guest, remote: "203.0.113.1:5000"} },
			b: func(*testServer) caller { return caller{token: guest, remote: "203.0.113.2:5000"} }},
		{name: "guests at one address, two ports", shared: true,
			a: func(*testServer) caller { return caller{token: guest, remote: "203.0.113.1:5000"} },
			b: func(*testServer) caller { return caller{token: guest, remote: "203.0.113.1:6000"} }},
		{name: "guests in one IPv6 /64", shared: true,
			a: func(*testServer) caller { return caller{token: guest, remote: "[2001:db8:0:1::1]:5000"} },
			b: func(*testServer) caller { return caller{token: guest, remote: "[2001:db8:0:1:ffff::2]:5000"} }},
		{name: "guests in two IPv6 /64s",
			a: func(*testServer) caller { return caller{token: guest, remote: "[2001:db8:0:1::1]:5000"} },
			b: func(*testServer) caller { return caller{token: guest, remote: "[2001:db8:0:2::1]:5000"} }},
		{name: "IPv4 and its IPv4-mapped IPv6 form", shared: true,
			a: func(*testServer) caller { return caller{token: guest, remote: "203.0.113.1:5000"} },
			b: func(*testServer) caller { return caller{token: guest, remote: "[::ffff:203.0.113.1]:5000"} }},
		{name: "a customer and a guest at one address",
			a: func(ts *testServer) caller { return caller{token: ts.token(1, nil), remote: "203.0.113.1:5000"} },
			b: func(*testServer) caller { return caller{token: guest, remote: "203.0.113.1:5000"} }},
		{name: "two admin tokens",
			a: func(*testServer) caller { return caller{} },
			b: func(ts *testServer) caller { return caller{token: ts.AdminRead} }},
		{name: "an admin and a guest at one address",
			a: func(*testServer) caller { return caller{} },
			b: func(*testServer) caller { return caller{token: guest} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestServer(t, withRateLimits(api.RateLimits{Customer: r, Guest: r, Admin: r, Now: newFakeClock().Now}))
			a, b := c.a(ts), c.b(ts)
			for i := range r.Burst {
				served(t, fmt.Sprintf("a, request %d", i+1), ts.send(a, viewerQuery))
			}
			refused(t, "a past its burst", ts.send(a, viewerQuery), -1)
			if c.shared {
				refused(t, "b, sharing a's bucket", ts.send(b, viewerQuery), -1)
				return
			}
			for i := range r.Burst {
				served(t, fmt.Sprintf("b, request %d", i+1), ts.send(b, viewerQuery))
			}
			refused(t, "b past its burst", ts.send(b, viewerQuery), -1)
		})
	}
}

// TestRateLimitRefills: tokens come back at the rate, up to the burst.
func TestRateLimitRefills(t *testing.T) {
	clock := newFakeClock()
	ts := newTestServer(t, withRateLimits(api.RateLimits{Customer: api.Rate{PerSecond: 2, Burst: 2}, Now: clock.Now}))
	who := caller{token: ts.token(1, nil)}

	served(t, "1st", ts.send(who, viewerQuery))
	served(t, "2nd", ts.send(who, viewerQuery))
	refused(t, "3rd, the burst spent", ts.send(who, viewerQuery), 0.5)

	clock.Advance(400 * time.Millisecond)
	refused(t, "0.4 s later", ts.send(who, viewerQuery), 0.1)

	clock.Advance(100 * time.Millisecond)
	served(t, "0.5 s later, one token back", ts.send(who, viewerQuery))
	refused(t, "and no more", ts.send(who, viewerQuery), 0.5)

	clock.Advance(time.Hour)
	for i := range 2 {
		served(t, fmt.Sprintf("an hour later, request %d", i+1), ts.send(who, viewerQuery))
	}
	refused(t, "an hour later, past the burst", ts.send(who, viewerQuery), 0.5)
}

// TestRateLimitDefaults: zero limits take the defaults; a rate of its own
// without a burst takes twice the rate.
func TestRateLimitDefaults(t *testing.T) {
	clock := newFakeClock()
	ts := newTestServer(t, withRateLimits(api.RateLimits{Guest: api.Rate{PerSecond: 1.5}, Now: clock.Now}))
	who := caller{token: ts.token(1, nil)}
	for i := range api.DefaultCustomerRate.Burst {
		served(t, fmt.Sprintf("customer request %d", i+1), ts.send(who, `{ __typename }`))
	}
	refused(t, "past the default customer burst", ts.send(who, `{ __typename }`), 1/api.DefaultCustomerRate.PerSecond)
	for i := range 3 {
		served(t, fmt.Sprintf("guest request %d", i+1), ts.send(caller{token: guest}, `{ __typename }`))
	}
	refused(t, "past the guest's burst, twice its rate", ts.send(caller{token: guest}, `{ __typename }`), 0.667)
}

// TestRateLimitClientIPHeader: behind a trusted proxy a guest's address
// is the last one in the configured header, the one the proxy added; the
// connection's address stands in when the header is absent or unreadable,
// and the header means nothing unless configured.
func TestRateLimitClientIPHeader(t *testing.T) {
	const xff, cf = "X-Forwarded-For", "CF-Connecting-IP"
	from := func(remote string, header ...string) caller {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Add(header[i], header[i+1])
		}
		return caller{token: guest, remote: remote, header: h}
	}
	const proxy = "10.0.0.2:40000" // every request comes through the proxy
	for _, c := range []struct {
		name   string
		header string // RateLimits.ClientIPHeader
		a, b   caller
		shared bool
	}{
		{name: "the last address decides, not the ones the client sent", header: xff, shared: true,
			a: from(proxy, xff, "198.51.100.7, 203.0.113.9"),
			b: from(proxy, xff, "10.9.9.9,203.0.113.9")},
		{name: "the last of three addresses", header: xff, shared: true,
			a: from(proxy, xff, "198.51.100.7, 10.9.9.9, 203.0.113.9"),
			b: from(proxy, xff, "203.0.113.9")},
		{name: "two clients behind the proxy", header: xff,
			a: from(proxy, xff, "198.51.100.7, 203.0.113.9"),
			b: from(proxy, xff, "198.51.100.7, 203.0.113.10")},
		{name: "the last header line", header: xff, shared: true,
			a: from(proxy, xff, "198.51.100.7", xff, "203.0.113.9"),
			b: from(proxy, xff, "203.0.113.9")},
		{name: "an address with a port", header: xff, shared: true,
			a: from(proxy, xff, "203.0.113.9:4711"),
			b: from(proxy, xff, "203.0.113.9")},
		{name: "absent: the connection's address", header: xff, shared: true,
			a: from("203.0.113.9:1000"),
			b: from(proxy, xff, "203.0.113.9")},
		{name: "unreadable: the connection's address", header: xff, shared: true,
			a: from(proxy, xff, "unknown"),
			b: from(proxy)},
		{name: "CF-Connecting-IP", header: cf,
			a: from(proxy, cf, "203.0.113.9"),
			b: from(proxy, cf, "203.0.113.10")},
		{name: "not configured: the header is ignored", shared: true,
			a: from(proxy, xff, "203.0.113.9"),
			b: from(proxy, xff, "203.0.113.10")},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestServer(t, withRateLimits(api.RateLimits{
				Guest: api.Rate{PerSecond: 0.001, Burst: 1}, ClientIPHeader: c.header, Now: newFakeClock().Now,
			}))
			served(t, "a", ts.send(c.a, viewerQuery))
			refused(t, "a again", ts.send(c.a, viewerQuery), -1)
			if c.shared {
				refused(t, "b, in a's bucket", ts.send(c.b, viewerQuery), -1)
			} else {
				served(t, "b, in a bucket of its own", ts.send(c.b, viewerQuery))
			}
		})
	}
}

// TestRateLimitOff: a class whose rate is negative is never refused; the
// others still are.
func TestRateLimitOff(t *testing.T) {
	ts := newTestServer(t, withRateLimits(api.RateLimits{
		Customer: api.Rate{PerSecond: -1},
		Guest:    api.Rate{PerSecond: 0.001, Burst: 1},
		Admin:    api.Rate{PerSecond: 0.001, Burst: 1},
		Now:      newFakeClock().Now,
	}))
	who := caller{token: ts.token(1, nil)}
	for i := range 50 {
		served(t, fmt.Sprintf("customer request %d", i+1), ts.send(who, `{ __typename }`))
	}
	served(t, "guest", ts.send(caller{token: guest}, `{ __typename }`))
	refused(t, "guest again", ts.send(caller{token: guest}, `{ __typename }`), -1)
	served(t, "admin", ts.send(caller{}, `{ __typename }`))
	refused(t, "admin again", ts.send(caller{}, `{ __typename }`), -1)

	off := newTestServer(t, noRateLimits)
	for i := range 50 {
		served(t, fmt.Sprintf("every limit off: guest request %d", i+1), off.send(caller{token: guest}, `{ __typename }`))
	}
}

// TestRateLimitSkipsPreflightsAndRefusedRequests: CORS preflights and
// requests refused before the principal is known (a bad token, a wrong
// method) spend no token.
func TestRateLimitSkipsPreflightsAndRefusedRequests(t *testing.T) {
	const origin = "https://shop.example.com"
	ts := newTestServer(t,
		withRateLimits(api.RateLimits{Guest: api.Rate{PerSecond: 0.001, Burst: 2}, Now: newFakeClock().Now}),
		func(o *api.Options) { o.CORSOrigins = []string{origin} })
	preflight := caller{token: guest, header: http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"POST"}}}
	for i := range 5 {
		if a := ts.sendRaw(preflight, http.MethodOptions, nil); a.Status != http.StatusNoContent {
			t.Fatalf("preflight %d: %d", i+1, a.Status)
		}
		if a := ts.sendRaw(caller{token: guest}, http.MethodPut, []byte(`{}`)); a.Status != http.StatusMethodNotAllowed {
			t.Fatalf("PUT %d: %d", i+1, a.Status)
		}
		if a := ts.send(caller{token: "not-a-token"}, `{ __typename }`); a.Status != http.StatusUnauthorized {
			t.Fatalf("bad token %d: %d", i+1, a.Status)
		}
	}
	served(t, "guest request 1", ts.send(caller{token: guest}, `{ __typename }`))
	served(t, "guest request 2", ts.send(caller{token: guest}, `{ __typename }`))
	refused(t, "guest request 3", ts.send(caller{token: guest}, `{ __typename }`), -1)
}

// TestRateLimitSharedThroughRedis: two instances on one Redis spend one
// bucket per principal: requests split across them are refused once the
// shared burst is spent, by either.
func TestRateLimitSharedThroughRedis(t *testing.T) {
	// One token a hundred seconds: nothing refills during the test.
	r := api.Rate{PerSecond: 0.01, Burst: 4}
	shared := onRedis(t)
	var rdb redis.UniversalClient
	var prefix string
	limits := withRateLimits(api.RateLimits{Customer: r, Guest: r, Admin: r})
	a := newTestServer(t, shared, limits, func(o *api.Options) { rdb, prefix = o.Redis, o.Cache.Prefix })
	b := newTestServer(t, shared, limits)
	a.load(grid(2))
	b.load(grid(2))

	for _, c := range []struct {
		name string
		who  caller
		key  string
	}{
		// Both instances verify customer tokens with one secret.
		{"customer", caller{token: a.token(2, nil)}, "customer:2"},
		{"guest", caller{token: guest, remote: "203.0.113.77:1000"}, "guest:203.0.113.77"},
		{"admin", caller{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := a.with(t), b.with(t)
			for i := range r.Burst {
				ts := a
				if i%2 == 1 {
					ts = b
				}
				served(t, fmt.Sprintf("request %d", i+1), ts.send(c.who, viewerQuery))
			}
			refused(t, "past the shared burst, on a", a.send(c.who, viewerQuery), -1)
			refused(t, "past the shared burst, on b", b.send(c.who, viewerQuery), -1)
			if c.key == "" {
				return
			}
			key := "rate:" + prefix + ":" + c.key
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 1 {
				t.Errorf("bucket %s in Redis: %d %v", key, n, err)
			}
		})
	}
	if got := a.rateLimited("customer") + b.rateLimited("customer"); got != 2 {
		t.Errorf("customers refused %v times, want 2", got)
	}
}

// TestRateLimitRedisDown: with Redis refusing connections, or accepting
// them and never answering, every request is answered as without Redis,
// and the limits still hold, counted in process.
func TestRateLimitRedisDown(t *testing.T) {
	for _, c := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"refused", func(*testing.T) string { return "redis://127.0.0.1:1/0" }},
		{"hanging", hangingRedis},
	} {
		t.Run(c.name, func(t *testing.T) {
			rdb, err := cache.NewClient(c.url(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = rdb.Close() })
			clock := newFakeClock()
			r := api.Rate{PerSecond: 1, Burst: 3}
			ts := newTestServer(t, withRateLimits(api.RateLimits{Customer: r, Guest: r, Admin: r, Now: clock.Now}),
				func(o *api.Options) { o.Redis = rdb })
			ts.load(grid(2))
			who := caller{token: ts.token(1, nil)}
			for i := range r.Burst {
				a := ts.send(who, viewerQuery)
				served(t, fmt.Sprintf("request %d", i+1), a)
				if want := `{"viewer":{"customer":{"customerId":1}}}`; compactJSON(t, a.Data) != want {
					t.Errorf("request %d: %s, want %s", i+1, a.Data, want)
				}
			}
			refused(t, "past the burst", ts.send(who, viewerQuery), 1)
			served(t, "a guest", ts.send(caller{token: guest}, viewerQuery))
			clock.Advance(time.Second)
			served(t, "a second later", ts.send(who, viewerQuery))
			refused(t, "and no more", ts.send(who, viewerQuery), 1)
			// Redis was asked, and failed: the limits above were counted
			// in process.
			if n := ts.sample("segql_cache_duration_seconds", "operation", "rate_limit"); n < 1 {
				t.Errorf("the limiter never asked Redis")
			}
		})
	}
}

// hangingRedis is the URL of a server that accepts connections and never
// answers, like a Redis stopped with SIGSTOP.
func hangingRedis(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
		for _, conn := range conns {
			_ = conn.Close()
		}
	})
	return "redis://" + ln.Addr().String() + "/0"
}
