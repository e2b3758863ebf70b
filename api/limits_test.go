package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/segql/segql/api"
	"github.com/segql/segql/store"
)

// refusalBound bounds how long a refusal may take: generous, since it is
// there to catch work done before refusing, not to measure speed.
const refusalBound = time.Second

// refusedListCap posts a request with a list argument over the generic cap
// of 250 items: refused with BAD_USER_INPUT before any resolver runs.
func (ts *testServer) refusedListCap(query string, vars map[string]any) {
	ts.t.Helper()
	before := ts.storeQueries()
	res := ts.do(query, vars, "")
	if res.Status != http.StatusUnprocessableEntity {
		ts.t.Errorf("status %d, want 422", res.Status)
	}
	equal(ts.t, "codes", codesOf(res), []string{"BAD_USER_INPUT"})
	if res.Data != nil && string(res.Data) != "null" {
		ts.t.Errorf("data %s, want none: nothing may run", res.Data)
	}
	if n := ts.storeQueries() - before; n != 0 {
		ts.t.Errorf("%v store round trips for a refused request, want 0", n)
	}
}

func postBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

// nest wraps inner in levels of open(i) ... "}".
func nest(levels int, open func(i int) string, inner string) string {
	var b strings.Builder
	for i := range levels {
		b.WriteString(open(i))
	}
	b.WriteString(inner)
	b.WriteString(strings.Repeat(" }", levels))
	return b.String()
}

func limitsFixture() fixture {
	f := fixture{
		Customers: []store.Customer{customer(1), customer(2)},
		Segments:  []store.Segment{segment(1, "One"), segment(2, "Two")},
		Profiles:  []store.ShopperProfile{profile(1, 1), profile(2, 2)},
	}
	f.Memberships = []store.Membership{member(1, 1), member(2, 1), member(1, 2)}
	return f
}

func TestRequestLimits(t *testing.T) {
	ts := newTestServer(t)
	ts.load(limitsFixture())

	uuids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = segID(i + 1)
		}
		return out
	}
	quoted := func(ss []string) string {
		b, _ := json.Marshal(ss)
		return string(b)
	}
	post := func(query string, vars map[string]any) func() rawResponse {
		return func() rawResponse {
			return ts.raw(http.MethodPost, "/graphql", "application/json", postBody(query, vars), nil)
		}
	}
	get := func(query string) func() rawResponse {
		return func() rawResponse {
			return ts.raw(http.MethodGet, "/graphql?query="+url.QueryEscape(query), "", nil, nil)
		}
	}

	// segment → profiles → segments ... twenty hops, one item a page.
	cyclic := nest(20, func(i int) string {
		if i%2 == 0 {
			return "segments(first: 1) { nodes { id "
		}
		return "shopperProfiles(first: 1) { nodes { id "
	}, "__typename")
	cyclic = "{ " + strings.ReplaceAll(cyclic, " }", " } }") + " }"
	// The same depth through named fragments spreading the next one.
	var frags strings.Builder
	frags.WriteString("{ segments(first: 1) { nodes { ...S0 } } }\n")
	for i := range 12 {
		if i%2 == 0 {
			fmt.Fprintf(&frags, "fragment S%d on Segment { shopperProfiles(first: 1) { nodes { ...S%d } } }\n", i, i+1)
		} else {
			fmt.Fprintf(&frags, "fragment S%d on ShopperProfile { segments(first: 1) { nodes { ...S%d } } }\n", i, i+1)
		}
	}
	frags.WriteString("fragment S12 on Segment { id }\n")

	aliases := func(n int, field func(i int) string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: %s", i, field(i))
		}
		return b.String() + " }"
	}
	// Twenty levels of inline fragments, each level a hundred wide.
	wide := nest(20, func(int) string {
		return strings.Repeat("... on Query { __typename } ", 99) + "... on Query { "
	}, "__typename")

	cases := []struct {
		name   string
		send   func() rawResponse
		status int
		code   string
	}{
		{"body over the byte cap", post("{ __typename }", map[string]any{"pad": strings.Repeat("x", 65<<10)}),
			http.StatusRequestEntityTooLarge, api.CodeRequestTooLarge},
		{"body over the cap, not even JSON", func() rawResponse {
			return ts.raw(http.MethodPost, "/graphql", "application/json", []byte(strings.Repeat("[", 70<<10)), nil)
		}, http.StatusRequestEntityTooLarge, api.CodeRequestTooLarge},
		{"GET query string over the cap", get("{ __typename }" + strings.Repeat(" ", 65<<10)),
			http.StatusRequestURITooLong, api.CodeRequestTooLarge},
		{"3,000 __typename: the token limit", post("{"+strings.Repeat(" __typename", 3000)+" }", nil),
			http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED"},
		{"just over the token limit", post("{"+strings.Repeat(" __typename", api.DefaultMaxTokens-1)+" }", nil),
			http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED"},
		{"20 levels of inline fragments, 100 wide", post("{ "+wide+" }", nil),
			http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED"},
		{"segment → profiles → segments, 20 deep", post(cyclic, nil),
			http.StatusUnprocessableEntity, api.CodeDepthLimitExceeded},
		{"depth through fragment spreads", post(frags.String(), nil),
			http.StatusUnprocessableEntity, api.CodeDepthLimitExceeded},
		{"depth over GET", get(cyclic), http.StatusUnprocessableEntity, api.CodeDepthLimitExceeded},
		{"deep introspection", post(`{ __schema { types { fields { type `+
			nest(12, func(int) string { return "{ ofType " }, "{ name }")+` } } } }`, nil),
			http.StatusUnprocessableEntity, api.CodeDepthLimitExceeded},
		{"101 aliases of one field", post(aliases(101, func(int) string { return "__typename" }), nil),
			http.StatusUnprocessableEntity, api.CodeAliasLimitExceeded},
		{"100 aliases of node(id:)", post(aliases(100, func(i int) string {
			return fmt.Sprintf(`node(id: "%s") { id }`, gid("Customer", i+1))
		}), nil), http.StatusUnprocessableEntity, api.CodeAliasLimitExceeded},
		{"nested connections of 250, three deep", post(`{ segments(first: 250) { nodes { shopperProfiles(first: 250) {
			nodes { segments(first: 250) { nodes { id } } } } } } }`, nil),
			http.StatusUnprocessableEntity, api.CodeCostLimitExceeded},
		{"nested connections sized by variables", post(`query($n: Int) { segments(first: $n) { edges { node {
			shopperProfiles(first: $n) { edges { node { segments(first: $n) { totalCount } } } } } } } }`,
			map[string]any{"n": 250}), http.StatusUnprocessableEntity, api.CodeCostLimitExceeded},
		{"251 uuids in deleteSegments", post(`mutation($ids: [ID!]!) { deleteSegments(uuids: $ids) { deletedUuids } }`,
			map[string]any{"ids": uuids(251)}), http.StatusUnprocessableEntity, "BAD_USER_INPUT"},
		{"251 ids as a literal", post(`{ nodes(ids: `+quoted(uuids(251))+`) { id } }`, nil),
			http.StatusUnprocessableEntity, "BAD_USER_INPUT"},
		{"251 uuids inside a filter", post(`query($f: SegmentFilter) { segments(filter: $f) { totalCount } }`,
			map[string]any{"f": map[string]any{"uuids": uuids(251)}}), http.StatusUnprocessableEntity, "BAD_USER_INPUT"},
		{"first: 100000", post(`{ segments(first: 100000) { totalCount } }`, nil), http.StatusUnprocessableEntity, "BAD_USER_INPUT"},
		{"first: -1", post(`{ segments(first: -1) { totalCount } }`, nil), http.StatusUnprocessableEntity, "BAD_USER_INPUT"},
		{"last: 1000", post(`{ segments(last: 1000) { totalCount } }`, nil), http.StatusUnprocessableEntity, "BAD_USER_INPUT"},
		{"first and last together", post(`{ segments(first: 1, last: 1) { totalCount } }`, nil), http.StatusUnprocessableEntity, "BAD_USER_INPUT"},
		{"a batch of ten operations", func() rawResponse {
			ops := make([]map[string]any, 10)
			for i := range ops {
				ops[i] = map[string]any{"query": "{ segments { totalCount } }"}
			}
			b, _ := json.Marshal(ops)
			return ts.raw(http.MethodPost, "/graphql", "application/json", b, nil)
		}, http.StatusBadRequest, api.CodeBatchNotSupported},
		{"fragments spreading each other", post(`{ segments { ...A } }
			fragment A on SegmentConnection { totalCount ...B }
			fragment B on SegmentConnection { totalCount ...A }`, nil),
			http.StatusUnprocessableEntity, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := ts.with(t)
			before := ts.storeQueries()
			start := time.Now()
			r := c.send()
			took := time.Since(start)
			t.Logf("refused in %v", took)
			if took > refusalBound {
				t.Errorf("refusal took %v, want under %v", took, refusalBound)
			}
			if r.Status != c.status {
				t.Errorf("status %d, want %d: %.300s", r.Status, c.status, r.Body)
			}
			res := ts.gql(r)
			if len(res.Errors) != 1 {
				t.Fatalf("errors %+v, want one", res.Errors)
			}
			equal(t, "codes", codesOf(res), []string{c.code})
			if n := ts.storeQueries() - before; n != 0 {
				t.Errorf("%v store round trips for a refused request, want 0", n)
			}
			if strings.Contains(string(r.Body), "xxxxxxxx") {
				t.Errorf("the answer echoes the request: %.300s", r.Body)
			}
			var data struct{ Segments struct{ TotalCount int } }
			ts.query(`{ segments { totalCount } }`, nil, &data)
			equal(t, "segments after", data.Segments.TotalCount, 2)
		})
	}
}

func TestCostLimitError(t *testing.T) {
	ts := newTestServer(t)
	const q = `{ segments(first: 250) { nodes { shopperProfiles(first: 250) { nodes { id } } } } }`
	// nodes: 1 + 250 × id 1 = 251; shopperProfiles: 1 + 251 = 252;
	// nodes: 1 + 250 × 252 = 63001; segments: 1 + 63001.
	const cost = 63002
	var res struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
		Extensions map[string]any `json:"extensions"`
	}
	r := ts.raw(http.MethodPost, "/graphql", "application/json", postBody(q, nil), nil)
	if err := json.Unmarshal(r.Body, &res); err != nil || len(res.Errors) != 1 {
		t.Fatalf("answer %d %s", r.Status, r.Body)
	}
	equal(t, "error extensions", res.Errors[0].Extensions,
		map[string]any{"code": api.CodeCostLimitExceeded, "cost": float64(cost), "limit": float64(api.DefaultMaxCost)})
	equal(t, "response extensions.cost", res.Extensions["cost"], any(float64(cost)))

	// A higher limit through the options lets the same query run.
	ts = newTestServer(t, func(o *api.Options) { o.RequestLimits.MaxCost = cost })
	ts.query(q, nil, nil)
}

func TestCostReported(t *testing.T) {
	ts := newTestServer(t)
	ts.load(limitsFixture())
	// uuid 1; inner nodes 1 + 3×1 = 4; shopperProfiles 1 + 4 = 5;
	// a segment: id 1 + 5 = 6; nodes 1 + 2×6 = 13; totalCount 1;
	// segments 1 + 13 + 1 = 15.
	const q = `{ segments(first: 2) { totalCount nodes { id shopperProfiles(first: 3) { nodes { uuid } } } } }`
	r := ts.raw(http.MethodPost, "/graphql", "application/json", postBody(q, nil), nil)
	var res struct {
		Data       json.RawMessage `json:"data"`
		Errors     []any           `json:"errors"`
		Extensions map[string]any  `json:"extensions"`
	}
	if err := json.Unmarshal(r.Body, &res); err != nil || r.Status != http.StatusOK || len(res.Errors) != 0 {
		t.Fatalf("answer %d %s", r.Status, r.Body)
	}
	equal(t, "extensions.cost", res.Extensions["cost"], any(float64(15)))

	// The same through a fragment and variables, and over GET.
	const viaFragment = `query($n: Int) { segments(first: 2) { totalCount nodes { ...S } } }
		fragment S on Segment { id shopperProfiles(first: $n) { nodes { uuid } } }`
	r = ts.raw(http.MethodPost, "/graphql", "application/json", postBody(viaFragment, map[string]any{"n": 3}), nil)
	res.Extensions = nil
	if err := json.Unmarshal(r.Body, &res); err != nil || r.Status != http.StatusOK {
		t.Fatalf("answer %d %s", r.Status, r.Body)
	}
	equal(t, "extensions.cost via a fragment", res.Extensions["cost"], any(float64(15)))
	r = ts.raw(http.MethodGet, "/graphql?query="+url.QueryEscape(q), "", nil, nil)
	res.Extensions = nil
	if err := json.Unmarshal(r.Body, &res); err != nil || r.Status != http.StatusOK {
		t.Fatalf("answer %d %s", r.Status, r.Body)
	}
	equal(t, "extensions.cost over GET", res.Extensions["cost"], any(float64(15)))
}

func TestRequestLimitsConfigurable(t *testing.T) {
	ts := newTestServer(t, func(o *api.Options) {
		o.RequestLimits = api.Limits{MaxDepth: 2, MaxAliases: 1, MaxTokens: 10}
	})
	ts.failCode(api.CodeDepthLimitExceeded, `{ viewer { customer { id } } }`, nil)
	ts.failCode(api.CodeAliasLimitExceeded, `{ a: __typename b: __typename }`, nil)
	ts.failCode("GRAPHQL_PARSE_FAILED", `{`+strings.Repeat(" __typename", 10)+` }`, nil)
	var data struct{ Viewer struct{ IsGuest bool } }
	ts.query(`{ viewer { isGuest } }`, nil, &data)
	equal(t, "guest", data.Viewer.IsGuest, true)

	off := newTestServer(t, func(o *api.Options) {
		o.RequestLimits = api.Limits{MaxDepth: -1, MaxAliases: -1, MaxTokens: -1, MaxCost: -1}
	})
	off.query(aliasesOf(60), nil, nil)
}

func aliasesOf(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: __typename", i)
	}
	return b.String() + " }"
}

// TestIntrospectionAsGraphiQLSendsItFits: GraphiQL's introspection query
// (graphql-js 16's, with its TypeRef fragment) is 15 fields deep; the
// default depth limit must let an admin's GraphiQL load the schema.
func TestIntrospectionAsGraphiQLSendsItFits(t *testing.T) {
	ts := newTestServer(t)
	deepest := `{ __schema { types { fields { type ` +
		nest(10, func(int) string { return "{ ofType " }, "{ name }") + ` } } } }`
	res := ts.do(deepest, nil, "")
	if len(res.Errors) != 0 || res.Status != http.StatusOK {
		t.Fatalf("a 15-deep introspection query: %d %+v", res.Status, res.Errors)
	}
}
