// Package page turns connection arguments into store pages and store pages
// into Relay connections with opaque keyset cursors.
package page

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/segql/segql/store"
)

// Page sizes: 50 when neither first nor last is given, at most 250.
const (
	DefaultSize = 50
	MaxSize     = 250
)

// Args are a connection field's arguments.
type Args struct {
	First, Last   *int
	After, Before *string
}

// Info is a connection's pageInfo.
type Info struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Edge is one node of a connection with its cursor.
type Edge[N any] struct {
	Node   N
	cursor func(N) string
}

// Cursor is the edge's opaque keyset cursor, encoded only when asked for.
func (e *Edge[N]) Cursor() string { return e.cursor(e.Node) }

// Connection is one page of a list. Its edges are made, and its total
// counted, only when a query selects them.
type Connection[N any] struct {
	PageInfo *Info
	items    []N
	cursor   func(N) string
	count    func(context.Context) (int, error)
}

// Nodes returns the page's nodes without their cursors.
func (c *Connection[N]) Nodes() []N { return c.items }

// Edges returns the page's nodes with their cursors.
func (c *Connection[N]) Edges() []*Edge[N] {
	out := make([]*Edge[N], len(c.items))
	for i, n := range c.items {
		out[i] = &Edge[N]{Node: n, cursor: c.cursor}
	}
	return out
}

// TotalCount counts the whole list.
func (c *Connection[N]) TotalCount(ctx context.Context) (int, error) {
	return c.count(ctx)
}

// The connection and edge types the schema names.
type (
	SegmentConnection        = Connection[*store.Segment]
	SegmentEdge              = Edge[*store.Segment]
	ShopperProfileConnection = Connection[*store.ShopperProfile]
	ShopperProfileEdge       = Edge[*store.ShopperProfile]
	CustomerConnection       = Connection[*store.Customer]
	CustomerEdge             = Edge[*store.Customer]
	PromotionConnection      = Connection[*store.Promotion]
	PromotionEdge            = Edge[*store.Promotion]
)

// New builds the connection for a page that was read for req; key gives a
// node's ordering key and count counts the whole list when asked.
func New[N any, K store.Key](p store.PageOf[N], req store.Page[K], key func(N) K, count func(context.Context) (int, error)) *Connection[N] {
	cursor := func(n N) string { return encode(key(n)) }
	c := &Connection[N]{items: nonNil(p.Items), PageInfo: &Info{}, cursor: cursor, count: count}
	if n := len(p.Items); n > 0 {
		start, end := cursor(p.Items[0]), cursor(p.Items[n-1])
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &start, &end
	}
	if req.Backward {
		c.PageInfo.HasPreviousPage = p.More
		c.PageInfo.HasNextPage = req.Before != nil
	} else {
		c.PageInfo.HasNextPage = p.More
		c.PageInfo.HasPreviousPage = req.After != nil
	}
	return c
}

func nonNil[N any](items []N) []N {
	if items == nil {
		return []N{}
	}
	return items
}

const cursorPrefix = "k:"

func encode[K store.Key](k K) string {
	var s string
	switch v := any(k).(type) {
	case string:
		s = v
	case int64:
		s = strconv.FormatInt(v, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + s))
}

func decode[K store.Key](cursor string) (K, bool) {
	var zero K
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return zero, false
	}
	s := strings.TrimPrefix(string(raw), cursorPrefix)
	switch any(zero).(type) {
	case string:
		if !store.ValidUUID(s) {
			return zero, false
		}
		return any(s).(K), true
	default:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return zero, false
		}
		return any(n).(K), true
	}
}
