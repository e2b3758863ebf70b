package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema's steps, in order; step i brings the schema to
// version i+1. Steps are only ever appended: a released step never changes.
// Tables are created unqualified, in the store's schema.
func migrations() []string {
	return []string{
		// 1: the first schema, the same tables and rules as SQLite's.
		// name_key and email_key hold the value uniqueness ignoring case is
		// checked on, lower-cased in Go (strings.ToLower) so both backends
		// fold case alike. Ids of segments and profiles are uuid: their order
		// is the order of their lowercase text, so cursors agree with SQLite.
		// Times are timestamptz, microseconds like store.UTC. Counts are
		// bigint, as wide as SQLite's integers and Go's int.
		`
CREATE TABLE customers (
	id                bigint PRIMARY KEY,
	email             text NOT NULL,
	email_key         text NOT NULL UNIQUE,
	first_name        text NOT NULL,
	last_name         text NOT NULL,
	company           text NOT NULL,
	phone             text NOT NULL,
	customer_group_id bigint NOT NULL,
	order_count       bigint NOT NULL,
	channel_ids       bigint[] NOT NULL,
	created_at        timestamptz NOT NULL,
	updated_at        timestamptz NOT NULL
);
CREATE INDEX customers_group ON customers (customer_group_id, id);

CREATE TABLE segments (
	id          uuid PRIMARY KEY,
	name        text NOT NULL,
	name_key    text NOT NULL UNIQUE,
	description text NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL
);

CREATE TABLE shopper_profiles (
	id          uuid PRIMARY KEY,
	customer_id bigint NOT NULL UNIQUE REFERENCES customers (id) ON DELETE CASCADE,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL
);

CREATE TABLE memberships (
	segment_id uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
	profile_id uuid NOT NULL REFERENCES shopper_profiles (id) ON DELETE CASCADE,
	PRIMARY KEY (segment_id, profile_id)
);
CREATE INDEX memberships_profile ON memberships (profile_id, segment_id);

CREATE TABLE promotions (
	id              bigint PRIMARY KEY,
	name            text NOT NULL,
	display_name    text NOT NULL,
	redemption_type text NOT NULL,
	status          text NOT NULL,
	starts_at       timestamptz NOT NULL,
	ends_at         timestamptz,       -- NULL: never ends
	channel_ids     bigint[] NOT NULL, -- empty: every channel
	currency_code   text NOT NULL,
	max_uses        bigint,            -- NULL: no limit
	current_uses    bigint NOT NULL,
	customer        jsonb NOT NULL,    -- store.Targeting, the reference's customer object
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL
);
CREATE INDEX promotions_status ON promotions (status, id);

-- Derived from each promotion's condition: the segments it names, for the
-- reverse lookup segment -> promotions.
CREATE TABLE promotion_segments (
	promotion_id bigint NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
	segment_id   uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
	PRIMARY KEY (segment_id, promotion_id)
);
CREATE INDEX promotion_segments_promotion ON promotion_segments (promotion_id);
`,
		// 2: the promotions version (store.EnabledMemo): every statement that
		// writes promotions moves it, in its own transaction. Writes take
		// the schema's write lock first, so the one row is never contended.
		// The function keeps the schema it was made in, whatever the
		// search_path of the session writing.
		`
CREATE TABLE promotions_version (
	one     boolean PRIMARY KEY DEFAULT true CHECK (one),
	version bigint NOT NULL
);
INSERT INTO promotions_version (version) VALUES (1);
CREATE FUNCTION promotions_version_bump() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	UPDATE promotions_version SET version = version + 1;
	RETURN NULL;
END
$$;
CREATE TRIGGER promotions_version_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON promotions
FOR EACH STATEMENT EXECUTE FUNCTION promotions_version_bump();
`,
	}
}

// Migrate applies the migration steps the schema has not had yet, each in
// its own transaction with its version row, so a step is applied whole or
// not at all and Migrate can run any number of times. Processes starting
// at once take turns: Migrate holds the schema's session advisory lock,
// on one connection, while it reads the versions and applies the steps.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, s.migrateKey); err != nil {
		return fmt.Errorf("postgres: migrate: take the migration lock: %w", err)
	}
	defer unlock(ctx, conn, s.migrateKey)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	applied_at timestamptz NOT NULL
)`); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("postgres: migrate: read versions: %w", err)
	}
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: migrate: read versions: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: migrate: read versions: %w", err)
	}
	for i, step := range migrations() {
		version := i + 1
		if applied[version] {
			continue
		}
		if err := migrateStep(ctx, conn, version, step); err != nil {
			return fmt.Errorf("postgres: migrate to version %d: %w", version, err)
		}
	}
	return nil
}

// migrateStep applies one step and records it, in one transaction.
func migrateStep(ctx context.Context, conn *pgxpool.Conn, version int, step string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, step); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		version, time.Now().UTC()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// unlock releases a session advisory lock. When that fails (the context
// was cancelled mid-statement, the connection broke), the connection is
// closed instead, which releases the lock too, and the pool drops it.
func unlock(ctx context.Context, conn *pgxpool.Conn, key int64) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
		conn.Conn().Close(uctx)
	}
}

// SchemaVersion reports the highest migration step applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: schema version: %w", err)
	}
	return v, nil
}
