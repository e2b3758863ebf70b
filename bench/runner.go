package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// bench runs the benchmark and fills the report.
type bench struct {
	o     *options
	root  string
	bin   string
	tmp   string
	flags map[string]bool // segql serve's flags
	logf  func(string, ...any)
	rep   *report
}

// checkServeFlags notes which optional serve flags this segql has.
func (b *bench) checkServeFlags() {
	known := map[string]bool{}
	for _, f := range rateLimitOffArgs {
		known[f[0]] = true
		if !b.flags[f[0]] {
			b.logf("bench: segql serve has no --%s (yet): not passed", f[0])
		}
	}
	for name := range b.flags {
		if strings.Contains(name, "rate") && !known[name] {
			b.note("segql serve has a flag --%s that the benchmark does not set: if it is a rate limit, add it to rateLimitOffArgs in bench/segql.go", name)
		}
	}
	if !b.flags[flagNaiveLoaders] && slices.Contains(b.o.workloads, wlAdminNaive) {
		b.note("segql serve has no --%s yet: %s is skipped", flagNaiveLoaders, wlAdminNaive)
	}
	if b.o.cpuprofile != "" && !b.flags[flagPprofAddr] {
		b.note("segql serve has no --%s yet: no CPU profiles taken (-cpuprofile)", flagPprofAddr)
	}
}

func (b *bench) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.logf("bench: note: %s", msg)
	b.rep.Notes = append(b.rep.Notes, msg)
}

// storeSetup is a configuration's store, made ready for one run.
type storeSetup struct {
	spec        string // --store
	redisPrefix string // "" without Redis
	schema      string // PostgreSQL schema, "" on SQLite
	pgApp       string // application_name of segql's PostgreSQL connections
}

func (b *bench) runScale(ctx context.Context, s Scale) error {
	sr := &scaleReport{Scale: s}
	b.rep.Scales = append(b.rep.Scales, sr)
	data, err := ensureData(filepath.Join(b.o.dataDir, s.Name), s, b.logf)
	if err != nil {
		return err
	}
	for _, cfg := range b.o.configs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := b.runConfig(ctx, sr, data, cfg); err != nil {
			msg := fmt.Sprintf("%s on %s: %v", s.Name, cfg, err)
			sr.Notes = append(sr.Notes, msg)
			b.logf("bench: FAILED %s", msg)
		}
	}
	return nil
}

// prepareStore makes an empty store of the configuration.
func (b *bench) prepareStore(ctx context.Context, s Scale, cfg string) (storeSetup, error) {
	switch cfg {
	case cfgSQLite:
		path := filepath.Join(b.o.dataDir, "store-"+s.Name+".db")
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
				return storeSetup{}, err
			}
		}
		return storeSetup{spec: path}, nil
	case cfgPostgres, cfgPostgresRedis:
		schema := "segql_bench_" + s.Name
		app := "segql_bench"
		spec, err := pgSchemaURL(b.o.pgURL, schema, app)
		if err != nil {
			return storeSetup{}, err
		}
		if err := resetSchema(ctx, b.o.pgURL, schema, true); err != nil {
			return storeSetup{}, err
		}
		st := storeSetup{spec: spec, schema: schema, pgApp: app}
		if cfg == cfgPostgresRedis {
			st.redisPrefix = fmt.Sprintf("segql_bench_%s_%s", s.Name, strings.ToLower(randomText()[:10]))
			if _, err := deleteRedisPrefix(ctx, b.o.redisURL, st.redisPrefix); err != nil {
				return storeSetup{}, fmt.Errorf("redis: %w", err)
			}
		}
		return st, nil
	}
	return storeSetup{}, fmt.Errorf("unknown configuration %q", cfg)
}

// cleanup removes what a configuration's run left in the shared servers.
func (b *bench) cleanup(st storeSetup) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if st.redisPrefix != "" {
		n, err := deleteRedisPrefix(ctx, b.o.redisURL, st.redisPrefix)
		if err != nil {
			b.logf("bench: deleting Redis keys %s*: %v", st.redisPrefix, err)
		} else {
			b.logf("bench: deleted %d Redis keys %s*", n, st.redisPrefix)
		}
	}
	if st.schema != "" {
		if err := resetSchema(ctx, b.o.pgURL, st.schema, false); err != nil {
			b.logf("bench: dropping schema %s: %v", st.schema, err)
		}
	}
}

// secrets are one configuration's tokens.
type secrets struct {
	jwtSecret  string
	adminToken string
}

func (b *bench) runConfig(ctx context.Context, sr *scaleReport, data *Dataset, cfg string) error {
	s := data.Scale
	b.logf("bench: === %s scale, %s ===", s.Name, cfg)
	st, err := b.prepareStore(ctx, s, cfg)
	if err != nil {
		return err
	}
	defer b.cleanup(st)

	b.logf("bench: importing %s into %s", data.Dir, cfg)
	imp, err := runImport(ctx, b.bin, st.spec, data.Dir)
	row := importRow{Config: cfg, Result: imp}
	if err != nil {
		row.Err = err.Error()
		sr.Imports = append(sr.Imports, row)
		return err
	}
	sr.Imports = append(sr.Imports, row)
	b.logf("bench: imported in %s (peak RSS %d MB): %s", imp.Wall.Round(time.Millisecond), imp.PeakRSS>>20, imp.Output)

	sec := secrets{jwtSecret: randomText() + randomText(), adminToken: "bench" + randomText()}
	fx := &fixture{data: data, adminToken: sec.adminToken}

	for _, wl := range b.o.workloads {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Fresh tokens for each workload: segql takes none valid for more
		// than an hour.
		start := time.Now()
		if fx.viewers, err = mintViewers(sec.jwtSecret, data, b.o.tokens); err != nil {
			return err
		}
		sr.Tokens, sr.MintTime = len(fx.viewers.tokens), time.Since(start)
		b.logf("bench: minted %d customer tokens in %s", sr.Tokens, sr.MintTime.Round(time.Millisecond))
		// Trips before load: write-mix's load phase changes memberships at
		// random, and the trips phase's writes need the data as imported.
		if slices.Contains(b.o.phases, phaseTrips) {
			sr.Trips = append(sr.Trips, b.runTrips(ctx, st, sec, fx, cfg, wl))
		}
		if !slices.Contains(b.o.phases, phaseLoad) {
			continue
		}
		rr := &runReport{Workload: wl, Config: cfg, LoadAvg: loadAvg(), Commit: b.rep.Commit}
		sr.Runs = append(sr.Runs, rr)
		if wl == wlAdminNaive && !b.flags[flagNaiveLoaders] {
			rr.Skipped = "segql serve has no --" + flagNaiveLoaders
			continue
		}
		if err := b.runWorkload(ctx, rr, st, sec, fx, cfg, wl); err != nil {
			rr.Err = err.Error()
			b.logf("bench: %s on %s failed: %v", wl, cfg, err)
		}
		if wl == wlAdminNested && cfg == cfgPostgres && b.o.peer {
			pr := &runReport{Workload: wlAdminNested, Config: cfgPostGraphile, LoadAvg: loadAvg(), Commit: b.rep.Commit}
			sr.Runs = append(sr.Runs, pr)
			if err := b.runPeer(ctx, pr, st, sec, fx); err != nil {
				pr.Err = err.Error()
				b.logf("bench: PostGraphile failed: %v", err)
			}
		}
	}
	return nil
}

// serverArgs are the serve arguments of a configuration and workload.
func (b *bench) serverArgs(st storeSetup, wl string) (args []string, pprofAddr string, err error) {
	args = []string{"--store", st.spec}
	if st.redisPrefix != "" {
		args = append(args, "--redis", b.o.redisURL, "--cache-prefix", st.redisPrefix)
	}
	for _, f := range rateLimitOffArgs {
		if b.flags[f[0]] {
			args = append(args, "--"+f[0], f[1])
		}
	}
	if wl == wlAdminNaive {
		args = append(args, "--"+flagNaiveLoaders)
	}
	if b.o.cpuprofile != "" && b.flags[flagPprofAddr] {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, "", err
		}
		args = append(args, "--"+flagPprofAddr, pprofAddr)
	}
	return append(args, b.o.serveArgs...), pprofAddr, nil
}

// runWorkload starts a fresh segql for one workload and measures it.
func (b *bench) runWorkload(ctx context.Context, rr *runReport, st storeSetup, sec secrets, fx *fixture, cfg, wl string) error {
	args, pprofAddr, err := b.serverArgs(st, wl)
	if err != nil {
		return err
	}
	env := segqlEnv("SEGQL_ADMIN_TOKENS=write:"+sec.adminToken, "SEGQL_JWT_SECRET="+sec.jwtSecret)
	logPath := filepath.Join(b.o.dataDir, fmt.Sprintf("segql-%s-%s-%s.log", fx.data.Scale.Name, safeName(cfg), wl))
	srv, err := startServer(ctx, b.bin, env, args, logPath)
	if err != nil {
		return err
	}
	defer srv.stop()
	b.logf("bench: --- %s on %s: segql pid %d at %s (args %s)", wl, cfg, srv.pid(), srv.addr, strings.Join(args, " "))
	procs := &procSet{fixed: []int{srv.pid()}}
	if st.pgApp != "" {
		pg, err := newPGProcs(ctx, b.o.pgURL, st.pgApp)
		if err != nil {
			return err
		}
		defer pg.close()
		procs.sources = append(procs.sources, pg.pids)
	}
	if st.redisPrefix != "" {
		procs.sources = append(procs.sources, redisPIDs)
	}
	tgt := target{url: srv.addr + "/graphql"}
	w := newWorkload(wl, fx)

	var profile func(name string) func()
	if pprofAddr != "" {
		profile = func(name string) func() {
			path := filepath.Join(b.o.cpuprofile, name)
			rr.Profile = path
			return func() { b.fetchProfile(ctx, pprofAddr, b.o.refDur, path) }
		}
	}
	profileName := fmt.Sprintf("%s-%s-%s.pprof", fx.data.Scale.Name, safeName(cfg), wl)
	err = b.measure(ctx, rr, tgt, procs, w, st.redisPrefix != "", profile, profileName)
	if rss, ok := peakRSS(srv.pid()); ok {
		rr.PeakRSS = rss
	}
	return err
}

// measure primes, warms up, measures at the reference rates and searches
// the throughput of a workload against a target.
func (b *bench) measure(ctx context.Context, rr *runReport, tgt target, procs *procSet, w workload, withRedis bool, profile func(string) func(), profileName string) error {
	a := &attacker{target: tgt, procs: procs, logf: b.logf, timeout: 10 * time.Second}
	// Priming warms a cache for every key; without Redis the warm-up
	// does what there is to do.
	if w.prime != nil && withRedis {
		reqs := w.prime()
		if b.o.primeLimit > 0 && len(reqs) > b.o.primeLimit {
			reqs = reqs[:b.o.primeLimit]
		}
		start := time.Now()
		if err := sendAll(ctx, tgt, reqs, 4); err != nil {
			return fmt.Errorf("priming: %w", err)
		}
		b.logf("  primed with %d requests in %s", len(reqs), time.Since(start).Round(time.Millisecond))
	}
	refRate := b.o.refRate
	if w.name == wlAdminNested || w.name == wlAdminNaive {
		refRate = b.o.nestedRefRate
	}
	warm := a.attack(ctx, w.next, refRate, b.o.warmup, nil)
	b.logf("  warm-up: %s", warm)
	a.logFailures(warm)
	if warm.OK == 0 {
		return fmt.Errorf("no good answer during the warm-up: %v", warm.Failures)
	}
	a.settle(ctx, b.o.pause)
	reference := func(rate int, onStart func()) {
		r := a.attack(ctx, w.next, rate, b.o.refDur, onStart)
		b.logf("  reference: %s", r)
		a.logFailures(r)
		rr.Ref = append(rr.Ref, r)
		a.settle(ctx, b.o.pause)
	}
	var onStart func()
	if profile != nil {
		onStart = profile(profileName)
	}
	reference(refRate, onStart)
	rates := b.o.rates
	if w.name == wlAdminNested || w.name == wlAdminNaive {
		rates = b.o.nestedRates
	}
	rr.Search = a.searchThroughput(ctx, w.next, rates, b.o.step, b.o.bisect, b.o.p99Bound, b.o.pause)
	b.logf("  throughput at p99 < %s: %d req/s%s", b.o.p99Bound, rr.Search.Throughput, map[bool]string{true: " (the highest rate tried)"}[rr.Search.AtCeiling])
	// The high reference rate last: when it overloads segql, what that
	// leaves behind (a grown heap) does not weigh on the search.
	if w.name == wlStorefront && b.o.highRefRate > 0 && withRedis {
		reference(b.o.highRefRate, nil)
	}
	return ctx.Err()
}

// fetchProfile saves a CPU profile of dur from segql's pprof listener.
func (b *bench) fetchProfile(ctx context.Context, addr string, dur time.Duration, path string) {
	secs := max(1, int(dur.Seconds()))
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		b.logf("  profile: %v", err)
		return
	}
	resp, err := (&http.Client{Timeout: dur + 30*time.Second}).Do(req)
	if err != nil {
		b.logf("  profile: %v", err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.logf("  profile: %s answered %s", url, resp.Status)
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.logf("  profile: %v", err)
		return
	}
	f, err := os.Create(path)
	if err != nil {
		b.logf("  profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		b.logf("  profile: %v", err)
		return
	}
	b.logf("  profile: saved %s", path)
}

// runPeer measures PostGraphile on the admin-nested workload, after
// checking that it answers what segql answers.
func (b *bench) runPeer(ctx context.Context, rr *runReport, st storeSetup, sec secrets, fx *fixture) error {
	b.logf("bench: --- %s on %s", wlAdminNested, cfgPostGraphile)
	const peerApp = "postgraphile_bench"
	peerURL, err := withParam(b.o.pgURL, "application_name", peerApp)
	if err != nil {
		return err
	}
	peer, err := StartPostGraphile(ctx, PeerOptions{PostgresURL: peerURL, DataDir: fx.data.Dir, Logf: b.logf})
	if err != nil {
		return err
	}
	defer func() {
		if err := peer.Stop(); err != nil {
			b.logf("bench: stopping PostGraphile: %v", err)
		}
	}()

	// The same data from both, for several segments, before measuring:
	// segql serves the same store the admin-nested run used.
	args, _, err := b.serverArgs(st, wlAdminNested)
	if err != nil {
		return err
	}
	env := segqlEnv("SEGQL_ADMIN_TOKENS=write:"+sec.adminToken, "SEGQL_JWT_SECRET="+sec.jwtSecret)
	srv, err := startServer(ctx, b.bin, env, args, filepath.Join(b.o.dataDir, fmt.Sprintf("segql-%s-peercheck.log", fx.data.Scale.Name)))
	if err != nil {
		return err
	}
	segments := fx.data.SegmentIDs
	check := []string{segments[0], segments[len(segments)/3], segments[len(segments)/2], segments[len(segments)-1], "00000000-0000-4000-8000-000000000000"}
	err = PeerCheck(ctx, srv.addr+"/graphql", sec.adminToken, peer, check)
	srv.stop()
	if err != nil {
		return fmt.Errorf("PostGraphile and segql disagree, nothing measured: %w", err)
	}
	b.logf("  PostGraphile and segql answer the same for %d segments", len(check))

	pg, err := newPGProcs(ctx, b.o.pgURL, peerApp)
	if err != nil {
		return err
	}
	defer pg.close()
	procs := &procSet{sources: []func() []int{peer.PIDs, pg.pids}}
	tgt := target{url: peer.URL, headers: peer.Headers}
	next := func() request {
		return request{body: gqlBody(peer.Query, map[string]any{"uuid": segments[rand.IntN(len(segments))]})}
	}
	err = b.measure(ctx, rr, tgt, procs, workload{name: wlAdminNested, next: next}, false, nil, "")
	if pg.seen == 0 {
		b.note("no PostgreSQL backend of PostGraphile had application_name %s: its CPU per request leaves out its backends", peerApp)
	}
	var rss int64
	for _, pid := range peer.PIDs() {
		if r, ok := peakRSS(pid); ok {
			rss += r
		}
	}
	rr.PeakRSS = rss
	return err
}

// safeName makes a configuration name fit a file name.
func safeName(s string) string { return strings.ReplaceAll(s, "+", "-") }
