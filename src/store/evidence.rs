//! The `evidence` table: what a student submitted, and the teacher's review of it.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};

use crate::error::{Error, Result};
use crate::model::{Evidence, EvidenceId, GoalId, ReviewStatus, StudentId};

const COLUMNS: &str = "id, student_id, goal_id, photo_hash, words, family_message, status,
    submitted_at, reviewed_by, reviewed_at, return_reason";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Evidence> {
    let status: String = r.get(6)?;
    Ok(Evidence {
        id: r.get(0)?,
        student_id: r.get(1)?,
        goal_id: r.get(2)?,
        photo_hash: r.get(3)?,
        words: r.get(4)?,
        family_message: r.get(5)?,
        status: ReviewStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                6,
                rusqlite::types::Type::Text,
                Box::new(Error::invalid(format!("unknown review status {status}"))),
            )
        })?,
        submitted_at: super::time_at(r, 7)?,
        reviewed_by: r.get(8)?,
        reviewed_at: super::opt_time_at(r, 9)?,
        return_reason: r.get(10)?,
    })
}

pub struct NewEvidence<'a> {
    pub student: StudentId,
    pub goal: GoalId,
    pub photo_hash: Option<&'a str>,
    pub words: &'a str,
    pub family_message: &'a str,
}

pub fn insert(conn: &Connection, e: &NewEvidence<'_>, now: DateTime<Utc>) -> Result<EvidenceId> {
    conn.execute(
        "INSERT INTO evidence (student_id, goal_id, photo_hash, words, family_message, submitted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![e.student, e.goal, e.photo_hash, e.words, e.family_message, now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Evidence with the given status (or all), oldest first.
pub fn list(conn: &Connection, status: Option<ReviewStatus>) -> Result<Vec<Evidence>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM evidence WHERE (?1 IS NULL OR status = ?1) ORDER BY submitted_at, id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map([status.map(ReviewStatus::as_str)], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: EvidenceId) -> Result<Option<Evidence>> {
    let sql = format!("SELECT {COLUMNS} FROM evidence WHERE id = ?1");
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query_map([id], from_row)?;
    Ok(rows.next().transpose()?)
}

/// Records a review decision. `reason` is kept only for a returned evidence.
pub fn review(
    conn: &Connection,
    id: EvidenceId,
    status: ReviewStatus,
    reviewer: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE evidence SET status = ?2, reviewed_by = ?3, reviewed_at = ?4, return_reason = ?5 WHERE id = ?1",
        params![id, status.as_str(), reviewer, now, reason],
    )? > 0)
}

/// The teacher's edit of the words before approving (spelling, a private detail).
pub fn set_text(
    conn: &Connection,
    id: EvidenceId,
    words: &str,
    family_message: &str,
) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE evidence SET words = ?2, family_message = ?3 WHERE id = ?1",
        params![id, words, family_message],
    )? > 0)
}
