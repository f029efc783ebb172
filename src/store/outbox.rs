//! The `deliveries` and `delivery_items` tables: the outbox.
//!
//! A delivery is written here before anything is sent, and its status only moves forward
//! through `queued → sending → sent`, or back to `queued` for a retry, or to `failed`.
//! The unique keys (`message_id`, and `(contact_id, kind, subject_key)`) make queueing
//! idempotent: queueing the same thing twice inserts nothing the second time.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::error::Result;
use crate::model::{ContactId, EvidenceId, FailureKind, StudentId};

/// What kind of thing a delivery is (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One email about one approved evidence.
    Evidence,
    /// One weekly email with everything since the last one.
    Digest,
    /// One paper slip about one approved evidence.
    Slip,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Evidence => "evidence",
            Kind::Digest => "digest",
            Kind::Slip => "slip",
        }
    }

    fn parse(s: &str) -> Kind {
        match s {
            "digest" => Kind::Digest,
            "slip" => Kind::Slip,
            _ => Kind::Evidence,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Queued,
    Sending,
    Sent,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Status {
        match s {
            "sending" => Status::Sending,
            "sent" => Status::Sent,
            "failed" => Status::Failed,
            _ => Status::Queued,
        }
    }
}

/// One row of the outbox with the evidence it covers.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub contact_id: ContactId,
    pub kind: Kind,
    pub subject_key: String,
    pub channel: String,
    pub message_id: String,
    pub status: Status,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub error_kind: Option<FailureKind>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub evidence_ids: Vec<EvidenceId>,
}

/// A delivery to queue.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub contact_id: ContactId,
    pub kind: Kind,
    pub subject_key: &'a str,
    pub channel: &'a str,
    pub message_id: &'a str,
    pub evidence_ids: &'a [EvidenceId],
}

const COLUMNS: &str = "id, contact_id, kind, subject_key, channel, message_id, status, attempts,
    last_error, error_kind, next_attempt_at, created_at, first_attempt_at, sent_at, address";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        contact_id: r.get(1)?,
        kind: Kind::parse(&r.get::<_, String>(2)?),
        subject_key: r.get(3)?,
        channel: r.get(4)?,
        message_id: r.get(5)?,
        status: Status::parse(&r.get::<_, String>(6)?),
        attempts: r.get(7)?,
        last_error: r.get(8)?,
        error_kind: r
            .get::<_, Option<String>>(9)?
            .as_deref()
            .and_then(FailureKind::parse),
        next_attempt_at: r.get(10)?,
        created_at: r.get(11)?,
        first_attempt_at: r.get(12)?,
        sent_at: r.get(13)?,
        address: r.get(14)?,
        evidence_ids: Vec::new(),
    })
}

fn with_items(conn: &Connection, mut rows: Vec<Delivery>) -> Result<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(
        "SELECT evidence_id FROM delivery_items WHERE delivery_id = ?1 ORDER BY evidence_id",
    )?;
    for d in &mut rows {
        d.evidence_ids = stmt
            .query_map([d.id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
    }
    Ok(rows)
}

fn select(conn: &Connection, filter: &str, p: impl rusqlite::Params) -> Result<Vec<Delivery>> {
    let sql = format!("SELECT {COLUMNS} FROM deliveries {filter}");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(p, from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    with_items(conn, rows)
}

/// Queues a delivery with its items. Returns its id, or `None` when the same delivery
/// (same contact, kind and subject, or same Message-ID) was already queued.
pub fn insert(conn: &Connection, d: &NewDelivery<'_>, now: DateTime<Utc>) -> Result<Option<i64>> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO deliveries (contact_id, kind, subject_key, channel, message_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![d.contact_id, d.kind.as_str(), d.subject_key, d.channel, d.message_id, now],
    )?;
    if n == 0 {
        return Ok(None);
    }
    let id = conn.last_insert_rowid();
    let mut stmt = conn
        .prepare_cached("INSERT INTO delivery_items (delivery_id, evidence_id) VALUES (?1, ?2)")?;
    for e in d.evidence_ids {
        stmt.execute(params![id, e])?;
    }
    Ok(Some(id))
}

/// What the outbox already holds, as deciding what is due needs it (see `mail::due`).
#[derive(Debug, Clone, Default)]
pub struct Held {
    /// For each contact, the evidence any of their deliveries already covers (whatever its
    /// status or channel), so that nothing is queued for a contact twice.
    pub covered: HashMap<ContactId, HashSet<EvidenceId>>,
    /// The digests already queued or sent, by contact and subject (`digest:2026-W47`).
    pub digests: HashSet<(ContactId, String)>,
}

impl Held {
    /// Whether `contact`'s digest about `subject_key` is already there.
    pub fn has_digest(&self, contact: ContactId, subject_key: &str) -> bool {
        self.digests.contains(&(contact, subject_key.to_string()))
    }
}

/// What the outbox holds (see [`Held`]).
pub fn held(conn: &Connection) -> Result<Held> {
    let mut held = Held::default();
    let mut stmt = conn.prepare(
        "SELECT d.contact_id, i.evidence_id FROM delivery_items i
         JOIN deliveries d ON d.id = i.delivery_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        held.covered.entry(r.get(0)?).or_default().insert(r.get(1)?);
    }
    let mut stmt =
        conn.prepare("SELECT contact_id, subject_key FROM deliveries WHERE kind = 'digest'")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        held.digests.insert((r.get(0)?, r.get(1)?));
    }
    Ok(held)
}

/// Rows left in `sending` by a run that stopped mid-send: their outcome is unknown, so
/// they go back to the queue to be sent again with the same Message-ID.
pub fn requeue_interrupted(conn: &Connection, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE deliveries SET status = 'queued', error_kind = 'unknown', next_attempt_at = ?1,
             last_error = 'outcome unknown: an earlier run stopped while sending; sending again with the same Message-ID'
         WHERE status = 'sending'",
        [now],
    )?)
}

/// Queued email deliveries whose next attempt is due.
pub fn due(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Delivery>> {
    select(
        conn,
        "WHERE status = 'queued' AND kind IN ('evidence', 'digest')
           AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)
         ORDER BY id",
        [now],
    )
}

/// Queued deliveries still waiting for a later attempt.
pub fn waiting_count(conn: &Connection, now: DateTime<Utc>) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM deliveries WHERE status = 'queued' AND next_attempt_at > ?1",
        [now],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Delivery>> {
    Ok(select(conn, "WHERE id = ?1", [id])?.into_iter().next())
}

pub fn by_message_id(conn: &Connection, message_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM deliveries WHERE message_id = ?1",
            [message_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Every delivery, newest first; only those not sent when `unsent_only`.
pub fn list(conn: &Connection, unsent_only: bool) -> Result<Vec<Delivery>> {
    let filter = if unsent_only {
        "WHERE status != 'sent' ORDER BY id DESC"
    } else {
        "ORDER BY id DESC"
    };
    select(conn, filter, [])
}

/// Slip deliveries, oldest first.
pub fn slips(conn: &Connection) -> Result<Vec<Delivery>> {
    select(conn, "WHERE kind = 'slip' ORDER BY created_at, id", [])
}

/// Marks a delivery as being sent (committed before a byte goes out), counting the attempt.
pub fn mark_sending(conn: &Connection, id: i64, address: &str, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, address = ?2,
             first_attempt_at = coalesce(first_attempt_at, ?3)
         WHERE id = ?1",
        params![id, address, now],
    )?;
    Ok(())
}

/// Puts a row marked `sending` but never tried (the run stopped first) back in the queue,
/// without counting the attempt.
pub fn unmark_sending(conn: &Connection, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET status = 'queued', attempts = max(attempts - 1, 0)
         WHERE id = ?1 AND status = 'sending'",
        [id],
    )?;
    Ok(())
}

/// Marks a delivery sent: only after the server (or the outbox folder) accepted it.
pub fn mark_sent(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET status = 'sent', sent_at = ?2, next_attempt_at = NULL
         WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Puts a delivery back in the queue for another attempt at `next`.
pub fn mark_retry(
    conn: &Connection,
    id: i64,
    next: DateTime<Utc>,
    kind: FailureKind,
    error: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, error_kind = ?3, last_error = ?4
         WHERE id = ?1",
        params![id, next, kind.as_str(), error],
    )?;
    Ok(())
}

/// Notes why a queued delivery could not be tried this time, without counting an attempt.
pub fn note_waiting(conn: &Connection, id: i64, kind: FailureKind, error: &str) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET error_kind = ?2, last_error = ?3 WHERE id = ?1 AND status = 'queued'",
        params![id, kind.as_str(), error],
    )?;
    Ok(())
}

pub fn mark_failed(conn: &Connection, id: i64, kind: FailureKind, error: &str) -> Result<()> {
    conn.execute(
        "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, error_kind = ?2, last_error = ?3
         WHERE id = ?1",
        params![id, kind.as_str(), error],
    )?;
    Ok(())
}

/// Every delivery about any of a student's evidence: its Message-ID, kind, and when it
/// was queued.
pub fn about_student(
    conn: &Connection,
    student: StudentId,
) -> Result<Vec<(String, Kind, DateTime<Utc>)>> {
    let mut st = conn.prepare(
        "SELECT DISTINCT d.message_id, d.kind, d.created_at FROM deliveries d
         JOIN delivery_items i ON i.delivery_id = d.id
         JOIN evidence e ON e.id = i.evidence_id
         WHERE e.student_id = ?1",
    )?;
    let rows = st
        .query_map([student], |r| {
            Ok((r.get(0)?, Kind::parse(&r.get::<_, String>(1)?), r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Removes a delivery that was never sent (its evidence was erased or withdrawn).
pub fn delete_unsent(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM deliveries WHERE id = ?1 AND status != 'sent'",
        [id],
    )? > 0)
}

/// Queues failed deliveries again (after the teacher fixed an address, for example).
/// With no ids, every failed delivery. Returns how many were queued.
pub fn requeue_failed(conn: &Connection, ids: &[i64], now: DateTime<Utc>) -> Result<usize> {
    if ids.is_empty() {
        return Ok(conn.execute(
            "UPDATE deliveries SET status = 'queued', next_attempt_at = ?1, first_attempt_at = NULL
             WHERE status = 'failed'",
            [now],
        )?);
    }
    let mut n = 0;
    for id in ids {
        n += conn.execute(
            "UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, first_attempt_at = NULL
             WHERE id = ?1 AND status = 'failed'",
            params![id, now],
        )?;
    }
    Ok(n)
}

/// Queues again, due at once, a contact's emails that failed because the server refused
/// their address (after the teacher corrected it). Returns how many.
pub fn requeue_refused(conn: &Connection, contact: ContactId, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, first_attempt_at = NULL,
             last_error = 'queued again for the corrected address; before: ' || coalesce(last_error, '')
         WHERE contact_id = ?1 AND status = 'failed' AND error_kind = 'permanent'
           AND kind IN ('evidence', 'digest')",
        params![contact, now],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words stored in `error_kind` are the words `--json` prints, and each reads back
    /// as itself: older databases and scripts keep meaning the same thing.
    #[test]
    fn an_error_kind_is_stored_and_printed_as_the_same_word() {
        let all = [
            FailureKind::Transient,
            FailureKind::Permanent,
            FailureKind::Unknown,
            FailureKind::Config,
            FailureKind::Content,
        ];
        for k in all {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(FailureKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(
            all.map(FailureKind::as_str),
            ["transient", "permanent", "unknown", "config", "content"]
        );
        assert_eq!(FailureKind::parse("something else"), None);
    }
}
