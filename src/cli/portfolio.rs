//! Year-end: `export student`, `export class`, `class archive` and `goal suggestions`.

use std::io::{BufRead, IsTerminal, Write};

use super::args::*;
use super::output::Table;
use super::Ctx;
use crate::error::{Error, Result};
use crate::portfolio::ExportReport;
use crate::Goalpost;

pub(super) fn export(ctx: &Ctx, c: ExportCmd) -> Result<()> {
    let gp = ctx.class()?;
    let r = match c {
        ExportCmd::Student {
            student,
            dir,
            language,
        } => {
            let s = gp.find_student(&student)?;
            gp.export_student(s.id, &dir, language.as_deref())?
        }
        ExportCmd::Class { dir, language } => gp.export_class(&dir, language.as_deref())?,
    };
    ctx.print(&r, || export_text(&r))
}

fn export_text(r: &ExportReport) -> String {
    let mut out = match r.students.as_slice() {
        [one] if one.folder == "." => format!(
            "Wrote the portfolio of student {} to {}: {} evidence, {} photos, in {}. Open index.html there.",
            one.student_id,
            r.dir.display(),
            one.evidence,
            one.photos,
            one.language
        ),
        all => format!(
            "Wrote {} portfolios to {}, one folder per student (s<id>); index.html there lists them.",
            all.len(),
            r.dir.display()
        ),
    };
    for s in &r.students {
        if s.photos_withheld > 0 {
            out.push_str(&format!(
                "\nStudent {}: {} photos left out, for want of consent to family email (email_family); the portfolio says so.",
                s.student_id, s.photos_withheld
            ));
        }
        if let Some(w) = &s.wanted_language {
            out.push_str(&format!(
                "\nStudent {}: there are no portfolio words in {w}, so it is in {}.",
                s.student_id, s.language
            ));
        }
    }
    out
}

pub(super) fn class(ctx: &Ctx, c: ClassCmd) -> Result<()> {
    let ClassCmd::Archive { dir, yes } = c;
    let gp = ctx.class()?;
    if !yes {
        confirm_archive(&gp, &dir)?;
    }
    let r = gp.archive_class(&dir)?;
    ctx.print(&r, || {
        let mut out = format!(
            "Archived the year into {}:\n  backup: {}\n  portfolios: {} ({} students)\nThe class is empty for the new year; its settings, theme and language files stay. {} goal titles kept as suggestions (`goalpost goal suggestions`).",
            r.dir.display(),
            r.backup.display(),
            r.portfolios.display(),
            r.students,
            r.suggestions_kept
        );
        if r.titles_naming_a_child > 0 {
            out.push_str(&format!(
                " {} goal titles that name a child were not kept.",
                r.titles_naming_a_child
            ));
        }
        if !r.files_left.is_empty() {
            out.push_str(&format!(
                "\n{} files of last year could not be removed; close the program that holds them and remove them by hand:\n  {}",
                r.files_left.len(),
                r.files_left.join("\n  ")
            ));
        }
        match &r.blog_problem {
            None => out.push_str("\nThe blog folder no longer shows last year's posts; the next sync publishes that."),
            Some(p) => out.push_str(&format!(
                "\nThe blog could not be built again ({p}): the next sync takes last year's posts off it."
            )),
        }
        out
    })
}

/// Asks on the terminal; refuses without one (a script says `--yes`).
fn confirm_archive(gp: &Goalpost, dir: &std::path::Path) -> Result<()> {
    let class = gp.class()?;
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid(
            "class archive empties the class once the backup and portfolios are written: run it on a terminal to confirm, or add --yes",
        ));
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "This closes the year of {} ({} students): a backup and every portfolio go to {}, then the class is emptied of every student, family, goal, evidence and photo for the new year.\nType yes to go on: ",
        class.class_name,
        gp.students()?.len(),
        dir.display()
    );
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::io("read the answer from", "standard input", e))?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(Error::invalid("not confirmed: nothing was changed"))
    }
}

pub(super) fn goal_suggestions(ctx: &Ctx, gp: &Goalpost) -> Result<()> {
    let list = gp.goal_suggestions()?;
    ctx.print(&list, || {
        let mut t = Table::new(["subject", "goal"]);
        for s in &list {
            t.row([s.subject.clone(), s.title.clone()]);
        }
        t.render_or(
            "No suggestions yet: `goalpost class archive` keeps a year's goal titles for the next.",
        )
    })
}
