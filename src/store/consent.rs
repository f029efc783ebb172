//! The `consents` table (current answers) and `consent_history` (every change).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{Consent, ConsentSet, Purpose, StudentId};

fn purpose(s: String) -> rusqlite::Result<Purpose> {
    s.parse().map_err(|e: Error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub fn for_student(conn: &Connection, student: StudentId) -> Result<ConsentSet> {
    Ok(all(conn)?.remove(&student).unwrap_or_default())
}

/// Every student's consents.
pub fn all(conn: &Connection) -> Result<HashMap<StudentId, ConsentSet>> {
    let mut stmt = conn.prepare(
        "SELECT student_id, purpose, granted, given_by, given_at FROM consents ORDER BY student_id, purpose",
    )?;
    let mut out: HashMap<StudentId, ConsentSet> = HashMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?).or_default().records.push(Consent {
            purpose: purpose(r.get(1)?)?,
            granted: r.get(2)?,
            given_by: r.get(3)?,
            given_at: r.get(4)?,
        });
    }
    Ok(out)
}

/// Records an answer. An answer equal to the current one changes nothing (so a re-imported
/// roster leaves no trace); a different one is stored and added to the history.
pub fn set(
    conn: &Connection,
    student: StudentId,
    p: Purpose,
    granted: bool,
    given_by: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let current: Option<bool> = conn
        .query_row(
            "SELECT granted FROM consents WHERE student_id = ?1 AND purpose = ?2",
            params![student, p.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if current == Some(granted) {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO consents (student_id, purpose, granted, given_by, given_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (student_id, purpose) DO UPDATE SET granted = ?3, given_by = ?4, given_at = ?5",
        params![student, p.as_str(), granted, given_by, now],
    )?;
    conn.execute(
        "INSERT INTO consent_history (student_id, purpose, granted, given_by, given_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![student, p.as_str(), granted, given_by, now],
    )?;
    Ok(true)
}
