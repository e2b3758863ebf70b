package resolvers

import (
	"context"

	"github.com/segql/segql/graph"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/store"
)

type customerResolver struct{ *Resolver }

var _ graph.CustomerResolver = (*customerResolver)(nil)

func (r *customerResolver) ID(ctx context.Context, obj *store.Customer) (string, error) {
	return globalIntID(typeCustomer, obj.ID), nil
}

func (r *customerResolver) CustomerID(ctx context.Context, obj *store.Customer) (int64, error) {
	return obj.ID, nil
}

func (r *customerResolver) ShopperProfile(ctx context.Context, obj *store.Customer) (*store.ShopperProfile, error) {
	return loaders.Find(ctx, loaders.For(ctx).ProfileByCustomerID, obj.ID)
}
