//! The `family_notes` table: a child's own note to their family, and the teacher's review.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::StudentId;

/// A note's id (never given twice).
pub type NoteId = i64;

/// Where a note stands: only an approved note is ever sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteStatus {
    Waiting,
    Approved,
    Rejected,
}

impl NoteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteStatus::Waiting => "waiting",
            NoteStatus::Approved => "approved",
            NoteStatus::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> Option<NoteStatus> {
        match s {
            "waiting" => Some(NoteStatus::Waiting),
            "approved" => Some(NoteStatus::Approved),
            "rejected" => Some(NoteStatus::Rejected),
            _ => None,
        }
    }
}

/// A child's note to their own family, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub id: NoteId,
    pub student_id: StudentId,
    /// The child's words, as written.
    pub text: String,
    pub status: NoteStatus,
    pub submitted_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, student_id, text, status, submitted_at, reviewed_by, reviewed_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Note> {
    let status: String = r.get(3)?;
    Ok(Note {
        id: r.get(0)?,
        student_id: r.get(1)?,
        text: r.get(2)?,
        status: NoteStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                Box::new(Error::invalid(format!("unknown note status {status}"))),
            )
        })?,
        submitted_at: super::time_at(r, 4)?,
        reviewed_by: r.get(5)?,
        reviewed_at: super::opt_time_at(r, 6)?,
    })
}

pub fn insert(
    conn: &Connection,
    student: StudentId,
    text: &str,
    now: DateTime<Utc>,
) -> Result<NoteId> {
    conn.execute(
        "INSERT INTO family_notes (student_id, text, submitted_at) VALUES (?1, ?2, ?3)",
        params![student, text, now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Notes with the given status (or all), oldest first.
pub fn list(conn: &Connection, status: Option<NoteStatus>) -> Result<Vec<Note>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM family_notes WHERE (?1 IS NULL OR status = ?1)
         ORDER BY submitted_at, id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map([status.map(NoteStatus::as_str)], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: NoteId) -> Result<Option<Note>> {
    let sql = format!("SELECT {COLUMNS} FROM family_notes WHERE id = ?1");
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query_map([id], from_row)?;
    Ok(rows.next().transpose()?)
}

/// Records the teacher's decision on a note; false if there is no such note.
pub fn review(
    conn: &Connection,
    id: NoteId,
    status: NoteStatus,
    reviewer: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE family_notes SET status = ?2, reviewed_by = ?3, reviewed_at = ?4 WHERE id = ?1",
        params![id, status.as_str(), reviewer, now],
    )? > 0)
}
