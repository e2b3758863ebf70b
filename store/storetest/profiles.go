package storetest

import (
	"testing"
	"time"

	"github.com/segql/segql/store"
)

func profileWriteTests() []test {
	return []test{
		{"CreateShopperProfiles", testCreateShopperProfiles},
		{"DeleteShopperProfiles", testDeleteShopperProfiles},
	}
}

func testCreateShopperProfiles(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCustomers(t, s, 1, 2, 3)
	p3 := mustProfiles(t, s, 3)[0]
	before := store.UTC(time.Now())
	w, err := s.CreateShopperProfiles(ctx, []int64{1, 0, 99, 3, 1, 2, -5})
	after := store.UTC(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "create", w.Errors,
		wantErr{1, "customerId", store.CodeInvalidInput},
		wantErr{2, "customerId", store.CodeNotFound},
		wantErr{3, "customerId", store.CodeDuplicateProfile},
		wantErr{4, "customerId", store.CodeDuplicateInput},
		wantErr{6, "customerId", store.CodeInvalidInput},
	)
	if len(w.Items) != 2 {
		t.Fatalf("created %d profiles, want 2", len(w.Items))
	}
	for i, cid := range []int64{1, 2} {
		p := w.Items[i]
		if p.CustomerID != cid || !store.ValidUUID(p.ID) || p.ID == p3.ID {
			t.Errorf("item %d = %+v, want a new profile of customer %d", i, p, cid)
		}
		if p.CreatedAt.Before(before) || p.CreatedAt.After(after) || !p.UpdatedAt.Equal(p.CreatedAt) {
			t.Errorf("item %d timestamps %v %v, want equal and between %v and %v", i, p.CreatedAt, p.UpdatedAt, before, after)
		}
	}
	if w.Items[0].ID == w.Items[1].ID {
		t.Error("two profiles share an id")
	}
	same(t, "read back", must(s.ShopperProfilesByCustomerIDs(ctx, []int64{1, 2, 3}))(t), []*store.ShopperProfile{w.Items[0], w.Items[1], p3})
}

func testDeleteShopperProfiles(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps := mustProfiles(t, s, 1, 2, 3)
	d, err := s.DeleteShopperProfiles(ctx, []string{ps[0].ID, "bad", missingUUID, ps[0].ID, ps[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "delete", d.Errors,
		wantErr{1, "", store.CodeInvalidInput},
		wantErr{2, "", store.CodeNotFound},
		wantErr{3, "", store.CodeDuplicateInput},
	)
	same(t, "deleted", d.IDs, []string{ps[0].ID, ps[1].ID})
	same(t, "read back", must(s.ShopperProfilesByIDs(ctx, profileIDs(ps)))(t), []*store.ShopperProfile{nil, nil, ps[2]})
	// The customers stay and can have a profile again.
	if got := must(s.CustomersByIDs(ctx, []int64{1, 2}))(t); got[0] == nil || got[1] == nil {
		t.Error("deleting profiles deleted their customers")
	}
	w, err := s.CreateShopperProfiles(ctx, []int64{1})
	mustWrite(t, "create again", w.Errors, err)
	if w.Items[0].ID == ps[0].ID {
		t.Error("new profile reuses the deleted profile's id")
	}
}
