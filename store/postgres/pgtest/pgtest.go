// Package pgtest gives tests a PostgreSQL store of their own: a fresh
// schema in the database SEGQL_TEST_POSTGRES names, dropped when the test
// ends. Without that variable the test is skipped, except under CI=true,
// where it fails: CI must run the PostgreSQL tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/segql/segql/store/postgres"
)

// EnvVar names the variable holding the test database's URL, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvVar = "SEGQL_TEST_POSTGRES"

// BaseURL returns the test database's URL, skipping the test (failing it
// under CI=true) when there is none.
func BaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(EnvVar + " is not set: CI must run the PostgreSQL suite")
		}
		t.Skip(EnvVar + " is not set: skipping the PostgreSQL suite")
	}
	return u
}

// URL creates a new, empty schema for the test and returns the test
// database's URL with that schema as its search_path. The schema is
// dropped, with everything in it, when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
	schema := "segql_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	exec(t, ctx, base, `CREATE SCHEMA `+schema)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		exec(t, ctx, base, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
	})
	u, err := WithSearchPath(base, schema)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Open opens a store on a new schema (see URL), closed when the test ends.
func Open(t testing.TB) *postgres.Store {
	t.Helper()
	return OpenWith(t, postgres.Options{MaxConns: 4})
}

// OpenWith is Open with pool options of the test's choosing.
func OpenWith(t testing.TB, o postgres.Options) *postgres.Store {
	t.Helper()
	u := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, u, o)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after URL's cleanup, so it runs before the schema is dropped.
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// WithSearchPath sets search_path in a connection string, either a URL or
// keyword/value pairs.
func WithSearchPath(conn, schema string) (string, error) {
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		u, err := url.Parse(conn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return conn + " search_path=" + schema, nil
}

func exec(t testing.TB, ctx context.Context, connString, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
