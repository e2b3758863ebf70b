package demo

import (
	"math/rand/v2"

	"github.com/segql/segql/store"
)

// memberships puts each profile in 0 to maxSegmentsPerProfile segments:
// most in a few, some in none, picked among the segments that fit the
// customer, the popular ones more often.
func memberships(rng *rand.Rand, customers []store.Customer, profiles []store.ShopperProfile) []store.Membership {
	defs := segmentDefs()
	var out []store.Membership
	for _, p := range profiles {
		c := customers[p.CustomerID-1] // customer ids are 1 to numCustomers, in order
		var fitting []segmentDef
		for _, def := range defs {
			if def.fits == nil || def.fits(c) {
				fitting = append(fitting, def)
			}
		}
		n := min(int(rng.ExpFloat64()*2.5), maxSegmentsPerProfile, len(fitting))
		for range n {
			i := pickWeighted(rng, fitting)
			out = append(out, store.Membership{SegmentID: segmentID(fitting[i].name), ProfileID: p.ID})
			fitting = append(fitting[:i], fitting[i+1:]...)
		}
	}
	return out
}

// pickWeighted picks the index of one segment, each as likely as its weight.
func pickWeighted(rng *rand.Rand, defs []segmentDef) int {
	total := 0
	for _, d := range defs {
		total += d.weight
	}
	r := rng.IntN(total)
	for i, d := range defs {
		if r < d.weight {
			return i
		}
		r -= d.weight
	}
	return len(defs) - 1
}
