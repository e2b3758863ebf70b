// Package importtest helps tests that load data into a store: it takes a
// full listing of a store, to check that a failed import left it exactly
// as it was or that two stores hold the same data.
package importtest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/segql/segql/store"
)

// Snapshot is everything a store holds, read through its list and count
// methods, in key order.
type Snapshot struct {
	Customers       []*store.Customer
	Segments        []*store.Segment
	ShopperProfiles []*store.ShopperProfile
	Memberships     []store.Membership // by profile, then segment
	Promotions      []*store.Promotion
	// SegmentPromotions is the reverse lookup: the promotions that target
	// each segment, keyed by segment id.
	SegmentPromotions map[string][]int64
	// Counts are what the Count methods answer, in the order above.
	Counts [4]int
}

// pageSize is the largest page the store serves.
const pageSize = 250

// Take reads all of s.
func Take(ctx context.Context, s store.Store) (*Snapshot, error) {
	var snap Snapshot
	var err error
	if snap.Customers, err = readAll(func(p store.Page[int64]) (store.PageOf[*store.Customer], error) {
		return s.ListCustomers(ctx, store.CustomerFilter{}, p)
	}, func(c *store.Customer) int64 { return c.ID }); err != nil {
		return nil, fmt.Errorf("customers: %w", err)
	}
	if snap.Segments, err = readAll(func(p store.Page[string]) (store.PageOf[*store.Segment], error) {
		return s.ListSegments(ctx, store.SegmentFilter{}, p)
	}, func(sg *store.Segment) string { return sg.ID }); err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	if snap.ShopperProfiles, err = readAll(func(p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
		return s.ListShopperProfiles(ctx, store.ShopperProfileFilter{}, p)
	}, func(sp *store.ShopperProfile) string { return sp.ID }); err != nil {
		return nil, fmt.Errorf("shopper profiles: %w", err)
	}
	if snap.Promotions, err = readAll(func(p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
		return s.ListPromotions(ctx, store.PromotionFilter{}, p)
	}, func(p *store.Promotion) int64 { return p.ID }); err != nil {
		return nil, fmt.Errorf("promotions: %w", err)
	}

	profileIDs := make([]string, len(snap.ShopperProfiles))
	for i, p := range snap.ShopperProfiles {
		profileIDs[i] = p.ID
	}
	segmentsOf, err := s.ProfileSegmentIDs(ctx, profileIDs)
	if err != nil {
		return nil, fmt.Errorf("memberships: %w", err)
	}
	for i, ids := range segmentsOf {
		ids = slices.Sorted(slices.Values(ids))
		for _, id := range ids {
			snap.Memberships = append(snap.Memberships, store.Membership{SegmentID: id, ProfileID: profileIDs[i]})
		}
	}

	snap.SegmentPromotions = map[string][]int64{}
	for _, sg := range snap.Segments {
		promos, err := readAll(func(p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
			pages, err := s.SegmentPromotionPages(ctx, []string{sg.ID}, p)
			if err != nil {
				return store.PageOf[*store.Promotion]{}, err
			}
			return pages[0], nil
		}, func(p *store.Promotion) int64 { return p.ID })
		if err != nil {
			return nil, fmt.Errorf("promotions of segment %s: %w", sg.ID, err)
		}
		for _, p := range promos {
			snap.SegmentPromotions[sg.ID] = append(snap.SegmentPromotions[sg.ID], p.ID)
		}
	}

	counts := []func() (int, error){
		func() (int, error) { return s.CountCustomers(ctx, store.CustomerFilter{}) },
		func() (int, error) { return s.CountSegments(ctx, store.SegmentFilter{}) },
		func() (int, error) { return s.CountShopperProfiles(ctx, store.ShopperProfileFilter{}) },
		func() (int, error) { return s.CountPromotions(ctx, store.PromotionFilter{}) },
	}
	for i, count := range counts {
		if snap.Counts[i], err = count(); err != nil {
			return nil, fmt.Errorf("counts: %w", err)
		}
	}
	return &snap, nil
}

// readAll reads every page of a list.
func readAll[K store.Key, T any](read func(store.Page[K]) (store.PageOf[T], error), key func(T) K) ([]T, error) {
	var all []T
	page := store.Page[K]{Limit: pageSize}
	for {
		got, err := read(page)
		if err != nil {
			return nil, err
		}
		all = append(all, got.Items...)
		if !got.More || len(got.Items) == 0 {
			return all, nil
		}
		last := key(got.Items[len(got.Items)-1])
		page.After = &last
	}
}

// Diff describes how got differs from want, table by table, or is "" when
// they are the same.
func Diff(got, want *Snapshot) string {
	var out []string
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i), wv.Field(i)
		if reflect.DeepEqual(g.Interface(), w.Interface()) {
			continue
		}
		out = append(out, name+": "+describe(g, w))
	}
	return strings.Join(out, "\n")
}

// describe shows the first difference of two values of one field.
func describe(g, w reflect.Value) string {
	if g.Kind() != reflect.Slice {
		return fmt.Sprintf("got %v, want %v", show(g), show(w))
	}
	for i := range min(g.Len(), w.Len()) {
		if !reflect.DeepEqual(g.Index(i).Interface(), w.Index(i).Interface()) {
			return fmt.Sprintf("item %d is %v, want %v", i, show(g.Index(i)), show(w.Index(i)))
		}
	}
	return fmt.Sprintf("got %d items, want %d", g.Len(), w.Len())
}

func show(v reflect.Value) string {
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	return fmt.Sprintf("%+v", v.Interface())
}
