//! The store: the only place that knows SQL.
//!
//! One SQLite file, `goalpost.sqlite3`, in the data folder. Each submodule owns a group of
//! tables and exposes plain functions over a `&Connection` (a `Transaction` derefs to one),
//! so an operation in core can combine several of them in one transaction. The schema is
//! versioned with `user_version` through rusqlite_migration; connection settings are
//! applied on every open, outside the migrations.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row, Transaction, TransactionBehavior};
use rusqlite_migration::{Migrations, SchemaVersion, M};

use crate::error::{Error, Result};

pub mod backup_runs;
pub mod class;
pub mod consent;
pub mod contact_log;
pub mod contacts;
pub mod evidence;
pub mod goals;
pub mod notes;
pub mod outbox;
pub mod photos;
pub mod pin_tries;
pub mod settings;
pub mod sharing;
pub mod students;
pub mod sync_runs;
pub mod year;

pub const DB_FILE: &str = "goalpost.sqlite3";

/// A time column. Goalpost writes times as rusqlite does (`2026-11-20 09:30:00.5+00:00`),
/// which chrono's RFC 3339 parser reads many times faster than rusqlite's own reading (a
/// parse driven by a format string); anything else is read the way rusqlite reads it. A
/// build of the blog reads thousands of times.
pub(crate) fn time_at(r: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    if let ValueRef::Text(t) = r.get_ref(i)? {
        let parsed = std::str::from_utf8(t)
            .ok()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        if let Some(dt) = parsed {
            return Ok(dt.with_timezone(&Utc));
        }
    }
    r.get(i)
}

/// [`time_at`] for a column that may be NULL.
pub(crate) fn opt_time_at(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        _ => time_at(r, i).map(Some),
    }
}

/// Written into the database header so that `restore` can tell a Goalpost database from
/// any other SQLite file ("GPST").
pub const APPLICATION_ID: i32 = 0x4750_5354;

const MIGRATION_LIST: &[M<'static>] = &[
    M::up(include_str!("../../migrations/0001_init.sql")),
    M::up(include_str!("../../migrations/0002_mail.sql")),
    M::up(include_str!("../../migrations/0003_contact_links.sql")),
    M::up(include_str!("../../migrations/0004_pin_tries.sql")),
    // Rebuilds four tables: run with foreign keys off (see `migrate`), references checked.
    M::up(include_str!("../../migrations/0005_ids_never_reused.sql")).foreign_key_check(),
    // Rebuilds three tables for the chat channel: run with foreign keys off (see
    // `migrate`), references checked.
    M::up(include_str!("../../migrations/0006_reach.sql")).foreign_key_check(),
    // Issue 15: the automatic backups' record.
    M::up(include_str!("../../migrations/0007_backup_runs.sql")),
    // Issue 15: next year's goal suggestions, kept by `class archive`.
    M::up(include_str!("../../migrations/0008_goal_suggestions.sql")),
    // Sharing times' calendar sequence and cancellation; rebuilds deliveries for the
    // invitation kinds (foreign keys off, references checked).
    M::up(include_str!("../../migrations/0009_invitations.sql")).foreign_key_check(),
    // A child's own note to their family (issue 16, part 2).
    M::up(include_str!("../../migrations/0010_family_notes.sql")),
];

pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATION_LIST)
}

/// The schema version this build of Goalpost writes.
pub fn latest_version() -> usize {
    MIGRATION_LIST.len()
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating it if asked) and migrates the database at `path`.
    pub fn open(path: &Path, create: bool) -> Result<Store> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let mut conn = Connection::open_with_flags(crate::fsutil::native_path(path), flags)?;
        configure(&conn)?;
        migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A write transaction that takes the write lock at once, so that two writers wait for
    /// each other (busy timeout) instead of failing half-way.
    pub fn write(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        )?)
    }

    /// Moves everything in the write-ahead log into the database file and empties the log
    /// (after an erasure, so no copy of the erased rows stays in the log). Another
    /// connection still reading an older snapshot keeps the log from emptying; then the
    /// log is overwritten by the next writes.
    pub fn checkpoint_truncate(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Copies the whole database into `dest` (a new, empty file) in one step, so the copy
    /// is one consistent snapshot even while other connections write (WAL lets them go on).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let mut out = Connection::open(crate::fsutil::native_path(dest))?;
        copy_all(&self.conn, &mut out)?;
        out.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    }

    /// Replaces this database's content with the database at `src`, which the caller has
    /// already checked, then brings its schema up to date.
    pub fn restore_from(&mut self, src: &Connection) -> Result<()> {
        copy_all(src, &mut self.conn)?;
        migrate(&mut self.conn, &self.path)
    }

    /// Until the guard is dropped, commits on this connection reach the operating system
    /// (they survive the program being killed) but are not flushed to the disk one by one;
    /// dropping the guard flushes them all (a checkpoint syncs the WAL first) and restores
    /// `synchronous = FULL`. For the mail loop, which commits each server answer on its
    /// own: a power cut during the run can only forget that a message was sent, which the
    /// outbox treats as an unknown outcome (sent again with the same Message-ID), never
    /// lose one.
    pub fn batch_sync(&self) -> Result<BatchSync<'_>> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(BatchSync { conn: &self.conn })
    }

    /// Runs `f` in one write transaction: everything or nothing.
    pub fn in_tx<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let tx = self.write()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// See [`Store::batch_sync`].
pub struct BatchSync<'a> {
    conn: &'a Connection,
}

impl Drop for BatchSync<'_> {
    fn drop(&mut self) {
        // Best effort: if either fails, the next commit (FULL again) syncs the WAL anyway.
        let _ = self.conn.pragma_update(None, "synchronous", "FULL");
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

/// Copies every page in one step (one consistent snapshot), waiting out brief locks.
pub(crate) fn copy_all(from: &Connection, to: &mut Connection) -> Result<()> {
    use rusqlite::backup::{Backup, StepResult};
    let b = Backup::new(from, to)?;
    for _ in 0..100 {
        match b.step(-1)? {
            StepResult::Done => return Ok(()),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Err(crate::error::Error::Busy(
        "the database stayed locked for 5 seconds: close other programs using it and try again"
            .into(),
    ))
}

/// Settings every connection needs; they are per connection, so never in a migration.
pub fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted rows are overwritten, so an erased child's words do not linger in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    check_version(conn, path)?;
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if app_id != APPLICATION_ID {
        let has_tables: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')",
            [],
            |r| r.get(0),
        )?;
        if has_tables || version != 0 {
            return Err(Error::DataFolder(format!(
                "{} is not a Goalpost database: move it away or choose another data folder",
                path.display()
            )));
        }
    }
    // A migration that rebuilds a table must not run with foreign keys on: dropping the old
    // table would delete every row that refers to it (SQLite's docs, "Making Other Kinds Of
    // Table Schema Changes"). Such migrations check every reference before they commit.
    if migrations().pending_migrations(conn)? > 0 {
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        let done = migrations().to_latest(conn);
        conn.pragma_update(None, "foreign_keys", "ON")?;
        done?;
    }
    if app_id != APPLICATION_ID {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    Ok(())
}

/// Refuses a database written by a newer Goalpost instead of guessing at its schema.
pub fn check_version(conn: &Connection, path: &Path) -> Result<()> {
    match migrations().current_version(conn)? {
        SchemaVersion::Outside(v) => Err(Error::DataFolder(format!(
            "{} was written by a newer Goalpost (schema version {v}, this one knows up to {}): update Goalpost to open it",
            path.display(),
            latest_version()
        ))),
        _ => Ok(()),
    }
}

/// The tables whose ids are never given twice (`AUTOINCREMENT`, migration 0005): their ids
/// key deliveries, blog pages and the erasure list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    Students,
    Contacts,
    Goals,
    Evidence,
}

impl Ids {
    fn table(self) -> &'static str {
        match self {
            Ids::Students => "students",
            Ids::Contacts => "contacts",
            Ids::Goals => "goals",
            Ids::Evidence => "evidence",
        }
    }
}

/// Makes sure no id up to `id` is ever given in `ids` again (an id freed outside what the
/// database still names, such as an erased student's on the erasure list). Writes only when
/// the sequence is below `id`; returns whether it wrote.
pub fn keep_ids_above(conn: &Connection, ids: Ids, id: i64) -> Result<bool> {
    use rusqlite::OptionalExtension;
    let name = ids.table();
    let seq: Option<i64> = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    match seq {
        Some(s) if s >= id => Ok(false),
        Some(_) => {
            conn.execute(
                "UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1 AND seq < ?2",
                rusqlite::params![name, id],
            )?;
            Ok(true)
        }
        None => {
            conn.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                rusqlite::params![name, id],
            )?;
            Ok(true)
        }
    }
}

/// `PRAGMA integrity_check` as a list of problems; empty means the file is sound.
pub fn integrity_problems(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times read the fast way are the times rusqlite reads, in every form it reads.
    #[test]
    fn times_read_as_rusqlite_reads_them() {
        let conn = Connection::open_in_memory().unwrap();
        let now: DateTime<Utc> = "2026-11-20T09:30:00.123456789Z".parse().unwrap();
        let texts = [
            "2026-11-20 09:30:00.5+00:00",
            "2026-11-20T09:30:00Z",
            "2026-11-20 11:30:00+02:00",
            "2026-11-20 09:30:00",
            "2026-11-20T09:30",
            "not a time",
        ];
        let mut stmt = conn.prepare("SELECT ?1, ?2, NULL").unwrap();
        for text in texts {
            let mut rows = stmt.query(rusqlite::params![now, text]).unwrap();
            let r = rows.next().unwrap().unwrap();
            assert_eq!(time_at(r, 0).unwrap(), now);
            let theirs: Option<DateTime<Utc>> = r.get(1).ok();
            assert_eq!(time_at(r, 1).ok(), theirs, "{text}");
            assert_eq!(opt_time_at(r, 1).ok(), theirs.map(Some), "{text}");
            assert_eq!(opt_time_at(r, 2).unwrap(), None);
        }
    }

    #[test]
    fn migrations_validate() {
        migrations().validate().unwrap();
    }

    #[test]
    fn every_connection_is_configured() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join(DB_FILE), true).unwrap();
        let c = store.conn();
        let mode: String = c
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        let sync: i64 = c
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        let fk: i64 = c
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        let timeout: i64 = c
            .pragma_query_value(None, "busy_timeout", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous=FULL");
        assert_eq!(fk, 1);
        assert!(timeout >= 5000);
        let app: i32 = c
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        assert_eq!(app, APPLICATION_ID);
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        drop(Store::open(&path, true).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let err = Store::open(&path, false).err().unwrap();
        assert!(err.to_string().contains("newer Goalpost"), "{err}");
    }

    /// Migration 0009 (invitations) rebuilds deliveries: a class written before it keeps
    /// every delivery, its items and the log's references to it, its sharing times get
    /// sequence 0 and stand, and the invitation kinds are then accepted where the check
    /// refused them.
    #[test]
    fn the_invitations_migration_keeps_every_delivery_and_reference() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let before = MIGRATION_LIST
            .iter()
            .position(|m| {
                *m == M::up(include_str!("../../migrations/0009_invitations.sql"))
                    .foreign_key_check()
            })
            .unwrap();
        {
            let mut c = Connection::open(&path).unwrap();
            configure(&c).unwrap();
            migrations().to_version(&mut c, before).unwrap();
            c.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            c.execute_batch(
                "INSERT INTO students (id, first_name, last_name, created_at) VALUES (1, 'Ana', '', '2026-01-01');
                 INSERT INTO goals (id, student_id, title, created_at) VALUES (1, 1, 'I can', '2026-01-01');
                 INSERT INTO evidence (id, student_id, goal_id, submitted_at) VALUES (1, 1, 1, '2026-01-01');
                 INSERT INTO contacts (id, name, email, language, channel, created_at)
                     VALUES (3, 'Maria', 'm@example.org', 'es', 'chat', '2026-01-01');
                 INSERT INTO student_contacts (student_id, contact_id) VALUES (1, 3);
                 INSERT INTO deliveries (id, contact_id, kind, subject_key, channel, message_id, status,
                                         created_at, error_kind, address)
                     VALUES (5, 3, 'chat', 'evidence:1', 'chat', '<m1>', 'sent', '2026-01-02',
                             NULL, NULL);
                 INSERT INTO delivery_items (delivery_id, evidence_id) VALUES (5, 1);
                 INSERT INTO contact_log (contact_id, at, method, note, delivery_id)
                     VALUES (3, '2026-01-02', 'chat', '', 5);
                 INSERT INTO sharing_times (id, starts_at, title, created_at)
                     VALUES (2, '2026-02-01 14:00:00+00:00', 'Come and see', '2026-01-01');",
            )
            .unwrap();
            assert!(c
                .execute("UPDATE deliveries SET kind = 'invitation' WHERE id = 5", [])
                .is_err());
        }
        let store = Store::open(&path, false).unwrap();
        let c = store.conn();
        let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM deliveries WHERE id = 5"), 1);
        assert_eq!(count("SELECT count(*) FROM delivery_items"), 1);
        assert_eq!(
            count("SELECT count(*) FROM contact_log WHERE delivery_id = 5"),
            1
        );
        assert_eq!(
            count("SELECT count(*) FROM sharing_times WHERE sequence = 0 AND cancelled_at IS NULL"),
            1
        );
        for kind in ["invitation", "reminder", "update"] {
            c.execute(
                "INSERT INTO deliveries (contact_id, kind, subject_key, channel, message_id, created_at)
                 VALUES (3, ?1, 'sharing:2:0', 'chat', ?1, '2026-01-03')",
                [kind],
            )
            .unwrap();
        }
        assert!(c
            .execute("UPDATE deliveries SET kind = 'fax' WHERE id = 5", [])
            .is_err());
        c.execute("DELETE FROM contacts WHERE id = 3", []).unwrap();
        assert_eq!(
            count("SELECT count(*) FROM deliveries"),
            0,
            "still cascades"
        );
        assert_eq!(count("SELECT count(*) FROM delivery_items"), 0);
    }

    /// Migration 0006 (the chat channel) rebuilds contacts, deliveries and the contact log:
    /// a class written before it keeps every row and reference (a foreign key left on would
    /// have emptied delivery_items and the log), its contact ids are never given again, and
    /// `chat` is then accepted where the checks refused it.
    #[test]
    fn the_chat_migration_keeps_every_row_and_reference() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        // The version just before 0006 (issue 12's 0005 made contacts AUTOINCREMENT).
        // (A fixed number: later migrations must not move it.)
        let before = 5;
        {
            let mut c = Connection::open(&path).unwrap();
            configure(&c).unwrap();
            migrations().to_version(&mut c, before).unwrap();
            c.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            c.execute_batch(
                "INSERT INTO students (id, first_name, last_name, created_at) VALUES (1, 'Ana', '', '2026-01-01');
                 INSERT INTO goals (id, student_id, title, created_at) VALUES (1, 1, 'I can', '2026-01-01');
                 INSERT INTO evidence (id, student_id, goal_id, submitted_at) VALUES (1, 1, 1, '2026-01-01');
                 INSERT INTO contacts (id, name, email, language, channel, created_at)
                     VALUES (3, 'Maria', 'm@example.org', 'es', 'email', '2026-01-01'),
                            (7, 'Nana', NULL, 'en', 'paper', '2026-01-01');
                 INSERT INTO student_contacts (student_id, contact_id) VALUES (1, 3), (1, 7);
                 INSERT INTO deliveries (id, contact_id, kind, subject_key, channel, message_id, status,
                                         created_at, error_kind, address)
                     VALUES (5, 3, 'evidence', 'evidence:1', 'email', '<m1>', 'failed', '2026-01-02',
                             'permanent', 'm@example.org');
                 INSERT INTO delivery_items (delivery_id, evidence_id) VALUES (5, 1);
                 INSERT INTO contact_log (contact_id, at, method, note, delivery_id)
                     VALUES (7, '2026-01-03', 'paper', 'slip', NULL), (3, '2026-01-02', 'email', '', 5);
                 DELETE FROM contacts WHERE id = 7;",
            )
            .unwrap();
            assert!(c
                .execute("UPDATE contacts SET channel = 'chat' WHERE id = 3", [])
                .is_err());
        }
        let store = Store::open(&path, false).unwrap();
        let c = store.conn();
        let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM contacts"), 1);
        assert_eq!(count("SELECT count(*) FROM deliveries"), 1);
        assert_eq!(count("SELECT count(*) FROM delivery_items"), 1);
        assert_eq!(
            count("SELECT count(*) FROM contact_log"),
            1,
            "the erased contact's log went with them, the other stays"
        );
        assert_eq!(count("SELECT count(*) FROM student_contacts"), 1);
        assert_eq!(
            count("SELECT error_kind = 'permanent' AND address = 'm@example.org' FROM deliveries"),
            1
        );
        let fk: i64 = c
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1, "foreign keys on again after migrating");
        c.execute("UPDATE contacts SET channel = 'chat' WHERE id = 3", [])
            .unwrap();
        c.execute(
            "INSERT INTO contact_log (contact_id, at, method) VALUES (3, '2026-01-04', 'chat')",
            [],
        )
        .unwrap();
        let add = || {
            c.execute(
                "INSERT INTO contacts (name, language, channel, created_at) VALUES ('New', 'en', 'paper', '2026-01-05')",
                [],
            )
            .unwrap();
            c.last_insert_rowid()
        };
        let new = add();
        assert!(
            new > 7,
            "contact 7, removed before the migration, is not given again: {new}"
        );
        c.execute("DELETE FROM contacts WHERE id = ?1", [new])
            .unwrap();
        assert_eq!(add(), new + 1, "a removed contact's id is not given again");
        assert!(c
            .execute("UPDATE contacts SET channel = 'fax' WHERE id = 3", [])
            .is_err());
        // A deletion cascades as before: the references are real foreign keys still.
        c.execute("DELETE FROM contacts WHERE id = 3", []).unwrap();
        assert_eq!(count("SELECT count(*) FROM deliveries"), 0);
        assert_eq!(count("SELECT count(*) FROM delivery_items"), 0);
    }

    #[test]
    fn a_foreign_sqlite_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE t (x)").unwrap();
        drop(c);
        let err = Store::open(&path, false).err().unwrap();
        assert!(err.to_string().contains("not a Goalpost database"), "{err}");
    }
}
