//! What carries from one school year to the next (`goalpost class archive`): the
//! `goal_suggestions` table, and emptying the class of every child and family while the
//! class itself, its settings and the suggestions stay.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::Result;

/// A goal title kept from an earlier year, offered when a goal is added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoalSuggestion {
    pub id: i64,
    pub title: String,
    pub subject: String,
    pub added_at: DateTime<Utc>,
}

/// Every suggestion, by subject then title.
pub fn suggestions(conn: &Connection) -> Result<Vec<GoalSuggestion>> {
    let mut stmt = conn.prepare(
        "SELECT id, title, subject, added_at FROM goal_suggestions
         ORDER BY lower(subject), lower(title), id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(GoalSuggestion {
                id: r.get(0)?,
                title: r.get(1)?,
                subject: r.get(2)?,
                added_at: super::time_at(r, 3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Keeps `(title, subject)` as a suggestion; one kept already is left as it is. Returns
/// whether it was new.
pub fn keep(conn: &Connection, title: &str, subject: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn.execute(
        "INSERT INTO goal_suggestions (title, subject, added_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (title, subject) DO NOTHING",
        params![title, subject, now],
    )? > 0)
}

/// The tables a new year starts without: every child, family, goal, evidence, note, photo,
/// delivery, contact log entry, sharing time and sync record. In an order that deletes
/// what refers to a row before the row (foreign keys stay on).
pub const CLEARED: [&str; 16] = [
    "delivery_items",
    // A child's own notes to their family and what carried them (issue 16, part 2).
    "delivery_notes",
    "family_notes",
    "deliveries",
    "contact_log",
    "evidence",
    "goals",
    "photos",
    "consent_history",
    "consents",
    "student_contacts",
    "contacts",
    "students",
    "sharing_times",
    "sync_runs",
    "pin_tries",
];

/// The tables a new year keeps: the class, its settings, the goal suggestions and the
/// record of automatic backups (dates, file names and errors: no child in it), and
/// SQLite's own `sqlite_sequence`, so that no id of last year is ever given again.
pub const KEPT: [&str; 4] = ["class", "settings", "goal_suggestions", "backup_runs"];

/// SQLite's `data_version`: it changes on this connection whenever another connection
/// commits a change to the database.
pub fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "data_version", |r| r.get(0))?)
}

/// Empties every table of [`CLEARED`]; returns how many rows each held.
pub fn clear(conn: &Connection) -> Result<Vec<(&'static str, usize)>> {
    CLEARED
        .iter()
        .map(|t| Ok((*t, conn.execute(&format!("DELETE FROM {t}"), [])?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table of the schema is either emptied for a new year or kept on purpose: a
    /// table added by a later migration and named in neither list would carry last year's
    /// children into the next one.
    #[test]
    fn every_table_is_either_cleared_or_kept() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrations().to_latest(&mut conn).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for t in &tables {
            let cleared = CLEARED.contains(&t.as_str());
            let kept = KEPT.contains(&t.as_str());
            assert!(
                cleared != kept,
                "table {t}: add it to year::CLEARED (children's data) or year::KEPT"
            );
        }
        for t in CLEARED.iter().chain(KEPT.iter()) {
            assert!(tables.iter().any(|n| n == t), "{t} is not a table");
        }
    }
}
