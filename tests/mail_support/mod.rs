//! Shared fixtures for the mail tests: a demo class at a fixed time, email-size photo
//! copies made with the `image` crate (standing in for the photo pipeline), a loopback SMTP
//! server (Python aiosmtpd, tests/mail_support/smtp_server.py) that can misbehave, and
//! Python's standard `email` parser to check every message.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use goalpost::{Clock, Goalpost};
use serde_json::Value;

use crate::common::python;
#[allow(unused_imports)]
pub use crate::common::{eml_files, NOW};

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn support_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mail_support")
}

/// Fails with an install hint when Python or aiosmtpd is missing.
pub fn require_aiosmtpd() {
    python::require("aiosmtpd");
}

/// A demo class of `n` students in a temp folder, at [`NOW`].
pub fn demo(n: usize) -> (tempfile::TempDir, Goalpost) {
    let dir = tempfile::tempdir().unwrap();
    let gp = Goalpost::create(dir.path())
        .unwrap()
        .with_clock(Clock::fixed(at(NOW)));
    gp.create_demo(n).unwrap();
    make_copies(&gp);
    (dir, gp)
}

/// [`demo`] with the demo's sharing time cancelled before anyone was invited: for tests
/// that count news about evidence only (a sharing time's own messages go through the same
/// delivery; tests/invitations.rs covers them).
pub fn demo_without_sharing(n: usize) -> (tempfile::TempDir, Goalpost) {
    let (dir, gp) = demo(n);
    for s in gp.upcoming_sharing_times().unwrap() {
        gp.cancel_sharing_time(s.id).unwrap();
    }
    (dir, gp)
}

pub fn reopen(dir: &Path, now: &str) -> Goalpost {
    Goalpost::open(dir)
        .unwrap()
        .with_clock(Clock::fixed(at(now)))
}

/// Makes the email-size copy of every stored photo, re-encoded without metadata, as the
/// photo pipeline will (`Goalpost::ensure_copies`).
pub fn make_copies(gp: &Goalpost) {
    let originals = goalpost::photo::originals_dir(gp.data_dir());
    let Ok(entries) = std::fs::read_dir(&originals) else {
        return;
    };
    std::fs::create_dir_all(goalpost::photo::copies_dir(gp.data_dir())).unwrap();
    for e in entries.flatten() {
        let hash = e.file_name().to_string_lossy().into_owned();
        let img = image::load_from_memory(&std::fs::read(e.path()).unwrap()).unwrap();
        let img = if img.width() > 1024 || img.height() > 1024 {
            img.thumbnail(1024, 1024)
        } else {
            img
        };
        let mut out = std::io::Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&img.to_rgb8())
            .unwrap();
        std::fs::write(
            goalpost::photo::copy_path(gp.data_dir(), &hash, goalpost::photo::Size::Email),
            out.into_inner(),
        )
        .unwrap();
    }
}

/// A loopback SMTP server run by tests/mail_support/smtp_server.py; killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

#[derive(Default, Clone)]
pub struct Fault<'a> {
    pub fault: &'a str,
    pub times: u32,
    pub only_rcpt: &'a str,
    pub delay_s: f32,
}

impl Server {
    pub fn start(f: Fault<'_>) -> Server {
        Server::start_with(f, &[])
    }

    /// With more arguments for smtp_server.py (TLS, login, byte log: see its docstring).
    pub fn start_with(f: Fault<'_>, extra: &[&std::ffi::OsStr]) -> Server {
        require_aiosmtpd();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("received");
        let mut cmd = python::command();
        cmd.arg(support_dir().join("smtp_server.py"))
            .arg("--dir")
            .arg(&dir)
            .args(["--fault", if f.fault.is_empty() { "none" } else { f.fault }])
            .args(["--times", &f.times.max(1).to_string()])
            .args(["--delay", &f.delay_s.to_string()])
            .args(["--max-seconds", "120"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if !f.only_rcpt.is_empty() {
            cmd.args(["--only-rcpt", f.only_rcpt]);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| python::cannot_run(e));
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the test SMTP server did not start: {line:?}"));
        Server {
            child,
            port,
            dir,
            _tmp: tmp,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// (envelope, message file) of every message stored, in arrival order.
    pub fn received(&self) -> Vec<(Value, PathBuf)> {
        let mut out = Vec::new();
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return out;
        };
        let mut names: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        for p in names {
            let env: Value =
                serde_json::from_str(&std::fs::read_to_string(p.with_extension("json")).unwrap())
                    .unwrap();
            out.push((env, p));
        }
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Whether a parsed message is a sharing time's own message (invitation, reminder or
/// update: tests/invitations.rs), not news about evidence.
pub fn is_sharing_message(m: &Value) -> bool {
    let id = m["message_id"].as_str().unwrap_or("");
    ["invitation", "reminder", "update"]
        .iter()
        .any(|k| id.starts_with(&format!("<goalpost.{k}.sharing.")))
}

/// Parses messages with Python's `email` package (tests/mail_support/check_eml.py).
pub fn parse(paths: &[PathBuf]) -> Vec<Value> {
    if paths.is_empty() {
        return Vec::new();
    }
    let out = python::command()
        .arg(support_dir().join("check_eml.py"))
        .args(paths)
        .output()
        .unwrap_or_else(|e| python::cannot_run(e));
    assert!(
        out.status.success(),
        "check_eml.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Checks the MIME shape and headers every family message must have.
pub fn check_shape(m: &Value) {
    let path = m["path"].as_str().unwrap();
    assert!(m["ascii"].as_bool().unwrap(), "{path}: not 7-bit clean");
    assert!(m["size"].as_u64().unwrap() < 1_000_000, "{path}: over 1 MB");
    assert_eq!(
        m["defects"].as_array().unwrap().len(),
        0,
        "{path}: {}",
        m["defects"]
    );
    assert_eq!(
        m["to"].as_array().unwrap().len(),
        1,
        "{path}: one recipient"
    );
    assert!(
        m["cc"].is_null() && m["bcc"].is_null(),
        "{path}: no Cc or Bcc"
    );
    assert!(m["message_id"].as_str().unwrap().starts_with("<goalpost."));
    assert!(m["date"].is_string(), "{path}: Date");
    assert!(
        m["content_language"].is_string(),
        "{path}: Content-Language"
    );
    assert_eq!(
        m["reply_to"].as_array().unwrap()[0],
        "room7@kowhai.school.example",
        "{path}: replies reach the teacher"
    );
    assert!(m["from_name"].as_str().unwrap().contains("Room 7"));
    let s = &m["structure"];
    assert_eq!(s["type"], "multipart/mixed", "{path}");
    let alt = &s["parts"][0];
    assert_eq!(alt["type"], "multipart/alternative", "{path}");
    assert_eq!(alt["parts"][0]["type"], "text/plain", "{path}");
    let second = &alt["parts"][1];
    let images = m["images"].as_array().unwrap();
    if images.is_empty() {
        assert_eq!(second["type"], "text/html", "{path}");
    } else {
        assert_eq!(second["type"], "multipart/related", "{path}");
        assert_eq!(second["parts"][0]["type"], "text/html", "{path}");
        let cids: Vec<&str> = m["html_cids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        for img in images {
            let cid = img["cid"].as_str().unwrap();
            assert!(
                cid.is_ascii() && cid.starts_with("photo-e"),
                "{path}: {cid}"
            );
            assert!(cids.contains(&cid), "{path}: image {cid} not referenced");
            assert_eq!(img["disposition"], "inline");
            assert!(img["filename"].as_str().unwrap().is_ascii());
            assert!(img["bytes"].as_u64().unwrap() > 1000);
        }
        assert_eq!(
            cids.len(),
            images.len(),
            "{path}: every reference has an image"
        );
    }
    assert!(m["plain"].as_str().unwrap().len() > 50);
    assert!(m["html"].as_str().unwrap().contains("<html"));
}

/// Runs `mail send`, bounded: it must finish (each network wait is bounded by smtp.timeout).
pub fn send(gp: &Goalpost) -> goalpost::mail::MailSummary {
    let start = Instant::now();
    let s = gp.mail_send(&mut |_| {}).unwrap();
    assert!(start.elapsed() < Duration::from_secs(120));
    s
}
