// Package demo seeds a store with a deterministic demo data set: about 40
// segments, 3000 customers, their shopper profiles and memberships, and 36
// promotions that use every kind of customer targeting. It goes through
// Store.Import, so the data meets the same checks as any import.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/segql/segql/importer"
	"github.com/segql/segql/store"
)

// Sizes of the data set.
const (
	numCustomers          = 3000
	profileShare          = 0.9 // share of customers with a shopper profile
	maxSegmentsPerProfile = 8
)

// base is the fixed moment the customer, segment and profile timestamps
// are relative to. Promotion dates are relative to the day the demo is
// generated instead, so that the active promotions are active whenever it
// runs.
var base = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// Stats counts the records of the data set, as an import reports them.
type Stats = importer.Stats

// Data is the demo data set, each kind in the order it is imported.
type Data struct {
	Customers       []store.Customer
	Segments        []store.Segment
	ShopperProfiles []store.ShopperProfile
	Memberships     []store.Membership
	Promotions      []store.Promotion
}

// Stats counts the records of d.
func (d *Data) Stats() Stats {
	return Stats{
		Customers:       len(d.Customers),
		Segments:        len(d.Segments),
		ShopperProfiles: len(d.ShopperProfiles),
		Memberships:     len(d.Memberships),
		Promotions:      len(d.Promotions),
	}
}

// Generate builds the data set. Everything but the promotion dates is the
// same whenever it runs; the promotion dates are relative to the day of
// now (UTC), so the data set is the same all day long.
func Generate(now time.Time) *Data {
	rng := rand.New(rand.NewPCG(1, 2))
	today := now.UTC().Truncate(24 * time.Hour)
	d := &Data{}
	d.Segments = segments(rng)
	d.Customers = customers(rng)
	d.ShopperProfiles = shopperProfiles(rng, d.Customers)
	d.Memberships = memberships(rng, d.Customers, d.ShopperProfiles)
	d.Promotions = promotions(today, segmentIDsByName(d.Segments))
	return d
}

// Seed imports the data set into s in one transaction and reports what it
// wrote. Records are upserted by id, so seeding a store seeded before puts
// the demo records back as they were.
func Seed(ctx context.Context, s store.Store) (Stats, error) {
	d := Generate(time.Now())
	err := s.Import(ctx, func(imp store.Importer) error { return d.fill(ctx, imp) })
	if err != nil {
		return Stats{}, fmt.Errorf("seeding the demo data: %w", err)
	}
	return d.Stats(), nil
}

// fill writes the data set through an import.
func (d *Data) fill(ctx context.Context, imp store.Importer) error {
	for _, c := range d.Customers {
		if err := imp.Customer(ctx, store.Pos{}, c); err != nil {
			return fmt.Errorf("customer %d: %w", c.ID, err)
		}
	}
	for _, sg := range d.Segments {
		if err := imp.Segment(ctx, store.Pos{}, sg); err != nil {
			return fmt.Errorf("segment %q: %w", sg.Name, err)
		}
	}
	for _, p := range d.ShopperProfiles {
		if err := imp.ShopperProfile(ctx, store.Pos{}, p); err != nil {
			return fmt.Errorf("shopper profile %s: %w", p.ID, err)
		}
	}
	for _, m := range d.Memberships {
		if err := imp.Membership(ctx, store.Pos{}, m); err != nil {
			return fmt.Errorf("membership of %s in %s: %w", m.ProfileID, m.SegmentID, err)
		}
	}
	for _, p := range d.Promotions {
		if err := imp.Promotion(ctx, store.Pos{}, p); err != nil {
			return fmt.Errorf("promotion %d: %w", p.ID, err)
		}
	}
	return nil
}

// Empty reports whether s holds no segments and no customers, the store
// that `serve --demo` seeds.
func Empty(ctx context.Context, s store.Store) (bool, error) {
	segments, err := s.CountSegments(ctx, store.SegmentFilter{})
	if err != nil {
		return false, err
	}
	customers, err := s.CountCustomers(ctx, store.CustomerFilter{})
	if err != nil {
		return false, err
	}
	return segments == 0 && customers == 0, nil
}
