package api_test

import (
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

// catalog is a small store with one of everything the query roots filter on:
//
//	customers 1 (group 0), 2 (group 5, mixed-case email), 3 (group 5), 4 (group 7, no profile)
//	segments  1 "Gold Members" {P1, P2}, 2 "Silver members" {P2}, 3 "Bronze" {}, 4 "ÉLITE Gold" {}
//	promotions 1 AUTOMATIC ENABLED everyone, 2 COUPON ENABLED seg 1,
//	           3 AUTOMATIC DISABLED seg 1 or 2, 4 COUPON INVALID not seg 3,
//	           5 AUTOMATIC ENABLED group 5, 2 orders, channels 1 and 2, 3 of 10 uses
func catalog() fixture {
	c2 := customer(2)
	c2.Email, c2.FirstName, c2.LastName = "Mixed.Case@Example.com", "Ada", "Lovelace"
	c2.Company, c2.Phone, c2.CustomerGroupID, c2.OrderCount, c2.ChannelIDs = "Acme", "555-0102", 5, 3, []int64{1, 2}
	c2.UpdatedAt = past.Add(time.Hour)
	c3 := customer(3)
	c3.CustomerGroupID = 5
	c4 := customer(4)
	c4.CustomerGroupID = 7

	p3 := promotion(3, store.Targeting{Segments: &store.Condition{Or: []store.Condition{*anyOf(1), *anyOf(2)}}})
	p3.Status = store.StatusDisabled
	p2 := promotion(2, store.Targeting{Segments: anyOf(1)})
	p2.RedemptionType = store.RedemptionCoupon
	p4 := promotion(4, store.Targeting{Segments: &store.Condition{Not: anyOf(3)}})
	p4.RedemptionType, p4.Status = store.RedemptionCoupon, store.StatusInvalid
	p5 := promotion(5, store.Targeting{GroupIDs: []int64{5}, MinimumOrderCount: 2})
	p5.ChannelIDs, p5.MaxUses, p5.CurrentUses, p5.CurrencyCode = []int64{1, 2}, ptr(10), 3, "EUR"
	p5.EndsAt = ptr(past.AddDate(10, 0, 0))

	return fixture{
		Customers: []store.Customer{customer(1), c2, c3, c4},
		Segments: []store.Segment{
			segment(1, "Gold Members"), segment(2, "Silver members"), segment(3, "Bronze"), segment(4, "ÉLITE Gold"),
		},
		Profiles:    []store.ShopperProfile{profile(1, 1), profile(2, 2), profile(3, 3)},
		Memberships: []store.Membership{member(1, 1), member(1, 2), member(2, 2)},
		Promotions:  []store.Promotion{promotion(1, store.Targeting{}), p2, p3, p4, p5},
	}
}

// gid is the global id of an object: opaque to clients, built here only
// to check that ids are stable and distinct per type.
func gid(typ string, key any) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s:%v", typ, key))
}

func TestQuerySegment(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	const q = `query($uuid: ID!) { segment(uuid: $uuid) { id uuid name description createdAt updatedAt } }`
	type seg struct {
		ID, UUID, Name, Description, CreatedAt, UpdatedAt string
	}
	var data struct{ Segment *seg }
	ts.query(q, map[string]any{"uuid": segID(2)}, &data)
	equal(t, "segment", data.Segment, &seg{
		ID: gid("Segment", segID(2)), UUID: segID(2), Name: "Silver members", Description: "about Silver members",
		CreatedAt: "2020-01-01T00:00:00Z", UpdatedAt: "2020-01-01T00:00:00Z",
	})

	for name, uuid := range map[string]string{
		"missing":    segID(99),
		"not a uuid": "gold",
		"upper case": "ABCDEF00-0000-4000-8000-000000000000",
		"profile id": profileID(1),
	} {
		t.Run(name, func(t *testing.T) {
			data.Segment = &seg{}
			ts.with(t).query(q, map[string]any{"uuid": uuid}, &data)
			if data.Segment != nil {
				t.Errorf("segment(%q) = %+v, want null", uuid, data.Segment)
			}
		})
	}
}

func TestQuerySegments(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	const q = `query($filter: SegmentFilter) { segments(filter: $filter) { nodes { uuid name } totalCount } }`
	names := map[string]string{segID(1): "Gold Members", segID(2): "Silver members", segID(3): "Bronze", segID(4): "ÉLITE Gold"}

	cases := []struct {
		name   string
		filter map[string]any
		want   []int // segment numbers, any order: compared in UUID order
	}{
		{"no filter", nil, []int{1, 2, 3, 4}},
		{"empty filter", map[string]any{}, []int{1, 2, 3, 4}},
		{"name, other case", map[string]any{"nameContains": "GOLD"}, []int{1, 4}},
		{"name, lower case", map[string]any{"nameContains": "members"}, []int{1, 2}},
		{"name beyond ASCII, other case", map[string]any{"nameContains": "élite"}, []int{4}},
		{"name with spaces around", map[string]any{"nameContains": "  bronze "}, []int{3}},
		{"name, no match", map[string]any{"nameContains": "platinum"}, nil},
		{"name, LIKE wildcard %", map[string]any{"nameContains": "%"}, nil},
		{"name, LIKE wildcard _", map[string]any{"nameContains": "G_ld"}, nil},
		{"uuids", map[string]any{"uuids": []string{segID(3), segID(2), segID(99)}}, []int{2, 3}},
		{"uuids, empty list", map[string]any{"uuids": []string{}}, nil},
		{"uuids, not uuids", map[string]any{"uuids": []string{"gold"}}, nil},
		{"name and uuids", map[string]any{"nameContains": "gold", "uuids": []string{segID(1), segID(3)}}, []int{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var data struct {
				Segments struct {
					Nodes      []struct{ UUID, Name string }
					TotalCount int
				}
			}
			ts.with(t).query(q, map[string]any{"filter": c.filter}, &data)
			var gotIDs []string
			for _, n := range data.Segments.Nodes {
				gotIDs = append(gotIDs, n.UUID)
				if names[n.UUID] != n.Name {
					t.Errorf("segment %s named %q, want %q", n.UUID, n.Name, names[n.UUID])
				}
			}
			equal(t, "segments", gotIDs, nilIfEmpty(sortedIDs(segID, c.want...)))
			equal(t, "totalCount", data.Segments.TotalCount, len(c.want))
		})
	}

	t.Run("too many uuids", func(t *testing.T) {
		uuids := make([]string, 251)
		for i := range uuids {
			uuids[i] = segID(i)
		}
		ts.with(t).failCode("BAD_USER_INPUT", q, map[string]any{"filter": map[string]any{"uuids": uuids}})
		var data struct{ Segments struct{ TotalCount int } }
		ts.with(t).query(q, map[string]any{"filter": map[string]any{"uuids": uuids[:250]}}, &data)
		equal(t, "totalCount of 250 uuids", data.Segments.TotalCount, 4)
	})
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestQueryShopperProfiles(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())

	t.Run("one", func(t *testing.T) {
		ts := ts.with(t)
		const q = `query($uuid: ID!) { shopperProfile(uuid: $uuid) { id uuid createdAt updatedAt customer { customerId email } } }`
		type prof struct {
			ID, UUID, CreatedAt, UpdatedAt string
			Customer                       struct {
				CustomerID int64
				Email      string
			}
		}
		var data struct{ ShopperProfile *prof }
		ts.query(q, map[string]any{"uuid": profileID(2)}, &data)
		want := &prof{ID: gid("ShopperProfile", profileID(2)), UUID: profileID(2), CreatedAt: "2020-01-01T00:00:00Z", UpdatedAt: "2020-01-01T00:00:00Z"}
		want.Customer.CustomerID, want.Customer.Email = 2, "Mixed.Case@Example.com"
		equal(t, "profile", data.ShopperProfile, want)

		for _, uuid := range []string{profileID(99), segID(1), "nope"} {
			data.ShopperProfile = &prof{}
			ts.query(q, map[string]any{"uuid": uuid}, &data)
			if data.ShopperProfile != nil {
				t.Errorf("shopperProfile(%q) = %+v, want null", uuid, data.ShopperProfile)
			}
		}
	})

	const q = `query($filter: ShopperProfileFilter) { shopperProfiles(filter: $filter) { nodes { uuid customer { customerId } } totalCount } }`
	cases := []struct {
		name   string
		filter map[string]any
		want   []int
	}{
		{"no filter", nil, []int{1, 2, 3}},
		{"customer ids", map[string]any{"customerIds": []int64{3, 1, 4, 99}}, []int{1, 3}},
		{"customer ids, empty list", map[string]any{"customerIds": []int64{}}, nil},
		{"customer without profile", map[string]any{"customerIds": []int64{4}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var data struct {
				ShopperProfiles struct {
					Nodes []struct {
						UUID     string
						Customer struct{ CustomerID int64 }
					}
					TotalCount int
				}
			}
			ts.with(t).query(q, map[string]any{"filter": c.filter}, &data)
			var got []string
			for _, n := range data.ShopperProfiles.Nodes {
				got = append(got, n.UUID)
				// profile i belongs to customer i in the catalog.
				if profileID(int(n.Customer.CustomerID)) != n.UUID {
					t.Errorf("profile %s has customer %d", n.UUID, n.Customer.CustomerID)
				}
			}
			equal(t, "profiles", got, nilIfEmpty(sortedIDs(profileID, c.want...)))
			equal(t, "totalCount", data.ShopperProfiles.TotalCount, len(c.want))
		})
	}
	t.Run("too many customer ids", func(t *testing.T) {
		ids := make([]int64, 251)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		ts.with(t).failCode("BAD_USER_INPUT", q, map[string]any{"filter": map[string]any{"customerIds": ids}})
	})
}

type customerFields struct {
	ID              string
	CustomerID      int64
	Email           string
	FirstName       string
	LastName        string
	Company         string
	Phone           string
	CustomerGroupID int64
	OrderCount      int
	ChannelIDs      []int64
	CreatedAt       string
	UpdatedAt       string
	ShopperProfile  *struct{ UUID string }
}

const customerSelection = `id customerId email firstName lastName company phone customerGroupId orderCount channelIds createdAt updatedAt shopperProfile { uuid }`

func TestQueryCustomers(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())

	t.Run("one", func(t *testing.T) {
		ts := ts.with(t)
		q := `query($id: Int64!) { customer(customerId: $id) { ` + customerSelection + ` } }`
		var data struct{ Customer *customerFields }
		ts.query(q, map[string]any{"id": 2}, &data)
		equal(t, "customer 2", data.Customer, &customerFields{
			ID: gid("Customer", 2), CustomerID: 2, Email: "Mixed.Case@Example.com", FirstName: "Ada", LastName: "Lovelace",
			Company: "Acme", Phone: "555-0102", CustomerGroupID: 5, OrderCount: 3, ChannelIDs: []int64{1, 2},
			CreatedAt: "2020-01-01T00:00:00Z", UpdatedAt: "2020-01-01T01:00:00Z",
			ShopperProfile: &struct{ UUID string }{profileID(2)},
		})
		ts.query(q, map[string]any{"id": 4}, &data)
		equal(t, "customer 4", data.Customer, &customerFields{
			ID: gid("Customer", 4), CustomerID: 4, Email: "shopper4@example.com", FirstName: "Shopper", LastName: "4",
			CustomerGroupID: 7, ChannelIDs: []int64{}, CreatedAt: "2020-01-01T00:00:00Z", UpdatedAt: "2020-01-01T00:00:00Z",
		})
		for _, id := range []int64{99, 0, -1} {
			ts.query(q, map[string]any{"id": id}, &data)
			if data.Customer != nil {
				t.Errorf("customer(%d) = %+v, want null", id, data.Customer)
			}
		}
	})

	const q = `query($filter: CustomerFilter) { customers(filter: $filter) { nodes { customerId } totalCount } }`
	cases := []struct {
		name   string
		filter map[string]any
		want   []int64
	}{
		{"no filter", nil, []int64{1, 2, 3, 4}},
		{"emails, other case", map[string]any{"emails": []string{"MIXED.case@example.COM", "Shopper1@Example.com", "nobody@example.com"}}, []int64{1, 2}},
		{"emails, empty list", map[string]any{"emails": []string{}}, nil},
		{"group 5", map[string]any{"customerGroupId": 5}, []int64{2, 3}},
		{"group 0: in no group", map[string]any{"customerGroupId": 0}, []int64{1}},
		{"group with nobody", map[string]any{"customerGroupId": 9}, nil},
		{"emails and group", map[string]any{"emails": []string{"shopper1@example.com", "shopper3@example.com"}, "customerGroupId": 5}, []int64{3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var data struct {
				Customers struct {
					Nodes      []struct{ CustomerID int64 }
					TotalCount int
				}
			}
			ts.with(t).query(q, map[string]any{"filter": c.filter}, &data)
			var got []int64
			for _, n := range data.Customers.Nodes {
				got = append(got, n.CustomerID)
			}
			equal(t, "customers", got, c.want)
			equal(t, "totalCount", data.Customers.TotalCount, len(c.want))
		})
	}
	t.Run("too many emails", func(t *testing.T) {
		emails := make([]string, 251)
		for i := range emails {
			emails[i] = fmt.Sprintf("x%d@example.com", i)
		}
		ts.with(t).failCode("BAD_USER_INPUT", q, map[string]any{"filter": map[string]any{"emails": emails}})
	})
}

func TestQueryPromotions(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())

	t.Run("one", func(t *testing.T) {
		ts := ts.with(t)
		const q = `query($id: Int64!) { promotion(promotionId: $id) {
			id promotionId name displayName redemptionType status startsAt endsAt channelIds currencyCode
			maxUses currentUses customerGroupIds excludedCustomerGroupIds minimumOrderCount
			segmentCondition { id } targetedSegments { uuid } } }`
		type promo struct {
			ID                       string
			PromotionID              int64
			Name, DisplayName        string
			RedemptionType, Status   string
			StartsAt                 string
			EndsAt                   *string
			ChannelIDs               []int64
			CurrencyCode             string
			MaxUses                  *int
			CurrentUses              int
			CustomerGroupIDs         []int64
			ExcludedCustomerGroupIDs []int64
			MinimumOrderCount        int
			SegmentCondition         *struct{ ID []string }
			TargetedSegments         []struct{ UUID string }
		}
		var data struct{ Promotion *promo }
		ts.query(q, map[string]any{"id": 5}, &data)
		equal(t, "promotion 5", data.Promotion, &promo{
			ID: gid("Promotion", 5), PromotionID: 5, Name: "Promotion 5", DisplayName: "Deal 5",
			RedemptionType: "AUTOMATIC", Status: "ENABLED", StartsAt: "2020-01-01T00:00:00Z", EndsAt: ptr("2030-01-01T00:00:00Z"),
			ChannelIDs: []int64{1, 2}, CurrencyCode: "EUR", MaxUses: ptr(10), CurrentUses: 3,
			CustomerGroupIDs: []int64{5}, ExcludedCustomerGroupIDs: []int64{}, MinimumOrderCount: 2,
			TargetedSegments: []struct{ UUID string }{},
		})
		ts.query(q, map[string]any{"id": 2}, &data)
		equal(t, "promotion 2", data.Promotion, &promo{
			ID: gid("Promotion", 2), PromotionID: 2, Name: "Promotion 2", DisplayName: "Deal 2",
			RedemptionType: "COUPON", Status: "ENABLED", StartsAt: "2020-01-01T00:00:00Z",
			ChannelIDs: []int64{}, CurrencyCode: "USD", CustomerGroupIDs: []int64{}, ExcludedCustomerGroupIDs: []int64{},
			SegmentCondition: &struct{ ID []string }{[]string{segID(1)}},
			TargetedSegments: []struct{ UUID string }{{segID(1)}},
		})
		ts.query(q, map[string]any{"id": 99}, &data)
		if data.Promotion != nil {
			t.Errorf("promotion(99) = %+v, want null", data.Promotion)
		}
	})

	const q = `query($filter: PromotionFilter) { promotions(filter: $filter) { nodes { promotionId } totalCount } }`
	cases := []struct {
		name   string
		filter map[string]any
		want   []int64
	}{
		{"no filter", nil, []int64{1, 2, 3, 4, 5}},
		{"enabled", map[string]any{"status": "ENABLED"}, []int64{1, 2, 5}},
		{"disabled", map[string]any{"status": "DISABLED"}, []int64{3}},
		{"invalid", map[string]any{"status": "INVALID"}, []int64{4}},
		{"coupon", map[string]any{"redemptionType": "COUPON"}, []int64{2, 4}},
		{"automatic", map[string]any{"redemptionType": "AUTOMATIC"}, []int64{1, 3, 5}},
		{"targeting segment 1", map[string]any{"targetedSegment": segID(1)}, []int64{2, 3}},
		{"targeting segment 2", map[string]any{"targetedSegment": segID(2)}, []int64{3}},
		{"targeting segment 3 (under not)", map[string]any{"targetedSegment": segID(3)}, []int64{4}},
		{"targeting segment 4", map[string]any{"targetedSegment": segID(4)}, nil},
		{"targeting a missing segment", map[string]any{"targetedSegment": segID(99)}, nil},
		{"enabled, targeting segment 1", map[string]any{"status": "ENABLED", "targetedSegment": segID(1)}, []int64{2}},
		{"coupon, disabled", map[string]any{"status": "DISABLED", "redemptionType": "COUPON"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var data struct {
				Promotions struct {
					Nodes      []struct{ PromotionID int64 }
					TotalCount int
				}
			}
			ts.with(t).query(q, map[string]any{"filter": c.filter}, &data)
			var got []int64
			for _, n := range data.Promotions.Nodes {
				got = append(got, n.PromotionID)
			}
			equal(t, "promotions", got, c.want)
			equal(t, "totalCount", data.Promotions.TotalCount, len(c.want))
		})
	}
	t.Run("targeted segment not a uuid", func(t *testing.T) {
		ts.with(t).failCode("BAD_USER_INPUT", q, map[string]any{"filter": map[string]any{"targetedSegment": "gold"}})
	})
	t.Run("unknown status", func(t *testing.T) {
		ts.with(t).failCode("GRAPHQL_VALIDATION_FAILED", q, map[string]any{"filter": map[string]any{"status": "ARCHIVED"}})
	})
}

func TestQueryViewer(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	const q = `{ viewer {
		isGuest
		customer { customerId }
		shopperProfile { uuid }
		segments { nodes { uuid } totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
	} }`
	type view struct {
		IsGuest        bool
		Customer       *struct{ CustomerID int64 }
		ShopperProfile *struct{ UUID string }
		Segments       struct {
			Nodes      []struct{ UUID string }
			TotalCount int
			PageInfo   struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
		}
	}
	uuids := func(v view) []string {
		var out []string
		for _, n := range v.Segments.Nodes {
			out = append(out, n.UUID)
		}
		return out
	}

	cases := []struct {
		name         string
		token        string
		guest        bool
		customer     int64 // 0: null
		profile      string
		segments     []string
		segmentCount int
	}{
		{"guest", guest, true, 0, "", nil, 0},
		{"customer with a profile in two segments", ts.token(2, nil), false, 2, profileID(2), sortedIDs(segID, 1, 2), 2},
		{"customer with a profile in no segment", ts.token(3, nil), false, 3, profileID(3), nil, 0},
		{"customer without a profile", ts.token(4, nil), false, 4, "", nil, 0},
		{"customer unknown to the store", ts.token(99, ptr[int64](2)), false, 0, "", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var data struct{ Viewer view }
			ts.with(t).queryAs(c.token, q, nil, &data)
			v := data.Viewer
			equal(t, "isGuest", v.IsGuest, c.guest)
			if c.customer == 0 && v.Customer != nil || c.customer != 0 && (v.Customer == nil || v.Customer.CustomerID != c.customer) {
				t.Errorf("customer %+v, want %d", v.Customer, c.customer)
			}
			if c.profile == "" && v.ShopperProfile != nil || c.profile != "" && (v.ShopperProfile == nil || v.ShopperProfile.UUID != c.profile) {
				t.Errorf("shopperProfile %+v, want %q", v.ShopperProfile, c.profile)
			}
			equal(t, "segments", uuids(v), c.segments)
			equal(t, "segments totalCount", v.Segments.TotalCount, c.segmentCount)
			if len(c.segments) == 0 && (v.Segments.PageInfo.HasNextPage || v.Segments.PageInfo.StartCursor != nil) {
				t.Errorf("empty segments with pageInfo %+v", v.Segments.PageInfo)
			}
		})
	}

	t.Run("segments are paged", func(t *testing.T) {
		ts := ts.with(t)
		var data struct{ Viewer view }
		ts.queryAs(ts.token(2, nil), `{ viewer { segments(first: 1) { nodes { uuid } totalCount pageInfo { hasNextPage hasPreviousPage } } } }`, nil, &data)
		equal(t, "first segment", uuids(data.Viewer), sortedIDs(segID, 1, 2)[:1])
		if !data.Viewer.Segments.PageInfo.HasNextPage || data.Viewer.Segments.TotalCount != 2 {
			t.Errorf("page %+v", data.Viewer.Segments)
		}
		// Connection arguments are checked for guests too.
		res := ts.do(`{ viewer { segments(first: 251) { totalCount } } }`, nil, "")
		equal(t, "guest first: 251", codesOf(res), []string{"BAD_USER_INPUT"})
	})
}
