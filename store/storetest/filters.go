package storetest

import (
	"fmt"
	"testing"

	"github.com/segql/segql/store"
)

func filterTests() []test {
	return []test{
		{"ListSegments/Filters", testSegmentFilters},
		{"ListShopperProfiles/Filters", testProfileFilters},
		{"ListCustomers/Filters", testCustomerFilters},
		{"ListPromotions/Filters", testPromotionFilters},
	}
}

func testSegmentFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	names := []string{"Summer Sale", "summer shoes", "Winter", "100% Cotton", "100 Cotton", "under_score", "underXscore", `back\slash`, "ÄPFEL grün", "Straße"}
	segs := mustSegments(t, s, names...)
	byName := map[string]string{}
	for _, sg := range segs {
		byName[sg.Name] = sg.ID
	}
	ids := func(names ...string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = byName[n]
		}
		return sorted(out)
	}
	for _, tc := range []struct {
		name   string
		filter store.SegmentFilter
		want   []string
	}{
		{"no filter", store.SegmentFilter{}, ids(names...)},
		{"substring ignoring case", store.SegmentFilter{NameContains: "SUMMER"}, ids("Summer Sale", "summer shoes")},
		{"inner substring", store.SegmentFilter{NameContains: "inte"}, ids("Winter")},
		{"percent is literal", store.SegmentFilter{NameContains: "0%"}, ids("100% Cotton")},
		{"underscore is literal", store.SegmentFilter{NameContains: "r_s"}, ids("under_score")},
		{"backslash is literal", store.SegmentFilter{NameContains: `k\s`}, ids(`back\slash`)},
		{"non-ASCII case", store.SegmentFilter{NameContains: "äpfel GRÜN"}, ids("ÄPFEL grün")},
		{"non-ASCII exact", store.SegmentFilter{NameContains: "STRAßE"}, ids("Straße")},
		{"no match", store.SegmentFilter{NameContains: "autumn"}, nil},
		{"ids", store.SegmentFilter{IDs: []string{byName["Winter"], missingUUID, byName["Straße"], "junk"}}, ids("Winter", "Straße")},
		{"empty ids match nothing", store.SegmentFilter{IDs: []string{}}, nil},
		{"ids and name", store.SegmentFilter{NameContains: "summer", IDs: []string{byName["Summer Sale"], byName["Winter"]}}, ids("Summer Sale")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkList(t, tc.want,
				func(p store.Page[string]) (store.PageOf[*store.Segment], error) {
					return s.ListSegments(ctx, tc.filter, p)
				},
				func(sg *store.Segment) string { return sg.ID },
				func() (int, error) { return s.CountSegments(ctx, tc.filter) })
		})
	}
	// Paging inside a filter.
	f := store.SegmentFilter{NameContains: "o"}
	var want []string
	for _, sg := range segs {
		if containsFold(sg.Name, "o") {
			want = append(want, sg.ID)
		}
	}
	checkPaging(t, sorted(want), []string{lowUUID, highUUID},
		func(p store.Page[string]) (store.PageOf[*store.Segment], error) { return s.ListSegments(ctx, f, p) },
		func(sg *store.Segment) string { return sg.ID })
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub || upper(s[i:i+len(sub)]) == upper(sub) {
			return true
		}
	}
	return false
}

// checkList reads a whole filtered list in one page and counts it.
func checkList[K store.Key, T any](t *testing.T, want []K, read func(store.Page[K]) (store.PageOf[T], error), key func(T) K, count func() (int, error)) {
	t.Helper()
	pg := must(read(store.Page[K]{Limit: 250}))(t)
	got := make([]K, len(pg.Items))
	for i, it := range pg.Items {
		got[i] = key(it)
	}
	same(t, "list", got, want)
	if pg.More {
		t.Error("More on a page holding the whole list")
	}
	if n := must(count())(t); n != len(want) {
		t.Errorf("count = %d, want %d", n, len(want))
	}
}

func testProfileFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps := mustProfiles(t, s, 1, 2, 3, 4)
	mustCustomers(t, s, 5) // no profile
	for _, tc := range []struct {
		name   string
		filter store.ShopperProfileFilter
		want   []string
	}{
		{"no filter", store.ShopperProfileFilter{}, sorted(profileIDs(ps))},
		{"customers", store.ShopperProfileFilter{CustomerIDs: []int64{3, 1, 5, 99, 3}}, sorted([]string{ps[0].ID, ps[2].ID})},
		{"empty customers match nothing", store.ShopperProfileFilter{CustomerIDs: []int64{}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkList(t, tc.want,
				func(p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
					return s.ListShopperProfiles(ctx, tc.filter, p)
				},
				func(p *store.ShopperProfile) string { return p.ID },
				func() (int, error) { return s.CountShopperProfiles(ctx, tc.filter) })
		})
	}
}

func testCustomerFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	var in []store.Customer
	for id := int64(1); id <= 6; id++ {
		c := customer(id)
		c.Email = fmt.Sprintf("Person%d@Example.COM", id)
		c.CustomerGroupID = id % 3 // 1, 2, 0, 1, 2, 0
		in = append(in, c)
	}
	w, err := s.UpsertCustomers(ctx, in)
	mustWrite(t, "upsert customers", w.Errors, err)
	for _, tc := range []struct {
		name   string
		filter store.CustomerFilter
		want   []int64
	}{
		{"no filter", store.CustomerFilter{}, []int64{1, 2, 3, 4, 5, 6}},
		{"emails ignoring case", store.CustomerFilter{Emails: []string{"person2@example.com", "PERSON5@EXAMPLE.COM", "nobody@example.com"}}, []int64{2, 5}},
		{"exact email", store.CustomerFilter{Emails: []string{"Person4@Example.COM"}}, []int64{4}},
		{"empty emails match nothing", store.CustomerFilter{Emails: []string{}}, nil},
		{"group", store.CustomerFilter{CustomerGroupID: ptr(int64(1))}, []int64{1, 4}},
		{"no group", store.CustomerFilter{CustomerGroupID: ptr(int64(0))}, []int64{3, 6}},
		{"unknown group", store.CustomerFilter{CustomerGroupID: ptr(int64(9))}, nil},
		{"emails and group", store.CustomerFilter{Emails: []string{"person1@example.com", "person2@example.com"}, CustomerGroupID: ptr(int64(2))}, []int64{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkList(t, tc.want,
				func(p store.Page[int64]) (store.PageOf[*store.Customer], error) {
					return s.ListCustomers(ctx, tc.filter, p)
				},
				func(c *store.Customer) int64 { return c.ID },
				func() (int, error) { return s.CountCustomers(ctx, tc.filter) })
		})
	}
}

func testPromotionFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B", "C")
	mk := func(id int64, status, redemption string, cond *store.Condition) {
		p := promotion(id, cond)
		p.Status, p.RedemptionType = status, redemption
		mustPromotion(t, s, p)
	}
	mk(1, store.StatusEnabled, store.RedemptionAutomatic, anyOf(sg[0].ID))
	mk(2, store.StatusDisabled, store.RedemptionCoupon, &store.Condition{Not: anyOf(sg[0].ID, sg[1].ID)})
	mk(3, store.StatusEnabled, store.RedemptionCoupon, nil)
	mk(4, store.StatusEnabled, store.RedemptionAutomatic, &store.Condition{And: []store.Condition{{ID: []string{sg[1].ID}}, {Not: anyOf(sg[0].ID)}}})
	mk(5, store.StatusDisabled, store.RedemptionAutomatic, anyOf(sg[1].ID))
	for _, tc := range []struct {
		name   string
		filter store.PromotionFilter
		want   []int64
	}{
		{"no filter", store.PromotionFilter{}, []int64{1, 2, 3, 4, 5}},
		{"status", store.PromotionFilter{Status: store.StatusEnabled}, []int64{1, 3, 4}},
		{"status invalid", store.PromotionFilter{Status: store.StatusInvalid}, nil},
		{"redemption type", store.PromotionFilter{RedemptionType: store.RedemptionCoupon}, []int64{2, 3}},
		{"targeted segment", store.PromotionFilter{TargetedSegment: sg[0].ID}, []int64{1, 2, 4}},
		{"targeted segment under not and and", store.PromotionFilter{TargetedSegment: sg[1].ID}, []int64{2, 4, 5}},
		{"untargeted segment", store.PromotionFilter{TargetedSegment: sg[2].ID}, nil},
		{"unknown segment", store.PromotionFilter{TargetedSegment: missingUUID}, nil},
		{"all three", store.PromotionFilter{Status: store.StatusEnabled, RedemptionType: store.RedemptionAutomatic, TargetedSegment: sg[1].ID}, []int64{4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkList(t, tc.want,
				func(p store.Page[int64]) (store.PageOf[*store.Promotion], error) {
					return s.ListPromotions(ctx, tc.filter, p)
				},
				func(p *store.Promotion) int64 { return p.ID },
				func() (int, error) { return s.CountPromotions(ctx, tc.filter) })
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
