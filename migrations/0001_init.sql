-- Goalpost schema, version 1.
-- Timestamps are UTC, stored by rusqlite's chrono mapping ("YYYY-MM-DD HH:MM:SS.fff+00:00").
-- Business rules (consent, display names, who may see what) live in Rust, not in triggers;
-- the CHECK constraints here are a last line of defence against a bug writing nonsense.

CREATE TABLE class (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    school        TEXT NOT NULL,
    class_name    TEXT NOT NULL,
    teacher       TEXT NOT NULL,
    teacher_email TEXT NOT NULL,
    language      TEXT NOT NULL DEFAULT 'en',
    timezone      TEXT NOT NULL DEFAULT 'UTC',
    created_at    TEXT NOT NULL
);

CREATE TABLE students (
    id         INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name  TEXT NOT NULL CHECK (length(last_name) <= 100),
    pseudonym  TEXT CHECK (pseudonym IS NULL OR length(pseudonym) BETWEEN 1 AND 100),
    created_at TEXT NOT NULL,
    UNIQUE (first_name, last_name)
);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    email        TEXT,
    language     TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'weekly', 'paper', 'none')),
    -- Set when the mail server refused the address permanently; cleared when it is edited.
    email_error  TEXT,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX contacts_email ON contacts (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE student_contacts (
    student_id   INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    relationship TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (student_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX student_contacts_contact ON student_contacts (contact_id);

CREATE TABLE consents (
    student_id INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('name_on_blog', 'photo_on_blog', 'blog', 'email_family')),
    granted    INTEGER NOT NULL CHECK (granted IN (0, 1)),
    given_by   TEXT NOT NULL,
    given_at   TEXT NOT NULL,
    PRIMARY KEY (student_id, purpose)
) WITHOUT ROWID;

-- Every change of consent, kept for the teacher's records; erased with the student.
CREATE TABLE consent_history (
    id         INTEGER PRIMARY KEY,
    student_id INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    granted    INTEGER NOT NULL,
    given_by   TEXT NOT NULL,
    given_at   TEXT NOT NULL
);

CREATE TABLE goals (
    id           INTEGER PRIMARY KEY,
    student_id   INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    subject      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'achieved')),
    next_goal_id INTEGER REFERENCES goals (id) ON DELETE SET NULL,
    achieved_at  TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX goals_student ON goals (student_id);

-- Originals, stored privately under <data>/photos/originals/<hash>; never published as they are.
CREATE TABLE photos (
    hash       TEXT PRIMARY KEY,
    bytes      INTEGER NOT NULL,
    format     TEXT NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE evidence (
    id             INTEGER PRIMARY KEY,
    student_id     INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    goal_id        INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    photo_hash     TEXT REFERENCES photos (hash),
    words          TEXT NOT NULL DEFAULT '',
    family_message TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'approved', 'returned')),
    submitted_at   TEXT NOT NULL,
    reviewed_by    TEXT,
    reviewed_at    TEXT,
    return_reason  TEXT
);
CREATE INDEX evidence_student ON evidence (student_id);
CREATE INDEX evidence_status ON evidence (status);
CREATE INDEX evidence_photo ON evidence (photo_hash);

-- The outbox: one row per thing for one contact through one channel.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    contact_id      INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('evidence', 'digest', 'slip', 'test')),
    -- What the delivery is about, e.g. "evidence:12" or "digest:2026-W47"; unique per contact.
    subject_key     TEXT NOT NULL,
    channel         TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (contact_id, kind, subject_key)
);
CREATE INDEX deliveries_status ON deliveries (status);

CREATE TABLE delivery_items (
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    evidence_id INTEGER NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    PRIMARY KEY (delivery_id, evidence_id)
) WITHOUT ROWID;
CREATE INDEX delivery_items_evidence ON delivery_items (evidence_id);

CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    dry_run     INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
    summary     TEXT
);

CREATE TABLE contact_log (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    method      TEXT NOT NULL CHECK (method IN ('email', 'digest', 'paper', 'phone', 'notebook', 'visit', 'meeting', 'other')),
    note        TEXT NOT NULL DEFAULT '',
    delivery_id INTEGER REFERENCES deliveries (id) ON DELETE SET NULL
);
CREATE INDEX contact_log_contact ON contact_log (contact_id, at);

CREATE TABLE sharing_times (
    id         INTEGER PRIMARY KEY,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT,
    title      TEXT NOT NULL,
    place      TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
