-- Goalpost schema, version 2: what the outbox needs to report and retry deliveries.
--
-- address          the address a message was last handed to (the contact's may change later)
-- error_kind       how the last failure was classified, so retries and the teacher's view
--                  can tell "try again later" from "fix the address" from "outcome unknown"
-- first_attempt_at when sending was first tried; retries give up a few days after it
ALTER TABLE deliveries ADD COLUMN address TEXT;
ALTER TABLE deliveries ADD COLUMN error_kind TEXT
    CHECK (error_kind IS NULL OR error_kind IN ('transient', 'permanent', 'unknown', 'config', 'content', 'withdrawn'));
ALTER TABLE deliveries ADD COLUMN first_attempt_at TEXT;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
