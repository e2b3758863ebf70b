package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type upsertCustomersResult struct {
	UpsertCustomers struct {
		Customers  []customerFields
		UserErrors []userError
	}
}

func (ts *testServer) upsertCustomers(in ...map[string]any) upsertCustomersResult {
	ts.t.Helper()
	if in == nil {
		in = []map[string]any{}
	}
	var out upsertCustomersResult
	ts.query(`mutation($in: [CustomerInput!]!) { upsertCustomers(input: $in) { customers { `+customerSelection+` } `+userErrorFields+` } }`,
		map[string]any{"in": in}, &out)
	return out
}

// customerInput is a valid input for customer id, changed by set.
func customerInput(id int64, set map[string]any) map[string]any {
	in := map[string]any{"customerId": id, "email": fmt.Sprintf("new%d@example.com", id), "firstName": "New", "lastName": fmt.Sprint(id)}
	for k, v := range set {
		in[k] = v
	}
	return in
}

func (ts *testServer) customer(id int64) *customerFields {
	ts.t.Helper()
	var data struct{ Customer *customerFields }
	ts.query(`query($id: Int64!) { customer(customerId: $id) { `+customerSelection+` } }`, map[string]any{"id": id}, &data)
	return data.Customer
}

func TestUpsertCustomers(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	start := time.Now().Add(-time.Second)
	stamp := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("timestamp %q: %v", s, err)
		}
		return v
	}

	res := ts.upsertCustomers(
		// 0: a new customer with every field.
		customerInput(10, map[string]any{
			"email": "  Full@Example.com ", "company": "Initech", "phone": "555-0110", "customerGroupId": 3,
			"orderCount": 7, "channelIds": []int64{1, 4}, "createdAt": "2021-02-03T04:05:06Z", "updatedAt": "2022-02-03T04:05:06.5Z",
		}),
		// 1: customer 2 replaced whole: fields left out go back to their zero value, its email kept in another case.
		customerInput(2, map[string]any{"email": "MIXED.CASE@example.com", "firstName": "Ada", "lastName": "Byron"}),
		// 2: a new customer with another's email, in another case.
		customerInput(11, map[string]any{"email": "SHOPPER1@example.com"}),
		// 3: customer 10 again.
		customerInput(10, nil),
		// 4: a new customer with only what is required.
		customerInput(12, nil),
		// 5: a new customer taking the email customer 12 got just above.
		customerInput(13, map[string]any{"email": "new12@example.com"}),
	).UpsertCustomers
	checkUserErrors(t, res.UserErrors,
		ue("DUPLICATE_EMAIL", "input", "2", "email"),
		ue("DUPLICATE_INPUT", "input", "3", "customerId"),
		ue("DUPLICATE_EMAIL", "input", "5", "email"),
	)
	if len(res.Customers) != 3 {
		t.Fatalf("wrote %d customers, want 3: %+v", len(res.Customers), res.Customers)
	}

	full := res.Customers[0]
	equal(t, "new customer", full, customerFields{
		ID: gid("Customer", 10), CustomerID: 10, Email: "Full@Example.com", FirstName: "New", LastName: "10",
		Company: "Initech", Phone: "555-0110", CustomerGroupID: 3, OrderCount: 7, ChannelIDs: []int64{1, 4},
		CreatedAt: "2021-02-03T04:05:06Z", UpdatedAt: "2022-02-03T04:05:06.5Z",
	})

	replaced := res.Customers[1]
	if stamp(replaced.UpdatedAt).Before(start) {
		t.Errorf("replaced customer's updatedAt %s, want now", replaced.UpdatedAt)
	}
	replaced.UpdatedAt = ""
	equal(t, "replaced customer", replaced, customerFields{
		ID: gid("Customer", 2), CustomerID: 2, Email: "MIXED.CASE@example.com", FirstName: "Ada", LastName: "Byron",
		ChannelIDs: []int64{}, CreatedAt: "2020-01-01T00:00:00Z", // created kept; company, phone, group, orders, channels reset
		ShopperProfile: &struct{ UUID string }{profileID(2)},
	})

	minimal := res.Customers[2]
	if stamp(minimal.CreatedAt).Before(start) || minimal.CreatedAt != minimal.UpdatedAt {
		t.Errorf("new customer stamped %s / %s, want now", minimal.CreatedAt, minimal.UpdatedAt)
	}
	equal(t, "minimal customer", []any{minimal.CustomerID, minimal.Email, minimal.Company, minimal.CustomerGroupID, minimal.ChannelIDs, minimal.ShopperProfile == nil},
		[]any{int64(12), "new12@example.com", "", int64(0), []int64{}, true})

	// Reads agree with the payload; the rejected ones were not written.
	for _, c := range res.Customers {
		equal(t, fmt.Sprint("customer ", c.CustomerID, " read back"), ts.customer(c.CustomerID), &c)
	}
	for _, id := range []int64{11, 13} {
		if c := ts.customer(id); c != nil {
			t.Errorf("rejected customer %d written: %+v", id, c)
		}
	}
	equal(t, "customer 1 untouched", ts.customer(1).Email, "shopper1@example.com")

	t.Run("emails are matched ignoring case", func(t *testing.T) {
		var data struct {
			Customers struct{ Nodes []struct{ CustomerID int64 } }
		}
		ts.with(t).query(`{ customers(filter: {emails: ["full@example.COM"]}) { nodes { customerId } } }`, nil, &data)
		equal(t, "found", fmt.Sprint(data.Customers.Nodes), "[{10}]")
	})

	t.Run("email moved from one customer to another in one call", func(t *testing.T) {
		res := ts.with(t).upsertCustomers(
			customerInput(1, map[string]any{"email": "moved@example.com"}),
			customerInput(14, map[string]any{"email": "shopper1@example.com"}),
		).UpsertCustomers
		checkUserErrors(t, res.UserErrors)
		equal(t, "written", len(res.Customers), 2)
	})
}

func TestUpsertCustomersInvalidFields(t *testing.T) {
	ts := newTestServer(t)
	long := strings.Repeat("x", 256)
	cases := []struct {
		field string
		set   map[string]any
	}{
		{"customerId", map[string]any{"customerId": 0}},
		{"customerId", map[string]any{"customerId": -3}},
		{"email", map[string]any{"email": "a@"}},
		{"email", map[string]any{"email": "   "}},
		{"email", map[string]any{"email": "not an email"}},
		{"email", map[string]any{"email": "Ada <ada@example.com>"}},
		{"email", map[string]any{"email": strings.Repeat("a", 244) + "@example.com"}},
		{"firstName", map[string]any{"firstName": ""}},
		{"firstName", map[string]any{"firstName": strings.Repeat("f", 101)}},
		{"lastName", map[string]any{"lastName": ""}},
		{"lastName", map[string]any{"lastName": strings.Repeat("l", 101)}},
		{"company", map[string]any{"company": long}},
		{"phone", map[string]any{"phone": strings.Repeat("5", 51)}},
		{"customerGroupId", map[string]any{"customerGroupId": -1}},
		{"orderCount", map[string]any{"orderCount": -1}},
		{"channelIds", map[string]any{"channelIds": []int64{1, 0}}},
	}
	in := []map[string]any{customerInput(1, nil)}
	want := []userError{}
	for i, c := range cases {
		in = append(in, customerInput(int64(100+i), c.set))
		want = append(want, ue("INVALID_INPUT", "input", fmt.Sprint(i+1), c.field))
	}
	// The longest allowed values pass.
	in = append(in, customerInput(2, map[string]any{
		"email": strings.Repeat("a", 243) + "@example.com", "firstName": strings.Repeat("é", 100), "lastName": strings.Repeat("l", 100),
		"company": long[:255], "phone": strings.Repeat("5", 50),
	}))
	res := ts.upsertCustomers(in...).UpsertCustomers
	checkUserErrors(t, res.UserErrors, want...)
	var ids []int64
	for _, c := range res.Customers {
		ids = append(ids, c.CustomerID)
	}
	equal(t, "written", ids, []int64{1, 2})
	var data struct{ Customers struct{ TotalCount int } }
	ts.query(`{ customers { totalCount } }`, nil, &data)
	equal(t, "stored", data.Customers.TotalCount, 2)

	t.Run("too many", func(t *testing.T) {
		ts := ts.with(t)
		in := make([]map[string]any, 251)
		for i := range in {
			in[i] = customerInput(int64(1000+i), nil)
		}
		// The generic cap on list arguments refuses it before the resolver.
		ts.refusedListCap(`mutation($in: [CustomerInput!]!) { upsertCustomers(input: $in) { `+userErrorFields+` } }`,
			map[string]any{"in": in})
		ts.query(`{ customers { totalCount } }`, nil, &data)
		equal(t, "stored", data.Customers.TotalCount, 2)
	})
}

func TestDeleteCustomers(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	const q = `mutation($ids: [Int64!]!) { deleteCustomers(customerIds: $ids) { deletedCustomerIds ` + userErrorFields + ` } }`
	type result struct {
		DeleteCustomers struct {
			DeletedCustomerIDs []int64
			UserErrors         []userError
		}
	}
	var res result
	ts.query(q, map[string]any{"ids": []int64{2, 0, 99, 2, 4}}, &res)
	checkUserErrors(t, res.DeleteCustomers.UserErrors,
		ue("INVALID_INPUT", "customerIds", "1"),
		ue("NOT_FOUND", "customerIds", "2"),
		ue("DUPLICATE_INPUT", "customerIds", "3"),
	)
	equal(t, "deleted", res.DeleteCustomers.DeletedCustomerIDs, []int64{2, 4})

	// The customer, its profile and its memberships are gone; segments and other customers stay.
	if c := ts.customer(2); c != nil {
		t.Errorf("customer 2 still answers: %+v", c)
	}
	if p := ts.profile(profileID(2)); p != nil {
		t.Errorf("profile of customer 2 still answers: %+v", p)
	}
	var data struct {
		Customers       struct{ Nodes []struct{ CustomerID int64 } }
		ShopperProfiles struct{ TotalCount int }
		S1              struct {
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
		customers { nodes { customerId } }
		shopperProfiles(filter: {customerIds: [2]}) { totalCount }
		s1: segment(uuid: $s1) { shopperProfiles { nodes { uuid } totalCount } }
		s2: segment(uuid: $s2) { shopperProfiles { totalCount } }
	}`, map[string]any{"s1": segID(1), "s2": segID(2)}, &data)
	equal(t, "customers left", fmt.Sprint(data.Customers.Nodes), "[{1} {3}]")
	equal(t, "profiles of customer 2", data.ShopperProfiles.TotalCount, 0)
	equal(t, "segment 1 members", fmt.Sprint(data.S1.ShopperProfiles.Nodes), fmt.Sprintf("[{%s}]", profileID(1)))
	equal(t, "segment 1 member count", data.S1.ShopperProfiles.TotalCount, 1)
	equal(t, "segment 2 member count", data.S2.ShopperProfiles.TotalCount, 0)

	// A token for the deleted customer is still valid: the viewer is a customer segql does not know.
	var v struct {
		Viewer struct {
			IsGuest        bool
			Customer       *struct{ CustomerID int64 }
			ShopperProfile *struct{ UUID string }
		}
	}
	ts.queryAs(ts.token(2, nil), `{ viewer { isGuest customer { customerId } shopperProfile { uuid } } }`, nil, &v)
	if v.Viewer.IsGuest || v.Viewer.Customer != nil || v.Viewer.ShopperProfile != nil {
		t.Errorf("viewer of a deleted customer: %+v", v.Viewer)
	}

	// Its email is free again.
	up := ts.upsertCustomers(customerInput(20, map[string]any{"email": "mixed.case@example.com"})).UpsertCustomers
	checkUserErrors(t, up.UserErrors)

	t.Run("too many", func(t *testing.T) {
		ts := ts.with(t)
		ids := make([]int64, 251)
		for i := range ids {
			ids[i] = 1
		}
		ts.refusedListCap(q, map[string]any{"ids": ids})
		if ts.customer(1) == nil {
			t.Errorf("customer 1 deleted by a refused call")
		}
	})
}
