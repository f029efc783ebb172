//! Sync: the one operation that brings the blog folder and every family up to date.
//!
//! Six steps over one plan, the ones a progress display names ([`Step`]), each a call into
//! the module that owns it (see `Goalpost::sync_steps`):
//!
//! 1. **plan** ([`Goalpost::plan`]): the database is read once into a [`Plan`], with consent
//!    applied; every later step takes it;
//! 2. **photos** ([`Goalpost::ensure_plan_copies`]): the web and email copies of its photos;
//! 3. **blog** ([`blog::build`]): the blog folder, only changed files written;
//! 4. **publish** ([`Goalpost::publish_blog`]): the school's publish command;
//! 5. **mail** ([`Goalpost::send_mail`]): what is due ([`mail::due`]) queued, slips
//!    written, emails delivered;
//! 6. **record**: the summary into the sync run's row.
//!
//! A dry run takes the same steps over the same plan and changes nothing: it previews the
//! blog with the photo copies already made, and shows what is due without writing it.
//!
//! Every step is safe to interrupt and to repeat, because each is idempotent on its own:
//! photo copies are cached by content hash and written by rename; the blog writes only
//! changed files, atomically, under a manifest journal; the outbox rows are written before
//! anything is sent and a row is marked sent only after the server accepted it. So a sync
//! killed at any moment is finished by the next one, and a sync with nothing new sends
//! nothing and rewrites no file. A sync holds the class lock ([`ClassLock`]) from start to
//! end: no other sync, `mail send`, blog build, erasure or restore runs meanwhile.
//!
//! This module decides nothing about consent or content: it only orders the steps and
//! reports what they did.

use std::time::Instant;

use serde::Serialize;

use crate::backup::auto::AutoBackup;
use crate::blog::{self, BuildReport};
use crate::error::Result;
use crate::lock::{ClassLock, Operation};
use crate::mail::{self, MailPreview, MailSummary, QueueCounts, Unreachable};
use crate::photo::MissingPhoto;
use crate::plan::Plan;
use crate::publish::PublishResult;
use crate::{photo, store, Goalpost};

pub use crate::mail::{FamilyPreview, PreviewDelivery, PreviewItem};

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
    Step {
        step: Step,
        index: usize,
        of: usize,
    },
    Sending {
        done: usize,
        total: usize,
    },
    /// The day's automatic backup is being written (after the last step; see
    /// `backup::auto`).
    Backup,
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
    /// Erasures that still could not remove a file, each with why (see `erasure`): the
    /// sync went on, and the next one tries again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub erasures_unfinished: Vec<String>,
    /// Folders of automatic backups that were not there when a child was erased, and are
    /// still not (a USB stick not plugged in): their backups may hold an erased child until
    /// they are back and a sync removes them (see `erasure`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backup_folders_to_clean: Vec<std::path::PathBuf>,
    /// Photos that are gone (neither original nor web copies, after an old database-only
    /// backup was restored): their evidence was published and sent without them.
    pub photos_missing: Vec<MissingPhoto>,
    /// Originals removed by `photo.keep_originals_days` (their web copies stay).
    pub originals_removed: usize,
    /// The day's automatic backup, when this sync made it (or failed to: then `ok` is
    /// false and `error` says why).
    pub auto_backup: Option<AutoBackup>,
    pub timings: Timings,
}

impl SyncSummary {
    /// True when every family that could be reached was, publishing (if any) worked, and
    /// every erasure is finished.
    pub fn all_ok(&self) -> bool {
        self.erasures_unfinished.is_empty()
            && self.auto_backup.as_ref().is_none_or(|a| a.ok)
            && self
                .mail
                .as_ref()
                .is_none_or(|m| m.failures.is_empty() && m.stopped.is_none())
            && self.publish.as_ref().is_none_or(|p| p.ok)
    }
}

/// The steps in order, for progress ("step 3 of 6") and for the timings.
const ORDER: [Step; 6] = [
    Step::Plan,
    Step::Photos,
    Step::Blog,
    Step::Publish,
    Step::Mail,
    Step::Record,
];

/// Tells `on_event` which step starts and times each step.
struct Steps<'e> {
    on_event: &'e mut dyn FnMut(Event),
    started: Instant,
    current: Option<(Step, Instant)>,
    timings: Timings,
}

impl<'e> Steps<'e> {
    fn new(on_event: &'e mut dyn FnMut(Event)) -> Self {
        Steps {
            on_event,
            started: Instant::now(),
            current: None,
            timings: Timings::default(),
        }
    }

    /// Ends the step running, if any, and starts `s`.
    fn step(&mut self, s: Step) {
        self.end_step();
        let index = ORDER.iter().position(|o| *o == s).unwrap_or(0) + 1;
        (self.on_event)(Event::Step {
            step: s,
            index,
            of: ORDER.len(),
        });
        self.current = Some((s, Instant::now()));
    }

    fn end_step(&mut self) {
        let Some((s, since)) = self.current.take() else {
            return;
        };
        let t = &mut self.timings;
        let slot = match s {
            Step::Plan => &mut t.plan_ms,
            Step::Photos => &mut t.photos_ms,
            Step::Blog => &mut t.blog_ms,
            Step::Publish => &mut t.publish_ms,
            Step::Mail => &mut t.mail_ms,
            Step::Record => return,
        };
        *slot = ms(since);
    }

    /// Passes on the mail step's progress.
    fn mail(&mut self, p: mail::Progress) {
        if let mail::Progress::Sending { done, total } = p {
            (self.on_event)(Event::Sending { done, total });
        }
    }

    fn timings(&mut self) -> Timings {
        self.end_step();
        Timings {
            total_ms: ms(self.started),
            ..self.timings.clone()
        }
    }
}

fn ms(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1e5).round() / 100.0
}

impl Goalpost {
    /// Runs a sync (see the module docs). `on_event` hears progress.
    pub fn sync(&self, dry_run: bool, on_event: &mut dyn FnMut(Event)) -> Result<SyncSummary> {
        let lock = self.lock_class(if dry_run {
            Operation::SyncPreview
        } else {
            Operation::Sync
        })?;
        let mut steps = Steps::new(on_event);
        steps.step(Step::Plan);
        let mut erasures_unfinished = Vec::new();
        let run_id = if dry_run {
            None
        } else {
            // A database put back by hand from before an erasure: erase again first. Then
            // the files an earlier erasure could not remove (a file held open, say).
            self.erase_again()?;
            if let Err(e) = self.finish_erasures() {
                erasures_unfinished.push(e.to_string());
            }
            let now = self.now();
            Some(self.store().in_tx(|tx| {
                store::sync_runs::close_abandoned(tx, now)?;
                store::sync_runs::start(tx, false, now)
            })?)
        };
        let result = self.sync_steps(&lock, dry_run, &mut steps).map(|mut s| {
            s.erasures_unfinished = erasures_unfinished;
            s.backup_folders_to_clean = self.backup_folders_to_clean().unwrap_or_default();
            // Once a day: the whole class, after this sync's outbox and slips.
            if !dry_run && self.auto_backup_due() {
                (steps.on_event)(Event::Backup);
                s.auto_backup = self.auto_backup_if_due();
            }
            s
        });
        let timings = steps.timings();
        self.record_sync(run_id, result, timings)
    }

    /// The six steps, in order, over one plan.
    fn sync_steps(
        &self,
        lock: &ClassLock,
        dry_run: bool,
        steps: &mut Steps<'_>,
    ) -> Result<SyncSummary> {
        // 1. Plan: what may leave the PC, read from the database once (consent applied).
        //    Every later step takes this value and decides nothing of its own.
        let mut plan = self.plan()?;

        // 2. Photos: the web and email copies of the photos the plan needs, cached by
        //    content hash. A dry run makes none: it previews with those already made. A
        //    photo a restore noted gone (neither original nor copies): its evidence goes
        //    without it.
        //    Then originals older than `photo.keep_originals_days` whose copies exist are
        //    removed.
        steps.step(Step::Photos);
        let gone = self.gone_photos(&plan.photos)?;
        let photos_missing = plan.without_photos(&gone);
        let mut originals_removed = 0;
        let copies = if dry_run {
            photo::existing_copies(self.data_dir(), &plan.photos)?
        } else {
            let copies = self.ensure_plan_copies(&plan)?;
            originals_removed =
                self.remove_old_originals(plan.settings.photo_keep_originals_days)?;
            copies
        };

        // 3. Blog: the plan's blog into its folder, only the files that changed.
        steps.step(Step::Blog);
        let blog = if dry_run {
            blog::preview(self.folders(), &plan, &copies)?
        } else {
            blog::build(self.folders(), &plan, &copies)?
        };

        // 4. Publish: the school's publish command, when the folder changed.
        steps.step(Step::Publish);
        let publish = if dry_run {
            None
        } else {
            self.publish_blog(&plan.settings, &blog)?
        };

        // 5. Mail: what is due for the plan now, queued then delivered; a dry run shows it.
        steps.step(Step::Mail);
        let mail = if dry_run {
            MailStep::Preview(mail::preview(self, &plan)?)
        } else {
            MailStep::Sent(self.send_mail(&plan, lock, &mut |p| steps.mail(p))?)
        };

        // 6. Record: the summary, written into the sync run's row by `record_sync`.
        steps.step(Step::Record);
        let mut summary = SyncSummary::of(dry_run, &plan, blog, publish, mail);
        summary.photos_missing = photos_missing;
        summary.originals_removed = originals_removed;
        Ok(summary)
    }

    /// Writes how the sync ended into its run's row (none for a dry run).
    fn record_sync(
        &self,
        run_id: Option<i64>,
        result: Result<SyncSummary>,
        timings: Timings,
    ) -> Result<SyncSummary> {
        match result {
            Ok(mut summary) => {
                summary.run_id = run_id;
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
}

impl Goalpost {
    /// `goalpost blog build`: a sync's first three steps for the blog alone. The plan of
    /// now, the web copies of the photos the blog shows (made first if they are missing,
    /// see [`Goalpost::ensure_copies`]), and the blog built from them as a sync builds it. The copy cache and the blog's folders are looked at
    /// on other cores while the plan is made from the database.
    pub fn build_blog(&self) -> Result<BuildReport> {
        let _lock = self.lock_class(Operation::BlogBuild)?;
        let data = self.folders();
        let settings = self.config()?;
        let (plan, look, folder) = std::thread::scope(|s| {
            let look = s.spawn(|| photo::CopiesLook::read(data.path()));
            let folder = s.spawn(|| blog::Folder::read(data, &settings));
            let plan = self.plan();
            (plan, join(look), join(folder))
        });
        let mut plan = plan?;
        let gone = self.gone_photos(&plan.photos)?;
        plan.without_photos(&gone);
        let hashes = blog::photo_hashes(&plan.blog);
        let copies = self.ensure_copies_with(&hashes, look?, plan.settings.photo_quality)?;
        blog::Site::with_folder(data, &plan, &copies, folder)?.build()
    }
}

/// The result of a scoped thread, its panic passed on.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// What the mail step did: sent, or for a dry run, what it would send.
enum MailStep {
    Sent(MailSummary),
    Preview(MailPreview),
}

impl SyncSummary {
    fn of(
        dry_run: bool,
        plan: &Plan,
        blog: BuildReport,
        publish: Option<PublishResult>,
        mail: MailStep,
    ) -> SyncSummary {
        let (mail, would_queue, families, unreachable) = match mail {
            MailStep::Sent(m) => {
                let unreachable = m.unreachable.clone();
                (Some(m), None, Vec::new(), unreachable)
            }
            MailStep::Preview(p) => (None, Some(p.would_queue), p.families, p.unreachable),
        };
        SyncSummary {
            dry_run,
            run_id: None,
            new_posts: blog.new_posts,
            photos: plan.photos.len(),
            blog,
            publish,
            mail,
            would_queue,
            families,
            unreachable,
            erasures_unfinished: Vec::new(),
            backup_folders_to_clean: Vec::new(),
            photos_missing: Vec::new(),
            originals_removed: 0,
            auto_backup: None,
            timings: Timings::default(),
        }
    }
}
