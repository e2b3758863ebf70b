package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/segql/segql/store"
)

func cancelTests() []test {
	return []test{
		{"Cancelled/Writes", testCancelledWrites},
		{"Cancelled/Import", testCancelledImport},
		{"Cancelled/Reads", testCancelledReads},
	}
}

// testCancelledWrites calls every write with a context cancelled before
// the call: each fails with the context's error and writes nothing.
func testCancelledWrites(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	sg, ps := w.segments, w.profiles
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"CreateSegments", func() error { _, err := s.CreateSegments(ctx, []store.NewSegment{{Name: "New"}}); return err }},
		{"UpdateSegments", func() error {
			_, err := s.UpdateSegments(ctx, []store.SegmentUpdate{{ID: sg[0].ID, Name: ptr("X")}})
			return err
		}},
		{"DeleteSegments", func() error { _, err := s.DeleteSegments(ctx, []string{sg[0].ID}); return err }},
		{"CreateShopperProfiles", func() error { _, err := s.CreateShopperProfiles(ctx, []int64{5}); return err }},
		{"DeleteShopperProfiles", func() error { _, err := s.DeleteShopperProfiles(ctx, []string{ps[0].ID}); return err }},
		{"AddSegmentMembers", func() error { _, err := s.AddSegmentMembers(ctx, sg[2].ID, []string{ps[0].ID}); return err }},
		{"RemoveSegmentMembers", func() error { _, err := s.RemoveSegmentMembers(ctx, sg[0].ID, []string{ps[0].ID}); return err }},
		{"UpsertCustomers", func() error { _, err := s.UpsertCustomers(ctx, []store.Customer{customer(9)}); return err }},
		{"DeleteCustomers", func() error { _, err := s.DeleteCustomers(ctx, []int64{1}); return err }},
		{"CreatePromotion", func() error { _, err := s.CreatePromotion(ctx, promotion(9, nil)); return err }},
		{"UpdatePromotion", func() error {
			_, err := s.UpdatePromotion(ctx, store.PromotionUpdate{ID: 1, Name: ptr("X")})
			return err
		}},
		{"DeletePromotions", func() error { _, err := s.DeletePromotions(ctx, []int64{1}); return err }},
		{"Import", func() error {
			return s.Import(ctx, func(im store.Importer) error { return im.Customer(ctx, store.Pos{}, customer(9)) })
		}},
	} {
		before := takeSnapshot(t, s)
		if err := tc.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", tc.name, err)
		}
		same(t, tc.name+" wrote nothing", takeSnapshot(t, s), before)
	}
}

// testCancelledImport cancels the context while an import is writing.
func testCancelledImport(t *testing.T, s store.Store) {
	newWorld(t, s)
	before := takeSnapshot(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	err := s.Import(ctx, func(im store.Importer) error {
		if err := im.Customer(ctx, store.Pos{}, customer(9)); err != nil {
			return err
		}
		if err := im.Segment(ctx, store.Pos{}, store.Segment{ID: store.NewID(), Name: "Imported"}); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("import cancelled on the way: %v, want context.Canceled", err)
	}
	same(t, "store after a cancelled import", takeSnapshot(t, s), before)
}

func testCancelledReads(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.SegmentsByIDs(ctx, segmentIDs(w.segments)); !errors.Is(err, context.Canceled) {
		t.Errorf("SegmentsByIDs: %v, want context.Canceled", err)
	}
	if _, err := s.ListCustomers(ctx, store.CustomerFilter{}, store.Page[int64]{Limit: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("ListCustomers: %v, want context.Canceled", err)
	}
}
