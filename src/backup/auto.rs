//! Automatic backups (issue 15, part 2).
//!
//! Once on each day (the class's day) that a sync runs or the desktop app starts, a
//! whole-class backup named `auto-YYYY-MM-DD.goalpost` goes to `backup.dir` (default
//! `<data folder>/backups/`); it is read back whole and every hash checked before it counts.
//! Then the rotation keeps the newest `backup.keep_daily` of them and, besides, the newest
//! of each of the last `backup.keep_weekly` weeks. The rotation only ever removes files
//! whose whole name is `auto-YYYY-MM-DD.goalpost`: a backup the teacher made, a
//! `before-restore` copy or a `before-migration` one is never touched. Every run is
//! recorded (table `backup_runs`) and a failure is reported by the sync summary and on the
//! Settings screen, never skipped in silence; the next sync that day tries again.
//!
//! Before a migration changes an existing database ([`before_migration`]), the class is
//! backed up as it is, as `before-migration-vN-...goalpost`, also never rotated.
//!
//! A `backup.dir` is one class's: the first automatic backup there writes [`CLASS_MARK`],
//! naming the class by a key made from when the class was created (the same after a
//! restore on a new PC). Another class set to the same folder (a school share given to
//! every class) is refused with the fix, and no rotation or erasure of one class ever
//! removes another's backups: their file names would be the same.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;
use serde::Serialize;

use super::{write_backup, Persist, EXTENSION};
use crate::error::{Error, Result};
use crate::store::backup_runs::{self, BackupRun};
use crate::{store, DataDir, Goalpost};

/// What the daily automatic backup did.
#[derive(Debug, Clone, Serialize)]
pub struct AutoBackup {
    pub ok: bool,
    /// The backup written and checked.
    pub file: Option<PathBuf>,
    pub bytes: Option<u64>,
    /// Why it failed, with what to do.
    pub error: Option<String>,
    /// Older automatic backups the rotation removed (file names).
    pub removed: Vec<String>,
}

/// The file in a `backup.dir` that names the class whose automatic backups it holds.
pub const CLASS_MARK: &str = "goalpost-class.txt";

/// The key of the class whose database is `conn`: from when the class was created, so
/// the same on every PC the class is restored on; None before the class exists.
fn class_key(conn: &Connection) -> Option<String> {
    use sha2::{Digest, Sha256};
    let created: String = conn
        .query_row("SELECT created_at FROM class WHERE id = 1", [], |r| {
            r.get(0)
        })
        .ok()?;
    let hash = Sha256::digest(created.as_bytes());
    Some(hash.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// Whose automatic backups the folder `dir` holds, by its [`CLASS_MARK`].
#[derive(Debug, PartialEq, Eq)]
enum Mark {
    /// No mark: no class's yet (or made by a Goalpost from before marks).
    None,
    Ours,
    /// Another class's: never written to, rotated or erased in by this class.
    Other,
}

fn mark_of(dir: &Path, key: &str) -> Mark {
    match std::fs::read_to_string(dir.join(CLASS_MARK)) {
        Ok(text) => {
            let theirs = text
                .lines()
                .find_map(|l| l.strip_prefix("class-key: "))
                .map(str::trim);
            if theirs == Some(key) {
                Mark::Ours
            } else {
                Mark::Other
            }
        }
        Err(_) => Mark::None,
    }
}

/// Whether the folder `dir` holds the automatic backups of another class than the one of
/// `conn` (its [`CLASS_MARK`] names another): never written to, rotated, erased in or
/// listed by this class.
pub(crate) fn another_classs_folder(conn: &Connection, dir: &Path) -> bool {
    class_key(conn).is_some_and(|k| mark_of(dir, &k) == Mark::Other)
}

/// Makes sure `dir` (a `backup.dir`) holds this class's automatic backups: marks it if no
/// class did yet, refuses another class's folder with the fix.
fn claim(dir: &Path, key: &str, class: &crate::ClassInfo) -> Result<()> {
    match mark_of(dir, key) {
        Mark::Ours => Ok(()),
        Mark::Other => {
            // An example folder named after the class, with nothing a path would misread.
            let name: String = class
                .class_name
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .collect();
            let name = if name.trim().is_empty() { "my class" } else { name.trim() };
            Err(Error::Conflict(format!(
                "the backup folder {} holds the automatic backups of another Goalpost class (see {CLASS_MARK} in it): give this class a folder of its own with backup.dir, e.g. {}",
                dir.display(),
                dir.join(name).display()
            )))
        }
        Mark::None => crate::fsutil::write_atomic(
            &dir.join(CLASS_MARK),
            format!(
                "This folder holds the automatic backups of the Goalpost class {} ({}), and no other class's.\nclass-key: {key}\n",
                class.class_name, class.school
            )
            .as_bytes(),
        ),
    }
}

/// The file name of the automatic backup of `day`.
pub fn daily_name(day: NaiveDate) -> String {
    format!("auto-{}.{EXTENSION}", day.format("%Y-%m-%d"))
}

/// The day of an automatic backup's file name; None for any other name.
pub fn daily_day(name: &str) -> Option<NaiveDate> {
    let date = name.strip_prefix("auto-")?.strip_suffix(".goalpost")?;
    (date.len() == 10)
        .then(|| NaiveDate::parse_from_str(date, "%Y-%m-%d").ok())
        .flatten()
}

/// Of the automatic backups' days, those the rotation removes: all but the newest
/// `keep_daily` and the newest of each of the newest `keep_weekly` weeks.
pub fn to_remove(days: &[NaiveDate], keep_daily: u32, keep_weekly: u32) -> Vec<NaiveDate> {
    let mut sorted = days.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    let mut keep: Vec<NaiveDate> = sorted.iter().take(keep_daily as usize).copied().collect();
    let mut weeks = Vec::new();
    for d in &sorted {
        let w = d.iso_week();
        let week = (w.year(), w.week());
        if !weeks.contains(&week) {
            if weeks.len() == keep_weekly as usize {
                break;
            }
            weeks.push(week);
            keep.push(*d);
        }
    }
    sorted.into_iter().filter(|d| !keep.contains(d)).collect()
}

impl Goalpost {
    /// Whether [`Goalpost::auto_backup_if_due`] would write a backup now (for a progress
    /// display: it says nothing of whether that would work).
    pub fn auto_backup_due(&self) -> bool {
        match self.config() {
            Ok(s) if s.backup_keep_daily == 0 && s.backup_keep_weekly == 0 => false,
            Ok(s) => {
                let dir = s.backup_dir(self.folders());
                !dir.join(daily_name(self.today())).is_file() || self.not_ours(&s, &dir)
            }
            Err(_) => true,
        }
    }

    /// Whether `dir`, this class's `backup.dir`, holds another class's automatic backups
    /// (its backup of today there is not this class's: one is due, and refused).
    fn not_ours(&self, settings: &crate::config::Settings, dir: &Path) -> bool {
        settings.backup_dir.is_some() && another_classs_folder(self.store().conn(), dir)
    }

    /// Today in the class's time zone: the day an automatic backup is named after.
    fn today(&self) -> NaiveDate {
        let tz = self
            .class()
            .ok()
            .and_then(|c| c.timezone.parse::<chrono_tz::Tz>().ok())
            .unwrap_or(chrono_tz::UTC);
        self.now().with_timezone(&tz).date_naive()
    }

    /// The daily automatic backup, if today's is not made yet and automatic backups are on
    /// (`backup.keep_daily` or `backup.keep_weekly` above 0): written, checked, recorded and
    /// rotated. A failure is returned as a report (`ok: false`), and recorded, not as an
    /// error: the caller goes on and shows it.
    pub fn auto_backup_if_due(&self) -> Option<AutoBackup> {
        let settings = match self.config() {
            Ok(s) => s,
            Err(e) => return Some(self.auto_failed(format!("{e}"))),
        };
        if settings.backup_keep_daily == 0 && settings.backup_keep_weekly == 0 {
            return None;
        }
        let dir = settings.backup_dir(self.folders());
        let dest = dir.join(daily_name(self.today()));
        if dest.is_file() && !self.not_ours(&settings, &dir) {
            return None;
        }
        let result = (|| -> Result<AutoBackup> {
            if settings.backup_dir.is_none() {
                std::fs::create_dir_all(&dir)
                    .map_err(|e| Error::io("create the folder", &dir, e))?;
            } else if !dir.is_dir() {
                return Err(Error::invalid(format!(
                    "the backup folder {} is not there (a USB stick or a share not connected?): connect it, or change backup.dir",
                    dir.display()
                )));
            } else if let Some(key) = class_key(self.store().conn()) {
                claim(&dir, &key, &self.class()?)?;
            }
            let info = write_backup(
                self.folders(),
                self.store().conn(),
                &dest,
                Persist::Replace,
                self.now(),
                &mut |_, _| {},
            )?;
            // Read back whole: a backup that cannot be restored is no backup.
            if let Err(e) = super::archive::extract_verified(&info.path, None) {
                let _ = std::fs::remove_file(&info.path);
                return Err(e);
            }
            let removed = rotate(
                &dir,
                settings.backup_keep_daily,
                settings.backup_keep_weekly,
            )?;
            Ok(AutoBackup {
                ok: true,
                file: Some(info.path),
                bytes: Some(info.bytes),
                error: None,
                removed,
            })
        })();
        let report = match result {
            Ok(r) => r,
            Err(e) => AutoBackup {
                ok: false,
                file: None,
                bytes: None,
                error: Some(format!(
                    "the automatic backup to {} failed: {e}",
                    dir.display()
                )),
                removed: Vec::new(),
            },
        };
        self.record_auto(&report);
        Some(report)
    }

    fn auto_failed(&self, why: String) -> AutoBackup {
        let r = AutoBackup {
            ok: false,
            file: None,
            bytes: None,
            error: Some(format!("the automatic backup failed: {why}")),
            removed: Vec::new(),
        };
        self.record_auto(&r);
        r
    }

    /// Best effort: a database that cannot take the record has its own error to show.
    fn record_auto(&self, r: &AutoBackup) {
        let run = BackupRun {
            at: self.now(),
            kind: "daily".into(),
            file: r.file.as_ref().map(|p| p.display().to_string()),
            ok: r.ok,
            error: r.error.clone(),
            bytes: r.bytes.map(|b| b as i64),
        };
        let _ = self.store().in_tx(|tx| backup_runs::record(tx, &run));
    }

    /// The latest automatic backup as recorded, for the Settings screen.
    pub fn last_auto_backup(&self) -> Result<Option<BackupRun>> {
        backup_runs::last(self.store().conn())
    }
}

/// The automatic backups in `dir`: daily ones and those made before a migration. Never a
/// backup the teacher made, nor a `before-restore` copy.
pub fn automatic_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read the folder", dir, e)),
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let automatic = daily_day(&name).is_some()
            || (name.starts_with("before-migration-v") && name.ends_with(".goalpost"));
        if automatic && entry.file_type().is_ok_and(|t| t.is_file()) {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Removes the automatic backups in `dir` the rotation does not keep; returns their names.
fn rotate(dir: &Path, keep_daily: u32, keep_weekly: u32) -> Result<Vec<String>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io("read the folder", dir, e))?;
    let mut found = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(day) = daily_day(&name) {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                found.push((day, name));
            }
        }
    }
    let days: Vec<NaiveDate> = found.iter().map(|(d, _)| *d).collect();
    let gone = to_remove(&days, keep_daily, keep_weekly);
    let mut removed = Vec::new();
    for (day, name) in found {
        if gone.contains(&day) {
            crate::fsutil::remove_if_present(&dir.join(&name), "remove the old backup")?;
            removed.push(name);
        }
    }
    removed.sort();
    Ok(removed)
}

/// Backs up the class in `data_dir` as it is, before a migration changes its database
/// (`conn`, at schema `version`), into `backup.dir` or `backups/`. Nothing is migrated
/// when this fails: the error says what to do.
pub(crate) fn before_migration(data_dir: &Path, conn: &Connection, version: usize) -> Result<()> {
    let data = DataDir::new(data_dir);
    let set: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = 'backup.dir'",
            [],
            |r| r.get(0),
        )
        .ok();
    // Not into another class's folder (see [`CLASS_MARK`]).
    let dir = set
        .map(PathBuf::from)
        .filter(|d| d.is_dir() && !another_classs_folder(conn, d))
        .unwrap_or_else(|| data.backups());
    let now = chrono::Utc::now();
    let result = std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io("create the folder", &dir, e))
        .and_then(|()| {
            let dest = dir.join(format!(
                "before-migration-v{version}-{}.{EXTENSION}",
                now.format("%Y%m%dT%H%M%S")
            ));
            write_backup(data, conn, &dest, Persist::NewName, now, &mut |_, _| {})
        });
    result.map(|_| ()).map_err(|e| {
        Error::DataFolder(format!(
            "could not back up the class before updating its database for this version of Goalpost ({e}); nothing was changed: free some space in {} and start again",
            dir.display()
        ))
    })
}

/// The schema version of the database at `db` when a migration would change it (an
/// existing Goalpost database older than this version), else None.
pub(crate) fn needs_migration(db: &Path) -> Option<(Connection, usize)> {
    if !db.is_file() {
        return None;
    }
    let conn = Connection::open(crate::fsutil::native_path(db)).ok()?;
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .ok()?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .ok()?;
    let version = usize::try_from(version).ok()?;
    (app == store::APPLICATION_ID && version > 0 && version < store::latest_version())
        .then_some((conn, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn names_of_automatic_backups_only_are_recognised() {
        assert_eq!(daily_day("auto-2026-12-02.goalpost"), Some(d("2026-12-02")));
        assert_eq!(daily_name(d("2026-12-02")), "auto-2026-12-02.goalpost");
        for other in [
            "auto-2026-12-02.goalpost.bak",
            "auto-2026-12-02-2.goalpost",
            "my auto-2026-12-02.goalpost",
            "before-restore-20261202T101010.goalpost",
            "auto-2026-13-02.goalpost",
            "auto-.goalpost",
        ] {
            assert_eq!(daily_day(other), None, "{other}");
        }
    }

    #[test]
    fn rotation_keeps_the_newest_days_and_one_per_week() {
        // 60 consecutive days, Monday 2026-09-07 on.
        let days: Vec<NaiveDate> = (0..60)
            .map(|i| d("2026-09-07") + chrono::Duration::days(i))
            .collect();
        let gone = to_remove(&days, 7, 4);
        let kept: Vec<NaiveDate> = days.iter().filter(|x| !gone.contains(x)).copied().collect();
        let newest = *days.last().unwrap();
        // The 7 newest, and the newest (a Sunday, or the last day) of 4 weeks.
        assert!(kept.len() <= 7 + 4 && kept.len() >= 7, "{kept:?}");
        for i in 0..7 {
            assert!(kept.contains(&(newest - chrono::Duration::days(i))));
        }
        let mut weeks: Vec<_> = kept
            .iter()
            .map(|x| (x.iso_week().year(), x.iso_week().week()))
            .collect();
        weeks.dedup();
        assert_eq!(weeks.len(), 4, "{kept:?}");
        assert!(to_remove(&days, 0, 0).len() == days.len());
        assert!(to_remove(&days[..3], 7, 4).is_empty());
    }
}
