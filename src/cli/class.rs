//! The class's people: `init`, `demo`, `roster`, `student`, `contact`, `consent`, `print`,
//! `backup` and `restore`.

use std::path::Path;

use serde::Serialize;

use super::args::*;
use super::output::{queued_again, Table};
use super::Ctx;
use crate::error::{Error, Result};
use crate::model::*;
use crate::Goalpost;

pub(super) fn init(ctx: &Ctx, a: InitArgs) -> Result<()> {
    let gp = Goalpost::create(&ctx.data_dir)?.with_clock(ctx.clock);
    let c = gp.init_class(&ClassInfo {
        school: a.school,
        class_name: a.class_name,
        teacher: a.teacher,
        teacher_email: a.teacher_email,
        language: a.language,
        timezone: a.timezone,
    })?;
    ctx.print(&c, || {
        format!(
            "Created {} at {} in {}.\nNext: `goalpost roster import FILE.csv` or `goalpost student add`.",
            c.class_name,
            c.school,
            ctx.data_dir.display()
        )
    })
}

pub(super) fn demo(ctx: &Ctx, students: usize) -> Result<()> {
    let gp = Goalpost::create(&ctx.data_dir)?.with_clock(ctx.clock);
    let r = gp.create_demo(students)?;
    ctx.print(&r, || {
        format!(
            "Made a demo class in {}: {} students, {} contacts, {} goals, {} approved and {} waiting evidence.",
            ctx.data_dir.display(),
            r.students,
            r.contacts,
            r.goals,
            r.evidence_approved,
            r.evidence_waiting
        )
    })
}

pub(super) fn roster(ctx: &Ctx, c: RosterCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        RosterCmd::Import { file } => {
            let r = gp.import_roster_file(&file)?;
            ctx.print(&r, || {
                if r.changed_anything() {
                    format!(
                        "Imported {} rows: {} students added, {} updated; {} contacts added, {} updated; {} links and {} consents changed.{}",
                        r.rows, r.students_added, r.students_updated, r.contacts_added,
                        r.contacts_updated, r.links_changed, r.consents_changed,
                        queued_again(r.emails_queued_again)
                    )
                } else {
                    format!("Imported {} rows: nothing changed.", r.rows)
                }
            })
        }
        RosterCmd::Export { file: Some(path) } => {
            let mut buf = Vec::new();
            gp.export_roster(&mut buf)?;
            crate::fsutil::write_atomic(&path, &buf)?;
            if !ctx.json {
                eprintln!("Wrote the roster to {}", path.display());
            }
            Ok(())
        }
        RosterCmd::Export { file: None } => {
            let mut out = std::io::stdout().lock();
            gp.export_roster(&mut out)
        }
    }
}

pub(super) fn student(ctx: &Ctx, c: StudentCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        StudentCmd::List => {
            let list = gp.students()?;
            ctx.print(&list, || {
                let mut t = Table::new(["id", "first name", "last name", "shown as"]);
                for s in &list {
                    t.row([s.id.to_string(), s.first_name.clone(), s.last_name.clone(), s.display_name.clone()]);
                }
                t.render_or("No students yet: add them with `goalpost roster import` or `goalpost student add`.")
            })
        }
        StudentCmd::Add {
            first_name,
            last_name,
            pseudonym,
        } => {
            let s = gp.add_student(&first_name, &last_name, pseudonym.as_deref())?;
            ctx.print(&s, || {
                format!(
                    "Added {} (id {}), shown as {}",
                    full_name(&s),
                    s.id,
                    s.display_name
                )
            })
        }
        StudentCmd::Edit {
            student,
            first_name,
            last_name,
            pseudonym,
        } => {
            let id = gp.find_student(&student)?.id;
            let s = gp.edit_student(
                id,
                first_name.as_deref(),
                last_name.as_deref(),
                pseudonym.as_deref(),
            )?;
            ctx.print(&s, || {
                format!(
                    "Updated {} (id {}), shown as {}",
                    full_name(&s),
                    s.id,
                    s.display_name
                )
            })
        }
        StudentCmd::Remove { student } => {
            let s = match gp.find_student(&student) {
                Ok(s) => s,
                // Erased already, but an erasure could not remove every file: finish it.
                Err(e) => return finish_erasures(ctx, &gp, e),
            };
            let r = gp.remove_student(s.id)?;
            ctx.print(&r, || {
                let mut out = format!(
                    "Erased {} (id {}): {} evidence, {} photos, {} emails in the outbox folder and {} goal sheets removed; {} roster exports written again without them. Run a sync to remove them from the blog.",
                    full_name(&s), s.id, r.evidence, r.photos, r.emails_removed, r.goal_sheets_removed, r.exports_changed
                );
                for dir in &r.backup_folders_missing {
                    out.push('\n');
                    out.push_str(&crate::erasure::backup_folder_waiting(dir));
                }
                out
            })
        }
    }
}

/// `student remove` of a student no longer in the class: finishes the erasures that could
/// not remove every file, or says there is no such student when none waits.
fn finish_erasures(ctx: &Ctx, gp: &crate::Goalpost, not_found: Error) -> Result<()> {
    let list = crate::erasure::read_erasures(gp.data_dir())?;
    if !matches!(not_found, Error::NotFound(_)) || crate::erasure::unfinished(&list).is_empty() {
        return Err(not_found);
    }
    let done = gp.finish_erasures()?;
    ctx.print(&serde_json::json!({ "erasures_finished": done }), || {
        format!(
            "No such student in the class now; finished the erasure of student{} {}: every file it had left is removed.",
            if done.len() == 1 { "" } else { "s" },
            done.iter()
                .map(|id| id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn full_name(s: &Student) -> String {
    format!("{} {}", s.first_name, s.last_name)
        .trim()
        .to_string()
}

pub(super) fn contact(ctx: &Ctx, c: ContactCmd) -> Result<()> {
    let gp = ctx.class()?;
    let show = |c: &Contact| {
        format!(
            "{} (id {}): {}, {}, {}",
            c.name,
            c.id,
            c.email.as_deref().unwrap_or("no email"),
            c.language,
            c.channel
        )
    };
    match c {
        ContactCmd::List => {
            let list = gp.contacts()?;
            ctx.print(&list, || {
                let mut t =
                    Table::new(["id", "name", "email", "language", "channel", "hears about"]);
                for c in &list {
                    let about = c
                        .students
                        .iter()
                        .map(|l| {
                            if l.relationship.is_empty() {
                                l.display_name.clone()
                            } else {
                                format!("{} ({})", l.display_name, l.relationship)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let email = match (&c.email, &c.email_error) {
                        (Some(e), Some(_)) => format!("{e} (REFUSED)"),
                        (Some(e), None) => e.clone(),
                        (None, _) => "-".into(),
                    };
                    t.row([
                        c.id.to_string(),
                        c.name.clone(),
                        email,
                        c.language.clone(),
                        c.channel.to_string(),
                        about,
                    ]);
                }
                t.render_or("No contacts yet.")
            })
        }
        ContactCmd::Add {
            fields,
            relationship,
            student,
        } => {
            let sid = student
                .map(|s| gp.find_student(&s))
                .transpose()?
                .map(|s| s.id);
            let c = gp.add_contact(&fields.input(), sid.map(|id| (id, relationship.as_str())))?;
            ctx.print(&c, || format!("Added {}", show(&c)))
        }
        ContactCmd::Edit { contact, fields } => {
            let id = gp.find_contact(&contact)?.id;
            let e = gp.edit_contact(id, &fields.input())?;
            ctx.print(&e, || {
                let mut out = format!("Updated {}", show(&e.contact));
                out.push_str(&queued_again(e.emails_queued_again));
                out
            })
        }
        ContactCmd::Remove { contact } => {
            let c = gp.find_contact(&contact)?;
            gp.remove_contact(c.id)?;
            ctx.print(&serde_json::json!({ "removed": c.id }), || {
                format!("Removed {} (id {})", c.name, c.id)
            })
        }
        ContactCmd::Link {
            contact,
            student,
            relationship,
        } => {
            let cid = gp.find_contact(&contact)?.id;
            let s = gp.find_student(&student)?;
            let c = gp.link_contact(cid, s.id, &relationship)?;
            ctx.print(&c, || {
                format!("{} now hears about {}", c.name, s.display_name)
            })
        }
        ContactCmd::Unlink { contact, student } => {
            let cid = gp.find_contact(&contact)?.id;
            let s = gp.find_student(&student)?;
            let c = gp.unlink_contact(cid, s.id)?;
            ctx.print(&c, || {
                format!("{} no longer hears about {}", c.name, s.display_name)
            })
        }
        ContactCmd::Log {
            contact,
            method,
            note,
            at,
        } => {
            let c = gp.find_contact(&contact)?;
            let at = at
                .as_deref()
                .map(|a| parse_day_or_time(&gp, a))
                .transpose()?;
            let e = gp.log_contact_at(c.id, method.trim(), &note, at)?;
            ctx.print(&e, || {
                format!(
                    "Logged: {} reached by {} on {}",
                    c.name,
                    e.method,
                    local(&gp, e.at)
                )
            })
        }
    }
}

/// `--at` of `contact log`: a local time of the class, or a day (then noon).
fn parse_day_or_time(gp: &Goalpost, s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    let t = match chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => d.and_hms_opt(12, 0, 0).unwrap_or_default(),
        Err(_) => crate::class::parse_local_time(s, None)?,
    };
    gp.class_time(t)
}

/// A time as the class reads it: "2026-11-20 14:30" in its time zone.
fn local(gp: &Goalpost, at: chrono::DateTime<chrono::Utc>) -> String {
    let tz: chrono_tz::Tz = gp
        .class()
        .ok()
        .and_then(|c| c.timezone.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

pub(super) fn reach(ctx: &Ctx, days: i64) -> Result<()> {
    let gp = ctx.class()?;
    let r = gp.reach(days)?;
    ctx.print(&r, || {
        let mut t = Table::new(["student", "last reached", "why", "contacts"]);
        for s in &r.not_reached {
            let last = match (s.last_at, s.days_since) {
                (Some(at), Some(d)) => format!("{} ({d} days ago)", local(&gp, at)),
                _ => "never".into(),
            };
            let why = s
                .problems
                .iter()
                .map(|p| match p {
                    crate::families::ReachProblem::NoContact => "no contact",
                    crate::families::ReachProblem::OnlyNone => "only contacts on none",
                    crate::families::ReachProblem::NoEmail => "no email address",
                    crate::families::ReachProblem::AddressRefused => "address refused",
                    crate::families::ReachProblem::ChatNotSent => "chat texts not marked sent",
                })
                .collect::<Vec<_>>()
                .join(", ");
            let contacts = s
                .contacts
                .iter()
                .map(|c| {
                    let last = match (&c.last_at, &c.last_method) {
                        (Some(at), Some(m)) => format!("{m} {}", local(&gp, *at)),
                        _ => "never".into(),
                    };
                    format!("{} ({}, last: {last})", c.name, c.channel)
                })
                .collect::<Vec<_>>()
                .join("; ");
            t.row([
                s.display_name.clone(),
                last,
                if why.is_empty() { "-".into() } else { why },
                if contacts.is_empty() {
                    "-".into()
                } else {
                    contacts
                },
            ]);
        }
        if r.not_reached.is_empty() {
            return format!("Every family was reached in the last {} days.", r.days);
        }
        format!(
            "{} of {} students: none of their contacts reached in {} days, worst first.\n{}",
            r.not_reached.len(),
            r.students,
            r.days,
            t.render_or("")
        )
    })
}

fn parse_yes_no(s: &str) -> Result<bool> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" => Ok(true),
        "no" | "n" => Ok(false),
        _ => Err(Error::invalid(format!(
            "{s:?} is not an answer: write yes or no"
        ))),
    }
}

pub(super) fn consent(ctx: &Ctx, c: ConsentCmd) -> Result<()> {
    let gp = ctx.class()?;
    match c {
        ConsentCmd::Set {
            student,
            purpose,
            answer,
            given_by,
        } => {
            let purpose: Purpose = purpose.parse()?;
            let granted = parse_yes_no(&answer)?;
            let s = gp.find_student(&student)?;
            let set = gp.set_consent(s.id, purpose, granted, &given_by)?;
            ctx.print(&set, || {
                format!(
                    "{}: {} = {} (given by {})",
                    s.display_name,
                    purpose,
                    if granted { "yes" } else { "no" },
                    given_by.trim()
                )
            })
        }
        ConsentCmd::List => {
            #[derive(Serialize)]
            struct Row {
                student_id: StudentId,
                display_name: String,
                consents: ConsentSet,
            }
            let rows: Vec<Row> = gp
                .students()?
                .into_iter()
                .map(|s| {
                    Ok(Row {
                        consents: gp.consents(s.id)?,
                        student_id: s.id,
                        display_name: s.display_name,
                    })
                })
                .collect::<Result<_>>()?;
            ctx.print(&rows, || {
                let mut t = Table::new([
                    "id",
                    "student",
                    "blog",
                    "name on blog",
                    "photo on blog",
                    "email family",
                ]);
                for r in &rows {
                    let a = |p| match r.consents.get(p) {
                        Some(c) if c.granted => "yes",
                        Some(_) => "no",
                        None => "not asked",
                    };
                    t.row([
                        r.student_id.to_string(),
                        r.display_name.clone(),
                        a(Purpose::Blog).into(),
                        a(Purpose::NameOnBlog).into(),
                        a(Purpose::PhotoOnBlog).into(),
                        a(Purpose::EmailFamily).into(),
                    ]);
                }
                t.render_or("No students yet.")
            })
        }
    }
}

pub(super) fn print_goal_sheet(ctx: &Ctx, student: &str, language: Option<&str>) -> Result<()> {
    let gp = ctx.class()?;
    let s = gp.find_student(student)?;
    let path = gp.print_goal_sheet(s.id, language)?;
    ctx.print(&serde_json::json!({ "file": path }), || {
        format!(
            "Wrote {}'s goal sheet to {}",
            s.display_name,
            path.display()
        )
    })
}

pub(super) fn print_goal_sheets_all(ctx: &Ctx, language: Option<&str>) -> Result<()> {
    let gp = ctx.class()?;
    let path = gp.print_goal_sheets_all(language)?;
    let students = gp.students()?.len();
    ctx.print(
        &serde_json::json!({ "file": path, "students": students }),
        || {
            format!(
                "Wrote {students} goal sheets (one page each) to {}",
                path.display()
            )
        },
    )
}

pub(super) fn backup(ctx: &Ctx, file: &Path) -> Result<()> {
    use std::io::IsTerminal;
    let gp = ctx.class()?;
    let bar = (!ctx.json && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message("Backing up the class");
        b
    });
    let info = gp.backup_with(file, &mut |done, total| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let info = info?;
    ctx.print(
        &serde_json::json!({
            "backup": file,
            "bytes": info.bytes,
            "files": info.files,
            "photos": info.photos,
        }),
        || {
            format!(
                "Backed up the class to {} ({} photos, {} files, {} KB). Keep it somewhere other than this PC; `goalpost restore` brings it back, photos included.",
                file.display(),
                info.photos,
                info.files,
                info.bytes.div_ceil(1024)
            )
        },
    )
}

pub(super) fn restore(ctx: &Ctx, file: &Path) -> Result<()> {
    let r = if crate::DataDir::new(&ctx.data_dir).database().is_file() {
        ctx.open()?.restore(file)?
    } else {
        // A new PC: no `init` first.
        crate::backup::restore_into_new(&ctx.data_dir, file, ctx.clock)?
    };
    ctx.print(&r, || {
        let mut out = format!("Restored {}", r.restored_from.display());
        match r.format {
            crate::backup::BackupFormat::Archive => {
                out.push_str(&format!(" ({} photos)", r.photos_restored))
            }
            crate::backup::BackupFormat::Database => out.push_str(
                " (an older backup of the database alone: it holds no photos)",
            ),
        }
        match &r.previous_saved_to {
            Some(p) => out.push_str(&format!(
                ". The class it replaced is kept at {}",
                p.display()
            )),
            None => out.push_str(&format!(" into {}.", ctx.data_dir.display())),
        }
        if !r.missing_photos.is_empty() {
            out.push_str(&format!(
                "\n{} photos are missing (their files were not in this backup): evidence {} stays, and is published and sent without its photo. Restore a whole-class backup (.goalpost) made later to bring them back.",
                r.missing_photos.len(),
                crate::photo::missing_evidence_ids(&r.missing_photos)
            ));
        }
        if !r.erased_again.is_empty() {
            out.push_str(&format!(
                "\n{} students erased since that backup was taken were erased again (ids {}).",
                r.erased_again.len(),
                r.erased_again
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for key in &r.settings_off {
            out.push_str(&format!(
                "\n{key} is off until you enter it again: `goalpost config set {key} VALUE` or the Settings screen (a restore never brings back a command to run or a mail server)."
            ));
        }
        for s in &r.settings_refused {
            out.push_str(&format!(
                "\nThe setting {} of the backup was left out: {}. Enter it again with `goalpost config set {} VALUE`.",
                s.key, s.problem, s.key
            ));
        }
        out
    })
}
