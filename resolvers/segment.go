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

func (r *segmentResolver) ID(ctx context.Context, obj *store.Segment) (string, error) {
	return globalID(typeSegment, obj.ID), nil
}

func (r *segmentResolver) UUID(ctx context.Context, obj *store.Segment) (string, error) {
	return obj.ID, nil
}

func (r *segmentResolver) ShopperProfiles(ctx context.Context, obj *store.Segment, first *int, after *string, last *int, before *string) (*page.ShopperProfileConnection, error) {
	l := loaders.For(ctx)
	return edgeList(ctx, obj.ID, page.Args{First: first, After: after, Last: last, Before: before},
		l.SegmentProfiles, l.SegmentProfileCount, profileKey)
}

func (r *segmentResolver) Promotions(ctx context.Context, obj *store.Segment, first *int, after *string, last *int, before *string) (*page.PromotionConnection, error) {
	l := loaders.For(ctx)
	return edgeList(ctx, obj.ID, page.Args{First: first, After: after, Last: last, Before: before},
		l.SegmentPromotions, l.SegmentPromotionCount, promotionKey)
}
