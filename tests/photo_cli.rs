//! Issue 3, "done when": every fixture photo and every hostile input made here, through the
//! real `goalpost evidence add`, gives either a stored photo whose copies are upright and
//! clean, or one clear error line; none panics, hangs, or uses more than a few hundred MB.
//! Peak memory is the child's own (`wait4`), so parallel tests do not blur it.

mod common;
mod photo_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use photo_support::*;

/// Peak resident memory any single `goalpost` run may reach on these inputs.
const MAX_RSS_MB: u64 = 300;
/// A run that takes longer than this counts as a hang.
const MAX_SECONDS: u64 = 60;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    peak_mb: u64,
}

/// Runs the goalpost binary and measures its own peak memory.
// The child is reaped with wait4 (to read its rusage), which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn goalpost(data: &Path, args: &[&str]) -> Run {
    let out_dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (out_dir.path().join("out"), out_dir.path().join("err"));
    // Reaped below by wait4, which also gives the child's own peak memory.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(assert_cmd::cargo::cargo_bin("goalpost"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("GOALPOST_NOW")
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("start goalpost");
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waits for our own child, by its pid, without blocking.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4 failed");
        if r == pid {
            break;
        }
        if start.elapsed() > Duration::from_secs(MAX_SECONDS) {
            // SAFETY: our own child, still running.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("goalpost {args:?} hung for more than {MAX_SECONDS} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        libc::WIFEXITED(status),
        "goalpost {args:?} was killed by a signal"
    );
    Run {
        code: libc::WEXITSTATUS(status),
        stdout: std::fs::read_to_string(out_path).unwrap(),
        stderr: std::fs::read_to_string(err_path).unwrap(),
        peak_mb: usage.ru_maxrss as u64 / 1024,
    }
}

fn ok(data: &Path, args: &[&str]) -> String {
    let r = goalpost(data, args);
    assert_eq!(r.code, 0, "goalpost {args:?}: {}", r.stderr);
    r.stdout
}

/// A class with one student and one goal.
fn class() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "init",
            "--school",
            "Test School",
            "--class",
            "Room 7",
            "--teacher",
            "T",
            "--teacher-email",
            "t@example.org",
        ],
    );
    ok(d, &["student", "add", "--first-name", "Ana"]);
    ok(
        d,
        &["goal", "add", "--student", "Ana", "--title", "I can count"],
    );
    dir
}

fn add(data: &Path, photo: &Path) -> Run {
    let p = photo.to_str().unwrap();
    goalpost(
        data,
        &[
            "evidence",
            "add",
            "--student",
            "Ana",
            "--goal",
            "1",
            "--photo",
            p,
        ],
    )
}

/// Asserts a refusal: exit code 1, one line on stderr naming the problem, bounded memory.
fn refused(data: &Path, photo: &Path, expect: &[&str]) {
    let r = add(data, photo);
    let name = photo.file_name().unwrap().to_string_lossy();
    assert_eq!(
        r.code, 1,
        "{name} was not refused: {}{}",
        r.stdout, r.stderr
    );
    let lines: Vec<_> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{name}: not one line: {}", r.stderr);
    assert!(lines[0].starts_with("error: "), "{name}: {}", lines[0]);
    assert!(
        lines[0].contains(&*name),
        "{name}: the message names the file: {}",
        lines[0]
    );
    for word in expect {
        assert!(
            lines[0].contains(word),
            "{name}: expected {word:?} in {}",
            lines[0]
        );
    }
    assert!(!r.stderr.contains("panicked"));
    assert!(r.peak_mb < MAX_RSS_MB, "{name}: peak {} MB", r.peak_mb);
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn hostile_and_broken_inputs_are_refused_with_one_clear_line() {
    let class = class();
    let data = class.path();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();

    // A PNG decompression bomb: a few hundred KB that would decode to 121 megapixels.
    let bomb = t.join("bomb.png");
    zero_png(
        &bomb,
        11_000,
        11_000,
        png::ColorType::Grayscale,
        png::BitDepth::Eight,
    );
    let len = std::fs::metadata(&bomb).unwrap().len();
    assert!(len < 1024 * 1024, "the bomb is small: {len} bytes");
    refused(data, &bomb, &["11000x11000", "megapixels"]);

    // Within the pixel limits, but its decoder would claim 9000x9000x8 = 648 MB.
    let deep = t.join("deep.png");
    zero_png(
        &deep,
        9_000,
        9_000,
        png::ColorType::Rgba,
        png::BitDepth::Sixteen,
    );
    refused(data, &deep, &["memory", "JPEG"]);

    refused(
        data,
        &write(t, "huge-header.png", &png_claiming(100_000, 100_000)),
        &["12000"],
    );
    refused(
        data,
        &write(t, "huge-header.jpg", &jpeg_claiming(60_000, 60_000)),
        &["60000x60000", "megapixels"],
    );

    let jolla = read_fixture("phone/jolla.jpg");
    refused(
        data,
        &write(t, "half.jpg", &jolla[..jolla.len() / 2]),
        &["cut short"],
    );
    refused(
        data,
        &write(t, "header-only.jpg", &jolla[..600]),
        &["cut short"],
    );
    let mut png = Vec::new();
    image::RgbImage::new(300, 200)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    refused(
        data,
        &write(t, "half.png", &png[..png.len() / 2]),
        &["cut short"],
    );
    refused(data, &write(t, "empty.jpg", b""), &["empty"]);

    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>"#;
    refused(data, &write(t, "drawing.svg", svg), &["SVG"]);
    refused(data, &write(t, "drawing-svg.jpg", svg), &["SVG"]);
    let html = b"<!DOCTYPE html><html><body><script>fetch('x')</script></body></html>";
    refused(data, &write(t, "page.jpg", html), &["HTML"]);
    refused(
        data,
        &write(t, "noise.jpg", &[0x42; 4096]),
        &["not a photo"],
    );

    // 41 MB: a real JPEG start, then padding (sparse, so cheap to make).
    let big = write(t, "big.jpg", &jolla);
    std::fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(41 * 1024 * 1024)
        .unwrap();
    refused(data, &big, &["41.0 MB", "40 MB"]);

    refused(
        data,
        &fixture("phone/samplefilehub.heif"),
        &["HEIF", "JPEG"],
    );

    // Nothing refused was stored.
    let originals = goalpost::photo::originals_dir(data);
    let stored = std::fs::read_dir(&originals)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(
        stored,
        0,
        "refused photos left files in {}",
        originals.display()
    );
}

#[test]
fn every_fixture_photo_becomes_upright_clean_copies() {
    let class = class();
    let data = class.path();
    for rel in importable_fixtures() {
        let r = add(data, &fixture(&rel));
        assert_eq!(r.code, 0, "{rel}: {}", r.stderr);
        assert!(r.peak_mb < MAX_RSS_MB, "{rel}: peak {} MB", r.peak_mb);
    }
    ok(data, &["review", "approve", "--all"]);
    let r = goalpost(data, &["--json", "photo", "copies"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.peak_mb < MAX_RSS_MB, "copies: peak {} MB", r.peak_mb);
    let list: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(list.len(), importable_fixtures().len());

    let mut files = Vec::new();
    let mut shapes = std::collections::BTreeMap::new();
    for photo in &list {
        let hash = photo["hash"].as_str().unwrap();
        for c in photo["copies"].as_array().unwrap() {
            let name = c["file_name"].as_str().unwrap();
            let p = goalpost::photo::copies_dir(data).join(name);
            let bytes = std::fs::read(&p).unwrap();
            assert_no_metadata(&bytes, name);
            let img = decode_rgb(&bytes);
            assert_eq!(
                (u64::from(img.width()), u64::from(img.height())),
                (c["width"].as_u64().unwrap(), c["height"].as_u64().unwrap())
            );
            if c["size"] == "web" {
                shapes.insert(hash.to_string(), img.dimensions());
            }
            files.push(p);
        }
    }
    for (f, groups) in exiftool_groups(&files) {
        assert!(
            groups.is_empty(),
            "exiftool finds {groups:?} in {}",
            f.display()
        );
    }
    // Upright: every landscape fixture is wider than tall, every portrait taller than wide.
    let sha = |rel: &str| {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(read_fixture(rel)))
    };
    for o in 1..=8 {
        let (w, h) = shapes[&sha(&format!("orientation/landscape_{o}.jpg"))];
        assert!(w > h, "landscape_{o}: {w}x{h}");
        let (w, h) = shapes[&sha(&format!("orientation/portrait_{o}.jpg"))];
        assert!(h > w, "portrait_{o}: {w}x{h}");
    }

    // A second run finds everything made already.
    let again = ok(data, &["photo", "copies"]);
    assert!(
        again.contains(&format!("{} approved photos", list.len())),
        "{again}"
    );
}
