package resolvers

import (
	"context"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/segql/segql/graph"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/store"
)

type customerResolver struct{ *Resolver }

var _ graph.CustomerResolver = (*customerResolver)(nil)

func (r *customerResolver) ShopperProfile(ctx context.Context, obj *store.Customer) (*store.ShopperProfile, error) {
	return loaders.Find(ctx, loaders.For(ctx).ProfileByCustomerID, obj.ID)
}

// customers plans the selections on customers: their profiles.
func (p *plan) customers(sel ast.SelectionSet, custs []*store.Customer) {
	if len(custs) == 0 {
		return
	}
	for _, f := range p.fields(sel, customerTypes) {
		if f.Name == "shopperProfile" {
			related(p, f, p.l.ProfileByCustomerID, ids(custs, customerKey), p.profiles)
		}
	}
}
