//go:generate go run ./scripts/gqlgen

// Command segql serves customer-segmentation data as one GraphQL graph.
//
//	segql serve   [--addr 127.0.0.1:8080] [--store segql.db] [--demo]
//	segql import  [--store segql.db] DIR
//	segql migrate [--store segql.db]
//	segql token   admin|customer [flags]
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/segql/segql/api"
	"github.com/segql/segql/auth"
	"github.com/segql/segql/cache"
	"github.com/segql/segql/demo"
	"github.com/segql/segql/importer"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/resolvers"
	"github.com/segql/segql/store"
	"github.com/segql/segql/store/postgres"
	"github.com/segql/segql/store/sqlite"
)

const usage = `segql: a GraphQL gateway over customer-segmentation data

usage:
  segql serve   [flags]       serve GraphQL (see segql serve -h)
  segql import  [flags] DIR   load customers.jsonl, segments.jsonl, shopper_profiles.jsonl,
                              memberships.jsonl and promotions.jsonl from DIR in one transaction
  segql migrate [flags]       create or upgrade the store's schema
  segql token admin [flags]   make an admin API token and the line of its hash for a token file
  segql token customer [flags] mint a storefront customer token (HS256, SEGQL_JWT_SECRET)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))

	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, logger, os.Args[2:])
	case "import":
		err = runImport(ctx, os.Args[2:])
	case "migrate":
		err = migrate(ctx, os.Args[2:])
	case "token":
		err = token(os.Stdout, os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "segql: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "segql %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("SEGQL_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// env returns the environment variable's value, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		return def
	}
	return n
}

func envDuration(name string, def time.Duration) time.Duration {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil {
		return def
	}
	return d
}

// storeConfig is where the data lives: an SQLite file or a PostgreSQL URL.
type storeConfig struct {
	spec             string
	maxConns         int
	statementTimeout time.Duration
}

func storeFlags(fs *flag.FlagSet) *storeConfig {
	c := &storeConfig{}
	fs.StringVar(&c.spec, "store", env("SEGQL_STORE", "segql.db"),
		"store: an SQLite file path, or a postgres:// URL (env SEGQL_STORE)")
	fs.IntVar(&c.maxConns, "pg-max-conns", envInt("SEGQL_PG_MAX_CONNS", 0),
		"PostgreSQL: connections in the pool; 0 is max(4, CPUs) (env SEGQL_PG_MAX_CONNS)")
	fs.DurationVar(&c.statementTimeout, "pg-statement-timeout", envDuration("SEGQL_PG_STATEMENT_TIMEOUT", 10*time.Second),
		"PostgreSQL: statement_timeout of every statement; 0 is none (env SEGQL_PG_STATEMENT_TIMEOUT)")
	return c
}

// openStore opens the store the configuration names and brings its schema
// up to date.
func openStore(ctx context.Context, c *storeConfig) (store.Store, error) {
	if strings.HasPrefix(c.spec, "postgres://") || strings.HasPrefix(c.spec, "postgresql://") {
		return postgres.Open(ctx, c.spec, postgres.Options{
			MaxConns:         int32(c.maxConns),
			StatementTimeout: c.statementTimeout,
		})
	}
	return sqlite.Open(ctx, strings.TrimPrefix(c.spec, "sqlite://"))
}

// storeName is the store for logs and messages, without a password.
func (c *storeConfig) storeName() string {
	u, err := url.Parse(c.spec)
	if err != nil || u.Scheme == "" || u.User == nil {
		return c.spec
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func serve(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", env("SEGQL_ADDR", "127.0.0.1:8080"), "listen address (env SEGQL_ADDR)")
	storeCfg := storeFlags(fs)
	seed := fs.Bool("demo", env("SEGQL_DEMO", "") == "true", "seed demo data into an empty store, serve GraphiQL with a development admin token, open introspection to everyone and print a demo customer token (env SEGQL_DEMO=true)")
	graphiql := fs.Bool("graphiql", env("SEGQL_GRAPHIQL", "") == "true", "serve GraphiQL at / (always on with --demo; env SEGQL_GRAPHIQL=true)")
	jwtSecret := fs.String("jwt-secret", env("SEGQL_JWT_SECRET", ""), "HS256 secret of storefront customer tokens (env SEGQL_JWT_SECRET)")
	storeHash := fs.String("store-hash", env("SEGQL_STORE_HASH", ""), "BigCommerce store hash customer tokens must carry in store_hash; empty: not checked (env SEGQL_STORE_HASH)")
	adminTokens := fs.String("admin-tokens", env("SEGQL_ADMIN_TOKENS", ""), "admin API tokens as scope:token pairs, e.g. write:<token>,read:<token> (env SEGQL_ADMIN_TOKENS)")
	adminTokenFile := fs.String("admin-token-file", env("SEGQL_ADMIN_TOKEN_FILE", ""), "file of admin token hashes, one \"<scope> <sha256 hex>\" a line, as segql token admin prints (env SEGQL_ADMIN_TOKEN_FILE)")
	maxInFlight := fs.Int("max-in-flight", envInt("SEGQL_MAX_IN_FLIGHT", api.DefaultMaxInFlight()), "GraphQL requests running at once; more wait for a slot (env SEGQL_MAX_IN_FLIGHT)")
	maxQueued := fs.Int("max-queued", envInt("SEGQL_MAX_QUEUED", api.DefaultMaxQueued), "GraphQL requests waiting for a slot; beyond, 503 OVERLOADED (env SEGQL_MAX_QUEUED)")
	maxMembers := fs.Int("max-membership-batch", resolvers.DefaultLimits.MaxMembershipItems, "profiles per addShopperProfilesToSegment call")
	redisURL := fs.String("redis", env("SEGQL_REDIS_URL", ""), "Redis URL (redis://host:6379/0) for the shared read cache and persisted queries; empty: no cache (env SEGQL_REDIS_URL)")
	cachePrefix := fs.String("cache-prefix", env("SEGQL_CACHE_PREFIX", "segql"), "prefix of every Redis key, for stores sharing one Redis (env SEGQL_CACHE_PREFIX)")
	cacheTTL := fs.Duration("cache-ttl", envDuration("SEGQL_CACHE_TTL", 5*time.Minute), "how long a cached read lives, ±10% (env SEGQL_CACHE_TTL)")
	corsOrigins := fs.String("cors-origins", env("SEGQL_CORS_ORIGINS", ""), "comma-separated browser origins allowed to call /graphql, or *; empty: same-origin only (env SEGQL_CORS_ORIGINS)")
	reqTimeout := fs.Duration("request-timeout", envDuration("SEGQL_REQUEST_TIMEOUT", api.DefaultRequestTimeout), "time limit of one request (env SEGQL_REQUEST_TIMEOUT)")
	rateCustomer := fs.String("rate-customer", env("SEGQL_RATE_CUSTOMER", api.DefaultCustomerRate.String()), "rate limit of each storefront customer: N/s (burst 2N), N/s:burst, or off; in Redis when --redis is set (env SEGQL_RATE_CUSTOMER)")
	rateGuest := fs.String("rate-guest", env("SEGQL_RATE_GUEST", api.DefaultGuestRate.String()), "rate limit of each guest IP address (IPv6 by /64): N/s (burst 2N), N/s:burst, or off (env SEGQL_RATE_GUEST)")
	rateAdmin := fs.String("rate-admin", env("SEGQL_RATE_ADMIN", api.DefaultAdminRate.String()), "rate limit of each admin token: N/s (burst 2N), N/s:burst, or off (env SEGQL_RATE_ADMIN)")
	clientIPHeader := fs.String("client-ip-header", env("SEGQL_CLIENT_IP_HEADER", ""), "header in which a trusted proxy in front of segql puts the client's address (X-Forwarded-For, CF-Connecting-IP): its last address is the guest's; empty: the connection's address (env SEGQL_CLIENT_IP_HEADER)")
	naive := fs.Bool("naive-loaders", env("SEGQL_NAIVE_LOADERS", "") == "true", "make every key its own store call (the naive N+1), to measure what batching saves; for benchmarks only (env SEGQL_NAIVE_LOADERS=true)")
	pprofAddr := fs.String("pprof-addr", env("SEGQL_PPROF_ADDR", ""), "serve Go's pprof profiles on this separate address (127.0.0.1:6060); empty: off (env SEGQL_PPROF_ADDR)")
	shutdownDelay := fs.Duration("shutdown-delay", envDuration("SEGQL_SHUTDOWN_DELAY", 0), "after SIGTERM, answer /readyz 503 and keep serving this long before closing the listener, so load balancers stop sending first (env SEGQL_SHUTDOWN_DELAY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rates, err := rateLimits(*rateCustomer, *rateGuest, *rateAdmin, *clientIPHeader)
	if err != nil {
		return err
	}

	s, err := openStore(ctx, storeCfg)
	if err != nil {
		return fmt.Errorf("open store %s: %w", storeCfg.storeName(), err)
	}
	defer s.Close()
	if *seed {
		if err := seedDemo(ctx, logger, s); err != nil {
			return err
		}
	}
	verifier, err := customerVerifier(logger, *jwtSecret, *storeHash, *seed)
	if err != nil {
		return err
	}
	admins, graphiqlHeaders, err := adminTokenSet(logger, *adminTokens, *adminTokenFile, *seed)
	if err != nil {
		return err
	}

	var rdb *redis.Client
	if *redisURL != "" {
		rdb, err = cache.NewClient(*redisURL)
		if err != nil {
			return fmt.Errorf("--redis: %w", err)
		}
		defer rdb.Close()
		pingCtx, cancel := context.WithTimeout(ctx, time.Second)
		if err := rdb.Ping(pingCtx).Err(); err != nil {
			logger.Warn("redis does not answer yet: serving from the store until it does", "error", err)
		}
		cancel()
	}

	var draining atomic.Bool
	limits := resolvers.DefaultLimits
	limits.MaxMembershipItems = *maxMembers
	h, err := api.New(ctx, api.Options{
		Store:             s,
		Logger:            logger,
		GraphiQL:          *graphiql || *seed,
		GraphiQLHeaders:   graphiqlHeaders,
		Admins:            admins,
		OpenIntrospection: *seed,
		Loaders:           loaders.Options{NoBatch: *naive},
		InFlight:          api.InFlight{Max: *maxInFlight, Queue: *maxQueued},
		Limits:            limits,
		Customers:         verifier,
		RequestTimeout:    *reqTimeout,
		Draining:          draining.Load,
		Redis:             redisClient(rdb),
		Cache:             cache.Options{TTL: *cacheTTL, Prefix: *cachePrefix},
		CORSOrigins:       splitList(*corsOrigins),
		RateLimits:        rates,
	})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      *reqTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *pprofAddr != "" {
		stop, err := servePprof(logger, *pprofAddr)
		if err != nil {
			return fmt.Errorf("--pprof-addr: %w", err)
		}
		defer stop()
	}
	logger.Info("segql serving", "addr", "http://"+ln.Addr().String(), "graphql", "http://"+ln.Addr().String()+"/graphql", "store", storeCfg.storeName())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Readiness turns 503 first so a load balancer stops sending, then
	// in-flight requests finish.
	draining.Store(true)
	if *shutdownDelay > 0 {
		logger.Info("shutting down: readiness is 503, still serving", "for", shutdownDelay.String())
		select {
		case <-time.After(*shutdownDelay):
		case err := <-errc:
			return err
		}
	}
	logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *reqTimeout+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// redisClient keeps a nil client a nil interface, so api.New sees no Redis.
func redisClient(c *redis.Client) redis.UniversalClient {
	if c == nil {
		return nil
	}
	return c
}

func seedDemo(ctx context.Context, logger *slog.Logger, s store.Store) error {
	empty, err := demo.Empty(ctx, s)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !empty {
		logger.Info("demo: the store holds data already; not seeding")
		return nil
	}
	stats, err := demo.Seed(ctx, s)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	logger.Info("demo: seeded", "stats", fmt.Sprintf("%+v", stats))
	return nil
}

// customerVerifier builds the customer-token verifier. In demo mode with
// no secret, a random one is made and a sample token printed, so the
// storefront side can be tried at once.
func customerVerifier(logger *slog.Logger, secret, storeHash string, demoMode bool) (*auth.Verifier, error) {
	if secret == "" && !demoMode {
		logger.Info("no SEGQL_JWT_SECRET: customer tokens are refused, storefront requests are guests")
		return nil, nil
	}
	if secret == "" {
		secret = rand.Text()
	}
	v := auth.NewVerifier([]byte(secret))
	v.StoreHash = storeHash
	if demoMode {
		customerID := demo.Generate(time.Now()).SampleCustomerID()
		token, err := v.Mint(customerID, nil, auth.MaxTokenLifetime)
		if err != nil {
			return nil, err
		}
		logger.Info("demo: a customer token for the viewer query (send as Authorization: Bearer ...)",
			"customer_id", customerID, "token", token)
	}
	return v, nil
}

// adminTokenSet reads the admin tokens from the flag and the file. In demo
// mode it adds a development write token, prints it, and puts it in
// GraphiQL's headers so the explorer can walk the whole graph.
func adminTokenSet(logger *slog.Logger, spec, file string, demoMode bool) (*auth.AdminTokens, map[string]string, error) {
	admins := auth.NewAdminTokens()
	if err := admins.AddSpec(spec); err != nil {
		return nil, nil, fmt.Errorf("--admin-tokens: %w", err)
	}
	if file != "" {
		if err := admins.AddFile(file); err != nil {
			return nil, nil, err
		}
	}
	var headers map[string]string
	if demoMode {
		token, err := auth.NewAdminToken()
		if err != nil {
			return nil, nil, err
		}
		if err := admins.Add(auth.ScopeWrite, token); err != nil {
			return nil, nil, err
		}
		headers = map[string]string{"Authorization": "Bearer " + token}
		logger.Info("demo: a development admin token with the write scope (send as Authorization: Bearer ... or X-Auth-Token; GraphiQL has it already)",
			"token", token)
	}
	if admins.Len() == 0 {
		logger.Info("no admin tokens (SEGQL_ADMIN_TOKENS, SEGQL_ADMIN_TOKEN_FILE): only storefront reads are served")
	}
	return admins, headers, nil
}

func runImport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	storeCfg := storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("give one directory: segql import [--store PATH] DIR")
	}
	s, err := openStore(ctx, storeCfg)
	if err != nil {
		return fmt.Errorf("open store %s: %w", storeCfg.storeName(), err)
	}
	defer s.Close()
	stats, err := importer.Run(ctx, s, fs.Arg(0), os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "imported %s into %s\n", stats, storeCfg.storeName())
	return nil
}

func migrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	storeCfg := storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := openStore(ctx, storeCfg)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", storeCfg.storeName(), err)
	}
	fmt.Fprintf(os.Stdout, "store %s is at the current schema\n", storeCfg.storeName())
	return s.Close()
}
