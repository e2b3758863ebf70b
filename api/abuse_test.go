package api_test

// The ABUSE.md suite (../shared/ABUSE.md): every case of bad input and
// abuse, each answered with its coded error, quickly, with nothing
// internal told, and the server healthy for the next request.
//
// TestAbuse below sends each case a single handler can show through the
// real handler, one row a case (a few cases have a row per variant), and
// checks the HTTP status, every error's extensions.code, that a refusal
// before execution cost no store round trip, that the answer echoes no
// marker of the request and tells nothing internal, and afterwards that
// /healthz answers and a normal query still reads the unchanged store.
// Each row logs how long its request took (t.Logf), never asserting it.
//
// Where each ABUSE.md case is covered:
//
//	 1 body over the byte cap        TestAbuse "01 ..."; TestRequestLimits (limits_test.go)
//	 2 3,000 __typename              TestAbuse "02 ..."; TestRequestLimits
//	 3 inline fragments 20×100       TestAbuse "03 ..."; TestRequestLimits
//	 4 just over the token limit     TestAbuse "04 ..."; TestRequestLimits, TestRequestLimitsConfigurable
//	 5 first/last out of range       TestAbuse "05 ..."; TestRequestLimits, TestPaginationBadArguments (pagination_test.go)
//	 6 nested connections of 250     TestAbuse "06 ..."; TestRequestLimits, TestCostLimitError
//	 7 the cyclic path 20 deep       TestAbuse "07 ..."; TestRequestLimits
//	 8 a list argument of 251        TestAbuse "08 ..."; TestRequestLimits, TestAddShopperProfilesToSegmentTooMany (mutation_profiles_test.go)
//	 9 101 aliases, 100 node(id:)    TestAbuse "09 ..."; TestRequestLimits
//	10 a JSON array of ten           TestAbuse "10 ..."; TestRequestLimits
//	11 two storefront mutations      TestAbuse "11 ..."
//	12 fragments in a cycle          TestAbuse "12 ..."; TestRequestLimits
//	13 deep introspection            TestAbuse "13 ..."; TestIntrospectionAndSuggestions (access_test.go), TestIntrospectionAsGraphiQLSendsItFits
//	14 a misspelled field            TestAbuse "14 ..."; TestIntrospectionAndSuggestions
//	15 malformed JSON                TestAbuse "15 ..."; TestMalformedJSONIsNotEchoed (http_test.go)
//	16 a panic inside a resolver     TestAbuse "16 ...": in a resolver, in a batched store call, and
//	                                 in a store call under the Redis cache (with SEGQL_TEST_REDIS)
//	17 GraphiQL outside demo mode    TestAbuse "17 ..."; TestServeDemo (server_test.go) for --demo
//	18 a mutation over GET           TestAbuse "18 ..."; TestGETRefusesMutations (http_test.go)
//	19 form, multipart, text/plain   TestAbuse "19 ..."; TestPOSTNeedsJSON (http_test.go)
//	20 a POST with no Content-Type   TestAbuse "20 ..."; TestPOSTNeedsJSON
//	21 forged and foreign tokens     TestAbuse "21 ..."; TestCustomerTokens (http_test.go)
//	22 tokens short of their scope   TestAbuse "22 ..."
//	23 a customer id beside a token  TestAbuse "23 ..."
//	24 A asking for B's objects      TestAbuse "24 ..."; TestStorefrontPromotions (access_test.go)
//	25 Redis refused, hanging, failing writes
//	                                 TestCacheFaultRedisRefused, TestCacheFaultRedisHanging,
//	                                 TestCacheFaultRedisClientPause, TestCacheFaultRedisFailingWrites,
//	                                 TestCacheFaultRedisRestarted (cache_fault_test.go)
//	26 500 concurrent cold requests  TestStampedeLoadsOnce, TestCallerLeavingDoesNotCancelTheLoad
//	                                 (cache/stampede_test.go): the cache's shared store load, where
//	                                 the one-load-per-instance guarantee lives; its test hook, which
//	                                 waits until all 500 callers share the load, is the cache's own.
//	27 a client gone mid-request     TestAbuse "27 ..."; TestRequestTimeout "client left" (before GraphQL ran)
//	28 SIGTERM with requests in flight
//	                                 TestAbuseSIGTERMFinishesInFlight (abuse_process_test.go);
//	                                 TestReadinessWhileDraining (http_test.go); TestImportThenServe (server_test.go)
//	29 a request past its deadline   TestAbuse "29 ..."; TestRequestTimeout (http_test.go)
//	30 a bad line 900,000 lines in   TestAbuseImportBadLine900000 (abuse_process_test.go, SQLite);
//	                                 TestBadLinesLeaveTheStoreAsItWas (importer/importer_test.go, line 1,501);
//	                                 TestImportThenServe (server_test.go, line 3)

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/segql/segql/api"
	"github.com/segql/segql/auth"
	"github.com/segql/segql/store"
)

// Triggers of trapStore: a segment list filtered by one of these names
// panics, or blocks until its request ends; a batched lookup of
// customer trapPanicCustomer panics.
const (
	trapPanic         = "trap-panic"
	trapBlock         = "trap-block"
	trapPanicCustomer = int64(666)
	// trapDetail is what the trap's panics and errors carry: nothing of
	// it may reach a client.
	trapDetail = "/var/lib/segql/secret.db: sql: database disk image is malformed"
)

// trapStore is the real store with traps set on two reads. A blocked
// call reports on entered when it starts waiting and on left, with its
// context's error, when its request's context ends it.
type trapStore struct {
	store.Store
	entered chan struct{}
	left    chan error
}

func newTrapStore(s store.Store) *trapStore {
	return &trapStore{Store: s, entered: make(chan struct{}, 1), left: make(chan error, 1)}
}

func (s *trapStore) ListSegments(ctx context.Context, f store.SegmentFilter, p store.Page[string]) (store.PageOf[*store.Segment], error) {
	switch f.NameContains {
	case trapPanic:
		panic("trap: " + trapDetail)
	case trapBlock:
		s.entered <- struct{}{}
		<-ctx.Done()
		s.left <- ctx.Err()
		return store.PageOf[*store.Segment]{}, fmt.Errorf("trap: %s: %w", trapDetail, ctx.Err())
	}
	return s.Store.ListSegments(ctx, f, p)
}

func (s *trapStore) CustomersByIDs(ctx context.Context, ids []int64) ([]*store.Customer, error) {
	if slices.Contains(ids, trapPanicCustomer) {
		panic("trap: " + trapDetail)
	}
	return s.Store.CustomersByIDs(ctx, ids)
}

// abuseLogBuffer is a log destination safe for the handler's goroutines.
type abuseLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *abuseLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *abuseLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// abuseServer is a test server over trapStore whose log is kept.
type abuseServer struct {
	*testServer
	trap *trapStore
	log  *abuseLogBuffer
}

func newAbuseServer(t *testing.T, opts ...func(*api.Options)) *abuseServer {
	t.Helper()
	s := &abuseServer{log: &abuseLogBuffer{}}
	opts = append([]func(*api.Options){func(o *api.Options) {
		s.trap = newTrapStore(o.Store)
		o.Store = s.trap
		o.Logger = slog.New(slog.NewJSONHandler(s.log, nil))
	}}, opts...)
	s.testServer = newTestServer(t, opts...)
	s.load(abuseFixture())
	return s
}

// The shoppers of abuseFixture: A (customer 1) and B (customer 2, group 5).
// A is in segments 1 ("Shared") and 3; B in 1 and 2 ("Bonly").
//
//	promotion 1 everyone          open to A and B
//	promotion 2 in segment 2      B only
//	promotion 3 not in segment 3  B only
//	promotion 4 in 1 or in 2      A and B; A sees only segment 1 among its targets
//	promotion 5 group 5           B only
//	promotion 6 everyone, channel 2 only
const (
	abuseA, abuseB   = int64(1), int64(2)
	bOnlySegmentName = "Bonly Segment"
)

func abuseFixture() fixture {
	b := customer(abuseB)
	b.CustomerGroupID, b.OrderCount = 5, 3
	p6 := promotion(6, store.Targeting{})
	p6.ChannelIDs = []int64{2}
	return fixture{
		Customers: []store.Customer{customer(abuseA), b},
		Segments:  []store.Segment{segment(1, "Shared"), segment(2, bOnlySegmentName), segment(3, "Aonly Segment")},
		Profiles:  []store.ShopperProfile{profile(1, abuseA), profile(2, abuseB)},
		Memberships: []store.Membership{
			member(1, 1), member(3, 1), // A
			member(1, 2), member(2, 2), // B
		},
		Promotions: []store.Promotion{
			promotion(1, store.Targeting{}),
			promotion(2, store.Targeting{Segments: anyOf(2)}),
			promotion(3, store.Targeting{Segments: &store.Condition{Not: anyOf(3)}}),
			promotion(4, store.Targeting{Segments: &store.Condition{Or: []store.Condition{*anyOf(1), *anyOf(2)}}}),
			promotion(5, store.Targeting{GroupIDs: []int64{5}}),
			p6,
		},
	}
}

// abuseHealthyData is what abuseHealthQuery answers over an untouched
// abuseFixture: anything a refused request half-wrote would show here.
const (
	abuseHealthQuery = `{ segments { totalCount nodes { name } } customers { totalCount } shopperProfiles { totalCount } promotions { totalCount } }`
	abuseHealthyData = `{"segments":{"totalCount":3,"nodes":[%s]},"customers":{"totalCount":2},"shopperProfiles":{"totalCount":2},"promotions":{"totalCount":6}}`
)

// shopperBMarkers are strings only B's objects carry: none may reach A.
func shopperBMarkers() []string {
	return []string{
		"shopper2@example.com", profileID(2), segID(2), bOnlySegmentName,
		"Promotion 2", "Promotion 3", "Promotion 5", "Deal 2", "Deal 3", "Deal 5",
		gid("Customer", 2), gid("ShopperProfile", profileID(2)), gid("Segment", segID(2)),
		gid("Promotion", 2), gid("Promotion", 3), gid("Promotion", 5),
	}
}

// abuseLeakPattern matches what would tell a client about segql's insides: a
// stack, a source position, a panic, SQL or a driver's message.
var abuseLeakPattern = regexp.MustCompile(`(?i)goroutine|\.go:\d|panic|runtime error|nil pointer|sql|pq:|/var/lib|secret\.db|trap`)

// abuseMarker is carried by requests whose answer must not echo them.
const abuseMarker = "ABUSE-MARKER-do-not-echo"

// abuseCase is one row of TestAbuse.
type abuseCase struct {
	name string
	// srv is the row's server; nil: server's, else the shared one.
	srv *abuseServer
	// server builds the row's own server inside its subtest.
	server func(t *testing.T) *abuseServer
	// send sends the crafted request and returns the answer.
	send   func(t *testing.T, s *abuseServer) rawResponse
	status int
	// codes are the extensions.code of every error, in order; nil: none.
	codes []string
	// beforeExecution: refused before any resolver ran, so no store round trip.
	beforeExecution bool
	// absent must not appear in the answer (markers of the request, B's data).
	absent []string
	// check looks at the answer further.
	check func(t *testing.T, s *abuseServer, r rawResponse, res *gqlResponse)
}

// abuseServe sends req through the handler.
func abuseServe(h http.Handler, req *http.Request) rawResponse {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rawResponse{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// abuseAuth is the header of a customer or admin token; guest sends an empty
// Authorization, which the helpers send as no token.
func abuseAuth(token string) http.Header {
	if token == guest {
		return http.Header{"Authorization": {""}}
	}
	return http.Header{"Authorization": {"Bearer " + token}}
}

// abusePostAs sends a query with a token of abuseToken's.
func abusePostAs(token, query string, vars map[string]any) func(*testing.T, *abuseServer) rawResponse {
	return func(t *testing.T, s *abuseServer) rawResponse {
		return s.with(t).raw(http.MethodPost, "/graphql", "application/json", postBody(query, vars), abuseAuth(abuseToken(s, token)))
	}
}

// abusePost sends a query as the admin with the write scope.
func abusePost(query string, vars map[string]any) func(*testing.T, *abuseServer) rawResponse {
	return abusePostAs("", query, vars)
}

// Who sends a row's request, with a token minted for the row's server;
// guest sends none.
const (
	asCustomerA    = "<customer A>"
	asCustomerAOn1 = "<customer A, token naming channel 1>"
	asAdminRead    = "<admin, read scope>"
	asAdminWrite   = ""
)

// abuseToken is the token who names, minted for s.
func abuseToken(s *abuseServer, who string) string {
	switch who {
	case asCustomerA:
		return s.token(abuseA, nil)
	case asCustomerAOn1:
		return s.token(abuseA, ptr(int64(1)))
	case asAdminRead:
		return s.AdminRead
	case asAdminWrite:
		return s.AdminWrite
	}
	return who
}

// sameJSONValue fails unless got and want are the same JSON value.
func sameJSONValue(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v: %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v: %s", what, err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

// abuseWantData checks a GraphQL answer's data.
func abuseWantData(want string) func(*testing.T, *abuseServer, rawResponse, *gqlResponse) {
	return func(t *testing.T, _ *abuseServer, _ rawResponse, res *gqlResponse) {
		t.Helper()
		sameJSONValue(t, "data", res.Data, want)
	}
}

// pageCursor is a cursor as page issues them, for a key of any list.
func pageCursor(key any) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "k:%v", key))
}

// signedHS256 signs claims with key.
func signedHS256(t *testing.T, key string, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unsignedJWT is a JWT with alg as its algorithm and no signature.
func unsignedJWT(alg string, claims map[string]any) string {
	b64 := base64.RawURLEncoding.EncodeToString
	return b64(must(json.Marshal(map[string]any{"alg": alg, "typ": "JWT"}))) + "." + b64(must(json.Marshal(claims))) + "."
}

// introspectionTooDeep checks gqlparser's refusal of deep introspection.
func introspectionTooDeep(t *testing.T, _ *abuseServer, _ rawResponse, res *gqlResponse) {
	t.Helper()
	equal(t, "message", res.Errors[0].Message, "Maximum introspection depth exceeded")
}

// expiresIn is an exp claim m minutes from now.
func expiresIn(m int) int64 { return time.Now().Add(time.Duration(m) * time.Minute).Unix() }

func TestAbuse(t *testing.T) {
	shared := newAbuseServer(t)
	withDeadline := newAbuseServer(t, func(o *api.Options) { o.RequestTimeout = time.Second })
	withGraphiQL := newAbuseServer(t, func(o *api.Options) { o.GraphiQL = true })
	oneStore := newAbuseServer(t, func(o *api.Options) {
		v := auth.NewVerifier([]byte("test-secret"))
		v.StoreHash = "abc123"
		o.Customers = v
	})

	// The GraphiQL page's first asset, to ask for it where GraphiQL is off.
	page := withGraphiQL.with(t).raw(http.MethodGet, "/", "", nil, nil)
	asset := regexp.MustCompile(`/graphiql/[^"' ]+`).Find(page.Body)
	if page.Status != http.StatusOK || asset == nil {
		t.Fatalf("GraphiQL page where enabled: %d, asset %q", page.Status, asset)
	}

	// Requests ABUSE.md names.
	typenames := func(n int) string { return "{" + strings.Repeat(" __typename", n) + " }" }
	wideFragments := "{ " + nest(20, func(int) string {
		return strings.Repeat("... on Query { __typename } ", 99) + "... on Query { "
	}, "__typename") + " }"
	cyclic := nest(20, func(i int) string {
		if i%2 == 0 {
			return "segments(first: 1) { nodes { id "
		}
		return "shopperProfiles(first: 1) { nodes { id "
	}, "__typename")
	cyclic = "{ " + strings.ReplaceAll(cyclic, " }", " } }") + " }"
	aliases := func(n int, field func(i int) string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: %s", i, field(i))
		}
		return b.String() + " }"
	}
	uuids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = testID("abuse", i)
		}
		return out
	}
	// ABUSE.md's deep introspection: gqlparser's validation refuses
	// fields { type { fields ... three deep from anyone.
	deepIntrospection := `{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }`
	shallowIntrospection := `{ __schema { types { name fields { name } } } }`
	// As deep as GraphiQL's own introspection query reaches: 15.
	deepestIntrospection := `{ __schema { types { fields { type ` +
		nest(10, func(int) string { return "{ ofType " }, "{ name }") + ` } } } }`
	tooDeepIntrospection := `{ __schema { types { fields { type ` +
		nest(14, func(int) string { return "{ ofType " }, "{ name }") + ` } } } }`
	const createMarked = `mutation { createSegments(input: [{name: "` + abuseMarker + `"}]) { segments { uuid } } }`
	jsonBody := postBody(createMarked, nil)
	var multipartBody bytes.Buffer
	mw := multipart.NewWriter(&multipartBody)
	_ = mw.WriteField("operations", string(jsonBody))
	_ = mw.Close()
	raw := func(method, target, contentType string, body []byte, header http.Header) func(*testing.T, *abuseServer) rawResponse {
		return func(t *testing.T, s *abuseServer) rawResponse {
			return s.with(t).raw(method, target, contentType, body, header)
		}
	}
	tokenRefused := func(token func(t *testing.T, s *abuseServer) string) func(*testing.T, *abuseServer) rawResponse {
		return func(t *testing.T, s *abuseServer) rawResponse {
			return s.with(t).raw(http.MethodPost, "/graphql", "application/json",
				postBody(`{ viewer { isGuest customer { email } } }`, nil), abuseAuth(token(t, s)))
		}
	}
	withClaims := func(key string, claims jwt.MapClaims) func(*testing.T, *abuseServer) string {
		return func(t *testing.T, _ *abuseServer) string { return signedHS256(t, key, claims) }
	}
	// Why a token was refused is logged, never told.
	genericRefusal := []string{"expired", "signature", "store_hash", "alg", "exp ", "none", "secret"}

	const viewerQuery = `{ viewer { isGuest customer { customerId email } shopperProfile { uuid } } }`
	viewerOfA := fmt.Sprintf(`{"viewer":{"isGuest":false,"customer":{"customerId":1,"email":"shopper1@example.com"},"shopperProfile":{"uuid":%q}}}`, profileID(1))
	segmentsOfA := sortedIDs(segID, 1, 3)
	nodesOf := func(ids []string) string {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = fmt.Sprintf(`{"uuid":%q}`, id)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	ofAAfter := func(key string, after bool) []string {
		var out []string
		for _, id := range segmentsOfA {
			if after && id > key || !after && id < key {
				out = append(out, id)
			}
		}
		return out
	}

	cases := []abuseCase{
		// Size and amount.
		{name: "01 body over the byte cap", send: abusePost("{ __typename }", map[string]any{"pad": strings.Repeat(abuseMarker, 65<<10/len(abuseMarker)+1)}),
			status: http.StatusRequestEntityTooLarge, codes: []string{api.CodeRequestTooLarge}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "01 body over the byte cap, no Content-Length", send: func(t *testing.T, s *abuseServer) rawResponse {
			body := postBody(createMarked, map[string]any{"pad": strings.Repeat(abuseMarker, 65<<10/len(abuseMarker)+1)})
			req := httptest.NewRequest(http.MethodPost, "/graphql", io.MultiReader(bytes.NewReader(body)))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+s.AdminWrite)
			return abuseServe(s.Handler, req)
		}, status: http.StatusRequestEntityTooLarge, codes: []string{api.CodeRequestTooLarge}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "01 GET query string over the byte cap", send: raw(http.MethodGet,
			"/graphql?query="+url.QueryEscape("{ __typename }")+"&pad="+strings.Repeat(abuseMarker, 65<<10/len(abuseMarker)+1), "", nil, nil),
			status: http.StatusRequestURITooLong, codes: []string{api.CodeRequestTooLarge}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "02 3000 __typename", send: abusePost(typenames(3000), nil),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_PARSE_FAILED"}, beforeExecution: true},
		{name: "03 20 levels of inline fragments, 100 wide", send: abusePost(wideFragments, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_PARSE_FAILED"}, beforeExecution: true},
		{name: "04 just over the parser token limit", send: abusePost(typenames(api.DefaultMaxTokens-1), nil),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_PARSE_FAILED"}, beforeExecution: true},
		{name: "04 at the parser token limit: runs", send: abusePost(typenames(api.DefaultMaxTokens-2), nil),
			status: http.StatusOK, beforeExecution: true,
			check: func(t *testing.T, _ *abuseServer, _ rawResponse, res *gqlResponse) {
				sameJSONValue(t, "data", res.Data, `{"__typename":"Query"}`)
			}},
		{name: "05 first: 100000", send: abusePost(`{ segments(first: 100000) { totalCount } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"BAD_USER_INPUT"}, beforeExecution: true},
		{name: "05 first: -1", send: abusePost(`{ segments(first: -1) { totalCount } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"BAD_USER_INPUT"}, beforeExecution: true},
		{name: "05 last: 1000", send: abusePost(`{ segments(last: 1000) { totalCount } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"BAD_USER_INPUT"}, beforeExecution: true},
		{name: "05 first and last together", send: abusePost(`{ segments(first: 1, last: 1) { totalCount } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"BAD_USER_INPUT"}, beforeExecution: true},
		{name: "05 first: 100000 from a variable, as a shopper", send: abusePostAs(asCustomerA, `query($n: Int) { viewer { segments(first: $n) { totalCount } } }`, map[string]any{"n": 100000}),
			status: http.StatusUnprocessableEntity, codes: []string{"BAD_USER_INPUT"}, beforeExecution: true},
		{name: "06 nested connections of 250, three deep", send: abusePost(`{ segments(first: 250) { nodes { shopperProfiles(first: 250) {
			nodes { segments(first: 250) { nodes { id } } } } } } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeCostLimitExceeded}, beforeExecution: true,
			check: func(t *testing.T, _ *abuseServer, _ rawResponse, res *gqlResponse) {
				if cost, _ := res.Errors[0].Extensions["cost"].(float64); cost <= api.DefaultMaxCost {
					t.Errorf("extensions.cost %v, want the estimate over %d", res.Errors[0].Extensions["cost"], api.DefaultMaxCost)
				}
			}},
		{name: "07 segment → profiles → segments, 20 deep", send: abusePost(cyclic, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeDepthLimitExceeded}, beforeExecution: true},
		{name: "08 a list argument of 251 items", send: abusePost(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": uuids(251)}),
			status: http.StatusUnprocessableEntity, codes: []string{"BAD_USER_INPUT"}, beforeExecution: true},
		{name: "08 251 members added in one call", send: abusePost(`mutation($s: ID!, $p: [ID!]!) { addShopperProfilesToSegment(segmentUuid: $s, shopperProfileUuids: $p) { added { uuid } } }`,
			map[string]any{"s": segID(3), "p": uuids(251)}),
			status: http.StatusUnprocessableEntity, codes: []string{"BAD_USER_INPUT"}, beforeExecution: true},
		{name: "08 members over the configured batch size", send: abusePost(`mutation($s: ID!, $p: [ID!]!) {
			addShopperProfilesToSegment(segmentUuid: $s, shopperProfileUuids: $p) { added { uuid } userErrors { field code } } }`,
			map[string]any{"s": segID(3), "p": append(uuids(50), profileID(2))}),
			status: http.StatusOK, beforeExecution: true,
			check: abuseWantData(`{"addShopperProfilesToSegment":{"added":[],"userErrors":[{"field":["shopperProfileUuids"],"code":"TOO_MANY_ITEMS"}]}}`)},

		// Batching.
		{name: "09 101 aliases of one field", send: abusePost(aliases(101, func(int) string { return "__typename" }), nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeAliasLimitExceeded}, beforeExecution: true},
		{name: "09 100 aliases of node(id:) walking ids", send: abusePost(aliases(100, func(i int) string {
			return fmt.Sprintf(`node(id: %q) { id }`, gid("Customer", i+1))
		}), nil), status: http.StatusUnprocessableEntity, codes: []string{api.CodeAliasLimitExceeded}, beforeExecution: true},
		{name: "10 a JSON array of ten operations", send: func(t *testing.T, s *abuseServer) rawResponse {
			ops := make([]map[string]any, 10)
			for i := range ops {
				ops[i] = map[string]any{"query": createMarked}
			}
			return s.with(t).raw(http.MethodPost, "/graphql", "application/json", must(json.Marshal(ops)), nil)
		}, status: http.StatusBadRequest, codes: []string{api.CodeBatchNotSupported}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "11 two mutations from a customer", send: abusePostAs(asCustomerA, `mutation {
			a: createSegments(input: [{name: "One"}]) { segments { uuid } }
			b: deleteSegments(uuids: ["`+segID(2)+`"]) { deletedUuids } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeMutationLimitExceeded}, beforeExecution: true},
		{name: "11 two mutations from a guest, one through a fragment", send: abusePostAs(guest, `mutation {
			a: createSegments(input: [{name: "One"}]) { segments { uuid } } ...M }
			fragment M on Mutation { b: createSegments(input: [{name: "Two"}]) { segments { uuid } } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeMutationLimitExceeded}, beforeExecution: true},

		// Fragments and introspection.
		{name: "12 fragments spreading each other in a cycle", send: abusePost(`{ segments { ...A } }
			fragment A on SegmentConnection { totalCount ...B }
			fragment B on SegmentConnection { totalCount ...A }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_VALIDATION_FAILED"}, beforeExecution: true},
		{name: "13 the deep introspection of ABUSE.md from a customer", send: abusePostAs(asCustomerA, deepIntrospection, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_VALIDATION_FAILED"}, beforeExecution: true,
			check: introspectionTooDeep},
		{name: "13 the deep introspection of ABUSE.md from an admin", send: abusePostAs(asAdminRead, deepIntrospection, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_VALIDATION_FAILED"}, beforeExecution: true,
			check: introspectionTooDeep},
		{name: "13 introspection from a customer", send: abusePostAs(asCustomerA, shallowIntrospection, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeIntrospectionDisabled}, beforeExecution: true},
		{name: "13 __type hidden in a fragment, from a guest", send: abusePostAs(guest, `{ ...F } fragment F on Query { __type(name: "Segment") { fields { name } } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeIntrospectionDisabled}, beforeExecution: true},
		{name: "13 introspection 15 deep from an admin, under the depth limit", send: abusePostAs(asAdminRead, deepestIntrospection, nil),
			status: http.StatusOK, beforeExecution: true,
			check: func(t *testing.T, _ *abuseServer, _ rawResponse, res *gqlResponse) {
				if !bytes.Contains(res.Data, []byte(`"ofType"`)) {
					t.Errorf("admin introspection answered %.200s", res.Data)
				}
			}},
		{name: "13 introspection over the depth limit from an admin", send: abusePostAs(asAdminRead, tooDeepIntrospection, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeDepthLimitExceeded}, beforeExecution: true},
		{name: "14 a misspelled field from a customer", send: abusePostAs(asCustomerA, `{ viewer { isGust } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_VALIDATION_FAILED"}, beforeExecution: true,
			absent: []string{"Did you mean", "isGuest"}},
		{name: "14 a misspelled type, argument and enum value from a guest", send: abusePostAs(guest, `{
			viewer { ... on Viewr { isGuest } segments(frist: 1) { totalCount } }
			promotions(filter: {status: ENABLD}) { totalCount } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_VALIDATION_FAILED"},
			beforeExecution: true, absent: []string{"Did you mean", `"Viewer"`, `"first"`, "ENABLED"}},
		{name: "14 a misspelled enum value in a variable from a guest", send: abusePostAs(guest, `query($s: PromotionStatus) { promotions(filter: {status: $s}) { totalCount } }`,
			map[string]any{"s": "ENABLD"}),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_VALIDATION_FAILED"}, beforeExecution: true,
			absent: []string{"Did you mean", "ENABLED"}},
		{name: "14 a misspelled field from an admin keeps the suggestion", send: abusePostAs(asAdminRead, `{ viewer { isGust } }`, nil),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_VALIDATION_FAILED"}, beforeExecution: true,
			check: func(t *testing.T, _ *abuseServer, _ rawResponse, res *gqlResponse) {
				if !strings.Contains(res.Errors[0].Message, `Did you mean "isGuest"?`) {
					t.Errorf("admin message %q lacks the suggestion", res.Errors[0].Message)
				}
			}},

		// Leaks.
		{name: "15 malformed JSON", send: raw(http.MethodPost, "/graphql", "application/json",
			[]byte(`{"query": "`+abuseMarker+`", "variables": {"password": "`+abuseMarker+`"`), nil),
			status: http.StatusBadRequest, codes: []string{"BAD_REQUEST"}, beforeExecution: true, absent: []string{abuseMarker, "password"}},
		{name: "15 a truncated body", send: raw(http.MethodPost, "/graphql", "application/json", []byte(`{"query":`), nil),
			status: http.StatusBadRequest, codes: []string{"BAD_REQUEST"}, beforeExecution: true, absent: []string{`{"query":`}},
		{name: "16 a panic inside a resolver", send: abusePost(`{ segments(filter: {nameContains: "`+trapPanic+`"}) { totalCount } }`, nil),
			status: http.StatusOK, codes: []string{api.CodeInternal},
			check: func(t *testing.T, s *abuseServer, _ rawResponse, res *gqlResponse) {
				equal(t, "message", res.Errors[0].Message, "internal server error")
				equal(t, "path", res.Errors[0].Path, []any{"segments"})
				// segments is non-null: its error nulls the whole answer.
				equal(t, "data", string(res.Data), "null")
				log := s.log.String()
				if !strings.Contains(log, "panic in resolver") || !strings.Contains(log, trapDetail) || !strings.Contains(log, "goroutine ") {
					t.Errorf("the log lacks the panic and its stack:\n%.2000s", log)
				}
			}},
		{name: "16 a panic inside a batched store call", send: abusePost(fmt.Sprintf(`{ customer(customerId: %d) { email } promotion(promotionId: 1) { name } }`, trapPanicCustomer), nil),
			status: http.StatusOK, codes: []string{api.CodeInternal},
			check: func(t *testing.T, _ *abuseServer, _ rawResponse, res *gqlResponse) {
				equal(t, "message", res.Errors[0].Message, "internal server error")
				sameJSONValue(t, "the rest of the answer", res.Data, `{"customer":null,"promotion":{"name":"Promotion 1"}}`)
			}},
		{name: "16 a panic inside a cached store call", server: func(t *testing.T) *abuseServer { return newAbuseServer(t, onRedis(t)) },
			send:   abusePost(fmt.Sprintf(`{ customer(customerId: %d) { email } promotion(promotionId: 1) { name } }`, trapPanicCustomer), nil),
			status: http.StatusOK, codes: []string{api.CodeInternal},
			check: func(t *testing.T, s *abuseServer, _ rawResponse, res *gqlResponse) {
				equal(t, "message", res.Errors[0].Message, "internal server error")
				sameJSONValue(t, "the rest of the answer", res.Data, `{"customer":null,"promotion":{"name":"Promotion 1"}}`)
				log := s.log.String()
				if !strings.Contains(log, "store load panicked") || !strings.Contains(log, trapDetail) || !strings.Contains(log, "goroutine ") {
					t.Errorf("the log lacks the panic and its stack:\n%.2000s", log)
				}
			}},
		{name: "17 GraphiQL outside demo mode", send: raw(http.MethodGet, "/", "", nil, http.Header{"Accept": {"text/html"}}),
			status: http.StatusNotFound, beforeExecution: true, absent: []string{"graphiql", "GraphiQL", "<html"}},
		{name: "17 GraphiQL's assets outside demo mode", send: raw(http.MethodGet, string(asset), "", nil, nil),
			status: http.StatusNotFound, beforeExecution: true, absent: []string{"graphiql", "GraphiQL"}},
		{name: "17 a Playground path", send: raw(http.MethodGet, "/playground", "", nil, http.Header{"Accept": {"text/html"}}),
			status: http.StatusNotFound, beforeExecution: true, absent: []string{"<html"}},
		{name: "17 the endpoint asked for a page", send: raw(http.MethodGet, "/graphql", "", nil, http.Header{"Accept": {"text/html"}}),
			status: http.StatusUnprocessableEntity, codes: []string{"GRAPHQL_VALIDATION_FAILED"}, beforeExecution: true, absent: []string{"<html", "graphiql", "playground"}},
		{name: "17 GraphiQL where enabled", srv: withGraphiQL, send: raw(http.MethodGet, "/", "", nil, nil),
			status: http.StatusOK, beforeExecution: true,
			check: func(t *testing.T, _ *abuseServer, r rawResponse, _ *gqlResponse) {
				if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !bytes.Contains(r.Body, []byte("graphiql")) {
					t.Errorf("GraphiQL page: %s %.200s", r.Header.Get("Content-Type"), r.Body)
				}
			}},

		// Transport.
		{name: "18 a mutation over GET", send: raw(http.MethodGet, "/graphql?query="+url.QueryEscape(createMarked), "", nil, nil),
			status: http.StatusMethodNotAllowed, codes: []string{api.CodeMethodNotAllowed}, beforeExecution: true, absent: []string{abuseMarker},
			check: func(t *testing.T, _ *abuseServer, r rawResponse, _ *gqlResponse) {
				equal(t, "Allow", r.Header.Get("Allow"), "POST")
			}},
		{name: "19 a form POST", send: raw(http.MethodPost, "/graphql", "application/x-www-form-urlencoded",
			[]byte(url.Values{"query": {createMarked}}.Encode()), nil),
			status: http.StatusUnsupportedMediaType, codes: []string{api.CodeUnsupportedMediaType}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "19 a multipart POST", send: raw(http.MethodPost, "/graphql", mw.FormDataContentType(), multipartBody.Bytes(), nil),
			status: http.StatusUnsupportedMediaType, codes: []string{api.CodeUnsupportedMediaType}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "19 a text/plain POST", send: raw(http.MethodPost, "/graphql", "text/plain", jsonBody, nil),
			status: http.StatusUnsupportedMediaType, codes: []string{api.CodeUnsupportedMediaType}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "20 a POST with no Content-Type", send: raw(http.MethodPost, "/graphql", "", jsonBody, nil),
			status: http.StatusUnsupportedMediaType, codes: []string{api.CodeUnsupportedMediaType}, beforeExecution: true, absent: []string{abuseMarker}},

		// Identity.
		{name: "21 a token with alg none", send: tokenRefused(func(*testing.T, *abuseServer) string {
			return unsignedJWT("none", map[string]any{"sub": "1", "exp": expiresIn(10)})
		}), status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 a token with alg NONE", send: tokenRefused(func(*testing.T, *abuseServer) string {
			return unsignedJWT("NONE", map[string]any{"sub": "1", "exp": expiresIn(10)})
		}), status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 a token signed HS512 with the right secret", send: tokenRefused(func(t *testing.T, _ *abuseServer) string {
			return must(jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"sub": "1", "exp": expiresIn(10)}).SignedString([]byte("test-secret")))
		}), status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 a token with a wrong signature", send: tokenRefused(withClaims("another-secret", jwt.MapClaims{"sub": "1", "exp": expiresIn(10)})),
			status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 a token whose claims were changed after signing", send: tokenRefused(func(t *testing.T, s *abuseServer) string {
			parts := strings.Split(s.token(abuseA, nil), ".")
			claims := base64.RawURLEncoding.EncodeToString(must(json.Marshal(map[string]any{"sub": "2", "exp": expiresIn(10)})))
			return parts[0] + "." + claims + "." + parts[2]
		}), status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 an expired token", send: tokenRefused(withClaims("test-secret", jwt.MapClaims{"sub": "1", "exp": expiresIn(-1)})),
			status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 a token good for three hours", send: tokenRefused(withClaims("test-secret", jwt.MapClaims{"sub": "1", "exp": expiresIn(180)})),
			status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 a token without exp", send: tokenRefused(withClaims("test-secret", jwt.MapClaims{"sub": "1"})),
			status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 a token for another store", srv: oneStore, send: tokenRefused(withClaims("test-secret",
			jwt.MapClaims{"customer": map[string]any{"id": 1}, "store_hash": "zzz999", "exp": expiresIn(10)})),
			status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 a token naming no store where one is set", srv: oneStore, send: tokenRefused(withClaims("test-secret",
			jwt.MapClaims{"customer": map[string]any{"id": 1}, "exp": expiresIn(10)})),
			status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: genericRefusal},
		{name: "21 a token for this store is accepted", srv: oneStore, send: tokenRefused(withClaims("test-secret",
			jwt.MapClaims{"customer": map[string]any{"id": 1}, "store_hash": "abc123", "exp": expiresIn(10)})),
			status: http.StatusOK, check: abuseWantData(`{"viewer":{"isGuest":false,"customer":{"email":"shopper1@example.com"}}}`)},
		{name: "22 a customer token on a mutation", send: abusePostAs(asCustomerA, createMarked, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeForbidden}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "22 a guest on a mutation", send: abusePostAs(guest, createMarked, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeForbidden}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "22 a read-scope admin token on a mutation", send: abusePostAs(asAdminRead, createMarked, nil),
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeForbidden}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "22 a read-scope admin token in X-Auth-Token on a mutation", send: func(t *testing.T, s *abuseServer) rawResponse {
			return s.with(t).raw(http.MethodPost, "/graphql", "application/json", jsonBody, http.Header{"X-Auth-Token": {s.AdminRead}})
		},
			status: http.StatusUnprocessableEntity, codes: []string{api.CodeForbidden}, beforeExecution: true, absent: []string{abuseMarker}},
		{name: "22 a customer token on the admin roots: answered as empty", send: abusePostAs(asCustomerA, `{
			customers { totalCount nodes { email } } customer(customerId: 2) { email }
			shopperProfiles { totalCount } segments { totalCount } segment(uuid: "`+segID(1)+`") { name } }`, nil),
			status: http.StatusOK, absent: shopperBMarkers(),
			check: abuseWantData(`{"customers":{"totalCount":0,"nodes":[]},"customer":null,"shopperProfiles":{"totalCount":0},"segments":{"totalCount":0},"segment":null}`)},

		// A customer id beside the token: the token decides.
		{name: "23 X-Customer-Id and friends beside customer A's token", send: func(t *testing.T, s *abuseServer) rawResponse {
			h := abuseAuth(s.token(abuseA, nil))
			for _, name := range []string{"X-Customer-Id", "X-Shopper-Id", "Customer-Id", "X-Bc-Customer-Id", "X-Forwarded-User"} {
				h.Set(name, "2")
			}
			return s.with(t).raw(http.MethodPost, "/graphql", "application/json", postBody(viewerQuery, nil), h)
		}, status: http.StatusOK, absent: shopperBMarkers(), check: abuseWantData(viewerOfA)},
		{name: "23 X-Customer-Id from a guest", send: raw(http.MethodPost, "/graphql", "application/json", postBody(viewerQuery, nil),
			http.Header{"Authorization": {""}, "X-Customer-Id": {"2"}}),
			status: http.StatusOK, absent: shopperBMarkers(), check: abuseWantData(`{"viewer":{"isGuest":true,"customer":null,"shopperProfile":null}}`)},
		{name: "23 B's customer id in arguments beside A's token", send: abusePostAs(asCustomerA, `query($b: Int64!, $bs: [Int64!]) {
			viewer { customer { customerId } }
			customer(customerId: $b) { email }
			shopperProfiles(filter: {customerIds: $bs}) { totalCount nodes { uuid } }
			customers(filter: {emails: ["shopper2@example.com"]}) { nodes { customerId } } }`, map[string]any{"b": 2, "bs": []int{2}}),
			status: http.StatusOK, absent: shopperBMarkers(),
			check: abuseWantData(`{"viewer":{"customer":{"customerId":1}},"customer":null,"shopperProfiles":{"totalCount":0,"nodes":[]},"customers":{"nodes":[]}}`)},
		{name: "23 a channel argument beside a token naming channel 1", send: abusePostAs(asCustomerAOn1, `{ viewer { eligiblePromotions(channelId: 2) { promotionId } } }`, nil),
			status: http.StatusOK, check: abuseWantData(`{"viewer":{"eligiblePromotions":[{"promotionId":1},{"promotionId":4}]}}`)},
		{name: "23 B's token in X-Auth-Token beside A's bearer", send: func(t *testing.T, s *abuseServer) rawResponse {
			h := abuseAuth(s.token(abuseA, nil))
			h.Set("X-Auth-Token", s.token(abuseB, nil))
			return s.with(t).raw(http.MethodPost, "/graphql", "application/json", postBody(viewerQuery, nil), h)
		}, status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: shopperBMarkers()},
		{name: "23 a customer token in X-Auth-Token", send: func(t *testing.T, s *abuseServer) rawResponse {
			return s.with(t).raw(http.MethodPost, "/graphql", "application/json", postBody(viewerQuery, nil),
				http.Header{"X-Auth-Token": {s.token(abuseB, nil)}})
		}, status: http.StatusUnauthorized, codes: []string{api.CodeUnauthenticated}, beforeExecution: true, absent: shopperBMarkers()},

		// Customer A asking for B's objects: not found, whatever the path.
		{name: "24 B's objects by node id", send: abusePostAs(asCustomerA, `query($c: ID!, $p: ID!, $s: ID!, $p2: ID!, $p3: ID!, $p5: ID!) {
			c: node(id: $c) { id ... on Customer { email } } p: node(id: $p) { id ... on ShopperProfile { uuid } }
			s: node(id: $s) { id ... on Segment { name } } p2: node(id: $p2) { id ... on Promotion { name } }
			p3: node(id: $p3) { id } p5: node(id: $p5) { id } }`, map[string]any{
			"c": gid("Customer", 2), "p": gid("ShopperProfile", profileID(2)), "s": gid("Segment", segID(2)),
			"p2": gid("Promotion", 2), "p3": gid("Promotion", 3), "p5": gid("Promotion", 5)}),
			status: http.StatusOK, absent: shopperBMarkers(), check: abuseWantData(`{"c":null,"p":null,"s":null,"p2":null,"p3":null,"p5":null}`)},
		{name: "24 B's objects in nodes(ids:) beside A's own", send: abusePostAs(asCustomerA, `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Customer { customerId } } }`,
			map[string]any{"ids": []string{gid("Customer", 2), gid("Customer", 1), gid("ShopperProfile", profileID(2)), gid("Segment", segID(2)), gid("Promotion", 5)}}),
			status: http.StatusOK, absent: shopperBMarkers(),
			check: abuseWantData(fmt.Sprintf(`{"nodes":[null,{"id":%q,"customerId":1},null,null,null]}`, gid("Customer", 1)))},
		{name: "24 B's objects through aliases of the roots", send: abusePostAs(asCustomerA, `{
			b1: customer(customerId: 2) { email } b2: shopperProfile(uuid: "`+profileID(2)+`") { uuid }
			b3: segment(uuid: "`+segID(2)+`") { name } b4: promotion(promotionId: 2) { name }
			b5: promotion(promotionId: 3) { name } b6: promotion(promotionId: 5) { name } mine: promotion(promotionId: 4) { name } }`, nil),
			status: http.StatusOK, absent: shopperBMarkers(),
			check: abuseWantData(`{"b1":null,"b2":null,"b3":null,"b4":null,"b5":null,"b6":null,"mine":{"name":"Promotion 4"}}`)},
		{name: "24 B's objects through edges of A's own", send: abusePostAs(asCustomerA, `{ viewer {
			segments(first: 10) { edges { node { uuid shopperProfiles(first: 10) { totalCount edges { node { customer { email } } } }
				promotions(first: 10) { totalCount edges { node { name } } } } } }
			shopperProfile { customer { customerId } segments(first: 10) { edges { node { uuid } } } }
			eligiblePromotions { promotionId targetedSegments { uuid name } } } }`, nil),
			status: http.StatusOK, absent: shopperBMarkers(),
			check: func(t *testing.T, _ *abuseServer, _ rawResponse, res *gqlResponse) {
				var edges []string
				for _, id := range segmentsOfA {
					edges = append(edges, fmt.Sprintf(`{"node":{"uuid":%q,"shopperProfiles":{"totalCount":0,"edges":[]},"promotions":{"totalCount":0,"edges":[]}}}`, id))
				}
				var own []string
				for _, id := range segmentsOfA {
					own = append(own, fmt.Sprintf(`{"node":{"uuid":%q}}`, id))
				}
				sameJSONValue(t, "data", res.Data, fmt.Sprintf(`{"viewer":{"segments":{"edges":[%s]},"shopperProfile":{"customer":{"customerId":1},"segments":{"edges":[%s]}},
					"eligiblePromotions":[{"promotionId":1,"targetedSegments":[]},{"promotionId":4,"targetedSegments":[{"uuid":%q,"name":"Shared"}]}]}}`,
					strings.Join(edges, ","), strings.Join(own, ","), segID(1)))
			}},
		{name: "24 cursors taken from A's pages and edited", send: abusePostAs(asCustomerA, `query($s2: String!, $p2: String!, $c1: String!, $pr1: String!) {
			viewer { after: segments(after: $s2) { nodes { uuid } } before: segments(last: 5, before: $s2) { nodes { uuid } }
				shopperProfile { segments(after: $s2) { nodes { uuid } } } }
			customers(after: $c1) { nodes { email } } shopperProfiles(after: $p2) { nodes { uuid } }
			segments(after: $s2) { nodes { uuid } } promotions(after: $pr1) { nodes { promotionId } } }`,
			map[string]any{"s2": pageCursor(segID(2)), "p2": pageCursor(profileID(1)), "c1": pageCursor(1), "pr1": pageCursor(1)}),
			status: http.StatusOK, absent: shopperBMarkers(),
			check: func(t *testing.T, _ *abuseServer, _ rawResponse, res *gqlResponse) {
				after, before := nodesOf(ofAAfter(segID(2), true)), nodesOf(ofAAfter(segID(2), false))
				sameJSONValue(t, "data", res.Data, fmt.Sprintf(`{"viewer":{"after":{"nodes":%s},"before":{"nodes":%s},"shopperProfile":{"segments":{"nodes":%s}}},
					"customers":{"nodes":[]},"shopperProfiles":{"nodes":[]},"segments":{"nodes":[]},
					"promotions":{"nodes":[{"promotionId":4},{"promotionId":6}]}}`, after, before, after))
			}},

		// Load and faults.
		{name: "27 a client that disconnects mid-request", send: func(t *testing.T, s *abuseServer) rawResponse {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req := httptest.NewRequest(http.MethodPost, "/graphql",
				bytes.NewReader(postBody(`{ segments(filter: {nameContains: "`+trapBlock+`"}) { totalCount } }`, nil))).WithContext(ctx)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+s.AdminWrite)
			done := make(chan rawResponse, 1)
			go func() { done <- abuseServe(s.Handler, req) }()
			select {
			case <-s.trap.entered:
			case r := <-done:
				t.Fatalf("answered before the store call started: %d %s", r.Status, r.Body)
			}
			cancel()
			r := <-done
			equal(t, "the store call ended with", <-s.trap.left, context.Canceled)
			return r
		}, status: http.StatusOK, codes: []string{api.CodeCancelled}},
		{name: "29 a request past its deadline", srv: withDeadline, send: func(t *testing.T, s *abuseServer) rawResponse {
			done := make(chan rawResponse, 1)
			go func() {
				done <- s.with(t).raw(http.MethodPost, "/graphql", "application/json",
					postBody(`{ segments(filter: {nameContains: "`+trapBlock+`"}) { totalCount } promotion(promotionId: 1) { name } }`, nil), nil)
			}()
			<-s.trap.entered
			r := <-done
			equal(t, "the store call ended with", <-s.trap.left, context.DeadlineExceeded)
			return r
		}, status: http.StatusOK, codes: []string{api.CodeTimeout}},
	}

	names := map[string]bool{}
	for _, c := range cases {
		if names[c.name] {
			t.Fatalf("two rows named %q", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			s := c.srv
			switch {
			case c.server != nil:
				s = c.server(t)
			case s == nil:
				s = shared
			}
			ts := s.with(t)
			before := ts.storeQueries()
			start := time.Now()
			r := c.send(t, s)
			took := time.Since(start)
			t.Logf("%s: HTTP %d in %v: %.200s", c.name, r.Status, took, bytes.TrimSpace(r.Body))

			if r.Status != c.status {
				t.Errorf("status %d, want %d: %.500s", r.Status, c.status, r.Body)
			}
			var res *gqlResponse
			if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "application/graphql-response+json") {
				g := ts.gql(r)
				res = &g
				if codes := codesOf(g); !slices.Equal(codes, c.codes) {
					t.Errorf("codes %v, want %v: %.500s", codes, c.codes, r.Body)
				}
			} else if c.codes != nil {
				t.Errorf("a %q answer, want a GraphQL error: %.300s", ct, r.Body)
			}
			if c.beforeExecution {
				if n := ts.storeQueries() - before; n != 0 {
					t.Errorf("%v store round trips, want none before execution", n)
				}
				if res != nil && res.Data != nil && string(res.Data) != "null" && c.codes != nil {
					t.Errorf("data %s for a request refused before execution", res.Data)
				}
			}
			if m := abuseLeakPattern.Find(r.Body); m != nil {
				t.Errorf("the answer tells internals (%q): %.500s", m, r.Body)
			}
			for _, a := range c.absent {
				if bytes.Contains(r.Body, []byte(a)) {
					t.Errorf("the answer holds %q: %.500s", a, r.Body)
				}
			}
			if c.check != nil {
				if res == nil {
					res = &gqlResponse{}
				}
				c.check(t, s, r, res)
			}
			abuseCheckHealthy(t, s)
		})
	}
}

// abuseCheckHealthy asks /healthz and a normal query: the server answers, and
// the store holds abuseFixture unchanged.
func abuseCheckHealthy(t *testing.T, s *abuseServer) {
	t.Helper()
	ts := s.with(t)
	if r := ts.raw(http.MethodGet, "/healthz", "", nil, nil); r.Status != http.StatusOK || string(r.Body) != "ok\n" {
		t.Errorf("healthz afterwards: %d %q", r.Status, r.Body)
	}
	res := ts.do(abuseHealthQuery, nil, "")
	if res.Status != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("a normal query afterwards: %d %+v", res.Status, res.Errors)
	}
	names := make([]string, 0, 3)
	byID := map[string]string{segID(1): "Shared", segID(2): bOnlySegmentName, segID(3): "Aonly Segment"}
	for _, id := range sortedIDs(segID, 1, 2, 3) {
		names = append(names, fmt.Sprintf(`{"name":%q}`, byID[id]))
	}
	sameJSONValue(t, "the store afterwards", res.Data, fmt.Sprintf(abuseHealthyData, strings.Join(names, ",")))
}
