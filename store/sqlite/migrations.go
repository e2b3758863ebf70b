package sqlite

import (
	"context"
	"fmt"
	"time"
)

// migrations are the schema's steps, in order; step i brings the schema to
// version i+1. Steps are only ever appended: a released step never changes.
func migrations() []string {
	return []string{
		// 1: the first schema. Times are unix microseconds UTC. name_key and
		// email_key hold the lower-cased value that uniqueness ignoring case
		// is checked on, since SQLite's NOCASE folds ASCII only.
		`
CREATE TABLE customers (
	id                INTEGER PRIMARY KEY,
	email             TEXT NOT NULL,
	email_key         TEXT NOT NULL UNIQUE,
	first_name        TEXT NOT NULL,
	last_name         TEXT NOT NULL,
	company           TEXT NOT NULL,
	phone             TEXT NOT NULL,
	customer_group_id INTEGER NOT NULL,
	order_count       INTEGER NOT NULL,
	channel_ids       TEXT NOT NULL, -- JSON array
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
);
CREATE INDEX customers_group ON customers (customer_group_id, id);

CREATE TABLE segments (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	name_key    TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE shopper_profiles (
	id          TEXT PRIMARY KEY,
	customer_id INTEGER NOT NULL UNIQUE REFERENCES customers (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE memberships (
	segment_id TEXT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
	profile_id TEXT NOT NULL REFERENCES shopper_profiles (id) ON DELETE CASCADE,
	PRIMARY KEY (segment_id, profile_id)
) WITHOUT ROWID;
CREATE INDEX memberships_profile ON memberships (profile_id, segment_id);

CREATE TABLE promotions (
	id              INTEGER PRIMARY KEY,
	name            TEXT NOT NULL,
	display_name    TEXT NOT NULL,
	redemption_type TEXT NOT NULL,
	status          TEXT NOT NULL,
	starts_at       INTEGER NOT NULL,
	ends_at         INTEGER,          -- NULL: never ends
	channel_ids     TEXT NOT NULL,    -- JSON array
	currency_code   TEXT NOT NULL,
	max_uses        INTEGER,          -- NULL: no limit
	current_uses    INTEGER NOT NULL,
	targeting       TEXT NOT NULL,    -- JSON, the reference's customer object
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX promotions_status ON promotions (status, id);

-- Derived from each promotion's condition: the segments it names, for the
-- reverse lookup segment -> promotions.
CREATE TABLE promotion_segments (
	promotion_id INTEGER NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
	segment_id   TEXT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
	PRIMARY KEY (promotion_id, segment_id)
) WITHOUT ROWID;
CREATE INDEX promotion_segments_segment ON promotion_segments (segment_id, promotion_id);
`,
		// 2: the promotions version (store.EnabledMemo): every row written
		// to promotions moves it, in the writing transaction.
		`
CREATE TABLE promotions_version (
	one     INTEGER PRIMARY KEY CHECK (one = 1),
	version INTEGER NOT NULL
);
INSERT INTO promotions_version (one, version) VALUES (1, 1);
CREATE TRIGGER promotions_version_insert AFTER INSERT ON promotions
BEGIN UPDATE promotions_version SET version = version + 1; END;
CREATE TRIGGER promotions_version_update AFTER UPDATE ON promotions
BEGIN UPDATE promotions_version SET version = version + 1; END;
CREATE TRIGGER promotions_version_delete AFTER DELETE ON promotions
BEGIN UPDATE promotions_version SET version = version + 1; END;
`,
	}
}

// Migrate applies the migration steps the database has not had yet. Each
// step runs in its own transaction with its version row, so a step is
// applied whole or not at all, and Migrate can run any number of times.
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at INTEGER NOT NULL
)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	for i, step := range migrations() {
		if err := s.migrateStep(ctx, i+1, step); err != nil {
			return fmt.Errorf("sqlite: migrate to version %d: %w", i+1, err)
		}
	}
	return nil
}

func (s *Store) migrateStep(ctx context.Context, version int, step string) error {
	// BEGIN IMMEDIATE (the DSN's _txlock) makes two processes opening the
	// same new file take turns here instead of both applying the step.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, step); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion reports the highest migration step applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.queryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`, nil, &v); err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	return v, nil
}
