package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

type segmentOut struct {
	UUID, Name, Description string
	CreatedAt, UpdatedAt    time.Time
}

const segmentOutFields = `uuid name description createdAt updatedAt`

// segmentNames lists every segment's name, in UUID order.
func (ts *testServer) segmentNames() []string {
	ts.t.Helper()
	var data struct {
		Segments struct{ Nodes []struct{ Name string } }
	}
	ts.query(`{ segments(first: 250) { nodes { name } } }`, nil, &data)
	var out []string
	for _, n := range data.Segments.Nodes {
		out = append(out, n.Name)
	}
	return out
}

func (ts *testServer) segmentCount() int {
	ts.t.Helper()
	var data struct{ Segments struct{ TotalCount int } }
	ts.query(`{ segments { totalCount } }`, nil, &data)
	return data.Segments.TotalCount
}

type createSegmentsResult struct {
	CreateSegments struct {
		Segments   []segmentOut
		UserErrors []userError
	}
}

func (ts *testServer) createSegments(input []map[string]any) createSegmentsResult {
	ts.t.Helper()
	var out createSegmentsResult
	ts.query(`mutation($input: [CreateSegmentInput!]!) { createSegments(input: $input) { segments { `+segmentOutFields+` } `+userErrorFields+` } }`,
		map[string]any{"input": input}, &out)
	return out
}

func TestCreateSegments(t *testing.T) {
	ts := newTestServer(t)
	ts.load(fixture{Segments: []store.Segment{segment(1, "Gold Members")}})

	start := time.Now().Add(-time.Second)
	res := ts.createSegments([]map[string]any{
		{"name": "Alpha", "description": "first"}, // 0 ok
		{"name": ""},                       // 1 empty
		{"name": "   "},                    // 2 blank
		{"name": strings.Repeat("n", 256)}, // 3 too long
		{"name": "Beta", "description": strings.Repeat("d", 1001)},  // 4 description too long
		{"name": "gold members"},                                    // 5 taken, other case
		{"name": "ALPHA"},                                           // 6 earlier in this call, other case
		{"name": strings.Repeat("é", 255)},                          // 7 ok: 255 characters, 510 bytes
		{"name": "  Gamma  "},                                       // 8 ok, trimmed
		{"name": "gamma"},                                           // 9 earlier in this call
		{"name": "Delta", "description": strings.Repeat("d", 1000)}, // 10 ok
	}).CreateSegments

	checkUserErrors(t, res.UserErrors,
		ue("INVALID_INPUT", "input", "1", "name"),
		ue("INVALID_INPUT", "input", "2", "name"),
		ue("INVALID_INPUT", "input", "3", "name"),
		ue("INVALID_INPUT", "input", "4", "description"),
		ue("DUPLICATE_NAME", "input", "5", "name"),
		ue("DUPLICATE_INPUT", "input", "6", "name"),
		ue("DUPLICATE_INPUT", "input", "9", "name"),
	)
	var names []string
	for _, s := range res.Segments {
		names = append(names, s.Name)
		if !store.ValidUUID(s.UUID) {
			t.Errorf("segment %q has UUID %q", s.Name, s.UUID)
		}
		if s.CreatedAt.Before(start) || !s.UpdatedAt.Equal(s.CreatedAt) {
			t.Errorf("segment %q stamped %v / %v, want now", s.Name, s.CreatedAt, s.UpdatedAt)
		}
	}
	wantCreated := []string{"Alpha", strings.Repeat("é", 255), "Gamma", "Delta"}
	equal(t, "created, in input order", names, wantCreated)
	equal(t, "descriptions", []string{res.Segments[0].Description, res.Segments[2].Description}, []string{"first", ""})

	// Exactly the accepted items were written; new UUIDs are time-ordered,
	// so they list in input order.
	stored := ts.segmentNames()
	equal(t, "stored", slices.DeleteFunc(slices.Clone(stored), func(n string) bool { return n == "Gold Members" }), wantCreated)
	equal(t, "stored count", len(stored), 5)
	for _, s := range res.Segments {
		var data struct{ Segment segmentOut }
		ts.query(`query($uuid: ID!) { segment(uuid: $uuid) { `+segmentOutFields+` } }`, map[string]any{"uuid": s.UUID}, &data)
		equal(t, "segment read back", data.Segment, s)
	}

	t.Run("empty call", func(t *testing.T) {
		res := ts.with(t).createSegments([]map[string]any{}).CreateSegments
		if len(res.Segments) != 0 || len(res.UserErrors) != 0 {
			t.Errorf("empty call: %+v", res)
		}
	})
}

func TestCreateSegmentsTooMany(t *testing.T) {
	ts := newTestServer(t)
	in := make([]map[string]any, 251)
	for i := range in {
		in[i] = map[string]any{"name": fmt.Sprintf("Segment %d", i)}
	}
	// The generic cap on list arguments refuses it before the resolver.
	ts.refusedListCap(`mutation($input: [CreateSegmentInput!]!) { createSegments(input: $input) { `+userErrorFields+` } }`,
		map[string]any{"input": in})
	equal(t, "segments written", ts.segmentCount(), 0)

	res := ts.createSegments(in[:250]).CreateSegments
	checkUserErrors(t, res.UserErrors)
	equal(t, "created of 250", len(res.Segments), 250)
	equal(t, "segments written", ts.segmentCount(), 250)
}

func TestCreateSegmentsLimit(t *testing.T) {
	ts := newTestServer(t)
	segs := make([]store.Segment, store.MaxSegments-2)
	for i := range segs {
		segs[i] = segment(i, fmt.Sprintf("Bulk %d", i))
	}
	ts.load(fixture{Segments: segs})

	res := ts.createSegments([]map[string]any{
		{"name": "One"},    // 999th
		{"name": "Bulk 7"}, // taken: a duplicate is reported as such even near the limit
		{"name": "Two"},    // 1000th
		{"name": "Three"},  // over
		{"name": ""},       // invalid before over
		{"name": "Four"},   // over
	}).CreateSegments
	checkUserErrors(t, res.UserErrors,
		ue("DUPLICATE_NAME", "input", "1", "name"),
		ue("LIMIT_EXCEEDED", "input", "3"),
		ue("INVALID_INPUT", "input", "4", "name"),
		ue("LIMIT_EXCEEDED", "input", "5"),
	)
	equal(t, "created", len(res.Segments), 2)
	equal(t, "segments", ts.segmentCount(), store.MaxSegments)

	// At the limit, every new one is refused.
	res = ts.createSegments([]map[string]any{{"name": "Five"}}).CreateSegments
	checkUserErrors(t, res.UserErrors, ue("LIMIT_EXCEEDED", "input", "0"))

	// Deleting one makes room for one.
	var del struct {
		DeleteSegments struct {
			DeletedUuids []string
			UserErrors   []userError
		}
	}
	ts.query(`mutation($ids: [ID!]!) { deleteSegments(uuids: $ids) { deletedUuids `+userErrorFields+` } }`,
		map[string]any{"ids": []string{segID(0)}}, &del)
	equal(t, "deleted", del.DeleteSegments.DeletedUuids, []string{segID(0)})
	res = ts.createSegments([]map[string]any{{"name": "Six"}, {"name": "Seven"}}).CreateSegments
	checkUserErrors(t, res.UserErrors, ue("LIMIT_EXCEEDED", "input", "1"))
	equal(t, "created after a delete", len(res.Segments), 1)
}

type updateSegmentsResult struct {
	UpdateSegments struct {
		Segments   []segmentOut
		UserErrors []userError
	}
}

func (ts *testServer) updateSegments(input []map[string]any) updateSegmentsResult {
	ts.t.Helper()
	var out updateSegmentsResult
	ts.query(`mutation($input: [UpdateSegmentInput!]!) { updateSegments(input: $input) { segments { `+segmentOutFields+` } `+userErrorFields+` } }`,
		map[string]any{"input": input}, &out)
	return out
}

func TestUpdateSegments(t *testing.T) {
	ts := newTestServer(t)
	ts.load(fixture{Segments: []store.Segment{
		segment(1, "Gold"), segment(2, "Silver"), segment(3, "Bronze"), segment(4, "Iron"), segment(5, "Tin"),
	}})
	start := time.Now().Add(-time.Second)

	res := ts.updateSegments([]map[string]any{
		{"uuid": segID(1), "name": "Platinum"},                           // 0 rename
		{"uuid": segID(2), "description": "shiny"},                       // 1 redescribe, name kept
		{"uuid": "nope", "name": "X"},                                    // 2 not a UUID
		{"uuid": segID(99), "name": "Y"},                                 // 3 missing
		{"uuid": segID(1), "name": "Again"},                              // 4 segment 1 again
		{"uuid": segID(3), "name": ""},                                   // 5 empty name
		{"uuid": segID(3), "name": "silver"},                             // 6 (segment 3 again)
		{"uuid": segID(4), "name": "SILVER"},                             // 7 another's name, other case
		{"uuid": segID(4), "description": strings.Repeat("d", 1001)},     // 8 segment 4 again
		{"uuid": segID(5), "name": "TIN", "description": "same, louder"}, // 9 its own name, other case
	}).UpdateSegments
	checkUserErrors(t, res.UserErrors,
		ue("INVALID_INPUT", "input", "2", "uuid"),
		ue("NOT_FOUND", "input", "3", "uuid"),
		ue("DUPLICATE_INPUT", "input", "4", "uuid"),
		ue("INVALID_INPUT", "input", "5", "name"),
		ue("DUPLICATE_INPUT", "input", "6", "uuid"),
		ue("DUPLICATE_NAME", "input", "7", "name"),
		ue("DUPLICATE_INPUT", "input", "8", "uuid"),
	)
	type brief struct{ UUID, Name, Description string }
	var got []brief
	for _, s := range res.Segments {
		got = append(got, brief{s.UUID, s.Name, s.Description})
		if !s.CreatedAt.Equal(past) || s.UpdatedAt.Before(start) {
			t.Errorf("segment %s stamped %v / %v, want created kept, updated now", s.Name, s.CreatedAt, s.UpdatedAt)
		}
	}
	equal(t, "updated", got, []brief{
		{segID(1), "Platinum", "about Gold"},
		{segID(2), "Silver", "shiny"},
		{segID(5), "TIN", "same, louder"},
	})

	// What was rejected kept its values; the rest reads back as answered.
	var data struct {
		Segments struct{ Nodes []segmentOut }
	}
	ts.query(`query($ids: [ID!]) { segments(filter: {uuids: $ids}) { nodes { `+segmentOutFields+` } } }`,
		map[string]any{"ids": []string{segID(3), segID(4)}}, &data)
	for _, s := range data.Segments.Nodes {
		if !s.UpdatedAt.Equal(past) || (s.Name != "Bronze" && s.Name != "Iron") {
			t.Errorf("rejected segment changed: %+v", s)
		}
	}
	names := ts.segmentNames()
	slices.Sort(names)
	equal(t, "names", names, []string{"Bronze", "Iron", "Platinum", "Silver", "TIN"})

	t.Run("old name is free again", func(t *testing.T) {
		res := ts.with(t).createSegments([]map[string]any{{"name": "gold"}}).CreateSegments
		checkUserErrors(t, res.UserErrors)
	})
	t.Run("names swapped in one call", func(t *testing.T) {
		// Renames apply in order: the second sees the first's new name.
		res := ts.with(t).updateSegments([]map[string]any{
			{"uuid": segID(3), "name": "Copper"},
			{"uuid": segID(4), "name": "Bronze"},
			{"uuid": segID(5), "name": "copper"},
		}).UpdateSegments
		checkUserErrors(t, res.UserErrors, ue("DUPLICATE_INPUT", "input", "2", "name"))
		equal(t, "updated", len(res.Segments), 2)
	})
	t.Run("too many", func(t *testing.T) {
		in := make([]map[string]any, 251)
		for i := range in {
			in[i] = map[string]any{"uuid": segID(1), "description": fmt.Sprint(i)}
		}
		ts.with(t).refusedListCap(`mutation($input: [UpdateSegmentInput!]!) { updateSegments(input: $input) { `+userErrorFields+` } }`,
			map[string]any{"input": in})
	})
}

type deleteSegmentsResult struct {
	DeleteSegments struct {
		DeletedUuids          []string
		InvalidatedPromotions []struct {
			PromotionID int64
			Status      string
		}
		UserErrors []userError
	}
}

func (ts *testServer) deleteSegments(uuids ...string) deleteSegmentsResult {
	ts.t.Helper()
	var out deleteSegmentsResult
	ts.query(`mutation($ids: [ID!]!) { deleteSegments(uuids: $ids) {
		deletedUuids invalidatedPromotions { promotionId status } `+userErrorFields+` } }`,
		map[string]any{"ids": uuids}, &out)
	return out
}

// eligible lists the promotion ids a profile can get on channel 1.
func (ts *testServer) eligible(profileUUID string) []int64 {
	ts.t.Helper()
	var data struct {
		ShopperProfile struct {
			EligiblePromotions []struct{ PromotionID int64 }
		}
	}
	ts.query(`query($uuid: ID!) { shopperProfile(uuid: $uuid) { eligiblePromotions { promotionId } } }`,
		map[string]any{"uuid": profileUUID}, &data)
	out := []int64{}
	for _, p := range data.ShopperProfile.EligiblePromotions {
		out = append(out, p.PromotionID)
	}
	return out
}

type profileOut struct {
	UUID      string
	UpdatedAt time.Time
	Segments  struct {
		Nodes      []struct{ UUID string }
		TotalCount int
	}
}

func (ts *testServer) profile(uuid string) *profileOut {
	ts.t.Helper()
	var data struct{ ShopperProfile *profileOut }
	ts.query(`query($uuid: ID!) { shopperProfile(uuid: $uuid) { uuid updatedAt segments { nodes { uuid } totalCount } } }`,
		map[string]any{"uuid": uuid}, &data)
	return data.ShopperProfile
}

func (p *profileOut) segmentIDs() []string {
	var out []string
	for _, n := range p.Segments.Nodes {
		out = append(out, n.UUID)
	}
	return out
}

func TestDeleteSegments(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	equal(t, "profile 1 eligible before", ts.eligible(profileID(1)), []int64{1, 2})
	equal(t, "profile 2 eligible before", ts.eligible(profileID(2)), []int64{1, 2, 5})
	start := time.Now().Add(-time.Second)

	res := ts.deleteSegments(segID(1), "nope", segID(99), segID(1), segID(4)).DeleteSegments
	checkUserErrors(t, res.UserErrors,
		ue("INVALID_INPUT", "uuids", "1"),
		ue("NOT_FOUND", "uuids", "2"),
		ue("DUPLICATE_INPUT", "uuids", "3"),
	)
	equal(t, "deleted", res.DeletedUuids, []string{segID(1), segID(4)})
	// Promotions 2 (enabled) and 3 (disabled) named segment 1; 4 names segment 3 only.
	equal(t, "invalidated", fmt.Sprint(res.InvalidatedPromotions), "[{2 INVALID} {3 INVALID}]")

	t.Run("segments gone", func(t *testing.T) {
		ts := ts.with(t)
		equal(t, "names", ts.segmentNames(), nilIfEmpty(namesInUUIDOrder(map[int]string{2: "Silver members", 3: "Bronze"})))
		var data struct{ Segment *segmentOut }
		ts.query(`query($uuid: ID!) { segment(uuid: $uuid) { uuid } }`, map[string]any{"uuid": segID(1)}, &data)
		if data.Segment != nil {
			t.Errorf("segment 1 still answers: %+v", data.Segment)
		}
	})

	t.Run("profiles kept, memberships gone", func(t *testing.T) {
		ts := ts.with(t)
		p1, p2, p3 := ts.profile(profileID(1)), ts.profile(profileID(2)), ts.profile(profileID(3))
		if p1 == nil || p2 == nil || p3 == nil {
			t.Fatalf("profiles after delete: %v %v %v", p1, p2, p3)
		}
		equal(t, "profile 1 segments", p1.segmentIDs(), nil)
		equal(t, "profile 1 segment count", p1.Segments.TotalCount, 0)
		equal(t, "profile 2 segments", p2.segmentIDs(), []string{segID(2)})
		// Losing a membership changes a profile; profile 3 lost none.
		if p1.UpdatedAt.Before(start) || p2.UpdatedAt.Before(start) {
			t.Errorf("members' updatedAt not touched: %v %v", p1.UpdatedAt, p2.UpdatedAt)
		}
		if !p3.UpdatedAt.Equal(past) {
			t.Errorf("profile 3 (no membership) touched: %v", p3.UpdatedAt)
		}
	})

	t.Run("invalidated promotions", func(t *testing.T) {
		ts := ts.with(t)
		var data struct {
			Promotions struct{ Nodes []struct{ PromotionID int64 } }
		}
		ts.query(`{ promotions(filter: {status: INVALID}) { nodes { promotionId } } }`, nil, &data)
		equal(t, "invalid promotions", fmt.Sprint(data.Promotions.Nodes), "[{2} {3} {4}]")
		ts.query(`query($s: ID!) { promotions(filter: {targetedSegment: $s}) { nodes { promotionId } } }`, map[string]any{"s": segID(1)}, &data)
		equal(t, "promotions targeting the deleted segment", len(data.Promotions.Nodes), 0)
		equal(t, "profile 1 eligible after", ts.eligible(profileID(1)), []int64{1})
		equal(t, "profile 2 eligible after", ts.eligible(profileID(2)), []int64{1, 5})
	})

	t.Run("re-enable", func(t *testing.T) {
		ts := ts.with(t)
		const q = `mutation($in: UpdatePromotionInput!) { updatePromotion(input: $in) {
			promotion { promotionId status segmentCondition { id } targetedSegments { uuid } } ` + userErrorFields + ` } }`
		type result struct {
			UpdatePromotion struct {
				Promotion *struct {
					PromotionID      int64
					Status           string
					SegmentCondition struct{ ID []string }
					TargetedSegments []struct{ UUID string }
				}
				UserErrors []userError
			}
		}
		// Its condition still names the deleted segment: no change is accepted until it does not.
		for _, in := range []map[string]any{
			{"promotionId": 2, "status": "ENABLED"},
			{"promotionId": 2, "name": "Renamed"},
			{"promotionId": 2, "status": "ENABLED", "customer": map[string]any{"segments": map[string]any{"id": []string{segID(2), segID(1)}}}},
		} {
			var r result
			ts.query(q, map[string]any{"in": in}, &r)
			checkUserErrors(t, r.UpdatePromotion.UserErrors, ue("NOT_FOUND", "input", "customer", "segments"))
			if r.UpdatePromotion.Promotion != nil {
				t.Errorf("rejected update answered a promotion: %+v", r.UpdatePromotion.Promotion)
			}
		}
		equal(t, "profile 2 eligible, still", ts.eligible(profileID(2)), []int64{1, 5})

		// A condition naming existing segments fixes it; status stays INVALID until set.
		var r result
		ts.query(q, map[string]any{"in": map[string]any{"promotionId": 2, "customer": map[string]any{"segments": map[string]any{"id": []string{segID(2)}}}}}, &r)
		checkUserErrors(t, r.UpdatePromotion.UserErrors)
		equal(t, "status after the condition is fixed", r.UpdatePromotion.Promotion.Status, "INVALID")
		equal(t, "targeted", fmt.Sprint(r.UpdatePromotion.Promotion.TargetedSegments), fmt.Sprintf("[{%s}]", segID(2)))
		ts.query(q, map[string]any{"in": map[string]any{"promotionId": 2, "status": "ENABLED"}}, &r)
		checkUserErrors(t, r.UpdatePromotion.UserErrors)
		equal(t, "status", r.UpdatePromotion.Promotion.Status, "ENABLED")
		equal(t, "profile 2 eligible after re-enabling", ts.eligible(profileID(2)), []int64{1, 2, 5})
		equal(t, "profile 1 eligible after re-enabling", ts.eligible(profileID(1)), []int64{1})
	})

	t.Run("too many", func(t *testing.T) {
		ts := ts.with(t)
		ids := make([]string, 251)
		for i := range ids {
			ids[i] = segID(2)
		}
		ts.refusedListCap(`mutation($ids: [ID!]!) { deleteSegments(uuids: $ids) { deletedUuids } }`, map[string]any{"ids": ids})
		equal(t, "segments left", ts.segmentCount(), 2)
	})
}

// namesInUUIDOrder lists the names of segments by number, in UUID order.
func namesInUUIDOrder(names map[int]string) []string {
	byID := map[string]string{}
	var ids []string
	for i, n := range names {
		byID[segID(i)] = n
		ids = append(ids, segID(i))
	}
	slices.Sort(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out
}

func TestDeleteSegmentsNamedTogether(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	// Promotion 3 names segments 1 and 2, promotion 2 segment 1; promotion 4
	// (INVALID already) names segment 3.
	res := ts.deleteSegments(segID(2), segID(1), segID(3)).DeleteSegments
	checkUserErrors(t, res.UserErrors)
	equal(t, "deleted", res.DeletedUuids, []string{segID(2), segID(1), segID(3)})
	equal(t, "invalidated, each once", fmt.Sprint(res.InvalidatedPromotions), "[{2 INVALID} {3 INVALID} {4 INVALID}]")
	equal(t, "segments left", ts.segmentNames(), []string{"ÉLITE Gold"})
	// Promotions without a segment condition are untouched.
	equal(t, "promotion 1", ts.promotion(1).Status, "ENABLED")
	equal(t, "promotion 5", ts.promotion(5).Status, "ENABLED")
}
