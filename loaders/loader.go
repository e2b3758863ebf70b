package loaders

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/graph-gophers/dataloader/v7"
)

// Loader is one lookup's per-request loader. Its batches are dispatched
// explicitly, never by a timer: Prefetch and LoadMany fetch every key not
// loaded yet in one batch call, and Load of a key not loaded yet is one
// call of its own. So how many calls a request makes follows from what it
// asks for alone, not from how its goroutines were scheduled.
//
// dataloader keeps what was loaded for the rest of the request and shares
// one call between concurrent Loads of one key.
type Loader[K comparable, V any] struct {
	dl    *dataloader.Loader[K, V]
	cache *dataloader.InMemoryCache[K, V]
	fetch dataloader.BatchFunc[K, V]
	// max caps the keys of one batch call; 0: no cap.
	max int
	// naive fetches every key with a call of its own, even in Prefetch and
	// LoadMany: the N+1 that batching saves, kept to measure it.
	naive bool
}

func newLoader[K comparable, V any](o Options, name string, fetch dataloader.BatchFunc[K, V]) *Loader[K, V] {
	if o.ObserveBatch != nil {
		inner := fetch
		fetch = func(ctx context.Context, keys []K) []*dataloader.Result[V] {
			o.ObserveBatch(name, len(keys))
			return inner(ctx, keys)
		}
	}
	cache := dataloader.NewCache[K, V]()
	// A batch of one: a key nobody prefetched is fetched at once, alone.
	dl := dataloader.NewBatchedLoader(fetch,
		dataloader.WithCache[K, V](cache),
		dataloader.WithBatchCapacity[K, V](1),
		dataloader.WithWait[K, V](0))
	return &Loader[K, V]{dl: dl, cache: cache, fetch: fetch, max: o.MaxBatch, naive: o.NoBatch}
}

// Load answers one key: from what this request loaded already, or with a
// call for this key alone.
func (l *Loader[K, V]) Load(ctx context.Context, key K) dataloader.Thunk[V] {
	// Most loads find what the plan fetched: read it without dataloader's
	// locks and tracing.
	if th, ok := l.cache.Get(ctx, key); ok {
		return th
	}
	return l.dl.Load(ctx, key)
}

// LoadMany answers keys in order, fetching the ones not loaded yet in one
// call.
func (l *Loader[K, V]) LoadMany(ctx context.Context, keys []K) ([]V, []error) {
	l.Prefetch(ctx, keys)
	vs := make([]V, len(keys))
	errs := make([]error, len(keys))
	for i, k := range keys {
		vs[i], errs[i] = l.Load(ctx, k)()
	}
	return vs, errs
}

// Prefetch fetches, in one call (or one per max keys), every key not
// loaded yet in this request, and keeps the results for Load. The keys a
// call fetches are in first-seen order, without repeats.
func (l *Loader[K, V]) Prefetch(ctx context.Context, keys []K) {
	if l.naive {
		return
	}
	var missing []K
	seen := make(map[K]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := l.cache.Get(ctx, k); !ok {
			missing = append(missing, k)
		}
	}
	for len(missing) > 0 {
		n := len(missing)
		if l.max > 0 {
			n = min(n, l.max)
		}
		l.keep(ctx, missing[:n], l.call(ctx, missing[:n]))
		missing = missing[n:]
	}
}

// call runs the batch function; a panic in it is every key's error, as
// dataloader reports one, rather than a crash.
func (l *Loader[K, V]) call(ctx context.Context, keys []K) (out []*dataloader.Result[V]) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("loaders: panic in batch function: %v\n%s", r, debug.Stack())
			out = make([]*dataloader.Result[V], len(keys))
			for i := range out {
				out[i] = &dataloader.Result[V]{Error: err}
			}
		}
	}()
	return l.fetch(ctx, keys)
}

// keep stores each key's result, errors included, so the resolvers that
// read a key report what the call answered without calling again.
func (l *Loader[K, V]) keep(ctx context.Context, keys []K, results []*dataloader.Result[V]) {
	for i, k := range keys {
		r := &dataloader.Result[V]{Error: dataloader.ErrNoResultProvided}
		switch {
		case len(results) != len(keys):
			r = &dataloader.Result[V]{Error: fmt.Errorf("loaders: batch answered %d results for %d keys", len(results), len(keys))}
		case results[i] != nil:
			r = results[i]
		}
		l.cache.Set(ctx, k, func() (V, error) { return r.Data, r.Error })
	}
}

// Prime keeps a result for key, unless the request loaded key already:
// for values read by another lookup that answers this one's too.
func (l *Loader[K, V]) Prime(ctx context.Context, key K, v V, err error) {
	if _, ok := l.cache.Get(ctx, key); !ok {
		l.cache.Set(ctx, key, func() (V, error) { return v, err })
	}
}

// ClearAll forgets every loaded key.
func (l *Loader[K, V]) ClearAll() { l.dl.ClearAll() }
