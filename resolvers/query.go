package resolvers

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

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

// Nodes loads the objects of each type in one batch, then plans what the
// selections on them read.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]store.Node, error) {
	if len(ids) > maxListArg {
		return nil, badInput("nodes takes at most %d ids", maxListArg)
	}
	keys := make([]nodeKey, len(ids))
	for i, id := range ids {
		keys[i] = parseNodeID(id)
	}
	r.prefetch(ctx, func(p *plan, _ graphql.CollectedField) {
		for _, k := range keys {
			k.want(p)
		}
		p.shopperData() // another shopper's object answers as a missing one
	})
	l := loaders.For(ctx)
	out := make([]store.Node, len(ids))
	for i, k := range keys {
		n, err := k.load(ctx, l)
		if err != nil {
			return nil, err
		}
		if n == nil {
			continue
		}
		ok, err := r.visible(ctx, n)
		if err != nil {
			return nil, err
		}
		if ok {
			out[i] = n
		}
	}
	r.prefetch(ctx, func(p *plan, root graphql.CollectedField) { p.nodes(root.Selections, out) })
	return out, nil
}

// nodeKey is the object a global id names: its type and key. An id that
// names nothing has no type and answers nil, exactly as a missing object.
type nodeKey struct {
	typ string
	id  string // segments and profiles
	n   int64  // customers and promotions
}

func parseNodeID(id string) nodeKey {
	typ, key, ok := store.ParseGlobalID(id)
	if !ok {
		return nodeKey{}
	}
	switch typ {
	case store.TypeSegment, store.TypeShopperProfile:
		if store.ValidUUID(key) {
			return nodeKey{typ: typ, id: key}
		}
	case store.TypeCustomer, store.TypePromotion:
		if n, err := strconv.ParseInt(key, 10, 64); err == nil {
			return nodeKey{typ: typ, n: n}
		}
	}
	return nodeKey{}
}

func (k nodeKey) want(p *plan) {
	switch k.typ {
	case store.TypeSegment:
		want(p, p.l.SegmentByID, k.id)
	case store.TypeShopperProfile:
		want(p, p.l.ProfileByID, k.id)
	case store.TypeCustomer:
		want(p, p.l.CustomerByID, k.n)
	case store.TypePromotion:
		want(p, p.l.PromotionByID, k.n)
	}
}

func (k nodeKey) load(ctx context.Context, l *loaders.Loaders) (store.Node, error) {
	switch k.typ {
	case store.TypeSegment:
		return asNode(loaders.Find(ctx, l.SegmentByID, k.id))
	case store.TypeShopperProfile:
		return asNode(loaders.Find(ctx, l.ProfileByID, k.id))
	case store.TypeCustomer:
		return asNode(loaders.Find(ctx, l.CustomerByID, k.n))
	case store.TypePromotion:
		return asNode(loaders.Find(ctx, l.PromotionByID, k.n))
	}
	return nil, nil
}

func asNode[V any, PV interface {
	*V
	store.Node
}](v PV, err error) (store.Node, error) {
	if err != nil || v == nil {
		return nil, err
	}
	return v, nil
}

// nodes plans the selections on objects of any type.
func (p *plan) nodes(sel ast.SelectionSet, ns []store.Node) {
	var (
		segs   []*store.Segment
		profs  []*store.ShopperProfile
		custs  []*store.Customer
		promos []*store.Promotion
	)
	for _, n := range ns {
		switch n := n.(type) {
		case *store.Segment:
			segs = append(segs, n)
		case *store.ShopperProfile:
			profs = append(profs, n)
		case *store.Customer:
			custs = append(custs, n)
		case *store.Promotion:
			promos = append(promos, n)
		}
	}
	p.segments(sel, segs)
	p.profiles(sel, profs)
	p.customers(sel, custs)
	p.promotions(sel, promos)
}

// planned plans the selections on the one object a root field answers.
func planned[V any](ctx context.Context, r *Resolver, v *V, err error, children func(*plan, ast.SelectionSet, []*V)) (*V, error) {
	if err != nil || v == nil {
		return v, err
	}
	r.prefetch(ctx, func(p *plan, root graphql.CollectedField) { children(p, root.Selections, []*V{v}) })
	return v, nil
}

// plannedList plans the selections on the nodes of a root connection.
func plannedList[N any](ctx context.Context, r *Resolver, c *page.Connection[N], err error, ct connType, children func(*plan, ast.SelectionSet, []N)) (*page.Connection[N], error) {
	if err != nil {
		return nil, err
	}
	r.prefetch(ctx, func(p *plan, root graphql.CollectedField) {
		nodes, _ := p.connection(root.Selections, ct)
		items := c.Nodes()
		for _, sel := range nodes {
			children(p, sel, items)
		}
	})
	return c, nil
}

// The admin roots below answer storefront shoppers as if nothing existed:
// shoppers reach their own objects through viewer, node and nodes.

func (r *queryResolver) Segment(ctx context.Context, uuid string) (*store.Segment, error) {
	if shopper(ctx) || !store.ValidUUID(uuid) {
		return nil, nil
	}
	s, err := loaders.Find(ctx, loaders.For(ctx).SegmentByID, uuid)
	return planned(ctx, r.Resolver, s, err, (*plan).segments)
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
	c, err := list(ctx, page.Args{First: first, After: after, Last: last, Before: before},
		func(ctx context.Context, p store.Page[string]) (store.PageOf[*store.Segment], error) {
			return r.Store.ListSegments(ctx, f, p)
		},
		func(ctx context.Context) (int, error) { return r.Store.CountSegments(ctx, f) },
		segmentKey)
	return plannedList(ctx, r.Resolver, c, err, segmentConn, (*plan).segments)
}

func (r *queryResolver) ShopperProfile(ctx context.Context, uuid string) (*store.ShopperProfile, error) {
	if shopper(ctx) || !store.ValidUUID(uuid) {
		return nil, nil
	}
	p, err := loaders.Find(ctx, loaders.For(ctx).ProfileByID, uuid)
	return planned(ctx, r.Resolver, p, err, (*plan).profiles)
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
	c, err := list(ctx, page.Args{First: first, After: after, Last: last, Before: before},
		func(ctx context.Context, p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
			return r.Store.ListShopperProfiles(ctx, f, p)
		},
		func(ctx context.Context) (int, error) { return r.Store.CountShopperProfiles(ctx, f) },
		profileKey)
	return plannedList(ctx, r.Resolver, c, err, profileConn, (*plan).profiles)
}

func (r *queryResolver) Customer(ctx context.Context, customerID int64) (*store.Customer, error) {
	if shopper(ctx) {
		return nil, nil
	}
	c, err := loaders.Find(ctx, loaders.For(ctx).CustomerByID, customerID)
	return planned(ctx, r.Resolver, c, err, (*plan).customers)
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
	c, err := list(ctx, page.Args{First: first, After: after, Last: last, Before: before},
		func(ctx context.Context, p store.Page[int64]) (store.PageOf[*store.Customer], error) {
			return r.Store.ListCustomers(ctx, f, p)
		},
		func(ctx context.Context) (int, error) { return r.Store.CountCustomers(ctx, f) },
		customerKey)
	return plannedList(ctx, r.Resolver, c, err, customerConn, (*plan).customers)
}

func (r *queryResolver) Promotion(ctx context.Context, promotionID int64) (*store.Promotion, error) {
	r.prefetch(ctx, func(p *plan, _ graphql.CollectedField) {
		want(p, p.l.PromotionByID, promotionID)
		p.shopperData()
	})
	p, err := loaders.Find(ctx, loaders.For(ctx).PromotionByID, promotionID)
	p, err = onlyVisible(ctx, r.Resolver, p, err)
	return planned(ctx, r.Resolver, p, err, (*plan).promotions)
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
	var c *page.PromotionConnection
	var err error
	if p := auth.FromContext(ctx); p.IsShopper() {
		c, err = r.openPromotionList(ctx, p, f, args)
	} else {
		c, err = list(ctx, args,
			func(ctx context.Context, p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
				return r.Store.ListPromotions(ctx, f, p)
			},
			func(ctx context.Context) (int, error) { return r.Store.CountPromotions(ctx, f) },
			promotionKey)
	}
	return plannedList(ctx, r.Resolver, c, err, promotionConn, (*plan).promotions)
}

func (r *queryResolver) Viewer(ctx context.Context) (*auth.Principal, error) {
	p := auth.FromContext(ctx)
	r.prefetch(ctx, func(pl *plan, root graphql.CollectedField) { pl.viewer(root.Selections, p) })
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
	r.prefetch(ctx, func(pl *plan, _ graphql.CollectedField) {
		pl.shopperData()
		want(pl, pl.l.EnabledPromotions, struct{}{})
	})
	open, err := r.openPromotions(ctx, p)
	if err != nil {
		return nil, err
	}
	open = slices.DeleteFunc(open, func(promotion *store.Promotion) bool { return !f.Matches(promotion) })
	count := func(context.Context) (int, error) { return len(open), nil }
	return page.New(store.PageSlice(open, promotionKey, pg), pg, promotionKey, count), nil
}
