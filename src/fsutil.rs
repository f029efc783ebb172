//! Writing files safely: a reader sees the old file or the new one, never half of either.
//!
//! Every temporary file Goalpost makes starts with [`TEMP_PREFIX`], so that one left behind
//! by a killed process can be recognised as ours and removed ([`remove_leftover_temps`]),
//! while files that other people put beside ours are never touched.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[cfg(windows)]
mod win;

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
    let builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    let builder = {
        let mut b = builder;
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b
    };
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
/// A file that another program holds open (on Windows) is waited for briefly, then reported
/// with that program ([`Error::Busy`]).
pub fn remove_if_present(path: &Path, action: &'static str) -> Result<bool> {
    match retry_while_held(|| std::fs::remove_file(path), pause) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(held_or_io(action, path, e)),
    }
}

/// Renames the temporary file `tmp` over `dest` (`action` names it for the error: "replace",
/// "save the backup as"). A destination that another program holds open (on Windows) is
/// waited for briefly, then reported with that program ([`Error::Busy`]); `tmp` is then
/// deleted, and `dest` is as it was.
pub fn persist(tmp: tempfile::TempPath, dest: &Path, action: &'static str) -> Result<()> {
    let mut tmp = Some(tmp);
    retry_while_held(
        || match tmp.take() {
            Some(t) => t.persist(dest).map_err(|e| {
                tmp = Some(e.path);
                e.error
            }),
            // Only reached if a failed persist gave no path back, which it always does.
            None => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        },
        pause,
    )
    .map_err(|e| held_or_io(action, dest, e))
}

/// How long, in all, a rename or removal waits for a file that another program holds open
/// (a browser showing the blog, an antivirus scan, a backup tool, a search indexer): such
/// holds are usually brief. The waits double from 10 ms, then stay at half a second.
const HELD_WAITS_MS: [u64; 10] = [10, 20, 40, 80, 160, 320, 500, 500, 500, 500];

/// Runs `op` again while it fails because another program holds the file open, as long as
/// `wait(attempt)` (0, 1, ...) says to go on; returns the last outcome.
fn retry_while_held<T>(
    mut op: impl FnMut() -> std::io::Result<T>,
    mut wait: impl FnMut(usize) -> bool,
) -> std::io::Result<T> {
    let mut attempt = 0;
    loop {
        match op() {
            Err(e) if is_held_open(&e) && wait(attempt) => attempt += 1,
            other => return other,
        }
    }
}

/// The waits of [`HELD_WAITS_MS`], in turn.
fn pause(attempt: usize) -> bool {
    match HELD_WAITS_MS.get(attempt) {
        Some(&ms) => {
            std::thread::sleep(std::time::Duration::from_millis(ms));
            true
        }
        None => false,
    }
}

/// Whether a failure means that another program holds the file open: on Windows a sharing
/// or lock violation, or access denied (which a rename over or a removal of an open file
/// gives). Never elsewhere: Unix lets open files be replaced.
fn is_held_open(e: &std::io::Error) -> bool {
    #[cfg(windows)]
    {
        // ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
        matches!(e.raw_os_error(), Some(5 | 32 | 33))
    }
    #[cfg(not(windows))]
    {
        let _ = e;
        false
    }
}

/// The error for a failed `action` on `path`: when another program holds it open, which
/// program (if Windows can tell) and what to do; else the plain I/O error.
fn held_or_io(action: &'static str, path: &Path, e: std::io::Error) -> Error {
    if !is_held_open(&e) {
        return Error::io(action, path, e);
    }
    let holders = holders(path);
    let who = if holders.is_empty() {
        "another program has it open (a web browser showing it, an antivirus scan, a backup or sync tool, or a file manager's preview)".to_string()
    } else {
        format!("{} has it open", holders.join(", "))
    };
    Error::Busy(format!(
        "could not {action} {}: {who}, or Goalpost may not change it. Close {} and try again",
        path.display(),
        match holders.len() {
            0 => "the program that has it open",
            1 => "that program",
            _ => "those programs",
        }
    ))
}

/// The names of the programs that hold `path` open, as Windows' Restart Manager tells them;
/// none where it cannot tell (or on other systems).
fn holders(path: &Path) -> Vec<String> {
    #[cfg(windows)]
    {
        win::holders(path)
    }
    #[cfg(not(windows))]
    {
        let _ = path;
        Vec::new()
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

/// Whether `a` and `b` are on one file system (so that one can be a hard link to a file of
/// the other): the same device on Unix, the same volume on Windows.
pub fn same_device(a: &Path, b: &Path) -> bool {
    match (file_id(a), file_id(b)) {
        (Some(x), Some(y)) => x >> 64 == y >> 64,
        _ => false,
    }
}

/// Whether `a` and `b` are the very same file (hard links of one another).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (file_id(a), file_id(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// The form of `path` to hand to code that calls the operating system itself rather than
/// through Rust's standard library, which does this on its own (SQLite): on Windows a long
/// absolute path (near the 260-character limit or over) gets the `\\?\` prefix that lifts
/// the limit, after being made absolute and normalised as such a path must be. Any other
/// path, and every path elsewhere, is returned as it is.
pub fn native_path(path: &Path) -> std::borrow::Cow<'_, Path> {
    #[cfg(windows)]
    {
        if let Some(long) = std::path::absolute(path)
            .ok()
            .and_then(|abs| verbatim(abs.as_os_str().to_str()?))
        {
            return std::borrow::Cow::Owned(PathBuf::from(long));
        }
    }
    std::borrow::Cow::Borrowed(path)
}

/// `abs` (absolute, normalised, with `\`) as a `\\?\` path if it is long enough to need
/// one: a drive path `C:\...` becomes `\\?\C:\...`, a share `\\server\...` becomes
/// `\\?\UNC\server\...`. Paths already in that form, device paths and short paths give
/// `None`. 240 leaves room for the names SQLite adds (`-journal`, `-wal`, `-shm`).
#[cfg_attr(not(windows), allow(dead_code))]
fn verbatim(abs: &str) -> Option<String> {
    if abs.chars().count() < 240 {
        return None;
    }
    let b = abs.as_bytes();
    if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\' {
        Some(format!("\\\\?\\{abs}"))
    } else if let Some(share) = abs.strip_prefix("\\\\") {
        (!share.starts_with(['?', '.'])).then(|| format!("\\\\?\\UNC\\{share}"))
    } else {
        None
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
    /// A file that another program holds open (on Windows) is waited for briefly, then
    /// reported with that program ([`Error::Busy`]); the temporary file is then deleted.
    pub fn commit(self) -> Result<()> {
        persist(self.tmp, &self.dest, "replace")
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

/// A file's identity, from the operating system: the device (Unix) or volume serial number
/// (Windows) in the high 64 bits, the inode number (Unix) or file index (Windows) in the low
/// 64. Hard links of one file share it. A file replaced by another (renamed over, or
/// deleted and written anew) gets another identity, though a number may be used again
/// once the old file is gone. A file edited in place keeps its identity, so an identity is
/// no proof of bytes.
pub type FileId = u128;

fn make_id(device: u64, index: u64) -> FileId {
    (u128::from(device) << 64) | u128::from(index)
}

/// File names and their identities, as [`list_files`] gives them.
pub type Listing = foldhash::HashMap<String, FileId>;

/// The regular files directly in `dir` (not in sub-folders), by name, with their
/// [`FileId`]s. On Unix the identities come from the listing itself, without a look at
/// each file; on Windows each file is opened for its attributes only. A missing folder has
/// none; names that are not UTF-8 are left out (Goalpost writes none).
pub fn list_files(dir: &Path) -> Result<Listing> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Listing::default()),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    #[cfg(unix)]
    let device = std::os::unix::fs::MetadataExt::dev(
        &std::fs::metadata(dir).map_err(|e| Error::io("list", dir, e))?,
    );
    let mut files = Listing::default();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", dir, e))?;
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        #[cfg(unix)]
        let id = Some(make_id(device, std::os::unix::fs::DirEntryExt::ino(&entry)));
        #[cfg(not(unix))]
        let id = file_id(&entry.path());
        if let Some(id) = id {
            files.insert(name, id);
        }
    }
    Ok(files)
}

/// The [`FileId`] of the file or folder at `path` (not following a symbolic link), as
/// [`list_files`] would give it; `None` if it cannot be looked at.
pub fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::symlink_metadata(path).ok()?;
        Some(make_id(m.dev(), m.ino()))
    }
    #[cfg(windows)]
    {
        let (volume, index) = win::volume_and_index(path).ok()?;
        Some(make_id(volume, index))
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = path;
        None
    }
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
        if is_temp
            && entry.file_type().is_ok_and(|t| t.is_file())
            && remove_if_present(&entry.path(), "remove")?
        {
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

    /// A folder path with spaces, letters beyond ASCII, and more than 260 characters in
    /// all (Windows' old limit), under a temporary folder.
    pub(crate) fn long_folder(base: &Path) -> PathBuf {
        let mut p = base.to_path_buf();
        while p.to_string_lossy().chars().count() <= 280 {
            p.push("Klasse 3b Ørsta – élèves 日本");
        }
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    /// Guards a bug: on Windows a file's identity was a hash of its length and modification
    /// time, so two files written alike had one identity, and hard links none in common.
    #[test]
    fn file_ids_come_from_the_os_and_tell_files_apart() {
        let tmp = tempfile::tempdir().unwrap();
        for dir in [tmp.path().to_path_buf(), long_folder(tmp.path())] {
            let (a, b, link) = (dir.join("a.jpg"), dir.join("b.jpg"), dir.join("l.jpg"));
            std::fs::write(&a, b"same bytes").unwrap();
            std::fs::write(&b, b"same bytes").unwrap();
            let when = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
            for p in [&a, &b] {
                let f = std::fs::File::options().write(true).open(p).unwrap();
                f.set_modified(when).unwrap();
            }
            let (ia, ib) = (file_id(&a).unwrap(), file_id(&b).unwrap());
            assert_ne!(ia, ib, "two files of the same length and time");
            std::fs::hard_link(&a, &link).unwrap();
            assert_eq!(file_id(&link), Some(ia), "a hard link is the same file");
            assert!(same_file(&a, &link) && !same_file(&a, &b));
            assert!(same_device(&dir, &a));
            let listed = list_files(&dir).unwrap();
            assert_eq!(
                listed.get("a.jpg"),
                Some(&ia),
                "a listing agrees with file_id"
            );
            assert_eq!(listed.get("b.jpg"), Some(&ib));
            // Replaced by rename: another file, another identity, though the bytes match.
            write_atomic(&a, b"same bytes").unwrap();
            assert_ne!(file_id(&a), Some(ia));
            assert_eq!(file_id(&link), Some(ia), "the link keeps the old file");
            assert!(!same_file(&a, &link));
            assert_eq!(file_id(&dir.join("missing")), None);
        }
    }

    #[test]
    fn writes_removals_and_listings_work_in_long_folders_with_spaces_and_accents() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = long_folder(tmp.path());
        assert!(dir.to_string_lossy().chars().count() > 260);
        let page = dir.join("année 2026 – première page.html");
        assert!(write_if_changed(&page, "<p>Ørsta</p>".as_bytes()).unwrap());
        assert!(!write_if_changed(&page, "<p>Ørsta</p>".as_bytes()).unwrap());
        let staged = stage_link_or_copy(&page, &dir.join("copie.html")).unwrap();
        staged.readable_by_all().unwrap().commit().unwrap();
        let mut names: Vec<String> = list_files(&dir).unwrap().into_keys().collect();
        names.sort();
        assert_eq!(names, ["année 2026 – première page.html", "copie.html"]);
        assert!(remove_if_present(&page, "remove").unwrap());
        assert!(!remove_if_present(&page, "remove").unwrap());
        // SQLite is handed a form of the path that Windows opens at any length.
        let db = dir.join("goalpost.sqlite3");
        let conn = rusqlite::Connection::open(native_path(&db)).unwrap();
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(conn);
        assert!(db.is_file());
    }

    #[test]
    fn long_windows_paths_get_the_prefix_that_lifts_the_limit() {
        let long = format!("C:\\Users\\Lærer\\{}", "Klasse 3b\\".repeat(30));
        assert_eq!(verbatim(&long), Some(format!("\\\\?\\{long}")));
        let share = format!("\\\\server\\share\\{}", "x".repeat(250));
        assert_eq!(
            verbatim(&share),
            Some(format!("\\\\?\\UNC\\server\\share\\{}", "x".repeat(250)))
        );
        assert_eq!(verbatim("C:\\Users\\short\\goalpost.sqlite3"), None);
        let done = format!("\\\\?\\C:\\{}", "x".repeat(300));
        assert_eq!(verbatim(&done), None, "already in that form");
        assert_eq!(verbatim(&format!("\\\\.\\pipe\\{}", "x".repeat(300))), None);
    }

    #[test]
    fn only_a_file_held_open_is_waited_for() {
        let mut waits = 0;
        let gone = retry_while_held(
            || std::fs::remove_file("/nonexistent/goalpost-test"),
            |_| {
                waits += 1;
                true
            },
        );
        assert_eq!(gone.unwrap_err().kind(), std::io::ErrorKind::NotFound);
        assert_eq!(waits, 0, "a missing file is no reason to wait");
    }
}

/// What Windows does that Unix never does: a file another program holds open (without
/// letting others delete it) can be neither renamed over nor removed.
#[cfg(all(test, windows))]
mod windows_tests {
    use super::*;
    use std::os::windows::fs::OpenOptionsExt;

    /// A file held open the way a program that shares nothing holds it.
    fn hold(path: &Path) -> std::fs::File {
        std::fs::OpenOptions::new()
            .read(true)
            .share_mode(0)
            .open(path)
            .unwrap()
    }

    #[test]
    fn a_page_held_open_is_waited_for_then_reported_with_the_file_and_left_whole() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("index.html");
        std::fs::write(&page, b"old page").unwrap();
        let holder = hold(&page);
        let e = write_atomic(&page, b"new page").unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Busy, "{e}");
        let msg = e.to_string();
        assert!(msg.contains(&page.display().to_string()), "{msg}");
        assert!(
            msg.contains("has it open") && msg.contains("Close"),
            "{msg}"
        );
        drop(holder);
        assert_eq!(
            std::fs::read(&page).unwrap(),
            b"old page",
            "never half a page"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        write_atomic(&page, b"new page").unwrap();
        assert_eq!(std::fs::read(&page).unwrap(), b"new page");
    }

    #[test]
    fn a_file_released_while_waiting_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("index.html");
        std::fs::write(&page, b"old page").unwrap();
        let mut holder = Some(hold(&page));
        let staged = stage(&page, b"new page", false).unwrap();
        let mut tmp = Some(staged.tmp);
        let mut waits = 0;
        // The program lets go at the first wait: the next attempt succeeds.
        retry_while_held(
            || {
                let t = tmp.take().unwrap();
                t.persist(&page).map_err(|e| {
                    tmp = Some(e.path);
                    e.error
                })
            },
            |_| {
                waits += 1;
                holder.take().is_some()
            },
        )
        .unwrap();
        assert_eq!(waits, 1);
        assert_eq!(std::fs::read(&page).unwrap(), b"new page");
    }

    #[test]
    fn a_removal_of_a_file_held_open_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("old-post.html");
        std::fs::write(&page, b"old").unwrap();
        let holder = hold(&page);
        let e = remove_if_present(&page, "remove").unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Busy, "{e}");
        drop(holder);
        assert!(remove_if_present(&page, "remove").unwrap());
    }
}
