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
//! A failed backup or portfolio changes nothing in the class. The blog is built again at
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
    /// Why the blog could not be built again, if it could not (the next sync does it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blog_problem: Option<String>,
}

impl Goalpost {
    /// Closes the school year into `dir` (new or empty): see the module docs.
    pub fn archive_class(&self, dir: &Path) -> Result<ArchiveReport> {
        let mut report = {
            let _lock = self.lock_class(Operation::ClassArchive)?;
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
            staging.commit()?;
            // The year is safe in `dir`: from here on, the new year.
            let (suggestions_kept, titles_naming_a_child, rows_removed) = self.start_new_year()?;
            let files_removed = self.remove_year_files()?;
            ArchiveReport {
                dir: dir.to_path_buf(),
                backup: dir.join(backup_name),
                portfolios: dir.join("portfolios"),
                students,
                suggestions_kept,
                titles_naming_a_child,
                rows_removed,
                files_removed,
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

    /// Keeps the goal titles as suggestions and empties the class, in one transaction.
    fn start_new_year(&self) -> Result<(usize, usize, BTreeMap<String, usize>)> {
        let names = self.class_names()?;
        let goals = self.goals(None)?;
        let now = self.now();
        let mut naming: HashSet<(&str, &str)> = HashSet::new();
        let (kept, cleared) = self.store().in_tx(|tx| {
            let mut kept = 0;
            for g in &goals {
                if names.names_anyone(&g.title) || names.names_anyone(&g.subject) {
                    naming.insert((&g.title, &g.subject));
                    continue;
                }
                if store::year::keep(tx, &g.title, &g.subject, now)? {
                    kept += 1;
                }
            }
            Ok((kept, store::year::clear(tx)?))
        })?;
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
    fn remove_year_files(&self) -> Result<usize> {
        let d = self.folders();
        let mut removed = 0;
        for dir in [
            d.originals(),
            d.copies(),
            d.outbox(),
            d.print(),
            d.exports(),
        ] {
            removed += empty_folder(&dir)?;
        }
        if crate::fsutil::remove_if_present(&d.copies_index(), "remove the photo copies index")? {
            removed += 1;
        }
        Ok(removed)
    }
}

/// Removes everything inside `dir` (a folder not there is fine); returns how many files.
fn empty_folder(dir: &Path) -> Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io("read the folder", dir, e)),
    };
    let mut n = 0;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
        let path = entry.path();
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if is_dir {
            n += empty_folder(&path)?;
            std::fs::remove_dir(&path).map_err(|e| Error::io("remove the folder", &path, e))?;
        } else if crate::fsutil::remove_if_present(&path, "remove last year's file")? {
            n += 1;
        }
    }
    Ok(n)
}
