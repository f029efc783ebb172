//! The `goals` table: "I can ..." statements, current or achieved, with an optional next goal.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};

use crate::error::{Error, Result};
use crate::model::{Goal, GoalId, GoalStatus, StudentId};

const COLUMNS: &str =
    "id, student_id, title, subject, status, next_goal_id, achieved_at, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Goal> {
    let status: String = r.get(4)?;
    Ok(Goal {
        id: r.get(0)?,
        student_id: r.get(1)?,
        title: r.get(2)?,
        subject: r.get(3)?,
        status: GoalStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Text,
                Box::new(Error::invalid(format!("unknown goal status {status}"))),
            )
        })?,
        next_goal_id: r.get(5)?,
        achieved_at: super::opt_time_at(r, 6)?,
        created_at: super::time_at(r, 7)?,
    })
}

/// Goals of one student, or of everyone, in the order they were set.
pub fn list(conn: &Connection, student: Option<StudentId>) -> Result<Vec<Goal>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM goals WHERE (?1 IS NULL OR student_id = ?1) ORDER BY student_id, id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map([student], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: GoalId) -> Result<Option<Goal>> {
    let sql = format!("SELECT {COLUMNS} FROM goals WHERE id = ?1");
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query_map([id], from_row)?;
    Ok(rows.next().transpose()?)
}

pub fn insert(
    conn: &Connection,
    student: StudentId,
    title: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<GoalId> {
    conn.execute(
        "INSERT INTO goals (student_id, title, subject, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![student, title, subject, now],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn set_next(conn: &Connection, goal: GoalId, next: Option<GoalId>) -> Result<()> {
    conn.execute(
        "UPDATE goals SET next_goal_id = ?2 WHERE id = ?1",
        params![goal, next],
    )?;
    Ok(())
}

/// Marks a goal achieved (keeping the first achievement time) or current again.
pub fn set_status(
    conn: &Connection,
    goal: GoalId,
    status: GoalStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    match status {
        GoalStatus::Achieved => conn.execute(
            "UPDATE goals SET status = 'achieved', achieved_at = coalesce(achieved_at, ?2) WHERE id = ?1",
            params![goal, now],
        )?,
        GoalStatus::Current => conn.execute(
            "UPDATE goals SET status = 'current', achieved_at = NULL WHERE id = ?1",
            params![goal],
        )?,
    };
    Ok(())
}
