//! Putting a rendered site in place without ever showing a broken one.
//!
//! The folder's manifest ([`MANIFEST`]) lists every file the last build generated; only
//! those are ever replaced or removed, so a teacher's own files (a `CNAME`, a `.git`, a
//! logo) are never touched. A build goes in steps, each of which can be interrupted:
//!
//! 1. the manifest is rewritten to list the old files and the new ones, marked as being
//!    written (a journal: if the process is killed at any later point, the next build
//!    still knows every file that may exist, and removes those it no longer needs);
//! 2. every changed file is written beside its destination under a temporary name; if
//!    any write fails, the temporary files are deleted and the previous site is intact;
//! 3. each temporary file is renamed over its destination (readers see the old page or
//!    the new one, never half of one); generated files that should no longer exist are
//!    removed;
//! 4. the manifest is rewritten to list exactly the new files, marked complete.
//!
//! A build that changes nothing writes nothing, the manifest included.
//!
//! Temporary files left by a killed build carry [`fsutil::TEMP_PREFIX`] and are removed
//! by the next build. It looks for them in every folder of the site only when the manifest
//! is not marked complete (a build was killed after step 1, or the manifest was written by
//! a version of Goalpost without the mark): a temporary file is only ever made after the
//! journal that says so, except the manifest's own, beside it in the blog folder, which is
//! always looked at. Listing every folder at every build would mean reading thousands of
//! names for nothing. Unchanged files are left alone, modification time included.
//!
//! No file is flushed to disk one by one: the blog is rebuilt from the database at every
//! sync, so after a power cut the next build repairs whatever the disk lost, and a build
//! that flushed each of its thousands of files would be many times slower.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use foldhash::{HashSet, HashSetExt};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::fsutil::{self, Staged};

/// The file, in the blog folder, that lists what Goalpost generated there.
pub const MANIFEST: &str = ".goalpost-manifest";

const MANIFEST_HEADER: &str = "# Files Goalpost generated in this folder, one per line. Goalpost replaces and removes\n# only these; it never touches other files. Do not edit: it is rewritten at every build.\n";

/// The manifest's mark of a build that finished: no temporary file can be left behind.
const COMPLETE: &str = "# state: complete";
/// The journal's mark: a build is writing, and may leave temporary files if it is killed.
const WRITING: &str = "# state: writing";

/// Where a generated file's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Rendered in memory.
    Bytes(Vec<u8>),
    /// A file to link or copy as it is (a photo's web copy, named by content hash).
    File(PathBuf),
    /// Already in place: built from the same inputs by an earlier build and untouched
    /// since (see `blog::memo`), so neither rendered nor compared.
    Kept,
}

/// One file of the site: its path relative to the blog folder (with `/`) and its bytes.
#[derive(Debug, Clone)]
pub struct OutFile {
    pub path: String,
    pub source: Source,
    /// The digest of what a page was rendered from, for the next build's memo.
    pub key: Option<crate::blog::memo::Key>,
}

/// What [`write_site`] did.
#[derive(Debug, Clone, Default)]
pub struct WriteReport {
    pub written: Vec<String>,
    /// Of those, the ones that did not exist before.
    pub created: Vec<String>,
    pub unchanged: usize,
    pub removed: Vec<String>,
}

/// What [`write_site`] would do with `files`, without touching the folder (for a dry run).
pub fn preview_site(dir: &Path, files: &[OutFile]) -> Result<WriteReport> {
    let text = if dir.join(MANIFEST).is_file() {
        read_manifest(dir)?
    } else {
        None
    };
    let old = manifest_paths(text.as_deref());
    let new: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let changed = changes(dir, files);
    let mut written: Vec<String> = changed.iter().map(|(f, _)| f.path.clone()).collect();
    written.sort();
    let mut created: Vec<String> = new_paths(&changed);
    created.sort();
    let removed: Vec<String> = old
        .iter()
        .filter(|p| !new.contains(*p) && dir.join(p).exists())
        .map(|p| p.to_string())
        .collect();
    Ok(WriteReport {
        unchanged: files.len() - written.len(),
        written,
        created,
        removed,
    })
}

fn new_paths(changed: &[(&OutFile, bool)]) -> Vec<String> {
    changed
        .iter()
        .filter(|(_, new)| *new)
        .map(|(f, _)| f.path.clone())
        .collect()
}

/// Makes the folder `dir` hold exactly `files` among the files Goalpost generates there.
pub fn write_site(dir: &Path, files: &[OutFile]) -> Result<WriteReport> {
    write_site_with(dir, files, &mut || Ok(()))
}

/// [`write_site`], calling `before_change` once before the first file of the folder changes
/// (and not at all when nothing changes): a build marks there that the web host has not
/// seen the folder yet (see `Goalpost::publish_blog`). If it fails, nothing changes.
pub fn write_site_with(
    dir: &Path,
    files: &[OutFile],
    before_change: &mut dyn FnMut() -> Result<()>,
) -> Result<WriteReport> {
    for f in files {
        check_rel_path(&f.path)?;
    }
    let mut new: HashSet<&str> = HashSet::with_capacity(files.len());
    if let Some(dup) = files.iter().find(|f| !new.insert(f.path.as_str())) {
        return Err(Error::invalid(format!(
            "the blog would write {} twice: this is a bug in Goalpost, please report it",
            dup.path
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create the blog folder", dir, e))?;
    let text = read_manifest(dir)?;
    let complete = text
        .as_deref()
        .is_some_and(|t| t.lines().any(|l| l == COMPLETE));
    let old = manifest_paths(text.as_deref());

    // Temporary files a killed build left behind: beside the manifest, and in every folder
    // we write to if the last build did not finish.
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    dirs.insert("");
    if !complete {
        for p in old.iter().copied().chain(new.iter().copied()) {
            dirs.insert(p.rsplit_once('/').map_or("", |(d, _)| d));
        }
    }
    for d in &dirs {
        fsutil::remove_leftover_temps(&dir.join(d))?;
    }

    let changes = changes(dir, files);
    let created = new_paths(&changes);
    let changed: Vec<&OutFile> = changes.into_iter().map(|(f, _)| f).collect();
    let adds = new.iter().any(|p| !old.contains(p));
    let gone: Vec<&str> = old.iter().copied().filter(|p| !new.contains(p)).collect();
    let busy = !changed.is_empty() || adds || !gone.is_empty();

    // 1. The journal: every file that may exist from now until step 4. Written first, so
    //    that a build killed at any later point leaves a manifest naming all it made, and
    //    saying that it did not finish. Before it, whatever must outlive the change.
    if busy {
        before_change()?;
        let journal: HashSet<&str> = old.iter().chain(new.iter()).copied().collect();
        write_manifest(dir, journal, WRITING)?;
    }

    // 2. Stage what changed. Nothing in the folder changes until every file is staged.
    let staged = stage_all(dir, &changed).inspect_err(|_| {
        // Best effort: the files are as before (the staged ones are deleted), so the
        // manifest may say so again.
        let _ = write_manifest(dir, old.iter().copied(), COMPLETE);
    })?;

    // 3. Put the new files in place, then remove what should no longer exist.
    staged.into_par_iter().try_for_each(Staged::commit)?;
    let mut removed = Vec::new();
    for p in &gone {
        let path = dir.join(p);
        if crate::fsutil::remove_if_present(&path, "remove")? {
            removed.push(p.to_string());
        }
        remove_empty_parents(dir, &path);
    }

    // 4. The manifest lists exactly what is there now, and that the build finished.
    if busy || !complete {
        write_manifest(dir, new.iter().copied(), COMPLETE)?;
    }
    let mut written: Vec<String> = changed.iter().map(|f| f.path.clone()).collect();
    written.sort();
    let mut created = created;
    created.sort();
    Ok(WriteReport {
        unchanged: files.len() - written.len(),
        written,
        created,
        removed,
    })
}

fn stage_all(dir: &Path, changed: &[&OutFile]) -> Result<Vec<Staged>> {
    let mut made_dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for f in changed {
        if let Some(parent) = dir.join(&f.path).parent() {
            if made_dirs.insert(parent.to_path_buf()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io("create the folder", parent, e))?;
            }
        }
    }
    changed
        .par_iter()
        .map(|f| {
            let dest = dir.join(&f.path);
            let staged = match &f.source {
                Source::Bytes(b) => fsutil::stage(&dest, b, false),
                Source::File(src) => fsutil::stage_link_or_copy(src, &dest),
                Source::Kept => Err(Error::invalid(format!(
                    "the blog kept {} as it was but then found it changed: this is a bug in Goalpost, please report it",
                    f.path
                ))),
            }?;
            // The blog is published as it is: a web server must be able to read it.
            staged.readable_by_all()
        })
        .collect()
}

/// What is at a file's destination, compared with what a build would put there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// What the build would put there: the very same file (a photo copy linked), or the
    /// same bytes.
    Same,
    /// Something else.
    Other,
    /// Nothing.
    Nothing,
}

fn found(dest: &Path, source: &Source) -> Found {
    if matches!(source, Source::Kept) {
        return Found::Same;
    }
    let d = match std::fs::metadata(dest) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Found::Nothing,
        Err(_) => return Found::Other,
    };
    let same = d.is_file()
        && match source {
            Source::Kept => true,
            Source::Bytes(b) => fsutil::same_bytes_as(dest, &d, b),
            Source::File(src) => {
                fsutil::same_file(dest, src)
                    || std::fs::metadata(src).is_ok_and(|s| {
                        // A copy made again with another quality, or a file put there by
                        // hand, may have the same name and length: only the bytes tell.
                        d.len() == s.len()
                            && std::fs::read(src).is_ok_and(|b| fsutil::same_bytes_as(dest, &d, &b))
                    })
            }
        };
    if same {
        Found::Same
    } else {
        Found::Other
    }
}

/// The changed files among `files`, each with whether it is new: nothing was at its path.
fn changes<'f>(dir: &Path, files: &'f [OutFile]) -> Vec<(&'f OutFile, bool)> {
    files
        .par_iter()
        .filter_map(|f| match found(&dir.join(&f.path), &f.source) {
            Found::Same => None,
            Found::Other => Some((f, false)),
            Found::Nothing => Some((f, true)),
        })
        .collect()
}

/// A generated path must stay inside the folder and never be one of our own hidden files.
fn check_rel_path(p: &str) -> Result<()> {
    let ok = !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && p.split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.starts_with('.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "the blog would write to {p:?}, outside its folder or over a hidden file: this is a bug in Goalpost, please report it"
        )))
    }
}

/// The text of the manifest of the last build, or `None` if there is none. A folder without
/// a manifest must hold nothing but hidden files (a `.git`, say): Goalpost does not write
/// into someone else's folder.
fn read_manifest(dir: &Path) -> Result<Option<String>> {
    let path = dir.join(MANIFEST);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let entries = std::fs::read_dir(dir).map_err(|e| Error::io("list", dir, e))?;
            let foreign: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .take(3)
                .collect();
            if foreign.is_empty() {
                Ok(None)
            } else {
                Err(Error::Conflict(format!(
                    "the blog folder {} already holds files Goalpost did not write ({}{}): choose an empty or new folder with `goalpost config set blog.dir /full/path`, or empty this one",
                    dir.display(),
                    foreign.join(", "),
                    if foreign.len() == 3 { ", ..." } else { "" }
                )))
            }
        }
        Err(e) => Err(Error::io("read", path, e)),
    }
}

/// The files a manifest lists (never one outside the folder or hidden).
fn manifest_paths(text: Option<&str>) -> HashSet<&str> {
    let text = text.unwrap_or("");
    let mut paths = HashSet::with_capacity(text.lines().count());
    paths.extend(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter(|l| check_rel_path(l).is_ok()),
    );
    paths
}

fn write_manifest<'a>(
    dir: &Path,
    files: impl IntoIterator<Item = &'a str>,
    state: &str,
) -> Result<()> {
    let mut files: Vec<&str> = files.into_iter().collect();
    files.sort_unstable();
    let mut text = String::from(MANIFEST_HEADER);
    text.push_str(state);
    text.push('\n');
    for f in files {
        text.push_str(f);
        text.push('\n');
    }
    fsutil::write_if_changed(&dir.join(MANIFEST), text.as_bytes())?;
    Ok(())
}

/// Removes the folders a removed file leaves empty, up to (not including) the blog folder.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut cur = file.parent();
    while let Some(d) = cur {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        cur = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, text: &str) -> OutFile {
        OutFile {
            path: path.into(),
            source: Source::Bytes(text.as_bytes().to_vec()),
            key: None,
        }
    }

    #[test]
    fn paths_stay_inside_and_off_hidden_files() {
        for bad in [
            "",
            "/etc/x",
            "../x",
            "a/../../x",
            ".goalpost-manifest",
            "a//b",
            "a\\b",
        ] {
            assert!(check_rel_path(bad).is_err(), "{bad}");
        }
        assert!(check_rel_path("posts/e1.html").is_ok());
    }

    #[test]
    fn writes_changes_removes_stale_and_keeps_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("blog");
        let r = write_site(&d, &[page("index.html", "a"), page("posts/e1.html", "1")]).unwrap();
        assert_eq!(r.written, ["index.html", "posts/e1.html"]);
        std::fs::write(d.join("posts/mine.html"), "teacher's").unwrap();
        let r = write_site(&d, &[page("index.html", "b")]).unwrap();
        assert_eq!(
            (r.written.len(), r.removed.clone()),
            (1, vec!["posts/e1.html".to_string()])
        );
        assert_eq!(
            std::fs::read_to_string(d.join("posts/mine.html")).unwrap(),
            "teacher's"
        );
        let r = write_site(&d, &[page("index.html", "b")]).unwrap();
        assert_eq!((r.written.len(), r.unchanged), (0, 1));
    }

    #[test]
    fn refuses_a_folder_that_holds_someone_elses_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("thesis.docx"), "mine").unwrap();
        let e = write_site(dir.path(), &[page("index.html", "a")]).unwrap_err();
        assert!(e.to_string().contains("thesis.docx"), "{e}");
        assert!(!dir.path().join("index.html").exists());
    }
}
