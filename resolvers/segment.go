package resolvers

import (
	"context"

	"github.com/vektah/gqlparser/v2/ast"

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

// segments plans the selections on segments: their profiles' and
// promotions' pages, one call per page shape for all of them.
func (p *plan) segments(sel ast.SelectionSet, segs []*store.Segment) {
	if len(segs) == 0 || p.who.IsShopper() {
		return // a shopper reads no field of a segment that loads
	}
	keys := ids(segs, segmentKey)
	for _, f := range p.fields(sel, segmentTypes) {
		switch f.Name {
		case "shopperProfiles":
			pagesOf(p, f, keys, p.l.SegmentProfiles, p.l.SegmentProfileCount, profileConn, p.profiles)
		case "promotions":
			pagesOf(p, f, keys, p.l.SegmentPromotions, p.l.SegmentPromotionCount, promotionConn, p.promotions)
		}
	}
}
