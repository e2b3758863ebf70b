package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/store"
)

// past is the timestamp fixtures are stamped with: well before any test
// runs, so a write made by a test is always later.
var past = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// with returns the server for a subtest: the same handler and store, with
// failures reported on t.
func (ts *testServer) with(t testing.TB) *testServer {
	c := *ts
	c.t = t
	return &c
}

// checkCodes fails the test for any error of a response without a
// extensions.code: every error a client sees must carry one.
func (ts *testServer) checkCodes(res gqlResponse) {
	ts.t.Helper()
	for _, e := range res.Errors {
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			ts.t.Errorf("error without extensions.code (HTTP %d): %q %v", res.Status, e.Message, e.Extensions)
		}
	}
}

// rawResponse is an HTTP answer kept whole.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// raw sends any HTTP request to the handler, as the admin unless header
// carries a token or an empty Authorization.
func (ts *testServer) raw(method, target, contentType string, body []byte, header http.Header) rawResponse {
	ts.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	// Without a token of its own (an empty Authorization is a guest's),
	// the request is the admin's.
	if header.Get("Authorization") == "" && header.Get("X-Auth-Token") == "" && header["Authorization"] == nil {
		req.Header.Set("Authorization", "Bearer "+ts.AdminWrite)
	}
	rec := httptest.NewRecorder()
	ts.Handler.ServeHTTP(rec, req)
	return rawResponse{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// gql decodes a raw answer as a GraphQL response and checks its codes.
func (ts *testServer) gql(r rawResponse) gqlResponse {
	ts.t.Helper()
	var out gqlResponse
	if err := json.Unmarshal(r.Body, &out); err != nil {
		ts.t.Fatalf("response is not JSON (%d): %s", r.Status, r.Body)
	}
	out.Status = r.Status
	ts.checkCodes(out)
	return out
}

// post sends a GraphQL request body as JSON.
func (ts *testServer) post(body map[string]any) gqlResponse {
	ts.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		ts.t.Fatalf("encode body: %v", err)
	}
	return ts.gql(ts.raw(http.MethodPost, "/graphql", "application/json", b, nil))
}

// fail posts a request that must answer errors and returns their codes.
func (ts *testServer) fail(query string, vars map[string]any) []string {
	ts.t.Helper()
	res := ts.do(query, vars, "")
	if len(res.Errors) == 0 {
		ts.t.Fatalf("want errors, got none: %s", res.Data)
	}
	return codesOf(res)
}

// failCode posts a request that must fail with exactly one error of code.
func (ts *testServer) failCode(code, query string, vars map[string]any) {
	ts.t.Helper()
	got := ts.fail(query, vars)
	if !slices.Equal(got, []string{code}) {
		ts.t.Errorf("error codes %v, want [%s]", got, code)
	}
}

func codesOf(res gqlResponse) []string {
	var out []string
	for _, e := range res.Errors {
		code, _ := e.Extensions["code"].(string)
		out = append(out, code)
	}
	return out
}

// userError is a mutation payload's userErrors entry.
type userError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// ue is an expected userError: its field path and code.
func ue(code string, field ...string) userError { return userError{Field: field, Code: code} }

// userErrorFields is the selection of userErrors in every mutation below.
const userErrorFields = `userErrors { field message code }`

// checkUserErrors compares userErrors by field path and code, in order;
// every message must say something.
func checkUserErrors(t testing.TB, got []userError, want ...userError) {
	t.Helper()
	strip := func(es []userError) []userError {
		out := make([]userError, len(es))
		for i, e := range es {
			out[i] = userError{Field: e.Field, Code: e.Code}
			if out[i].Field == nil {
				out[i].Field = []string{}
			}
		}
		return out
	}
	if !reflect.DeepEqual(strip(got), strip(want)) {
		t.Errorf("userErrors:\n got %s\nwant %s", fmtUserErrors(got), fmtUserErrors(want))
	}
	for _, e := range got {
		if strings.TrimSpace(e.Message) == "" {
			t.Errorf("userError %v has no message", e.Field)
		}
	}
}

func fmtUserErrors(es []userError) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = fmt.Sprintf("%s%q", e.Code, e.Field)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// equal fails the test when got and want differ.
func equal[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// Fixture builders. Ids are stable: segment i is testID("segment", i),
// profile i is testID("profile", i).

func segID(i int) string     { return testID("segment", i) }
func profileID(i int) string { return testID("profile", i) }

func segment(i int, name string) store.Segment {
	return store.Segment{ID: segID(i), Name: name, Description: "about " + name, CreatedAt: past, UpdatedAt: past}
}

func customer(id int64) store.Customer {
	return store.Customer{
		ID: id, Email: fmt.Sprintf("shopper%d@example.com", id), FirstName: "Shopper", LastName: fmt.Sprint(id),
		CreatedAt: past, UpdatedAt: past,
	}
}

func profile(i int, customerID int64) store.ShopperProfile {
	return store.ShopperProfile{ID: profileID(i), CustomerID: customerID, CreatedAt: past, UpdatedAt: past}
}

func member(seg, prof int) store.Membership {
	return store.Membership{SegmentID: segID(seg), ProfileID: profileID(prof)}
}

func promotion(id int64, t store.Targeting) store.Promotion {
	return store.Promotion{
		ID: id, Name: fmt.Sprintf("Promotion %d", id), DisplayName: fmt.Sprintf("Deal %d", id),
		RedemptionType: store.RedemptionAutomatic, Status: store.StatusEnabled, StartsAt: past,
		CurrencyCode: "USD", Customer: t,
	}
}

// anyOf is the condition "in any of these segments".
func anyOf(segs ...int) *store.Condition {
	c := &store.Condition{}
	for _, s := range segs {
		c.ID = append(c.ID, segID(s))
	}
	return c
}

// sortedIDs returns the ids of segments or profiles i..., in UUID order.
func sortedIDs(id func(int) string, is ...int) []string {
	out := make([]string, len(is))
	for i, n := range is {
		out[i] = id(n)
	}
	slices.Sort(out)
	return out
}

func ptr[T any](v T) *T { return &v }
