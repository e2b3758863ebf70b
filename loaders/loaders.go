// Package loaders holds the per-request dataloaders: one loader per
// lookup, built fresh for every request by Middleware and fetched with For.
// Each batch is one store call, so a query costs as many store round trips
// as it has levels, never one per item.
package loaders

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/segql/segql/store"
)

// ErrNotFound is the result of a key the store does not hold.
var ErrNotFound = errors.New("not found")

// Options tune how loaders batch.
type Options struct {
	// Wait is how long a loader collects keys before it calls the store: a
	// latency floor per query level, chosen by measurement (see README).
	Wait time.Duration
	// MaxBatch caps the keys of one store call.
	MaxBatch int
	// NoBatch makes every key its own store call: the naive N+1, kept to
	// measure what batching saves.
	NoBatch bool
	// ObserveBatch, when set, is told the size of every batch.
	ObserveBatch func(loader string, size int)
}

// Loaders are one request's dataloaders.
type Loaders struct {
	SegmentByID           *dataloader.Loader[string, *store.Segment]
	ProfileByID           *dataloader.Loader[string, *store.ShopperProfile]
	ProfileByCustomerID   *dataloader.Loader[int64, *store.ShopperProfile]
	CustomerByID          *dataloader.Loader[int64, *store.Customer]
	PromotionByID         *dataloader.Loader[int64, *store.Promotion]
	ProfileSegmentIDs     *dataloader.Loader[string, []string]
	EnabledPromotions     *dataloader.Loader[struct{}, []*store.Promotion]
	SegmentProfiles       *dataloader.Loader[PageKey[string, string], store.PageOf[*store.ShopperProfile]]
	ProfileSegments       *dataloader.Loader[PageKey[string, string], store.PageOf[*store.Segment]]
	SegmentPromotions     *dataloader.Loader[PageKey[string, int64], store.PageOf[*store.Promotion]]
	SegmentProfileCount   *dataloader.Loader[string, int]
	ProfileSegmentCount   *dataloader.Loader[string, int]
	SegmentPromotionCount *dataloader.Loader[string, int]
}

// New builds a fresh set of loaders over s; they live for one request.
func New(s store.Store, o Options) *Loaders {
	return &Loaders{
		SegmentByID:           newLoader(o, "segment", byKey(s.SegmentsByIDs)),
		ProfileByID:           newLoader(o, "shopper_profile", byKey(s.ShopperProfilesByIDs)),
		ProfileByCustomerID:   newLoader(o, "shopper_profile_by_customer", byKey(s.ShopperProfilesByCustomerIDs)),
		CustomerByID:          newLoader(o, "customer", byKey(s.CustomersByIDs)),
		PromotionByID:         newLoader(o, "promotion", byKey(s.PromotionsByIDs)),
		ProfileSegmentIDs:     newLoader(o, "profile_segment_ids", all(s.ProfileSegmentIDs)),
		EnabledPromotions:     newLoader(o, "enabled_promotions", enabledPromotions(s)),
		SegmentProfiles:       newLoader(o, "segment_profiles", pages(s.SegmentProfilePages)),
		ProfileSegments:       newLoader(o, "profile_segments", pages(s.ProfileSegmentPages)),
		SegmentPromotions:     newLoader(o, "segment_promotions", pages(s.SegmentPromotionPages)),
		SegmentProfileCount:   newLoader(o, "segment_profile_count", all(s.CountSegmentProfiles)),
		ProfileSegmentCount:   newLoader(o, "profile_segment_count", all(s.CountProfileSegments)),
		SegmentPromotionCount: newLoader(o, "segment_promotion_count", all(s.CountSegmentPromotions)),
	}
}

func newLoader[K comparable, V any](o Options, name string, fetch dataloader.BatchFunc[K, V]) *dataloader.Loader[K, V] {
	batch := fetch
	if o.ObserveBatch != nil {
		batch = func(ctx context.Context, keys []K) []*dataloader.Result[V] {
			o.ObserveBatch(name, len(keys))
			return fetch(ctx, keys)
		}
	}
	if o.NoBatch {
		return dataloader.NewBatchedLoader(batch, dataloader.WithBatchCapacity[K, V](1), dataloader.WithWait[K, V](0))
	}
	opts := []dataloader.Option[K, V]{dataloader.WithWait[K, V](o.Wait)}
	if o.MaxBatch > 0 {
		opts = append(opts, dataloader.WithBatchCapacity[K, V](o.MaxBatch))
	}
	return dataloader.NewBatchedLoader(batch, opts...)
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

// Middleware gives every request its own loaders, so nothing loaded for one
// request is seen by another and no loader outlives its request.
// options picks the loaders' options for each request.
func Middleware(s store.Store, options func(*http.Request) Options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), ctxKey{}, New(s, options(r)))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// For returns the request's loaders.
func For(ctx context.Context) *Loaders {
	return ctx.Value(ctxKey{}).(*Loaders)
}

// Find loads one key and answers nil, without error, when it is missing.
func Find[K comparable, V any](ctx context.Context, l *dataloader.Loader[K, *V], key K) (*V, error) {
	v, err := l.Load(ctx, key)()
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// FindMany loads keys in one batch and answers nil for each missing one.
func FindMany[K comparable, V any](ctx context.Context, l *dataloader.Loader[K, *V], keys []K) ([]*V, error) {
	vs, errs := l.LoadMany(ctx, keys)()
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
// same request.
func (l *Loaders) Clear() {
	l.SegmentByID.ClearAll()
	l.ProfileByID.ClearAll()
	l.ProfileByCustomerID.ClearAll()
	l.CustomerByID.ClearAll()
	l.PromotionByID.ClearAll()
	l.ProfileSegmentIDs.ClearAll()
	l.EnabledPromotions.ClearAll()
	l.SegmentProfiles.ClearAll()
	l.ProfileSegments.ClearAll()
	l.SegmentPromotions.ClearAll()
	l.SegmentProfileCount.ClearAll()
	l.ProfileSegmentCount.ClearAll()
	l.SegmentPromotionCount.ClearAll()
}
