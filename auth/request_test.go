package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestAuthenticatorPrincipal(t *testing.T) {
	const admin = "admin-token-0123456789abcdef"
	admins := NewAdminTokens()
	if err := admins.AddSpec("read:" + admin); err != nil {
		t.Fatal(err)
	}
	v := NewVerifier([]byte("secret"))
	customer, err := v.Mint(42, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		header   map[string]string
		noJWT    bool
		wantKind string
		wantErr  bool
	}{
		{"no token: a guest", nil, false, "guest", false},
		{"admin token as bearer", map[string]string{"Authorization": "Bearer " + admin}, false, "admin-read", false},
		{"admin token as X-Auth-Token", map[string]string{"X-Auth-Token": admin}, false, "admin-read", false},
		{"customer token", map[string]string{"Authorization": "bearer " + customer}, false, "customer", false},
		{"another scheme is no token", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, false, "guest", false},
		{"both headers", map[string]string{"X-Auth-Token": admin, "Authorization": "Bearer " + customer}, false, "", true},
		{"customer token in X-Auth-Token", map[string]string{"X-Auth-Token": customer}, false, "", true},
		{"unknown bearer", map[string]string{"Authorization": "Bearer not-a-token"}, false, "", true},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}, false, "", true},
		{"customer token without a secret configured", map[string]string{"Authorization": "Bearer " + customer}, true, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Authenticator{Admins: admins, Customers: v}
			if tt.noJWT {
				a.Customers = nil
			}
			r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			// Never from other headers or arguments.
			r.Header.Set("X-Customer-Id", "7")
			for k, val := range tt.header {
				r.Header.Set(k, val)
			}
			p, err := a.Principal(r)
			if tt.wantErr {
				if !errors.Is(err, ErrUnauthenticated) {
					t.Fatalf("Principal = %+v, %v; want ErrUnauthenticated", p, err)
				}
				return
			}
			if err != nil || p.Kind() != tt.wantKind {
				t.Fatalf("Principal = %+v (%s), %v; want %s", p, p.Kind(), err, tt.wantKind)
			}
			if tt.wantKind == "customer" && p.CustomerID != 42 {
				t.Errorf("customer id %d, want 42", p.CustomerID)
			}
		})
	}
}
