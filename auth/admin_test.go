package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAdminTokensSpec(t *testing.T) {
	const w, r = "write-token-0123456789abcdef", "read-token-0123456789abcdefg"
	tests := []struct {
		name    string
		spec    string
		wantErr string
		want    map[string]Scope // token -> scope; "" scope: refused
	}{
		{"both scopes", "write:" + w + ", read:" + r, "", map[string]Scope{w: ScopeWrite, r: ScopeRead, "other-token-0123456789abcdef": ""}},
		{"scope case ignored, empty items skipped", "WRITE:" + w + ",,", "", map[string]Scope{w: ScopeWrite}},
		{"empty spec: no tokens", "", "", map[string]Scope{w: ""}},
		{"unknown scope", "admin:" + w, "neither read nor write", nil},
		{"no scope", w, "want scope:token", nil},
		{"short token", "read:short", "at least 24 characters", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAdminTokens()
			err := a.AddSpec(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("AddSpec(%q) = %v, want an error with %q", tt.spec, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), w) {
					t.Errorf("the error repeats the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for token, scope := range tt.want {
				p, ok := a.Lookup(token)
				if ok != (scope != "") || p.Admin != scope {
					t.Errorf("Lookup(%q) = %+v, %v; want scope %q", token, p, ok, scope)
				}
				if ok && (p.TokenID == "" || strings.Contains(token, p.TokenID)) {
					t.Errorf("TokenID %q must name the token without holding it", p.TokenID)
				}
			}
		})
	}
}

func TestAdminTokenFile(t *testing.T) {
	token, err := NewAdminToken()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "# segql admin tokens\n\nwrite "+HashToken(token)+"\nread sha256:"+strings.Repeat("ab", 32)+"\n")
	a := NewAdminTokens()
	if err := a.AddFile(good); err != nil {
		t.Fatal(err)
	}
	if p, ok := a.Lookup(token); !ok || !p.CanWrite() {
		t.Errorf("token from the file: %+v %v", p, ok)
	}
	if a.Len() != 2 {
		t.Errorf("Len = %d, want 2", a.Len())
	}
	// The file holds hashes: the hash itself is no token.
	if _, ok := a.Lookup(HashToken(token)); ok {
		t.Error("a hash was accepted as a token")
	}
	for name, body := range map[string]string{
		"three fields": "write abc def\n",
		"not hex":      "read " + strings.Repeat("zz", 32) + "\n",
		"short digest": "read abcd\n",
		"bad scope":    "root " + HashToken(token) + "\n",
	} {
		if err := NewAdminTokens().AddFile(write(name, body)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%s: AddFile = %v, want an error naming line 1", name, err)
		}
	}
	if err := NewAdminTokens().AddFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file was accepted")
	}
}
