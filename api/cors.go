package api

import (
	"net/http"
	"slices"
	"strings"
)

// cors lets the browser origins in allowed call /graphql from their pages.
// With none configured, no CORS header is sent and browsers keep to
// same-origin requests. A preflight (OPTIONS) is answered here, before
// the JSON-only check that refuses other methods.
func cors(allowed []string, next http.Handler) http.Handler {
	if len(allowed) == 0 {
		return next
	}
	anyOrigin := slices.Contains(allowed, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		ok := origin != "" && (anyOrigin || slices.Contains(allowed, origin))
		h := w.Header()
		h.Add("Vary", "Origin")
		if ok {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
			next.ServeHTTP(w, r)
			return
		}
		// A preflight: the answer is the same whether or not the origin is
		// allowed, except for the allow headers the browser checks.
		if ok {
			h.Set("Access-Control-Allow-Methods", "GET, POST")
			h.Set("Access-Control-Allow-Headers", strings.Join([]string{"Content-Type", "Authorization", "X-Auth-Token"}, ", "))
			h.Set("Access-Control-Max-Age", "600")
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
