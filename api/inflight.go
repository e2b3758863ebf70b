package api

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"sync/atomic"

	"github.com/segql/segql/metrics"
)

// CodeOverloaded refuses a request when the server already has as many
// requests waiting for a slot as it queues.
const CodeOverloaded = "OVERLOADED"

// InFlight bounds the GraphQL requests running at once. Without a bound,
// a burst above what the CPUs can serve keeps admitting requests whose
// answers are built side by side, and memory grows with the backlog
// (1.3 GB at 1000 req/s of storefront reads on the large bench data set).
// A request beyond Max waits for a slot until its deadline; one that finds
// Queue requests waiting already is refused at once.
type InFlight struct {
	Max   int // requests running at once; 0: DefaultMaxInFlight
	Queue int // requests waiting for a slot; 0: DefaultMaxQueued
}

// DefaultMaxInFlight is 8 per CPU: enough to keep the CPUs busy while
// requests wait on the store, Redis and batch windows.
func DefaultMaxInFlight() int { return 8 * runtime.GOMAXPROCS(0) }

// DefaultMaxQueued lets a burst of a thousand requests at once wait for
// their turn (ABUSE.md's 500 concurrent cold requests are all answered);
// a waiting request holds little more than its body, up to the body cap.
const DefaultMaxQueued = 1024

func (l InFlight) withDefaults() InFlight {
	if l.Max <= 0 {
		l.Max = DefaultMaxInFlight()
	}
	if l.Queue <= 0 {
		l.Queue = DefaultMaxQueued
	}
	return l
}

// overloadRetryAfter is the Retry-After of an OVERLOADED answer, in
// seconds: a queue this short drains well within it.
const overloadRetryAfter = "1"

// limitInFlight runs at most l.Max requests of next at once.
func limitInFlight(l InFlight, m *metrics.Metrics, next http.Handler) http.Handler {
	slots := make(chan struct{}, l.Max)
	var waiting atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
		default:
			if waiting.Add(1) > int64(l.Queue) {
				waiting.Add(-1)
				m.Overloaded.Inc()
				w.Header().Set("Retry-After", overloadRetryAfter)
				writeError(w, http.StatusServiceUnavailable, CodeOverloaded, "the server is busy; retry shortly")
				return
			}
			m.Queued.Inc()
			err := wait(r.Context(), slots)
			m.Queued.Dec()
			waiting.Add(-1)
			if err != nil {
				code, message := CodeTimeout, "the request took too long and was stopped"
				if errors.Is(err, context.Canceled) {
					code, message = CodeCancelled, "the request was cancelled"
				}
				writeError(w, http.StatusServiceUnavailable, code, message)
				return
			}
		}
		m.InFlight.Inc()
		defer func() {
			m.InFlight.Dec()
			<-slots
		}()
		next.ServeHTTP(w, r)
	})
}

// wait takes a slot, or gives up when ctx ends.
func wait(ctx context.Context, slots chan struct{}) error {
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
