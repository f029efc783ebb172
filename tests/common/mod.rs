//! Shared helpers for the core's integration tests: a temporary class, the CLI against it,
//! a dump of the whole database to prove that a refused command changed nothing, the
//! fixtures kept in the repository, and the Python that runs the test peers ([`python`]).
//! The other `*_support` modules build on this one: a test file that uses one of them
//! declares `mod common;` too. See tests/README.md.
#![allow(dead_code)]

pub mod python;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{DateTime, Utc};
use goalpost::{ClassInfo, Clock, Goalpost};

/// A fixed "now" so that every run writes the same timestamps: a Friday morning in
/// November (Friday evening in Auckland, the class's time zone).
pub const NOW: &str = "2026-11-20T09:00:00Z";

pub fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

pub fn clock() -> Clock {
    Clock::fixed(now())
}

/// Room 7 at Kōwhai Primary, in English.
pub fn class_info() -> ClassInfo {
    class_info_in("en")
}

/// Room 7 at Kōwhai Primary, with `language` as the class's language.
pub fn class_info_in(language: &str) -> ClassInfo {
    ClassInfo {
        school: "Kōwhai Primary".into(),
        class_name: "Room 7".into(),
        teacher: "Ms Te Rangi".into(),
        teacher_email: "room7@school.example".into(),
        language: language.into(),
        timezone: "Pacific/Auckland".into(),
    }
}

/// A new class in a temporary data folder (`<temp>/class`), at [`NOW`].
pub fn new_class() -> (tempfile::TempDir, Goalpost) {
    new_class_in("en")
}

/// A new class whose language is `language`, in `<temp>/class`, at [`NOW`].
pub fn new_class_in(language: &str) -> (tempfile::TempDir, Goalpost) {
    let dir = tempfile::tempdir().unwrap();
    let gp = Goalpost::create(dir.path().join("class"))
        .unwrap()
        .with_clock(clock());
    gp.init_class(&class_info_in(language)).unwrap();
    (dir, gp)
}

/// `goalpost init` for Room 7 at Kōwhai Primary (as [`class_info`]), in English.
pub const INIT_ARGS: [&str; 11] = [
    "init",
    "--school",
    "Kōwhai Primary",
    "--class",
    "Room 7",
    "--teacher",
    "Ms Te Rangi",
    "--teacher-email",
    "room7@school.example",
    "--timezone",
    "Pacific/Auckland",
];

/// The `.eml` files in `dir` (an outbox), sorted by name; none when `dir` does not exist.
pub fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Every file under `dir`, in any order (none when `dir` does not exist).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The `goalpost` binary with `--data-dir` set and the clock fixed.
pub fn cli(data_dir: &Path) -> Command {
    let mut c = Command::cargo_bin("goalpost").unwrap();
    c.arg("--data-dir")
        .arg(data_dir)
        .env("GOALPOST_NOW", NOW)
        .env_remove("GOALPOST_DATA_DIR");
    c
}

/// Runs `goalpost ARGS` on `data`, which must succeed, and returns what it printed.
pub fn cli_ok(data: &Path, args: &[&str]) -> String {
    let out = cli(data).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// [`cli_ok`] at another moment: `GOALPOST_NOW` is `now` (RFC 3339).
pub fn cli_ok_at(data: &Path, now: &str, args: &[&str]) -> String {
    let out = cli(data)
        .env("GOALPOST_NOW", now)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?} at {now}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// [`cli_ok_at`] with `--json`, parsed.
pub fn cli_ok_json_at(data: &Path, now: &str, args: &[&str]) -> serde_json::Value {
    let out = cli_ok_at(data, now, &[args, &["--json"]].concat());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// [`cli_ok`] with `--json`, parsed.
pub fn cli_ok_json(data: &Path, args: &[&str]) -> serde_json::Value {
    let out = cli_ok(data, &[args, &["--json"]].concat());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// A demo class of `students` made by `goalpost demo`, in `<temp>/demo`.
pub fn demo_data_dir(students: usize) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("demo");
    cli(&data)
        .args(["demo", "--students", &students.to_string()])
        .assert()
        .success();
    (d, data)
}

/// Every row of every table, in a stable order: equal dumps mean an unchanged database.
pub fn dump(data_dir: &Path) -> String {
    dump_db(&data_dir.join("goalpost.sqlite3"))
}

/// [`dump`] of one database file (a backup, a kept copy).
pub fn dump_db(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut tables = table_names(&conn);
    tables.retain(|t| !t.starts_with("sqlite_"));
    let mut out = String::new();
    for t in tables {
        out.push_str(&format!("## {t}\n"));
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1, 2"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join(" | "))
            })
            .unwrap();
        for row in rows {
            out.push_str(&row.unwrap());
            out.push('\n');
        }
    }
    out
}

/// Every table of a database, SQLite's own included, by name.
pub fn table_names(conn: &rusqlite::Connection) -> Vec<String> {
    conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The test inputs kept in the repository: `tests/fixtures` (real camera photos under
/// `photos/`, with their sources in `photos/README.md`). Never written to.
/// [`dump`] of the database inside a backup: a whole-class `.goalpost` archive (the
/// database entry is read out with the `tar` crate) or an old database-only backup.
pub fn dump_backup(backup: &Path) -> String {
    let mut archive = tar::Archive::new(std::fs::File::open(backup).unwrap());
    let Ok(entries) = archive.entries() else {
        return dump_db(backup);
    };
    for e in entries {
        let Ok(mut e) = e else {
            return dump_db(backup);
        };
        if e.path_bytes().as_ref() == b"goalpost.sqlite3" {
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("goalpost.sqlite3");
            e.unpack(&db).unwrap();
            return dump_db(&db);
        }
    }
    dump_db(backup)
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A real camera photo from `tests/fixtures/photos`, e.g. `photo("orientation/portrait_6.jpg")`.
pub fn photo(rel: &str) -> PathBuf {
    fixtures().join("photos").join(rel)
}

/// Whether `name` occurs in `text` as a whole word.
pub fn has_word(text: &str, name: &str) -> bool {
    let mut start = 0;
    while let Some(i) = text[start..].find(name) {
        let a = start + i;
        let b = a + name.len();
        let before = text[..a].chars().next_back();
        let after = text[b..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        start = a + name.len().max(1);
    }
    false
}
