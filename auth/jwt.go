package auth

import (
	"bytes"
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
	// StoreHash, when set, is this store's BigCommerce store hash: tokens
	// must carry it in store_hash, so a token minted for another store of
	// the same app is refused.
	StoreHash string
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
		ID      flexInt  `json:"id"`
		GroupID *flexInt `json:"group_id,omitempty"`
	} `json:"customer,omitempty"`
	ChannelID *flexInt `json:"channel_id,omitempty"`
	StoreHash string   `json:"store_hash,omitempty"`
}

// flexInt reads an id sent as a JSON number or a string of digits:
// BigCommerce sends group_id as a string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(string(bytes.Trim(b, `"`)), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer id: %s", b)
	}
	*f = flexInt(n)
	return nil
}

func (f *flexInt) int64p() *int64 {
	if f == nil {
		return nil
	}
	n := int64(*f)
	return &n
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
	if v.StoreHash != "" && c.StoreHash != v.StoreHash {
		return Principal{}, fmt.Errorf("%w: store_hash %q is not this store's", ErrInvalidToken, c.StoreHash)
	}
	p := Principal{ChannelID: c.ChannelID.int64p()}
	switch {
	case c.Customer != nil:
		p.CustomerID = int64(c.Customer.ID)
		p.GroupID = c.Customer.GroupID.int64p()
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
		ChannelID: (*flexInt)(channelID),
		StoreHash: v.StoreHash,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(v.secret)
}
