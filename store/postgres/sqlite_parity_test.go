package postgres_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segql/segql/store"
	"github.com/segql/segql/store/postgres/pgtest"
	"github.com/segql/segql/store/sqlite"
)

// TestOddKeysLikeSQLite feeds both backends keys no resolver sends (page
// bounds that are no canonical UUID, ids in capitals) and checks that they
// answer alike: SQLite compares such keys as text, and so must PostgreSQL.
func TestOddKeysLikeSQLite(t *testing.T) {
	ctx := t.Context()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "segql.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	stores := map[string]store.Store{"sqlite": lite, "postgres": pgtest.Open(t)}
	type answer struct {
		items []int // positions of the page's items among the store's segments
		more  bool
	}
	answers := map[string][]answer{}
	for name, s := range stores {
		w, err := s.CreateSegments(ctx, []store.NewSegment{{Name: "A"}, {Name: "B"}, {Name: "C"}})
		if err != nil || len(w.Errors) > 0 {
			t.Fatal(err, w.Errors)
		}
		ids := make([]string, len(w.Items))
		for i, sg := range w.Items {
			ids[i] = sg.ID // UUIDv7s, made in order: ascending
		}
		bounds := []string{"", "0", "00000000-0000-0000-0000-00000000000", "zzz", "G", "~",
			strings.ToUpper(ids[1]), ids[1] + "0", ids[1][:20], "\x00"}
		for _, b := range bounds {
			for _, p := range []store.Page[string]{
				{After: &b, Limit: 5}, {Before: &b, Limit: 5}, {After: &b, Limit: 1, Backward: true}, {Before: &b, Limit: 1, Backward: true},
			} {
				pg, err := s.ListSegments(ctx, store.SegmentFilter{}, p)
				if err != nil {
					t.Fatalf("%s: bound %q: %v", name, b, err)
				}
				a := answer{more: pg.More}
				for _, it := range pg.Items {
					for i, id := range ids {
						if id == it.ID {
							a.items = append(a.items, i)
						}
					}
				}
				answers[name] = append(answers[name], a)
			}
		}
		got, err := s.SegmentsByIDs(ctx, []string{strings.ToUpper(ids[0]), ids[0], " " + ids[0]})
		if err != nil {
			t.Fatal(err)
		}
		answers[name] = append(answers[name], answer{items: []int{boolInt(got[0] != nil), boolInt(got[1] != nil), boolInt(got[2] != nil)}})
		n, err := s.CountPromotions(ctx, store.PromotionFilter{TargetedSegment: strings.ToUpper(ids[0])})
		if err != nil {
			t.Fatal(err)
		}
		answers[name] = append(answers[name], answer{items: []int{n}})
	}
	if a, b := fmt.Sprint(answers["sqlite"]), fmt.Sprint(answers["postgres"]); a != b {
		t.Errorf("answers differ:\nsqlite   %s\npostgres %s", a, b)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
