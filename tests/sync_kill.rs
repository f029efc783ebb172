//! Sync is safe to interrupt: `goalpost sync` against a real loopback SMTP server, killed
//! with SIGKILL at random moments over and over until it completes, loses no delivery,
//! sends none to the wrong family, duplicates only a message whose answer was lost (with
//! the same Message-ID), keeps the database sound and never shows a half-written page.
//! The same harness with the classic bug switched in (marking a delivery sent before
//! sending it, `--features fault-injection`) must find a lost delivery.
#![cfg(unix)]

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use goalpost::class::ContactInput;
use goalpost::{Clock, Goalpost, Purpose};
use serde_json::Value;

const NOW: &str = "2026-11-20T09:00:00Z";
const KILLS: usize = 50;

const NAMES: [&str; 30] = [
    "Aroha", "Mateo", "Zoë", "Sione", "Amira", "Liam", "Mei", "Tūī", "José", "Priya", "Noah",
    "Łucja", "Kofi", "Hana", "Finn", "Leilani", "Yusuf", "Isla", "Tavita", "Chloé", "Ravi", "Maja",
    "Oliver", "Ngaio", "Emre", "Sofía", "Kai", "Wiremu", "Greta", "Bodhi",
];

struct Sink {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sink(dir: &Path, delay: f32) -> Sink {
    let log = dir.join("received.jsonl");
    common::python::require("aiosmtpd");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sync_support/paced_sink.py");
    let mut child = common::python::command()
        .arg(script)
        .arg("--log")
        .arg(&log)
        .args(["--delay", &delay.to_string(), "--max-seconds", "900"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| common::python::cannot_run(e));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("READY ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "the SMTP sink did not start ({line:?}): {}",
                common::python::install_hint()
            )
        });
    Sink { child, port, log }
}

/// A small photo of its own colour for each student.
fn photo(i: usize) -> Vec<u8> {
    let img = image::RgbImage::from_fn(160, 120, |x, y| {
        image::Rgb([(i * 8) as u8, (x + y) as u8, (255 - i * 8) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .unwrap();
    out.into_inner()
}

/// 30 students with two approved evidence each; 60 contacts on email, two per student,
/// five of them also hearing about a sibling: 130 deliveries.
fn class(dir: &Path, port: u16) -> usize {
    let gp = Goalpost::create(dir)
        .unwrap()
        .with_clock(Clock::fixed(NOW.parse().unwrap()));
    gp.init_class(&common::class_info()).unwrap();
    gp.set_setting("smtp.url", &format!("smtp://127.0.0.1:{port}"))
        .unwrap();
    let mut ids = Vec::new();
    let mut evidence = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let s = gp.add_student(name, "Family", None).unwrap();
        for p in Purpose::ALL {
            gp.set_consent(s.id, p, true, "enrolment form").unwrap();
        }
        for k in 0..2 {
            let g = gp
                .add_goal(
                    s.id,
                    &format!("I can do step {k} of my goal"),
                    "Maths",
                    None,
                )
                .unwrap();
            let rec = gp.import_photo(&photo(i), "p.jpg").unwrap();
            let path = goalpost::photo::original_path(gp.data_dir(), &rec.hash);
            let e = gp
                .add_evidence(s.id, g.id, Some(&path), &format!("{name} did it"), "")
                .unwrap();
            evidence.push(e.id);
        }
        ids.push(s.id);
    }
    gp.approve(&evidence).unwrap();
    let mut deliveries = 0;
    for (i, sid) in ids.iter().enumerate() {
        for k in 0..2 {
            let c = gp
                .add_contact(
                    &ContactInput {
                        name: Some(format!("Parent {k}-{i}")),
                        email: Some(format!("p{k}.s{i}@example.org")),
                        language: Some(["en", "es", "ar"][(i + k) % 3].into()),
                        channel: Some("email".into()),
                    },
                    Some((*sid, "parent")),
                )
                .unwrap();
            deliveries += 2;
            if k == 0 && i % 6 == 0 {
                gp.link_contact(c.id, ids[i + 1], "parent").unwrap();
                deliveries += 2;
            }
        }
    }
    deliveries
}

fn sync_cmd(dir: &Path, fault: bool) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("goalpost"));
    c.arg("--data-dir")
        .arg(dir)
        .arg("sync")
        .env("GOALPOST_NOW", NOW)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if fault {
        c.env("GOALPOST_FAULT_MARK_SENT_FIRST", "1");
    }
    c
}

struct Outcome {
    kills: usize,
    runs: usize,
    lost: Vec<String>,
    duplicates: usize,
    wrong: Vec<String>,
}

/// Kills `goalpost sync` at random moments until it completes after at least [`KILLS`]
/// kills, then syncs once more and checks everything the module docs promise.
fn kill_until_done(fault: bool) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("class");
    let sink = sink(tmp.path(), 0.08);
    let expected = class(&dir, sink.port);
    assert!(expected >= 100);

    let mut seed: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill test seed {seed}");
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let deadline = Instant::now() + Duration::from_secs(420);
    let (mut kills, mut runs) = (0, 0);
    loop {
        assert!(
            Instant::now() < deadline,
            "sync did not complete within the time bound ({kills} kills, {runs} runs)"
        );
        runs += 1;
        let mut child = sync_cmd(&dir, fault).spawn().unwrap();
        let wait = Duration::from_millis(20 + next() % 380);
        let started = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if started.elapsed() >= wait {
                break None;
            }
            std::thread::sleep(Duration::from_millis(3));
        };
        match status {
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
            }
            Some(s) if s.success() && kills >= KILLS => break,
            Some(_) => {}
        }
    }
    // One more, uninterrupted: it must find nothing left to do but what was in flight.
    assert!(sync_cmd(&dir, fault).status().unwrap().success());

    let conn = rusqlite::Connection::open(dir.join("goalpost.sqlite3")).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    // message_id -> (address, the contact's own children: the only ones it may mention)
    let mut stmt = conn
        .prepare(
            "SELECT d.message_id, c.email, d.status,
                    (SELECT group_concat(s.first_name, '|') FROM student_contacts sc
                       JOIN students s ON s.id = sc.student_id WHERE sc.contact_id = c.id)
             FROM deliveries d JOIN contacts c ON c.id = d.contact_id",
        )
        .unwrap();
    let rows: Vec<(String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), expected, "every delivery is in the outbox");
    assert!(
        rows.iter().all(|r| r.2 == "sent"),
        "every delivery ends sent"
    );
    let outbox: HashMap<&str, (&str, Vec<&str>)> = rows
        .iter()
        .map(|(m, a, _, n)| (m.as_str(), (a.as_str(), n.split('|').collect())))
        .collect();

    let log = std::fs::read_to_string(&sink.log).unwrap_or_default();
    let received: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut wrong = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut duplicates = 0;
    for m in &received {
        let mid = m["message_id"].as_str().unwrap_or("").to_string();
        let rcpt: Vec<&str> = m["rcpt"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let Some((address, children)) = outbox.get(mid.as_str()) else {
            wrong.push(format!("{mid} is not in the outbox"));
            continue;
        };
        if rcpt != [*address] || m["to"] != serde_json::json!([address]) {
            wrong.push(format!("{mid} went to {rcpt:?}, not {address}"));
        }
        if !m["cc"].is_null() || !m["bcc"].is_null() {
            wrong.push(format!("{mid} has Cc or Bcc"));
        }
        let text = m["text"].as_str().unwrap_or("");
        for other in NAMES.iter().filter(|n| !children.contains(n)) {
            if text.contains(other) {
                wrong.push(format!("{mid} for {address} mentions {other}"));
            }
        }
        if !seen.insert(mid) {
            duplicates += 1;
        }
    }
    let lost: Vec<String> = outbox
        .keys()
        .filter(|m| !seen.contains(**m))
        .map(|m| m.to_string())
        .collect();

    // The blog folder never shows a half-written page and holds no leftovers.
    let blog = dir.join("blog");
    let mut pages = 0;
    for entry in walk(&blog) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.starts_with(goalpost::fsutil::TEMP_PREFIX),
            "leftover temporary file {}",
            entry.display()
        );
        if name.ends_with(".html") {
            let text = std::fs::read_to_string(&entry).unwrap();
            assert!(
                text.trim_end().ends_with("</html>"),
                "half-written page {}",
                entry.display()
            );
            pages += 1;
        }
    }
    assert!(pages >= 60, "the blog was built ({pages} pages)");
    let manifest = std::fs::read_to_string(blog.join(goalpost::blog::MANIFEST)).unwrap();
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        assert!(
            blog.join(line).is_file(),
            "the manifest lists a missing {line}"
        );
    }
    eprintln!(
        "{kills} kills over {runs} runs, {} messages received for {expected} deliveries, {duplicates} duplicates, {} lost",
        received.len(),
        lost.len()
    );
    Outcome {
        kills,
        runs,
        lost,
        duplicates,
        wrong,
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn sync_killed_at_random_moments_loses_nothing_and_sends_nothing_wrong() {
    let o = kill_until_done(false);
    assert!(o.kills >= KILLS, "{} kills in {} runs", o.kills, o.runs);
    assert!(o.wrong.is_empty(), "{:#?}", o.wrong);
    assert!(o.lost.is_empty(), "lost deliveries: {:?}", o.lost);
    // Each kill can leave at most one message whose answer was lost (sent again with the
    // same Message-ID, which the duplicate count is keyed on).
    assert!(
        o.duplicates <= o.kills,
        "{} duplicates for {} kills: a delivery accepted by the server was sent again",
        o.duplicates,
        o.kills
    );
}

#[cfg(feature = "fault-injection")]
#[test]
fn the_kill_test_catches_marking_sent_before_sending() {
    let o = kill_until_done(true);
    assert!(
        !o.lost.is_empty(),
        "with deliveries marked sent before sending, {} kills should have lost some",
        o.kills
    );
}

/// Only one sync runs at a time, and the lock dies with its process.
#[test]
fn a_second_sync_says_one_is_running_and_a_killed_one_blocks_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("class");
    let sink = sink(tmp.path(), 0.5);
    class(&dir, sink.port);
    let mut first = sync_cmd(&dir, false).spawn().unwrap();
    // Wait until the first one is busy sending (the sink holds each message 0.5 s).
    let deadline = Instant::now() + Duration::from_secs(120);
    while !dir.join("outbox").exists()
        && std::fs::metadata(&sink.log).map(|m| m.len()).unwrap_or(0) == 0
    {
        assert!(
            Instant::now() < deadline,
            "the first sync never started sending"
        );
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first sync ended early"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = assert_cmd::Command::cargo_bin("goalpost")
        .unwrap()
        .arg("--data-dir")
        .arg(&dir)
        .arg("sync")
        .env("GOALPOST_NOW", NOW)
        .output()
        .unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("a sync is already running"), "{err}");
    first.kill().unwrap();
    first.wait().unwrap();
    // The killed sync's lock is gone with it: the next one (a dry run takes the same lock)
    // runs at once.
    assert_cmd::Command::cargo_bin("goalpost")
        .unwrap()
        .arg("--data-dir")
        .arg(&dir)
        .args(["sync", "--dry-run"])
        .env("GOALPOST_NOW", NOW)
        .assert()
        .success();
}
