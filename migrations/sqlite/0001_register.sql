-- Kanalvakt schema, SQLite dialect. The PostgreSQL file beside this one has the same tables,
-- columns and meanings; only the dialect differs. Conventions shared by both backends:
--   ids and integers are 64-bit; booleans are 0/1 integers; times are RFC 3339 UTC text with
--   microseconds ("2026-11-29T10:00:00.000000Z"), which sorts as time does.

CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('forvaltning', 'bolag')),
    name TEXT NOT NULL UNIQUE,
    head_person_id INTEGER,
    is_communications INTEGER NOT NULL DEFAULT 0 CHECK (is_communications IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    phone TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    unit_id INTEGER REFERENCES units(id),
    username TEXT UNIQUE,
    password_hash TEXT,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE role_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people(id),
    role TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    granted_at TEXT NOT NULL
);
CREATE UNIQUE INDEX role_grants_unique ON role_grants (person_id, role, COALESCE(unit_id, 0));

CREATE TABLE channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    name TEXT NOT NULL,
    handle TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL,
    url_normalized TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    has_dialogue INTEGER NOT NULL CHECK (has_dialogue IN (0, 1)),
    state TEXT NOT NULL,
    contact_email TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    current_plan_id INTEGER,
    pending_plan_id INTEGER,
    closing_reason TEXT NOT NULL DEFAULT '',
    closed_at TEXT,
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX channels_state ON channels (state);
CREATE INDEX channels_url ON channels (url_normalized);

-- Every version of a channel's activity plan. `body` is the plan as JSON (the domain's
-- ActivityPlan); plan_people repeats the people in it so that "my channels" is a join.
CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'superseded')),
    body TEXT NOT NULL,
    rejection_reason TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    decided_at TEXT,
    UNIQUE (channel_id, version)
);

CREATE TABLE plan_people (
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    role TEXT NOT NULL CHECK (role IN ('administrator', 'operator', 'substitute')),
    PRIMARY KEY (plan_id, person_id, role)
);
CREATE INDEX plan_people_person ON plan_people (person_id);

CREATE TABLE approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    step TEXT NOT NULL,
    step_person_id INTEGER,
    decided_by INTEGER NOT NULL REFERENCES people(id),
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    reason TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL
);
CREATE INDEX approvals_plan ON approvals (plan_id);

-- REG-6: secrets are XChaCha20-Poly1305 ciphertext; the key never touches the database.
CREATE TABLE credentials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    label TEXT NOT NULL,
    login TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    expires_at TEXT,
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Append-only and hash-chained: no foreign keys (an entry outlives what it describes) and
-- triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    channel_id INTEGER,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    source TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_channel ON audit_log (channel_id, seq);
CREATE INDEX audit_at ON audit_log (at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Public changes to the register, for the Atom feed (REG-7).
CREATE TABLE register_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX register_events_at ON register_events (at);

CREATE TABLE party_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    party TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Server-side sessions: the cookie holds a random token, the table only its SHA-256.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);

CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_failure_at TEXT NOT NULL,
    locked_until TEXT
);
