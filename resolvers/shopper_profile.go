package resolvers

import (
	"context"

	"github.com/vektah/gqlparser/v2/ast"

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
	return r.profileEligible(ctx, obj, channelID)
}

// profileEligible is the promotions a profile's shopper can get on a
// channel.
func (r *Resolver) profileEligible(ctx context.Context, obj *store.ShopperProfile, channelID *int64) ([]*store.Promotion, error) {
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

// profiles plans the selections on shopper profiles: their customers,
// their segments' pages and what their eligible promotions need.
func (p *plan) profiles(sel ast.SelectionSet, profs []*store.ShopperProfile) {
	if len(profs) == 0 {
		return
	}
	keys := ids(profs, profileKey)
	customers := ids(profs, func(pr *store.ShopperProfile) int64 { return pr.CustomerID })
	for _, f := range p.fields(sel, profileTypes) {
		switch f.Name {
		case "customer":
			related(p, f, p.l.CustomerByID, customers, p.customers)
		case "segments":
			pagesOf(p, f, keys, p.l.ProfileSegments, p.l.ProfileSegmentCount, segmentConn, p.segments)
		case "eligiblePromotions":
			channel, ok := p.channelArg(f)
			if !ok {
				continue
			}
			want(p, p.l.CustomerByID, customers...)
			want(p, p.l.ProfileSegmentIDs, keys...)
			want(p, p.l.EnabledPromotions, struct{}{})
			if !p.targets(f.Selections) {
				continue
			}
			p.then(func() {
				var all []*store.Promotion
				for _, pr := range profs {
					if ps, err := p.r.profileEligible(p.ctx, pr, channel); err == nil {
						all = append(all, ps...)
					}
				}
				p.promotions(f.Selections, all)
			})
		}
	}
}
