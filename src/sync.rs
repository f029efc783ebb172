//! Sync: the one operation that brings the blog folder and every family up to date.
//!
//! plan → photo copies → blog (→ publish command) → outbox → delivery → record.
//! Every step is safe to interrupt and to repeat, because each is idempotent on its own:
//! photo copies are cached by content hash and written by rename; the blog writes only
//! changed files, atomically, under a manifest journal; the outbox rows are written before
//! anything is sent and a row is marked sent only after the server accepted it. So a sync
//! killed at any moment is finished by the next one, and a sync with nothing new sends
//! nothing and rewrites no file. Only one sync runs at a time ([`SyncLock`]).
//!
//! This module decides nothing about consent or content: it only orders the steps and
//! reports what they did.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::blog::{self, BuildReport};
use crate::error::Result;
use crate::lock::SyncLock;
use crate::mail::{MailSummary, QueueCounts, Unreachable};
use crate::model::*;
use crate::publish::PublishResult;
use crate::{store, Goalpost};

/// A step of a sync, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Plan,
    Photos,
    Blog,
    Publish,
    Mail,
    Record,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Plan => "Planning",
            Step::Photos => "Making photo copies",
            Step::Blog => "Building the blog",
            Step::Publish => "Publishing the blog",
            Step::Mail => "Sending to families",
            Step::Record => "Recording",
        }
    }
}

/// What a sync reports while it runs. Counts only: never a child's data.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Step { step: Step, index: usize, of: usize },
    Sending { done: usize, total: usize },
}

/// Milliseconds spent in each part.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub plan_ms: f64,
    pub photos_ms: f64,
    pub blog_ms: f64,
    pub publish_ms: f64,
    pub mail_ms: f64,
    pub total_ms: f64,
}

/// What one family would receive (dry run).
#[derive(Debug, Clone, Serialize)]
pub struct FamilyPreview {
    pub contact_id: ContactId,
    pub contact: String,
    pub channel: Channel,
    /// The language asked for and the one the messages would be in.
    pub language: String,
    pub language_used: String,
    pub deliveries: Vec<PreviewDelivery>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewDelivery {
    /// `evidence`, `digest` or `slip`.
    pub kind: String,
    pub items: Vec<PreviewItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewItem {
    pub evidence_id: EvidenceId,
    pub student: String,
    pub goal: String,
    pub with_photo: bool,
}

/// The result of a sync (or of a dry run: then nothing changed and `families` says what
/// each family would receive).
#[derive(Debug, Clone, Serialize)]
pub struct SyncSummary {
    pub dry_run: bool,
    /// The sync run's row in the database (none for a dry run).
    pub run_id: Option<i64>,
    /// Posts that appear on the blog for the first time.
    pub new_posts: usize,
    pub photos: usize,
    pub blog: BuildReport,
    pub publish: Option<PublishResult>,
    /// For a real sync: what the mail step did.
    pub mail: Option<MailSummary>,
    /// For a dry run: what would be queued, and for whom.
    pub would_queue: Option<QueueCounts>,
    pub families: Vec<FamilyPreview>,
    /// Families who cannot be reached (no address, a refused address).
    pub unreachable: Vec<Unreachable>,
    pub timings: Timings,
}

impl SyncSummary {
    /// True when every family that could be reached was, and publishing (if any) worked.
    pub fn all_ok(&self) -> bool {
        self.mail
            .as_ref()
            .is_none_or(|m| m.failures.is_empty() && m.stopped.is_none())
            && self.publish.as_ref().is_none_or(|p| p.ok)
    }
}

/// Tells `on_event` that `s` starts.
fn step(on_event: &mut dyn FnMut(Event), s: Step) {
    const ORDER: [Step; 6] = [
        Step::Plan,
        Step::Photos,
        Step::Blog,
        Step::Publish,
        Step::Mail,
        Step::Record,
    ];
    let index = ORDER.iter().position(|o| *o == s).unwrap_or(0) + 1;
    on_event(Event::Step {
        step: s,
        index,
        of: ORDER.len(),
    });
}

/// A post's page, `posts/e{id}.html` (see `blog::view`).
fn is_post(path: &str) -> bool {
    path.starts_with("posts/") && path.ends_with(".html")
}

fn ms(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1e5).round() / 100.0
}

impl Goalpost {
    /// Runs a sync (see the module docs). `on_event` hears progress.
    pub fn sync(&self, dry_run: bool, on_event: &mut dyn FnMut(Event)) -> Result<SyncSummary> {
        let started = Instant::now();
        let _lock = SyncLock::acquire(self.data_dir())?;
        let mut timings = Timings::default();

        step(on_event, Step::Plan);
        let t = Instant::now();
        let run_id = if dry_run {
            None
        } else {
            // A database put back by hand from before an erasure: erase again first.
            self.erase_again()?;
            let now = self.now();
            Some(self.store().in_tx(|tx| {
                store::sync_runs::close_abandoned(tx, now)?;
                store::sync_runs::start(tx, false, now)
            })?)
        };
        timings.plan_ms = ms(t);

        let result = self.sync_steps(dry_run, run_id, &mut timings, on_event);
        timings.total_ms = ms(started);
        match result {
            Ok(mut summary) => {
                summary.timings = timings;
                if let Some(id) = run_id {
                    let json = serde_json::to_string(&summary)?;
                    let ok = summary.all_ok();
                    self.store()
                        .in_tx(|tx| store::sync_runs::finish(tx, id, ok, &json, self.now()))?;
                }
                Ok(summary)
            }
            Err(e) => {
                if let Some(id) = run_id {
                    let json = serde_json::json!({ "error": e.to_string() }).to_string();
                    let _ = self
                        .store()
                        .in_tx(|tx| store::sync_runs::finish(tx, id, false, &json, self.now()));
                }
                Err(e)
            }
        }
    }

    fn sync_steps(
        &self,
        dry_run: bool,
        run_id: Option<i64>,
        timings: &mut Timings,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<SyncSummary> {
        step(on_event, Step::Photos);
        let t = Instant::now();
        // A dry run makes no copies: it previews with the copies already made.
        let hashes = store::photos::approved_hashes(self.store().conn())?;
        let copies = if dry_run {
            blog::existing_copies(self.data_dir(), &hashes)?
        } else {
            self.ensure_copies(&hashes)?
        };
        timings.photos_ms = ms(t);

        step(on_event, Step::Blog);
        let t = Instant::now();
        let site = blog::Site::load(self, |_| Ok(copies.clone()))?;
        let blog_dir = self.blog_dir()?;
        let existed = |p: &String| blog_dir.join(p).exists();
        let (report, new_posts) = if dry_run {
            let r = site.preview()?;
            let n = r
                .written
                .iter()
                .filter(|p| is_post(p) && !existed(p))
                .count();
            (r, n)
        } else {
            let before: std::collections::HashSet<String> =
                std::fs::read_dir(blog_dir.join("posts"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| format!("posts/{}", e.file_name().to_string_lossy()))
                    .collect();
            let r = site.build()?;
            let n = r
                .written
                .iter()
                .filter(|p| is_post(p) && !before.contains(*p))
                .count();
            (r, n)
        };
        timings.blog_ms = ms(t);

        step(on_event, Step::Publish);
        let t = Instant::now();
        // A marker file says the folder has changes the web server has not seen yet; it
        // outlives a failed publish or a killed sync, so the next sync publishes again.
        let pending = self.data_dir().join("publish.pending");
        let changed = !report.written.is_empty() || !report.removed.is_empty();
        let publish = match self.setting("blog.publish_command")? {
            Some(cmd) if !dry_run && (changed || pending.exists()) => {
                crate::fsutil::write_atomic(&pending, b"")?;
                let r = crate::publish::run(&cmd, &report.dir)?;
                if r.ok {
                    std::fs::remove_file(&pending)
                        .map_err(|e| crate::Error::io("remove", &pending, e))?;
                }
                Some(r)
            }
            _ => None,
        };
        timings.publish_ms = ms(t);

        step(on_event, Step::Mail);
        let t = Instant::now();
        let (mail, would_queue, families, unreachable) = if dry_run {
            let (q, families, unreachable) = self.mail_preview()?;
            (None, Some(q), families, unreachable)
        } else {
            let m = self.mail_send(&mut |p| {
                if let crate::mail::Progress::Sending { done, total } = p {
                    on_event(Event::Sending { done, total });
                }
            })?;
            let unreachable = m.unreachable.clone();
            (Some(m), None, Vec::new(), unreachable)
        };
        timings.mail_ms = ms(t);

        step(on_event, Step::Record);
        Ok(SyncSummary {
            dry_run,
            run_id,
            new_posts,
            photos: hashes.len(),
            blog: report,
            publish,
            mail,
            would_queue,
            families,
            unreachable,
            timings: Timings::default(),
        })
    }

    /// What the mail step would queue, per family, computed on a throw-away copy of the
    /// database with the very code a real sync runs, so the preview cannot drift from it.
    fn mail_preview(&self) -> Result<(QueueCounts, Vec<FamilyPreview>, Vec<Unreachable>)> {
        let tmp = tempfile::tempdir()
            .map_err(|e| crate::Error::io("make a temporary folder in", std::env::temp_dir(), e))?;
        self.backup(&tmp.path().join(store::DB_FILE))?;
        let copy = Goalpost::open(tmp.path())?.with_clock(self.clock());
        let before: std::collections::HashSet<i64> =
            store::outbox::list(copy.store().conn(), false)?
                .into_iter()
                .map(|d| d.id)
                .collect();
        let (queued, unreachable) = copy.mail_queue()?;
        let new: Vec<store::outbox::Delivery> = store::outbox::list(copy.store().conn(), false)?
            .into_iter()
            .filter(|d| !before.contains(&d.id))
            .collect();
        let class = self.class()?;
        let views = self.family_views()?;
        let mut by_contact: BTreeMap<ContactId, FamilyPreview> = BTreeMap::new();
        for d in new {
            let Some(v) = views.iter().find(|v| v.contact.id == d.contact_id) else {
                continue;
            };
            let fp = by_contact.entry(d.contact_id).or_insert_with(|| {
                let used = crate::i18n::Localizer::new(
                    Some(self.data_dir()),
                    "mail",
                    &v.contact.language,
                    &class.language,
                )
                .map(|l| l.lang)
                .unwrap_or_else(|_| class.language.clone());
                FamilyPreview {
                    contact_id: v.contact.id,
                    contact: v.contact.name.clone(),
                    channel: v.contact.channel,
                    language: v.contact.language.clone(),
                    language_used: used,
                    deliveries: Vec::new(),
                }
            });
            fp.deliveries.push(PreviewDelivery {
                kind: d.kind.as_str().to_string(),
                items: d
                    .evidence_ids
                    .iter()
                    .filter_map(|id| v.items.iter().find(|i| i.evidence_id == *id))
                    .map(|i| PreviewItem {
                        evidence_id: i.evidence_id,
                        student: i.display_name.clone(),
                        goal: i.goal_title.clone(),
                        with_photo: i.photo_hash.is_some(),
                    })
                    .collect(),
            });
        }
        Ok((queued, by_contact.into_values().collect(), unreachable))
    }
}
