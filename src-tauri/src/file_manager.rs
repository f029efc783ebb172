//! Opening a folder in the file manager, with the launchers the `open` crate knows for this
//! system (or the program `GOALPOST_FILE_MANAGER` names), in an environment without
//! Goalpost's secrets: the file manager, and whatever it starts, never sees the SMTP
//! password (`goalpost::publish::without_secrets`).

use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How long a launcher may take to fail before it counts as having opened the folder (a
/// launcher that finds no desktop to ask fails at once; one that works may keep running).
const FAILS_WITHIN: Duration = Duration::from_millis(500);

/// Opens `dir` with `program`, else with the first of the system's launchers that works.
pub fn open(dir: &Path, program: Option<&OsStr>) -> io::Result<()> {
    let launchers = match program {
        Some(p) => vec![open::with_command(dir, p.to_string_lossy())],
        None => open::commands(dir),
    };
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no file manager was found");
    for mut cmd in launchers {
        goalpost::publish::without_secrets(&mut cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                last = e;
                continue;
            }
        };
        let since = Instant::now();
        loop {
            match child.try_wait()? {
                Some(status) if status.success() => return Ok(()),
                Some(status) => {
                    last = io::Error::other(format!("{cmd:?} failed ({status})"));
                    break;
                }
                None if since.elapsed() >= FAILS_WITHIN => {
                    // Still running: it opened the folder. Reap it when it ends.
                    std::thread::spawn(move || child.wait());
                    return Ok(());
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
    Err(last)
}
