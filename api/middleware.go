package api

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/segql/segql/metrics"
	"github.com/segql/segql/store"
)

// onlyJSON lets through GETs and JSON POSTs; other POSTs (forms,
// multipart, text/plain) skip CORS preflight, so they are refused.
func onlyJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
		case http.MethodPost:
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "POST bodies must be application/json")
				return
			}
		default:
			w.Header().Set("Allow", "GET, POST")
			writeError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "use GET for queries or POST")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// timeout bounds a request's work: its context ends, and store calls with it.
func timeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// unexpired answers a request whose time ran out before GraphQL began (a
// slow upload, say) with a coded error: gqlgen skips such a request and
// answers 200 with the body null.
func unexpired(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.Context().Err(); err != nil {
			code, message := CodeTimeout, "the request took too long and was stopped"
			if errors.Is(err, context.Canceled) {
				code, message = CodeCancelled, "the request was cancelled"
			}
			writeError(w, http.StatusServiceUnavailable, code, message)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ready answers 503 while draining or when the store does not answer.
func ready(s store.Store, draining func() bool, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining != nil && draining() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ping(ctx); err != nil {
			log.WarnContext(ctx, "store not ready", "error", err)
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ready\n"))
	})
}

// statusWriter remembers the status code for metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument counts and times requests by path; unknown paths share one
// label so clients cannot grow the label set.
func instrument(m *metrics.Metrics, next http.Handler) http.Handler {
	known := map[string]bool{"/graphql": true, "/healthz": true, "/readyz": true, "/metrics": true, "/": true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		path := r.URL.Path
		if !known[path] {
			path = "other"
			if strings.HasPrefix(r.URL.Path, "/graphiql/") {
				path = "/graphiql/"
			}
		}
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		m.HTTPRequests.WithLabelValues(path, strconv.Itoa(sw.code)).Inc()
		m.HTTPDuration.WithLabelValues(path).Observe(time.Since(start).Seconds())
	})
}
