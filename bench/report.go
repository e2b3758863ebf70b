package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// report is everything one run measured.
type report struct {
	Started, Finished time.Time
	Machine           []string
	Command           string
	Commit            string // segql's commit, as gitCommit says
	Options           reportOptions
	LogPath           string
	Settings          []string
	Notes             []string
	Scales            []*scaleReport
}

// reportOptions are the settings the report's text needs.
type reportOptions struct {
	RefRate, NestedRefRate, HighRefRate int
	P99Bound                            time.Duration
	CPUProfile                          string
	TripsRequests                       int
	TripsRate, TripsRateNested          int
}

type scaleReport struct {
	Scale    Scale
	Imports  []importRow
	Runs     []*runReport
	Trips    []*tripsReport
	Tokens   int           // customer tokens the storefront workloads cycle through
	MintTime time.Duration // minting them took (the last configuration's)
	Notes    []string
}

type importRow struct {
	Config string
	Result importResult
	Err    string
}

// runReport is one (workload, configuration).
type runReport struct {
	Workload, Config string
	Ref              []stepResult // at the reference rate, then (storefront) the high one
	Search           searchResult
	PeakRSS          int64 // the server's VmHWM at the end, bytes
	Profile          string
	LoadAvg          float64 // the machine's 1-minute load average as the run started
	Commit           string  // segql's commit when it ran
	Skipped          string
	Err              string
}

func (r *runReport) measured() bool { return r.Skipped == "" && len(r.Ref) > 0 }

// throughput is the highest rate that passed: the search's, or a
// reference attack's when that one passed at a higher rate (a low rate's
// search step, with few answers, can fail on one slow answer; the
// reference attack has more). lower says the real figure may be higher:
// the highest rate tried passed, or only the reference attack vouches for
// the figure.
func (r *runReport) throughput(bound time.Duration) (v int, lower bool) {
	v, lower = r.Search.Throughput, r.Search.AtCeiling
	for _, ref := range r.Ref {
		if ref.passes(bound) && ref.Rate > v {
			v, lower = ref.Rate, true
		}
	}
	return v, lower
}

// throughputText is the throughput at p99 below the bound: "≥" for a lower
// bound, "<" when nothing passed.
func (r *runReport) throughputText(bound time.Duration) string {
	if !r.measured() || len(r.Search.Steps) == 0 {
		return "—"
	}
	v, lower := r.throughput(bound)
	switch {
	case v == 0:
		return fmt.Sprintf("< %d", minFailed(r.Search.Steps))
	case lower:
		return fmt.Sprintf("≥ %d", v)
	}
	return fmt.Sprint(v)
}

func minFailed(steps []stepResult) int {
	m := math.MaxInt
	for _, s := range steps {
		m = min(m, s.Rate)
	}
	return m
}

// describeMachine says where the benchmark ran.
func describeMachine(ctx context.Context, root string, o *options) []string {
	lines := []string{
		fmt.Sprintf("CPUs (nproc): %d", runtime.NumCPU()),
		"CPU: " + cpuModel(),
		"memory: " + memTotal(),
		"kernel: " + strings.TrimSpace(commandOutput(ctx, "", "uname", "-sr")),
		"Go: " + runtime.Version(),
		"git commit: " + gitCommit(ctx, root) + " (rows from other runs name theirs)",
	}
	if usesPostgres(o.configs) {
		lines = append(lines, "PostgreSQL: "+postgresVersion(ctx, o.pgURL))
	}
	if containsConfig(o.configs, cfgPostgresRedis) {
		lines = append(lines, "Redis: "+redisVersion(ctx, o.redisURL))
	}
	return lines
}

func usesPostgres(configs []string) bool {
	return containsConfig(configs, cfgPostgres) || containsConfig(configs, cfgPostgresRedis)
}

func containsConfig(configs []string, c string) bool {
	for _, x := range configs {
		if x == c {
			return true
		}
	}
	return false
}

func commandOutput(ctx context.Context, dir, name string, args ...string) string {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return string(out)
}

func gitCommit(ctx context.Context, root string) string {
	head := strings.TrimSpace(commandOutput(ctx, root, "git", "rev-parse", "HEAD"))
	if status := strings.TrimSpace(commandOutput(ctx, root, "git", "status", "--porcelain", "--untracked-files=no")); status != "" && status != "unknown" {
		head += " (with uncommitted changes in the working tree)"
	}
	return head
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(rest), &kb)
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

func describeOptions(o *options) reportOptions {
	return reportOptions{RefRate: o.refRate, NestedRefRate: o.nestedRefRate, HighRefRate: o.highRefRate, P99Bound: o.p99Bound, CPUProfile: o.cpuprofile,
		TripsRequests: o.tripsRequests, TripsRate: o.tripsRate, TripsRateNested: o.tripsRateNested}
}

func describeSettings(o *options) []string {
	viewers := "one customer token per customer of the data set"
	if o.tokens > 0 {
		viewers = fmt.Sprintf("customer tokens for %d customers (at most)", o.tokens)
	}
	var lines []string
	if slices.Contains(o.phases, phaseTrips) {
		lines = append(lines, fmt.Sprintf("trips phase first for each workload: a fresh segql process for each GOMAXPROCS (%s), each warmed up with the sequence's distinct reads and then counting the store and Redis round trips of %d fixed requests at %d req/s (admin-nested: %d req/s); see Trips per level", joinInts(o.tripsProcs), o.tripsRequests, o.tripsRate, o.tripsRateNested))
	}
	if !slices.Contains(o.phases, phaseLoad) {
		return append(lines, "no load phase (-phases "+strings.Join(o.phases, ",")+")")
	}
	return append(lines,
		fmt.Sprintf("warm-up %s at %d req/s after a priming pass (every customer token or segment once%s)", o.warmup, o.refRate, map[bool]string{true: fmt.Sprintf(", at most %d", o.primeLimit)}[o.primeLimit > 0]),
		fmt.Sprintf("reference attacks of %s at a fixed rate, %d req/s (admin-nested, naive or not, and PostGraphile: %d req/s; storefront on postgres+redis also %d req/s): p50, p99 and CPU per request come from them", o.refDur, o.refRate, o.nestedRefRate, o.highRefRate),
		"after every attack the benchmark waits until the measured processes are idle again, so a backlog does not spill into the next one",
		fmt.Sprintf("throughput search: constant-rate steps of %s at %v req/s (admin-nested: %v) until one fails (a step lasts long enough for at least 100 requests, up to 30 s; a failing step is run once more and fails only if it fails twice), then %d bisection steps; a step passes when p99 < %s, ≥ 99.9%% of answers are 200 with data and no errors (GraphQL errors or userErrors), and vegeta sent ≥ 95%% of the rate", o.step, o.rates, o.nestedRates, o.bisect, o.p99Bound),
		fmt.Sprintf("viewers of storefront and write-mix: %s, in a fixed shuffled order; requests take them one after the other, round and round, so each request has a different signed-in shopper until every one has had a turn (no per-viewer answer cache can carry the workload), and the priming pass with Redis covers every one; a fresh segql process per (workload, configuration); rate limits off", viewers),
		"CPU per request: Δ(utime+stime) over the reference attack, from /proc/<pid>/stat, of the segql process, plus on PostgreSQL its backends (found by application_name) and PostgreSQL's own processes (postmaster, WAL writer, checkpointer, ...), plus `redis-server` with Redis (shared with other users of that server); for PostGraphile its node process(es), its backends and PostgreSQL's own processes; divided by the requests",
		"peak RSS: VmHWM of the segql process (PostGraphile: its node process) at the end of its workload",
	)
}

// joinInts is "1, 2 and 8".
func joinInts(ns []int) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprint(n))
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// lookup finds a run of a scale.
func (s *scaleReport) lookup(workload, config string) *runReport {
	for _, r := range s.Runs {
		if r.Workload == workload && r.Config == config {
			return r
		}
	}
	return nil
}

// saveResults writes the report's data as JSON, which -rerender reads.
func saveResults(rep *report, path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// loadResults reads saved results and merges them: the runs and imports
// of later files are added to the first's, and replace those of the same
// scale, workload and configuration.
func loadResults(paths []string) (*report, error) {
	var merged *report
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var r report
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if merged == nil {
			merged = &r
			continue
		}
		merged.Command += "; " + r.Command
		merged.Notes = append(merged.Notes, r.Notes...)
		for _, line := range r.Settings {
			if !slices.Contains(merged.Settings, line) {
				merged.Settings = append(merged.Settings, "in `"+r.Command+"`: "+line)
			}
		}
		if r.Finished.After(merged.Finished) {
			merged.Finished = r.Finished
		}
		for _, s := range r.Scales {
			i := slices.IndexFunc(merged.Scales, func(x *scaleReport) bool { return x.Scale.Name == s.Scale.Name })
			if i < 0 {
				merged.Scales = append(merged.Scales, s)
				continue
			}
			mergeScale(merged.Scales[i], s)
		}
	}
	if merged == nil {
		return nil, errors.New("no results to render")
	}
	slices.SortStableFunc(merged.Scales, func(a, b *scaleReport) int { return a.Scale.Customers - b.Scale.Customers })
	return merged, nil
}

// mergeScale puts the runs and imports of b into a, replacing a's of the
// same workload and configuration, in the order the benchmark runs them.
func mergeScale(a, b *scaleReport) {
	for _, run := range b.Runs {
		a.Runs = slices.DeleteFunc(a.Runs, func(x *runReport) bool { return x.Workload == run.Workload && x.Config == run.Config })
		a.Runs = append(a.Runs, run)
	}
	for _, im := range b.Imports {
		a.Imports = slices.DeleteFunc(a.Imports, func(x importRow) bool { return x.Config == im.Config })
		a.Imports = append(a.Imports, im)
	}
	for _, t := range b.Trips {
		a.Trips = slices.DeleteFunc(a.Trips, func(x *tripsReport) bool { return x.Workload == t.Workload && x.Config == t.Config })
		a.Trips = append(a.Trips, t)
	}
	if b.Tokens > 0 {
		a.Tokens, a.MintTime = b.Tokens, b.MintTime
	}
	a.Notes = append(a.Notes, b.Notes...)
	order := func(cfg, wl string) int {
		c := slices.Index(append(slices.Clone(allConfigs), cfgPostGraphile), cfg)
		if cfg == cfgPostGraphile {
			c = slices.Index(allConfigs, cfgPostgres)
		}
		return c*100 + slices.Index(allWorkloads, wl)*2 + map[bool]int{true: 1}[cfg == cfgPostGraphile]
	}
	slices.SortStableFunc(a.Runs, func(x, y *runReport) int { return order(x.Config, x.Workload) - order(y.Config, y.Workload) })
	slices.SortStableFunc(a.Trips, func(x, y *tripsReport) int { return order(x.Config, x.Workload) - order(y.Config, y.Workload) })
	slices.SortStableFunc(a.Imports, func(x, y importRow) int {
		return slices.Index(allConfigs, x.Config) - slices.Index(allConfigs, y.Config)
	})
}

func writeReport(rep *report, out, chart string) error {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# segql load benchmark\n\n")
	p("Generated by `%s` (bench/, issues 6 and 12), %s to %s.\n\n", rep.Command, rep.Started.UTC().Format("2006-01-02 15:04 MST"), rep.Finished.UTC().Format("15:04 MST"))
	p("Reproduce: `go run ./bench` from the repository root (both scales; `-scale small` for the small one; `-quick` for a smoke run). PostgreSQL and Redis as in `-pg` and `-redis`; the PostGraphile peer installs itself with npm (`-peer=false` to leave it out). The full log of this run, with every step, was %s.\n\n", "`"+relPath(rep.LogPath)+"`")
	p("## Machine\n\n")
	for _, m := range rep.Machine {
		p("- %s\n", m)
	}
	p("\nThe load generator (vegeta, in the benchmark process) runs on the same machine and shares its CPUs with segql, PostgreSQL and Redis; the machine is shared with other work, so figures vary from run to run: each row's notes give the machine's 1-minute load average when it started (above %d, the number of CPUs, other work competed for them).\n\n", runtime.NumCPU())
	p("## Method\n\n")
	for _, s := range rep.Settings {
		p("- %s\n", s)
	}
	p("\n")
	if len(rep.Notes) > 0 {
		p("## Notes\n\n")
		for _, n := range rep.Notes {
			p("- %s\n", n)
		}
		p("\n")
	}
	for _, s := range rep.Scales {
		writeScale(&b, rep, s)
	}
	writeTrips(&b, rep)
	p("## Targets\n\n")
	writeTargets(&b, rep)
	// The record of profile-driven fixes is written by hand beside the
	// report; the report carries it so both are read together.
	if fixes, err := os.ReadFile(filepath.Join(filepath.Dir(out), "FIXES.md")); err == nil {
		p("\n%s", fixes)
	}
	p("\n## Chart\n\n![throughput at p99 < 50 ms and p99 at the reference rate per workload and configuration](%s)\n\n", filepath.Base(chart))
	p("## Profiles\n\n")
	if rep.Options.CPUProfile != "" {
		p("CPU profiles of segql, each taken during its run's reference attack (`go tool pprof -top FILE`; the files stay in %s, not in git). The heaviest functions of each by their own time:\n\n", "`"+relPath(rep.Options.CPUProfile)+"`")
		for _, s := range rep.Scales {
			for _, r := range s.Runs {
				if r.Profile == "" {
					continue
				}
				p("<details><summary>%s on %s (%s): <code>%s</code></summary>\n\n```\n%s```\n\n</details>\n\n", r.Workload, r.Config, s.Scale.Name, relPath(r.Profile), profileTop(r.Profile))
			}
		}
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return err
	}
	return writeChart(rep, chart)
}

// profileTop is pprof's table of a profile's heaviest functions, from its
// Duration line on.
func profileTop(path string) string {
	if _, err := os.Stat(path); err != nil {
		return "(the profile is not on this machine)\n"
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=15", path).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(go tool pprof: %v)\n", err)
	}
	text := string(out)
	if i := strings.Index(text, "Duration:"); i >= 0 {
		text = text[i:]
	}
	return text
}

// relPath is path relative to the working directory when it is inside it.
func relPath(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if r, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

func fmtMS(d time.Duration) string {
	return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond))
}

func writeScale(b *bytes.Buffer, rep *report, s *scaleReport) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	sc := s.Scale
	p("## %s data set\n\n", strings.ToUpper(sc.Name[:1])+sc.Name[1:])
	p("%d customers and shopper profiles, %d memberships, %d segments, %d promotions.\n\n", sc.Customers, sc.Memberships, sc.Segments, sc.Promotions)
	if s.Tokens > 0 {
		p("Viewers of storefront and write-mix: %d customer tokens (%s), minted anew for each workload (valid for an hour, as long as segql allows) in %s, taken one after the other in a fixed shuffled order.\n\n",
			s.Tokens, map[bool]string{true: "one per customer", false: "the first customers of the shuffled order"}[s.Tokens == sc.Customers], s.MintTime.Round(time.Millisecond))
	}
	for _, n := range s.Notes {
		p("- %s\n", n)
	}
	if len(s.Notes) > 0 {
		p("\n")
	}
	if len(s.Imports) > 0 {
		p("**Import** (`segql import --store … DIR`, wall clock):\n\n| configuration | time | peak RSS | |\n|---|---:|---:|---|\n")
		for _, im := range s.Imports {
			status := im.Result.Output
			if im.Err != "" {
				status = "failed: " + firstLine(im.Err)
			}
			p("| %s | %.1f s | %d MB | %s |\n", im.Config, im.Result.Wall.Seconds(), im.Result.PeakRSS>>20, strings.ReplaceAll(status, "\n", " "))
		}
		p("\n")
	}
	if len(s.Runs) == 0 {
		return
	}
	p("| workload | configuration | reference rate (req/s) | p50 (ms) | p99 (ms) | CPU per request (ms) | throughput at p99 < %s (req/s) | peak RSS (MB) | notes |\n", rep.Options.P99Bound)
	p("|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range s.Runs {
		if r.Skipped != "" {
			p("| %s | %s | | | | | | | skipped: %s |\n", r.Workload, r.Config, r.Skipped)
			continue
		}
		if !r.measured() {
			p("| %s | %s | | | | | | | failed: %s |\n", r.Workload, r.Config, firstLine(r.Err))
			continue
		}
		r0 := r.Ref[0]
		var notes []string
		if r0.okShare() < 0.999 {
			notes = append(notes, fmt.Sprintf("only %.2f%% good answers at the reference rate: overloaded", 100*r0.okShare()))
		}
		for _, hr := range r.Ref[1:] {
			notes = append(notes, fmt.Sprintf("at %d/s: p50 %s ms, p99 %s ms, %.2f%% good, %.3f ms CPU/req", hr.Rate, fmtMS(hr.P50), fmtMS(hr.P99), 100*hr.okShare(), hr.cpuPerRequestMS()))
		}
		if r.Err != "" {
			notes = append(notes, "error: "+firstLine(r.Err))
		}
		if r.Commit != "" && r.Commit != rep.Commit {
			notes = append(notes, "segql at "+r.Commit)
		}
		if r.LoadAvg > 0 {
			notes = append(notes, fmt.Sprintf("load average %.1f at the start", r.LoadAvg))
		}
		rss := "—"
		if r.PeakRSS > 0 {
			rss = fmt.Sprintf("%.0f", float64(r.PeakRSS)/(1<<20))
		}
		p("| %s | %s | %d | %s | %s | %.2f | %s | %s | %s |\n", r.Workload, r.Config, r0.Rate, fmtMS(r0.P50), fmtMS(r0.P99), r0.cpuPerRequestMS(), r.throughputText(rep.Options.P99Bound), rss, strings.Join(notes, "; "))
	}
	p("\n")
}

// fmtRatio writes a ratio with two significant digits below 10.
func fmtRatio(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.2g", r)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.ReplaceAll(line, "|", "\\|")
}

// ---- the chart ----

// clampedLog is a log scale that draws values below floor at floor, so
// bars (which start at 0) can stand on it.
type clampedLog struct{ floor float64 }

func (c clampedLog) Normalize(lo, hi, x float64) float64 {
	lo, x = math.Max(lo, c.floor), math.Max(x, c.floor)
	hi = math.Max(hi, lo*1.0001)
	return (math.Log(x) - math.Log(lo)) / (math.Log(hi) - math.Log(lo))
}

var chartColors = map[string]color.Color{
	cfgSQLite:        color.RGBA{R: 0x4c, G: 0x72, B: 0xb0, A: 0xff},
	cfgPostgres:      color.RGBA{R: 0xdd, G: 0x84, B: 0x52, A: 0xff},
	cfgPostgresRedis: color.RGBA{R: 0x55, G: 0xa8, B: 0x68, A: 0xff},
	cfgPostGraphile:  color.RGBA{R: 0x81, G: 0x72, B: 0xb3, A: 0xff},
}

// chartPanel is one bar chart of a scale: a value per (workload, config).
func chartPanel(s *scaleReport, title, ylabel string, value func(*runReport) float64, logFloor float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	var workloads []string
	for _, wl := range allWorkloads {
		for _, r := range s.Runs {
			if r.Workload == wl && r.measured() {
				workloads = append(workloads, wl)
				break
			}
		}
	}
	configs := append(append([]string{}, allConfigs...), cfgPostGraphile)
	var present []string
	for _, cfg := range configs {
		for _, r := range s.Runs {
			if r.Config == cfg && r.measured() {
				present = append(present, cfg)
				break
			}
		}
	}
	if len(workloads) == 0 || len(present) == 0 {
		return p, nil
	}
	w := vg.Points(14)
	maxV := logFloor
	for i, cfg := range present {
		vals := make(plotter.Values, len(workloads))
		for j, wl := range workloads {
			if r := s.lookup(wl, cfg); r != nil && r.measured() {
				vals[j] = value(r)
				maxV = math.Max(maxV, vals[j])
			}
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, err
		}
		bars.Color = chartColors[cfg]
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(float64(i)-float64(len(present)-1)/2)
		p.Add(bars)
		p.Legend.Add(cfg, bars)
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.NominalX(workloads...)
	p.X.Min, p.X.Max = -0.5, float64(len(workloads))-0.5
	p.Y.Scale = clampedLog{floor: logFloor}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	// Headroom above the tallest bar for the legend.
	p.Y.Min, p.Y.Max = logFloor, math.Pow(10, math.Ceil(math.Log10(maxV*8)))
	p.Add(plotter.NewGrid())
	return p, nil
}

func writeChart(rep *report, path string) error {
	var rows [][]*plot.Plot
	for _, s := range rep.Scales {
		thr, err := chartPanel(s, fmt.Sprintf("%s: throughput at p99 < %s", s.Scale.Name, rep.Options.P99Bound), "req/s (log)",
			func(r *runReport) float64 { v, _ := r.throughput(rep.Options.P99Bound); return float64(v) }, 1)
		if err != nil {
			return err
		}
		lat, err := chartPanel(s, fmt.Sprintf("%s: p99 at the reference rate (%d req/s; admin-nested %d)", s.Scale.Name, rep.Options.RefRate, rep.Options.NestedRefRate), "ms (log)",
			func(r *runReport) float64 { return float64(r.Ref[0].P99) / float64(time.Millisecond) }, 0.1)
		if err != nil {
			return err
		}
		rows = append(rows, []*plot.Plot{thr, lat})
	}
	if len(rows) == 0 {
		return nil
	}
	width, height := 30*vg.Centimeter, vg.Length(len(rows))*11*vg.Centimeter
	img := vgimg.New(width, height)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(rows), Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(rows, tiles, dc)
	for i := range rows {
		for j := range rows[i] {
			rows[i][j].Draw(canvases[i][j])
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
