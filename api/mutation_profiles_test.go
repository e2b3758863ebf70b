package api_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

type profileRef struct {
	UUID      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Customer  *struct{ CustomerID int64 }
}

const profileRefFields = `uuid createdAt updatedAt customer { customerId }`

func uuidsOf(ps []profileRef) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.UUID)
	}
	return out
}

func customers(n int) []store.Customer {
	out := make([]store.Customer, n)
	for i := range out {
		out[i] = customer(int64(i + 1))
	}
	return out
}

func TestCreateShopperProfiles(t *testing.T) {
	ts := newTestServer(t)
	ts.load(fixture{Customers: customers(5), Profiles: []store.ShopperProfile{profile(1, 1)}})
	start := time.Now().Add(-time.Second)

	const q = `mutation($in: [CreateShopperProfileInput!]!) { createShopperProfiles(input: $in) {
		shopperProfiles { ` + profileRefFields + ` } ` + userErrorFields + ` } }`
	type result struct {
		CreateShopperProfiles struct {
			ShopperProfiles []profileRef
			UserErrors      []userError
		}
	}
	in := func(ids ...int64) []map[string]any {
		out := []map[string]any{}
		for _, id := range ids {
			out = append(out, map[string]any{"customerId": id})
		}
		return out
	}
	var res result
	ts.query(q, map[string]any{"in": in(2, 99, 1, 2, 0, 3, -4)}, &res)
	r := res.CreateShopperProfiles
	checkUserErrors(t, r.UserErrors,
		ue("NOT_FOUND", "input", "1", "customerId"),
		ue("DUPLICATE_PROFILE", "input", "2", "customerId"),
		ue("DUPLICATE_INPUT", "input", "3", "customerId"),
		ue("INVALID_INPUT", "input", "4", "customerId"),
		ue("INVALID_INPUT", "input", "6", "customerId"),
	)
	if len(r.ShopperProfiles) != 2 {
		t.Fatalf("created %d profiles, want 2: %+v", len(r.ShopperProfiles), r.ShopperProfiles)
	}
	for i, want := range []int64{2, 3} {
		p := r.ShopperProfiles[i]
		if p.Customer == nil || p.Customer.CustomerID != want || !store.ValidUUID(p.UUID) {
			t.Errorf("profile %d: %+v, want one for customer %d", i, p, want)
		}
		if p.CreatedAt.Before(start) || !p.UpdatedAt.Equal(p.CreatedAt) {
			t.Errorf("profile %d stamped %v / %v", i, p.CreatedAt, p.UpdatedAt)
		}
	}

	// Each customer now finds its profile; customers 4 and 5 still have none.
	var data struct {
		Customers struct {
			Nodes []struct {
				CustomerID     int64
				ShopperProfile *struct{ UUID string }
			}
		}
	}
	ts.query(`{ customers { nodes { customerId shopperProfile { uuid } } } }`, nil, &data)
	want := map[int64]string{1: profileID(1), 2: r.ShopperProfiles[0].UUID, 3: r.ShopperProfiles[1].UUID}
	for _, c := range data.Customers.Nodes {
		got := ""
		if c.ShopperProfile != nil {
			got = c.ShopperProfile.UUID
		}
		if got != want[c.CustomerID] {
			t.Errorf("customer %d has profile %q, want %q", c.CustomerID, got, want[c.CustomerID])
		}
	}

	t.Run("too many", func(t *testing.T) {
		ts := ts.with(t)
		ids := make([]int64, 251)
		for i := range ids {
			ids[i] = 4
		}
		ts.refusedListCap(q, map[string]any{"in": in(ids...)})
		var data struct{ ShopperProfiles struct{ TotalCount int } }
		ts.query(`{ shopperProfiles { totalCount } }`, nil, &data)
		equal(t, "profiles", data.ShopperProfiles.TotalCount, 3)
	})
}

func TestDeleteShopperProfiles(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())

	const q = `mutation($ids: [ID!]!) { deleteShopperProfiles(uuids: $ids) { deletedUuids ` + userErrorFields + ` } }`
	type result struct {
		DeleteShopperProfiles struct {
			DeletedUuids []string
			UserErrors   []userError
		}
	}
	var res result
	ts.query(q, map[string]any{"ids": []string{profileID(2), "nope", profileID(99), profileID(2), segID(1)}}, &res)
	checkUserErrors(t, res.DeleteShopperProfiles.UserErrors,
		ue("INVALID_INPUT", "uuids", "1"),
		ue("NOT_FOUND", "uuids", "2"),
		ue("DUPLICATE_INPUT", "uuids", "3"),
		ue("NOT_FOUND", "uuids", "4"),
	)
	equal(t, "deleted", res.DeleteShopperProfiles.DeletedUuids, []string{profileID(2)})

	// The profile and its memberships are gone; its customer and segments stay.
	if p := ts.profile(profileID(2)); p != nil {
		t.Errorf("profile 2 still answers: %+v", p)
	}
	var data struct {
		Customer struct{ ShopperProfile *struct{ UUID string } }
		S1       struct {
			ShopperProfiles struct {
				Nodes      []struct{ UUID string }
				TotalCount int
			}
		}
		S2 struct {
			ShopperProfiles struct{ TotalCount int }
		}
	}
	ts.query(`query($s1: ID!, $s2: ID!) {
		customer(customerId: 2) { shopperProfile { uuid } }
		s1: segment(uuid: $s1) { shopperProfiles { nodes { uuid } totalCount } }
		s2: segment(uuid: $s2) { shopperProfiles { totalCount } }
	}`, map[string]any{"s1": segID(1), "s2": segID(2)}, &data)
	if data.Customer.ShopperProfile != nil {
		t.Errorf("customer 2 still has profile %+v", data.Customer.ShopperProfile)
	}
	equal(t, "segment 1 members", fmt.Sprint(data.S1.ShopperProfiles.Nodes), fmt.Sprintf("[{%s}]", profileID(1)))
	equal(t, "segment 1 member count", data.S1.ShopperProfiles.TotalCount, 1)
	equal(t, "segment 2 member count", data.S2.ShopperProfiles.TotalCount, 0)

	// The customer can have a profile again.
	var created struct {
		CreateShopperProfiles struct{ UserErrors []userError }
	}
	ts.query(`mutation { createShopperProfiles(input: [{customerId: 2}]) { `+userErrorFields+` } }`, nil, &created)
	checkUserErrors(t, created.CreateShopperProfiles.UserErrors)

	t.Run("too many", func(t *testing.T) {
		ids := make([]string, 251)
		for i := range ids {
			ids[i] = profileID(1)
		}
		ts.with(t).refusedListCap(q, map[string]any{"ids": ids})
		if ts.with(t).profile(profileID(1)) == nil {
			t.Errorf("profile 1 deleted by a refused call")
		}
	})
}

const addMembersQuery = `mutation($seg: ID!, $ids: [ID!]!) { addShopperProfilesToSegment(segmentUuid: $seg, shopperProfileUuids: $ids) {
	segment { uuid shopperProfiles { totalCount } } added { ` + profileRefFields + ` } alreadyMembers { ` + profileRefFields + ` } ` + userErrorFields + ` } }`

type addMembersResult struct {
	AddShopperProfilesToSegment struct {
		Segment *struct {
			UUID            string
			ShopperProfiles struct{ TotalCount int }
		}
		Added          []profileRef
		AlreadyMembers []profileRef
		UserErrors     []userError
	}
}

func (ts *testServer) addMembers(seg string, ids ...string) addMembersResult {
	ts.t.Helper()
	var out addMembersResult
	ts.query(addMembersQuery, map[string]any{"seg": seg, "ids": nonNilStrings(ids)}, &out)
	return out
}

const removeMembersQuery = `mutation($seg: ID!, $ids: [ID!]!) { removeShopperProfilesFromSegment(segmentUuid: $seg, shopperProfileUuids: $ids) {
	segment { uuid shopperProfiles { totalCount } } removed { ` + profileRefFields + ` } notMembers { ` + profileRefFields + ` } ` + userErrorFields + ` } }`

type removeMembersResult struct {
	RemoveShopperProfilesFromSegment struct {
		Segment *struct {
			UUID            string
			ShopperProfiles struct{ TotalCount int }
		}
		Removed    []profileRef
		NotMembers []profileRef
		UserErrors []userError
	}
}

func (ts *testServer) removeMembers(seg string, ids ...string) removeMembersResult {
	ts.t.Helper()
	var out removeMembersResult
	ts.query(removeMembersQuery, map[string]any{"seg": seg, "ids": nonNilStrings(ids)}, &out)
	return out
}

func membershipFixture(n int) fixture {
	f := fixture{Customers: customers(n), Segments: []store.Segment{segment(1, "One"), segment(2, "Two")}}
	for i := 1; i <= n; i++ {
		f.Profiles = append(f.Profiles, profile(i, int64(i)))
	}
	f.Memberships = []store.Membership{member(1, 1)}
	return f
}

func TestAddShopperProfilesToSegment(t *testing.T) {
	ts := newTestServer(t)
	ts.load(membershipFixture(4))
	start := time.Now().Add(-time.Second)

	res := ts.addMembers(segID(1), profileID(2), profileID(1), "nope", profileID(99), profileID(2), profileID(3), segID(2)).AddShopperProfilesToSegment
	checkUserErrors(t, res.UserErrors,
		ue("INVALID_INPUT", "shopperProfileUuids", "2"),
		ue("NOT_FOUND", "shopperProfileUuids", "3"),
		ue("DUPLICATE_INPUT", "shopperProfileUuids", "4"),
		ue("NOT_FOUND", "shopperProfileUuids", "6"),
	)
	equal(t, "added", uuidsOf(res.Added), []string{profileID(2), profileID(3)})
	equal(t, "already members", uuidsOf(res.AlreadyMembers), []string{profileID(1)})
	if res.Segment == nil || res.Segment.UUID != segID(1) || res.Segment.ShopperProfiles.TotalCount != 3 {
		t.Errorf("segment in the payload: %+v, want segment 1 with 3 members", res.Segment)
	}
	// Joining a segment touches a profile's updatedAt; being a member already does not.
	for _, p := range res.Added {
		if p.UpdatedAt.Before(start) || !p.CreatedAt.Equal(past) {
			t.Errorf("added profile %s stamped %v / %v, want updatedAt now", p.UUID, p.CreatedAt, p.UpdatedAt)
		}
	}
	if !res.AlreadyMembers[0].UpdatedAt.Equal(past) {
		t.Errorf("member already touched: %v", res.AlreadyMembers[0].UpdatedAt)
	}
	if p := ts.profile(profileID(4)); !p.UpdatedAt.Equal(past) || p.Segments.TotalCount != 0 {
		t.Errorf("profile 4, not in the call: %+v", p)
	}
	for _, i := range []int{1, 2, 3} {
		equal(t, fmt.Sprint("segments of profile ", i), ts.profile(profileID(i)).segmentIDs(), []string{segID(1)})
	}

	t.Run("replayed call changes nothing", func(t *testing.T) {
		ts := ts.with(t)
		before := ts.profile(profileID(2)).UpdatedAt
		res := ts.addMembers(segID(1), profileID(2), profileID(1), profileID(3)).AddShopperProfilesToSegment
		checkUserErrors(t, res.UserErrors)
		equal(t, "added", uuidsOf(res.Added), []string{})
		equal(t, "already members", uuidsOf(res.AlreadyMembers), []string{profileID(2), profileID(1), profileID(3)})
		equal(t, "profile 2 updatedAt", ts.profile(profileID(2)).UpdatedAt, before)
	})

	t.Run("segment problems", func(t *testing.T) {
		ts := ts.with(t)
		for _, c := range []struct {
			seg, code string
		}{{segID(99), "NOT_FOUND"}, {"nope", "INVALID_INPUT"}, {profileID(4), "NOT_FOUND"}} {
			res := ts.addMembers(c.seg, profileID(4)).AddShopperProfilesToSegment
			checkUserErrors(t, res.UserErrors, ue(c.code, "segmentUuid"))
			if res.Segment != nil || len(res.Added) != 0 || len(res.AlreadyMembers) != 0 {
				t.Errorf("segment %q: payload %+v", c.seg, res)
			}
		}
		equal(t, "profile 4 segments", ts.profile(profileID(4)).Segments.TotalCount, 0)
	})

	t.Run("empty list", func(t *testing.T) {
		res := ts.with(t).addMembers(segID(2)).AddShopperProfilesToSegment
		checkUserErrors(t, res.UserErrors)
		if res.Segment == nil || res.Segment.UUID != segID(2) {
			t.Errorf("segment %+v", res.Segment)
		}
	})
}

func TestAddShopperProfilesToSegmentTooMany(t *testing.T) {
	ts := newTestServer(t)
	ts.load(membershipFixture(51))
	ids := make([]string, 51)
	for i := range ids {
		ids[i] = profileID(i + 1)
	}
	res := ts.addMembers(segID(2), ids...).AddShopperProfilesToSegment
	checkUserErrors(t, res.UserErrors, ue("TOO_MANY_ITEMS", "shopperProfileUuids"))
	if len(res.Added) != 0 || len(res.AlreadyMembers) != 0 {
		t.Errorf("payload %+v", res)
	}
	var data struct {
		Segment struct{ ShopperProfiles struct{ TotalCount int } }
	}
	const count = `query($s: ID!) { segment(uuid: $s) { shopperProfiles { totalCount } } }`
	ts.query(count, map[string]any{"s": segID(2)}, &data)
	equal(t, "members after a refused call", data.Segment.ShopperProfiles.TotalCount, 0)

	res = ts.addMembers(segID(2), ids[:50]...).AddShopperProfilesToSegment
	checkUserErrors(t, res.UserErrors)
	equal(t, "added of 50", len(res.Added), 50)
	ts.query(count, map[string]any{"s": segID(2)}, &data)
	equal(t, "members", data.Segment.ShopperProfiles.TotalCount, 50)
}

// TestAddShopperProfilesPerProfileLimit fills a profile to 1000 segments.
// A store holds 1000 segments at most, so a 1001st segment, the one the
// profile cannot join, is written into the database file directly.
func TestAddShopperProfilesPerProfileLimit(t *testing.T) {
	ts := newTestServer(t)
	f := fixture{Customers: customers(2), Profiles: []store.ShopperProfile{profile(1, 1), profile(2, 2)}}
	for i := range store.MaxSegments {
		f.Segments = append(f.Segments, segment(i, fmt.Sprintf("Bulk %d", i)))
		f.Memberships = append(f.Memberships, member(i, 1))
	}
	ts.load(f)

	extra := segID(store.MaxSegments)
	db, err := sql.Open("sqlite", "file:"+ts.Path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `INSERT INTO segments (id, name, name_key, description, created_at, updated_at)
VALUES (?, 'Extra', 'extra', '', 0, 0)`, extra); err != nil {
		t.Fatalf("insert the extra segment: %v", err)
	}

	res := ts.addMembers(extra, profileID(1), profileID(2)).AddShopperProfilesToSegment
	checkUserErrors(t, res.UserErrors, ue("LIMIT_EXCEEDED", "shopperProfileUuids", "0"))
	equal(t, "added", uuidsOf(res.Added), []string{profileID(2)})
	p1 := ts.profile(profileID(1))
	equal(t, "profile 1 segments", p1.Segments.TotalCount, store.MaxSegments)
	if !p1.UpdatedAt.Equal(past) {
		t.Errorf("refused profile touched: %v", p1.UpdatedAt)
	}

	// Leaving one segment makes room for one.
	rm := ts.removeMembers(segID(0), profileID(1)).RemoveShopperProfilesFromSegment
	equal(t, "removed", uuidsOf(rm.Removed), []string{profileID(1)})
	res = ts.addMembers(extra, profileID(1)).AddShopperProfilesToSegment
	checkUserErrors(t, res.UserErrors)
	equal(t, "added after leaving one", uuidsOf(res.Added), []string{profileID(1)})
	res = ts.addMembers(segID(0), profileID(1)).AddShopperProfilesToSegment
	checkUserErrors(t, res.UserErrors, ue("LIMIT_EXCEEDED", "shopperProfileUuids", "0"))
}

func TestRemoveShopperProfilesFromSegment(t *testing.T) {
	ts := newTestServer(t)
	f := membershipFixture(4)
	f.Memberships = append(f.Memberships, member(1, 2), member(2, 1))
	ts.load(f)
	start := time.Now().Add(-time.Second)

	res := ts.removeMembers(segID(1), profileID(1), profileID(3), "nope", profileID(99), profileID(1)).RemoveShopperProfilesFromSegment
	checkUserErrors(t, res.UserErrors,
		ue("INVALID_INPUT", "shopperProfileUuids", "2"),
		ue("NOT_FOUND", "shopperProfileUuids", "3"),
		ue("DUPLICATE_INPUT", "shopperProfileUuids", "4"),
	)
	equal(t, "removed", uuidsOf(res.Removed), []string{profileID(1)})
	equal(t, "not members", uuidsOf(res.NotMembers), []string{profileID(3)})
	if res.Segment == nil || res.Segment.UUID != segID(1) || res.Segment.ShopperProfiles.TotalCount != 1 {
		t.Errorf("segment in the payload: %+v, want segment 1 with 1 member", res.Segment)
	}
	if res.Removed[0].UpdatedAt.Before(start) {
		t.Errorf("removed profile not touched: %v", res.Removed[0].UpdatedAt)
	}
	if !res.NotMembers[0].UpdatedAt.Equal(past) {
		t.Errorf("non-member touched: %v", res.NotMembers[0].UpdatedAt)
	}
	// The profile stays, in its other segment.
	equal(t, "profile 1 segments", ts.profile(profileID(1)).segmentIDs(), []string{segID(2)})
	equal(t, "profile 2 segments", ts.profile(profileID(2)).segmentIDs(), []string{segID(1)})

	t.Run("replayed call", func(t *testing.T) {
		res := ts.with(t).removeMembers(segID(1), profileID(1)).RemoveShopperProfilesFromSegment
		checkUserErrors(t, res.UserErrors)
		equal(t, "removed", uuidsOf(res.Removed), []string{})
		equal(t, "not members", uuidsOf(res.NotMembers), []string{profileID(1)})
	})
	t.Run("segment problems", func(t *testing.T) {
		ts := ts.with(t)
		for _, c := range []struct{ seg, code string }{{segID(99), "NOT_FOUND"}, {"nope", "INVALID_INPUT"}} {
			res := ts.removeMembers(c.seg, profileID(2)).RemoveShopperProfilesFromSegment
			checkUserErrors(t, res.UserErrors, ue(c.code, "segmentUuid"))
			if res.Segment != nil || len(res.Removed) != 0 || len(res.NotMembers) != 0 {
				t.Errorf("segment %q: payload %+v", c.seg, res)
			}
		}
	})
	t.Run("too many", func(t *testing.T) {
		ts := ts.with(t)
		ids := make([]string, 251)
		for i := range ids {
			ids[i] = profileID(2)
		}
		ts.refusedListCap(removeMembersQuery, map[string]any{"seg": segID(1), "ids": ids})
		equal(t, "profile 2 still a member", ts.profile(profileID(2)).segmentIDs(), []string{segID(1)})
		// Removal takes up to 250, more than the 50 an add takes.
		res := ts.removeMembers(segID(1), ids[:51]...).RemoveShopperProfilesFromSegment
		if len(res.UserErrors) != 50 || uuidsOf(res.Removed)[0] != profileID(2) {
			t.Errorf("51 ids: %d userErrors, removed %v", len(res.UserErrors), uuidsOf(res.Removed))
		}
	})
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestMutationsInOneRequest runs writes one after another in one request:
// each payload sees the writes before it, not what an earlier payload loaded.
func TestMutationsInOneRequest(t *testing.T) {
	ts := newTestServer(t)
	ts.load(membershipFixture(3))
	var data struct {
		Before struct {
			ShopperProfiles struct{ TotalCount int }
		}
		Add struct {
			Segment struct {
				ShopperProfiles struct{ TotalCount int }
			}
		}
		Remove struct {
			Segment struct {
				ShopperProfiles struct{ TotalCount int }
			}
		}
		Rename struct {
			Segments []struct {
				Name            string
				ShopperProfiles struct {
					Nodes []struct{ UUID string }
				}
			}
		}
	}
	ts.query(`mutation($s: ID!, $p2: ID!, $p3: ID!, $p1: ID!) {
		add: addShopperProfilesToSegment(segmentUuid: $s, shopperProfileUuids: [$p2, $p3]) { segment { shopperProfiles { totalCount } } }
		remove: removeShopperProfilesFromSegment(segmentUuid: $s, shopperProfileUuids: [$p1]) { segment { shopperProfiles { totalCount } } }
		rename: updateSegments(input: [{uuid: $s, name: "Renamed"}]) { segments { name shopperProfiles { nodes { uuid } } } }
	}`, map[string]any{"s": segID(1), "p1": profileID(1), "p2": profileID(2), "p3": profileID(3)}, &data)
	equal(t, "members after add", data.Add.Segment.ShopperProfiles.TotalCount, 3)
	equal(t, "members after remove", data.Remove.Segment.ShopperProfiles.TotalCount, 2)
	if len(data.Rename.Segments) != 1 {
		t.Fatalf("renamed %d segments", len(data.Rename.Segments))
	}
	var members []string
	for _, n := range data.Rename.Segments[0].ShopperProfiles.Nodes {
		members = append(members, n.UUID)
	}
	equal(t, "members in the last payload", members, sortedIDs(profileID, 2, 3))
	equal(t, "name", data.Rename.Segments[0].Name, "Renamed")
}
