package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/segql/segql/metrics"
)

// exposition is what segql's /metrics serves for the counters of m: the
// real registry, written in the text format by the Prometheus library.
func exposition(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestParseMetrics(t *testing.T) {
	m := metrics.New()
	m.StoreQueries.WithLabelValues("SegmentsByIDs").Add(3)
	m.StoreQueries.WithLabelValues("ProfileSegmentPages").Add(400)
	for range 5 {
		m.CacheDuration.WithLabelValues("read").Observe(0.0004)
	}
	m.CacheDuration.WithLabelValues("write_back").Observe(0.2)
	m.CacheRequests.WithLabelValues("seg", "hit").Add(7)
	m.CacheRequests.WithLabelValues("prof", "hit").Add(2)
	m.CacheRequests.WithLabelValues("prof", "miss").Add(1)
	m.HTTPRequests.WithLabelValues("/graphql", "200").Add(9) // not read
	text := exposition(t, m)

	got, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := counts{
		Store:     map[string]int64{"SegmentsByIDs": 3, "ProfileSegmentPages": 400},
		Redis:     map[string]int64{"read": 5, "write_back": 1},
		CacheKeys: map[string]int64{"hit": 9, "miss": 1},
		// The Go collector's gauge is this test process's GOMAXPROCS.
		GoMaxProcs: got.GoMaxProcs,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseMetrics:\n got %+v\nwant %+v", got, want)
	}
	if got.GoMaxProcs <= 0 {
		t.Errorf("GOMAXPROCS %d: the Go collector's %s was not read", got.GoMaxProcs, metricGoMaxProcs)
	}
}

func TestParseMetricsGoMaxProcs(t *testing.T) {
	text := "# TYPE go_sched_gomaxprocs_threads gauge\ngo_sched_gomaxprocs_threads 8\n"
	got, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if got.GoMaxProcs != 8 || len(got.Store) != 0 || len(got.Redis) != 0 {
		t.Errorf("got %+v, want GOMAXPROCS 8 and no counts", got)
	}
}

func TestParseMetricsBad(t *testing.T) {
	for _, text := range []string{
		"segql_store_queries_total{operation=\"A\" 3\n",                                            // unclosed labels
		"# TYPE segql_store_queries_total counter\nsegql_store_queries_total{operation=\"A\"} x\n", // not a number
	} {
		if _, err := parseMetrics(strings.NewReader(text)); err == nil {
			t.Errorf("parseMetrics(%q): no error", text)
		}
	}
}

func TestCountsSince(t *testing.T) {
	before := counts{
		Store:     map[string]int64{"A": 10, "B": 4},
		Redis:     map[string]int64{"read": 2},
		CacheKeys: map[string]int64{"hit": 5},
	}
	after := counts{
		Store:      map[string]int64{"A": 10, "B": 7, "C": 2},
		Redis:      map[string]int64{"read": 6, "write_back": 1},
		CacheKeys:  map[string]int64{"hit": 9, "miss": 3},
		GoMaxProcs: 2,
	}
	want := counts{
		Store:      map[string]int64{"B": 3, "C": 2}, // A did not grow
		Redis:      map[string]int64{"read": 4, "write_back": 1},
		CacheKeys:  map[string]int64{"hit": 4, "miss": 3},
		GoMaxProcs: 2,
	}
	if got := after.since(before); !reflect.DeepEqual(got, want) {
		t.Errorf("since:\n got %+v\nwant %+v", got, want)
	}
}

// The counters parseMetrics reads are the ones segql registers.
func TestMetricNamesRegistered(t *testing.T) {
	m := metrics.New()
	m.StoreQueries.WithLabelValues("X").Inc()
	m.CacheDuration.WithLabelValues("read").Observe(0)
	m.CacheRequests.WithLabelValues("seg", "hit").Inc()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range families {
		have[f.GetName()] = true
	}
	for _, name := range []string{metricStoreQueries, metricCacheCalls, metricCacheKeys, metricGoMaxProcs} {
		if !have[name] {
			t.Errorf("segql's registry has no %s", name)
		}
	}
}
