//! The class blog: a static folder of plain HTML, one CSS file and an Atom feed that
//! families can open from disk, copy to a USB stick, or put on any web host.
//!
//! A site generator in the small, over a [`Plan`]: [`build`] for a sync and the tests,
//! [`Goalpost::build_blog`](crate::Goalpost::build_blog) for `blog build`, both through one
//! [`Site`]. [`Site::new`] gathers everything a build of a plan needs (its `BlogPlan`, the
//! words in the class's language, the templates, the photo copies); [`Site::render`] turns
//! it into files in memory, one `render_*` step per kind of page; [`output::write_site`]
//! then puts only the changed files in place. [`preview`] says what a build would change,
//! for a dry run.
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

use std::collections::HashMap;

use serde::Serialize;

pub use output::{write_site, OutFile, Source, MANIFEST};
pub use site::{Folder, Site};
pub use templates::{
    theme_dir, write_reference as write_theme_reference, REFERENCE_DIR as THEME_REFERENCE_DIR,
};

use crate::error::Result;
use crate::photo::Copies;
use crate::plan::{BlogPlan, Plan};
use crate::DataDir;

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
/// touched. A sync builds its blog with it.
pub fn build(data: DataDir<'_>, plan: &Plan, copies: &[Copies]) -> Result<BuildReport> {
    Site::new(data, plan, copies)?.build()
}

/// What [`build`] would change, without writing anything (for a dry run).
pub fn preview(data: DataDir<'_>, plan: &Plan, copies: &[Copies]) -> Result<BuildReport> {
    Site::new(data, plan, copies)?.preview()
}

/// The copies of the photos `plan` allows on the blog, by hash, and warnings about photos
/// it shows that have none.
fn allowed_copies(plan: &BlogPlan, copies: &[Copies]) -> (HashMap<String, Copies>, Vec<String>) {
    let hashes = photo_hashes(plan);
    let mut warnings = Vec::new();
    let mut allowed = HashMap::new();
    for c in copies {
        if hashes.binary_search(&c.hash).is_err() {
            continue; // Not allowed on the blog: never published.
        }
        let mut c = c.clone();
        c.copies.retain(|i| {
            let plain = !i.file_name.contains(['/', '\\']) && !i.file_name.starts_with('.');
            plain && i.width > 0 && i.height > 0
        });
        if !c.copies.is_empty() {
            allowed.insert(c.hash.clone(), c);
        }
    }
    for p in &plan.posts {
        if let Some(h) = &p.photo_hash {
            if !allowed.contains_key(h) {
                warnings.push(format!(
                    "the photo of evidence {} has no web copies yet, so its page shows no photo: the next sync makes them",
                    p.evidence_id
                ));
            }
        }
    }
    (allowed, warnings)
}

/// The hashes of the photos the plan allows on the blog, sorted and without repeats.
pub fn photo_hashes(plan: &BlogPlan) -> Vec<String> {
    let mut h: Vec<String> = plan
        .posts
        .iter()
        .filter_map(|p| p.photo_hash.clone())
        .collect();
    h.sort();
    h.dedup();
    h
}
