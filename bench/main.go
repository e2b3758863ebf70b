// Command bench is segql's load benchmark (issues 6 and 12): it generates
// a deterministic data set at two scales, builds segql, imports the data
// into SQLite, PostgreSQL and PostgreSQL with Redis, serves it as a real
// process, counts each workload's store and Redis round trips per level at
// GOMAXPROCS 1, 2 and 8, attacks it at constant rates with vegeta, and
// writes bench/REPORT.md and bench/report.png.
//
//	go run ./bench                       # everything: both scales (long)
//	go run ./bench -scale small          # the small data set only
//	go run ./bench -quick -scale small   # a smoke run of a few minutes
//	go run ./bench -phases trips         # round trips per level only
//
// Run it from the repository root (it builds segql from there).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Configurations: where the data lives.
const (
	cfgSQLite        = "sqlite"
	cfgPostgres      = "postgres"
	cfgPostgresRedis = "postgres+redis"
	cfgPostGraphile  = "postgraphile"
)

var allConfigs = []string{cfgSQLite, cfgPostgres, cfgPostgresRedis}

// Phases: what is measured of each workload.
const (
	phaseTrips = "trips" // round trips per level at each GOMAXPROCS (trips.go)
	phaseLoad  = "load"  // latency, CPU and throughput under constant rates
)

var allPhases = []string{phaseTrips, phaseLoad}

// options are the command's flags.
type options struct {
	scales        []Scale
	configs       []string
	workloads     []string
	phases        []string
	step          time.Duration
	warmup        time.Duration
	refDur        time.Duration
	refRate       int
	nestedRefRate int
	highRefRate   int
	rates         []int
	nestedRates   []int
	bisect        int
	p99Bound      time.Duration
	tokens        int
	out           string
	chart         string
	dataDir       string
	pgURL         string
	redisURL      string
	peer          bool
	cpuprofile    string
	quick         bool
	rerender      []string
	primeLimit    int // requests of the priming pass at most; 0: all
	pause         time.Duration
	args          []string
	serveArgs     []string // extra arguments of every segql serve
	// The trips phase.
	tripsProcs      []int // GOMAXPROCS of its segql processes
	tripsRequests   int
	tripsRate       int
	tripsRateNested int
}

func parseFlags(root string) (*options, error) {
	o := &options{}
	scale := flag.String("scale", "both", "data set: small, large or both")
	configs := flag.String("configs", strings.Join(allConfigs, ","), "configurations, comma-separated: "+strings.Join(allConfigs, ", "))
	workloads := flag.String("workloads", strings.Join(allWorkloads, ","), "workloads, comma-separated: "+strings.Join(allWorkloads, ", "))
	phases := flag.String("phases", strings.Join(allPhases, ","), "what to measure of each workload, comma-separated: trips (round trips per level at each -trips-gomaxprocs), load (latency and throughput)")
	tripsProcs := flag.String("trips-gomaxprocs", "1,2,8", "GOMAXPROCS of the trips phase's segql processes, one process each")
	flag.IntVar(&o.tripsRequests, "trips-requests", 200, "requests of each trips run (write-mix: rounded up to whole cycles of 40)")
	flag.IntVar(&o.tripsRate, "trips-rate", 400, "rate (req/s) of the trips runs, so that requests overlap")
	flag.IntVar(&o.tripsRateNested, "trips-rate-nested", 40, "rate (req/s) of the trips runs of the admin-nested workloads")
	flag.DurationVar(&o.step, "step", 5*time.Second, "duration of each constant-rate step of the throughput search")
	flag.DurationVar(&o.warmup, "warmup", 5*time.Second, "warm-up before the measurements of each workload")
	flag.DurationVar(&o.refDur, "ref-duration", 10*time.Second, "duration of each attack at a reference rate")
	flag.IntVar(&o.refRate, "ref-rate", 100, "reference rate (req/s) for p50, p99 and CPU per request")
	flag.IntVar(&o.nestedRefRate, "ref-rate-nested", 10, "reference rate (req/s) of the admin-nested workloads, each request some 50 times the work of a storefront one")
	flag.IntVar(&o.highRefRate, "ref-rate-high", 1000, "second reference rate of storefront on postgres+redis (issue 6: p99 at 1000 req/s with warm Redis); 0: none")
	rates := flag.String("rates", "25,50,100,200,400,800,1600,3200,6400,12800", "rates (req/s) the throughput search steps through until one fails")
	nestedRates := flag.String("rates-nested", "5,10,20,40,80,160,320,640", "rates (req/s) of the throughput search of the admin-nested workloads")
	flag.IntVar(&o.bisect, "bisect", 3, "bisection steps between the last passing and the first failing rate")
	flag.DurationVar(&o.p99Bound, "p99", 50*time.Millisecond, "a step passes when its p99 is below this (and ≥ 99.9% of answers are good)")
	flag.IntVar(&o.tokens, "tokens", 0, "customer tokens minted for the storefront workloads, which cycle through them (0: one per customer of the data set)")
	flag.StringVar(&o.out, "out", filepath.Join(root, "bench", "REPORT.md"), "report file")
	flag.StringVar(&o.chart, "chart", "", "chart file (PNG); default report.png beside -out")
	flag.StringVar(&o.dataDir, "data", filepath.Join(root, "bench", ".data"), "where data sets, stores and logs go (data sets in <data>/<scale>/)")
	flag.StringVar(&o.pgURL, "pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL server (each scale gets its own schema segql_bench_<scale>)")
	flag.StringVar(&o.redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis server for postgres+redis (keys under a prefix of the run's own, deleted before and after)")
	flag.BoolVar(&o.peer, "peer", true, "measure PostGraphile on the admin-nested workload too (needs postgres among -configs and npm)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "directory to save a CPU profile of segql per (workload, configuration), taken during the reference-rate attack (needs segql serve --pprof-addr)")
	serveArgs := flag.String("serve-args", "", "extra arguments of every segql serve, space-separated (e.g. \"--batch-wait 2ms\"), to compare settings")
	rerender := flag.String("rerender", "", "write the report and chart from saved results (comma-separated JSON files, e.g. a small and a large run's results.json) instead of running")
	flag.BoolVar(&o.quick, "quick", false, "smoke run: 1 s steps, 1 s warm-up, rates up to 400 req/s, one bisection step")
	flag.Parse()
	if flag.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", flag.Args())
	}
	o.args = os.Args[1:]
	o.serveArgs = strings.Fields(*serveArgs)
	if *rerender != "" {
		o.rerender = strings.Split(*rerender, ",")
	}
	switch *scale {
	case "small":
		o.scales = []Scale{scaleSmall}
	case "large":
		o.scales = []Scale{scaleLarge}
	case "both":
		o.scales = []Scale{scaleSmall, scaleLarge}
	default:
		return nil, fmt.Errorf("-scale %q: want small, large or both", *scale)
	}
	var err error
	if o.configs, err = pickList("-configs", *configs, allConfigs); err != nil {
		return nil, err
	}
	if o.workloads, err = pickList("-workloads", *workloads, allWorkloads); err != nil {
		return nil, err
	}
	if o.phases, err = pickList("-phases", *phases, allPhases); err != nil {
		return nil, err
	}
	if o.tripsProcs, err = parseRates("-trips-gomaxprocs", *tripsProcs); err != nil {
		return nil, err
	}
	if o.tripsRequests <= 0 || o.tripsRate <= 0 || o.tripsRateNested <= 0 {
		return nil, fmt.Errorf("-trips-requests, -trips-rate and -trips-rate-nested must be positive")
	}
	if o.rates, err = parseRates("-rates", *rates); err != nil {
		return nil, err
	}
	if o.nestedRates, err = parseRates("-rates-nested", *nestedRates); err != nil {
		return nil, err
	}
	o.pause = 2 * time.Second
	if o.quick {
		o.step, o.warmup, o.refDur, o.bisect, o.pause = time.Second, time.Second, 2*time.Second, 1, 500*time.Millisecond
		o.rates = slices.DeleteFunc(o.rates, func(r int) bool { return r > 400 })
		o.nestedRates = slices.DeleteFunc(o.nestedRates, func(r int) bool { return r > 400 })
		o.primeLimit = 100
	}
	if o.chart == "" {
		o.chart = filepath.Join(filepath.Dir(o.out), "report.png")
	}
	return o, nil
}

// parseRates reads a comma-separated list of rates.
func parseRates(flagName, value string) ([]int, error) {
	var rates []int
	for _, r := range strings.Split(value, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(r), &n); err != nil || n <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive number", flagName, r)
		}
		rates = append(rates, n)
	}
	return rates, nil
}

// pickList checks a comma-separated choice against the known names and
// keeps the known order.
func pickList(flagName, value string, known []string) ([]string, error) {
	want := map[string]bool{}
	for _, v := range strings.Split(value, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if !slices.Contains(known, v) {
			return nil, fmt.Errorf("%s: unknown %q (known: %s)", flagName, v, strings.Join(known, ", "))
		}
		want[v] = true
	}
	var out []string
	for _, k := range known {
		if want[k] {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: nothing chosen", flagName)
	}
	return out, nil
}

// moduleRoot is the directory of the segql module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the benchmark inside the segql module")
	}
	return filepath.Dir(gomod), nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	o, err := parseFlags(root)
	if err != nil {
		return err
	}
	if len(o.rerender) > 0 {
		rep, err := loadResults(o.rerender)
		if err != nil {
			return err
		}
		// The merged results go beside the report, so it can be made again.
		results, err := writeOutputs(rep, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s, %s and %s from %s\n", o.out, o.chart, results, strings.Join(o.rerender, ", "))
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := os.MkdirAll(o.dataDir, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(o.dataDir, "bench.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	logger := log.New(io.MultiWriter(os.Stderr, logFile), "", log.Ltime)
	logf := func(format string, args ...any) { logger.Printf(format, args...) }
	logf("bench: log in %s", logPath)

	tmp, err := os.MkdirTemp("", "segql-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	logf("bench: building segql")
	bin, err := buildSegql(ctx, root, tmp)
	if err != nil {
		return err
	}
	flags, err := serveFlags(ctx, bin)
	if err != nil {
		return err
	}

	rep := &report{
		Started:  time.Now(),
		Machine:  describeMachine(ctx, root, o),
		Command:  "go run ./bench " + strings.Join(o.args, " "),
		Commit:   gitCommit(ctx, root),
		Options:  describeOptions(o),
		LogPath:  logPath,
		Settings: describeSettings(o),
	}
	b := &bench{o: o, root: root, bin: bin, tmp: tmp, flags: flags, logf: logf, rep: rep}
	b.checkServeFlags()
	for _, s := range o.scales {
		if ctx.Err() != nil {
			break
		}
		if err := b.runScale(ctx, s); err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s scale stopped: %v", s.Name, err))
			logf("bench: %s scale stopped: %v", s.Name, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	rep.Finished = time.Now()
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	results, err := writeOutputs(rep, o)
	if err != nil {
		return err
	}
	logf("bench: wrote %s, %s and %s", o.out, o.chart, results)
	return ctx.Err()
}

// writeOutputs saves the results beside the report and writes the report
// and its chart; it returns the results file's path.
func writeOutputs(rep *report, o *options) (string, error) {
	results := filepath.Join(filepath.Dir(o.out), "results.json")
	if err := saveResults(rep, results); err != nil {
		return "", err
	}
	return results, writeReport(rep, o.out, o.chart)
}
