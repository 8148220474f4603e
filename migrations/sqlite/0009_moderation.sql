-- The moderation inbox (MOD-1..7, MON-1..3): one case per incoming item, ending in exactly one
-- recorded decision; removals saved before they reach the platform; the absence register; an
-- outbox so that e-mail belonging to an action is as durable as the action.

-- Per channel: which categories hide at once and which only flag (JSON), and the channel's own
-- additions to the builtin lexicon (the lexicon text format).
ALTER TABLE channels ADD COLUMN moderation_policy TEXT NOT NULL DEFAULT '';
ALTER TABLE channels ADD COLUMN lexicon TEXT NOT NULL DEFAULT '';

-- The staff member who wrote an item through Kanalvakt (answers, posts): MON-3 and statistics.
ALTER TABLE items ADD COLUMN author_person_id INTEGER REFERENCES people(id);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL UNIQUE REFERENCES items(id),
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    state TEXT NOT NULL,
    assignee_id INTEGER REFERENCES people(id),
    opened_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    due_kind TEXT NOT NULL,
    expects_answer INTEGER NOT NULL CHECK (expects_answer IN (0, 1)),
    -- The rule engine's verdict: comma-separated category ids, the hits as JSON, and what the
    -- channel's policy did about it (none, flag, hide).
    categories TEXT NOT NULL,
    hits TEXT NOT NULL,
    auto_action TEXT NOT NULL,
    escalation INTEGER NOT NULL DEFAULT 0,
    first_response_at TEXT,
    closed_at TEXT,
    closed_by INTEGER REFERENCES people(id),
    decision TEXT,
    decision_category TEXT,
    decision_rule TEXT,
    reason TEXT,
    forwarded_to INTEGER REFERENCES people(id),
    registration_requested INTEGER NOT NULL DEFAULT 0 CHECK (registration_requested IN (0, 1))
);
CREATE INDEX cases_open ON cases (state, due_at);
CREATE INDEX cases_channel ON cases (channel_id, state);

-- The case's history: opened, assigned, escalated, answered, forwarded, hidden, reopened …
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    at TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- MOD-6: what was saved before a hide or delete, and whether the platform has done it.
CREATE TABLE removals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    item_id INTEGER NOT NULL REFERENCES items(id),
    action TEXT NOT NULL,
    category TEXT NOT NULL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by INTEGER REFERENCES people(id),
    saved_at TEXT NOT NULL,
    -- The content, every version, media hashes and the sender, as JSON, and its SHA-256.
    record TEXT NOT NULL,
    record_sha256 TEXT NOT NULL,
    done_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at TEXT NOT NULL
);
CREATE INDEX removals_pending ON removals (done_at, next_attempt_at);

-- MON-1: who is away, so their cases go to the substitute.
CREATE TABLE absences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people(id),
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL
);
CREATE INDEX absences_person ON absences (person_id, to_date);

-- E-mail that belongs to an action (a forward, a copy to the myndighetsbrevlåda, an
-- escalation, the daily summary), written in the action's transaction and sent afterwards.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_unsent ON outbox (sent_at);
