package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

func customerWriteTests() []test {
	return []test{
		{"UpsertCustomers", testUpsertCustomers},
		{"UpsertCustomers/Rejected", testUpsertCustomersRejected},
		{"DeleteCustomers", testDeleteCustomers},
	}
}

func testUpsertCustomers(t *testing.T, s store.Store) {
	ctx := t.Context()
	created := time.Date(2021, 5, 6, 7, 8, 9, 123456789, time.UTC)
	c1 := customer(1)
	c1.CreatedAt, c1.UpdatedAt = created, created.Add(time.Minute)
	before := store.UTC(time.Now())
	w, err := s.UpsertCustomers(ctx, []store.Customer{c1, customer(2)})
	after := store.UTC(time.Now())
	mustWrite(t, "insert", w.Errors, err)
	if got := w.Items[0]; !got.CreatedAt.Equal(store.UTC(created)) || !got.UpdatedAt.Equal(store.UTC(created.Add(time.Minute))) {
		t.Errorf("given timestamps not kept: %v %v", got.CreatedAt, got.UpdatedAt)
	}
	if got := w.Items[1]; got.CreatedAt.Before(before) || got.CreatedAt.After(after) || got.UpdatedAt.Before(before) || got.UpdatedAt.After(after) {
		t.Errorf("zero timestamps did not become now: %v %v", got.CreatedAt, got.UpdatedAt)
	}
	// Customer 2 has a profile in a segment: replacing it keeps them.
	p2 := must(s.CreateShopperProfiles(ctx, []int64{2}))(t).Items[0]
	seg := mustSegments(t, s, "S")[0]
	mustAdd(t, s, seg.ID, p2)

	r1 := customer(1)
	r1.Email = "CUSTOMER1@example.com" // its own email in another case
	r1.FirstName, r1.Company, r1.Phone = "Renamed", "Acme", "555"
	r1.CustomerGroupID, r1.OrderCount, r1.ChannelIDs = 4, 9, []int64{1}
	r2 := customer(2)
	r2.Email = "moved@example.com"
	r3 := customer(3)
	r3.Email = "customer2@example.com" // customer 2 gave it up earlier in the call
	before = store.UTC(time.Now())
	w, err = s.UpsertCustomers(ctx, []store.Customer{r1, r2, r3})
	after = store.UTC(time.Now())
	mustWrite(t, "replace", w.Errors, err)
	want1 := r1
	want1.CreatedAt, want1.UpdatedAt = store.UTC(created), w.Items[0].UpdatedAt
	same(t, "replaced", w.Items[0], &want1)
	if u := w.Items[0].UpdatedAt; u.Before(before) || u.After(after) {
		t.Errorf("replaced updated_at %v, want now", u)
	}
	same(t, "read back", must(s.CustomersByIDs(ctx, []int64{1, 2, 3}))(t), w.Items)
	same(t, "profile kept", must(s.ShopperProfilesByCustomerIDs(ctx, []int64{2}))(t), []*store.ShopperProfile{must(s.ShopperProfilesByIDs(ctx, []string{p2.ID}))(t)[0]})
	same(t, "membership kept", pageKeys(t, s, seg.ID), []string{p2.ID})
}

func testUpsertCustomersRejected(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCustomers(t, s, 1, 2)
	before := takeSnapshot(t, s)
	mod := func(id int64, f func(*store.Customer)) store.Customer {
		c := customer(id)
		f(&c)
		return c
	}
	in := []store.Customer{
		mod(0, func(c *store.Customer) { c.Email = "zero@example.com" }),                  // 0
		mod(10, func(c *store.Customer) { c.Email = "not an email" }),                     // 1
		mod(11, func(c *store.Customer) { c.Email = "a@" }),                               // 2
		mod(12, func(c *store.Customer) { c.FirstName = "" }),                             // 3
		mod(13, func(c *store.Customer) { c.LastName = strings.Repeat("l", 101) }),        // 4
		mod(14, func(c *store.Customer) { c.Company = strings.Repeat("c", 256) }),         // 5
		mod(15, func(c *store.Customer) { c.Phone = strings.Repeat("5", 51) }),            // 6
		mod(16, func(c *store.Customer) { c.CustomerGroupID = -1 }),                       // 7
		mod(17, func(c *store.Customer) { c.OrderCount = -1 }),                            // 8
		mod(18, func(c *store.Customer) { c.ChannelIDs = []int64{1, 0} }),                 // 9
		mod(19, func(c *store.Customer) { c.Email = "Customer2@EXAMPLE.com" }),            // 10
		mod(-4, func(c *store.Customer) { c.Email = "negative@example.com" }),             // 11
		mod(1, func(c *store.Customer) { c.Email = "customer2@example.com" }),             // 12
		mod(20, func(c *store.Customer) { c.Email = strings.Repeat("e", 251) + "@x.io" }), // 13
	}
	w, err := s.UpsertCustomers(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "upsert", w.Errors,
		wantErr{0, "customerId", store.CodeInvalidInput},
		wantErr{1, "email", store.CodeInvalidInput},
		wantErr{2, "email", store.CodeInvalidInput},
		wantErr{3, "firstName", store.CodeInvalidInput},
		wantErr{4, "lastName", store.CodeInvalidInput},
		wantErr{5, "company", store.CodeInvalidInput},
		wantErr{6, "phone", store.CodeInvalidInput},
		wantErr{7, "customerGroupId", store.CodeInvalidInput},
		wantErr{8, "orderCount", store.CodeInvalidInput},
		wantErr{9, "channelIds", store.CodeInvalidInput},
		wantErr{10, "email", store.CodeDuplicateEmail},
		wantErr{11, "customerId", store.CodeInvalidInput},
		wantErr{12, "email", store.CodeDuplicateEmail},
		wantErr{13, "email", store.CodeInvalidInput},
	)
	if len(w.Items) != 0 {
		t.Errorf("wrote %d customers, want none", len(w.Items))
	}
	same(t, "nothing written", takeSnapshot(t, s), before)

	// The same id twice: the first is written, the second rejected.
	a, b := customer(30), customer(30)
	b.FirstName = "Second"
	w, err = s.UpsertCustomers(ctx, []store.Customer{a, b})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "same id twice", w.Errors, wantErr{1, "customerId", store.CodeDuplicateInput})
	if got := must(s.CustomersByIDs(ctx, []int64{30}))(t)[0]; got == nil || got.FirstName != "First" {
		t.Errorf("customer 30 = %+v, want the first item", got)
	}
}

func testDeleteCustomers(t *testing.T, s store.Store) {
	ctx := t.Context()
	cs := mustCustomers(t, s, 1, 2, 3)
	d, err := s.DeleteCustomers(ctx, []int64{1, 0, 99, 1, 2, -1})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "delete", d.Errors,
		wantErr{1, "", store.CodeInvalidInput},
		wantErr{2, "", store.CodeNotFound},
		wantErr{3, "", store.CodeDuplicateInput},
		wantErr{5, "", store.CodeInvalidInput},
	)
	same(t, "deleted", d.IDs, []int64{1, 2})
	same(t, "read back", must(s.CustomersByIDs(ctx, []int64{1, 2, 3}))(t), []*store.Customer{nil, nil, cs[2]})
	// The email of a deleted customer is free again.
	mustCustomers(t, s, 1)
}
