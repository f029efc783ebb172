//! Photos: taking in camera files, keeping the originals private, and making the web copies
//! that are the only form in which a photo ever leaves the PC.
//!
//! An original is checked (see [`decode`]: every limit holds before a large allocation),
//! then stored under `<data>/photos/originals/<sha256>` (the same photo twice is stored
//! once) and recorded in the `photos` table. Originals never leave the PC as they are.
//! Approved photos get three re-encoded copies (see [`copies`]) under
//! `<data>/photos/copies/`, named from the content hash and size, cached, and made on all
//! cores. This module never decides who may see a photo: consent is applied by the plan.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

pub mod copies;
pub mod decode;
pub mod jpeg;

pub use copies::{copy_dims, make_copies};
pub use decode::{Format, MAX_DECODE_BYTES};

use crate::error::{Error, Result};
use crate::fsutil::{FileId, Listing};
use crate::model::PhotoRecord;
use crate::plan::Plan;
use crate::{store, DataDir, Goalpost};

/// Files larger than this are refused before they are read whole.
pub const MAX_FILE_BYTES: u64 = 40 * 1024 * 1024;
/// Neither side may be longer than this.
pub const MAX_SIDE: u32 = 12_000;
/// Nor may the picture hold more pixels than this.
pub const MAX_PIXELS: u64 = 100_000_000;

pub fn originals_dir(data_dir: &Path) -> PathBuf {
    DataDir::new(data_dir).originals()
}

pub fn original_path(data_dir: &Path, hash: &str) -> PathBuf {
    originals_dir(data_dir).join(hash)
}

/// Deletes a private original (after an erasure); a file already gone is fine.
pub fn delete_original(data_dir: &Path, hash: &str) -> Result<()> {
    check_hash(hash)?; // a hash from a damaged database never names another file
    crate::fsutil::remove_if_present(&original_path(data_dir, hash), "delete the photo")?;
    Ok(())
}

/// Deletes the web copies of a photo and their sidecar (after an erasure); copies already
/// gone are fine. The copies index needs no change: it trusts an entry only while every
/// copy is still in the folder.
pub fn delete_copies(data_dir: &Path, hash: &str) -> Result<()> {
    check_hash(hash)?;
    let files = Size::ALL
        .iter()
        .map(|&s| copy_path(data_dir, hash, s))
        .chain([sidecar_path(data_dir, hash)]);
    for p in files {
        crate::fsutil::remove_if_present(&p, "delete the photo copy")?;
    }
    Ok(())
}

/// Every file kept of a photo: its private original, its web copies and their sidecar.
pub fn files_of(data_dir: &Path, hash: &str) -> Result<Vec<PathBuf>> {
    check_hash(hash)?;
    Ok(std::iter::once(original_path(data_dir, hash))
        .chain(Size::ALL.iter().map(|&s| copy_path(data_dir, hash, s)))
        .chain([sidecar_path(data_dir, hash)])
        .collect())
}

impl Goalpost {
    /// Checks a photo file and stores it privately; see [`Goalpost::import_photo`].
    pub fn import_photo_file(&self, path: &Path) -> Result<PhotoRecord> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "the photo".into());
        let file = std::fs::File::open(path).map_err(|e| Error::io("read the photo", path, e))?;
        let meta = file
            .metadata()
            .map_err(|e| Error::io("read the photo", path, e))?;
        if !meta.is_file() {
            return Err(Error::Photo(format!(
                "{} is not a file: choose a photo file",
                path.display()
            )));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(decode::too_big_file(&name, meta.len()));
        }
        // Read at most one byte more than allowed, so a file that grows meanwhile is still
        // refused by size rather than read whole.
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("read the photo", path, e))?;
        self.import_photo(&bytes, &name)
    }

    /// Checks photo bytes and stores them privately, named by their content hash. The same
    /// photo imported twice is stored once.
    ///
    /// The check decodes the whole picture, so that a file that cannot become web copies
    /// later is refused now, while the student is still at the station. The recorded width
    /// and height are the upright ones (EXIF orientation applied).
    pub fn import_photo(&self, bytes: &[u8], name: &str) -> Result<PhotoRecord> {
        let checked = check(bytes, name)?;
        let hash = format!("{:x}", Sha256::digest(bytes));
        let dir = originals_dir(self.data_dir());
        let dest = dir.join(&hash);
        if !dest.is_file() {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Error::io("create the photo folder", &dir, e))?;
            crate::fsutil::write_atomic(&dest, bytes)?;
        }
        let rec = PhotoRecord {
            hash,
            bytes: bytes.len() as i64,
            format: checked.format.as_str().to_string(),
            width: checked.width,
            height: checked.height,
        };
        let now = self.now();
        self.store()
            .in_tx(|tx| store::photos::insert(tx, &rec, now))?;
        Ok(rec)
    }

    /// Makes the missing web copies of these photos (by content hash), several photos at
    /// once on all cores, and returns each photo's three copies with their pixel sizes, in
    /// the order given. A copy already made with the current settings is not made again.
    ///
    /// What is already made is known from one listing of the copies folder and the copies
    /// index (`<data folder>/cache/photo-copies`), not from reading each sidecar (on Unix
    /// not even a look at each file; Windows gives file identities only per file): a year
    /// of photos is thousands of files, and this runs at every build of the blog.
    pub fn ensure_copies(&self, hashes: &[String]) -> Result<Vec<Copies>> {
        let quality = self.config()?.photo_quality;
        self.ensure_copies_with(hashes, CopiesLook::read(self.data_dir())?, quality)
    }

    /// [`Goalpost::ensure_copies`] from a look at the copy cache taken just before (on
    /// another core while the database was read, say), with JPEG `quality` (the setting
    /// `photo.quality`).
    pub fn ensure_copies_with(
        &self,
        hashes: &[String],
        look: CopiesLook,
        quality: u8,
    ) -> Result<Vec<Copies>> {
        for h in hashes {
            check_hash(h)?;
        }
        let data_dir = self.data_dir();
        let CopiesLook { listing, mut index } = look;
        let index_path = copies_index_path(data_dir);
        let found: Vec<(Copies, Option<IndexEntry>)> = hashes
            .par_iter()
            .map(|h| {
                if let Some(c) = index.copies(h, quality, &listing) {
                    return Ok((c, None));
                }
                let (mut c, listed) = match cached(data_dir, h, quality, &listing) {
                    Some(c) => (c, Some(&listing)),
                    // The original is gone (`photo.keep_originals_days`, or a backup that
                    // held only these): its copies are all there is, whatever the quality
                    // they were made with. Not indexed: the index is for copies that match
                    // the settings.
                    None if !original_path(data_dir, h).exists() => {
                        match kept_copies(data_dir, h, &listing) {
                            Some(c) => return Ok((c, None)),
                            None => (make_and_store(data_dir, h, quality)?, None),
                        }
                    }
                    // Just made: not in the listing, or there as the file it replaced.
                    None => (make_and_store(data_dir, h, quality)?, None),
                };
                let entry = IndexEntry::of(data_dir, &c, quality, listed);
                if let Some(e) = &entry {
                    for (info, &(_, _, id)) in c.copies.iter_mut().zip(&e.copies) {
                        info.file_id = Some(id);
                    }
                }
                Ok((c, entry))
            })
            .collect::<Result<_>>()?;
        let mut new_entries = Vec::new();
        let mut copies = Vec::with_capacity(found.len());
        for (c, entry) in found {
            if let Some(e) = entry {
                new_entries.push((c.hash.clone(), e));
            }
            copies.push(c);
        }
        if !new_entries.is_empty() {
            index.forget_missing(&listing);
            index.entries.extend(new_entries);
            // Only a cache: if it cannot be written, the next build reads the sidecars.
            let _ = index.save(&index_path);
        }
        Ok(copies)
    }

    /// [`Goalpost::ensure_copies`] for the photos `plan` needs, with its quality: the
    /// photos step of a sync.
    pub fn ensure_plan_copies(&self, plan: &Plan) -> Result<Vec<Copies>> {
        let look = CopiesLook::read(self.data_dir())?;
        self.ensure_copies_with(&plan.photos, look, plan.settings.photo_quality)
    }

    /// Of `hashes`, the photos a restore noted as gone for good and that are still not in
    /// the data folder (a teacher who copies the originals back by hand gets them back).
    /// Photos missing without that note (a disk not mounted) are not gone: their evidence
    /// waits, and the sync says what to do.
    pub fn gone_photos(&self, hashes: &[String]) -> Result<Vec<String>> {
        let marked = store::photos::marked_gone(self.store().conn())?;
        let asked: Vec<String> = hashes
            .iter()
            .filter(|h| marked.binary_search(h).is_ok())
            .cloned()
            .collect();
        Ok(gone(self.data_dir(), &asked))
    }

    /// `photo.keep_originals_days` (issue 15): removes the originals recorded more than
    /// `days` days ago whose web copies all exist; from then on those photos are published
    /// and sent from their copies. 0 keeps every original. Returns how many it removed.
    pub fn remove_old_originals(&self, days: u32) -> Result<usize> {
        if days == 0 {
            return Ok(0);
        }
        let before = self.now() - chrono::Duration::days(i64::from(days));
        let old = store::photos::older_than(self.store().conn(), before)?;
        let mut removed = 0;
        for hash in old {
            if has_original(self.data_dir(), &hash) && has_copies(self.data_dir(), &hash) {
                delete_original(self.data_dir(), &hash)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// [`Goalpost::ensure_copies`] for every photo of approved evidence.
    pub fn copies_for_approved(&self) -> Result<Vec<Copies>> {
        let _lock = self.lock_class(crate::lock::Operation::PhotoCopies)?;
        let hashes = store::photos::approved_hashes(self.store().conn())?;
        self.ensure_copies(&hashes)
    }
}

/// The copies of `hashes` that already exist in the copy cache, with their pixel sizes
/// read from the files' headers. Makes nothing: a photo without copies has none here (a
/// dry run previews with these).
pub fn existing_copies(data_dir: &Path, hashes: &[String]) -> Result<Vec<Copies>> {
    let found: Vec<Copies> = hashes
        .par_iter()
        .filter_map(|hash| {
            let copies: Vec<CopyInfo> = Size::ALL
                .iter()
                .filter_map(|&size| {
                    let path = copy_path(data_dir, hash, size);
                    let (width, height) = jpeg::file_frame_size(&path)
                        .or_else(|| image::image_dimensions(&path).ok())?;
                    Some(CopyInfo {
                        size,
                        file_name: copy_file_name(hash, size),
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

/// What a checked photo is: its format and its upright size.
#[derive(Debug, Clone)]
pub struct Checked {
    pub format: Format,
    pub width: u32,
    pub height: u32,
}

/// Checks that `bytes` is a photo Goalpost can take: a raster image within the limits that
/// decodes. Refusals are one line naming the problem and the fix.
pub fn check(bytes: &[u8], name: &str) -> Result<Checked> {
    let d = decode::decode(bytes, name)?;
    let (width, height) = d.upright_size();
    Ok(Checked {
        format: d.format,
        width,
        height,
    })
}

/// A content hash as Goalpost writes them (64 lowercase hex digits); anything else could
/// name a file outside the photo folders.
fn check_hash(hash: &str) -> Result<()> {
    if hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{hash:?} is not a photo's content hash (64 hex digits)"
        )))
    }
}

/// The small record kept beside a photo's copies: how they were made and their sizes, so
/// that they can be listed without decoding them.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Sidecar {
    recipe: u32,
    quality: u8,
    copies: Vec<CopyInfo>,
}

fn sidecar_path(data_dir: &Path, hash: &str) -> PathBuf {
    copies_dir(data_dir).join(format!("{}.json", &hash[..32]))
}

/// The copies of a photo if they were all made with the current recipe and quality, from
/// its sidecar, with every copy in `listing` (the copies folder's files).
fn cached(data_dir: &Path, hash: &str, quality: u8, listing: &Listing) -> Option<Copies> {
    let text = std::fs::read(sidecar_path(data_dir, hash)).ok()?;
    let s: Sidecar = serde_json::from_slice(&text).ok()?;
    let complete = s.recipe == copies::RECIPE
        && s.quality == quality
        && s.copies.len() == Size::ALL.len()
        && Size::ALL.iter().zip(&s.copies).all(|(size, c)| {
            c.size == *size
                && c.file_name == copy_file_name(hash, *size)
                && listing.contains_key(&c.file_name)
        });
    complete.then(|| Copies {
        hash: hash.to_string(),
        copies: s.copies,
    })
}

/// The copies of a photo as its sidecar lists them, whatever recipe and quality they were
/// made with, if every one is in `listing`: for a photo whose original is gone.
fn kept_copies(data_dir: &Path, hash: &str, listing: &Listing) -> Option<Copies> {
    let text = std::fs::read(sidecar_path(data_dir, hash)).ok()?;
    let s: Sidecar = serde_json::from_slice(&text).ok()?;
    let complete = !s.copies.is_empty()
        && s.copies.iter().all(|c| {
            Size::ALL.contains(&c.size)
                && c.file_name == copy_file_name(hash, c.size)
                && listing.contains_key(&c.file_name)
        });
    complete.then(|| Copies {
        hash: hash.to_string(),
        copies: s.copies,
    })
}

/// True when the photo's private original is in the data folder.
pub fn has_original(data_dir: &Path, hash: &str) -> bool {
    check_hash(hash).is_ok() && original_path(data_dir, hash).is_file()
}

/// True when the photo's web copies are all there (with their sidecar), whatever quality
/// they were made with: enough to publish and send it without its original.
pub fn has_copies(data_dir: &Path, hash: &str) -> bool {
    if check_hash(hash).is_err() {
        return false;
    }
    let Ok(text) = std::fs::read(sidecar_path(data_dir, hash)) else {
        return false;
    };
    let Ok(s) = serde_json::from_slice::<Sidecar>(&text) else {
        return false;
    };
    s.copies.len() == Size::ALL.len()
        && Size::ALL.iter().all(|&size| {
            s.copies.iter().any(|c| c.size == size) && copy_path(data_dir, hash, size).is_file()
        })
}

/// The photos of `hashes` that are gone: neither the original nor the web copies are in the
/// data folder (after an old database-only backup was restored on a new PC). Their evidence
/// stays; once a restore noted them gone ([`Goalpost::gone_photos`]), it is published and
/// sent without a photo.
pub fn gone(data_dir: &Path, hashes: &[String]) -> Vec<String> {
    hashes
        .iter()
        .filter(|h| !has_original(data_dir, h) && !has_copies(data_dir, h))
        .cloned()
        .collect()
}

/// The copy cache as it is: one listing of its folder and its index. Reading it needs no
/// database, so it can be done on another core while the database is read.
pub struct CopiesLook {
    listing: Listing,
    index: CopiesIndex,
}

impl CopiesLook {
    /// Looks at the copy cache of `data_dir`, making its folder if there is none.
    pub fn read(data_dir: &Path) -> Result<CopiesLook> {
        let dir = copies_dir(data_dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io("create the photo copies folder", &dir, e))?;
        Ok(CopiesLook {
            listing: crate::fsutil::list_files(&dir)?,
            index: CopiesIndex::load(&copies_index_path(data_dir)),
        })
    }
}

/// What the sidecars of the copies folder say, gathered in one file of the data folder's
/// cache (`cache/photo-copies`), so that a build reads one file instead of one sidecar per
/// photo. Each entry also records the identity ([`FileId`]) each copy had in the copies
/// folder's listing; an entry is used only while every copy is still listed with that
/// identity, so a copy deleted or made again (by any version of Goalpost, or by hand) sends
/// the build back to the sidecar or to making the copies. It is only a cache: if it is
/// missing or damaged, the sidecars are read.
#[derive(Debug, Default)]
struct CopiesIndex {
    entries: foldhash::HashMap<String, IndexEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct IndexEntry {
    recipe: u32,
    quality: u8,
    /// Width, height and identity of each copy, in the order of [`Size::ALL`].
    copies: [(u32, u32, FileId); 3],
}

/// The index's format; an index of another format is ignored (the sidecars are read). 2: file
/// identities carry the device or volume (128 bits) and come from the OS on Windows too.
const INDEX_FORMAT: &str = "goalpost-photo-copies 2";

fn copies_index_path(data_dir: &Path) -> PathBuf {
    DataDir::new(data_dir).copies_index()
}

impl CopiesIndex {
    fn load(path: &Path) -> CopiesIndex {
        let Ok(text) = std::fs::read_to_string(path) else {
            return CopiesIndex::default();
        };
        let mut lines = text.lines();
        if lines.next() != Some(INDEX_FORMAT) {
            return CopiesIndex::default();
        }
        let mut entries = foldhash::HashMap::default();
        for line in lines {
            let Some((hash, entry)) = IndexEntry::parse(line) else {
                return CopiesIndex::default();
            };
            entries.insert(hash, entry);
        }
        CopiesIndex { entries }
    }

    /// The copies of `hash`, if the index knows them made with this quality and the
    /// current recipe, and every copy is still in the folder as it was made.
    fn copies(&self, hash: &str, quality: u8, listing: &Listing) -> Option<Copies> {
        let e = self.entries.get(hash)?;
        if e.recipe != copies::RECIPE || e.quality != quality || !e.is_listed(hash, listing) {
            return None;
        }
        let copies = Size::ALL
            .iter()
            .zip(&e.copies)
            .map(|(&size, &(width, height, id))| CopyInfo {
                size,
                file_name: copy_file_name(hash, size),
                width,
                height,
                file_id: Some(id),
            })
            .collect();
        Some(Copies {
            hash: hash.to_string(),
            copies,
        })
    }

    /// Drops the entries whose copies are no longer all in the folder as they were made.
    fn forget_missing(&mut self, listing: &Listing) {
        self.entries.retain(|h, e| e.is_listed(h, listing));
    }

    fn save(&self, path: &Path) -> Result<()> {
        let mut rows: Vec<String> = self
            .entries
            .iter()
            .map(|(h, e)| {
                let mut row = format!("{h} {} {}", e.recipe, e.quality);
                for (w, ht, id) in e.copies {
                    row.push_str(&format!(" {w} {ht} {id}"));
                }
                row.push('\n');
                row
            })
            .collect();
        rows.sort();
        let mut text = format!("{INDEX_FORMAT}\n");
        text.extend(rows);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io("create the cache folder", parent, e))?;
        }
        crate::fsutil::write_atomic(path, text.as_bytes())
    }
}

impl IndexEntry {
    /// The entry for copies just read from a sidecar (`listing` gives their identities) or
    /// just made (`None`: their identities are looked up).
    fn of(
        data_dir: &Path,
        c: &Copies,
        quality: u8,
        listing: Option<&Listing>,
    ) -> Option<IndexEntry> {
        let mut copies = [(0, 0, 0); 3];
        for ((slot, &size), info) in copies.iter_mut().zip(&Size::ALL).zip(&c.copies) {
            if info.size != size || info.file_name != copy_file_name(&c.hash, size) {
                return None;
            }
            let id = match listing {
                Some(l) => *l.get(&info.file_name)?,
                None => crate::fsutil::file_id(&copy_path(data_dir, &c.hash, size))?,
            };
            *slot = (info.width, info.height, id);
        }
        (c.copies.len() == Size::ALL.len()).then_some(IndexEntry {
            recipe: copies::RECIPE,
            quality,
            copies,
        })
    }

    fn is_listed(&self, hash: &str, listing: &Listing) -> bool {
        let mut name = String::with_capacity(48);
        Size::ALL
            .iter()
            .zip(&self.copies)
            .all(|(&size, &(_, _, id))| {
                name.clear();
                push_copy_file_name(&mut name, hash, size);
                listing.get(&name) == Some(&id)
            })
    }

    fn parse(line: &str) -> Option<(String, IndexEntry)> {
        let mut f = line.split(' ');
        let hash = f.next()?;
        check_hash(hash).ok()?;
        let recipe = f.next()?.parse().ok()?;
        let quality = f.next()?.parse().ok()?;
        let mut copies = [(0, 0, 0); 3];
        for slot in &mut copies {
            *slot = (
                f.next()?.parse().ok()?,
                f.next()?.parse().ok()?,
                f.next()?.parse().ok()?,
            );
        }
        if f.next().is_some() {
            return None;
        }
        Some((
            hash.to_string(),
            IndexEntry {
                recipe,
                quality,
                copies,
            },
        ))
    }
}

fn make_and_store(data_dir: &Path, hash: &str, quality: u8) -> Result<Copies> {
    let src = original_path(data_dir, hash);
    let bytes = match std::fs::read(&src) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::not_found(format!(
                "the original of photo {} is missing from {}: restore the data folder from a backup, or return that evidence and take the photo again",
                &hash[..12],
                originals_dir(data_dir).display()
            )))
        }
        Err(e) => return Err(Error::io("read the photo", src, e)),
    };
    let name = format!("photo {}", &hash[..12]);
    let made = copies::make_copies(&bytes, &name, quality)?;
    drop(bytes);
    let mut infos = Vec::with_capacity(made.len());
    for m in made {
        crate::fsutil::write_atomic(&copy_path(data_dir, hash, m.size), &m.jpeg)?;
        infos.push(CopyInfo {
            size: m.size,
            file_name: copy_file_name(hash, m.size),
            width: m.width,
            height: m.height,
            file_id: None,
        });
    }
    let sidecar = Sidecar {
        recipe: copies::RECIPE,
        quality,
        copies: infos,
    };
    // Written last: its presence says every copy is complete.
    crate::fsutil::write_atomic(
        &sidecar_path(data_dir, hash),
        serde_json::to_string(&sidecar)?.as_bytes(),
    )?;
    Ok(Copies {
        hash: hash.to_string(),
        copies: sidecar.copies,
    })
}

/// The sizes of the web copies made of every approved photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
    DataDir::new(data_dir).copies()
}

/// A copy's file name: from the content hash and the size, never from a person's name.
pub fn copy_file_name(hash: &str, size: Size) -> String {
    let mut name = String::with_capacity(48);
    push_copy_file_name(&mut name, hash, size);
    name
}

fn push_copy_file_name(name: &mut String, hash: &str, size: Size) {
    use std::fmt::Write;
    name.push_str(&hash[..hash.len().min(32)]);
    let _ = write!(name, "-{}.jpg", size.long_edge());
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

#[derive(Debug, Clone, Eq, serde::Serialize, serde::Deserialize)]
pub struct CopyInfo {
    pub size: Size,
    pub file_name: String,
    pub width: u32,
    pub height: u32,
    /// The identity ([`FileId`]) of the copy's file in the copy cache when
    /// [`Goalpost::ensure_copies`] returned it, if it did: the blog tells from it that a
    /// published copy is that very file without listing the copy cache again. Never
    /// saved, and not part of what makes two copies equal.
    #[serde(skip)]
    pub file_id: Option<FileId>,
}

impl PartialEq for CopyInfo {
    fn eq(&self, other: &CopyInfo) -> bool {
        (self.size, &self.file_name, self.width, self.height)
            == (other.size, &other.file_name, other.width, other.height)
    }
}

impl std::hash::Hash for CopyInfo {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.size, &self.file_name, self.width, self.height).hash(state);
    }
}

/// A photo that is gone (neither original nor web copies), with the evidence that had it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MissingPhoto {
    /// The first 12 hex digits of its content hash.
    pub photo: String,
    pub evidence: Vec<crate::model::EvidenceId>,
}

/// The evidence ids of these missing photos, for a message: "3, 7, 12".
pub fn missing_evidence_ids(list: &[MissingPhoto]) -> String {
    list.iter()
        .flat_map(|m| m.evidence.iter().map(|e| e.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Groups (hash, evidence) pairs of gone photos (see [`gone`]) into one entry per photo.
pub fn missing_photos(
    data_dir: &Path,
    evidence_photos: &[(String, crate::model::EvidenceId)],
) -> Vec<MissingPhoto> {
    let mut hashes: Vec<String> = evidence_photos.iter().map(|(h, _)| h.clone()).collect();
    hashes.sort();
    hashes.dedup();
    gone(data_dir, &hashes)
        .into_iter()
        .map(|h| {
            let mut evidence: Vec<_> = evidence_photos
                .iter()
                .filter(|(x, _)| *x == h)
                .map(|(_, e)| *e)
                .collect();
            evidence.sort();
            evidence.dedup();
            MissingPhoto {
                photo: h[..12].to_string(),
                evidence,
            }
        })
        .collect()
}
