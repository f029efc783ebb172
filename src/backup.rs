//! Backup and restore of the class database.
//!
//! A backup is one consistent snapshot taken with SQLite's online backup, safe while the
//! app is writing. A restore refuses anything that is not a sound Goalpost database, and
//! keeps a copy of the database it replaces.
//!
//! What a backup brings back is checked again (issue 12): its settings pass the same
//! checks as `config set` (one that fails is dropped, and the restore names it), and the
//! two that run a program or send mail elsewhere, `blog.publish_command` and `smtp.url`,
//! stay off until the teacher enters them again: a backup file may come from anywhere, and
//! a command in it would otherwise run at the next sync. The restored database never holds
//! them: they are taken out of an in-memory copy of the backup before it replaces the class.

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
    /// Settings of the backup that stay off until the teacher enters them again
    /// (`blog.publish_command`, `smtp.url`; see the module docs).
    pub settings_off: Vec<String>,
    /// Settings of the backup that failed the checks of `config set`, left out.
    pub settings_refused: Vec<RefusedSetting>,
}

/// A setting of a restored backup that `config set` would refuse.
#[derive(Debug, Clone, Serialize)]
pub struct RefusedSetting {
    pub key: String,
    /// What is wrong with it, as `config set` says it.
    pub problem: String,
}

/// The settings a restore never brings back: they run a program or send mail elsewhere.
pub const OFF_AFTER_RESTORE: [&str; 2] = ["blog.publish_command", "smtp.url"];

impl Goalpost {
    /// Writes a consistent copy of the database to `dest`, atomically: `dest` is either the
    /// complete backup or untouched.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        self.write_backup(dest, Persist::Replace).map(|_| ())
    }

    /// Writes a consistent copy of the database to `dest`, or, when that name is taken,
    /// to `dest` with `-2`, `-3`... before its extension: never over an existing file, even
    /// when two copies are made in the same second. Returns where it was written.
    fn backup_new(&self, dest: &Path) -> Result<PathBuf> {
        self.write_backup(dest, Persist::NewName)
    }

    fn write_backup(&self, dest: &Path, how: Persist) -> Result<PathBuf> {
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
        match how {
            Persist::Replace => {
                crate::fsutil::persist(tmp.into_temp_path(), dest, "save the backup as")?;
                Ok(dest.to_path_buf())
            }
            Persist::NewName => persist_new_name(tmp, dest),
        }
    }

    /// Replaces the class database with a backup, after checking that it is a sound
    /// Goalpost database this version can read. The replaced database is kept beside it.
    pub fn restore(&mut self, src: &Path) -> Result<RestoreReport> {
        let _lock = self.lock_class(crate::lock::Operation::Restore)?;
        check_backup(src)?;
        // A damaged erasure list stops the restore before anything is replaced.
        crate::erasure::read_erasures(self.data_dir())?;
        let (source, settings_off, settings_refused) = self.checked_copy(src)?;
        let keep_dir = self.folders().backups();
        std::fs::create_dir_all(&keep_dir)
            .map_err(|e| Error::io("create the folder", &keep_dir, e))?;
        let keep = keep_dir.join(format!(
            "before-restore-{}.sqlite3",
            self.now().format("%Y%m%dT%H%M%S")
        ));
        let keep = self.backup_new(&keep)?;
        self.store_mut().restore_from(&source)?;
        // A backup from before an erasure must not bring the child back.
        let erased_again = self.erase_again()?;
        Ok(RestoreReport {
            restored_from: src.to_path_buf(),
            previous_saved_to: keep,
            erased_again,
            settings_off,
            settings_refused,
        })
    }

    /// The backup at `src`, copied into memory, with its settings as `config set` would
    /// have stored them and without those of [`OFF_AFTER_RESTORE`]; and what was left out.
    fn checked_copy(&self, src: &Path) -> Result<(Connection, Vec<String>, Vec<RefusedSetting>)> {
        let source =
            Connection::open_with_flags(native_path(src), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut copy = Connection::open_in_memory()?;
        store::copy_all(&source, &mut copy)?;
        let (mut off, mut refused) = (Vec::new(), Vec::new());
        let tx = copy.transaction()?;
        for (key, value) in store::settings::all(&tx)? {
            let checked = self
                .check_settings(&[(key.as_str(), value.as_str())])
                .map(|c| c.into_iter().map(|(_, v)| v).collect::<Vec<_>>());
            match checked.as_deref() {
                Ok(_) if OFF_AFTER_RESTORE.contains(&key.as_str()) => {
                    store::settings::unset(&tx, &key)?;
                    off.push(key);
                }
                Ok([Some(v)]) => store::settings::set(&tx, &key, v)?,
                Ok(_) => {
                    store::settings::unset(&tx, &key)?;
                }
                Err(e) => {
                    store::settings::unset(&tx, &key)?;
                    refused.push(RefusedSetting {
                        key,
                        problem: e.to_string(),
                    });
                }
            }
        }
        tx.commit()?;
        Ok((copy, off, refused))
    }
}

#[derive(Clone, Copy)]
enum Persist {
    /// Over `dest` if it exists (the teacher named it).
    Replace,
    /// Under a name no file has yet, starting with `dest`.
    NewName,
}

/// Gives `tmp` the first free name of `dest`, `dest-2`, `dest-3`... with its extension kept.
/// `persist_noclobber` makes taking the name atomic, so two restores at once cannot both
/// take it.
fn persist_new_name(mut tmp: tempfile::NamedTempFile, dest: &Path) -> Result<PathBuf> {
    let stem = dest
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = dest.extension().map(|e| e.to_string_lossy().into_owned());
    let mut n = 1u32;
    loop {
        let candidate = if n == 1 {
            dest.to_path_buf()
        } else {
            let name = match &ext {
                Some(ext) => format!("{stem}-{n}.{ext}"),
                None => format!("{stem}-{n}"),
            };
            dest.with_file_name(name)
        };
        match tmp.persist_noclobber(&candidate) {
            Ok(_) => return Ok(candidate),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists && n < 10_000 => {
                tmp = e.file;
                n += 1;
            }
            Err(e) => return Err(Error::io("save the backup as", &candidate, e.error)),
        }
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
