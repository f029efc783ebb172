//! The paced SMTP sink (`paced_sink.py`, aiosmtpd): a loopback mail server that holds each
//! message for a set time before it answers, for the tests that need a sync caught in the
//! middle of sending (the kill test, the class lock test). Builds on `common`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::common;

/// The running sink; killed when dropped.
pub struct Sink {
    child: Child,
    pub port: u16,
    /// One JSON line per message the sink accepted (see `paced_sink.py`).
    pub log: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    /// The messages accepted so far, in order.
    pub fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Whether the sink has accepted at least one message.
    pub fn has_received(&self) -> bool {
        std::fs::metadata(&self.log).is_ok_and(|m| m.len() > 0)
    }
}

/// Starts a sink on 127.0.0.1 that holds every message `delay` seconds, logging into
/// `<dir>/received.jsonl`.
pub fn sink(dir: &Path, delay: f32) -> Sink {
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
