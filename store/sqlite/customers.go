package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/segql/segql/store"
)

// CustomersByIDs reads customers by id, in the order of ids.
func (s *Store) CustomersByIDs(ctx context.Context, ids []int64) ([]*store.Customer, error) {
	out, err := byIDs(ctx, s, customerCols, "customers", "id", ids, scanCustomer,
		func(c *store.Customer) int64 { return c.ID })
	if err != nil {
		return nil, fmt.Errorf("sqlite: customers by ids: %w", err)
	}
	return out, nil
}

func customerList(f store.CustomerFilter) list {
	l := list{cols: customerCols, from: "customers", key: "id"}
	if f.Emails != nil {
		keys := make([]string, len(f.Emails))
		for i, e := range f.Emails {
			keys[i] = nameKey(e)
		}
		l.where = append(l.where, inIDs("email_key"))
		l.args = append(l.args, jsonList(keys))
	}
	if f.CustomerGroupID != nil {
		l.where = append(l.where, "customer_group_id = ?")
		l.args = append(l.args, *f.CustomerGroupID)
	}
	return l
}

// ListCustomers reads one page of customers ordered by id.
func (s *Store) ListCustomers(ctx context.Context, f store.CustomerFilter, p store.Page[int64]) (store.PageOf[*store.Customer], error) {
	page, err := listPage(ctx, s, customerList(f), p, scanCustomer)
	if err != nil {
		return page, fmt.Errorf("sqlite: list customers: %w", err)
	}
	return page, nil
}

// CountCustomers counts the customers a filter lets through.
func (s *Store) CountCustomers(ctx context.Context, f store.CustomerFilter) (int, error) {
	n, err := count(ctx, s, customerList(f))
	if err != nil {
		return 0, fmt.Errorf("sqlite: count customers: %w", err)
	}
	return n, nil
}

// UpsertCustomers inserts customers or replaces them by id.
func (s *Store) UpsertCustomers(ctx context.Context, in []store.Customer) (store.Written[*store.Customer], error) {
	var out store.Written[*store.Customer]
	err := s.write(ctx, "upsert customers", func(w *txn) error {
		out = store.Written[*store.Customer]{}
		var rej rejections
		seen := map[int64]bool{}
		for i, c := range in {
			if c.ID > 0 && seen[c.ID] {
				rej.add(i, "customerId", store.CodeDuplicateInput, "customer %d appears earlier in this call", c.ID)
				continue
			}
			seen[c.ID] = true
			stored, ue, err := w.putCustomer(ctx, i, c)
			if err != nil {
				return err
			}
			if ue != nil {
				rej = append(rej, *ue)
				continue
			}
			out.Items = append(out.Items, stored)
		}
		out.Errors = rej
		return nil
	})
	if err != nil {
		return store.Written[*store.Customer]{}, err
	}
	return out, nil
}

// DeleteCustomers deletes customers and, by cascade, their profiles and
// memberships.
func (s *Store) DeleteCustomers(ctx context.Context, ids []int64) (store.Deleted[int64], error) {
	var out store.Deleted[int64]
	err := s.write(ctx, "delete customers", func(w *txn) error {
		var err error
		out, err = store.DeleteEach(ids, "customer", func(id int64) (bool, error) {
			n, err := w.exec(ctx, `DELETE FROM customers WHERE id = ?`, id)
			return n > 0, err
		})
		return err
	})
	if err != nil {
		return store.Deleted[int64]{}, err
	}
	return out, nil
}

// putCustomer checks a customer and inserts it or replaces the one with its
// id. Zero timestamps become now, except that a replaced customer keeps its
// created_at. It returns the customer as stored.
func (w *txn) putCustomer(ctx context.Context, index int, c store.Customer) (*store.Customer, *store.UserError, error) {
	if ue := store.CheckCustomer(index, c); ue != nil {
		return nil, ue, nil
	}
	key := strings.ToLower(c.Email)
	var owner int64
	taken, err := w.one(ctx, `SELECT id FROM customers WHERE email_key = ?`, []any{key}, &owner)
	if err != nil {
		return nil, nil, err
	}
	if taken && owner != c.ID {
		ue := store.Reject(index, "email", store.CodeDuplicateEmail, "customer %d has the email %q already", owner, c.Email)
		return nil, &ue, nil
	}
	keepCreated := c.CreatedAt.IsZero()
	if keepCreated {
		c.CreatedAt = w.now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = w.now
	}
	c.CreatedAt, c.UpdatedAt = store.UTC(c.CreatedAt), store.UTC(c.UpdatedAt)
	c.ChannelIDs = store.CopyIDs(c.ChannelIDs)
	var created int64
	if _, err := w.one(ctx, `INSERT INTO customers (id, email, email_key, first_name, last_name, company, phone,
	customer_group_id, order_count, channel_ids, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT (id) DO UPDATE SET email = excluded.email, email_key = excluded.email_key,
	first_name = excluded.first_name, last_name = excluded.last_name, company = excluded.company,
	phone = excluded.phone, customer_group_id = excluded.customer_group_id, order_count = excluded.order_count,
	channel_ids = excluded.channel_ids, updated_at = excluded.updated_at,
	created_at = CASE WHEN ?13 THEN customers.created_at ELSE excluded.created_at END
RETURNING created_at`,
		[]any{c.ID, c.Email, key, c.FirstName, c.LastName, c.Company, c.Phone, c.CustomerGroupID, c.OrderCount,
			jsonList(c.ChannelIDs), micros(c.CreatedAt), micros(c.UpdatedAt), keepCreated},
		&created); err != nil {
		return nil, nil, err
	}
	c.CreatedAt = fromMicros(created)
	return &c, nil, nil
}
