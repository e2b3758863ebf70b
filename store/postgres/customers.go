package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/segql/segql/store"
)

// CustomersByIDs reads customers by id, in the order of ids.
func (s *Store) CustomersByIDs(ctx context.Context, ids []int64) ([]*store.Customer, error) {
	out, err := byIDs(ctx, s, customerCols, "customers", "id", "bigint", ids, scanCustomer,
		func(c *store.Customer) int64 { return c.ID })
	if err != nil {
		return nil, fmt.Errorf("postgres: customers by ids: %w", err)
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
		keys = storableOnly(keys)
		l.where = append(l.where, "email_key = ANY("+l.args.add(keys)+"::text[])")
	}
	if f.CustomerGroupID != nil {
		l.where = append(l.where, "customer_group_id = "+l.args.add(*f.CustomerGroupID)+"::bigint")
	}
	return l
}

// ListCustomers reads one page of customers ordered by id.
func (s *Store) ListCustomers(ctx context.Context, f store.CustomerFilter, p store.Page[int64]) (store.PageOf[*store.Customer], error) {
	page, err := listPage(ctx, s, customerList(f), p, scanCustomer)
	if err != nil {
		return page, fmt.Errorf("postgres: list customers: %w", err)
	}
	return page, nil
}

// CountCustomers counts the customers a filter lets through.
func (s *Store) CountCustomers(ctx context.Context, f store.CustomerFilter) (int, error) {
	n, err := count(ctx, s, customerList(f))
	if err != nil {
		return 0, fmt.Errorf("postgres: count customers: %w", err)
	}
	return n, nil
}

// UpsertCustomers inserts customers or replaces them by id. The owners of
// the emails asked for, and the emails of the customers named, are read in
// one query first; the call keeps them up to date as its items are
// written, in order, so an email freed by an earlier item can be taken by
// a later one.
func (s *Store) UpsertCustomers(ctx context.Context, in []store.Customer) (store.Written[*store.Customer], error) {
	var out store.Written[*store.Customer]
	err := s.writeTxn(ctx, "upsert customers", func(w *txn) error {
		out = store.Written[*store.Customer]{}
		ids, keys := make([]int64, len(in)), make([]string, len(in))
		for i, c := range in {
			ids[i], keys[i] = c.ID, strings.ToLower(c.Email)
		}
		emails, err := w.customerEmails(ctx, ids, keys)
		if err != nil {
			return err
		}
		var rej rejections
		seen := map[int64]bool{}
		for i, c := range in {
			if c.ID > 0 && seen[c.ID] {
				rej.add(i, "customerId", store.CodeDuplicateInput, "customer %d appears earlier in this call", c.ID)
				continue
			}
			seen[c.ID] = true
			stored, ue, err := w.putCustomer(ctx, i, c, emails)
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
	err := s.writeTxn(ctx, "delete customers", func(w *txn) error {
		var err error
		out, err = store.DeleteEach(ids, "customer", func(id int64) (bool, error) {
			n, err := w.exec(ctx, `DELETE FROM customers WHERE id = $1`, id)
			return n > 0, err
		})
		return err
	})
	if err != nil {
		return store.Deleted[int64]{}, err
	}
	return out, nil
}

// emailIndex is what a call knows of the email keys it deals with: the
// owner of each key, and the key of each customer.
type emailIndex struct {
	owner map[string]int64
	key   map[int64]string
}

// customerEmails reads the customers holding any of keys or having any of
// ids, in one query.
func (w *txn) customerEmails(ctx context.Context, ids []int64, keys []string) (*emailIndex, error) {
	rows, err := w.tx.Query(ctx, `SELECT id, email_key FROM customers
WHERE id = ANY($1::bigint[]) OR email_key = ANY($2::text[])`, distinct(ids), distinct(storableOnly(keys)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ix := &emailIndex{owner: map[string]int64{}, key: map[int64]string{}}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		ix.owner[key], ix.key[id] = id, key
	}
	return ix, rows.Err()
}

// putCustomer checks a customer and inserts it or replaces the one with its
// id. Zero timestamps become now, except that a replaced customer keeps its
// created_at. It returns the customer as stored and records its email in
// emails.
func (w *txn) putCustomer(ctx context.Context, index int, c store.Customer, emails *emailIndex) (*store.Customer, *store.UserError, error) {
	ue := store.CheckCustomer(index, c)
	if ue != nil {
		return nil, ue, nil
	}
	key := strings.ToLower(c.Email)
	if owner, taken := emails.owner[key]; taken && owner != c.ID {
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
	if _, err := w.one(ctx, `INSERT INTO customers (id, email, email_key, first_name, last_name, company, phone,
	customer_group_id, order_count, channel_ids, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (id) DO UPDATE SET email = excluded.email, email_key = excluded.email_key,
	first_name = excluded.first_name, last_name = excluded.last_name, company = excluded.company,
	phone = excluded.phone, customer_group_id = excluded.customer_group_id, order_count = excluded.order_count,
	channel_ids = excluded.channel_ids, updated_at = excluded.updated_at,
	created_at = CASE WHEN $13::boolean THEN customers.created_at ELSE excluded.created_at END
RETURNING created_at`,
		[]any{c.ID, c.Email, key, c.FirstName, c.LastName, c.Company, c.Phone, c.CustomerGroupID, c.OrderCount,
			idList(c.ChannelIDs), c.CreatedAt, c.UpdatedAt, keepCreated},
		&c.CreatedAt); err != nil {
		return nil, nil, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	if old, ok := emails.key[c.ID]; ok && emails.owner[old] == c.ID {
		delete(emails.owner, old)
	}
	emails.owner[key], emails.key[c.ID] = c.ID, key
	return &c, nil, nil
}
