package main

// Loading the peer's tables: importer.Read reads and checks the import
// files as `segql import` does and hands each record to peerRows, which
// makes it a row of the peer's tables; peerCopier streams the rows into
// PostgreSQL with COPY, one table at a time, holding none of them.

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/segql/segql/importer"
	"github.com/segql/segql/store"
)

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

// peerTable is a table rows are copied into, and its columns in the order
// of the rows' values.
type peerTable struct {
	name string
	cols []string
}

// The tables of tables.sql that are copied into, and the staging table of
// the memberships: the import upserts, so a pair may come twice, and only
// distinct pairs go on into memberships.
var (
	peerCustomers = peerTable{"customers", []string{"id", "email", "first_name", "last_name", "company", "phone",
		"customer_group_id", "channel_ids", "date_created", "date_modified", "order_count"}}
	peerSegments         = peerTable{"segments", []string{"id", "name", "description", "created_at", "updated_at"}}
	peerProfiles         = peerTable{"shopper_profiles", []string{"id", "customer_id", "created_at", "updated_at"}}
	peerMembershipsStage = peerTable{"peer_memberships_stage", []string{"segment_id", "profile_id"}}
	peerPromotions       = peerTable{"promotions", []string{"id", "name", "display_name", "redemption_type", "status",
		"start_date", "end_date", "channel_ids", "currency_code", "max_uses", "current_uses", "customer", "created_at", "updated_at"}}
	peerPromotionSegments = peerTable{"promotion_segments", []string{"promotion_id", "segment_id"}}
)

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
	for _, name := range importer.FileNames() {
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
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE `+peerMembershipsStage.name+` (segment_id uuid NOT NULL, profile_id uuid NOT NULL) ON COMMIT DROP`); err != nil {
		return err
	}

	copier := &peerCopier{tx: tx, counts: map[string]int64{}}
	rows := &peerRows{put: copier.put}
	_, err = importer.Read(ctx, dir, rows, nil)
	if cerr := copier.end(err); err == nil {
		err = cerr
	}
	var copyErr *peerCopyError
	if errors.As(err, &copyErr) {
		return copyErr // the table's, not that of the line it came up at
	} else if err != nil {
		return err
	}

	tag, err := tx.Exec(ctx, `INSERT INTO memberships (segment_id, profile_id) SELECT DISTINCT segment_id, profile_id FROM `+peerMembershipsStage.name)
	if err != nil {
		return err
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{peerPromotionSegments.name}, peerPromotionSegments.cols, pgx.CopyFromRows(rows.links))
	if err != nil {
		return fmt.Errorf("promotion_segments: %w", err)
	}
	counts := [6]int64{copier.counts[peerCustomers.name], copier.counts[peerSegments.name], copier.counts[peerProfiles.name],
		tag.RowsAffected(), copier.counts[peerPromotions.name], n}
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

// peerRows is the store.Importer the peer loads through: it makes each
// record the row of its table, hands the row to put, and keeps the
// promotion_segments rows, derived from each promotion's segment
// condition, to be copied last.
type peerRows struct {
	put   func(ctx context.Context, t *peerTable, row []any) error
	links [][]any // promotion_segments: promotion id, segment UUID
}

func (r *peerRows) Customer(ctx context.Context, _ store.Pos, c store.Customer) error {
	channels := c.ChannelIDs
	if channels == nil {
		channels = []int64{}
	}
	return r.put(ctx, &peerCustomers, []any{c.ID, c.Email, c.FirstName, c.LastName, c.Company, c.Phone,
		c.CustomerGroupID, channels, peerTime(c.CreatedAt), peerTime(c.UpdatedAt), c.OrderCount})
}

func (r *peerRows) Segment(ctx context.Context, _ store.Pos, s store.Segment) error {
	id, err := peerUUID("id", s.ID)
	if err != nil {
		return err
	}
	return r.put(ctx, &peerSegments, []any{id, s.Name, s.Description, peerTime(s.CreatedAt), peerTime(s.UpdatedAt)})
}

func (r *peerRows) ShopperProfile(ctx context.Context, _ store.Pos, p store.ShopperProfile) error {
	id, err := peerUUID("id", p.ID)
	if err != nil {
		return err
	}
	return r.put(ctx, &peerProfiles, []any{id, p.CustomerID, peerTime(p.CreatedAt), peerTime(p.UpdatedAt)})
}

func (r *peerRows) Membership(ctx context.Context, _ store.Pos, m store.Membership) error {
	seg, err := peerUUID("segment_id", m.SegmentID)
	if err != nil {
		return err
	}
	prof, err := peerUUID("shopper_profile_id", m.ProfileID)
	if err != nil {
		return err
	}
	return r.put(ctx, &peerMembershipsStage, []any{seg, prof})
}

// Promotion copies the promotion with its targeting as JSON (NULL when it
// targets everyone) and keeps a promotion_segments row for each segment
// its condition names anywhere in the tree, each once.
func (r *peerRows) Promotion(ctx context.Context, _ store.Pos, p store.Promotion) error {
	var customer any
	var segs [][16]byte
	if t := p.Customer; t.GroupIDs != nil || t.ExcludedGroupIDs != nil || t.MinimumOrderCount != 0 || t.Segments != nil {
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("customer: %w", err)
		}
		customer = string(b)
		for _, s := range t.Segments.SegmentIDs() {
			id, err := peerUUID("customer.segments.id", s)
			if err != nil {
				return err
			}
			if !slices.Contains(segs, id) {
				segs = append(segs, id)
			}
		}
	}
	var end any
	if p.EndsAt != nil {
		end = *p.EndsAt
	}
	channels := p.ChannelIDs
	if channels == nil {
		channels = []int64{}
	}
	if err := r.put(ctx, &peerPromotions, []any{p.ID, p.Name, p.DisplayName, p.RedemptionType, p.Status,
		peerTime(p.StartsAt), end, channels, p.CurrencyCode, p.MaxUses, p.CurrentUses, customer,
		peerTime(p.CreatedAt), peerTime(p.UpdatedAt)}); err != nil {
		return err
	}
	for _, s := range segs {
		r.links = append(r.links, []any{p.ID, s})
	}
	return nil
}

// peerUUID reads a UUID for a uuid column.
func peerUUID(field, s string) ([16]byte, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return [16]byte{}, fmt.Errorf("%s: %q is not a UUID", field, s)
	}
	return [16]byte(u), nil
}

// peerTime is t for a timestamptz column: NULL when the record gave none.
func peerTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// peerCopier streams rows into the tables with COPY, one table at a time:
// a table's first row starts its COPY in a goroutine, which pgx feeds
// from a channel, and the first row of another table, or end, finishes it.
// The rows go through as they come: none is held beyond the channel's
// buffer.
type peerCopier struct {
	tx     pgx.Tx
	cur    *peerCopy        // the COPY under way, if any
	counts map[string]int64 // rows copied, by table
}

// peerCopy is one table's COPY under way.
type peerCopy struct {
	table string
	rows  chan []any
	abort error         // why the rows stop short, set before rows is closed
	done  chan struct{} // closed when CopyFrom has returned n and err
	n     int64
	err   error
}

// peerCopyError is a COPY that failed.
type peerCopyError struct {
	table string
	err   error
}

func (e *peerCopyError) Error() string { return fmt.Sprintf("copying into %s: %v", e.table, e.err) }
func (e *peerCopyError) Unwrap() error { return e.err }

// put sends a row to t's COPY, starting it (and finishing the COPY of
// another table) when needed.
func (c *peerCopier) put(ctx context.Context, t *peerTable, row []any) error {
	if c.cur != nil && c.cur.table != t.name {
		if err := c.end(nil); err != nil {
			return err
		}
	}
	if c.cur == nil {
		cp := &peerCopy{table: t.name, rows: make(chan []any, 256), done: make(chan struct{})}
		src := pgx.CopyFromFunc(func() ([]any, error) {
			row, ok := <-cp.rows
			if !ok {
				return nil, cp.abort // nil, nil: the table's rows are all in
			}
			return row, nil
		})
		go func() {
			defer close(cp.done)
			cp.n, cp.err = c.tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src)
		}()
		c.cur = cp
	}
	select {
	case c.cur.rows <- row:
		return nil
	case <-c.cur.done: // the COPY failed
		return c.end(nil)
	}
}

// end finishes the COPY under way, if any, and returns its error. When
// failure is not nil the load is given up: the COPY is aborted and its
// error does not matter. The connection is free again when end returns.
func (c *peerCopier) end(failure error) error {
	cp := c.cur
	if cp == nil {
		return nil
	}
	c.cur = nil
	if failure != nil {
		cp.abort = fmt.Errorf("load given up: %w", failure)
	}
	close(cp.rows)
	<-cp.done
	c.counts[cp.table] = cp.n
	if cp.err != nil && failure == nil {
		return &peerCopyError{cp.table, cp.err}
	}
	return nil
}
