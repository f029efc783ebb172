//! The data folder's layout: every file and folder Goalpost keeps in a class's data folder,
//! named in one place.
//!
//! ```text
//! goalpost.sqlite3        the class database (see `store`)
//! sync.lock               the class lock, held by whatever writes the output or sends
//!                         (see `lock`; named when only a sync took it)
//! publish.pending         the blog has changes the web server has not seen yet
//! publish.running         those changes, while the publish command runs
//! erasures                students erased, one JSON line each (see `erasure`)
//! photos/originals/       private originals, named by content hash
//! photos/copies/          the re-encoded web copies, the only form a photo leaves in
//! cache/                  what can be made again: the copies index, the blog's page memos
//! blog/                   the class blog, unless `blog.dir` names another folder
//! theme/                  the teacher's templates and style sheet for the blog
//! i18n/                   the teacher's own catalogs (`i18n/<lang>/<domain>.ftl`)
//! outbox/                 emails as `.eml` files when no mail server is set
//! print/                  slips and goal sheets to print
//! backups/                whole-class backups (`.goalpost`, see `backup`): the teacher's,
//!                         `auto-YYYY-MM-DD` ones (unless `backup.dir` names another
//!                         folder), `before-restore-*` and `before-migration-*` copies;
//!                         older `.sqlite3` database-only ones
//! .goalpost-restore-*/    a restore's staging folder, while it runs
//! exports/                roster exports
//! ```
//!
//! Names here are part of what a school relies on (backups are copied, folders opened from
//! the window): add, never rename.

use std::path::{Path, PathBuf};

/// A class's data folder, and the paths of what it holds. It borrows the folder's path, so
/// any code given that path can name its parts.
#[derive(Debug, Clone, Copy)]
pub struct DataDir<'a>(&'a Path);

impl<'a> DataDir<'a> {
    pub fn new(path: &'a Path) -> Self {
        DataDir(path)
    }

    pub fn path(self) -> &'a Path {
        self.0
    }

    /// The class database.
    pub fn database(self) -> PathBuf {
        self.0.join(crate::store::DB_FILE)
    }

    /// The class lock's file (see `lock`). It keeps the name it had when only a sync took
    /// it, so that an older Goalpost and this one exclude each other.
    pub fn class_lock(self) -> PathBuf {
        self.0.join("sync.lock")
    }

    /// A mark that says the blog folder has changes the web server has not seen yet: made
    /// before a build changes the folder, it outlives a failed publish or a killed command,
    /// so the next sync publishes again (see `publish`).
    pub fn publish_pending(self) -> PathBuf {
        self.0.join("publish.pending")
    }

    /// [`DataDir::publish_pending`] taken by a publish command that is running (or that
    /// did not succeed): a build meanwhile makes a new `publish.pending`.
    pub fn publish_running(self) -> PathBuf {
        self.0.join("publish.running")
    }

    /// The list of erasures.
    pub fn erasures(self) -> PathBuf {
        self.0.join("erasures")
    }

    /// Private photo originals.
    pub fn originals(self) -> PathBuf {
        self.0.join("photos").join("originals")
    }

    /// The web copies of photos (a cache: deleting it only costs time).
    pub fn copies(self) -> PathBuf {
        self.0.join("photos").join("copies")
    }

    /// Files that can be made again from the rest.
    fn cache(self) -> PathBuf {
        self.0.join("cache")
    }

    /// The index of the photo copies made (see `photo`).
    pub fn copies_index(self) -> PathBuf {
        self.cache().join("photo-copies")
    }

    /// What the blog's pages in the blog folder known by `id` were made from (see
    /// `blog::memo`).
    pub fn blog_memo(self, id: &str) -> PathBuf {
        self.cache().join(format!("blog-pages-{id}"))
    }

    /// The blog folder when the setting `blog.dir` names none.
    pub fn default_blog(self) -> PathBuf {
        self.0.join("blog")
    }

    /// The blog's theme: templates and `style.css` that replace the built-in ones.
    pub fn theme(self) -> PathBuf {
        self.0.join("theme")
    }

    /// The teacher's own catalogs.
    pub fn i18n(self) -> PathBuf {
        self.0.join("i18n")
    }

    /// Where `.eml` files are written when no mail server is configured.
    pub fn outbox(self) -> PathBuf {
        self.0.join("outbox")
    }

    /// Printable slips and goal sheets.
    pub fn print(self) -> PathBuf {
        self.0.join("print")
    }

    /// Backups of the class (see `backup`), automatic ones too unless `backup.dir` is set.
    pub fn backups(self) -> PathBuf {
        self.0.join("backups")
    }

    /// Roster exports.
    pub fn exports(self) -> PathBuf {
        self.0.join("exports")
    }
}
