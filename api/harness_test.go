package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/segql/segql/api"
	"github.com/segql/segql/auth"
	"github.com/segql/segql/metrics"
	"github.com/segql/segql/store"
	"github.com/segql/segql/store/postgres/pgtest"
	"github.com/segql/segql/store/sqlite"
)

// testServer is segql's real handler over a real SQLite file, or over a
// PostgreSQL schema of its own with the onPostgres option.
type testServer struct {
	t        testing.TB
	Path     string // the SQLite file
	Store    *sqlite.Store
	Backend  store.Store // the store the handler serves: Store unless an option chose another
	Metrics  *metrics.Metrics
	Handler  http.Handler
	Verifier *auth.Verifier
	// AdminWrite and AdminRead are admin tokens of each scope. Requests
	// the helpers send without a token of their own carry AdminWrite.
	AdminWrite, AdminRead string
}

// guest as a token sends no token at all: the request is a guest's.
const guest = "guest"

// newTestServer builds the handler as `segql serve` does; opts adjust the
// options before it is built.
func newTestServer(t testing.TB, opts ...func(*api.Options)) *testServer {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "segql.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ts := &testServer{t: t, Path: path, Store: s, Metrics: metrics.New(), Verifier: auth.NewVerifier([]byte("test-secret")),
		AdminWrite: "write-token-of-the-api-tests", AdminRead: "read-token-of-the-api-tests"}
	admins := auth.NewAdminTokens()
	if err := admins.AddSpec("write:" + ts.AdminWrite + ",read:" + ts.AdminRead); err != nil {
		t.Fatalf("admin tokens: %v", err)
	}
	o := api.Options{
		Store:     s,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics:   ts.Metrics,
		Customers: ts.Verifier,
		Admins:    admins,
	}
	for _, f := range opts {
		f(&o)
	}
	ts.Backend = o.Store
	h, err := api.New(ctx, o)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	ts.Handler = h
	return ts
}

// onPostgres serves the test from a fresh PostgreSQL schema instead of
// SQLite; without SEGQL_TEST_POSTGRES the test is skipped (failed under CI).
func onPostgres(t testing.TB) func(*api.Options) {
	s := pgtest.Open(t)
	return func(o *api.Options) { o.Store = s }
}

// gqlResponse is a GraphQL response with its errors kept whole.
type gqlResponse struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// do posts a GraphQL request with token (a customer or admin token): ""
// sends AdminWrite, guest sends none.
func (ts *testServer) do(query string, vars map[string]any, token string) gqlResponse {
	ts.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	switch token {
	case guest:
	case "":
		req.Header.Set("Authorization", "Bearer "+ts.AdminWrite)
	default:
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	ts.Handler.ServeHTTP(rec, req)
	var out gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		ts.t.Fatalf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	out.Status = rec.Code
	ts.checkCodes(out)
	return out
}

// query posts a query that must succeed and decodes its data into into.
func (ts *testServer) query(query string, vars map[string]any, into any) {
	ts.t.Helper()
	ts.queryAs("", query, vars, into)
}

// queryAs is query with a customer token.
func (ts *testServer) queryAs(token, query string, vars map[string]any, into any) {
	ts.t.Helper()
	res := ts.do(query, vars, token)
	if len(res.Errors) > 0 || res.Status != http.StatusOK {
		ts.t.Fatalf("query failed (%d): %+v", res.Status, res.Errors)
	}
	if into != nil {
		if err := json.Unmarshal(res.Data, into); err != nil {
			ts.t.Fatalf("decode data: %v: %s", err, res.Data)
		}
	}
}

// token mints a customer token valid for the test's duration.
func (ts *testServer) token(customerID int64, channelID *int64) string {
	ts.t.Helper()
	tok, err := ts.Verifier.Mint(customerID, channelID, 30*time.Minute)
	if err != nil {
		ts.t.Fatalf("mint: %v", err)
	}
	return tok
}

// storeQueries is the total of segql_store_queries_total: store round trips.
func (ts *testServer) storeQueries() float64 {
	ts.t.Helper()
	return ts.metric("segql_store_queries_total")
}

// metric sums a counter's or gauge's values over all its labels.
func (ts *testServer) metric(name string) float64 {
	ts.t.Helper()
	families, err := ts.Metrics.Registry.Gather()
	if err != nil {
		ts.t.Fatalf("gather: %v", err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return total
}

// load fills the store through an import.
func (ts *testServer) load(f fixture) {
	ts.t.Helper()
	if err := ts.Backend.Import(context.Background(), f.fill); err != nil {
		ts.t.Fatalf("load fixture: %v", err)
	}
}

// fixture is data for a test, loaded in import order.
type fixture struct {
	Customers   []store.Customer
	Segments    []store.Segment
	Profiles    []store.ShopperProfile
	Memberships []store.Membership
	Promotions  []store.Promotion
}

func (f fixture) fill(imp store.Importer) error {
	ctx := context.Background()
	for _, c := range f.Customers {
		if err := imp.Customer(ctx, store.Pos{}, c); err != nil {
			return err
		}
	}
	for _, s := range f.Segments {
		if err := imp.Segment(ctx, store.Pos{}, s); err != nil {
			return err
		}
	}
	for _, p := range f.Profiles {
		if err := imp.ShopperProfile(ctx, store.Pos{}, p); err != nil {
			return err
		}
	}
	for _, m := range f.Memberships {
		if err := imp.Membership(ctx, store.Pos{}, m); err != nil {
			return err
		}
	}
	for _, p := range f.Promotions {
		if err := imp.Promotion(ctx, store.Pos{}, p); err != nil {
			return err
		}
	}
	return nil
}
