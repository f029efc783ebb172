//! Year-end portfolios: a family takes their child's year home (issue 15; ARCHITECTURE.md,
//! rule 8).
//!
//! `goalpost export student REF DIR` writes one self-contained folder for one family:
//!
//! ```text
//! DIR/index.html       the year: goals reached and still to come, every approved evidence
//!                      with the child's words, the goal and the date; inline CSS with a
//!                      print style; relative links only, nothing from the network
//! DIR/portfolio.json   the same content for other tools (docs/portfolio.md gives its shape)
//! DIR/photos/<hash>-1600.jpg   the web copies of the photos the family may have
//! ```
//!
//! `goalpost export class DIR` writes one such folder per student, `DIR/s<id>/`, and a
//! plain `DIR/index.html` for the teacher that lists them. Nothing about one child is in
//! another child's folder, and no file or folder is named after a child.
//!
//! What a portfolio shows is what the child's own family already hears, decided by the
//! plan ([`Goalpost::portfolio`]): only approved evidence; other children's names in the
//! words under the rule of family messages (one rule, `crate::mentions`); photos only as
//! re-encoded web copies (no EXIF, GPS or file name survives, see `crate::photo::copies`)
//! and only under the `email_family` consent, the one that lets photos reach the family by
//! email. Without it the evidence is listed without its photo and the page says why.
//!
//! The folder is written into a temporary folder beside `DIR` and renamed into place at
//! the end: a failed export leaves no half-written portfolio. `DIR` must be new or empty.
//! The export holds the class lock (it may make photo copies), like every writer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use fluent_bundle::FluentValue;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::i18n::Localizer;
use crate::lock::Operation;
use crate::mail::compose::shown;
use crate::model::*;
use crate::photo::{self, Size};
use crate::plan::{Portfolio, SheetGoal};
use crate::Goalpost;

pub mod archive;

const PAGE: &str = include_str!("templates/portfolio.html");
const INDEX: &str = include_str!("templates/index.html");

/// The `format` field of every `portfolio.json`.
pub const JSON_FORMAT: &str = "goalpost-portfolio";
/// The `version` field of `portfolio.json`: raised only when a field changes meaning or
/// goes away (fields may be added within a version).
pub const JSON_VERSION: u32 = 1;

/// The catalog domain of the portfolio's own words (`i18n/<lang>/portfolio.ftl`).
const DOMAIN: &str = "portfolio";

/// What one portfolio holds.
#[derive(Debug, Clone, Serialize)]
pub struct StudentExport {
    pub student_id: StudentId,
    /// The portfolio's folder inside the export folder (`s<id>`), or `.` for
    /// `export student`, whose folder is the export folder itself.
    pub folder: String,
    /// The language it is written in.
    pub language: String,
    /// The language the family reads, when there are no portfolio words in it (the
    /// portfolio is then in the class's language, or English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wanted_language: Option<String>,
    pub evidence: usize,
    pub photos: usize,
    /// Evidence whose photo is left out for want of `email_family` consent.
    pub photos_withheld: usize,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub dir: PathBuf,
    pub students: Vec<StudentExport>,
}

impl Goalpost {
    /// `goalpost export student`: the portfolio of one student into `dir` (new or empty), in
    /// `language` (one of the portfolio catalogs) or else the family's (see the module
    /// docs).
    pub fn export_student(
        &self,
        student: StudentId,
        dir: &Path,
        language: Option<&str>,
    ) -> Result<ExportReport> {
        let _lock = self.lock_class(Operation::Export)?;
        self.check_portfolio_language(language)?;
        self.student(student)?;
        let staging = Staging::new(dir)?;
        let portfolio = self.portfolio(student)?;
        let copies = self.portfolio_copies(std::slice::from_ref(&portfolio))?;
        let written = self.write_portfolio(&portfolio, &copies, staging.path(), ".", language)?;
        staging.commit()?;
        Ok(ExportReport {
            dir: dir.to_path_buf(),
            students: vec![written],
        })
    }

    /// `goalpost export class`: one portfolio per student into `dir/s<id>/`, and an index
    /// for the teacher (see the module docs).
    pub fn export_class(&self, dir: &Path, language: Option<&str>) -> Result<ExportReport> {
        let _lock = self.lock_class(Operation::Export)?;
        self.check_portfolio_language(language)?;
        let staging = Staging::new(dir)?;
        let students = self.write_class_portfolios(staging.path(), language)?;
        staging.commit()?;
        Ok(ExportReport {
            dir: dir.to_path_buf(),
            students,
        })
    }

    /// The desktop's export: into a new folder inside `parent` (the folder the teacher
    /// picked, a USB stick say, which usually holds other files), named
    /// `portfolio-s<id>` for one student or `portfolios-<date>` for the class, with `-2`,
    /// `-3`... when that name is taken. Never named after a child.
    pub fn export_into(&self, parent: &Path, student: Option<StudentId>) -> Result<ExportReport> {
        if !parent.is_dir() {
            return Err(Error::invalid(format!(
                "{} is not a folder: choose the folder to put the portfolios in",
                parent.display()
            )));
        }
        let class = self.class()?;
        let tz: chrono_tz::Tz = class.timezone.parse().unwrap_or(chrono_tz::UTC);
        let stem = match student {
            Some(id) => format!("portfolio-s{id}"),
            None => format!("portfolios-{}", self.now().with_timezone(&tz).date_naive()),
        };
        let dir = (1..10_000)
            .map(|n| match n {
                1 => parent.join(&stem),
                n => parent.join(format!("{stem}-{n}")),
            })
            .find(|d| !d.exists())
            .ok_or_else(|| {
                Error::Conflict(format!(
                    "{} holds too many folders named {stem}: choose another folder",
                    parent.display()
                ))
            })?;
        match student {
            Some(id) => self.export_student(id, &dir, None),
            None => self.export_class(&dir, None),
        }
    }

    /// Refuses a `--language` that no portfolio catalog is written in.
    fn check_portfolio_language(&self, language: Option<&str>) -> Result<()> {
        let Some(wanted) = language else {
            return Ok(());
        };
        let l = Localizer::new(Some(self.data_dir()), DOMAIN, wanted, "en")?;
        if l.fell_back {
            return Err(Error::invalid(format!(
                "there are no portfolio words in {wanted:?}: choose one of {}, or leave --language out for each family's own language (a teacher can add a language as i18n/{wanted}/portfolio.ftl in the data folder)",
                crate::i18n::available(Some(self.data_dir()), DOMAIN).join(", ")
            )));
        }
        Ok(())
    }

    /// Every student's portfolio into `dir` (which exists and is empty), then the
    /// teacher's index. Used by `export class` and `class archive`, which hold the lock.
    pub(crate) fn write_class_portfolios(
        &self,
        dir: &Path,
        language: Option<&str>,
    ) -> Result<Vec<StudentExport>> {
        let portfolios = self
            .students()?
            .into_iter()
            .map(|s| self.portfolio(s.id))
            .collect::<Result<Vec<_>>>()?;
        let copies = self.portfolio_copies(&portfolios)?;
        let mut written = Vec::with_capacity(portfolios.len());
        for p in &portfolios {
            let folder = format!("s{}", p.sheet.student_id);
            let sub = dir.join(&folder);
            std::fs::create_dir(&sub).map_err(|e| Error::io("create the folder", &sub, e))?;
            written.push(self.write_portfolio(p, &copies, &sub, &folder, language)?);
        }
        self.write_index(dir, &portfolios, &written, language)?;
        Ok(written)
    }

    /// The web copies of every photo these portfolios show, made if missing.
    fn portfolio_copies(&self, portfolios: &[Portfolio]) -> Result<HashMap<String, CopyOf>> {
        let mut hashes: Vec<String> = portfolios
            .iter()
            .flat_map(|p| p.items.iter().filter_map(|i| i.item.photo_hash.clone()))
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        let made = self.ensure_copies(&hashes)?;
        let mut out = HashMap::new();
        for c in made {
            if let Some(web) = c.copies.iter().find(|i| i.size == Size::Web) {
                out.insert(
                    c.hash.clone(),
                    CopyOf {
                        path: photo::copy_path(self.data_dir(), &c.hash, Size::Web),
                        file_name: web.file_name.clone(),
                        width: web.width,
                        height: web.height,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Writes one portfolio into `dir`, which exists and is empty.
    fn write_portfolio(
        &self,
        p: &Portfolio,
        copies: &HashMap<String, CopyOf>,
        dir: &Path,
        folder: &str,
        language: Option<&str>,
    ) -> Result<StudentExport> {
        let class = self.class()?;
        let wanted = language
            .map(str::to_string)
            .or_else(|| p.sheet.contact_languages.first().cloned())
            .unwrap_or_else(|| class.language.clone());
        let w = Words::new(self.data_dir(), &wanted, &class.language)?;
        let tz: chrono_tz::Tz = class.timezone.parse().unwrap_or(chrono_tz::UTC);
        let today = self.now().with_timezone(&tz).date_naive();
        let name = p.sheet.display_name.as_str();
        let teacher = class.teacher.as_str();

        let mut photos = 0;
        let mut items = Vec::with_capacity(p.items.len());
        let mut json_items = Vec::with_capacity(p.items.len());
        for pi in &p.items {
            let i = &pi.item;
            let photo = match i.photo_hash.as_deref() {
                Some(h) => {
                    let c = copies.get(h).ok_or_else(|| {
                        Error::Photo(format!(
                            "the web copy of photo {h} could not be made: run `goalpost photo copies` to see why, then export again"
                        ))
                    })?;
                    let rel = format!("photos/{}", c.file_name);
                    let dest = dir.join(&rel);
                    if !dest.exists() {
                        let photos_dir = dir.join("photos");
                        std::fs::create_dir_all(&photos_dir)
                            .map_err(|e| Error::io("create the folder", &photos_dir, e))?;
                        std::fs::copy(&c.path, &dest)
                            .map_err(|e| Error::io("copy the photo", &c.path, e))?;
                        photos += 1;
                    }
                    Some((rel, c.width, c.height))
                }
                None => None,
            };
            let words = shown(&w.mail, &i.words).trim().to_string();
            let message = shown(&w.mail, &i.family_message).trim().to_string();
            let goal = shown(&w.mail, &i.goal_title);
            let area = shown(&w.mail, &i.subject);
            let next = i.next_goal.as_ref().map(|t| shown(&w.mail, t));
            let withheld = pi.photo_withheld.then(|| {
                w.page.t(
                    "photo-withheld",
                    &[
                        ("name", FluentValue::from(name)),
                        ("teacher", FluentValue::from(teacher)),
                    ],
                )
            });
            items.push(ItemView {
                id: i.evidence_id,
                goal: goal.clone(),
                area: area.clone(),
                date: w.date(i.day),
                // The file name alone: the template puts it in `photos/` (an escaped `/`
                // would read as `&#x2f;` to tools that do not decode attributes).
                photo: pi
                    .item
                    .photo_hash
                    .as_deref()
                    .and_then(|h| copies.get(h))
                    .map(|c| c.file_name.clone()),
                width: photo.as_ref().map_or(0, |p| p.1),
                height: photo.as_ref().map_or(0, |p| p.2),
                photo_alt: w.mail.t("photo-alt", &[("name", FluentValue::from(name))]),
                withheld,
                words_label: w
                    .mail
                    .t("in-own-words", &[("name", FluentValue::from(name))]),
                words: words.clone(),
                message_label: w
                    .mail
                    .t("message-from", &[("name", FluentValue::from(name))]),
                message: message.clone(),
                next: next.clone(),
            });
            json_items.push(JsonEvidence {
                id: i.evidence_id,
                date: i.day,
                approved_at: i.approved_at,
                goal,
                subject: area,
                words,
                message,
                next_goal: next,
                photo: photo.as_ref().map(|(rel, _, _)| rel.clone()),
                photo_width: photo.as_ref().map(|p| p.1),
                photo_height: photo.as_ref().map(|p| p.2),
                photo_left_out: pi.photo_withheld.then_some("no_email_family_consent"),
            });
        }

        let goal_line = |g: &SheetGoal| GoalView {
            title: shown(&w.mail, &g.title),
            area: shown(&w.mail, &g.subject),
            when: g.achieved_on.map(|d| {
                w.page
                    .t("reached-on", &[("date", FluentValue::from(w.date(d)))])
            }),
        };
        let json_goal = |g: &SheetGoal| JsonGoal {
            title: shown(&w.mail, &g.title),
            subject: shown(&w.mail, &g.subject),
            achieved_on: g.achieved_on,
            next_goal: g.next_goal.as_ref().map(|t| shown(&w.mail, t)),
        };
        let title = w.page.t(
            "portfolio-title",
            &[
                ("name", FluentValue::from(name)),
                ("class", FluentValue::from(class.class_name.as_str())),
            ],
        );
        let view = PageView {
            lang: w.page.lang.clone(),
            dir: w.page.dir.as_str(),
            title: title.clone(),
            made: w.page.t(
                "portfolio-made",
                &[
                    ("class", FluentValue::from(class.class_name.as_str())),
                    ("school", FluentValue::from(class.school.as_str())),
                    ("teacher", FluentValue::from(teacher)),
                    ("date", FluentValue::from(w.date(today))),
                ],
            ),
            intro: w
                .page
                .t("portfolio-intro", &[("name", FluentValue::from(name))]),
            contents: w.page.s("contents"),
            reached_label: w.page.s("goals-reached"),
            to_come_label: w.page.s("goals-to-come"),
            learning_label: w.page.s("learning"),
            print_hint: w.page.s("print-hint"),
            none_yet: w.page.s("none-yet"),
            no_evidence: w.page.s("no-evidence"),
            next_label: w.mail.s("next-goal"),
            reached: p.sheet.achieved.iter().map(goal_line).collect(),
            to_come: p.sheet.current.iter().map(goal_line).collect(),
            items,
        };
        let html = render(PAGE, "portfolio.html", &view)?;
        let json = JsonPortfolio {
            format: JSON_FORMAT,
            version: JSON_VERSION,
            language: w.page.lang.clone(),
            made_on: today,
            title,
            student: JsonStudent {
                id: p.sheet.student_id,
                name: name.to_string(),
            },
            class: JsonClass {
                school: class.school.clone(),
                class_name: class.class_name.clone(),
                teacher: class.teacher.clone(),
            },
            goals_reached: p.sheet.achieved.iter().map(json_goal).collect(),
            goals_to_come: p.sheet.current.iter().map(json_goal).collect(),
            evidence: json_items,
        };
        write_new(&dir.join("index.html"), html.as_bytes())?;
        let mut json = serde_json::to_string_pretty(&json)?;
        json.push('\n');
        write_new(&dir.join("portfolio.json"), json.as_bytes())?;
        Ok(StudentExport {
            student_id: p.sheet.student_id,
            folder: folder.to_string(),
            language: w.page.lang.clone(),
            wanted_language: w.page.fell_back.then(|| wanted.clone()),
            evidence: p.items.len(),
            photos,
            photos_withheld: p.items.iter().filter(|i| i.photo_withheld).count(),
        })
    }

    /// The teacher's index of a class's portfolios, in `language` or the class's.
    fn write_index(
        &self,
        dir: &Path,
        portfolios: &[Portfolio],
        written: &[StudentExport],
        language: Option<&str>,
    ) -> Result<()> {
        let class = self.class()?;
        let l = Localizer::new(
            Some(self.data_dir()),
            DOMAIN,
            language.unwrap_or(&class.language),
            &class.language,
        )?;
        let class_arg = || ("class", FluentValue::from(class.class_name.as_str()));
        let view = IndexView {
            lang: l.lang.clone(),
            dir: l.dir.as_str(),
            title: l.t("index-title", &[class_arg()]),
            intro: l.s("index-intro"),
            col_id: l.s("index-id"),
            col_student: l.s("index-student"),
            col_folder: l.s("index-folder"),
            col_work: l.s("index-work"),
            col_photos: l.s("index-photos"),
            col_language: l.s("index-language"),
            students: portfolios
                .iter()
                .zip(written)
                .map(|(p, w)| IndexRow {
                    id: p.sheet.student_id,
                    name: p.sheet.display_name.clone(),
                    folder: w.folder.clone(),
                    evidence: w.evidence,
                    photos: w.photos,
                    language: w.language.clone(),
                })
                .collect(),
        };
        write_new(
            &dir.join("index.html"),
            render(INDEX, "index.html", &view)?.as_bytes(),
        )
    }
}

/// A web copy to put in a portfolio.
struct CopyOf {
    path: PathBuf,
    file_name: String,
    width: u32,
    height: u32,
}

/// The portfolio's own words and the family messages' words (dates, labels, "a
/// classmate"), in the same language.
struct Words {
    page: Localizer,
    mail: Localizer,
}

impl Words {
    fn new(data_dir: &Path, wanted: &str, class_lang: &str) -> Result<Words> {
        let page = Localizer::new(Some(data_dir), DOMAIN, wanted, class_lang)?;
        let mail = Localizer::new(Some(data_dir), "mail", &page.lang, class_lang)?;
        Ok(Words { page, mail })
    }

    /// "20 November 2026" in the reader's words.
    fn date(&self, d: NaiveDate) -> String {
        self.page.t(
            "date-full",
            &[
                ("day", FluentValue::from(d.day().to_string())),
                (
                    "month",
                    FluentValue::from(self.mail.s(&format!("month-{}", d.month()))),
                ),
                ("year", FluentValue::from(d.year().to_string())),
            ],
        )
    }
}

fn render<S: Serialize>(src: &str, name: &str, ctx: &S) -> Result<String> {
    let mut env = minijinja::Environment::new();
    // Named *.html, so everything inserted is HTML-escaped.
    env.add_template(name, src)
        .map_err(|e| Error::invalid(format!("the built-in template {name} is broken: {e}")))?;
    env.get_template(name)
        .and_then(|t| t.render(minijinja::value::Serde(ctx)))
        .map_err(|e| Error::invalid(format!("could not render {name}: {e}")))
}

/// Writes a new file in the staging folder (never over another).
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .map_err(|e| Error::io("write", path, e))
}

/// A folder written beside its destination and renamed into place when complete; removed
/// if dropped before [`Staging::commit`].
pub(crate) struct Staging {
    tmp: tempfile::TempDir,
    dest: PathBuf,
}

impl Staging {
    /// Checks that `dest` is new or empty and makes the temporary folder beside it.
    pub(crate) fn new(dest: &Path) -> Result<Staging> {
        if dest.as_os_str().is_empty() {
            return Err(Error::invalid("give the folder to write into"));
        }
        check_new_or_empty(dest)?;
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| Error::io("create the folder", &parent, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(".goalpost-export-")
            .tempdir_in(&parent)
            .map_err(|e| Error::io("write into", &parent, e))?;
        Ok(Staging {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Renames the finished folder to its destination.
    pub(crate) fn commit(self) -> Result<()> {
        // Looked at again: something may have been put there meanwhile.
        check_new_or_empty(&self.dest)?;
        if self.dest.is_dir() {
            std::fs::remove_dir(&self.dest)
                .map_err(|e| Error::io("replace the empty folder", &self.dest, e))?;
        }
        let tmp = self.tmp.keep();
        std::fs::rename(&tmp, &self.dest).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            Error::io("move the finished folder to", &self.dest, e)
        })
    }
}

fn check_new_or_empty(dest: &Path) -> Result<()> {
    match std::fs::read_dir(dest) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::Conflict(format!(
                    "{} is not empty: choose a new folder (it is made for you) or an empty one; nothing was written",
                    dest.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if dest.exists() => Err(Error::invalid(format!(
            "{} is a file, not a folder: choose a new folder (it is made for you) or an empty one",
            dest.display()
        ))),
        Err(e) => Err(Error::io("look into", dest, e)),
    }
}

#[derive(Serialize)]
struct GoalView {
    title: String,
    area: String,
    when: Option<String>,
}

#[derive(Serialize)]
struct ItemView {
    id: EvidenceId,
    goal: String,
    area: String,
    date: String,
    photo: Option<String>,
    width: u32,
    height: u32,
    photo_alt: String,
    withheld: Option<String>,
    words_label: String,
    words: String,
    message_label: String,
    message: String,
    next: Option<String>,
}

#[derive(Serialize)]
struct PageView {
    lang: String,
    dir: &'static str,
    title: String,
    made: String,
    intro: String,
    contents: String,
    reached_label: String,
    to_come_label: String,
    learning_label: String,
    print_hint: String,
    none_yet: String,
    no_evidence: String,
    next_label: String,
    reached: Vec<GoalView>,
    to_come: Vec<GoalView>,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct IndexRow {
    id: StudentId,
    name: String,
    folder: String,
    evidence: usize,
    photos: usize,
    language: String,
}

#[derive(Serialize)]
struct IndexView {
    lang: String,
    dir: &'static str,
    title: String,
    intro: String,
    col_id: String,
    col_student: String,
    col_folder: String,
    col_work: String,
    col_photos: String,
    col_language: String,
    students: Vec<IndexRow>,
}

/// `portfolio.json` (its shape is documented in docs/portfolio.md).
#[derive(Serialize)]
struct JsonPortfolio {
    format: &'static str,
    version: u32,
    language: String,
    made_on: NaiveDate,
    title: String,
    student: JsonStudent,
    class: JsonClass,
    goals_reached: Vec<JsonGoal>,
    goals_to_come: Vec<JsonGoal>,
    evidence: Vec<JsonEvidence>,
}

#[derive(Serialize)]
struct JsonStudent {
    id: StudentId,
    name: String,
}

#[derive(Serialize)]
struct JsonClass {
    school: String,
    class_name: String,
    teacher: String,
}

#[derive(Serialize)]
struct JsonGoal {
    title: String,
    subject: String,
    achieved_on: Option<NaiveDate>,
    next_goal: Option<String>,
}

#[derive(Serialize)]
struct JsonEvidence {
    id: EvidenceId,
    date: NaiveDate,
    approved_at: DateTime<Utc>,
    goal: String,
    subject: String,
    words: String,
    message: String,
    next_goal: Option<String>,
    photo: Option<String>,
    photo_width: Option<u32>,
    photo_height: Option<u32>,
    photo_left_out: Option<&'static str>,
}
