// Package auth turns verified tokens into principals: who is asking.
package auth

import "context"

// Scope is what an admin token may do.
type Scope string

// Admin scopes: read reaches every query, write every mutation too.
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
)

// Principal is who makes a request: an admin app (from an admin token), a
// storefront customer (from a verified customer token), or, without a
// token, a guest. The zero Principal is a guest.
type Principal struct {
	// Admin is the admin token's scope; empty for storefront shoppers.
	Admin Scope
	// TokenID names the admin token in logs and rate limits (a prefix of
	// its hash, never the token).
	TokenID    string
	CustomerID int64  // 0 for guests and admins
	GroupID    *int64 // the customer group the token claims, if any
	ChannelID  *int64 // the storefront channel named by the token, if any
}

// IsAdmin reports whether an admin token was presented.
func (p Principal) IsAdmin() bool { return p.Admin != "" }

// CanWrite reports whether the principal may run mutations.
func (p Principal) CanWrite() bool { return p.Admin == ScopeWrite }

// IsShopper reports whether a storefront shopper (customer or guest) asks.
func (p Principal) IsShopper() bool { return !p.IsAdmin() }

// IsGuest reports whether no customer is signed in; admins are no customer
// either, so their viewer is a guest.
func (p Principal) IsGuest() bool { return p.CustomerID == 0 }

// Kind names the principal's kind for logs and metrics: admin-read,
// admin-write, customer or guest.
func (p Principal) Kind() string {
	switch {
	case p.IsAdmin():
		return "admin-" + string(p.Admin)
	case !p.IsGuest():
		return "customer"
	}
	return "guest"
}

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal; a guest when none was set.
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
