package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The metrics of segql's /metrics the trips phase reads.
const (
	metricStoreQueries = "segql_store_queries_total"    // counter by operation: store round trips
	metricCacheCalls   = "segql_cache_duration_seconds" // histogram by operation: its count is Redis round trips
	metricCacheKeys    = "segql_cache_requests_total"   // counter by family and result: keys looked up
	metricGoMaxProcs   = "go_sched_gomaxprocs_threads"  // gauge: the process's GOMAXPROCS
)

// counts are the trips-phase counters of one segql at one moment, or the
// difference between two moments.
type counts struct {
	Store      map[string]int64 // store round trips by operation
	Redis      map[string]int64 // Redis round trips by operation
	CacheKeys  map[string]int64 // Redis keys looked up by result (hit, miss, error)
	GoMaxProcs int              // 0: not in /metrics
}

// parseMetrics reads the counters the trips phase needs from a
// Prometheus text exposition.
func parseMetrics(r io.Reader) (counts, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return counts{}, fmt.Errorf("parsing /metrics: %w", err)
	}
	c := counts{Store: map[string]int64{}, Redis: map[string]int64{}, CacheKeys: map[string]int64{}}
	for _, m := range families[metricStoreQueries].GetMetric() {
		c.Store[label(m, "operation")] += whole(m.GetCounter().GetValue())
	}
	for _, m := range families[metricCacheCalls].GetMetric() {
		c.Redis[label(m, "operation")] += int64(m.GetHistogram().GetSampleCount())
	}
	for _, m := range families[metricCacheKeys].GetMetric() {
		c.CacheKeys[label(m, "result")] += whole(m.GetCounter().GetValue())
	}
	if g := families[metricGoMaxProcs].GetMetric(); len(g) == 1 {
		c.GoMaxProcs = int(whole(g[0].GetGauge().GetValue()))
	}
	return c, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// whole is a counter's value as the count it is.
func whole(v float64) int64 { return int64(math.Round(v)) }

// since is what the counters grew by from before to c. Operations that
// did not grow are left out; GOMAXPROCS is c's.
func (c counts) since(before counts) counts {
	d := counts{Store: map[string]int64{}, Redis: map[string]int64{}, CacheKeys: map[string]int64{}, GoMaxProcs: c.GoMaxProcs}
	grow := func(dst, now, then map[string]int64) {
		for k, v := range now {
			if v-then[k] != 0 {
				dst[k] = v - then[k]
			}
		}
	}
	grow(d.Store, c.Store, before.Store)
	grow(d.Redis, c.Redis, before.Redis)
	grow(d.CacheKeys, c.CacheKeys, before.CacheKeys)
	return d
}

// fetchMetrics reads a segql's /metrics; base is its http://host:port.
func fetchMetrics(ctx context.Context, base string) (counts, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return counts{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return counts{}, fmt.Errorf("GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return counts{}, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body)
}
