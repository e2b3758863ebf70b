package store

import "slices"

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
