// Package resolvers holds the hand-written gqlgen resolvers, one file per
// GraphQL type. Resolvers translate between the graph and the store: reads
// go through the per-request loaders, writes call the store directly.
package resolvers

import (
	"time"

	"github.com/segql/segql/graph"
	"github.com/segql/segql/store"
)

// Limits cap the items of one mutation call.
type Limits struct {
	MaxItems           int // items per create, update, upsert or delete call
	MaxMembershipItems int // profiles per addShopperProfilesToSegment call
}

// DefaultLimits are the reference's: 250 items a call, 50 membership adds.
var DefaultLimits = Limits{MaxItems: 250, MaxMembershipItems: 50}

// Resolver is the root of the resolvers; one serves every request.
type Resolver struct {
	Store  store.Store
	Limits Limits
	Now    func() time.Time
}

// New returns the root resolver over s.
func New(s store.Store, l Limits) *Resolver {
	return &Resolver{Store: s, Limits: l, Now: time.Now}
}

// Config is the gqlgen configuration for executable schema construction.
func (r *Resolver) Config() graph.Config {
	return graph.Config{Resolvers: r}
}

func (r *Resolver) Query() graph.QueryResolver                   { return &queryResolver{r} }
func (r *Resolver) Mutation() graph.MutationResolver             { return &mutationResolver{r} }
func (r *Resolver) Segment() graph.SegmentResolver               { return &segmentResolver{r} }
func (r *Resolver) ShopperProfile() graph.ShopperProfileResolver { return &shopperProfileResolver{r} }
func (r *Resolver) Customer() graph.CustomerResolver             { return &customerResolver{r} }
func (r *Resolver) Promotion() graph.PromotionResolver           { return &promotionResolver{r} }
func (r *Resolver) Viewer() graph.ViewerResolver                 { return &viewerResolver{r} }
