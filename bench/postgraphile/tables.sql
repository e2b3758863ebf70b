-- The PostGraphile peer's tables, plain relational ones in their own schema
-- (bench/peer.go creates the schema and sets search_path to it, then
-- streams the JSONL data in with COPY and runs keys.sql). Column names are
-- the import files' field names.

CREATE TABLE customers (
	id                bigint NOT NULL,
	email             text NOT NULL,
	first_name        text NOT NULL,
	last_name         text NOT NULL,
	company           text NOT NULL,
	phone             text NOT NULL,
	customer_group_id bigint NOT NULL,
	channel_ids       bigint[] NOT NULL,
	date_created      timestamptz,
	date_modified     timestamptz,
	order_count       integer NOT NULL
);

CREATE TABLE segments (
	id          uuid NOT NULL,
	name        text NOT NULL,
	description text NOT NULL,
	created_at  timestamptz,
	updated_at  timestamptz
);

CREATE TABLE shopper_profiles (
	id          uuid NOT NULL,
	customer_id bigint NOT NULL,
	created_at  timestamptz,
	updated_at  timestamptz
);

CREATE TABLE memberships (
	segment_id uuid NOT NULL,
	profile_id uuid NOT NULL
);

CREATE TABLE promotions (
	id              bigint NOT NULL,
	name            text NOT NULL,
	display_name    text NOT NULL,
	redemption_type text NOT NULL,
	status          text NOT NULL,
	start_date      timestamptz,
	end_date        timestamptz,
	channel_ids     bigint[] NOT NULL,
	currency_code   text NOT NULL,
	max_uses        integer,
	current_uses    integer NOT NULL,
	customer        jsonb,
	created_at      timestamptz,
	updated_at      timestamptz
);

-- Derived from each promotion's segment condition: the segments it names
-- anywhere in the tree (under not, and, or too).
CREATE TABLE promotion_segments (
	promotion_id bigint NOT NULL,
	segment_id   uuid NOT NULL
);

-- What is loaded: the data dir's stamp and the row counts. Hidden from the
-- GraphQL schema.
CREATE TABLE peer_loaded (
	stamp              text NOT NULL,
	customers          bigint NOT NULL,
	segments           bigint NOT NULL,
	shopper_profiles   bigint NOT NULL,
	memberships        bigint NOT NULL,
	promotions         bigint NOT NULL,
	promotion_segments bigint NOT NULL,
	loaded_at          timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE peer_loaded IS E'@behavior -*';
