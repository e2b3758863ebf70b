package store

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Global ids are "Type:key" in unpadded base64url: opaque to clients,
// stable, and enough to route node(id:) to the right loader.
const (
	TypeSegment        = "Segment"
	TypeShopperProfile = "ShopperProfile"
	TypeCustomer       = "Customer"
	TypePromotion      = "Promotion"
)

// GlobalID is the opaque id of the object of type typ with key.
func GlobalID(typ, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + key))
}

// ParseGlobalID splits a global id; ok is false for anything segql did
// not issue.
func ParseGlobalID(id string) (typ, key string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", "", false
	}
	typ, key, ok = strings.Cut(string(raw), ":")
	return typ, key, ok && key != ""
}

// The methods below answer graph fields that are plain functions of an
// object. gqlgen binds the fields to them (gqlgen.yml) and calls them in
// line; a resolver would cost a goroutine per field per object.

// GlobalID is the segment's node id.
func (s *Segment) GlobalID() string { return GlobalID(TypeSegment, s.ID) }

// GlobalID is the profile's node id.
func (p *ShopperProfile) GlobalID() string { return GlobalID(TypeShopperProfile, p.ID) }

// GlobalID is the customer's node id.
func (c *Customer) GlobalID() string { return GlobalID(TypeCustomer, strconv.FormatInt(c.ID, 10)) }

// GlobalID is the promotion's node id.
func (p *Promotion) GlobalID() string { return GlobalID(TypePromotion, strconv.FormatInt(p.ID, 10)) }

// CustomerGroupIDs are the groups the promotion is limited to, never nil.
func (p *Promotion) CustomerGroupIDs() []int64 { return nonNil(p.Customer.GroupIDs) }

// ExcludedCustomerGroupIDs are the groups the promotion excludes, never nil.
func (p *Promotion) ExcludedCustomerGroupIDs() []int64 { return nonNil(p.Customer.ExcludedGroupIDs) }

// MinimumOrderCount is the orders a customer must have placed before.
func (p *Promotion) MinimumOrderCount() int { return p.Customer.MinimumOrderCount }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
