//! Who may read a class on a shared PC (issue 13): the data folder is its owner's alone
//! (0700) and so is the database (0600, its write-ahead log alike), while the blog folder
//! and its files stay readable by everyone, for a web server or a family's browser.
//! And what is typed as a secret at a terminal is not shown on it.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The usual umask of a desktop session, so that what the test sees does not depend on
/// the machine's: the private modes must come from Goalpost, not from the umask.
fn usual_umask() {
    // SAFETY: umask only sets this process's file mode mask; it cannot fail.
    unsafe {
        libc::umask(0o022);
    }
}

#[test]
fn a_new_class_is_private_and_its_blog_readable_by_all() {
    usual_umask();
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("school").join("class");
    common::cli(&data)
        .args(["demo", "--students", "3"])
        .assert()
        .success();
    common::cli(&data).arg("sync").assert().success();

    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(
        mode(&d.path().join("school")),
        0o755,
        "a parent made on the way keeps the usual mode"
    );
    let db = data.join("goalpost.sqlite3");
    assert_eq!(mode(&db), 0o600, "the database");
    // SQLite gives its journal files the database's mode.
    let wal = data.join("goalpost.sqlite3-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600, "the write-ahead log");
    }

    let blog = data.join("blog");
    assert!(blog.join("index.html").is_file(), "the blog was built");
    let mut files = 0;
    let mut walk = vec![blog.clone()];
    while let Some(dir) = walk.pop() {
        assert_eq!(
            mode(&dir) & 0o005,
            0o005,
            "{} is open to all",
            dir.display()
        );
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk.push(p);
            } else if p.file_name().unwrap() != goalpost::blog::MANIFEST {
                // (The manifest is Goalpost's own list of what it wrote, not a page.)
                assert_eq!(
                    mode(&p) & 0o044,
                    0o044,
                    "{} is readable by all",
                    p.display()
                );
                files += 1;
            }
        }
    }
    assert!(files > 3, "{files} blog files");
}

/// A folder made beforehand for the class (empty) is made private when the class is
/// created in it; a folder that already holds the user's own files keeps its mode, while
/// the database Goalpost puts there is private all the same.
#[test]
fn an_empty_folder_made_for_the_class_is_made_private_not_a_users_own() {
    usual_umask();
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    std::fs::create_dir(&data).unwrap();
    assert_eq!(mode(&data), 0o755);
    common::cli(&data)
        .args(common::INIT_ARGS)
        .assert()
        .success();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("goalpost.sqlite3")), 0o600);

    let shared = d.path().join("documents");
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("timetable.txt"), "Mon: maths").unwrap();
    common::cli(&shared)
        .args(common::INIT_ARGS)
        .assert()
        .success();
    assert_eq!(mode(&shared), 0o755, "the user's own folder keeps its mode");
    assert_eq!(mode(&shared.join("goalpost.sqlite3")), 0o600);
}

/// Runs `cmd` with a new pseudo-terminal as its standard input, output, error and
/// controlling terminal (as in a terminal window), types `typed` once the terminal shows
/// `prompt` (or after a bounded wait when it shows none, so that a command that prints no
/// prompt still gets its line and the test fails on what the screen shows instead of
/// hanging), and returns everything the terminal showed.
fn on_a_terminal(mut cmd: std::process::Command, prompt: &str, typed: &str) -> String {
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::fd::FromRawFd;
    use std::os::unix::process::CommandExt;
    use std::sync::{Arc, Mutex};

    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new descriptors into the two ints; the other arguments may
    // be null (no name, default modes and size).
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nothing else.
    let (master, slave) = unsafe { (File::from_raw_fd(master), File::from_raw_fd(slave)) };
    cmd.stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            // A session of its own, with the pseudo-terminal (its stdin) as its terminal.
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    drop(cmd); // the parent's copies of the terminal's child end: EOF comes when the child ends

    let shown = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let shown = Arc::clone(&shown);
        let mut master = master.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Linux answers EIO once the child's end is closed: that is the end.
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 {
                    break;
                }
                shown.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    for _ in 0..100 {
        if String::from_utf8_lossy(&shown.lock().unwrap()).contains(prompt) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (&master).write_all(typed.as_bytes()).unwrap();
    (&master).write_all(b"\r").unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    let out = String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
    out
}

/// `mail password` typed at a terminal is not shown on it: the password stays off the
/// screen and out of the scrollback. (Piped input is read as before: tests/cli.rs and the
/// desktop's `teacher-pin` in tests/e2e use it.)
#[test]
fn a_password_typed_at_a_terminal_is_not_shown() {
    let (_d, data) = common::demo_data_dir(1);
    let secret = "correct-horse-7391";
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("goalpost"));
    cmd.arg("--data-dir").arg(&data).args(["mail", "password"]);
    let shown = on_a_terminal(cmd, "Mail server password", secret);
    assert!(
        shown.contains("Mail server password (not shown as you type)"),
        "a prompt on the terminal: {shown:?}"
    );
    assert!(!shown.contains(secret), "the password was shown: {shown:?}");
    // It was read all the same: the command went on to the next problem (no mail server
    // is set in the demo class) instead of waiting for input.
    assert!(shown.contains("no mail server is set"), "{shown:?}");
}
