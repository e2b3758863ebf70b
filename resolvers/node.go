package resolvers

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Global ids are "Type:key" in unpadded base64url: opaque to clients,
// stable, and enough to route node(id:) to the right loader.
const (
	typeSegment        = "Segment"
	typeShopperProfile = "ShopperProfile"
	typeCustomer       = "Customer"
	typePromotion      = "Promotion"
)

func globalID(typ, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + key))
}

func globalIntID(typ string, key int64) string {
	return globalID(typ, strconv.FormatInt(key, 10))
}

// parseGlobalID splits a global id; ok is false for anything this server
// did not issue.
func parseGlobalID(id string) (typ, key string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", "", false
	}
	typ, key, ok = strings.Cut(string(raw), ":")
	return typ, key, ok && key != ""
}
