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

// shopperOf is what eligibility needs of a customer (nil: a guest) and
// their profile (nil: none): group, orders and segment ids. Whatever the
// number of shoppers in a query, their segment ids cost one batch.
func (r *Resolver) shopperOf(ctx context.Context, customer *store.Customer, profile *store.ShopperProfile) (store.Shopper, error) {
	shopper := store.Shopper{Guest: customer == nil}
	if customer != nil {
		shopper.CustomerGroupID = customer.CustomerGroupID
		shopper.OrderCount = customer.OrderCount
	}
	if profile != nil {
		ids, err := loaders.For(ctx).ProfileSegmentIDs.Load(ctx, profile.ID)()
		if err != nil {
			return store.Shopper{}, err
		}
		shopper.HasProfile = true
		shopper.SegmentIDs = make(map[string]bool, len(ids))
		for _, id := range ids {
			shopper.SegmentIDs[id] = true
		}
	}
	return shopper, nil
}

// eligiblePromotions filters the enabled promotions (one batch a request)
// for a shopper on a channel.
func (r *Resolver) eligiblePromotions(ctx context.Context, shopper store.Shopper, channel int64) ([]*store.Promotion, error) {
	candidates, err := loaders.For(ctx).EnabledPromotions.Load(ctx, struct{}{})()
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
