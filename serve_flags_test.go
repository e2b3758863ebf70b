package main

import (
	"bufio"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// storeQueries reads segql_store_queries_total (all operations) from a
// process's /metrics.
func storeQueries(t *testing.T, p *process) float64 {
	t.Helper()
	res, err := http.Get(p.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "segql_store_queries_total{") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		total += v
	}
	return total
}

// --naive-loaders makes every key its own store call: the same nested
// query costs more round trips than with batching.
func TestServeNaiveLoaders(t *testing.T) {
	bin := buildSegql(t)
	const nested = `{ segments(first: 5) { nodes { shopperProfiles(first: 10) { nodes { customer { email } segments(first: 3) { nodes { name } } } } } } }`
	trips := map[bool]float64{}
	for _, naive := range []bool{false, true} {
		args := []string{"--store", filepath.Join(t.TempDir(), "demo.db"), "--demo"}
		if naive {
			args = append(args, "--naive-loaders")
		}
		p := startServe(t, bin, args...)
		before := storeQueries(t, p)
		want := p.graphql(t, "", nested)
		trips[naive] = storeQueries(t, p) - before
		if len(want["segments"].(map[string]any)["nodes"].([]any)) != 5 {
			t.Fatalf("nested answer: %v", want)
		}
	}
	t.Logf("store round trips: batched %.0f, naive %.0f", trips[false], trips[true])
	if trips[true] <= 2*trips[false] {
		t.Errorf("naive loaders made %.0f round trips, batched %.0f: want far more", trips[true], trips[false])
	}
}

func TestServePprofAndShutdownDelay(t *testing.T) {
	bin := buildSegql(t)
	p := startServe(t, bin, "--store", filepath.Join(t.TempDir(), "segql.db"),
		"--pprof-addr", "127.0.0.1:0", "--shutdown-delay", "1m")
	pprofAddr, _ := p.logged(t, "pprof serving")["addr"].(string)
	for _, c := range []struct {
		url  string
		want int
	}{
		{pprofAddr, http.StatusOK},                      // the profiles, on their own listener
		{p.addr + "/debug/pprof/", http.StatusNotFound}, // never beside the API
	} {
		res, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("GET %s = %d, want %d", c.url, res.StatusCode, c.want)
		}
	}

	// SIGTERM with a shutdown delay: readiness turns 503 while queries are
	// still answered, so a load balancer can stop sending first.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "shutting down: readiness is 503, still serving")
	res, err := http.Get(p.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz during the shutdown delay: %d, want 503", res.StatusCode)
	}
	if data := p.graphql(t, "", `{ __typename }`); data["__typename"] != "Query" {
		t.Errorf("query during the shutdown delay: %v", data)
	}
}
