package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrUnauthenticated is a request whose token is not accepted; why is
// logged, not told to the client.
var ErrUnauthenticated = errors.New("unauthenticated")

// Authenticator finds who makes a request from its token, and only from
// it: no argument or other header names a principal.
type Authenticator struct {
	Admins    *AdminTokens // nil: no admin tokens
	Customers *Verifier    // nil: customer tokens are refused
}

// Principal reads the request's token: an admin token in X-Auth-Token (as
// BigCommerce's REST API takes it) or Authorization: Bearer, else a
// customer JWT in Authorization: Bearer. No token is a guest; another
// Authorization scheme (a proxy's Basic) is no token.
func (a Authenticator) Principal(r *http.Request) (Principal, error) {
	adminHeader := strings.TrimSpace(r.Header.Get("X-Auth-Token"))
	scheme, bearer, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	// The scheme is case-insensitive (RFC 9110): "bearer" is "Bearer".
	hasBearer := strings.EqualFold(scheme, "Bearer")
	bearer = strings.TrimSpace(bearer)
	switch {
	case adminHeader != "" && hasBearer:
		return Principal{}, fmt.Errorf("%w: both X-Auth-Token and Authorization: Bearer were sent", ErrUnauthenticated)
	case adminHeader != "":
		if p, ok := a.Admins.Lookup(adminHeader); ok {
			return p, nil
		}
		return Principal{}, fmt.Errorf("%w: unknown admin token", ErrUnauthenticated)
	case !hasBearer:
		return Principal{}, nil
	case bearer == "":
		return Principal{}, fmt.Errorf("%w: empty bearer token", ErrUnauthenticated)
	}
	if p, ok := a.Admins.Lookup(bearer); ok {
		return p, nil
	}
	if a.Customers == nil {
		return Principal{}, fmt.Errorf("%w: not an admin token, and customer tokens are not configured", ErrUnauthenticated)
	}
	p, err := a.Customers.Verify(bearer)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	return p, nil
}
