package main

import (
	"slices"
	"sync"
	"testing"

	"github.com/segql/segql/auth"
)

func tinyDataset(t *testing.T) *Dataset {
	t.Helper()
	d, err := ensureData(t.TempDir(), tinyScale, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Every customer gets a token that signs in as that customer, in a
// shuffled order that is the same on every call.
func TestMintViewers(t *testing.T) {
	d := tinyDataset(t)
	v, err := mintViewers("a secret of the test", d, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.tokens) != len(d.CustomerIDs) || len(v.order) != len(d.CustomerIDs) {
		t.Fatalf("%d tokens and %d in the order, want %d of each", len(v.tokens), len(v.order), len(d.CustomerIDs))
	}
	sorted := slices.Sorted(slices.Values(v.order))
	if !slices.Equal(sorted, d.CustomerIDs) {
		t.Errorf("the order is not a permutation of the customers")
	}
	if slices.Equal(v.order, d.CustomerIDs) {
		t.Errorf("the order is not shuffled")
	}
	verifier := auth.NewVerifier([]byte("a secret of the test"))
	for i, tok := range v.tokens {
		p, err := verifier.Verify(tok)
		if err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		if p.CustomerID != v.order[i] {
			t.Fatalf("token %d signs in customer %d, want %d", i, p.CustomerID, v.order[i])
		}
	}
	again, err := mintViewers("another secret", d, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.order, v.order) || len(again.tokens) != 50 {
		t.Errorf("a second minting: same order %v, %d tokens (want 50)", slices.Equal(again.order, v.order), len(again.tokens))
	}
}

// cycle hands out every item once before any comes again, also when
// called from many goroutines at once (as vegeta's workers do).
func TestCycleConcurrent(t *testing.T) {
	const items, rounds, workers = 97, 5, 8
	next := cycle(slices.Collect(func(yield func(int) bool) {
		for i := range items {
			if !yield(i) {
				return
			}
		}
	}))
	var mu sync.Mutex
	seen := make([]int, items)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range items * rounds / workers {
				i := next()
				mu.Lock()
				seen[i]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// items*rounds/workers*workers calls: whole rounds, then the first of
	// the last, partial one.
	calls := items * rounds / workers * workers
	for i, n := range seen {
		want := calls / items
		if i < calls%items {
			want++
		}
		if n != want {
			t.Fatalf("item %d handed out %d times, want %d", i, n, want)
		}
	}
	// In one goroutine: consecutive calls never repeat within a round.
	one := cycle([]string{"a", "b", "c"})
	var got []string
	for range 7 {
		got = append(got, one())
	}
	if want := []string{"a", "b", "c", "a", "b", "c", "a"}; !slices.Equal(got, want) {
		t.Errorf("cycle: %v, want %v", got, want)
	}
}
