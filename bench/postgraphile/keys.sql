-- The keys and indexes of the peer's tables, added after the data is in
-- (faster than keeping them up row by row). PostGraphile makes its relation
-- fields from the foreign keys; every foreign key leads an index, so each
-- relation in either direction is an index scan.

ALTER TABLE customers ADD PRIMARY KEY (id);
ALTER TABLE segments ADD PRIMARY KEY (id);
ALTER TABLE promotions ADD PRIMARY KEY (id);

ALTER TABLE shopper_profiles
	ADD PRIMARY KEY (id),
	ADD UNIQUE (customer_id),
	ADD FOREIGN KEY (customer_id) REFERENCES customers (id);

ALTER TABLE memberships
	ADD PRIMARY KEY (segment_id, profile_id),
	ADD FOREIGN KEY (segment_id) REFERENCES segments (id),
	ADD FOREIGN KEY (profile_id) REFERENCES shopper_profiles (id);
CREATE INDEX memberships_profile ON memberships (profile_id, segment_id);

ALTER TABLE promotion_segments
	ADD PRIMARY KEY (promotion_id, segment_id),
	ADD FOREIGN KEY (promotion_id) REFERENCES promotions (id),
	ADD FOREIGN KEY (segment_id) REFERENCES segments (id);
CREATE INDEX promotion_segments_segment ON promotion_segments (segment_id, promotion_id);
