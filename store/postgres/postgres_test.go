package postgres_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/segql/segql/store"
	"github.com/segql/segql/store/postgres"
	"github.com/segql/segql/store/postgres/pgtest"
	"github.com/segql/segql/store/storetest"
)

func TestStore(t *testing.T) {
	pgtest.BaseURL(t) // skip once, not in every subtest
	storetest.Run(t, func(t *testing.T) store.Store { return pgtest.Open(t) })
}

// TestShared runs the two-process tests on two stores, each with a pool of
// its own, on one schema.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		u := pgtest.URL(t)
		open := func() store.Store {
			s, err := postgres.Open(t.Context(), u, postgres.Options{MaxConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(), open()
	})
}

// migrationRows reads schema_migrations: the versions and how often each
// is listed.
func migrationRows(t *testing.T, s *postgres.Store) map[int]int {
	t.Helper()
	rows, err := s.Pool().Query(t.Context(), `SELECT version, count(*) FROM schema_migrations GROUP BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]int{}
	for rows.Next() {
		var v, n int
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		out[v] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkMigrated checks that every version is listed once.
func checkMigrated(t *testing.T, s *postgres.Store) {
	t.Helper()
	got := migrationRows(t, s)
	if len(got) != postgres.Migrations() {
		t.Errorf("schema_migrations lists %v, want versions 1 to %d", got, postgres.Migrations())
	}
	for v := 1; v <= postgres.Migrations(); v++ {
		if got[v] != 1 {
			t.Errorf("version %d listed %d times, want once", v, got[v])
		}
	}
	v, err := s.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if v != postgres.Migrations() {
		t.Errorf("schema version %d, want %d", v, postgres.Migrations())
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	s1, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s1.CreateSegments(ctx, []store.NewSegment{{Name: "Kept"}})
	if err != nil || len(w.Errors) > 0 {
		t.Fatal(err, w.Errors)
	}
	for range 2 {
		if err := s1.Migrate(ctx); err != nil {
			t.Fatalf("migrate again: %v", err)
		}
	}
	checkMigrated(t, s1)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatalf("open again: %v", err)
	}
	defer s2.Close()
	checkMigrated(t, s2)
	got, err := s2.SegmentsByIDs(ctx, []string{w.Items[0].ID})
	if err != nil || got[0] == nil || got[0].Name != "Kept" {
		t.Errorf("data after reopening: %+v, %v", got, err)
	}
}

// TestConcurrentOpen opens one new schema from several stores at once:
// each migration step runs once and every Open succeeds.
func TestConcurrentOpen(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	const openers = 4
	stores := make(chan *postgres.Store, openers)
	errs := make(chan error, openers)
	start := make(chan struct{})
	for range openers {
		go func() {
			<-start
			s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 2})
			errs <- err
			stores <- s
		}()
	}
	close(start)
	var opened []*postgres.Store
	for range openers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		if s := <-stores; s != nil {
			opened = append(opened, s)
		}
	}
	if len(opened) == 0 {
		t.Fatal("no store opened")
	}
	checkMigrated(t, opened[0])
	for _, s := range opened {
		if err := s.Ping(ctx); err != nil {
			t.Error(err)
		}
		s.Close()
	}
}

// TestSchemasApart opens stores on two schemas of one database: each sees
// its own data, and neither waits for the other's write lock.
func TestSchemasApart(t *testing.T) {
	ctx := t.Context()
	a, b := pgtest.Open(t), pgtest.Open(t)
	if a.Schema() == b.Schema() {
		t.Fatalf("both stores in schema %s", a.Schema())
	}
	// Hold a's write lock in a transaction of its own.
	tx, err := a.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, postgres.WriteLockKey(a)); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	w, err := b.CreateSegments(wctx, []store.NewSegment{{Name: "Same name"}})
	if err != nil || len(w.Errors) > 0 {
		t.Fatalf("write to b while a is locked: %v %v", err, w.Errors)
	}
	// a's writers wait for the lock: a short deadline ends the wait.
	short, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	if _, err := a.CreateSegments(short, []store.NewSegment{{Name: "Same name"}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write to a while its lock is held: %v, want a deadline exceeded", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	w, err = a.CreateSegments(ctx, []store.NewSegment{{Name: "Same name"}})
	if err != nil || len(w.Errors) > 0 {
		t.Fatalf("write to a after the lock is released: %v %v", err, w.Errors)
	}
	for _, s := range []*postgres.Store{a, b} {
		if n, err := s.CountSegments(ctx, store.SegmentFilter{}); err != nil || n != 1 {
			t.Errorf("%s holds %d segments (%v), want 1", s.Schema(), n, err)
		}
	}
}

func showTimeout(t *testing.T, s *postgres.Store) string {
	t.Helper()
	var v string
	if err := s.Pool().QueryRow(t.Context(), `SHOW statement_timeout`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOptions(t *testing.T) {
	s := pgtest.OpenWith(t, postgres.Options{MaxConns: 3, StatementTimeout: 1500 * time.Millisecond})
	if got := s.Pool().Config().MaxConns; got != 3 {
		t.Errorf("MaxConns %d, want 3", got)
	}
	if got := showTimeout(t, s); got != "1500ms" {
		t.Errorf("statement_timeout %q, want 1500ms", got)
	}

	d := pgtest.OpenWith(t, postgres.Options{})
	if got, want := d.Pool().Config().MaxConns, int32(max(4, runtime.NumCPU())); got != want {
		t.Errorf("default MaxConns %d, want pgxpool's %d", got, want)
	}
	if got := showTimeout(t, d); got != "0" {
		t.Errorf("default statement_timeout %q, want 0", got)
	}
}

// TestStatementTimeout checks that the server enforces the timeout.
func TestStatementTimeout(t *testing.T) {
	s := pgtest.OpenWith(t, postgres.Options{StatementTimeout: 100 * time.Millisecond})
	_, err := s.Pool().Exec(t.Context(), `SELECT pg_sleep(2)`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" { // query_canceled
		t.Errorf("a statement past the timeout: %v, want query_canceled", err)
	}
}

func TestCancelledReads(t *testing.T) {
	s := pgtest.Open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, r := range reads(fixture{segments: []string{missingUUID}, profiles: []string{missingUUID}, customers: []int64{1}}) {
		err := r.call(ctx, s)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", r.name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "postgres: ") {
			t.Errorf("%s: error %q does not say where it came from", r.name, err)
		}
	}
}

// TestSegmentsPerProfileLimit reaches the per-profile limit, which the
// equal store-wide segment limit hides from the contract suite, by
// lowering it.
func TestSegmentsPerProfileLimit(t *testing.T) {
	s := pgtest.Open(t)
	s.SetMaxSegmentsPerProfile(2)
	ctx := t.Context()
	cw, err := s.UpsertCustomers(ctx, []store.Customer{{ID: 1, Email: "a@example.com", FirstName: "A", LastName: "B"}})
	if err != nil || len(cw.Errors) > 0 {
		t.Fatal(err, cw.Errors)
	}
	pw, err := s.CreateShopperProfiles(ctx, []int64{1})
	if err != nil || len(pw.Errors) > 0 {
		t.Fatal(err, pw.Errors)
	}
	p := pw.Items[0].ID
	sw, err := s.CreateSegments(ctx, []store.NewSegment{{Name: "A"}, {Name: "B"}, {Name: "C"}})
	if err != nil || len(sw.Errors) > 0 {
		t.Fatal(err, sw.Errors)
	}
	sg := sw.Items
	for _, seg := range sg[:2] {
		if c, err := s.AddSegmentMembers(ctx, seg.ID, []string{p}); err != nil || len(c.Changed) != 1 {
			t.Fatalf("add: %+v %v", c, err)
		}
	}
	c, err := s.AddSegmentMembers(ctx, sg[2].ID, []string{p})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Errors) != 1 || c.Errors[0].Code != store.CodeLimitExceeded || c.Errors[0].Index != 0 || len(c.Changed) != 0 {
		t.Errorf("add past the limit: %+v", c)
	}
	// At the limit an existing membership is still unchanged, not refused.
	c, err = s.AddSegmentMembers(ctx, sg[0].ID, []string{p})
	if err != nil || len(c.Errors) != 0 || len(c.Unchanged) != 1 {
		t.Errorf("add existing at the limit: %+v %v", c, err)
	}
	// Import obeys the same limit and rolls back.
	err = s.Import(ctx, func(im store.Importer) error {
		if err := im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: sg[0].ID, ProfileID: p}); err != nil {
			return err
		}
		return im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: sg[2].ID, ProfileID: p})
	})
	if ue, ok := store.AsUserError(err); !ok || ue.Code != store.CodeLimitExceeded {
		t.Errorf("import past the limit: %v", err)
	}
	n, err := s.CountProfileSegments(ctx, []string{p})
	if err != nil || n[0] != 2 {
		t.Errorf("profile in %v segments (%v), want 2", n, err)
	}
}

// TestOpenErrors checks what Open says about a URL it cannot use.
func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	if _, err := postgres.Open(ctx, "postgres://[bad", postgres.Options{}); err == nil {
		t.Error("Open accepted a malformed URL")
	}
	u, err := pgtest.WithSearchPath(pgtest.BaseURL(t), "segql_no_such_schema")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, u, postgres.Options{}); err == nil || !strings.Contains(err.Error(), "no schema") {
		t.Errorf("Open on a missing schema: %v, want no schema", err)
	}
}

// TestUnstorableText covers text PostgreSQL cannot hold (NUL characters,
// invalid UTF-8): written, it is refused item by item as INVALID_INPUT;
// in a filter it matches nothing.
func TestUnstorableText(t *testing.T) {
	s := pgtest.Open(t)
	ctx := t.Context()
	w, err := s.CreateSegments(ctx, []store.NewSegment{
		{Name: "a\x00b"}, {Name: "ok"}, {Name: "c", Description: "d\x00"}, {Name: "bad\xff"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.UserError{{Index: 0, Field: "name"}, {Index: 2, Field: "description"}, {Index: 3, Field: "name"}}
	if len(w.Items) != 1 || len(w.Errors) != len(want) {
		t.Fatalf("create: %+v", w)
	}
	for i, e := range w.Errors {
		if e.Index != want[i].Index || e.Field != want[i].Field || e.Code != store.CodeInvalidInput {
			t.Errorf("create error %d: %+v, want %+v INVALID_INPUT", i, e, want[i])
		}
	}
	u, err := s.UpdateSegments(ctx, []store.SegmentUpdate{{ID: w.Items[0].ID, Name: ptr("x\x00")}})
	if err != nil || len(u.Errors) != 1 || u.Errors[0].Field != "name" || u.Errors[0].Code != store.CodeInvalidInput {
		t.Errorf("update: %+v %v", u, err)
	}
	c, err := s.UpsertCustomers(ctx, []store.Customer{{ID: 1, Email: "a@example.com", FirstName: "A\x00", LastName: "B"}})
	if err != nil || len(c.Errors) != 1 || c.Errors[0].Field != "firstName" || c.Errors[0].Code != store.CodeInvalidInput {
		t.Errorf("upsert: %+v %v", c, err)
	}
	p, err := s.CreatePromotion(ctx, store.Promotion{
		ID: 1, Name: "P", DisplayName: "\xfe", RedemptionType: store.RedemptionAutomatic,
		Status: store.StatusEnabled, StartsAt: time.Now(), CurrencyCode: "USD",
	})
	if err != nil || len(p.Errors) != 1 || p.Errors[0].Field != "displayName" || p.Errors[0].Code != store.CodeInvalidInput {
		t.Errorf("create promotion: %+v %v", p, err)
	}
	page := store.Page[string]{Limit: 10}
	if pg, err := s.ListSegments(ctx, store.SegmentFilter{NameContains: "o\x00"}, page); err != nil || len(pg.Items) != 0 {
		t.Errorf("name filter with a NUL: %+v %v", pg, err)
	}
	if pg, err := s.ListSegments(ctx, store.SegmentFilter{NameContains: "O"}, page); err != nil || len(pg.Items) != 1 {
		t.Errorf("name filter: %+v %v", pg, err)
	}
	if n, err := s.CountCustomers(ctx, store.CustomerFilter{Emails: []string{"a\x00@example.com"}}); err != nil || n != 0 {
		t.Errorf("email filter with a NUL: %d %v", n, err)
	}
	if n, err := s.CountPromotions(ctx, store.PromotionFilter{Status: "\x00", RedemptionType: "\xff"}); err != nil || n != 0 {
		t.Errorf("status filter with a NUL: %d %v", n, err)
	}
}

func ptr[T any](v T) *T { return &v }
