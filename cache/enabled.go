package cache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/segql/segql/store"
)

// The enabled promotions are one key whose value starts with a stamp, a
// random token written with it: the process keeps the set it last decoded
// with its stamp, and a read that finds that stamp current in Redis is
// answered without moving or decoding the set again.

// stampLen is the length of a stamp: 16 hex digits.
const stampLen = 16

// enabledSet is a decoded set of enabled promotions and its stamp.
type enabledSet struct {
	stamp      string
	promotions []*store.Promotion
}

func newStamp() string { return fmt.Sprintf("%016x", rand.Uint64()) }

// EnabledPromotions answers from the cache. The promotions are shared with
// every caller of this instance: callers must not modify them.
func (s *Store) EnabledPromotions(ctx context.Context) ([]*store.Promotion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	epoch := s.writes.Load()
	held := s.enabled.Load()
	heldStamp := ""
	if held != nil {
		heldStamp = held.stamp
	}
	gen, kind, reply, err := s.readEnabled(ctx, heldStamp)
	cached := err == nil
	ver := int64(0)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		s.count(famEnabled, "error", 1)
	case kind == 1:
		s.count(famEnabled, "hit", 1)
		return slices.Clone(held.promotions), nil
	case kind == 2:
		raw, _ := reply.(string)
		if len(raw) >= stampLen {
			ps, err := promotionsCodec.decode([]byte(raw[stampLen:]))
			if err == nil {
				s.enabled.Store(&enabledSet{stamp: raw[:stampLen], promotions: ps})
				s.count(famEnabled, "hit", 1)
				return slices.Clone(ps), nil
			}
			s.o.Logger.Warn("cache: undecodable enabled promotions", "err", err)
		}
		s.count(famEnabled, "miss", 1)
		cached = false // its version is unknown: load, do not write back
	default:
		ver, _ = reply.(int64)
		s.count(famEnabled, "miss", 1)
	}

	key := flightKey(famEnabled, "", epoch, cached, []string{gen}, []int{0}, func(int) string {
		return enabledID + "@" + strconv.FormatInt(ver, 10)
	})
	v, _, err := s.load(ctx, key, func(ctx context.Context) (any, error) {
		ps, err := s.next.EnabledPromotions(ctx)
		if err != nil {
			return nil, err
		}
		if !cached {
			return ps, nil
		}
		b, err := promotionsCodec.encode(ps)
		if err != nil {
			return ps, nil
		}
		stamp := newStamp()
		s.writeBack(ctx, []writeEntry{{family: famEnabled, gen: gen, id: enabledID, ver: ver, ttl: s.jitter(s.o.TTL), value: append([]byte(stamp), b...)}})
		// Held whether or not the write-back took: only a value in Redis
		// carrying this stamp makes a read use it.
		s.enabled.Store(&enabledSet{stamp: stamp, promotions: ps})
		return ps, nil
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(v.([]*store.Promotion)), nil
}

// readEnabled runs readEnabledScript: the generation, the kind of answer
// (0 not cached, 1 the held stamp is current, 2 another value) and the
// version (0) or value (2).
func (s *Store) readEnabled(ctx context.Context, heldStamp string) (gen string, kind int64, reply any, err error) {
	args := []any{s.keys.gen(famEnabled), s.keys.dataBase(famEnabled), s.keys.ver(famEnabled, enabledID), heldStamp, enabledID}
	var res []any
	err = s.redisCall(ctx, opRead, func(ctx context.Context) error {
		var err error
		res, err = readEnabledScript.Run(ctx, s.rdb, nil, args...).Slice()
		return err
	})
	if err != nil {
		return "", 0, nil, err
	}
	if len(res) < 2 {
		return "", 0, nil, fmt.Errorf("cache: read of enabled promotions answered %d values", len(res))
	}
	gen, ok1 := res[0].(string)
	kind, ok2 := res[1].(int64)
	if !ok1 || !ok2 || (kind != 1 && len(res) != 3) {
		return "", 0, nil, fmt.Errorf("cache: read of enabled promotions answered %v", res)
	}
	if kind != 1 {
		reply = res[2]
	}
	return gen, kind, reply, nil
}
