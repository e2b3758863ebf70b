// Package metrics holds segql's Prometheus collectors, all named segql_*,
// on a registry of their own so tests and several servers in one process
// never share counters.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one server's collectors.
type Metrics struct {
	Registry        *prometheus.Registry
	HTTPRequests    *prometheus.CounterVec
	HTTPDuration    *prometheus.HistogramVec
	StoreQueries    *prometheus.CounterVec
	StoreDuration   *prometheus.HistogramVec
	LoaderBatchSize *prometheus.HistogramVec
	// CacheRequests counts the keys the Redis cache looked up, by family
	// and result: hit, miss, or error (Redis failed or the breaker was open).
	CacheRequests *prometheus.CounterVec
	// CacheDuration times each Redis round trip of the cache, by operation.
	CacheDuration *prometheus.HistogramVec
	// CacheBreakerState is the cache's circuit breaker: 0 closed,
	// 1 half-open, 2 open.
	CacheBreakerState prometheus.Gauge
	// RateLimited counts requests refused by the rate limits, by the
	// principal's kind (admin-read, admin-write, customer, guest).
	RateLimited *prometheus.CounterVec
	// InFlight is the GraphQL requests running now; Queued those waiting
	// for a slot; Overloaded counts those refused with the queue full.
	InFlight   prometheus.Gauge
	Queued     prometheus.Gauge
	Overloaded prometheus.Counter
}

// New registers segql's collectors, and the Go and process ones, on a new registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "segql_http_requests_total",
			Help: "HTTP requests answered, by path and status code.",
		}, []string{"path", "code"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "segql_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by path.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"path"}),
		StoreQueries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "segql_store_queries_total",
			Help: "Store round trips, by store operation.",
		}, []string{"operation"}),
		StoreDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "segql_store_query_duration_seconds",
			Help:    "Time of a store round trip, by store operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"operation"}),
		LoaderBatchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "segql_loader_batch_size",
			Help:    "Keys per dataloader batch, by loader.",
			Buckets: []float64{1, 2, 5, 10, 25, 50, 100, 250, 500, 1000},
		}, []string{"loader"}),
		CacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "segql_cache_requests_total",
			Help: "Keys looked up in the Redis cache, by family and result (hit, miss, error).",
		}, []string{"family", "result"}),
		CacheDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "segql_cache_duration_seconds",
			Help:    "Time of a Redis round trip of the cache, by operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25},
		}, []string{"operation"}),
		CacheBreakerState: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "segql_cache_breaker_state",
			Help: "State of the Redis cache's circuit breaker: 0 closed, 1 half-open, 2 open.",
		}),
		RateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "segql_rate_limited_total",
			Help: "Requests refused by the rate limits (429), by principal kind.",
		}, []string{"kind"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "segql_requests_in_flight",
			Help: "GraphQL requests running now (at most --max-in-flight).",
		}),
		Queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "segql_requests_queued",
			Help: "GraphQL requests waiting for a slot to run (at most --max-queued).",
		}),
		Overloaded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "segql_requests_overloaded_total",
			Help: "GraphQL requests refused (503 OVERLOADED) because the queue was full.",
		}),
	}
	m.Registry.MustRegister(m.HTTPRequests, m.HTTPDuration, m.StoreQueries, m.StoreDuration, m.LoaderBatchSize,
		m.CacheRequests, m.CacheDuration, m.CacheBreakerState, m.RateLimited, m.InFlight, m.Queued, m.Overloaded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveBatch records a dataloader batch's size.
func (m *Metrics) ObserveBatch(loader string, size int) {
	m.LoaderBatchSize.WithLabelValues(loader).Observe(float64(size))
}
