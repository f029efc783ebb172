-- Goalpost schema: goal titles kept from one school year for the next (issue 15).
--
-- `goalpost class archive` closes a year: it empties the class of every child and family,
-- and keeps the class's goal titles here as next year's suggestions (`goal suggestions`,
-- and the Goals screen offers them when a goal is added). A title that names a child of
-- the class is not kept.
--
-- title     "I can ...", as the teacher wrote it
-- subject   the teacher's subject for it ('' when none)
-- added_at  when the year that used it was archived

CREATE TABLE goal_suggestions (
    id       INTEGER PRIMARY KEY,
    title    TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    subject  TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    UNIQUE (title, subject)
);
