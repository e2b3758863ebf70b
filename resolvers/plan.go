package resolvers

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/segql/segql/auth"
	"github.com/segql/segql/loaders"
	"github.com/segql/segql/resolvers/page"
	"github.com/segql/segql/store"
)

// A plan loads, before gqlgen walks a root field's answer, everything the
// selections below it will read, one level at a time. A level's lookups
// of one kind, for all of its objects, are one store call (one per page
// shape for pages), so a query's round trips follow from its shape alone:
// not from its page sizes, the load, the CPU count or how gqlgen's
// goroutines were scheduled. The resolvers then find every value in the
// loaders. A plan never decides what a client sees: it follows the same
// rules as the resolvers only to skip loads they would not make.
type plan struct {
	r       *Resolver
	ctx     context.Context
	op      *graphql.OperationContext
	l       *loaders.Loaders
	who     auth.Principal
	next    round
	shopped bool // the viewer's shopper data is wanted already
}

// A round is one level's loads and what to plan once they are in.
type round struct {
	wants map[any]fetcher // by loader
	order []fetcher
	then  []func()
}

type fetcher interface{ fetch(context.Context) }

// wanted is the keys of one loader a round fetches.
type wanted[K comparable, V any] struct {
	l    *loaders.Loader[K, V]
	keys []K
}

func (w *wanted[K, V]) fetch(ctx context.Context) { w.l.Prefetch(ctx, w.keys) }

// want adds keys of l to the round being gathered.
func want[K comparable, V any](p *plan, l *loaders.Loader[K, V], keys ...K) {
	if len(keys) == 0 {
		return
	}
	if p.next.wants == nil {
		p.next.wants = map[any]fetcher{}
	}
	w, ok := p.next.wants[l].(*wanted[K, V])
	if !ok {
		w = &wanted[K, V]{l: l}
		p.next.wants[l] = w
		p.next.order = append(p.next.order, w)
	}
	w.keys = append(w.keys, keys...)
}

// then runs f once the round being gathered is loaded; f plans the next.
func (p *plan) then(f func()) { p.next.then = append(p.next.then, f) }

// prefetch plans the root field being resolved: fill says what its
// answer holds, and the plan runs before the resolver returns it.
func (r *Resolver) prefetch(ctx context.Context, fill func(p *plan, root graphql.CollectedField)) {
	l := loaders.For(ctx)
	fc := graphql.GetFieldContext(ctx)
	if l.Naive || fc == nil || !graphql.HasOperationContext(ctx) {
		return
	}
	p := &plan{r: r, ctx: ctx, op: graphql.GetOperationContext(ctx), l: l, who: auth.FromContext(ctx)}
	fill(p, fc.Field)
	p.run()
}

// run loads round after round until nothing is left to load. The loads
// of one round are independent (one per loader), so they run side by side.
func (p *plan) run() {
	for len(p.next.order) > 0 || len(p.next.then) > 0 {
		cur := p.next
		p.next = round{}
		fetchAll(p.ctx, cur.order)
		for _, f := range cur.then {
			f()
		}
	}
}

func fetchAll(ctx context.Context, fs []fetcher) {
	if len(fs) == 1 {
		fs[0].fetch(ctx)
		return
	}
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Go(func() { f.fetch(ctx) })
	}
	wg.Wait()
}

// The types whose fields a selection on an object may name (gqlgen's
// implementors): fragments on Node apply to every object.
var (
	segmentTypes   = []string{"Segment", "Node"}
	profileTypes   = []string{"ShopperProfile", "Node"}
	customerTypes  = []string{"Customer", "Node"}
	promotionTypes = []string{"Promotion", "Node"}
	viewerTypes    = []string{"Viewer"}
)

// connType names a connection type and its edge type.
type connType struct{ conn, edge string }

var (
	segmentConn   = connType{"SegmentConnection", "SegmentEdge"}
	profileConn   = connType{"ShopperProfileConnection", "ShopperProfileEdge"}
	customerConn  = connType{"CustomerConnection", "CustomerEdge"}
	promotionConn = connType{"PromotionConnection", "PromotionEdge"}
)

// fields are the fields a selection asks of an object of types, with
// fragments and @skip/@include applied, as gqlgen collects them.
func (p *plan) fields(sel ast.SelectionSet, types []string) []graphql.CollectedField {
	if len(sel) == 0 {
		return nil
	}
	return graphql.CollectFields(p.op, sel, types)
}

// connection reads a connection field's selections: those on its nodes
// (through nodes and edges.node), and whether it counts them.
func (p *plan) connection(sel ast.SelectionSet, c connType) (nodes []ast.SelectionSet, total bool) {
	for _, f := range p.fields(sel, []string{c.conn}) {
		switch f.Name {
		case "nodes":
			nodes = append(nodes, f.Selections)
		case "totalCount":
			total = true
		case "edges":
			for _, e := range p.fields(f.Selections, []string{c.edge}) {
				if e.Name == "node" {
					nodes = append(nodes, e.Selections)
				}
			}
		}
	}
	return nodes, total
}

// args are a field's arguments with variables and defaults applied; false
// when they cannot be read, and the resolver will say why.
func (p *plan) args(f graphql.CollectedField) (args map[string]any, ok bool) {
	defer func() {
		if recover() != nil {
			args, ok = nil, false
		}
	}()
	return f.ArgumentMap(p.op.Variables), true
}

// pageArgs reads first, after, last and before as the resolvers get them.
func pageArgs(args map[string]any) (page.Args, bool) {
	var a page.Args
	ints := []struct {
		name string
		dst  **int
	}{{"first", &a.First}, {"last", &a.Last}}
	for _, n := range ints {
		if v := args[n.name]; v != nil {
			i, err := graphql.UnmarshalInt(v)
			if err != nil {
				return a, false
			}
			*n.dst = &i
		}
	}
	strs := []struct {
		name string
		dst  **string
	}{{"after", &a.After}, {"before", &a.Before}}
	for _, n := range strs {
		if v := args[n.name]; v != nil {
			s, ok := v.(string)
			if !ok {
				return a, false
			}
			*n.dst = &s
		}
	}
	return a, true
}

// channelArg reads eligiblePromotions' channelId (nil: not given).
func (p *plan) channelArg(f graphql.CollectedField) (*int64, bool) {
	args, ok := p.args(f)
	if !ok {
		return nil, false
	}
	v := args["channelId"]
	if v == nil {
		return nil, true
	}
	id, err := graphql.UnmarshalInt64(v)
	if err != nil {
		return nil, false
	}
	return &id, true
}

// pageOf reads a connection field's page as its resolver will; false when
// the resolver will refuse it.
func pageOf[K store.Key](p *plan, f graphql.CollectedField) (store.Page[K], bool) {
	args, ok := p.args(f)
	if !ok {
		return store.Page[K]{}, false
	}
	a, ok := pageArgs(args)
	if !ok {
		return store.Page[K]{}, false
	}
	pg, err := page.Parse[K](a)
	return pg, err == nil
}

// pagesOf plans connection field f of parents: the parents' pages of f's
// shape in one call, their counts when f selects totalCount, then the
// selections on the pages' nodes.
func pagesOf[P comparable, K store.Key, N any](p *plan, f graphql.CollectedField, parents []P,
	pages *loaders.Loader[loaders.PageKey[P, K], store.PageOf[N]], counts *loaders.Loader[P, int],
	c connType, children func(ast.SelectionSet, []N),
) {
	pg, ok := pageOf[K](p, f)
	if !ok {
		return
	}
	shape := loaders.ShapeOf(pg)
	keys := make([]loaders.PageKey[P, K], len(parents))
	for i, parent := range parents {
		keys[i] = loaders.PageKey[P, K]{Parent: parent, Page: shape}
	}
	want(p, pages, keys...)
	nodes, total := p.connection(f.Selections, c)
	if total {
		want(p, counts, parents...)
	}
	if len(nodes) == 0 {
		return
	}
	p.then(func() {
		var items []N
		for _, k := range keys {
			if pg, err := pages.Load(p.ctx, k)(); err == nil {
				items = append(items, pg.Items...)
			}
		}
		for _, sel := range nodes {
			children(sel, items)
		}
	})
}

// found loads what a round fetched for keys, leaving out missing ones.
func found[K comparable, V any](p *plan, l *loaders.Loader[K, *V], keys []K) []*V {
	out := make([]*V, 0, len(keys))
	for _, k := range keys {
		if v, err := l.Load(p.ctx, k)(); err == nil && v != nil {
			out = append(out, v)
		}
	}
	return out
}

// related plans a field that names one object per parent by key: the
// objects in one call, then the field's selections on them.
func related[K comparable, V any](p *plan, f graphql.CollectedField, l *loaders.Loader[K, *V], keys []K, children func(ast.SelectionSet, []*V)) {
	want(p, l, keys...)
	if len(f.Selections) == 0 {
		return
	}
	p.then(func() { children(f.Selections, found(p, l, keys)) })
}

// shopperData wants what the request's storefront shopper is, for the
// viewer's fields and the eligibility and visibility checks of resolvers:
// their customer, profile, its segment ids and segments, in one read that
// primes the loaders of all four. What needs them is planned in a later
// then.
func (p *plan) shopperData() {
	if p.shopped || !p.who.IsShopper() || p.who.IsGuest() {
		return
	}
	p.shopped = true
	cid := p.who.CustomerID
	want(p, p.l.Shoppers, cid)
	p.then(func() {
		rec, err := p.l.Shoppers.Load(p.ctx, cid)()
		if err != nil {
			return // the resolvers read each part again, and say why
		}
		loaders.PrimeFound(p.ctx, p.l.CustomerByID, cid, rec.Customer)
		loaders.PrimeFound(p.ctx, p.l.ProfileByCustomerID, cid, rec.Profile)
		if rec.Profile != nil {
			loaders.PrimeFound(p.ctx, p.l.ProfileByID, rec.Profile.ID, rec.Profile)
			p.l.ProfileSegmentIDs.Prime(p.ctx, rec.Profile.ID, rec.SegmentIDs, nil)
		}
		for _, sg := range rec.Segments {
			if sg != nil {
				loaders.PrimeFound(p.ctx, p.l.SegmentByID, sg.ID, sg)
			}
		}
	})
}

// ids gives the keys of objects.
func ids[T any, K comparable](objs []T, key func(T) K) []K {
	out := make([]K, len(objs))
	for i, o := range objs {
		out[i] = key(o)
	}
	return out
}

// prefetchPayload plans a mutation's payload of type typ: fields names
// each payload field that holds objects and how to plan its selections.
func (r *Resolver) prefetchPayload(ctx context.Context, typ string, fields map[string]func(p *plan, sel ast.SelectionSet)) {
	r.prefetch(ctx, func(p *plan, root graphql.CollectedField) {
		for _, f := range p.fields(root.Selections, []string{typ}) {
			if plan, ok := fields[f.Name]; ok {
				plan(p, f.Selections)
			}
		}
	})
}

// objectsOf plans a payload field holding objects.
func objectsOf[V any](children func(*plan, ast.SelectionSet, []*V), objs ...[]*V) func(*plan, ast.SelectionSet) {
	return func(p *plan, sel ast.SelectionSet) {
		for _, o := range objs {
			children(p, sel, o)
		}
	}
}
