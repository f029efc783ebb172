-- Goalpost schema: invitations that stand on their own (issue 16, part 1).
--
-- sharing_times.sequence      RFC 5545 SEQUENCE of the time's calendar entry: raised by each
--                             change or the cancellation, so families' calendars take the
--                             newest one (the UID stays the same)
-- sharing_times.cancelled_at  when the teacher cancelled it (NULL: it stands); a cancelled
--                             time is kept so that families who were invited hear of it
-- deliveries.kind             may be 'invitation', 'reminder' or 'update': a sharing time's
--                             own message to one contact, through their channel (the
--                             `channel` column: email with invite.ics, paper slip, chat text)
--
-- SQLite changes a CHECK only by rebuilding the table: deliveries is made anew with the same
-- columns, checks and references, filled with the same rows and ids, and its indexes made
-- again (run with foreign keys off, references checked before commit).

ALTER TABLE sharing_times ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0);
ALTER TABLE sharing_times ADD COLUMN cancelled_at TEXT;

CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY,
    contact_id      INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('evidence', 'digest', 'slip', 'chat', 'invitation', 'reminder', 'update', 'test')),
    -- What the delivery is about, e.g. "evidence:12", "digest:2026-W47" or "sharing:3:1";
    -- unique per contact and kind.
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
