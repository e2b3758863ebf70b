package page

import (
	"fmt"

	"github.com/segql/segql/store"
)

// ArgError is a bad connection argument; resolvers answer it with the
// BAD_USER_INPUT code.
type ArgError struct{ Msg string }

func (e *ArgError) Error() string { return e.Msg }

// Parse checks a connection's arguments and turns them into a store page:
// first and last are 1..250 and not both given; cursors must be ones this
// server issued for a list of the same key type.
func Parse[K store.Key](a Args) (store.Page[K], error) {
	var p store.Page[K]
	if a.First != nil && a.Last != nil {
		return p, &ArgError{"first and last cannot be given together"}
	}
	p.Limit = DefaultSize
	for _, n := range []struct {
		name string
		v    *int
	}{{"first", a.First}, {"last", a.Last}} {
		if n.v == nil {
			continue
		}
		if *n.v < 0 || *n.v > MaxSize {
			return p, &ArgError{fmt.Sprintf("%s must be between 0 and %d", n.name, MaxSize)}
		}
		p.Limit = *n.v
	}
	p.Backward = a.Last != nil
	for _, c := range []struct {
		name string
		v    *string
		dst  **K
	}{{"after", a.After, &p.After}, {"before", a.Before, &p.Before}} {
		if c.v == nil {
			continue
		}
		k, ok := decode[K](*c.v)
		if !ok {
			return p, &ArgError{fmt.Sprintf("%s is not a valid cursor for this list", c.name)}
		}
		*c.dst = &k
	}
	return p, nil
}
