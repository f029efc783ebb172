//! `goalpost class archive DIR`: closing a school year (issue 15, part 4).
//!
//! In this order, holding the class lock:
//!
//! 1. a backup of the class into `DIR/class-<date>.goalpost`, through
//!    [`Goalpost::backup`] (whatever a backup holds: `goalpost restore` brings the year
//!    back);
//! 2. every student's portfolio into `DIR/portfolios/`, as `export class` writes them;
//! 3. only when both are complete (`DIR` is written beside itself and renamed into place),
//!    an empty class for the next year in the same data folder: no student, contact, goal,
//!    evidence, photo, delivery, contact log entry, sharing time or sync record is left,
//!    and the photo originals and copies, the outbox, print and roster export folders are
//!    emptied. The class's details, its settings, the theme folder and the teacher's
//!    language files stay, and the class's goal titles are kept as next year's
//!    suggestions (`goalpost goal suggestions`), except a title or subject that names a
//!    child of the class.
//!
//! A failed backup or portfolio changes nothing in the class, and neither does a change
//! another connection commits meanwhile (the station and Review take no class lock): the
//! class is emptied in one write transaction that first checks SQLite's `data_version`. The blog is built again at
//! the end (last year's posts leave the blog folder; the next sync publishes that). The
//! `backups/` folder and the erasure list stay: they are the teacher's safety net, and the
//! erasure list keeps an erased child erased if an older backup is restored.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Staging;
use crate::error::{Error, Result};
use crate::lock::Operation;
use crate::{store, Goalpost};

/// What a class archive did.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveReport {
    pub dir: PathBuf,
    /// The backup of the year.
    pub backup: PathBuf,
    /// The folder of the portfolios (`export class`'s layout).
    pub portfolios: PathBuf,
    /// Portfolios written: one per student.
    pub students: usize,
    /// Goal titles newly kept as suggestions.
    pub suggestions_kept: usize,
    /// Goal titles not kept because they name a child of the class.
    pub titles_naming_a_child: usize,
    /// Rows removed from the class, by table.
    pub rows_removed: BTreeMap<String, usize>,
    /// Files removed from the data folder (photos, outbox, print, roster exports).
    pub files_removed: usize,
    /// Files that could not be removed (held open by another program, say), each with why:
    /// the teacher removes them by hand.
    pub files_left: Vec<String>,
    /// Why the blog could not be built again, if it could not (the next sync does it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blog_problem: Option<String>,
}

impl Goalpost {
    /// Closes the school year into `dir` (new or empty): see the module docs.
    pub fn archive_class(&self, dir: &Path) -> Result<ArchiveReport> {
        self.archive_class_with(dir, || {})
    }

    /// [`Goalpost::archive_class`], with `meanwhile` run once the backup and portfolios
    /// are written and before the class is emptied (tests use it to change the class then).
    pub(crate) fn archive_class_with(
        &self,
        dir: &Path,
        meanwhile: impl FnOnce(),
    ) -> Result<ArchiveReport> {
        let mut report = {
            let _lock = self.lock_class(Operation::ClassArchive)?;
            // Station submissions and reviews take no class lock: whatever another
            // connection commits after this point would be in neither the backup nor the
            // portfolios, so the class is emptied only if nothing was.
            let version = store::year::data_version(self.store().conn())?;
            let class = self.class()?;
            let tz: chrono_tz::Tz = class.timezone.parse().unwrap_or(chrono_tz::UTC);
            let day = self.now().with_timezone(&tz).date_naive();
            let staging = Staging::new(dir)?;
            let backup_name = format!("class-{day}.goalpost");
            self.backup(&staging.path().join(&backup_name))?;
            let portfolios = staging.path().join("portfolios");
            std::fs::create_dir(&portfolios)
                .map_err(|e| Error::io("create the folder", &portfolios, e))?;
            let students = self.write_class_portfolios(&portfolios, None)?.len();
            meanwhile();
            let (suggestions_kept, titles_naming_a_child, rows_removed) =
                self.start_new_year(version, staging)?;
            let (files_removed, files_left) = self.remove_year_files();
            ArchiveReport {
                dir: dir.to_path_buf(),
                backup: dir.join(backup_name),
                portfolios: dir.join("portfolios"),
                students,
                suggestions_kept,
                titles_naming_a_child,
                rows_removed,
                files_removed,
                files_left,
                blog_problem: None,
            }
        };
        // With the lock released (a blog build takes it): last year's posts leave the blog.
        report.blog_problem = self.build_blog().err().map(|e| e.to_string());
        Ok(report)
    }

    /// The goal suggestions kept from earlier years (see the module docs).
    pub fn goal_suggestions(&self) -> Result<Vec<store::year::GoalSuggestion>> {
        store::year::suggestions(self.store().conn())
    }

    /// In one write transaction: checks that no other connection changed the class since
    /// `version` was read, puts the finished archive in place, keeps the goal titles as
    /// suggestions and empties the class. Either all of it or nothing (a refused or failed
    /// step leaves the class as it was and removes the staged archive).
    fn start_new_year(
        &self,
        version: i64,
        staging: Staging,
    ) -> Result<(usize, usize, BTreeMap<String, usize>)> {
        let names = self.class_names()?;
        let goals = self.goals(None)?;
        let now = self.now();
        let tx = self.store().write()?;
        if store::year::data_version(&tx)? != version {
            return Err(Error::Conflict(
                "the class changed while its year was being archived (work submitted at the station, or a review): nothing was changed; run `goalpost class archive` again".into(),
            ));
        }
        staging.commit()?;
        // The year is safe in its folder: from here on, the new year.
        let mut naming: HashSet<(&str, &str)> = HashSet::new();
        let mut kept = 0;
        for g in &goals {
            if names.names_anyone(&g.title) || names.names_anyone(&g.subject) {
                naming.insert((&g.title, &g.subject));
                continue;
            }
            if store::year::keep(&tx, &g.title, &g.subject, now)? {
                kept += 1;
            }
        }
        let cleared = store::year::clear(&tx)?;
        tx.commit()?;
        // No copy of last year's rows stays in the write-ahead log (deleted rows are
        // overwritten in the file itself: secure_delete).
        self.store().checkpoint_truncate()?;
        let removed = cleared
            .into_iter()
            .map(|(t, n)| (t.to_string(), n))
            .collect();
        Ok((kept, naming.len(), removed))
    }

    /// Empties the folders that held last year's photos and what was sent or printed.
    /// Goes on past a file it cannot remove (held open by another program, say): returns
    /// how many were removed and what is left, for the teacher to remove by hand.
    fn remove_year_files(&self) -> (usize, Vec<String>) {
        let d = self.folders();
        let (mut removed, mut left) = (0, Vec::new());
        for dir in [
            d.originals(),
            d.copies(),
            d.outbox(),
            d.print(),
            d.exports(),
        ] {
            empty_folder(&dir, &mut removed, &mut left);
        }
        match crate::fsutil::remove_if_present(&d.copies_index(), "remove the photo copies index") {
            Ok(true) => removed += 1,
            Ok(false) => {}
            Err(e) => left.push(e.to_string()),
        }
        (removed, left)
    }
}

/// Removes everything inside `dir` (a folder not there is fine), counting what it removed
/// and noting what it could not.
fn empty_folder(dir: &Path, removed: &mut usize, left: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => return left.push(Error::io("read the folder", dir, e).to_string()),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            empty_folder(&path, removed, left);
            if let Err(e) = std::fs::remove_dir(&path) {
                left.push(Error::io("remove the folder", &path, e).to_string());
            }
        } else {
            match crate::fsutil::remove_if_present(&path, "remove last year's file") {
                Ok(true) => *removed += 1,
                Ok(false) => {}
                Err(e) => left.push(e.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Goalpost;

    /// Work submitted at the station (another connection, no class lock) after the
    /// backup and portfolios were written is in neither: the class is then not emptied,
    /// and no archive is left.
    #[test]
    fn a_class_changed_during_its_archive_is_not_emptied() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("class");
        let gp = Goalpost::create(&data).unwrap();
        gp.create_demo(3).unwrap();
        let out = tmp.path().join("year");
        let e = gp
            .archive_class_with(&out, || {
                let station = Goalpost::open(&data).unwrap();
                station.add_student("Hemi", "Walker", None).unwrap();
            })
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Conflict, "{e}");
        assert!(e.to_string().contains("nothing was changed"), "{e}");
        assert!(!out.exists(), "no archive without the change in it");
        assert_eq!(gp.students().unwrap().len(), 4, "the class is whole");
        // Without a change meanwhile it goes through.
        gp.archive_class(&out).unwrap();
        assert!(gp.students().unwrap().is_empty());
    }
}
