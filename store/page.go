package store

import (
	"cmp"
	"slices"
)

// Key is the type of the column a list is ordered by: a UUID for segments
// and shopper profiles, an integer id for customers and promotions.
type Key interface{ ~string | ~int64 }

// Page asks for one page of a list ordered by its key, read either forwards
// (the first Limit rows after After) or backwards (the last Limit rows
// before Before). Both bounds may be set in either direction.
type Page[K Key] struct {
	After    *K
	Before   *K
	Limit    int  // rows wanted, 0 to 250
	Backward bool // true for `last`: the rows nearest Before
}

// PageOf is one page of a list, always in ascending key order.
type PageOf[T any] struct {
	Items []T
	// More is true when the list holds more rows beyond the page in the
	// reading direction: after the last item forwards, before the first
	// item backwards.
	More bool
}

// FinishPage turns the rows a backend read for p (up to Limit+1 of them,
// in p's reading direction) into the page: the extra row only says there
// is more, and a page always comes in ascending key order.
func FinishPage[T any, K Key](rows []T, p Page[K]) PageOf[T] {
	limit := max(p.Limit, 0)
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	if p.Backward {
		slices.Reverse(rows)
	}
	return PageOf[T]{Items: rows, More: more}
}

// Span is the part all[lo:hi] of a whole list in ascending key order
// (keys distinct) that page p holds, with the store's keyset rules: After
// and Before exclusive, the first Limit keys forwards or the last Limit
// backwards, and more when the bounds hold more keys than the page.
func Span[T any, K Key](all []T, key func(T) K, p Page[K]) (lo, hi int, more bool) {
	byKey := func(t T, k K) int { return cmp.Compare(key(t), k) }
	lo, hi = 0, len(all)
	if p.After != nil {
		i, found := slices.BinarySearchFunc(all, *p.After, byKey)
		if found {
			i++
		}
		lo = i
	}
	if p.Before != nil {
		hi, _ = slices.BinarySearchFunc(all, *p.Before, byKey)
	}
	hi = max(hi, lo)
	limit := max(p.Limit, 0)
	if hi-lo <= limit {
		return lo, hi, false
	}
	if p.Backward {
		return hi - limit, hi, true
	}
	return lo, lo + limit, true
}

// PageSlice reads p from a whole list held in memory, in ascending key
// order: the same page a backend would read from a table.
func PageSlice[T any, K Key](all []T, key func(T) K, p Page[K]) PageOf[T] {
	lo, hi, more := Span(all, key, p)
	return PageOf[T]{Items: append([]T{}, all[lo:hi]...), More: more}
}
