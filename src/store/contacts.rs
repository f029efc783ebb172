//! The `contacts` and `student_contacts` tables: the adults who hear about a student.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::model::{Channel, Contact, ContactId, ContactLink, StudentId};

/// The fields of a contact that a person sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFields {
    pub name: String,
    pub email: Option<String>,
    pub language: String,
    pub channel: Channel,
}

fn channel(s: String) -> rusqlite::Result<Channel> {
    s.parse().map_err(|e: Error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Every contact with their links, ordered by name. Display names come from `students`.
pub fn list(conn: &Connection) -> Result<Vec<Contact>> {
    let names: HashMap<StudentId, String> = super::students::list(conn)?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    let mut links: HashMap<ContactId, Vec<ContactLink>> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT contact_id, student_id, relationship, linked_at FROM student_contacts ORDER BY contact_id, student_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let sid: StudentId = r.get(1)?;
            links.entry(r.get(0)?).or_default().push(ContactLink {
                student_id: sid,
                display_name: names.get(&sid).cloned().unwrap_or_default(),
                relationship: r.get(2)?,
                linked_at: r.get(3)?,
            });
        }
    }
    let mut stmt = conn.prepare(
        "SELECT id, name, email, language, channel, email_error FROM contacts
         ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            let id: ContactId = r.get(0)?;
            Ok(Contact {
                id,
                name: r.get(1)?,
                email: r.get(2)?,
                language: r.get(3)?,
                channel: channel(r.get(4)?)?,
                email_error: r.get(5)?,
                students: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .map(|mut c| {
            c.students = links.remove(&c.id).unwrap_or_default();
            c
        })
        .collect())
}

pub fn get(conn: &Connection, id: ContactId) -> Result<Option<Contact>> {
    Ok(list(conn)?.into_iter().find(|c| c.id == id))
}

pub fn find_by_email(conn: &Connection, email: &str) -> Result<Option<ContactId>> {
    Ok(conn
        .query_row(
            "SELECT id FROM contacts WHERE lower(email) = lower(?1)",
            [email],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn insert(conn: &Connection, f: &ContactFields, now: DateTime<Utc>) -> Result<ContactId> {
    conn.execute(
        "INSERT INTO contacts (name, email, language, channel, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![f.name, f.email, f.language, f.channel.as_str(), now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Updates a contact; a changed address clears the mail server's earlier refusal.
pub fn update(conn: &Connection, id: ContactId, f: &ContactFields) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE contacts SET name = ?2, email = ?3, language = ?4, channel = ?5,
             email_error = CASE WHEN email IS ?3 THEN email_error ELSE NULL END
         WHERE id = ?1",
        params![id, f.name, f.email, f.language, f.channel.as_str()],
    )? > 0)
}

pub fn delete(conn: &Connection, id: ContactId) -> Result<bool> {
    Ok(conn.execute("DELETE FROM contacts WHERE id = ?1", [id])? > 0)
}

/// Marks an address as refused by the mail server, for the teacher to fix.
pub fn set_email_error(conn: &Connection, id: ContactId, error: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE contacts SET email_error = ?2 WHERE id = ?1",
        params![id, error],
    )?;
    Ok(())
}

/// Links a contact to a student from `now` on, or updates the relationship of an existing
/// link (which keeps its time). Returns whether anything changed.
pub fn link(
    conn: &Connection,
    contact: ContactId,
    student: StudentId,
    relationship: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(conn.execute(
        "INSERT INTO student_contacts (student_id, contact_id, relationship, linked_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (student_id, contact_id) DO UPDATE SET relationship = excluded.relationship
         WHERE relationship IS NOT excluded.relationship",
        params![student, contact, relationship, now],
    )? > 0)
}

pub fn unlink(conn: &Connection, contact: ContactId, student: StudentId) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM student_contacts WHERE student_id = ?1 AND contact_id = ?2",
        params![student, contact],
    )? > 0)
}

/// The ids of the students a contact hears about.
pub fn students_of(conn: &Connection, contact: ContactId) -> Result<Vec<StudentId>> {
    let mut stmt = conn.prepare(
        "SELECT student_id FROM student_contacts WHERE contact_id = ?1 ORDER BY student_id",
    )?;
    let rows = stmt
        .query_map([contact], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
