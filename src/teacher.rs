//! Views and operations of the teacher's window that the CLI does not need in this shape:
//! the class at a glance, goals by student, a photo for review, and backups and exports
//! kept in known folders of the data folder (the window offers no free file paths, so a
//! mistyped path cannot overwrite anything).

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::*;
use crate::{fsutil, photo, store, validate, Goalpost};

/// One student with everything the Class screen shows about them.
#[derive(Debug, Clone, Serialize)]
pub struct StudentRow {
    #[serde(flatten)]
    pub student: Student,
    /// Every purpose, with the recorded answer (`None`: never asked, counts as refused).
    pub consents: Vec<ConsentCell>,
    pub contacts: Vec<StudentContact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsentCell {
    pub purpose: Purpose,
    pub granted: Option<bool>,
    pub given_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StudentContact {
    pub contact_id: ContactId,
    pub name: String,
    pub relationship: String,
    pub language: String,
    pub channel: Channel,
    pub email: Option<String>,
}

/// The Class screen.
#[derive(Debug, Clone, Serialize)]
pub struct ClassOverview {
    pub class: ClassInfo,
    pub students: Vec<StudentRow>,
    pub contacts: Vec<Contact>,
}

/// The Goals screen: each student with their goals.
#[derive(Debug, Clone, Serialize)]
pub struct StudentGoals {
    pub student_id: StudentId,
    pub display_name: String,
    pub goals: Vec<Goal>,
}

/// What the teacher window shows even while locked: which class, in which language.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClassTitle {
    pub school: String,
    pub class_name: String,
    pub language: String,
}

/// A backup file in `<data>/backups` (or in `backup.dir`).
#[derive(Debug, Clone, Serialize)]
pub struct BackupFile {
    pub name: String,
    pub path: PathBuf,
    pub bytes: u64,
    /// `manual` (made by the teacher), `automatic` (daily, rotated), `before_restore`,
    /// `before_migration`, or `database` (an old database-only backup).
    pub kind: &'static str,
}

impl BackupFile {
    /// The kind of a backup from its file name (see [`BackupFile::kind`]).
    pub fn kind_of(name: &str) -> &'static str {
        if name.ends_with(".sqlite3") {
            "database"
        } else if crate::backup::auto::daily_day(name).is_some() {
            "automatic"
        } else if name.starts_with("before-restore-") {
            "before_restore"
        } else if name.starts_with("before-migration-") {
            "before_migration"
        } else {
            "manual"
        }
    }
}

/// The folders the teacher window can open in the file manager: known ones only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Folder {
    /// The class blog (`blog.dir`).
    Blog,
    /// The blog's theme: templates and `style.css` that replace the built-in ones (opening
    /// it also writes reference copies of the built-in ones into `built-in/`).
    Theme,
    /// Backups of the class database.
    Backups,
    /// Emails written as `.eml` files and paper slips.
    Outbox,
    /// Roster exports.
    Exports,
}

impl Goalpost {
    /// The folder's path, created if it does not exist yet so that it can be opened.
    pub fn folder(&self, which: Folder) -> Result<PathBuf> {
        let dir = match which {
            Folder::Blog => self.blog_dir()?,
            Folder::Theme => crate::blog::theme_dir(self.data_dir()),
            Folder::Backups => self.folders().backups(),
            Folder::Outbox => self.folders().outbox(),
            Folder::Exports => self.folders().exports(),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the folder", &dir, e))?;
        if which == Folder::Theme {
            // What a theme can replace, in reach of whoever opens the folder.
            crate::blog::write_theme_reference(&dir)?;
        }
        Ok(dir)
    }

    pub fn class_title(&self) -> Result<ClassTitle> {
        let c = self.class()?;
        Ok(ClassTitle {
            school: c.school,
            class_name: c.class_name,
            language: c.language,
        })
    }

    pub fn class_overview(&self) -> Result<ClassOverview> {
        let class = self.class()?;
        let conn = self.store().conn();
        let contacts = store::contacts::list(conn)?;
        let consents = store::consent::all(conn)?;
        let students = self
            .students()?
            .into_iter()
            .map(|s| {
                let set = consents.get(&s.id).cloned().unwrap_or_default();
                StudentRow {
                    consents: Purpose::ALL
                        .into_iter()
                        .map(|p| ConsentCell {
                            purpose: p,
                            granted: set.get(p).map(|c| c.granted),
                            given_by: set.get(p).map(|c| c.given_by.clone()),
                        })
                        .collect(),
                    contacts: contacts
                        .iter()
                        .flat_map(|c| {
                            c.students.iter().filter(|l| l.student_id == s.id).map(|l| {
                                StudentContact {
                                    contact_id: c.id,
                                    name: c.name.clone(),
                                    relationship: l.relationship.clone(),
                                    language: c.language.clone(),
                                    channel: c.channel,
                                    email: c.email.clone(),
                                }
                            })
                        })
                        .collect(),
                    student: s,
                }
            })
            .collect();
        Ok(ClassOverview {
            class,
            students,
            contacts,
        })
    }

    /// Every student with their goals, current first.
    pub fn goals_by_student(&self) -> Result<Vec<StudentGoals>> {
        let all = self.goals(None)?;
        Ok(self
            .students()?
            .into_iter()
            .map(|s| {
                let mut goals: Vec<Goal> = all
                    .iter()
                    .filter(|g| g.student_id == s.id)
                    .cloned()
                    .collect();
                goals.sort_by_key(|g| (g.status != GoalStatus::Current, g.id));
                StudentGoals {
                    student_id: s.id,
                    display_name: s.display_name,
                    goals,
                }
            })
            .collect())
    }

    /// Gives one goal to several students at once: all of them or, if one is unknown, none.
    pub fn add_goal_to_many(
        &self,
        students: &[StudentId],
        title: &str,
        subject: &str,
    ) -> Result<Vec<Goal>> {
        if students.is_empty() {
            return Err(Error::invalid("choose at least one student for the goal"));
        }
        for &s in students {
            self.student(s)?;
        }
        let title = validate::line("goal title", title, crate::learning::MAX_TITLE_CHARS)?;
        if title.is_empty() {
            return Err(Error::invalid(
                "the goal title is empty: write it as \"I can ...\"",
            ));
        }
        let subject = validate::line("subject", subject, 100)?;
        let now = self.now();
        let ids = self.store().in_tx(|tx| {
            students
                .iter()
                .map(|&s| store::goals::insert(tx, s, &title, &subject, now))
                .collect::<Result<Vec<_>>>()
        })?;
        ids.into_iter().map(|id| self.goal(id)).collect()
    }

    /// The private original photo of an evidence, for the teacher's review only.
    pub fn evidence_photo(&self, id: EvidenceId) -> Result<Vec<u8>> {
        let e = self.evidence(id)?;
        let hash = e
            .photo_hash
            .ok_or_else(|| Error::not_found(format!("evidence {id} has no photo")))?;
        let path = photo::original_path(self.data_dir(), &hash);
        match std::fs::read(&path) {
            Ok(b) => Ok(b),
            // Removed by `photo.keep_originals_days`: its web copy is what is left.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let copy = photo::copy_path(self.data_dir(), &hash, photo::Size::Web);
                std::fs::read(&copy).map_err(|_| Error::io("read the photo", path, e))
            }
            Err(e) => Err(Error::io("read the photo", path, e)),
        }
    }

    /// Writes the roster CSV into `<data>/exports/` and returns where.
    pub fn export_roster_to_exports(&self) -> Result<PathBuf> {
        let mut buf = Vec::new();
        self.export_roster(&mut buf)?;
        let dir = self.folders().exports();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the folder", &dir, e))?;
        let path = dir.join(format!("roster-{}.csv", self.now().format("%Y%m%d-%H%M%S")));
        fsutil::write_atomic(&path, &buf)?;
        Ok(path)
    }

    /// Makes a backup in `<data>/backups/` and returns it.
    pub fn backup_to_backups(&self) -> Result<BackupFile> {
        let dir = self.folders().backups();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the folder", &dir, e))?;
        let name = format!(
            "goalpost-{}.{}",
            self.now().format("%Y%m%d-%H%M%S"),
            crate::backup::EXTENSION
        );
        let path = self.backup_new(&dir.join(&name))?.path;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(name);
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        Ok(BackupFile {
            kind: BackupFile::kind_of(&name),
            name,
            path,
            bytes,
        })
    }

    /// The folders backups are listed from: `<data>/backups/`, and `backup.dir` when it
    /// names another.
    pub(crate) fn backup_folders(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.folders().backups()];
        if let Some(d) = self.config().ok().and_then(|c| c.backup_dir) {
            // Not another class's folder: its backups are not this class's.
            if !dirs.contains(&d)
                && !crate::backup::auto::another_classs_folder(self.store().conn(), &d)
            {
                dirs.push(d);
            }
        }
        dirs
    }

    /// The backups in `<data>/backups/` and `backup.dir` (`.goalpost` archives, and old
    /// `.sqlite3` database-only ones), newest first.
    pub fn backup_files(&self) -> Result<Vec<BackupFile>> {
        let mut out = Vec::new();
        for dir in self.backup_folders() {
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io("read the folder", dir, e)),
            };
            for entry in rd {
                let entry = entry.map_err(|e| Error::io("read the folder", &dir, e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let ours = name.ends_with(".sqlite3")
                    || name.ends_with(&format!(".{}", crate::backup::EXTENSION));
                if !ours || name.starts_with('.') || out.iter().any(|b: &BackupFile| b.name == name)
                {
                    continue;
                }
                let bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
                out.push(BackupFile {
                    path: entry.path(),
                    kind: BackupFile::kind_of(&name),
                    name,
                    bytes,
                });
            }
        }
        let modified = |b: &BackupFile| std::fs::metadata(&b.path).and_then(|m| m.modified()).ok();
        out.sort_by(|a, b| modified(b).cmp(&modified(a)).then(b.name.cmp(&a.name)));
        Ok(out)
    }

    /// Restores one of the backups [`Goalpost::backup_files`] lists, named by its file name.
    pub fn restore_backup_named(&mut self, name: &str) -> Result<crate::backup::RestoreReport> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::invalid(format!(
                "{name:?} is not a backup in the backups folder: choose one from the list"
            )));
        }
        let path = self
            .backup_folders()
            .into_iter()
            .map(|d| d.join(name))
            .find(|p| p.is_file())
            .unwrap_or_else(|| self.folders().backups().join(name));
        self.restore(&path)
    }
}

#[cfg(test)]
mod tests {

    use crate::demo::test_demo as demo;

    #[test]
    fn the_overview_has_every_student_with_all_four_consents() {
        let (_d, gp) = demo();
        let o = gp.class_overview().unwrap();
        assert_eq!(o.class.class_name, "Room 7");
        assert_eq!(o.students.len(), 6);
        assert!(o.students.iter().all(|s| s.consents.len() == 4));
        assert!(o.students.iter().any(|s| !s.contacts.is_empty()));
    }

    #[test]
    fn a_goal_for_many_is_all_or_nothing() {
        let (_d, gp) = demo();
        let ids: Vec<_> = gp.students().unwrap().iter().map(|s| s.id).collect();
        let before = gp.goals(None).unwrap().len();
        assert!(gp
            .add_goal_to_many(&[ids[0], 9999], "I can skip count", "Maths")
            .is_err());
        assert_eq!(gp.goals(None).unwrap().len(), before);
        let made = gp
            .add_goal_to_many(&ids[..3], "I can skip count", "Maths")
            .unwrap();
        assert_eq!(made.len(), 3);
        assert_eq!(gp.goals(None).unwrap().len(), before + 3);
    }

    #[test]
    fn backups_are_listed_and_restored_by_name_only() {
        let (_d, mut gp) = demo();
        let b = gp.backup_to_backups().unwrap();
        assert!(b.path.is_file());
        let list = gp.backup_files().unwrap();
        assert_eq!(list.len(), 1);
        assert!(gp.restore_backup_named("../goalpost.sqlite3").is_err());
        gp.restore_backup_named(&b.name).unwrap();
    }

    #[test]
    fn the_roster_export_lands_in_the_exports_folder() {
        let (d, gp) = demo();
        let p = gp.export_roster_to_exports().unwrap();
        assert!(p.starts_with(d.path().join("exports")));
        let text = std::fs::read_to_string(p).unwrap();
        assert!(text.contains("student_first_name"));
    }
}
