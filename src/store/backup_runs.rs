//! The `backup_runs` table: one row per automatic backup, ok or not (issue 15).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;

/// An automatic backup as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupRun {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub file: Option<String>,
    pub ok: bool,
    pub error: Option<String>,
    pub bytes: Option<i64>,
}

pub fn record(conn: &Connection, r: &BackupRun) -> Result<()> {
    conn.execute(
        "INSERT INTO backup_runs (at, kind, file, ok, error, bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![r.at, r.kind, r.file, r.ok, r.error, r.bytes],
    )?;
    Ok(())
}

/// The latest automatic backup, if any.
pub fn last(conn: &Connection) -> Result<Option<BackupRun>> {
    Ok(conn
        .query_row(
            "SELECT at, kind, file, ok, error, bytes FROM backup_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok(BackupRun {
                    at: super::time_at(r, 0)?,
                    kind: r.get(1)?,
                    file: r.get(2)?,
                    ok: r.get(3)?,
                    error: r.get(4)?,
                    bytes: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// The folders automatic backups were written to, as recorded (the teacher may have moved
/// `backup.dir` since), oldest first, each once.
pub fn folders(conn: &Connection) -> Result<Vec<std::path::PathBuf>> {
    let mut stmt =
        conn.prepare("SELECT file FROM backup_runs WHERE ok AND file IS NOT NULL ORDER BY id")?;
    let files = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out: Vec<std::path::PathBuf> = Vec::new();
    for f in files {
        if let Some(dir) = std::path::Path::new(&f?).parent() {
            if !out.iter().any(|d| d == dir) {
                out.push(dir.to_path_buf());
            }
        }
    }
    Ok(out)
}
