package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/redis/go-redis/v9"
)

// persistedQueries keeps automatic persisted queries in Redis, so a hash
// one instance has learned works on every instance. A local LRU answers
// first and keeps working when Redis does not: a query missing from both
// is simply asked for again (PERSISTED_QUERY_NOT_FOUND), as the protocol
// expects. While the cache's circuit breaker is open it does not ask Redis.
type persistedQueries struct {
	local  *lru.LRU[string]
	rdb    redis.UniversalClient
	up     func() bool // false while the cache's circuit breaker is open
	prefix string
	log    *slog.Logger
}

// Persisted queries are content-addressed (the key is the query's hash),
// so they never go stale: a long TTL only bounds what Redis keeps.
const (
	persistedTTL     = 7 * 24 * time.Hour
	persistedTimeout = 50 * time.Millisecond
)

func newPersistedQueries(rdb redis.UniversalClient, prefix string, up func() bool, size int, log *slog.Logger) *persistedQueries {
	return &persistedQueries{local: lru.New[string](size), rdb: rdb, up: up, prefix: prefix + ":apq:", log: log}
}

// Get answers from the local LRU, else from Redis; a Redis error is a miss.
func (p *persistedQueries) Get(ctx context.Context, hash string) (string, bool) {
	if q, ok := p.local.Get(ctx, hash); ok {
		return q, true
	}
	if !p.up() {
		return "", false
	}
	ctx, cancel := context.WithTimeout(ctx, persistedTimeout)
	defer cancel()
	q, err := p.rdb.Get(ctx, p.prefix+hash).Result()
	if err != nil {
		if err != redis.Nil {
			p.log.DebugContext(ctx, "persisted query lookup in redis failed", "error", err)
		}
		return "", false
	}
	p.local.Add(ctx, hash, q)
	return q, true
}

// Add keeps a query locally and in Redis; gqlgen checked that the hash
// matches the query before it calls Add.
func (p *persistedQueries) Add(ctx context.Context, hash, query string) {
	p.local.Add(ctx, hash, query)
	if !p.up() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, persistedTimeout)
	defer cancel()
	if err := p.rdb.Set(ctx, p.prefix+hash, query, persistedTTL).Err(); err != nil {
		p.log.DebugContext(ctx, "persisted query not stored in redis", "error", err)
	}
}
