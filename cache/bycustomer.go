package cache

import (
	"context"
	"fmt"
	"strconv"

	"github.com/segql/segql/store"
)

// Profiles by customer id: the profc family maps a customer id to its
// profile id ("p<id>", or notFound for a customer without one), and one
// script resolves the mapping to the prof entity. The profile itself is
// cached once, in prof, so the writes that change a profile (membership
// changes touch its updated_at) invalidate it by profile id alone.

// Kinds of answer of readByCustomerScript.
const (
	byCustomerMiss       = 0 // the mapping is not cached
	byCustomerNone       = 1 // the customer has no profile
	byCustomerHit        = 2 // the profile
	byCustomerEntityMiss = 3 // the mapping is cached, the profile is not
)

// ShopperProfilesByCustomerIDs answers from the cache in one round trip
// when both the mappings and the profiles are cached.
func (s *Store) ShopperProfilesByCustomerIDs(ctx context.Context, customerIDs []int64) ([]*store.ShopperProfile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(customerIDs) == 0 {
		return []*store.ShopperProfile{}, nil
	}
	epoch := s.writes.Load()
	uniq, index := dedupe(customerIDs)
	vals := make([]*store.ShopperProfile, len(uniq))
	type pending struct {
		kind int64
		ver  int64  // the profc version (Miss) or the prof version (EntityMiss)
		pid  string // EntityMiss: the profile id mapped to
	}
	pend := make([]pending, len(uniq))
	for i := range pend {
		pend[i].kind = -1 // not read from Redis: load, do not write back
	}
	genC, genP, replies, err := s.readByCustomer(ctx, uniq)
	cached := err == nil
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		s.count(famProfileByC, "error", len(uniq))
	default:
		hits := 0
		for i := range uniq {
			kind, _ := replies[3*i].(int64)
			a, b := replies[3*i+1], replies[3*i+2]
			switch kind {
			case byCustomerMiss:
				v, _ := a.(int64)
				pend[i] = pending{kind: kind, ver: v}
				continue
			case byCustomerNone:
				pend[i].kind = kind
				hits++
				continue
			case byCustomerHit:
				raw, _ := a.(string)
				p, err := profileCodec.decode([]byte(raw))
				if err == nil && p != nil {
					vals[i], pend[i].kind = p, kind
					hits++
				}
				// A profile cached as missing under a mapping to it, or
				// undecodable: ask the store, write nothing back.
				continue
			case byCustomerEntityMiss:
				pid, _ := a.(string)
				v, _ := b.(int64)
				pend[i] = pending{kind: kind, ver: v, pid: pid}
			}
		}
		s.count(famProfileByC, "hit", hits)
		s.count(famProfileByC, "miss", len(uniq)-hits)
	}

	var missing []int
	for i, pd := range pend {
		if pd.kind != byCustomerNone && pd.kind != byCustomerHit {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		missIDs := make([]int64, len(missing))
		for j, i := range missing {
			missIDs[j] = uniq[i]
		}
		key := flightKey(famProfileByC, "", epoch, cached, []string{genC, genP}, missing, func(i int) string {
			pd := pend[i]
			return fmt.Sprintf("%d@%d@%d@%s", uniq[i], pd.kind, pd.ver, pd.pid)
		})
		v, leader, err := s.load(ctx, key, func(ctx context.Context) (any, error) {
			got, err := s.next.ShopperProfilesByCustomerIDs(ctx, missIDs)
			if err != nil {
				return nil, err
			}
			if len(got) != len(missIDs) {
				return nil, fmt.Errorf("cache: store answered %d profiles for %d customers", len(got), len(missIDs))
			}
			if cached {
				s.writeBack(ctx, s.byCustomerEntries(genC, genP, missIDs, got, func(j int) (int64, int64, string) {
					pd := pend[missing[j]]
					return pd.kind, pd.ver, pd.pid
				}))
			}
			return got, nil
		})
		if err != nil {
			return nil, err
		}
		got := v.([]*store.ShopperProfile)
		var resolve []int // joiners: profiles to read again by id
		for j, i := range missing {
			vals[i] = got[j]
			if !leader && got[j] != nil && pend[i].kind == byCustomerMiss {
				// The load read the profile, but this caller read no
				// version of it: take only the mapping, and the profile
				// from the prof family.
				resolve = append(resolve, i)
			}
		}
		if len(resolve) > 0 {
			pids := make([]string, len(resolve))
			for j, i := range resolve {
				pids[j] = vals[i].ID
			}
			ps, err := s.ShopperProfilesByIDs(ctx, pids)
			if err != nil {
				return nil, err
			}
			for j, i := range resolve {
				vals[i] = ps[j]
			}
		}
	}
	out := make([]*store.ShopperProfile, len(customerIDs))
	for k, i := range index {
		out[k] = vals[i]
	}
	return out, nil
}

// byCustomerEntries are the write-backs of profiles loaded by customer id:
// a missing mapping under its profc version; a missing profile under its
// prof version when the mapping was cached, else (no version of it was
// read) only if its version key does not exist.
func (s *Store) byCustomerEntries(genC, genP string, cids []int64, got []*store.ShopperProfile, pending func(int) (kind, ver int64, pid string)) []writeEntry {
	var out []writeEntry
	for j, p := range got {
		kind, ver, pid := pending(j)
		switch kind {
		case byCustomerMiss:
			mapping, ttl := notFound, s.o.NotFoundTTL
			if p != nil {
				mapping, ttl = "p"+p.ID, s.o.TTL
			}
			id, _ := intKey(cids[j])
			out = append(out, writeEntry{family: famProfileByC, gen: genC, id: id, ver: ver, ttl: s.jitter(ttl), value: []byte(mapping)})
			if p == nil || !store.ValidUUID(p.ID) {
				continue
			}
			pid, ver = p.ID, 0
		case byCustomerEntityMiss:
			if p == nil || p.ID != pid {
				continue
			}
		default:
			continue
		}
		b, err := profileCodec.encode(p)
		if err != nil {
			continue
		}
		out = append(out, writeEntry{family: famProfile, gen: genP, id: pid, ver: ver, ttl: s.jitter(s.o.TTL), value: b})
	}
	return out
}

// readByCustomer runs readByCustomerScript: the profc and prof
// generations and three values per customer id.
func (s *Store) readByCustomer(ctx context.Context, cids []int64) (genC, genP string, replies []any, err error) {
	args := make([]any, 0, 6+len(cids))
	args = append(args, s.keys.gen(famProfileByC), s.keys.dataBase(famProfileByC), s.keys.verBase(famProfileByC),
		s.keys.gen(famProfile), s.keys.dataBase(famProfile), s.keys.verBase(famProfile))
	for _, id := range cids {
		args = append(args, strconv.FormatInt(id, 10))
	}
	var res []any
	err = s.redisCall(ctx, opRead, func(ctx context.Context) error {
		var err error
		res, err = readByCustomerScript.Run(ctx, s.rdb, nil, args...).Slice()
		return err
	})
	if err != nil {
		return "", "", nil, err
	}
	if len(res) != 2+3*len(cids) {
		return "", "", nil, fmt.Errorf("cache: read of %d customers' profiles answered %d values", len(cids), len(res))
	}
	genC, ok1 := res[0].(string)
	genP, ok2 := res[1].(string)
	if !ok1 || !ok2 {
		return "", "", nil, fmt.Errorf("cache: read of profiles by customer answered generations %v, %v", res[0], res[1])
	}
	return genC, genP, res[2:], nil
}
