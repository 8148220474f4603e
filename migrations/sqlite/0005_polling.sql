-- Polled sources (feeds now; Mastodon and YouTube later) and the scheduler's state. A poll is
-- claimed by setting `leased_until`; an instance that dies leaves a lease that simply expires,
-- so no channel is ever polled twice at once, also with several instances on one database.
ALTER TABLE channels ADD COLUMN feed_url TEXT NOT NULL DEFAULT '';
ALTER TABLE channels ADD COLUMN poll_minutes INTEGER NOT NULL DEFAULT 15;

CREATE TABLE poll_state (
    channel_id INTEGER PRIMARY KEY REFERENCES channels(id),
    next_run_at TEXT NOT NULL,
    leased_until TEXT,
    leased_by TEXT,
    etag TEXT,
    last_modified TEXT,
    last_success_at TEXT,
    last_error TEXT,
    last_error_at TEXT,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX poll_state_due ON poll_state (next_run_at);
