package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/segql/segql/importer"
	"github.com/segql/segql/store"
	"github.com/segql/segql/store/postgres"
	"github.com/segql/segql/store/postgres/pgtest"
)

// These tests look at the tables directly, through a pool of their own, so
// that they check what an import wrote and nothing else of the store.

type importEnv struct {
	s  *postgres.Store
	db *pgxpool.Pool
}

func openImportEnv(t testing.TB) importEnv {
	t.Helper()
	u := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, u, postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	db, err := pgxpool.New(ctx, u)
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	// Registered after pgtest's cleanup, so they run before the schema goes.
	t.Cleanup(func() {
		db.Close()
		s.Close()
	})
	return importEnv{s: s, db: db}
}

// tableSums is, for each table, its row count and a digest of its rows.
func (e importEnv) tableSums(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"customers", "segments", "shopper_profiles", "memberships", "promotions", "promotion_segments"} {
		var n int
		var sum string
		q := `SELECT count(*), coalesce(md5(string_agg(r::text, ',' ORDER BY r::text)), '') FROM ` + table + ` r`
		if err := e.db.QueryRow(t.Context(), q).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		out[table] = fmt.Sprintf("%d rows, %s", n, sum)
	}
	return out
}

func (e importEnv) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e importEnv) mustImport(t testing.TB, fill func(ctx context.Context, im store.Importer) error) {
	t.Helper()
	ctx := context.Background()
	if err := e.s.Import(ctx, func(im store.Importer) error { return fill(ctx, im) }); err != nil {
		t.Fatalf("import: %v", err)
	}
}

func sameSums(t *testing.T, before, after map[string]string) {
	t.Helper()
	for table, b := range before {
		if after[table] != b {
			t.Errorf("%s changed: before %s, after %s", table, b, after[table])
		}
	}
}

func importCustomer(id int64) store.Customer {
	return store.Customer{ID: id, Email: fmt.Sprintf("c%d@example.com", id), FirstName: "First", LastName: fmt.Sprintf("Last%d", id)}
}

// uuidOf is a fixed, valid UUID for n.
func uuidOf(kind byte, n int) string {
	return fmt.Sprintf("0190c3b4-8a1e-7%03x-9a3e-%012x", kind, n)
}

func at(file string, line int) store.Pos { return store.Pos{File: file, Line: line} }

// wantRefused checks that err is a *store.RecordError at pos whose reason
// is a UserError with code, field and message.
func wantRefused(t *testing.T, err error, pos store.Pos, code store.Code, field, message string) {
	t.Helper()
	var re *store.RecordError
	if !errors.As(err, &re) {
		t.Fatalf("import = %v, want a *store.RecordError", err)
	}
	if re.Pos != pos {
		t.Errorf("refused at %v, want %v (%v)", re.Pos, pos, err)
	}
	ue, ok := store.AsUserError(err)
	if !ok {
		t.Fatalf("import = %v, want a user error", err)
	}
	if ue.Code != code || ue.Field != field || (message != "" && ue.Message != message) {
		t.Errorf("refused with %s %q %q, want %s %q %q", ue.Code, ue.Field, ue.Message, code, field, message)
	}
}

// TestImportRefusalNamesItsRecord refuses a record that only a batch check
// finds: the refusal surfaces at a later call (or at the end) and names the
// refused record's position, and the store keeps nothing of the import.
func TestImportRefusalNamesItsRecord(t *testing.T) {
	e := openImportEnv(t)
	// Customers 1-20 with profiles 1-10 and segments 0-9 to refer to.
	e.mustImport(t, func(ctx context.Context, im store.Importer) error {
		for i := 1; i <= 20; i++ {
			if err := im.Customer(ctx, at("seed", i), importCustomer(int64(i))); err != nil {
				return err
			}
		}
		for i := range 10 {
			if err := im.Segment(ctx, at("seed", i), store.Segment{ID: uuidOf(1, i), Name: fmt.Sprintf("Segment %d", i)}); err != nil {
				return err
			}
		}
		for i := 1; i <= 10; i++ {
			if err := im.ShopperProfile(ctx, at("seed", i), store.ShopperProfile{ID: uuidOf(2, i), CustomerID: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tc := range []struct {
		name    string
		n       int // records
		record  func(ctx context.Context, im store.Importer, i int, pos store.Pos) error
		refused int // the record refused, counted from 1
		code    store.Code
		field   string
		message string
	}{
		{"duplicate email in a full batch", 6000, func(ctx context.Context, im store.Importer, i int, pos store.Pos) error {
			c := importCustomer(int64(1000 + i))
			if i == 3 {
				c.Email = "C1001@example.com" // record 1's, in other letters
			}
			return im.Customer(ctx, pos, c)
		}, 3, store.CodeDuplicateEmail, "email", `customer 1001 has the email "C1001@example.com" already`},
		{"duplicate email in the last batch", 100, func(ctx context.Context, im store.Importer, i int, pos store.Pos) error {
			c := importCustomer(int64(1000 + i))
			if i == 40 {
				c.Email = "c7@example.com" // a stored customer's
			}
			return im.Customer(ctx, pos, c)
		}, 40, store.CodeDuplicateEmail, "email", `customer 7 has the email "c7@example.com" already`},
		{"second profile of a customer in the batch", 12, func(ctx context.Context, im store.Importer, i int, pos store.Pos) error {
			cid := int64(10 + i) // customers 11-20 have no profile
			switch i {
			case 11:
				cid = 11 // record 1's
			case 12:
				cid = 999 // unknown, but after the duplicate
			}
			return im.ShopperProfile(ctx, pos, store.ShopperProfile{ID: uuidOf(3, i), CustomerID: cid})
		}, 11, store.CodeDuplicateProfile, "customerId", "customer 11 has a shopper profile already"},
		{"profile of an unknown customer", 50, func(ctx context.Context, im store.Importer, i int, pos store.Pos) error {
			cid := int64(11)
			if i == 5 {
				cid = 999
			}
			// The same profile again and again: each repeat is written
			// before it, which the refusal at record 5 must survive.
			return im.ShopperProfile(ctx, pos, store.ShopperProfile{ID: uuidOf(3, 1), CustomerID: cid})
		}, 5, store.CodeNotFound, "customerId", "customer 999 does not exist"},
		{"profile of a customer with a stored profile", 30, func(ctx context.Context, im store.Importer, i int, pos store.Pos) error {
			cid := int64(10 + i) // 11-40: 21 and on are unknown, but later
			if i == 4 {
				cid = 2
			}
			return im.ShopperProfile(ctx, pos, store.ShopperProfile{ID: uuidOf(3, i), CustomerID: cid})
		}, 4, store.CodeDuplicateProfile, "customerId", "customer 2 has a shopper profile already"},
		{"membership of an unknown profile", 60000, func(ctx context.Context, im store.Importer, i int, pos store.Pos) error {
			m := store.Membership{SegmentID: uuidOf(1, i%10), ProfileID: uuidOf(2, 1+i%10)}
			if i == 7 {
				m.ProfileID = uuidOf(2, 77)
			}
			return im.Membership(ctx, pos, m)
		}, 7, store.CodeNotFound, "shopperProfileUuid", "shopper profile " + uuidOf(2, 77) + " does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.tableSums(t)
			ctx := t.Context()
			surfaced := 0 // the call that reported the refusal, 0 for Import
			err := e.s.Import(ctx, func(im store.Importer) error {
				for i := 1; i <= tc.n; i++ {
					if err := tc.record(ctx, im, i, at("records.jsonl", i)); err != nil {
						surfaced = i
						return err
					}
				}
				return nil
			})
			wantRefused(t, err, at("records.jsonl", tc.refused), tc.code, tc.field, tc.message)
			if surfaced == tc.refused {
				t.Errorf("refused by the record's own call: the test wants a batch check")
			}
			t.Logf("record %d refused at call %d (0: at the end): %v", tc.refused, surfaced, err)
			sameSums(t, before, e.tableSums(t))
		})
	}
}

// TestImportRefusalThroughImporter runs the JSONL importer: a refusal
// found in a later batch is reported as FILE:LINE of the refused line.
func TestImportRefusalThroughImporter(t *testing.T) {
	e := openImportEnv(t)
	dir := t.TempDir()
	var b strings.Builder
	for i := 1; i <= 5200; i++ {
		email := fmt.Sprintf("c%d@example.com", i)
		if i == 3 {
			email = "c1@example.com"
		}
		fmt.Fprintf(&b, `{"id": %d, "email": %q, "first_name": "F", "last_name": "L"}`+"\n", i, email)
	}
	if err := os.WriteFile(filepath.Join(dir, "customers.jsonl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := importer.Run(t.Context(), e.s, dir, nil)
	var le *importer.LineError
	if !errors.As(err, &le) || le.File != "customers.jsonl" || le.Line != 3 {
		t.Fatalf("import = %v, want customers.jsonl:3", err)
	}
	if want := `customers.jsonl:3: email: customer 1 has the email "c1@example.com" already`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if n := e.count(t, `SELECT count(*) FROM customers`); n != 0 {
		t.Errorf("%d customers after a failed import", n)
	}
}

// TestImportDeepRefusalRollsBack fails an import after 20,000 new
// customers and changes to every kind of record on a store that holds
// data: the store is left exactly as it was.
func TestImportDeepRefusalRollsBack(t *testing.T) {
	e := openImportEnv(t)
	e.mustImport(t, func(ctx context.Context, im store.Importer) error {
		for i := 1; i <= 1000; i++ {
			if err := im.Customer(ctx, store.Pos{}, importCustomer(int64(i))); err != nil {
				return err
			}
		}
		for i := range 5 {
			if err := im.Segment(ctx, store.Pos{}, store.Segment{ID: uuidOf(1, i), Name: fmt.Sprintf("S%d", i)}); err != nil {
				return err
			}
		}
		for i := 1; i <= 500; i++ {
			if err := im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: uuidOf(2, i), CustomerID: int64(i)}); err != nil {
				return err
			}
		}
		for i := 1; i <= 500; i++ {
			if err := im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: uuidOf(1, i%5), ProfileID: uuidOf(2, i)}); err != nil {
				return err
			}
		}
		return im.Promotion(ctx, store.Pos{}, importPromotion(1, uuidOf(1, 0)))
	})
	before := e.tableSums(t)
	good := func(ctx context.Context, im store.Importer) error {
		for i := 1; i <= 20000; i++ {
			if err := im.Customer(ctx, at("customers.jsonl", i), importCustomer(int64(10000+i))); err != nil {
				return err
			}
		}
		c := importCustomer(1)
		c.FirstName = "Changed"
		if err := im.Customer(ctx, store.Pos{}, c); err != nil {
			return err
		}
		if err := im.Segment(ctx, store.Pos{}, store.Segment{ID: uuidOf(1, 0), Name: "Renamed"}); err != nil {
			return err
		}
		if err := im.Segment(ctx, store.Pos{}, store.Segment{ID: uuidOf(1, 9), Name: "New"}); err != nil {
			return err
		}
		for i := 501; i <= 1000; i++ {
			if err := im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: uuidOf(2, i), CustomerID: int64(i)}); err != nil {
				return err
			}
		}
		for i := 1; i <= 1000; i++ {
			if err := im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: uuidOf(1, 9), ProfileID: uuidOf(2, i)}); err != nil {
				return err
			}
		}
		if err := im.Promotion(ctx, store.Pos{}, importPromotion(1, uuidOf(1, 9))); err != nil {
			return err
		}
		return im.Promotion(ctx, store.Pos{}, importPromotion(2, uuidOf(1, 1)))
	}
	errSource := errors.New("the source failed")
	for _, tc := range []struct {
		name string
		bad  func(ctx context.Context, im store.Importer) error
		want func(t *testing.T, err error)
	}{
		{"customer email taken", func(ctx context.Context, im store.Importer) error {
			c := importCustomer(50000)
			c.Email = "c999@example.com"
			return im.Customer(ctx, at("late.jsonl", 1), c)
		}, func(t *testing.T, err error) {
			wantRefused(t, err, at("late.jsonl", 1), store.CodeDuplicateEmail, "email", "")
		}},
		{"the source fails", func(context.Context, store.Importer) error { return errSource },
			func(t *testing.T, err error) {
				if !errors.Is(err, errSource) {
					t.Errorf("import = %v, want the source's error", err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			err := e.s.Import(ctx, func(im store.Importer) error {
				if err := good(ctx, im); err != nil {
					t.Errorf("good records refused: %v", err)
					return err
				}
				return tc.bad(ctx, im)
			})
			tc.want(t, err)
			sameSums(t, before, e.tableSums(t))
		})
	}
	// The good records alone go in.
	e.mustImport(t, good)
	if n := e.count(t, `SELECT count(*) FROM customers`); n != 21000 {
		t.Errorf("%d customers, want 21000", n)
	}
	if n := e.count(t, `SELECT count(*) FROM memberships`); n != 1500 {
		t.Errorf("%d memberships, want 1500", n)
	}
}

func importPromotion(id int64, segmentIDs ...string) store.Promotion {
	p := store.Promotion{
		ID: id, Name: fmt.Sprintf("Promotion %d", id), RedemptionType: store.RedemptionAutomatic,
		Status: store.StatusEnabled, StartsAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), CurrencyCode: "USD",
	}
	if len(segmentIDs) > 0 {
		p.Customer.Segments = &store.Condition{ID: segmentIDs}
	}
	return p
}

// TestImportInOrder checks that a batch takes effect as its records would
// one by one: a unique value given up by one record may be taken by a
// later one, not by an earlier one, and a repeated id replaces the record
// of the same batch.
func TestImportInOrder(t *testing.T) {
	e := openImportEnv(t)
	t0 := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	e.mustImport(t, func(ctx context.Context, im store.Importer) error {
		for i := int64(1); i <= 3; i++ {
			if err := im.Customer(ctx, store.Pos{}, importCustomer(i)); err != nil {
				return err
			}
		}
		return im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: uuidOf(2, 1), CustomerID: 1})
	})
	email := func(c store.Customer, e string) store.Customer { c.Email = e; return c }

	// Customer 1 gives up its email, then customer 4 takes it; customer 5
	// comes twice, the second time without timestamps; profile 1 moves to
	// customer 2 and a new profile takes customer 1.
	e.mustImport(t, func(ctx context.Context, im store.Importer) error {
		five := importCustomer(5)
		five.CreatedAt = t0
		return errors.Join(
			im.Customer(ctx, store.Pos{}, email(importCustomer(1), "moved@example.com")),
			im.Customer(ctx, store.Pos{}, email(importCustomer(4), "c1@example.com")),
			im.Customer(ctx, store.Pos{}, five),
			im.Customer(ctx, store.Pos{}, email(importCustomer(5), "five@example.com")),
			im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: uuidOf(2, 1), CustomerID: 2}),
			im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: uuidOf(2, 2), CustomerID: 1}),
		)
	})
	var got string
	if err := e.db.QueryRow(t.Context(), `SELECT string_agg(id || ':' || email_key, ' ' ORDER BY id) FROM customers`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "1:moved@example.com 2:c2@example.com 3:c3@example.com 4:c1@example.com 5:five@example.com"; got != want {
		t.Errorf("emails %s, want %s", got, want)
	}
	var created time.Time
	if err := e.db.QueryRow(t.Context(), `SELECT created_at FROM customers WHERE id = 5`).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if !created.Equal(t0) {
		t.Errorf("customer 5 created at %v, want %v, kept from its first record", created, t0)
	}
	if err := e.db.QueryRow(t.Context(), `SELECT string_agg(customer_id || ':' || id, ' ' ORDER BY customer_id) FROM shopper_profiles`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "1:" + uuidOf(2, 2) + " 2:" + uuidOf(2, 1); got != want {
		t.Errorf("profiles %s, want %s", got, want)
	}

	for _, tc := range []struct {
		name    string
		records func(ctx context.Context, im store.Importer) error
		pos     store.Pos
		code    store.Code
		field   string
		message string
	}{
		{"email taken before its holder gives it up", func(ctx context.Context, im store.Importer) error {
			return errors.Join(
				im.Customer(ctx, at("f", 1), email(importCustomer(6), "c3@example.com")),
				im.Customer(ctx, at("f", 2), email(importCustomer(3), "gone@example.com")),
			)
		}, at("f", 1), store.CodeDuplicateEmail, "email", `customer 3 has the email "c3@example.com" already`},
		{"two new customers with one email", func(ctx context.Context, im store.Importer) error {
			return errors.Join(
				im.Customer(ctx, at("f", 1), email(importCustomer(6), "same@example.com")),
				im.Customer(ctx, at("f", 2), importCustomer(7)),
				im.Customer(ctx, at("f", 3), email(importCustomer(8), "SAME@example.com")),
			)
		}, at("f", 3), store.CodeDuplicateEmail, "email", `customer 6 has the email "SAME@example.com" already`},
		{"email given up by a record then taken back by the stored one's id", func(ctx context.Context, im store.Importer) error {
			return errors.Join(
				im.Customer(ctx, at("f", 1), email(importCustomer(2), "new2@example.com")),
				im.Customer(ctx, at("f", 2), email(importCustomer(6), "c2@example.com")),
				im.Customer(ctx, at("f", 3), email(importCustomer(7), "new2@example.com")),
			)
		}, at("f", 3), store.CodeDuplicateEmail, "email", `customer 2 has the email "new2@example.com" already`},
		{"customer taken before its profile moves", func(ctx context.Context, im store.Importer) error {
			return errors.Join(
				im.ShopperProfile(ctx, at("f", 1), store.ShopperProfile{ID: uuidOf(2, 3), CustomerID: 2}),
				im.ShopperProfile(ctx, at("f", 2), store.ShopperProfile{ID: uuidOf(2, 1), CustomerID: 3}),
			)
		}, at("f", 1), store.CodeDuplicateProfile, "customerId", "customer 2 has a shopper profile already"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.tableSums(t)
			ctx := t.Context()
			err := e.s.Import(ctx, func(im store.Importer) error { return tc.records(ctx, im) })
			wantRefused(t, err, tc.pos, tc.code, tc.field, tc.message)
			sameSums(t, before, e.tableSums(t))
		})
	}
}

// TestImportPromotionSegments checks that a re-imported promotion's
// promotion_segments rows are replaced, and that it keeps its created_at.
func TestImportPromotionSegments(t *testing.T) {
	e := openImportEnv(t)
	t0 := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	e.mustImport(t, func(ctx context.Context, im store.Importer) error {
		for i := range 3 {
			if err := im.Segment(ctx, store.Pos{}, store.Segment{ID: uuidOf(1, i), Name: fmt.Sprintf("S%d", i)}); err != nil {
				return err
			}
		}
		p := importPromotion(1, uuidOf(1, 0), uuidOf(1, 1))
		p.CreatedAt = t0
		return errors.Join(im.Promotion(ctx, store.Pos{}, p), im.Promotion(ctx, store.Pos{}, importPromotion(2)))
	})
	e.mustImport(t, func(ctx context.Context, im store.Importer) error {
		p := importPromotion(1, uuidOf(1, 2))
		p.Customer.Segments = &store.Condition{Not: &store.Condition{ID: []string{uuidOf(1, 2), uuidOf(1, 1)}}}
		p.Name = "Renamed"
		return errors.Join(
			im.Promotion(ctx, store.Pos{}, importPromotion(1, uuidOf(1, 0))),
			im.Promotion(ctx, store.Pos{}, p), // the same id again: this one wins
			im.Promotion(ctx, store.Pos{}, importPromotion(2, uuidOf(1, 0))),
		)
	})
	var got string
	if err := e.db.QueryRow(t.Context(), `SELECT string_agg(promotion_id || ':' || segment_id, ' ' ORDER BY promotion_id, segment_id) FROM promotion_segments`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "1:" + uuidOf(1, 1) + " 1:" + uuidOf(1, 2) + " 2:" + uuidOf(1, 0); got != want {
		t.Errorf("promotion segments %s, want %s", got, want)
	}
	var name string
	var created time.Time
	if err := e.db.QueryRow(t.Context(), `SELECT name, created_at FROM promotions WHERE id = 1`).Scan(&name, &created); err != nil {
		t.Fatal(err)
	}
	if name != "Renamed" || !created.Equal(t0) {
		t.Errorf("promotion 1 is %q created at %v, want Renamed created at %v", name, created, t0)
	}
}

// TestImportSegmentsPerProfileLimit lowers the per-profile limit below the
// number of segments, where the import checks it in the database.
func TestImportSegmentsPerProfileLimit(t *testing.T) {
	e := openImportEnv(t)
	e.s.SetMaxSegmentsPerProfile(2)
	seg := func(i int) string { return uuidOf(1, i) }
	p1, p2 := uuidOf(2, 1), uuidOf(2, 2)
	e.mustImport(t, func(ctx context.Context, im store.Importer) error {
		errs := []error{
			im.Customer(ctx, store.Pos{}, importCustomer(1)),
			im.Customer(ctx, store.Pos{}, importCustomer(2)),
		}
		for i := range 4 {
			errs = append(errs, im.Segment(ctx, store.Pos{}, store.Segment{ID: seg(i), Name: fmt.Sprintf("S%d", i)}))
		}
		errs = append(errs,
			im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: p1, CustomerID: 1}),
			im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: p2, CustomerID: 2}),
			im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: seg(0), ProfileID: p1}),
		)
		return errors.Join(errs...)
	})
	member := func(i int, s, p string) func(ctx context.Context, im store.Importer) error {
		return func(ctx context.Context, im store.Importer) error {
			return im.Membership(ctx, at("m", i), store.Membership{SegmentID: s, ProfileID: p})
		}
	}
	for _, tc := range []struct {
		name    string
		records []func(ctx context.Context, im store.Importer) error
		pos     store.Pos // zero: accepted
		code    store.Code
		field   string
		message string
	}{
		{"up to the limit, with repeats", []func(context.Context, store.Importer) error{
			member(1, seg(0), p1), member(2, seg(1), p1), member(3, seg(1), p1), member(4, seg(0), p1),
			member(5, seg(2), p2),
		}, store.Pos{}, "", "", ""},
		{"past the limit", []func(context.Context, store.Importer) error{
			member(1, seg(0), p1), member(2, seg(3), p2), member(3, seg(1), p1), member(4, seg(3), p2),
			member(5, seg(0), p2),
		}, at("m", 5), store.CodeLimitExceeded, "", "shopper profile " + p2 + " is in 2 segments, the most one may be in"},
		{"an unknown profile before the limit", []func(context.Context, store.Importer) error{
			member(1, seg(3), p2), member(2, seg(1), uuidOf(2, 9)), member(3, seg(0), p2),
		}, at("m", 2), store.CodeNotFound, "shopperProfileUuid", "shopper profile " + uuidOf(2, 9) + " does not exist"},
		{"the limit before an unknown profile", []func(context.Context, store.Importer) error{
			member(1, seg(3), p2), member(2, seg(0), p2), member(3, seg(1), uuidOf(2, 9)),
		}, at("m", 2), store.CodeLimitExceeded, "", "shopper profile " + p2 + " is in 2 segments, the most one may be in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.tableSums(t)
			ctx := t.Context()
			err := e.s.Import(ctx, func(im store.Importer) error {
				for _, r := range tc.records {
					if err := r(ctx, im); err != nil {
						return err
					}
				}
				return nil
			})
			if tc.pos == (store.Pos{}) {
				if err != nil {
					t.Fatalf("import: %v", err)
				}
				return
			}
			wantRefused(t, err, tc.pos, tc.code, tc.field, tc.message)
			sameSums(t, before, e.tableSums(t))
		})
	}
	if n := e.count(t, `SELECT count(*) FROM memberships`); n != 3 {
		t.Errorf("%d memberships, want 3", n)
	}
}

// TestImportCancelled cancels the import's context while fill runs:
// Import fails with the context's error and writes nothing.
func TestImportCancelled(t *testing.T) {
	e := openImportEnv(t)
	before := e.tableSums(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var callErr error
	err := e.s.Import(ctx, func(im store.Importer) error {
		for i := 1; i <= 20000; i++ {
			if i == 12000 {
				cancel()
			}
			if callErr = im.Customer(ctx, store.Pos{}, importCustomer(int64(i))); callErr != nil {
				return callErr
			}
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(callErr, context.Canceled) {
		t.Errorf("import = %v, call = %v, want context.Canceled", err, callErr)
	}
	sameSums(t, before, e.tableSums(t))
}

// BenchmarkImportLarge imports, in one Import, 100,000 customers, 1000
// segments, 100,000 shopper profiles, 1,000,000 memberships (10 a
// profile) and 2000 promotions targeting segments, made as the import
// reads them, into an empty store. It reports the import's seconds and
// the largest heap in use while it ran.
//
//	SEGQL_TEST_POSTGRES=... go test ./store/postgres -run '^$' -bench ImportLarge -benchtime 1x
func BenchmarkImportLarge(b *testing.B) {
	const (
		customers  = 100_000
		segments   = 1000
		perProfile = 10
		promotions = 2000
	)
	for range b.N {
		b.StopTimer()
		e := openImportEnv(b)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		peak := sampleHeap()
		b.StartTimer()
		start := time.Now()
		ctx := context.Background()
		err := e.s.Import(ctx, func(im store.Importer) error {
			for i := 1; i <= customers; i++ {
				if err := im.Customer(ctx, at("customers.jsonl", i), importCustomer(int64(i))); err != nil {
					return err
				}
			}
			for i := range segments {
				s := store.Segment{ID: uuidOf(1, i), Name: fmt.Sprintf("Segment %d", i), Description: "made for the benchmark"}
				if err := im.Segment(ctx, at("segments.jsonl", i+1), s); err != nil {
					return err
				}
			}
			for i := 1; i <= customers; i++ {
				p := store.ShopperProfile{ID: uuidOf(2, i), CustomerID: int64(i)}
				if err := im.ShopperProfile(ctx, at("shopper_profiles.jsonl", i), p); err != nil {
					return err
				}
			}
			line := 0
			for i := 1; i <= customers; i++ {
				for j := range perProfile {
					line++
					m := store.Membership{SegmentID: uuidOf(1, (i*7+j*97)%segments), ProfileID: uuidOf(2, i)}
					if err := im.Membership(ctx, at("memberships.jsonl", line), m); err != nil {
						return err
					}
				}
			}
			for i := 1; i <= promotions; i++ {
				p := importPromotion(int64(i), uuidOf(1, i%segments), uuidOf(1, (i*13)%segments))
				if i%2 == 0 {
					p.Customer.Segments = &store.Condition{And: []store.Condition{
						{ID: []string{uuidOf(1, i%segments)}},
						{Not: &store.Condition{ID: []string{uuidOf(1, (i*31)%segments)}}},
					}}
				}
				if err := im.Promotion(ctx, at("promotions.jsonl", i), p); err != nil {
					return err
				}
			}
			return nil
		})
		elapsed := time.Since(start)
		b.StopTimer()
		heap := peak()
		if err != nil {
			b.Fatal(err)
		}
		if n := e.count(b, `SELECT count(*) FROM memberships`); n != customers*perProfile {
			b.Fatalf("%d memberships, want %d", n, customers*perProfile)
		}
		b.ReportMetric(elapsed.Seconds(), "import-s")
		b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(base.HeapInuse)/(1<<20), "base-heap-MiB")
		b.StartTimer()
	}
}

// sampleHeap samples HeapInuse every 20ms until the returned function is
// called, which stops the sampling and gives the largest value seen.
func sampleHeap() func() uint64 {
	var (
		mu   sync.Mutex
		peak uint64
	)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapInuse)
		mu.Unlock()
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		sample()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
