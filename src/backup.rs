//! Backup and restore of the class database.
//!
//! A backup is one consistent snapshot taken with SQLite's online backup, safe while the
//! app is writing. A restore refuses anything that is not a sound Goalpost database, and
//! keeps a copy of the database it replaces.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::fsutil::native_path;
use crate::{store, Goalpost};

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub restored_from: PathBuf,
    /// Where the database that was replaced has been kept.
    pub previous_saved_to: PathBuf,
    /// Students erased since the backup was taken, erased again (see [`crate::erasure`]).
    pub erased_again: Vec<crate::model::StudentId>,
}

impl Goalpost {
    /// Writes a consistent copy of the database to `dest`, atomically: `dest` is either the
    /// complete backup or untouched.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(Error::invalid(format!(
                "the folder {} does not exist: create it first or choose another place for the backup",
                parent.display()
            )));
        }
        let tmp = tempfile::Builder::new()
            .prefix(".goalpost-backup-")
            .tempfile_in(&parent)
            .map_err(|e| Error::io("write the backup into", &parent, e))?;
        self.store().backup_to(tmp.path())?;
        let problems = store::integrity_problems(&Connection::open(native_path(tmp.path()))?)?;
        if !problems.is_empty() {
            return Err(Error::invalid(format!(
                "the backup failed its integrity check ({}): the database may be damaged; nothing was written",
                problems.join("; ")
            )));
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| Error::io("write the backup into", &parent, e))?;
        crate::fsutil::persist(tmp.into_temp_path(), dest, "save the backup as")?;
        Ok(())
    }

    /// Replaces the class database with a backup, after checking that it is a sound
    /// Goalpost database this version can read. The replaced database is kept beside it.
    pub fn restore(&mut self, src: &Path) -> Result<RestoreReport> {
        check_backup(src)?;
        // A damaged erasure list stops the restore before anything is replaced.
        crate::erasure::read_erasures(self.data_dir())?;
        let source =
            Connection::open_with_flags(native_path(src), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let keep_dir = self.folders().backups();
        std::fs::create_dir_all(&keep_dir)
            .map_err(|e| Error::io("create the folder", &keep_dir, e))?;
        let keep = keep_dir.join(format!(
            "before-restore-{}.sqlite3",
            self.now().format("%Y%m%dT%H%M%S")
        ));
        self.backup(&keep)?;
        self.store_mut().restore_from(&source)?;
        // A backup from before an erasure must not bring the child back.
        let erased_again = self.erase_again()?;
        Ok(RestoreReport {
            restored_from: src.to_path_buf(),
            previous_saved_to: keep,
            erased_again,
        })
    }
}

/// Refuses a file that is not a Goalpost database, is damaged, or is from a newer version.
pub fn check_backup(src: &Path) -> Result<()> {
    if !src.is_file() {
        return Err(Error::not_found(format!(
            "{} does not exist: give the path of a backup made with `goalpost backup`",
            src.display()
        )));
    }
    let not_ours = || {
        Error::invalid(format!(
            "{} is not a Goalpost database: choose a file made with `goalpost backup`",
            src.display()
        ))
    };
    let conn = Connection::open_with_flags(native_path(src), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|_| not_ours())?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|_| not_ours())?;
    if app_id != store::APPLICATION_ID {
        return Err(not_ours());
    }
    let problems = store::integrity_problems(&conn).map_err(|_| not_ours())?;
    if !problems.is_empty() {
        return Err(Error::invalid(format!(
            "{} is damaged (integrity check: {}): nothing was restored; use another backup",
            src.display(),
            problems.into_iter().take(3).collect::<Vec<_>>().join("; ")
        )));
    }
    store::check_version(&conn, src)?;
    Ok(())
}
