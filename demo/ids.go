package demo

import (
	"strconv"

	"github.com/google/uuid"
)

// namespace is the UUID namespace of the demo's segment and profile ids:
// the same name always gives the same id.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/segql/segql/demo"))

// segmentID is the fixed UUID of the demo segment with this name.
func segmentID(name string) string {
	return uuid.NewSHA1(namespace, []byte("segment/"+name)).String()
}

// profileID is the fixed UUID of the demo shopper profile of a customer.
func profileID(customerID int64) string {
	return uuid.NewSHA1(namespace, []byte("shopper-profile/"+strconv.FormatInt(customerID, 10))).String()
}
