package resolvers

import (
	"context"
	"slices"
	"strings"

	"github.com/segql/segql/graph"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/store"
)

type promotionResolver struct{ *Resolver }

var _ graph.PromotionResolver = (*promotionResolver)(nil)

func (r *promotionResolver) ID(ctx context.Context, obj *store.Promotion) (string, error) {
	return globalIntID(typePromotion, obj.ID), nil
}

func (r *promotionResolver) PromotionID(ctx context.Context, obj *store.Promotion) (int64, error) {
	return obj.ID, nil
}

func (r *promotionResolver) CustomerGroupIds(ctx context.Context, obj *store.Promotion) ([]int64, error) {
	return nonNil(obj.Customer.GroupIDs), nil
}

func (r *promotionResolver) ExcludedCustomerGroupIds(ctx context.Context, obj *store.Promotion) ([]int64, error) {
	return nonNil(obj.Customer.ExcludedGroupIDs), nil
}

func (r *promotionResolver) MinimumOrderCount(ctx context.Context, obj *store.Promotion) (int, error) {
	return obj.Customer.MinimumOrderCount, nil
}

func (r *promotionResolver) SegmentCondition(ctx context.Context, obj *store.Promotion) (*store.Condition, error) {
	return obj.Customer.Segments, nil
}

// TargetedSegments lists the segments the condition names that still exist
// (a deleted one leaves the promotion INVALID and is not listed).
func (r *promotionResolver) TargetedSegments(ctx context.Context, obj *store.Promotion) ([]*store.Segment, error) {
	if obj.Customer.Segments == nil {
		return []*store.Segment{}, nil
	}
	found, err := loaders.FindMany(ctx, loaders.For(ctx).SegmentByID, obj.Customer.Segments.SegmentIDs())
	if err != nil {
		return nil, err
	}
	out := slices.DeleteFunc(found, func(s *store.Segment) bool { return s == nil })
	slices.SortFunc(out, func(a, b *store.Segment) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
