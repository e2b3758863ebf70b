package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Hooks for the package's external tests.

// Migrations counts the migration steps.
func Migrations() int { return len(migrations()) }

// SetMaxSegmentsPerProfile lowers the per-profile limit.
func (s *Store) SetMaxSegmentsPerProfile(n int) { s.maxSegmentsPerProfile = n }

// Pool is the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// OpenConfigured is Open with a last say on the pool's configuration.
func OpenConfigured(ctx context.Context, url string, o Options, configure func(*pgxpool.Config)) (*Store, error) {
	return open(ctx, url, o, configure)
}

// WriteLockKey is the advisory lock key every write of s takes.
func WriteLockKey(s *Store) int64 { return s.writeKey }
