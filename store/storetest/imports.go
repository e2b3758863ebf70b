package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

func importTests() []test {
	return []test{
		{"Import", testImport},
		{"Import/Upsert", testImportUpsert},
		{"Import/RolledBack", testImportRolledBack},
	}
}

func testImport(t *testing.T, s store.Store) {
	ctx := t.Context()
	zone := time.FixedZone("Z", 2*3600)
	t0 := time.Date(2024, 6, 1, 12, 0, 0, 999999999, zone)
	c1 := customer(1)
	c1.CreatedAt, c1.UpdatedAt = t0, t0.Add(time.Hour)
	c2 := customer(2)
	segA := store.Segment{ID: store.NewID(), Name: " Alpha ", Description: "first", CreatedAt: t0, UpdatedAt: t0.Add(time.Minute)}
	segB := store.Segment{ID: store.NewID(), Name: "Beta"}
	p1 := store.ShopperProfile{ID: store.NewID(), CustomerID: 1, CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Minute)}
	p2 := store.ShopperProfile{ID: store.NewID(), CustomerID: 2}
	promo := promotion(7, anyOf(segA.ID, segB.ID))
	promo.CreatedAt, promo.UpdatedAt = t0, t0.Add(3*time.Minute)

	before := store.UTC(time.Now())
	mustImport(t, s, func(ctx context.Context, im store.Importer) error {
		return errors.Join(
			im.Customer(ctx, store.Pos{}, c1),
			im.Customer(ctx, store.Pos{}, c2),
			im.Segment(ctx, store.Pos{}, segA),
			im.Segment(ctx, store.Pos{}, segB),
			im.ShopperProfile(ctx, store.Pos{}, p1),
			im.ShopperProfile(ctx, store.Pos{}, p2),
			im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: segA.ID, ProfileID: p1.ID}),
			im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: segA.ID, ProfileID: p2.ID}),
			im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: segB.ID, ProfileID: p1.ID}),
			im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: segA.ID, ProfileID: p1.ID}), // again: nothing happens
			im.Promotion(ctx, store.Pos{}, promo),
		)
	})
	after := store.UTC(time.Now())
	now := func(what string, ts ...time.Time) {
		for _, x := range ts {
			if x.Before(before) || x.After(after) {
				t.Errorf("%s: zero timestamp became %v, want now", what, x)
			}
		}
	}

	cs := must(s.CustomersByIDs(ctx, []int64{1, 2}))(t)
	want1 := c1
	want1.CreatedAt, want1.UpdatedAt = store.UTC(t0), store.UTC(t0.Add(time.Hour))
	same(t, "customer 1", cs[0], &want1)
	now("customer 2", cs[1].CreatedAt, cs[1].UpdatedAt)

	sg := must(s.SegmentsByIDs(ctx, []string{segA.ID, segB.ID}))(t)
	wantA := segA
	wantA.Name, wantA.CreatedAt, wantA.UpdatedAt = "Alpha", store.UTC(t0), store.UTC(t0.Add(time.Minute))
	same(t, "segment A", sg[0], &wantA)
	now("segment B", sg[1].CreatedAt, sg[1].UpdatedAt)

	// Imported memberships keep the profiles' imported timestamps.
	ps := must(s.ShopperProfilesByIDs(ctx, []string{p1.ID, p2.ID}))(t)
	wantP1 := p1
	wantP1.CreatedAt, wantP1.UpdatedAt = store.UTC(t0), store.UTC(t0.Add(2*time.Minute))
	same(t, "profile 1", ps[0], &wantP1)
	now("profile 2", ps[1].CreatedAt, ps[1].UpdatedAt)

	same(t, "memberships", sortedEach(must(s.ProfileSegmentIDs(ctx, []string{p1.ID, p2.ID}))(t)),
		[][]string{sorted([]string{segA.ID, segB.ID}), {segA.ID}})
	same(t, "members of A", must(s.CountSegmentProfiles(ctx, []string{segA.ID}))(t), []int{2})

	pr := must(s.PromotionsByIDs(ctx, []int64{7}))(t)[0]
	wantPr := promo
	wantPr.CreatedAt, wantPr.UpdatedAt = store.UTC(t0), store.UTC(t0.Add(3*time.Minute))
	same(t, "promotion", pr, &wantPr)
	same(t, "reverse lookup", must(s.CountSegmentPromotions(ctx, []string{segA.ID, segB.ID}))(t), []int{1, 1})

	// An empty import is fine.
	mustImport(t, s, func(context.Context, store.Importer) error { return nil })
}

func testImportUpsert(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	seg := *w.segments[0]
	seg.Name, seg.Description, seg.CreatedAt, seg.UpdatedAt = "ALPHA", "renamed by import", time.Time{}, time.Time{}
	c := *w.customers[0]
	c.Email, c.FirstName, c.CreatedAt, c.UpdatedAt = "changed@example.com", "Imported", time.Time{}, time.Time{}
	p := *w.profiles[3] // customer 4's profile moves to customer 5
	p.CustomerID, p.CreatedAt, p.UpdatedAt = 5, time.Time{}, time.Time{}
	pr := *w.promotions[0]
	pr.Name, pr.Customer.Segments = "Reimported", anyOf(w.segments[2].ID)
	pr.CreatedAt, pr.UpdatedAt = time.Time{}, time.Time{}
	mustImport(t, s, func(ctx context.Context, im store.Importer) error {
		return errors.Join(
			im.Segment(ctx, store.Pos{}, seg),
			im.Customer(ctx, store.Pos{}, c),
			im.ShopperProfile(ctx, store.Pos{}, p),
			// Existing memberships are left as they are.
			im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: w.segments[0].ID, ProfileID: w.profiles[0].ID}),
			im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: w.segments[1].ID, ProfileID: w.profiles[3].ID}),
			im.Promotion(ctx, store.Pos{}, pr),
		)
	})
	gotSeg := must(s.SegmentsByIDs(ctx, []string{seg.ID}))(t)[0]
	if gotSeg.Name != "ALPHA" || gotSeg.Description != "renamed by import" || !gotSeg.CreatedAt.Equal(w.segments[0].CreatedAt) {
		t.Errorf("segment = %+v, want renamed with its created_at kept", gotSeg)
	}
	gotC := must(s.CustomersByIDs(ctx, []int64{1}))(t)[0]
	if gotC.Email != c.Email || gotC.FirstName != "Imported" || !gotC.CreatedAt.Equal(w.customers[0].CreatedAt) {
		t.Errorf("customer = %+v, want replaced with its created_at kept", gotC)
	}
	same(t, "profile by customer", must(s.ShopperProfilesByCustomerIDs(ctx, []int64{4, 5}))(t)[0], (*store.ShopperProfile)(nil))
	gotP := must(s.ShopperProfilesByCustomerIDs(ctx, []int64{5}))(t)[0]
	if gotP == nil || gotP.ID != p.ID || !gotP.CreatedAt.Equal(w.profiles[3].CreatedAt) {
		t.Errorf("profile of customer 5 = %+v, want %s with its created_at kept", gotP, p.ID)
	}
	same(t, "members", must(s.CountSegmentProfiles(ctx, segmentIDs(w.segments)))(t), []int{2, 3, 0})
	gotPr := must(s.PromotionsByIDs(ctx, []int64{pr.ID}))(t)[0]
	if gotPr.Name != "Reimported" || !gotPr.CreatedAt.Equal(w.promotions[0].CreatedAt) {
		t.Errorf("promotion = %+v, want replaced with its created_at kept", gotPr)
	}
	same(t, "reverse lookup", must(s.CountSegmentPromotions(ctx, segmentIDs(w.segments)))(t), []int{1, 1, 1})
}

var errFill = errors.New("the import's source failed")

func testImportRolledBack(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	alpha, gamma := w.segments[0], w.segments[2]
	fresh := store.Segment{ID: store.NewID(), Name: "Fresh"}
	freshProfile := store.ShopperProfile{ID: store.NewID(), CustomerID: 5}
	// good writes something of every kind before the bad record.
	good := func(ctx context.Context, im store.Importer) error {
		renamed := *w.customers[0]
		renamed.FirstName = "Changed"
		return errors.Join(
			im.Customer(ctx, store.Pos{}, customer(100)),
			im.Customer(ctx, store.Pos{}, renamed),
			im.Segment(ctx, store.Pos{}, fresh),
			im.Segment(ctx, store.Pos{}, store.Segment{ID: alpha.ID, Name: "Alpha renamed"}),
			im.ShopperProfile(ctx, store.Pos{}, freshProfile),
			im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: fresh.ID, ProfileID: freshProfile.ID}),
			im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: gamma.ID, ProfileID: w.profiles[0].ID}),
			im.Promotion(ctx, store.Pos{}, promotion(50, anyOf(fresh.ID))),
			im.Promotion(ctx, store.Pos{}, promotion(w.promotions[2].ID, anyOf(gamma.ID))),
		)
	}
	bad := func(p store.Promotion, f func(*store.Promotion)) store.Promotion { f(&p); return p }
	for _, tc := range []struct {
		name   string
		record func(ctx context.Context, im store.Importer) error
		code   store.Code // "" when the error is errFill
	}{
		{"customer invalid", func(ctx context.Context, im store.Importer) error {
			c := customer(101)
			c.Email = "nope"
			return im.Customer(ctx, store.Pos{}, c)
		}, store.CodeInvalidInput},
		{"customer email taken", func(ctx context.Context, im store.Importer) error {
			c := customer(101)
			c.Email = "CUSTOMER2@example.com"
			return im.Customer(ctx, store.Pos{}, c)
		}, store.CodeDuplicateEmail},
		{"segment id malformed", func(ctx context.Context, im store.Importer) error {
			return im.Segment(ctx, store.Pos{}, store.Segment{ID: "seg-1", Name: "X"})
		}, store.CodeInvalidInput},
		{"segment name invalid", func(ctx context.Context, im store.Importer) error {
			return im.Segment(ctx, store.Pos{}, store.Segment{ID: store.NewID(), Name: " "})
		}, store.CodeInvalidInput},
		{"segment name taken", func(ctx context.Context, im store.Importer) error {
			return im.Segment(ctx, store.Pos{}, store.Segment{ID: store.NewID(), Name: "BETA"})
		}, store.CodeDuplicateName},
		{"segment name taken in this import", func(ctx context.Context, im store.Importer) error {
			return im.Segment(ctx, store.Pos{}, store.Segment{ID: store.NewID(), Name: "fresh"})
		}, store.CodeDuplicateName},
		{"profile id malformed", func(ctx context.Context, im store.Importer) error {
			return im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: "p", CustomerID: 100})
		}, store.CodeInvalidInput},
		{"profile of unknown customer", func(ctx context.Context, im store.Importer) error {
			return im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: store.NewID(), CustomerID: 999})
		}, store.CodeNotFound},
		{"second profile of a customer", func(ctx context.Context, im store.Importer) error {
			return im.ShopperProfile(ctx, store.Pos{}, store.ShopperProfile{ID: store.NewID(), CustomerID: 1})
		}, store.CodeDuplicateProfile},
		{"membership of unknown segment", func(ctx context.Context, im store.Importer) error {
			return im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: missingUUID, ProfileID: w.profiles[0].ID})
		}, store.CodeNotFound},
		{"membership of malformed segment", func(ctx context.Context, im store.Importer) error {
			return im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: "s", ProfileID: w.profiles[0].ID})
		}, store.CodeInvalidInput},
		{"membership of unknown profile", func(ctx context.Context, im store.Importer) error {
			return im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: alpha.ID, ProfileID: missingUUID})
		}, store.CodeNotFound},
		{"membership of malformed profile", func(ctx context.Context, im store.Importer) error {
			return im.Membership(ctx, store.Pos{}, store.Membership{SegmentID: alpha.ID, ProfileID: "p"})
		}, store.CodeInvalidInput},
		{"promotion invalid", func(ctx context.Context, im store.Importer) error {
			return im.Promotion(ctx, store.Pos{}, bad(promotion(51, nil), func(p *store.Promotion) { p.CurrencyCode = "" }))
		}, store.CodeInvalidInput},
		{"promotion without id", func(ctx context.Context, im store.Importer) error {
			return im.Promotion(ctx, store.Pos{}, promotion(0, nil))
		}, store.CodeInvalidInput},
		{"promotion of unknown segment", func(ctx context.Context, im store.Importer) error {
			return im.Promotion(ctx, store.Pos{}, promotion(51, anyOf(alpha.ID, missingUUID)))
		}, store.CodeNotFound},
		{"source fails", func(context.Context, store.Importer) error { return errFill }, ""},
		{"rejection ignored by fill", func(ctx context.Context, im store.Importer) error {
			_ = im.Segment(ctx, store.Pos{}, store.Segment{ID: store.NewID(), Name: "Beta"})
			return nil
		}, store.CodeDuplicateName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			before := takeSnapshot(t, s)
			err := s.Import(ctx, func(im store.Importer) error {
				if err := good(ctx, im); err != nil {
					t.Errorf("good records rejected: %v", err)
					return err
				}
				return tc.record(ctx, im)
			})
			switch ue, ok := store.AsUserError(err); {
			case tc.code == "":
				if !errors.Is(err, errFill) {
					t.Errorf("import = %v, want the fill's error", err)
				}
			case !ok:
				t.Errorf("import = %v, want a user error %s", err, tc.code)
			case ue.Code != tc.code:
				t.Errorf("import = %v (%s), want %s", err, ue.Code, tc.code)
			}
			same(t, "store after a failed import", takeSnapshot(t, s), before)
		})
	}
	// The good records alone go in.
	mustImport(t, s, good)
	if got := must(s.SegmentsByIDs(t.Context(), []string{fresh.ID}))(t)[0]; got == nil {
		t.Error("good import did not write")
	}
}
