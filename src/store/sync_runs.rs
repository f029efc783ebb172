//! The `sync_runs` table: one row per sync, with its summary as JSON for the teacher.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;

pub fn start(conn: &Connection, dry_run: bool, now: DateTime<Utc>) -> Result<i64> {
    conn.execute(
        "INSERT INTO sync_runs (started_at, dry_run) VALUES (?1, ?2)",
        params![now, dry_run],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn finish(
    conn: &Connection,
    id: i64,
    ok: bool,
    summary_json: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE sync_runs SET finished_at = ?2, status = ?3, summary = ?4 WHERE id = ?1",
        params![id, now, if ok { "ok" } else { "failed" }, summary_json],
    )?;
    Ok(())
}

/// Runs left `running` by a sync that was killed: marked failed so the history is honest.
pub fn close_abandoned(conn: &Connection, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE sync_runs SET status = 'failed', finished_at = ?1,
             summary = coalesce(summary, '{\"error\":\"interrupted\"}')
         WHERE status = 'running'",
        params![now],
    )?)
}

/// The last finished run's summary JSON, if any.
pub fn last_summary(conn: &Connection) -> Result<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            "SELECT id, summary FROM sync_runs WHERE status != 'running' AND summary IS NOT NULL
             ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
