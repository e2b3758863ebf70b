package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/segql/segql/store"
)

// pagingSize is the length of every list in the paging fixture: a prime,
// so no page size below divides it evenly except 1 and itself.
const pagingSize = 23

// pagingFixture has pagingSize of everything: segment 0 holds every
// profile, profile 0 is in every segment, every promotion targets
// segment 0, and customer i+1 owns profile i.
func pagingFixture() fixture {
	var f fixture
	for i := range pagingSize {
		f.Segments = append(f.Segments, segment(i, fmt.Sprintf("Segment %02d", i)))
		f.Customers = append(f.Customers, customer(int64(i+1)))
		f.Profiles = append(f.Profiles, profile(i, int64(i+1)))
		f.Memberships = append(f.Memberships, member(0, i))
		if i > 0 {
			f.Memberships = append(f.Memberships, member(i, 0))
		}
		f.Promotions = append(f.Promotions, promotion(int64(i+1), store.Targeting{Segments: anyOf(0)}))
	}
	return f
}

// pagedList is one connection of the graph and the whole list it pages.
type pagedList struct {
	name  string
	wrap  string   // the query around the connection, %s where it goes
	path  []string // where the connection sits in data
	field string   // the connection field
	key   string   // the node field that orders the list
	token bool     // ask as customer 1 (profile 0)
	want  []string // every key, in list order
	// otherCursor is a valid cursor of a list with another key type.
	otherCursor string
}

func pagedLists(ts *testServer) []pagedList {
	var all []int
	for i := range pagingSize {
		all = append(all, i)
	}
	var numbers []string
	for i := range pagingSize {
		numbers = append(numbers, fmt.Sprint(i+1))
	}
	segs, profs := sortedIDs(segID, all...), sortedIDs(profileID, all...)

	// One cursor of each key type, as the server hands them out.
	var data struct {
		Segments  struct{ PageInfo struct{ EndCursor string } }
		Customers struct{ PageInfo struct{ EndCursor string } }
	}
	ts.query(`{ segments(first: 1) { pageInfo { endCursor } } customers(first: 1) { pageInfo { endCursor } } }`, nil, &data)
	uuidCursor, intCursor := data.Segments.PageInfo.EndCursor, data.Customers.PageInfo.EndCursor

	root := func(name, key string, want []string, other string) pagedList {
		return pagedList{name: name, wrap: "%s", path: []string{name}, field: name, key: key, want: want, otherCursor: other}
	}
	return []pagedList{
		root("segments", "uuid", segs, intCursor),
		root("shopperProfiles", "uuid", profs, intCursor),
		root("customers", "customerId", numbers, uuidCursor),
		root("promotions", "promotionId", numbers, uuidCursor),
		{name: "segment.shopperProfiles", wrap: fmt.Sprintf(`segment(uuid: %q) { %%s }`, segID(0)), path: []string{"segment", "shopperProfiles"},
			field: "shopperProfiles", key: "uuid", want: profs, otherCursor: intCursor},
		{name: "shopperProfile.segments", wrap: fmt.Sprintf(`shopperProfile(uuid: %q) { %%s }`, profileID(0)), path: []string{"shopperProfile", "segments"},
			field: "segments", key: "uuid", want: segs, otherCursor: intCursor},
		{name: "segment.promotions", wrap: fmt.Sprintf(`segment(uuid: %q) { %%s }`, segID(0)), path: []string{"segment", "promotions"},
			field: "promotions", key: "promotionId", want: numbers, otherCursor: uuidCursor},
		{name: "viewer.segments", wrap: `viewer { %s }`, path: []string{"viewer", "segments"},
			field: "segments", key: "uuid", token: true, want: segs, otherCursor: intCursor},
	}
}

// page is one page of any connection, its node keys as text.
type page struct {
	Edges []struct {
		Cursor string
		Node   struct{ Key json.RawMessage }
	}
	Nodes    []struct{ Key json.RawMessage }
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	TotalCount int
}

func (p page) keys() []string {
	out := []string{}
	for _, e := range p.Edges {
		out = append(out, strings.Trim(string(e.Node.Key), `"`))
	}
	return out
}

type pageArgs struct {
	first, last   *int
	after, before *string
}

func (a pageArgs) vars() map[string]any {
	v := map[string]any{}
	if a.first != nil {
		v["first"] = *a.first
	}
	if a.last != nil {
		v["last"] = *a.last
	}
	if a.after != nil {
		v["after"] = *a.after
	}
	if a.before != nil {
		v["before"] = *a.before
	}
	return v
}

func (l pagedList) query() string {
	conn := fmt.Sprintf(`%s(first: $first, after: $after, last: $last, before: $before) {
		edges { cursor node { key: %s } } nodes { key: %s }
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount }`, l.field, l.key, l.key)
	return `query($first: Int, $after: String, $last: Int, $before: String) { ` + fmt.Sprintf(l.wrap, conn) + ` }`
}

func (l pagedList) tokenFor(ts *testServer) string {
	if l.token {
		return ts.token(1, nil)
	}
	return ""
}

// fetch reads one page, which must succeed.
func (l pagedList) fetch(ts *testServer, a pageArgs) page {
	ts.t.Helper()
	var data json.RawMessage
	ts.queryAs(l.tokenFor(ts), l.query(), a.vars(), &data)
	for _, step := range l.path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			ts.t.Fatalf("%s: %v in %s", step, err, data)
		}
		data = m[step]
	}
	var p page
	if err := json.Unmarshal(data, &p); err != nil {
		ts.t.Fatalf("decode page: %v: %s", err, data)
	}
	// nodes and edges agree; the page's cursors are its edges' first and last.
	if len(p.Nodes) != len(p.Edges) {
		ts.t.Fatalf("%d nodes, %d edges", len(p.Nodes), len(p.Edges))
	}
	for i := range p.Nodes {
		if string(p.Nodes[i].Key) != string(p.Edges[i].Node.Key) {
			ts.t.Errorf("nodes[%d] %s, edges[%d] %s", i, p.Nodes[i].Key, i, p.Edges[i].Node.Key)
		}
	}
	if len(p.Edges) == 0 {
		if p.PageInfo.StartCursor != nil || p.PageInfo.EndCursor != nil {
			ts.t.Errorf("empty page with cursors %v %v", p.PageInfo.StartCursor, p.PageInfo.EndCursor)
		}
	} else if p.PageInfo.StartCursor == nil || *p.PageInfo.StartCursor != p.Edges[0].Cursor ||
		p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[len(p.Edges)-1].Cursor {
		ts.t.Errorf("pageInfo cursors %v..%v do not match the edges", p.PageInfo.StartCursor, p.PageInfo.EndCursor)
	}
	if p.TotalCount != len(l.want) {
		ts.t.Errorf("totalCount %d, want %d", p.TotalCount, len(l.want))
	}
	return p
}

func TestPaginationWalk(t *testing.T) {
	ts := newTestServer(t)
	ts.load(pagingFixture())

	for _, l := range pagedLists(ts) {
		t.Run(l.name, func(t *testing.T) {
			ts := ts.with(t)
			for _, size := range []int{1, 4, 7, 22, 23, 250} {
				wantPages := (len(l.want) + size - 1) / size

				// Forwards: first/after from the start to the end.
				var got []string
				var after *string
				for n := 1; ; n++ {
					p := l.fetch(ts, pageArgs{first: &size, after: after})
					if len(p.Edges) == 0 {
						t.Fatalf("size %d: empty page %d forwards", size, n)
					}
					got = append(got, p.keys()...)
					last := n == wantPages
					if p.PageInfo.HasNextPage == last || p.PageInfo.HasPreviousPage != (n > 1) {
						t.Errorf("size %d, page %d of %d forwards: hasNext %v hasPrevious %v",
							size, n, wantPages, p.PageInfo.HasNextPage, p.PageInfo.HasPreviousPage)
					}
					if !p.PageInfo.HasNextPage || n > wantPages {
						break
					}
					after = p.PageInfo.EndCursor
				}
				equal(t, fmt.Sprintf("size %d forwards", size), got, l.want)

				// Backwards: last/before from the end to the start.
				got = nil
				var before *string
				for n := 1; ; n++ {
					p := l.fetch(ts, pageArgs{last: &size, before: before})
					if len(p.Edges) == 0 {
						t.Fatalf("size %d: empty page %d backwards", size, n)
					}
					got = append(p.keys(), got...)
					last := n == wantPages
					if p.PageInfo.HasPreviousPage == last || p.PageInfo.HasNextPage != (n > 1) {
						t.Errorf("size %d, page %d of %d backwards: hasNext %v hasPrevious %v",
							size, n, wantPages, p.PageInfo.HasNextPage, p.PageInfo.HasPreviousPage)
					}
					if !p.PageInfo.HasPreviousPage || n > wantPages {
						break
					}
					before = p.PageInfo.StartCursor
				}
				equal(t, fmt.Sprintf("size %d backwards", size), got, l.want)
			}

			// Cursors taken from a full page bound any window.
			full := l.fetch(ts, pageArgs{first: ptr(250)})
			cursor := func(i int) *string { return &full.Edges[i].Cursor }
			equal(t, "one page of 250", full.keys(), l.want)
			if full.PageInfo.HasNextPage || full.PageInfo.HasPreviousPage {
				t.Errorf("the whole list has neighbours: %+v", full.PageInfo)
			}
			windows := []struct {
				name string
				args pageArgs
				want []string
			}{
				{"after and before", pageArgs{first: ptr(250), after: cursor(3), before: cursor(10)}, l.want[4:10]},
				{"first with before", pageArgs{first: ptr(3), before: cursor(10)}, l.want[0:3]},
				{"last with after", pageArgs{last: ptr(3), after: cursor(5)}, l.want[20:23]},
				{"last, before and after", pageArgs{last: ptr(2), after: cursor(3), before: cursor(10)}, l.want[8:10]},
				{"after the last", pageArgs{first: ptr(5), after: cursor(22)}, []string{}},
				{"before the first", pageArgs{last: ptr(5), before: cursor(0)}, []string{}},
				{"after the first, first 1", pageArgs{first: ptr(1), after: cursor(0)}, l.want[1:2]},
				{"no arguments: the default page", pageArgs{}, l.want},
			}
			for _, w := range windows {
				p := l.fetch(ts, w.args)
				equal(t, w.name, p.keys(), w.want)
			}

			// first: 0 and last: 0 answer no edges but say what lies beyond.
			p := l.fetch(ts, pageArgs{first: ptr(0)})
			if len(p.Edges) != 0 || !p.PageInfo.HasNextPage || p.PageInfo.HasPreviousPage {
				t.Errorf("first: 0 answered %d edges, %+v", len(p.Edges), p.PageInfo)
			}
			p = l.fetch(ts, pageArgs{last: ptr(0)})
			if len(p.Edges) != 0 || !p.PageInfo.HasPreviousPage || p.PageInfo.HasNextPage {
				t.Errorf("last: 0 answered %d edges, %+v", len(p.Edges), p.PageInfo)
			}
		})
	}
}

func TestPaginationBadArguments(t *testing.T) {
	ts := newTestServer(t)
	ts.load(pagingFixture())
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

	for _, l := range pagedLists(ts) {
		t.Run(l.name, func(t *testing.T) {
			ts := ts.with(t)
			cases := []struct {
				name string
				args pageArgs
			}{
				{"first: 251", pageArgs{first: ptr(251)}},
				{"first: -1", pageArgs{first: ptr(-1)}},
				{"last: 1000", pageArgs{last: ptr(1000)}},
				{"last: -1", pageArgs{last: ptr(-1)}},
				{"first and last", pageArgs{first: ptr(1), last: ptr(1)}},
				{"garbage after", pageArgs{first: ptr(1), after: ptr("garbage!")}},
				{"garbage before", pageArgs{last: ptr(1), before: ptr("garbage!")}},
				{"empty cursor", pageArgs{first: ptr(1), after: ptr("")}},
				{"cursor without its prefix", pageArgs{first: ptr(1), after: ptr(b64(segID(1)))}},
				{"cursor of a global id", pageArgs{first: ptr(1), after: ptr(gid("Segment", segID(1)))}},
				{"cursor with a bad key", pageArgs{first: ptr(1), after: ptr(b64("k:not-a-key"))}},
				{"cursor of another list type", pageArgs{first: ptr(1), after: &l.otherCursor}},
				{"cursor of another list type, before", pageArgs{last: ptr(1), before: &l.otherCursor}},
			}
			for _, c := range cases {
				res := ts.do(l.query(), c.args.vars(), l.tokenFor(ts))
				codes := codesOf(res)
				if !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
					t.Errorf("%s: codes %v, want [BAD_USER_INPUT] (%+v)", c.name, codes, res.Errors)
				}
			}
			// 250 is allowed, both ways.
			equal(t, "first: 250", l.fetch(ts, pageArgs{first: ptr(250)}).keys(), l.want)
			equal(t, "last: 250", l.fetch(ts, pageArgs{last: ptr(250)}).keys(), l.want)
		})
	}
}

func TestPaginationDefaultPageAndDeletedCursor(t *testing.T) {
	ts := newTestServer(t)
	ts.load(fixture{Customers: customers(60)})
	var data struct {
		Customers struct {
			Nodes    []struct{ CustomerID int64 }
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
			TotalCount int
		}
	}
	ts.query(`{ customers { nodes { customerId } pageInfo { hasNextPage endCursor } totalCount } }`, nil, &data)
	if len(data.Customers.Nodes) != 50 || !data.Customers.PageInfo.HasNextPage || data.Customers.TotalCount != 60 {
		t.Fatalf("default page: %d nodes, hasNext %v, total %d; want 50, true, 60",
			len(data.Customers.Nodes), data.Customers.PageInfo.HasNextPage, data.Customers.TotalCount)
	}
	equal(t, "last of the default page", data.Customers.Nodes[49].CustomerID, int64(50))

	// Keyset cursors survive the deletion of the row they point at.
	var del struct {
		DeleteCustomers struct{ DeletedCustomerIDs []int64 }
	}
	ts.query(`mutation { deleteCustomers(customerIds: [50, 51]) { deletedCustomerIds } }`, nil, &del)
	equal(t, "deleted", del.DeleteCustomers.DeletedCustomerIDs, []int64{50, 51})
	ts.query(`query($after: String) { customers(first: 3, after: $after) { nodes { customerId } pageInfo { hasNextPage endCursor } totalCount } }`,
		map[string]any{"after": data.Customers.PageInfo.EndCursor}, &data)
	equal(t, "after a deleted cursor", fmt.Sprint(data.Customers.Nodes), "[{52} {53} {54}]")
	equal(t, "total after delete", data.Customers.TotalCount, 58)
}
