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
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/segql/segql/api"
	"github.com/segql/segql/cache"
	"github.com/segql/segql/cache/redistest"
)

// The Redis fault tests (ABUSE.md 25): with the real handler in front of a
// redis-server of the test's own, Redis refusing connections, hanging
// (SIGSTOP, and CLIENT PAUSE ALL), failing writes, and restarted under the
// handler's feet. Through every fault each request of a representative
// batch succeeds with the same data as without a cache, within
// faultBound; the breaker opens so that later requests do not ask Redis
// (when only writes fail, a probe that reads succeeds, so it cycles, each
// call answered at once), nothing is retried, and once the fault clears
// the breaker probes Redis and closes, and hits resume.
//
// Nothing here sleeps to synchronise: states are waited for by polling a
// condition (with a short pause between polls) under a deadline.

const (
	// faultRedisTimeout is each Redis call's timeout (the default).
	faultRedisTimeout = 50 * time.Millisecond
	// faultBreakerOpen is how long the breaker stays open before a probe:
	// short, so the tests see it probe back quickly.
	faultBreakerOpen = 250 * time.Millisecond
	// faultBreakerFailures opens the breaker (the default).
	faultBreakerFailures = 5
	// faultBound bounds every request during a fault. It is a bound on a
	// fault, not a performance figure: the request deadline is the
	// default 10 s, Redis's timeout 50 ms, and a request makes a handful
	// of Redis calls in sequence at most before the breaker opens.
	faultBound = 2 * time.Second
	// faultWait bounds how long a test waits for a state (breaker open,
	// closed, hits back).
	faultWait = 20 * time.Second
)

// redisCalls counts what the handler's Redis client attempts: commands
// (each EVALSHA, EVAL, GET, SET...), the handshake commands of new
// connections (HELLO, CLIENT SETINFO, AUTH, SELECT) apart, and dials. It
// counts on the client's side, so it sees attempts a stopped or paused
// server never answers.
type redisCalls struct {
	cmds, handshakes, dials atomic.Int64
}

func (c *redisCalls) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c.dials.Add(1)
		return next(ctx, network, addr)
	}
}

func (c *redisCalls) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add(cmd)
		return next(ctx, cmd)
	}
}

func (c *redisCalls) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			c.add(cmd)
		}
		return next(ctx, cmds)
	}
}

func (c *redisCalls) add(cmd redis.Cmder) {
	switch strings.ToLower(cmd.Name()) {
	case "hello", "auth", "select", "client":
		c.handshakes.Add(1)
	default:
		c.cmds.Add(1)
	}
}

// faultRequest is one request of the representative batch and the data
// the same request answers without a cache.
type faultRequest struct {
	name  string
	query string
	vars  map[string]any
	token string
	want  string // compact JSON of data, from a handler without Redis
}

// faultRig is a handler with Options.Redis on a dedicated redis-server,
// and a twin handler without a cache over the same data, the reference.
type faultRig struct {
	t     *testing.T
	srv   *redistest.Server
	calls *redisCalls
	ts    *testServer // with the cache
	plain *testServer // without: the reference answers
	batch []faultRequest
	front faultRequest // the storefront request, the repeated one

	mu  sync.Mutex
	max map[string]time.Duration // longest request by phase
	n   map[string]int           // requests by phase
}

const faultStorefront = `{ viewer { segments { nodes { name } } eligiblePromotions { name } } }`

const faultSegment = `query($id: ID!) {
  segment(uuid: $id) {
    name
    promotions(first: 10) { nodes { name } }
    shopperProfiles(first: 3) { nodes { customer { email } segments(first: 10) { nodes { name } } } }
  }
}`

func newFaultRig(t *testing.T) *faultRig {
	t.Helper()
	srv := redistest.Start(t)
	rdb, err := cache.NewClient(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	calls := &redisCalls{}
	rdb.AddHook(calls)

	data := grid(8)
	r := &faultRig{t: t, srv: srv, calls: calls, max: map[string]time.Duration{}, n: map[string]int{}}
	r.ts = newTestServer(t, func(o *api.Options) {
		o.Redis = rdb
		o.Cache = cache.Options{
			Timeout:         faultRedisTimeout,
			BreakerFailures: faultBreakerFailures,
			BreakerOpen:     faultBreakerOpen,
		}
	}, noRateLimits) // the rig sends as fast as it is answered: this is about Redis, not rates
	r.ts.load(data)
	r.plain = newTestServer(t)
	r.plain.load(data)

	token := r.ts.token(3, nil)
	r.batch = []faultRequest{
		{name: "nested admin", query: nestedQuery, vars: map[string]any{"n": 5}},
		{name: "storefront", query: faultStorefront, token: token},
		{name: "segment", query: faultSegment, vars: map[string]any{"id": testID("segment", 0)}},
	}
	r.front = r.batch[1]
	r.reference()
	return r
}

// reference takes each request's expected data from the handler without
// a cache.
func (r *faultRig) reference() {
	r.t.Helper()
	for i := range r.batch {
		q := &r.batch[i]
		res := r.plain.do(q.query, q.vars, q.token)
		if res.Status != http.StatusOK || len(res.Errors) > 0 {
			r.t.Fatalf("reference %s: %d %+v", q.name, res.Status, res.Errors)
		}
		q.want = compactJSON(r.t, res.Data)
	}
	r.front = r.batch[1]
}

func compactJSON(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("compact %s: %v", b, err)
	}
	return buf.String()
}

// send runs one request through the cached handler and reports what went
// wrong, if anything; it is safe from any goroutine.
func (r *faultRig) send(q faultRequest) (time.Duration, error) {
	body, _ := json.Marshal(map[string]any{"query": q.query, "variables": q.vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	token := q.token
	if token == "" {
		token = r.ts.AdminWrite
	}
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	start := time.Now()
	r.ts.Handler.ServeHTTP(rec, req)
	d := time.Since(start)
	var res gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		return d, fmt.Errorf("%s: response is not JSON (%d): %s", q.name, rec.Code, rec.Body.String())
	}
	if rec.Code != http.StatusOK || len(res.Errors) > 0 {
		return d, fmt.Errorf("%s: failed (%d) after %v: %+v", q.name, rec.Code, d, res.Errors)
	}
	var got bytes.Buffer
	if err := json.Compact(&got, res.Data); err != nil {
		return d, fmt.Errorf("%s: data: %v", q.name, err)
	}
	if got.String() != q.want {
		return d, fmt.Errorf("%s: data differs from the answer without a cache:\n got %s\nwant %s", q.name, got.String(), q.want)
	}
	if d > faultBound {
		return d, fmt.Errorf("%s: took %v, over the fault bound %v", q.name, d, faultBound)
	}
	return d, nil
}

// request sends q and fails the test if it did not succeed with the
// reference data within faultBound.
func (r *faultRig) request(phase string, q faultRequest) time.Duration {
	r.t.Helper()
	d, err := r.send(q)
	r.note(phase, d)
	if err != nil {
		r.t.Errorf("%s: %v", phase, err)
	}
	return d
}

// runBatch sends every request of the batch once.
func (r *faultRig) runBatch(phase string) {
	r.t.Helper()
	for _, q := range r.batch {
		r.request(phase, q)
	}
}

// burst sends n copies of every request of the batch at once.
func (r *faultRig) burst(phase string, n int) {
	r.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n*len(r.batch))
	for range n {
		for _, q := range r.batch {
			wg.Go(func() {
				d, err := r.send(q)
				r.note(phase, d)
				if err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		r.t.Errorf("%s: %v", phase, err)
	}
}

func (r *faultRig) note(phase string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n[phase]++
	if d > r.max[phase] {
		r.max[phase] = d
	}
}

// report logs the longest request of each phase.
func (r *faultRig) report(phases ...string) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range phases {
		r.t.Logf("%-32s %4d requests, longest %v", p, r.n[p], r.max[p].Round(10*time.Microsecond))
	}
}

// metric sums the values of the counters or gauges (the sample counts of
// the histograms) of a family whose labels include labels.
func (r *faultRig) metric(name string, labels map[string]string) float64 {
	r.t.Helper()
	families, err := r.ts.Metrics.Registry.Gather()
	if err != nil {
		r.t.Fatalf("gather: %v", err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for k, v := range labels {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case m.GetCounter() != nil:
				total += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				total += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				total += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return total
}

// Breaker states, as segql_cache_breaker_state reports them.
const (
	breakerClosed   = 0
	breakerHalfOpen = 1
	breakerOpen     = 2
)

func (r *faultRig) breaker() float64 {
	r.t.Helper()
	return r.metric("segql_cache_breaker_state", nil)
}

// redisCalls is how many Redis round trips the cache has made: calls the
// breaker let through (segql_cache_duration_seconds observes each).
func (r *faultRig) redisCalls() int64 {
	r.t.Helper()
	return int64(r.metric("segql_cache_duration_seconds", nil))
}

func (r *faultRig) hits() float64 {
	r.t.Helper()
	return r.metric("segql_cache_requests_total", map[string]string{"result": "hit"})
}

// until runs step, then checks cond, until cond holds or faultWait passes;
// it returns how long that took. Between polls it pauses briefly so that
// a time-driven state (the breaker's open period) can pass without a
// flood of requests.
func (r *faultRig) until(what string, step func(), cond func() bool) time.Duration {
	r.t.Helper()
	start := time.Now()
	deadline := start.Add(faultWait)
	for {
		step()
		if cond() {
			return time.Since(start)
		}
		if r.t.Failed() {
			r.t.FailNow()
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: not reached within %v (breaker state %v)", what, faultWait, r.breaker())
		}
		time.Sleep(5 * time.Millisecond) // poll interval, not synchronisation
	}
}

// warm answers the batch with Redis healthy until the storefront request
// is served from the cache alone: no store round trip, hits counted.
func (r *faultRig) warm(phase string) time.Duration {
	r.t.Helper()
	r.runBatch(phase)
	return r.until(phase+": storefront request served from the cache", func() {}, func() bool {
		cached := r.servedFromCache(phase)
		return cached && r.breaker() == breakerClosed
	})
}

// servedFromCache sends the storefront request and reports whether it
// cost no store round trip and counted hits.
func (r *faultRig) servedFromCache(phase string) bool {
	r.t.Helper()
	trips, hits := r.ts.storeQueries(), r.hits()
	r.request(phase, r.front)
	return r.ts.storeQueries() == trips && r.hits() > hits
}

// openBreaker sends the batch until the breaker opens, after a concurrent
// burst: the first requests of a fault are the ones that meet Redis. No
// call is retried: the client attempts no more commands than the cache
// makes calls (a call is one EVALSHA; only a NOSCRIPT answer, which a
// broken Redis does not give, adds an EVAL).
func (r *faultRig) openBreaker(phase string) time.Duration {
	r.t.Helper()
	c0, k0, d0 := r.calls.cmds.Load(), r.redisCalls(), r.calls.dials.Load()
	r.burst(phase, 8)
	took := r.until(phase+": breaker open", func() { r.runBatch(phase) }, func() bool {
		return r.breaker() == breakerOpen
	})
	cmds, calls, dials := r.calls.cmds.Load()-c0, r.redisCalls()-k0, r.calls.dials.Load()-d0
	r.t.Logf("%s: breaker open after %v; %d requests; the cache made %d Redis calls, the client attempted %d commands and %d dials",
		phase, took.Round(time.Millisecond), r.count(phase), calls, cmds, dials)
	if cmds > calls {
		r.t.Errorf("%s: %d commands attempted for %d cache calls: something retried", phase, cmds, calls)
	}
	return took
}

func (r *faultRig) count(phase string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[phase]
}

// whileOpen sends the batch rounds times with the breaker open (or
// probing) and counts the Redis calls, commands and dials the client
// attempts meanwhile. With probesOnly, where every probe fails (Redis
// refusing or hanging), it checks that the handler barely asks Redis: at
// most one call per open period (the half-open probe), and no more
// commands and dials than that (a probe may be EVALSHA then EVAL, and
// go-redis refills its idle connections and probes a refused address once
// a second by itself).
func (r *faultRig) whileOpen(phase string, rounds int, probesOnly bool) (calls, cmds int64) {
	r.t.Helper()
	if st := r.breaker(); st != breakerOpen {
		r.t.Fatalf("%s: breaker state %v, want open", phase, st)
	}
	c0, k0, d0 := r.calls.cmds.Load(), r.redisCalls(), r.calls.dials.Load()
	start := time.Now()
	for range rounds {
		r.runBatch(phase)
	}
	elapsed := time.Since(start)
	cmds, calls, dials := r.calls.cmds.Load()-c0, r.redisCalls()-k0, r.calls.dials.Load()-d0
	requests := rounds * len(r.batch)
	r.t.Logf("%s: %d requests in %v: %d Redis calls, %d commands and %d dials attempted",
		phase, requests, elapsed.Round(time.Millisecond), calls, cmds, dials)
	if !probesOnly {
		return calls, cmds
	}
	probes := int64(elapsed/faultBreakerOpen) + 1
	if calls > probes {
		r.t.Errorf("%s: %d Redis calls in %v with the breaker open, want at most %d (a probe per %v)",
			phase, calls, elapsed.Round(time.Millisecond), probes, faultBreakerOpen)
	}
	if limit := 2 * probes; cmds > limit {
		r.t.Errorf("%s: %d Redis commands attempted in %v with the breaker open, want at most %d", phase, cmds, elapsed.Round(time.Millisecond), limit)
	}
	if limit := 2*probes + int64(elapsed/time.Second) + 4; dials > limit {
		r.t.Errorf("%s: %d dials in %v with the breaker open, want at most %d", phase, dials, elapsed.Round(time.Millisecond), limit)
	}
	return calls, cmds
}

// scriptCommands is how many scripts the server has run (EVALSHA and
// EVAL; the commands the scripts call are counted apart by Redis) and
// how many connection handshakes (HELLO) it has answered.
func (r *faultRig) scriptCommands() (scripts, hellos int64) {
	r.t.Helper()
	st := r.srv.CommandStats()
	return st["evalsha"] + st["eval"], st["hello"]
}

// recover waits, sending the storefront request, until the breaker has
// probed Redis and closed and the request is served from the cache again.
func (r *faultRig) recover(phase string) time.Duration {
	r.t.Helper()
	d := r.until(phase+": breaker closed and hits back", func() {}, func() bool {
		cached := r.servedFromCache(phase)
		return cached && r.breaker() == breakerClosed
	})
	r.runBatch(phase)
	return d
}

const faultRemove = `mutation($s: ID!, $p: [ID!]!) { removeShopperProfilesFromSegment(segmentUuid: $s, shopperProfileUuids: $p) { removed { uuid } } }`

// write removes the viewer (profile 2) from segment 0 through the cached
// handler, within faultBound, and the same on the reference handler.
func (r *faultRig) write(phase string) {
	r.t.Helper()
	vars := map[string]any{"s": testID("segment", 0), "p": []string{testID("profile", 2)}}
	var removed struct {
		RemoveShopperProfilesFromSegment struct{ Removed []struct{ UUID string } }
	}
	start := time.Now()
	r.ts.query(faultRemove, vars, &removed)
	d := time.Since(start)
	r.note(phase, d)
	if d > faultBound {
		r.t.Errorf("%s: the write took %v, over %v", phase, d, faultBound)
	}
	if len(removed.RemoveShopperProfilesFromSegment.Removed) != 1 {
		r.t.Fatalf("%s: remove: %+v", phase, removed)
	}
	r.plain.query(faultRemove, vars, nil)
	r.reference()
}

// viewerSegments is how many segments the storefront viewer is in.
func (r *faultRig) viewerSegments() int {
	r.t.Helper()
	var answer struct {
		Viewer struct {
			Segments struct{ Nodes []struct{ Name string } }
		}
	}
	r.ts.queryAs(r.front.token, faultStorefront, nil, &answer)
	return len(answer.Viewer.Segments.Nodes)
}

func (r *faultRig) scriptsSince(s0 int64) int64 {
	r.t.Helper()
	s, _ := r.scriptCommands()
	return s - s0
}

// TestCacheFaultRedisRefused: Redis stopped, every connection refused,
// then started again.
func TestCacheFaultRedisRefused(t *testing.T) {
	r := newFaultRig(t)
	r.warm("warm")

	r.srv.Stop()
	r.openBreaker("refused")
	r.whileOpen("refused, breaker open", 10, true)

	r.srv.Start()
	back := r.recover("restarted")
	t.Logf("served from the cache again %v after the restart", back.Round(time.Millisecond))
	r.report("warm", "refused", "refused, breaker open", "restarted")
}

// TestCacheFaultRedisHanging: Redis stopped with SIGSTOP: connections are
// accepted, nothing is answered. A write during the fault cannot
// invalidate; once Redis is back, nothing stale is served.
func TestCacheFaultRedisHanging(t *testing.T) {
	r := newFaultRig(t)
	r.warm("warm")
	s0, h0 := r.scriptCommands()
	c0 := r.calls.cmds.Load()

	r.srv.Pause()
	r.openBreaker("hanging")
	r.whileOpen("hanging, breaker open", 10, true)
	r.write("hanging, a write")
	r.runBatch("hanging, after a write")
	sent := r.calls.cmds.Load() - c0

	r.srv.Resume()
	// What the client sent while the server was stopped waits in the
	// server's socket buffers, and runs now: no more than the client
	// attempted, and few.
	s1, h1 := r.scriptCommands()
	t.Logf("after SIGCONT the server ran %d scripts and %d handshakes it had been sent while stopped; the client attempted %d commands",
		s1-s0, h1-h0, sent)
	if s1-s0 > sent {
		t.Errorf("the server ran %d scripts sent while it was stopped, the client attempted only %d commands", s1-s0, sent)
	}

	back := r.recover("resumed")
	t.Logf("served from the cache again %v after SIGCONT", back.Round(time.Millisecond))
	if n := r.viewerSegments(); n != 7 {
		t.Errorf("after the fault the viewer is in %d segments, want 7: the write during the fault was not seen", n)
	}
	r.report("warm", "hanging", "hanging, breaker open", "hanging, a write", "hanging, after a write", "resumed")
}

// TestCacheFaultRedisClientPause: CLIENT PAUSE ALL: the server up but
// holding every command; the pause ends by itself.
func TestCacheFaultRedisClientPause(t *testing.T) {
	r := newFaultRig(t)
	r.warm("warm")

	const pause = 3 * time.Second
	paused := time.Now()
	r.srv.PauseClients(pause)
	r.openBreaker("client pause")
	if time.Since(paused) > pause-time.Second {
		t.Fatalf("the breaker opened too late to look at it during the %v pause", pause)
	}
	r.whileOpen("client pause, breaker open", 5, true)

	r.srv.WaitReady(faultWait)
	back := r.recover("pause over")
	t.Logf("served from the cache again %v after the pause ended", back.Round(time.Millisecond))
	r.report("warm", "client pause", "client pause, breaker open", "pause over")
}

// TestCacheFaultRedisFailingWrites: every Redis write fails with OOM
// (maxmemory 1, noeviction) while reads work: nothing new can be cached
// (each write-back fails, at once), and a write's invalidation may fail.
// The failures open the breaker like any other (though a probe that only
// reads closes it again); every request answers from the store. Redis is up, so the server's own count of the scripts
// it ran confirms the client's.
func TestCacheFaultRedisFailingWrites(t *testing.T) {
	r := newFaultRig(t)
	r.warm("warm")

	r.srv.FailWrites()
	r.srv.FlushAll() // nothing cached: every read misses and tries to write back
	s0 := r.scriptsSince(0)
	c0 := r.calls.cmds.Load()
	r.openBreaker("failing writes")
	// Under the burst a call may time out before its command is even
	// sent (waiting for a connection, or dialing): the server runs at most
	// what the client attempted.
	if ran, sent := r.scriptsSince(s0), r.calls.cmds.Load()-c0; ran > sent {
		t.Errorf("failing writes: the server ran %d scripts, the client attempted only %d commands", ran, sent)
	}
	s1 := r.scriptsSince(0)
	// A probe that reads succeeds (reads work) and closes the breaker
	// until write-backs have failed BreakerFailures times in a row again:
	// the breaker cycles, each cycle a few calls Redis answers at once.
	calls, cmds := r.whileOpen("failing writes, breaker cycling", 10, false)
	if ran := r.scriptsSince(s1); ran > cmds || cmds > calls {
		t.Errorf("failing writes, breaker cycling: %d cache calls, the client attempted %d commands, the server ran %d scripts; want no more commands than calls (nothing retried)",
			calls, cmds, ran)
	} else {
		t.Logf("failing writes, breaker cycling: the server ran %d scripts", ran)
	}
	r.write("failing writes, a write")
	r.runBatch("failing writes, after a write")

	r.srv.AllowWrites()
	back := r.recover("writes allowed")
	t.Logf("served from the cache again %v after writes were allowed", back.Round(time.Millisecond))
	if n := r.viewerSegments(); n != 7 {
		t.Errorf("after the fault the viewer is in %d segments, want 7: the write during the fault was not seen", n)
	}
	r.report("warm", "failing writes", "failing writes, breaker cycling", "failing writes, a write", "failing writes, after a write", "writes allowed")
}

// TestCacheFaultRedisRestarted: Redis restarted under a warm cache with
// the breaker closed: the pooled connections are dead, the scripts and
// the data gone.
func TestCacheFaultRedisRestarted(t *testing.T) {
	r := newFaultRig(t)
	r.warm("warm")

	r.srv.Stop()
	r.srv.Start()
	c0, k0 := r.calls.cmds.Load(), r.redisCalls()
	for range 5 {
		r.runBatch("just restarted")
	}
	t.Logf("just restarted: breaker state %v; %d Redis calls, %d commands attempted, for %d requests",
		r.breaker(), r.redisCalls()-k0, r.calls.cmds.Load()-c0, 5*len(r.batch))
	back := r.recover("restarted")
	t.Logf("served from the cache again %v after the restart", back.Round(time.Millisecond))
	r.report("warm", "just restarted", "restarted")
}
