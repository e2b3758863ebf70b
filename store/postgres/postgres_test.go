package postgres_test

import (
	"testing"

	"github.com/segql/segql/store/postgres/pgtest"
)

func TestOpen(t *testing.T) {
	s := pgtest.Open(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(t.Context())
	if err != nil || v != 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
}
