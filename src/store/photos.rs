//! The `photos` table: one row per private original, keyed by its content hash.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;
use crate::model::PhotoRecord;

/// Records an original; the same content twice is one row.
pub fn insert(conn: &Connection, p: &PhotoRecord, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "INSERT INTO photos (hash, bytes, format, width, height, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (hash) DO NOTHING",
        params![p.hash, p.bytes, p.format, p.width, p.height, now],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, hash: &str) -> Result<Option<PhotoRecord>> {
    Ok(conn
        .query_row(
            "SELECT hash, bytes, format, width, height FROM photos WHERE hash = ?1",
            [hash],
            |r| {
                Ok(PhotoRecord {
                    hash: r.get(0)?,
                    bytes: r.get(1)?,
                    format: r.get(2)?,
                    width: r.get(3)?,
                    height: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// Deletes photo rows no evidence refers to any more and returns their hashes, so the
/// caller can delete the files (after the transaction commits).
pub fn delete_unreferenced(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "DELETE FROM photos WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.photo_hash = photos.hash)
         RETURNING hash",
    )?;
    let rows = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Hashes of photos that belong to approved evidence (the ones that get web copies).
pub fn approved_hashes(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT photo_hash FROM evidence WHERE status = 'approved' AND photo_hash IS NOT NULL ORDER BY photo_hash",
    )?;
    let rows = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
