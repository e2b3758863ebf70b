package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
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
// customer, profile and segment ids come in one read (shopperData), the
// page of their segments is cut from those ids, and eligibility needs
// only the enabled promotions besides.
func (p *plan) viewer(sel ast.SelectionSet, v auth.Principal) {
	cid := v.CustomerID
	for _, f := range p.fields(sel, viewerTypes) {
		if v.IsGuest() && f.Name != "eligiblePromotions" {
			continue // a guest has no customer, profile or segments
		}
		switch f.Name {
		case "customer":
			p.shopperData()
			p.then(func() { p.customers(f.Selections, found(p, p.l.CustomerByID, []int64{cid})) })
		case "shopperProfile":
			p.shopperData()
			p.then(func() { p.profiles(f.Selections, found(p, p.l.ProfileByCustomerID, []int64{cid})) })
		case "segments":
			p.shopperData()
			p.then(func() { p.viewerSegments(f, cid) })
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
			p.then(func() {
				if ps, err := p.r.viewerEligible(p.ctx, v, channel); err == nil {
					p.promotions(f.Selections, ps)
				}
			})
		}
	}
}

// viewerSegments plans the viewer's segments page from their profile's
// segment ids, whose segments the shopper read brought (or, for one that
// went meanwhile, one more call): kept as the profile's page and count
// for the resolver.
func (p *plan) viewerSegments(f graphql.CollectedField, cid int64) {
	profile, err := loaders.Find(p.ctx, p.l.ProfileByCustomerID, cid)
	if err != nil || profile == nil {
		return
	}
	ids, err := p.l.ProfileSegmentIDs.Load(p.ctx, profile.ID)()
	pg, ok := pageOf[string](p, f)
	if err != nil || !ok {
		return
	}
	lo, hi, more := store.Span(ids, func(id string) string { return id }, pg)
	onPage := ids[lo:hi]
	want(p, p.l.SegmentByID, onPage...)
	nodes, _ := p.connection(f.Selections, segmentConn)
	p.then(func() {
		segs := found(p, p.l.SegmentByID, onPage)
		if len(segs) != len(onPage) {
			return // a segment went meanwhile: the resolver reads the page itself
		}
		key := loaders.PageKey[string, string]{Parent: profile.ID, Page: loaders.ShapeOf(pg)}
		p.l.ProfileSegments.Prime(p.ctx, key, store.PageOf[*store.Segment]{Items: segs, More: more}, nil)
		p.l.ProfileSegmentCount.Prime(p.ctx, profile.ID, len(ids), nil)
		for _, sel := range nodes {
			p.segments(sel, segs)
		}
	})
}
