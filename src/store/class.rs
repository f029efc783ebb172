//! The `class` table: one row, the class this data folder holds.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;
use crate::model::ClassInfo;

pub fn get(conn: &Connection) -> Result<Option<ClassInfo>> {
    Ok(conn
        .query_row(
            "SELECT school, class_name, teacher, teacher_email, language, timezone FROM class WHERE id = 1",
            [],
            |r| {
                Ok(ClassInfo {
                    school: r.get(0)?,
                    class_name: r.get(1)?,
                    teacher: r.get(2)?,
                    teacher_email: r.get(3)?,
                    language: r.get(4)?,
                    timezone: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Creates or replaces the class row.
pub fn put(conn: &Connection, c: &ClassInfo, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO class (id, school, class_name, teacher, teacher_email, language, timezone, created_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET school = ?1, class_name = ?2, teacher = ?3,
             teacher_email = ?4, language = ?5, timezone = ?6",
        params![c.school, c.class_name, c.teacher, c.teacher_email, c.language, c.timezone, now],
    )?;
    Ok(())
}
