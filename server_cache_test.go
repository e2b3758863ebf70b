package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/segql/segql/store/postgres/pgtest"
)

// TestNoStaleReadAcrossProcesses runs two segql processes sharing one
// PostgreSQL and one Redis, with writers and readers on both at once: no
// read that starts after a mutation answered may return what the mutation
// replaced, through either process.
func TestNoStaleReadAcrossProcesses(t *testing.T) {
	redisURL := os.Getenv("SEGQL_TEST_REDIS")
	if redisURL == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SEGQL_TEST_REDIS is not set: CI must run the Redis suite")
		}
		t.Skip("SEGQL_TEST_REDIS is not set: skipping the Redis suite")
	}
	pg := pgtest.URL(t)
	bin := buildSegql(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "segql_test_" + hex.EncodeToString(b)
	// The readers send as fast as the instances answer: rate limits off,
	// this test is about staleness.
	args := []string{"--store", pg, "--redis", redisURL, "--cache-prefix", prefix, "--rate-admin", "off"}
	procs := []*process{startServe(t, bin, args...), startServe(t, bin, args...)}

	const writes = 30
	a := procs[0]
	a.graphql(t, "", `mutation { upsertCustomers(input: [{customerId: 1, email: "ada@example.com", firstName: "Ada", lastName: "L"}]) { userErrors { code } } }`)
	profile := a.graphql(t, "", `mutation { createShopperProfiles(input: [{customerId: 1}]) { shopperProfiles { uuid } } }`)["createShopperProfiles"].(map[string]any)["shopperProfiles"].([]any)[0].(map[string]any)["uuid"].(string)
	var inputs []string
	for i := range writes + 1 {
		inputs = append(inputs, fmt.Sprintf(`{name: "s%d"}`, i))
	}
	created := a.graphql(t, "", `mutation { createSegments(input: [`+strings.Join(inputs, ",")+`]) { segments { uuid } } }`)["createSegments"].(map[string]any)["segments"].([]any)
	uuid := func(i int) string { return created[i].(map[string]any)["uuid"].(string) }
	renamed := uuid(0)

	// Warm both processes' view of the data, so stale values are cached if
	// invalidation were wrong.
	readName := fmt.Sprintf(`{ segment(uuid: %q) { name } }`, renamed)
	readMembership := fmt.Sprintf(`{ shopperProfile(uuid: %q) { segments(first: 100) { nodes { uuid } } } }`, profile)
	for _, p := range procs {
		p.graphql(t, "", readName)
		p.graphql(t, "", readMembership)
	}

	// Write i renames segment 0 to "v<i>" and adds the profile to segment i,
	// alternating processes; answered records i once the mutation answered.
	var answered atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := 1; i <= writes; i++ {
			w := procs[i%2]
			for _, m := range []string{
				fmt.Sprintf(`mutation { updateSegments(input: [{uuid: %q, name: "v%d"}]) { userErrors { code } } }`, renamed, i),
				fmt.Sprintf(`mutation { addShopperProfilesToSegment(segmentUuid: %q, shopperProfileUuids: [%q]) { userErrors { code } } }`, uuid(i), profile),
			} {
				if _, err := w.post("", m); err != nil {
					t.Errorf("write %d: %v", i, err)
					return
				}
			}
			answered.Store(int64(i))
		}
	}()
	var stale atomic.Int64
	var reads atomic.Int64
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := procs[r%2]
			for {
				select {
				case <-done:
					return
				default:
				}
				floor := answered.Load()
				data, err := p.post("", readName)
				if err != nil {
					t.Error(err)
					return
				}
				name := data["segment"].(map[string]any)["name"].(string)
				if v, err := strconv.Atoi(strings.TrimPrefix(name, "v")); floor > 0 && (err != nil || int64(v) < floor) {
					stale.Add(1)
					t.Errorf("process %d read name %q after write %d answered", r%2, name, floor)
				}
				floor = answered.Load()
				data, err = p.post("", readMembership)
				if err != nil {
					t.Error(err)
					return
				}
				segs := data["shopperProfile"].(map[string]any)["segments"].(map[string]any)["nodes"].([]any)
				if int64(len(segs)) < floor {
					stale.Add(1)
					t.Errorf("process %d read %d memberships after write %d answered", r%2, len(segs), floor)
				}
				reads.Add(2)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d reads during %d writes, %d stale", reads.Load(), 2*writes, stale.Load())
	if reads.Load() < 10 {
		t.Errorf("only %d reads ran beside the writes", reads.Load())
	}
}
