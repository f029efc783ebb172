//! A class driven through the `goalpost` command line over weeks (the clock moves on an hour
//! at every command), a copying "web host" its publish command keeps, and the checks every
//! privacy test makes: which names and photos a published file or a family's message may
//! show under today's consents.
#![allow(dead_code)]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::common;

/// A class in a temporary folder, changed through the CLI.
pub struct Class {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub data: PathBuf,
    /// The folder a copying publish command mirrors the blog into (see [`Class::host`]).
    pub host: PathBuf,
    hours: Cell<i64>,
}

impl Class {
    /// Room 7, made with `goalpost init`, its clock at [`common::NOW`].
    pub fn new() -> Class {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let c = Class {
            data: root.join("class"),
            host: root.join("host"),
            root,
            _dir: dir,
            hours: Cell::new(0),
        };
        c.run(&common::INIT_ARGS);
        c
    }

    /// The class's time now: an hour later at every command.
    pub fn now(&self) -> DateTime<Utc> {
        common::now() + Duration::hours(self.hours.get())
    }

    /// Moves the clock on by `days`.
    pub fn later(&self, days: i64) {
        self.hours.set(self.hours.get() + 24 * days);
    }

    /// The CLI against this class at its time now.
    pub fn cmd(&self) -> assert_cmd::Command {
        self.hours.set(self.hours.get() + 1);
        let mut c = common::cli(&self.data);
        c.env("GOALPOST_NOW", self.now().to_rfc3339())
            .env_remove("GOALPOST_SMTP_PASSWORD");
        c
    }

    /// Runs a command that must succeed; its standard output.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "goalpost {} failed:\n{}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command with `--json`.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    /// A student with these consents (`blog`, `name_on_blog`, `photo_on_blog`,
    /// `email_family`, each yes or no) and a contact on email; returns the student's id.
    pub fn student(&self, first: &str, last: &str, consents: [bool; 4]) -> i64 {
        let id = self.json(&["student", "add", "--first-name", first, "--last-name", last])["id"]
            .as_i64()
            .unwrap();
        self.consents(id, consents);
        id
    }

    pub fn consents(&self, student: i64, consents: [bool; 4]) {
        for (purpose, yes) in ["blog", "name_on_blog", "photo_on_blog", "email_family"]
            .into_iter()
            .zip(consents)
        {
            self.consent(student, purpose, yes);
        }
    }

    pub fn consent(&self, student: i64, purpose: &str, yes: bool) {
        let s = student.to_string();
        let answer = if yes { "yes" } else { "no" };
        self.run(&[
            "consent",
            "set",
            &s,
            purpose,
            answer,
            "--given-by",
            "mother",
        ]);
    }

    /// A contact on email for `student`; returns the contact's id.
    pub fn contact(&self, name: &str, email: &str, student: i64, channel: &str) -> i64 {
        let s = student.to_string();
        self.json(&[
            "contact",
            "add",
            "--name",
            name,
            "--email",
            email,
            "--channel",
            channel,
            "--student",
            &s,
        ])["id"]
            .as_i64()
            .unwrap()
    }

    pub fn goal(&self, student: i64, title: &str, subject: &str) -> i64 {
        let s = student.to_string();
        self.json(&[
            "goal",
            "add",
            "--student",
            &s,
            "--title",
            title,
            "--subject",
            subject,
        ])["id"]
            .as_i64()
            .unwrap()
    }

    /// Evidence with a real camera photo (`orientation/landscape_N.jpg`), waiting.
    pub fn evidence(&self, student: i64, goal: i64, words: &str, photo: Option<u32>) -> i64 {
        let (s, g) = (student.to_string(), goal.to_string());
        let mut args = vec![
            "evidence".to_string(),
            "add".into(),
            "--student".into(),
            s,
            "--goal".into(),
            g,
            "--words".into(),
            words.into(),
        ];
        if let Some(n) = photo {
            args.push("--photo".into());
            let p = common::photo(&format!("orientation/landscape_{n}.jpg"));
            args.push(p.to_string_lossy().into_owned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.json(&args)["id"].as_i64().unwrap()
    }

    pub fn approve(&self, evidence: i64) {
        self.run(&["review", "approve", &evidence.to_string()]);
    }

    /// A goal, evidence with `words`, approved by id.
    pub fn achieve(&self, student: i64, title: &str, words: &str, photo: Option<u32>) -> i64 {
        let g = self.goal(student, title, "Maths");
        let e = self.evidence(student, g, words, photo);
        self.approve(e);
        e
    }

    /// `goalpost sync --json`, which must succeed.
    pub fn sync(&self) -> Value {
        let s = self.json(&["sync"]);
        assert!(
            s["publish"].is_null() || s["publish"]["ok"] == true,
            "the publish command failed: {s}"
        );
        s
    }

    /// Sets `blog.publish_command` to a copy that mirrors the blog into [`Class::host`],
    /// as `rsync -a --delete` would.
    pub fn publish_to_host(&self) {
        let host = self.host.to_string_lossy().into_owned();
        let cmd = format!("rm -rf '{host}' && mkdir -p '{host}' && cp -R . '{host}/'");
        self.run(&["config", "set", "blog.publish_command", &cmd]);
    }

    pub fn blog(&self) -> PathBuf {
        self.data.join("blog")
    }

    pub fn outbox(&self) -> PathBuf {
        self.data.join("outbox")
    }

    pub fn print(&self) -> PathBuf {
        self.data.join("print")
    }
}

/// Every file under `dir` (hidden ones too), by path relative to it, as text (lossy).
pub fn files(dir: &Path) -> BTreeMap<String, String> {
    common::files_under(dir)
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let rel = p
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((rel, String::from_utf8_lossy(&bytes).into_owned()))
        })
        .collect()
}

/// Text folded for matching: lower case, accents off (as Goalpost matches names).
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(|c| c.to_lowercase())
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect()
}

/// Whether `name` occurs in `text` as a whole word, in any case and with or without
/// accents.
pub fn names(text: &str, name: &str) -> bool {
    names_folded(&fold(text), &fold(name))
}

/// [`names`] for a text and a name already [`fold`]ed (folding is the slow part: a test
/// that checks many names against one text folds it once).
pub fn names_folded(text: &str, name: &str) -> bool {
    common::has_word(text, name)
}

/// The files in `files` that name `name` (see [`names`]).
pub fn naming(files: &BTreeMap<String, String>, name: &str) -> Vec<String> {
    files
        .iter()
        .filter(|(_, text)| names(text, name))
        .map(|(p, _)| p.clone())
        .collect()
}

/// The `.eml` files in the outbox folder, as Python's email package reads them: the file
/// name, then the subject, plain text and HTML (unescaped) together.
pub fn emails(outbox: &Path) -> BTreeMap<String, String> {
    let paths = common::eml_files(outbox);
    if paths.is_empty() {
        return BTreeMap::new();
    }
    let out = common::python::command()
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mail_support/check_eml.py"))
        .args(&paths)
        .output()
        .unwrap_or_else(|e| common::python::cannot_run(e));
    assert!(
        out.status.success(),
        "check_eml.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    parsed
        .into_iter()
        .map(|m| {
            let name = Path::new(m["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let text = format!(
                "{}\n{}\n{}\n[images: {}]",
                m["subject"].as_str().unwrap_or(""),
                m["plain"].as_str().unwrap_or(""),
                m["html_unescaped"].as_str().unwrap_or(""),
                m["images"].as_array().map_or(0, Vec::len)
            );
            (name, text)
        })
        .collect()
}

/// A small seeded generator (xorshift) for the year tests: the same seed, the same year.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// A number from the environment variable `name`, else `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
