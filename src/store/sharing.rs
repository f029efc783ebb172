//! The `sharing_times` table: informal times for families to come in and see the learning.
//!
//! A sharing time is never deleted: a cancelled one keeps its row (with `cancelled_at`), so
//! that the families who were invited get the cancellation with the same calendar UID.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::Result;
use crate::model::SharingTime;

const COLUMNS: &str = "id, starts_at, ends_at, title, place, note, sequence, cancelled_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SharingTime> {
    Ok(SharingTime {
        id: r.get(0)?,
        starts_at: r.get(1)?,
        ends_at: r.get(2)?,
        title: r.get(3)?,
        place: r.get(4)?,
        note: r.get(5)?,
        sequence: r.get(6)?,
        cancelled_at: r.get(7)?,
    })
}

fn select(conn: &Connection, filter: &str, p: impl rusqlite::Params) -> Result<Vec<SharingTime>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM sharing_times {filter} ORDER BY starts_at, id"
    ))?;
    let rows = stmt
        .query_map(p, from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

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

/// Sharing times not cancelled that have not ended by `now`, soonest first.
pub fn upcoming(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<SharingTime>> {
    select(
        conn,
        "WHERE cancelled_at IS NULL AND coalesce(ends_at, starts_at) >= ?1",
        [now],
    )
}

/// Sharing times that have not ended by `now`, cancelled ones included, soonest first:
/// those families may still hear about.
pub fn not_ended(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<SharingTime>> {
    select(conn, "WHERE coalesce(ends_at, starts_at) >= ?1", [now])
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<SharingTime>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM sharing_times WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Writes a changed sharing time with its sequence one higher.
pub fn update(conn: &Connection, t: &SharingTime) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE sharing_times SET starts_at = ?2, ends_at = ?3, title = ?4, place = ?5,
             sequence = sequence + 1
         WHERE id = ?1 AND cancelled_at IS NULL",
        params![t.id, t.starts_at, t.ends_at, t.title, t.place],
    )? > 0)
}

/// Cancels a sharing time (its sequence one higher). False when there is none to cancel.
pub fn cancel(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE sharing_times SET cancelled_at = ?2, sequence = sequence + 1
         WHERE id = ?1 AND cancelled_at IS NULL",
        params![id, now],
    )? > 0)
}
