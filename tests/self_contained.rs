//! A clone of the repository alone passes its tests (issue 17): no test, script or CI step
//! looks for its inputs outside the repository, the docs link only to files inside it, and
//! the photos the tests use are the ones `tests/fixtures/photos/README.md` records.
//!
//! What the path check reads, line by line, in every text file under `tests/`, `scripts/`,
//! `src-tauri/tests/` and `.ci/` (this file excepted: its own examples would trip it):
//! - relative paths that climb with `..` (`../shared`, `"$ROOT/../../x"`, Python's
//!   `os.path.join(HERE, "..", "..")`), from the folder they are relative to: the file's
//!   own folder when the line starts from it (`$(dirname "$0")`, `BASH_SOURCE`,
//!   `__file__`), the package root for Rust (`CARGO_MANIFEST_DIR`, the tests' working
//!   folder), else the repository root (every script starts with `cd` there);
//! - `.parent()` taken of `CARGO_MANIFEST_DIR`, and `dirname` / `.parent` / `parents[N]`
//!   taken of the file's own path;
//! - absolute paths under folders that are somebody's machine rather than the system
//!   (`/work/...`, `/home/...`, `/root/...`, `/Users/...`, `/mnt/...`, `/media/...`).
//!
//! Temporary folders and system paths (`/tmp`, `/usr/bin/time`, `/etc/apt`) are fine.
//! A value that only looks like a path (a hostile input a test feeds the app) is listed in
//! [`NOT_PATHS`] with the reason.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

/// Lines that hold a path-like value which is not a path the test reads: (file, the
/// exact text, why it is fine).
const NOT_PATHS: &[(&str, &str, &str)] = &[
    (
        "tests/photo.rs",
        "\"../../etc/passwd\"",
        "a hostile photo hash the store must refuse; nothing is read from it",
    ),
    (
        "scripts/install-deps-test",
        "HOME=/home/teacher",
        "the home of a user inside the clean Debian root the script makes",
    ),
];

/// Folders that are somebody's machine, not the system's: a path under one of them in a
/// test or script means an input outside the repository.
const MACHINE_ROOTS: &[&str] = &["work", "home", "root", "Users", "mnt", "media"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every text file under `dir`, skipping what tools make (dependencies, caches, builds).
fn text_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        if p.is_dir() {
            if !["node_modules", "__pycache__", "target", ".venv", "gen"].contains(&&*name) {
                text_files(&p, out);
            }
        } else if std::fs::read(&p)
            .is_ok_and(|b| !b.contains(&0) && std::str::from_utf8(&b).is_ok())
        {
            out.push(p);
        }
    }
}

/// How many folders up a line climbs, counted from the folder it starts from, for each
/// climb on the line: a path token's leading `..` segments, and the bare `".."` parts
/// of a path joined from pieces (all of one line taken together).
fn climbs(line: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let bare = line.matches("\"..\"").count() + line.matches("'..'").count();
    if bare > 0 {
        out.push(bare);
    }
    let separators = |c: char| c.is_whitespace() || "\"'`()[]{},;=<>|&:".contains(c);
    for token in line.split(separators) {
        if !(token.contains('/') || token.contains('\\')) || !token.contains("..") {
            continue;
        }
        let (mut depth, mut lowest) = (0i64, 0i64);
        for seg in token.split(['/', '\\']) {
            match seg {
                ".." => {
                    depth -= 1;
                    lowest = lowest.min(depth);
                }
                "" | "." => {}
                // A shell or Python value stands for the folder the line starts from.
                s if s.starts_with('$') => {}
                _ => depth += 1,
            }
        }
        if lowest < 0 {
            out.push((-lowest) as usize);
        }
    }
    out
}

/// How many times a line takes the parent of its own file's path or of the package
/// root beyond the first (`dirname` of a file is its folder; `.parent()` of
/// `CARGO_MANIFEST_DIR` already climbs).
fn parent_climbs(line: &str, rust: bool) -> usize {
    if rust {
        if line.contains("CARGO_MANIFEST_DIR") {
            return line.matches(".parent()").count();
        }
        return 0;
    }
    if !starts_from_file(line) {
        return 0;
    }
    let dirnames = line.matches("dirname").count();
    let parents = line.matches(".parent").count() - line.matches(".parents").count();
    let indexed: usize = line
        .match_indices(".parents[")
        .filter_map(|(i, m)| {
            let rest = &line[i + m.len()..];
            rest[..rest.find(']')?]
                .trim()
                .parse::<usize>()
                .ok()
                .map(|n| n + 1)
        })
        .sum();
    (dirnames + parents + indexed).saturating_sub(1)
}

fn starts_from_file(line: &str) -> bool {
    ["$0", "BASH_SOURCE", "__file__"]
        .iter()
        .any(|m| line.contains(m))
}

/// Absolute paths on the line under a [`MACHINE_ROOTS`] folder, with something below it.
fn machine_paths(line: &str) -> Vec<String> {
    let separators = |c: char| c.is_whitespace() || "\"'`()[]{},;=<>|&".contains(c);
    line.split(separators)
        .filter(|t| {
            let mut segs = t.split('/');
            segs.next() == Some("")
                && segs.next().is_some_and(|s| MACHINE_ROOTS.contains(&s))
                && segs.next().is_some_and(|s| !s.is_empty())
        })
        .map(str::to_string)
        .collect()
}

/// The folder a Rust file's paths are relative to: its package's root (the nearest folder
/// above it with a Cargo.toml).
fn package_root(file: &Path) -> PathBuf {
    let mut d = file.parent().unwrap_or(Path::new(""));
    while !d.join("Cargo.toml").is_file() {
        match d.parent() {
            Some(p) if p.starts_with(repo()) => d = p,
            _ => return repo(),
        }
    }
    d.to_path_buf()
}

/// How many folders `dir` is below the repository root.
fn depth_below_repo(dir: &Path) -> usize {
    dir.strip_prefix(repo())
        .map(|r| {
            r.components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .count()
        })
        .unwrap_or(0)
}

/// The problems of one file's text: "line N: what", for a file at `rel` in the repository.
fn problems(rel: &str, text: &str) -> Vec<String> {
    let file = repo().join(rel);
    let rust = rel.ends_with(".rs");
    let file_dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if NOT_PATHS
            .iter()
            .any(|(f, t, _)| *f == rel && line.contains(t))
        {
            continue;
        }
        let base = if starts_from_file(line) {
            file_dir.clone()
        } else if rust {
            package_root(&file)
        } else {
            repo()
        };
        let room = depth_below_repo(&base);
        let up = parent_climbs(line, rust);
        for n in climbs(line).into_iter().chain((up > 0).then_some(up)) {
            if n > room {
                out.push(format!(
                    "line {}: climbs {n} folder(s) up from {}, out of the repository: {}",
                    i + 1,
                    base.strip_prefix(repo())
                        .map(|p| format!("./{}", p.display()))
                        .unwrap_or_default(),
                    line.trim()
                ));
            }
        }
        for p in machine_paths(line) {
            out.push(format!(
                "line {}: an absolute path on somebody's machine: {p}",
                i + 1
            ));
        }
    }
    out
}

#[test]
fn tests_and_scripts_read_their_inputs_inside_the_repository() {
    let mut files = Vec::new();
    for dir in ["tests", "scripts", "src-tauri/tests", ".ci"] {
        text_files(&repo().join(dir), &mut files);
    }
    assert!(
        files.len() > 20,
        "found only {} files to check",
        files.len()
    );
    let me = repo().join(file!());
    let mut found = BTreeMap::new();
    for f in files.iter().filter(|f| **f != me) {
        let rel = f
            .strip_prefix(repo())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(f).unwrap();
        let p = problems(&rel, &text);
        if !p.is_empty() {
            found.insert(rel, p);
        }
    }
    assert!(
        found.is_empty(),
        "tests and scripts must find their inputs inside the repository (tests/fixtures for \
         data; a temporary folder for what they make):\n{}",
        found
            .iter()
            .map(|(f, p)| format!("{f}:\n  {}", p.join("\n  ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The check itself, on lines like those it must catch and those it must let be.
#[test]
fn the_path_check_catches_climbs_and_machine_paths() {
    let bad = [
        (
            "tests/common/mod.rs",
            "        root.join(\"../shared/fixtures\"),",
        ),
        (
            "tests/photo_support/mod.rs",
            "    for up in [\"../shared\", \"../../shared\"] {",
        ),
        (
            "scripts/bench-photo",
            "for up in ../shared ../../shared; do",
        ),
        ("scripts/bench-photo", "  FIXTURE=\"$ROOT/../shared/x.jpg\""),
        ("tests/e2e/run", "cd \"$(dirname \"$0\")/../../..\""),
        (
            "scripts/x.py",
            "ROOT = os.path.join(os.path.dirname(__file__), \"..\", \"..\")",
        ),
        (
            "tests/e2e/x.py",
            "ROOT = Path(__file__).resolve().parents[3]",
        ),
        (
            "tests/a.rs",
            "let p = Path::new(env!(\"CARGO_MANIFEST_DIR\")).parent().unwrap();",
        ),
        (
            "src-tauri/tests/a.rs",
            "Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"../../shared\")",
        ),
        (
            "tests/a.rs",
            "let p = \"/work/shared/fixtures/photos/phone/jolla.jpg\";",
        ),
        (".ci/run", "cp -r /home/ci/fixtures tests/"),
    ];
    for (file, line) in bad {
        assert!(
            !problems(file, line).is_empty(),
            "{file}: not caught: {line}"
        );
    }
    let good = [
        ("scripts/test", "cd \"$(dirname \"$0\")/..\""),
        ("tests/e2e/run", "cd \"$(dirname \"$0\")/../..\""),
        ("scripts/bench-photo", "ROOT=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\""),
        ("scripts/bench_app.py", "sys.path.insert(0, os.path.join(os.path.dirname(__file__), \"..\", \"tests\", \"e2e\"))"),
        ("src-tauri/tests/catalogs.rs", "    Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"../ui\")"),
        ("tests/photo.rs", "    let v = &bytes[..2]; let w = &bytes[i + 4..]; for o in 1..=8 {}"),
        ("tests/photo.rs", "    let Fault { fault, .. } = f; matches!(x, Some(..))"),
        ("tests/common/mod.rs", "    Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"tests/fixtures\")"),
        ("scripts/install-deb-test", "in_root() { chroot \"$root\" env -i HOME=/root LANG=C.UTF-8 \"$@\"; }"),
        ("scripts/bench-photo", "[[ -x /usr/bin/time ]] || need+=(time); WORK=\"$(mktemp -d)\"; cd /tmp/x"),
    ];
    for (file, line) in good {
        assert_eq!(problems(file, line), Vec::<String>::new(), "{file}: {line}");
    }
}

/// Markdown links (`[text](target)`) of a file: the targets.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].trim().to_string());
            rest = &rest[end..];
        }
    }
    out
}

/// Resolves `rel` against `dir` by its words alone (no file system): None when it climbs
/// out of the repository.
fn resolve_inside(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut parts: Vec<_> = dir.strip_prefix(repo()).ok()?.components().collect();
    for c in Path::new(rel).components() {
        match c {
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(_) => parts.push(c),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(repo().join(parts.iter().collect::<PathBuf>()))
}

#[test]
fn docs_link_only_to_files_inside_the_repository() {
    let mut docs = vec![repo().join("README.md")];
    let mut more = Vec::new();
    text_files(&repo().join("docs"), &mut more);
    text_files(&repo().join("tests"), &mut more);
    docs.extend(
        more.into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    assert!(docs.len() >= 5, "found only {} docs", docs.len());
    let mut wrong = Vec::new();
    for doc in &docs {
        let rel = doc.strip_prefix(repo()).unwrap().display().to_string();
        let text = std::fs::read_to_string(doc).unwrap();
        let dir = doc.parent().unwrap();
        for target in link_targets(&text) {
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("mailto:")
                || target.starts_with('#')
            {
                continue;
            }
            let path = target.split('#').next().unwrap_or("");
            match resolve_inside(dir, path) {
                Some(p) if p.exists() => {}
                Some(_) => wrong.push(format!("{rel}: link to a missing file: {target}")),
                None => wrong.push(format!("{rel}: link out of the repository: {target}")),
            }
        }
        // Paths written in code spans or prose, such as `../shared/design/...`.
        for (i, line) in text.lines().enumerate() {
            for n in climbs(line) {
                if n > depth_below_repo(dir) {
                    wrong.push(format!(
                        "{rel} line {}: a path out of the repository: {}",
                        i + 1,
                        line.trim()
                    ));
                }
            }
            for p in machine_paths(line) {
                wrong.push(format!(
                    "{rel} line {}: a path on somebody's machine: {p}",
                    i + 1
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_fixture_photos_are_the_files_their_readme_records() {
    let dir = repo().join("tests/fixtures/photos");
    let readme =
        std::fs::read_to_string(dir.join("README.md")).expect("tests/fixtures/photos/README.md");
    let recorded: BTreeMap<String, String> = readme
        .lines()
        .filter_map(|l| {
            let (hash, file) = l.split_once("  ")?;
            (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (file.trim().to_string(), hash.to_string()))
        })
        .collect();
    let mut found = BTreeMap::new();
    let mut files = Vec::new();
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            } else {
                out.push(e.path());
            }
        }
    }
    walk(&dir, &mut files);
    for f in files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n != "README.md"))
    {
        let rel = f
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let hash = format!("{:x}", Sha256::digest(std::fs::read(f).unwrap()));
        found.insert(rel, hash);
    }
    assert!(
        found.len() >= 21,
        "only {} photos in {}",
        found.len(),
        dir.display()
    );
    assert_eq!(
        found, recorded,
        "the photos in tests/fixtures/photos differ from the SHA-256 list in its README \
         (a photo changed, added or removed: record it with its source and licence)"
    );
}
