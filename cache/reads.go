package cache

import (
	"context"

	"github.com/segql/segql/store"
)

func isNil[T any](v *T) bool { return v == nil }

// The entity families.
var (
	segmentFamily   = &family[string, *store.Segment]{name: famSegment, key: uuidKey, codec: segmentCodec, missing: isNil[store.Segment]}
	profileFamily   = &family[string, *store.ShopperProfile]{name: famProfile, key: uuidKey, codec: profileCodec, missing: isNil[store.ShopperProfile]}
	customerFamily  = &family[int64, *store.Customer]{name: famCustomer, key: intKey, codec: customerCodec, missing: isNil[store.Customer]}
	promotionFamily = &family[int64, *store.Promotion]{name: famPromotion, key: intKey, codec: promotionCodec, missing: isNil[store.Promotion]}
)

// The list families: a profile's segment ids, a segment's promotion ids.
// Loaded through the store's pages, a list comes with its children, which
// are written back to their own family too.
var (
	profSegsFamily  = listFamily(famProfSegs, uuidKey, segmentFamily)
	segPromosFamily = listFamily(famSegPromos, uuidKey, promotionFamily)
)

func listFamily[K store.Key, E any](name string, key func(string) (string, bool), items *family[K, *E]) *family[string, children[K, *E]] {
	return &family[string, children[K, *E]]{
		name:      name,
		key:       key,
		codec:     childrenCodec[K, *E](),
		cacheable: func(c children[K, *E]) bool { return !c.Incomplete },
		extra:     items.name,
		also: func(s *Store, c children[K, *E], itemsGen string) []writeEntry {
			// The children were read after the children family's
			// generation, but no version of theirs was read first: each
			// is written only if its version key does not exist, that is
			// if no write has invalidated it in versionTTL (see
			// writeEntry), and the generation is unchanged.
			var out []writeEntry
			for i, it := range c.Items {
				if it == nil {
					continue
				}
				id, ok := items.key(c.IDs[i])
				if !ok {
					continue
				}
				b, err := items.codec.encode(it)
				if err != nil {
					continue
				}
				out = append(out, writeEntry{family: items.name, gen: itemsGen, id: id, ver: 0, ttl: s.jitter(s.o.TTL), value: b})
			}
			return out
		},
		forJoiners: func(c children[K, *E]) children[K, *E] {
			c.Items = nil
			return c
		},
	}
}

func (s *Store) SegmentsByIDs(ctx context.Context, ids []string) ([]*store.Segment, error) {
	return lookup(ctx, s, segmentFamily, "", ids, s.next.SegmentsByIDs)
}

func (s *Store) ShopperProfilesByIDs(ctx context.Context, ids []string) ([]*store.ShopperProfile, error) {
	return lookup(ctx, s, profileFamily, "", ids, s.next.ShopperProfilesByIDs)
}

func (s *Store) CustomersByIDs(ctx context.Context, ids []int64) ([]*store.Customer, error) {
	return lookup(ctx, s, customerFamily, "", ids, s.next.CustomersByIDs)
}

func (s *Store) PromotionsByIDs(ctx context.Context, ids []int64) ([]*store.Promotion, error) {
	return lookup(ctx, s, promotionFamily, "", ids, s.next.PromotionsByIDs)
}

// profileSegments gives each profile's segment ids: read whole through
// the store's pages (with the segments) when pages is set, through
// ProfileSegmentIDs otherwise.
func (s *Store) profileSegments(ctx context.Context, profileIDs []string, pages bool) ([]children[string, *store.Segment], error) {
	if pages {
		return lookup(ctx, s, profSegsFamily, "pages", profileIDs, func(ctx context.Context, ids []string) ([]children[string, *store.Segment], error) {
			ps, err := s.next.ProfileSegmentPages(ctx, ids, store.Page[string]{Limit: listLimit})
			return childrenOf(ps, err, func(sg *store.Segment) string { return sg.ID })
		})
	}
	return lookup(ctx, s, profSegsFamily, "ids", profileIDs, func(ctx context.Context, ids []string) ([]children[string, *store.Segment], error) {
		lists, err := s.next.ProfileSegmentIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := make([]children[string, *store.Segment], len(lists))
		for i, l := range lists {
			out[i] = children[string, *store.Segment]{IDs: l}
		}
		return out, nil
	})
}

// segmentPromotions gives each segment's promotion ids, read whole through
// the store's pages with the promotions.
func (s *Store) segmentPromotions(ctx context.Context, segmentIDs []string) ([]children[int64, *store.Promotion], error) {
	return lookup(ctx, s, segPromosFamily, "pages", segmentIDs, func(ctx context.Context, ids []string) ([]children[int64, *store.Promotion], error) {
		ps, err := s.next.SegmentPromotionPages(ctx, ids, store.Page[int64]{Limit: listLimit})
		return childrenOf(ps, err, func(p *store.Promotion) int64 { return p.ID })
	})
}

// childrenOf turns whole pages into lists; a page with more rows beyond
// it is an incomplete list.
func childrenOf[K store.Key, E any](pages []store.PageOf[*E], err error, key func(*E) K) ([]children[K, *E], error) {
	if err != nil {
		return nil, err
	}
	out := make([]children[K, *E], len(pages))
	for i, p := range pages {
		c := children[K, *E]{Items: p.Items, Incomplete: p.More}
		for _, it := range p.Items {
			c.IDs = append(c.IDs, key(it))
		}
		out[i] = c
	}
	return out, nil
}

func complete[K store.Key, E any](lists []children[K, *E]) bool {
	for _, l := range lists {
		if l.Incomplete {
			return false
		}
	}
	return true
}

func (s *Store) ProfileSegmentIDs(ctx context.Context, profileIDs []string) ([][]string, error) {
	lists, err := s.profileSegments(ctx, profileIDs, false)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(lists))
	for i, l := range lists {
		out[i] = l.IDs
	}
	return out, nil
}

// ProfileSegmentPages pages each profile's cached segment ids in Go, with
// the store's keyset rules, and reads the segments of the pages from the
// cache.
func (s *Store) ProfileSegmentPages(ctx context.Context, profileIDs []string, p store.Page[string]) ([]store.PageOf[*store.Segment], error) {
	lists, err := s.profileSegments(ctx, profileIDs, true)
	if err != nil {
		return nil, err
	}
	if !complete(lists) {
		return s.next.ProfileSegmentPages(ctx, profileIDs, p)
	}
	return derivedPages(ctx, lists, p, s.SegmentsByIDs)
}

func (s *Store) CountProfileSegments(ctx context.Context, profileIDs []string) ([]int, error) {
	lists, err := s.profileSegments(ctx, profileIDs, false)
	if err != nil {
		return nil, err
	}
	return counts(lists), nil
}

// SegmentPromotionPages pages each segment's cached promotion ids in Go
// and reads the promotions of the pages from the cache.
func (s *Store) SegmentPromotionPages(ctx context.Context, segmentIDs []string, p store.Page[int64]) ([]store.PageOf[*store.Promotion], error) {
	lists, err := s.segmentPromotions(ctx, segmentIDs)
	if err != nil {
		return nil, err
	}
	if !complete(lists) {
		return s.next.SegmentPromotionPages(ctx, segmentIDs, p)
	}
	return derivedPages(ctx, lists, p, s.PromotionsByIDs)
}

func (s *Store) CountSegmentPromotions(ctx context.Context, segmentIDs []string) ([]int, error) {
	lists, err := s.segmentPromotions(ctx, segmentIDs)
	if err != nil {
		return nil, err
	}
	if !complete(lists) {
		return s.next.CountSegmentPromotions(ctx, segmentIDs)
	}
	return counts(lists), nil
}

func counts[K store.Key, E any](lists []children[K, *E]) []int {
	out := make([]int, len(lists))
	for i, l := range lists {
		out[i] = len(l.IDs)
	}
	return out
}

// Reads the cache passes through.

func (s *Store) ListSegments(ctx context.Context, f store.SegmentFilter, p store.Page[string]) (store.PageOf[*store.Segment], error) {
	return s.next.ListSegments(ctx, f, p)
}

func (s *Store) CountSegments(ctx context.Context, f store.SegmentFilter) (int, error) {
	return s.next.CountSegments(ctx, f)
}

func (s *Store) ListShopperProfiles(ctx context.Context, f store.ShopperProfileFilter, p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
	return s.next.ListShopperProfiles(ctx, f, p)
}

func (s *Store) CountShopperProfiles(ctx context.Context, f store.ShopperProfileFilter) (int, error) {
	return s.next.CountShopperProfiles(ctx, f)
}

func (s *Store) ListCustomers(ctx context.Context, f store.CustomerFilter, p store.Page[int64]) (store.PageOf[*store.Customer], error) {
	return s.next.ListCustomers(ctx, f, p)
}

func (s *Store) CountCustomers(ctx context.Context, f store.CustomerFilter) (int, error) {
	return s.next.CountCustomers(ctx, f)
}

func (s *Store) ListPromotions(ctx context.Context, f store.PromotionFilter, p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
	return s.next.ListPromotions(ctx, f, p)
}

func (s *Store) CountPromotions(ctx context.Context, f store.PromotionFilter) (int, error) {
	return s.next.CountPromotions(ctx, f)
}

func (s *Store) SegmentProfilePages(ctx context.Context, segmentIDs []string, p store.Page[string]) ([]store.PageOf[*store.ShopperProfile], error) {
	return s.next.SegmentProfilePages(ctx, segmentIDs, p)
}

func (s *Store) CountSegmentProfiles(ctx context.Context, segmentIDs []string) ([]int, error) {
	return s.next.CountSegmentProfiles(ctx, segmentIDs)
}
