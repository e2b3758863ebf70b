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
	Cursor string
	Node   N
}

// Connection is one page of a list. Its total is counted only when a
// query selects totalCount.
type Connection[N any] struct {
	Edges    []*Edge[N]
	PageInfo *Info
	count    func(context.Context) (int, error)
}

// Nodes returns the page's nodes without their cursors.
func (c *Connection[N]) Nodes() []N {
	out := make([]N, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
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
	c := &Connection[N]{Edges: make([]*Edge[N], len(p.Items)), PageInfo: &Info{}, count: count}
	for i, n := range p.Items {
		c.Edges[i] = &Edge[N]{Cursor: encode(key(n)), Node: n}
	}
	if len(c.Edges) > 0 {
		c.PageInfo.StartCursor = &c.Edges[0].Cursor
		c.PageInfo.EndCursor = &c.Edges[len(c.Edges)-1].Cursor
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
