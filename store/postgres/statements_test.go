package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/segql/segql/store"
	"github.com/segql/segql/store/postgres"
	"github.com/segql/segql/store/postgres/pgtest"
)

// TestBatchReadsPreparedOnce checks that a batch read sends one SQL text
// whatever the number of keys, and that pgx's statement cache prepares it
// once on the connection: the server holds one prepared statement of it
// after reads of 1 to 250 keys.
func TestBatchReadsPreparedOnce(t *testing.T) {
	ctx := t.Context()
	rec := &recorder{}
	var mode pgx.QueryExecMode
	s, err := postgres.OpenConfigured(ctx, pgtest.URL(t), postgres.Options{MaxConns: 1}, func(c *pgxpool.Config) {
		c.ConnConfig.Tracer = rec
		mode = c.ConnConfig.DefaultQueryExecMode
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if mode != pgx.QueryExecModeCacheStatement {
		t.Fatalf("query exec mode %v, want %v", mode, pgx.QueryExecModeCacheStatement)
	}
	uuids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("00000000-0000-7000-8000-%012d", i)
		}
		return out
	}
	ints := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i + 1)
		}
		return out
	}
	page := store.Page[string]{Limit: 10}
	for _, tc := range []struct {
		name string
		call func(ctx context.Context, n int) error
	}{
		{"CustomersByIDs", func(ctx context.Context, n int) error { return err1(s.CustomersByIDs(ctx, ints(n))) }},
		{"ShopperProfilesByCustomerIDs", func(ctx context.Context, n int) error {
			return err1(s.ShopperProfilesByCustomerIDs(ctx, ints(n)))
		}},
		{"SegmentsByIDs", func(ctx context.Context, n int) error { return err1(s.SegmentsByIDs(ctx, uuids(n))) }},
		{"ProfileSegmentIDs", func(ctx context.Context, n int) error { return err1(s.ProfileSegmentIDs(ctx, uuids(n))) }},
		{"ProfileSegmentPages", func(ctx context.Context, n int) error {
			return err1(s.ProfileSegmentPages(ctx, uuids(n), page))
		}},
		{"CountSegmentProfiles", func(ctx context.Context, n int) error { return err1(s.CountSegmentProfiles(ctx, uuids(n))) }},
		{"ListSegments/IDs", func(ctx context.Context, n int) error {
			return err1(s.ListSegments(ctx, store.SegmentFilter{IDs: uuids(n)}, page))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec.take()
			var sql string
			for _, n := range []int{1, 8, 50, 250} {
				if err := tc.call(ctx, n); err != nil {
					t.Fatal(err)
				}
				q := rec.take()
				if len(q) != 1 {
					t.Fatalf("%d keys: %d statements, want 1", n, len(q))
				}
				if sql == "" {
					sql = q[0].SQL
				} else if q[0].SQL != sql {
					t.Errorf("%d keys: SQL\n%s\nwant the one of 1 key\n%s", n, q[0].SQL, sql)
				}
			}
			var prepared int
			if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`, sql).Scan(&prepared); err != nil {
				t.Fatal(err)
			}
			rec.take()
			if prepared != 1 {
				t.Errorf("the server holds %d prepared statements of the read, want 1", prepared)
			}
		})
	}
}
