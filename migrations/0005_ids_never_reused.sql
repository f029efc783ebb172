-- Goalpost schema: ids that are never given again (issue 12).
--
-- Evidence, student, contact and goal ids key deliveries ("evidence:12", Message-IDs),
-- blog pages (posts/e12.html, students/s3.html) and the erasure list. SQLite gives a freed
-- INTEGER PRIMARY KEY again (the largest id + 1), so after an erasure a younger sibling's
-- evidence could take the elder's evidence id, and the delivery to their shared contact
-- collided with the one already sent. With AUTOINCREMENT an id is never given twice.
--
-- SQLite can only add AUTOINCREMENT by rebuilding a table: each of the four is made anew
-- with the same columns, checks and references, filled with the same rows and ids, and its
-- indexes made again. (Goalpost runs migrations with foreign keys off, as SQLite's docs ask
-- for a rebuild, and checks every reference before it commits.)
--
-- Each sequence then starts above every id ever used that the database still names: the
-- rows themselves, and ids already freed that deliveries still name (`subject_key`
-- "evidence:N", `contact_id`) or that goals name as a next goal. Students erased before
-- this version are above in the erasure list (a file outside the database): Goalpost raises
-- the students' sequence above those when it opens the class.
--
-- A class that already met the bug has an evidence id given twice: a delivery about the
-- erased child's evidence N to the shared contact (its items gone with that evidence), and
-- the sibling's evidence N that was never sent to them. That evidence gets a new id above
-- all others, so the contact now hears of it; deliveries that did cover it follow it.

-- Evidence ids given a second time, and their new ids.
CREATE TEMP TABLE gp_freed_evidence AS
SELECT CAST(substr(subject_key, 10) AS INTEGER) AS id
  FROM deliveries
 WHERE substr(subject_key, 1, 9) = 'evidence:';

CREATE TEMP TABLE gp_reused_evidence AS
SELECT e.id AS old_id,
       (SELECT max(x) FROM (
            SELECT coalesce(max(id), 0) AS x FROM evidence
            UNION ALL SELECT coalesce(max(id), 0) FROM temp.gp_freed_evidence
            UNION ALL SELECT coalesce(max(evidence_id), 0) FROM delivery_items))
         + row_number() OVER (ORDER BY e.id) AS new_id
  FROM evidence e
 WHERE EXISTS (
        SELECT 1 FROM deliveries d
         WHERE d.subject_key = 'evidence:' || e.id
           AND d.kind IN ('evidence', 'slip')
           AND NOT EXISTS (SELECT 1 FROM delivery_items i
                            WHERE i.delivery_id = d.id AND i.evidence_id = e.id));

-- students
CREATE TABLE students_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name  TEXT NOT NULL CHECK (length(last_name) <= 100),
    pseudonym  TEXT CHECK (pseudonym IS NULL OR length(pseudonym) BETWEEN 1 AND 100),
    created_at TEXT NOT NULL,
    UNIQUE (first_name, last_name)
);
INSERT INTO students_new (id, first_name, last_name, pseudonym, created_at)
SELECT id, first_name, last_name, pseudonym, created_at FROM students;
DROP TABLE students;
ALTER TABLE students_new RENAME TO students;

-- contacts
CREATE TABLE contacts_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    email        TEXT,
    language     TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'weekly', 'paper', 'none')),
    -- Set when the mail server refused the address permanently; cleared when it is edited.
    email_error  TEXT,
    created_at   TEXT NOT NULL
);
INSERT INTO contacts_new (id, name, email, language, channel, email_error, created_at)
SELECT id, name, email, language, channel, email_error, created_at FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;
CREATE UNIQUE INDEX contacts_email ON contacts (lower(email)) WHERE email IS NOT NULL;

-- goals
CREATE TABLE goals_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    student_id   INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    subject      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'achieved')),
    next_goal_id INTEGER REFERENCES goals (id) ON DELETE SET NULL,
    achieved_at  TEXT,
    created_at   TEXT NOT NULL
);
INSERT INTO goals_new (id, student_id, title, subject, status, next_goal_id, achieved_at, created_at)
SELECT id, student_id, title, subject, status, next_goal_id, achieved_at, created_at FROM goals;
DROP TABLE goals;
ALTER TABLE goals_new RENAME TO goals;
CREATE INDEX goals_student ON goals (student_id);

-- evidence (an id given twice moves to its new one)
CREATE TABLE evidence_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO evidence_new (id, student_id, goal_id, photo_hash, words, family_message, status,
                          submitted_at, reviewed_by, reviewed_at, return_reason)
SELECT coalesce(r.new_id, e.id), e.student_id, e.goal_id, e.photo_hash, e.words,
       e.family_message, e.status, e.submitted_at, e.reviewed_by, e.reviewed_at,
       e.return_reason
  FROM evidence e LEFT JOIN temp.gp_reused_evidence r ON r.old_id = e.id;
UPDATE delivery_items
   SET evidence_id = (SELECT new_id FROM temp.gp_reused_evidence WHERE old_id = evidence_id)
 WHERE evidence_id IN (SELECT old_id FROM temp.gp_reused_evidence);
DROP TABLE evidence;
ALTER TABLE evidence_new RENAME TO evidence;
CREATE INDEX evidence_student ON evidence (student_id);
CREATE INDEX evidence_status ON evidence (status);
CREATE INDEX evidence_photo ON evidence (photo_hash);

-- Each sequence above every id used that the database still names.
INSERT INTO sqlite_sequence (name, seq)
SELECT t, 0 FROM (SELECT 'students' AS t UNION ALL SELECT 'contacts'
                  UNION ALL SELECT 'goals' UNION ALL SELECT 'evidence')
 WHERE t NOT IN (SELECT name FROM sqlite_sequence);
UPDATE sqlite_sequence SET seq = max(seq,
       coalesce((SELECT max(id) FROM students), 0))
 WHERE name = 'students';
UPDATE sqlite_sequence SET seq = max(seq,
       coalesce((SELECT max(id) FROM contacts), 0),
       coalesce((SELECT max(contact_id) FROM deliveries), 0),
       coalesce((SELECT max(contact_id) FROM contact_log), 0))
 WHERE name = 'contacts';
UPDATE sqlite_sequence SET seq = max(seq,
       coalesce((SELECT max(id) FROM goals), 0),
       coalesce((SELECT max(next_goal_id) FROM goals), 0))
 WHERE name = 'goals';
UPDATE sqlite_sequence SET seq = max(seq,
       coalesce((SELECT max(id) FROM evidence), 0),
       coalesce((SELECT max(id) FROM temp.gp_freed_evidence), 0),
       coalesce((SELECT max(evidence_id) FROM delivery_items), 0))
 WHERE name = 'evidence';

DROP TABLE temp.gp_reused_evidence;
DROP TABLE temp.gp_freed_evidence;
