-- Goalpost schema: reaching every family (issue 16).
--
-- contacts.channel  may be 'chat': Goalpost prepares a short text and a photo per family
--                   for the teacher to paste into a chat app, and talks to no chat service
-- contact_log       may record 'chat': a chat text marked sent, or a chat made by hand
-- deliveries.kind   may be 'chat': one prepared chat text about one evidence, sent only
--                   when the teacher marks it so
--
-- SQLite changes a CHECK only by rebuilding the table: each of the three is made anew with
-- the same columns, checks and references, filled with the same rows and ids, and its
-- indexes made again (run with foreign keys off, references checked before commit).
-- contacts keeps AUTOINCREMENT and its sequence, so an id is never given twice.

-- contacts
CREATE TABLE contacts_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    email        TEXT,
    language     TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'weekly', 'paper', 'chat', 'none')),
    -- Set when the mail server refused the address permanently; cleared when it is edited.
    email_error  TEXT,
    created_at   TEXT NOT NULL
);
-- The sequence contacts had (none before it was made AUTOINCREMENT).
CREATE TEMP TABLE gp_contacts_seq AS
SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'contacts'), 0) AS seq;
INSERT INTO contacts_new (id, name, email, language, channel, email_error, created_at)
SELECT id, name, email, language, channel, email_error, created_at FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;
CREATE UNIQUE INDEX contacts_email ON contacts (lower(email)) WHERE email IS NOT NULL;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'contacts', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'contacts');
UPDATE sqlite_sequence SET seq = max(seq,
       (SELECT seq FROM temp.gp_contacts_seq),
       coalesce((SELECT max(id) FROM contacts), 0),
       coalesce((SELECT max(contact_id) FROM deliveries), 0),
       coalesce((SELECT max(contact_id) FROM contact_log), 0))
 WHERE name = 'contacts';
DROP TABLE temp.gp_contacts_seq;

-- deliveries
CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY,
    contact_id      INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('evidence', 'digest', 'slip', 'chat', 'test')),
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
    address         TEXT,
    error_kind      TEXT
        CHECK (error_kind IS NULL OR error_kind IN ('transient', 'permanent', 'unknown', 'config', 'content', 'withdrawn')),
    first_attempt_at TEXT,
    UNIQUE (contact_id, kind, subject_key)
);
INSERT INTO deliveries_new (id, contact_id, kind, subject_key, channel, message_id, status,
                            attempts, last_error, next_attempt_at, created_at, sent_at,
                            address, error_kind, first_attempt_at)
SELECT id, contact_id, kind, subject_key, channel, message_id, status, attempts, last_error,
       next_attempt_at, created_at, sent_at, address, error_kind, first_attempt_at
  FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_status ON deliveries (status);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

-- contact_log
CREATE TABLE contact_log_new (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    method      TEXT NOT NULL CHECK (method IN ('email', 'digest', 'paper', 'chat', 'phone', 'notebook', 'visit', 'meeting', 'other')),
    note        TEXT NOT NULL DEFAULT '',
    delivery_id INTEGER REFERENCES deliveries (id) ON DELETE SET NULL
);
INSERT INTO contact_log_new (id, contact_id, at, method, note, delivery_id)
SELECT id, contact_id, at, method, note, delivery_id FROM contact_log;
DROP TABLE contact_log;
ALTER TABLE contact_log_new RENAME TO contact_log;
CREATE INDEX contact_log_contact ON contact_log (contact_id, at);
