//! The store: the only place that knows SQL.
//!
//! One SQLite file, `goalpost.sqlite3`, in the data folder. Each submodule owns a group of
//! tables and exposes plain functions over a `&Connection` (a `Transaction` derefs to one),
//! so an operation in core can combine several of them in one transaction. The schema is
//! versioned with `user_version` through rusqlite_migration; connection settings are
//! applied on every open, outside the migrations.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{Migrations, SchemaVersion, M};

use crate::error::{Error, Result};

pub mod class;
pub mod consent;
pub mod contact_log;
pub mod contacts;
pub mod evidence;
pub mod goals;
pub mod outbox;
pub mod photos;
pub mod settings;
pub mod sharing;
pub mod students;
pub mod sync_runs;

pub const DB_FILE: &str = "goalpost.sqlite3";

/// Written into the database header so that `restore` can tell a Goalpost database from
/// any other SQLite file ("GPST").
pub const APPLICATION_ID: i32 = 0x4750_5354;

const MIGRATION_LIST: &[M<'static>] = &[
    M::up(include_str!("../../migrations/0001_init.sql")),
    M::up(include_str!("../../migrations/0002_mail.sql")),
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
        let mut conn = Connection::open_with_flags(path, flags)?;
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

    /// Copies the whole database into `dest` (a new, empty file) in one step, so the copy
    /// is one consistent snapshot even while other connections write (WAL lets them go on).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let mut out = Connection::open(dest)?;
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

    /// Runs `f` in one write transaction: everything or nothing.
    pub fn in_tx<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let tx = self.write()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Copies every page in one step (one consistent snapshot), waiting out brief locks.
fn copy_all(from: &Connection, to: &mut Connection) -> Result<()> {
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
    migrations().to_latest(conn)?;
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
