package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/segql/segql/store"
)

const nodeSelection = `__typename id
	... on Segment { uuid name }
	... on ShopperProfile { uuid customer { customerId } }
	... on Customer { customerId email }
	... on Promotion { promotionId name }`

type nodeFields struct {
	Typename    string `json:"__typename"`
	ID          string
	UUID        string
	Name        string
	CustomerID  int64
	Email       string
	PromotionID int64
	Customer    *struct{ CustomerID int64 }
}

// key says which object a node is, as "Type key".
func (n *nodeFields) key() string {
	if n == nil {
		return "null"
	}
	switch n.Typename {
	case "Segment":
		return "Segment " + n.UUID
	case "ShopperProfile":
		return "ShopperProfile " + n.UUID
	case "Customer":
		return fmt.Sprint("Customer ", n.CustomerID)
	case "Promotion":
		return fmt.Sprint("Promotion ", n.PromotionID)
	}
	return "unknown " + n.Typename
}

func TestNodeRoundTrip(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())

	// Take each object's id from the graph, then fetch it again by that id.
	var data struct {
		Segment        nodeFields
		ShopperProfile nodeFields
		Customer       nodeFields
		Promotion      nodeFields
	}
	ts.query(`query($seg: ID!, $prof: ID!) {
		segment(uuid: $seg) { ... on Node { `+nodeSelection+` } }
		shopperProfile(uuid: $prof) { ... on Node { `+nodeSelection+` } }
		customer(customerId: 1) { ... on Node { `+nodeSelection+` } }
		promotion(promotionId: 1) { ... on Node { `+nodeSelection+` } }
	}`, map[string]any{"seg": segID(1), "prof": profileID(1)}, &data)
	objects := []nodeFields{data.Segment, data.ShopperProfile, data.Customer, data.Promotion}
	wantKeys := []string{"Segment " + segID(1), "ShopperProfile " + profileID(1), "Customer 1", "Promotion 1"}

	seen := map[string]bool{}
	for i, o := range objects {
		if o.key() != wantKeys[i] {
			t.Fatalf("object %d is %s, want %s", i, o.key(), wantKeys[i])
		}
		if o.ID == "" || seen[o.ID] {
			t.Fatalf("%s has id %q, empty or shared", o.key(), o.ID)
		}
		seen[o.ID] = true
		var got struct{ Node *nodeFields }
		ts.query(`query($id: ID!) { node(id: $id) { `+nodeSelection+` } }`, map[string]any{"id": o.ID}, &got)
		if got.Node.key() != wantKeys[i] || got.Node.ID != o.ID {
			t.Errorf("node(%s) = %s %q, want %s", o.ID, got.Node.key(), got.Node.ID, wantKeys[i])
		}
	}
	// Customer 1 and promotion 1 share a number, never an id.
	if data.Customer.ID == data.Promotion.ID {
		t.Errorf("customer 1 and promotion 1 have the same id %q", data.Customer.ID)
	}
	if data.ShopperProfile.Customer == nil || data.ShopperProfile.Customer.CustomerID != 1 {
		t.Errorf("profile 1 through node has customer %+v, want 1", data.ShopperProfile.Customer)
	}
}

func TestNodes(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

	ids := []struct {
		id   string
		want string
	}{
		{gid("Promotion", 5), "Promotion 5"},
		{gid("Segment", segID(2)), "Segment " + segID(2)},
		{gid("Customer", 4), "Customer 4"},
		{gid("ShopperProfile", profileID(3)), "ShopperProfile " + profileID(3)},
		{gid("Segment", segID(99)), "null"},       // missing segment
		{gid("Customer", 99), "null"},             // missing customer
		{gid("Promotion", 99), "null"},            // missing promotion
		{gid("ShopperProfile", segID(1)), "null"}, // a segment's UUID named as a profile
		{gid("Segment", "gold"), "null"},          // not a UUID
		{gid("Customer", "one"), "null"},          // not a number
		{b64("Order:1"), "null"},                  // a type the graph does not have
		{b64("Segment:"), "null"},                 // no key
		{b64("Segment"), "null"},                  // no separator
		{"%%% not base64 %%%", "null"},            // garbage
		{"", "null"},                              // empty
		{segID(1), "null"},                        // a bare UUID is not a global id
		{gid("Customer", 1), "Customer 1"},        // after the misses, still found
		{gid("Promotion", 5), "Promotion 5"},      // the same id twice
		{gid("Segment", segID(1)), "Segment " + segID(1)},
	}
	in := make([]string, len(ids))
	for i, c := range ids {
		in[i] = c.id
	}
	var data struct{ Nodes []*nodeFields }
	ts.query(`query($ids: [ID!]!) { nodes(ids: $ids) { `+nodeSelection+` } }`, map[string]any{"ids": in}, &data)
	if len(data.Nodes) != len(ids) {
		t.Fatalf("%d nodes for %d ids", len(data.Nodes), len(ids))
	}
	for i, c := range ids {
		if got := data.Nodes[i].key(); got != c.want {
			t.Errorf("nodes[%d] (%q) = %s, want %s", i, c.id, got, c.want)
		}
	}

	// node answers null for the same misses, without an error.
	for _, c := range ids {
		if c.want != "null" {
			continue
		}
		var one struct{ Node *nodeFields }
		ts.query(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": c.id}, &one)
		if one.Node != nil {
			t.Errorf("node(%q) = %+v, want null", c.id, one.Node)
		}
	}

	t.Run("empty list", func(t *testing.T) {
		var data struct{ Nodes []*nodeFields }
		ts.with(t).query(`{ nodes(ids: []) { id } }`, nil, &data)
		if data.Nodes == nil || len(data.Nodes) != 0 {
			t.Errorf("nodes([]) = %v, want []", data.Nodes)
		}
	})

	t.Run("at most 250", func(t *testing.T) {
		ts := ts.with(t)
		many := make([]string, 251)
		for i := range many {
			many[i] = gid("Customer", i+1)
		}
		const q = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`
		ts.failCode("BAD_USER_INPUT", q, map[string]any{"ids": many})
		var data struct{ Nodes []*struct{ ID string } }
		ts.query(q, map[string]any{"ids": many[:250]}, &data)
		found := 0
		for _, n := range data.Nodes {
			if n != nil {
				found++
			}
		}
		if len(data.Nodes) != 250 || found != 4 {
			t.Errorf("250 ids: %d nodes, %d found, want 250 and 4", len(data.Nodes), found)
		}
	})

	t.Run("deleted object", func(t *testing.T) {
		ts := ts.with(t)
		var del struct {
			DeleteCustomers struct{ DeletedCustomerIDs []int64 }
		}
		ts.query(`mutation { deleteCustomers(customerIds: [3]) { deletedCustomerIds } }`, nil, &del)
		equal(t, "deleted", del.DeleteCustomers.DeletedCustomerIDs, []int64{3})
		var data struct{ Nodes []*nodeFields }
		ts.query(`query($ids: [ID!]!) { nodes(ids: $ids) { `+nodeSelection+` } }`,
			map[string]any{"ids": []string{gid("Customer", 3), gid("ShopperProfile", profileID(3)), gid("Customer", 2)}}, &data)
		got := []string{data.Nodes[0].key(), data.Nodes[1].key(), data.Nodes[2].key()}
		equal(t, "nodes after delete", got, []string{"null", "null", "Customer 2"})
	})
}

// TestTraversal walks the graph both ways from every type.
func TestTraversal(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())

	t.Run("segment to profiles to customers", func(t *testing.T) {
		var data struct {
			Segment struct {
				ShopperProfiles struct {
					Nodes []struct {
						UUID     string
						Customer struct {
							CustomerID     int64
							Email          string
							ShopperProfile struct{ UUID string }
						}
					}
					TotalCount int
				}
			}
		}
		ts.with(t).query(`query($uuid: ID!) { segment(uuid: $uuid) { shopperProfiles {
			nodes { uuid customer { customerId email shopperProfile { uuid } } } totalCount } } }`,
			map[string]any{"uuid": segID(1)}, &data)
		sp := data.Segment.ShopperProfiles
		want := sortedIDs(profileID, 1, 2)
		if len(sp.Nodes) != 2 || sp.TotalCount != 2 {
			t.Fatalf("segment 1 profiles %+v, want 2", sp)
		}
		emails := map[string]string{profileID(1): "shopper1@example.com", profileID(2): "Mixed.Case@Example.com"}
		for i, n := range sp.Nodes {
			if n.UUID != want[i] || n.Customer.Email != emails[n.UUID] || n.Customer.ShopperProfile.UUID != n.UUID {
				t.Errorf("profile %d: %+v", i, n)
			}
		}
	})

	t.Run("profile to segments to promotions", func(t *testing.T) {
		var data struct {
			ShopperProfile struct {
				Segments struct {
					Nodes []struct {
						UUID       string
						Promotions struct {
							Nodes      []struct{ PromotionID int64 }
							TotalCount int
						}
						ShopperProfiles struct{ TotalCount int }
					}
					TotalCount int
				}
			}
		}
		ts.with(t).query(`query($uuid: ID!) { shopperProfile(uuid: $uuid) { segments {
			nodes { uuid promotions { nodes { promotionId } totalCount } shopperProfiles { totalCount } } totalCount } } }`,
			map[string]any{"uuid": profileID(2)}, &data)
		segs := data.ShopperProfile.Segments
		// Segment 1 is targeted by promotions 2 and 3, segment 2 by 3; segment 1 has two members, segment 2 one.
		promos := map[string][]int64{segID(1): {2, 3}, segID(2): {3}}
		members := map[string]int{segID(1): 2, segID(2): 1}
		want := sortedIDs(segID, 1, 2)
		if len(segs.Nodes) != 2 || segs.TotalCount != 2 {
			t.Fatalf("profile 2 segments %+v, want 2", segs)
		}
		for i, n := range segs.Nodes {
			var got []int64
			for _, p := range n.Promotions.Nodes {
				got = append(got, p.PromotionID)
			}
			if n.UUID != want[i] {
				t.Errorf("segment %d is %s, want %s", i, n.UUID, want[i])
			}
			equal(t, "promotions of "+n.UUID, got, promos[n.UUID])
			equal(t, "promotions totalCount of "+n.UUID, n.Promotions.TotalCount, len(promos[n.UUID]))
			equal(t, "members of "+n.UUID, n.ShopperProfiles.TotalCount, members[n.UUID])
		}
	})

	t.Run("customer to profile to segments", func(t *testing.T) {
		var data struct {
			Customers struct {
				Nodes []struct {
					CustomerID     int64
					ShopperProfile *struct {
						UUID     string
						Segments struct{ TotalCount int }
					}
				}
			}
		}
		ts.with(t).query(`{ customers { nodes { customerId shopperProfile { uuid segments { totalCount } } } } }`, nil, &data)
		want := map[int64]struct {
			profile  string
			segments int
		}{1: {profileID(1), 1}, 2: {profileID(2), 2}, 3: {profileID(3), 0}, 4: {"", 0}}
		if len(data.Customers.Nodes) != 4 {
			t.Fatalf("%d customers, want 4", len(data.Customers.Nodes))
		}
		for _, c := range data.Customers.Nodes {
			w := want[c.CustomerID]
			switch {
			case w.profile == "" && c.ShopperProfile != nil:
				t.Errorf("customer %d has profile %+v, want none", c.CustomerID, c.ShopperProfile)
			case w.profile != "" && (c.ShopperProfile == nil || c.ShopperProfile.UUID != w.profile || c.ShopperProfile.Segments.TotalCount != w.segments):
				t.Errorf("customer %d has profile %+v, want %s in %d segments", c.CustomerID, c.ShopperProfile, w.profile, w.segments)
			}
		}
	})
}

// conditionFragments select a segment condition down to the deepest level
// the schema allows (three operators, then ids).
const conditionFragments = `
fragment C3 on SegmentCondition { id }
fragment C2 on SegmentCondition { id not { ...C3 } and { ...C3 } or { ...C3 } }
fragment C1 on SegmentCondition { id not { ...C2 } and { ...C2 } or { ...C2 } }
fragment C0 on SegmentCondition { id not { ...C1 } and { ...C1 } or { ...C1 } }`

func TestPromotionTargetedSegmentsAndCondition(t *testing.T) {
	ts := newTestServer(t)
	f := catalog()
	// and(or(id [2, 1], not(id [3])), id [1, 4]): three operator levels; it
	// names segments 2, 1, 3, 4 in that order, none of them sorted.
	cond := &store.Condition{And: []store.Condition{
		{Or: []store.Condition{*anyOf(2, 1), {Not: anyOf(3)}}},
		*anyOf(1, 4),
	}}
	f.Promotions = append(f.Promotions, promotion(6, store.Targeting{Segments: cond}))
	ts.load(f)

	const q = `query($id: Int64!) { promotion(promotionId: $id) {
		status segmentCondition { ...C0 } targetedSegments { uuid name } } }` + conditionFragments
	type result struct {
		Promotion struct {
			Status           string
			SegmentCondition json.RawMessage
			TargetedSegments []struct{ UUID, Name string }
		}
	}
	targeted := func(r result) []string {
		var out []string
		for _, s := range r.Promotion.TargetedSegments {
			out = append(out, s.UUID)
		}
		return out
	}

	var data result
	ts.query(q, map[string]any{"id": 6}, &data)
	var got store.Condition
	if err := json.Unmarshal(data.Promotion.SegmentCondition, &got); err != nil {
		t.Fatal(err)
	}
	equal(t, "condition", &got, cond)
	equal(t, "targeted segments", targeted(data), sortedIDs(segID, 1, 2, 3, 4))

	// The exact JSON shape: unset operators are null, not empty lists.
	ts.query(q, map[string]any{"id": 2}, &data)
	if want := fmt.Sprintf(`{"id":[%q],"not":null,"and":null,"or":null}`, segID(1)); string(data.Promotion.SegmentCondition) != want {
		t.Errorf("condition of promotion 2:\n got %s\nwant %s", data.Promotion.SegmentCondition, want)
	}
	ts.query(q, map[string]any{"id": 1}, &data)
	if string(data.Promotion.SegmentCondition) != "null" || len(data.Promotion.TargetedSegments) != 0 || data.Promotion.TargetedSegments == nil {
		t.Errorf("promotion 1 without targeting: condition %s, targeted %v", data.Promotion.SegmentCondition, data.Promotion.TargetedSegments)
	}

	// A deleted segment leaves the targeted segments; the condition keeps naming it.
	var del struct {
		DeleteSegments struct {
			DeletedUuids          []string
			InvalidatedPromotions []struct{ PromotionID int64 }
		}
	}
	ts.query(`mutation($ids: [ID!]!) { deleteSegments(uuids: $ids) { deletedUuids invalidatedPromotions { promotionId } } }`,
		map[string]any{"ids": []string{segID(4)}}, &del)
	equal(t, "deleted", del.DeleteSegments.DeletedUuids, []string{segID(4)})
	equal(t, "invalidated", len(del.DeleteSegments.InvalidatedPromotions), 1)
	ts.query(q, map[string]any{"id": 6}, &data)
	equal(t, "status after delete", data.Promotion.Status, "INVALID")
	equal(t, "targeted segments after delete", targeted(data), sortedIDs(segID, 1, 2, 3))
	got = store.Condition{}
	if err := json.Unmarshal(data.Promotion.SegmentCondition, &got); err != nil {
		t.Fatal(err)
	}
	equal(t, "condition after delete", &got, cond)

	// segment.promotions, the reverse lookup, ordered by promotion id.
	var rev struct {
		Segment struct {
			Promotions struct{ Nodes []struct{ PromotionID int64 } }
		}
	}
	ts.query(`query($uuid: ID!) { segment(uuid: $uuid) { promotions { nodes { promotionId } } } }`, map[string]any{"uuid": segID(1)}, &rev)
	var ids []int64
	for _, n := range rev.Segment.Promotions.Nodes {
		ids = append(ids, n.PromotionID)
	}
	equal(t, "promotions targeting segment 1", ids, []int64{2, 3, 6})
}
