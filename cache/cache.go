// Package cache is segql's Redis read-through cache: a store.Store that
// answers the hot reads from Redis, shared by every segql instance, and
// passes everything else, and every miss, to the store it wraps.
//
// # Reads
//
// Each cached read is cache-aside per batch: one Lua script call reads the
// family's generation and the batch's data keys and, for each missing key,
// its version; then one store call loads the misses only; then one script
// call writes them back, each only if its family generation and its own
// version are still what the read returned. Concurrent identical misses
// share one store load (singleflight). A Redis error, a timeout or an open
// circuit breaker is a miss: the read goes to the store and never fails
// because of Redis.
//
// Callers share a load only when they read the same generations and
// versions and this instance finished no write meanwhile: a read that
// starts after a write answered never takes the answer of a load that
// started before it. A list loaded through the store's pages (a profile's
// segments, a segment's promotions) comes with its children, which are
// cached too, each only if its family generation is unchanged and its
// version key does not exist (no version of theirs was read before the
// store read; an absent key means no write invalidated it lately).
//
// Ids that are not canonical UUIDs are missing to every store (the store
// contract); the cache answers them so, with no Redis or store call. The
// values answered may be shared with other callers: do not modify them.
//
// # Writes, and why a reader cannot cache what a writer replaced
//
// Every write calls the wrapped store and, once it has returned (the
// transaction committed) and before returning to its caller, invalidates
// what it changed: a key's version is incremented and its data key
// deleted, or a whole family's generation is incremented. A reader reads
// the versions BEFORE its store read and writes back only if they are
// unchanged (compared atomically in Lua); a writer bumps them AFTER its
// commit. So a reader whose store read could have seen the data before the
// write started its read before the bump, read the old version, and its
// write-back fails; a reader that read the new version started its store
// read after the commit and loads the new data.
//
// When an invalidation cannot reach Redis (Redis down, timeout, breaker
// open), the instance remembers it and, on its next successful Redis call,
// increments every family's generation before it serves anything from the
// cache. Until then ANOTHER instance may serve the data the write replaced:
// at most for the TTL (plus jitter), since every data key expires.
//
// # Key scheme
//
//	<prefix>:gen:<family>              family generation (no TTL; absent = 0)
//	<prefix>:ver:<family>:<id>         key version (24h TTL; absent = 0)
//	<prefix>:<family>:<gen>:<id>       data, TTL±jitter (NotFoundTTL for "missing")
//
// Families: seg, prof, profc (customer id → profile id), cust, promo,
// profsegs (a profile's segment ids), segpromos (a segment's promotion
// ids) and enabled (one key, id "all").
//
// # Cost
//
// A warm read of an entity family, of a profile's segment ids, of the
// enabled promotions, of profiles by customer id or of shoppers (customer,
// profile and segment ids together, from those families' keys) is one
// Redis round trip and no store call. The derived pages and counts (a profile's segments, a
// segment's promotions) are served with no store call too: one round trip
// for the id lists, one more for the children on the pages (a count needs
// only the first). Root lists and their counts, and a segment's members and
// their count, pass through to the store.
//
// # Redis
//
// One Redis (primary with replicas, Sentinel) is assumed: the scripts read
// keys they compute, which Redis Cluster refuses unless every key shares a
// hash slot (a prefix such as "{segql}" puts them in one). A failover to a
// replica that had not received a write's invalidation serves that
// write's old data until the TTL ends.
//
// Use a maxmemory-policy of volatile-lru or volatile-ttl. Data keys may be
// evicted at any time; generation keys carry no TTL and so are never
// evicted under those policies (evicting one would bring old generations
// back). A version key is evicted only long after its bump under them (it
// is the most recently used and longest-lived kind of key); evicted within
// moments of its bump, it could let the write-back of a reader racing that
// bump through.
//
// Build the client with short timeouts, as NewClient does: a call that
// cannot be answered fast is a miss. ContextTimeoutEnabled makes the
// client honour Options.Timeout; its own read and write timeouts cap it.
// No retries, and a short wait for a pooled connection.
package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"

	"github.com/segql/segql/flight"
	"github.com/segql/segql/metrics"
	"github.com/segql/segql/store"
)

// Options tune the cache. Zero fields take their defaults.
type Options struct {
	Prefix          string        // every key starts with it; default "segql"
	TTL             time.Duration // default 5m, spread by ±Jitter
	Jitter          float64       // default 0.1 (10%); negative for none
	NotFoundTTL     time.Duration // a cached "missing" answer; default 30s
	Timeout         time.Duration // each Redis call; default 50ms
	BreakerFailures uint32        // consecutive failures that open the breaker; default 5
	BreakerOpen     time.Duration // how long it stays open before a probe; default 2s
	Metrics         *metrics.Metrics
	Logger          *slog.Logger

	// Test hooks.
	beforeWriteBack func()       // called between the store read and the write-back
	joinedFlight    func(string) // called once a caller waits on a store load
}

// Defaults.
const (
	defaultPrefix      = "segql"
	defaultTTL         = 5 * time.Minute
	defaultJitter      = 0.1
	defaultNotFoundTTL = 30 * time.Second
	defaultTimeout     = 50 * time.Millisecond
	defaultFailures    = 5
	defaultOpen        = 2 * time.Second

	// versionTTL keeps a key's version long past any read that could race
	// the write that bumped it.
	versionTTL = 24 * time.Hour
	// loadTimeout bounds a shared store load, which runs detached from the
	// callers waiting on it.
	loadTimeout = 10 * time.Second
	// listLimit is the page size that reads a segment's promotion ids or a
	// profile's segment ids whole; a longer list is not cached.
	listLimit = 5000
)

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = defaultPrefix
	}
	if o.TTL <= 0 {
		o.TTL = defaultTTL
	}
	switch {
	case o.Jitter == 0:
		o.Jitter = defaultJitter
	case o.Jitter < 0:
		o.Jitter = 0
	case o.Jitter > 1:
		o.Jitter = 1
	}
	if o.NotFoundTTL <= 0 {
		o.NotFoundTTL = defaultNotFoundTTL
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.BreakerFailures == 0 {
		o.BreakerFailures = defaultFailures
	}
	if o.BreakerOpen <= 0 {
		o.BreakerOpen = defaultOpen
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Store is a store.Store whose hot reads are cached in Redis.
type Store struct {
	next    store.Store
	rdb     redis.UniversalClient
	o       Options
	keys    keys
	breaker *gobreaker.CircuitBreaker[struct{}]
	flights flight.Group
	// writes counts the writes this instance finished: a read that starts
	// after a write never joins a store load that started before it.
	writes atomic.Uint64
	// lost counts invalidations that could not reach Redis since the last
	// time every generation was bumped; nonzero, nothing is served from
	// the cache before that bump.
	lost atomic.Uint64
	// enabled is the last decoded set of enabled promotions, by stamp.
	enabled atomic.Pointer[enabledSet]
}

var _ store.Store = (*Store)(nil)

// New wraps next with a cache in rdb. The caller owns rdb; Close closes
// next, not rdb.
func New(next store.Store, rdb redis.UniversalClient, o Options) *Store {
	o = o.withDefaults()
	s := &Store{next: next, rdb: rdb, o: o, keys: keys{prefix: o.Prefix}}
	failures := o.BreakerFailures
	s.breaker = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "redis",
		MaxRequests: 1,
		Timeout:     o.BreakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if o.Metrics != nil {
				o.Metrics.CacheBreakerState.Set(float64(to))
			}
			o.Logger.Warn("cache: redis circuit breaker changed state", "from", from.String(), "to", to.String())
		},
		// A call that failed because its caller went away says nothing
		// about Redis.
		IsExcluded: func(err error) bool { return errors.As(err, new(callerGone)) },
	})
	return s
}

// NewClient connects to the Redis at url (redis://[:password@]host:port/db)
// with the settings the cache expects: dials time out after 100ms and are
// not retried, reads and writes after 50ms (so an Options.Timeout above
// 50ms has no effect with this client), the context's deadline is honoured
// (ContextTimeoutEnabled), no command is retried (go-redis takes MaxRetries
// 0 for its default of 3; -1 is none), a call waits at most 50ms for a
// pooled connection, and two connections are kept open.
func NewClient(url string) (*redis.Client, error) {
	opt, err := clientOptions(url)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opt), nil
}

func clientOptions(url string) (*redis.Options, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cache: redis url: %w", err)
	}
	opt.DialTimeout = 100 * time.Millisecond
	opt.DialerRetries = 1
	opt.ReadTimeout = 50 * time.Millisecond
	opt.WriteTimeout = 50 * time.Millisecond
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = -1
	opt.PoolTimeout = 50 * time.Millisecond
	opt.MinIdleConns = 2
	return opt, nil
}

// BreakerState is the circuit breaker's state: "closed", "half-open" or
// "open".
func (s *Store) BreakerState() string { return s.breaker.State().String() }

// RedisUp reports whether Redis is worth asking: false while the circuit
// breaker is open. Other users of the same Redis (persisted queries) skip
// it then too.
func (s *Store) RedisUp() bool { return s.breaker.State() != gobreaker.StateOpen }

// Prefix is the prefix of every key this cache writes.
func (s *Store) Prefix() string { return s.keys.prefix }

// callerGone wraps the error of a Redis call whose caller's context ended.
type callerGone struct{ err error }

func (e callerGone) Error() string { return e.err.Error() }
func (e callerGone) Unwrap() error { return e.err }

// Redis operations, the label of segql_cache_duration_seconds.
const (
	opRead       = "read"
	opWriteBack  = "write_back"
	opInvalidate = "invalidate"
	opRecover    = "recover"
)

// redisCall runs one Redis round trip through the breaker with the
// per-call timeout. While invalidations are lost, it first bumps every
// generation, and fails when it cannot.
func (s *Store) redisCall(ctx context.Context, op string, fn func(context.Context) error) error {
	if n := s.lost.Load(); n > 0 && op != opRecover {
		if err := s.recoverLost(ctx, n); err != nil {
			return err
		}
	}
	_, err := s.breaker.Execute(func() (struct{}, error) {
		cctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
		defer cancel()
		start := time.Now()
		err := fn(cctx)
		if s.o.Metrics != nil {
			s.o.Metrics.CacheDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
		}
		if err != nil && ctx.Err() != nil {
			return struct{}{}, callerGone{err}
		}
		return struct{}{}, err
	})
	return err
}

// count records the results of n keys looked up in a family.
func (s *Store) count(family, result string, n int) {
	if s.o.Metrics != nil && n > 0 {
		s.o.Metrics.CacheRequests.WithLabelValues(family, result).Add(float64(n))
	}
}

// Ping checks the store only: segql serves without Redis.
func (s *Store) Ping(ctx context.Context) error { return s.next.Ping(ctx) }

// Close closes the wrapped store; the Redis client is the caller's.
func (s *Store) Close() error { return s.next.Close() }
