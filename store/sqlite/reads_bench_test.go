package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

// benchFixture is a store filled for the read benchmarks: 2000 customers,
// each with a profile in 8 of 200 segments.
type benchFixture struct {
	s         *Store
	customers []int64
	profiles  []string
}

func filledForBench(b *testing.B) benchFixture {
	b.Helper()
	ctx := b.Context()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "segql.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const customers, segments, perProfile = 2000, 200, 8
	f := benchFixture{s: s}
	segID := func(i int) string { return fmt.Sprintf("00000000-0000-7000-8000-1%011d", i) }
	err = s.Import(ctx, func(im store.Importer) error {
		for i := range segments {
			if err := im.Segment(ctx, store.Pos{}, store.Segment{ID: segID(i), Name: fmt.Sprintf("Segment %03d", i), CreatedAt: base, UpdatedAt: base}); err != nil {
				return err
			}
		}
		for i := range customers {
			id := int64(i + 1)
			c := store.Customer{ID: id, Email: fmt.Sprintf("c%d@example.com", id), FirstName: "F", LastName: "L", CustomerGroupID: id % 5, CreatedAt: base, UpdatedAt: base}
			if err := im.Customer(ctx, store.Pos{}, c); err != nil {
				return err
			}
			p := store.ShopperProfile{ID: fmt.Sprintf("00000000-0000-7000-8000-2%011d", i), CustomerID: id, CreatedAt: base, UpdatedAt: base}
			if err := im.ShopperProfile(ctx, store.Pos{}, p); err != nil {
				return err
			}
			for k := range perProfile {
				m := store.Membership{SegmentID: segID((i + k*23) % segments), ProfileID: p.ID}
				if err := im.Membership(ctx, store.Pos{}, m); err != nil {
					return err
				}
			}
			f.customers = append(f.customers, id)
			f.profiles = append(f.profiles, p.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkBatchReads runs the storefront's batch reads with 1 to 250 keys:
// what a read costs beyond its rows (parsing and planning its statement)
// shows in the small batches.
func BenchmarkBatchReads(b *testing.B) {
	f := filledForBench(b)
	page := store.Page[string]{Limit: 50}
	reads := []struct {
		name string
		call func(b *testing.B, n int) error
	}{
		{"CustomersByIDs", func(b *testing.B, n int) error {
			_, err := f.s.CustomersByIDs(b.Context(), f.customers[:n])
			return err
		}},
		{"ShopperProfilesByCustomerIDs", func(b *testing.B, n int) error {
			_, err := f.s.ShopperProfilesByCustomerIDs(b.Context(), f.customers[:n])
			return err
		}},
		{"ProfileSegmentIDs", func(b *testing.B, n int) error {
			_, err := f.s.ProfileSegmentIDs(b.Context(), f.profiles[:n])
			return err
		}},
		{"ProfileSegmentPages", func(b *testing.B, n int) error {
			_, err := f.s.ProfileSegmentPages(b.Context(), f.profiles[:n], page)
			return err
		}},
	}
	for _, r := range reads {
		for _, n := range []int{1, 8, 50, 250} {
			b.Run(fmt.Sprintf("%s/keys=%d", r.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := r.call(b, n); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
