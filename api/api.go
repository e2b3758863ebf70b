// Package api assembles segql's HTTP handler: GraphQL at /graphql, the
// GraphiQL page at /, health at /healthz and /readyz, metrics at /metrics.
// Tests build it exactly as `segql serve` does.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/segql/segql/auth"
	"github.com/segql/segql/cache"
	"github.com/segql/segql/graph"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/metrics"
	"github.com/segql/segql/resolvers"
	"github.com/segql/segql/store"
	"github.com/segql/segql/web"
)

// Options configure the handler. Zero values take the defaults below.
type Options struct {
	Store    store.Store
	Logger   *slog.Logger
	Metrics  *metrics.Metrics // nil: a fresh registry
	GraphiQL bool             // serve the GraphiQL page at /
	// GraphiQLHeaders fill GraphiQL's headers editor (--demo: its admin token).
	GraphiQLHeaders map[string]string
	// Loaders tune the per-root-field loaders; MaxBatch 0 takes
	// DefaultMaxBatch.
	Loaders loaders.Options
	Limits  resolvers.Limits
	// RequestLimits bound one request's size, depth, aliases, cost and
	// list arguments; zero fields take the defaults in limits.go.
	RequestLimits Limits
	// Admins are the admin API tokens; nil: none.
	Admins *auth.AdminTokens
	// Customers verifies storefront customer tokens; nil: they are refused.
	Customers *auth.Verifier
	// OpenIntrospection turns introspection and "Did you mean" suggestions
	// on for storefront shoppers too (--demo); admins always have them.
	OpenIntrospection bool
	// RequestTimeout bounds one request's work; its expiry cancels store calls.
	RequestTimeout time.Duration
	// QueryCacheSize is how many parsed queries and persisted queries are kept.
	QueryCacheSize int
	// Draining, when it reports true, turns /readyz to 503 before shutdown.
	Draining func() bool
	// Now is the clock eligibility is judged by; nil: time.Now.
	Now func() time.Time
	// Redis, when set, caches hot reads and keeps persisted queries for
	// every instance; Cache tunes it.
	Redis redis.UniversalClient
	Cache cache.Options
	// CORSOrigins are the browser origins (https://shop.example.com) whose
	// pages may call /graphql; "*" allows any. None: same-origin only.
	CORSOrigins []string
	// RateLimits bound how often each admin token, customer and guest IP
	// may call /graphql (429 RATE_LIMITED beyond); zero fields take the
	// defaults in ratelimit.go. In Redis when Redis is set.
	RateLimits RateLimits
	// InFlight bounds the GraphQL requests running at once, and how many
	// may wait for a slot; zero fields take the defaults in inflight.go.
	InFlight InFlight
}

// Defaults of Options.
const (
	DefaultRequestTimeout = 10 * time.Second
	DefaultQueryCacheSize = 1000
	// DefaultMaxBatch caps the keys of one store call. It is the default
	// cost limit: no level of a query within it holds more objects, so
	// every level is one call.
	DefaultMaxBatch = 10000
)

// New builds segql's HTTP handler.
func New(ctx context.Context, o Options) (http.Handler, error) {
	if o.Store == nil {
		return nil, errors.New("api: a store is required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New()
	}
	if o.Limits == (resolvers.Limits{}) {
		o.Limits = resolvers.DefaultLimits
	}
	o.RequestLimits = o.RequestLimits.withDefaults()
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.QueryCacheSize <= 0 {
		o.QueryCacheSize = DefaultQueryCacheSize
	}
	if o.Loaders.MaxBatch <= 0 {
		o.Loaders.MaxBatch = DefaultMaxBatch
	}
	if o.Loaders.ObserveBatch == nil {
		o.Loaders.ObserveBatch = o.Metrics.ObserveBatch
	}
	// Round trips are counted below the cache: a hit costs none.
	var data store.Store = o.Metrics.WrapStore(o.Store)
	var persisted graphql.Cache[string] = lru.New[string](o.QueryCacheSize)
	if o.Redis != nil {
		co := o.Cache
		if co.Metrics == nil {
			co.Metrics = o.Metrics
		}
		if co.Logger == nil {
			co.Logger = o.Logger
		}
		cached := cache.New(data, o.Redis, co)
		data = cached
		persisted = newPersistedQueries(o.Redis, cached.Prefix(), cached.RedisUp, o.QueryCacheSize, o.Logger)
	}

	res := resolvers.New(data, o.Limits)
	if o.Now != nil {
		res.Now = o.Now
	}
	gql := handler.New(graph.NewExecutableSchema(res.Config()))
	gql.AddTransport(getQueries{})
	gql.AddTransport(transport.POST{})
	gql.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	gql.SetParserTokenLimit(o.RequestLimits.parserTokenLimit())
	gql.Use(requestLimits{o.RequestLimits})
	acc := access{open: o.OpenIntrospection}
	gql.Use(acc)
	gql.Use(extension.AutomaticPersistedQuery{Cache: persisted})
	gql.Use(loaders.PerRootField{Store: data, Options: o.Loaders})
	// No field middleware (AroundFields, FieldInterceptor): the generated
	// code marshals plain scalar fields without it (scripts/gqlgen).
	gql.SetErrorPresenter(presentError(o.Logger, acc.suggests))
	gql.SetRecoverFunc(recoverPanic(o.Logger))

	var graphqlHandler http.Handler = unexpired(gql)
	graphqlHandler = limitInFlight(o.InFlight.withDefaults(), o.Metrics, graphqlHandler)
	graphqlHandler = limitRate(o, data, graphqlHandler)
	graphqlHandler = principal(auth.Authenticator{Admins: o.Admins, Customers: o.Customers}, o.Logger, graphqlHandler)
	graphqlHandler = checkBody(graphqlHandler)
	graphqlHandler = limitSize(o.RequestLimits.MaxBodyBytes, graphqlHandler)
	graphqlHandler = onlyJSON(graphqlHandler)
	graphqlHandler = cors(o.CORSOrigins, graphqlHandler)
	graphqlHandler = timeout(o.RequestTimeout, graphqlHandler)

	mux := http.NewServeMux()
	mux.Handle("/graphql", graphqlHandler)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /readyz", ready(o.Store, o.Draining, o.Logger))
	mux.Handle("GET /metrics", o.Metrics.Handler())
	if o.GraphiQL {
		mux.Handle("/", web.Handler(o.Logger, "/graphql", o.GraphiQLHeaders))
	}
	return instrument(o.Metrics, mux), nil
}
