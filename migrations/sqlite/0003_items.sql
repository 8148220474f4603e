-- Captured items (REC-1): posts, comments, replies, direct messages and mentions, with every
-- version kept. Exactly once: an item is unique per channel and platform id; a version is
-- unique per item and content hash.

-- The platform account a channel is (a Facebook page id, an Instagram account id, …), for
-- routing webhook deliveries to their channel.
ALTER TABLE channels ADD COLUMN external_account_id TEXT NOT NULL DEFAULT '';

CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    external_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    parent_external_id TEXT,
    author_platform_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_url TEXT,
    url TEXT,
    platform_time TEXT,
    captured_at TEXT NOT NULL,
    state TEXT NOT NULL,
    state_changed_at TEXT,
    current_version_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    UNIQUE (channel_id, external_id)
);
CREATE INDEX items_channel_time ON items (channel_id, captured_at);
CREATE INDEX items_parent ON items (channel_id, parent_external_id);

CREATE TABLE item_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES items(id),
    version_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    media TEXT NOT NULL,
    platform_time TEXT,
    captured_at TEXT NOT NULL,
    UNIQUE (item_id, version_hash)
);

-- Every delivery as it arrived, before it was interpreted: the proof of what the platform sent.
CREATE TABLE raw_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX raw_deliveries_sha ON raw_deliveries (body_sha256);
