package resolvers

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/segql/segql/graph"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/store"
)

type promotionResolver struct{ *Resolver }

var _ graph.PromotionResolver = (*promotionResolver)(nil)

// SegmentCondition is the merchant's targeting: it names segments a
// storefront shopper is not in, so shoppers get null.
func (r *promotionResolver) SegmentCondition(ctx context.Context, obj *store.Promotion) (*store.Condition, error) {
	if shopper(ctx) {
		return nil, nil
	}
	return obj.Customer.Segments, nil
}

// TargetedSegments lists the segments the condition names that still exist
// (a deleted one leaves the promotion INVALID and is not listed); a
// storefront shopper sees only those they are in.
func (r *promotionResolver) TargetedSegments(ctx context.Context, obj *store.Promotion) ([]*store.Segment, error) {
	if obj.Customer.Segments == nil {
		return []*store.Segment{}, nil
	}
	found, err := loaders.FindMany(ctx, loaders.For(ctx).SegmentByID, obj.Customer.Segments.SegmentIDs())
	if err != nil {
		return nil, err
	}
	var hideErr error
	out := slices.DeleteFunc(found, func(s *store.Segment) bool {
		if s == nil {
			return true
		}
		ok, err := r.visible(ctx, s)
		hideErr = cmp.Or(hideErr, err)
		return !ok
	})
	if hideErr != nil {
		return nil, hideErr
	}
	slices.SortFunc(out, func(a, b *store.Segment) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// promotions plans the selections on promotions: the segments their
// conditions name.
func (p *plan) promotions(sel ast.SelectionSet, promos []*store.Promotion) {
	if len(promos) == 0 {
		return
	}
	for _, f := range p.fields(sel, promotionTypes) {
		if f.Name != "targetedSegments" {
			continue
		}
		var segs []string
		for _, pr := range promos {
			if pr.Customer.Segments != nil {
				segs = append(segs, pr.Customer.Segments.SegmentIDs()...)
			}
		}
		p.shopperData() // a shopper sees only the segments they are in
		related(p, f, p.l.SegmentByID, segs, p.segments)
	}
}

// targets reports whether a selection on promotions reads their targeted
// segments, the one field of a promotion that loads.
func (p *plan) targets(sel ast.SelectionSet) bool {
	for _, f := range p.fields(sel, promotionTypes) {
		if f.Name == "targetedSegments" {
			return true
		}
	}
	return false
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
