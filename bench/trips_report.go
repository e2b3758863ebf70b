package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// lookupTrips finds the trips phase of a (workload, configuration).
func (s *scaleReport) lookupTrips(workload, config string) *tripsReport {
	for _, t := range s.Trips {
		if t.Workload == workload && t.Config == config {
			return t
		}
	}
	return nil
}

// writeTrips writes the "Trips per level" section: per scale, a row per
// level of each (workload, configuration) with its round trips per request
// at each GOMAXPROCS and its verdict.
func writeTrips(b *bytes.Buffer, rep *report) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	found := false
	for _, s := range rep.Scales {
		found = found || len(s.Trips) > 0
	}
	if !found {
		return
	}
	o := rep.Options
	p("## Trips per level\n\n")
	p("Store round trips per request by store operation (each a level of the query: `segql_store_queries_total{operation}`) and Redis round trips per request by call (`segql_cache_duration_seconds_count{operation}`), from segql's `/metrics` before and after a fixed sequence of %d requests (write-mix: %d reads, %d membership adds and %d removals of pairs that are not members, so the data ends as it started) sent at a constant %d req/s (admin-nested and admin-nested-naive: %d req/s) by vegeta, so that requests overlap. Each GOMAXPROCS is its own `segql serve` process with `GOMAXPROCS` in its environment (checked against its `/metrics`), and answers the same sequence. **The counts are after warm-up**: each process first answers every distinct read of the sequence once, four at a time, which also fills the Redis cache for them. A level is **constant** when the same sequence costs the same round trips at every GOMAXPROCS; a (workload, configuration) is constant when all its levels are. A constant level that is no whole number per request (write-mix: per %d requests, one repetition of its pattern) costs more on some requests than on others because their data differs (an empty page needs no round trip below it); one that differs with GOMAXPROCS depends on the scheduling. admin-nested-naive is expected to vary with the page. A figure marked † comes from a run in which some requests failed.\n\n",
		o.TripsRequests, o.TripsRequests*(writeMixCycle-2)/writeMixCycle, o.TripsRequests/writeMixCycle, o.TripsRequests/writeMixCycle,
		o.TripsRate, o.TripsRateNested, writeMixCycle)
	for _, s := range rep.Scales {
		if len(s.Trips) > 0 {
			writeScaleTrips(b, s)
		}
	}
}

func writeScaleTrips(b *bytes.Buffer, s *scaleReport) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	var procs []int
	for _, t := range s.Trips {
		for _, r := range t.Runs {
			if !slices.Contains(procs, r.GOMAXPROCS) {
				procs = append(procs, r.GOMAXPROCS)
			}
		}
	}
	p("### %s data set\n\n", strings.ToUpper(s.Scale.Name[:1])+s.Scale.Name[1:])
	p("| workload | configuration | level |")
	for _, n := range procs {
		p(" GOMAXPROCS=%d |", n)
	}
	p(" verdict |\n|---|---|---|%s---|\n", strings.Repeat("---:|", len(procs)))
	for _, t := range s.Trips {
		writeTripsGroup(b, t, procs)
	}
	p("\n")
}

// writeTripsGroup writes the rows of one (workload, configuration).
func writeTripsGroup(b *bytes.Buffer, t *tripsReport, procs []int) {
	first := true
	row := func(level string, cells []string, verdict string) {
		wl, cfg := "", ""
		if first {
			wl, cfg, first = t.Workload, t.Config, false
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", wl, cfg, level, strings.Join(cells, " | "), verdict)
	}
	j := judgeTrips(t)
	if j.Verdict == verdictNotMeasured {
		row(verdictNotMeasured, make([]string, len(procs)), firstLine(j.Why))
		return
	}
	// The run of each column, and each column's cell for a figure.
	runAt := make([]*tripsRun, len(procs))
	idx := make([]int, len(procs))
	for c, n := range procs {
		idx[c] = -1
		for i := range t.Runs {
			if t.Runs[i].GOMAXPROCS == n {
				runAt[c], idx[c] = &t.Runs[i], i
			}
		}
	}
	cells := func(cell func(r *tripsRun, i int) string) []string {
		out := make([]string, len(procs))
		for c, r := range runAt {
			if r == nil {
				continue
			}
			out[c] = cell(r, idx[c])
			if r.failed() > 0 && out[c] != "" {
				out[c] += " †"
			}
		}
		return out
	}
	var storeTotal, redisTotal = make([]int64, len(t.Runs)), make([]int64, len(t.Runs))
	hasRedis := false
	for _, l := range j.Levels {
		verdict := l.Verdict
		if l.Why != "" {
			verdict += ": " + l.Why
		}
		row(levelLabel(l), cells(func(r *tripsRun, i int) string { return perRequest(l.Counts[i], r.Requests) }), verdict)
		for i, c := range l.Counts {
			if l.Redis {
				redisTotal[i] += c
				hasRedis = true
			} else {
				storeTotal[i] += c
			}
		}
	}
	row("all store round trips", cells(func(r *tripsRun, i int) string { return perRequest(storeTotal[i], r.Requests) }), "")
	if hasRedis || t.Config == cfgPostgresRedis {
		row("all Redis calls", cells(func(r *tripsRun, i int) string { return perRequest(redisTotal[i], r.Requests) }), "")
		row("Redis keys looked up: hits / misses (errors included)", cells(func(r *tripsRun, _ int) string {
			return perRequest(r.Counts.CacheKeys["hit"], r.Requests) + " / " + perRequest(r.Counts.CacheKeys["miss"]+r.Counts.CacheKeys["error"], r.Requests)
		}), "")
	}
	verdict := "**" + j.Verdict + "**"
	if j.Failed {
		verdict += " †"
	}
	row("requests (failed) · most in flight · p99", cells(func(r *tripsRun, _ int) string {
		return fmt.Sprintf("%d (%d) · %d · %s ms", r.Requests, r.failed(), r.MaxInFlight, fmtMS(r.P99))
	}), verdict)
}
