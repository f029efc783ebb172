//! The plan: what may leave the PC, worked out from the database and the clock.
//!
//! [`Goalpost::plan`] reads the database once and makes one [`Plan`]: the class, its
//! settings, what the blog may show, what each family may hear about, and the photos those
//! need. A sync makes it first and hands it to every later step (see `crate::sync`);
//! nothing downstream reads the database to decide what to show.
//!
//! This is the one place consent is applied, for the blog and for family messages alike.
//! Everything downstream (blog templates, email, paper slips) renders only what a plan
//! holds, so a renderer cannot publish what consent forbids: it never sees it. The texts
//! that leave the PC (a child's words, the family message, the teacher's goal titles,
//! subjects and sharing times) are in the plan too, as [`Text`]: the names in them that an
//! output may not show are replaced here, at every plan, with today's consents, by what it
//! may show (see `crate::mentions`). A consent withdrawn or a pseudonym given after
//! publication therefore changes, at the next sync, exactly the pages that named the child.
//!
//! Rules (ARCHITECTURE.md, "Rules that protect children"):
//! - only approved evidence appears anywhere;
//! - the blog shows a student only with `blog` consent; their display name only with
//!   `name_on_blog` (else no name and no student page); a photo only with `photo_on_blog`;
//! - the blog never carries last names, contacts, the family message or anything private;
//! - names in texts: on the blog, a child without `blog` or `name_on_blog` consent is "a
//!   classmate"; everywhere, a pseudonymised child's first name is their pseudonym and a
//!   last name is the display name;
//! - a family hears only about its own children, with photos only under `email_family`;
//! - a child's own note to their family reaches that child's contacts only, once approved.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::error::{Error, Result};
pub use crate::mentions::Text;
use crate::mentions::{Names, Output};
use crate::model::*;
use crate::{store, Goalpost};

/// Everything a sync works from, read from the database once (see the module docs).
#[derive(Debug, Clone)]
pub struct Plan {
    pub class: ClassInfo,
    /// The class's time zone: days, weeks and dates are the class's.
    pub tz: chrono_tz::Tz,
    pub settings: Settings,
    /// The address messages come from (`smtp.from`, else the teacher's).
    pub sender: String,
    /// What the blog may show.
    pub blog: BlogPlan,
    /// What each contact may hear about, by contact id.
    pub families: Vec<FamilyView>,
    /// Upcoming sharing times as families' messages show them, soonest first.
    pub sharing: Vec<Sharing>,
    /// Every sharing time that has not ended, cancelled ones included, as families'
    /// messages show them: what invitations, reminders and updates are made from.
    pub invitations: Vec<Sharing>,
    /// The photos of approved evidence, by content hash, sorted: those whose copies a sync
    /// makes (the blog and the messages each use the ones consent allows them).
    pub photos: Vec<String>,
}

impl Plan {
    /// Takes the photos in `gone` out of the plan (photos with neither original nor web
    /// copies: see `photo::gone`), so that their evidence is published and sent without a
    /// photo; returns each with the evidence that had it, for the summary (issue 15).
    pub fn without_photos(&mut self, gone: &[String]) -> Vec<crate::photo::MissingPhoto> {
        if gone.is_empty() {
            return Vec::new();
        }
        let mut pairs: Vec<(String, EvidenceId)> = Vec::new();
        let mut take = |hash: &mut Option<String>, evidence: EvidenceId| {
            if hash.as_ref().is_some_and(|h| gone.contains(h)) {
                if let Some(h) = hash.take() {
                    pairs.push((h, evidence));
                }
            }
        };
        for p in &mut self.blog.posts {
            take(&mut p.photo_hash, p.evidence_id);
        }
        for f in &mut self.families {
            for i in &mut f.items {
                take(&mut i.photo_hash, i.evidence_id);
            }
        }
        self.photos.retain(|h| !gone.contains(h));
        gone.iter()
            .map(|h| {
                let mut evidence: Vec<EvidenceId> = pairs
                    .iter()
                    .filter(|(x, _)| x == h)
                    .map(|(_, e)| *e)
                    .collect();
                evidence.sort_unstable();
                evidence.dedup();
                crate::photo::MissingPhoto {
                    photo: h.get(..12).unwrap_or(h).to_string(),
                    evidence,
                }
            })
            .collect()
    }
}

/// A sharing time as an output may show it (its title and place are the teacher's words).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Sharing {
    pub id: i64,
    /// The calendar entry's SEQUENCE: one more for each change and for the cancellation.
    pub sequence: u32,
    pub cancelled: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub title: Text,
    /// Where families come in: for families only, empty on the blog.
    pub place: Text,
}

/// A student as the public blog may show them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PublicStudent {
    pub id: StudentId,
    /// The display name, or `None` without name consent (render a neutral label).
    pub display_name: Option<String>,
    /// The student page's slug (`s{id}`), only for a named student.
    pub slug: Option<String>,
}

/// One approved evidence as the blog may show it. (`Hash` gives the blog the digest of
/// everything a post's page is made from: see `blog::site`.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PublicPost {
    pub evidence_id: EvidenceId,
    /// The post page's slug (`e{id}`): from the id, never from a name.
    pub slug: String,
    pub student: PublicStudent,
    pub goal_title: Text,
    pub subject: Text,
    /// The subject page's slug: see [`subject_slug`].
    pub subject_slug: String,
    pub words: Text,
    pub approved_at: DateTime<Utc>,
    /// The day of approval in the class's time zone.
    pub day: NaiveDate,
    /// The month of `day` as `YYYY-MM`: the month archive page's slug.
    pub month: String,
    /// The photo's content hash, only with photo consent.
    pub photo_hash: Option<String>,
    pub next_goal: Option<Text>,
}

/// A subject as the blog shows it: the teacher's word for it and a slug for its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicSubject {
    pub name: Text,
    pub slug: String,
}

/// The slug of a subject's page: `t` and the first 10 hex digits of the SHA-256 of the
/// subject as the teacher wrote it. Subjects are free text a teacher types, so their words
/// never go into a file name (a subject could be "Mia's reading group"); a hash keeps the
/// slug stable from build to build without a table of subject ids.
pub fn subject_slug(subject: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(subject.trim().as_bytes());
    let hex: String = d.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("t{hex}")
}

/// Everything the blog may show.
#[derive(Debug, Clone, Serialize)]
pub struct BlogPlan {
    pub school: String,
    pub class_name: String,
    pub teacher: String,
    pub teacher_email: String,
    pub language: String,
    pub timezone: String,
    /// Newest first (by approval time, then id).
    pub posts: Vec<PublicPost>,
    /// Named students who have at least one post, by display name.
    pub students: Vec<PublicStudent>,
    /// Subjects that have at least one post, by name.
    pub subjects: Vec<PublicSubject>,
    /// Upcoming sharing times, without their place.
    pub sharing_times: Vec<Sharing>,
}

/// One approved evidence as a student's own family may hear about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FamilyItem {
    pub evidence_id: EvidenceId,
    pub student_id: StudentId,
    pub display_name: String,
    pub goal_title: Text,
    pub subject: Text,
    pub words: Text,
    pub family_message: Text,
    pub approved_at: DateTime<Utc>,
    pub day: NaiveDate,
    /// Only with `email_family` consent.
    pub photo_hash: Option<String>,
    pub next_goal: Option<Text>,
    /// The blog post's slug when the post is on the blog.
    pub blog_slug: Option<String>,
}

/// A contact and what they may hear about.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyView {
    pub contact: Contact,
    /// Approved evidence of this contact's own students only, oldest first.
    pub items: Vec<FamilyItem>,
    /// The goal sheet in short of each of this contact's own students, in the order of
    /// the contact's links (what an achievement message ends with).
    pub sheets: Vec<SheetInShort>,
    /// Approved notes of this contact's own students to their family, oldest first.
    pub notes: Vec<NoteItem>,
}

/// A child's own note to their family, approved by the teacher, as the family may read it:
/// the child's words as written, with the name rule of family messages applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteItem {
    pub note_id: store::notes::NoteId,
    pub student_id: StudentId,
    pub display_name: String,
    pub text: Text,
    pub approved_at: DateTime<Utc>,
}

/// How many of the latest goals reached a goal sheet in short names.
pub const SHEET_LATEST: usize = 3;

/// A student's goal sheet in short, as an achievement email or slip ends with it: the goals
/// reached since the class began (how many, and the latest [`SHEET_LATEST`]), the goal they
/// work on now and the one after it. The goals are the teacher's words, with the name rule
/// of family messages applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetInShort {
    pub student_id: StudentId,
    pub display_name: String,
    /// Goals reached since the class began.
    pub reached: usize,
    /// The latest goals reached, newest first (at most [`SHEET_LATEST`]).
    pub latest: Vec<Text>,
    /// The goal worked on now: the next goal of the latest goal reached when that one is
    /// current, else the oldest current goal.
    pub current: Option<Text>,
    /// The current goal's next goal.
    pub next: Option<Text>,
}

struct Loaded {
    class: ClassInfo,
    tz: chrono_tz::Tz,
    students: HashMap<StudentId, Student>,
    consents: HashMap<StudentId, ConsentSet>,
    goals: HashMap<GoalId, Goal>,
    approved: Vec<Evidence>,
    /// The children's notes to their families that the teacher approved.
    notes: Vec<store::notes::Note>,
    /// Each subject's slug, made once per subject rather than once per post.
    subject_slugs: HashMap<String, String>,
    /// The class's names and what each output may show of each child.
    names: Names,
    /// Each subject as the blog shows it, marked once per subject.
    blog_subjects: HashMap<String, Text>,
}

impl Loaded {
    fn mark(&self, text: &str, out: Output) -> Text {
        self.names.mark(text, out)
    }

    fn sharing(&self, times: &[SharingTime], out: Output) -> Vec<Sharing> {
        times
            .iter()
            .map(|t| Sharing {
                id: t.id,
                sequence: t.sequence,
                cancelled: t.cancelled_at.is_some(),
                starts_at: t.starts_at,
                ends_at: t.ends_at,
                title: self.mark(&t.title, out),
                place: match out {
                    Output::Family => self.mark(&t.place, out),
                    Output::Blog => Text::default(),
                },
            })
            .collect()
    }
}

/// The class's time zone: days, weeks and dates are the class's.
pub(crate) fn class_tz(class: &ClassInfo) -> Result<chrono_tz::Tz> {
    class.timezone.parse().map_err(|_| {
        Error::invalid(format!(
            "the class time zone {:?} is not valid: fix it with `goalpost init`",
            class.timezone
        ))
    })
}

impl Goalpost {
    fn load_for_plan(&self) -> Result<Loaded> {
        let conn = self.store().conn();
        let class = self.class()?;
        let tz = class_tz(&class)?;
        let goals: HashMap<GoalId, Goal> = store::goals::list(conn, None)?
            .into_iter()
            .map(|g| (g.id, g))
            .collect();
        let students = store::students::list(conn)?;
        let consents = store::consent::all(conn)?;
        let names = Names::new(&students, &consents);
        let mut subject_slugs = HashMap::new();
        let mut blog_subjects = HashMap::new();
        for g in goals.values() {
            if !subject_slugs.contains_key(&g.subject) {
                subject_slugs.insert(g.subject.clone(), subject_slug(&g.subject));
                blog_subjects.insert(g.subject.clone(), names.mark(&g.subject, Output::Blog));
            }
        }
        Ok(Loaded {
            tz,
            class,
            students: students.into_iter().map(|s| (s.id, s)).collect(),
            consents,
            goals,
            approved: store::evidence::list(conn, Some(ReviewStatus::Approved))?,
            notes: store::notes::list(conn, Some(store::notes::NoteStatus::Approved))?,
            subject_slugs,
            names,
            blog_subjects,
        })
    }

    /// The plan of this class now (see [`Plan`]): one read of the database.
    pub fn plan(&self) -> Result<Plan> {
        let settings = self.config()?;
        let l = self.load_for_plan()?;
        let sharing = self.upcoming_sharing_times()?;
        let invitations = store::sharing::not_ended(self.store().conn(), self.now())?;
        let mut photos: Vec<String> = l
            .approved
            .iter()
            .filter_map(|e| e.photo_hash.clone())
            .collect();
        photos.sort_unstable();
        photos.dedup();
        Ok(Plan {
            sender: settings.sender(&l.class),
            blog: blog_plan(&l, l.sharing(&sharing, Output::Blog)),
            families: family_views(&l, self.contacts()?),
            sharing: l.sharing(&sharing, Output::Family),
            invitations: l.sharing(&invitations, Output::Family),
            tz: l.tz,
            class: l.class,
            settings,
            photos,
        })
    }

    /// What the blog may show, with consent applied (the plan's [`Plan::blog`]).
    pub fn blog_plan(&self) -> Result<BlogPlan> {
        Ok(self.plan()?.blog)
    }

    /// What each contact may hear about: only their own students' approved evidence (the
    /// plan's [`Plan::families`]).
    pub fn family_views(&self) -> Result<Vec<FamilyView>> {
        Ok(self.plan()?.families)
    }
}

fn blog_plan(l: &Loaded, sharing_times: Vec<Sharing>) -> BlogPlan {
    let mut posts: Vec<PublicPost> = l
        .approved
        .iter()
        .filter_map(|e| public_post(l, e))
        .collect();
    posts.sort_by(|a, b| {
        b.approved_at
            .cmp(&a.approved_at)
            .then(b.evidence_id.cmp(&a.evidence_id))
    });
    let mut students: Vec<PublicStudent> = Vec::new();
    for p in &posts {
        if p.student.slug.is_some() && !students.iter().any(|s| s.id == p.student.id) {
            students.push(p.student.clone());
        }
    }
    students.sort_by(|a, b| {
        a.display_name
            .as_deref()
            .unwrap_or("")
            .to_lowercase()
            .cmp(&b.display_name.as_deref().unwrap_or("").to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    let mut subjects: Vec<(String, PublicSubject)> = Vec::new();
    for p in &posts {
        if !subjects.iter().any(|(_, s)| s.slug == p.subject_slug) {
            // Sorted by the subject as the blog shows it (in English words; the order
            // only needs to be stable).
            let shown = p
                .subject
                .render(crate::mentions::CLASSMATE_EN)
                .to_lowercase();
            subjects.push((
                shown,
                PublicSubject {
                    name: p.subject.clone(),
                    slug: p.subject_slug.clone(),
                },
            ));
        }
    }
    subjects.sort_by(|(a, x), (b, y)| a.cmp(b).then(x.slug.cmp(&y.slug)));
    let subjects = subjects.into_iter().map(|(_, s)| s).collect();
    BlogPlan {
        school: l.class.school.clone(),
        class_name: l.class.class_name.clone(),
        teacher: l.class.teacher.clone(),
        teacher_email: l.class.teacher_email.clone(),
        language: l.class.language.clone(),
        timezone: l.class.timezone.clone(),
        posts,
        students,
        subjects,
        sharing_times,
    }
}

fn family_views(l: &Loaded, contacts: Vec<Contact>) -> Vec<FamilyView> {
    // Each evidence as families hear of it, made once however many contacts hear of it.
    let mut by_student: HashMap<StudentId, Vec<FamilyItem>> = HashMap::new();
    let wanted: std::collections::HashSet<StudentId> = contacts
        .iter()
        .flat_map(|c| c.students.iter().map(|s| s.student_id))
        .collect();
    for e in l.approved.iter().filter(|e| wanted.contains(&e.student_id)) {
        if let Some(item) = family_item(l, e) {
            by_student.entry(e.student_id).or_default().push(item);
        }
    }
    // Each student's goal sheet in short, made once however many contacts they have.
    let mut own_goals: HashMap<StudentId, Vec<&Goal>> = HashMap::new();
    for g in l.goals.values().filter(|g| wanted.contains(&g.student_id)) {
        own_goals.entry(g.student_id).or_default().push(g);
    }
    // Each approved note as families read it, made once.
    let mut notes: HashMap<StudentId, Vec<NoteItem>> = HashMap::new();
    for n in l.notes.iter().filter(|n| wanted.contains(&n.student_id)) {
        if let Some(s) = l.students.get(&n.student_id) {
            notes.entry(s.id).or_default().push(NoteItem {
                note_id: n.id,
                student_id: s.id,
                display_name: s.display_name.clone(),
                text: l.mark(&n.text, Output::Family),
                approved_at: n.reviewed_at.unwrap_or(n.submitted_at),
            });
        }
    }
    let sheets: HashMap<StudentId, SheetInShort> = wanted
        .iter()
        .filter_map(|id| l.students.get(id))
        .map(|s| {
            let own = own_goals.get(&s.id).map_or(&[][..], Vec::as_slice);
            (s.id, sheet_in_short(l, s, own))
        })
        .collect();
    contacts
        .into_iter()
        .map(|c| {
            let mut items: Vec<FamilyItem> = Vec::new();
            for s in &c.students {
                if let Some(own) = by_student.get(&s.student_id) {
                    items.extend(own.iter().cloned());
                }
            }
            items.sort_by(|a, b| {
                a.approved_at
                    .cmp(&b.approved_at)
                    .then(a.evidence_id.cmp(&b.evidence_id))
            });
            let sheets = c
                .students
                .iter()
                .filter_map(|s| sheets.get(&s.student_id).cloned())
                .collect();
            let mut own_notes: Vec<NoteItem> = c
                .students
                .iter()
                .filter_map(|s| notes.get(&s.student_id))
                .flatten()
                .cloned()
                .collect();
            own_notes.sort_by(|a, b| {
                a.approved_at
                    .cmp(&b.approved_at)
                    .then(a.note_id.cmp(&b.note_id))
            });
            FamilyView {
                contact: c,
                items,
                sheets,
                notes: own_notes,
            }
        })
        .collect()
}

/// The goal sheet in short of student `s` (see [`SheetInShort`]), from `own`, their goals.
fn sheet_in_short(l: &Loaded, s: &Student, own: &[&Goal]) -> SheetInShort {
    let mut reached: Vec<&Goal> = own
        .iter()
        .copied()
        .filter(|g| g.status == GoalStatus::Achieved)
        .collect();
    // Newest first; a goal marked achieved without a time counts as the oldest.
    reached.sort_by(|a, b| b.achieved_at.cmp(&a.achieved_at).then(b.id.cmp(&a.id)));
    let mut current: Vec<&Goal> = own
        .iter()
        .copied()
        .filter(|g| g.status == GoalStatus::Current)
        .collect();
    current.sort_by_key(|g| (g.created_at, g.id));
    let after_latest = reached
        .first()
        .and_then(|g| g.next_goal_id)
        .and_then(|n| current.iter().copied().find(|g| g.id == n));
    let now = after_latest.or_else(|| current.first().copied());
    SheetInShort {
        student_id: s.id,
        display_name: s.display_name.clone(),
        reached: reached.len(),
        latest: reached
            .iter()
            .take(SHEET_LATEST)
            .map(|g| l.mark(&g.title, Output::Family))
            .collect(),
        current: now.map(|g| l.mark(&g.title, Output::Family)),
        next: now.and_then(|g| next_goal(l, g, Output::Family)),
    }
}

fn allows(l: &Loaded, s: StudentId, p: Purpose) -> bool {
    l.consents.get(&s).is_some_and(|c| c.allows(p))
}

fn approved_at(e: &Evidence) -> DateTime<Utc> {
    e.reviewed_at.unwrap_or(e.submitted_at)
}

fn next_goal(l: &Loaded, g: &Goal, out: Output) -> Option<Text> {
    g.next_goal_id
        .and_then(|n| l.goals.get(&n))
        .map(|n| l.mark(&n.title, out))
}

fn public_post(l: &Loaded, e: &Evidence) -> Option<PublicPost> {
    let s = l.students.get(&e.student_id)?;
    if !allows(l, s.id, Purpose::Blog) {
        return None;
    }
    let g = l.goals.get(&e.goal_id)?;
    let named = allows(l, s.id, Purpose::NameOnBlog);
    let at = approved_at(e);
    let day = at.with_timezone(&l.tz).date_naive();
    Some(PublicPost {
        evidence_id: e.id,
        slug: format!("e{}", e.id),
        student: PublicStudent {
            id: s.id,
            display_name: named.then(|| s.display_name.clone()),
            slug: named.then(|| format!("s{}", s.id)),
        },
        goal_title: l.mark(&g.title, Output::Blog),
        subject: l
            .blog_subjects
            .get(&g.subject)
            .cloned()
            .unwrap_or_else(|| l.mark(&g.subject, Output::Blog)),
        subject_slug: l
            .subject_slugs
            .get(&g.subject)
            .cloned()
            .unwrap_or_else(|| subject_slug(&g.subject)),
        words: l.mark(&e.words, Output::Blog),
        approved_at: at,
        day,
        month: format!("{:04}-{:02}", day.year(), day.month()),
        photo_hash: e
            .photo_hash
            .clone()
            .filter(|_| allows(l, s.id, Purpose::PhotoOnBlog)),
        next_goal: next_goal(l, g, Output::Blog),
    })
}

fn family_item(l: &Loaded, e: &Evidence) -> Option<FamilyItem> {
    let s = l.students.get(&e.student_id)?;
    let g = l.goals.get(&e.goal_id)?;
    let at = approved_at(e);
    Some(FamilyItem {
        evidence_id: e.id,
        student_id: s.id,
        display_name: s.display_name.clone(),
        goal_title: l.mark(&g.title, Output::Family),
        subject: l.mark(&g.subject, Output::Family),
        words: l.mark(&e.words, Output::Family),
        family_message: l.mark(&e.family_message, Output::Family),
        approved_at: at,
        day: at.with_timezone(&l.tz).date_naive(),
        photo_hash: e
            .photo_hash
            .clone()
            .filter(|_| allows(l, s.id, Purpose::EmailFamily)),
        next_goal: next_goal(l, g, Output::Family),
        blog_slug: allows(l, s.id, Purpose::Blog).then(|| format!("e{}", e.id)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_slugs_are_stable_and_carry_no_words() {
        let a = subject_slug("Mia's reading group");
        assert_eq!(a, subject_slug("  Mia's reading group "));
        assert_ne!(a, subject_slug("Maths"));
        assert_eq!(a.len(), 11);
        assert!(a.starts_with('t'));
        assert!(a[1..].chars().all(|c| c.is_ascii_hexdigit()));
        assert!(!a.to_lowercase().contains("mia"));
    }
}

/// One goal on a student's printable goal sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetGoal {
    pub title: Text,
    pub subject: Text,
    /// The day it was achieved, in the class's time zone.
    pub achieved_on: Option<NaiveDate>,
    pub next_goal: Option<Text>,
}

/// What a student's goal sheet, sent home on paper, may show: their display name and their
/// own goals. Nothing about other students, no last name, no contacts.
#[derive(Debug, Clone, Serialize)]
pub struct GoalSheet {
    pub student_id: StudentId,
    pub display_name: String,
    pub current: Vec<SheetGoal>,
    /// Oldest first.
    pub achieved: Vec<SheetGoal>,
    /// The languages of this student's contacts, for the sheet's words.
    pub contact_languages: Vec<String>,
}

impl Goalpost {
    /// The goal sheet of one student, for their own family.
    pub fn goal_sheet(&self, student: StudentId) -> Result<GoalSheet> {
        let l = self.load_for_plan()?;
        let s = l
            .students
            .get(&student)
            .ok_or_else(|| Error::not_found(format!("there is no student with id {student}")))?;
        Ok(goal_sheet_of(&l, s, &self.contacts()?))
    }

    /// The goal sheet of every student, in the roster's order (one read of the database).
    pub fn goal_sheets(&self) -> Result<Vec<GoalSheet>> {
        let l = self.load_for_plan()?;
        let contacts = self.contacts()?;
        Ok(self
            .students()?
            .iter()
            .filter_map(|s| l.students.get(&s.id))
            .map(|s| goal_sheet_of(&l, s, &contacts))
            .collect())
    }
}

fn goal_sheet_of(l: &Loaded, s: &Student, contacts: &[Contact]) -> GoalSheet {
    let mut own: Vec<&Goal> = l.goals.values().filter(|g| g.student_id == s.id).collect();
    own.sort_by_key(|g| (g.achieved_at, g.id));
    let line = |g: &Goal| SheetGoal {
        title: l.mark(&g.title, Output::Family),
        subject: l.mark(&g.subject, Output::Family),
        achieved_on: g.achieved_at.map(|a| a.with_timezone(&l.tz).date_naive()),
        next_goal: next_goal(l, g, Output::Family),
    };
    let mut langs: Vec<String> = Vec::new();
    for c in contacts {
        if c.students.iter().any(|x| x.student_id == s.id) && !langs.contains(&c.language) {
            langs.push(c.language.clone());
        }
    }
    GoalSheet {
        student_id: s.id,
        display_name: s.display_name.clone(),
        current: own
            .iter()
            .filter(|g| g.status == GoalStatus::Current)
            .map(|g| line(g))
            .collect(),
        achieved: own
            .iter()
            .filter(|g| g.status == GoalStatus::Achieved)
            .map(|g| line(g))
            .collect(),
        contact_languages: langs,
    }
}

#[cfg(test)]
mod goal_sheet_tests {
    use crate::Goalpost;

    #[test]
    fn a_goal_sheet_holds_only_that_students_goals() {
        let dir = tempfile::tempdir().unwrap();
        let gp = Goalpost::create(dir.path()).unwrap();
        gp.create_demo(4).unwrap();
        let students = gp.students().unwrap();
        let sheet = gp.goal_sheet(students[0].id).unwrap();
        let own: Vec<String> = gp
            .goals(Some(students[0].id))
            .unwrap()
            .into_iter()
            .map(|g| g.title)
            .collect();
        assert!(!sheet.current.is_empty() || !sheet.achieved.is_empty());
        for g in sheet.current.iter().chain(&sheet.achieved) {
            let title = g.title.render("a classmate");
            assert!(own.contains(&title), "{title} is not this student's goal");
        }
        assert_eq!(sheet.display_name, students[0].display_name);
        let json = serde_json::to_string(&sheet).unwrap();
        assert!(
            !json.contains(&students[0].last_name),
            "no last name on a goal sheet"
        );
    }
}

/// One approved evidence in a student's year-end portfolio: exactly what their own family
/// hears of it (see [`FamilyItem`]: names in texts and the photo under the rules of
/// family messages).
#[derive(Debug, Clone, Serialize)]
pub struct PortfolioItem {
    pub item: FamilyItem,
    /// The evidence has a photo that the family may not have: no `email_family` consent.
    pub photo_withheld: bool,
}

/// What a student's year-end portfolio may show (see `crate::portfolio`): their goal sheet
/// and every approved evidence of theirs, as their own family's messages show them.
#[derive(Debug, Clone, Serialize)]
pub struct Portfolio {
    pub sheet: GoalSheet,
    /// Oldest first.
    pub items: Vec<PortfolioItem>,
}

impl Goalpost {
    /// The portfolio of one student, for their own family.
    pub fn portfolio(&self, student: StudentId) -> Result<Portfolio> {
        let sheet = self.goal_sheet(student)?;
        let l = self.load_for_plan()?;
        let mut own: Vec<&Evidence> = l
            .approved
            .iter()
            .filter(|e| e.student_id == student)
            .collect();
        own.sort_by_key(|e| (approved_at(e), e.id));
        let items = own
            .into_iter()
            .filter_map(|e| {
                family_item(&l, e).map(|item| PortfolioItem {
                    photo_withheld: e.photo_hash.is_some() && item.photo_hash.is_none(),
                    item,
                })
            })
            .collect();
        Ok(Portfolio { sheet, items })
    }

    /// The class's names, for a check that a text names no child (see
    /// [`crate::mentions::Names::names_anyone`]).
    pub(crate) fn class_names(&self) -> Result<Names> {
        let conn = self.store().conn();
        Ok(Names::new(
            &store::students::list(conn)?,
            &store::consent::all(conn)?,
        ))
    }
}
