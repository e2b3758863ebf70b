package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokensEndToEnd follows the README: segql token makes an admin token
// and a customer token, serve accepts the admin token from a file of
// hashes and the customer token by its secret and store hash.
func TestTokensEndToEnd(t *testing.T) {
	bin := buildSegql(t)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SEGQL_JWT_SECRET=")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("segql %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	// "token: <token>" and "token file line: <scope> <hash>".
	field := func(out, label string) string {
		for _, line := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(line, label+": "); ok {
				return v
			}
		}
		t.Fatalf("no %q in\n%s", label, out)
		return ""
	}
	read := run("token", "admin", "--scope", "read")
	readToken := field(read, "token")
	tokenFile := filepath.Join(t.TempDir(), "admin-tokens")
	if err := os.WriteFile(tokenFile, []byte("# made by segql token admin\n"+field(read, "token file line")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret, storeHash = "e2e-jwt-secret", "abc123"
	customer := strings.TrimSpace(run("token", "customer", "--jwt-secret", secret, "--customer-id", "42", "--store-hash", storeHash))
	otherStore := strings.TrimSpace(run("token", "customer", "--jwt-secret", secret, "--customer-id", "42", "--store-hash", "zzz999"))

	p := startServe(t, bin, "--store", filepath.Join(t.TempDir(), "segql.db"),
		"--admin-token-file", tokenFile, "--jwt-secret", secret, "--store-hash", storeHash)

	tests := []struct {
		name       string
		header     http.Header
		query      string
		wantStatus int
		wantData   string // exact data JSON, when set
		wantCode   string // the first error's code, when set
	}{
		{"read token from the file, as X-Auth-Token", http.Header{"X-Auth-Token": {readToken}},
			`{ segments { totalCount } }`, http.StatusOK, `{"segments":{"totalCount":0}}`, ""},
		{"read token cannot mutate", http.Header{"X-Auth-Token": {readToken}},
			`mutation { createSegments(input: [{name: "x"}]) { userErrors { code } } }`, http.StatusUnprocessableEntity, "", "FORBIDDEN"},
		{"write token from SEGQL_ADMIN_TOKENS mutates", http.Header{"Authorization": {"Bearer " + testAdminToken}},
			`mutation { createSegments(input: [{name: "VIP"}]) { segments { name } } }`, http.StatusOK, `{"createSegments":{"segments":[{"name":"VIP"}]}}`, ""},
		{"customer token of this store", http.Header{"Authorization": {"Bearer " + customer}},
			`{ viewer { isGuest customer { customerId } } }`, http.StatusOK, `{"viewer":{"isGuest":false,"customer":null}}`, ""},
		{"customer token of another store", http.Header{"Authorization": {"Bearer " + otherStore}},
			`{ viewer { isGuest } }`, http.StatusUnauthorized, "", "UNAUTHENTICATED"},
		{"a guest cannot introspect outside --demo", nil,
			`{ __schema { queryType { name } } }`, http.StatusUnprocessableEntity, "", "INTROSPECTION_DISABLED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"query": tt.query})
			req, _ := http.NewRequest(http.MethodPost, p.addr+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tt.header {
				req.Header[k] = v
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out struct {
				Data   json.RawMessage
				Errors []struct{ Extensions struct{ Code string } }
			}
			if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d (%+v)", res.StatusCode, tt.wantStatus, out.Errors)
			}
			if tt.wantData != "" && string(out.Data) != tt.wantData {
				t.Errorf("data %s, want %s", out.Data, tt.wantData)
			}
			if tt.wantCode != "" && (len(out.Errors) == 0 || out.Errors[0].Extensions.Code != tt.wantCode) {
				t.Errorf("errors %+v, want code %s", out.Errors, tt.wantCode)
			}
		})
	}
}
