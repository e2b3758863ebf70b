package api_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/segql/segql/api"
	"github.com/segql/segql/store"
)

// gatedStore holds every segment list until gate closes (or, unless
// pastDeadline, its request ends), and tells entered of each one that began.
type gatedStore struct {
	store.Store
	entered      chan struct{}
	gate         chan struct{}
	pastDeadline bool
}

func (s gatedStore) ListSegments(ctx context.Context, f store.SegmentFilter, p store.Page[string]) (store.PageOf[*store.Segment], error) {
	s.entered <- struct{}{}
	done := ctx.Done()
	if s.pastDeadline {
		done = nil
	}
	select {
	case <-s.gate:
	case <-done:
		return store.PageOf[*store.Segment]{}, fmt.Errorf("gated store: %w", ctx.Err())
	}
	return s.Store.ListSegments(ctx, f, p)
}

// waitFor yields until cond holds: the limiter's gauges are the only sign
// that a request is waiting for a slot.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatalf("never %s", what)
		}
		runtime.Gosched()
	}
}

func TestInFlightLimit(t *testing.T) {
	const segments = `{ segments(first: 1) { nodes { name } } }`
	gated := gatedStore{entered: make(chan struct{}, 10), gate: make(chan struct{})}
	ts := newTestServer(t, func(o *api.Options) {
		gated.Store = o.Store
		o.Store = gated
		o.InFlight = api.InFlight{Max: 2, Queue: 1}
	})
	ts.load(catalog())

	// Two requests run and hold their slots inside the store; a third
	// waits for a slot.
	answers := make(chan gqlResponse, 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { answers <- ts.do(segments, nil, "") })
	}
	<-gated.entered
	<-gated.entered
	waitFor(t, "queued one request", func() bool { return ts.metric("segql_requests_queued") == 1 })
	equal(t, "running", ts.metric("segql_requests_in_flight"), 2)

	// With the queue full a fourth is refused at once, before any store work.
	before := ts.storeQueries()
	r := ts.raw(http.MethodPost, "/graphql", "application/json", []byte(`{"query":"`+segments+`"}`), nil)
	res := ts.gql(r)
	equal(t, "status", r.Status, http.StatusServiceUnavailable)
	equal(t, "codes", codesOf(res), []string{api.CodeOverloaded})
	equal(t, "Retry-After", r.Header.Get("Retry-After"), "1")
	equal(t, "store round trips of the refused request", ts.storeQueries()-before, 0)
	equal(t, "overloaded count", ts.metric("segql_requests_overloaded_total"), 1)

	// Released, the three are answered; the waiting one ran after a slot freed.
	close(gated.gate)
	wg.Wait()
	close(answers)
	for res := range answers {
		if len(res.Errors) > 0 || res.Data == nil {
			t.Errorf("a request that ran or waited failed: %+v", res.Errors)
		}
	}
	equal(t, "running after", ts.metric("segql_requests_in_flight"), 0)
	equal(t, "queued after", ts.metric("segql_requests_queued"), 0)
}

// TestInFlightWaitEndsWithDeadline checks a request waiting for a slot
// gives up at its deadline with TIMEOUT, without running. The running
// request keeps its slot past its own deadline, so the slot is never free.
func TestInFlightWaitEndsWithDeadline(t *testing.T) {
	gated := gatedStore{entered: make(chan struct{}, 10), gate: make(chan struct{}), pastDeadline: true}
	ts := newTestServer(t, func(o *api.Options) {
		gated.Store = o.Store
		o.Store = gated
		o.InFlight = api.InFlight{Max: 1, Queue: 10}
		o.RequestTimeout = 200 * time.Millisecond
	})
	ts.load(catalog())
	const segments = `{ segments(first: 1) { nodes { name } } }`
	first := make(chan gqlResponse, 1)
	go func() { first <- ts.do(segments, nil, "") }()
	<-gated.entered
	res := ts.do(segments, nil, "")
	equal(t, "codes of the waiting request", codesOf(res), []string{api.CodeTimeout})
	equal(t, "store calls of the waiting request", len(gated.entered), 0)
	close(gated.gate)
	<-first // past its deadline: answered with its data or TIMEOUT, as the race goes
}
