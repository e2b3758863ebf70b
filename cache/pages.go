package cache

import (
	"context"

	"github.com/segql/segql/store"
)

// derivedPages builds one page per list: the ids of the page from the list,
// the children from the list's own items when it carries them, else from
// fetch (the cached lookup of the children's family), in one batch for
// every list.
func derivedPages[K store.Key, E any](ctx context.Context, lists []children[K, *E], p store.Page[K], fetch func(context.Context, []K) ([]*E, error)) ([]store.PageOf[*E], error) {
	type window struct {
		lo, hi int
		more   bool
	}
	windows := make([]window, len(lists))
	known := map[K]*E{}
	var need []K
	for i, l := range lists {
		lo, hi, more := store.Span(l.IDs, identity[K], p)
		windows[i] = window{lo, hi, more}
		if l.Items != nil {
			for j := lo; j < hi; j++ {
				known[l.IDs[j]] = l.Items[j]
			}
		}
	}
	for i, l := range lists {
		if l.Items != nil {
			continue
		}
		for _, id := range l.IDs[windows[i].lo:windows[i].hi] {
			if _, ok := known[id]; !ok {
				known[id] = nil
				need = append(need, id)
			}
		}
	}
	if len(need) > 0 {
		got, err := fetch(ctx, need)
		if err != nil {
			return nil, err
		}
		for j, id := range need {
			known[id] = got[j]
		}
	}
	out := make([]store.PageOf[*E], len(lists))
	for i, l := range lists {
		w := windows[i]
		var items []*E
		for _, id := range l.IDs[w.lo:w.hi] {
			// A child deleted since its list was read is left out, as the
			// store's join would.
			if it := known[id]; it != nil {
				items = append(items, it)
			}
		}
		out[i] = store.PageOf[*E]{Items: items, More: w.more}
	}
	return out, nil
}

func identity[K any](k K) K { return k }
