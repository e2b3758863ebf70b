package cache

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/segql/segql/metrics"
	"github.com/segql/segql/store"
)

// callCounter counts the commands a client sends.
type callCounter struct{ n atomic.Int64 }

func (c *callCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *callCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *callCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestBreakerOpensWhenRedisIsUnreachable: against an address nothing
// listens on, reads are answered by the store; after BreakerFailures
// failed calls the breaker opens, and from then on Redis is not touched
// and every key looked up counts as an error.
func TestBreakerOpensWhenRedisIsUnreachable(t *testing.T) {
	ctx := t.Context()
	rdb, err := NewClient("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	calls := &callCounter{}
	rdb.AddHook(calls)
	raw := openSQLite(t)
	w := newWorld(t, raw)
	m := metrics.New()
	c := New(raw, rdb, Options{Prefix: "segql_unreachable", BreakerFailures: 3, BreakerOpen: time.Hour, Metrics: m})
	breakerGauge := func() float64 { return value(t, m.CacheBreakerState) }
	same(t, "gauge at first", breakerGauge(), 0.0)

	want := takeSnapshot(t, raw, w)
	for i := range 3 {
		same(t, "state before the failures", c.BreakerState(), "closed")
		same(t, "segments, Redis unreachable", must(c.SegmentsByIDs(ctx, w.segmentIDs()))(t), want.Segments)
		if i == 0 {
			if calls.n.Load() == 0 {
				t.Fatal("the first read did not try Redis")
			}
		}
	}
	same(t, "state after the failures", c.BreakerState(), "open")
	same(t, "gauge when open", breakerGauge(), 2.0)

	tried := calls.n.Load()
	errorsBefore := value(t, m.CacheRequests.WithLabelValues(famSegment, "error"))
	same(t, "snapshot while open", takeSnapshot(t, c, w), want)
	if n := calls.n.Load(); n != tried {
		t.Errorf("%d Redis commands while the breaker is open, want none", n-tried)
	}
	// The snapshot looks up the 6 segments and their pages' segments.
	if n := value(t, m.CacheRequests.WithLabelValues(famSegment, "error")) - errorsBefore; n < 6 {
		t.Errorf("%v segment lookups counted as errors while open, want at least 6", n)
	}
	if n := value(t, m.CacheRequests.WithLabelValues(famSegment, "hit")); n != 0 {
		t.Errorf("%v hits without Redis", n)
	}
	// A write while open cannot invalidate: remembered.
	mustWrite(t, "rename", must(c.UpdateSegments(ctx, []store.SegmentUpdate{{ID: w.segments[0], Name: ptr("Renamed")}}))(t).Errors, nil)
	if c.lost.Load() == 0 {
		t.Error("a write while the breaker is open did not remember its lost invalidation")
	}
	same(t, "read after the write", must(c.SegmentsByIDs(ctx, w.segments[:1]))(t)[0].Name, "Renamed")
}

// transitions records the breaker's state changes from its log.
type transitions struct {
	mu   sync.Mutex
	seen []string
}

func (r *transitions) Enabled(context.Context, slog.Level) bool { return true }
func (r *transitions) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *transitions) WithGroup(string) slog.Handler            { return r }
func (r *transitions) Handle(_ context.Context, rec slog.Record) error {
	if !strings.Contains(rec.Message, "circuit breaker") {
		return nil
	}
	var from, to string
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "from":
			from = a.Value.String()
		case "to":
			to = a.Value.String()
		}
		return true
	})
	r.mu.Lock()
	r.seen = append(r.seen, from+"→"+to)
	r.mu.Unlock()
	return nil
}

func (r *transitions) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.seen...)
}

// TestBreakerProbesAndCloses: once open for BreakerOpen, the breaker lets
// one call through (half-open); a failed probe opens it again, a
// successful one closes it and the cache serves again. BreakerOpen is a
// nanosecond so the test never waits for it.
func TestBreakerProbesAndCloses(t *testing.T) {
	ctx := t.Context()
	rdb, f := flakyClient(t)
	raw := openSQLite(t)
	w := newWorld(t, raw)
	next := count(raw)
	m := metrics.New()
	log := &transitions{}
	o := testOptions(t, rdb)
	o.BreakerFailures, o.BreakerOpen, o.Metrics, o.Logger = 2, time.Nanosecond, m, slog.New(log)
	c := New(next, rdb, o)
	must(c.SegmentsByIDs(ctx, w.segments))(t) // warm

	f.down.Store(true)
	for range 2 {
		same(t, "read, Redis down", must(c.SegmentsByIDs(ctx, w.segments[:1]))(t)[0].Name, "S0")
	}
	same(t, "transitions after the failures", log.list(), []string{"closed→open"})
	same(t, "gauge when open", value(t, m.CacheBreakerState), 2.0)
	same(t, "read, probe fails", must(c.SegmentsByIDs(ctx, w.segments[:1]))(t)[0].Name, "S0")
	same(t, "transitions after a failed probe", log.list(), []string{"closed→open", "open→half-open", "half-open→open"})

	f.down.Store(false)
	noCalls(t, next, "read, probe succeeds", func() {
		same(t, "read", must(c.SegmentsByIDs(ctx, w.segments[:1]))(t)[0].Name, "S0")
	})
	same(t, "transitions after a good probe", log.list(), []string{"closed→open", "open→half-open", "half-open→open", "open→half-open", "half-open→closed"})
	same(t, "state", c.BreakerState(), "closed")
	same(t, "gauge when closed", value(t, m.CacheBreakerState), 0.0)
}

// slowRedis makes every command wait for its context's end while on.
type slowRedis struct {
	callCounter
	on atomic.Bool
}

func (s *slowRedis) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if s.on.Load() {
			<-ctx.Done()
			return ctx.Err()
		}
		return next(ctx, cmd)
	}
}

// TestTimeoutIsAMiss: a Redis call that does not answer within Timeout is
// a miss: the store answers, and nothing is written back.
func TestTimeoutIsAMiss(t *testing.T) {
	ctx := t.Context()
	rdb := testClient(t)
	slow := &slowRedis{}
	rdb.AddHook(slow)
	raw := openSQLite(t)
	w := newWorld(t, raw)
	next := count(raw)
	m := metrics.New()
	o := testOptions(t, rdb)
	o.Timeout, o.Metrics = 20*time.Millisecond, m
	c := New(next, rdb, o)

	slow.on.Store(true)
	same(t, "read, Redis slow", must(c.SegmentsByIDs(ctx, w.segments))(t), must(raw.SegmentsByIDs(ctx, w.segments))(t))
	same(t, "errors counted", value(t, m.CacheRequests.WithLabelValues(famSegment, "error")), 6.0)
	slow.on.Store(false)
	if n := len(must(rdb.Keys(ctx, o.Prefix+":seg:*").Result())(t)); n != 0 {
		t.Errorf("%d keys written back after a failed read", n)
	}
	before, _ := next.calls(t)
	must(c.SegmentsByIDs(ctx, w.segments))(t)
	if after, _ := next.calls(t); after != before+1 {
		t.Errorf("%v store calls after the failed read, want 1 (a miss)", after-before)
	}
	noCalls(t, next, "then warm", func() { must(c.SegmentsByIDs(ctx, w.segments))(t) })
}

// TestNewClient: the client the cache expects, from a URL.
func TestNewClient(t *testing.T) {
	rdb, err := NewClient("redis://:secret@127.0.0.1:6390/3")
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	o := rdb.Options()
	same(t, "addr", o.Addr, "127.0.0.1:6390")
	same(t, "db", o.DB, 3)
	same(t, "password", o.Password, "secret")
	same(t, "dial timeout", o.DialTimeout, 100*time.Millisecond)
	same(t, "read timeout", o.ReadTimeout, 50*time.Millisecond)
	same(t, "write timeout", o.WriteTimeout, 50*time.Millisecond)
	same(t, "context timeouts", o.ContextTimeoutEnabled, true)
	same(t, "retries", o.MaxRetries, 0) // -1 asked, 0 once applied: none
	same(t, "pool timeout", o.PoolTimeout, 50*time.Millisecond)
	if o.MinIdleConns <= 0 || o.MinIdleConns > 4 {
		t.Errorf("min idle conns %d", o.MinIdleConns)
	}
	if _, err := NewClient("http://nope"); err == nil {
		t.Error("a URL that is not redis:// was accepted")
	}
	// Against nothing, a call fails fast.
	dead, err := NewClient("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	start := time.Now()
	if err := dead.Ping(t.Context()).Err(); err == nil {
		t.Error("ping of nothing answered")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("a call to nothing took %v", d)
	}
}

var _ net.Conn = flakyConn{}
