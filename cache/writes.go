package cache

import (
	"context"
	"strconv"

	"github.com/segql/segql/store"
)

// Every write calls the store, then (the transaction committed) invalidates
// what it changed before returning: see the package comment for why a
// reader racing the write cannot cache what it replaced. A write that
// failed wrote nothing and invalidates nothing, Import excepted.

// invalidation is what one write changed: whole families, and keys.
type invalidation struct {
	families []string
	keys     []famKey
}

type famKey struct{ family, id string }

func (inv *invalidation) family(names ...string) { inv.families = append(inv.families, names...) }

func (inv *invalidation) strings(family string, ids ...string) {
	for _, id := range ids {
		if k, ok := uuidKey(id); ok {
			inv.keys = append(inv.keys, famKey{family, k})
		}
	}
}

func (inv *invalidation) ints(family string, ids ...int64) {
	for _, id := range ids {
		k, _ := intKey(id)
		inv.keys = append(inv.keys, famKey{family, k})
	}
}

func (inv *invalidation) empty() bool { return len(inv.families) == 0 && len(inv.keys) == 0 }

// invalidate applies inv in one script call, on a context the caller's
// leaving does not cancel. When it cannot, the loss is remembered: every
// generation is bumped before the cache serves anything again.
func (s *Store) invalidate(ctx context.Context, inv invalidation) {
	s.writes.Add(1)
	if inv.empty() {
		return
	}
	ctx = context.WithoutCancel(ctx)
	args := s.invalidateArgs(inv)
	err := s.redisCall(ctx, opInvalidate, func(ctx context.Context) error {
		return invalidateScript.Run(ctx, s.rdb, nil, args...).Err()
	})
	if err != nil {
		s.lost.Add(1)
		s.o.Logger.Error("cache: invalidation lost; every family will be invalidated on the next Redis call",
			"families", inv.families, "keys", len(inv.keys), "err", err)
	}
}

func (s *Store) invalidateArgs(inv invalidation) []any {
	args := make([]any, 0, 3+len(inv.families)+2*len(inv.keys))
	args = append(args, s.o.Prefix, strconv.Itoa(int(versionTTL.Seconds())), len(inv.families))
	for _, f := range inv.families {
		args = append(args, f)
	}
	for _, k := range inv.keys {
		args = append(args, k.family, k.id)
	}
	return args
}

// recoverLost bumps every family's generation after n lost invalidations,
// and forgets them unless more were lost meanwhile.
func (s *Store) recoverLost(ctx context.Context, n uint64) error {
	args := s.invalidateArgs(invalidation{families: allFamilies})
	err := s.redisCall(ctx, opRecover, func(ctx context.Context) error {
		return invalidateScript.Run(ctx, s.rdb, nil, args...).Err()
	})
	if err != nil {
		return err
	}
	if s.lost.CompareAndSwap(n, 0) {
		s.o.Logger.Warn("cache: invalidated every family after lost invalidations", "lost", n)
	}
	return nil
}

func segmentIDs(items []*store.Segment) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func (s *Store) CreateSegments(ctx context.Context, in []store.NewSegment) (store.Written[*store.Segment], error) {
	w, err := s.next.CreateSegments(ctx, in)
	if err != nil {
		return w, err
	}
	var inv invalidation
	inv.strings(famSegment, segmentIDs(w.Items)...)
	s.invalidate(ctx, inv)
	return w, nil
}

func (s *Store) UpdateSegments(ctx context.Context, in []store.SegmentUpdate) (store.Written[*store.Segment], error) {
	w, err := s.next.UpdateSegments(ctx, in)
	if err != nil {
		return w, err
	}
	var inv invalidation
	inv.strings(famSegment, segmentIDs(w.Items)...)
	s.invalidate(ctx, inv)
	return w, nil
}

// DeleteSegments: the segments and their promotion lists go; the
// promotions naming them became INVALID (so the enabled set may have
// changed); their members' updated_at and segment lists changed, members
// the result does not name, so both profile families are invalidated whole.
func (s *Store) DeleteSegments(ctx context.Context, ids []string) (store.DeletedSegments, error) {
	d, err := s.next.DeleteSegments(ctx, ids)
	if err != nil {
		return d, err
	}
	var inv invalidation
	if len(d.IDs) > 0 {
		inv.strings(famSegment, d.IDs...)
		inv.strings(famSegPromos, d.IDs...)
		inv.family(famProfile, famProfSegs)
	}
	if len(d.InvalidatedPromotionIDs) > 0 {
		inv.ints(famPromotion, d.InvalidatedPromotionIDs...)
		inv.family(famEnabled)
	}
	s.invalidate(ctx, inv)
	return d, nil
}

func (s *Store) CreateShopperProfiles(ctx context.Context, customerIDs []int64) (store.Written[*store.ShopperProfile], error) {
	w, err := s.next.CreateShopperProfiles(ctx, customerIDs)
	if err != nil {
		return w, err
	}
	var inv invalidation
	for _, p := range w.Items {
		inv.strings(famProfile, p.ID)
		inv.ints(famProfileByC, p.CustomerID)
	}
	s.invalidate(ctx, inv)
	return w, nil
}

// DeleteShopperProfiles: the result does not say whose profiles they were,
// so the customer → profile family is invalidated whole.
func (s *Store) DeleteShopperProfiles(ctx context.Context, ids []string) (store.Deleted[string], error) {
	d, err := s.next.DeleteShopperProfiles(ctx, ids)
	if err != nil {
		return d, err
	}
	var inv invalidation
	if len(d.IDs) > 0 {
		inv.strings(famProfile, d.IDs...)
		inv.strings(famProfSegs, d.IDs...)
		inv.family(famProfileByC)
	}
	s.invalidate(ctx, inv)
	return d, nil
}

// AddSegmentMembers: the changed profiles' updated_at and segment lists;
// the segment itself is unchanged.
func (s *Store) AddSegmentMembers(ctx context.Context, segmentID string, profileIDs []string) (store.MembershipChange, error) {
	c, err := s.next.AddSegmentMembers(ctx, segmentID, profileIDs)
	if err != nil {
		return c, err
	}
	s.invalidate(ctx, membershipInvalidation(c))
	return c, nil
}

func (s *Store) RemoveSegmentMembers(ctx context.Context, segmentID string, profileIDs []string) (store.MembershipChange, error) {
	c, err := s.next.RemoveSegmentMembers(ctx, segmentID, profileIDs)
	if err != nil {
		return c, err
	}
	s.invalidate(ctx, membershipInvalidation(c))
	return c, nil
}

func membershipInvalidation(c store.MembershipChange) invalidation {
	var inv invalidation
	inv.strings(famProfile, c.Changed...)
	inv.strings(famProfSegs, c.Changed...)
	return inv
}

func (s *Store) UpsertCustomers(ctx context.Context, in []store.Customer) (store.Written[*store.Customer], error) {
	w, err := s.next.UpsertCustomers(ctx, in)
	if err != nil {
		return w, err
	}
	var inv invalidation
	for _, c := range w.Items {
		inv.ints(famCustomer, c.ID)
	}
	s.invalidate(ctx, inv)
	return w, nil
}

// DeleteCustomers: the customers and, by cascade, their profiles and
// memberships, under profile ids the result does not name.
func (s *Store) DeleteCustomers(ctx context.Context, ids []int64) (store.Deleted[int64], error) {
	d, err := s.next.DeleteCustomers(ctx, ids)
	if err != nil {
		return d, err
	}
	var inv invalidation
	if len(d.IDs) > 0 {
		inv.ints(famCustomer, d.IDs...)
		inv.ints(famProfileByC, d.IDs...)
		inv.family(famProfile, famProfSegs)
	}
	s.invalidate(ctx, inv)
	return d, nil
}

// promotionInvalidation: the promotions, the enabled set, and the
// segments' promotion lists (which segments the old conditions named is
// not known).
func promotionInvalidation(ids []int64) invalidation {
	var inv invalidation
	if len(ids) > 0 {
		inv.ints(famPromotion, ids...)
		inv.family(famEnabled, famSegPromos)
	}
	return inv
}

func promotionIDs(items []*store.Promotion) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func (s *Store) CreatePromotion(ctx context.Context, in store.Promotion) (store.Written[*store.Promotion], error) {
	w, err := s.next.CreatePromotion(ctx, in)
	if err != nil {
		return w, err
	}
	s.invalidate(ctx, promotionInvalidation(promotionIDs(w.Items)))
	return w, nil
}

func (s *Store) UpdatePromotion(ctx context.Context, in store.PromotionUpdate) (store.Written[*store.Promotion], error) {
	w, err := s.next.UpdatePromotion(ctx, in)
	if err != nil {
		return w, err
	}
	s.invalidate(ctx, promotionInvalidation(promotionIDs(w.Items)))
	return w, nil
}

func (s *Store) DeletePromotions(ctx context.Context, ids []int64) (store.Deleted[int64], error) {
	d, err := s.next.DeletePromotions(ctx, ids)
	if err != nil {
		return d, err
	}
	s.invalidate(ctx, promotionInvalidation(d.IDs))
	return d, nil
}

// Import invalidates every family, even when it failed: an import is rare,
// and an error at commit leaves its outcome unknown.
func (s *Store) Import(ctx context.Context, fill func(store.Importer) error) error {
	err := s.next.Import(ctx, fill)
	s.invalidate(ctx, invalidation{families: allFamilies})
	return err
}
