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

mod memo;
mod output;
mod site;
mod templates;
mod view;

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

pub use output::{write_site, OutFile, Source, MANIFEST};
pub use site::Site;
pub use templates::{
    theme_dir, write_reference as write_theme_reference, REFERENCE_DIR as THEME_REFERENCE_DIR,
};

use crate::error::Result;
use crate::photo::{self, Copies, CopyInfo};
use crate::Goalpost;

/// A post's page in the blog folder (`posts/e12.html`); email links to it too.
pub fn post_path(slug: &str) -> String {
    format!("posts/{slug}.html")
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

/// Builds the blog of `gp` as `goalpost blog build` does: the web copies of the photos it
/// shows are made first if they are missing (see [`Goalpost::ensure_copies`]). The copy
/// cache is looked at on another core while the plan is made from the database.
pub fn build_with_copies(gp: &Goalpost) -> Result<BuildReport> {
    let data_dir = gp.data_dir();
    std::thread::scope(|s| {
        let look = s.spawn(|| photo::CopiesLook::read(data_dir));
        Site::load(gp, |hashes| {
            let look = look
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            gp.ensure_copies_with(hashes, look)
        })?
        .build()
    })
}

/// The pixel size of a JPEG from its frame header, reading only the segments before it.
/// (`image::image_dimensions` reads the whole file for a JPEG: for a year of photos that
/// is a gigabyte read at every build just to learn 3,600 sizes.)
fn jpeg_size(path: &Path) -> Option<(u32, u32)> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::io::BufReader::with_capacity(4096, std::fs::File::open(path).ok()?);
    let mut b = [0u8; 2];
    f.read_exact(&mut b).ok()?;
    if b != [0xFF, 0xD8] {
        return None;
    }
    loop {
        f.read_exact(&mut b).ok()?;
        if b[0] != 0xFF {
            return None;
        }
        let mut marker = b[1];
        while marker == 0xFF {
            let mut m = [0u8; 1];
            f.read_exact(&mut m).ok()?;
            marker = m[0];
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue; // Markers without a length.
        }
        f.read_exact(&mut b).ok()?;
        let len = u16::from_be_bytes(b);
        if len < 2 {
            return None;
        }
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let mut h = [0u8; 5];
            f.read_exact(&mut h).ok()?;
            let height = u32::from(u16::from_be_bytes([h[1], h[2]]));
            let width = u32::from(u16::from_be_bytes([h[3], h[4]]));
            return (width > 0 && height > 0).then_some((width, height));
        }
        f.seek(SeekFrom::Current(i64::from(len) - 2)).ok()?;
    }
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
                    let (width, height) =
                        jpeg_size(&path).or_else(|| image::image_dimensions(&path).ok())?;
                    Some(CopyInfo {
                        size,
                        file_name: photo::copy_file_name(hash, size),
                        width,
                        height,
                        file_id: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_sizes_come_from_the_frame_header() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jpg");
        image::RgbImage::new(37, 21).save(&p).unwrap();
        assert_eq!(jpeg_size(&p), Some((37, 21)));
        std::fs::write(&p, b"not a jpeg").unwrap();
        assert_eq!(jpeg_size(&p), None);
        std::fs::write(&p, [0xFF, 0xD8, 0xFF, 0xE0, 0x00]).unwrap();
        assert_eq!(jpeg_size(&p), None);
    }
}
