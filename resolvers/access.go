package resolvers

import (
	"cmp"
	"context"
	"slices"

	"github.com/segql/segql/auth"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/store"
)

// Who may see what. An admin token sees everything. A storefront shopper
// (a customer or a guest) sees their own customer, profile and segments,
// and the promotions open to them; anything else answers exactly as a
// missing object would: null, or an empty list. Mutations are refused
// before they run (api's access check), so only reads are guarded here.

// shopper reports whether a storefront shopper, not an admin app, asks.
func shopper(ctx context.Context) bool { return auth.FromContext(ctx).IsShopper() }

// visible reports whether the request's principal may see n.
func (r *Resolver) visible(ctx context.Context, n store.Node) (bool, error) {
	p := auth.FromContext(ctx)
	if p.IsAdmin() {
		return true, nil
	}
	switch n := n.(type) {
	case *store.Customer:
		return !p.IsGuest() && n.ID == p.CustomerID, nil
	case *store.ShopperProfile:
		return !p.IsGuest() && n.CustomerID == p.CustomerID, nil
	case *store.Segment:
		s, err := r.viewerShopper(ctx, p)
		return s.SegmentIDs[n.ID], err
	case *store.Promotion:
		s, err := r.viewerShopper(ctx, p)
		return err == nil && r.openTo(p, s, n), err
	}
	return false, nil
}

// onlyVisible answers nil for an object the principal may not see.
func onlyVisible[V any, PV interface {
	*V
	store.Node
}](ctx context.Context, r *Resolver, v PV, err error) (PV, error) {
	if err != nil || v == nil {
		return nil, err
	}
	ok, err := r.visible(ctx, v)
	if err != nil || !ok {
		return nil, err
	}
	return v, nil
}

// viewerShopper is the signed-in shopper as eligibility sees them: a
// guest, or a customer with their group, orders and segments. A customer
// segql does not know yet has the group their token claims, no orders and
// no profile.
func (r *Resolver) viewerShopper(ctx context.Context, p auth.Principal) (store.Shopper, error) {
	if p.IsGuest() {
		return store.Shopper{Guest: true}, nil
	}
	l := loaders.For(ctx)
	customerThunk := l.CustomerByID.Load(ctx, p.CustomerID)
	profile, err := loaders.Find(ctx, l.ProfileByCustomerID, p.CustomerID)
	if err != nil {
		return store.Shopper{}, err
	}
	customer, err := customerThunk()
	if err = notFoundIsNil(err); err != nil {
		return store.Shopper{}, err
	}
	if customer == nil {
		customer = &store.Customer{ID: p.CustomerID}
		if p.GroupID != nil {
			customer.CustomerGroupID = *p.GroupID
		}
	}
	return r.shopperOf(ctx, customer, profile)
}

// openTo reports whether a storefront shopper can get promotion now: on
// the token's channel, or on any channel the promotion runs on when the
// token names none.
func (r *Resolver) openTo(p auth.Principal, s store.Shopper, promotion *store.Promotion) bool {
	channel := defaultChannel
	switch {
	case p.ChannelID != nil:
		channel = *p.ChannelID
	case len(promotion.ChannelIDs) > 0:
		channel = promotion.ChannelIDs[0]
	}
	return store.Eligible(promotion, s, channel, r.Now())
}

// openPromotions are the promotions open to a storefront shopper, by id.
func (r *Resolver) openPromotions(ctx context.Context, p auth.Principal) ([]*store.Promotion, error) {
	s, err := r.viewerShopper(ctx, p)
	if err != nil {
		return nil, err
	}
	candidates, err := loaders.For(ctx).EnabledPromotions.Load(ctx, struct{}{})()
	if err != nil {
		return nil, err
	}
	out := []*store.Promotion{}
	for _, promotion := range candidates {
		if r.openTo(p, s, promotion) {
			out = append(out, promotion)
		}
	}
	slices.SortFunc(out, func(a, b *store.Promotion) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
