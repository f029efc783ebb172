//! The `students` table, and the one place display names are worked out.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;
use crate::model::{Student, StudentId};

/// A row as stored, before display names are worked out over the whole class.
struct Row {
    id: StudentId,
    first_name: String,
    last_name: String,
    pseudonym: Option<String>,
}

/// Every student, ordered by first then last name, with display names.
pub fn list(conn: &Connection) -> Result<Vec<Student>> {
    let mut stmt = conn.prepare(
        "SELECT id, first_name, last_name, pseudonym FROM students
         ORDER BY first_name COLLATE NOCASE, last_name COLLATE NOCASE, id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Row {
                id: r.get(0)?,
                first_name: r.get(1)?,
                last_name: r.get(2)?,
                pseudonym: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(with_display_names(rows))
}

pub fn get(conn: &Connection, id: StudentId) -> Result<Option<Student>> {
    Ok(list(conn)?.into_iter().find(|s| s.id == id))
}

/// Display names: the first name; with the last name's initial when two share a first
/// name; numbered if even that collides; a pseudonym always wins. Never the last name.
fn with_display_names(rows: Vec<Row>) -> Vec<Student> {
    let key = |s: &str| s.to_lowercase();
    let mut by_first: HashMap<String, usize> = HashMap::new();
    for r in rows.iter().filter(|r| r.pseudonym.is_none()) {
        *by_first.entry(key(&r.first_name)).or_default() += 1;
    }
    let mut first_pass: Vec<String> = rows
        .iter()
        .map(|r| match &r.pseudonym {
            Some(p) => p.clone(),
            None if by_first.get(&key(&r.first_name)).copied().unwrap_or(0) > 1 => {
                match r.last_name.chars().next() {
                    Some(i) => format!("{} {}.", r.first_name, i.to_uppercase()),
                    None => r.first_name.clone(),
                }
            }
            None => r.first_name.clone(),
        })
        .collect();
    // Number any remaining collisions in id order so names stay stable as the class grows.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].id);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in order {
        let n = seen.entry(key(&first_pass[i])).or_default();
        *n += 1;
        if *n > 1 {
            first_pass[i] = format!("{} {}", first_pass[i], n);
        }
    }
    rows.into_iter()
        .zip(first_pass)
        .map(|(r, display_name)| Student {
            id: r.id,
            first_name: r.first_name,
            last_name: r.last_name,
            pseudonym: r.pseudonym,
            display_name,
        })
        .collect()
}

pub fn insert(
    conn: &Connection,
    first: &str,
    last: &str,
    pseudonym: Option<&str>,
    now: DateTime<Utc>,
) -> Result<StudentId> {
    conn.execute(
        "INSERT INTO students (first_name, last_name, pseudonym, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![first, last, pseudonym, now],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn update(
    conn: &Connection,
    id: StudentId,
    first: &str,
    last: &str,
    pseudonym: Option<&str>,
) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE students SET first_name = ?2, last_name = ?3, pseudonym = ?4 WHERE id = ?1",
        params![id, first, last, pseudonym],
    )? > 0)
}

/// Deletes the student and, through foreign keys, their goals, evidence, consents and links.
/// When the student was added, as stored: with the id, it names one student for good.
pub fn added_at(conn: &Connection, id: StudentId) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT created_at FROM students WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn delete(conn: &Connection, id: StudentId) -> Result<bool> {
    Ok(conn.execute("DELETE FROM students WHERE id = ?1", [id])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, f: &str, l: &str, p: Option<&str>) -> Row {
        Row {
            id,
            first_name: f.into(),
            last_name: l.into(),
            pseudonym: p.map(Into::into),
        }
    }

    #[test]
    fn display_names_add_an_initial_only_when_first_names_clash() {
        let s = with_display_names(vec![
            row(1, "Ana", "López", None),
            row(2, "ana", "Smith", None),
            row(3, "Mere", "Ngata", None),
            row(4, "Sam", "Lee", Some("Star")),
            row(5, "Ana", "Sione", None),
        ]);
        let names: Vec<_> = s.iter().map(|s| s.display_name.as_str()).collect();
        assert_eq!(names, ["Ana L.", "ana S.", "Mere", "Star", "Ana S. 2"]);
        assert!(s.iter().all(|s| !s.display_name.contains("López")));
    }
}
