// Package auth turns verified tokens into principals: who is asking.
package auth

import "context"

// Principal is who makes a request. A storefront customer is known only
// from a verified token; without one the shopper is a guest.
type Principal struct {
	CustomerID int64  // 0 for guests
	ChannelID  *int64 // the storefront channel named by the token, if any
}

// IsGuest reports whether no customer is signed in.
func (p Principal) IsGuest() bool { return p.CustomerID == 0 }

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
