//! `sync` and `blog`.

use serde::Serialize;

use super::args::*;
use super::output::sync_summary_text;
use super::Ctx;
use crate::error::{Error, Result};

pub(super) fn blog(ctx: &Ctx, c: BlogCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        BlogCmd::Build => {
            let r = gp.build_blog()?;
            for w in &r.warnings {
                eprintln!("warning: {w}");
            }
            #[derive(Serialize)]
            struct Summary<'a> {
                dir: &'a std::path::Path,
                pages: usize,
                media: usize,
                rendered: usize,
                written: usize,
                unchanged: usize,
                removed: usize,
                written_files: &'a [String],
                removed_files: &'a [String],
                warnings: &'a [String],
            }
            let summary = Summary {
                dir: &r.dir,
                pages: r.pages,
                media: r.media,
                rendered: r.rendered,
                written: r.written.len(),
                unchanged: r.unchanged,
                removed: r.removed.len(),
                written_files: &r.written,
                removed_files: &r.removed,
                warnings: &r.warnings,
            };
            ctx.print(&summary, || {
                format!(
                    "Built the class blog in {}: {} written, {} unchanged, {} removed.\nOpen {} in a browser to see it.",
                    r.dir.display(),
                    r.written.len(),
                    r.unchanged,
                    r.removed.len(),
                    r.dir.join("index.html").display()
                )
            })
        }
        BlogCmd::Path => {
            let dir = gp.blog_dir()?;
            ctx.print(&serde_json::json!({ "dir": dir }), || {
                dir.display().to_string()
            })
        }
        BlogCmd::Theme => {
            let dir = gp.folder(crate::teacher::Folder::Theme)?;
            let reference = dir.join(crate::blog::THEME_REFERENCE_DIR);
            ctx.print(
                &serde_json::json!({ "dir": dir, "reference": reference }),
                || {
                    format!(
                        "{}\nThe built-in templates are in {} for reference: copy one up into the theme folder to change it.",
                        dir.display(),
                        reference.display()
                    )
                },
            )
        }
    }
}

pub(super) fn sync(ctx: &Ctx, dry_run: bool) -> Result<()> {
    use std::io::IsTerminal;
    let gp = ctx.class()?;
    let bar = (!ctx.json && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(6);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let quiet = ctx.json;
    let s = gp.sync(dry_run, &mut |e| match (&bar, e) {
        (Some(b), crate::sync::Event::Step { step, index, .. }) => {
            b.set_position(index as u64 - 1);
            b.set_message(step.label());
        }
        (Some(b), crate::sync::Event::Sending { done, total }) => {
            b.set_message(format!("Sending to families {done}/{total}"));
        }
        (None, crate::sync::Event::Step { step, index, of }) if !quiet => {
            eprintln!("[{index}/{of}] {}", step.label());
        }
        (Some(b), crate::sync::Event::Backup) => b.set_message("Backing up the class"),
        (None, crate::sync::Event::Backup) if !quiet => eprintln!("Backing up the class"),
        _ => {}
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    ctx.print(&s, || sync_summary_text(&s))?;
    if let Some(why) = s.mail.as_ref().and_then(|m| m.stopped.clone()) {
        return Err(Error::Mail(format!(
            "sending stopped: {why}. Nothing is lost: what was not sent stays queued for the next sync."
        )));
    }
    if let Some(p) = s.publish.as_ref().filter(|p| !p.ok) {
        return Err(Error::invalid(format!(
            "the blog was built but the publish command failed (exit {}): check blog.publish_command; the next sync runs it again",
            p.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "by a signal".into())
        )));
    }
    if let Some(why) = s.auto_backup.as_ref().and_then(|a| a.error.clone()) {
        return Err(Error::Conflict(format!(
            "everything else is done, but {why}; the next sync tries again"
        )));
    }
    match s.erasures_unfinished.first() {
        Some(e) => Err(Error::Conflict(format!(
            "everything else is done, but an erasure is not finished: {e}"
        ))),
        None => Ok(()),
    }
}
