//! The class blog: a static folder of plain HTML, one CSS file and an Atom feed that
//! families can open from disk, copy to a USB stick, or put on any web host.
//!
//! A site generator in the small. [`build`] is the one way in (a sync, `blog build` and the
//! tests all use it): [`Site::new`] gathers everything a build of a [`Plan`] needs (its
//! [`BlogPlan`](crate::plan::BlogPlan), the words in the class's language, the templates,
//! the photo copies); [`Site::render`] turns it into files in memory, one `render_*` step
//! per kind of page; [`output::write_site`] then puts only the changed files in place.
//! [`preview`] says what a build would change, for a dry run.
//!
//! What this module may not do:
//! - read the database or decide consent: it renders only what the plan holds, so it can
//!   never publish what consent forbids (the plan is the one place consent is applied);
//! - read or publish an original photo: it only links or copies the web copies that the
//!   photo pipeline made, named by content hash and size;
//! - touch a file it did not generate: the manifest in the folder says which are ours;
//! - stamp anything with the build time: the same database gives the same bytes.

mod memo;
mod output;
mod site;
mod templates;
mod view;

use serde::Serialize;

pub use output::{write_site, OutFile, Source, MANIFEST};
pub use site::Site;
pub use templates::{
    theme_dir, write_reference as write_theme_reference, REFERENCE_DIR as THEME_REFERENCE_DIR,
};

use crate::error::Result;
use crate::photo::{self, Copies};
use crate::plan::Plan;
use crate::{DataDir, Goalpost};

/// A post's page in the blog folder (`posts/e12.html`); email links to it too.
pub fn post_path(slug: &str) -> String {
    format!("posts/{slug}.html")
}

/// Whether a path in the blog folder is a post's page (see [`post_path`]).
fn is_post(path: &str) -> bool {
    path.starts_with("posts/") && path.ends_with(".html")
}

/// What a build did, for the CLI's summary and for tests.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildReport {
    /// The blog folder.
    pub dir: std::path::PathBuf,
    /// How many pages (HTML, feed, CSS) and media files the site holds.
    pub pages: usize,
    pub media: usize,
    /// Pages rendered by this build; the others were kept as the last build left them,
    /// their inputs unchanged (see `memo`).
    pub rendered: usize,
    /// Posts whose pages appear for the first time (a sync reports them as `new_posts`).
    #[serde(skip)]
    pub new_posts: usize,
    /// Files whose bytes changed, relative to the folder, sorted.
    pub written: Vec<String>,
    /// Files left as they were (same bytes, same modification time).
    pub unchanged: usize,
    /// Generated files that should no longer exist and were removed.
    pub removed: Vec<String>,
    /// Things the teacher may want to fix; the build still succeeded.
    pub warnings: Vec<String>,
}

/// Builds the blog of `plan` into its blog folder from `copies`, the web copies the photo
/// pipeline made of the photos it may show (see [`Site::new`]): only changed files are
/// written, files that should no longer exist are removed, and other files are never
/// touched. The one way to build the blog: a sync, `blog build` and the tests all use it.
pub fn build(data: DataDir<'_>, plan: &Plan, copies: &[Copies]) -> Result<BuildReport> {
    Site::new(data, plan, copies)?.build()
}

/// What [`build`] would change, without writing anything (for a dry run).
pub fn preview(data: DataDir<'_>, plan: &Plan, copies: &[Copies]) -> Result<BuildReport> {
    Site::new(data, plan, copies)?.preview()
}

impl Goalpost {
    /// Builds the blog as `goalpost blog build` does: from the plan of now, with the web
    /// copies of the photos it shows made first if they are missing (see
    /// [`Goalpost::ensure_copies`]). The copy cache is looked at on another core while the
    /// plan is made from the database.
    pub fn build_blog(&self) -> Result<BuildReport> {
        let data = self.folders();
        std::thread::scope(|s| {
            let look = s.spawn(|| photo::CopiesLook::read(data.path()));
            let plan = self.plan()?;
            let look = look
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            let hashes = site::photo_hashes(&plan.blog);
            let copies = self.ensure_copies_with(&hashes, look, plan.settings.photo_quality)?;
            build(data, &plan, &copies)
        })
    }
}
