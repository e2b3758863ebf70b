package cache

import (
	"testing"

	"github.com/segql/segql/store"
	"github.com/segql/segql/store/storetest"
)

// TestContract runs the store contract suite through the cache: every
// read the suite makes after a write goes through Redis, so a write that
// left a stale value behind fails the suite.
func TestContract(t *testing.T) {
	rdb := testClient(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return New(openSQLite(t), rdb, testOptions(t, rdb))
	})
}
