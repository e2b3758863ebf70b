// Package loaders holds the per-request dataloaders: one loader per
// lookup, built fresh for every root field of an operation and fetched
// with For. Batches are dispatched explicitly (Loader.Prefetch), never by
// a timer, so a query costs a number of store round trips that follows
// from the query alone.
package loaders

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/segql/segql/store"
)

// ErrNotFound is the result of a key the store does not hold.
var ErrNotFound = errors.New("not found")

// Options tune how loaders batch.
type Options struct {
	// MaxBatch caps the keys of one store call; 0: no cap.
	MaxBatch int
	// NoBatch makes every key its own store call: the naive N+1, kept to
	// measure what batching saves.
	NoBatch bool
	// ObserveBatch, when set, is told the size of every batch.
	ObserveBatch func(loader string, size int)
}

// Loaders are one root field's dataloaders.
type Loaders struct {
	SegmentByID         *Loader[string, *store.Segment]
	ProfileByID         *Loader[string, *store.ShopperProfile]
	ProfileByCustomerID *Loader[int64, *store.ShopperProfile]
	CustomerByID        *Loader[int64, *store.Customer]
	PromotionByID       *Loader[int64, *store.Promotion]
	ProfileSegmentIDs   *Loader[string, []string]
	// Shoppers reads a customer, their profile and its segment ids at once
	// (the storefront's viewer); the plan primes the three loaders above
	// with what it answers.
	Shoppers              *Loader[int64, store.ShopperRecord]
	EnabledPromotions     *Loader[struct{}, []*store.Promotion]
	SegmentProfiles       *Loader[PageKey[string, string], store.PageOf[*store.ShopperProfile]]
	ProfileSegments       *Loader[PageKey[string, string], store.PageOf[*store.Segment]]
	SegmentPromotions     *Loader[PageKey[string, int64], store.PageOf[*store.Promotion]]
	SegmentProfileCount   *Loader[string, int]
	ProfileSegmentCount   *Loader[string, int]
	SegmentPromotionCount *Loader[string, int]
	// Naive reports the naive mode (Options.NoBatch): nothing is prefetched.
	Naive bool
}

// New builds a fresh set of loaders over s.
func New(s store.Store, o Options) *Loaders {
	return &Loaders{
		SegmentByID:           newLoader(o, "segment", byKey(s.SegmentsByIDs)),
		ProfileByID:           newLoader(o, "shopper_profile", byKey(s.ShopperProfilesByIDs)),
		ProfileByCustomerID:   newLoader(o, "shopper_profile_by_customer", byKey(s.ShopperProfilesByCustomerIDs)),
		CustomerByID:          newLoader(o, "customer", byKey(s.CustomersByIDs)),
		PromotionByID:         newLoader(o, "promotion", byKey(s.PromotionsByIDs)),
		ProfileSegmentIDs:     newLoader(o, "profile_segment_ids", all(s.ProfileSegmentIDs)),
		Shoppers:              newLoader(o, "shoppers", all(s.ShoppersByCustomerIDs)),
		EnabledPromotions:     newLoader(o, "enabled_promotions", enabledPromotions(s)),
		SegmentProfiles:       newLoader(o, "segment_profiles", pages(s.SegmentProfilePages)),
		ProfileSegments:       newLoader(o, "profile_segments", pages(s.ProfileSegmentPages)),
		SegmentPromotions:     newLoader(o, "segment_promotions", pages(s.SegmentPromotionPages)),
		SegmentProfileCount:   newLoader(o, "segment_profile_count", all(s.CountSegmentProfiles)),
		ProfileSegmentCount:   newLoader(o, "profile_segment_count", all(s.CountProfileSegments)),
		SegmentPromotionCount: newLoader(o, "segment_promotion_count", all(s.CountSegmentPromotions)),
		Naive:                 o.NoBatch,
	}
}

// byKey adapts a store lookup that answers nil for a missing key.
func byKey[K comparable, V any](fetch func(context.Context, []K) ([]*V, error)) dataloader.BatchFunc[K, *V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[*V] {
		found, err := fetch(ctx, keys)
		return results(keys, found, err, func(v *V) error {
			if v == nil {
				return ErrNotFound
			}
			return nil
		})
	}
}

// all adapts a store lookup that answers every key.
func all[K comparable, V any](fetch func(context.Context, []K) ([]V, error)) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		found, err := fetch(ctx, keys)
		return results(keys, found, err, func(V) error { return nil })
	}
}

func enabledPromotions(s store.Store) dataloader.BatchFunc[struct{}, []*store.Promotion] {
	return func(ctx context.Context, keys []struct{}) []*dataloader.Result[[]*store.Promotion] {
		ps, err := s.EnabledPromotions(ctx)
		out := make([]*dataloader.Result[[]*store.Promotion], len(keys))
		for i := range keys {
			out[i] = &dataloader.Result[[]*store.Promotion]{Data: ps, Error: err}
		}
		return out
	}
}

// results pairs a store answer with its keys, in key order.
func results[K comparable, V any](keys []K, found []V, err error, check func(V) error) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], len(keys))
	if err == nil && len(found) != len(keys) {
		err = fmt.Errorf("loaders: store answered %d results for %d keys", len(found), len(keys))
	}
	for i := range keys {
		if err != nil {
			out[i] = &dataloader.Result[V]{Error: err}
			continue
		}
		v := found[i]
		out[i] = &dataloader.Result[V]{Data: v, Error: check(v)}
	}
	return out
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders of the root field being resolved.
func For(ctx context.Context) *Loaders {
	return ctx.Value(ctxKey{}).(*Loaders)
}

// PerRootField is the gqlgen extension that gives every root field of an
// operation loaders of its own, built fresh and dropped with its answer.
// Root fields of a query run side by side: with loaders shared between
// them, which one fetched a key first, and so how many store calls the
// operation made, would depend on scheduling. Apart, each root field's
// calls follow from its own selections.
type PerRootField struct {
	Store   store.Store
	Options Options
}

var _ interface {
	graphql.HandlerExtension
	graphql.RootFieldInterceptor
} = PerRootField{}

// ExtensionName names the extension for gqlgen.
func (PerRootField) ExtensionName() string { return "PerRootFieldLoaders" }

// Validate accepts every schema.
func (PerRootField) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptRootField runs the root field with loaders of its own.
func (e PerRootField) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	return next(With(ctx, New(e.Store, e.Options)))
}

// Find loads one key and answers nil, without error, when it is missing.
func Find[K comparable, V any](ctx context.Context, l *Loader[K, *V], key K) (*V, error) {
	v, err := l.Load(ctx, key)()
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// PrimeFound keeps v for key as a lookup of it would have answered:
// ErrNotFound for nil.
func PrimeFound[K comparable, V any](ctx context.Context, l *Loader[K, *V], key K, v *V) {
	var err error
	if v == nil {
		err = ErrNotFound
	}
	l.Prime(ctx, key, v, err)
}

// FindMany loads keys in one batch and answers nil for each missing one.
func FindMany[K comparable, V any](ctx context.Context, l *Loader[K, *V], keys []K) ([]*V, error) {
	vs, errs := l.LoadMany(ctx, keys)
	for i, err := range errs {
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if err != nil {
			vs[i] = nil
		}
	}
	return vs, nil
}

// Clear forgets every loaded value, for reads that follow a write in the
// same root field.
func (l *Loaders) Clear() {
	l.SegmentByID.ClearAll()
	l.ProfileByID.ClearAll()
	l.ProfileByCustomerID.ClearAll()
	l.CustomerByID.ClearAll()
	l.PromotionByID.ClearAll()
	l.ProfileSegmentIDs.ClearAll()
	l.Shoppers.ClearAll()
	l.EnabledPromotions.ClearAll()
	l.SegmentProfiles.ClearAll()
	l.ProfileSegments.ClearAll()
	l.SegmentPromotions.ClearAll()
	l.SegmentProfileCount.ClearAll()
	l.ProfileSegmentCount.ClearAll()
	l.SegmentPromotionCount.ClearAll()
}
