//! Running `blog.publish_command` after a successful blog build.
//!
//! The command is the school's (an rsync to its web server, a `git push` to a static host):
//! it runs through the system shell in the blog folder, with `GOALPOST_BLOG_DIR` set, and its
//! output and exit status are kept for the teacher to see. It never runs after a failed build.

use std::path::Path;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::blog::BuildReport;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::Goalpost;

/// The most output kept from a publish command (the end is the interesting part).
const MAX_OUTPUT: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishResult {
    pub command: String,
    /// The exit code; `None` when the command was ended by a signal.
    pub exit_code: Option<i32>,
    pub ok: bool,
    /// Standard output and error together, the last 16 KiB.
    pub output: String,
}

impl Goalpost {
    /// The publish step of a sync, after `blog` was built: runs `blog.publish_command` if
    /// the build changed the folder, or if an earlier publish did not succeed; `None` when
    /// no command is set or there is nothing new to publish. A marker file says the folder
    /// has changes the web server has not seen yet: it outlives a failed publish or a
    /// killed sync, so the next sync publishes again.
    pub fn publish_blog(
        &self,
        settings: &Settings,
        blog: &BuildReport,
    ) -> Result<Option<PublishResult>> {
        let pending = self.folders().publish_pending();
        let changed = !blog.written.is_empty() || !blog.removed.is_empty();
        let Some(cmd) = &settings.blog_publish_command else {
            return Ok(None);
        };
        if !changed && !pending.exists() {
            return Ok(None);
        }
        crate::fsutil::write_atomic(&pending, b"")?;
        let r = run(cmd, &blog.dir)?;
        if r.ok {
            std::fs::remove_file(&pending).map_err(|e| Error::io("remove", &pending, e))?;
        }
        Ok(Some(r))
    }
}

/// Runs `command` in `blog_dir` and reports what happened; a failure to start is an error,
/// a non-zero exit is a result with `ok: false`.
pub fn run(command: &str, blog_dir: &Path) -> Result<PublishResult> {
    let mut cmd = if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    };
    let out = cmd
        .current_dir(blog_dir)
        .env("GOALPOST_BLOG_DIR", blog_dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Error::invalid(format!(
                "the publish command could not start ({e}): check blog.publish_command"
            ))
        })?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    if text.len() > MAX_OUTPUT {
        let mut cut = text.len() - MAX_OUTPUT;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        text = format!("[...]\n{}", &text[cut..]);
    }
    Ok(PublishResult {
        command: command.to_string(),
        exit_code: out.status.code(),
        ok: out.status.success(),
        output: text,
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn output_and_status_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let r = run(
            "echo published from $GOALPOST_BLOG_DIR; echo oops >&2; exit 3",
            dir.path(),
        )
        .unwrap();
        assert!(!r.ok);
        assert_eq!(r.exit_code, Some(3));
        assert!(r.output.contains("published from"), "{}", r.output);
        assert!(r.output.contains("oops"));
        let r = run("pwd", dir.path()).unwrap();
        assert!(r.ok);
        assert!(r
            .output
            .trim()
            .ends_with(dir.path().file_name().unwrap().to_str().unwrap()));
    }
}
