//! Photos: taking in camera files and keeping the originals private.
//!
//! An original is checked, then stored under `<data>/photos/originals/<sha256>` (the same
//! photo twice is stored once) and recorded in the `photos` table. Originals never leave
//! the PC as they are.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::PhotoRecord;
use crate::{store, Goalpost};

/// Files larger than this are refused before they are read whole.
pub const MAX_FILE_BYTES: u64 = 40 * 1024 * 1024;
/// Neither side may be longer than this.
pub const MAX_SIDE: u32 = 12_000;
/// Nor may the picture hold more pixels than this.
pub const MAX_PIXELS: u64 = 100_000_000;

pub fn originals_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("photos").join("originals")
}

pub fn original_path(data_dir: &Path, hash: &str) -> PathBuf {
    originals_dir(data_dir).join(hash)
}

/// Deletes a private original (after an erasure); a file already gone is fine.
pub fn delete_original(data_dir: &Path, hash: &str) -> Result<()> {
    let p = original_path(data_dir, hash);
    match std::fs::remove_file(&p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("delete the photo", p, e)),
    }
}

/// What a checked photo is.
#[derive(Debug, Clone)]
pub struct Checked {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Checks that `bytes` is a photo Goalpost can take: a raster image within the limits.
pub fn check(bytes: &[u8], name: &str) -> Result<Checked> {
    if bytes.is_empty() {
        return Err(Error::Photo(format!(
            "{name} is empty: take the photo again or choose another file"
        )));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::Photo(format!(
            "{name} is {} MB: the largest photo Goalpost takes is 40 MB; export a smaller JPEG",
            bytes.len() / (1024 * 1024)
        )));
    }
    let format = image::guess_format(bytes).map_err(|_| not_an_image(name, bytes))?;
    let fmt = match format {
        image::ImageFormat::Jpeg => "jpeg",
        image::ImageFormat::Png => "png",
        _ => return Err(not_an_image(name, bytes)),
    };
    let reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = reader.into_dimensions().map_err(|e| {
        Error::Photo(format!(
            "{name} is damaged or cut short ({e}): take the photo again or choose another file"
        ))
    })?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Error::Photo(format!(
            "{name} is {width}x{height} pixels: the most Goalpost takes is {MAX_SIDE} pixels a side and 100 megapixels; export a smaller copy"
        )));
    }
    Ok(Checked {
        format: fmt,
        width,
        height,
    })
}

fn not_an_image(name: &str, bytes: &[u8]) -> Error {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    if head.contains("<svg") || head.contains("<html") || head.contains("<!doctype") {
        Error::Photo(format!(
            "{name} is a web page or drawing (SVG/HTML), not a photo: choose a JPEG or PNG photo"
        ))
    } else if bytes.len() > 12 && &bytes[4..8] == b"ftyp" {
        Error::Photo(format!(
            "{name} is a HEIF/HEIC photo, which Goalpost cannot read yet: on the phone choose \"Most Compatible\" (iPhone: Settings > Camera > Formats) or export it as JPEG, then try again"
        ))
    } else {
        Error::Photo(format!(
            "{name} is not a photo Goalpost can read: choose a JPEG or PNG file"
        ))
    }
}

impl Goalpost {
    /// Checks a photo file and stores it privately; see [`Goalpost::import_photo`].
    pub fn import_photo_file(&self, path: &Path) -> Result<PhotoRecord> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io("read the photo", path, e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "the photo".into());
        if meta.len() > MAX_FILE_BYTES {
            return Err(Error::Photo(format!(
                "{name} is {} MB: the largest photo Goalpost takes is 40 MB; export a smaller JPEG",
                meta.len() / (1024 * 1024)
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io("read the photo", path, e))?;
        self.import_photo(&bytes, &name)
    }

    /// Checks photo bytes and stores them privately, named by their content hash. The same
    /// photo imported twice is stored once.
    pub fn import_photo(&self, bytes: &[u8], name: &str) -> Result<PhotoRecord> {
        let checked = check(bytes, name)?;
        let hash = format!("{:x}", Sha256::digest(bytes));
        let dir = originals_dir(self.data_dir());
        let dest = dir.join(&hash);
        if !dest.is_file() {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Error::io("create the photo folder", &dir, e))?;
            let mut tmp = tempfile::NamedTempFile::new_in(&dir)
                .map_err(|e| Error::io("write the photo into", &dir, e))?;
            tmp.write_all(bytes)
                .and_then(|_| tmp.as_file().sync_all())
                .map_err(|e| Error::io("write the photo into", &dir, e))?;
            tmp.persist(&dest)
                .map_err(|e| Error::io("store the photo as", &dest, e.error))?;
        }
        let rec = PhotoRecord {
            hash,
            bytes: bytes.len() as i64,
            format: checked.format.to_string(),
            width: checked.width,
            height: checked.height,
        };
        let now = self.now();
        self.store()
            .in_tx(|tx| store::photos::insert(tx, &rec, now))?;
        Ok(rec)
    }
}

/// The sizes of the web copies made of every approved photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Size {
    /// 1600 px long edge: the blog's main picture.
    Web,
    /// 1024 px long edge: inline in family email.
    Email,
    /// 400 px long edge: lists and slips.
    Thumb,
}

impl Size {
    pub const ALL: [Size; 3] = [Size::Web, Size::Email, Size::Thumb];

    /// The longest edge in pixels; a smaller photo is never enlarged.
    pub fn long_edge(self) -> u32 {
        match self {
            Size::Web => 1600,
            Size::Email => 1024,
            Size::Thumb => 400,
        }
    }
}

/// Where web copies are kept (a cache: deleting it only costs time).
pub fn copies_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("photos").join("copies")
}

/// A copy's file name: from the content hash and the size, never from a person's name.
pub fn copy_file_name(hash: &str, size: Size) -> String {
    format!("{}-{}.jpg", &hash[..hash.len().min(32)], size.long_edge())
}

pub fn copy_path(data_dir: &Path, hash: &str, size: Size) -> PathBuf {
    copies_dir(data_dir).join(copy_file_name(hash, size))
}

/// The copies made of one original, with their pixel sizes (for `srcset` and `<img>`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Copies {
    pub hash: String,
    pub copies: Vec<CopyInfo>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CopyInfo {
    pub size: Size,
    pub file_name: String,
    pub width: u32,
    pub height: u32,
}
