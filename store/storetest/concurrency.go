package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/segql/segql/store"
)

func concurrencyTests() []test {
	return []test{
		{"Concurrent/SameMembership", testConcurrentSameMembership},
		{"Concurrent/SameSegmentName", testConcurrentSameName},
		{"Concurrent/DeleteSegmentWhileAdding", testConcurrentDeleteSegmentAdd},
		{"Concurrent/DeleteProfileWhileAdding", testConcurrentDeleteProfileAdd},
		{"Concurrent/ManyWriters", testConcurrentManyWriters},
	}
}

// rounds is how many times each race is run: enough for both orders to
// turn up, few enough to stay quick under -race.
const rounds = 10

// together runs fns in goroutines released at the same moment and waits
// for them all.
func together(fns ...func()) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for _, fn := range fns {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			fn()
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

func testConcurrentSameMembership(t *testing.T, s store.Store) {
	ctx := t.Context()
	seg := mustSegments(t, s, "S")[0]
	ids := make([]int64, rounds)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	ps := mustProfiles(t, s, ids...)
	for _, p := range ps {
		var got [2]store.MembershipChange
		var errs [2]error
		together(
			func() { got[0], errs[0] = s.AddSegmentMembers(ctx, seg.ID, []string{p.ID}) },
			func() { got[1], errs[1] = s.AddSegmentMembers(ctx, seg.ID, []string{p.ID}) },
		)
		changed, unchanged := 0, 0
		for i := range got {
			if errs[i] != nil {
				t.Fatalf("add: %v", errs[i])
			}
			checkErrors(t, "add", got[i].Errors)
			changed += len(got[i].Changed)
			unchanged += len(got[i].Unchanged)
		}
		if changed != 1 || unchanged != 1 {
			t.Errorf("two adds of one membership: %+v and %+v, want one changed and one unchanged", got[0], got[1])
		}
	}
	same(t, "members", must(s.CountSegmentProfiles(ctx, []string{seg.ID}))(t), []int{rounds})
}

func testConcurrentSameName(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range rounds {
		var got [2]store.Written[*store.Segment]
		var errs [2]error
		together(
			func() { got[0], errs[0] = s.CreateSegments(ctx, []store.NewSegment{{Name: fmt.Sprintf("Race %d", i)}}) },
			func() { got[1], errs[1] = s.CreateSegments(ctx, []store.NewSegment{{Name: fmt.Sprintf("RACE %d", i)}}) },
		)
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("create: %v, %v", errs[0], errs[1])
		}
		created, dup := 0, 0
		for _, w := range got {
			created += len(w.Items)
			for _, e := range w.Errors {
				if e.Code == store.CodeDuplicateName && e.Index == 0 && e.Field == "name" {
					dup++
				}
			}
		}
		if created != 1 || dup != 1 {
			t.Errorf("two creates of one name: %+v and %+v, want one created and one DUPLICATE_NAME", got[0], got[1])
		}
	}
	if n := must(s.CountSegments(ctx, store.SegmentFilter{}))(t); n != rounds {
		t.Errorf("%d segments, want %d", n, rounds)
	}
}

// testConcurrentDeleteSegmentAdd races deleting a segment with adding a
// member to it: either the add comes first and the delete removes the
// membership, or the add finds no segment. Nothing else may happen.
func testConcurrentDeleteSegmentAdd(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := mustProfiles(t, s, 1)[0]
	for i := range rounds {
		seg := mustSegments(t, s, fmt.Sprintf("Doomed %d", i))[0]
		var del store.DeletedSegments
		var add store.MembershipChange
		var delErr, addErr error
		together(
			func() { del, delErr = s.DeleteSegments(ctx, []string{seg.ID}) },
			func() { add, addErr = s.AddSegmentMembers(ctx, seg.ID, []string{p.ID}) },
		)
		if delErr != nil || addErr != nil {
			t.Fatalf("delete: %v, add: %v", delErr, addErr)
		}
		mustWrite(t, "delete", del.Errors, nil)
		same(t, "deleted", del.IDs, []string{seg.ID})
		if add.SegmentFound {
			mustWrite(t, "add before the delete", add.Errors, nil)
			same(t, "added", add.Changed, []string{p.ID})
		} else {
			checkErrors(t, "add after the delete", add.Errors, wantErr{-1, "segmentUuid", store.CodeNotFound})
		}
		same(t, "segment", must(s.SegmentsByIDs(ctx, []string{seg.ID}))(t), []*store.Segment{nil})
		same(t, "members", must(s.CountSegmentProfiles(ctx, []string{seg.ID}))(t), []int{0})
		same(t, "profile's segments", must(s.ProfileSegmentIDs(ctx, []string{p.ID}))(t), [][]string{nil})
	}
}

// testConcurrentDeleteProfileAdd races deleting a profile with adding it to
// a segment: the add either comes first or finds no profile.
func testConcurrentDeleteProfileAdd(t *testing.T, s store.Store) {
	ctx := t.Context()
	seg := mustSegments(t, s, "S")[0]
	for i := range rounds {
		p := mustProfiles(t, s, int64(i+1))[0]
		var del store.Deleted[string]
		var add store.MembershipChange
		var delErr, addErr error
		together(
			func() { del, delErr = s.DeleteShopperProfiles(ctx, []string{p.ID}) },
			func() { add, addErr = s.AddSegmentMembers(ctx, seg.ID, []string{p.ID}) },
		)
		if delErr != nil || addErr != nil {
			t.Fatalf("delete: %v, add: %v", delErr, addErr)
		}
		mustWrite(t, "delete", del.Errors, nil)
		if len(add.Changed) == 1 {
			mustWrite(t, "add before the delete", add.Errors, nil)
		} else {
			checkErrors(t, "add after the delete", add.Errors, wantErr{0, "", store.CodeNotFound})
		}
		same(t, "members", must(s.CountSegmentProfiles(ctx, []string{seg.ID}))(t), []int{0})
		same(t, "profile", must(s.ShopperProfilesByIDs(ctx, []string{p.ID}))(t), []*store.ShopperProfile{nil})
	}
}

// testConcurrentManyWriters runs many writers at once: they take turns,
// none fails for the database being busy.
func testConcurrentManyWriters(t *testing.T, s store.Store) {
	ctx := t.Context()
	const writers, each = 8, 5
	ps := mustProfiles(t, s, 1, 2, 3)
	var errs [writers]error
	var fns []func()
	for w := range writers {
		fns = append(fns, func() {
			for i := range each {
				sw, err := s.CreateSegments(ctx, []store.NewSegment{{Name: fmt.Sprintf("W%d-%d", w, i)}})
				if err == nil && len(sw.Items) == 1 {
					_, err = s.AddSegmentMembers(ctx, sw.Items[0].ID, profileIDs(ps))
				}
				if err == nil {
					_, err = s.ListSegments(ctx, store.SegmentFilter{}, store.Page[string]{Limit: 10})
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	together(fns...)
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	same(t, "segments", must(s.CountSegments(ctx, store.SegmentFilter{}))(t), writers*each)
	same(t, "memberships", must(s.CountProfileSegments(ctx, profileIDs(ps)))(t), []int{writers * each, writers * each, writers * each})
}
