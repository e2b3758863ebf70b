package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/segql/segql/auth"
	"github.com/segql/segql/cache"
	"github.com/segql/segql/metrics"
	"github.com/segql/segql/store"
)

// CodeRateLimited refuses a request whose principal has used up its rate
// limit; extensions.retryAfter says in how many seconds to try again.
const CodeRateLimited = "RATE_LIMITED"

// Rate is a token bucket: PerSecond tokens are added each second, up to
// Burst, and a request takes one. A zero PerSecond takes the class's
// default rate and burst; a negative one turns the limit off. A zero
// Burst with a rate of its own is twice the rate (at least 1).
type Rate struct {
	PerSecond float64
	Burst     int
}

// Off reports whether the rate limits nothing.
func (r Rate) Off() bool { return r.PerSecond < 0 }

// String writes r as segql serve's flags read it: "20/s:40", or "off".
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return strconv.FormatFloat(r.PerSecond, 'f', -1, 64) + "/s:" + strconv.Itoa(r.Burst)
}

func (r Rate) withDefault(def Rate) Rate {
	switch {
	case r.PerSecond == 0:
		return def
	case r.PerSecond < 0:
		return Rate{PerSecond: -1}
	case r.Burst <= 0:
		r.Burst = max(1, int(math.Ceil(2*r.PerSecond)))
	}
	return r
}

// RateLimits bound how often each principal may call /graphql: each admin
// token, each signed-in customer and each guest IP address has a bucket of
// its own. With Options.Redis the buckets live in Redis, shared by every
// instance; without it, or while Redis does not answer, in the process.
type RateLimits struct {
	// Customer is the limit of each storefront customer (by customer id).
	Customer Rate
	// Guest is the limit of each guest client IP address (IPv6 by /64):
	// shoppers behind one NAT share it, so it is generous.
	Guest Rate
	// Admin is the limit of each admin token.
	Admin Rate
	// ClientIPHeader names a header that a trusted proxy in front of segql
	// sets to the client's address (X-Forwarded-For, CF-Connecting-IP):
	// the last comma-separated address in it, the one that proxy added,
	// is the guest's. Empty: the connection's remote address. Set it only
	// behind such a proxy, or guests choose their own bucket.
	ClientIPHeader string
	// Now is the in-process buckets' clock; nil: time.Now. (Buckets in
	// Redis go by Redis's clock.)
	Now func() time.Time
}

// Default rate limits: backstops against runaway clients, scrapers and
// floods, well above what a person or a well-behaved app sends. The bursts
// let a client walk a long connection page by page, or a page fan out,
// without waiting.
var (
	// DefaultCustomerRate: a storefront page sends a handful of queries;
	// a headless frontend rendering for a customer a few more.
	DefaultCustomerRate = Rate{PerSecond: 50, Burst: 200}
	// DefaultGuestRate is per IP address: many shoppers share one behind
	// a NAT or a mobile carrier's gateway.
	DefaultGuestRate = Rate{PerSecond: 100, Burst: 200}
	// DefaultAdminRate: admin apps sync and export in bulk.
	DefaultAdminRate = Rate{PerSecond: 500, Burst: 1000}
)

func (l RateLimits) withDefaults() RateLimits {
	l.Customer = l.Customer.withDefault(DefaultCustomerRate)
	l.Guest = l.Guest.withDefault(DefaultGuestRate)
	l.Admin = l.Admin.withDefault(DefaultAdminRate)
	if l.Now == nil {
		l.Now = time.Now
	}
	return l
}

const (
	// maxLocalBuckets bounds the in-process buckets (each some 200 bytes).
	maxLocalBuckets = 100_000
	// defaultRateRedisTimeout bounds a Redis call when the cache's own
	// timeout is not set.
	defaultRateRedisTimeout = 50 * time.Millisecond
	// rateRedisBackoff is how long the limiter counts in process alone
	// after a Redis call failed, before it asks Redis again.
	rateRedisBackoff = time.Second
	// rateLogEvery is how often at most a Redis failure is logged.
	rateLogEvery = time.Minute
	// rateRedisOperation labels the limiter's Redis round trips in
	// segql_cache_duration_seconds, beside the cache's own.
	rateRedisOperation = "rate_limit"
)

// rateLimiter refuses a principal's requests beyond its rate with 429.
type rateLimiter struct {
	limits  RateLimits
	local   *localBuckets
	shared  *sharedBuckets // nil without Redis
	log     *slog.Logger
	metrics *metrics.Metrics
	next    http.Handler
}

// limitRate wraps next, which must run with the principal set, in the rate
// limits of o; data is the store the handler serves, the Redis cache when
// o.Redis is set, whose circuit breaker and key prefix the limiter shares.
func limitRate(o Options, data store.Store, next http.Handler) http.Handler {
	limits := o.RateLimits.withDefaults()
	if limits.Customer.Off() && limits.Guest.Off() && limits.Admin.Off() {
		return next
	}
	l := &rateLimiter{limits: limits, local: newLocalBuckets(limits.Now, maxLocalBuckets), log: o.Logger, metrics: o.Metrics, next: next}
	if cached, ok := data.(*cache.Store); ok && o.Redis != nil {
		timeout := o.Cache.Timeout
		if timeout <= 0 {
			timeout = defaultRateRedisTimeout
		}
		l.shared = &sharedBuckets{
			limiter: redis_rate.NewLimiter(o.Redis),
			prefix:  cached.Prefix() + ":",
			// Only while the breaker is closed: open, the cache has found
			// Redis failing; half-open, it lets one probe through, and the
			// limiter adds no calls to a Redis being probed.
			up:      func() bool { return cached.BreakerState() == "closed" },
			timeout: timeout,
			metrics: o.Metrics,
		}
	}
	return l
}

func (l *rateLimiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	rt, key := l.bucket(r, p)
	if rt.Off() {
		l.next.ServeHTTP(w, r)
		return
	}
	ok, retry := l.allow(r.Context(), key, rt)
	if ok {
		l.next.ServeHTTP(w, r)
		return
	}
	l.metrics.RateLimited.WithLabelValues(p.Kind()).Inc()
	l.log.DebugContext(r.Context(), "rate limited", "principal", p.Kind(), "retry_after", retry)
	writeRateLimited(w, retry)
}

// bucket is the rate and the bucket key of a request's principal.
func (l *rateLimiter) bucket(r *http.Request, p auth.Principal) (Rate, string) {
	switch {
	case p.IsAdmin():
		return l.limits.Admin, "admin:" + p.TokenID
	case !p.IsGuest():
		return l.limits.Customer, "customer:" + strconv.FormatInt(p.CustomerID, 10)
	}
	return l.limits.Guest, "guest:" + clientIP(r, l.limits.ClientIPHeader)
}

// allow takes a token from the bucket, in Redis when it answers, else in
// process; refused, it says when the next token comes.
func (l *rateLimiter) allow(ctx context.Context, key string, rt Rate) (bool, time.Duration) {
	if l.shared != nil {
		ok, retry, err := l.shared.allow(ctx, key, rt)
		if err == nil {
			return ok, retry
		}
		if ctx.Err() == nil {
			l.shared.failed(ctx, l.log, err)
		}
	}
	return l.local.allow(key, rt)
}

// writeRateLimited answers 429 with the retry hint in the Retry-After
// header (whole seconds, rounded up, at least 1) and in
// extensions.retryAfter (seconds, to the millisecond).
func writeRateLimited(w http.ResponseWriter, retry time.Duration) {
	secs := max(1, int64(math.Ceil(retry.Seconds())))
	hint := math.Ceil(retry.Seconds()*1000) / 1000
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{
			"message":    fmt.Sprintf("too many requests: retry after %d s", secs),
			"extensions": map[string]any{"code": CodeRateLimited, "retryAfter": hint},
		}},
	})
}

// clientIP is the guest's address: the last address of header when it is
// set and names one, else the connection's remote address. IPv6 addresses
// are cut to their /64, which one client commonly holds whole.
func clientIP(r *http.Request, header string) string {
	if header != "" {
		if values := r.Header.Values(header); len(values) > 0 {
			last := values[len(values)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a, ok := parseAddr(strings.TrimSpace(last)); ok {
				return bucketAddr(a)
			}
		}
	}
	if a, ok := parseAddr(r.RemoteAddr); ok {
		return bucketAddr(a)
	}
	return r.RemoteAddr
}

// parseAddr reads an IP address, with or without a port.
func parseAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func bucketAddr(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// localBuckets are token buckets in process, at most max of them: past
// that, full buckets (as good as new) are dropped first, then any.
type localBuckets struct {
	now     func() time.Time
	max     int
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newLocalBuckets(now func() time.Time, max int) *localBuckets {
	return &localBuckets{now: now, max: max, buckets: map[string]*rate.Limiter{}}
}

func (b *localBuckets) allow(key string, rt Rate) (bool, time.Duration) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	lim := b.buckets[key]
	if lim == nil {
		if len(b.buckets) >= b.max {
			b.evict(now)
		}
		lim = rate.NewLimiter(rate.Limit(rt.PerSecond), rt.Burst)
		b.buckets[key] = lim
	}
	if lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - lim.TokensAt(now)
	return false, time.Duration(missing / rt.PerSecond * float64(time.Second))
}

// evict makes room: it drops every full bucket, then, if that is not
// enough, arbitrary ones (their clients start afresh) down to 3/4 of max.
func (b *localBuckets) evict(now time.Time) {
	for key, lim := range b.buckets {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(b.buckets, key)
		}
	}
	for key := range b.buckets {
		if len(b.buckets) <= b.max*3/4 {
			break
		}
		delete(b.buckets, key)
	}
}

func (b *localBuckets) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.buckets)
}

// sharedBuckets are token buckets in Redis (GCRA, by redis_rate), so a
// limit holds across instances. Their keys are rate:<prefix>:<bucket>
// (redis_rate puts its "rate:" first) and expire once full again.
type sharedBuckets struct {
	limiter *redis_rate.Limiter
	prefix  string
	up      func() bool
	timeout time.Duration
	metrics *metrics.Metrics
	// skipUntil (unix nanoseconds) is when, after a failed call, Redis is
	// worth asking again.
	skipUntil atomic.Int64
	// loggedAt (unix nanoseconds) is when a failure was last logged.
	loggedAt atomic.Int64
}

var errRedisSkipped = errors.New("redis is not asked: the cache's circuit breaker is not closed, or a call failed just now")

func (s *sharedBuckets) allow(ctx context.Context, key string, rt Rate) (bool, time.Duration, error) {
	if time.Now().UnixNano() < s.skipUntil.Load() || !s.up() {
		return false, 0, errRedisSkipped
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	start := time.Now()
	res, err := s.limiter.Allow(ctx, s.prefix+key, redisLimit(rt))
	s.metrics.CacheDuration.WithLabelValues(rateRedisOperation).Observe(time.Since(start).Seconds())
	if err != nil {
		return false, 0, err
	}
	if res.Allowed > 0 {
		return true, 0, nil
	}
	return false, res.RetryAfter, nil
}

// failed notes a failed Redis call: the next ones are counted in process
// for a while, and the failure is logged at most once a minute.
func (s *sharedBuckets) failed(ctx context.Context, log *slog.Logger, err error) {
	if errors.Is(err, errRedisSkipped) {
		return
	}
	now := time.Now()
	s.skipUntil.Store(now.Add(rateRedisBackoff).UnixNano())
	last := s.loggedAt.Load()
	if now.UnixNano()-last < int64(rateLogEvery) || !s.loggedAt.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if errors.Is(err, redis.ErrClosed) {
		log.DebugContext(ctx, "rate limits: the redis client is closed", "error", err)
		return
	}
	log.WarnContext(ctx, "rate limits: redis failed, counting in process for now", "error", err)
}

// redisLimit is rt as redis_rate has it: one request per emission
// interval, which keeps a fractional rate exact.
func redisLimit(rt Rate) redis_rate.Limit {
	period := max(time.Nanosecond, time.Duration(float64(time.Second)/rt.PerSecond))
	return redis_rate.Limit{Rate: 1, Period: period, Burst: rt.Burst}
}
