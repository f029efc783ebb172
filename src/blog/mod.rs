//! The class blog: a static folder of plain HTML, one CSS file and an Atom feed that
//! families can open from disk, copy to a USB stick, or put on any web host.
//!
//! A site generator in the small. [`Site::load`] gathers everything a build needs (the
//! [`BlogPlan`](crate::plan::BlogPlan), the words in the class's language, the templates,
//! the photo copies); [`Site::render`] turns it into files in memory, one `render_*` step
//! per kind of page; [`output::write_site`] then puts only the changed files in place.
//!
//! What this module may not do:
//! - read the database or decide consent: it renders only what the plan holds, so it can
//!   never publish what consent forbids (the plan is the one place consent is applied);
//! - read or publish an original photo: it only links or copies the web copies that the
//!   photo pipeline made, named by content hash and size;
//! - touch a file it did not generate: the manifest in the folder says which are ours;
//! - stamp anything with the build time: the same database gives the same bytes.

mod output;
mod site;
mod templates;
mod view;

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

pub use output::{write_site, OutFile, Source, MANIFEST};
pub use site::Site;

use crate::error::Result;
use crate::photo::{self, Copies, CopyInfo};
use crate::Goalpost;

/// What a build did, for the CLI's summary and for tests.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildReport {
    /// The blog folder.
    pub dir: std::path::PathBuf,
    /// How many pages (HTML, feed, CSS) and media files the site holds.
    pub pages: usize,
    pub media: usize,
    /// Files whose bytes changed, relative to the folder, sorted.
    pub written: Vec<String>,
    /// Files left as they were (same bytes, same modification time).
    pub unchanged: usize,
    /// Generated files that should no longer exist and were removed.
    pub removed: Vec<String>,
    /// Things the teacher may want to fix; the build still succeeded.
    pub warnings: Vec<String>,
}

/// Builds the blog of `gp` into its blog folder from `copies`, the web copies the photo
/// pipeline made (see [`existing_copies`] for copies already on disk).
pub fn build(gp: &Goalpost, copies: &[Copies]) -> Result<BuildReport> {
    Site::load(gp, |_| Ok(copies.to_vec()))?.build()
}

/// The copies of `hashes` that already exist in the copy cache, with their pixel sizes
/// read from the files' headers. Makes nothing: a photo without copies has none here.
pub fn existing_copies(data_dir: &Path, hashes: &[String]) -> Result<Vec<Copies>> {
    let found: Vec<Copies> = hashes
        .par_iter()
        .filter_map(|hash| {
            let copies: Vec<CopyInfo> = photo::Size::ALL
                .iter()
                .filter_map(|&size| {
                    let path = photo::copy_path(data_dir, hash, size);
                    let (width, height) = image::image_dimensions(&path).ok()?;
                    Some(CopyInfo {
                        size,
                        file_name: photo::copy_file_name(hash, size),
                        width,
                        height,
                    })
                })
                .collect();
            (!copies.is_empty()).then(|| Copies {
                hash: hash.clone(),
                copies,
            })
        })
        .collect();
    Ok(found)
}
