-- Which channels the communications unit includes in the public aggregated feed (PUB-2).
ALTER TABLE channels ADD COLUMN in_public_feed INTEGER NOT NULL DEFAULT 1 CHECK (in_public_feed IN (0, 1));
CREATE INDEX items_public ON items (kind, direction, state, platform_time);
