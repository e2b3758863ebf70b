package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

func segmentWriteTests() []test {
	return []test{
		{"CreateSegments", testCreateSegments},
		{"UpdateSegments", testUpdateSegments},
		{"DeleteSegments", testDeleteSegments},
	}
}

func testCreateSegments(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustSegments(t, s, "Existing", "Été")
	before := store.UTC(time.Now())
	w, err := s.CreateSegments(ctx, []store.NewSegment{
		{Name: "  New One  ", Description: "first"}, // 0: written, name trimmed
		{Name: ""},                       // 1
		{Name: "   "},                    // 2
		{Name: strings.Repeat("x", 256)}, // 3
		{Name: "Long", Description: strings.Repeat("d", 1001)}, // 4
		{Name: "EXISTING"}, // 5
		{Name: "new one"},  // 6
		{Name: strings.Repeat("é", 255), Description: strings.Repeat("d", 1000)}, // 7: written, at the limits
		{Name: "ÉTÉ"},    // 8: case folded beyond ASCII
		{Name: "Other"},  // 9: written
		{Name: "OTHER "}, // 10
	})
	after := store.UTC(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "create", w.Errors,
		wantErr{1, "name", store.CodeInvalidInput},
		wantErr{2, "name", store.CodeInvalidInput},
		wantErr{3, "name", store.CodeInvalidInput},
		wantErr{4, "description", store.CodeInvalidInput},
		wantErr{5, "name", store.CodeDuplicateName},
		wantErr{6, "name", store.CodeDuplicateInput},
		wantErr{8, "name", store.CodeDuplicateName},
		wantErr{10, "name", store.CodeDuplicateInput},
	)
	if len(w.Items) != 3 {
		t.Fatalf("created %d segments, want 3: %+v", len(w.Items), w.Items)
	}
	wantNames := []string{"New One", strings.Repeat("é", 255), "Other"}
	wantDesc := []string{"first", strings.Repeat("d", 1000), ""}
	seen := map[string]bool{}
	for i, sg := range w.Items {
		if sg.Name != wantNames[i] || sg.Description != wantDesc[i] {
			t.Errorf("item %d = %q %q, want %q %q", i, sg.Name, short(sg.Description), wantNames[i], short(wantDesc[i]))
		}
		if !store.ValidUUID(sg.ID) || seen[sg.ID] {
			t.Errorf("item %d id %q is not a fresh UUID", i, sg.ID)
		}
		seen[sg.ID] = true
		if sg.CreatedAt.Before(before) || sg.CreatedAt.After(after) || !sg.UpdatedAt.Equal(sg.CreatedAt) {
			t.Errorf("item %d timestamps %v %v, want equal and between %v and %v", i, sg.CreatedAt, sg.UpdatedAt, before, after)
		}
	}
	same(t, "read back", must(s.SegmentsByIDs(ctx, segmentIDs(w.Items)))(t), w.Items)
	if n := must(s.CountSegments(ctx, store.SegmentFilter{}))(t); n != 5 {
		t.Errorf("%d segments, want 5", n)
	}

	w, err = s.CreateSegments(ctx, nil)
	mustWrite(t, "create nothing", w.Errors, err)
	if len(w.Items) != 0 {
		t.Errorf("created %d segments from nothing", len(w.Items))
	}
}

func short(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

func testUpdateSegments(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B", "C", "D", "E", "F", "G")
	a, b, c, d, e, f, g := sg[0], sg[1], sg[2], sg[3], sg[4], sg[5], sg[6]
	w, err := s.UpdateSegments(ctx, []store.SegmentUpdate{
		{ID: a.ID, Name: ptr("A renamed")},                                // 0: written
		{ID: "bad", Name: ptr("x")},                                       // 1
		{ID: missingUUID, Name: ptr("x")},                                 // 2
		{ID: b.ID, Name: ptr("c")},                                        // 3: C holds it
		{ID: b.ID, Description: ptr("new")},                               // 4: b seen already
		{ID: c.ID, Name: ptr("  c  ")},                                    // 5: written, its own name in another case
		{ID: a.ID, Description: ptr("again")},                             // 6
		{ID: d.ID, Name: ptr(" ")},                                        // 7
		{ID: e.ID, Description: ptr(strings.Repeat("x", 1001))},           // 8
		{ID: f.ID, Name: ptr("A RENAMED")},                                // 9: renamed to earlier in the call
		{ID: g.ID, Name: ptr("a"), Description: ptr("took A's old name")}, // 10: written, A left it
	})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "update", w.Errors,
		wantErr{1, "uuid", store.CodeInvalidInput},
		wantErr{2, "uuid", store.CodeNotFound},
		wantErr{3, "name", store.CodeDuplicateName},
		wantErr{4, "uuid", store.CodeDuplicateInput},
		wantErr{6, "uuid", store.CodeDuplicateInput},
		wantErr{7, "name", store.CodeInvalidInput},
		wantErr{8, "description", store.CodeInvalidInput},
		wantErr{9, "name", store.CodeDuplicateInput},
	)
	if len(w.Items) != 3 {
		t.Fatalf("updated %d segments, want 3: %+v", len(w.Items), w.Items)
	}
	for i, want := range []struct{ id, name, desc string }{
		{a.ID, "A renamed", a.Description},
		{c.ID, "c", c.Description},
		{g.ID, "a", "took A's old name"},
	} {
		got := w.Items[i]
		if got.ID != want.id || got.Name != want.name || got.Description != want.desc {
			t.Errorf("item %d = %+v, want %+v", i, got, want)
		}
	}
	for _, got := range w.Items {
		old := sg[0]
		for _, x := range sg {
			if x.ID == got.ID {
				old = x
			}
		}
		if !got.CreatedAt.Equal(old.CreatedAt) || !got.UpdatedAt.After(old.UpdatedAt) {
			t.Errorf("%s: created %v updated %v, want created %v and updated after %v", got.Name, got.CreatedAt, got.UpdatedAt, old.CreatedAt, old.UpdatedAt)
		}
	}
	want := []*store.Segment{w.Items[0], b, w.Items[1], d, e, f, w.Items[2]}
	same(t, "read back", must(s.SegmentsByIDs(ctx, segmentIDs(sg)))(t), want)
}

func testDeleteSegments(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "A", "B", "C")
	d, err := s.DeleteSegments(ctx, []string{sg[0].ID, "bad", missingUUID, sg[0].ID, sg[1].ID, ""})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "delete", d.Errors,
		wantErr{1, "", store.CodeInvalidInput},
		wantErr{2, "", store.CodeNotFound},
		wantErr{3, "", store.CodeDuplicateInput},
		wantErr{5, "", store.CodeInvalidInput},
	)
	same(t, "deleted", d.IDs, []string{sg[0].ID, sg[1].ID})
	same(t, "invalidated", d.InvalidatedPromotionIDs, []int64{})
	same(t, "read back", must(s.SegmentsByIDs(ctx, segmentIDs(sg)))(t), []*store.Segment{nil, nil, sg[2]})
	d, err = s.DeleteSegments(ctx, []string{sg[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, "delete again", d.Errors, wantErr{0, "", store.CodeNotFound})
	// The name of a deleted segment is free again.
	mustSegments(t, s, "a")
}
