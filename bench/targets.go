package main

import (
	"bytes"
	"fmt"
	"slices"
	"time"
)

// targetTable writes the rows of the targets table.
type targetTable struct{ b *bytes.Buffer }

func (t targetTable) row(name, issue, measured string, met *bool) {
	verdict := "—"
	if met != nil {
		verdict = map[bool]string{true: "**met**", false: "**not met**"}[*met]
	}
	fmt.Fprintf(t.b, "| %s | %s | %s | %s |\n", name, issue, measured, verdict)
}

func ptr(v bool) *bool { return &v }

// writeTargets writes issue 12's targets, then issue 6's that still
// apply, each measured in this run.
func writeTargets(b *bytes.Buffer, rep *report) {
	t := targetTable{b}
	fmt.Fprintf(b, "| target | issue | measured | |\n|---|---|---|---|\n")
	bound := rep.Options.P99Bound
	for _, s := range rep.Scales {
		name := s.Scale.Name
		measured, met := tripsTarget(s)
		t.row(fmt.Sprintf("%s: store and Redis round trips per level constant for every workload and configuration at GOMAXPROCS %s (%s exempt)", name, joinInts(targetProcs), wlAdminNaive), "12", measured, met)
		viewers := "a different signed-in shopper on each request"
		switch {
		case s.Tokens == 0:
			viewers = "viewers as that run chose them (before issue 12: at random)"
		case s.Tokens < s.Scale.Customers:
			viewers = fmt.Sprintf("viewers cycling through %d customers", s.Tokens)
		}
		floorRows := 0
		for _, cfg := range allConfigs {
			if s.lookup(wlStorefront, cfg) == nil && s.lookup(wlFloor, cfg) == nil {
				continue
			}
			label := fmt.Sprintf("%s: storefront on %s ≥ ½ the floor throughput, %s", name, cfg, viewers)
			if cfg == cfgPostgresRedis {
				label = fmt.Sprintf("%s: storefront with warm Redis ≥ ½ the floor throughput, %s", name, viewers)
			}
			ratioRow(t, s, bound, label, "6, 12", [2]string{wlStorefront, cfg}, [2]string{wlFloor, cfg}, 0.5)
			floorRows++
		}
		if floorRows == 0 {
			t.row(fmt.Sprintf("%s: storefront ≥ ½ the floor throughput, a different signed-in shopper on each request", name), "6, 12", "not measured", nil)
		}
		ratioRow(t, s, bound, fmt.Sprintf("%s: admin-nested on PostgreSQL ≥ 2× PostGraphile's throughput", name), "6, 12",
			[2]string{wlAdminNested, cfgPostgres}, [2]string{wlAdminNested, cfgPostGraphile}, 2)
		if r := s.lookup(wlStorefront, cfgPostgresRedis); r != nil && len(r.Ref) > 1 {
			hr := r.Ref[1]
			t.row(fmt.Sprintf("%s: storefront with warm Redis, p99 ≤ 10 ms at %d req/s", name, hr.Rate), "6, 12",
				fmt.Sprintf("p99 %s ms (p50 %s ms, %.2f%% good)", fmtMS(hr.P99), fmtMS(hr.P50), 100*hr.okShare()),
				ptr(hr.P99 <= 10*time.Millisecond && hr.okShare() >= 0.999))
		} else {
			t.row(fmt.Sprintf("%s: storefront with warm Redis, p99 ≤ 10 ms at 1000 req/s", name), "6, 12", "not measured", nil)
		}
		peakRSSRow(t, s)
		ratioRow(t, s, bound, fmt.Sprintf("%s: admin-nested on PostgreSQL ≥ 10× the naive N+1 throughput", name), "6",
			[2]string{wlAdminNested, cfgPostgres}, [2]string{wlAdminNaive, cfgPostgres}, 10)
	}
	if !slices.ContainsFunc(rep.Scales, func(s *scaleReport) bool { return s.Scale.Name == scaleLarge.Name }) {
		t.row("large: peak RSS of segql under the large data set and load ≤ 150 MB", "6, 12", "needs the large scale", nil)
	}
	growthRows(t, rep)
}

// peakRSSRow is the highest peak RSS of segql on a scale: on the large
// data set, issue 6's bound of 150 MB.
func peakRSSRow(t targetTable, s *scaleReport) {
	var peak int64
	var where string
	for _, r := range s.Runs {
		if r.Config != cfgPostGraphile && r.PeakRSS > peak {
			peak, where = r.PeakRSS, r.Workload+" on "+r.Config
		}
	}
	measured := "not measured"
	if peak > 0 {
		measured = fmt.Sprintf("%.0f MB (%s)", float64(peak)/(1<<20), where)
	}
	if s.Scale.Name != scaleLarge.Name {
		t.row(fmt.Sprintf("%s: peak RSS of segql under load (bounded on the large data set)", s.Scale.Name), "12", measured, nil)
		return
	}
	var met *bool
	if peak > 0 {
		met = ptr(peak <= 150<<20)
	}
	t.row("large: peak RSS of segql under the large data set and load ≤ 150 MB", "6, 12", measured, met)
}

// growthRows are issue 6's admin-nested p50 growth from the small to the
// large data set.
func growthRows(t targetTable, rep *report) {
	var small, large *scaleReport
	for _, s := range rep.Scales {
		switch s.Scale.Name {
		case scaleSmall.Name:
			small = s
		case scaleLarge.Name:
			large = s
		}
	}
	for _, cfg := range allConfigs {
		label := fmt.Sprintf("admin-nested p50 grows < 20%% from small to large (%s)", cfg)
		if small == nil || large == nil {
			if cfg == cfgPostgres {
				t.row(label, "6", "needs both scales in one run (`-scale both`)", nil)
			}
			continue
		}
		a, c := small.lookup(wlAdminNested, cfg), large.lookup(wlAdminNested, cfg)
		if a == nil || c == nil || !a.measured() || !c.measured() {
			t.row(label, "6", "not measured", nil)
			continue
		}
		g := float64(c.Ref[0].P50)/float64(a.Ref[0].P50) - 1
		t.row(label, "6", fmt.Sprintf("p50 %s → %s ms at %d req/s: **%+.0f%%**", fmtMS(a.Ref[0].P50), fmtMS(c.Ref[0].P50), a.Ref[0].Rate, 100*g), ptr(g < 0.2))
	}
}

// ratioRow compares the throughputs of two runs of a scale against want;
// CPU per request at the reference rate is shown beside them, the ratio of
// capacity the machine would give each when the latency bound is out of
// reach.
func ratioRow(t targetTable, s *scaleReport, bound time.Duration, label, issue string, num, den [2]string, want float64) {
	thr := func(wl, cfg string) (v float64, lower bool, text string, ok bool) {
		r := s.lookup(wl, cfg)
		if r == nil || !r.measured() || len(r.Search.Steps) == 0 {
			return 0, false, "", false
		}
		n, lower := r.throughput(bound)
		return float64(n), lower, r.throughputText(bound), true
	}
	n, nLower, nt, ok1 := thr(num[0], num[1])
	d, dLower, dt, ok2 := thr(den[0], den[1])
	if !ok1 || !ok2 {
		t.row(label, issue, "not measured", nil)
		return
	}
	cpu := ""
	if a, b := s.lookup(num[0], num[1]).Ref[0], s.lookup(den[0], den[1]).Ref[0]; a.cpuPerRequestMS() > 0 && b.cpuPerRequestMS() > 0 {
		cpu = fmt.Sprintf("; by CPU per request (%.2f vs %.2f ms): %s×", a.cpuPerRequestMS(), b.cpuPerRequestMS(), fmtRatio(b.cpuPerRequestMS()/a.cpuPerRequestMS()))
	}
	switch {
	case n == 0 && d == 0:
		t.row(label, issue, fmt.Sprintf("%s vs %s req/s: neither passed a step%s", nt, dt, cpu), nil)
	case n == 0:
		// The first failed even its lowest rate: the ratio is below that
		// rate over the second's throughput.
		ceil := float64(minFailed(s.lookup(num[0], num[1]).Search.Steps)) / d
		var met *bool // a lower bound on the second only lowers the ratio
		if ceil < want {
			met = ptr(false)
		}
		t.row(label, issue, fmt.Sprintf("%s vs %s req/s: **< %s×**%s", nt, dt, fmtRatio(ceil), cpu), met)
	case d == 0:
		// The second failed even its lowest rate: the ratio is above the
		// first's throughput over that rate.
		floor := float64(minFailed(s.lookup(den[0], den[1]).Search.Steps))
		var met *bool
		if n/floor >= want {
			met = ptr(true)
		}
		t.row(label, issue, fmt.Sprintf("%s vs %s req/s: **> %s×**%s", nt, dt, fmtRatio(n/floor), cpu), met)
	default:
		// A lower bound on the first makes the ratio a lower bound; on the
		// second, an upper bound.
		ratio := n / d
		var met *bool
		prefix := ""
		switch {
		case !nLower && !dLower:
			met = ptr(ratio >= want)
		case nLower && !dLower:
			prefix = "≥ "
			if ratio >= want {
				met = ptr(true)
			}
		case !nLower && dLower:
			prefix = "≤ "
			if ratio < want {
				met = ptr(false)
			}
		default:
			prefix = "~ "
		}
		t.row(label, issue, fmt.Sprintf("%s / %s req/s = **%s%s×**%s", nt, dt, prefix, fmtRatio(ratio), cpu), met)
	}
}
