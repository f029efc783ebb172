//! Delivery: each due email row is marked `sending`, handed to the transport, and its
//! outcome recorded as soon as it is known (see the module docs of [`super`]).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::compose::{self, Languages, Letter, LetterKind, Photo};
use super::invite::{compose_invite, sharing_of, InviteLetter};
use super::report::{usable_address, When};
use super::report::{FailureCode, FailureNote, Fallback, MailSummary, Progress, Unreachable};
use super::smtp::Failure;
use super::transport::{configure, eml_file_name, Transport, TransportConfig};
use super::{Run, GIVE_UP_AFTER_DAYS};
use crate::error::{Error, Result};
use crate::model::*;
use crate::photo;
use crate::plan::{FamilyItem, SheetInShort};
use crate::store::{self, outbox};
use crate::Goalpost;

/// The contact's language for messages, with a fallback to another noted in the summary.
fn language_for<'l>(
    langs: &'l mut Languages<'_>,
    c: &Contact,
    summary: &mut MailSummary,
) -> Result<&'l crate::i18n::Localizer> {
    let l = langs.get(&c.language)?;
    if l.fell_back {
        summary.language_fallbacks.push(Fallback {
            contact_id: c.id,
            contact: c.name.clone(),
            wanted: c.language.clone(),
            used: l.lang.clone(),
        });
    }
    Ok(l)
}

impl Goalpost {
    /// Step 3: delivers every due email row, [`BATCH`] rows at a time: the batch is marked
    /// `sending` in one commit, sent over one connection, and each row's outcome recorded
    /// in one more commit. A crash in between leaves rows in `sending`, which the next run
    /// treats as unknown outcomes (resent with the same Message-ID); a row is never marked
    /// sent before the server accepted it.
    pub(super) fn deliver_due(
        &self,
        run: &Run<'_>,
        langs: &mut Languages<'_>,
        progress: &mut dyn FnMut(Progress),
        summary: &mut MailSummary,
    ) -> Result<()> {
        let now = run.now;
        let from = run.plan.sender.as_str();
        let transport_cfg = || configure(&run.plan.settings, self.folders());
        let due = outbox::due(self.store().conn(), now)?;
        if due.is_empty() {
            summary.transport = transport_cfg()
                .map(|(t, _)| t.describe())
                .unwrap_or_default();
            return Ok(());
        }
        let cfg = match transport_cfg() {
            Ok((cfg, _)) => cfg,
            Err(e) => {
                summary.stopped = Some(e.to_string());
                return Ok(());
            }
        };
        summary.transport = cfg.describe();
        let mut transport = match Transport::open(&cfg) {
            Ok(t) => t,
            Err(f) => {
                summary.stopped = Some(f.to_string());
                return Ok(());
            }
        };
        let total = due.len();
        let mut done = 0;
        // Each answer is still committed as soon as it comes; the disk flush is once for
        // the run (see `Store::batch_sync` for why that cannot lose a message).
        let _flush_at_end = self.store().batch_sync()?;
        for chunk in due.chunks(BATCH) {
            if summary.stopped.is_some() {
                break;
            }
            let mut ready = Vec::with_capacity(chunk.len());
            for d in chunk {
                if let Some(r) = self.prepare(d, run, langs, summary)? {
                    ready.push(r);
                }
            }
            if ready.is_empty() {
                continue;
            }
            // Written down before a byte goes out: if we stop now, the next run knows. A row
            // claimed by someone else since it was read is not ours to send.
            let claimed = self.store().in_tx(|tx| {
                let mut claimed = Vec::with_capacity(ready.len());
                for r in &ready {
                    claimed.push(outbox::mark_sending(tx, r.d.id, &r.to, now)?);
                }
                Ok(claimed)
            })?;
            let mut claimed = claimed.into_iter();
            ready.retain(|_| claimed.next().unwrap_or(false));
            // Each outcome is recorded (committed) as soon as it is known: a run killed
            // after the server's 250 for one message must not send that message again.
            for r in &ready {
                if summary.stopped.is_some() {
                    self.record(
                        &cfg,
                        std::slice::from_ref(r),
                        &[Outcome::NotTried],
                        now,
                        summary,
                    )?;
                    continue;
                }
                progress(Progress::Sending { done, total });
                done += 1;
                // The classic bug, switched in only by the kill test's fault build, to prove
                // that the test would catch it.
                #[cfg(feature = "fault-injection")]
                if std::env::var_os("GOALPOST_FAULT_MARK_SENT_FIRST").is_some() {
                    self.store()
                        .in_tx(|tx| outbox::mark_sent(tx, r.d.id, now))?;
                }
                let result = transport.send(from, &r.to, &r.d.message_id, &r.bytes);
                let o = outcome(result, &r.d, now);
                if let Outcome::Stop(m) = &o {
                    summary.stopped = Some(m.clone());
                } else if matches!(o, Outcome::Retry { unknown: false, .. })
                    && !transport.connected()
                {
                    // The server is down or not answering: the rest stay queued, due at
                    // once on the next run, without an attempt counted.
                    summary.stopped = Some(o.message().to_string());
                }
                self.record(
                    &cfg,
                    std::slice::from_ref(r),
                    std::slice::from_ref(&o),
                    now,
                    summary,
                )?;
            }
        }
        summary.connections = transport.connections();
        Ok(())
    }

    /// Everything a delivery needs before it can be sent, or `None` (with the reason noted
    /// on the row) when it cannot be sent now.
    fn prepare<'p>(
        &self,
        d: &outbox::Delivery,
        run: &Run<'p>,
        langs: &mut Languages<'_>,
        summary: &mut MailSummary,
    ) -> Result<Option<Ready<'p>>> {
        let Some(view) = run.views.get(&d.contact_id) else {
            self.store()
                .in_tx(|tx| outbox::delete_unsent(tx, d.id).map(|_| ()))?;
            return Ok(None);
        };
        let c = &view.contact;
        if !d.note_ids.is_empty() {
            return self.prepare_note(d, run, view, langs, summary);
        }
        // A sharing time's own message: about the time as the plan holds it now (gone
        // once it has ended: then the message is no use and leaves the outbox).
        let sharing = if d.kind.is_sharing() {
            let found = sharing_of(run.plan, c, d.kind, &d.subject_key);
            if found.is_none() {
                self.store()
                    .in_tx(|tx| outbox::delete_unsent(tx, d.id).map(|_| ()))?;
                return Ok(None);
            }
            found
        } else {
            None
        };
        // Only this contact's own items, and only those this delivery is about.
        let items: Vec<&FamilyItem> = view
            .items
            .iter()
            .filter(|i| d.evidence_ids.contains(&i.evidence_id))
            .filter(|i| c.students.iter().any(|s| s.student_id == i.student_id))
            .collect();
        if items.is_empty() && sharing.is_none() {
            // Its evidence was erased or withdrawn before it went out.
            self.store()
                .in_tx(|tx| outbox::delete_unsent(tx, d.id).map(|_| ()))?;
            return Ok(None);
        }
        let Some(to) = self.address_or_wait(d, c, summary)? else {
            return Ok(None);
        };
        let photos = match load_photos(self.data_dir(), &items) {
            Ok(p) => p,
            Err(e) => {
                self.store().in_tx(|tx| {
                    outbox::note_waiting(tx, d.id, FailureKind::Content, &e.to_string())
                })?;
                summary.waiting_for_photos += 1;
                return Ok(None);
            }
        };
        let l = language_for(langs, c, summary)?;
        let kind = if d.kind == outbox::Kind::Digest {
            LetterKind::Digest
        } else {
            LetterKind::Evidence
        };
        let sheets: Vec<&SheetInShort> = view
            .sheets
            .iter()
            .filter(|s| items.iter().any(|i| i.student_id == s.student_id))
            .collect();
        let letter = Letter {
            class: &run.plan.class,
            tz: run.plan.tz,
            contact: c,
            items: &items,
            kind,
            message_id: &d.message_id,
            date: run.now,
            from: &run.plan.sender,
            site_url: run.plan.settings.blog_site_url.as_deref(),
            sharing: run.sharing(),
            sheets: &sheets,
        };
        let composed = match sharing {
            Some((s, k)) => compose_invite(
                &InviteLetter {
                    class: &run.plan.class,
                    tz: run.plan.tz,
                    contact: c,
                    sharing: s,
                    kind: k,
                    message_id: &d.message_id,
                    date: run.now,
                    from: &run.plan.sender,
                },
                l,
                &run.renderer,
            ),
            None => compose::compose(&letter, l, &run.renderer, &photos),
        };
        self.ready_or_failed(d, c, to, kind, composed, summary)
    }

    /// [`Self::prepare`] for a delivery that carries a child's own note: only a note of
    /// this contact's own children, approved (the plan holds no other).
    fn prepare_note<'p>(
        &self,
        d: &outbox::Delivery,
        run: &Run<'p>,
        view: &'p crate::plan::FamilyView,
        langs: &mut Languages<'_>,
        summary: &mut MailSummary,
    ) -> Result<Option<Ready<'p>>> {
        let c = &view.contact;
        let Some(note) = view
            .notes
            .iter()
            .find(|n| d.note_ids.contains(&n.note_id))
            .filter(|n| c.students.iter().any(|s| s.student_id == n.student_id))
        else {
            // Its child was erased before it went out.
            self.store()
                .in_tx(|tx| outbox::delete_unsent(tx, d.id).map(|_| ()))?;
            return Ok(None);
        };
        let Some(to) = self.address_or_wait(d, c, summary)? else {
            return Ok(None);
        };
        let l = language_for(langs, c, summary)?;
        let letter = compose::NoteLetter {
            class: &run.plan.class,
            contact: c,
            note,
            message_id: &d.message_id,
            date: run.now,
            from: &run.plan.sender,
        };
        let composed = compose::compose_note(&letter, l, &run.renderer);
        self.ready_or_failed(d, c, to, LetterKind::Evidence, composed, summary)
    }

    /// The contact's address, or `None` with the reason noted on the row (it waits until
    /// the teacher fixes the address).
    fn address_or_wait(
        &self,
        d: &outbox::Delivery,
        c: &Contact,
        summary: &mut MailSummary,
    ) -> Result<Option<String>> {
        match usable_address(c) {
            Ok(a) => Ok(Some(a.to_string())),
            Err(code) => {
                let u = Unreachable::note(c, code, When::Waiting);
                self.store().in_tx(|tx| {
                    outbox::note_waiting(tx, d.id, FailureKind::Permanent, &u.reason)
                })?;
                summary.unreachable.push(u);
                Ok(None)
            }
        }
    }

    /// A composed message ready to send, or, when it could not be made, the row failed as
    /// a message problem (shown to the teacher).
    fn ready_or_failed<'p>(
        &self,
        d: &outbox::Delivery,
        c: &'p Contact,
        to: String,
        kind: LetterKind,
        composed: Result<compose::Composed>,
        summary: &mut MailSummary,
    ) -> Result<Option<Ready<'p>>> {
        match composed {
            Ok(m) => Ok(Some(Ready {
                d: d.clone(),
                contact: c,
                to,
                kind,
                bytes: m.bytes,
            })),
            Err(e) => {
                let reason = e.to_string();
                self.store()
                    .in_tx(|tx| outbox::mark_failed(tx, d.id, FailureKind::Content, &reason))?;
                summary.failures.push(FailureNote {
                    delivery_id: d.id,
                    contact_id: c.id,
                    contact: c.name.clone(),
                    kind: FailureKind::Content,
                    reason,
                    code: FailureCode::MessageProblem,
                });
                Ok(None)
            }
        }
    }

    /// Records outcomes in one transaction.
    fn record(
        &self,
        cfg: &TransportConfig,
        ready: &[Ready<'_>],
        outcomes: &[Outcome],
        now: DateTime<Utc>,
        summary: &mut MailSummary,
    ) -> Result<()> {
        let tx = self.store().write()?;
        for (r, o) in ready.iter().zip(outcomes) {
            let c = r.contact;
            let note_failure =
                |summary: &mut MailSummary, kind: FailureKind, reason: &str, address: bool| {
                    summary.failures.push(FailureNote {
                        delivery_id: r.d.id,
                        contact_id: c.id,
                        contact: c.name.clone(),
                        kind,
                        reason: reason.into(),
                        code: FailureCode::of(kind, address),
                    })
                };
            match o {
                Outcome::Sent => {
                    let (method, counter) = if r.kind == LetterKind::Digest {
                        ("digest", &mut summary.digests)
                    } else {
                        ("email", &mut summary.sent)
                    };
                    *counter += 1;
                    let note = match cfg {
                        TransportConfig::Folder(p) => format!(
                            "written to {}",
                            p.join(eml_file_name(&r.d.message_id)).display()
                        ),
                        TransportConfig::Smtp(_) => format!("sent to {}", r.to),
                    };
                    outbox::mark_sent(&tx, r.d.id, now)?;
                    store::contact_log::insert(&tx, c.id, now, method, &note, Some(r.d.id))?;
                }
                Outcome::Retry {
                    next,
                    kind,
                    message,
                    unknown,
                } => {
                    outbox::mark_retry(&tx, r.d.id, *next, *kind, message)?;
                    if *unknown {
                        summary.unknown_outcomes += 1;
                    }
                }
                Outcome::Failed {
                    kind,
                    message,
                    address,
                } => {
                    outbox::mark_failed(&tx, r.d.id, *kind, message)?;
                    if *address {
                        store::contacts::set_email_error(&tx, c.id, Some(message))?;
                    }
                    note_failure(summary, *kind, message, *address);
                }
                Outcome::Stop(message) => {
                    // Not this message's fault: back in the queue, due at once once fixed.
                    outbox::mark_retry(&tx, r.d.id, now, FailureKind::Config, message)?;
                }
                Outcome::NotTried => outbox::unmark_sending(&tx, r.d.id)?,
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// How long to wait before attempt `attempts + 1`: 5, 10, 20, 40, then 60 minutes.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let n = attempts.clamp(1, 8) as u32;
    chrono::Duration::minutes((5i64 << (n - 1)).min(60))
}

/// Reads the email-size copies of these items' photos. A missing copy is an error naming
/// the fix: copies are made by the photo pipeline, and an original is never attached.
fn load_photos(data_dir: &Path, items: &[&FamilyItem]) -> Result<HashMap<String, Photo>> {
    let mut out = HashMap::new();
    for h in items.iter().filter_map(|i| i.photo_hash.as_deref()) {
        if out.contains_key(h) {
            continue;
        }
        let p = photo::copy_path(data_dir, h, photo::Size::Email);
        match std::fs::read(&p) {
            Ok(bytes) => {
                out.insert(h.to_string(), Photo { bytes });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Photo(format!(
                    "photo copies not made yet ({} is missing): run a sync, which makes the email-size copies, then send again",
                    p.display()
                )));
            }
            Err(e) => return Err(Error::io("read the photo copy", p, e)),
        }
    }
    Ok(out)
}

/// How many deliveries are marked `sending` together (each is recorded on its own as soon
/// as the server answered).
pub const BATCH: usize = 16;

/// A composed delivery, ready to go.
struct Ready<'v> {
    d: outbox::Delivery,
    contact: &'v Contact,
    to: String,
    kind: LetterKind,
    bytes: Vec<u8>,
}

/// What became of one send.
enum Outcome {
    Sent,
    Retry {
        next: DateTime<Utc>,
        kind: FailureKind,
        message: String,
        unknown: bool,
    },
    Failed {
        kind: FailureKind,
        message: String,
        address: bool,
    },
    /// A settings problem: stop the run.
    Stop(String),
    /// Marked `sending` but not tried because the run stopped: back to the queue.
    NotTried,
}

impl Outcome {
    fn message(&self) -> &str {
        match self {
            Outcome::Retry { message, .. } | Outcome::Failed { message, .. } => message,
            Outcome::Stop(m) => m,
            Outcome::Sent | Outcome::NotTried => "",
        }
    }
}

/// Classifies a send's result for the outbox.
fn outcome(
    result: std::result::Result<(), Failure>,
    d: &outbox::Delivery,
    now: DateTime<Utc>,
) -> Outcome {
    let attempts = d.attempts + 1;
    match result {
        Ok(()) => Outcome::Sent,
        Err(Failure::Permanent { message, address }) => Outcome::Failed {
            kind: FailureKind::Permanent,
            message,
            address,
        },
        Err(Failure::Config(m)) => Outcome::Stop(m),
        Err(f @ (Failure::Transient(_) | Failure::Unknown(_))) => {
            let unknown = matches!(f, Failure::Unknown(_));
            let first = d.first_attempt_at.unwrap_or(now);
            if now - first >= chrono::Duration::days(GIVE_UP_AFTER_DAYS) {
                Outcome::Failed {
                    kind: f.kind(),
                    message: format!(
                        "gave up after {attempts} attempts over {GIVE_UP_AFTER_DAYS} days; last: {}",
                        f.message()
                    ),
                    address: false,
                }
            } else {
                Outcome::Retry {
                    next: now + backoff(attempts),
                    kind: f.kind(),
                    message: f.message().to_string(),
                    unknown,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_to_an_hour() {
        let mins: Vec<i64> = (1..=7).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(mins, [5, 10, 20, 40, 60, 60, 60]);
    }

    fn row(first: Option<DateTime<Utc>>) -> outbox::Delivery {
        outbox::Delivery {
            id: 1,
            contact_id: 1,
            kind: outbox::Kind::Evidence,
            subject_key: "evidence:1".into(),
            channel: "email".into(),
            message_id: "<m@x>".into(),
            status: outbox::Status::Sending,
            attempts: 3,
            last_error: None,
            error_kind: None,
            next_attempt_at: None,
            created_at: Utc::now(),
            first_attempt_at: first,
            sent_at: None,
            address: None,
            evidence_ids: vec![1],
            note_ids: Vec::new(),
        }
    }

    #[test]
    fn transient_failures_wait_then_give_up_after_three_days() {
        let now = Utc::now();
        let t = || Err(Failure::Transient("451 busy".into()));
        match outcome(t(), &row(Some(now - chrono::Duration::hours(5))), now) {
            Outcome::Retry { next, unknown, .. } => {
                assert!(!unknown);
                assert_eq!(next - now, chrono::Duration::minutes(40));
            }
            _ => panic!("a transient failure waits"),
        }
        assert!(matches!(
            outcome(t(), &row(Some(now - chrono::Duration::days(4))), now),
            Outcome::Failed {
                kind: FailureKind::Transient,
                ..
            }
        ));
        // An unknown outcome is retried with the same Message-ID, within the same limit.
        let u = || Err(Failure::Unknown("late".into()));
        assert!(matches!(
            outcome(u(), &row(Some(now - chrono::Duration::hours(1))), now),
            Outcome::Retry { unknown: true, .. }
        ));
        assert!(matches!(
            outcome(u(), &row(Some(now - chrono::Duration::days(4))), now),
            Outcome::Failed {
                kind: FailureKind::Unknown,
                ..
            }
        ));
    }
}
