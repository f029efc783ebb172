//! The `sharing_times` table: informal times for families to come in and see the learning.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::error::Result;
use crate::model::SharingTime;

pub fn insert(
    conn: &Connection,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    title: &str,
    place: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO sharing_times (starts_at, ends_at, title, place, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![starts_at, ends_at, title, place, note, now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Sharing times that have not ended by `now`, soonest first.
pub fn upcoming(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<SharingTime>> {
    let mut stmt = conn.prepare(
        "SELECT id, starts_at, ends_at, title, place, note FROM sharing_times
         WHERE coalesce(ends_at, starts_at) >= ?1 ORDER BY starts_at, id",
    )?;
    let rows = stmt
        .query_map([now], |r| {
            Ok(SharingTime {
                id: r.get(0)?,
                starts_at: r.get(1)?,
                ends_at: r.get(2)?,
                title: r.get(3)?,
                place: r.get(4)?,
                note: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn delete(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn.execute("DELETE FROM sharing_times WHERE id = ?1", [id])? > 0)
}
