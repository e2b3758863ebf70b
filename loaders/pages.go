package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/segql/segql/store"
)

// PageKey asks for one page of a parent's list. Keys that ask for pages of
// the same shape share one store call.
type PageKey[P comparable, K store.Key] struct {
	Parent P
	Page   Shape[K]
}

// Shape is store.Page in a comparable form, usable in a loader key.
type Shape[K store.Key] struct {
	After, Before       K
	HasAfter, HasBefore bool
	Limit               int
	Backward            bool
}

// ShapeOf turns a store page into its comparable shape.
func ShapeOf[K store.Key](p store.Page[K]) Shape[K] {
	s := Shape[K]{Limit: p.Limit, Backward: p.Backward}
	if p.After != nil {
		s.After, s.HasAfter = *p.After, true
	}
	if p.Before != nil {
		s.Before, s.HasBefore = *p.Before, true
	}
	return s
}

// Page turns the shape back into a store page.
func (s Shape[K]) Page() store.Page[K] {
	p := store.Page[K]{Limit: s.Limit, Backward: s.Backward}
	if s.HasAfter {
		p.After = &s.After
	}
	if s.HasBefore {
		p.Before = &s.Before
	}
	return p
}

// pages adapts a per-parent page lookup: keys are grouped by page shape and
// each group is one store call (a query's keys at one level share a shape).
func pages[P comparable, K store.Key, V any](fetch func(context.Context, []P, store.Page[K]) ([]store.PageOf[V], error)) dataloader.BatchFunc[PageKey[P, K], store.PageOf[V]] {
	return func(ctx context.Context, keys []PageKey[P, K]) []*dataloader.Result[store.PageOf[V]] {
		out := make([]*dataloader.Result[store.PageOf[V]], len(keys))
		groups := map[Shape[K]][]int{}
		var order []Shape[K]
		for i, k := range keys {
			if _, ok := groups[k.Page]; !ok {
				order = append(order, k.Page)
			}
			groups[k.Page] = append(groups[k.Page], i)
		}
		for _, shape := range order {
			idx := groups[shape]
			parents := make([]P, len(idx))
			for j, i := range idx {
				parents[j] = keys[i].Parent
			}
			found, err := fetch(ctx, parents, shape.Page())
			for j, r := range results(parents, found, err, func(store.PageOf[V]) error { return nil }) {
				out[idx[j]] = r
			}
		}
		return out
	}
}
