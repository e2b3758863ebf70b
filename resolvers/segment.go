package resolvers

import (
	"context"

	"github.com/segql/segql/graph"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/resolvers/page"
	"github.com/segql/segql/store"
)

type segmentResolver struct{ *Resolver }

var _ graph.SegmentResolver = (*segmentResolver)(nil)

// A segment's profiles and promotions are the merchant's: a storefront
// shopper sees both lists empty, even on their own segment.

func (r *segmentResolver) ShopperProfiles(ctx context.Context, obj *store.Segment, first *int, after *string, last *int, before *string) (*page.ShopperProfileConnection, error) {
	args := page.Args{First: first, After: after, Last: last, Before: before}
	if shopper(ctx) {
		return emptyList(args, profileKey)
	}
	l := loaders.For(ctx)
	return edgeList(ctx, obj.ID, args,
		l.SegmentProfiles, l.SegmentProfileCount, profileKey)
}

func (r *segmentResolver) Promotions(ctx context.Context, obj *store.Segment, first *int, after *string, last *int, before *string) (*page.PromotionConnection, error) {
	args := page.Args{First: first, After: after, Last: last, Before: before}
	if shopper(ctx) {
		return emptyList(args, promotionKey)
	}
	l := loaders.For(ctx)
	return edgeList(ctx, obj.ID, args,
		l.SegmentPromotions, l.SegmentPromotionCount, promotionKey)
}
