package resolvers

import (
	"context"

	"github.com/segql/segql/loaders"
	"github.com/segql/segql/store"
)

// defaultChannel is BigCommerce's default storefront channel.
const defaultChannel int64 = 1

// channelOr picks the token's channel first, then the argument, then the
// default channel: a storefront token decides which storefront asks.
func channelOr(arg, token *int64) int64 {
	switch {
	case token != nil:
		return *token
	case arg != nil:
		return *arg
	}
	return defaultChannel
}

// eligiblePromotions filters the enabled promotions for a shopper: a guest
// when customer is nil, a customer without a profile when profile is nil.
// Whatever the number of shoppers in a query, it costs one batch for the
// profiles' segment ids and one for the promotions.
func (r *Resolver) eligiblePromotions(ctx context.Context, customer *store.Customer, profile *store.ShopperProfile, channel int64) ([]*store.Promotion, error) {
	l := loaders.For(ctx)
	promotionsThunk := l.EnabledPromotions.Load(ctx, struct{}{})
	shopper := store.Shopper{Guest: customer == nil}
	if customer != nil {
		shopper.CustomerGroupID = customer.CustomerGroupID
		shopper.OrderCount = customer.OrderCount
	}
	if profile != nil {
		ids, err := l.ProfileSegmentIDs.Load(ctx, profile.ID)()
		if err != nil {
			return nil, err
		}
		shopper.HasProfile = true
		shopper.SegmentIDs = make(map[string]bool, len(ids))
		for _, id := range ids {
			shopper.SegmentIDs[id] = true
		}
	}
	candidates, err := promotionsThunk()
	if err != nil {
		return nil, err
	}
	now := r.Now()
	out := []*store.Promotion{}
	for _, p := range candidates {
		if store.Eligible(p, shopper, channel, now) {
			out = append(out, p)
		}
	}
	return out, nil
}
