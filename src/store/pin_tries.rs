//! The `pin_tries` table: one row counting the teacher PIN's wrong tries (see `crate::auth`).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;

/// Wrong tries since the last right one, and the time before which no try is accepted.
/// No row: none.
pub fn get(conn: &Connection) -> Result<(u32, Option<DateTime<Utc>>)> {
    let row = conn
        .query_row(
            "SELECT failures, wait_until FROM pin_tries WHERE id = 1",
            [],
            |r| Ok((r.get::<_, u32>(0)?, super::opt_time_at(r, 1)?)),
        )
        .optional()?;
    Ok(row.unwrap_or((0, None)))
}

pub fn set(conn: &Connection, failures: u32, wait_until: Option<DateTime<Utc>>) -> Result<()> {
    conn.execute(
        "INSERT INTO pin_tries (id, failures, wait_until) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET failures = excluded.failures,
                                        wait_until = excluded.wait_until",
        params![failures, wait_until],
    )?;
    Ok(())
}

/// Forgets every wrong try (a right PIN, or a new PIN chosen).
pub fn clear(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM pin_tries", [])?;
    Ok(())
}
