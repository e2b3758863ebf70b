package storetest

import (
	"testing"

	"github.com/segql/segql/store"
)

// RunShared runs the tests of two stores on the same data, as two segql
// processes have: openPair gives two stores on one fresh, empty database.
func RunShared(t *testing.T, openPair func(t *testing.T) (a, b store.Store)) {
	t.Run("EnabledFollowsOtherWriters", func(t *testing.T) {
		a, b := openPair(t)
		testEnabledFollowsOtherWriters(t, a, b)
	})
}

// testEnabledFollowsOtherWriters writes promotions through a and checks,
// after every kind of write, that b's enabled promotions, which b holds
// between reads, are what the database holds now.
func testEnabledFollowsOtherWriters(t *testing.T, a, b store.Store) {
	ctx := t.Context()
	segs := mustSegments(t, a, "Enabled A", "Enabled B")
	check := func(step string) {
		t.Helper()
		// Twice: the first read may load the set, the second is answered
		// from what b holds.
		for range 2 {
			got, err := b.EnabledPromotions(ctx)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			want, err := b.ListPromotions(ctx, store.PromotionFilter{Status: store.StatusEnabled}, store.Page[int64]{Limit: 100})
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			same(t, step, got, want.Items)
		}
	}
	check("empty")
	create := func(p store.Promotion) {
		t.Helper()
		w, err := a.CreatePromotion(ctx, p)
		mustWrite(t, "create promotion", w.Errors, err)
	}
	update := func(u store.PromotionUpdate) {
		t.Helper()
		w, err := a.UpdatePromotion(ctx, u)
		mustWrite(t, "update promotion", w.Errors, err)
	}
	create(promotion(1, nil))
	check("created")
	create(promotion(2, anyOf(segs[0].ID, segs[1].ID)))
	check("created another")
	update(store.PromotionUpdate{ID: 1, Name: ptr("Renamed")})
	check("renamed")
	update(store.PromotionUpdate{ID: 2, CurrentUses: ptr(3)})
	check("used")
	update(store.PromotionUpdate{ID: 1, Status: ptr(store.StatusDisabled)})
	check("disabled")
	if _, err := a.DeleteSegments(ctx, []string{segs[0].ID}); err != nil {
		t.Fatal(err)
	}
	check("segment of a condition deleted")
	err := a.Import(ctx, func(im store.Importer) error {
		return im.Promotion(ctx, store.Pos{File: "promotions.jsonl", Line: 1}, promotion(3, anyOf(segs[1].ID)))
	})
	if err != nil {
		t.Fatal(err)
	}
	check("imported")
	update(store.PromotionUpdate{ID: 1, Status: ptr(store.StatusEnabled)})
	check("enabled again")
	d, err := a.DeletePromotions(ctx, []int64{2, 3})
	mustWrite(t, "delete promotions", d.Errors, err)
	check("deleted")
}
