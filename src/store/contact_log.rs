//! The `contact_log` table: every time a family was reached, automatically or by hand.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::Result;
use crate::model::ContactId;

/// How a family was reached (the `method` column).
pub const METHODS: [&str; 9] = [
    "email", "digest", "paper", "chat", "phone", "notebook", "visit", "meeting", "other",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub contact_id: ContactId,
    pub at: DateTime<Utc>,
    pub method: String,
    pub note: String,
    pub delivery_id: Option<i64>,
}

pub fn insert(
    conn: &Connection,
    contact: ContactId,
    at: DateTime<Utc>,
    method: &str,
    note: &str,
    delivery: Option<i64>,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO contact_log (contact_id, at, method, note, delivery_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![contact, at, method, note, delivery])?;
    Ok(conn.last_insert_rowid())
}

/// The log of one contact, or of everyone, newest first.
pub fn list(conn: &Connection, contact: Option<ContactId>) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(
        "SELECT id, contact_id, at, method, note, delivery_id FROM contact_log
         WHERE ?1 IS NULL OR contact_id = ?1 ORDER BY at DESC, id DESC",
    )?;
    let rows = stmt
        .query_map([contact], |r| {
            Ok(Entry {
                id: r.get(0)?,
                contact_id: r.get(1)?,
                at: r.get(2)?,
                method: r.get(3)?,
                note: r.get(4)?,
                delivery_id: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// How often and how lately one contact was reached: one row per contact in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reach {
    pub contact_id: ContactId,
    /// Every entry in the log (emails, digests, slips and contacts made by hand).
    pub times: usize,
    pub last_at: DateTime<Utc>,
    /// The method of the newest entry.
    pub last_method: String,
}

/// For every contact in the log: how many times they were reached, when and how last.
pub fn reach_by_contact(conn: &Connection) -> Result<Vec<Reach>> {
    let mut stmt = conn.prepare(
        "SELECT l.contact_id, count(*),
                (SELECT at FROM contact_log n WHERE n.contact_id = l.contact_id
                 ORDER BY at DESC, id DESC LIMIT 1),
                (SELECT method FROM contact_log n WHERE n.contact_id = l.contact_id
                 ORDER BY at DESC, id DESC LIMIT 1)
         FROM contact_log l GROUP BY l.contact_id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Reach {
                contact_id: r.get(0)?,
                times: r.get::<_, i64>(1)?.try_into().unwrap_or(usize::MAX),
                last_at: r.get(2)?,
                last_method: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Every entry made at or after `from`: (contact, when, method), oldest first. What the
/// Families screen's weekly strips are drawn from.
pub fn since(
    conn: &Connection,
    from: DateTime<Utc>,
) -> Result<Vec<(ContactId, DateTime<Utc>, String)>> {
    // Times compare as text a day early (a time written in another form than Goalpost's
    // still sorts by its date), then exactly.
    let mut stmt = conn
        .prepare("SELECT contact_id, at, method FROM contact_log WHERE at >= ?1 ORDER BY at, id")?;
    let rows = stmt
        .query_map([from - chrono::Duration::days(1)], |r| {
            Ok((r.get(0)?, super::time_at(r, 1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<Vec<(ContactId, DateTime<Utc>, String)>>>()?;
    Ok(rows.into_iter().filter(|(_, at, _)| *at >= from).collect())
}
