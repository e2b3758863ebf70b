package resolvers

import (
	"context"
	"errors"

	"github.com/segql/segql/loaders"
	"github.com/segql/segql/resolvers/page"
	"github.com/segql/segql/store"
)

func segmentKey(s *store.Segment) string        { return s.ID }
func profileKey(p *store.ShopperProfile) string { return p.ID }
func customerKey(c *store.Customer) int64       { return c.ID }
func promotionKey(p *store.Promotion) int64     { return p.ID }
func notFoundIsNil(err error) error {
	if errors.Is(err, loaders.ErrNotFound) {
		return nil
	}
	return err
}

// list answers a root connection: one store call for the page, and one
// more only when the query selects totalCount.
func list[N any, K store.Key](ctx context.Context, args page.Args,
	read func(context.Context, store.Page[K]) (store.PageOf[N], error),
	count func(context.Context) (int, error), key func(N) K,
) (*page.Connection[N], error) {
	p, err := page.Parse[K](args)
	if err != nil {
		return nil, argError(err)
	}
	items, err := read(ctx, p)
	if err != nil {
		return nil, err
	}
	return page.New(items, p, key, count), nil
}

// edgeList answers a connection below a parent through the loaders: pages
// of every parent at one level share one store call, and so do counts.
func edgeList[P comparable, N any, K store.Key](ctx context.Context, parent P, args page.Args,
	pages *loaders.Loader[loaders.PageKey[P, K], store.PageOf[N]],
	counts *loaders.Loader[P, int], key func(N) K,
) (*page.Connection[N], error) {
	p, err := page.Parse[K](args)
	if err != nil {
		return nil, argError(err)
	}
	items, err := pages.Load(ctx, loaders.PageKey[P, K]{Parent: parent, Page: loaders.ShapeOf(p)})()
	if err != nil {
		return nil, err
	}
	count := func(ctx context.Context) (int, error) { return counts.Load(ctx, parent)() }
	return page.New(items, p, key, count), nil
}

// emptyList is a connection with nothing in it, for a parent that has no list.
func emptyList[N any, K store.Key](args page.Args, key func(N) K) (*page.Connection[N], error) {
	p, err := page.Parse[K](args)
	if err != nil {
		return nil, argError(err)
	}
	return page.New(store.PageOf[N]{}, p, key, func(context.Context) (int, error) { return 0, nil }), nil
}
