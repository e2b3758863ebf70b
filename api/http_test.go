package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/segql/segql/api"
	"github.com/segql/segql/auth"
	"github.com/segql/segql/store"
)

const segmentNamesQuery = `{ segments { nodes { name } } }`

func TestGETRunsQueries(t *testing.T) {
	ts := newTestServer(t)
	ts.load(fixture{Segments: []store.Segment{segment(1, "Gold"), segment(2, "Silver")}})

	q := url.Values{"query": {`query($n: Int) { segments(first: $n) { nodes { name } totalCount } }`}, "variables": {`{"n": 1}`}}
	res := ts.gql(ts.raw(http.MethodGet, "/graphql?"+q.Encode(), "", nil, nil))
	if res.Status != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("GET query: %d %+v", res.Status, res.Errors)
	}
	var data struct {
		Segments struct {
			Nodes      []struct{ Name string }
			TotalCount int
		}
	}
	if err := json.Unmarshal(res.Data, &data); err != nil {
		t.Fatal(err)
	}
	first := namesInUUIDOrder(map[int]string{1: "Gold", 2: "Silver"})[0]
	if len(data.Segments.Nodes) != 1 || data.Segments.Nodes[0].Name != first || data.Segments.TotalCount != 2 {
		t.Errorf("GET answered %+v, want %s, the first of two segments", data.Segments, first)
	}
}

func TestGETRefusesMutations(t *testing.T) {
	ts := newTestServer(t)
	const mutation = `mutation { createSegments(input: [{name: "Sneaky"}]) { segments { name } } }`
	get := func(v url.Values) rawResponse { return ts.raw(http.MethodGet, "/graphql?"+v.Encode(), "", nil, nil) }
	refused := func(name string, r rawResponse) {
		t.Helper()
		if r.Status != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", name, r.Status)
		}
		equal(t, name+": codes", codesOf(ts.gql(r)), []string{"METHOD_NOT_ALLOWED"})
	}

	refused("mutation", get(url.Values{"query": {mutation}}))
	// A document with a query and a mutation: the operation named decides.
	both := `query Q { segments { totalCount } } ` + mutation[:len("mutation")] + ` M` + mutation[len("mutation"):]
	refused("named mutation", get(url.Values{"query": {both}, "operationName": {"M"}}))
	if res := ts.gql(get(url.Values{"query": {both}, "operationName": {"Q"}})); res.Status != http.StatusOK || len(res.Errors) > 0 {
		t.Errorf("named query beside a mutation: %d %+v", res.Status, res.Errors)
	}

	// A mutation registered as a persisted query cannot run over GET by its hash.
	sum := sha256.Sum256([]byte(mutation))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	if res := ts.post(map[string]any{"query": mutation, "extensions": ext}); len(res.Errors) > 0 {
		t.Fatalf("register the mutation: %+v", res.Errors)
	}
	refused("persisted mutation", get(url.Values{"extensions": {string(must(json.Marshal(ext)))}}))

	// Only the POST wrote.
	var data struct{ Segments struct{ TotalCount int } }
	ts.query(`{ segments { totalCount } }`, nil, &data)
	if data.Segments.TotalCount != 1 {
		t.Errorf("%d segments after one POST and three GET mutations, want 1", data.Segments.TotalCount)
	}
}

func TestGETBadParameters(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		name   string
		query  string
		status int
		code   string
	}{
		{"variables not JSON", "query=" + url.QueryEscape(segmentNamesQuery) + "&variables=%7Bnope", http.StatusBadRequest, "BAD_REQUEST"},
		{"extensions not JSON", "query=" + url.QueryEscape(segmentNamesQuery) + "&extensions=nope", http.StatusBadRequest, "BAD_REQUEST"},
		{"malformed query string", "query=%zz", http.StatusBadRequest, "BAD_REQUEST"},
		{"syntax error", "query=" + url.QueryEscape("{ segments {"), http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED"},
		{"no query", "", http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := ts.with(t)
			r := ts.raw(http.MethodGet, "/graphql?"+c.query, "", nil, nil)
			if r.Status != c.status {
				t.Errorf("status %d, want %d", r.Status, c.status)
			}
			equal(t, "codes", codesOf(ts.gql(r)), []string{c.code})
		})
	}
}

func TestPOSTNeedsJSON(t *testing.T) {
	ts := newTestServer(t)
	body, _ := json.Marshal(map[string]any{"query": segmentNamesQuery})

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("operations", string(body))
	_ = mw.Close()

	cases := []struct {
		name        string
		contentType string
		body        []byte
	}{
		{"form", "application/x-www-form-urlencoded", []byte(url.Values{"query": {segmentNamesQuery}}.Encode())},
		{"multipart", mw.FormDataContentType(), mp.Bytes()},
		{"text", "text/plain", body},
		{"text with charset", "text/plain; charset=utf-8", body},
		{"none", "", body},
		{"graphql", "application/graphql", []byte(segmentNamesQuery)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := ts.with(t)
			r := ts.raw(http.MethodPost, "/graphql", c.contentType, c.body, nil)
			if r.Status != http.StatusUnsupportedMediaType {
				t.Errorf("status %d, want 415", r.Status)
			}
			equal(t, "codes", codesOf(ts.gql(r)), []string{"UNSUPPORTED_MEDIA_TYPE"})
		})
	}

	t.Run("json with charset", func(t *testing.T) {
		ts := ts.with(t)
		res := ts.gql(ts.raw(http.MethodPost, "/graphql", "application/json; charset=utf-8", body, nil))
		if res.Status != http.StatusOK || len(res.Errors) > 0 {
			t.Errorf("JSON with a charset: %d %+v", res.Status, res.Errors)
		}
	})
}

func TestOtherMethodsRefused(t *testing.T) {
	ts := newTestServer(t)
	body, _ := json.Marshal(map[string]any{"query": segmentNamesQuery})
	for _, method := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			ts := ts.with(t)
			r := ts.raw(method, "/graphql", "application/json", body, nil)
			if r.Status != http.StatusMethodNotAllowed {
				t.Errorf("status %d, want 405", r.Status)
			}
			if allow := r.Header.Get("Allow"); allow != "GET, POST" {
				t.Errorf("Allow %q, want \"GET, POST\"", allow)
			}
			equal(t, "codes", codesOf(ts.gql(r)), []string{"METHOD_NOT_ALLOWED"})
		})
	}
}

func TestMalformedJSONIsNotEchoed(t *testing.T) {
	ts := newTestServer(t)
	const secret = `{"query": "{ segments { nodes { name } } }", "variables": {"password": "hunter2-secret"`
	for name, body := range map[string]string{
		"truncated":        secret,
		"a number":         `42`,
		"query not text":   `{"query": 42, "extensions": {"x": "hunter2-secret"}}`,
		"trailing rubbish": `{"query": "{ segments { totalCount } }"} hunter2-secret`,
	} {
		t.Run(name, func(t *testing.T) {
			ts := ts.with(t)
			r := ts.raw(http.MethodPost, "/graphql", "application/json", []byte(body), nil)
			if r.Status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", r.Status)
			}
			if bytes.Contains(r.Body, []byte("hunter2")) {
				t.Errorf("the answer echoes the request body: %s", r.Body)
			}
			equal(t, "codes", codesOf(ts.gql(r)), []string{"BAD_REQUEST"})
		})
	}
}

func TestGraphQLErrorCodes(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		name, query, code string
	}{
		{"syntax error", `{ segments { nodes { name } `, "GRAPHQL_PARSE_FAILED"},
		{"misspelled field", `{ segments { nodes { nmae } } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown root", `{ segmnets { totalCount } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"wrong argument type", `{ segments(first: "ten") { totalCount } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"missing required argument", `{ segment { name } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"empty query", ``, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := ts.with(t)
			res := ts.do(c.query, nil, "")
			if len(res.Errors) == 0 {
				t.Fatalf("no error")
			}
			for _, code := range codesOf(res) {
				if code != c.code {
					t.Errorf("code %s, want %s (%+v)", code, c.code, res.Errors)
				}
			}
			if string(res.Data) != "" && string(res.Data) != "null" {
				t.Errorf("data %s, want none", res.Data)
			}
		})
	}

	t.Run("bad variable", func(t *testing.T) {
		ts := ts.with(t)
		res := ts.do(`query($n: Int!) { segments(first: $n) { totalCount } }`, map[string]any{"n": "many"}, "")
		equal(t, "codes", codesOf(res), []string{"GRAPHQL_VALIDATION_FAILED"})
	})
}

func TestAutomaticPersistedQueries(t *testing.T) {
	ts := newTestServer(t)
	ts.load(fixture{Segments: []store.Segment{segment(1, "Gold")}})
	const query = `{ segments { nodes { name } } }`
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	wantData := `{"segments":{"nodes":[{"name":"Gold"}]}}`

	// The hash alone, before the server has seen the query.
	res := ts.post(map[string]any{"extensions": ext})
	equal(t, "unknown hash", codesOf(res), []string{"PERSISTED_QUERY_NOT_FOUND"})

	// The query with its hash registers it.
	res = ts.post(map[string]any{"query": query, "extensions": ext})
	if len(res.Errors) > 0 || string(res.Data) != wantData {
		t.Fatalf("query with hash: %s %+v", res.Data, res.Errors)
	}

	// Then the hash alone runs it, over POST and over GET.
	res = ts.post(map[string]any{"extensions": ext})
	if len(res.Errors) > 0 || string(res.Data) != wantData {
		t.Fatalf("hash only: %s %+v", res.Data, res.Errors)
	}
	extJSON, _ := json.Marshal(ext)
	res = ts.gql(ts.raw(http.MethodGet, "/graphql?"+url.Values{"extensions": {string(extJSON)}}.Encode(), "", nil, nil))
	if len(res.Errors) > 0 || string(res.Data) != wantData {
		t.Fatalf("hash only over GET: %s %+v", res.Data, res.Errors)
	}

	// A query that does not match its hash is refused.
	res = ts.post(map[string]any{"query": `{ segments { totalCount } }`, "extensions": ext})
	if len(res.Errors) != 1 || string(res.Data) == wantData {
		t.Errorf("mismatched hash: %s %+v, want one error", res.Data, res.Errors)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	ts := newTestServer(t)
	for path, body := range map[string]string{"/healthz": "ok\n", "/readyz": "ready\n"} {
		r := ts.raw(http.MethodGet, path, "", nil, nil)
		if r.Status != http.StatusOK || string(r.Body) != body {
			t.Errorf("GET %s: %d %q, want 200 %q", path, r.Status, r.Body, body)
		}
	}
}

func TestReadinessWhileDraining(t *testing.T) {
	draining := false
	ts := newTestServer(t, func(o *api.Options) { o.Draining = func() bool { return draining } })
	if r := ts.raw(http.MethodGet, "/readyz", "", nil, nil); r.Status != http.StatusOK {
		t.Fatalf("ready before draining: %d", r.Status)
	}
	draining = true
	if r := ts.raw(http.MethodGet, "/readyz", "", nil, nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("ready while draining: %d, want 503", r.Status)
	}
	if r := ts.raw(http.MethodGet, "/healthz", "", nil, nil); r.Status != http.StatusOK {
		t.Errorf("healthz while draining: %d, want 200", r.Status)
	}
}

func TestMetrics(t *testing.T) {
	ts := newTestServer(t)
	ts.load(fixture{
		Customers: []store.Customer{customer(1)},
		Segments:  []store.Segment{segment(1, "Gold")},
		Profiles:  []store.ShopperProfile{profile(1, 1)},
	})
	ts.query(`query($id: ID!) { shopperProfile(uuid: $id) { customer { email } } }`, map[string]any{"id": profileID(1)}, nil)

	r := ts.raw(http.MethodGet, "/metrics", "", nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", r.Status)
	}
	text := string(r.Body)
	for _, want := range []string{
		`segql_http_requests_total{code="200",path="/graphql"} 1`,
		`segql_http_request_duration_seconds_count{path="/graphql"} 1`,
		`segql_store_queries_total{operation="ShopperProfilesByIDs"} 1`,
		`segql_store_queries_total{operation="CustomersByIDs"} 1`,
		`segql_loader_batch_size_count{loader="shopper_profile"} 1`,
		`segql_loader_batch_size_count{loader="customer"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "# HELP ") {
			name := strings.Fields(line)[2]
			if !strings.HasPrefix(name, "segql_") && !strings.HasPrefix(name, "promhttp_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
				t.Errorf("metric %s is not prefixed segql_", name)
			}
		}
	}

	// Unknown paths share one label.
	ts.raw(http.MethodGet, "/no/such/path/1", "", nil, nil)
	ts.raw(http.MethodGet, "/no/such/path/2", "", nil, nil)
	text = string(ts.raw(http.MethodGet, "/metrics", "", nil, nil).Body)
	if !strings.Contains(text, `segql_http_requests_total{code="404",path="other"} 2`) {
		t.Errorf("unknown paths are not counted under path=\"other\"")
	}
	if strings.Contains(text, "/no/such/path") {
		t.Errorf("an unknown path became a label")
	}
}

func TestCustomerTokens(t *testing.T) {
	ts := newTestServer(t)
	ts.load(fixture{Customers: []store.Customer{customer(7)}})
	const viewer = `{ viewer { isGuest customer { customerId } } }`

	t.Run("valid", func(t *testing.T) {
		ts := ts.with(t)
		var data struct {
			Viewer struct {
				IsGuest  bool
				Customer struct{ CustomerID int64 }
			}
		}
		ts.queryAs(ts.token(7, nil), viewer, nil, &data)
		if data.Viewer.IsGuest || data.Viewer.Customer.CustomerID != 7 {
			t.Errorf("viewer %+v, want customer 7", data.Viewer)
		}
	})

	t.Run("scheme in any letter case", func(t *testing.T) {
		ts := ts.with(t)
		for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
			r := ts.raw(http.MethodPost, "/graphql", "application/json", []byte(`{"query": "{ viewer { isGuest customer { customerId } } }"}`),
				http.Header{"Authorization": {scheme + " " + ts.token(7, nil)}})
			res := ts.gql(r)
			if want := `{"viewer":{"isGuest":false,"customer":{"customerId":7}}}`; string(res.Data) != want {
				t.Errorf("%s: %d %s, want %s", scheme, r.Status, res.Data, want)
			}
		}
		// Another scheme is no customer token: the shopper is a guest.
		r := ts.raw(http.MethodPost, "/graphql", "application/json", []byte(`{"query": "{ viewer { isGuest } }"}`),
			http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}})
		if res := ts.gql(r); string(res.Data) != `{"viewer":{"isGuest":true}}` {
			t.Errorf("Basic: %s", res.Data)
		}
	})

	t.Run("BigCommerce customer claims", func(t *testing.T) {
		ts := ts.with(t)
		claims := jwt.MapClaims{"customer": map[string]any{"id": 7, "group_id": 5}, "channel_id": 2, "store_hash": "abc", "exp": time.Now().Add(time.Minute).Unix()}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("test-secret"))
		if err != nil {
			t.Fatal(err)
		}
		var data struct {
			Viewer struct{ Customer struct{ CustomerID int64 } }
		}
		ts.queryAs(tok, `{ viewer { customer { customerId } } }`, nil, &data)
		equal(t, "customer", data.Viewer.Customer.CustomerID, int64(7))

		// Neither a customer object nor a numeric sub: refused.
		for _, c := range []jwt.MapClaims{
			{"sub": "seven", "exp": time.Now().Add(time.Minute).Unix()},
			{"exp": time.Now().Add(time.Minute).Unix()},
			{"sub": "7"}, // no exp
		} {
			tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte("test-secret"))
			res := ts.do(`{ viewer { isGuest } }`, nil, tok)
			if res.Status != http.StatusUnauthorized {
				t.Errorf("claims %v: status %d, want 401", c, res.Status)
			}
		}
	})

	b64 := base64.RawURLEncoding.EncodeToString
	exp := time.Now().Add(10 * time.Minute).Unix()
	claims := b64(must(json.Marshal(map[string]any{"sub": "7", "exp": exp})))
	valid := ts.token(7, nil)
	parts := strings.Split(valid, ".")
	expired, err := ts.Verifier.Mint(7, nil, -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := auth.NewVerifier([]byte("another-secret")).Mint(7, nil, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tooLong, err := ts.Verifier.Mint(7, nil, 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	noCustomer, err := ts.Verifier.Mint(0, nil, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"garbage":         "not-a-token",
		"expired":         expired,
		"alg none":        b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + claims + ".",
		"wrong signature": otherKey,
		"tampered claims": parts[0] + "." + claims + "." + parts[2],
		"exp too far":     tooLong,
		"no customer":     noCustomer,
		"empty":           " ",
	}
	for name, tok := range bad {
		t.Run(name, func(t *testing.T) {
			ts := ts.with(t)
			res := ts.do(viewer, nil, tok)
			if res.Status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", res.Status)
			}
			equal(t, "codes", codesOf(res), []string{"UNAUTHENTICATED"})
			if string(res.Data) != "" && string(res.Data) != "null" {
				t.Errorf("data %s for a refused token", res.Data)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// blockingStore is a store whose segment list waits until its request ends.
type blockingStore struct{ store.Store }

func (s blockingStore) ListSegments(ctx context.Context, f store.SegmentFilter, p store.Page[string]) (store.PageOf[*store.Segment], error) {
	<-ctx.Done()
	return store.PageOf[*store.Segment]{}, fmt.Errorf("blocking store: %w", ctx.Err())
}

func TestRequestTimeout(t *testing.T) {
	ts := newTestServer(t, func(o *api.Options) {
		o.Store = blockingStore{o.Store}
		o.RequestTimeout = 50 * time.Millisecond
	})
	ts.load(catalog())

	t.Run("while running", func(t *testing.T) {
		ts := ts.with(t)
		res := ts.do(`{ segments { totalCount } customer(customerId: 1) { email } }`, nil, "")
		equal(t, "codes", codesOf(res), []string{"TIMEOUT"})
		if strings.Contains(res.Errors[0].Message, "blocking store") {
			t.Errorf("the error tells internals: %q", res.Errors[0].Message)
		}
	})

	// A request whose time ran out, or whose client left, before GraphQL ran.
	body := []byte(`{"query": "{ customer(customerId: 1) { email } }"}`)
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		code string
	}{{"deadline passed", expired, "TIMEOUT"}, {"client left", cancelled, "CANCELLED"}} {
		t.Run(c.name, func(t *testing.T) {
			ts := ts.with(t)
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body)).WithContext(c.ctx)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			ts.Handler.ServeHTTP(rec, req)
			r := rawResponse{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
			if r.Status != http.StatusServiceUnavailable {
				t.Errorf("status %d, want 503: %s", r.Status, r.Body)
			}
			equal(t, "codes", codesOf(ts.gql(r)), []string{c.code})
		})
	}
}

func TestBadScalarInput(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	cases := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"Int64 out of range, literal", `{ customer(customerId: 99999999999999999999) { email } }`, nil},
		{"Int64 out of range, variable", `query($id: Int64!) { customer(customerId: $id) { email } }`, map[string]any{"id": "99999999999999999999"}},
		{"Int64 not a number", `query($id: Int64!) { customer(customerId: $id) { email } }`, map[string]any{"id": "one"}},
		{"DateTime not a date", `mutation { createPromotion(input: {name: "X", redemptionType: AUTOMATIC, startsAt: "next week"}) { promotion { promotionId } } }`, nil},
		{"DateTime in a variable", `mutation($in: CreatePromotionInput!) { createPromotion(input: $in) { promotion { promotionId } } }`,
			map[string]any{"in": map[string]any{"name": "X", "redemptionType": "AUTOMATIC", "endsAt": "2030-13-45"}}},
		{"Int64 in a list", `query($ids: [Int64!]) { shopperProfiles(filter: {customerIds: $ids}) { totalCount } }`, map[string]any{"ids": []any{1, "x"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := ts.with(t)
			res := ts.do(c.query, c.vars, "")
			equal(t, "codes", codesOf(res), []string{"BAD_USER_INPUT"})
		})
	}
	equal(t, "nothing written", ts.promotionCount(), 5)

	t.Run("persisted query problems", func(t *testing.T) {
		ts := ts.with(t)
		const query = `{ segments { totalCount } }`
		for name, ext := range map[string]any{
			"hash does not match": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)},
			"unknown version":     map[string]any{"version": 2, "sha256Hash": strings.Repeat("0", 64)},
			"not an object":       "yes please",
		} {
			res := ts.post(map[string]any{"query": query, "extensions": map[string]any{"persistedQuery": ext}})
			if codes := codesOf(res); !slices.Equal(codes, []string{"BAD_REQUEST"}) {
				t.Errorf("%s: codes %v, want [BAD_REQUEST]", name, codes)
			}
		}
	})
}

// failingStore is a store whose customer and segment reads fail.
type failingStore struct{ store.Store }

var errStoreDetail = errors.New("sqlite: disk I/O error at /var/lib/segql/secret.db")

func (s failingStore) CustomersByIDs(context.Context, []int64) ([]*store.Customer, error) {
	return nil, errStoreDetail
}

func (s failingStore) ListSegments(context.Context, store.SegmentFilter, store.Page[string]) (store.PageOf[*store.Segment], error) {
	return store.PageOf[*store.Segment]{}, errStoreDetail
}

func TestInternalErrorsAreHidden(t *testing.T) {
	ts := newTestServer(t, func(o *api.Options) { o.Store = failingStore{o.Store} })
	ts.load(catalog())
	for _, q := range []string{
		`{ customer(customerId: 1) { email } }`,
		`{ segments(first: 5) { totalCount } }`,
		`query($u: ID!) { shopperProfile(uuid: $u) { customer { email } } }`,
	} {
		res := ts.do(q, map[string]any{"u": profileID(1)}, "")
		equal(t, q, codesOf(res), []string{"INTERNAL_SERVER_ERROR"})
		for _, e := range res.Errors {
			if e.Message != "internal server error" {
				t.Errorf("%s: message %q tells internals", q, e.Message)
			}
		}
	}
	// The rest of a query still answers.
	var data struct{ Promotion struct{ Name string } }
	res := ts.do(`{ promotion(promotionId: 1) { name } customer(customerId: 1) { email } }`, nil, "")
	if err := json.Unmarshal(res.Data, &data); err != nil || data.Promotion.Name != "Promotion 1" {
		t.Errorf("partial answer %s", res.Data)
	}
}

func TestReadinessWithoutStore(t *testing.T) {
	ts := newTestServer(t)
	if err := ts.Store.Close(); err != nil {
		t.Fatal(err)
	}
	if r := ts.raw(http.MethodGet, "/readyz", "", nil, nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("readyz with a closed store: %d, want 503", r.Status)
	}
	if r := ts.raw(http.MethodGet, "/healthz", "", nil, nil); r.Status != http.StatusOK {
		t.Errorf("healthz with a closed store: %d, want 200", r.Status)
	}
}

// TestGETAndPOSTAgree sends the same requests both ways: status and
// content type must not depend on the method.
func TestGETAndPOSTAgree(t *testing.T) {
	ts := newTestServer(t)
	ts.load(catalog())
	for _, accept := range []string{"", "application/json", "application/graphql-response+json", "application/graphql-response+json, application/json;q=0.9", "*/*"} {
		for _, query := range []string{`{ segments { totalCount } }`, `{ segments {`, `{ segments { nmae } }`} {
			name := fmt.Sprintf("Accept %q, %s", accept, query)
			t.Run(name, func(t *testing.T) {
				ts := ts.with(t)
				h := http.Header{}
				if accept != "" {
					h.Set("Accept", accept)
				}
				get := ts.raw(http.MethodGet, "/graphql?"+url.Values{"query": {query}}.Encode(), "", nil, h)
				post := ts.raw(http.MethodPost, "/graphql", "application/json", must(json.Marshal(map[string]any{"query": query})), h)
				if get.Status != post.Status {
					t.Errorf("status: GET %d, POST %d", get.Status, post.Status)
				}
				if g, p := get.Header.Get("Content-Type"), post.Header.Get("Content-Type"); g != p {
					t.Errorf("Content-Type: GET %q, POST %q", g, p)
				}
				equal(t, "codes", codesOf(ts.gql(get)), codesOf(ts.gql(post)))
			})
		}
	}
}
