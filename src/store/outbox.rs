//! The `deliveries`, `delivery_items` and `delivery_notes` tables: the outbox.
//!
//! A delivery is written here before anything is sent, and its status only moves forward
//! through `queued → sending → sent`, or back to `queued` for a retry, or to `failed`.
//! The unique keys (`message_id`, and `(contact_id, kind, subject_key)`) are a last line of
//! defence: what is due is worked out from what the outbox holds, so the same thing is
//! never queued twice, and a key that is taken all the same is an error, never a delivery
//! dropped in silence (see [`insert`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::notes::NoteId;
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
    /// One chat text about one approved evidence, for the teacher to paste into a chat
    /// app; sent once the teacher marks it so.
    Chat,
    /// A sharing time's invitation, through the contact's channel (the `channel` column):
    /// an email with `invite.ics`, a paper slip or a chat text. Subject `sharing:ID:SEQ`.
    Invitation,
    /// The reminder the day before a sharing time, once. Subject `sharing:ID`.
    Reminder,
    /// A change or the cancellation of a sharing time the contact was invited to (same
    /// calendar UID, higher SEQUENCE). Subject `sharing:ID:SEQ`.
    Update,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Evidence,
        Kind::Digest,
        Kind::Slip,
        Kind::Chat,
        Kind::Invitation,
        Kind::Reminder,
        Kind::Update,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Evidence => "evidence",
            Kind::Digest => "digest",
            Kind::Slip => "slip",
            Kind::Chat => "chat",
            Kind::Invitation => "invitation",
            Kind::Reminder => "reminder",
            Kind::Update => "update",
        }
    }

    fn parse(s: &str) -> Kind {
        match s {
            "digest" => Kind::Digest,
            "slip" => Kind::Slip,
            "chat" => Kind::Chat,
            "invitation" => Kind::Invitation,
            "reminder" => Kind::Reminder,
            "update" => Kind::Update,
            _ => Kind::Evidence,
        }
    }

    /// A sharing time's own message (invitation, reminder, update): about no evidence, and
    /// sent through whichever channel its row names.
    pub fn is_sharing(self) -> bool {
        matches!(self, Kind::Invitation | Kind::Reminder | Kind::Update)
    }
}

/// The subject of a sharing time's invitation or update at `sequence`.
pub fn sharing_key(sharing: i64, sequence: u32) -> String {
    format!("sharing:{sharing}:{sequence}")
}

/// The subject of a sharing time's reminder (one per contact, whatever changed).
pub fn reminder_key(sharing: i64) -> String {
    format!("sharing:{sharing}")
}

/// The sharing time and sequence a subject names (`sharing:ID` has no sequence; a
/// trailing `:paper`, for the slip that replaces an email to a refused address, changes
/// neither).
pub fn parse_sharing_key(key: &str) -> Option<(i64, Option<u32>)> {
    let mut parts = key.strip_prefix("sharing:")?.split(':');
    let id = parts.next()?.parse().ok()?;
    Some((id, parts.next().and_then(|s| s.parse().ok())))
}

/// What one contact was already sent, or has on its way, about one sharing time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharingHeld {
    /// When their first invitation was queued.
    pub invited_at: Option<DateTime<Utc>>,
    /// The highest sequence an invitation or update to them carried.
    pub told: Option<u32>,
    /// Whether their reminder is queued or sent.
    pub reminded: bool,
    /// `told` and `reminded` counting only what did not fail: while the server refuses the
    /// contact's address, what failed goes again on paper.
    pub told_ok: Option<u32>,
    pub reminded_ok: bool,
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
    /// The child's notes it carries (`delivery_notes`): a note goes on a delivery of its
    /// own, with no evidence.
    pub note_ids: Vec<NoteId>,
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
    pub note_ids: &'a [NoteId],
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
        note_ids: Vec::new(),
    })
}

fn with_items(conn: &Connection, mut rows: Vec<Delivery>) -> Result<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(
        "SELECT evidence_id FROM delivery_items WHERE delivery_id = ?1 ORDER BY evidence_id",
    )?;
    let mut notes = conn.prepare_cached(
        "SELECT note_id FROM delivery_notes WHERE delivery_id = ?1 ORDER BY note_id",
    )?;
    for d in &mut rows {
        d.evidence_ids = stmt
            .query_map([d.id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        d.note_ids = notes
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

/// Queues a delivery with its items and returns its id.
///
/// No delivery is ever dropped: what is due is worked out from what the outbox holds, in
/// the same transaction (`mail::due`), so a delivery already there is never asked for
/// again, and no duplicate key is expected. Evidence ids, and so the keys `evidence:N`, are
/// never given twice (migration 0005). A key that is taken all the same is an error that
/// names it, and the caller's transaction (the whole queue) is rolled back: the deliveries
/// wait, visibly, instead of one being lost in silence.
pub fn insert(conn: &Connection, d: &NewDelivery<'_>, now: DateTime<Utc>) -> Result<i64> {
    let inserted = conn.execute(
        "INSERT INTO deliveries (contact_id, kind, subject_key, channel, message_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            d.contact_id,
            d.kind.as_str(),
            d.subject_key,
            d.channel,
            d.message_id,
            now
        ],
    );
    if let Err(rusqlite::Error::SqliteFailure(e, _)) = &inserted {
        if e.code == rusqlite::ErrorCode::ConstraintViolation {
            return Err(crate::error::Error::Conflict(format!(
                "the outbox already holds a {} delivery {:?} (Message-ID {}) for contact {}, so this one cannot be queued beside it: nothing was queued; this is a bug in Goalpost, please report it",
                d.kind.as_str(),
                d.subject_key,
                d.message_id,
                d.contact_id
            )));
        }
    }
    inserted?;
    let id = conn.last_insert_rowid();
    let mut stmt = conn
        .prepare_cached("INSERT INTO delivery_items (delivery_id, evidence_id) VALUES (?1, ?2)")?;
    for e in d.evidence_ids {
        stmt.execute(params![id, e])?;
    }
    if !d.note_ids.is_empty() {
        let mut stmt = conn
            .prepare_cached("INSERT INTO delivery_notes (delivery_id, note_id) VALUES (?1, ?2)")?;
        for n in d.note_ids {
            stmt.execute(params![id, n])?;
        }
    }
    Ok(id)
}

/// What the outbox already holds, as deciding what is due needs it (see `mail::due`).
#[derive(Debug, Clone, Default)]
pub struct Held {
    /// For each contact, the evidence any of their deliveries already covers (whatever its
    /// status or channel), so that nothing is queued for a contact twice.
    pub covered: HashMap<ContactId, HashSet<EvidenceId>>,
    /// The digests already queued or sent, by contact and subject (`digest:2026-W47`).
    pub digests: HashSet<(ContactId, String)>,
    /// For each contact, the evidence that reached them or is on its way on paper: covered
    /// by a delivery sent, or by a slip (written as soon as it is queued). An email not
    /// sent (waiting, or refused) does not count: its evidence goes on paper while the
    /// server refuses the contact's address.
    pub settled: HashMap<ContactId, HashSet<EvidenceId>>,
    /// [`Held::covered`] for the children's notes.
    pub notes_covered: HashMap<ContactId, HashSet<NoteId>>,
    /// [`Held::settled`] for the children's notes.
    pub notes_settled: HashMap<ContactId, HashSet<NoteId>>,
    /// What each contact holds about each sharing time, by (contact, sharing time).
    pub sharing: HashMap<(ContactId, i64), SharingHeld>,
    /// When each message to each contact was queued (every kind): what the weekly cap
    /// (`mail.max_per_week`) counts.
    pub queued_at: HashMap<ContactId, Vec<DateTime<Utc>>>,
}

impl Held {
    /// Whether `contact`'s digest about `subject_key` is already there.
    pub fn has_digest(&self, contact: ContactId, subject_key: &str) -> bool {
        self.digests.contains(&(contact, subject_key.to_string()))
    }

    /// How many messages to `contact` were queued at or after `since`.
    pub fn messages_since(&self, contact: ContactId, since: DateTime<Utc>) -> usize {
        self.queued_at
            .get(&contact)
            .map_or(0, |v| v.iter().filter(|t| **t >= since).count())
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
    let mut stmt = conn.prepare(
        "SELECT d.contact_id, i.evidence_id FROM delivery_items i
         JOIN deliveries d ON d.id = i.delivery_id
         WHERE d.status = 'sent' OR d.kind = 'slip'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        held.settled.entry(r.get(0)?).or_default().insert(r.get(1)?);
    }
    let mut stmt = conn.prepare(
        "SELECT d.contact_id, n.note_id, d.status = 'sent' OR d.kind = 'slip'
           FROM delivery_notes n JOIN deliveries d ON d.id = n.delivery_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (contact, note, settled): (ContactId, NoteId, bool) = (r.get(0)?, r.get(1)?, r.get(2)?);
        held.notes_covered.entry(contact).or_default().insert(note);
        if settled {
            held.notes_settled.entry(contact).or_default().insert(note);
        }
    }
    // Digests by email, and a family's weekly gathering on a slip or in a chat text.
    let mut stmt = conn.prepare(
        "SELECT contact_id, subject_key FROM deliveries WHERE substr(subject_key, 1, 7) = 'digest:'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        held.digests.insert((r.get(0)?, r.get(1)?));
    }
    let mut stmt = conn.prepare("SELECT contact_id, created_at FROM deliveries")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        held.queued_at.entry(r.get(0)?).or_default().push(r.get(1)?);
    }
    let mut stmt = conn.prepare(
        "SELECT contact_id, kind, subject_key, created_at, status != 'failed' FROM deliveries
         WHERE kind IN ('invitation', 'reminder', 'update')",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let kind = Kind::parse(&r.get::<_, String>(1)?);
        let Some((sharing, seq)) = parse_sharing_key(&r.get::<_, String>(2)?) else {
            continue;
        };
        let at: DateTime<Utc> = r.get(3)?;
        let ok: bool = r.get(4)?;
        let h = held.sharing.entry((r.get(0)?, sharing)).or_default();
        match kind {
            Kind::Reminder => {
                h.reminded = true;
                h.reminded_ok |= ok;
            }
            _ => {
                if kind == Kind::Invitation {
                    h.invited_at = Some(h.invited_at.map_or(at, |t| t.min(at)));
                }
                h.told = h.told.max(seq);
                if ok {
                    h.told_ok = h.told_ok.max(seq);
                }
            }
        }
    }
    Ok(held)
}

/// Rows left in `sending` by a run that stopped mid-send: their outcome is unknown, so
/// they go back to the queue to be sent again with the same Message-ID. Only the holder of
/// the class lock may do this (`_held`): holding it proves that the run which marked them
/// is gone, instead of still waiting for the server's answer.
pub fn requeue_interrupted(
    conn: &Connection,
    _held: &crate::lock::ClassLock,
    now: DateTime<Utc>,
) -> Result<usize> {
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
        "WHERE status = 'queued'
           AND (kind IN ('evidence', 'digest')
                OR (kind IN ('invitation', 'reminder', 'update') AND channel = 'email'))
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

/// Chat deliveries (chat texts about evidence, and sharing times' messages on the chat
/// channel) not yet marked sent, oldest first.
pub fn chats_unsent(conn: &Connection) -> Result<Vec<Delivery>> {
    select(
        conn,
        "WHERE status != 'sent' AND (kind = 'chat'
             OR (kind IN ('invitation', 'reminder', 'update') AND channel = 'chat'))
         ORDER BY created_at, id",
        [],
    )
}

/// Slip deliveries (slips about evidence, and sharing times' messages on paper), oldest
/// first.
pub fn slips(conn: &Connection) -> Result<Vec<Delivery>> {
    select(
        conn,
        "WHERE kind = 'slip'
             OR (kind IN ('invitation', 'reminder', 'update') AND channel = 'paper')
         ORDER BY created_at, id",
        [],
    )
}

/// Removes the messages about a sharing time that have not gone out yet (queued: emails
/// not tried, chat texts not marked sent), after the teacher changed or cancelled it: what
/// is due is then worked out again from the time as it is now. Returns how many.
pub fn drop_unsent_sharing(conn: &Connection, sharing: i64) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM deliveries
         WHERE status = 'queued' AND kind IN ('invitation', 'reminder', 'update')
           AND (subject_key = ?1 OR subject_key LIKE ?2)",
        params![
            reminder_key(sharing),
            format!("{}:%", reminder_key(sharing))
        ],
    )?)
}

/// Claims a queued delivery for sending (committed before a byte goes out), counting the
/// attempt: a compare-and-set from `queued` to `sending`. Returns false, changing nothing,
/// when the row is no longer queued (another run claimed it, sent it, or it was removed):
/// then the caller must not send it.
pub fn mark_sending(conn: &Connection, id: i64, address: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, address = ?2,
             first_attempt_at = coalesce(first_attempt_at, ?3)
         WHERE id = ?1 AND status = 'queued'",
        params![id, address, now],
    )? == 1)
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

/// Every delivery about any of a student's evidence or notes: its Message-ID, kind, and
/// when it was queued.
pub fn about_student(
    conn: &Connection,
    student: StudentId,
) -> Result<Vec<(String, Kind, DateTime<Utc>)>> {
    let mut st = conn.prepare(
        "SELECT d.message_id, d.kind, d.created_at FROM deliveries d
         JOIN delivery_items i ON i.delivery_id = d.id
         JOIN evidence e ON e.id = i.evidence_id
         WHERE e.student_id = ?1
         UNION
         SELECT d.message_id, d.kind, d.created_at FROM deliveries d
         JOIN delivery_notes i ON i.delivery_id = d.id
         JOIN family_notes n ON n.id = i.note_id
         WHERE n.student_id = ?1",
    )?;
    let rows = st
        .query_map([student], |r| {
            Ok((r.get(0)?, Kind::parse(&r.get::<_, String>(1)?), r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Removes a delivery that was never sent (its evidence or note was erased or withdrawn).
pub fn delete_unsent(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM deliveries WHERE id = ?1 AND status != 'sent'",
        [id],
    )? > 0)
}

/// True for an email (or digest) none of whose evidence or notes went home on a slip to the
/// same contact instead: only those may be queued again, so a family never gets on paper and
/// then by email the same news. (SQL, for the `WHERE` of the requeues below.)
const NOT_SENT_ON_PAPER: &str = "(NOT EXISTS (
    SELECT 1 FROM delivery_items i
      JOIN delivery_items j ON j.evidence_id = i.evidence_id
      JOIN deliveries s ON s.id = j.delivery_id
     WHERE i.delivery_id = deliveries.id AND s.contact_id = deliveries.contact_id
       AND s.kind = 'slip')
    AND NOT EXISTS (
    SELECT 1 FROM delivery_notes i
      JOIN delivery_notes j ON j.note_id = i.note_id
      JOIN deliveries s ON s.id = j.delivery_id
     WHERE i.delivery_id = deliveries.id AND s.contact_id = deliveries.contact_id
       AND s.kind = 'slip'))";

/// Queues failed deliveries again (after the teacher fixed an address, for example).
/// With no ids, every failed delivery. Returns how many were queued. One whose news went
/// home on paper meanwhile stays failed (see [`NOT_SENT_ON_PAPER`]).
pub fn requeue_failed(conn: &Connection, ids: &[i64], now: DateTime<Utc>) -> Result<usize> {
    if ids.is_empty() {
        return Ok(conn.execute(
            &format!(
                "UPDATE deliveries SET status = 'queued', next_attempt_at = ?1, first_attempt_at = NULL
                 WHERE status = 'failed' AND {NOT_SENT_ON_PAPER}"
            ),
            [now],
        )?);
    }
    let mut n = 0;
    for id in ids {
        n += conn.execute(
            &format!(
                "UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, first_attempt_at = NULL
                 WHERE id = ?1 AND status = 'failed' AND {NOT_SENT_ON_PAPER}"
            ),
            params![id, now],
        )?;
    }
    Ok(n)
}

/// Queues again, due at once, a contact's emails that failed because the server refused
/// their address (after the teacher corrected it), except those whose news went home on
/// paper meanwhile. Returns how many.
pub fn requeue_refused(conn: &Connection, contact: ContactId, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute(
        &format!(
            "UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, first_attempt_at = NULL,
                 last_error = 'queued again for the corrected address; before: ' || coalesce(last_error, '')
             WHERE contact_id = ?1 AND status = 'failed' AND error_kind = 'permanent'
               AND kind IN ('evidence', 'digest') AND {NOT_SENT_ON_PAPER}"
        ),
        params![contact, now],
    )?)
}

/// A contact's emails still waiting to go (queued, or failed on their refused address)
/// all of whose news has gone home on paper: they are marked failed with `reason`, never
/// to be sent (the requeues leave them). Returns how many.
pub fn settle_sent_on_paper(conn: &Connection, contact: ContactId, reason: &str) -> Result<usize> {
    Ok(conn.execute(
        &format!(
            "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL,
                 error_kind = 'permanent', last_error = ?2
             WHERE contact_id = ?1 AND status = 'queued' AND kind IN ('evidence', 'digest')
               AND NOT EXISTS (
                   SELECT 1 FROM delivery_items i WHERE i.delivery_id = deliveries.id
                      AND NOT EXISTS (
                          SELECT 1 FROM delivery_items j JOIN deliveries s ON s.id = j.delivery_id
                           WHERE j.evidence_id = i.evidence_id AND s.contact_id = deliveries.contact_id
                             AND s.kind = 'slip'))
               AND NOT EXISTS (
                   SELECT 1 FROM delivery_notes i WHERE i.delivery_id = deliveries.id
                      AND NOT EXISTS (
                          SELECT 1 FROM delivery_notes j JOIN deliveries s ON s.id = j.delivery_id
                           WHERE j.note_id = i.note_id AND s.contact_id = deliveries.contact_id
                             AND s.kind = 'slip'))
               AND NOT {NOT_SENT_ON_PAPER}"
        ),
        params![contact, reason],
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

    /// A store with one contact and one queued email to them; returns the delivery's id.
    fn one_queued(path: &std::path::Path) -> (crate::store::Store, i64) {
        let store = crate::store::Store::open(path, true).unwrap();
        let now = Utc::now();
        let id = store
            .in_tx(|tx| {
                tx.execute(
                    "INSERT INTO contacts (name, email, language, channel, created_at)
                     VALUES ('Ana', 'ana@example.org', 'en', 'email', ?1)",
                    [now],
                )?;
                let contact = tx.last_insert_rowid();
                let d = NewDelivery {
                    contact_id: contact,
                    kind: Kind::Evidence,
                    subject_key: "evidence:1",
                    channel: "email",
                    message_id: "<m1@x>",
                    evidence_ids: &[],
                    note_ids: &[],
                };
                insert(tx, &d, now)
            })
            .unwrap();
        (store, id)
    }

    fn row(store: &crate::store::Store, id: i64) -> Delivery {
        get(store.conn(), id).unwrap().unwrap()
    }

    /// Claiming is a compare-and-set from queued to sending: a run that read the row as
    /// queued before another claimed it (or sent it) gets nothing to send.
    #[test]
    fn a_delivery_is_claimed_only_from_queued() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(crate::store::DB_FILE);
        let (a, id) = one_queued(&path);
        // A second process on the same database.
        let b = crate::store::Store::open(&path, false).unwrap();
        let now = Utc::now();
        assert!(due(b.conn(), now).unwrap().iter().any(|d| d.id == id));
        assert!(a
            .in_tx(|tx| mark_sending(tx, id, "ana@example.org", now))
            .unwrap());
        assert!(
            !b.in_tx(|tx| mark_sending(tx, id, "ana@example.org", now))
                .unwrap(),
            "the second claim of a row being sent is refused"
        );
        let r = row(&a, id);
        assert_eq!((r.status, r.attempts), (Status::Sending, 1), "counted once");

        a.in_tx(|tx| mark_sent(tx, id, now)).unwrap();
        assert!(!b
            .in_tx(|tx| mark_sending(tx, id, "ana@example.org", now))
            .unwrap());
        assert_eq!(row(&a, id).status, Status::Sent, "a sent row stays sent");
    }

    #[test]
    fn a_row_back_in_the_queue_is_claimed_again() {
        let dir = tempfile::tempdir().unwrap();
        let (s, id) = one_queued(&dir.path().join(crate::store::DB_FILE));
        let now = Utc::now();
        assert!(s
            .in_tx(|tx| mark_sending(tx, id, "a@example.org", now))
            .unwrap());
        s.in_tx(|tx| mark_retry(tx, id, now, FailureKind::Transient, "451"))
            .unwrap();
        assert!(s
            .in_tx(|tx| mark_sending(tx, id, "a@example.org", now))
            .unwrap());
        let r = row(&s, id);
        assert_eq!((r.status, r.attempts), (Status::Sending, 2));
    }

    /// Only the holder of the class lock puts rows left `sending` back in the queue; the
    /// lock is free only once the run that marked them is gone.
    #[test]
    fn rows_left_sending_are_requeued_by_the_lock_holder() {
        let dir = tempfile::tempdir().unwrap();
        let (s, id) = one_queued(&dir.path().join(crate::store::DB_FILE));
        let now = Utc::now();
        assert!(s
            .in_tx(|tx| mark_sending(tx, id, "a@example.org", now))
            .unwrap());
        let lock = crate::lock::ClassLock::try_acquire(
            dir.path(),
            crate::lock::Operation::MailSend,
            now,
            || chrono_tz::UTC,
        )
        .unwrap();
        assert_eq!(
            s.in_tx(|tx| requeue_interrupted(tx, &lock, now)).unwrap(),
            1
        );
        let r = row(&s, id);
        assert_eq!(r.status, Status::Queued);
        assert_eq!(r.error_kind, Some(FailureKind::Unknown));
    }
}
