//! Family mail: every contact hears about their own children, in their own language, and
//! no message is ever lost.
//!
//! [`Goalpost::mail_send`] is the one operation (the CLI's `mail send` and sync both call
//! it). It runs in three steps:
//!
//! 1. **Queue.** From [`Goalpost::family_views`] (where consent is applied) and the clock,
//!    every due delivery is written to the outbox in one transaction: one email per newly
//!    approved evidence for contacts on `email`; one digest per ISO week (in the class's
//!    time zone, on or after `mail.weekly_day`) for contacts on `weekly`; one slip per
//!    evidence for contacts on `paper`. An evidence already covered by any delivery to a
//!    contact is never queued for them again, so running this twice changes nothing. A
//!    contact is only told about evidence approved at most [`BACK_CATALOGUE_DAYS`] days
//!    before they were linked to the student: no back catalogue for a new contact.
//! 2. **Slips.** Queued slips are written into `<data>/print/slips-DATE.html` and marked
//!    sent.
//! 3. **Deliver.** Each due email row is marked `sending` (committed), handed to the
//!    transport, and marked `sent` only after the server's 2xx (or once the `.eml` file is
//!    in the outbox folder). Failures are classified by [`smtp::Failure`]: transient ones
//!    wait with back-off (5 minutes doubling to an hour, given up after
//!    [`GIVE_UP_AFTER_DAYS`] days), permanent ones fail the row and mark the contact's
//!    address as refused, an unknown outcome is retried with the same Message-ID, and a
//!    settings problem stops the run with every row still queued. A row found in `sending`
//!    at the start of a run was interrupted mid-send: its outcome is unknown, so it is
//!    sent again with the same Message-ID.
//!
//! This module never reads evidence or contacts from the store directly: messages are built
//! only from a contact's own [`FamilyView`]. Photos are the email-size re-encoded copies
//! ([`photo::Size::Email`]); originals are never attached.

pub mod compose;
mod delivery;
pub mod paper;
mod queue;
mod report;
pub mod secret;
pub mod server;
pub mod smtp;
mod transport;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::model::*;
use crate::plan::FamilyView;
use crate::store::outbox;
use crate::Goalpost;

use compose::{Languages, Renderer};

pub use delivery::{backoff, BATCH};
pub use queue::{digest_key, message_id};
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

/// The folder `.eml` files are written to when no mail server is configured.
pub fn outbox_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("outbox")
}

/// The folder printable slips and goal sheets are written to.
pub fn print_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("print")
}

impl Goalpost {
    /// Queues what is due, writes slips, and delivers every due email. See the module docs.
    pub fn mail_send(&self, progress: &mut dyn FnMut(Progress)) -> Result<MailSummary> {
        // The email-size copies (cached: after a sync this makes nothing). Best effort: a
        // photo whose copy cannot be made keeps only its own messages waiting, with the
        // reason on their outbox rows, instead of stopping every family's mail.
        let _ = self.copies_for_approved();
        let now = self.now();
        let class = self.class()?;
        let tz = queue::parse_tz(&class)?;
        let from = self.mail_from()?;
        let mut summary = MailSummary {
            interrupted: self
                .store()
                .in_tx(|tx| outbox::requeue_interrupted(tx, now))?,
            ..MailSummary::default()
        };

        let views = self.family_views()?;
        summary.queued =
            self.queue_due(&views, &class, tz, now, &from, &mut summary.unreachable)?;
        progress(Progress::Queued {
            emails: summary.queued.emails,
            digests: summary.queued.digests,
            slips: summary.queued.slips,
        });

        let renderer = Renderer::new()?;
        let mut langs = Languages::new(self.data_dir(), &class.language);
        let sharing = self.upcoming_sharing_times()?.into_iter().next();
        let site_url = self.setting("blog.site_url")?;
        let by_contact: HashMap<ContactId, &FamilyView> =
            views.iter().map(|v| (v.contact.id, v)).collect();

        paper::write_slips(
            self,
            paper::SlipRun {
                class: &class,
                tz,
                now,
                views: &by_contact,
                sharing: sharing.as_ref(),
                renderer: &renderer,
            },
            &mut langs,
            &mut summary,
        )?;

        self.deliver_due(
            &class,
            tz,
            &from,
            &by_contact,
            sharing.as_ref(),
            site_url.as_deref(),
            &renderer,
            &mut langs,
            progress,
            &mut summary,
        )?;

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
        let now = self.now();
        self.store()
            .in_tx(|tx| outbox::requeue_failed(tx, ids, now))
    }
}
