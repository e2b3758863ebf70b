package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// benchTargeting is a targeting as promotions store it.
const benchTargeting = `{"group_ids":[1,2],"excluded_group_ids":[],"minimum_order_count":0,"segments":{"and":[` +
	`{"id":["0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a70","0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a71"]},` +
	`{"not":{"id":["0190c3b4-8a1e-7cc0-9a3e-2f1d4c5b6a72"]}}]}}`

var memoInputs = []struct{ name, json string }{
	{"empty", `{}`},
	{"null segments", `{"group_ids":null,"excluded_group_ids":null,"minimum_order_count":0,"segments":null}`},
	{"groups", `{"group_ids":[0,7],"excluded_group_ids":[],"minimum_order_count":3}`},
	{"realistic", benchTargeting},
	{"or of not", `{"segments":{"or":[{"not":{"id":["a"]}},{"and":[{"id":["b"]},{"id":["c","d"]}]}]}}`},
}

func decodeFresh(t *testing.T, s string) Targeting {
	t.Helper()
	var want Targeting
	if err := json.Unmarshal([]byte(s), &want); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return want
}

func TestTargetingMemoHitEqualsDecode(t *testing.T) {
	var m TargetingMemo
	for _, tc := range memoInputs {
		t.Run(tc.name, func(t *testing.T) {
			want := decodeFresh(t, tc.json)
			for i, what := range []string{"miss", "hit"} {
				got, err := m.Decode([]byte(tc.json))
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s %d: got %+v, want %+v", what, i, got, want)
				}
			}
		})
	}
}

func TestTargetingMemoAnswersCopies(t *testing.T) {
	mutations := []struct {
		name   string
		mutate func(*Targeting)
	}{
		{"append group", func(t *Targeting) { t.GroupIDs = append(t.GroupIDs, 99) }},
		{"set group", func(t *Targeting) { t.GroupIDs[0] = 99 }},
		{"append excluded group", func(t *Targeting) { t.ExcludedGroupIDs = append(t.ExcludedGroupIDs[:0], 5) }},
		{"set leaf id", func(t *Targeting) { t.Segments.And[0].ID[0] = "x" }},
		{"replace operand", func(t *Targeting) { t.Segments.And[0] = Condition{ID: []string{"x"}} }},
		{"set not", func(t *Targeting) { t.Segments.And[1].Not.ID = []string{"x"} }},
		{"drop not", func(t *Targeting) { t.Segments.And[1].Not = nil }},
		{"replace root", func(t *Targeting) { *t.Segments = Condition{ID: []string{"x"}} }},
	}
	want := decodeFresh(t, benchTargeting)
	var m TargetingMemo
	for _, tc := range mutations {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Decode([]byte(benchTargeting))
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(&got)
			again, err := m.Decode([]byte(benchTargeting))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, want) {
				t.Errorf("after mutating an answer: got %+v, want %+v", again, want)
			}
		})
	}
}

func TestTargetingMemoBounded(t *testing.T) {
	// fmt caps widths at 1e6: pad with strings.Repeat.
	big := `{"segments":{"id":["` + strings.Repeat("0", targetingMemoBytes) + `"]}}`
	tests := []struct {
		name    string
		inputs  func(yield func(string))
		maxHeld int
	}{
		{"entries", func(yield func(string)) {
			for i := range 3*targetingMemoEntries + 1 {
				yield(fmt.Sprintf(`{"minimum_order_count":%d}`, i))
			}
		}, targetingMemoEntries},
		{"bytes", func(yield func(string)) {
			for i := range 20 {
				yield(fmt.Sprintf(`{"minimum_order_count":%d,"segments":{"id":["%s"]}}`, i, strings.Repeat("0", targetingMemoBytes/8)))
			}
		}, 7}, // each is a little over an eighth of the bound
		{"too big to hold", func(yield func(string)) { yield(big) }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m TargetingMemo
			tc.inputs(func(s string) {
				if _, err := m.Decode([]byte(s)); err != nil {
					t.Fatal(err)
				}
				if n := m.size(); n > tc.maxHeld {
					t.Fatalf("memo holds %d, want at most %d", n, tc.maxHeld)
				}
			})
			if m.bytes > targetingMemoBytes {
				t.Errorf("memo holds %d bytes, want at most %d", m.bytes, targetingMemoBytes)
			}
		})
	}
}

func TestTargetingMemoMalformed(t *testing.T) {
	tests := []struct{ name, json string }{
		{"empty", ``},
		{"truncated", `{"group_ids":[1,`},
		{"wrong type", `{"group_ids":"1"}`},
		{"not an object", `[1]`},
	}
	var m TargetingMemo
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 2 { // the second call must fail too: nothing was held
				got, err := m.Decode([]byte(tc.json))
				if err == nil {
					t.Fatalf("decoded %q to %+v, want an error", tc.json, got)
				}
				if !reflect.DeepEqual(got, Targeting{}) {
					t.Errorf("answered %+v with the error, want the zero targeting", got)
				}
			}
			if n := m.size(); n != 0 {
				t.Errorf("memo holds %d after malformed input, want 0", n)
			}
		})
	}
}

// TestTargetingMemoConcurrent is for -race: readers decode, mutate what
// they get and fill the memo past its bound while others hit it.
func TestTargetingMemoConcurrent(t *testing.T) {
	wants := make([]Targeting, len(memoInputs))
	for i, in := range memoInputs {
		wants[i] = decodeFresh(t, in.json)
	}
	var m TargetingMemo
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2 * targetingMemoEntries / 8 {
				in := i % len(memoInputs)
				got, err := m.Decode([]byte(memoInputs[in].json))
				if err != nil {
					t.Error(err)
					return
				}
				if !reflect.DeepEqual(got, wants[in]) {
					t.Errorf("%s: got %+v, want %+v", memoInputs[in].name, got, wants[in])
					return
				}
				got.GroupIDs = append(got.GroupIDs, int64(g))
				if got.Segments != nil {
					*got.Segments = Condition{}
				}
				if _, err := m.Decode(fmt.Appendf(nil, `{"minimum_order_count":%d}`, g<<20|i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := m.size(); n > targetingMemoEntries {
		t.Errorf("memo holds %d, want at most %d", n, targetingMemoEntries)
	}
}

func BenchmarkTargeting(b *testing.B) {
	raw := []byte(benchTargeting)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var t Targeting
			if err := json.Unmarshal(raw, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memo-hit", func(b *testing.B) {
		var m TargetingMemo
		if _, err := m.Decode(raw); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Decode(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
