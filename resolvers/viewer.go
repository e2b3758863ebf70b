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
	return r.viewerEligible(ctx, *obj, channelID)
}

// viewerEligible is the promotions the viewer can get on a channel.
func (r *Resolver) viewerEligible(ctx context.Context, p auth.Principal, channelID *int64) ([]*store.Promotion, error) {
	shopper, err := r.viewerShopper(ctx, p)
	if err != nil {
		return nil, err
	}
	return r.eligiblePromotions(ctx, shopper, channelOr(channelID, p.ChannelID))
}

// viewer plans the selections on the viewer: the signed-in shopper's
// customer, profile, segments and what eligibility needs.
func (p *plan) viewer(sel ast.SelectionSet, v auth.Principal) {
	cid := v.CustomerID
	for _, f := range p.fields(sel, viewerTypes) {
		switch f.Name {
		case "customer":
			if !v.IsGuest() {
				related(p, f, p.l.CustomerByID, []int64{cid}, p.customers)
			}
		case "shopperProfile":
			if !v.IsGuest() {
				related(p, f, p.l.ProfileByCustomerID, []int64{cid}, p.profiles)
			}
		case "segments":
			if v.IsGuest() {
				continue
			}
			want(p, p.l.ProfileByCustomerID, cid)
			p.then(func() {
				if profile, err := loaders.Find(p.ctx, p.l.ProfileByCustomerID, cid); err == nil && profile != nil {
					pagesOf(p, f, []string{profile.ID}, p.l.ProfileSegments, p.l.ProfileSegmentCount, segmentConn, p.segments)
				}
			})
		case "eligiblePromotions":
			channel, ok := p.channelArg(f)
			if !ok {
				continue
			}
			p.shopperData()
			want(p, p.l.EnabledPromotions, struct{}{})
			if !p.targets(f.Selections) {
				continue
			}
			// The shopper's segment ids come a round after their profile.
			p.then(func() {
				p.then(func() {
					if ps, err := p.r.viewerEligible(p.ctx, v, channel); err == nil {
						p.promotions(f.Selections, ps)
					}
				})
			})
		}
	}
}
