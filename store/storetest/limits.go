package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/segql/segql/store"
)

func limitTests() []test {
	return []test{
		{"Limits/Segments", testSegmentLimit},
		{"Limits/SegmentsPerProfile", testSegmentsPerProfileLimit},
	}
}

// importSegments imports n segments named prefix 0, prefix 1, ...
func importSegments(t *testing.T, s store.Store, prefix string, n int) []store.Segment {
	t.Helper()
	segs := make([]store.Segment, n)
	for i := range segs {
		segs[i] = store.Segment{ID: store.NewID(), Name: fmt.Sprintf("%s %d", prefix, i)}
	}
	mustImport(t, s, func(ctx context.Context, im store.Importer) error {
		for _, sg := range segs {
			if err := im.Segment(ctx, store.Pos{}, sg); err != nil {
				return err
			}
		}
		return nil
	})
	return segs
}

func testSegmentLimit(t *testing.T, s store.Store) {
	ctx := t.Context()
	segs := importSegments(t, s, "Bulk", store.MaxSegments-2)
	w, err := s.CreateSegments(ctx, []store.NewSegment{{Name: "One"}, {Name: "Bulk 3"}, {Name: "Two"}, {Name: "Three"}, {Name: "Four"}})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "create past the limit", w.Errors,
		wantErr{1, "name", store.CodeDuplicateName},
		wantErr{3, "", store.CodeLimitExceeded},
		wantErr{4, "", store.CodeLimitExceeded},
	)
	if len(w.Items) != 2 {
		t.Fatalf("created %d, want 2", len(w.Items))
	}
	if n := must(s.CountSegments(ctx, store.SegmentFilter{}))(t); n != store.MaxSegments {
		t.Fatalf("%d segments, want %d", n, store.MaxSegments)
	}

	// Import stops at the limit too, and rolls back.
	before := takeSnapshot(t, s)
	err = s.Import(ctx, func(im store.Importer) error {
		// Replacing a segment is no new segment.
		if err := im.Segment(ctx, store.Pos{}, store.Segment{ID: segs[0].ID, Name: "Bulk renamed"}); err != nil {
			return err
		}
		return im.Segment(ctx, store.Pos{}, store.Segment{ID: store.NewID(), Name: "One too many"})
	})
	if ue, ok := store.AsUserError(err); !ok || ue.Code != store.CodeLimitExceeded {
		t.Fatalf("import past the limit: %v, want LIMIT_EXCEEDED", err)
	}
	same(t, "import rolled back", takeSnapshot(t, s), before)

	// Deleting one makes room for one.
	d, err := s.DeleteSegments(ctx, []string{segs[1].ID})
	mustWrite(t, "delete", d.Errors, err)
	w, err = s.CreateSegments(ctx, []store.NewSegment{{Name: "Room"}, {Name: "No room"}})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "create after delete", w.Errors, wantErr{1, "", store.CodeLimitExceeded})
}

// testSegmentsPerProfileLimit fills one profile up to the limit. As long
// as a store holds no more segments than a profile may be in, the
// per-profile limit cannot be passed through the contract; backends test
// their LIMIT_EXCEEDED path with a lowered limit of their own.
func testSegmentsPerProfileLimit(t *testing.T, s store.Store) {
	ctx := t.Context()
	segs := importSegments(t, s, "Bulk", store.MaxSegmentsPerProfile)
	mustCustomers(t, s, 1)
	profile := store.ShopperProfile{ID: store.NewID(), CustomerID: 1}
	mustImport(t, s, func(ctx context.Context, im store.Importer) error {
		if err := im.ShopperProfile(ctx, store.Pos{}, profile); err != nil {
			return err
		}
		for _, sg := range segs[1:] {
			if err := im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: sg.ID, ProfileID: profile.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	// The last one through the mutation.
	c, err := s.AddSegmentMembers(ctx, segs[0].ID, []string{profile.ID})
	mustWrite(t, "add the last", c.Errors, err)
	same(t, "added", c.Changed, []string{profile.ID})
	same(t, "count", must(s.CountProfileSegments(ctx, []string{profile.ID}))(t), []int{store.MaxSegmentsPerProfile})
	ids := must(s.ProfileSegmentIDs(ctx, []string{profile.ID}))(t)[0]
	if len(ids) != store.MaxSegmentsPerProfile {
		t.Errorf("%d segment ids, want %d", len(ids), store.MaxSegmentsPerProfile)
	}
	pg := must(s.ProfileSegmentPages(ctx, []string{profile.ID}, store.Page[string]{Limit: 250}))(t)[0]
	if len(pg.Items) != 250 || !pg.More {
		t.Errorf("first page has %d segments, more %v", len(pg.Items), pg.More)
	}
	// At the limit, adding an existing membership is still no error.
	c, err = s.AddSegmentMembers(ctx, segs[7].ID, []string{profile.ID})
	mustWrite(t, "add again", c.Errors, err)
	same(t, "unchanged", c.Unchanged, []string{profile.ID})
}
