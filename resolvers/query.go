package resolvers

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/segql/segql/auth"
	"github.com/segql/segql/graph"
	"github.com/segql/segql/graph/model"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/resolvers/page"
	"github.com/segql/segql/store"
)

type queryResolver struct{ *Resolver }

var _ graph.QueryResolver = (*queryResolver)(nil)

// maxListArg caps list arguments of queries, like page sizes.
const maxListArg = page.MaxSize

func (r *queryResolver) Node(ctx context.Context, id string) (store.Node, error) {
	nodes, err := r.Nodes(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return nodes[0], nil
}

// Nodes starts every lookup before waiting on any, so ids of one type share
// one batch.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]store.Node, error) {
	if len(ids) > maxListArg {
		return nil, badInput("nodes takes at most %d ids", maxListArg)
	}
	l := loaders.For(ctx)
	waits := make([]func() (store.Node, error), len(ids))
	for i, id := range ids {
		waits[i] = loadNode(ctx, l, id)
	}
	out := make([]store.Node, len(ids))
	for i, wait := range waits {
		n, err := wait()
		if err != nil {
			return nil, err
		}
		if n == nil {
			continue
		}
		// Another shopper's object answers as a missing one.
		ok, err := r.visible(ctx, n)
		if err != nil {
			return nil, err
		}
		if ok {
			out[i] = n
		}
	}
	return out, nil
}

// loadNode starts loading the object a global id names; an id that names
// nothing answers nil, exactly as a missing object does.
func loadNode(ctx context.Context, l *loaders.Loaders, id string) func() (store.Node, error) {
	none := func() (store.Node, error) { return nil, nil }
	typ, key, ok := store.ParseGlobalID(id)
	if !ok {
		return none
	}
	switch typ {
	case store.TypeSegment:
		if !store.ValidUUID(key) {
			return none
		}
		return nodeThunk(l.SegmentByID.Load(ctx, key))
	case store.TypeShopperProfile:
		if !store.ValidUUID(key) {
			return none
		}
		return nodeThunk(l.ProfileByID.Load(ctx, key))
	case store.TypeCustomer, store.TypePromotion:
		n, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return none
		}
		if typ == store.TypeCustomer {
			return nodeThunk(l.CustomerByID.Load(ctx, n))
		}
		return nodeThunk(l.PromotionByID.Load(ctx, n))
	}
	return none
}

func nodeThunk[V any](thunk func() (*V, error)) func() (store.Node, error) {
	return func() (store.Node, error) {
		v, err := thunk()
		if err != nil || v == nil {
			return nil, notFoundIsNil(err)
		}
		return v, nil
	}
}

// The admin roots below answer storefront shoppers as if nothing existed:
// shoppers reach their own objects through viewer, node and nodes.

func (r *queryResolver) Segment(ctx context.Context, uuid string) (*store.Segment, error) {
	if shopper(ctx) || !store.ValidUUID(uuid) {
		return nil, nil
	}
	return loaders.Find(ctx, loaders.For(ctx).SegmentByID, uuid)
}

func (r *queryResolver) Segments(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.SegmentFilter) (*page.SegmentConnection, error) {
	if shopper(ctx) {
		return emptyList(page.Args{First: first, After: after, Last: last, Before: before}, segmentKey)
	}
	var f store.SegmentFilter
	if filter != nil {
		if len(filter.Uuids) > maxListArg {
			return nil, badInput("filter.uuids takes at most %d ids", maxListArg)
		}
		if filter.NameContains != nil {
			f.NameContains = strings.TrimSpace(*filter.NameContains)
		}
		if filter.Uuids != nil {
			f.IDs = filter.Uuids
		}
	}
	return list(ctx, page.Args{First: first, After: after, Last: last, Before: before},
		func(ctx context.Context, p store.Page[string]) (store.PageOf[*store.Segment], error) {
			return r.Store.ListSegments(ctx, f, p)
		},
		func(ctx context.Context) (int, error) { return r.Store.CountSegments(ctx, f) },
		segmentKey)
}

func (r *queryResolver) ShopperProfile(ctx context.Context, uuid string) (*store.ShopperProfile, error) {
	if shopper(ctx) || !store.ValidUUID(uuid) {
		return nil, nil
	}
	return loaders.Find(ctx, loaders.For(ctx).ProfileByID, uuid)
}

func (r *queryResolver) ShopperProfiles(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.ShopperProfileFilter) (*page.ShopperProfileConnection, error) {
	if shopper(ctx) {
		return emptyList(page.Args{First: first, After: after, Last: last, Before: before}, profileKey)
	}
	var f store.ShopperProfileFilter
	if filter != nil {
		if len(filter.CustomerIds) > maxListArg {
			return nil, badInput("filter.customerIds takes at most %d ids", maxListArg)
		}
		f.CustomerIDs = filter.CustomerIds
	}
	return list(ctx, page.Args{First: first, After: after, Last: last, Before: before},
		func(ctx context.Context, p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
			return r.Store.ListShopperProfiles(ctx, f, p)
		},
		func(ctx context.Context) (int, error) { return r.Store.CountShopperProfiles(ctx, f) },
		profileKey)
}

func (r *queryResolver) Customer(ctx context.Context, customerID int64) (*store.Customer, error) {
	if shopper(ctx) {
		return nil, nil
	}
	return loaders.Find(ctx, loaders.For(ctx).CustomerByID, customerID)
}

func (r *queryResolver) Customers(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.CustomerFilter) (*page.CustomerConnection, error) {
	if shopper(ctx) {
		return emptyList(page.Args{First: first, After: after, Last: last, Before: before}, customerKey)
	}
	var f store.CustomerFilter
	if filter != nil {
		if len(filter.Emails) > maxListArg {
			return nil, badInput("filter.emails takes at most %d emails", maxListArg)
		}
		f.Emails = filter.Emails
		f.CustomerGroupID = filter.CustomerGroupID
	}
	return list(ctx, page.Args{First: first, After: after, Last: last, Before: before},
		func(ctx context.Context, p store.Page[int64]) (store.PageOf[*store.Customer], error) {
			return r.Store.ListCustomers(ctx, f, p)
		},
		func(ctx context.Context) (int, error) { return r.Store.CountCustomers(ctx, f) },
		customerKey)
}

func (r *queryResolver) Promotion(ctx context.Context, promotionID int64) (*store.Promotion, error) {
	p, err := loaders.Find(ctx, loaders.For(ctx).PromotionByID, promotionID)
	return onlyVisible(ctx, r.Resolver, p, err)
}

func (r *queryResolver) Promotions(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.PromotionFilter) (*page.PromotionConnection, error) {
	var f store.PromotionFilter
	if filter != nil {
		if filter.Status != nil {
			f.Status = *filter.Status
		}
		if filter.RedemptionType != nil {
			f.RedemptionType = *filter.RedemptionType
		}
		if filter.TargetedSegment != nil {
			if !store.ValidUUID(*filter.TargetedSegment) {
				return nil, badInput("filter.targetedSegment must be a segment UUID")
			}
			f.TargetedSegment = *filter.TargetedSegment
		}
	}
	args := page.Args{First: first, After: after, Last: last, Before: before}
	if p := auth.FromContext(ctx); p.IsShopper() {
		return r.openPromotionList(ctx, p, f, args)
	}
	return list(ctx, args,
		func(ctx context.Context, p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
			return r.Store.ListPromotions(ctx, f, p)
		},
		func(ctx context.Context) (int, error) { return r.Store.CountPromotions(ctx, f) },
		promotionKey)
}

func (r *queryResolver) Viewer(ctx context.Context) (*auth.Principal, error) {
	p := auth.FromContext(ctx)
	return &p, nil
}

// openPromotionList pages through the promotions open to a storefront
// shopper, filtered as an admin's list would be. The whole open list is
// at hand already: eligibility reads every enabled promotion at once.
func (r *queryResolver) openPromotionList(ctx context.Context, p auth.Principal, f store.PromotionFilter, args page.Args) (*page.PromotionConnection, error) {
	pg, err := page.Parse[int64](args)
	if err != nil {
		return nil, argError(err)
	}
	open, err := r.openPromotions(ctx, p)
	if err != nil {
		return nil, err
	}
	open = slices.DeleteFunc(open, func(promotion *store.Promotion) bool { return !f.Matches(promotion) })
	count := func(context.Context) (int, error) { return len(open), nil }
	return page.New(store.PageSlice(open, promotionKey, pg), pg, promotionKey, count), nil
}
