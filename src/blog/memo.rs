//! What each page of the last build was made from, so that a rebuild renders only the pages
//! whose inputs changed.
//!
//! Every list and post page has a key: a SHA-256 of everything its bytes depend on (the
//! templates and style, the words, the site's values, the page's own values and the
//! digests of the posts it shows). After a build the memo records, per page, that key and
//! the page file's length, modification time and inode as the build left it. The next
//! build skips a page only if its key is the same and the file on disk still has the same
//! length, time and inode: a page edited by hand, deleted, or replaced by a build that was
//! killed before it could record what it did is rendered again. The memo lives in the data
//! folder (`cache/blog-pages-*`), never in the published folder; if it is missing or damaged
//! the build renders everything, as a first build does.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::fsutil;

/// The memo's format; a memo of another format is ignored. Raise it whenever what a page's
/// bytes depend on changes in code (a filter, the formatter, a context variable).
pub const FORMAT: &str = "goalpost-blog-pages 2";

/// A page's key: the digest of everything its bytes depend on.
pub type Key = [u8; 32];

/// The memo file, in a data folder, of the blog folder `blog_dir` (one per blog folder, so
/// that building into another folder now and then does not make the next build of the
/// usual one start over).
pub fn memo_path(data_dir: &Path, blog_dir: &Path) -> PathBuf {
    let d = Sha256::digest(folder_line(blog_dir).as_bytes());
    let id: String = d[..8].iter().map(|b| format!("{b:02x}")).collect();
    crate::DataDir::new(data_dir).blog_memo(&id)
}

/// A file as a build left it: enough to tell that nobody has touched it since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    mtime_ns: i128,
    ino: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::symlink_metadata(path).ok()?;
        if !m.is_file() {
            return None;
        }
        let mtime = m.modified().ok()?;
        let mtime_ns = match mtime.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        };
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let ino = 0;
        Some(Stamp {
            len: m.len(),
            mtime_ns,
            ino,
        })
    }
}

/// The pages of the last build of one blog folder.
#[derive(Debug, Default)]
pub struct Memo {
    pages: foldhash::HashMap<String, (Key, Stamp)>,
}

impl Memo {
    /// The memo at `path` for the blog folder `blog_dir`, or an empty one if there is none,
    /// it is for another folder, or it cannot be read: it is only a cache.
    pub fn load(path: &Path, blog_dir: &Path) -> Memo {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Memo::default();
        };
        let mut lines = text.lines();
        if lines.next() != Some(FORMAT) || lines.next() != Some(&folder_line(blog_dir)) {
            return Memo::default();
        }
        let mut pages = foldhash::HashMap::default();
        for line in lines {
            let mut f = line.split('\t');
            let (Some(p), Some(k), Some(len), Some(t), Some(ino), None) =
                (f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
            else {
                return Memo::default();
            };
            let (Some(key), Ok(len), Ok(mtime_ns), Ok(ino)) =
                (parse_key(k), len.parse(), t.parse(), ino.parse())
            else {
                return Memo::default();
            };
            pages.insert(p.to_string(), (key, Stamp { len, mtime_ns, ino }));
        }
        Memo { pages }
    }

    /// Whether the page `rel`, at `dest`, was built from `key` and is untouched since.
    pub fn is_fresh(&self, rel: &str, key: &Key, dest: &Path) -> bool {
        match self.pages.get(rel) {
            Some((k, stamp)) => k == key && Stamp::of(dest).as_ref() == Some(stamp),
            None => false,
        }
    }

    /// Records the keys of the pages now in `blog_dir`, replacing the memo at `path`.
    /// `pages` gives each page's key and whether this build kept it as it was (found
    /// fresh in this memo, so its stamp is known); the others are looked at on disk now.
    /// A page that is not on disk is left out. When every page was kept and the memo
    /// holds no other, it already says all this and is left as it is.
    pub fn save<'a>(
        &self,
        path: &Path,
        blog_dir: &Path,
        pages: impl Iterator<Item = (&'a str, &'a Key, bool)>,
    ) -> Result<()> {
        let mut all_known = true;
        let stamped: Vec<(&str, &Key, Stamp)> = pages
            .filter_map(|(rel, key, kept)| {
                let known = kept
                    .then(|| self.pages.get(rel))
                    .flatten()
                    .filter(|(k, _)| k == key)
                    .map(|(_, s)| *s);
                all_known &= known.is_some();
                let s = known.or_else(|| Stamp::of(&blog_dir.join(rel)))?;
                Some((rel, key, s))
            })
            .collect();
        if all_known && stamped.len() == self.pages.len() && path.is_file() {
            return Ok(());
        }
        let mut rows: Vec<String> = stamped
            .into_iter()
            .map(|(rel, key, s)| {
                format!(
                    "{rel}\t{}\t{}\t{}\t{}\n",
                    hex(key),
                    s.len,
                    s.mtime_ns,
                    s.ino
                )
            })
            .collect();
        rows.sort();
        let mut text = format!("{FORMAT}\n{}\n", folder_line(blog_dir));
        text.extend(rows);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| crate::error::Error::io("create the cache folder", parent, e))?;
        }
        fsutil::write_if_changed(path, text.as_bytes())?;
        Ok(())
    }
}

fn folder_line(blog_dir: &Path) -> String {
    format!("folder {}", blog_dir.display()).replace(['\n', '\r'], " ")
}

fn hex(key: &Key) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in key {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

fn parse_key(hex: &str) -> Option<Key> {
    if hex.len() != 64 {
        return None;
    }
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(k)
}

/// Builds a key from parts; each part is length-prefixed so that parts cannot run into
/// each other.
#[derive(Clone)]
pub struct KeyBuilder(Sha256);

impl KeyBuilder {
    pub fn new(salt: &Key) -> KeyBuilder {
        let mut h = Sha256::new();
        h.update(salt);
        KeyBuilder(h)
    }

    pub fn part(mut self, bytes: &[u8]) -> KeyBuilder {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn finish(self) -> Key {
        self.0.finalize().into()
    }
}

/// The digest of a value through its `Hash`: every field of a derived `Hash`, each string
/// ended by a byte no UTF-8 text holds and each list led by its length, so that values
/// cannot run into each other. (Integers go in in the machine's byte order: a memo is
/// only ever read on the machine that wrote it.) Faster than digesting its JSON, which
/// escapes every string first.
pub fn digest_of<T: std::hash::Hash + ?Sized>(value: &T) -> Key {
    struct Sha(Sha256);
    impl std::hash::Hasher for Sha {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            0 // Never asked: only the digest is read.
        }
    }
    let mut h = Sha(Sha256::new());
    value.hash(&mut h);
    h.0.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_fresh_only_with_the_same_key_and_an_untouched_file() {
        let dir = tempfile::tempdir().unwrap();
        let blog = dir.path().join("blog");
        std::fs::create_dir_all(blog.join("posts")).unwrap();
        std::fs::write(blog.join("posts/e1.html"), "one").unwrap();
        let memo = dir.path().join("memo");
        let k1 = KeyBuilder::new(&[0; 32]).part(b"a").finish();
        let k2 = KeyBuilder::new(&[0; 32]).part(b"b").finish();
        Memo::default()
            .save(&memo, &blog, [("posts/e1.html", &k1, false)].into_iter())
            .unwrap();

        let m = Memo::load(&memo, &blog);
        let page = blog.join("posts/e1.html");
        assert!(m.is_fresh("posts/e1.html", &k1, &page));
        assert!(!m.is_fresh("posts/e1.html", &k2, &page), "another key");
        assert!(!m.is_fresh("posts/e2.html", &k1, &blog.join("posts/e2.html")));
        // Another folder's memo is not this folder's.
        assert!(!Memo::load(&memo, &dir.path().join("other")).is_fresh(
            "posts/e1.html",
            &k1,
            &page
        ));

        // Replaced (as a build or an editor does: a new file renamed over it).
        let tmp = blog.join("posts/.tmp");
        std::fs::write(&tmp, "two").unwrap();
        std::fs::rename(&tmp, &page).unwrap();
        assert!(!Memo::load(&memo, &blog).is_fresh("posts/e1.html", &k1, &page));
        std::fs::remove_file(&page).unwrap();
        assert!(!Memo::load(&memo, &blog).is_fresh("posts/e1.html", &k1, &page));
    }

    #[test]
    fn a_damaged_memo_is_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let memo = dir.path().join("memo");
        std::fs::write(
            &memo,
            format!("{FORMAT}\nfolder /x\nposts/e1.html\tzz\t1\t2\t3\n"),
        )
        .unwrap();
        assert!(Memo::load(&memo, Path::new("/x")).pages.is_empty());
        assert_eq!(parse_key(&"ab".repeat(32)), Some([0xab; 32]));
        let k = KeyBuilder::new(&[1; 32]).finish();
        assert_eq!(parse_key(&hex(&k)), Some(k));
        assert_eq!(parse_key("ab"), None);
    }

    #[test]
    fn digests_of_values_do_not_run_into_each_other() {
        let d = |v: &(&str, &str, Option<&str>, Vec<&str>)| digest_of(v);
        let a = d(&("ab", "c", None, vec![]));
        assert_eq!(a, d(&("ab", "c", None, vec![])));
        assert_ne!(a, d(&("a", "bc", None, vec![])));
        assert_ne!(a, d(&("ab", "c", Some(""), vec![])));
        assert_ne!(
            d(&("", "", None, vec!["a", "b"])),
            d(&("", "", None, vec!["ab"]))
        );
    }

    #[test]
    fn key_parts_do_not_run_into_each_other() {
        let s = [7u8; 32];
        let ab_c = KeyBuilder::new(&s).part(b"ab").part(b"c").finish();
        let a_bc = KeyBuilder::new(&s).part(b"a").part(b"bc").finish();
        assert_ne!(ab_c, a_bc);
    }
}
