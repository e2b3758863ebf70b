package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/segql/segql/flight"
)

// family describes one family of cached values keyed by K.
type family[K comparable, V any] struct {
	name string
	// key is the id in Redis keys; false for a malformed id, which the
	// store contract answers as missing (the zero V) and so does the cache.
	key   func(K) (string, bool)
	codec codec[V]
	// missing reports a "not found" value, cached for NotFoundTTL.
	missing func(V) bool
	// cacheable, when set, may refuse to cache a value.
	cacheable func(V) bool
	// extra is a family whose generation the read also returns, read
	// before the store read, for the entries of also.
	extra string
	// also gives more entries to write back with a loaded value: the
	// entities a list was loaded with, in the extra family under extraGen.
	also func(s *Store, v V, extraGen string) []writeEntry
	// forJoiners strips from a loaded value what the callers that joined
	// the load (rather than starting it) must not use: what the load read
	// that their own versions do not vouch for.
	forJoiners func(V) V
}

// writeEntry is one key to write back, only if its family generation and
// version are still Gen and Ver.
type writeEntry struct {
	family, gen, id string
	ver             int64
	ttl             time.Duration
	value           []byte
}

// lookup answers ids (in order, repeated ids answered each time) from the
// cache and loads the misses from the store with one call of load, shared
// with every concurrent caller missing the same keys at the same versions.
func lookup[K comparable, V any](ctx context.Context, s *Store, f *family[K, V], kind string, ids []K, load func(context.Context, []K) ([]V, error)) ([]V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return []V{}, nil
	}
	epoch := s.writes.Load()
	uniq, index := dedupe(ids)
	vals := make([]V, len(uniq))
	have := make([]bool, len(uniq))
	vers := make([]int64, len(uniq))
	hasVer := make([]bool, len(uniq))
	parts := make([]string, len(uniq))
	var asked []int // the indexes of uniq looked up in Redis
	for i, id := range uniq {
		p, ok := f.key(id)
		if !ok {
			// Malformed: missing, as the store contract has it.
			have[i] = true
			continue
		}
		parts[i] = p
		asked = append(asked, i)
	}

	var gen, extraGen string
	cached := false
	if len(asked) > 0 {
		askedParts := make([]string, len(asked))
		for j, i := range asked {
			askedParts[j] = parts[i]
		}
		g, xg, items, err := s.readBatch(ctx, f.name, f.extra, askedParts)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil:
			s.count(f.name, "error", len(asked))
		default:
			cached, gen, extraGen = true, g, xg
			hits := 0
			for j, i := range asked {
				switch v := items[j].(type) {
				case string:
					val, err := f.codec.decode([]byte(v))
					if err != nil {
						// Not ours to overwrite: its version is unknown.
						s.o.Logger.Warn("cache: undecodable value", "family", f.name, "id", parts[i], "err", err)
						continue
					}
					vals[i], have[i] = val, true
					hits++
				case int64:
					vers[i], hasVer[i] = v, true
				}
			}
			s.count(f.name, "hit", hits)
			s.count(f.name, "miss", len(asked)-hits)
		}
	}

	var missing []int
	for i := range uniq {
		if !have[i] {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		missIDs := make([]K, len(missing))
		for j, i := range missing {
			missIDs[j] = uniq[i]
		}
		key := flightKey(f.name, kind, epoch, cached, []string{gen, extraGen}, missing, func(i int) string {
			if hasVer[i] {
				return parts[i] + "@" + strconv.FormatInt(vers[i], 10)
			}
			return parts[i] + "@?"
		})
		v, leader, err := s.load(ctx, key, func(ctx context.Context) (any, error) {
			got, err := load(ctx, missIDs)
			if err != nil {
				return nil, err
			}
			if len(got) != len(missIDs) {
				return nil, fmt.Errorf("cache: store answered %d %s for %d keys", len(got), f.name, len(missIDs))
			}
			if !cached {
				return got, nil
			}
			var entries []writeEntry
			for j, i := range missing {
				if !hasVer[i] || (f.cacheable != nil && !f.cacheable(got[j])) {
					continue
				}
				b, err := f.codec.encode(got[j])
				if err != nil {
					s.o.Logger.Warn("cache: cannot encode", "family", f.name, "err", err)
					continue
				}
				ttl := s.o.TTL
				if f.missing != nil && f.missing(got[j]) {
					ttl = s.o.NotFoundTTL
				}
				entries = append(entries, writeEntry{family: f.name, gen: gen, id: parts[i], ver: vers[i], ttl: s.jitter(ttl), value: b})
				if f.also != nil && extraGen != "" {
					entries = append(entries, f.also(s, got[j], extraGen)...)
				}
			}
			s.writeBack(ctx, entries)
			return got, nil
		})
		if err != nil {
			return nil, err
		}
		got := v.([]V)
		for j, i := range missing {
			vals[i] = got[j]
			if !leader && f.forJoiners != nil {
				vals[i] = f.forJoiners(vals[i])
			}
		}
	}
	out := make([]V, len(ids))
	for k, i := range index {
		out[k] = vals[i]
	}
	return out, nil
}

// dedupe gives the distinct ids in first-seen order, and for each id its
// index among them.
func dedupe[K comparable](ids []K) ([]K, []int) {
	pos := make(map[K]int, len(ids))
	var uniq []K
	index := make([]int, len(ids))
	for k, id := range ids {
		i, ok := pos[id]
		if !ok {
			i = len(uniq)
			pos[id] = i
			uniq = append(uniq, id)
		}
		index[k] = i
	}
	return uniq, index
}

// flightKey names a store load: the family and kind of load, the writes
// this instance had finished, and what the caller read from Redis (the
// generations, each missing key and its version). Callers share a load
// only when they read the same: a caller that read a newer version, or
// started after a write here finished, never takes an older load's answer.
func flightKey(family, kind string, epoch uint64, cached bool, gens []string, missing []int, part func(int) string) string {
	parts := make([]string, len(missing))
	for j, i := range missing {
		parts[j] = part(i)
	}
	// Not sorted: a joiner takes the load's answers position by position,
	// so only callers missing the same keys in the same order may share it.
	var b strings.Builder
	b.WriteString(family + "|" + kind + "|" + strconv.FormatUint(epoch, 10) + "|")
	if cached {
		b.WriteString(strings.Join(gens, ","))
	} else {
		b.WriteString("-")
	}
	for _, p := range parts {
		b.WriteString("|" + strconv.Itoa(len(p)) + ":" + p)
	}
	return b.String()
}

// load runs fn once for all concurrent callers of key, detached from
// their contexts (one caller leaving does not cancel the others), and
// waits for it or for ctx. leader reports whether this caller's fn ran.
// A panic in fn fails the load's callers with an error (flight.PanicError)
// and its leader logs the stack.
func (s *Store) load(ctx context.Context, key string, fn func(context.Context) (any, error)) (v any, leader bool, err error) {
	wait := s.flights.Start(ctx, key, loadTimeout, fn)
	if s.o.joinedFlight != nil {
		s.o.joinedFlight(key)
	}
	v, leader, err = wait()
	var panicked *flight.PanicError
	if errors.As(err, &panicked) {
		if leader {
			s.o.Logger.ErrorContext(ctx, "cache: store load panicked", "panic", fmt.Sprint(panicked.Value), "stack", string(panicked.Stack))
		}
		return nil, leader, fmt.Errorf("cache: store load panicked: %v", panicked.Value)
	}
	return v, leader, err
}

// readBatch runs readScript for ids of a family: the family's generation,
// the extra family's (when extra is set), and one item per id.
func (s *Store) readBatch(ctx context.Context, fam, extra string, ids []string) (gen, extraGen string, items []any, err error) {
	args := make([]any, 0, 4+len(ids))
	extraKey := ""
	if extra != "" {
		extraKey = s.keys.gen(extra)
	}
	args = append(args, s.keys.gen(fam), s.keys.dataBase(fam), s.keys.verBase(fam), extraKey)
	for _, id := range ids {
		args = append(args, id)
	}
	var res []any
	err = s.redisCall(ctx, opRead, func(ctx context.Context) error {
		var err error
		res, err = readScript.Run(ctx, s.rdb, nil, args...).Slice()
		return err
	})
	if err != nil {
		return "", "", nil, err
	}
	if len(res) != 2+len(ids) {
		return "", "", nil, fmt.Errorf("cache: read of %d %s keys answered %d values", len(ids), fam, len(res))
	}
	gen, ok1 := res[0].(string)
	extraGen, ok2 := res[1].(string)
	if !ok1 || !ok2 {
		return "", "", nil, fmt.Errorf("cache: read of %s answered generations %v, %v", fam, res[0], res[1])
	}
	return gen, extraGen, res[2:], nil
}

// writeBack sets the entries whose family generation and version are
// unchanged, in one script call. A failure only costs a later miss.
func (s *Store) writeBack(ctx context.Context, entries []writeEntry) {
	if len(entries) == 0 {
		return
	}
	if s.o.beforeWriteBack != nil {
		s.o.beforeWriteBack()
	}
	args := make([]any, 0, 7*len(entries))
	for _, e := range entries {
		args = append(args, s.keys.gen(e.family), e.gen, s.keys.data(e.family, e.gen, e.id), s.keys.ver(e.family, e.id),
			strconv.FormatInt(e.ver, 10), e.ttl.Milliseconds(), e.value)
	}
	err := s.redisCall(ctx, opWriteBack, func(ctx context.Context) error {
		return writeBackScript.Run(ctx, s.rdb, nil, args...).Err()
	})
	if err != nil {
		s.o.Logger.Debug("cache: write-back failed", "err", err)
	}
}

// jitter spreads a TTL by ±Jitter, so keys written together do not expire
// together.
func (s *Store) jitter(ttl time.Duration) time.Duration {
	if s.o.Jitter > 0 {
		ttl = time.Duration(float64(ttl) * (1 + s.o.Jitter*(2*rand.Float64()-1)))
	}
	return max(ttl, time.Millisecond)
}
