//! Family mail: every contact hears about their own children, in their own language, and
//! no message is ever lost.
//!
//! [`Goalpost::send_mail`] is the one operation: a sync runs it over its plan, and the
//! CLI's `mail send` ([`Goalpost::mail_send`]) over a plan of its own. It runs in three
//! steps:
//!
//! 1. **Queue** (`queue`). What is [`due`] for the plan (where consent was applied) at this
//!    moment is written to the outbox in one transaction.
//! 2. **Slips** (`paper`). Queued slips are written into `<data>/print/slips-DATE.html` and
//!    marked sent.
//! 3. **Deliver** (`delivery`). Each due email row is marked `sending` (committed), handed
//!    to the transport (`transport`), and marked `sent` only after the server's 2xx (or
//!    once the `.eml` file is in the outbox folder). Failures are classified by
//!    [`smtp::Failure`]: transient ones wait with back-off (5 minutes doubling to an hour,
//!    given up after [`GIVE_UP_AFTER_DAYS`] days), permanent ones fail the row and mark the
//!    contact's address as refused, an unknown outcome is retried with the same
//!    Message-ID, and a settings problem stops the run with every row still queued. A row
//!    found in `sending` at the start of a run was interrupted mid-send: its outcome is
//!    unknown, so it is sent again with the same Message-ID. A run holds the class lock
//!    ([`ClassLock`]), which proves that no other run is sending those rows; claiming a
//!    row is still a compare-and-set from `queued` to `sending`, so that no row is sent by
//!    two runs.
//!
//! What a run did is a [`MailSummary`] (`report`).
//!
//! This module never reads evidence or contacts from the store directly: messages are built
//! only from a contact's own [`FamilyView`] in the plan. Photos are the email-size
//! re-encoded copies ([`photo::Size::Email`](crate::photo::Size::Email)); originals are
//! never attached.

mod chat;
pub mod compose;
mod delivery;
pub mod invite;
pub mod paper;
mod preview;
mod queue;
mod report;
pub mod secret;
pub mod server;
pub mod smtp;
mod transport;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::lock::{ClassLock, Operation};
use crate::model::*;
use crate::plan::{FamilyView, Plan};
use crate::store::outbox;
use crate::Goalpost;

use compose::{Languages, Renderer};

pub use chat::{ChatMessage, ChatSent};
pub use delivery::{backoff, BATCH};
pub use preview::{
    preview, FamilyPreview, MailPreview, PreviewDelivery, PreviewItem, PreviewNote, PreviewSharing,
};
pub use queue::{digest_key, due, message_id, Due, DueDelivery};
pub use report::{
    FailureCode, FailureNote, Fallback, MailSummary, OutboxEntry, Progress, QueueCounts,
    Unreachable, UnreachableCode,
};
pub use transport::{eml_file_name, TestReport, TransportConfig};

/// A contact hears about evidence approved from this many days before they were linked to
/// the student onwards: a new grandparent gets last week's news, not the whole year's.
pub const BACK_CATALOGUE_DAYS: i64 = 7;

/// Transient failures are retried for this long after the first attempt, then the
/// delivery is marked failed and shown to the teacher.
pub const GIVE_UP_AFTER_DAYS: i64 = 3;

/// One mail run over a plan: what queueing, slips and delivery share.
pub(crate) struct Run<'p> {
    pub plan: &'p Plan,
    /// The moment the run decides and records by.
    pub now: DateTime<Utc>,
    /// Each contact's view in the plan, by contact id.
    pub views: HashMap<ContactId, &'p FamilyView>,
    pub renderer: Renderer,
}

impl Run<'_> {
    /// The sharing time families are invited to: the next one.
    pub fn sharing(&self) -> Option<&crate::plan::Sharing> {
        self.plan.sharing.first()
    }
}

impl Goalpost {
    /// `mail send`: makes the plan of now and the email-size copies of its photos, then
    /// [`Goalpost::send_mail`]. See the module docs.
    pub fn mail_send(&self, progress: &mut dyn FnMut(Progress)) -> Result<MailSummary> {
        let lock = self.lock_class(Operation::MailSend)?;
        let mut plan = self.plan()?;
        // Photos a restore noted gone go without their photo, as at a sync.
        let gone = self.gone_photos(&plan.photos)?;
        plan.without_photos(&gone);
        // The email-size copies (cached: after a sync this makes nothing). Best effort: a
        // photo whose copy cannot be made keeps only its own messages waiting, with the
        // reason on their outbox rows, instead of stopping every family's mail.
        let _ = self.ensure_copies(&plan.photos);
        self.send_mail(&plan, &lock, progress)
    }

    /// Queues what is due for `plan`, writes slips, and delivers every due email: the mail
    /// step of a sync. Only the holder of the class lock sends. See the module docs.
    pub fn send_mail(
        &self,
        plan: &Plan,
        lock: &ClassLock,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<MailSummary> {
        let now = self.now();
        let mut summary = MailSummary {
            interrupted: self
                .store()
                .in_tx(|tx| outbox::requeue_interrupted(tx, lock, now))?,
            ..MailSummary::default()
        };
        summary.queued = self.queue(plan, now, &mut summary.unreachable)?;
        progress(Progress::Queued {
            emails: summary.queued.emails,
            digests: summary.queued.digests,
            slips: summary.queued.slips,
        });

        let run = Run {
            plan,
            now,
            views: plan.families.iter().map(|v| (v.contact.id, v)).collect(),
            renderer: Renderer::new()?,
        };
        let mut langs = Languages::new(self.data_dir(), &plan.class.language);
        paper::write_slips(self, &run, &mut langs, &mut summary)?;
        self.deliver_due(&run, &mut langs, progress, &mut summary)?;

        summary.retries_waiting = outbox::waiting_count(self.store().conn(), now)?;
        summary.language_fallbacks.sort_by_key(|f| f.contact_id);
        summary.language_fallbacks.dedup_by_key(|f| f.contact_id);
        progress(Progress::Finished);
        Ok(summary)
    }

    /// Every delivery, newest first, with the contact's name.
    pub fn mail_outbox(&self, unsent_only: bool) -> Result<Vec<OutboxEntry>> {
        let names: HashMap<ContactId, String> = self
            .contacts()?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        Ok(outbox::list(self.store().conn(), unsent_only)?
            .into_iter()
            .map(|d| OutboxEntry {
                contact: names.get(&d.contact_id).cloned().unwrap_or_default(),
                delivery: d,
            })
            .collect())
    }

    /// Queues failed deliveries again (all of them when `ids` is empty), e.g. after the
    /// teacher corrected an address. Returns how many.
    pub fn mail_retry(&self, ids: &[i64]) -> Result<usize> {
        let _lock = self.lock_class(Operation::MailRetry)?;
        let now = self.now();
        self.store()
            .in_tx(|tx| outbox::requeue_failed(tx, ids, now))
    }
}
