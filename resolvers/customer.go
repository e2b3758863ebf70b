package resolvers

import (
	"context"

	"github.com/segql/segql/graph"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/store"
)

type customerResolver struct{ *Resolver }

var _ graph.CustomerResolver = (*customerResolver)(nil)

func (r *customerResolver) ShopperProfile(ctx context.Context, obj *store.Customer) (*store.ShopperProfile, error) {
	return loaders.Find(ctx, loaders.For(ctx).ProfileByCustomerID, obj.ID)
}
