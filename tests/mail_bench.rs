//! The mail benchmark (issue 5), run by `scripts/bench-mail`; ignored in ordinary test runs.
//!
//! 200 messages of about 300 KB each to Postfix's `smtp-sink` on 127.0.0.1, and in the same
//! run Postfix's `smtp-source` sending the same number and size to the same sink, so the
//! result is a ratio that does not depend on the machine. Also: the time to compose one
//! message without sending it. Prints the figures; asserts nothing about speed (speed is
//! reported, not tested), only that every message arrived.

mod common;
mod mail_support;

use std::io::Cursor;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use goalpost::class::ContactInput;
use goalpost::mail::compose::{self, Languages, Letter, LetterKind, Renderer};
use goalpost::mail::smtp;
use goalpost::{Clock, Goalpost};
use mail_support::*;

const MESSAGES: usize = 200;
const SIZE: usize = 300_000;
const ROUNDS: usize = 5;

fn need(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is missing: install Postfix's tools with `DEBIAN_FRONTEND=noninteractive apt-get install -y postfix` (then `postfix stop` if it started a server)"
    );
}

struct Sink(std::process::Child);
impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_sink(port: u16) -> Sink {
    let mut cmd = Command::new("smtp-sink");
    // smtp-sink refuses to run as root without a user to switch to.
    if std::env::var("USER").as_deref() == Ok("root") || unsafe_is_root() {
        cmd.args(["-u", "nobody"]);
    }
    cmd.arg(format!("127.0.0.1:{port}"))
        .arg("256")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = cmd.spawn().expect("smtp-sink starts");
    // Wait (bounded) until it listens.
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "smtp-sink did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Sink(child)
}

/// CPU time used so far by this thread, in seconds: unlike wall time it hardly changes when
/// other programs load the machine, so compose cost can be compared across busy runs.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// The load average over the last minute (the machine may be shared).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn unsafe_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A JPEG of noise about `target` bytes, so that base64 makes the message about 300 KB.
fn photo_of_size(target: usize) -> Vec<u8> {
    let mut side = 400u32;
    loop {
        let mut s = 0x9e37_79b9u32;
        let img = image::RgbImage::from_fn(side, side * 3 / 4, |x, y| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let base = ((x + y) % 255) as u8;
            image::Rgb([base, (s & 0x3f) as u8 + base / 2, (s >> 8) as u8 & 0x7f])
        });
        let mut out = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 75)
            .encode_image(&img)
            .unwrap();
        let v = out.into_inner();
        if v.len() >= target || side > 1400 {
            return v;
        }
        side += 40;
    }
}

fn class_of(n: usize, dir: &std::path::Path) -> Goalpost {
    let gp = Goalpost::create(dir)
        .unwrap()
        .with_clock(Clock::fixed(at(NOW)));
    gp.init_class(&goalpost::ClassInfo {
        school: "Kōwhai Primary School".into(),
        class_name: "Room 7".into(),
        teacher: "Ms Aroha Te Rangi".into(),
        teacher_email: "room7@kowhai.school.example".into(),
        language: "en".into(),
        timezone: "Pacific/Auckland".into(),
    })
    .unwrap();
    let photo = photo_of_size(SIZE * 3 / 4 - 6_000);
    let photo_path = dir.join("photo.jpg");
    std::fs::write(&photo_path, &photo).unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let s = gp
            .add_student(&format!("Student{i}"), &format!("Family{i}"), None)
            .unwrap();
        gp.set_consent(s.id, goalpost::Purpose::EmailFamily, true, "bench")
            .unwrap();
        gp.add_contact(
            &ContactInput {
                name: Some(format!("Parent {i}")),
                email: Some(format!("parent{i}@example.org")),
                language: Some(["en", "es", "ar"][i % 3].into()),
                channel: Some("email".into()),
            },
            Some((s.id, "mother")),
        )
        .unwrap();
        let g = gp
            .add_goal(s.id, "I can count by 5s to 100", "Maths", None)
            .unwrap();
        ids.push(
            gp.add_evidence(s.id, g.id, Some(&photo_path), "I counted all the way!", "")
                .unwrap()
                .id,
        );
    }
    gp.approve(&ids).unwrap();
    // The email-size copy (the photo is already under 1024 px: copied as is).
    let hash = gp.family_views().unwrap()[0].items[0]
        .photo_hash
        .clone()
        .unwrap();
    std::fs::create_dir_all(goalpost::photo::copies_dir(dir)).unwrap();
    std::fs::write(
        goalpost::photo::copy_path(dir, &hash, goalpost::photo::Size::Email),
        &photo,
    )
    .unwrap();
    gp
}

#[test]
#[ignore = "benchmark: run scripts/bench-mail"]
fn bench_mail_against_smtp_source() {
    need("smtp-sink");
    need("smtp-source");
    let tmp = tempfile::tempdir().unwrap();
    let gp = class_of(MESSAGES, tmp.path());

    // 1. Composing, without sending.
    let class = gp.class().unwrap();
    let views = gp.family_views().unwrap();
    let renderer = Renderer::new().unwrap();
    let mut langs = Languages::new(gp.data_dir(), "en");
    let hash = views[0].items[0].photo_hash.clone().unwrap();
    let mut photos = std::collections::HashMap::new();
    let load_before = load();
    let t = Instant::now();
    let cpu = thread_cpu();
    let mut sizes = 0usize;
    let mut composed = Vec::new();
    for v in &views {
        // Reading the copy is part of composing.
        let bytes = std::fs::read(goalpost::photo::copy_path(
            gp.data_dir(),
            &hash,
            goalpost::photo::Size::Email,
        ))
        .unwrap();
        photos.insert(hash.clone(), compose::Photo { bytes });
        let items: Vec<&goalpost::plan::FamilyItem> = v.items.iter().collect();
        // Messages end with the goal sheet in short, as a sync's do.
        let sheets: Vec<&goalpost::plan::SheetInShort> = v.sheets.iter().collect();
        let mid = goalpost::mail::message_id(&class, &class.teacher_email, "bench", v.contact.id);
        let letter = Letter {
            class: &class,
            tz: chrono_tz::Pacific::Auckland,
            contact: &v.contact,
            items: &items,
            kind: LetterKind::Evidence,
            message_id: &mid,
            date: gp.now(),
            from: &class.teacher_email,
            site_url: Some("https://kowhai.school.example/room7/"),
            sharing: None,
            sheets: &sheets,
        };
        let l = langs.get(&v.contact.language).unwrap();
        let c = compose::compose(&letter, l, &renderer, &photos).unwrap();
        sizes += c.bytes.len();
        composed.push((c.to, c.bytes));
    }
    let compose_ms = t.elapsed().as_secs_f64() * 1000.0 / MESSAGES as f64;
    let compose_cpu_ms = (thread_cpu() - cpu) * 1000.0 / MESSAGES as f64;
    let avg_kb = sizes / MESSAGES / 1024;

    // 2. smtp-source: the same count and size, one connection (-d), like ours.
    let port = closed_port();
    let sink = start_sink(port);
    let run_source = |reuse: bool| {
        let t = Instant::now();
        let mut cmd = Command::new("smtp-source");
        if reuse {
            cmd.arg("-d");
        }
        let st = cmd
            .args([
                "-s",
                "1",
                "-m",
                &MESSAGES.to_string(),
                "-l",
                &SIZE.to_string(),
            ])
            .args(["-f", "bench@example.org", "-t", "sink@example.org"])
            .arg(format!("127.0.0.1:{port}"))
            .status()
            .unwrap();
        assert!(st.success());
        MESSAGES as f64 / t.elapsed().as_secs_f64()
    };
    // 3. Our client alone, pre-composed messages over one connection.
    let cfg = smtp::Config {
        host: "127.0.0.1".into(),
        port,
        security: smtp::Security::Plain,
        user: None,
        password: None,
        timeout: Duration::from_secs(30),
        hello: "bench.localdomain".into(),
        ca_file: None,
    };
    let run_client = || {
        let mut client = smtp::Client::new(cfg.clone()).unwrap();
        let t = Instant::now();
        for (to, bytes) in &composed {
            client
                .send("room7@kowhai.school.example", to, bytes)
                .unwrap();
        }
        let rate = MESSAGES as f64 / t.elapsed().as_secs_f64();
        assert_eq!(client.connections, 1, "one connection for all messages");
        rate
    };
    // Interleaved rounds, so that load from other programs hits both sides alike; the
    // median of the per-round ratios is reported.
    let mut rounds = Vec::new();
    for _ in 0..ROUNDS {
        let src = run_source(true);
        let ours = run_client();
        rounds.push((src, ours, ours / src));
    }
    let source_new = run_source(false);
    let mut ratios: Vec<f64> = rounds.iter().map(|r| r.2).collect();
    ratios.sort_by(|a, b| a.total_cmp(b));
    let client_ratio = ratios[ratios.len() / 2];
    let median = |f: fn(&(f64, f64, f64)) -> f64| {
        let mut v: Vec<f64> = rounds.iter().map(f).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let source_reuse = median(|r| r.0);
    let client_rate = median(|r| r.1);

    // 4. The whole `mail send`: queue, compose, outbox writes, send.
    gp.set_setting("smtp.url", &format!("smtp://127.0.0.1:{port}"))
        .unwrap();
    let t = Instant::now();
    let s = gp.mail_send(&mut |_| {}).unwrap();
    let send_rate = MESSAGES as f64 / t.elapsed().as_secs_f64();
    assert_eq!(s.sent, MESSAGES, "{s:?}");
    drop(sink);

    println!("mail benchmark: {MESSAGES} messages of about {avg_kb} KB to smtp-sink on 127.0.0.1");
    println!(
        "  load average (1, 5, 15 min):  {load_before} before, {} after",
        load()
    );
    println!("  compose (no send):            {compose_ms:.2} ms per message (target < 2 ms), {compose_cpu_ms:.2} ms of CPU");
    println!(
        "  smtp-source -d (1 connection): {source_reuse:.0} msg/s   <- anchor (median of {ROUNDS})"
    );
    println!("  smtp-source (1 conn/message):  {source_new:.0} msg/s");
    for (i, (src, ours, r)) in rounds.iter().enumerate() {
        println!("    round {i}: smtp-source -d {src:.0} msg/s, goalpost client {ours:.0} msg/s, ratio {r:.2}");
    }
    println!(
        "  goalpost SMTP client only:    {client_rate:.0} msg/s  = {client_ratio:.2}x smtp-source -d (median ratio, 1 connection)"
    );
    println!(
        "  goalpost mail send (all):     {send_rate:.0} msg/s  = {:.2}x smtp-source -d, {:.2}x smtp-source (target >= 0.8x)",
        send_rate / source_reuse,
        send_rate / source_new
    );
}
