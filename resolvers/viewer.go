package resolvers

import (
	"context"

	"github.com/segql/segql/auth"
	"github.com/segql/segql/graph"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/resolvers/page"
	"github.com/segql/segql/store"
)

type viewerResolver struct{ *Resolver }

var _ graph.ViewerResolver = (*viewerResolver)(nil)

func (r *viewerResolver) Customer(ctx context.Context, obj *auth.Principal) (*store.Customer, error) {
	if obj.IsGuest() {
		return nil, nil
	}
	return loaders.Find(ctx, loaders.For(ctx).CustomerByID, obj.CustomerID)
}

func (r *viewerResolver) ShopperProfile(ctx context.Context, obj *auth.Principal) (*store.ShopperProfile, error) {
	if obj.IsGuest() {
		return nil, nil
	}
	return loaders.Find(ctx, loaders.For(ctx).ProfileByCustomerID, obj.CustomerID)
}

func (r *viewerResolver) Segments(ctx context.Context, obj *auth.Principal, first *int, after *string, last *int, before *string) (*page.SegmentConnection, error) {
	args := page.Args{First: first, After: after, Last: last, Before: before}
	profile, err := r.ShopperProfile(ctx, obj)
	if err != nil {
		return nil, err
	}
	if profile == nil {
		return emptyList(args, segmentKey)
	}
	l := loaders.For(ctx)
	return edgeList(ctx, profile.ID, args, l.ProfileSegments, l.ProfileSegmentCount, segmentKey)
}

func (r *viewerResolver) EligiblePromotions(ctx context.Context, obj *auth.Principal, channelID *int64) ([]*store.Promotion, error) {
	shopper, err := r.viewerShopper(ctx, *obj)
	if err != nil {
		return nil, err
	}
	return r.eligiblePromotions(ctx, shopper, channelOr(channelID, obj.ChannelID))
}
