package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/segql/segql/store"
)

// Customer groups of the demo (group ids mean nothing to the store).
const (
	groupNone      = 0 // no group; also what guests count as
	groupRetail    = 1
	groupWholesale = 2
	groupLoyalty   = 3
	groupStaff     = 4
)

// Channels of the demo.
const (
	channelWeb = 1
	channelApp = 2
)

// customers builds the demo customers, ids 1 to numCustomers, registered
// over the three years before the base date.
func customers(rng *rand.Rand) []store.Customer {
	out := make([]store.Customer, 0, numCustomers)
	for id := int64(1); id <= numCustomers; id++ {
		first := firstNames[rng.IntN(len(firstNames))]
		last := lastNames[rng.IntN(len(lastNames))]
		group := customerGroup(rng)
		c := store.Customer{
			ID:              id,
			Email:           fmt.Sprintf("%s.%s.%d@example.com", emailWord(first), emailWord(last), id),
			FirstName:       first,
			LastName:        last,
			CustomerGroupID: group,
			OrderCount:      orderCount(rng, group),
			ChannelIDs:      []int64{channelWeb},
		}
		if group == groupWholesale || rng.Float64() < 0.12 {
			c.Company = companies[rng.IntN(len(companies))]
		}
		if rng.Float64() < 0.7 {
			// 555-0100 to 555-0199 are the numbers kept for fiction.
			c.Phone = fmt.Sprintf("+1 %03d-555-01%02d", 200+rng.IntN(800), rng.IntN(100))
		}
		if rng.Float64() < 0.25 {
			c.ChannelIDs = append(c.ChannelIDs, channelApp)
		}
		c.CreatedAt = between(rng, base.AddDate(-3, 0, 0), base)
		c.UpdatedAt = between(rng, c.CreatedAt, base)
		out = append(out, c)
	}
	return out
}

// customerGroup picks a group: most customers are in no group or retail.
func customerGroup(rng *rand.Rand) int64 {
	switch r := rng.Float64(); {
	case r < 0.40:
		return groupNone
	case r < 0.72:
		return groupRetail
	case r < 0.82:
		return groupWholesale
	case r < 0.94:
		return groupLoyalty
	default:
		return groupStaff
	}
}

// orderCount is long-tailed: many customers have a few orders, a few have
// dozens; trade and loyalty customers order more.
func orderCount(rng *rand.Rand, group int64) int {
	var n float64
	switch group {
	case groupWholesale:
		n = 5 + rng.ExpFloat64()*12
	case groupLoyalty:
		n = 3 + rng.ExpFloat64()*8
	default:
		if rng.Float64() < 0.25 {
			return 0
		}
		n = 1 + rng.ExpFloat64()*4
	}
	return int(math.Min(n, 150))
}

// emailWord is a name as the local part of an email address: lower case,
// ASCII letters only.
func emailWord(name string) string {
	folded := strings.NewReplacer("á", "a", "à", "a", "é", "e", "è", "e", "ë", "e", "í", "i",
		"ó", "o", "ö", "o", "ø", "o", "ú", "u", "ü", "u", "ñ", "n").Replace(strings.ToLower(name))
	var b strings.Builder
	for _, r := range folded {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// shopperProfiles gives a profile to most customers, created some time
// after the customer registered.
func shopperProfiles(rng *rand.Rand, customers []store.Customer) []store.ShopperProfile {
	var out []store.ShopperProfile
	for _, c := range customers {
		if rng.Float64() >= profileShare {
			continue
		}
		created := between(rng, c.CreatedAt, minTime(c.CreatedAt.Add(30*24*time.Hour), base))
		out = append(out, store.ShopperProfile{
			ID:         profileID(c.ID),
			CustomerID: c.ID,
			CreatedAt:  created,
			UpdatedAt:  between(rng, created, base),
		})
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
