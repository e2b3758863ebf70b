package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// promotionOut is a promotion as the graph answers it, its condition kept as JSON.
type promotionOut struct {
	PromotionID              int64
	Name                     string
	DisplayName              string
	RedemptionType           string
	Status                   string
	StartsAt                 time.Time
	EndsAt                   *time.Time
	ChannelIDs               []int64
	CurrencyCode             string
	MaxUses                  *int
	CurrentUses              int
	CustomerGroupIDs         []int64
	ExcludedCustomerGroupIDs []int64
	MinimumOrderCount        int
	SegmentCondition         json.RawMessage
	TargetedSegments         []struct{ UUID string }
}

const promotionOutFields = `promotionId name displayName redemptionType status startsAt endsAt channelIds currencyCode
	maxUses currentUses customerGroupIds excludedCustomerGroupIds minimumOrderCount
	segmentCondition { ...C0 } targetedSegments { uuid }`

type promotionPayload struct {
	Promotion  *promotionOut
	UserErrors []userError
}

func (ts *testServer) createPromotion(in map[string]any) promotionPayload {
	ts.t.Helper()
	var out struct{ CreatePromotion promotionPayload }
	ts.query(`mutation($in: CreatePromotionInput!) { createPromotion(input: $in) { promotion { `+promotionOutFields+` } `+userErrorFields+` } }`+conditionFragments,
		map[string]any{"in": in}, &out)
	return out.CreatePromotion
}

func (ts *testServer) updatePromotion(in map[string]any) promotionPayload {
	ts.t.Helper()
	var out struct{ UpdatePromotion promotionPayload }
	ts.query(`mutation($in: UpdatePromotionInput!) { updatePromotion(input: $in) { promotion { `+promotionOutFields+` } `+userErrorFields+` } }`+conditionFragments,
		map[string]any{"in": in}, &out)
	return out.UpdatePromotion
}

func (ts *testServer) promotion(id int64) *promotionOut {
	ts.t.Helper()
	var out struct{ Promotion *promotionOut }
	ts.query(`query($id: Int64!) { promotion(promotionId: $id) { `+promotionOutFields+` } }`+conditionFragments, map[string]any{"id": id}, &out)
	return out.Promotion
}

func (ts *testServer) promotionCount() int {
	ts.t.Helper()
	var data struct{ Promotions struct{ TotalCount int } }
	ts.query(`{ promotions { totalCount } }`, nil, &data)
	return data.Promotions.TotalCount
}

// segmentPromotions lists the ids of the promotions targeting a segment.
func (ts *testServer) segmentPromotions(seg string) []int64 {
	ts.t.Helper()
	var data struct {
		Segment struct {
			Promotions struct{ Nodes []struct{ PromotionID int64 } }
		}
	}
	ts.query(`query($s: ID!) { segment(uuid: $s) { promotions { nodes { promotionId } } } }`, map[string]any{"s": seg}, &data)
	out := []int64{}
	for _, n := range data.Segment.Promotions.Nodes {
		out = append(out, n.PromotionID)
	}
	return out
}

// cond is a condition in its GraphQL shape: every operator present, in
// the order the fragments select them.
func cond(id []string, not any, and, or []any) string {
	b, _ := json.Marshal(struct {
		ID  []string `json:"id"`
		Not any      `json:"not"`
		And []any    `json:"and"`
		Or  []any    `json:"or"`
	}{id, not, and, or})
	return string(b)
}

func idCond(ids ...string) map[string]any { return map[string]any{"id": nonNilStrings(ids)} }

func TestCreatePromotionDefaults(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	start := time.Now().Add(-time.Second)

	res := ts.createPromotion(map[string]any{"name": "Spring", "redemptionType": "COUPON"})
	checkUserErrors(t, res.UserErrors)
	p := res.Promotion
	if p == nil {
		t.Fatal("no promotion")
	}
	if p.StartsAt.Before(start) || p.StartsAt.After(time.Now()) {
		t.Errorf("startsAt %v, want now", p.StartsAt)
	}
	p.StartsAt = time.Time{}
	equal(t, "defaults", *p, promotionOut{
		PromotionID: 6, Name: "Spring", DisplayName: "Spring", RedemptionType: "COUPON", Status: "ENABLED",
		ChannelIDs: []int64{}, CurrencyCode: "USD", CustomerGroupIDs: []int64{}, ExcludedCustomerGroupIDs: []int64{},
		SegmentCondition: json.RawMessage("null"), TargetedSegments: []struct{ UUID string }{},
	})
	// Open to everyone: a guest can get it now.
	var v struct {
		Viewer struct{ EligiblePromotions []struct{ PromotionID int64 } }
	}
	ts.query(`{ viewer { eligiblePromotions { promotionId } } }`, nil, &v)
	equal(t, "guest eligible", fmt.Sprint(v.Viewer.EligiblePromotions), "[{1} {6}]")
}

func TestCreatePromotionFull(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	starts := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	ends := time.Date(2035, 3, 1, 8, 0, 0, 0, time.UTC)
	condition := map[string]any{"or": []any{
		idCond(segID(2), segID(1)),
		map[string]any{"not": idCond(segID(3))},
	}}
	res := ts.createPromotion(map[string]any{
		"promotionId": 42, "name": "  Summer  ", "displayName": "Summer sale", "redemptionType": "AUTOMATIC",
		"status": "DISABLED", "startsAt": "2025-03-01T09:00:00+01:00", "endsAt": ends.Format(time.RFC3339),
		"channelIds": []int64{2, 1}, "currencyCode": "GBP", "maxUses": 100,
		"customer": map[string]any{"groupIds": []int64{1, 2}, "minimumOrderCount": 2, "segments": condition},
	})
	checkUserErrors(t, res.UserErrors)
	want := promotionOut{
		PromotionID: 42, Name: "  Summer  ", DisplayName: "Summer sale", RedemptionType: "AUTOMATIC", Status: "DISABLED",
		StartsAt: starts, EndsAt: &ends, ChannelIDs: []int64{2, 1}, CurrencyCode: "GBP", MaxUses: ptr(100),
		CustomerGroupIDs: []int64{1, 2}, ExcludedCustomerGroupIDs: []int64{}, MinimumOrderCount: 2,
		SegmentCondition: json.RawMessage(cond(nil, nil, nil, []any{
			json.RawMessage(cond([]string{segID(2), segID(1)}, nil, nil, nil)),
			json.RawMessage(cond(nil, json.RawMessage(cond([]string{segID(3)}, nil, nil, nil)), nil, nil)),
		})),
	}
	for _, id := range sortedIDs(segID, 1, 2, 3) {
		want.TargetedSegments = append(want.TargetedSegments, struct{ UUID string }{id})
	}
	equal(t, "created", res.Promotion, &want)
	equal(t, "read back", ts.promotion(42), &want)
	for _, s := range []int{1, 2, 3} {
		ids := ts.segmentPromotions(segID(s))
		if len(ids) == 0 || ids[len(ids)-1] != 42 {
			t.Errorf("segment %d promotions %v, want 42 last", s, ids)
		}
	}
	equal(t, "segment 4 promotions", ts.segmentPromotions(segID(4)), []int64{})

	// The next id left out follows the highest.
	res = ts.createPromotion(map[string]any{"name": "Next", "redemptionType": "AUTOMATIC"})
	checkUserErrors(t, res.UserErrors)
	equal(t, "next id", res.Promotion.PromotionID, int64(43))
}

func TestCreatePromotionRejected(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	now := time.Now().UTC()
	not := func(c any) map[string]any { return map[string]any{"not": c} }
	seg := func(c any) map[string]any { return map[string]any{"customer": map[string]any{"segments": c}} }

	cases := []struct {
		name  string
		in    map[string]any
		code  string
		field []string
	}{
		{"status INVALID", map[string]any{"status": "INVALID"}, "INVALID_INPUT", []string{"status"}},
		{"empty name", map[string]any{"name": " "}, "INVALID_INPUT", []string{"name"}},
		{"long name", map[string]any{"name": strings.Repeat("n", 256)}, "INVALID_INPUT", []string{"name"}},
		{"long display name", map[string]any{"displayName": strings.Repeat("n", 256)}, "INVALID_INPUT", []string{"displayName"}},
		{"negative id", map[string]any{"promotionId": -1}, "INVALID_INPUT", []string{"promotionId"}},
		{"existing id", map[string]any{"promotionId": 3}, "DUPLICATE_INPUT", []string{"promotionId"}},
		{"ends before it starts", map[string]any{"startsAt": now.Format(time.RFC3339), "endsAt": now.Add(-time.Hour).Format(time.RFC3339)}, "INVALID_INPUT", []string{"endsAt"}},
		{"ends as it starts", map[string]any{"startsAt": now.Format(time.RFC3339), "endsAt": now.Format(time.RFC3339)}, "INVALID_INPUT", []string{"endsAt"}},
		{"ends in the past, start left out", map[string]any{"endsAt": now.Add(-time.Hour).Format(time.RFC3339)}, "INVALID_INPUT", []string{"endsAt"}},
		{"lower-case currency", map[string]any{"currencyCode": "usd"}, "INVALID_INPUT", []string{"currencyCode"}},
		{"four-letter currency", map[string]any{"currencyCode": "EURO"}, "INVALID_INPUT", []string{"currencyCode"}},
		{"negative max uses", map[string]any{"maxUses": -1}, "INVALID_INPUT", []string{"maxUses"}},
		{"channel 0", map[string]any{"channelIds": []int64{1, 0}}, "INVALID_INPUT", []string{"channelIds"}},
		{"group and excluded groups", map[string]any{"customer": map[string]any{"groupIds": []int64{1}, "excludedGroupIds": []int64{2}}}, "INVALID_INPUT", []string{"customer", "groupIds"}},
		{"negative group", map[string]any{"customer": map[string]any{"groupIds": []int64{-1}}}, "INVALID_INPUT", []string{"customer", "groupIds"}},
		{"negative order count", map[string]any{"customer": map[string]any{"minimumOrderCount": -1}}, "INVALID_INPUT", []string{"customer", "minimumOrderCount"}},
		{"four operator levels", seg(not(not(not(not(idCond(segID(1))))))), "INVALID_INPUT", []string{"customer", "segments", "not", "not", "not"}},
		{"four levels under and/or", seg(map[string]any{"and": []any{
			idCond(segID(1)),
			map[string]any{"or": []any{idCond(segID(2)), not(map[string]any{"and": []any{idCond(segID(1)), idCond(segID(2))}})}},
		}}), "INVALID_INPUT", []string{"customer", "segments", "and", "1", "or", "1", "not"}},
		{"and with one operand", seg(map[string]any{"and": []any{idCond(segID(1))}}), "INVALID_INPUT", []string{"customer", "segments", "and"}},
		{"or with no operand", seg(map[string]any{"or": []any{}}), "INVALID_INPUT", []string{"customer", "segments", "or"}},
		{"empty id list", seg(idCond()), "INVALID_INPUT", []string{"customer", "segments", "id"}},
		{"not a uuid", seg(idCond(segID(1), "gold")), "INVALID_INPUT", []string{"customer", "segments", "id"}},
		{"not a uuid, nested", seg(map[string]any{"and": []any{idCond(segID(1)), not(idCond("gold"))}}), "INVALID_INPUT", []string{"customer", "segments", "and", "1", "not", "id"}},
		{"two operators in one", seg(map[string]any{"id": []string{segID(1)}, "not": idCond(segID(2))}), "INVALID_INPUT", []string{"customer", "segments"}},
		{"empty condition", seg(map[string]any{}), "INVALID_INPUT", []string{"customer", "segments"}},
		{"null id list", seg(map[string]any{"id": nil}), "INVALID_INPUT", []string{"customer", "segments"}},
		{"unknown segment", seg(idCond(segID(1), segID(99))), "NOT_FOUND", []string{"customer", "segments"}},
		{"unknown segment, nested", seg(map[string]any{"or": []any{idCond(segID(1)), not(idCond(segID(99)))}}), "NOT_FOUND", []string{"customer", "segments"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := ts.with(t)
			in := map[string]any{"name": "Rejected", "redemptionType": "AUTOMATIC"}
			for k, v := range c.in {
				in[k] = v
			}
			res := ts.createPromotion(in)
			checkUserErrors(t, res.UserErrors, ue(c.code, append([]string{"input"}, c.field...)...))
			if res.Promotion != nil {
				t.Errorf("rejected, yet answered %+v", res.Promotion)
			}
		})
	}
	equal(t, "promotions written", ts.promotionCount(), 5)
	equal(t, "promotion 3 untouched", ts.promotion(3).Name, "Promotion 3")

	t.Run("three operator levels are allowed", func(t *testing.T) {
		ts := ts.with(t)
		for _, c := range []any{
			not(not(not(idCond(segID(1))))),
			map[string]any{"and": []any{
				idCond(segID(1)),
				map[string]any{"or": []any{idCond(segID(2)), not(idCond(segID(3))), idCond(segID(4))}},
			}},
		} {
			res := ts.createPromotion(map[string]any{"name": "Deep", "redemptionType": "AUTOMATIC", "customer": map[string]any{"segments": c}})
			checkUserErrors(t, res.UserErrors)
		}
		equal(t, "promotions written", ts.promotionCount(), 7)
	})
}

func TestUpdatePromotion(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	orig := ts.promotion(5)
	if orig == nil {
		t.Fatal("promotion 5 missing")
	}

	// step applies one update and checks the whole promotion after it:
	// change edits a copy of the promotion as it was into what it must be.
	current := *orig
	step := func(t *testing.T, in map[string]any, change func(p *promotionOut)) {
		t.Helper()
		ts := ts.with(t)
		in["promotionId"] = 5
		res := ts.updatePromotion(in)
		checkUserErrors(t, res.UserErrors)
		want := current
		change(&want)
		equal(t, "answered", res.Promotion, &want)
		equal(t, "read back", ts.promotion(5), &want)
		current = want
	}

	t.Run("name only, the rest kept", func(t *testing.T) {
		step(t, map[string]any{"name": "Renamed"}, func(p *promotionOut) { p.Name = "Renamed" })
	})
	t.Run("several fields", func(t *testing.T) {
		step(t, map[string]any{"displayName": "Shown", "redemptionType": "COUPON", "currencyCode": "JPY", "maxUses": 4, "currentUses": 4, "channelIds": []int64{3}},
			func(p *promotionOut) {
				p.DisplayName, p.RedemptionType, p.CurrencyCode, p.MaxUses, p.CurrentUses, p.ChannelIDs = "Shown", "COUPON", "JPY", ptr(4), 4, []int64{3}
			})
	})
	t.Run("channels emptied: every channel", func(t *testing.T) {
		step(t, map[string]any{"channelIds": []int64{}}, func(p *promotionOut) { p.ChannelIDs = []int64{} })
	})
	t.Run("clear the use limit", func(t *testing.T) {
		step(t, map[string]any{"clearMaxUses": true}, func(p *promotionOut) { p.MaxUses = nil })
	})
	t.Run("clear the end", func(t *testing.T) {
		step(t, map[string]any{"clearEndsAt": true}, func(p *promotionOut) { p.EndsAt = nil })
	})
	t.Run("set the end and the start", func(t *testing.T) {
		s, e := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
		step(t, map[string]any{"startsAt": s.Format(time.RFC3339), "endsAt": e.Format(time.RFC3339)}, func(p *promotionOut) { p.StartsAt, p.EndsAt = s, &e })
	})
	t.Run("clearEndsAt false changes nothing", func(t *testing.T) {
		step(t, map[string]any{"clearEndsAt": false}, func(p *promotionOut) {})
	})
	t.Run("targeting replaced whole", func(t *testing.T) {
		step(t, map[string]any{"customer": map[string]any{"segments": idCond(segID(4))}}, func(p *promotionOut) {
			p.CustomerGroupIDs, p.MinimumOrderCount = []int64{}, 0
			p.SegmentCondition = json.RawMessage(cond([]string{segID(4)}, nil, nil, nil))
			p.TargetedSegments = []struct{ UUID string }{{segID(4)}}
		})
		equal(t, "segment 4 promotions", ts.with(t).segmentPromotions(segID(4)), []int64{5})
	})
	t.Run("targeting replaced by excluded groups", func(t *testing.T) {
		step(t, map[string]any{"customer": map[string]any{"excludedGroupIds": []int64{0}}}, func(p *promotionOut) {
			p.ExcludedCustomerGroupIDs = []int64{0}
			p.SegmentCondition = json.RawMessage("null")
			p.TargetedSegments = []struct{ UUID string }{}
		})
		equal(t, "segment 4 promotions", ts.with(t).segmentPromotions(segID(4)), []int64{})
	})
	t.Run("disable and enable", func(t *testing.T) {
		step(t, map[string]any{"status": "DISABLED"}, func(p *promotionOut) { p.Status = "DISABLED" })
		step(t, map[string]any{"status": "ENABLED"}, func(p *promotionOut) { p.Status = "ENABLED" })
	})

	rejected := []struct {
		name  string
		in    map[string]any
		code  string
		field []string
	}{
		{"unknown promotion", map[string]any{"promotionId": 99, "name": "X"}, "NOT_FOUND", []string{"promotionId"}},
		{"status INVALID", map[string]any{"status": "INVALID"}, "INVALID_INPUT", []string{"status"}},
		{"end set and cleared", map[string]any{"endsAt": "2041-01-01T00:00:00Z", "clearEndsAt": true}, "INVALID_INPUT", []string{"clearEndsAt"}},
		{"use limit set and cleared", map[string]any{"maxUses": 3, "clearMaxUses": true}, "INVALID_INPUT", []string{"clearMaxUses"}},
		{"start after the end", map[string]any{"startsAt": "2045-01-01T00:00:00Z"}, "INVALID_INPUT", []string{"endsAt"}},
		{"empty name", map[string]any{"name": ""}, "INVALID_INPUT", []string{"name"}},
		{"bad currency", map[string]any{"currencyCode": "xx"}, "INVALID_INPUT", []string{"currencyCode"}},
		{"negative uses", map[string]any{"currentUses": -1}, "INVALID_INPUT", []string{"currentUses"}},
		{"negative max uses", map[string]any{"maxUses": -1}, "INVALID_INPUT", []string{"maxUses"}},
		{"channel 0", map[string]any{"channelIds": []int64{0}}, "INVALID_INPUT", []string{"channelIds"}},
		{"groups and excluded groups", map[string]any{"customer": map[string]any{"groupIds": []int64{1}, "excludedGroupIds": []int64{2}}}, "INVALID_INPUT", []string{"customer", "groupIds"}},
		{"and with one operand", map[string]any{"customer": map[string]any{"segments": map[string]any{"and": []any{idCond(segID(1))}}}}, "INVALID_INPUT", []string{"customer", "segments", "and"}},
		{"unknown segment", map[string]any{"customer": map[string]any{"segments": idCond(segID(99))}}, "NOT_FOUND", []string{"customer", "segments"}},
	}
	for _, c := range rejected {
		t.Run("rejected: "+c.name, func(t *testing.T) {
			ts := ts.with(t)
			in := map[string]any{"promotionId": 5}
			for k, v := range c.in {
				in[k] = v
			}
			res := ts.updatePromotion(in)
			checkUserErrors(t, res.UserErrors, ue(c.code, append([]string{"input"}, c.field...)...))
			if res.Promotion != nil {
				t.Errorf("rejected, yet answered %+v", res.Promotion)
			}
			equal(t, "unchanged", ts.promotion(5), &current)
		})
	}
}

func TestDeletePromotions(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	equal(t, "eligible before", ts.eligible(profileID(1)), []int64{1, 2})
	const q = `mutation($ids: [Int64!]!) { deletePromotions(promotionIds: $ids) { deletedPromotionIds ` + userErrorFields + ` } }`
	type result struct {
		DeletePromotions struct {
			DeletedPromotionIDs []int64
			UserErrors          []userError
		}
	}
	var res result
	ts.query(q, map[string]any{"ids": []int64{1, 0, 99, 1, 3}}, &res)
	checkUserErrors(t, res.DeletePromotions.UserErrors,
		ue("INVALID_INPUT", "promotionIds", "1"),
		ue("NOT_FOUND", "promotionIds", "2"),
		ue("DUPLICATE_INPUT", "promotionIds", "3"),
	)
	equal(t, "deleted", res.DeletePromotions.DeletedPromotionIDs, []int64{1, 3})
	if p := ts.promotion(1); p != nil {
		t.Errorf("promotion 1 still answers: %+v", p)
	}
	equal(t, "promotions left", ts.promotionCount(), 3)
	equal(t, "segment 1 promotions", ts.segmentPromotions(segID(1)), []int64{2})
	equal(t, "segment 2 promotions", ts.segmentPromotions(segID(2)), []int64{})
	equal(t, "eligible after", ts.eligible(profileID(1)), []int64{2})

	t.Run("too many", func(t *testing.T) {
		ts := ts.with(t)
		ids := make([]int64, 251)
		for i := range ids {
			ids[i] = 2
		}
		ts.refusedListCap(q, map[string]any{"ids": ids})
		equal(t, "promotions left", ts.promotionCount(), 3)
	})
}
