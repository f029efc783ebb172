-- Issue 15: every automatic backup, so that a failure is shown on the Settings screen and
-- in the sync summary instead of being skipped in silence.
CREATE TABLE backup_runs (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    -- 'daily': the first sync or app start of a day.
    kind TEXT NOT NULL CHECK (kind IN ('daily')),
    -- The backup written (absent when it failed before a file was made).
    file TEXT,
    ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
    error TEXT,
    bytes INTEGER
);

-- Photos known to be gone for good: an old database-only backup was restored without them.
-- Their evidence is published and sent without a photo instead of waiting for it.
ALTER TABLE photos ADD COLUMN gone_at TEXT;
