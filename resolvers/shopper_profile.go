package resolvers

import (
	"context"

	"github.com/segql/segql/auth"
	"github.com/segql/segql/graph"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/resolvers/page"
	"github.com/segql/segql/store"
)

type shopperProfileResolver struct{ *Resolver }

var _ graph.ShopperProfileResolver = (*shopperProfileResolver)(nil)

func (r *shopperProfileResolver) Customer(ctx context.Context, obj *store.ShopperProfile) (*store.Customer, error) {
	return loaders.Find(ctx, loaders.For(ctx).CustomerByID, obj.CustomerID)
}

func (r *shopperProfileResolver) Segments(ctx context.Context, obj *store.ShopperProfile, first *int, after *string, last *int, before *string) (*page.SegmentConnection, error) {
	l := loaders.For(ctx)
	return edgeList(ctx, obj.ID, page.Args{First: first, After: after, Last: last, Before: before},
		l.ProfileSegments, l.ProfileSegmentCount, segmentKey)
}

func (r *shopperProfileResolver) EligiblePromotions(ctx context.Context, obj *store.ShopperProfile, channelID *int64) ([]*store.Promotion, error) {
	customer, err := loaders.Find(ctx, loaders.For(ctx).CustomerByID, obj.CustomerID)
	if err != nil {
		return nil, err
	}
	if customer == nil {
		customer = &store.Customer{ID: obj.CustomerID}
	}
	shopper, err := r.shopperOf(ctx, customer, obj)
	if err != nil {
		return nil, err
	}
	// A storefront token's channel wins over the argument, as on the
	// viewer: a shopper never sees another storefront's promotions.
	return r.eligiblePromotions(ctx, shopper, channelOr(channelID, auth.FromContext(ctx).ChannelID))
}
