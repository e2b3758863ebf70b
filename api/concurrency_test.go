package api_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentRequests runs writers that contend for one segment name and
// one segment's members beside readers of the same rows: every request is
// answered without error, and the store ends as if they ran one by one.
func TestConcurrentRequests(t *testing.T) {
	const n = 16
	ts := newTestServer(t)
	f := membershipFixture(n)
	f.Memberships = nil
	ts.load(f)

	type answer struct {
		status int
		body   []byte
	}
	var mu sync.Mutex
	answers := map[string][]answer{}
	send := func(kind, query string, vars map[string]any) {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		r := ts.raw(http.MethodPost, "/graphql", "application/json", body, nil)
		mu.Lock()
		answers[kind] = append(answers[kind], answer{r.Status, r.Body})
		mu.Unlock()
	}

	var wg sync.WaitGroup
	for i := range n {
		wg.Add(3)
		go func() {
			defer wg.Done()
			send("create", `mutation { createSegments(input: [{name: "Contended"}]) { segments { uuid } userErrors { code } } }`, nil)
		}()
		go func() {
			defer wg.Done()
			send("add", `mutation($s: ID!, $p: ID!) { addShopperProfilesToSegment(segmentUuid: $s, shopperProfileUuids: [$p]) {
				added { uuid } userErrors { code } } }`, map[string]any{"s": segID(1), "p": profileID(i + 1)})
		}()
		go func() {
			defer wg.Done()
			send("read", `query($s: ID!) { segment(uuid: $s) { shopperProfiles(first: 250) { nodes { customer { email } segments { totalCount } } } } }`,
				map[string]any{"s": segID(1)})
		}()
	}
	wg.Wait()

	created, duplicates, added := 0, 0, 0
	for kind, as := range answers {
		for _, a := range as {
			res := ts.gql(rawResponse{Status: a.status, Body: a.body})
			if a.status != http.StatusOK || len(res.Errors) > 0 {
				t.Fatalf("%s: %d %s", kind, a.status, a.body)
			}
			var data struct {
				CreateSegments struct {
					Segments   []struct{ UUID string }
					UserErrors []struct{ Code string }
				}
				AddShopperProfilesToSegment struct {
					Added      []struct{ UUID string }
					UserErrors []struct{ Code string }
				}
			}
			if err := json.Unmarshal(res.Data, &data); err != nil {
				t.Fatal(err)
			}
			created += len(data.CreateSegments.Segments)
			for _, e := range data.CreateSegments.UserErrors {
				if e.Code == "DUPLICATE_NAME" {
					duplicates++
				}
			}
			added += len(data.AddShopperProfilesToSegment.Added)
			if len(data.AddShopperProfilesToSegment.UserErrors) > 0 {
				t.Errorf("add: %+v", data.AddShopperProfilesToSegment.UserErrors)
			}
		}
	}
	equal(t, "segments named Contended", created, 1)
	equal(t, "duplicates reported", duplicates, n-1)
	equal(t, "profiles added", added, n)

	var data struct {
		Segment struct {
			ShopperProfiles struct{ TotalCount int }
		}
		Segments struct{ TotalCount int }
	}
	ts.query(`query($s: ID!) { segment(uuid: $s) { shopperProfiles { totalCount } } segments(filter: {nameContains: "contended"}) { totalCount } }`,
		map[string]any{"s": segID(1)}, &data)
	equal(t, "members", data.Segment.ShopperProfiles.TotalCount, n)
	equal(t, "segments named Contended, stored", data.Segments.TotalCount, 1)
}
