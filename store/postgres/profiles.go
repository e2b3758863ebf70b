package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/segql/segql/store"
)

// ShopperProfilesByIDs reads profiles by id, in the order of ids.
func (s *Store) ShopperProfilesByIDs(ctx context.Context, ids []string) ([]*store.ShopperProfile, error) {
	out, err := byIDs(ctx, s, profileCols, "shopper_profiles", "id", "uuid", ids, scanProfile,
		func(p *store.ShopperProfile) string { return p.ID })
	if err != nil {
		return nil, fmt.Errorf("postgres: shopper profiles by ids: %w", err)
	}
	return out, nil
}

// ShopperProfilesByCustomerIDs reads the profile of each customer, in the
// order of customerIDs.
func (s *Store) ShopperProfilesByCustomerIDs(ctx context.Context, customerIDs []int64) ([]*store.ShopperProfile, error) {
	out, err := byIDs(ctx, s, profileCols, "shopper_profiles", "customer_id", "bigint", customerIDs, scanProfile,
		func(p *store.ShopperProfile) int64 { return p.CustomerID })
	if err != nil {
		return nil, fmt.Errorf("postgres: shopper profiles by customer ids: %w", err)
	}
	return out, nil
}

func profileList(f store.ShopperProfileFilter) list {
	l := list{cols: profileCols, from: "shopper_profiles", key: "id"}
	if f.CustomerIDs != nil {
		l.where = append(l.where, "customer_id = ANY("+l.args.add(f.CustomerIDs)+"::bigint[])")
	}
	return l
}

// ListShopperProfiles reads one page of profiles ordered by id.
func (s *Store) ListShopperProfiles(ctx context.Context, f store.ShopperProfileFilter, p store.Page[string]) (store.PageOf[*store.ShopperProfile], error) {
	page, err := listPage(ctx, s, profileList(f), p, scanProfile)
	if err != nil {
		return page, fmt.Errorf("postgres: list shopper profiles: %w", err)
	}
	return page, nil
}

// CountShopperProfiles counts the profiles a filter lets through.
func (s *Store) CountShopperProfiles(ctx context.Context, f store.ShopperProfileFilter) (int, error) {
	n, err := count(ctx, s, profileList(f))
	if err != nil {
		return 0, fmt.Errorf("postgres: count shopper profiles: %w", err)
	}
	return n, nil
}

// CreateShopperProfiles creates one profile for each existing customer.
// Which customers exist and have a profile is read in one query first:
// each customer comes once in a call, so no item changes that for another.
func (s *Store) CreateShopperProfiles(ctx context.Context, customerIDs []int64) (store.Written[*store.ShopperProfile], error) {
	var out store.Written[*store.ShopperProfile]
	err := s.writeTxn(ctx, "create shopper profiles", func(w *txn) error {
		out = store.Written[*store.ShopperProfile]{}
		hasProfile, err := w.customersWithProfile(ctx, customerIDs)
		if err != nil {
			return err
		}
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
			has, exists := hasProfile[cid]
			if !exists {
				rej.add(i, "customerId", store.CodeNotFound, "customer %d does not exist", cid)
				continue
			}
			if has {
				rej.add(i, "customerId", store.CodeDuplicateProfile, "customer %d has a shopper profile already", cid)
				continue
			}
			out.Items = append(out.Items, &store.ShopperProfile{ID: store.NewID(), CustomerID: cid, CreatedAt: w.now, UpdatedAt: w.now})
		}
		out.Errors = rej
		return w.insertProfiles(ctx, out.Items)
	})
	if err != nil {
		return store.Written[*store.ShopperProfile]{}, err
	}
	return out, nil
}

// DeleteShopperProfiles deletes profiles and, by cascade, their memberships.
func (s *Store) DeleteShopperProfiles(ctx context.Context, ids []string) (store.Deleted[string], error) {
	var out store.Deleted[string]
	err := s.writeTxn(ctx, "delete shopper profiles", func(w *txn) error {
		var err error
		out, err = store.DeleteEach(ids, "shopper profile", func(id string) (bool, error) {
			n, err := w.exec(ctx, `DELETE FROM shopper_profiles WHERE id = $1`, id)
			return n > 0, err
		})
		return err
	})
	if err != nil {
		return store.Deleted[string]{}, err
	}
	return out, nil
}

// customersWithProfile tells, for each of ids that is a customer, whether
// it has a shopper profile.
func (w *txn) customersWithProfile(ctx context.Context, ids []int64) (map[int64]bool, error) {
	rows, err := w.tx.Query(ctx, `SELECT c.id, p.id IS NOT NULL FROM customers c
LEFT JOIN shopper_profiles p ON p.customer_id = c.id
WHERE c.id = ANY($1::bigint[])`, distinct(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		var has bool
		if err := rows.Scan(&id, &has); err != nil {
			return nil, err
		}
		out[id] = has
	}
	return out, rows.Err()
}

// insertProfiles inserts new profiles in one statement.
func (w *txn) insertProfiles(ctx context.Context, ps []*store.ShopperProfile) error {
	if len(ps) == 0 {
		return nil
	}
	n := len(ps)
	ids, customers := make([]string, n), make([]int64, n)
	created, updated := make([]time.Time, n), make([]time.Time, n)
	for i, p := range ps {
		ids[i], customers[i], created[i], updated[i] = p.ID, p.CustomerID, p.CreatedAt, p.UpdatedAt
	}
	_, err := w.exec(ctx, `INSERT INTO shopper_profiles (id, customer_id, created_at, updated_at)
SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::timestamptz[])`,
		ids, customers, created, updated)
	return err
}
