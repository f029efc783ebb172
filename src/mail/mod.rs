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
pub mod paper;
pub mod secret;
pub mod server;
pub mod smtp;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::*;
use crate::photo;
use crate::plan::{FamilyItem, FamilyView};
use crate::store::{self, outbox, outbox::ErrorKind};
use crate::Goalpost;

use compose::{Languages, Letter, LetterKind, Photo, Renderer};
use smtp::Failure;

/// A contact hears about evidence approved from this many days before they were linked to
/// the student onwards: a new grandparent gets last week's news, not the whole year's.
pub const BACK_CATALOGUE_DAYS: i64 = 7;

/// Whether `item` is recent enough for `contact` (see [`BACK_CATALOGUE_DAYS`]).
fn within_link_window(contact: &Contact, item: &FamilyItem) -> bool {
    contact
        .students
        .iter()
        .find(|l| l.student_id == item.student_id)
        .is_some_and(|l| {
            l.linked_at.is_none_or(|at| {
                item.approved_at >= at - chrono::Duration::days(BACK_CATALOGUE_DAYS)
            })
        })
}

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

/// How long to wait before attempt `attempts + 1`: 5, 10, 20, 40, then 60 minutes.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let n = attempts.clamp(1, 8) as u32;
    chrono::Duration::minutes((5i64 << (n - 1)).min(60))
}

/// What a run is doing, for a progress bar. Carries counts only, never a child's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Progress {
    Queued {
        emails: usize,
        digests: usize,
        slips: usize,
    },
    Sending {
        done: usize,
        total: usize,
    },
    Finished,
}

/// Newly queued deliveries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueCounts {
    pub emails: usize,
    pub digests: usize,
    pub slips: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailureNote {
    pub delivery_id: i64,
    pub contact_id: ContactId,
    pub contact: String,
    /// transient (gave up), unknown (gave up), permanent, content
    pub kind: ErrorKind,
    /// In English, with the server's own words: for the CLI and the log.
    pub reason: String,
    /// What happened, as a stable code a window can put in the teacher's language.
    pub code: FailureCode,
}

/// Why a message failed for good, as a stable code beside the English `reason` (which
/// keeps the mail server's own words). The set is closed: a new case is a new variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCode {
    /// The server refused the recipient's address; the contact is marked until it is fixed.
    AddressRefused,
    /// The server refused the message for another reason.
    Refused,
    /// The server kept saying "try later" for [`GIVE_UP_AFTER_DAYS`] days.
    GaveUp,
    /// Whether it arrived stayed unknown for [`GIVE_UP_AFTER_DAYS`] days.
    OutcomeUnknown,
    /// The message could not be made (for example a photo that cannot be read).
    MessageProblem,
}

impl FailureCode {
    /// The code of a failure of `kind` (an [`Outcome::Failed`] or a compose error);
    /// `address`: the server refused the recipient's address.
    fn of(kind: ErrorKind, address: bool) -> Self {
        match kind {
            ErrorKind::Permanent if address => FailureCode::AddressRefused,
            ErrorKind::Permanent => FailureCode::Refused,
            ErrorKind::Transient => FailureCode::GaveUp,
            ErrorKind::Unknown => FailureCode::OutcomeUnknown,
            // A settings problem stops the run and never fails a message; were it to,
            // the message could not be made as things are.
            ErrorKind::Content | ErrorKind::Config => FailureCode::MessageProblem,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Unreachable {
    pub contact_id: ContactId,
    pub contact: String,
    /// In English, with the fix: for the CLI and the log.
    pub reason: String,
    /// Why, as a stable code a window can put in the teacher's language.
    pub code: UnreachableCode,
    /// The mail server's own words, when it refused the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Why a family cannot be reached by email, as a stable code beside the English reason.
/// The set is closed: a family on paper or reached by hand is never unreachable, and
/// consent decides what a message holds, not whether a family hears at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnreachableCode {
    /// Their channel is email or weekly email and they have no address.
    NoEmail,
    /// The mail server refused their address; messages wait until it is corrected.
    AddressRefused,
}

impl UnreachableCode {
    /// Why `c` cannot be reached by email now, if they cannot. Contacts on paper or
    /// reached by hand need no address.
    pub fn of(c: &Contact) -> Option<Self> {
        if c.channel.needs_email() {
            usable_address(c).err()
        } else {
            None
        }
    }
}

/// `c`'s address if it can be used, or why not (whatever their channel).
fn usable_address(c: &Contact) -> std::result::Result<&str, UnreachableCode> {
    match (&c.email, &c.email_error) {
        (Some(a), None) => Ok(a),
        (None, _) => Err(UnreachableCode::NoEmail),
        (Some(_), Some(_)) => Err(UnreachableCode::AddressRefused),
    }
}

impl Unreachable {
    /// The note for a contact who cannot be reached for `code`. `waiting`: their messages
    /// stay queued until it is fixed (said so in the reason).
    fn note(c: &Contact, code: UnreachableCode, waiting: bool) -> Self {
        let (reason, detail) = match (code, &c.email, &c.email_error) {
            (UnreachableCode::AddressRefused, Some(a), Some(err)) => (
                format!(
                    "the mail server refused {a} ({err}): correct the address with `goalpost contact edit`{}",
                    if waiting { "; messages wait until then" } else { "" }
                ),
                Some(err.clone()),
            ),
            _ => (
                "no email address: add one, or choose the paper channel".to_string(),
                None,
            ),
        };
        Unreachable {
            contact_id: c.id,
            contact: c.name.clone(),
            reason,
            code,
            detail,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Fallback {
    pub contact_id: ContactId,
    pub contact: String,
    pub wanted: String,
    pub used: String,
}

/// What a run of [`Goalpost::mail_send`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MailSummary {
    /// `smtp://host:port` or the outbox folder.
    pub transport: String,
    pub queued: QueueCounts,
    /// Emails about one evidence accepted by the server (or written to the outbox folder).
    pub sent: usize,
    /// Weekly digests accepted.
    pub digests: usize,
    /// Slips written into the print folder this run.
    pub slips: usize,
    pub print_files: Vec<PathBuf>,
    /// Deliveries queued for a later attempt (back-off or an unknown outcome).
    pub retries_waiting: usize,
    /// Of those, the ones whose last outcome was unknown (sent again with the same Message-ID).
    pub unknown_outcomes: usize,
    /// Deliveries that failed this run for good.
    pub failures: Vec<FailureNote>,
    /// Contacts who could not be reached (no address, or an address the server refused).
    pub unreachable: Vec<Unreachable>,
    /// Contacts whose language has no catalog: they got the class language.
    pub language_fallbacks: Vec<Fallback>,
    /// Deliveries that wait because their photo's email-size copy is not made yet.
    pub waiting_for_photos: usize,
    /// Rows found in `sending` (an earlier run stopped mid-send) and queued again.
    pub interrupted: usize,
    /// Why the run stopped early (a settings problem), if it did. Nothing was lost: every
    /// delivery not sent is still queued.
    pub stopped: Option<String>,
    /// SMTP connections opened.
    pub connections: usize,
}

/// Where messages go.
#[derive(Debug, Clone)]
pub enum TransportConfig {
    /// One `.eml` file per message in this folder (no mail server configured).
    Folder(PathBuf),
    Smtp(smtp::Config),
}

impl TransportConfig {
    pub fn describe(&self) -> String {
        match self {
            TransportConfig::Folder(p) => p.display().to_string(),
            TransportConfig::Smtp(c) => format!(
                "{}://{}:{}",
                if c.security == smtp::Security::Tls {
                    "smtps"
                } else {
                    "smtp"
                },
                c.host,
                c.port
            ),
        }
    }
}

enum Transport {
    Folder(PathBuf),
    Smtp(Box<smtp::Client>),
}

impl Transport {
    fn open(cfg: &TransportConfig) -> std::result::Result<Transport, Failure> {
        Ok(match cfg {
            TransportConfig::Folder(p) => {
                std::fs::create_dir_all(p).map_err(|e| {
                    Failure::Config(format!(
                        "could not create the outbox folder {}: {e}",
                        p.display()
                    ))
                })?;
                Transport::Folder(p.clone())
            }
            TransportConfig::Smtp(c) => Transport::Smtp(Box::new(smtp::Client::new(c.clone())?)),
        })
    }

    fn send(
        &mut self,
        from: &str,
        to: &str,
        message_id: &str,
        bytes: &[u8],
    ) -> std::result::Result<(), Failure> {
        match self {
            Transport::Folder(dir) => {
                let path = dir.join(eml_file_name(message_id));
                // X-Unsent tells Outlook to open the file as a message ready to send.
                let mut out = Vec::with_capacity(bytes.len() + 16);
                out.extend_from_slice(b"X-Unsent: 1\r\n");
                out.extend_from_slice(bytes);
                crate::fsutil::write_atomic(&path, &out)
                    .map_err(|e| Failure::Transient(e.to_string()))
            }
            Transport::Smtp(c) => c.send(from, to, bytes),
        }
    }

    /// Whether a connection to the server is open (false after a failure to connect).
    fn connected(&self) -> bool {
        match self {
            Transport::Folder(_) => true,
            Transport::Smtp(c) => c.is_connected(),
        }
    }

    fn connections(&self) -> usize {
        match self {
            Transport::Folder(_) => 0,
            Transport::Smtp(c) => c.connections,
        }
    }
}

/// `<goalpost.e12.c5.1a2b3c4d@school.example>` → `goalpost.e12.c5.1a2b3c4d.eml`.
pub fn eml_file_name(message_id: &str) -> String {
    let local = message_id
        .trim_matches(|c| c == '<' || c == '>')
        .split('@')
        .next()
        .unwrap_or("message");
    let safe: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.eml")
}

fn parse_tz(class: &ClassInfo) -> Result<chrono_tz::Tz> {
    class.timezone.parse().map_err(|_| {
        Error::invalid(format!(
            "the class time zone {:?} is not valid: fix it with `goalpost init`",
            class.timezone
        ))
    })
}

/// A short tag that tells this class's Message-IDs from another class's at the same school.
fn class_tag(class: &ClassInfo) -> String {
    let h = Sha256::digest(
        format!(
            "{}\n{}\n{}",
            class.school, class.class_name, class.teacher_email
        )
        .as_bytes(),
    );
    h.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

fn domain_of(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
        .unwrap_or("goalpost.invalid")
}

/// The Message-ID of a delivery: from what it is about and the contact, so the same
/// delivery always has the same one (a retry after an unknown outcome can be recognised as
/// a duplicate by the receiving side).
pub fn message_id(class: &ClassInfo, from: &str, subject_key: &str, contact: ContactId) -> String {
    let key: String = subject_key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
        .collect();
    format!(
        "<goalpost.{key}.c{contact}.{}@{}>",
        class_tag(class),
        domain_of(from)
    )
}

fn evidence_key(e: EvidenceId) -> String {
    format!("evidence:{e}")
}

/// The digest key of the ISO week `at` falls in, in the class's time zone.
pub fn digest_key(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let w = at.with_timezone(&tz).iso_week();
    format!("digest:{}-W{:02}", w.year(), w.week())
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

struct PrepareCtx<'a, 'v> {
    class: &'a ClassInfo,
    tz: chrono_tz::Tz,
    from: &'a str,
    by_contact: &'a HashMap<ContactId, &'v FamilyView>,
    sharing: Option<&'a SharingTime>,
    site_url: Option<&'a str>,
    renderer: &'a Renderer,
    now: DateTime<Utc>,
}

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
        kind: ErrorKind,
        message: String,
        unknown: bool,
    },
    Failed {
        kind: ErrorKind,
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
            kind: ErrorKind::Permanent,
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

/// A row of `mail outbox`.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxEntry {
    #[serde(flatten)]
    pub delivery: outbox::Delivery,
    pub contact: String,
}

/// What `mail test` did.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub transport: String,
    pub to: String,
    pub message_id: String,
    pub password_from: Option<secret::Source>,
    /// The `.eml` file, when no server is configured.
    pub file: Option<PathBuf>,
}

impl Goalpost {
    /// The address messages come from: `smtp.from`, else the teacher's.
    pub fn mail_from(&self) -> Result<String> {
        Ok(match self.setting("smtp.from")? {
            Some(f) => f,
            None => self.class()?.teacher_email,
        })
    }

    /// Where messages go, with the password looked up when the server needs one.
    pub fn mail_transport(&self) -> Result<(TransportConfig, Option<secret::Source>)> {
        let Some(raw) = self.setting("smtp.url")? else {
            return Ok((TransportConfig::Folder(outbox_dir(self.data_dir())), None));
        };
        let ServerUrl {
            host,
            user,
            tls,
            port,
        } = ServerUrl::parse(&raw)?;
        // Plain SMTP only to this computer, and never with a login: a password is only
        // ever sent over TLS.
        let security = if tls {
            smtp::Security::Tls
        } else if smtp::is_loopback(&host) && user.is_none() {
            smtp::Security::Plain
        } else {
            smtp::Security::StartTls
        };
        let port = port.unwrap_or(if tls { 465 } else { 587 });
        let (password, source) = match &user {
            Some(user) => {
                let (p, s) = secret::password(user, &host)?;
                (Some(p), Some(s))
            }
            None => (None, None),
        };
        let timeout = self
            .setting("smtp.timeout")?
            .and_then(|t| t.parse::<u64>().ok())
            .unwrap_or(30);
        Ok((
            TransportConfig::Smtp(smtp::Config {
                host,
                port,
                security,
                user,
                password,
                timeout: Duration::from_secs(timeout),
                hello: hello_name(),
                ca_file: self.setting("smtp.ca_file")?.map(PathBuf::from),
            }),
            source,
        ))
    }

    /// Only the first step of [`Goalpost::mail_send`]: what is due is written to the outbox;
    /// nothing is sent, no slip is written. A dry run calls it on a copy of the database.
    pub fn mail_queue(&self) -> Result<(QueueCounts, Vec<Unreachable>)> {
        let class = self.class()?;
        let tz = parse_tz(&class)?;
        let from = self.mail_from()?;
        let views = self.family_views()?;
        let mut unreachable = Vec::new();
        let queued = self.queue_due(&views, &class, tz, self.now(), &from, &mut unreachable)?;
        Ok((queued, unreachable))
    }

    /// Queues what is due, writes slips, and delivers every due email. See the module docs.
    pub fn mail_send(&self, progress: &mut dyn FnMut(Progress)) -> Result<MailSummary> {
        // The email-size copies (cached: after a sync this makes nothing). Best effort: a
        // photo whose copy cannot be made keeps only its own messages waiting, with the
        // reason on their outbox rows, instead of stopping every family's mail.
        let _ = self.copies_for_approved();
        let now = self.now();
        let class = self.class()?;
        let tz = parse_tz(&class)?;
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

    /// Step 1: writes every due delivery into the outbox, in one transaction.
    fn queue_due(
        &self,
        views: &[FamilyView],
        class: &ClassInfo,
        tz: chrono_tz::Tz,
        now: DateTime<Utc>,
        from: &str,
        unreachable: &mut Vec<Unreachable>,
    ) -> Result<QueueCounts> {
        let day = self
            .setting("mail.weekly_day")?
            .unwrap_or_else(|| "friday".into());
        let day_index = crate::config::WEEKDAYS
            .iter()
            .position(|d| *d == day)
            .unwrap_or(4) as u32;
        let weekly_due = now.with_timezone(&tz).weekday().num_days_from_monday() >= day_index;
        let week = digest_key(now, tz);
        let tx = self.store().write()?;
        let covered = outbox::covered_evidence(&tx)?;
        let mut counts = QueueCounts::default();
        for v in views {
            let c = &v.contact;
            let done = covered.get(&c.id);
            let new: Vec<&FamilyItem> = v
                .items
                .iter()
                .filter(|i| !done.is_some_and(|d| d.contains(&i.evidence_id)))
                .filter(|i| within_link_window(c, i))
                .collect();
            if new.is_empty() {
                continue;
            }
            if let Some(code) = UnreachableCode::of(c) {
                unreachable.push(Unreachable::note(c, code, true));
                continue;
            }
            match c.channel {
                Channel::Email | Channel::Paper => {
                    let kind = if c.channel == Channel::Email {
                        outbox::Kind::Evidence
                    } else {
                        outbox::Kind::Slip
                    };
                    for i in &new {
                        let key = evidence_key(i.evidence_id);
                        let mid = message_id(
                            class,
                            from,
                            &format!("{}:{}", kind.as_str(), i.evidence_id),
                            c.id,
                        );
                        let d = outbox::NewDelivery {
                            contact_id: c.id,
                            kind,
                            subject_key: &key,
                            channel: c.channel.as_str(),
                            message_id: &mid,
                            evidence_ids: &[i.evidence_id],
                        };
                        if outbox::insert(&tx, &d, now)?.is_some() {
                            if kind == outbox::Kind::Slip {
                                counts.slips += 1;
                            } else {
                                counts.emails += 1;
                            }
                        }
                    }
                }
                Channel::Weekly if weekly_due => {
                    let ids: Vec<EvidenceId> = new.iter().map(|i| i.evidence_id).collect();
                    let mid = message_id(class, from, &week, c.id);
                    let d = outbox::NewDelivery {
                        contact_id: c.id,
                        kind: outbox::Kind::Digest,
                        subject_key: &week,
                        channel: c.channel.as_str(),
                        message_id: &mid,
                        evidence_ids: &ids,
                    };
                    // This week's digest may already be out: then these wait for next week's.
                    if outbox::insert(&tx, &d, now)?.is_some() {
                        counts.digests += 1;
                    }
                }
                Channel::Weekly | Channel::None => {}
            }
        }
        tx.commit()?;
        Ok(counts)
    }

    /// Step 3: delivers every due email row, [`BATCH`] rows at a time: the batch is marked
    /// `sending` in one commit, sent over one connection, and each row's outcome recorded
    /// in one more commit. A crash in between leaves rows in `sending`, which the next run
    /// treats as unknown outcomes (resent with the same Message-ID); a row is never marked
    /// sent before the server accepted it.
    #[allow(clippy::too_many_arguments)]
    fn deliver_due(
        &self,
        class: &ClassInfo,
        tz: chrono_tz::Tz,
        from: &str,
        by_contact: &HashMap<ContactId, &FamilyView>,
        sharing: Option<&SharingTime>,
        site_url: Option<&str>,
        renderer: &Renderer,
        langs: &mut Languages<'_>,
        progress: &mut dyn FnMut(Progress),
        summary: &mut MailSummary,
    ) -> Result<()> {
        let now = self.now();
        let due = outbox::due(self.store().conn(), now)?;
        if due.is_empty() {
            summary.transport = self
                .mail_transport()
                .map(|(t, _)| t.describe())
                .unwrap_or_default();
            return Ok(());
        }
        let cfg = match self.mail_transport() {
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
                let ctx = PrepareCtx {
                    class,
                    tz,
                    from,
                    by_contact,
                    sharing,
                    site_url,
                    renderer,
                    now,
                };
                if let Some(r) = self.prepare(d, &ctx, langs, summary)? {
                    ready.push(r);
                }
            }
            if ready.is_empty() {
                continue;
            }
            // Written down before a byte goes out: if we stop now, the next run knows.
            self.store().in_tx(|tx| {
                for r in &ready {
                    outbox::mark_sending(tx, r.d.id, &r.to, now)?;
                }
                Ok(())
            })?;
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
    fn prepare<'v>(
        &self,
        d: &outbox::Delivery,
        ctx: &PrepareCtx<'_, 'v>,
        langs: &mut Languages<'_>,
        summary: &mut MailSummary,
    ) -> Result<Option<Ready<'v>>> {
        let Some(view) = ctx.by_contact.get(&d.contact_id) else {
            self.store()
                .in_tx(|tx| outbox::delete_unsent(tx, d.id).map(|_| ()))?;
            return Ok(None);
        };
        let c = &view.contact;
        // Only this contact's own items, and only those this delivery is about.
        let items: Vec<&FamilyItem> = view
            .items
            .iter()
            .filter(|i| d.evidence_ids.contains(&i.evidence_id))
            .filter(|i| c.students.iter().any(|s| s.student_id == i.student_id))
            .collect();
        if items.is_empty() {
            // Its evidence was erased or withdrawn before it went out.
            self.store()
                .in_tx(|tx| outbox::delete_unsent(tx, d.id).map(|_| ()))?;
            return Ok(None);
        }
        let to = match usable_address(c) {
            Ok(a) => a.to_string(),
            Err(code) => {
                let u = Unreachable::note(c, code, false);
                self.store()
                    .in_tx(|tx| outbox::note_waiting(tx, d.id, ErrorKind::Permanent, &u.reason))?;
                summary.unreachable.push(u);
                return Ok(None);
            }
        };
        let photos = match load_photos(self.data_dir(), &items) {
            Ok(p) => p,
            Err(e) => {
                self.store().in_tx(|tx| {
                    outbox::note_waiting(tx, d.id, ErrorKind::Content, &e.to_string())
                })?;
                summary.waiting_for_photos += 1;
                return Ok(None);
            }
        };
        let l = langs.get(&c.language)?;
        if l.fell_back {
            summary.language_fallbacks.push(Fallback {
                contact_id: c.id,
                contact: c.name.clone(),
                wanted: c.language.clone(),
                used: l.lang.clone(),
            });
        }
        let kind = if d.kind == outbox::Kind::Digest {
            LetterKind::Digest
        } else {
            LetterKind::Evidence
        };
        let letter = Letter {
            class: ctx.class,
            tz: ctx.tz,
            contact: c,
            items: &items,
            kind,
            message_id: &d.message_id,
            date: ctx.now,
            from: ctx.from,
            site_url: ctx.site_url,
            sharing: ctx.sharing,
        };
        match compose::compose(&letter, l, ctx.renderer, &photos) {
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
                    .in_tx(|tx| outbox::mark_failed(tx, d.id, ErrorKind::Content, &reason))?;
                summary.failures.push(FailureNote {
                    delivery_id: d.id,
                    contact_id: c.id,
                    contact: c.name.clone(),
                    kind: ErrorKind::Content,
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
                |summary: &mut MailSummary, kind: ErrorKind, reason: &str, address: bool| {
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
                    outbox::mark_retry(&tx, r.d.id, now, ErrorKind::Config, message)?;
                }
                Outcome::NotTried => outbox::unmark_sending(&tx, r.d.id)?,
            }
        }
        tx.commit()?;
        Ok(())
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

    /// Sends a short test message to `address` through the configured transport.
    pub fn mail_test(&self, address: &str) -> Result<TestReport> {
        let address = crate::validate::email(address)?;
        let class = self.class()?;
        let from = self.mail_from()?;
        let now = self.now();
        let mid = format!(
            "<goalpost.test.{}.{}@{}>",
            now.timestamp(),
            class_tag(&class),
            domain_of(&from)
        );
        let l = crate::i18n::Localizer::new(
            Some(self.data_dir()),
            "mail",
            &class.language,
            &class.language,
        )?;
        let bytes = compose::compose_test(&class, &l, &from, &address, &mid, now)?;
        let (cfg, source) = self.mail_transport()?;
        let mut t = Transport::open(&cfg).map_err(|f| Error::Mail(f.to_string()))?;
        t.send(&from, &address, &mid, &bytes)
            .map_err(|f| Error::Mail(format!("the test message was not sent: {f}")))?;
        Ok(TestReport {
            transport: cfg.describe(),
            to: address,
            file: match &cfg {
                TransportConfig::Folder(p) => Some(p.join(eml_file_name(&mid))),
                TransportConfig::Smtp(_) => None,
            },
            message_id: mid,
            password_from: source,
        })
    }

    /// Stores the SMTP password for the user named in `smtp.url` in the OS keyring.
    pub fn mail_store_password(&self, password: &str) -> Result<String> {
        let raw = self.setting("smtp.url")?.ok_or_else(|| {
            Error::invalid(
                "no mail server is set: first `goalpost config set smtp.url smtp://user@host:587`",
            )
        })?;
        let ServerUrl { host, user, .. } = ServerUrl::parse(&raw)?;
        let Some(user) = user else {
            return Err(Error::invalid(format!(
                "smtp.url {raw:?} names no user: set it as smtp://USER@host:587 first"
            )));
        };
        secret::store_password(&user, &host, password)?;
        Ok(format!("{user}@{host}"))
    }
}

/// What an `smtp.url` names, as the transport and the keyring use it: the server without
/// an IPv6 address's brackets and the user name percent-decoded. The keyring entry is
/// keyed by exactly these, so storing a password and looking it up always agree.
#[derive(Debug, PartialEq, Eq)]
struct ServerUrl {
    host: String,
    user: Option<String>,
    /// `smtps://`: TLS from the first byte.
    tls: bool,
    port: Option<u16>,
}

impl ServerUrl {
    fn parse(raw: &str) -> Result<ServerUrl> {
        let u = url::Url::parse(raw).map_err(|e| {
            Error::invalid(format!("smtp.url {raw:?} is not valid ({e}): set it again"))
        })?;
        let host = u
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::invalid(format!("smtp.url {raw:?} names no server")))?;
        Ok(ServerUrl {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            user: (!u.username().is_empty()).then(|| percent_decode(u.username())),
            tls: u.scheme() == "smtps",
            port: u.port(),
        })
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The name given in EHLO: this computer's name when it is a plain DNS label, else a
/// neutral one (never a person's name).
fn hello_name() -> String {
    let h = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if !h.is_empty()
        && h.len() < 64
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        h
    } else {
        "goalpost.localdomain".into()
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
                kind: ErrorKind::Transient,
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
                kind: ErrorKind::Unknown,
                ..
            }
        ));
    }

    #[test]
    fn eml_names_are_ascii_and_from_the_message_id() {
        assert_eq!(
            eml_file_name("<goalpost.evidence.12.c5.ab12cd34@school.example>"),
            "goalpost.evidence.12.c5.ab12cd34.eml"
        );
    }

    #[test]
    fn percent_decoding_of_user_names() {
        assert_eq!(
            percent_decode("room7%40school.example"),
            "room7@school.example"
        );
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("bad%4"), "bad%4");
        // An escape at the very end is decoded too.
        assert_eq!(percent_decode("room7%40"), "room7@");
    }

    /// The transport looks a password up, and `mail password` stores it, under the same
    /// user and host: IPv6 brackets off, the user name decoded.
    #[test]
    fn an_smtp_url_names_the_server_and_login_one_way() {
        assert_eq!(
            ServerUrl::parse("smtp://lee%40school.org@[::1]:2525").unwrap(),
            ServerUrl {
                host: "::1".into(),
                user: Some("lee@school.org".into()),
                tls: false,
                port: Some(2525),
            }
        );
        assert_eq!(
            ServerUrl::parse("smtps://mail.school.org").unwrap(),
            ServerUrl {
                host: "mail.school.org".into(),
                user: None,
                tls: true,
                port: None,
            }
        );
        assert!(ServerUrl::parse("not a url").is_err());
    }

    fn contact(channel: Channel, email: Option<&str>, error: Option<&str>) -> Contact {
        Contact {
            id: 7,
            name: "Mere Parata".into(),
            email: email.map(Into::into),
            language: "es".into(),
            channel,
            email_error: error.map(Into::into),
            students: Vec::new(),
        }
    }

    /// Issue 7: the window shows why a family cannot be reached in the teacher's language,
    /// from a code; `reason` stays the English words `goalpost sync --json` always gave.
    #[test]
    fn an_unreachable_family_has_a_code_beside_the_unchanged_english_reason() {
        let refused = "550 5.1.1 no such user";
        let cases = [
            (Channel::Email, None, None, Some(UnreachableCode::NoEmail)),
            (Channel::Weekly, None, None, Some(UnreachableCode::NoEmail)),
            (
                Channel::Email,
                Some("mere@example.org"),
                Some(refused),
                Some(UnreachableCode::AddressRefused),
            ),
            (
                Channel::Weekly,
                Some("mere@example.org"),
                Some(refused),
                Some(UnreachableCode::AddressRefused),
            ),
            (Channel::Email, Some("mere@example.org"), None, None),
            // Paper and by hand need no address, whatever is wrong with it.
            (Channel::Paper, None, None, None),
            (
                Channel::Paper,
                Some("mere@example.org"),
                Some(refused),
                None,
            ),
            (Channel::None, None, None, None),
        ];
        for (channel, email, error, want) in cases {
            let c = contact(channel, email, error);
            assert_eq!(
                UnreachableCode::of(&c),
                want,
                "{channel} {email:?} {error:?}"
            );
        }

        let u = Unreachable::note(
            &contact(Channel::Email, None, None),
            UnreachableCode::NoEmail,
            true,
        );
        let json = serde_json::to_value(&u).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "contact_id": 7,
                "contact": "Mere Parata",
                "reason": "no email address: add one, or choose the paper channel",
                "code": "no_email",
            })
        );

        let c = contact(Channel::Email, Some("mere@example.org"), Some(refused));
        let queued =
            serde_json::to_value(Unreachable::note(&c, UnreachableCode::AddressRefused, true))
                .unwrap();
        assert_eq!(queued["code"], "address_refused");
        assert_eq!(queued["detail"], refused);
        assert_eq!(
            queued["reason"],
            "the mail server refused mere@example.org (550 5.1.1 no such user): correct the address with `goalpost contact edit`; messages wait until then"
        );
        let sending = Unreachable::note(&c, UnreachableCode::AddressRefused, false);
        assert_eq!(
            sending.reason,
            "the mail server refused mere@example.org (550 5.1.1 no such user): correct the address with `goalpost contact edit`"
        );
    }

    #[test]
    fn a_failed_message_has_a_code_for_each_way_it_can_fail() {
        let cases = [
            (
                ErrorKind::Permanent,
                true,
                FailureCode::AddressRefused,
                "address_refused",
            ),
            (ErrorKind::Permanent, false, FailureCode::Refused, "refused"),
            (ErrorKind::Transient, false, FailureCode::GaveUp, "gave_up"),
            (
                ErrorKind::Unknown,
                false,
                FailureCode::OutcomeUnknown,
                "outcome_unknown",
            ),
            (
                ErrorKind::Content,
                false,
                FailureCode::MessageProblem,
                "message_problem",
            ),
        ];
        for (kind, address, code, word) in cases {
            assert_eq!(FailureCode::of(kind, address), code, "{kind:?} {address}");
            assert_eq!(serde_json::to_value(code).unwrap(), word);
        }
        let note = FailureNote {
            delivery_id: 3,
            contact_id: 7,
            contact: "Mere Parata".into(),
            kind: ErrorKind::Permanent,
            reason: "550 no such user".into(),
            code: FailureCode::of(ErrorKind::Permanent, true),
        };
        let json = serde_json::to_value(&note).unwrap();
        assert_eq!(
            json["reason"], "550 no such user",
            "the English reason stays"
        );
        assert_eq!(json["kind"], "permanent");
        assert_eq!(json["code"], "address_refused");
    }

    #[test]
    fn queueing_notes_a_refused_address_with_its_code_and_the_families_screen_agrees() {
        let dir = tempfile::tempdir().unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let gp = Goalpost::create(dir.path())
            .unwrap()
            .with_clock(crate::Clock::fixed(at));
        gp.create_demo(6).unwrap();
        let emailed: Vec<Contact> = gp
            .contacts()
            .unwrap()
            .into_iter()
            .filter(|c| c.channel == Channel::Email)
            .collect();
        assert!(!emailed.is_empty(), "the demo has families on email");
        for c in &emailed {
            store::contacts::set_email_error(gp.store().conn(), c.id, Some("550 no such user"))
                .unwrap();
        }
        let (_, unreachable) = gp.mail_queue().unwrap();
        assert!(!unreachable.is_empty(), "families with news are noted");
        for u in &unreachable {
            assert_eq!(u.code, UnreachableCode::AddressRefused, "{u:?}");
            assert_eq!(u.detail.as_deref(), Some("550 no such user"));
            assert!(
                u.reason.starts_with("the mail server refused "),
                "{}",
                u.reason
            );
        }
        let families = gp.families_reached().unwrap().families;
        for f in &families {
            let want = emailed
                .iter()
                .any(|c| c.id == f.contact_id)
                .then_some(UnreachableCode::AddressRefused);
            assert_eq!(f.reach_problem, want, "{}", f.name);
        }
    }
}
