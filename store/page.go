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

// PageSlice reads p from a whole list held in memory, in ascending key
// order: the same page a backend would read from a table.
func PageSlice[T any, K Key](all []T, key func(T) K, p Page[K]) PageOf[T] {
	lo, hi := 0, len(all)
	if p.After != nil {
		lo, _ = slices.BinarySearchFunc(all, *p.After, func(t T, k K) int { return cmp.Compare(key(t), k) })
		if lo < len(all) && key(all[lo]) == *p.After {
			lo++
		}
	}
	if p.Before != nil {
		hi, _ = slices.BinarySearchFunc(all, *p.Before, func(t T, k K) int { return cmp.Compare(key(t), k) })
	}
	if hi < lo {
		hi = lo
	}
	window := all[lo:hi]
	limit := max(p.Limit, 0)
	rows := make([]T, 0, min(limit+1, len(window)))
	if p.Backward {
		for i := len(window) - 1; i >= 0 && len(rows) <= limit; i-- {
			rows = append(rows, window[i])
		}
	} else {
		for i := 0; i < len(window) && len(rows) <= limit; i++ {
			rows = append(rows, window[i])
		}
	}
	return FinishPage(rows, p)
}
