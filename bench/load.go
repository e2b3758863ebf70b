package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The GraphQL documents of the workloads (issue 6).
const (
	storefrontQuery  = `{ viewer { segments(first: 20) { nodes { name } } eligiblePromotions { promotionId name } } }`
	adminNestedQuery = `query($uuid: ID!) { segment(uuid: $uuid) { uuid name shopperProfiles(first: 50) { nodes { uuid customer { customerId email } segments(first: 5) { nodes { uuid name promotions(first: 3) { nodes { promotionId name } } } } } } } }`
	floorQuery       = `{ __typename }`
	addMemberQuery   = `mutation($s: ID!, $p: [ID!]!) { addShopperProfilesToSegment(segmentUuid: $s, shopperProfileUuids: $p) { added { uuid } alreadyMembers { uuid } userErrors { code message } } }`
	removeMemberQry  = `mutation($s: ID!, $p: [ID!]!) { removeShopperProfilesFromSegment(segmentUuid: $s, shopperProfileUuids: $p) { removed { uuid } notMembers { uuid } userErrors { code message } } }`
)

// Workload names.
const (
	wlStorefront  = "storefront"
	wlAdminNested = "admin-nested"
	wlAdminNaive  = "admin-nested-naive"
	wlWriteMix    = "write-mix"
	wlFloor       = "floor"
)

var allWorkloads = []string{wlFloor, wlStorefront, wlAdminNested, wlAdminNaive, wlWriteMix}

// request is one HTTP request of a workload.
type request struct {
	body  []byte
	token string
	write bool // a membership write: a warm-up does not repeat it
}

// workload makes the requests of one workload.
type workload struct {
	name string
	next func() request
	// prime lists requests that touch every key the workload reads (every
	// customer token, every segment), sent once before the warm-up so a
	// cache is warm for all of them.
	prime func() []request
}

// gqlBody encodes a GraphQL request body.
func gqlBody(query string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		panic(err)
	}
	return b
}

// fixture is what the workloads choose from.
type fixture struct {
	data       *Dataset
	adminToken string
	viewers    *viewers
}

func adminNestedRequest(f *fixture, segment string) request {
	return request{body: gqlBody(adminNestedQuery, map[string]any{"uuid": segment}), token: f.adminToken}
}

func newWorkload(name string, f *fixture) workload {
	storefrontBody := gqlBody(storefrontQuery, nil)
	// A different signed-in shopper on each request: the viewers in
	// their shuffled order, round and round.
	nextViewer := cycle(f.viewers.tokens)
	storefront := func() request { return request{body: storefrontBody, token: nextViewer()} }
	allCustomers := func() []request {
		rs := make([]request, 0, len(f.viewers.tokens))
		for _, t := range f.viewers.tokens {
			rs = append(rs, request{body: storefrontBody, token: t})
		}
		return rs
	}
	adminNested := func() request {
		return adminNestedRequest(f, f.data.SegmentIDs[rand.IntN(len(f.data.SegmentIDs))])
	}
	allSegments := func() []request {
		var rs []request
		for _, s := range f.data.SegmentIDs {
			rs = append(rs, adminNestedRequest(f, s))
		}
		return rs
	}
	switch name {
	case wlStorefront:
		return workload{name: name, next: storefront, prime: allCustomers}
	case wlAdminNested, wlAdminNaive:
		return workload{name: name, next: adminNested, prime: allSegments}
	case wlWriteMix:
		return workload{name: name, prime: allCustomers, next: func() request {
			if rand.IntN(100) >= 5 {
				return storefront()
			}
			query := addMemberQuery
			if rand.IntN(2) == 0 {
				query = removeMemberQry
			}
			vars := map[string]any{
				"s": f.data.SegmentIDs[rand.IntN(len(f.data.SegmentIDs))],
				"p": []string{f.data.ProfileIDs[rand.IntN(len(f.data.ProfileIDs))]},
			}
			return request{body: gqlBody(query, vars), token: f.adminToken}
		}}
	case wlFloor:
		body := gqlBody(floorQuery, nil)
		return workload{name: name, next: func() request { return request{body: body} }}
	}
	panic("unknown workload " + name)
}

// target is where a workload's requests go.
type target struct {
	url     string            // the GraphQL endpoint
	headers map[string]string // sent with every request
	// auth sets the request's token; nil: Authorization: Bearer.
	auth func(h http.Header, token string)
}

func (t target) targeter(next func() request) vegeta.Targeter {
	return func(tgt *vegeta.Target) error {
		r := next()
		h := http.Header{"Content-Type": []string{"application/json"}}
		for k, v := range t.headers {
			h.Set(k, v)
		}
		if r.token != "" {
			if t.auth != nil {
				t.auth(h, r.token)
			} else {
				h.Set("Authorization", "Bearer "+r.token)
			}
		}
		*tgt = vegeta.Target{Method: http.MethodPost, URL: t.url, Body: r.body, Header: h}
		return nil
	}
}

// stepResult is one constant-rate attack.
type stepResult struct {
	Rate       int // requests per second asked for
	Duration   time.Duration
	Requests   int
	OK         int     // 200, no GraphQL errors, no userErrors
	SentRate   float64 // requests per second vegeta managed to send
	Throughput float64 // good responses per second
	P50, P90   time.Duration
	P99, Max   time.Duration
	CPU        time.Duration // the configuration's processes
	LoadCPU    time.Duration // this process (the load generator)
	// MaxInFlight is the most requests waiting for their answers at
	// once, as the load generator saw them.
	MaxInFlight int
	Failures    []string // samples of what went wrong
	failCount   map[string]int
}

func (r stepResult) okShare() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.OK) / float64(r.Requests)
}

// passes: p99 under the latency bound, at least 99.9% good answers, and
// the rate was really sent.
func (r stepResult) passes(p99Bound time.Duration) bool {
	return r.Requests > 0 && r.P99 < p99Bound && r.okShare() >= 0.999 && r.SentRate >= 0.95*float64(r.Rate)
}

func (r stepResult) String() string {
	loadgen := 0.0
	if r.Requests > 0 {
		loadgen = float64(r.LoadCPU) / float64(time.Millisecond) / float64(r.Requests)
	}
	return fmt.Sprintf("rate %d/s for %s: %d requests, %.2f%% ok, sent %.0f/s, p50 %s p90 %s p99 %s max %s, cpu %.3f ms/req (load generator %.3f)",
		r.Rate, r.Duration, r.Requests, 100*r.okShare(), r.SentRate, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max), r.cpuPerRequestMS(), loadgen)
}

func (r stepResult) cpuPerRequestMS() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.CPU) / float64(time.Millisecond) / float64(r.Requests)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// checkBody says what is wrong with an answer, or "": not 200, GraphQL
// errors, no data, or a mutation's userErrors (reads never ask for any).
func checkBody(code int, body []byte) string {
	if code != http.StatusOK {
		return fmt.Sprintf("HTTP %d", code)
	}
	if bytes.Contains(body, []byte(`"errors"`)) {
		return "GraphQL errors"
	}
	if !bytes.Contains(body, []byte(`"data"`)) {
		return "no data"
	}
	if bytes.Contains(body, []byte(`"userErrors":[{`)) {
		return "userErrors"
	}
	return ""
}

// attacker runs constant-rate attacks against one target.
type attacker struct {
	target  target
	procs   *procSet
	logf    func(string, ...any)
	timeout time.Duration
}

// attack sends next's requests at rate per second for dur and measures
// the answers. onStart, when set, runs as the attack starts (a profile
// fetch).
func (a *attacker) attack(ctx context.Context, next func() request, rate int, dur time.Duration, onStart func()) stepResult {
	return a.paced(ctx, next, vegeta.Rate{Freq: rate, Per: time.Second}, rate, dur, onStart)
}

// attackCount sends exactly n of next's requests at rate per second.
func (a *attacker) attackCount(ctx context.Context, next func() request, rate, n int) stepResult {
	return a.paced(ctx, next, countPacer{ConstantPacer: vegeta.ConstantPacer{Freq: rate, Per: time.Second}, n: uint64(n)}, rate, 0, nil)
}

// countPacer is a constant rate that stops after n requests.
type countPacer struct {
	vegeta.ConstantPacer
	n uint64
}

func (p countPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.n {
		return 0, true
	}
	return p.ConstantPacer.Pace(elapsed, hits)
}

// paced runs one attack with pacer, for dur (0: until the pacer stops).
func (a *attacker) paced(ctx context.Context, next func() request, pacer vegeta.Pacer, rate int, dur time.Duration, onStart func()) stepResult {
	workers := uint64(max(4, min(rate/20, 64)))
	// A client of its own, so its connections are closed after the attack
	// and none lingers in the server into the next one.
	tr := &http.Transport{MaxIdleConnsPerHost: 4000, MaxIdleConns: 4000, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	atk := vegeta.NewAttacker(
		vegeta.Client(&http.Client{Transport: tr, Timeout: a.timeout}),
		vegeta.Workers(workers),
		vegeta.MaxWorkers(1000),
		vegeta.MaxBody(1<<20),
	)
	res := stepResult{Rate: rate, Duration: dur, failCount: map[string]int{}}
	var lats []time.Duration
	before, loadBefore := takeCPU(a.procs.pids()), selfCPU()
	start := time.Now()
	if onStart != nil {
		go onStart()
	}
	var metrics vegeta.Metrics
	var spans []span
	results := atk.Attack(a.target.targeter(next), pacer, dur, "bench")
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	for r := range results {
		metrics.Add(r)
		res.Requests++
		lats = append(lats, r.Latency)
		spans = append(spans, span{r.Timestamp, r.Timestamp.Add(r.Latency)})
		why := checkBody(int(r.Code), r.Body)
		if why == "" && r.Error != "" {
			why = "error: " + r.Error
		}
		if why == "" {
			res.OK++
			continue
		}
		key := why
		if r.Error != "" {
			key = why + " (" + r.Error + ")"
		}
		res.failCount[key]++
		if len(res.Failures) < 3 {
			body := string(r.Body)
			if len(body) > 600 {
				body = body[:600] + "…"
			}
			res.Failures = append(res.Failures, fmt.Sprintf("%s: code %d error %q body %s", why, r.Code, r.Error, body))
		}
	}
	metrics.Close()
	elapsed := time.Since(start)
	res.CPU = cpuSince(before, takeCPU(a.procs.pids()))
	res.LoadCPU = selfCPU() - loadBefore
	res.SentRate = metrics.Rate
	res.MaxInFlight = maxInFlight(spans)
	if elapsed > 0 {
		res.Throughput = float64(res.OK) / elapsed.Seconds()
	}
	slices.Sort(lats)
	res.P50, res.P90, res.P99 = quantile(lats, 0.50), quantile(lats, 0.90), quantile(lats, 0.99)
	if len(lats) > 0 {
		res.Max = lats[len(lats)-1]
	}
	return res
}

// span is when one request was sent and when its answer was read.
type span struct{ start, end time.Time }

// maxInFlight is the most spans open at one moment. A span that ends
// when another starts does not overlap it.
func maxInFlight(spans []span) int {
	type event struct {
		at    time.Time
		delta int
	}
	events := make([]event, 0, 2*len(spans))
	for _, s := range spans {
		events = append(events, event{s.start, 1}, event{s.end, -1})
	}
	// Ends before starts at the same moment.
	slices.SortFunc(events, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	open, most := 0, 0
	for _, e := range events {
		open += e.delta
		most = max(most, open)
	}
	return most
}

// quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// selfCPU is this process's CPU time.
func selfCPU() time.Duration {
	d, _ := cpuTime(os.Getpid())
	return d
}

// logFailures writes what went wrong in a step to the log.
func (a *attacker) logFailures(r stepResult) {
	if r.OK == r.Requests {
		return
	}
	var kinds []string
	for k, n := range r.failCount {
		kinds = append(kinds, fmt.Sprintf("%dx %s", n, k))
	}
	slices.Sort(kinds)
	a.logf("    failures: %s", strings.Join(kinds, "; "))
	for _, f := range r.Failures {
		a.logf("    sample: %s", f)
	}
}

// searchResult is the throughput search of one (workload, configuration).
type searchResult struct {
	Throughput int  // the highest rate that passed, 0: none
	AtCeiling  bool // the highest rate tried passed
	Steps      []stepResult
}

// searchThroughput finds the highest constant rate whose step passes:
// rates double from the first of rates until one fails, then the interval
// between the last pass and the first failure is bisected.
func (a *attacker) searchThroughput(ctx context.Context, next func() request, rates []int, stepDur time.Duration, bisect int, p99Bound time.Duration, pause time.Duration) searchResult {
	var sr searchResult
	// A failing step is run once more and fails only if it fails again:
	// one stray stall of a shared machine must not end the search.
	run := func(rate int) bool {
		for try := 1; ; try++ {
			r := a.attack(ctx, next, rate, stepDuration(rate, stepDur), nil)
			ok := r.passes(p99Bound)
			verdict := "pass"
			if !ok {
				verdict = "FAIL"
			}
			a.logf("  step %s: %s", verdict, r)
			if !ok {
				a.logFailures(r)
			}
			sr.Steps = append(sr.Steps, r)
			a.settle(ctx, pause)
			if ok || try == 2 || ctx.Err() != nil {
				return ok
			}
			a.logf("  step at %d/s again", rate)
		}
	}
	lo, hi := 0, 0
	for _, rate := range rates {
		if ctx.Err() != nil {
			return sr
		}
		if run(rate) {
			lo = rate
			continue
		}
		hi = rate
		break
	}
	if hi == 0 {
		sr.Throughput, sr.AtCeiling = lo, true
		return sr
	}
	for range bisect {
		if ctx.Err() != nil {
			break
		}
		var mid int
		if lo == 0 {
			mid = hi / 2
		} else {
			mid = int(math.Round(math.Sqrt(float64(lo) * float64(hi))))
		}
		if mid <= lo || mid >= hi {
			break
		}
		if run(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	sr.Throughput = lo
	return sr
}

// Low rates get longer steps, so that a step's p99 rests on enough
// answers (with fewer than 100, p99 is the slowest one).
const (
	stepMinRequests = 100
	stepMaxDuration = 30 * time.Second
)

// stepDuration is how long a step at rate lasts: step, or longer up to
// stepMaxDuration for stepMinRequests answers.
func stepDuration(rate int, step time.Duration) time.Duration {
	need := time.Duration(stepMinRequests) * time.Second / time.Duration(rate)
	return max(step, min(need, stepMaxDuration))
}

// settle waits at least pause, then until the measured processes are
// nearly idle (an overloaded step leaves a backlog that would slow the
// next one), at most 30 s.
func (a *attacker) settle(ctx context.Context, pause time.Duration) {
	sleepCtx(ctx, pause)
	const window = 500 * time.Millisecond
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		before := takeCPU(a.procs.pids())
		sleepCtx(ctx, window)
		if used := cpuSince(before, takeCPU(a.procs.pids())); used < window/4 {
			return
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// sendAll sends reqs with a few at a time and returns the first failure.
func sendAll(ctx context.Context, t target, reqs []request, parallel int) error {
	client := &http.Client{Timeout: 30 * time.Second}
	ch := make(chan request)
	errc := make(chan error, parallel)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for r := range ch {
				if first != nil {
					continue
				}
				body, code, err := post(ctx, client, t, r)
				if err != nil {
					first = err
				} else if why := checkBody(code, body); why != "" {
					first = fmt.Errorf("%s: %.600s", why, body)
				}
			}
			errc <- first
		}()
	}
	for _, r := range reqs {
		select {
		case ch <- r:
		case <-ctx.Done():
		}
	}
	close(ch)
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// post sends one request and reads the answer.
func post(ctx context.Context, client *http.Client, t target, r request) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(r.body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	if r.token != "" {
		if t.auth != nil {
			t.auth(req.Header, r.token)
		} else {
			req.Header.Set("Authorization", "Bearer "+r.token)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, resp.StatusCode, err
	}
	return buf.Bytes(), resp.StatusCode, nil
}
