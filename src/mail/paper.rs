//! Paper: printable slips for families best reached on paper, and goal sheets.
//!
//! Slips are HTML pages with a print style, four to a page (two by two, sized to fit both
//! A4 and Letter), each slip in its family's language and direction, with the email-size
//! photo copy embedded so the page is one self-contained file. Every slip delivery queued
//! on the same day (class time zone) goes on `print/slips-YYYY-MM-DD.html`; the page is
//! rewritten only when its content changes. A slip delivery is marked sent once it is on a
//! written page.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use fluent_bundle::FluentValue;
use serde::Serialize;

use super::compose::{self, Languages, Renderer};
use super::invite::{invite_view, sharing_of, InviteKind, InviteView};
use super::{Fallback, MailSummary, Run};
use crate::error::{Error, Result};
use crate::model::*;
use crate::plan::{FamilyItem, NoteItem, SheetInShort};
use crate::store::{self, outbox};
use crate::{photo, Goalpost};

#[derive(Serialize)]
struct SlipView {
    lang: String,
    dir: &'static str,
    title: String,
    to: String,
    /// An evidence's news, or
    item: Option<SlipItem>,
    /// a child's own note to their family.
    note: Option<NoteSlip>,
    /// A sharing time's invitation, reminder, change or cancellation.
    invite: Option<InviteView>,
    photo: Option<String>,
    sharing: Option<String>,
    /// The child's goal sheet in short.
    sheet: Option<compose::SheetShortView>,
    footer: String,
    date: String,
}

#[derive(Serialize)]
struct SlipItem {
    name: String,
    goal: String,
    words_label: String,
    words: String,
    photo_alt: String,
    message_label: String,
    message: String,
    next_label: String,
    next_goal: Option<String>,
    ask_label: String,
    question: String,
}

#[derive(Serialize)]
struct NoteSlip {
    intro: String,
    text: String,
}

#[derive(Serialize)]
struct SlipsPage {
    class_lang: String,
    title: String,
    note: String,
    slips: Vec<SlipView>,
}

fn data_uri(data_dir: &std::path::Path, hash: &str) -> Result<String> {
    let p = photo::copy_path(data_dir, hash, photo::Size::Email);
    match std::fs::read(&p) {
        Ok(bytes) => Ok(format!(
            "data:image/jpeg;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Photo(format!(
            "photo copies not made yet ({} is missing): run a sync, which makes them, then print again",
            p.display()
        ))),
        Err(e) => Err(Error::io("read the photo copy", p, e)),
    }
}

/// A slip for `contact` in their language, about nothing yet (see [`slip`], [`note_slip`]).
fn blank_slip(
    run: &Run<'_>,
    l: &crate::i18n::Localizer,
    contact: &Contact,
    day: NaiveDate,
) -> (SlipView, Option<Fallback>) {
    let fallback = l.fell_back.then(|| Fallback {
        contact_id: contact.id,
        contact: contact.name.clone(),
        wanted: contact.language.clone(),
        used: l.lang.clone(),
    });
    let class = &run.plan.class;
    let view = SlipView {
        lang: l.lang.clone(),
        dir: l.dir.as_str(),
        title: l.t(
            "slip-title",
            &[("class", FluentValue::from(class.class_name.clone()))],
        ),
        to: l
            .t(
                "greeting",
                &[("contact", FluentValue::from(contact.name.clone()))],
            )
            .trim_end_matches([',', ':', '،'])
            .to_string(),
        item: None,
        invite: None,
        note: None,
        photo: None,
        sharing: None,
        sheet: None,
        footer: compose::footer(l, class),
        date: compose::long_date(l, day),
    };
    (view, fallback)
}

fn slip(
    run: &Run<'_>,
    langs: &mut Languages<'_>,
    contact: &Contact,
    item: &FamilyItem,
    sheet: Option<&SheetInShort>,
    photo: Option<String>,
    day: NaiveDate,
) -> Result<(SlipView, Option<Fallback>)> {
    let l = langs.get(&contact.language)?;
    let name = || ("name", FluentValue::from(item.display_name.clone()));
    let (mut view, fallback) = blank_slip(run, l, contact, day);
    view.item = Some(SlipItem {
        name: item.display_name.clone(),
        goal: compose::shown(l, &item.goal_title),
        words_label: l.t("in-own-words", &[name()]),
        words: compose::shown(l, &item.words).trim().to_string(),
        photo_alt: l.t("photo-alt", &[name()]),
        message_label: l.t("message-from", &[name()]),
        message: compose::shown(l, &item.family_message).trim().to_string(),
        next_label: l.s("next-goal"),
        next_goal: item.next_goal.as_ref().map(|t| compose::shown(l, t)),
        ask_label: l.t("ask-tonight", &[name()]),
        question: compose::question(l, item),
    });
    view.photo = photo;
    view.sharing = run.sharing().map(|s| {
        l.t(
            "sharing-invite",
            &[
                ("title", FluentValue::from(compose::shown(l, &s.title))),
                (
                    "when",
                    FluentValue::from(compose::long_date(
                        l,
                        s.starts_at.with_timezone(&run.plan.tz).date_naive(),
                    )),
                ),
            ],
        )
    });
    view.sheet = sheet.map(|s| compose::sheet_short_view(l, s));
    Ok((view, fallback))
}

/// The slip of a child's own note to their family: the child's words as written.
fn note_slip(
    run: &Run<'_>,
    langs: &mut Languages<'_>,
    contact: &Contact,
    note: &NoteItem,
    day: NaiveDate,
) -> Result<(SlipView, Option<Fallback>)> {
    let l = langs.get(&contact.language)?;
    let (mut view, fallback) = blank_slip(run, l, contact, day);
    view.title = compose::note_title(l, note);
    view.note = Some(NoteSlip {
        intro: compose::note_intro(l, note),
        text: compose::shown(l, &note.text).trim().to_string(),
    });
    Ok((view, fallback))
}

/// The slip about a sharing time (`kind`) for `contact`, in their language.
fn invite_slip(
    run: &Run<'_>,
    langs: &mut Languages<'_>,
    contact: &Contact,
    sharing: &crate::plan::Sharing,
    kind: InviteKind,
    day: NaiveDate,
) -> Result<(SlipView, Option<Fallback>)> {
    let l = langs.get(&contact.language)?;
    let fallback = l.fell_back.then(|| Fallback {
        contact_id: contact.id,
        contact: contact.name.clone(),
        wanted: contact.language.clone(),
        used: l.lang.clone(),
    });
    let v = invite_view(l, &run.plan.class, run.plan.tz, contact, sharing, kind);
    let view = SlipView {
        lang: l.lang.clone(),
        dir: l.dir.as_str(),
        title: v.subject.clone(),
        to: v.greeting.trim_end_matches([',', ':', '،']).to_string(),
        item: None,
        note: None,
        photo: None,
        sharing: None,
        sheet: None,
        footer: v.footer.clone(),
        date: compose::long_date(l, day),
        invite: Some(v),
    };
    Ok((view, fallback))
}

/// Days whose slip page is written again at the next run though no slip waits for it (an
/// erasure took slips off it): one `YYYY-MM-DD` per line. Only a to-do list: rewriting a
/// page that did not change writes nothing.
fn rewrite_days_path(data_dir: &Path) -> PathBuf {
    crate::DataDir::new(data_dir).print().join(".rewrite")
}

/// Asks the next run to write the slip pages of these days again (the days around each
/// time, whatever the class's time zone).
pub(crate) fn rewrite_slip_pages(data_dir: &Path, times: &[DateTime<Utc>]) -> Result<()> {
    if times.is_empty() {
        return Ok(());
    }
    let dir = crate::DataDir::new(data_dir).print();
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the print folder", &dir, e))?;
    let mut lines = String::new();
    for t in times {
        let day = t.date_naive();
        for d in [day.pred_opt(), Some(day), day.succ_opt()]
            .into_iter()
            .flatten()
        {
            lines.push_str(&format!("{d}\n"));
        }
    }
    crate::fsutil::append_synced(
        &rewrite_days_path(data_dir),
        lines.as_bytes(),
        "note the slip pages to write again in",
    )
}

/// Takes the days to write again: the list is renamed (atomically) first, so an erasure
/// that adds days while this run works starts a new list for the next run instead of
/// losing them. A list taken by a run that did not finish is taken again first; a newer
/// list then waits for the next run.
fn take_rewrite_days(data_dir: &Path) -> Result<(BTreeSet<NaiveDate>, PathBuf)> {
    let list = rewrite_days_path(data_dir);
    let taken = list.with_extension("taking");
    if !taken.exists() {
        match std::fs::rename(&list, &taken) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::io(
                    "take the list of slip pages to write again",
                    list,
                    e,
                ))
            }
        }
    }
    let days = std::fs::read_to_string(&taken)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    Ok((days, taken))
}

/// Writes the slip pages that queued slips belong on, and marks those slips sent. A page
/// an erasure took slips off is written again; one left with no slips is removed.
pub(super) fn write_slips(
    gp: &Goalpost,
    run: &Run<'_>,
    langs: &mut Languages<'_>,
    summary: &mut MailSummary,
) -> Result<()> {
    let rows = outbox::slips(gp.store().conn())?;
    let day_of = |d: &outbox::Delivery| d.created_at.with_timezone(&run.plan.tz).date_naive();
    let (forced, taken) = take_rewrite_days(gp.data_dir())?;
    let days: BTreeSet<NaiveDate> = rows
        .iter()
        .filter(|d| d.status == outbox::Status::Queued)
        .map(day_of)
        .chain(forced.iter().copied())
        .collect();
    if days.is_empty() {
        return Ok(());
    }
    let dir = gp.folders().print();
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the print folder", &dir, e))?;
    let class_l = langs.get(&run.plan.class.language)?;
    let page_title = class_l.t(
        "slip-title",
        &[(
            "class",
            FluentValue::from(run.plan.class.class_name.clone()),
        )],
    );
    let note = class_l.s("slip-cut");
    let class_lang = class_l.lang.clone();
    for day in days {
        let mut slips = Vec::new();
        let mut placed = Vec::new();
        for d in rows.iter().filter(|d| day_of(d) == day) {
            if d.status == outbox::Status::Failed {
                continue;
            }
            if !d.note_ids.is_empty() {
                // Only a note of this contact's own children (the plan holds no other).
                let found = run.views.get(&d.contact_id).and_then(|v| {
                    v.notes
                        .iter()
                        .filter(|n| d.note_ids.contains(&n.note_id))
                        .find(|n| {
                            v.contact
                                .students
                                .iter()
                                .any(|s| s.student_id == n.student_id)
                        })
                        .map(|n| (&v.contact, n))
                });
                let Some((contact, note)) = found else {
                    // Its child was erased: it leaves the page; an unsent slip the outbox.
                    gp.store()
                        .in_tx(|tx| outbox::delete_unsent(tx, d.id).map(|_| ()))?;
                    continue;
                };
                let (view, fb) = note_slip(run, langs, contact, note, day)?;
                summary.language_fallbacks.extend(fb);
                slips.push(view);
                if d.status == outbox::Status::Queued {
                    placed.push((d.id, contact.id));
                }
                continue;
            }
            if d.kind.is_sharing() {
                // A sharing time's slip: about the time as the plan holds it now.
                let found = run.views.get(&d.contact_id).and_then(|v| {
                    let (s, kind) = sharing_of(run.plan, &v.contact, d.kind, &d.subject_key)?;
                    Some((&v.contact, s, kind))
                });
                let Some((contact, s, kind)) = found else {
                    gp.store()
                        .in_tx(|tx| outbox::delete_unsent(tx, d.id).map(|_| ()))?;
                    continue;
                };
                let (view, fb) = invite_slip(run, langs, contact, s, kind, day)?;
                summary.language_fallbacks.extend(fb);
                slips.push(view);
                if d.status == outbox::Status::Queued {
                    placed.push((d.id, contact.id));
                }
                continue;
            }
            let found = run.views.get(&d.contact_id).map(|v| {
                let items: Vec<&FamilyItem> = v
                    .items
                    .iter()
                    .filter(|i| d.evidence_ids.contains(&i.evidence_id))
                    .collect();
                (v, items)
            });
            let Some((v, items)) = found.filter(|(_, items)| !items.is_empty()) else {
                // Erased or withdrawn: it leaves the page; an unsent slip leaves the outbox.
                gp.store()
                    .in_tx(|tx| outbox::delete_unsent(tx, d.id).map(|_| ()))?;
                continue;
            };
            let mut views = Vec::with_capacity(items.len());
            let mut waiting = false;
            for item in items {
                let photo = match item.photo_hash.as_deref() {
                    Some(h) => match data_uri(gp.data_dir(), h) {
                        Ok(u) => Some(u),
                        Err(e) => {
                            if d.status == outbox::Status::Queued {
                                gp.store().in_tx(|tx| {
                                    outbox::note_waiting(
                                        tx,
                                        d.id,
                                        FailureKind::Content,
                                        &e.to_string(),
                                    )
                                })?;
                                summary.waiting_for_photos += 1;
                            }
                            waiting = true;
                            break;
                        }
                    },
                    None => None,
                };
                let sheet = v.sheets.iter().find(|s| s.student_id == item.student_id);
                let (view, fb) = slip(run, langs, &v.contact, item, sheet, photo, day)?;
                summary.language_fallbacks.extend(fb);
                views.push(view);
            }
            if waiting {
                continue;
            }
            slips.extend(views);
            if d.status == outbox::Status::Queued {
                placed.push((d.id, v.contact.id));
            }
        }
        let path = dir.join(format!("slips-{day}.html"));
        if slips.is_empty() {
            if forced.contains(&day) {
                crate::fsutil::remove_if_present(&path, "remove the slip page")?;
            }
            continue;
        }
        let html = run.renderer.render(
            "slips.html",
            &SlipsPage {
                class_lang: class_lang.clone(),
                title: page_title.clone(),
                note: note.clone(),
                slips,
            },
        )?;
        crate::fsutil::write_if_changed(&path, html.as_bytes())?;
        let note = format!("slip on {}", path.display());
        gp.store().in_tx(|tx| {
            for (id, contact) in &placed {
                outbox::mark_sent(tx, *id, run.now)?;
                store::contact_log::insert(tx, *contact, run.now, "paper", &note, Some(*id))?;
            }
            Ok(())
        })?;
        summary.slips += placed.len();
        if !placed.is_empty() {
            summary.print_files.push(path);
        }
    }
    crate::fsutil::remove_if_present(&taken, "remove")?;
    Ok(())
}

#[derive(Serialize)]
struct SheetLine {
    title: String,
    area: String,
    when: Option<String>,
    next: Option<String>,
}

/// One student's goal sheet page, in its reader's language.
#[derive(Serialize)]
struct SheetView {
    lang: String,
    dir: &'static str,
    title: String,
    footer: String,
    date: String,
    current_label: String,
    achieved_label: String,
    next_label: String,
    none: String,
    current: Vec<SheetLine>,
    achieved: Vec<SheetLine>,
}

/// A file of goal sheets: one page each, a page break between them.
#[derive(Serialize)]
struct SheetsPage {
    lang: String,
    dir: &'static str,
    title: String,
    pages: Vec<SheetView>,
}

/// The file that `print goal-sheet --all` writes the whole class's goal sheets to (in the
/// print folder), with the language when one was asked for. An erasure removes every such
/// file: print them again.
pub const CLASS_SHEETS_PREFIX: &str = "goal-sheets-class";

fn sheet_view(
    class: &ClassInfo,
    today: NaiveDate,
    l: &crate::i18n::Localizer,
    sheet: &crate::plan::GoalSheet,
) -> SheetView {
    let name = || ("name", FluentValue::from(sheet.display_name.clone()));
    let line = |g: &crate::plan::SheetGoal| SheetLine {
        title: compose::shown(l, &g.title),
        area: compose::shown(l, &g.subject),
        when: g.achieved_on.map(|d| {
            l.t(
                "goal-sheet-on",
                &[("date", FluentValue::from(compose::long_date(l, d)))],
            )
        }),
        next: g.next_goal.as_ref().map(|t| compose::shown(l, t)),
    };
    SheetView {
        lang: l.lang.clone(),
        dir: l.dir.as_str(),
        title: l.t("goal-sheet-title", &[name()]),
        footer: compose::footer(l, class),
        date: compose::long_date(l, today),
        current_label: l.s("goal-sheet-current"),
        achieved_label: l.s("goal-sheet-achieved"),
        next_label: l.s("goal-sheet-next"),
        none: l.s("goal-sheet-none"),
        current: sheet.current.iter().map(line).collect(),
        achieved: sheet.achieved.iter().map(line).collect(),
    }
}

impl Goalpost {
    /// Writes a printable goal sheet for one student into the print folder, in `language`
    /// (default: their first contact's language, else the class's). Returns the file.
    pub fn print_goal_sheet(&self, student: StudentId, language: Option<&str>) -> Result<PathBuf> {
        let sheet = self.goal_sheet(student)?;
        // Named by id and language, never by the child's name.
        self.write_goal_sheets(std::slice::from_ref(&sheet), language, |lang| {
            format!("goal-sheet-s{}-{lang}.html", sheet.student_id)
        })
    }

    /// Writes every student's goal sheet into one printable file in the print folder, one
    /// A4/Letter page each, each in `language` (default: that student's first contact's
    /// language, else the class's). Returns the file.
    pub fn print_goal_sheets_all(&self, language: Option<&str>) -> Result<PathBuf> {
        let sheets = self.goal_sheets()?;
        if sheets.is_empty() {
            return Err(Error::invalid(
                "the class has no students yet: add them (`goalpost student add` or `goalpost roster import`), then print",
            ));
        }
        self.write_goal_sheets(&sheets, language, |lang| match language {
            Some(_) => format!("{CLASS_SHEETS_PREFIX}-{lang}.html"),
            None => format!("{CLASS_SHEETS_PREFIX}.html"),
        })
    }

    /// Renders `sheets` (a page each) and writes them to the print folder under the name
    /// `file_name` makes from the first page's language.
    fn write_goal_sheets(
        &self,
        sheets: &[crate::plan::GoalSheet],
        language: Option<&str>,
        file_name: impl FnOnce(&str) -> String,
    ) -> Result<PathBuf> {
        let class = self.class()?;
        let tz: chrono_tz::Tz = class.timezone.parse().unwrap_or(chrono_tz::UTC);
        let today = self.now().with_timezone(&tz).date_naive();
        let mut langs = Languages::new(self.data_dir(), &class.language);
        let mut pages = Vec::with_capacity(sheets.len());
        for sheet in sheets {
            let wanted = language
                .map(str::to_string)
                .or_else(|| sheet.contact_languages.first().cloned())
                .unwrap_or_else(|| class.language.clone());
            pages.push(sheet_view(&class, today, langs.get(&wanted)?, sheet));
        }
        // The file speaks the first page's language (for one sheet, the sheet's); every
        // page says its own.
        let (lang, dir, title) = match pages.as_slice() {
            [one] => (one.lang.clone(), one.dir, one.title.clone()),
            _ => {
                let l = langs.get(language.unwrap_or(&class.language))?;
                (l.lang.clone(), l.dir.as_str(), class.class_name.clone())
            }
        };
        let name = file_name(&lang);
        let html = Renderer::new()?.render(
            "goal_sheet.html",
            &SheetsPage {
                lang,
                dir,
                title,
                pages,
            },
        )?;
        let dir = self.folders().print();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the print folder", &dir, e))?;
        let path = dir.join(name);
        crate::fsutil::write_if_changed(&path, html.as_bytes())?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Days an erasure adds while a run works on the taken list are kept for the next run;
    /// a list taken by a run that died is taken again first.
    #[test]
    fn the_slip_rewrite_list_is_taken_whole_and_never_loses_a_day() {
        let dir = tempfile::tempdir().unwrap();
        let at = |s: &str| -> DateTime<Utc> { format!("{s}T12:00:00Z").parse().unwrap() };
        let day = |s: &str| -> NaiveDate { s.parse().unwrap() };
        rewrite_slip_pages(dir.path(), &[at("2026-11-10")]).unwrap();
        let (first, taken) = take_rewrite_days(dir.path()).unwrap();
        assert!(first.contains(&day("2026-11-10")));
        // Meanwhile an erasure asks for another day; the run then dies before finishing.
        rewrite_slip_pages(dir.path(), &[at("2026-11-20")]).unwrap();
        let (again, _) = take_rewrite_days(dir.path()).unwrap();
        assert_eq!(again, first, "the unfinished list first");
        crate::fsutil::remove_if_present(&taken, "remove").unwrap();
        let (next, _) = take_rewrite_days(dir.path()).unwrap();
        assert!(next.contains(&day("2026-11-20")), "the day added meanwhile");
        assert!(!next.contains(&day("2026-11-10")));
    }
}
