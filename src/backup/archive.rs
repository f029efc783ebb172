//! The backup archive: one `.goalpost` file that holds the whole class.
//!
//! It is a plain tar file (the `tar` crate; photos are JPEG already, so nothing is
//! compressed) that a teacher can copy anywhere, and any tar tool can list:
//!
//! ```text
//! manifest.json            first: format, versions, when, and every entry's path, size
//!                          and sha-256
//! goalpost.sqlite3         the database, an online-backup snapshot
//! erasures                 the erasure list (see `erasure`), if there is one
//! photos/originals/...     the private originals
//! photos/copies/...        the web copies of photos whose original is gone (retention)
//! outbox/... print/...     what families were sent and the slips (a sync does not
//!                          rewrite them)
//! theme/... i18n/...       the teacher's blog theme and language files
//! manifest.json.sha256     last: the sha-256 of manifest.json
//! ```
//!
//! Not in it: the blog folder (a sync rebuilds it), `cache/`, `backups/`, `exports/`.
//!
//! Reading trusts nothing: the manifest comes first and names every entry; an entry that
//! is not a plain file, has a path that could leave the folder it is unpacked into, claims
//! a size over [`MAX_ENTRY_BYTES`] or other than the manifest's, is not in the manifest, or
//! whose bytes do not hash to the manifest's sha-256 stops the reading, as does a manifest
//! that does not match its own sha-256 or an archive that ends early. Every header is
//! covered by tar's own checksum. So one byte changed anywhere that matters is refused.
//! Entries are unpacked only into a staging folder that the caller swaps in after the
//! whole archive has been read ([`extract_verified`]).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::DataDir;

/// The first entry of every archive.
pub const MANIFEST: &str = "manifest.json";
/// The last entry: the sha-256 of [`MANIFEST`]'s bytes, in hex.
pub const MANIFEST_HASH: &str = "manifest.json.sha256";
/// What `format` says in every manifest.
pub const FORMAT: &str = "goalpost-backup";
/// The manifest's format version this Goalpost writes; it reads this one and older.
pub const FORMAT_VERSION: u32 = 1;
/// The extension the docs and the Settings screen use (any name is accepted).
pub const EXTENSION: &str = "goalpost";
/// No entry may claim more bytes than this (a database is far smaller; an original is at
/// most 40 MB): a damaged or hostile header cannot make a restore fill the disk.
pub const MAX_ENTRY_BYTES: u64 = 4 << 30;
/// Nor may the manifest (a year of photos is a few thousand lines).
pub const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// The folders of the data folder an archive holds whole.
pub const WHOLE_FOLDERS: [&str; 5] = ["photos/originals", "outbox", "print", "theme", "i18n"];
/// The folder it holds only the files of photos whose original is gone.
pub const COPIES_FOLDER: &str = "photos/copies";
/// Every folder a restore replaces (see `backup::swap_in`).
pub const FOLDERS: [&str; 6] = [
    "photos/originals",
    COPIES_FOLDER,
    "outbox",
    "print",
    "theme",
    "i18n",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The version of Goalpost that wrote it.
    pub app_version: String,
    pub created_at: DateTime<Utc>,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `/`-separated, relative to the data folder.
    pub path: String,
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
}

impl Manifest {
    pub fn total_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }

    /// How many private originals it holds.
    pub fn originals(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.path.starts_with("photos/originals/"))
            .count()
    }
}

/// A file to put into an archive: its path in the archive and on disk.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub rel: String,
    pub path: PathBuf,
}

/// Everything of `data` an archive holds, with `db` (a snapshot of the database) as the
/// database. Only plain files: links and special files are left out.
pub(crate) fn sources(data: DataDir<'_>, db: &Path) -> Result<Vec<Source>> {
    let mut out = vec![Source {
        rel: crate::store::DB_FILE.into(),
        path: db.to_path_buf(),
    }];
    let erasures = data.erasures();
    if std::fs::symlink_metadata(&erasures).is_ok_and(|m| m.is_file()) {
        out.push(Source {
            rel: "erasures".into(),
            path: erasures,
        });
    }
    let mut originals = Vec::new();
    for folder in WHOLE_FOLDERS {
        let mut found = Vec::new();
        walk(&data.path().join(folder), folder, &mut found)?;
        if folder == "photos/originals" {
            originals = found
                .iter()
                .map(|s| file_name(&s.rel).to_string())
                .collect();
        }
        out.extend(found);
    }
    // The copies of a photo whose original is gone are all that is left of it; other
    // copies are made again by the next sync.
    let kept: HashSet<&str> = originals.iter().map(|n| &n[..n.len().min(32)]).collect();
    let mut copies = Vec::new();
    walk(&data.copies(), COPIES_FOLDER, &mut copies)?;
    out.extend(copies.into_iter().filter(|s| {
        let name = file_name(&s.rel);
        let prefix = name.get(..32).unwrap_or(name);
        !kept.contains(prefix)
    }));
    Ok(out)
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// The plain files under `dir`, sorted, named `rel/...`; Goalpost's own temporary files
/// are left out.
fn walk(dir: &Path, rel: &str, out: &mut Vec<Source>) -> Result<()> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("read the folder", dir, e)),
    };
    let mut entries = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io("read the folder", dir, e))?;
        let kind = entry
            .file_type()
            .map_err(|e| Error::io("read the folder", dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(Error::invalid(format!(
                "{} has a name that is not valid text: rename it, then back up again",
                entry.path().display()
            )));
        };
        if name.starts_with(".goalpost") {
            continue; // a temporary file of ours
        }
        entries.push((name.to_string(), kind, entry.path()));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind, path) in entries {
        let rel = format!("{rel}/{name}");
        if kind.is_dir() {
            walk(&path, &rel, out)?;
        } else if kind.is_file() {
            out.push(Source { rel, path });
        }
    }
    Ok(())
}

/// Reads every source once to make the manifest.
pub(crate) fn manifest(sources: &[Source], created_at: DateTime<Utc>) -> Result<Manifest> {
    let entries = sources
        .iter()
        .map(|s| {
            let (size, sha256) = hash_file(&s.path)?;
            Ok(Entry {
                path: s.rel.clone(),
                size,
                sha256,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        created_at,
        entries,
    })
}

fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut f = File::open(path).map_err(|e| Error::io("read", path, e))?;
    let mut h = Sha256::new();
    let n = io::copy(&mut f, &mut h).map_err(|e| Error::io("read", path, e))?;
    Ok((n, format!("{:x}", h.finalize())))
}

/// About how many bytes the archive of `m` takes (headers and padding included).
pub(crate) fn archive_size(m: &Manifest, manifest_len: u64) -> u64 {
    let block = |n: u64| n.div_ceil(512) * 512 + 1024; // header (+ a long name) and padding
    block(manifest_len) + block(64) + m.entries.iter().map(|e| block(e.size)).sum::<u64>() + 1024
}

/// Writes the archive of `sources` as `manifest` describes them. A file that changed since
/// the manifest was made stops the writing (the caller removes the temporary file).
/// `progress` hears the bytes written of the total.
pub(crate) fn write(
    out: &mut dyn Write,
    manifest: &Manifest,
    manifest_bytes: &[u8],
    sources: &[Source],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<()> {
    let mtime = manifest.created_at.timestamp().max(0) as u64;
    let header = |size: u64| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(size);
        h.set_mode(0o600);
        h.set_mtime(mtime);
        h
    };
    let mut b = tar::Builder::new(out);
    let fail = |e: io::Error| Error::io("write the backup", "the archive", e);
    b.append_data(
        &mut header(manifest_bytes.len() as u64),
        MANIFEST,
        manifest_bytes,
    )
    .map_err(fail)?;
    let total = manifest.total_bytes();
    let mut done = 0u64;
    progress(done, total);
    for (s, e) in sources.iter().zip(&manifest.entries) {
        let file = File::open(&s.path).map_err(|err| Error::io("read", &s.path, err))?;
        let mut exact = Exact {
            inner: file,
            left: e.size,
            hash: Sha256::new(),
        };
        b.append_data(&mut header(e.size), &e.path, &mut exact)
            .map_err(|err| match err.kind() {
                io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData => changed(&s.path),
                _ => Error::io("back up", &s.path, err),
            })?;
        if format!("{:x}", exact.hash.finalize()) != e.sha256 {
            return Err(changed(&s.path));
        }
        done += e.size;
        progress(done, total);
    }
    let digest = format!("{:x}", Sha256::digest(manifest_bytes));
    b.append_data(&mut header(64), MANIFEST_HASH, digest.as_bytes())
        .map_err(fail)?;
    b.into_inner().map_err(fail)?.flush().map_err(fail)?;
    Ok(())
}

fn changed(path: &Path) -> Error {
    Error::Conflict(format!(
        "{} changed while the backup was being written: nothing was saved; make the backup again",
        path.display()
    ))
}

/// Gives exactly `left` bytes of `inner` (the size the manifest and the header claim),
/// hashing them; a file that is shorter or longer now is an error.
struct Exact {
    inner: File,
    left: u64,
    hash: Sha256,
}

impl Read for Exact {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => Err(io::Error::new(io::ErrorKind::InvalidData, "grew")),
            };
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "shrank"));
        }
        self.hash.update(&buf[..n]);
        self.left -= n as u64;
        Ok(n)
    }
}

/// True when the file at `path` starts like a tar archive (an archive made by
/// `goalpost backup`), false for anything else (an old database-only backup is SQLite).
pub fn looks_like_archive(path: &Path) -> Result<bool> {
    let mut head = [0u8; 512];
    let mut f = File::open(path).map_err(|e| Error::io("read", path, e))?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("read", path, e)),
        }
    }
    Ok(n == 512 && &head[257..262] == b"ustar")
}

/// Reads the archive at `src` whole and checks every entry (see the module docs). With
/// `staging`, unpacks the entries into a new folder inside it and returns that folder;
/// without, only checks (an automatic backup just written). Nothing outside the staging
/// folder is written; on any problem the staging folder is removed.
pub fn extract_verified(src: &Path, staging: Option<&Path>) -> Result<Verified> {
    let damaged = |what: String| {
        Error::invalid(format!(
            "{} is damaged or not a whole Goalpost backup ({what}): nothing was restored; use another backup",
            src.display()
        ))
    };
    let file = File::open(src).map_err(|e| Error::io("read the backup", src, e))?;
    let mut archive = tar::Archive::new(BufReader::with_capacity(1 << 16, file));
    let mut entries = archive
        .entries()
        .map_err(|e| damaged(format!("unreadable: {e}")))?;
    let mut next = || -> Result<Option<tar::Entry<'_, _>>> {
        match entries.next() {
            None => Ok(None),
            Some(Ok(e)) => Ok(Some(e)),
            Some(Err(e)) => Err(damaged(format!("unreadable entry: {e}"))),
        }
    };

    // The manifest, first.
    let (manifest, manifest_bytes) = {
        let Some(mut first) = next()? else {
            return Err(damaged("it is empty".into()));
        };
        let path = entry_path(&first).map_err(damaged)?;
        if path != MANIFEST || first.header().entry_type() != tar::EntryType::Regular {
            return Err(damaged(format!("it starts with {path:?}, not {MANIFEST}")));
        }
        let size = first.size();
        if size > MAX_MANIFEST_BYTES {
            return Err(damaged(format!("its manifest claims {size} bytes")));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        (&mut first)
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|e| damaged(format!("the manifest is cut short: {e}")))?;
        if bytes.len() as u64 != size {
            return Err(damaged("the manifest is cut short".into()));
        }
        let m: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| damaged(format!("its manifest is not readable: {e}")))?;
        (m, bytes)
    };
    if manifest.format != FORMAT {
        return Err(damaged(format!(
            "its manifest is of another format, {:?}",
            manifest.format
        )));
    }
    if manifest.format_version > FORMAT_VERSION {
        return Err(Error::DataFolder(format!(
            "{} was written by a newer Goalpost ({}, backup format {}): update Goalpost to restore it",
            src.display(),
            manifest.app_version,
            manifest.format_version
        )));
    }
    let mut wanted: HashMap<&str, &Entry> = HashMap::new();
    for e in &manifest.entries {
        check_rel(&e.path).map_err(damaged)?;
        if e.size > MAX_ENTRY_BYTES {
            return Err(damaged(format!("{} claims {} bytes", e.path, e.size)));
        }
        if wanted.insert(e.path.as_str(), e).is_some() {
            return Err(damaged(format!("{} is named twice", e.path)));
        }
    }
    if !wanted.contains_key(crate::store::DB_FILE) {
        return Err(damaged("it holds no class database".into()));
    }

    let dir = match staging {
        Some(parent) => {
            let need = manifest.total_bytes() + (16 << 20);
            check_space(parent, need, "restore this backup")?;
            Some(
                tempfile::Builder::new()
                    .prefix(super::STAGING_PREFIX)
                    .tempdir_in(parent)
                    .map_err(|e| Error::io("make a staging folder in", parent, e))?,
            )
        }
        None => None,
    };

    let mut seen: HashSet<String> = HashSet::new();
    let mut trailer_ok = false;
    while let Some(mut entry) = next()? {
        let path = entry_path(&entry).map_err(damaged)?;
        if trailer_ok {
            return Err(damaged(format!(
                "{path} comes after the end of the manifest"
            )));
        }
        let kind = entry.header().entry_type();
        if kind != tar::EntryType::Regular {
            return Err(damaged(format!(
                "{path} is a link or special file, not a plain file"
            )));
        }
        let claimed = entry.size();
        if claimed > MAX_ENTRY_BYTES {
            return Err(damaged(format!("{path} claims {claimed} bytes")));
        }
        if path == MANIFEST_HASH {
            let mut text = String::new();
            (&mut entry)
                .take(128)
                .read_to_string(&mut text)
                .map_err(|e| damaged(format!("{MANIFEST_HASH} is unreadable: {e}")))?;
            if text.trim() != format!("{:x}", Sha256::digest(&manifest_bytes)) {
                return Err(damaged("the manifest does not match its sha-256".into()));
            }
            trailer_ok = true;
            continue;
        }
        check_rel(&path).map_err(damaged)?;
        let Some(want) = wanted.get(path.as_str()) else {
            return Err(damaged(format!("{path} is not in its manifest")));
        };
        if !seen.insert(path.clone()) {
            return Err(damaged(format!("{path} is in it twice")));
        }
        if claimed != want.size {
            return Err(damaged(format!(
                "{path} is {claimed} bytes, its manifest says {}",
                want.size
            )));
        }
        let mut sink: Box<dyn Write> = match &dir {
            Some(d) => {
                let dest = d.path().join(&path);
                if let Some(p) = dest.parent() {
                    std::fs::create_dir_all(p).map_err(|e| Error::io("create the folder", p, e))?;
                }
                Box::new(io::BufWriter::new(
                    File::create(&dest).map_err(|e| Error::io("write", &dest, e))?,
                ))
            }
            None => Box::new(io::sink()),
        };
        let mut hashing = HashingWriter {
            inner: &mut sink,
            hash: Sha256::new(),
        };
        let n = io::copy(&mut (&mut entry).take(claimed), &mut hashing).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                damaged(format!("{path} is cut short"))
            } else {
                Error::io("unpack the backup into", staging.unwrap_or(src), e)
            }
        })?;
        let digest = format!("{:x}", hashing.hash.finalize());
        sink.flush()
            .map_err(|e| Error::io("unpack the backup into", staging.unwrap_or(src), e))?;
        if n != claimed {
            return Err(damaged(format!("{path} is cut short")));
        }
        if digest != want.sha256 {
            return Err(damaged(format!(
                "{path} does not match its sha-256: a byte changed"
            )));
        }
    }
    if let Some(missing) = manifest.entries.iter().find(|e| !seen.contains(&e.path)) {
        return Err(damaged(format!(
            "it ends before {}: the file is cut short",
            missing.path
        )));
    }
    if !trailer_ok {
        return Err(damaged(format!(
            "it ends before {MANIFEST_HASH}: the file is cut short"
        )));
    }
    Ok(Verified { manifest, dir })
}

/// An archive read whole and found sound, unpacked into `dir` when asked.
pub struct Verified {
    pub manifest: Manifest,
    pub dir: Option<tempfile::TempDir>,
}

struct HashingWriter<'a> {
    inner: &'a mut dyn Write,
    hash: Sha256,
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn entry_path<R: Read>(e: &tar::Entry<'_, R>) -> std::result::Result<String, String> {
    let bytes = e.path_bytes();
    std::str::from_utf8(&bytes)
        .map(str::to_string)
        .map_err(|_| "an entry's name is not valid text".to_string())
}

/// A path an archive may hold: relative, `/`-separated, no `..`, `.`, empty part,
/// backslash, drive or NUL, and inside one of the places a backup holds.
fn check_rel(path: &str) -> std::result::Result<(), String> {
    let unsafe_path = || format!("{path:?} is not a safe path (absolute, `..`, or odd)");
    if path.is_empty()
        || path.len() > 512
        || path.starts_with('/')
        || path.contains(['\\', ':', '\0'])
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err(unsafe_path());
    }
    let allowed = path == crate::store::DB_FILE
        || path == "erasures"
        || FOLDERS
            .iter()
            .any(|f| path.strip_prefix(f).is_some_and(|r| r.starts_with('/')));
    if !allowed {
        return Err(format!("{path:?} is not something a backup holds"));
    }
    Ok(())
}

/// Refuses to start when the folder `dir` has less than `need` bytes free.
pub(crate) fn check_space(dir: &Path, need: u64, action: &str) -> Result<()> {
    let free = match fs4::available_space(dir) {
        Ok(f) => f,
        // Not every file system says; then the write itself reports a full disk.
        Err(_) => return Ok(()),
    };
    if free < need {
        let mb = |b: u64| b.div_ceil(1 << 20);
        return Err(Error::invalid(format!(
            "not enough free space in {} to {action}: it needs about {} MB and {} MB are free; free some space or choose another place (a USB stick, a school share)",
            dir.display(),
            mb(need),
            mb(free)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_paths_inside_the_backup_places_pass() {
        for ok in [
            "goalpost.sqlite3",
            "erasures",
            "photos/originals/abc",
            "photos/copies/x-400.jpg",
            "theme/partials/post.html",
            "i18n/es/blog.ftl",
            "outbox/2026/a.eml",
        ] {
            assert!(check_rel(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../goalpost.sqlite3",
            "photos/originals/../../x",
            "photos/originals/./x",
            "photos//originals/x",
            "C:/x",
            "theme\\..\\x",
            "blog/index.html",
            "cache/photo-copies",
            "photos/originals",
            "sync.lock",
            "backups/a.goalpost",
        ] {
            assert!(check_rel(bad).is_err(), "{bad}");
        }
    }
}
