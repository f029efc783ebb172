-- Goalpost schema: a child's own note to their family (issue 16, part 2).
--
-- family_notes     a short note a child writes at the station to their own family ("Come
--                  and see my reading goal on Thursday!"), not tied to an evidence. It
--                  waits for the teacher like evidence: only an approved note is ever sent,
--                  and only to that child's own contacts. Erasing the child removes their
--                  notes (ON DELETE CASCADE). Ids are never given twice (AUTOINCREMENT):
--                  they key deliveries ("note:12") and Message-IDs.
-- delivery_notes   which note a delivery carries (as delivery_items does for evidence).

CREATE TABLE family_notes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    student_id   INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    text         TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    status       TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'approved', 'rejected')),
    submitted_at TEXT NOT NULL,
    reviewed_by  TEXT,
    reviewed_at  TEXT
);
CREATE INDEX family_notes_student ON family_notes (student_id);
CREATE INDEX family_notes_status ON family_notes (status);

CREATE TABLE delivery_notes (
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    note_id     INTEGER NOT NULL REFERENCES family_notes (id) ON DELETE CASCADE,
    PRIMARY KEY (delivery_id, note_id)
) WITHOUT ROWID;
CREATE INDEX delivery_notes_note ON delivery_notes (note_id);
