package postgres_test

import (
	"testing"

	"github.com/segql/segql/store"
	"github.com/segql/segql/store/postgres/pgtest"
	"github.com/segql/segql/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return pgtest.Open(t) })
}
