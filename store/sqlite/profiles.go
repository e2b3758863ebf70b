package sqlite

import (
	"context"
	"fmt"

	"github.com/segql/segql/store"
)

// ShopperProfilesByIDs reads profiles by id, in the order of ids.
func (s *Store) ShopperProfilesByIDs(ctx context.Context, ids []string) ([]*store.ShopperProfile, error) {
	out, err := byIDs(ctx, s, profileCols, "shopper_profiles", "id", ids, scanProfile,
		func(p *store.ShopperProfile) string { return p.ID })
	if err != nil {
		return nil, fmt.Errorf("sqlite: shopper profiles by ids: %w", err)
	}
	return out, nil
}

// ShopperProfilesByCustomerIDs reads the profile of each customer, in the
// order of customerIDs.
func (s *Store) ShopperProfilesByCustomerIDs(ctx context.Context, customerIDs []int64) ([]*store.ShopperProfile, error) {
	out, err := byIDs(ctx, s, profileCols, "shopper_profiles", "customer_id", customerIDs, scanProfile,
		func(p *store.ShopperProfile) int64 { return p.CustomerID })
	if err != nil {
		return nil, fmt.Errorf("sqlite: shopper profiles by customer ids: %w", err)
	}
	return out, nil
}

func profileList(f store.ShopperProfileFilter) list {
	l := list{cols: profileCols, from: "shopper_profiles", key: "id"}
	if f.CustomerIDs != nil {
		l.where = append(l.where, inIDs("customer_id"))
		l.args = append(l.args, jsonList(f.CustomerIDs))
	}
	return l
}

// ListShopperProfiles reads one page of profiles ordered by id.
func (s *Store) ListShopperProfiles(ctx context.Context, f store.ShopperProfileFilter, p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
	page, err := listPage(ctx, s, profileList(f), p, scanProfile)
	if err != nil {
		return page, fmt.Errorf("sqlite: list shopper profiles: %w", err)
	}
	return page, nil
}

// CountShopperProfiles counts the profiles a filter lets through.
func (s *Store) CountShopperProfiles(ctx context.Context, f store.ShopperProfileFilter) (int, error) {
	n, err := count(ctx, s, profileList(f))
	if err != nil {
		return 0, fmt.Errorf("sqlite: count shopper profiles: %w", err)
	}
	return n, nil
}

// CreateShopperProfiles creates one profile for each existing customer.
func (s *Store) CreateShopperProfiles(ctx context.Context, customerIDs []int64) (store.Written[*store.ShopperProfile], error) {
	var out store.Written[*store.ShopperProfile]
	err := s.write(ctx, "create shopper profiles", func(w *txn) error {
		out = store.Written[*store.ShopperProfile]{}
		var rej rejections
		seen := map[int64]bool{}
		for i, cid := range customerIDs {
			if cid <= 0 {
				rej.add(i, "customerId", store.CodeInvalidInput, "customer id must be positive")
				continue
			}
			if seen[cid] {
				rej.add(i, "customerId", store.CodeDuplicateInput, "customer %d appears earlier in this call", cid)
				continue
			}
			seen[cid] = true
			p := &store.ShopperProfile{ID: store.NewID(), CustomerID: cid, CreatedAt: w.now, UpdatedAt: w.now}
			ue, err := w.checkProfile(ctx, i, p)
			if err != nil {
				return err
			}
			if ue != nil {
				rej = append(rej, *ue)
				continue
			}
			if err := w.putProfile(ctx, p); err != nil {
				return err
			}
			out.Items = append(out.Items, p)
		}
		out.Errors = rej
		return nil
	})
	if err != nil {
		return store.Written[*store.ShopperProfile]{}, err
	}
	return out, nil
}

// DeleteShopperProfiles deletes profiles and, by cascade, their memberships.
func (s *Store) DeleteShopperProfiles(ctx context.Context, ids []string) (store.Deleted[string], error) {
	var out store.Deleted[string]
	err := s.write(ctx, "delete shopper profiles", func(w *txn) error {
		var err error
		out, err = store.DeleteEach(ids, "shopper profile", func(id string) (bool, error) {
			n, err := w.exec(ctx, `DELETE FROM shopper_profiles WHERE id = ?`, id)
			return n > 0, err
		})
		return err
	})
	if err != nil {
		return store.Deleted[string]{}, err
	}
	return out, nil
}

// checkProfile checks that a profile's customer exists and has no other
// profile.
func (w *txn) checkProfile(ctx context.Context, index int, p *store.ShopperProfile) (*store.UserError, error) {
	ok, err := w.exists(ctx, `SELECT 1 FROM customers WHERE id = ?`, p.CustomerID)
	if err != nil {
		return nil, err
	}
	if !ok {
		ue := store.Reject(index, "customerId", store.CodeNotFound, "customer %d does not exist", p.CustomerID)
		return &ue, nil
	}
	var other string
	found, err := w.one(ctx, `SELECT id FROM shopper_profiles WHERE customer_id = ?`, []any{p.CustomerID}, &other)
	if err != nil {
		return nil, err
	}
	if found && other != p.ID {
		ue := store.Reject(index, "customerId", store.CodeDuplicateProfile, "customer %d has a shopper profile already", p.CustomerID)
		return &ue, nil
	}
	return nil, nil
}

// profileExists reports whether a profile exists.
func (w *txn) profileExists(ctx context.Context, id string) (bool, error) {
	return w.exists(ctx, `SELECT 1 FROM shopper_profiles WHERE id = ?`, id)
}

// putProfile inserts a profile or replaces the one with its id.
func (w *txn) putProfile(ctx context.Context, p *store.ShopperProfile) error {
	_, err := w.exec(ctx, `INSERT INTO shopper_profiles (id, customer_id, created_at, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, created_at = excluded.created_at, updated_at = excluded.updated_at`,
		p.ID, p.CustomerID, micros(p.CreatedAt), micros(p.UpdatedAt))
	return err
}
