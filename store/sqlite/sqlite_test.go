package sqlite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/segql/segql/store"
	"github.com/segql/segql/store/storetest"
)

// open opens a store on a new file in the test's temporary directory.
func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "segql.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

// TestShared runs the two-process tests on two stores opened on one file.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		path := filepath.Join(t.TempDir(), "segql.db")
		open := func() store.Store {
			s, err := Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(), open()
	})
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "segql.db")
	s1, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s1.CreateSegments(ctx, []store.NewSegment{{Name: "Kept"}})
	if err != nil || len(w.Errors) > 0 {
		t.Fatal(err, w.Errors)
	}
	if err := s1.Migrate(ctx); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open again: %v", err)
	}
	defer s2.Close()
	v, err := s2.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != len(migrations()) {
		t.Errorf("schema version %d, want %d", v, len(migrations()))
	}
	var rows int
	if err := s2.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations()) {
		t.Errorf("%d migration rows, want %d", rows, len(migrations()))
	}
	got, err := s2.SegmentsByIDs(ctx, []string{w.Items[0].ID})
	if err != nil || got[0] == nil || got[0].Name != "Kept" {
		t.Errorf("data after reopening: %+v, %v", got, err)
	}
}

// TestConcurrentOpen opens one new file from several stores at once: the
// migration runs once and every Open succeeds.
func TestConcurrentOpen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "segql.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Open(ctx, path)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestPragmas checks the connection settings every pooled connection gets.
func TestPragmas(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	for _, tc := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
}

// TestSegmentsPerProfileLimit reaches the per-profile limit, which the
// equal store-wide segment limit hides from the contract suite, by
// lowering it.
func TestSegmentsPerProfileLimit(t *testing.T) {
	s := open(t)
	s.maxSegmentsPerProfile = 2
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

// TestOddPath opens a file whose name holds URI delimiters.
func TestOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?x=1#frag%20", "segql.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %s: %v", path, err)
	}
}
