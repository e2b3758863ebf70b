package storetest

import (
	"context"
	"testing"

	"github.com/segql/segql/store"
)

func membershipTests() []test {
	return []test{
		{"AddSegmentMembers", testAddSegmentMembers},
		{"RemoveSegmentMembers", testRemoveSegmentMembers},
		{"SegmentMembers/UnknownSegment", testMembersUnknownSegment},
	}
}

func testAddSegmentMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	seg := mustSegments(t, s, "S")[0]
	ps := mustProfiles(t, s, 1, 2, 3, 4)
	mustAdd(t, s, seg.ID, ps[0])
	before := must(s.ShopperProfilesByIDs(ctx, profileIDs(ps)))(t)

	c, err := s.AddSegmentMembers(ctx, seg.ID, []string{ps[1].ID, "bad", missingUUID, ps[0].ID, ps[1].ID, ps[2].ID})
	if err != nil {
		t.Fatal(err)
	}
	if !c.SegmentFound {
		t.Error("SegmentFound false for an existing segment")
	}
	checkErrors(t, "add", c.Errors,
		wantErr{1, "", store.CodeInvalidInput},
		wantErr{2, "", store.CodeNotFound},
		wantErr{4, "", store.CodeDuplicateInput},
	)
	same(t, "changed", c.Changed, []string{ps[1].ID, ps[2].ID})
	same(t, "unchanged", c.Unchanged, []string{ps[0].ID})
	same(t, "members", pageKeys(t, s, seg.ID), sorted(profileIDs(ps[:3])))

	// Added profiles are touched, the others are not.
	after := must(s.ShopperProfilesByIDs(ctx, profileIDs(ps)))(t)
	for i, touched := range []bool{false, true, true, false} {
		if touched != after[i].UpdatedAt.After(before[i].UpdatedAt) {
			t.Errorf("profile %d updated_at %v -> %v, want touched %v", i, before[i].UpdatedAt, after[i].UpdatedAt, touched)
		}
		if !after[i].CreatedAt.Equal(before[i].CreatedAt) {
			t.Errorf("profile %d created_at changed", i)
		}
	}

	// Adding again changes nothing and is no error: a sync can be replayed.
	c, err = s.AddSegmentMembers(ctx, seg.ID, []string{ps[2].ID, ps[1].ID})
	mustWrite(t, "add again", c.Errors, err)
	same(t, "changed again", c.Changed, []string{})
	same(t, "unchanged again", c.Unchanged, []string{ps[2].ID, ps[1].ID})
	same(t, "not touched again", must(s.ShopperProfilesByIDs(ctx, profileIDs(ps)))(t), after)

	c, err = s.AddSegmentMembers(ctx, seg.ID, nil)
	mustWrite(t, "add nothing", c.Errors, err)
	if !c.SegmentFound || len(c.Changed)+len(c.Unchanged) != 0 {
		t.Errorf("add nothing = %+v", c)
	}
}

// pageKeys lists a segment's member ids.
func pageKeys(t *testing.T, s store.Store, segmentID string) []string {
	t.Helper()
	pages := must(s.SegmentProfilePages(t.Context(), []string{segmentID}, store.Page[string]{Limit: 250}))(t)
	return profileIDs(pages[0].Items)
}

func testRemoveSegmentMembers(t *testing.T, s store.Store) {
	ctx := t.Context()
	sg := mustSegments(t, s, "S", "T")
	seg := sg[0]
	ps := mustProfiles(t, s, 1, 2, 3, 4)
	mustAdd(t, s, seg.ID, ps[0], ps[1], ps[2])
	mustAdd(t, s, sg[1].ID, ps[1])
	before := must(s.ShopperProfilesByIDs(ctx, profileIDs(ps)))(t)

	c, err := s.RemoveSegmentMembers(ctx, seg.ID, []string{ps[1].ID, "bad", missingUUID, ps[3].ID, ps[1].ID, ps[2].ID})
	if err != nil {
		t.Fatal(err)
	}
	if !c.SegmentFound {
		t.Error("SegmentFound false for an existing segment")
	}
	checkErrors(t, "remove", c.Errors,
		wantErr{1, "", store.CodeInvalidInput},
		wantErr{2, "", store.CodeNotFound},
		wantErr{4, "", store.CodeDuplicateInput},
	)
	same(t, "changed", c.Changed, []string{ps[1].ID, ps[2].ID})
	same(t, "unchanged", c.Unchanged, []string{ps[3].ID})
	same(t, "members", pageKeys(t, s, seg.ID), []string{ps[0].ID})
	// The profiles stay, and keep their other segments.
	same(t, "other segment", pageKeys(t, s, sg[1].ID), []string{ps[1].ID})
	after := must(s.ShopperProfilesByIDs(ctx, profileIDs(ps)))(t)
	for i, touched := range []bool{false, true, true, false} {
		if after[i] == nil {
			t.Fatalf("profile %d gone", i)
		}
		if touched != after[i].UpdatedAt.After(before[i].UpdatedAt) {
			t.Errorf("profile %d updated_at %v -> %v, want touched %v", i, before[i].UpdatedAt, after[i].UpdatedAt, touched)
		}
	}

	c, err = s.RemoveSegmentMembers(ctx, seg.ID, []string{ps[1].ID})
	mustWrite(t, "remove again", c.Errors, err)
	same(t, "unchanged again", c.Unchanged, []string{ps[1].ID})
	same(t, "changed again", c.Changed, []string{})
}

func testMembersUnknownSegment(t *testing.T, s store.Store) {
	ctx := t.Context()
	seg := mustSegments(t, s, "S")[0]
	ps := mustProfiles(t, s, 1, 2)
	mustAdd(t, s, seg.ID, ps[0])
	before := takeSnapshot(t, s)
	for _, tc := range []struct {
		segment string
		code    store.Code
	}{
		{missingUUID, store.CodeNotFound},
		{"bad", store.CodeInvalidInput},
	} {
		for _, op := range []struct {
			name string
			call func(context.Context, string, []string) (store.MembershipChange, error)
		}{
			{"add", s.AddSegmentMembers},
			{"remove", s.RemoveSegmentMembers},
		} {
			c, err := op.call(ctx, tc.segment, []string{ps[0].ID, ps[1].ID, "bad"})
			if err != nil {
				t.Fatal(err)
			}
			if c.SegmentFound || len(c.Changed)+len(c.Unchanged) > 0 {
				t.Errorf("%s to %q = %+v, want segment not found and nothing else", op.name, tc.segment, c)
			}
			checkErrors(t, op.name+" to "+tc.segment, c.Errors, wantErr{-1, "segmentUuid", tc.code})
		}
	}
	same(t, "nothing written", takeSnapshot(t, s), before)
}
