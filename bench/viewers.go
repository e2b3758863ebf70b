package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/segql/segql/auth"
)

// tokenTTL is as long as segql accepts: the tokens are minted anew for
// each workload, whose trips and load phases take well under an hour.
const tokenTTL = auth.MaxTokenLifetime

// viewers are the signed-in shoppers of the storefront workloads: every
// customer of the data set in one fixed shuffled order, and a token for
// the first len(tokens) of them. Requests take the tokens in that order,
// round and round, so no shopper comes twice before every other one has
// had a turn, and a per-viewer answer cache cannot carry the workload.
type viewers struct {
	order  []int64  // every customer id, shuffled (fixed seed)
	tokens []string // tokens[i] signs in order[i]
}

// shuffledCustomers is every customer id of the data set in the
// benchmark's fixed shuffled order.
func shuffledCustomers(data *Dataset) []int64 {
	ids := slices.Clone(data.CustomerIDs)
	rng := rand.New(rand.NewPCG(genSeed, 7))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// mintViewers mints a token for each of the first n customers of the
// shuffled order (n <= 0: every customer).
func mintViewers(secret string, data *Dataset, n int) (*viewers, error) {
	v := &viewers{order: shuffledCustomers(data)}
	if n <= 0 || n > len(v.order) {
		n = len(v.order)
	}
	signer := auth.NewVerifier([]byte(secret))
	v.tokens = make([]string, 0, n)
	for _, id := range v.order[:n] {
		t, err := signer.Mint(id, nil, tokenTTL)
		if err != nil {
			return nil, fmt.Errorf("minting a token for customer %d: %w", id, err)
		}
		v.tokens = append(v.tokens, t)
	}
	return v, nil
}

// cycle returns items one after another, from the first again after the
// last. It is safe for concurrent use (vegeta's workers call targeters
// side by side): each call gets the next item.
func cycle[T any](items []T) func() T {
	var n atomic.Uint64
	return func() T {
		i := n.Add(1) - 1
		return items[i%uint64(len(items))]
	}
}
