package storetest

import (
	"testing"

	"github.com/segql/segql/store"
)

func cascadeTests() []test {
	return []test{
		{"DeleteSegments/Cascade", testDeleteSegmentCascade},
		{"DeleteShopperProfiles/Cascade", testDeleteProfileCascade},
		{"DeleteCustomers/Cascade", testDeleteCustomerCascade},
	}
}

func testDeleteSegmentCascade(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B", "C", "D")
	a, b, c, d := sg[0].ID, sg[1].ID, sg[2].ID, sg[3].ID
	ps := mustProfiles(t, s, 1, 2, 3)
	mustAdd(t, s, a, ps[0], ps[1])
	mustAdd(t, s, b, ps[1])
	p5 := promotion(5, anyOf(a))
	p5.Status = store.StatusDisabled
	promos := []*store.Promotion{
		mustPromotion(t, s, promotion(1, anyOf(a))),
		mustPromotion(t, s, promotion(2, &store.Condition{And: []store.Condition{{ID: []string{b}}, {Not: anyOf(a)}}})),
		mustPromotion(t, s, promotion(3, anyOf(b))),
		mustPromotion(t, s, promotion(4, nil)),
		mustPromotion(t, s, p5),
		mustPromotion(t, s, promotion(6, anyOf(c, d))),
	}
	profilesBefore := must(s.ShopperProfilesByIDs(ctx, profileIDs(ps)))(t)

	del, err := s.DeleteSegments(ctx, []string{a})
	mustWrite(t, "delete A", del.Errors, err)
	same(t, "deleted", del.IDs, []string{a})
	same(t, "invalidated", del.InvalidatedPromotionIDs, []int64{1, 2, 5})

	// Profiles stay; members of A are touched, the others are not.
	profilesAfter := must(s.ShopperProfilesByIDs(ctx, profileIDs(ps)))(t)
	for i, touched := range []bool{true, true, false} {
		if profilesAfter[i] == nil {
			t.Fatalf("profile %d deleted with its segment", i)
		}
		if touched != profilesAfter[i].UpdatedAt.After(profilesBefore[i].UpdatedAt) {
			t.Errorf("profile %d updated_at %v -> %v, want touched %v", i, profilesBefore[i].UpdatedAt, profilesAfter[i].UpdatedAt, touched)
		}
	}
	same(t, "memberships", sortedEach(must(s.ProfileSegmentIDs(ctx, profileIDs(ps)))(t)), [][]string{nil, {b}, nil})
	same(t, "A's members", must(s.CountSegmentProfiles(ctx, []string{a, b}))(t), []int{0, 1})
	same(t, "A's pages", must(s.ProfileSegmentPages(ctx, profileIDs(ps[:2]), store.Page[string]{Limit: 10}))(t)[1].Items,
		must(s.SegmentsByIDs(ctx, []string{b}))(t))

	// The promotions that named A are INVALID, their condition as it was.
	after := must(s.PromotionsByIDs(ctx, []int64{1, 2, 3, 4, 5, 6}))(t)
	for i, p := range after {
		old := promos[i]
		if p.ID == 1 || p.ID == 2 || p.ID == 5 {
			if p.Status != store.StatusInvalid {
				t.Errorf("promotion %d status %s, want INVALID", p.ID, p.Status)
			}
			same(t, "condition kept", p.Customer, old.Customer)
			if !p.UpdatedAt.After(old.UpdatedAt) {
				t.Errorf("promotion %d updated_at not touched", p.ID)
			}
			continue
		}
		same(t, "promotion not naming A", p, old)
	}
	same(t, "A's promotions", must(s.CountSegmentPromotions(ctx, []string{a, b}))(t), []int{0, 2})
	same(t, "targeting A", must(s.CountPromotions(ctx, store.PromotionFilter{TargetedSegment: a}))(t), 0)
	same(t, "targeting B", must(s.CountPromotions(ctx, store.PromotionFilter{TargetedSegment: b}))(t), 2)
	same(t, "enabled", len(must(s.EnabledPromotions(ctx))(t)), 3)

	// An INVALID promotion cannot be enabled while its condition names a
	// missing segment; with a new condition it can.
	w, err := s.UpdatePromotion(ctx, store.PromotionUpdate{ID: 1, Status: ptr(store.StatusEnabled)})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "enable as is", w.Errors, wantErr{-1, "customer.segments", store.CodeNotFound})
	w, err = s.UpdatePromotion(ctx, store.PromotionUpdate{ID: 1, Status: ptr(store.StatusEnabled), Customer: &store.Targeting{Segments: anyOf(b)}})
	mustWrite(t, "enable with a new condition", w.Errors, err)

	// Two deleted segments named by one promotion: it is reported once.
	del, err = s.DeleteSegments(ctx, []string{c, d})
	mustWrite(t, "delete C and D", del.Errors, err)
	same(t, "invalidated once", del.InvalidatedPromotionIDs, []int64{6})
}

func sortedEach(ids [][]string) [][]string {
	for i := range ids {
		ids[i] = sorted(ids[i])
	}
	return ids
}

func testDeleteProfileCascade(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B")
	ps := mustProfiles(t, s, 1, 2)
	mustAdd(t, s, sg[0].ID, ps[0], ps[1])
	mustAdd(t, s, sg[1].ID, ps[0])
	d, err := s.DeleteShopperProfiles(ctx, []string{ps[0].ID})
	mustWrite(t, "delete profile", d.Errors, err)
	same(t, "members", must(s.CountSegmentProfiles(ctx, segmentIDs(sg)))(t), []int{1, 0})
	same(t, "segment ids", must(s.ProfileSegmentIDs(ctx, []string{ps[0].ID}))(t), [][]string{nil})
	same(t, "segments kept", must(s.SegmentsByIDs(ctx, segmentIDs(sg)))(t), sg)
	same(t, "customer's profile", must(s.ShopperProfilesByCustomerIDs(ctx, []int64{1}))(t), []*store.ShopperProfile{nil})
	if got := must(s.CustomersByIDs(ctx, []int64{1}))(t)[0]; got == nil {
		t.Error("customer deleted with its profile")
	}
}

func testDeleteCustomerCascade(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A")
	ps := mustProfiles(t, s, 1, 2)
	mustAdd(t, s, sg[0].ID, ps...)
	d, err := s.DeleteCustomers(ctx, []int64{1})
	mustWrite(t, "delete customer", d.Errors, err)
	same(t, "profiles", must(s.ShopperProfilesByIDs(ctx, profileIDs(ps)))(t)[0], (*store.ShopperProfile)(nil))
	same(t, "by customer", must(s.ShopperProfilesByCustomerIDs(ctx, []int64{1, 2}))(t)[0], (*store.ShopperProfile)(nil))
	same(t, "members", pageKeys(t, s, sg[0].ID), []string{ps[1].ID})
	same(t, "segment ids", must(s.ProfileSegmentIDs(ctx, []string{ps[0].ID}))(t), [][]string{nil})
	same(t, "profile count", must(s.CountShopperProfiles(ctx, store.ShopperProfileFilter{}))(t), 1)
}
