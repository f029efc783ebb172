//! Erasing a student, for good.
//!
//! An erasure removes the student from the database (goals, evidence, consents, links,
//! deliveries and their history go with them), their private originals, the web copies made
//! of them, the emails about them written to the outbox folder, their goal sheets in
//! `print/`, and their rows in the roster exports in `exports/`; SQLite overwrites the freed
//! pages (`secure_delete`) and the write-ahead log is emptied, so the child's words are not
//! left in the database file. The next sync removes what was published, writes the slip
//! pages again without them, and (see `publish`) brings the web host up to date. The
//! automatic backups go too (they were made without the teacher asking; the next sync makes
//! today's again, without the child). Backups the teacher made are not touched (a restore
//! erases again, below), nor portfolios already handed to the family.
//!
//! Every erasure is noted in `<data folder>/erasures` first, flushed to disk, with the files
//! it is to remove (paths in the data folder: hashes, ids and dates, never a name). If a
//! file cannot be removed (a file another program holds open on Windows, a read-only
//! folder), the erasure stays noted as unfinished: the next sync, or `student remove` again,
//! removes what is left ([`Goalpost::finish_erasures`]) and then notes it finished. A roster
//! export left over that way is removed whole: the list keeps no name to find the child's
//! rows by, and an export can be made again.
//!
//! A backup taken before the erasure still holds the student. So that restoring it cannot
//! bring an erased child back (and the next sync publish them again), a restore erases again
//! every student on the list that the database holds ([`Goalpost::erase_again`]). The list
//! holds only ids, times and file paths: a student's id and when the student was added
//! (which tells them apart from a later student given the same id by a Goalpost from
//! before ids were never given twice), and when they were erased. Never a name.

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

/// One erasure of a student, as the erasure list keeps it: a line when it starts, and
/// another with `finished` once every file it had to remove is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub student_id: StudentId,
    /// When the student was added, as the database stored it.
    pub added_at: String,
    pub erased_at: DateTime<Utc>,
    /// The files this erasure removes, relative to the data folder (`/`-separated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Folders of automatic backups outside the data folder that were not there when the
    /// child was erased (a USB stick not plugged in, a share not connected): every
    /// automatic backup in them is removed once they are back (a sync tries each time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backup_dirs: Vec<PathBuf>,
    /// Set on the line that says this erasure (same student, added and erased at the same
    /// times) removed every file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub finished: bool,
}

impl Erasure {
    fn same_event(&self, other: &Erasure) -> bool {
        self.student_id == other.student_id
            && self.added_at == other.added_at
            && self.erased_at == other.erased_at
    }
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
    /// The student's goal sheets in the print folder, removed (the whole class's goal
    /// sheet files too: they hold a page about the child).
    pub goal_sheets_removed: usize,
    /// Roster exports in the exports folder that named the student, written again without
    /// them.
    pub exports_changed: usize,
    /// Automatic backups removed because they held the student (see `backup::auto`).
    pub automatic_backups_removed: usize,
    /// Folders of automatic backups that were not there (a USB stick not plugged in): the
    /// backups in them may hold the student until they are back and a sync removes them.
    pub backup_folders_missing: Vec<PathBuf>,
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

/// Adds a line to the erasure list and flushes it to disk: before the erasure itself
/// happens, and when it finished.
fn note_erasure(data_dir: &Path, e: &Erasure) -> Result<()> {
    let mut line = serde_json::to_string(e)?;
    line.push('\n');
    crate::fsutil::append_synced(
        &erasures_path(data_dir),
        line.as_bytes(),
        "note the erasure in",
    )
}

/// What the teacher is told of a folder of automatic backups an erasure waits for.
pub fn backup_folder_waiting(dir: &Path) -> String {
    format!(
        "The automatic backups in {} may still hold an erased child: the folder is not there (a USB stick not plugged in, a share not connected). Connect it and sync: the sync removes them.",
        dir.display()
    )
}

/// The erasures on the list that did not finish, oldest first.
pub fn unfinished(list: &[Erasure]) -> Vec<&Erasure> {
    list.iter()
        .filter(|e| !e.finished)
        .filter(|e| !list.iter().any(|f| f.finished && f.same_event(e)))
        .collect()
}

/// A path in the data folder as the erasure list keeps it.
fn rel(data_dir: &Path, p: &Path) -> Option<String> {
    let r = p.strip_prefix(data_dir).ok()?;
    let parts: Vec<String> = r
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// A path the erasure list names, in the data folder; `None` for one that would lead out
/// of it (a damaged or hand-edited list never removes anything else).
fn in_data(data_dir: &Path, rel: &str) -> Option<PathBuf> {
    let ok = !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains('\\')
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..");
    ok.then(|| {
        rel.split('/')
            .fold(data_dir.to_path_buf(), |p, c| p.join(c))
    })
}

/// Files in `dir` whose names start with `prefix` and end with `suffix`.
fn files_named(dir: &Path, prefix: &str, suffix: &str) -> Result<Vec<PathBuf>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(prefix) && n.ends_with(suffix)
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    Ok(out)
}

/// What an erasure removes from the data folder, gathered before anything changes.
struct Files {
    emails: Vec<PathBuf>,
    /// The photos only this student's evidence uses: their originals and copies.
    photos: Vec<PathBuf>,
    goal_sheets: Vec<PathBuf>,
    /// Roster exports whose rows name the student.
    exports: Vec<PathBuf>,
    /// Automatic backups (daily and before-migration ones), which hold the student: made
    /// without the teacher asking, they go (issue 15); today's is made again by the next
    /// sync. A backup the teacher made and `before-restore` copies stay (a restore of one
    /// erases again).
    auto_backups: Vec<PathBuf>,
    /// Folders of automatic backups outside the data folder that are not there now.
    missing_backup_dirs: Vec<PathBuf>,
}

impl Files {
    fn all(&self) -> impl Iterator<Item = &PathBuf> {
        self.emails
            .iter()
            .chain(&self.photos)
            .chain(&self.goal_sheets)
            .chain(&self.exports)
            .chain(&self.auto_backups)
    }
}

impl Goalpost {
    /// Erases a student: their goals, evidence, consents, links, private photos and the web
    /// copies of them, the emails about them in the outbox folder, their goal sheets and
    /// their rows in roster exports. The next sync removes every published trace; a restore
    /// of an older backup erases them again. If a file cannot be removed, the erasure is
    /// noted and the error says so: the next sync or this again finishes it.
    pub fn remove_student(&self, id: StudentId) -> Result<Erased> {
        let _lock = self.lock_class(crate::lock::Operation::StudentRemove)?;
        self.student(id)?;
        let added_at = store::students::added_at(self.store().conn(), id)?
            .ok_or_else(|| Error::not_found(format!("there is no student with id {id}")))?;
        self.erase(id, added_at)
    }

    /// What erasing student `id` removes from the data folder.
    fn files_of(&self, id: StudentId) -> Result<Files> {
        let conn = self.store().conn();
        let data = self.folders();
        let outbox = data.outbox();
        let emails = store::outbox::about_student(conn, id)?
            .iter()
            .map(|(mid, _, _)| outbox.join(mail::eml_file_name(mid)))
            .collect();
        let all = store::evidence::list(conn, None)?;
        let mut photos = Vec::new();
        let own: BTreeSet<&str> = all
            .iter()
            .filter(|e| e.student_id == id)
            .filter_map(|e| e.photo_hash.as_deref())
            .collect();
        for hash in own {
            let shared = all
                .iter()
                .any(|e| e.student_id != id && e.photo_hash.as_deref() == Some(hash));
            if !shared {
                photos.extend(photo::files_of(self.data_dir(), hash)?);
            }
        }
        let mut goal_sheets = files_named(&data.print(), &format!("goal-sheet-s{id}-"), ".html")?;
        // The whole class's goal sheets hold a page about the child: removed, printed again
        // when wanted.
        goal_sheets.extend(files_named(
            &data.print(),
            mail::paper::CLASS_SHEETS_PREFIX,
            ".html",
        )?);
        let student = self.student(id)?;
        let mut exports = Vec::new();
        for p in files_named(&data.exports(), "", ".csv")? {
            let bytes = std::fs::read(&p).map_err(|e| Error::io("read", &p, e))?;
            if crate::roster::without_student(&bytes, &student.first_name, &student.last_name)
                .is_some()
            {
                exports.push(p);
            }
        }
        // The backup folders of today and every folder automatic backups went to before
        // `backup.dir` was changed; never one that holds another class's backups.
        let mut backup_dirs = self.backup_folders();
        for dir in crate::store::backup_runs::folders(conn)? {
            if !backup_dirs.contains(&dir)
                && !crate::backup::auto::another_classs_folder(conn, &dir)
            {
                backup_dirs.push(dir);
            }
        }
        let mut auto_backups = Vec::new();
        let mut missing_backup_dirs = Vec::new();
        for dir in &backup_dirs {
            if !dir.exists() && !dir.starts_with(self.data_dir()) {
                missing_backup_dirs.push(dir.clone());
            }
            auto_backups.extend(crate::backup::auto::automatic_files(dir)?);
        }
        missing_backup_dirs.sort();
        // And what a backup killed half-way left: a database snapshot, an unfinished file.
        auto_backups.extend(crate::backup::leftover_files(self.data_dir(), &backup_dirs));
        auto_backups.sort();
        auto_backups.dedup();
        Ok(Files {
            emails,
            photos,
            goal_sheets,
            exports,
            auto_backups,
            missing_backup_dirs,
        })
    }

    /// The erasure of student `id` (added at `added_at`): its files gathered, noted on the
    /// list, the rows deleted, the files removed, and the erasure noted finished.
    ///
    /// What only the database knows (which slips and emails were about the child, which
    /// photos only they used) is gathered, and the slip pages are put on the next sync's
    /// list, before the rows go: after that nothing could find them again. Every file is
    /// then removed even if one cannot be; the first failure is returned, saying that the
    /// erasure will be finished.
    fn erase(&self, id: StudentId, added_at: String) -> Result<Erased> {
        let files = self.files_of(id)?;
        let student = self.student(id)?;
        let mut erasure = Erasure {
            student_id: id,
            added_at,
            erased_at: self.now(),
            files: files
                .all()
                .filter_map(|p| rel(self.data_dir(), p))
                .collect(),
            backup_dirs: files.missing_backup_dirs.clone(),
            finished: false,
        };
        note_erasure(self.data_dir(), &erasure)?;

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
        // Photos no evidence uses any more (this child's, and any left by an earlier
        // erasure that did not finish).
        for hash in &orphans {
            keep_first(photo::delete_original(self.data_dir(), hash).map(|()| true));
            keep_first(photo::delete_copies(self.data_dir(), hash).map(|()| true));
        }
        for p in &files.photos {
            keep_first(crate::fsutil::remove_if_present(p, "delete the photo"));
        }
        let emails_removed = files
            .emails
            .iter()
            .filter(|p| keep_first(crate::fsutil::remove_if_present(p, "delete the email")))
            .count();
        let goal_sheets_removed = files
            .goal_sheets
            .iter()
            .filter(|p| keep_first(crate::fsutil::remove_if_present(p, "delete the goal sheet")))
            .count();
        let exports_changed = files
            .exports
            .iter()
            .filter(|p| {
                keep_first(without_student_in(
                    p,
                    &student.first_name,
                    &student.last_name,
                ))
            })
            .count();
        keep_first(crate::backup::remove_staging_leftovers(self.data_dir()).map(|()| true));
        let automatic_backups_removed = files
            .auto_backups
            .iter()
            .filter(|p| keep_first(crate::fsutil::remove_if_present(p, "delete the backup")))
            .count();
        if let Some(e) = first_error {
            return Err(unfinished_error(id, e));
        }
        // Backups in a folder that is not there wait for it: the erasure stays unfinished
        // (the list names the folders), and each sync tries again.
        if erasure.backup_dirs.is_empty() {
            erasure.finished = true;
            erasure.files.clear();
            note_erasure(self.data_dir(), &erasure)?;
        }
        Ok(Erased {
            student_id: id,
            evidence,
            photos: orphans.len(),
            emails_removed,
            goal_sheets_removed,
            exports_changed,
            automatic_backups_removed,
            backup_folders_missing: files.missing_backup_dirs,
        })
    }

    /// Finishes every erasure on the list that could not remove all its files: removes
    /// those still there (a roster export whole), then notes the erasure finished. Returns
    /// the students whose erasure it finished; the first file that still cannot be removed
    /// is the error, and those erasures stay unfinished for the next try.
    pub fn finish_erasures(&self) -> Result<Vec<StudentId>> {
        let list = read_erasures(self.data_dir())?;
        let mut finished = Vec::new();
        let mut first_error = None;
        for e in unfinished(&list) {
            let mut ok = true;
            for f in &e.files {
                let Some(p) = in_data(self.data_dir(), f) else {
                    continue;
                };
                if let Err(err) = crate::fsutil::remove_if_present(&p, "remove") {
                    first_error.get_or_insert(unfinished_error(e.student_id, err));
                    ok = false;
                }
            }
            // A folder of automatic backups that is back: none of them may hold the child.
            // (One made there since it came back is removed too, and made again.)
            for dir in &e.backup_dirs {
                if !dir.is_dir() {
                    ok = false;
                    continue;
                }
                // Back, but another class's folder now: none of its backups are ours.
                if crate::backup::auto::another_classs_folder(self.store().conn(), dir) {
                    continue;
                }
                let removed = crate::backup::auto::automatic_files(dir).and_then(|found| {
                    found.iter().try_for_each(|p| {
                        crate::fsutil::remove_if_present(p, "delete the backup").map(|_| ())
                    })
                });
                if let Err(err) = removed {
                    first_error.get_or_insert(unfinished_error(e.student_id, err));
                    ok = false;
                }
            }
            if ok {
                let mut done = e.clone();
                done.files.clear();
                done.finished = true;
                note_erasure(self.data_dir(), &done)?;
                finished.push(e.student_id);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(finished),
        }
    }

    /// Folders of automatic backups that erasures wait for (not there when a child was
    /// erased, nor since): the backups in them may still hold an erased child.
    pub fn backup_folders_to_clean(&self) -> Result<Vec<PathBuf>> {
        let list = read_erasures(self.data_dir())?;
        let mut out: Vec<PathBuf> = Vec::new();
        for dir in unfinished(&list).into_iter().flat_map(|e| &e.backup_dirs) {
            if !dir.is_dir() && !out.contains(dir) {
                out.push(dir.clone());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Keeps every student id on the erasure list from being given to a new student: ids are
    /// never given twice (migration 0005), but students erased before that, or in a backup
    /// restored since, are named only by the list.
    pub fn keep_erased_ids(&self) -> Result<()> {
        let erased = read_erasures(self.data_dir())?;
        if let Some(max) = erased.iter().map(|e| e.student_id).max() {
            store::keep_ids_above(self.store().conn(), store::Ids::Students, max)?;
        }
        Ok(())
    }

    /// Erases again every student on the erasure list that the database holds (after a
    /// restore of a backup taken before they were erased). A later student who was given
    /// the same id is told apart by when they were added, and kept.
    pub fn erase_again(&self) -> Result<Vec<StudentId>> {
        self.keep_erased_ids()?;
        let mut done = BTreeSet::new();
        for e in read_erasures(self.data_dir())? {
            if done.contains(&e.student_id) {
                continue;
            }
            let added = store::students::added_at(self.store().conn(), e.student_id)?;
            if added.as_deref() == Some(e.added_at.as_str()) {
                self.erase(e.student_id, e.added_at.clone())?;
                done.insert(e.student_id);
            }
        }
        Ok(done.into_iter().collect())
    }
}

/// An erasure's file that could not be removed: the erasure is noted and will be finished.
fn unfinished_error(student: StudentId, e: Error) -> Error {
    Error::ErasureUnfinished {
        student,
        source: Box::new(e),
    }
}

/// Writes the roster export at `path` again without the student's rows (see
/// `roster::without_student`). Returns whether it changed it.
fn without_student_in(path: &Path, first: &str, last: &str) -> Result<bool> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    match crate::roster::without_student(&bytes, first, last) {
        Some(rest) => crate::fsutil::write_atomic(path, &rest).map(|()| true),
        None => Ok(false),
    }
}
