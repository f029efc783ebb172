//! Goalpost core: the class database and every operation on it.
//!
//! [`Goalpost::open`] is the one way in, shared by the `goalpost` CLI, the desktop app and
//! the tests. Nothing here knows about windows or Tauri; nothing outside `store` knows SQL.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

pub mod auth;
pub mod backup;
pub mod blog;
pub mod class;
pub mod cli;
pub mod config;
pub mod data_dir;
pub mod demo;
pub mod erasure;
pub mod error;
pub mod families;
pub mod fsutil;
pub mod i18n;
pub mod learning;
pub mod lock;
pub mod mail;
pub mod mentions;
pub mod model;
pub mod notes;
pub mod photo;
pub mod plan;
pub mod portfolio;
pub mod publish;
pub mod roster;
pub mod station;
pub mod store;
pub mod sync;
pub mod teacher;
pub mod terminal;
pub mod validate;

pub use data_dir::DataDir;
pub use error::{Error, ErrorKind, Result};
pub use model::*;

use store::Store;

/// The identifier the desktop app is bundled under; the default data folder is named after it
/// so that the CLI and the app find the same class.
pub const APP_IDENTIFIER: &str = "org.goalpost.app";

/// Environment variable that names the data folder when `--data-dir` is not given.
pub const DATA_DIR_ENV: &str = "GOALPOST_DATA_DIR";

/// The data folder to use: the one given, else `GOALPOST_DATA_DIR`, else the per-user
/// application data folder of the OS (the same one the desktop app uses).
pub fn resolve_data_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = given {
        return Ok(d);
    }
    if let Some(d) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    default_data_dir()
}

/// `<OS data folder>/org.goalpost.app`, as Tauri's `app_data_dir` gives it.
pub fn default_data_dir() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|d| d.join(APP_IDENTIFIER))
        .ok_or_else(|| {
            Error::DataFolder(
                "this system has no per-user data folder: pass --data-dir or set GOALPOST_DATA_DIR"
                    .into(),
            )
        })
}

/// Where "now" comes from. Fixed in tests (and by `GOALPOST_NOW` for reproducible runs), so
/// that everything derived from the clock is deterministic.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed: Option<DateTime<Utc>>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { fixed: None }
    }

    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock { fixed: Some(at) }
    }

    /// `GOALPOST_NOW` (RFC 3339) if set and valid, else the system clock.
    pub fn from_env() -> Result<Self> {
        match std::env::var("GOALPOST_NOW") {
            Ok(v) if !v.is_empty() => {
                let at = DateTime::parse_from_rfc3339(&v).map_err(|e| {
                    Error::invalid(format!(
                        "GOALPOST_NOW={v:?} is not an RFC 3339 time ({e}): use e.g. 2026-11-20T09:00:00Z or unset it"
                    ))
                })?;
                Ok(Clock::fixed(at.with_timezone(&Utc)))
            }
            _ => Ok(Clock::system()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(Utc::now)
    }
}

/// An open class: the data folder and its database.
pub struct Goalpost {
    dir: PathBuf,
    store: Store,
    clock: Clock,
}

impl Goalpost {
    /// Opens the class in an existing data folder and brings its database up to date.
    pub fn open(dir: impl AsRef<Path>) -> Result<Goalpost> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(Error::DataFolder(format!(
                "the data folder {} does not exist: run `goalpost init` (or `goalpost demo`) to create a class there, or pass the right --data-dir",
                dir.display()
            )));
        }
        let db = DataDir::new(dir).database();
        if !db.is_file() {
            return Err(Error::DataFolder(format!(
                "{} holds no Goalpost class: run `goalpost init` (or `goalpost demo`) there first, or pass the right --data-dir",
                dir.display()
            )));
        }
        Self::open_db(dir, false)
    }

    /// Opens the data folder, creating it and an empty database if needed.
    pub fn create(dir: impl AsRef<Path>) -> Result<Goalpost> {
        let dir = dir.as_ref();
        // The data folder and the database are the teacher's alone (0700 / 0600 on unix);
        // the blog folder inside opens itself to readers (see crate::blog).
        fsutil::private_dir(dir)?;
        fsutil::create_private_file(&DataDir::new(dir).database())?;
        Self::open_db(dir, true)
    }

    fn open_db(dir: &Path, create: bool) -> Result<Goalpost> {
        // A migration about to change an existing class: back it up as it is first.
        if let Some((conn, version)) = backup::auto::needs_migration(&DataDir::new(dir).database())
        {
            backup::auto::before_migration(dir, &conn, version)?;
        }
        let store = Store::open(&DataDir::new(dir).database(), create)?;
        let gp = Goalpost {
            dir: dir.to_path_buf(),
            store,
            clock: Clock::system(),
        };
        // Best effort: a damaged erasure list is reported by the next sync and restore,
        // which read it again; it must not keep the class from opening.
        let _ = gp.keep_erased_ids();
        Ok(gp)
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    /// The data folder with the names of what it holds.
    pub fn folders(&self) -> DataDir<'_> {
        DataDir::new(&self.dir)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The class of this data folder; an error that says how to create one if there is none.
    pub fn class(&self) -> Result<ClassInfo> {
        store::class::get(self.store.conn())?.ok_or_else(|| {
            Error::DataFolder(format!(
                "{} holds no class yet: run `goalpost init --school ... --class ... --teacher ... --teacher-email ...` or `goalpost demo`",
                self.dir.display()
            ))
        })
    }
}
