-- Public records (issue 5): registration (REC-2), legal holds and records requests (TF 2 kap.),
-- the disposal log (REC-5), snapshots (REC-7) and the records steps of closing a channel
-- (REC-8, REG-9).

-- A case in the diarium (ärende) with its diarienummer: series, year, running number (REC-2).
CREATE TABLE registry_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    channel_id INTEGER REFERENCES channels(id),
    opened_at TEXT NOT NULL,
    opened_by INTEGER REFERENCES people(id),
    UNIQUE (series, year, number)
);

-- A registered record (handling) in a registry case, numbered within it (KS 2026/0143-2):
-- date, in or out, sender or recipient, short description (OSL 5 kap. 2 §), fields withheld
-- for secrecy as JSON [[field, provision]]. item_id is empty for a record that is not a captured
-- item (the closure of a channel). handed_over_at: when the registrar was sent it.
CREATE TABLE registered_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    registry_case_id INTEGER NOT NULL REFERENCES registry_cases(id),
    seq INTEGER NOT NULL,
    item_id INTEGER UNIQUE REFERENCES items(id),
    kind TEXT NOT NULL,
    record_date TEXT NOT NULL,
    direction TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    description TEXT NOT NULL,
    withheld TEXT NOT NULL DEFAULT '[]',
    registered_by INTEGER REFERENCES people(id),
    registered_at TEXT NOT NULL,
    handed_over_at TEXT,
    UNIQUE (registry_case_id, seq)
);

-- A stop on disposal of one item: a records request, a JO/JK, court or police matter.
CREATE TABLE legal_holds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES items(id),
    reason TEXT NOT NULL,
    request_id INTEGER,
    placed_by INTEGER REFERENCES people(id),
    placed_at TEXT NOT NULL,
    released_by INTEGER REFERENCES people(id),
    released_at TEXT
);
CREATE INDEX legal_holds_item ON legal_holds (item_id, released_at);

-- A request for public records (begäran om allmän handling). The requester may stay anonymous.
CREATE TABLE records_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    requester TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    query TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    created_by INTEGER REFERENCES people(id),
    decided_at TEXT,
    decided_by INTEGER REFERENCES people(id),
    decision TEXT,
    decision_note TEXT NOT NULL DEFAULT '',
    pdf_sha256 TEXT,
    data_sha256 TEXT,
    -- data_sha256 is the JSON release's SHA-256; the CSV's is here.
    csv_sha256 TEXT
);

-- The records a request covers, and what is masked in each, as JSON
-- [{"field": "sender" | "text" | "phrase", "phrase": "...", "provision": "OSL 21 kap. 7 §"}].
CREATE TABLE records_request_items (
    request_id INTEGER NOT NULL REFERENCES records_requests(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    masks TEXT NOT NULL DEFAULT '[]',
    released INTEGER NOT NULL DEFAULT 1 CHECK (released IN (0, 1)),
    PRIMARY KEY (request_id, item_id)
);
CREATE INDEX records_request_items_item ON records_request_items (item_id);

-- The disposal log: one row per class disposed in a run. Never disposed itself (REC-5).
CREATE TABLE disposal_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_at TEXT NOT NULL,
    run_by TEXT NOT NULL,
    class_id TEXT NOT NULL,
    class_name TEXT NOT NULL,
    decision TEXT NOT NULL,
    -- The class's period as the plan stated it ("Gallras efter 2 år").
    period TEXT NOT NULL DEFAULT '',
    captured_from TEXT NOT NULL,
    captured_to TEXT NOT NULL,
    item_count INTEGER NOT NULL,
    media_count INTEGER NOT NULL,
    -- SHA-256 over the disposed items' ids and content hashes, in id order: proves which set
    -- was disposed without keeping the content.
    items_sha256 TEXT NOT NULL
);

-- A snapshot of a channel for a period (REC-7): a PDF/A, and where the public page could be
-- reached, a rendering of it by headless Chromium. Files live under the data directory.
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    reason TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    taken_by INTEGER REFERENCES people(id),
    pdf_path TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    pdf_size INTEGER NOT NULL,
    rendering_path TEXT,
    rendering_sha256 TEXT,
    rendering_note TEXT NOT NULL DEFAULT '',
    posts INTEGER NOT NULL,
    comments INTEGER NOT NULL
);
CREATE INDEX snapshots_channel ON snapshots (channel_id, period_to);
-- A scheduled or final snapshot is taken once per channel and period, even with several instances.
CREATE UNIQUE INDEX snapshots_once ON snapshots (channel_id, reason, period_from, period_to) WHERE reason <> 'manual';

-- The records steps of closing a channel (REC-8, REG-9), and the inactivity flag.
CREATE TABLE channel_closings (
    channel_id INTEGER PRIMARY KEY REFERENCES channels(id),
    snapshot_id INTEGER REFERENCES snapshots(id),
    package_path TEXT,
    package_sha256 TEXT,
    package_at TEXT,
    registered_record_id INTEGER REFERENCES registered_records(id)
);
ALTER TABLE channels ADD COLUMN inactive_since TEXT;

-- The index terms changed with issue 5 (the last part of a compound word is indexed too):
-- empty the index, and the server indexes every item again in the background when it starts
-- (Services::index_missing), so old and new items are found by the same words.
DELETE FROM item_search;
