package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/segql/segql/store"
)

// How many records of one kind an import holds before it writes them: the
// bound of its memory, whatever the size of its files. Memberships, the
// bulk of an import and three small columns each, go in larger batches.
const (
	impBatch           = 5000
	impMembershipBatch = 50000
)

// Import runs fill in one transaction, under the write lock every write
// takes. The first rejected record (a store.UserError, or a
// *store.RecordError carrying the record's position when it was found in a
// batch) or any error of fill rolls the whole import back. Records that
// name others (a profile its customer, a membership its segment and
// profile, a promotion its segments) must come after them.
//
// Records are checked as the mutations check them and take effect as if
// written one by one, in order, but they are written in batches of one
// kind: each batch is copied (COPY) into a temporary staging table, checked
// there with a few set-based queries that find the first refused record,
// then upserted with one INSERT ... SELECT. What can be checked without
// the database is checked at once, when the record is given; so are the
// references to segments, which the import keeps in memory (a store holds
// at most store.MaxSegments of them).
func (s *Store) Import(ctx context.Context, fill func(store.Importer) error) error {
	err := s.write(ctx, "import", func(tx pgx.Tx) error {
		im := &importer{
			s:            s,
			tx:           tx,
			now:          store.UTC(time.Now()),
			staged:       map[importKind]bool{},
			customerIDs:  map[int64]bool{},
			segmentIDs:   map[uuid.UUID]bool{},
			profileIDs:   map[uuid.UUID]bool{},
			promotionIDs: map[int64]bool{},
		}
		if err := fill(im); err != nil {
			return err
		}
		// A record was refused but fill carried on: the import still fails
		// whole rather than leave a partial load behind.
		if im.err != nil {
			return im.err
		}
		return im.flush(ctx)
	})
	if err != nil {
		return err
	}
	// Fresh statistics for the planner now, rather than whenever autovacuum
	// gets to it: until then it plans for the tables as they were before
	// the import. A failure here loses nothing, so it is not the import's.
	_, _ = s.pool.Exec(ctx, `ANALYZE customers, segments, shopper_profiles, memberships, promotions, promotion_segments`)
	return nil
}

// importKind is the kind of the records an importer holds.
type importKind int

const (
	impNone importKind = iota
	impCustomers
	impSegments
	impProfiles
	impMemberships
	impPromotions
)

// importer buffers the records of one import, one kind at a time, and
// writes them in batches. It is not safe for concurrent use.
type importer struct {
	s   *Store
	tx  pgx.Tx
	now time.Time // one "now" for every timestamp the import writes
	err error     // the first refused record or failure: every later call returns it

	kind   importKind          // the kind of the buffered records
	pos    []store.Pos         // where each buffered record came from
	staged map[importKind]bool // staging tables created

	// The buffers; only the one of kind is in use. The id sets hold the
	// ids buffered: a record whose id is buffered already has the buffer
	// written first, so that it replaces the earlier one as it would one
	// by one.
	customers    []store.Customer
	customerIDs  map[int64]bool
	segments     []importedSegment
	segmentIDs   map[uuid.UUID]bool
	profiles     []importedProfile
	profileIDs   map[uuid.UUID]bool
	memberships  []importedMembership
	promotions   []importedPromotion
	promotionIDs map[int64]bool

	// Every segment of the store as the import has it so far, records not
	// yet written included; nil until first needed.
	segs *impSegmentSet
}

type importedSegment struct {
	id                   uuid.UUID
	name, description    string
	createdAt, updatedAt time.Time
}

type importedProfile struct {
	id                   uuid.UUID
	customerID           int64
	createdAt, updatedAt time.Time
}

type importedMembership struct {
	segment, profile uuid.UUID
}

type importedPromotion struct {
	p          store.Promotion
	customer   []byte   // p.Customer as stored
	segmentIDs []string // the segments its condition names
}

// impSegmentSet is the store's segments: ids and name keys.
type impSegmentSet struct {
	keyOf  map[uuid.UUID]string // id -> name key
	holder map[string]uuid.UUID // name key -> id
}

var _ store.Importer = (*importer)(nil)

// start refuses a call after an earlier failure or once ctx has ended.
func (im *importer) start(ctx context.Context) error {
	if im.err != nil {
		return im.err
	}
	if err := ctx.Err(); err != nil {
		im.err = err
		return err
	}
	return nil
}

// refuse rejects the record of the current call: the caller gets the
// reason itself (it knows the record's position), later calls and Import
// the reason with the position.
func (im *importer) refuse(pos store.Pos, ue store.UserError) error {
	im.err = &store.RecordError{Pos: pos, Err: ue}
	return ue
}

// refuseBuffered rejects the buffered record i, found when its batch was
// checked, which may be after later calls.
func (im *importer) refuseBuffered(i int32, ue store.UserError) error {
	im.err = &store.RecordError{Pos: im.pos[i], Err: ue}
	return im.err
}

// fail remembers a failure of the database.
func (im *importer) fail(err error) error {
	if err != nil && im.err == nil {
		im.err = err
	}
	return err
}

// room makes room in the buffer for one record of kind k: it writes the
// buffer first when it holds another kind, is full or holds the record's
// id already (dup).
func (im *importer) room(ctx context.Context, k importKind, dup bool) error {
	limit := impBatch
	if k == impMemberships {
		limit = impMembershipBatch
	}
	if im.kind != k || dup || len(im.pos) >= limit {
		if err := im.flush(ctx); err != nil {
			return err
		}
		im.kind = k
	}
	return nil
}

// flush writes the buffered records and empties the buffer.
func (im *importer) flush(ctx context.Context) error {
	if len(im.pos) == 0 {
		return nil
	}
	var err error
	switch im.kind {
	case impCustomers:
		err = im.flushCustomers(ctx)
		im.customers = im.customers[:0]
		clear(im.customerIDs)
	case impSegments:
		err = im.flushSegments(ctx)
		im.segments = im.segments[:0]
		clear(im.segmentIDs)
	case impProfiles:
		err = im.flushProfiles(ctx)
		im.profiles = im.profiles[:0]
		clear(im.profileIDs)
	case impMemberships:
		err = im.flushMemberships(ctx)
		im.memberships = im.memberships[:0]
	case impPromotions:
		err = im.flushPromotions(ctx)
		im.promotions = im.promotions[:0]
		clear(im.promotionIDs)
	}
	im.pos = im.pos[:0]
	if err != nil {
		return im.fail(err)
	}
	return nil
}

// Staging tables, one for each kind, created in the import's transaction
// when first needed and dropped when it ends. ord is the record's place in
// the batch.
var impStaging = map[importKind]struct{ name, columns string }{
	impCustomers: {"segql_import_customers", `ord integer NOT NULL, id bigint NOT NULL, email text NOT NULL,
	email_key text NOT NULL, first_name text NOT NULL, last_name text NOT NULL, company text NOT NULL,
	phone text NOT NULL, customer_group_id bigint NOT NULL, order_count integer NOT NULL,
	channel_ids bigint[] NOT NULL, created_at timestamptz, updated_at timestamptz NOT NULL`},
	impSegments: {"segql_import_segments", `ord integer NOT NULL, id uuid NOT NULL, name text NOT NULL,
	name_key text NOT NULL, description text NOT NULL, created_at timestamptz, updated_at timestamptz NOT NULL`},
	impProfiles: {"segql_import_profiles", `ord integer NOT NULL, id uuid NOT NULL, customer_id bigint NOT NULL,
	created_at timestamptz, updated_at timestamptz NOT NULL`},
	impMemberships: {"segql_import_memberships", `ord integer NOT NULL, segment_id uuid NOT NULL, profile_id uuid NOT NULL`},
	impPromotions: {"segql_import_promotions", `ord integer NOT NULL, id bigint NOT NULL, name text NOT NULL,
	display_name text NOT NULL, redemption_type text NOT NULL, status text NOT NULL, starts_at timestamptz NOT NULL,
	ends_at timestamptz, channel_ids bigint[] NOT NULL, currency_code text NOT NULL, max_uses integer,
	current_uses integer NOT NULL, customer jsonb NOT NULL, segment_ids uuid[] NOT NULL,
	created_at timestamptz, updated_at timestamptz NOT NULL`},
}

// stage copies a batch into the staging table of kind k, created or
// emptied first. row gives the values of record i, ord first; it may
// reuse one slice.
func (im *importer) stage(ctx context.Context, k importKind, columns []string, n int, row func(i int) []any) error {
	t := impStaging[k]
	q := `TRUNCATE ` + t.name
	if !im.staged[k] {
		q = `CREATE TEMP TABLE ` + t.name + ` (` + t.columns + `) ON COMMIT DROP`
	}
	if _, err := im.tx.Exec(ctx, q); err != nil {
		return fmt.Errorf("stage: %w", err)
	}
	im.staged[k] = true
	copied, err := im.tx.CopyFrom(ctx, pgx.Identifier{t.name}, columns,
		pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil }))
	if err != nil {
		return fmt.Errorf("stage: copy: %w", err)
	}
	if copied != int64(n) {
		return fmt.Errorf("stage: copied %d rows of %d", copied, n)
	}
	return nil
}

// firstRefused runs a check query that answers the place in the batch of
// the first refused record and what it needs to say why (into dest), or no
// row.
func (im *importer) firstRefused(ctx context.Context, q string, args []any, dest ...any) (bool, error) {
	err := im.tx.QueryRow(ctx, q, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// impOrNull is a time, or NULL when it is zero.
func impOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.UTC(t)
}

// orNow is a time, or the import's now when it is zero.
func (im *importer) orNow(t time.Time) time.Time {
	if t.IsZero() {
		return im.now
	}
	return store.UTC(t)
}

// list copies a list of ids, empty rather than nil: the database's lists
// are never NULL.
func impIDList(ids []int64) []int64 {
	return append(make([]int64, 0, len(ids)), ids...)
}

// impParseUUID parses a UUID in the one text form store.ValidUUID accepts:
// 36 characters, lowercase, with hyphens.
func impParseUUID(s string) (uuid.UUID, bool) {
	if len(s) != 36 || strings.ContainsAny(s, "ABCDEF") {
		return uuid.UUID{}, false
	}
	u, err := uuid.Parse(s)
	return u, err == nil
}

// Customer upserts a customer, as UpsertCustomers does.
func (im *importer) Customer(ctx context.Context, pos store.Pos, c store.Customer) error {
	if err := im.start(ctx); err != nil {
		return err
	}
	if ue := store.CheckCustomer(-1, c); ue != nil {
		return im.refuse(pos, *ue)
	}
	if err := im.room(ctx, impCustomers, im.customerIDs[c.ID]); err != nil {
		return err
	}
	c.ChannelIDs = impIDList(c.ChannelIDs)
	im.customers = append(im.customers, c)
	im.customerIDs[c.ID] = true
	im.pos = append(im.pos, pos)
	return nil
}

var impCustomerColumns = []string{"ord", "id", "email", "email_key", "first_name", "last_name", "company", "phone",
	"customer_group_id", "order_count", "channel_ids", "created_at", "updated_at"}

// impCustomerRefused finds the first customer of the batch whose email
// another customer has at the time it comes (ids are unique in a batch):
// a customer of the batch before it, or one of the table that the batch
// has not given another email before it. It answers that customer's id.
const impCustomerRefused = `
SELECT ord, holder FROM (
	SELECT ord, first_value(id) OVER w AS holder, row_number() OVER w AS n
	FROM segql_import_customers WINDOW w AS (PARTITION BY email_key ORDER BY ord)
) same WHERE n > 1
UNION ALL
SELECT s.ord, c.id FROM segql_import_customers s
JOIN customers c ON c.email_key = s.email_key AND c.id <> s.id
LEFT JOIN segql_import_customers moved ON moved.id = c.id
WHERE moved.ord IS NULL OR moved.ord > s.ord
ORDER BY 1 LIMIT 1`

// The upserts insert in the batch's order, so that a record taking a name,
// an email or a customer that an earlier one gave up meets no unique key
// still held. A replaced record without a created_at keeps its own.
const impCustomerUpsert = `
INSERT INTO customers (id, email, email_key, first_name, last_name, company, phone,
	customer_group_id, order_count, channel_ids, created_at, updated_at)
SELECT s.id, s.email, s.email_key, s.first_name, s.last_name, s.company, s.phone,
	s.customer_group_id, s.order_count, s.channel_ids, coalesce(s.created_at, old.created_at, $1), s.updated_at
FROM segql_import_customers s LEFT JOIN customers old ON old.id = s.id
ORDER BY s.ord
ON CONFLICT (id) DO UPDATE SET email = excluded.email, email_key = excluded.email_key,
	first_name = excluded.first_name, last_name = excluded.last_name, company = excluded.company,
	phone = excluded.phone, customer_group_id = excluded.customer_group_id, order_count = excluded.order_count,
	channel_ids = excluded.channel_ids, created_at = excluded.created_at, updated_at = excluded.updated_at`

func (im *importer) flushCustomers(ctx context.Context) error {
	row := make([]any, len(impCustomerColumns))
	err := im.stage(ctx, impCustomers, impCustomerColumns, len(im.customers), func(i int) []any {
		c := &im.customers[i]
		row[0], row[1], row[2], row[3] = int32(i), c.ID, c.Email, strings.ToLower(c.Email)
		row[4], row[5], row[6], row[7] = c.FirstName, c.LastName, c.Company, c.Phone
		row[8], row[9], row[10] = c.CustomerGroupID, int32(c.OrderCount), c.ChannelIDs
		row[11], row[12] = impOrNull(c.CreatedAt), im.orNow(c.UpdatedAt)
		return row
	})
	if err != nil {
		return err
	}
	var ord int32
	var holder int64
	if found, err := im.firstRefused(ctx, impCustomerRefused, nil, &ord, &holder); err != nil || found {
		if err != nil {
			return fmt.Errorf("check customers: %w", err)
		}
		return im.refuseBuffered(ord, store.Reject(-1, "email", store.CodeDuplicateEmail,
			"customer %d has the email %q already", holder, im.customers[ord].Email))
	}
	if _, err := im.tx.Exec(ctx, impCustomerUpsert, im.now); err != nil {
		return fmt.Errorf("write customers: %w", err)
	}
	return nil
}

// segmentsSoFar reads the store's segments once; the import keeps the set up
// to date from then on.
func (im *importer) segmentsSoFar(ctx context.Context) (*impSegmentSet, error) {
	if im.segs != nil {
		return im.segs, nil
	}
	set := &impSegmentSet{keyOf: map[uuid.UUID]string{}, holder: map[string]uuid.UUID{}}
	rows, err := im.tx.Query(ctx, `SELECT id::text, name_key FROM segments`)
	if err != nil {
		return nil, im.fail(fmt.Errorf("read segments: %w", err))
	}
	var id, key string
	_, err = pgx.ForEachRow(rows, []any{&id, &key}, func() error {
		u, err := uuid.Parse(id)
		if err != nil {
			return err
		}
		set.keyOf[u], set.holder[key] = key, u
		return nil
	})
	if err != nil {
		return nil, im.fail(fmt.Errorf("read segments: %w", err))
	}
	im.segs = set
	return set, nil
}

// Segment upserts a segment with the record's id and timestamps. The
// store's segments are few, so it is checked at once against the import's
// own set of them.
func (im *importer) Segment(ctx context.Context, pos store.Pos, s store.Segment) error {
	if err := im.start(ctx); err != nil {
		return err
	}
	id, ok := impParseUUID(s.ID)
	if !ok {
		return im.refuse(pos, store.Reject(-1, "uuid", store.CodeInvalidInput, "%q is not a segment UUID", s.ID))
	}
	name, ue := store.CheckSegment(-1, s.Name, s.Description)
	if ue != nil {
		return im.refuse(pos, *ue)
	}
	set, err := im.segmentsSoFar(ctx)
	if err != nil {
		return err
	}
	key := strings.ToLower(name)
	if holder, taken := set.holder[key]; taken && holder != id {
		return im.refuse(pos, store.Reject(-1, "name", store.CodeDuplicateName, "segment %s is named %q already", holder, name))
	}
	oldKey, exists := set.keyOf[id]
	if !exists && len(set.keyOf) >= im.s.maxSegments {
		return im.refuse(pos, store.Reject(-1, "", store.CodeLimitExceeded, "a store holds at most %d segments", im.s.maxSegments))
	}
	if err := im.room(ctx, impSegments, im.segmentIDs[id]); err != nil {
		return err
	}
	if exists {
		delete(set.holder, oldKey)
	}
	set.keyOf[id], set.holder[key] = key, id
	im.segments = append(im.segments, importedSegment{id: id, name: name, description: s.Description,
		createdAt: s.CreatedAt, updatedAt: s.UpdatedAt})
	im.segmentIDs[id] = true
	im.pos = append(im.pos, pos)
	return nil
}

var impSegmentColumns = []string{"ord", "id", "name", "name_key", "description", "created_at", "updated_at"}

const impSegmentUpsert = `
INSERT INTO segments (id, name, name_key, description, created_at, updated_at)
SELECT s.id, s.name, s.name_key, s.description, coalesce(s.created_at, old.created_at, $1), s.updated_at
FROM segql_import_segments s LEFT JOIN segments old ON old.id = s.id
ORDER BY s.ord
ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
	description = excluded.description, created_at = excluded.created_at, updated_at = excluded.updated_at`

func (im *importer) flushSegments(ctx context.Context) error {
	row := make([]any, len(impSegmentColumns))
	err := im.stage(ctx, impSegments, impSegmentColumns, len(im.segments), func(i int) []any {
		s := &im.segments[i]
		row[0], row[1], row[2], row[3] = int32(i), [16]byte(s.id), s.name, strings.ToLower(s.name)
		row[4], row[5], row[6] = s.description, impOrNull(s.createdAt), im.orNow(s.updatedAt)
		return row
	})
	if err != nil {
		return err
	}
	if _, err := im.tx.Exec(ctx, impSegmentUpsert, im.now); err != nil {
		return fmt.Errorf("write segments: %w", err)
	}
	return nil
}

// ShopperProfile upserts a profile with the record's id and timestamps.
func (im *importer) ShopperProfile(ctx context.Context, pos store.Pos, p store.ShopperProfile) error {
	if err := im.start(ctx); err != nil {
		return err
	}
	id, ok := impParseUUID(p.ID)
	if !ok {
		return im.refuse(pos, store.Reject(-1, "uuid", store.CodeInvalidInput, "%q is not a shopper profile UUID", p.ID))
	}
	if err := im.room(ctx, impProfiles, im.profileIDs[id]); err != nil {
		return err
	}
	im.profiles = append(im.profiles, importedProfile{id: id, customerID: p.CustomerID,
		createdAt: p.CreatedAt, updatedAt: p.UpdatedAt})
	im.profileIDs[id] = true
	im.pos = append(im.pos, pos)
	return nil
}

var impProfileColumns = []string{"ord", "id", "customer_id", "created_at", "updated_at"}

// impProfileRefused finds the first profile of the batch whose customer does
// not exist (why 1) or has another profile at the time it comes (why 2):
// one of the batch before it, or one of the table that the batch has not
// moved to another customer before it.
const impProfileRefused = `
SELECT s.ord, 1 AS why FROM segql_import_profiles s
WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = s.customer_id)
UNION ALL
SELECT ord, 2 FROM (
	SELECT ord, row_number() OVER (PARTITION BY customer_id ORDER BY ord) AS n FROM segql_import_profiles
) same WHERE n > 1
UNION ALL
SELECT s.ord, 2 FROM segql_import_profiles s
JOIN shopper_profiles p ON p.customer_id = s.customer_id AND p.id <> s.id
LEFT JOIN segql_import_profiles moved ON moved.id = p.id
WHERE moved.ord IS NULL OR moved.ord > s.ord
ORDER BY 1, 2 LIMIT 1`

const impProfileUpsert = `
INSERT INTO shopper_profiles (id, customer_id, created_at, updated_at)
SELECT s.id, s.customer_id, coalesce(s.created_at, old.created_at, $1), s.updated_at
FROM segql_import_profiles s LEFT JOIN shopper_profiles old ON old.id = s.id
ORDER BY s.ord
ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id,
	created_at = excluded.created_at, updated_at = excluded.updated_at`

func (im *importer) flushProfiles(ctx context.Context) error {
	row := make([]any, len(impProfileColumns))
	err := im.stage(ctx, impProfiles, impProfileColumns, len(im.profiles), func(i int) []any {
		p := &im.profiles[i]
		row[0], row[1], row[2] = int32(i), [16]byte(p.id), p.customerID
		row[3], row[4] = impOrNull(p.createdAt), im.orNow(p.updatedAt)
		return row
	})
	if err != nil {
		return err
	}
	var ord, why int32
	if found, err := im.firstRefused(ctx, impProfileRefused, nil, &ord, &why); err != nil || found {
		if err != nil {
			return fmt.Errorf("check shopper profiles: %w", err)
		}
		cid := im.profiles[ord].customerID
		if why == 1 {
			return im.refuseBuffered(ord, store.Reject(-1, "customerId", store.CodeNotFound, "customer %d does not exist", cid))
		}
		return im.refuseBuffered(ord, store.Reject(-1, "customerId", store.CodeDuplicateProfile, "customer %d has a shopper profile already", cid))
	}
	if _, err := im.tx.Exec(ctx, impProfileUpsert, im.now); err != nil {
		return fmt.Errorf("write shopper profiles: %w", err)
	}
	return nil
}

// Membership puts a profile in a segment; one that is there already is
// left as it is. An import brings its own timestamps, so the profile's
// updated_at is not touched.
func (im *importer) Membership(ctx context.Context, pos store.Pos, m store.Membership) error {
	if err := im.start(ctx); err != nil {
		return err
	}
	seg, ok := impParseUUID(m.SegmentID)
	if !ok {
		return im.refuse(pos, store.Reject(-1, "segmentUuid", store.CodeInvalidInput, "%q is not a segment UUID", m.SegmentID))
	}
	set, err := im.segmentsSoFar(ctx)
	if err != nil {
		return err
	}
	if _, ok := set.keyOf[seg]; !ok {
		return im.refuse(pos, store.Reject(-1, "segmentUuid", store.CodeNotFound, "segment %s does not exist", m.SegmentID))
	}
	profile, ok := impParseUUID(m.ProfileID)
	if !ok {
		return im.refuse(pos, store.Reject(-1, "shopperProfileUuid", store.CodeInvalidInput, "%q is not a shopper profile UUID", m.ProfileID))
	}
	if err := im.room(ctx, impMemberships, false); err != nil {
		return err
	}
	im.memberships = append(im.memberships, importedMembership{segment: seg, profile: profile})
	im.pos = append(im.pos, pos)
	return nil
}

var impMembershipColumns = []string{"ord", "segment_id", "profile_id"}

// impMembershipInsert answers the first membership of the batch whose
// profile does not exist, if any (the import then rolls back), and when
// there is none writes the batch, in the order of the primary key.
const impMembershipInsert = `
WITH missing AS MATERIALIZED (
	SELECT s.ord FROM segql_import_memberships s
	WHERE NOT EXISTS (SELECT 1 FROM shopper_profiles p WHERE p.id = s.profile_id)
	ORDER BY s.ord LIMIT 1
), written AS (
	INSERT INTO memberships (segment_id, profile_id)
	SELECT segment_id, profile_id FROM segql_import_memberships
	WHERE NOT EXISTS (SELECT 1 FROM missing)
	ORDER BY segment_id, profile_id
	ON CONFLICT DO NOTHING
)
SELECT ord FROM missing`

// impMembershipMissingProfile answers the first membership whose profile
// does not exist.
const impMembershipMissingProfile = `
SELECT s.ord FROM segql_import_memberships s
WHERE NOT EXISTS (SELECT 1 FROM shopper_profiles p WHERE p.id = s.profile_id)
ORDER BY s.ord LIMIT 1`

// impMembershipOverLimit finds the first membership that would put a profile
// in more than $1 segments, and how many the profile is in at that time:
// a new one, the first of its pair in the batch, whose rank among the
// profile's new ones, added to the profile's count before the batch,
// passes the limit.
const impMembershipOverLimit = `
WITH new AS (
	SELECT DISTINCT ON (s.profile_id, s.segment_id) s.ord, s.profile_id
	FROM segql_import_memberships s
	WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.segment_id = s.segment_id AND m.profile_id = s.profile_id)
	ORDER BY s.profile_id, s.segment_id, s.ord
), ranked AS (
	SELECT ord, profile_id, row_number() OVER (PARTITION BY profile_id ORDER BY ord) AS k FROM new
), had AS (
	SELECT p.profile_id, (SELECT count(*) FROM memberships m WHERE m.profile_id = p.profile_id) AS n
	FROM (SELECT DISTINCT profile_id FROM new) p
)
SELECT r.ord, h.n + r.k - 1 FROM ranked r JOIN had h USING (profile_id)
WHERE h.n + r.k > $1
ORDER BY r.ord LIMIT 1`

const impMembershipInsertChecked = `
INSERT INTO memberships (segment_id, profile_id)
SELECT segment_id, profile_id FROM segql_import_memberships
ORDER BY segment_id, profile_id
ON CONFLICT DO NOTHING`

func (im *importer) flushMemberships(ctx context.Context) error {
	row := make([]any, len(impMembershipColumns))
	err := im.stage(ctx, impMemberships, impMembershipColumns, len(im.memberships), func(i int) []any {
		m := &im.memberships[i]
		row[0], row[1], row[2] = int32(i), [16]byte(m.segment), [16]byte(m.profile)
		return row
	})
	if err != nil {
		return err
	}
	missing := func(ord int32) error {
		return im.refuseBuffered(ord, store.Reject(-1, "shopperProfileUuid", store.CodeNotFound,
			"shopper profile %s does not exist", im.memberships[ord].profile))
	}
	// A profile is in at most as many segments as the store holds: while
	// that is no more than the limit, the limit needs no check, and the
	// batch is written and checked in one statement.
	if len(im.segs.keyOf) <= im.s.maxSegmentsPerProfile {
		var ord int32
		if found, err := im.firstRefused(ctx, impMembershipInsert, nil, &ord); err != nil || found {
			if err != nil {
				return fmt.Errorf("write memberships: %w", err)
			}
			return missing(ord)
		}
		return nil
	}
	var absent, over int32 = -1, -1
	if _, err := im.firstRefused(ctx, impMembershipMissingProfile, nil, &absent); err != nil {
		return fmt.Errorf("check memberships: %w", err)
	}
	var had int
	if _, err := im.firstRefused(ctx, impMembershipOverLimit, []any{im.s.maxSegmentsPerProfile}, &over, &had); err != nil {
		return fmt.Errorf("check memberships: %w", err)
	}
	switch {
	case absent >= 0 && (over < 0 || absent < over):
		return missing(absent)
	case over >= 0:
		return im.refuseBuffered(over, store.Reject(-1, "", store.CodeLimitExceeded,
			"shopper profile %s is in %d segments, the most one may be in", im.memberships[over].profile, had))
	}
	if _, err := im.tx.Exec(ctx, impMembershipInsertChecked); err != nil {
		return fmt.Errorf("write memberships: %w", err)
	}
	return nil
}

// Promotion upserts a promotion with the record's id and timestamps. It
// is checked at once: the segments it names are in the import's set.
func (im *importer) Promotion(ctx context.Context, pos store.Pos, p store.Promotion) error {
	if err := im.start(ctx); err != nil {
		return err
	}
	impNormalizePromotion(&p)
	if ue := store.CheckPromotion(-1, p); ue != nil {
		return im.refuse(pos, *ue)
	}
	var segmentIDs []string
	if p.Customer.Segments != nil {
		segmentIDs = p.Customer.Segments.SegmentIDs()
	}
	if len(segmentIDs) > 0 {
		set, err := im.segmentsSoFar(ctx)
		if err != nil {
			return err
		}
		for _, id := range segmentIDs {
			u, _ := impParseUUID(id) // CheckPromotion has checked the form
			if _, ok := set.keyOf[u]; !ok {
				return im.refuse(pos, store.Reject(-1, "customer.segments", store.CodeNotFound, "segment %s does not exist", id))
			}
		}
	}
	customer, err := json.Marshal(p.Customer)
	if err != nil {
		return im.fail(fmt.Errorf("encode targeting: %w", err))
	}
	if err := im.room(ctx, impPromotions, im.promotionIDs[p.ID]); err != nil {
		return err
	}
	p.Customer = store.Targeting{} // kept encoded
	im.promotions = append(im.promotions, importedPromotion{p: p, customer: customer, segmentIDs: segmentIDs})
	im.promotionIDs[p.ID] = true
	im.pos = append(im.pos, pos)
	return nil
}

// impNormalizePromotion gives a promotion the form it is stored in, on copies
// of its lists: times in UTC microseconds, empty lists as nil.
func impNormalizePromotion(p *store.Promotion) {
	p.StartsAt = store.UTC(p.StartsAt)
	if p.EndsAt != nil {
		t := store.UTC(*p.EndsAt)
		p.EndsAt = &t
	}
	if p.MaxUses != nil {
		n := *p.MaxUses
		p.MaxUses = &n
	}
	p.ChannelIDs = impIDList(p.ChannelIDs)
	nilIfEmpty := func(ids []int64) []int64 {
		if len(ids) == 0 {
			return nil
		}
		return append([]int64(nil), ids...)
	}
	p.Customer.GroupIDs = nilIfEmpty(p.Customer.GroupIDs)
	p.Customer.ExcludedGroupIDs = nilIfEmpty(p.Customer.ExcludedGroupIDs)
}

var impPromotionColumns = []string{"ord", "id", "name", "display_name", "redemption_type", "status", "starts_at",
	"ends_at", "channel_ids", "currency_code", "max_uses", "current_uses", "customer", "segment_ids",
	"created_at", "updated_at"}

const impPromotionUpsert = `
INSERT INTO promotions (id, name, display_name, redemption_type, status, starts_at, ends_at,
	channel_ids, currency_code, max_uses, current_uses, customer, created_at, updated_at)
SELECT s.id, s.name, s.display_name, s.redemption_type, s.status, s.starts_at, s.ends_at,
	s.channel_ids, s.currency_code, s.max_uses, s.current_uses, s.customer,
	coalesce(s.created_at, old.created_at, $1), s.updated_at
FROM segql_import_promotions s LEFT JOIN promotions old ON old.id = s.id
ORDER BY s.ord
ON CONFLICT (id) DO UPDATE SET name = excluded.name, display_name = excluded.display_name,
	redemption_type = excluded.redemption_type, status = excluded.status, starts_at = excluded.starts_at,
	ends_at = excluded.ends_at, channel_ids = excluded.channel_ids, currency_code = excluded.currency_code,
	max_uses = excluded.max_uses, current_uses = excluded.current_uses, customer = excluded.customer,
	created_at = excluded.created_at, updated_at = excluded.updated_at`

// impPromotionSegmentsDelete and impPromotionSegmentsInsert replace the
// promotion_segments rows of the batch's promotions with the segments
// their conditions name.
const (
	impPromotionSegmentsDelete = `
DELETE FROM promotion_segments WHERE promotion_id IN (SELECT id FROM segql_import_promotions)`
	impPromotionSegmentsInsert = `
INSERT INTO promotion_segments (promotion_id, segment_id)
SELECT s.id, u.segment_id FROM segql_import_promotions s, unnest(s.segment_ids) AS u (segment_id)`
)

func (im *importer) flushPromotions(ctx context.Context) error {
	row := make([]any, len(impPromotionColumns))
	err := im.stage(ctx, impPromotions, impPromotionColumns, len(im.promotions), func(i int) []any {
		ip := &im.promotions[i]
		p := &ip.p
		var ends, maxUses any
		if p.EndsAt != nil {
			ends = *p.EndsAt
		}
		if p.MaxUses != nil {
			maxUses = int32(*p.MaxUses)
		}
		segs := make([][16]byte, len(ip.segmentIDs))
		for j, id := range ip.segmentIDs {
			u, _ := impParseUUID(id)
			segs[j] = u
		}
		row[0], row[1], row[2], row[3] = int32(i), p.ID, p.Name, p.DisplayName
		row[4], row[5], row[6], row[7] = p.RedemptionType, p.Status, p.StartsAt, ends
		row[8], row[9], row[10], row[11] = p.ChannelIDs, p.CurrencyCode, maxUses, int32(p.CurrentUses)
		row[12], row[13] = string(ip.customer), segs
		row[14], row[15] = impOrNull(p.CreatedAt), im.orNow(p.UpdatedAt)
		return row
	})
	if err != nil {
		return err
	}
	if _, err := im.tx.Exec(ctx, impPromotionUpsert, im.now); err != nil {
		return fmt.Errorf("write promotions: %w", err)
	}
	for _, q := range []string{impPromotionSegmentsDelete, impPromotionSegmentsInsert} {
		if _, err := im.tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("write promotion segments: %w", err)
		}
	}
	return nil
}
