package api_test

import (
	"net/http"
	"testing"

	"github.com/segql/segql/api"
)

func TestCORS(t *testing.T) {
	const shop = "https://shop.example.com"
	preflight := http.Header{"Origin": {shop}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type, authorization"}}
	other := http.Header{"Origin": {"https://evil.example.net"}, "Access-Control-Request-Method": {"POST"}}
	body := []byte(`{"query":"{ __typename }"}`)
	tests := []struct {
		name        string
		origins     []string
		method      string
		header      http.Header
		wantStatus  int
		wantOrigin  string
		wantMethods string
	}{
		{"preflight from an allowed origin", []string{shop}, http.MethodOptions, preflight, http.StatusNoContent, shop, "GET, POST"},
		{"preflight from another origin", []string{shop}, http.MethodOptions, other, http.StatusNoContent, "", ""},
		{"POST from an allowed origin", []string{shop}, http.MethodPost, http.Header{"Origin": {shop}}, http.StatusOK, shop, ""},
		{"POST from another origin: answered, but the browser hides it", []string{shop}, http.MethodPost, http.Header{"Origin": {"https://evil.example.net"}}, http.StatusOK, "", ""},
		{"any origin", []string{"*"}, http.MethodOptions, other, http.StatusNoContent, "https://evil.example.net", "GET, POST"},
		{"none configured: same-origin only", nil, http.MethodOptions, preflight, http.StatusMethodNotAllowed, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(o *api.Options) { o.CORSOrigins = tt.origins })
			var b []byte
			ct := ""
			if tt.method == http.MethodPost {
				b, ct = body, "application/json"
			}
			res := ts.raw(tt.method, "/graphql", ct, b, tt.header)
			if res.Status != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", res.Status, tt.wantStatus, res.Body)
			}
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tt.wantOrigin)
			}
			if got := res.Header.Get("Access-Control-Allow-Methods"); got != tt.wantMethods {
				t.Errorf("Access-Control-Allow-Methods %q, want %q", got, tt.wantMethods)
			}
		})
	}
}
