//! The app started where its window cannot open says so, names the fix and exits with its
//! own code: never a panic with a backtrace. Here (Linux) the window cannot open without a
//! display; tests/windows.rs checks the Windows build without WebView2 under Wine.

use std::process::{Command, Stdio};

#[test]
fn without_a_display_the_app_says_what_to_do_and_exits_with_its_code() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_goalpost-desktop"))
        .arg("--data-dir")
        .arg(tmp.path().join("class"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        // A backtrace would be printed by Rust's own panic report with this set.
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.starts_with("error: Goalpost cannot open its window ("),
        "{stderr}"
    );
    assert!(stderr.contains("desktop session"), "the fix: {stderr}");
    for bad in ["panicked", "backtrace", "RUST_BACKTRACE", ".rs:", "{"] {
        assert!(!stderr.contains(bad), "{bad:?} in {stderr}");
    }
}
