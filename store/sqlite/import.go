package sqlite

import (
	"context"
	"time"

	"github.com/segql/segql/store"
)

// Import runs fill in one transaction. The first rejected record (a
// store.UserError, wrapped) or any error of fill rolls the whole import
// back. Records that name others (a profile its customer, a membership its
// segment and profile, a promotion its segments) must come after them.
func (s *Store) Import(ctx context.Context, fill func(store.Importer) error) error {
	return s.write(ctx, "import", func(w *txn) error {
		im := &importer{
			w:         w,
			segments:  map[string]bool{},
			profiles:  map[string]bool{},
			memberOf:  map[string]int{},
			nSegments: -1,
		}
		if err := fill(im); err != nil {
			return err
		}
		// A record was refused but fill carried on: the import still fails
		// whole rather than leave a partial load behind.
		return im.err
	})
}

// importer writes the records of one import. It remembers what it has
// learnt of the database (which segments and profiles exist, how many
// segments a profile is in), since nothing else writes while its
// transaction holds the write lock: a million memberships then cost a
// million inserts, not three million queries. It is not safe for
// concurrent use.
type importer struct {
	w         *txn
	segments  map[string]bool // known to exist
	profiles  map[string]bool // known to exist
	memberOf  map[string]int  // segments a profile is in, once counted
	nSegments int             // segments in the store, -1 until counted
	err       error           // the first record refused
}

// failed remembers the first error of a record.
func (im *importer) failed(err error) error {
	if err != nil && im.err == nil {
		im.err = err
	}
	return err
}

var _ store.Importer = (*importer)(nil)

// Customer upserts a customer, as UpsertCustomers does.
func (im *importer) Customer(ctx context.Context, _ store.Pos, c store.Customer) error {
	return im.failed(im.customer(ctx, c))
}

func (im *importer) customer(ctx context.Context, c store.Customer) error {
	_, ue, err := im.w.putCustomer(ctx, -1, c)
	return firstError(ue, err)
}

// Segment upserts a segment with the record's id and timestamps.
func (im *importer) Segment(ctx context.Context, _ store.Pos, s store.Segment) error {
	return im.failed(im.segment(ctx, s))
}

func (im *importer) segment(ctx context.Context, s store.Segment) error {
	w := im.w
	if !store.ValidUUID(s.ID) {
		return store.Reject(-1, "uuid", store.CodeInvalidInput, "%q is not a segment UUID", s.ID)
	}
	name, ue := store.CheckSegment(-1, s.Name, s.Description)
	if ue != nil {
		return *ue
	}
	owner, taken, err := w.segmentNamed(ctx, nameKey(name))
	if err != nil {
		return err
	}
	if taken && owner != s.ID {
		return store.Reject(-1, "name", store.CodeDuplicateName, "segment %s is named %q already", owner, name)
	}
	old, err := w.segment(ctx, s.ID)
	if err != nil {
		return err
	}
	if old == nil {
		if im.nSegments < 0 {
			if im.nSegments, err = w.segmentCount(ctx); err != nil {
				return err
			}
		}
		if im.nSegments >= w.s.maxSegments {
			return store.Reject(-1, "", store.CodeLimitExceeded, "a store holds at most %d segments", w.s.maxSegments)
		}
	}
	s.Name = name
	var oldCreated *time.Time
	if old != nil {
		oldCreated = &old.CreatedAt
	}
	s.CreatedAt, s.UpdatedAt = im.stamps(s.CreatedAt, s.UpdatedAt, oldCreated)
	if err := w.putSegment(ctx, &s); err != nil {
		return err
	}
	if old == nil {
		im.nSegments++
	}
	im.segments[s.ID] = true
	return nil
}

// ShopperProfile upserts a profile with the record's id and timestamps.
func (im *importer) ShopperProfile(ctx context.Context, _ store.Pos, p store.ShopperProfile) error {
	return im.failed(im.shopperProfile(ctx, p))
}

func (im *importer) shopperProfile(ctx context.Context, p store.ShopperProfile) error {
	w := im.w
	if !store.ValidUUID(p.ID) {
		return store.Reject(-1, "uuid", store.CodeInvalidInput, "%q is not a shopper profile UUID", p.ID)
	}
	ue, err := w.checkProfile(ctx, -1, &p)
	if err != nil || ue != nil {
		return firstError(ue, err)
	}
	var created int64
	found, err := w.one(ctx, `SELECT created_at FROM shopper_profiles WHERE id = ?`, []any{p.ID}, &created)
	if err != nil {
		return err
	}
	var oldCreated *time.Time
	if found {
		t := fromMicros(created)
		oldCreated = &t
	}
	p.CreatedAt, p.UpdatedAt = im.stamps(p.CreatedAt, p.UpdatedAt, oldCreated)
	if err := w.putProfile(ctx, &p); err != nil {
		return err
	}
	im.profiles[p.ID] = true
	if !found {
		im.memberOf[p.ID] = 0 // a new profile is in no segment: no need to count
	}
	return nil
}

// Membership puts a profile in a segment; one that is there already is
// left as it is. An import brings its own timestamps, so the profile's
// updated_at is not touched.
func (im *importer) Membership(ctx context.Context, _ store.Pos, m store.Membership) error {
	return im.failed(im.membership(ctx, m))
}

func (im *importer) membership(ctx context.Context, m store.Membership) error {
	w := im.w
	if !im.segments[m.SegmentID] {
		ue, err := w.checkSegmentRef(ctx, -1, "segmentUuid", m.SegmentID)
		if err != nil || ue != nil {
			return firstError(ue, err)
		}
		im.segments[m.SegmentID] = true
	}
	if !im.profiles[m.ProfileID] {
		if !store.ValidUUID(m.ProfileID) {
			return store.Reject(-1, "shopperProfileUuid", store.CodeInvalidInput, "%q is not a shopper profile UUID", m.ProfileID)
		}
		ok, err := w.profileExists(ctx, m.ProfileID)
		if err != nil {
			return err
		}
		if !ok {
			return store.Reject(-1, "shopperProfileUuid", store.CodeNotFound, "shopper profile %s does not exist", m.ProfileID)
		}
		im.profiles[m.ProfileID] = true
	}
	n, counted := im.memberOf[m.ProfileID]
	if !counted {
		var err error
		if n, err = w.profileSegmentCount(ctx, m.ProfileID); err != nil {
			return err
		}
	}
	if n >= w.s.maxSegmentsPerProfile {
		member, err := w.isMember(ctx, m.SegmentID, m.ProfileID)
		if err != nil || member {
			return err
		}
		return store.Reject(-1, "", store.CodeLimitExceeded, "shopper profile %s is in %d segments, the most one may be in", m.ProfileID, n)
	}
	added, err := w.exec(ctx, `INSERT INTO memberships (segment_id, profile_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, m.SegmentID, m.ProfileID)
	if err != nil {
		return err
	}
	im.memberOf[m.ProfileID] = n + int(added)
	return nil
}

// Promotion upserts a promotion with the record's id and timestamps.
func (im *importer) Promotion(ctx context.Context, _ store.Pos, p store.Promotion) error {
	return im.failed(im.promotion(ctx, p))
}

func (im *importer) promotion(ctx context.Context, p store.Promotion) error {
	w := im.w
	old, err := w.promotion(ctx, p.ID)
	if err != nil {
		return err
	}
	var oldCreated *time.Time
	if old != nil {
		oldCreated = &old.CreatedAt
	}
	p.CreatedAt, p.UpdatedAt = im.stamps(p.CreatedAt, p.UpdatedAt, oldCreated)
	_, ue, err := w.putPromotion(ctx, -1, p)
	return firstError(ue, err)
}

// stamps gives an imported record's timestamps: the record's own, else
// now, except that a record replacing an old one keeps its created_at.
func (im *importer) stamps(created, updated time.Time, oldCreated *time.Time) (time.Time, time.Time) {
	if created.IsZero() {
		created = im.w.now
		if oldCreated != nil {
			created = *oldCreated
		}
	}
	if updated.IsZero() {
		updated = im.w.now
	}
	return store.UTC(created), store.UTC(updated)
}

// firstError turns a rejection or a fault into the error an import stops on.
func firstError(ue *store.UserError, err error) error {
	if err != nil {
		return err
	}
	if ue != nil {
		return *ue
	}
	return nil
}
