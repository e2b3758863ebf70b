package cache

import (
	"context"
	"fmt"
	"strconv"

	"github.com/segql/segql/store"
)

// Shoppers: a storefront request's customer, profile and segment ids are
// read by one script from the families that already cache them (cust,
// profc and prof, profsegs). Nothing is cached twice and nothing new is
// invalidated: every write that changes one of them already invalidates
// its family's key. What the script does not find is read through those
// families' own reads, which keep their freshness rules and write back
// through their own scripts: a cold read costs more round trips, a warm
// one costs one.

// ShoppersByCustomerIDs answers from one Redis round trip when everything
// of every customer is cached, and reads what is not through
// CustomersByIDs, ShopperProfilesByCustomerIDs and ProfileSegmentIDs.
func (s *Store) ShoppersByCustomerIDs(ctx context.Context, customerIDs []int64) ([]store.ShopperRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(customerIDs) == 0 {
		return []store.ShopperRecord{}, nil
	}
	epoch := s.writes.Load()
	uniq, index := dedupe(customerIDs)
	recs := make([]store.ShopperRecord, len(uniq))
	replies, err := s.readShoppers(ctx, uniq)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		for _, f := range []string{famCustomer, famProfileByC, famProfSegs} {
			s.count(f, "error", len(uniq))
		}
		recs, err = s.shoppersFromStore(ctx, epoch, uniq)
		if err != nil {
			return nil, err
		}
	default:
		if err := s.completeShoppers(ctx, uniq, recs, replies); err != nil {
			return nil, err
		}
	}
	out := make([]store.ShopperRecord, len(customerIDs))
	for k, i := range index {
		out[k] = recs[i]
	}
	return out, nil
}

// completeShoppers fills recs from the script's replies, and reads what
// they lack through the families' own reads.
func (s *Store) completeShoppers(ctx context.Context, cids []int64, recs []store.ShopperRecord, replies []any) error {
	var needCustomer, needProfile, needSegments []int // indexes of cids
	var needRecords [][2]int                          // (cid index, segment index)
	segmentHits := 0
	for i := range cids {
		reply := replies[shopperReplies*i : shopperReplies*(i+1)]
		c, ok := decodeReply(s, famCustomer, cids[i], reply[0], customerCodec.decode)
		if ok {
			recs[i].Customer = c
		} else {
			needCustomer = append(needCustomer, i)
		}
		if n, _ := reply[1].(int64); n == 1 {
			recs[i].SegmentIDs = []string{} // cached: no profile
			continue
		}
		p, ok := decodeReply(s, famProfile, cids[i], reply[1], profileCodec.decode)
		if !ok || p == nil {
			// Not cached, undecodable, or a profile cached as missing
			// under a mapping to it: read it by customer.
			needProfile = append(needProfile, i)
			continue
		}
		recs[i].Profile = p
		segs, ok := decodeReply(s, famProfSegs, cids[i], reply[2], profSegsFamily.codec.decode)
		if !ok {
			needSegments = append(needSegments, i)
			continue
		}
		recs[i].SegmentIDs = nonNil(segs.IDs)
		segmentHits++
		vals, _ := reply[3].([]any)
		recs[i].Segments = make([]*store.Segment, len(recs[i].SegmentIDs))
		for j := range recs[i].SegmentIDs {
			var v any
			if j < len(vals) {
				v = vals[j]
			}
			if sg, ok := decodeReply(s, famSegment, cids[i], v, segmentCodec.decode); ok && sg != nil {
				recs[i].Segments[j] = sg
				continue
			}
			needRecords = append(needRecords, [2]int{i, j})
		}
	}
	s.count(famCustomer, "hit", len(cids)-len(needCustomer))
	s.count(famProfileByC, "hit", len(cids)-len(needProfile))
	s.count(famProfSegs, "hit", segmentHits)

	if len(needCustomer) > 0 {
		cs, err := s.CustomersByIDs(ctx, pick(cids, needCustomer))
		if err != nil {
			return err
		}
		for j, i := range needCustomer {
			recs[i].Customer = cs[j]
		}
	}
	if len(needProfile) > 0 {
		ps, err := s.ShopperProfilesByCustomerIDs(ctx, pick(cids, needProfile))
		if err != nil {
			return err
		}
		for j, i := range needProfile {
			recs[i].Profile = ps[j]
			if ps[j] == nil {
				recs[i].SegmentIDs = []string{}
				continue
			}
			needSegments = append(needSegments, i)
		}
	}
	if len(needSegments) > 0 {
		pids := make([]string, len(needSegments))
		for j, i := range needSegments {
			pids[j] = recs[i].Profile.ID
		}
		lists, err := s.ProfileSegmentIDs(ctx, pids)
		if err != nil {
			return err
		}
		for j, i := range needSegments {
			recs[i].SegmentIDs = nonNil(lists[j])
			recs[i].Segments = make([]*store.Segment, len(recs[i].SegmentIDs))
			for k := range recs[i].SegmentIDs {
				needRecords = append(needRecords, [2]int{i, k})
			}
		}
	}
	if len(needRecords) > 0 {
		ids := make([]string, len(needRecords))
		for j, at := range needRecords {
			ids[j] = recs[at[0]].SegmentIDs[at[1]]
		}
		segs, err := s.SegmentsByIDs(ctx, ids)
		if err != nil {
			return err
		}
		for j, at := range needRecords {
			recs[at[0]].Segments[at[1]] = segs[j]
		}
	}
	for i := range recs {
		if recs[i].Segments == nil {
			recs[i].Segments = []*store.Segment{}
		}
	}
	return nil
}

// decodeReply decodes one value of the script's reply: false when it was
// not cached (an integer) or cannot be decoded.
func decodeReply[V any](s *Store, fam string, cid int64, reply any, decode func([]byte) (V, error)) (V, bool) {
	var zero V
	raw, ok := reply.(string)
	if !ok {
		return zero, false
	}
	v, err := decode([]byte(raw))
	if err != nil {
		// Not ours to overwrite: the family's own read loads it.
		s.o.Logger.Warn("cache: undecodable value", "family", fam, "customer", cid, "err", err)
		return zero, false
	}
	return v, true
}

// shoppersFromStore reads the shoppers from the store when Redis cannot
// be used, in one store call shared with concurrent callers missing the
// same ids (as lookup does with no versions read); nothing is written back.
func (s *Store) shoppersFromStore(ctx context.Context, epoch uint64, cids []int64) ([]store.ShopperRecord, error) {
	all := make([]int, len(cids))
	for i := range all {
		all[i] = i
	}
	key := flightKey("shoppers", "", epoch, false, nil, all, func(i int) string { return strconv.FormatInt(cids[i], 10) })
	v, _, err := s.load(ctx, key, func(ctx context.Context) (any, error) {
		got, err := s.next.ShoppersByCustomerIDs(ctx, cids)
		if err != nil {
			return nil, err
		}
		if len(got) != len(cids) {
			return nil, fmt.Errorf("cache: store answered %d shoppers for %d customers", len(got), len(cids))
		}
		return got, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]store.ShopperRecord), nil
}

// readShoppers runs readShoppersScript: four values per customer id.
func (s *Store) readShoppers(ctx context.Context, cids []int64) ([]any, error) {
	args := make([]any, 0, 8+len(cids))
	for _, f := range []string{famCustomer, famProfileByC, famProfile, famProfSegs, famSegment} {
		args = append(args, s.keys.gen(f), s.keys.dataBase(f))
	}
	for _, id := range cids {
		args = append(args, strconv.FormatInt(id, 10))
	}
	var res []any
	err := s.redisCall(ctx, opRead, func(ctx context.Context) error {
		var err error
		res, err = readShoppersScript.Run(ctx, s.rdb, nil, args...).Slice()
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(res) != shopperReplies*len(cids) {
		return nil, fmt.Errorf("cache: read of %d shoppers answered %d values", len(cids), len(res))
	}
	return res, nil
}

func pick[K any](ids []K, at []int) []K {
	out := make([]K, len(at))
	for j, i := range at {
		out[j] = ids[i]
	}
	return out
}

// shopperReplies is how many values readShoppersScript answers per id.
const shopperReplies = 4

// nonNil is a segment id list as ShopperRecord has it: empty, not nil.
func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
