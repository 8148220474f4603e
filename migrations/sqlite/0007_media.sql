-- The content-addressed media store (issue 3): photos and videos attached to captured items,
-- fetched after capture by a background job (capture never waits for a download). A file is
-- kept once per content, under DATA_DIR/media/ab/cd/<sha256>; `item_media` says which item
-- linked which address and what became of fetching it. `retry_at` is both the claim (a worker
-- sets it a few minutes ahead while it fetches) and the back-off after a failed attempt.
CREATE TABLE media (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    stored_at TEXT NOT NULL
);

CREATE TABLE item_media (
    item_id INTEGER NOT NULL REFERENCES items(id),
    source_url TEXT NOT NULL,
    sha256 TEXT REFERENCES media(sha256),
    status TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    retry_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (item_id, source_url)
);
CREATE INDEX item_media_pending ON item_media (status, retry_at);
