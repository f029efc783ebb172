//! Backup and restore of the whole class (issue 15).
//!
//! A backup is one `.goalpost` file (see [`archive`]): the database as one consistent
//! snapshot taken with SQLite's online backup (safe while the app is writing), the photo
//! originals, the web copies of photos whose original is gone, the erasure list, the outbox
//! and print folders, and the teacher's theme and language files, with a manifest of
//! sha-256 hashes. It is written to a temporary file beside its destination, after
//! checking the free space, and renamed into place: the destination is either the whole
//! backup or untouched.
//!
//! A restore reads the whole archive and checks every hash and every entry before it
//! replaces anything (entries are unpacked into a staging folder inside the data folder,
//! then swapped in); it keeps the class it replaces as a `before-restore` backup that never
//! overwrites an earlier one. It works into the current data folder, or into a new or empty
//! one ([`restore_into_new`]). An old database-only backup (a SQLite file) still restores:
//! then the photos it cannot bring back are named ([`RestoreReport::missing_photos`]); their
//! evidence stays and is published and sent without them.
//!
//! What a backup brings back is checked again (issue 12): its settings pass the same
//! checks as `config set` (one that fails is dropped, and the restore names it), and the
//! two that run a program or send mail elsewhere, `blog.publish_command` and `smtp.url`,
//! stay off until the teacher enters them again: a backup file may come from anywhere, and
//! a command in it would otherwise run at the next sync. The restored database never holds
//! them: they are taken out of an in-memory copy of the backup before it replaces the class.
//! The erasure lists of the class and of the backup are joined, and every student on the
//! joined list is erased again: a backup from before an erasure cannot bring a child back.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::fsutil::native_path;
use crate::lock::{ClassLock, Operation};
use crate::photo::MissingPhoto;
use crate::{store, Clock, DataDir, Goalpost};

pub mod archive;
pub mod auto;

pub use archive::{Manifest, EXTENSION};

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub restored_from: PathBuf,
    /// Where the class that was replaced has been kept (a `before-restore` backup in the
    /// backups folder); none when the restore went into a new or empty folder.
    pub previous_saved_to: Option<PathBuf>,
    /// `archive` (a whole-class backup) or `database` (an old database-only one).
    pub format: BackupFormat,
    /// Photo originals the backup brought back.
    pub photos_restored: usize,
    /// Photos of evidence that are gone (neither original nor web copies): the evidence
    /// stays, and is published and sent without its photo.
    pub missing_photos: Vec<MissingPhoto>,
    /// Students erased since the backup was taken, erased again (see [`crate::erasure`]).
    pub erased_again: Vec<crate::model::StudentId>,
    /// Settings of the backup that stay off until the teacher enters them again
    /// (`blog.publish_command`, `smtp.url`; see the module docs).
    pub settings_off: Vec<String>,
    /// Settings of the backup that failed the checks of `config set`, left out.
    pub settings_refused: Vec<RefusedSetting>,
}

/// What kind of backup a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupFormat {
    /// A whole-class `.goalpost` archive.
    Archive,
    /// An old backup of the database alone.
    Database,
}

/// A setting of a restored backup that `config set` would refuse.
#[derive(Debug, Clone, Serialize)]
pub struct RefusedSetting {
    pub key: String,
    /// What is wrong with it, as `config set` says it.
    pub problem: String,
}

/// What a backup wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupInfo {
    pub path: PathBuf,
    /// The archive's size.
    pub bytes: u64,
    /// Files in it (the database included).
    pub files: usize,
    /// Photo originals in it.
    pub photos: usize,
}

/// The settings a restore never brings back: they run a program or send mail elsewhere.
pub const OFF_AFTER_RESTORE: [&str; 2] = ["blog.publish_command", "smtp.url"];

impl Goalpost {
    /// Writes a backup of the whole class to `dest` (see the module docs), atomically:
    /// `dest` is either the complete backup or untouched. This is the one call for a backup
    /// from the library (the CLI, the desktop app and `class archive` use it).
    pub fn backup(&self, dest: &Path) -> Result<()> {
        self.backup_with(dest, &mut |_, _| {}).map(|_| ())
    }

    /// [`Goalpost::backup`], telling `progress` the bytes written of the total.
    pub fn backup_with(
        &self,
        dest: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<BackupInfo> {
        write_backup(
            self.folders(),
            self.store().conn(),
            dest,
            Persist::Replace,
            self.now(),
            progress,
        )
    }

    /// A backup to `dest`, or, when that name is taken, to `dest` with `-2`, `-3`... before
    /// its extension: never over an existing file, even when two are made in the same
    /// second.
    pub(crate) fn backup_new(&self, dest: &Path) -> Result<BackupInfo> {
        write_backup(
            self.folders(),
            self.store().conn(),
            dest,
            Persist::NewName,
            self.now(),
            &mut |_, _| {},
        )
    }

    /// Replaces the class with a backup (a `.goalpost` archive or an old database-only
    /// backup), after checking all of it. The class it replaces is kept in the backups
    /// folder.
    pub fn restore(&mut self, src: &Path) -> Result<RestoreReport> {
        let _lock = self.lock_class(Operation::Restore)?;
        remove_staging_leftovers(self.data_dir())?;
        let prepared = prepare(src, self.data_dir())?;
        self.apply_restore(prepared, true)
    }

    /// Puts a checked backup in place of the class; keeps the class first when asked.
    fn apply_restore(&mut self, p: Prepared, keep_current: bool) -> Result<RestoreReport> {
        // A damaged erasure list stops the restore before anything is replaced.
        let mut erasures = crate::erasure::read_erasures(self.data_dir())?;
        if let Some(dir) = p.staged() {
            for e in crate::erasure::read_erasures(dir)? {
                if !erasures.contains(&e) {
                    erasures.push(e);
                }
            }
        }
        let (source, settings_off, settings_refused) = self.checked_copy(&p.database())?;
        let keep = if keep_current {
            let keep_dir = self.folders().backups();
            std::fs::create_dir_all(&keep_dir)
                .map_err(|e| Error::io("create the folder", &keep_dir, e))?;
            let keep = keep_dir.join(format!(
                "before-restore-{}.{EXTENSION}",
                self.now().format("%Y%m%dT%H%M%S")
            ));
            Some(self.backup_new(&keep)?.path)
        } else {
            None
        };
        // The folders first (on Windows a folder another program holds open refuses to
        // move): if one cannot move, or then the database cannot be replaced, every folder
        // moved goes back, and the class is as it was.
        let swapped = match &p.verified {
            Some(v) => swap_in(self.folders(), v, keep.as_deref())?,
            None => Swapped::default(),
        };
        if let Err(e) = self.store_mut().restore_from(&source) {
            swapped.undo();
            return Err(e);
        }
        drop(source);
        let photos_restored = match &p.verified {
            Some(v) => {
                join_erasures(self.data_dir(), &erasures)?;
                v.manifest.originals()
            }
            None => 0,
        };
        // A backup from before an erasure must not bring the child back.
        let erased_again = self.erase_again()?;
        // Photos the backup could not bring back are gone for good: noted, so that their
        // evidence is published and sent without them rather than waiting for ever.
        let pairs = store::photos::evidence_photos(self.store().conn())?;
        let mut hashes: Vec<String> = pairs.iter().map(|(h, _)| h.clone()).collect();
        hashes.dedup();
        let gone = crate::photo::gone(self.data_dir(), &hashes);
        let now = self.now();
        self.store()
            .in_tx(|tx| store::photos::mark_gone(tx, &gone, now))?;
        let missing_photos = crate::photo::missing_photos(self.data_dir(), &pairs);
        Ok(RestoreReport {
            restored_from: p.src,
            previous_saved_to: keep,
            format: if p.verified.is_some() {
                BackupFormat::Archive
            } else {
                BackupFormat::Database
            },
            photos_restored,
            missing_photos,
            erased_again,
            settings_off,
            settings_refused,
        })
    }

    /// The photos of the class's evidence that are gone (neither original nor web copies).
    pub fn missing_photos(&self) -> Result<Vec<MissingPhoto>> {
        let pairs = store::photos::evidence_photos(self.store().conn())?;
        Ok(crate::photo::missing_photos(self.data_dir(), &pairs))
    }

    /// The backup at `src`, copied into memory, with its settings as `config set` would
    /// have stored them and without those of [`OFF_AFTER_RESTORE`], and its teacher PIN
    /// if it is a hash Goalpost can verify; and what was left out.
    fn checked_copy(&self, src: &Path) -> Result<(Connection, Vec<String>, Vec<RefusedSetting>)> {
        let source =
            Connection::open_with_flags(native_path(src), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut copy = Connection::open_in_memory()?;
        store::copy_all(&source, &mut copy)?;
        let (mut off, mut refused) = (Vec::new(), Vec::new());
        let tx = copy.transaction()?;
        for (key, value) in store::settings::all(&tx)? {
            // The teacher PIN travels with the class (it is not a setting).
            if crate::auth::is_pin_key(&key) {
                if let Err(e) = crate::auth::check_pin_hash(&value) {
                    store::settings::unset(&tx, &key)?;
                    refused.push(RefusedSetting {
                        key,
                        problem: e.to_string(),
                    });
                }
                continue;
            }
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

/// Restores a backup into `dir`, a data folder that does not exist yet or is empty (a new
/// PC): no `goalpost init` first. Returns the report; open the class with
/// [`Goalpost::open`] afterwards. A folder that holds a class is restored with
/// [`Goalpost::restore`] instead; a folder that holds other files is refused.
pub fn restore_into_new(dir: &Path, src: &Path, clock: Clock) -> Result<RestoreReport> {
    if DataDir::new(dir).database().is_file() {
        return Goalpost::open(dir)?.with_clock(clock).restore(src);
    }
    let existed = dir.exists();
    if existed {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io("read the folder", dir, e))?;
        let lock_name = DataDir::new(dir).class_lock();
        for entry in rd {
            let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
            if entry.path() != lock_name {
                return Err(Error::DataFolder(format!(
                    "{} is not empty and holds no Goalpost class: restore into an empty or new folder (pass another --data-dir), or move its files away",
                    dir.display()
                )));
            }
        }
    }
    if !src.is_file() {
        return Err(not_a_file(src));
    }
    crate::fsutil::private_dir(dir)?;
    let result = (|| {
        let _lock =
            ClassLock::try_acquire(dir, Operation::Restore, clock.now(), || chrono_tz::UTC)?;
        let prepared = prepare(src, dir)?;
        let mut gp = Goalpost::create(dir)?.with_clock(clock);
        gp.apply_restore(prepared, false)
    })();
    if result.is_err() {
        // Leave the folder as it was found: empty, or not there.
        let data = DataDir::new(dir);
        for f in [
            data.database(),
            dir.join(format!("{}-wal", store::DB_FILE)),
            dir.join(format!("{}-shm", store::DB_FILE)),
        ] {
            let _ = std::fs::remove_file(f);
        }
        if !existed {
            let _ = std::fs::remove_file(data.class_lock());
            let _ = std::fs::remove_dir(dir);
        }
    }
    result
}

/// What a backup or restore killed half-way left behind, which holds the class's data: the
/// database snapshots in the data folder, unfinished archives (`fsutil::TEMP_PREFIX`) in
/// the backup folders `dirs`. For an erasure, which must leave nothing of the child.
pub(crate) fn leftover_files(data_dir: &Path, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let named = |dir: &Path, prefix: &str| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| {
                        e.file_name().to_string_lossy().starts_with(prefix)
                            && e.file_type().is_ok_and(|t| t.is_file())
                    })
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = named(data_dir, SNAPSHOT_PREFIX);
    for d in dirs {
        out.extend(named(d, crate::fsutil::TEMP_PREFIX));
    }
    out
}

/// Removes the staging folders a restore killed half-way left in the data folder. Only
/// under the class lock: a restore running holds it.
pub(crate) fn remove_staging_leftovers(data_dir: &Path) -> Result<()> {
    let Ok(rd) = std::fs::read_dir(data_dir) else {
        return Ok(());
    };
    for e in rd.flatten() {
        if e.file_name().to_string_lossy().starts_with(STAGING_PREFIX)
            && e.file_type().is_ok_and(|t| t.is_dir())
        {
            std::fs::remove_dir_all(e.path())
                .map_err(|err| Error::io("remove the folder", e.path(), err))?;
        }
    }
    Ok(())
}

/// The name prefix of the database snapshot a backup writes first, in the data folder.
const SNAPSHOT_PREFIX: &str = ".goalpost-backup-db-";
/// The name prefix of a restore's staging folder, in the data folder.
pub(crate) const STAGING_PREFIX: &str = ".goalpost-restore-";

/// A backup read whole and checked, ready to replace the class.
struct Prepared {
    src: PathBuf,
    /// For an archive: what it holds, unpacked into a staging folder.
    verified: Option<archive::Verified>,
}

impl Prepared {
    fn staged(&self) -> Option<&Path> {
        self.verified
            .as_ref()
            .and_then(|v| v.dir.as_ref())
            .map(|d| d.path())
    }

    /// The backup's database: in the staging folder, or the old backup itself.
    fn database(&self) -> PathBuf {
        match self.staged() {
            Some(d) => d.join(store::DB_FILE),
            None => self.src.clone(),
        }
    }
}

fn not_a_file(src: &Path) -> Error {
    Error::not_found(format!(
        "{} does not exist: give the path of a backup made with `goalpost backup`",
        src.display()
    ))
}

/// Reads and checks the backup at `src`: an archive is unpacked into a staging folder in
/// `data_dir`, every hash checked; an old database-only backup is checked as a database.
fn prepare(src: &Path, data_dir: &Path) -> Result<Prepared> {
    if !src.is_file() {
        return Err(not_a_file(src));
    }
    if archive::looks_like_archive(src)? {
        let verified = archive::extract_verified(src, Some(data_dir))?;
        let p = Prepared {
            src: src.to_path_buf(),
            verified: Some(verified),
        };
        check_backup(&p.database()).map_err(|e| {
            Error::invalid(format!(
                "the database in {} cannot be restored: {e}",
                src.display()
            ))
        })?;
        Ok(p)
    } else {
        check_backup(src)?;
        Ok(Prepared {
            src: src.to_path_buf(),
            verified: None,
        })
    }
}

/// The renames a restore made to put an archive's folders in place, to undo them.
#[derive(Default)]
struct Swapped {
    /// (from, to) in the order made.
    moves: Vec<(PathBuf, PathBuf)>,
}

impl Swapped {
    /// Moves every folder back where it was, newest move first. Best effort: the class as
    /// it was is also in the `before-restore` backup.
    fn undo(self) {
        for (from, to) in self.moves.into_iter().rev() {
            let _ = std::fs::rename(&to, &from);
        }
    }
}

/// Puts the staged folders of an archive in place of the class's, each by one rename; the
/// class's own go into the staging folder, which is then removed. If one cannot move, the
/// ones moved go back and the error says which.
fn swap_in(data: DataDir<'_>, v: &archive::Verified, kept: Option<&Path>) -> Result<Swapped> {
    let mut done = Swapped::default();
    let Some(stage) = v.dir.as_ref().map(|d| d.path()) else {
        return Ok(done);
    };
    let old = stage.join(".replaced");
    let fail = |what: &Path, e: std::io::Error| {
        let hint = match kept {
            Some(k) => format!(" (the class as it was is also kept in {})", k.display()),
            None => String::new(),
        };
        Error::invalid(format!(
            "could not put {} in place ({e}): nothing was restored{hint}; close the programs using the class's files and restore again",
            what.display()
        ))
    };
    let mut step = |from: &Path, to: &Path| -> std::io::Result<()> {
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::rename(from, to)?;
        done.moves.push((from.to_path_buf(), to.to_path_buf()));
        Ok(())
    };
    let mut result = Ok(());
    for rel in archive::FOLDERS {
        let live = data.path().join(rel);
        let new = stage.join(rel);
        let moved = (|| {
            if live.exists() {
                step(&live, &old.join(rel))?;
            }
            if new.exists() {
                step(&new, &live)?;
            }
            Ok(())
        })();
        if let Err(e) = moved {
            result = Err(fail(&live, e));
            break;
        }
    }
    match result {
        Ok(()) => Ok(done),
        Err(e) => {
            done.undo();
            Err(e)
        }
    }
}

/// Writes the joined erasure list (the class's lines first, then the backup's others).
fn join_erasures(data_dir: &Path, list: &[crate::erasure::Erasure]) -> Result<()> {
    let path = DataDir::new(data_dir).erasures();
    if list.is_empty() {
        return Ok(());
    }
    let mut text = String::new();
    for e in list {
        text.push_str(&serde_json::to_string(e)?);
        text.push('\n');
    }
    if crate::fsutil::same_bytes(&path, text.as_bytes()) {
        return Ok(());
    }
    crate::fsutil::write_atomic(&path, text.as_bytes())
}

/// Writes the archive of the class in `data` (its database read through `conn`) to `dest`.
pub(crate) fn write_backup(
    data: DataDir<'_>,
    conn: &Connection,
    dest: &Path,
    how: Persist,
    now: chrono::DateTime<chrono::Utc>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<BackupInfo> {
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
    // The database snapshot, in the data folder (it is as private as the database).
    let snapshot = tempfile::Builder::new()
        .prefix(SNAPSHOT_PREFIX)
        .tempfile_in(data.path())
        .map_err(|e| Error::io("write the backup into", data.path(), e))?;
    {
        let mut out = Connection::open(native_path(snapshot.path()))?;
        store::copy_all(conn, &mut out)?;
        out.pragma_update(None, "journal_mode", "DELETE")?;
        let problems = store::integrity_problems(&out)?;
        if !problems.is_empty() {
            return Err(Error::invalid(format!(
                "the backup failed its integrity check ({}): the database may be damaged; nothing was written",
                problems.join("; ")
            )));
        }
    }
    // Listed after the snapshot: every photo the snapshot names is already on disk.
    let sources = archive::sources(data, snapshot.path())?;
    let manifest = archive::manifest(&sources, now)?;
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)?;
    archive::check_space(
        &parent,
        archive::archive_size(&manifest, manifest_bytes.len() as u64),
        "write the backup",
    )?;
    let tmp = tempfile::Builder::new()
        .prefix(crate::fsutil::TEMP_PREFIX)
        .tempfile_in(&parent)
        .map_err(|e| Error::io("write the backup into", &parent, e))?;
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file());
        archive::write(&mut out, &manifest, &manifest_bytes, &sources, progress)?;
        use std::io::Write;
        out.flush()
            .map_err(|e| Error::io("write the backup into", &parent, e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("write the backup into", &parent, e))?;
    let bytes = tmp.as_file().metadata().map(|m| m.len()).unwrap_or(0);
    drop(snapshot);
    let path = match how {
        Persist::Replace => {
            crate::fsutil::persist(tmp.into_temp_path(), dest, "save the backup as")?;
            dest.to_path_buf()
        }
        Persist::NewName => persist_new_name(tmp, dest)?,
    };
    Ok(BackupInfo {
        path,
        bytes,
        files: manifest.entries.len(),
        photos: manifest.originals(),
    })
}

#[derive(Clone, Copy)]
pub(crate) enum Persist {
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

/// Refuses a database file that is not a Goalpost database, is damaged, or is from a newer
/// version.
pub fn check_backup(src: &Path) -> Result<()> {
    if !src.is_file() {
        return Err(not_a_file(src));
    }
    let not_ours = || {
        Error::invalid(format!(
            "{} is not a Goalpost database nor a Goalpost backup: choose a file made with `goalpost backup`",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for rel in archive::FOLDERS {
            if let Ok(rd) = std::fs::read_dir(dir.join(rel)) {
                for e in rd.flatten() {
                    out.push(format!("{rel}/{}", e.file_name().to_string_lossy()));
                }
            }
        }
        out.sort();
        out
    }

    /// A folder that cannot move half-way through a restore puts back every folder moved
    /// before it: the class is as it was, not half old and half restored.
    #[test]
    fn a_folder_that_cannot_move_puts_back_the_ones_moved() {
        let data = tempfile::tempdir().unwrap();
        for f in [
            "photos/originals/a",
            "photos/copies/a-400.jpg",
            "outbox/one.eml",
        ] {
            let p = data.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"class").unwrap();
        }
        let stage = tempfile::tempdir_in(data.path()).unwrap();
        for f in ["photos/originals/b", "outbox/two.eml", "theme/style.css"] {
            let p = stage.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"backup").unwrap();
        }
        // Where the class's outbox would be put aside is taken: that move fails.
        let blocker = stage.path().join(".replaced/outbox/taken");
        std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
        std::fs::write(&blocker, b"x").unwrap();
        let before = tree(data.path());
        let v = archive::Verified {
            manifest: Manifest {
                format: archive::FORMAT.into(),
                format_version: archive::FORMAT_VERSION,
                app_version: String::new(),
                created_at: chrono::Utc::now(),
                entries: Vec::new(),
            },
            dir: Some(stage),
        };
        let err = swap_in(DataDir::new(data.path()), &v, None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("outbox") && err.contains("nothing was restored"),
            "{err}"
        );
        assert_eq!(tree(data.path()), before);
    }
}
