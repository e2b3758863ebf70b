package storetest

import (
	"testing"

	"github.com/segql/segql/store"
)

// test is one subtest of the suite.
type test struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// Run runs the whole suite. Each subtest gets a fresh, empty store from
// open, which also arranges (with t.Cleanup) for it to be closed.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := [][]test{
		readTests(),
		shopperTests(),
		pagingTests(),
		filterTests(),
		parentPageTests(),
		segmentWriteTests(),
		profileWriteTests(),
		membershipTests(),
		customerWriteTests(),
		promotionWriteTests(),
		cascadeTests(),
		limitTests(),
		importTests(),
		cancelTests(),
		concurrencyTests(),
	}
	for _, g := range groups {
		for _, tc := range g {
			t.Run(tc.name, func(t *testing.T) {
				tc.run(t, open(t))
			})
		}
	}
}
