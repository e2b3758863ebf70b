package store

import (
	"encoding/json"
	"sync"
)

// Bounds of a TargetingMemo. A store holds a few hundred distinct
// targetings, so these are far above the working set and only stop a
// stream of distinct ones (rewrites, imports) from growing it forever.
const (
	targetingMemoEntries = 4096
	targetingMemoBytes   = 8 << 20 // raw JSON held, in total
)

// TargetingMemo maps a promotion's stored targeting JSON to its decoded
// form, so reading the same promotions again does not decode them again.
// Its zero value is ready to use, and it is safe for concurrent use.
//
// A built-in map behind a RWMutex rather than a sync.Map: looking a
// map[string] up by string(b) does not allocate, and boxing the key for a
// sync.Map would.
type TargetingMemo struct {
	mu    sync.RWMutex
	held  map[string]Targeting
	bytes int // len of the keys held
}

// Decode answers the targeting b encodes, decoding it only when the memo
// does not hold it yet. Malformed JSON answers the decoder's error and is
// not held.
//
// Every answer is a deep copy: promotions go to resolvers, caches and
// write paths, and a Condition tree or id list shared between promotions
// would let one caller's change show up in every later read. Copying a
// tree costs a fraction of decoding it.
func (m *TargetingMemo) Decode(b []byte) (Targeting, error) {
	m.mu.RLock()
	t, ok := m.held[string(b)]
	m.mu.RUnlock()
	if ok {
		return t.Clone(), nil
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return Targeting{}, err
	}
	m.keep(string(b), t)
	return t.Clone(), nil
}

// keep holds t under key. A full memo is emptied rather than trimmed: the
// live targetings come back on their next read at one decode each, and
// no recency bookkeeping slows the hits.
func (m *TargetingMemo) keep(key string, t Targeting) {
	if len(key) > targetingMemoBytes {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.held[key]; ok {
		return // another reader decoded it meanwhile
	}
	if m.held == nil || len(m.held) >= targetingMemoEntries || m.bytes+len(key) > targetingMemoBytes {
		m.held, m.bytes = make(map[string]Targeting), 0
	}
	m.held[key] = t
	m.bytes += len(key)
}

// size is how many targetings the memo holds (for tests).
func (m *TargetingMemo) size() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.held)
}
