package auth

import (
	"encoding/base64"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerify(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	secret := []byte("app-client-secret")
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hs := func(claims jwt.MapClaims) string { return sign(jwt.SigningMethodHS256, secret, claims) }
	exp := now.Add(15 * time.Minute).Unix()
	// BigCommerce's Current Customer JWT: customer.id a number, group_id a
	// string, sub the store hash.
	bigcommerce := jwt.MapClaims{
		"customer":   map[string]any{"id": 4927, "email": "john.doe@example.com", "group_id": "6"},
		"iss":        "bc/apps",
		"sub":        "abc123",
		"store_hash": "abc123",
		"operation":  "current_customer",
		"iat":        now.Unix(),
		"exp":        exp,
	}
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"7","exp":`+jwtNumber(exp)+`}`)) + "."

	tests := []struct {
		name      string
		token     string
		storeHash string
		want      Principal
		wantErr   bool
	}{
		{"BigCommerce claims", hs(bigcommerce), "", Principal{CustomerID: 4927, GroupID: ptr(int64(6))}, false},
		{"BigCommerce claims of this store", hs(bigcommerce), "abc123", Principal{CustomerID: 4927, GroupID: ptr(int64(6))}, false},
		{"another store", hs(bigcommerce), "zzz999", Principal{}, true},
		{"no store_hash when one is required", hs(jwt.MapClaims{"sub": "7", "exp": exp}), "abc123", Principal{}, true},
		{"plain sub with a channel", hs(jwt.MapClaims{"sub": "7", "exp": exp, "channel_id": 2}), "", Principal{CustomerID: 7, ChannelID: ptr(int64(2))}, false},
		{"alg none", unsigned, "", Principal{}, true},
		{"wrong signature", sign(jwt.SigningMethodHS256, []byte("another secret"), jwt.MapClaims{"sub": "7", "exp": exp}), "", Principal{}, true},
		{"HS384 is not the pinned alg", sign(jwt.SigningMethodHS384, secret, jwt.MapClaims{"sub": "7", "exp": exp}), "", Principal{}, true},
		{"expired", hs(jwt.MapClaims{"sub": "7", "exp": now.Add(-time.Second).Unix()}), "", Principal{}, true},
		{"no exp", hs(jwt.MapClaims{"sub": "7"}), "", Principal{}, true},
		{"exp two hours ahead", hs(jwt.MapClaims{"sub": "7", "exp": now.Add(2 * time.Hour).Unix()}), "", Principal{}, true},
		{"sub not a customer id", hs(jwt.MapClaims{"sub": "abc", "exp": exp}), "", Principal{}, true},
		{"no customer at all", hs(jwt.MapClaims{"exp": exp}), "", Principal{}, true},
		{"negative customer id", hs(jwt.MapClaims{"customer": map[string]any{"id": -4}, "exp": exp}), "", Principal{}, true},
		{"not a JWT", "garbage", "", Principal{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVerifier(secret)
			v.now = func() time.Time { return now }
			v.StoreHash = tt.storeHash
			got, err := v.Verify(tt.token)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("Verify = %+v, %v; want ErrInvalidToken", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.CustomerID != tt.want.CustomerID || !sameInt(got.GroupID, tt.want.GroupID) || !sameInt(got.ChannelID, tt.want.ChannelID) || got.IsAdmin() {
				t.Errorf("Verify = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMintVerifies(t *testing.T) {
	v := NewVerifier([]byte("s"))
	v.StoreHash = "abc123"
	tok, err := v.Mint(9, ptr(int64(3)), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(tok)
	if err != nil || p.CustomerID != 9 || p.ChannelID == nil || *p.ChannelID != 3 {
		t.Fatalf("Verify(Mint) = %+v, %v", p, err)
	}
}

func ptr[T any](v T) *T { return &v }

func sameInt(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func jwtNumber(n int64) string { return strconv.FormatInt(n, 10) }
