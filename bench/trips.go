package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// The trips phase (issue 12): for each workload and configuration, a fresh
// segql per GOMAXPROCS answers the same fixed requests, overlapping at a
// constant rate, and its /metrics says how many store and Redis round
// trips they cost.

// tripsReport is the trips phase of one (workload, configuration).
type tripsReport struct {
	Workload, Config string
	Cycle            int // requests of one repetition of the sequence's pattern
	Runs             []tripsRun
	LoadAvg          float64 // the machine's 1-minute load average as it started
	Commit           string  // segql's commit when it ran
	Skipped          string
	Err              string
}

// tripsRun is one segql process of the trips phase.
type tripsRun struct {
	GOMAXPROCS  int // in segql's environment
	Rate        int // requests per second
	Requests    int // sent
	OK          int // 200 with data, no errors
	Failures    []string
	MaxInFlight int // most requests in flight at once
	P50, P99    time.Duration
	Counts      counts // what segql's counters grew by over the requests
	Err         string
}

func (r tripsRun) failed() int { return r.Requests - r.OK }

func (r tripsRun) String() string {
	if r.Err != "" {
		return "failed: " + r.Err
	}
	return fmt.Sprintf("%d requests at %d/s, %d failed, at most %d in flight, p50 %s p99 %s; store %v, Redis %v, cache keys %v",
		r.Requests, r.Rate, r.failed(), r.MaxInFlight, ms(r.P50), ms(r.P99), r.Counts.Store, r.Counts.Redis, r.Counts.CacheKeys)
}

// tripsRate is the rate of a workload's trips runs.
func (b *bench) tripsRate(wl string) int {
	if wl == wlAdminNested || wl == wlAdminNaive {
		return b.o.tripsRateNested
	}
	return b.o.tripsRate
}

// runTrips counts the round trips of one workload on one configuration
// at each GOMAXPROCS of -trips-gomaxprocs.
func (b *bench) runTrips(ctx context.Context, st storeSetup, sec secrets, fx *fixture, cfg, wl string) *tripsReport {
	tr := &tripsReport{Workload: wl, Config: cfg, LoadAvg: loadAvg(), Commit: b.rep.Commit}
	if wl == wlAdminNaive && !b.flags[flagNaiveLoaders] {
		tr.Skipped = "segql serve has no --" + flagNaiveLoaders
		return tr
	}
	seq, err := newTripsSequence(wl, fx, b.o.tripsRequests)
	if err != nil {
		tr.Err = err.Error()
		return tr
	}
	tr.Cycle = seq.cycle
	rate := b.tripsRate(wl)
	b.logf("bench: --- trips of %s on %s: %d requests at %d req/s after %d warm-up requests, GOMAXPROCS %v",
		wl, cfg, len(seq.reqs), rate, len(seq.warm), b.o.tripsProcs)
	for _, procs := range b.o.tripsProcs {
		if ctx.Err() != nil {
			break
		}
		run := b.tripsRun(ctx, st, sec, fx, cfg, wl, seq, procs, rate)
		b.logf("  GOMAXPROCS=%d: %s", procs, run)
		tr.Runs = append(tr.Runs, run)
	}
	j := judgeTrips(tr)
	b.logf("  trips per level: %s %s", j.Verdict, j.Why)
	return tr
}

// tripsRun starts segql with GOMAXPROCS=procs, warms it up with the
// sequence's reads and counts the round trips of its requests.
func (b *bench) tripsRun(ctx context.Context, st storeSetup, sec secrets, fx *fixture, cfg, wl string, seq tripsSequence, procs, rate int) tripsRun {
	run := tripsRun{GOMAXPROCS: procs, Rate: rate}
	fail := func(err error) tripsRun {
		run.Err = err.Error()
		return run
	}
	args, _, err := b.serverArgs(st, wl)
	if err != nil {
		return fail(err)
	}
	env := setEnv(segqlEnv("SEGQL_ADMIN_TOKENS=write:"+sec.adminToken, "SEGQL_JWT_SECRET="+sec.jwtSecret), "GOMAXPROCS", strconv.Itoa(procs))
	logPath := filepath.Join(b.o.dataDir, fmt.Sprintf("segql-%s-%s-%s-trips-p%d.log", fx.data.Scale.Name, safeName(cfg), wl, procs))
	srv, err := startServer(ctx, b.bin, env, args, logPath)
	if err != nil {
		return fail(err)
	}
	defer srv.stop()
	tgt := target{url: srv.addr + "/graphql"}
	if err := sendAll(ctx, tgt, seq.warm, 4); err != nil {
		return fail(fmt.Errorf("warm-up: %w", err))
	}
	before, err := fetchMetrics(ctx, srv.addr)
	if err != nil {
		return fail(err)
	}
	if before.GoMaxProcs != procs {
		return fail(fmt.Errorf("segql's /metrics says GOMAXPROCS %d, not %d", before.GoMaxProcs, procs))
	}
	a := &attacker{target: tgt, procs: &procSet{fixed: []int{srv.pid()}}, logf: b.logf, timeout: 10 * time.Second}
	r := a.attackCount(ctx, cycle(seq.reqs), rate, len(seq.reqs))
	a.logFailures(r)
	after, err := fetchMetrics(ctx, srv.addr)
	if err != nil {
		return fail(err)
	}
	run.Requests, run.OK, run.Failures = r.Requests, r.OK, r.Failures
	run.MaxInFlight, run.P50, run.P99 = r.MaxInFlight, r.P50, r.P99
	run.Counts = after.since(before)
	if r.Requests != len(seq.reqs) {
		return fail(fmt.Errorf("%d of %d requests sent", r.Requests, len(seq.reqs)))
	}
	return run
}
