package sqlite

import (
	"fmt"
	"testing"

	"github.com/segql/segql/store"
)

// BenchmarkMembershipChange takes a profile out of one of its segments and
// puts it back: two write transactions of six small statements each, where
// preparing a statement costs about as much as running it.
func BenchmarkMembershipChange(b *testing.B) {
	f := filledForBench(b)
	ctx := b.Context()
	profile := f.profiles[0]
	segs, err := f.s.ProfileSegmentIDs(ctx, []string{profile})
	if err != nil {
		b.Fatal(err)
	}
	segment := segs[0][0]
	changed := func(c store.MembershipChange, err error) error {
		if err == nil && len(c.Changed) != 1 {
			err = fmt.Errorf("changed %v, errors %v", c.Changed, c.Errors)
		}
		return err
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := changed(f.s.RemoveSegmentMembers(ctx, segment, []string{profile})); err != nil {
			b.Fatal(err)
		}
		if err := changed(f.s.AddSegmentMembers(ctx, segment, []string{profile})); err != nil {
			b.Fatal(err)
		}
	}
}
