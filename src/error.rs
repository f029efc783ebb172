//! The one error type of the core.
//!
//! Every message names the problem and, where there is one, the fix, in words a teacher
//! can act on. Each error has a [`ErrorKind`] so that the desktop window and scripts can
//! react without matching strings; at the IPC edge it serialises as `{kind, message}`.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, as a stable word for the UI and for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input was wrong: fix it and try again.
    Invalid,
    /// The thing asked for does not exist.
    NotFound,
    /// A name matched more than one thing.
    Ambiguous,
    /// The thing already exists or clashes with another.
    Conflict,
    /// The data folder is missing, not set up, or from a newer Goalpost.
    DataFolder,
    /// Another operation holds a lock (for example a sync is running).
    Busy,
    /// A photo was refused.
    Photo,
    /// The mail server or the outbox failed.
    Mail,
    /// Reading or writing a file failed.
    Io,
    /// The database failed.
    Database,
    /// A window asked for something it may not do.
    Forbidden,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{what} matches more than one: {candidates}. Use the id instead.")]
    Ambiguous { what: String, candidates: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    DataFolder(String),
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    Roster(RosterProblems),
    #[error("{0}")]
    Photo(String),
    #[error("{0}")]
    Mail(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("CSV error: {0}")]
    Csv(#[from] csv::Error),
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) | Error::Roster(_) | Error::Csv(_) | Error::Json(_) => {
                ErrorKind::Invalid
            }
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Ambiguous { .. } => ErrorKind::Ambiguous,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::DataFolder(_) => ErrorKind::DataFolder,
            Error::Busy(_) => ErrorKind::Busy,
            Error::Photo(_) => ErrorKind::Photo,
            Error::Mail(_) => ErrorKind::Mail,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::Io { .. } => ErrorKind::Io,
            Error::Database(_) | Error::Migration(_) => ErrorKind::Database,
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// One bad row of a roster file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub line: u64,
    pub message: String,
}

/// Every bad row of a roster file; nothing was imported (see `crate::roster`).
#[derive(Debug, Clone, Serialize)]
pub struct RosterProblems {
    pub file: String,
    pub problems: Vec<RowProblem>,
}

impl fmt::Display for RosterProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{} has {n} bad row{}; nothing was imported. Fix {} and import again:",
            self.file,
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        )?;
        for p in &self.problems {
            if p.line == 0 {
                write!(f, "\n  {}", p.message)?;
            } else {
                write!(f, "\n  line {}: {}", p.line, p.message)?;
            }
        }
        Ok(())
    }
}

/// The shape an error takes when it crosses to the desktop window or a `--json` script.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorReport {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<&Error> for ErrorReport {
    fn from(e: &Error) -> Self {
        ErrorReport {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ErrorReport::from(self).serialize(s)
    }
}
