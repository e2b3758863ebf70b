package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/segql/segql/api"
)

// openOnAnyChannel is what a shopper whose token names no channel may see
// through promotions and promotion(promotionId:): what they can get on
// channel 1, and promotion 18, which runs on channel 2 only.
func openOnAnyChannel(name string) []int64 {
	out := append(slices.Clone(eligibleOnChannel1[name]), 18)
	slices.Sort(out)
	return out
}

func TestStorefrontPromotions(t *testing.T) {
	ts := newTestServer(t)
	ts.load(eligibilityFixture(time.Now()))
	const list = `query($first: Int, $after: String, $filter: PromotionFilter) {
		promotions(first: $first, after: $after, filter: $filter) {
			totalCount nodes { promotionId } pageInfo { hasNextPage endCursor }
		}
	}`
	type page struct {
		Promotions struct {
			TotalCount int
			Nodes      []struct{ PromotionID int64 }
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	shoppers := map[string]string{"guest": guest, "unknown": ts.token(99, nil)}
	for c := int64(1); c <= 6; c++ {
		shoppers[fmt.Sprint("customer ", c)] = ts.token(c, nil)
	}
	for name, token := range shoppers {
		t.Run(name, func(t *testing.T) {
			ts := ts.with(t)
			want := openOnAnyChannel(name)
			// Paged three at a time, the pages join up to the open list.
			var got []int64
			vars := map[string]any{"first": 3}
			for {
				var p page
				ts.queryAs(token, list, vars, &p)
				equal(t, "totalCount", p.Promotions.TotalCount, len(want))
				got = append(got, promotionIDs(p.Promotions.Nodes)...)
				if !p.Promotions.PageInfo.HasNextPage {
					break
				}
				vars["after"] = p.Promotions.PageInfo.EndCursor
			}
			equal(t, "open promotions", got, want)

			var disabled page
			ts.queryAs(token, list, map[string]any{"filter": map[string]any{"status": "DISABLED"}}, &disabled)
			equal(t, "DISABLED filter", disabled.Promotions.TotalCount, 0)

			var inA page
			ts.queryAs(token, list, map[string]any{"filter": map[string]any{"targetedSegment": segID(segA)}}, &inA)
			var wantA []int64
			for _, id := range want {
				if slices.Contains([]int64{7, 8, 9, 10, 12, 23}, id) { // the promotions naming A
					wantA = append(wantA, id)
				}
			}
			equal(t, "targetedSegment filter", promotionIDs(inA.Promotions.Nodes), nonNilInts(wantA))

			// One by one: open ones answer, the others are missing.
			for id := int64(1); id <= 25; id++ {
				var one struct{ Promotion *struct{ PromotionID int64 } }
				ts.queryAs(token, `query($id: Int64!) { promotion(promotionId: $id) { promotionId } }`, map[string]any{"id": id}, &one)
				if open := slices.Contains(want, id); open != (one.Promotion != nil) {
					t.Errorf("promotion(%d): open %v, answered %v", id, open, one.Promotion)
				}
			}
		})
	}
	t.Run("the token's channel decides", func(t *testing.T) {
		ts := ts.with(t)
		var p page
		ts.queryAs(ts.token(1, ptr(int64(2))), list, map[string]any{"first": 100}, &p)
		equal(t, "channel 2", promotionIDs(p.Promotions.Nodes), onChannel2(eligibleOnChannel1["customer 1"]))
	})
}

func nonNilInts(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

// A customer segql does not know yet is judged by the group their token
// claims (BigCommerce sends group_id as a string).
func TestUnknownCustomerGroupClaim(t *testing.T) {
	ts := newTestServer(t)
	ts.load(eligibilityFixture(time.Now()))
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"customer": map[string]any{"id": 99, "group_id": "5"},
		"exp":      time.Now().Add(10 * time.Minute).Unix(),
	}).SignedString([]byte("test-secret"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Viewer struct{ EligiblePromotions []struct{ PromotionID int64 } }
	}
	ts.queryAs(token, `{ viewer { eligiblePromotions { promotionId } } }`, nil, &v)
	// Group 5: 3 (group 5), 5 (all but group 0), not 2 (group 0) or 4 (all but 5).
	equal(t, "group 5 claimed", promotionIDs(v.Viewer.EligiblePromotions), []int64{1, 3, 5, 19, 20, 21})
}

func TestIntrospectionAndSuggestions(t *testing.T) {
	closed := newTestServer(t)
	open := newTestServer(t, func(o *api.Options) { o.OpenIntrospection = true })
	const (
		introspect = `{ __type(name: "Segment") { name } }`
		viaFrag    = `query { ...F } fragment F on Query { viewer { isGuest } __schema { queryType { name } } }`
		misspelled = `{ viewer { isGust } }`
	)
	customer := closed.token(1, nil)
	tests := []struct {
		name        string
		ts          *testServer
		token       string
		introspects bool
		suggests    bool
	}{
		{"admin write", closed, "", true, true},
		{"admin read", closed, closed.AdminRead, true, true},
		{"customer", closed, customer, false, false},
		{"guest", closed, guest, false, false},
		{"guest with --demo", open, guest, true, true},
		{"customer with --demo", open, open.token(1, nil), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := tt.ts.with(t)
			for _, q := range []string{introspect, viaFrag} {
				res := ts.do(q, nil, tt.token)
				if tt.introspects {
					if len(res.Errors) > 0 {
						t.Errorf("%s: %+v", q, res.Errors)
					}
					continue
				}
				equal(t, q, codesOf(res), []string{api.CodeIntrospectionDisabled})
				equal(t, "status", res.Status, 422)
			}
			res := ts.do(misspelled, nil, tt.token)
			equal(t, "misspelled field", codesOf(res), []string{"GRAPHQL_VALIDATION_FAILED"})
			if got := strings.Contains(res.Errors[0].Message, "Did you mean"); got != tt.suggests {
				t.Errorf("message %q: suggestion %v, want %v", res.Errors[0].Message, got, tt.suggests)
			}
			if !strings.Contains(res.Errors[0].Message, `Cannot query field "isGust"`) {
				t.Errorf("message %q lost its first sentence", res.Errors[0].Message)
			}
		})
	}
}
