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

/// Every evidence with a photo, as (photo hash, evidence id), by hash then id.
pub fn evidence_photos(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT photo_hash, id FROM evidence WHERE photo_hash IS NOT NULL ORDER BY photo_hash, id",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The photos recorded before `before`, oldest first (for `photo.keep_originals_days`).
pub fn older_than(conn: &Connection, before: DateTime<Utc>) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT hash FROM photos WHERE created_at < ?1 ORDER BY created_at, hash")?;
    let rows = stmt
        .query_map([before], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Notes photos as gone for good (their files were not in a restored backup).
pub fn mark_gone(conn: &Connection, hashes: &[String], now: DateTime<Utc>) -> Result<()> {
    let mut stmt =
        conn.prepare("UPDATE photos SET gone_at = ?2 WHERE hash = ?1 AND gone_at IS NULL")?;
    for h in hashes {
        stmt.execute(params![h, now])?;
    }
    Ok(())
}

/// The photos noted as gone for good, sorted.
pub fn marked_gone(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT hash FROM photos WHERE gone_at IS NOT NULL ORDER BY hash")?;
    let rows = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
