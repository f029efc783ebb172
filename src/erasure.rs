//! Erasing a student, for good.
//!
//! An erasure removes the student from the database (goals, evidence, consents, links,
//! deliveries and their history go with them), their private originals, the web copies made
//! of them, and the emails about them written to the outbox folder; SQLite overwrites the
//! freed pages (`secure_delete`) and the write-ahead log is emptied, so the child's words are
//! not left in the database file. The next sync removes what was published.
//!
//! A backup taken before the erasure still holds the student. So that restoring it cannot
//! bring an erased child back (and the next sync publish them again), every erasure is also
//! noted in `<data folder>/erasures`, outside the database, and a restore erases again every
//! student listed there. The list holds only ids and times: a student's id and when the
//! student was added (which tells them apart from a later student given the same id), and
//! when they were erased. Never a name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::StudentId;
use crate::{mail, photo, store, Goalpost};

/// The list of erasures, one JSON object per line.
pub fn erasures_path(data_dir: &Path) -> PathBuf {
    crate::DataDir::new(data_dir).erasures()
}

/// One erased student, as the erasure list keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub student_id: StudentId,
    /// When the student was added, as the database stored it.
    pub added_at: String,
    pub erased_at: DateTime<Utc>,
}

/// What an erasure removed.
#[derive(Debug, Clone, Serialize)]
pub struct Erased {
    pub student_id: StudentId,
    pub evidence: usize,
    /// Private originals no other student's evidence uses, removed with their web copies.
    pub photos: usize,
    /// Emails about the student that had been written to the outbox folder, removed.
    pub emails_removed: usize,
}

/// Reads the erasure list; none yet is an empty list. A damaged line is an error, never
/// skipped: skipping it could let a restore bring that child back.
pub fn read_erasures(data_dir: &Path) -> Result<Vec<Erasure>> {
    let path = erasures_path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read the erasure list", path, e)),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                Error::invalid(format!(
                    "line {} of the erasure list {} is damaged ({e}): restore that file from a copy of the data folder; nothing was changed",
                    i + 1,
                    path.display()
                ))
            })
        })
        .collect()
}

/// Adds an erasure to the list and flushes it to disk before the erasure itself happens.
fn note_erasure(data_dir: &Path, e: &Erasure) -> Result<()> {
    let mut line = serde_json::to_string(e)?;
    line.push('\n');
    crate::fsutil::append_synced(
        &erasures_path(data_dir),
        line.as_bytes(),
        "note the erasure in",
    )
}

impl Goalpost {
    /// Erases a student: their goals, evidence, consents, links, private photos and the web
    /// copies of them, and the emails about them in the outbox folder. The next sync removes
    /// every published trace; a restore of an older backup erases them again.
    pub fn remove_student(&self, id: StudentId) -> Result<Erased> {
        self.student(id)?;
        let added_at = store::students::added_at(self.store().conn(), id)?
            .ok_or_else(|| Error::not_found(format!("there is no student with id {id}")))?;
        note_erasure(
            self.data_dir(),
            &Erasure {
                student_id: id,
                added_at,
                erased_at: self.now(),
            },
        )?;
        self.erase(id)
    }

    /// The erasure itself, once it is on the list. What only the database knows (which
    /// slips and emails were about the child) is gathered, and the slip pages are put on
    /// the next sync's list, before the rows go: after that nothing could find them again.
    /// Every file is then removed even if one cannot be; the first failure is returned.
    fn erase(&self, id: StudentId) -> Result<Erased> {
        let conn = self.store().conn();
        let evidence = store::evidence::list(conn, None)?
            .iter()
            .filter(|e| e.student_id == id)
            .count();
        let deliveries = store::outbox::about_student(conn, id)?;
        // Printed slips: their pages are written again without the child at the next sync
        // (harmless if the erasure then fails: an unchanged page is not rewritten).
        let slips: Vec<_> = deliveries
            .iter()
            .filter(|(_, kind, _)| *kind == store::outbox::Kind::Slip)
            .map(|(_, _, queued)| *queued)
            .collect();
        mail::paper::rewrite_slip_pages(self.data_dir(), &slips)?;
        let outbox = self.folders().outbox();
        let emails: Vec<PathBuf> = deliveries
            .iter()
            .map(|(mid, _, _)| outbox.join(mail::eml_file_name(mid)))
            .collect();

        let orphans = self.store().in_tx(|tx| {
            store::students::delete(tx, id)?;
            store::photos::delete_unreferenced(tx)
        })?;
        // The freed pages are zeroed (`secure_delete`); move them out of the write-ahead
        // log into the database file now, and empty the log.
        let mut first_error = self.store().checkpoint_truncate().err();
        let mut keep_first = |r: Result<bool>| match r {
            Ok(removed) => removed,
            Err(e) => {
                first_error.get_or_insert(e);
                false
            }
        };
        for hash in &orphans {
            keep_first(photo::delete_original(self.data_dir(), hash).map(|()| true));
            keep_first(photo::delete_copies(self.data_dir(), hash).map(|()| true));
        }
        let emails_removed = emails
            .iter()
            .filter(|p| keep_first(crate::fsutil::remove_if_present(p, "delete the email")))
            .count();
        if let Some(e) = first_error {
            return Err(e);
        }
        Ok(Erased {
            student_id: id,
            evidence,
            photos: orphans.len(),
            emails_removed,
        })
    }

    /// Erases again every student on the erasure list that the database holds (after a
    /// restore of a backup taken before they were erased). A later student who was given
    /// the same id is told apart by when they were added, and kept.
    pub fn erase_again(&self) -> Result<Vec<StudentId>> {
        let mut done = BTreeSet::new();
        for e in read_erasures(self.data_dir())? {
            if done.contains(&e.student_id) {
                continue;
            }
            let added = store::students::added_at(self.store().conn(), e.student_id)?;
            if added.as_deref() == Some(e.added_at.as_str()) {
                self.erase(e.student_id)?;
                done.insert(e.student_id);
            }
        }
        Ok(done.into_iter().collect())
    }
}
