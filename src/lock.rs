//! The class lock: one writer at a time for the output folders and for sending.
//!
//! Every operation that writes the blog folder, the photo copies, the outbox or the slips,
//! or that sends to families (a sync, `mail send`, `blog build`, an erasure, a restore...:
//! see [`Operation`]) takes this lock first, from the CLI, the desktop app and a scheduled
//! task alike. It only *tries*: when another operation holds it, the second is refused at
//! once ([`Error::Locked`]) with one line that says what holds the class and since when
//! ("a sync is running since 19:02; try again when it ends"), and the CLI exits with 75
//! (`EX_TEMPFAIL`). Nothing waits for it: station submissions, review and other plain
//! database writes never take it (SQLite's own locking covers them).
//!
//! It is an OS file lock (flock / LockFileEx through `std::fs::File::try_lock`) on
//! `<data folder>/sync.lock` (the name it had when only sync took it, kept so that an
//! older Goalpost and this one still exclude each other): the kernel releases it when the
//! process ends, however it ends, so a killed sync never blocks the next one, and holding
//! it proves that the previous holder is gone. What was left half-done by a holder that
//! died (outbox rows left `sending`) is therefore picked up only by the next holder, which
//! must show its [`ClassLock`] to do so. The file holds who holds the lock ([`Holder`]),
//! only to make the refusal useful.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What holds (or asks for) the class lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Sync,
    /// `sync --dry-run`: it writes nothing, but reads the folders a sync writes.
    SyncPreview,
    MailSend,
    MailRetry,
    BlogBuild,
    PhotoCopies,
    StudentRemove,
    Restore,
    RosterImport,
    /// `export student` / `export class`: portfolios (they may make photo copies).
    Export,
    /// `class archive`: the year's backup and portfolios, then an empty class.
    ClassArchive,
    /// A new class made in a folder that holds none (the app's first start).
    ClassCreate,
}

impl Operation {
    /// The operation as the refusal names it: "a sync" (is running since ...).
    pub fn noun(self) -> &'static str {
        match self {
            Operation::Sync => "a sync",
            Operation::SyncPreview => "a sync preview",
            Operation::MailSend => "a mail send",
            Operation::MailRetry => "a mail retry",
            Operation::BlogBuild => "a blog build",
            Operation::PhotoCopies => "making photo copies",
            Operation::StudentRemove => "a student's erasure",
            Operation::Restore => "a restore",
            Operation::RosterImport => "a roster import",
            Operation::Export => "an export of portfolios",
            Operation::ClassArchive => "a class archive",
            Operation::ClassCreate => "making a new class",
        }
    }
}

/// Who holds the lock, as its file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub operation: Operation,
    pub since: DateTime<Utc>,
    pub pid: u32,
}

/// The refusal: the lock is held. `holder` is None when its file does not say by whom
/// (the holder is just starting, or is an older Goalpost, which wrote only its pid).
#[derive(Debug, Clone, Serialize)]
pub struct LockHeld {
    pub operation: Option<Operation>,
    pub since: Option<DateTime<Utc>>,
    /// `since` in the class's time zone, as the message shows it: "19:02" today, else
    /// "2026-11-19 19:02".
    pub since_local: Option<String>,
    pub pid: Option<u32>,
}

impl LockHeld {
    fn new(written: &str, now: DateTime<Utc>, tz: chrono_tz::Tz) -> LockHeld {
        let written = written.trim();
        if let Ok(h) = serde_json::from_str::<Holder>(written) {
            let local = h.since.with_timezone(&tz);
            let format = if local.date_naive() == now.with_timezone(&tz).date_naive() {
                "%H:%M"
            } else {
                "%Y-%m-%d %H:%M"
            };
            return LockHeld {
                operation: Some(h.operation),
                since: Some(h.since),
                since_local: Some(local.format(format).to_string()),
                pid: Some(h.pid),
            };
        }
        LockHeld {
            operation: None,
            since: None,
            since_local: None,
            pid: written.parse().ok(),
        }
    }
}

impl std::fmt::Display for LockHeld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.operation, &self.since_local) {
            (Some(op), Some(since)) => write!(f, "{} is running since {since}", op.noun())?,
            _ => f.write_str("another Goalpost operation is running on this class")?,
        }
        if let Some(pid) = self.pid {
            write!(f, " (process {pid})")?;
        }
        f.write_str("; try again when it ends")
    }
}

/// The class lock, held until dropped.
#[derive(Debug)]
pub struct ClassLock {
    file: File,
    operation: Operation,
}

impl ClassLock {
    /// Takes the lock of the class in `data_dir` for `operation`, or says who holds it
    /// ([`Error::Locked`], with the time in the zone `tz` gives: the class's, read only
    /// when needed). Never waits.
    pub fn try_acquire(
        data_dir: &Path,
        operation: Operation,
        now: DateTime<Utc>,
        tz: impl FnOnce() -> chrono_tz::Tz,
    ) -> Result<ClassLock> {
        let path = crate::DataDir::new(data_dir).class_lock();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io("open the class lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut written = String::new();
                let _ = file.read_to_string(&mut written);
                return Err(Error::Locked(LockHeld::new(&written, now, tz())));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
        let holder = Holder {
            operation,
            since: now,
            pid: std::process::id(),
        };
        let json = serde_json::to_string(&holder)?;
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(json.as_bytes()))
            .map_err(|e| Error::io("write", &path, e))?;
        Ok(ClassLock { file, operation })
    }

    /// What the lock is held for.
    pub fn operation(&self) -> Operation {
        self.operation
    }
}

impl Drop for ClassLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

impl crate::Goalpost {
    /// Takes the class lock for `operation` (see the module docs), or says what holds it
    /// and since when, in the class's time zone.
    pub fn lock_class(&self, operation: Operation) -> Result<ClassLock> {
        ClassLock::try_acquire(self.data_dir(), operation, self.now(), || {
            crate::store::class::get(self.store().conn())
                .ok()
                .flatten()
                .and_then(|c| c.timezone.parse().ok())
                .unwrap_or(chrono_tz::UTC)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const AUCKLAND: chrono_tz::Tz = chrono_tz::Pacific::Auckland;

    #[test]
    fn a_second_lock_is_refused_with_what_holds_it_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let since = at("2026-11-20T06:02:00Z");
        let first =
            ClassLock::try_acquire(dir.path(), Operation::Sync, since, || AUCKLAND).unwrap();
        let later = at("2026-11-20T06:30:00Z");
        let err = ClassLock::try_acquire(dir.path(), Operation::MailSend, later, || AUCKLAND)
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Busy);
        assert_eq!(
            err.to_string(),
            format!(
                "a sync is running since 19:02 (process {}); try again when it ends",
                std::process::id()
            )
        );
        let Error::Locked(held) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(held.operation, Some(Operation::Sync));
        assert_eq!(held.since, Some(since));
        drop(first);
        let again =
            ClassLock::try_acquire(dir.path(), Operation::MailSend, later, || AUCKLAND).unwrap();
        assert_eq!(again.operation(), Operation::MailSend);
    }

    #[test]
    fn a_lock_taken_on_another_day_gives_its_date() {
        let held = LockHeld::new(
            r#"{"operation":"blog_build","since":"2026-11-19T06:02:00Z","pid":7}"#,
            at("2026-11-20T06:02:00Z"),
            AUCKLAND,
        );
        assert_eq!(
            held.to_string(),
            "a blog build is running since 2026-11-19 19:02 (process 7); try again when it ends"
        );
    }

    /// An older Goalpost wrote only its pid; a holder just starting has written nothing.
    #[test]
    fn a_holder_that_does_not_say_what_it_is_is_still_named_as_running() {
        let now = at("2026-11-20T06:02:00Z");
        assert_eq!(
            LockHeld::new("4242\n", now, AUCKLAND).to_string(),
            "another Goalpost operation is running on this class (process 4242); try again when it ends"
        );
        assert_eq!(
            LockHeld::new("", now, AUCKLAND).to_string(),
            "another Goalpost operation is running on this class; try again when it ends"
        );
    }

    /// Two handles in one process exclude each other too: the desktop app runs its
    /// commands on several threads.
    #[test]
    fn two_threads_of_one_process_exclude_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let now = at("2026-11-20T06:02:00Z");
        let _held =
            ClassLock::try_acquire(dir.path(), Operation::Restore, now, || AUCKLAND).unwrap();
        let path = dir.path().to_path_buf();
        let other = std::thread::spawn(move || {
            ClassLock::try_acquire(&path, Operation::Sync, now, || AUCKLAND)
                .map(|_| ())
                .unwrap_err()
                .to_string()
        })
        .join()
        .unwrap();
        assert!(
            other.starts_with("a restore is running since 19:02"),
            "{other}"
        );
    }
}
