package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

func promotionWriteTests() []test {
	return []test{
		{"CreatePromotion", testCreatePromotion},
		{"CreatePromotion/Rejected", testCreatePromotionRejected},
		{"UpdatePromotion", testUpdatePromotion},
		{"UpdatePromotion/Rejected", testUpdatePromotionRejected},
		{"DeletePromotions", testDeletePromotions},
	}
}

func testCreatePromotion(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B")
	if p := mustPromotion(t, s, promotion(0, nil)); p.ID != 1 {
		t.Errorf("first assigned id %d, want 1", p.ID)
	}
	if p := mustPromotion(t, s, promotion(10, anyOf(sg[0].ID, sg[1].ID, sg[0].ID))); p.ID != 10 {
		t.Errorf("given id became %d", p.ID)
	}
	if p := mustPromotion(t, s, promotion(0, nil)); p.ID != 11 {
		t.Errorf("assigned id %d, want 11 (after the highest)", p.ID)
	}
	// The reverse lookup names each segment once.
	same(t, "targeted A", must(s.CountSegmentPromotions(ctx, segmentIDs(sg)))(t), []int{1, 1})
	w, err := s.CreatePromotion(ctx, promotion(10, nil))
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "existing id", w.Errors, wantErr{-1, "promotionId", store.CodeDuplicateInput})
	if len(w.Items) != 0 {
		t.Errorf("rejected create returned %+v", w.Items)
	}
}

func testCreatePromotionRejected(t *testing.T, s store.Store) {
	ctx := t.Context()
	seg := mustSegments(t, s, "A")[0]
	before := takeSnapshot(t, s)
	deep := &store.Condition{Not: &store.Condition{Not: &store.Condition{Not: &store.Condition{Not: anyOf(seg.ID)}}}}
	for _, tc := range []struct {
		name  string
		edit  func(p *store.Promotion)
		field string
		code  store.Code
	}{
		{"negative id", func(p *store.Promotion) { p.ID = -2 }, "promotionId", store.CodeInvalidInput},
		{"no name", func(p *store.Promotion) { p.Name = "  " }, "name", store.CodeInvalidInput},
		{"long display name", func(p *store.Promotion) { p.DisplayName = strings.Repeat("d", 256) }, "displayName", store.CodeInvalidInput},
		{"redemption type", func(p *store.Promotion) { p.RedemptionType = "FREE" }, "redemptionType", store.CodeInvalidInput},
		{"status", func(p *store.Promotion) { p.Status = "ON" }, "status", store.CodeInvalidInput},
		{"no start", func(p *store.Promotion) { p.StartsAt = time.Time{} }, "startsAt", store.CodeInvalidInput},
		{"end before start", func(p *store.Promotion) { p.EndsAt = ptr(p.StartsAt.Add(-time.Hour)) }, "endsAt", store.CodeInvalidInput},
		{"end at start", func(p *store.Promotion) { p.EndsAt = ptr(p.StartsAt) }, "endsAt", store.CodeInvalidInput},
		{"currency", func(p *store.Promotion) { p.CurrencyCode = "usd" }, "currencyCode", store.CodeInvalidInput},
		{"max uses", func(p *store.Promotion) { p.MaxUses = ptr(-1) }, "maxUses", store.CodeInvalidInput},
		{"current uses", func(p *store.Promotion) { p.CurrentUses = -1 }, "currentUses", store.CodeInvalidInput},
		{"channel", func(p *store.Promotion) { p.ChannelIDs = []int64{0} }, "channelIds", store.CodeInvalidInput},
		{"both group lists", func(p *store.Promotion) {
			p.Customer.GroupIDs, p.Customer.ExcludedGroupIDs = []int64{1}, []int64{2}
		}, "customer.groupIds", store.CodeInvalidInput},
		{"minimum order count", func(p *store.Promotion) { p.Customer.MinimumOrderCount = -1 }, "customer.minimumOrderCount", store.CodeInvalidInput},
		{"malformed segment id", func(p *store.Promotion) { p.Customer.Segments = anyOf("nope") }, "customer.segments.id", store.CodeInvalidInput},
		{"empty condition", func(p *store.Promotion) { p.Customer.Segments = &store.Condition{} }, "customer.segments", store.CodeInvalidInput},
		{"one operand", func(p *store.Promotion) {
			p.Customer.Segments = &store.Condition{And: []store.Condition{{ID: []string{seg.ID}}}}
		}, "customer.segments.and", store.CodeInvalidInput},
		{"too deep", func(p *store.Promotion) { p.Customer.Segments = deep }, "customer.segments.not.not.not", store.CodeInvalidInput},
		{"unknown segment", func(p *store.Promotion) {
			p.Customer.Segments = &store.Condition{Or: []store.Condition{{ID: []string{seg.ID}}, {ID: []string{missingUUID}}}}
		}, "customer.segments", store.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := promotion(5, nil)
			tc.edit(&p)
			w, err := s.CreatePromotion(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			checkErrors(t, tc.name, w.Errors, wantErr{-1, tc.field, tc.code})
			if len(w.Items) != 0 {
				t.Errorf("rejected create returned %+v", w.Items)
			}
		})
	}
	same(t, "nothing written", takeSnapshot(t, s), before)
}

func testUpdatePromotion(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B")
	orig := promotion(1, anyOf(sg[0].ID))
	orig.EndsAt = ptr(orig.StartsAt.Add(24 * time.Hour))
	orig.MaxUses = ptr(5)
	orig.ChannelIDs = []int64{1, 2}
	p := mustPromotion(t, s, orig)
	other := mustPromotion(t, s, promotion(2, anyOf(sg[0].ID)))

	// Fields left out keep their value.
	w, err := s.UpdatePromotion(ctx, store.PromotionUpdate{ID: 1, Name: ptr("Renamed")})
	mustWrite(t, "rename", w.Errors, err)
	want := *p
	want.Name = "Renamed"
	want.UpdatedAt = w.Items[0].UpdatedAt
	same(t, "renamed", w.Items[0], &want)
	if !want.UpdatedAt.After(p.UpdatedAt) {
		t.Errorf("updated_at %v not after %v", want.UpdatedAt, p.UpdatedAt)
	}

	// Every field at once.
	starts := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	targeting := store.Targeting{GroupIDs: []int64{0, 2}, MinimumOrderCount: 1, Segments: &store.Condition{Not: anyOf(sg[1].ID)}}
	w, err = s.UpdatePromotion(ctx, store.PromotionUpdate{
		ID: 1, DisplayName: ptr("Shown"), RedemptionType: ptr(store.RedemptionCoupon), Status: ptr(store.StatusDisabled),
		StartsAt: &starts, EndsAt: ptr(starts.Add(time.Hour)), ChannelIDs: []int64{}, CurrencyCode: ptr("EUR"),
		MaxUses: ptr(0), CurrentUses: ptr(3), Customer: &targeting,
	})
	mustWrite(t, "update all", w.Errors, err)
	want.DisplayName, want.RedemptionType, want.Status = "Shown", store.RedemptionCoupon, store.StatusDisabled
	want.StartsAt, want.EndsAt, want.ChannelIDs, want.CurrencyCode = starts, ptr(starts.Add(time.Hour)), nil, "EUR"
	want.MaxUses, want.CurrentUses, want.Customer = ptr(0), 3, targeting
	want.UpdatedAt = w.Items[0].UpdatedAt
	same(t, "updated", w.Items[0], &want)
	same(t, "read back", must(s.PromotionsByIDs(ctx, []int64{1}))(t), []*store.Promotion{&want})
	// The reverse lookup follows the new condition.
	pages := must(s.SegmentPromotionPages(ctx, segmentIDs(sg), store.Page[int64]{Limit: 10}))(t)
	same(t, "A's promotions", pages[0].Items, []*store.Promotion{other})
	same(t, "B's promotions", pages[1].Items, []*store.Promotion{&want})

	// Clearing the end date.
	w, err = s.UpdatePromotion(ctx, store.PromotionUpdate{ID: 1, ClearEndsAt: true})
	mustWrite(t, "clear end", w.Errors, err)
	if w.Items[0].EndsAt != nil {
		t.Errorf("ends at %v after clearing", w.Items[0].EndsAt)
	}
	// Clearing the use limit (it was 0).
	w, err = s.UpdatePromotion(ctx, store.PromotionUpdate{ID: 1, ClearMaxUses: true})
	mustWrite(t, "clear max uses", w.Errors, err)
	if w.Items[0].MaxUses != nil {
		t.Errorf("max uses %v after clearing", *w.Items[0].MaxUses)
	}
	// Removing the condition empties the reverse lookup.
	w, err = s.UpdatePromotion(ctx, store.PromotionUpdate{ID: 1, Customer: &store.Targeting{}})
	mustWrite(t, "no condition", w.Errors, err)
	same(t, "targeting", w.Items[0].Customer, store.Targeting{})
	same(t, "B's count", must(s.CountSegmentPromotions(ctx, []string{sg[1].ID}))(t), []int{0})
}

func testUpdatePromotionRejected(t *testing.T, s store.Store) {
	ctx := t.Context()
	seg := mustSegments(t, s, "A")[0]
	orig := promotion(1, anyOf(seg.ID))
	orig.EndsAt = ptr(orig.StartsAt.Add(time.Hour))
	mustPromotion(t, s, orig)
	before := takeSnapshot(t, s)
	for _, tc := range []struct {
		name  string
		in    store.PromotionUpdate
		field string
		code  store.Code
	}{
		{"unknown", store.PromotionUpdate{ID: 2, Name: ptr("x")}, "promotionId", store.CodeNotFound},
		{"zero id", store.PromotionUpdate{ID: 0}, "promotionId", store.CodeNotFound},
		{"start after end", store.PromotionUpdate{ID: 1, StartsAt: ptr(orig.StartsAt.Add(2 * time.Hour))}, "endsAt", store.CodeInvalidInput},
		{"end before start", store.PromotionUpdate{ID: 1, EndsAt: ptr(orig.StartsAt.Add(-time.Hour))}, "endsAt", store.CodeInvalidInput},
		{"end set and cleared", store.PromotionUpdate{ID: 1, EndsAt: ptr(orig.StartsAt.Add(2 * time.Hour)), ClearEndsAt: true}, "clearEndsAt", store.CodeInvalidInput},
		{"max uses set and cleared", store.PromotionUpdate{ID: 1, MaxUses: ptr(5), ClearMaxUses: true}, "clearMaxUses", store.CodeInvalidInput},
		{"status", store.PromotionUpdate{ID: 1, Status: ptr("PAUSED")}, "status", store.CodeInvalidInput},
		{"name", store.PromotionUpdate{ID: 1, Name: ptr("")}, "name", store.CodeInvalidInput},
		{"channels", store.PromotionUpdate{ID: 1, ChannelIDs: []int64{-1}}, "channelIds", store.CodeInvalidInput},
		{"unknown segment", store.PromotionUpdate{ID: 1, Customer: &store.Targeting{Segments: anyOf(missingUUID)}}, "customer.segments", store.CodeNotFound},
		{"bad condition", store.PromotionUpdate{ID: 1, Customer: &store.Targeting{Segments: &store.Condition{Or: []store.Condition{}}}}, "customer.segments.or", store.CodeInvalidInput},
	} {
		w, err := s.UpdatePromotion(ctx, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		checkErrors(t, tc.name, w.Errors, wantErr{-1, tc.field, tc.code})
		if len(w.Items) != 0 {
			t.Errorf("%s: rejected update returned %+v", tc.name, w.Items)
		}
	}
	same(t, "nothing written", takeSnapshot(t, s), before)
}

func testDeletePromotions(t *testing.T, s store.Store) {
	ctx := t.Context()
	seg := mustSegments(t, s, "A")[0]
	ps := []*store.Promotion{
		mustPromotion(t, s, promotion(1, anyOf(seg.ID))),
		mustPromotion(t, s, promotion(2, anyOf(seg.ID))),
		mustPromotion(t, s, promotion(3, nil)),
	}
	d, err := s.DeletePromotions(ctx, []int64{1, 0, 99, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "delete", d.Errors,
		wantErr{1, "", store.CodeInvalidInput},
		wantErr{2, "", store.CodeNotFound},
		wantErr{3, "", store.CodeDuplicateInput},
	)
	same(t, "deleted", d.IDs, []int64{1, 2})
	same(t, "read back", must(s.PromotionsByIDs(ctx, []int64{1, 2, 3}))(t), []*store.Promotion{nil, nil, ps[2]})
	same(t, "reverse lookup", must(s.CountSegmentPromotions(ctx, []string{seg.ID}))(t), []int{0})
	// The segment stays.
	if got := must(s.SegmentsByIDs(ctx, []string{seg.ID}))(t)[0]; got == nil {
		t.Error("deleting promotions deleted their segment")
	}
}
