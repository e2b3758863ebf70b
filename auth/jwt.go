package auth

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenLifetime is how far ahead a customer token's exp may be: a
// leaked storefront token is good for an hour at most.
const MaxTokenLifetime = time.Hour

// Verifier checks storefront customer tokens: HS256 JWTs signed with the
// store's secret, with an exp at most an hour ahead.
type Verifier struct {
	secret []byte
	now    func() time.Time
}

// NewVerifier returns a verifier for tokens signed with secret.
func NewVerifier(secret []byte) *Verifier {
	return &Verifier{secret: secret, now: time.Now}
}

// customerClaims accepts BigCommerce's Current Customer JWT
// (customer.id, customer.group_id, store_hash) and a plain sub.
type customerClaims struct {
	jwt.RegisteredClaims
	Customer *struct {
		ID      int64 `json:"id"`
		GroupID int64 `json:"group_id"`
	} `json:"customer,omitempty"`
	ChannelID *int64 `json:"channel_id,omitempty"`
	StoreHash string `json:"store_hash,omitempty"`
}

// ErrInvalidToken is any token that does not verify; why is logged, not
// told to the client.
var ErrInvalidToken = errors.New("invalid customer token")

// Verify returns the customer principal a token names.
func (v *Verifier) Verify(token string) (Principal, error) {
	var c customerClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return v.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(v.now),
	)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.ExpiresAt.Time.After(v.now().Add(MaxTokenLifetime + time.Minute)) {
		return Principal{}, fmt.Errorf("%w: exp is more than %s ahead", ErrInvalidToken, MaxTokenLifetime)
	}
	p := Principal{ChannelID: c.ChannelID}
	switch {
	case c.Customer != nil:
		p.CustomerID = c.Customer.ID
	case c.Subject != "":
		p.CustomerID, err = strconv.ParseInt(c.Subject, 10, 64)
		if err != nil {
			return Principal{}, fmt.Errorf("%w: sub is not a customer id", ErrInvalidToken)
		}
	}
	if p.CustomerID <= 0 {
		return Principal{}, fmt.Errorf("%w: no customer id", ErrInvalidToken)
	}
	return p, nil
}

// Mint signs a customer token, for development and tests.
func (v *Verifier) Mint(customerID int64, channelID *int64, ttl time.Duration) (string, error) {
	now := v.now()
	c := customerClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   strconv.FormatInt(customerID, 10),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		ChannelID: channelID,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(v.secret)
}
