//! Writing files safely: a reader sees the old file or the new one, never half of either.
//!
//! Every temporary file Goalpost makes starts with [`TEMP_PREFIX`], so that one left behind
//! by a killed process can be recognised as ours and removed ([`remove_leftover_temps`]),
//! while files that other people put beside ours are never touched.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The name prefix of every temporary file Goalpost writes next to a destination.
pub const TEMP_PREFIX: &str = ".goalpost-tmp-";

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Appends `bytes` to the file at `path` (made if missing) and flushes it to disk before
/// returning: for small lists that must outlive a crash right after.
pub fn append_synced(path: &Path, bytes: &[u8], action: &'static str) -> Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .map_err(|e| Error::io(action, path, e))
}

/// Makes an empty file at `path` (a mark that something is owed) unless one is there, and
/// flushes it and its folder's entry to disk before returning, so that it outlives a crash
/// or a power cut right after. Returns whether it made it.
pub fn mark_durably(path: &Path, action: &'static str) -> Result<bool> {
    let made = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(Error::io(action, path, e)),
    };
    made.sync_all().map_err(|e| Error::io(action, path, e))?;
    sync_folder(parent_of(path)).map_err(|e| Error::io(action, path, e))?;
    Ok(true)
}

/// Flushes a folder's entries (a file just made or renamed in it) to disk. Windows has no
/// such call (NTFS journals its entries itself).
fn sync_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Makes the folder `dir` (and any missing parents, with the usual modes) readable by its
/// owner only: 0700 where the OS has such modes. An existing empty folder (made beforehand
/// for the class, with `mkdir` or a file manager) is made private too; an existing folder
/// that already holds other files is the user's own and keeps its mode (what Goalpost puts
/// there is private file by file: the database is 0600). For the data folder, whose
/// database, photo originals and families' emails are no one else's business on a shared
/// PC.
pub fn private_dir(dir: &Path) -> Result<()> {
    let err = |e| Error::io("create the data folder", dir, e);
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let empty = std::fs::read_dir(dir)
                    .map_err(|e| Error::io("read the data folder", dir, e))?
                    .next()
                    .is_none();
                if empty {
                    let private = std::fs::Permissions::from_mode(0o700);
                    match std::fs::set_permissions(dir, private) {
                        // Someone else's empty folder: it keeps its mode.
                        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
                        Err(e) => return Err(Error::io("make private", dir, e)),
                        Ok(()) => {}
                    }
                }
            }
            Ok(())
        }
        Err(e) => Err(err(e)),
    }
}

/// Creates the empty file `path`, readable and writable by its owner only (0600 where the
/// OS has such modes), unless it exists. For the database: SQLite gives its journal files
/// the mode of the database file.
pub fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io("create", path, e)),
    }
}

/// Removes a file; one already gone is fine. Returns whether it was there. `action` names
/// what was being removed, for the error ("remove the photo copy").
pub fn remove_if_present(path: &Path, action: &'static str) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(action, path, e)),
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    stage(path, bytes, true)?.commit()
}

/// Like [`write_atomic`], but leaves the file alone (and its modification time) when it
/// already holds exactly these bytes. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    if same_bytes(path, bytes) {
        return Ok(false);
    }
    write_atomic(path, bytes)?;
    Ok(true)
}

/// Whether the file at `path` exists and holds exactly `bytes` (its length is checked
/// first, so a changed file is usually told apart without reading it).
pub fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| same_bytes_as(path, &meta, bytes))
}

/// [`same_bytes`] for a file whose metadata `meta` was just read.
pub fn same_bytes_as(path: &Path, meta: &std::fs::Metadata, bytes: &[u8]) -> bool {
    meta.is_file()
        && meta.len() == bytes.len() as u64
        && std::fs::read(path).is_ok_and(|old| old == bytes)
}

/// Whether two files' metadata are of the very same file (hard links of one another);
/// never on systems without inodes.
pub fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        same_device(a, b) && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// Whether two files' metadata are of one file system (so one can be a hard link to a
/// file of the other); never on systems without inodes.
pub fn same_device(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// Whether `a` and `b` are the very same file (hard links of one another, on Unix).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => same_inode(&x, &y),
        _ => false,
    }
}

/// A new file written under a temporary name beside its destination, not yet in place.
/// Dropping it deletes the temporary file; [`Staged::commit`] renames it into place.
#[derive(Debug)]
pub struct Staged {
    tmp: tempfile::TempPath,
    dest: PathBuf,
}

impl Staged {
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Makes the file readable by everyone (0644 on Unix; temporary files start private).
    /// For a hard-linked copy this applies to its source too, which is a web copy made to
    /// be published.
    pub fn readable_by_all(self) -> Result<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.tmp, std::fs::Permissions::from_mode(0o644))
                .map_err(|e| Error::io("set the permissions of", &self.dest, e))?;
        }
        Ok(self)
    }

    /// Puts the file in place with one rename: readers see the old file or the new one.
    pub fn commit(self) -> Result<()> {
        let dest = self.dest;
        self.tmp
            .persist(&dest)
            .map_err(|e| Error::io("replace", &dest, e.error))
    }
}

fn temp_in(dir: &Path) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io("write into", dir, e))
}

/// Writes `bytes` to a temporary file beside `dest`. With `sync`, the bytes reach the disk
/// before [`Staged::commit`] can run (for files that cannot be made again, such as the
/// database's companions); without it, the file is as safe as any other program's output
/// (for files that are rebuilt from the database anyway, such as the blog).
pub fn stage(dest: &Path, bytes: &[u8], sync: bool) -> Result<Staged> {
    let mut tmp = temp_in(parent_of(dest))?;
    tmp.write_all(bytes)
        .and_then(|_| {
            if sync {
                tmp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(|e| Error::io("write", dest, e))?;
    Ok(Staged {
        tmp: tmp.into_temp_path(),
        dest: dest.to_path_buf(),
    })
}

/// Stages a copy of the file `src` for `dest`: a hard link when both are on the same
/// file system (no bytes copied; the source must then only ever be replaced by rename,
/// never edited in place), else a byte copy.
pub fn stage_link_or_copy(src: &Path, dest: &Path) -> Result<Staged> {
    let dir = parent_of(dest);
    let tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .make_in(dir, |candidate| match std::fs::hard_link(src, candidate) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                std::fs::copy(src, candidate).map(|_| ())
            }
            other => other,
        })
        .map_err(|e| Error::io("copy", src, e))?
        .into_temp_path();
    Ok(Staged {
        tmp,
        dest: dest.to_path_buf(),
    })
}

/// A file's identity as a folder listing gives it: on Unix its inode number, read from the
/// listing itself without a `stat` per file; elsewhere its length and modification time.
/// A file replaced by another (renamed over, or deleted and written anew) gets another
/// identity. A file edited in place keeps its inode, so an identity is no proof of bytes.
pub type FileId = u64;

/// File names and their identities, as [`list_files`] gives them.
pub type Listing = foldhash::HashMap<String, FileId>;

/// The regular files directly in `dir` (not in sub-folders), by name, with their
/// [`FileId`]s: one listing instead of a `stat` per file. A missing folder has none; names
/// that are not UTF-8 are left out (Goalpost writes none).
pub fn list_files(dir: &Path) -> Result<Listing> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Listing::default()),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    let mut files = Listing::default();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", dir, e))?;
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        if let (Ok(name), Some(id)) = (entry.file_name().into_string(), entry_id(&entry)) {
            files.insert(name, id);
        }
    }
    Ok(files)
}

/// The [`FileId`] of the file at `path` (not following a symbolic link), as
/// [`list_files`] would give it.
pub fn file_id(path: &Path) -> Option<FileId> {
    let m = std::fs::symlink_metadata(path).ok()?;
    #[cfg(unix)]
    {
        Some(std::os::unix::fs::MetadataExt::ino(&m))
    }
    #[cfg(not(unix))]
    {
        meta_id(&m)
    }
}

#[cfg(unix)]
fn entry_id(e: &std::fs::DirEntry) -> Option<FileId> {
    Some(std::os::unix::fs::DirEntryExt::ino(e))
}

#[cfg(not(unix))]
fn entry_id(e: &std::fs::DirEntry) -> Option<FileId> {
    meta_id(&e.metadata().ok()?)
}

#[cfg(not(unix))]
fn meta_id(m: &std::fs::Metadata) -> Option<FileId> {
    let t = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((t.as_nanos() as u64) ^ m.len().rotate_left(40))
}

/// Removes the temporary files a killed Goalpost left in `dir` (not in sub-folders).
/// Returns how many it removed; a missing folder has none.
pub fn remove_leftover_temps(dir: &Path) -> Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    let mut n = 0;
    for entry in entries.flatten() {
        let is_temp = entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX);
        if is_temp && entry.file_type().is_ok_and(|t| t.is_file()) {
            let p = entry.path();
            std::fs::remove_file(&p).map_err(|e| Error::io("remove", &p, e))?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_files_appear_only_on_commit_and_vanish_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.txt");
        let s = stage(&dest, b"one", false).unwrap();
        assert!(!dest.exists());
        drop(s);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        stage(&dest, b"two", false).unwrap().commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"two");
        assert!(same_bytes(&dest, b"two"));
        assert!(!same_bytes(&dest, b"tw0"));
        assert!(!write_if_changed(&dest, b"two").unwrap());
    }

    #[test]
    fn leftover_temps_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.bin");
        std::fs::write(&src, b"photo").unwrap();
        let linked = stage_link_or_copy(&src, &dir.path().join("copy.bin")).unwrap();
        // A killed process would leave this behind.
        std::mem::forget(linked);
        std::fs::write(dir.path().join(".goalpost-manifest"), b"mine").unwrap();
        assert_eq!(remove_leftover_temps(dir.path()).unwrap(), 1);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".goalpost-manifest", "src.bin"]);
    }
}
