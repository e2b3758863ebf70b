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
//
// The files: peer.go (this API and StartPostGraphile), peer_load.go (the
// tables and their COPY through importer.Read), peer_node.go (npm and the
// node process) and peer_normalize.go (PeerCheck and the canonical form of
// both servers' answers).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
