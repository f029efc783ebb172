//! The contact log as the teacher reads it: who was reached, when and how, with the
//! families nobody reached lately first, and contacts made by hand (a phone call, a note in
//! the reading notebook, a visit) written into the same log.
//!
//! Each family's last [`STRIP_WEEKS`] weeks are a strip of marks (reached by email, on
//! paper, by chat, by hand, or not at all), and [`worst_first`] is the one order of the
//! left out: the Families screen and `goalpost reach` both sort by it.
//!
//! It reads and writes only the log: it sends nothing and decides nothing about consent.

use std::cmp::Ordering;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::mail::UnreachableCode;
use crate::model::*;
use crate::{store, Goalpost};

/// A family not reached for this many days is "not reached lately".
pub const LATELY_DAYS: i64 = 14;

/// The ways a teacher reaches a family by hand (the log's other methods are written by
/// sync: `email`, `digest`, `paper`). `chat`: a message the teacher wrote in a chat app.
pub const BY_HAND: [&str; 6] = ["phone", "notebook", "visit", "meeting", "chat", "other"];

/// The longest note kept with a contact made by hand.
pub const NOTE_MAX: usize = 500;

/// How many weeks a family's strip shows, this week included.
pub const STRIP_WEEKS: usize = 8;

/// How a family was reached in a week, as a strip draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReachKind {
    /// An email or a weekly digest.
    Email,
    /// A printed slip.
    Paper,
    /// A chat text marked sent, or a chat written by hand.
    Chat,
    /// A phone call, the notebook, a visit, a meeting, or another contact made by hand.
    ByHand,
}

impl ReachKind {
    /// The kind of a contact log method; `None` for a method this build does not know.
    pub fn of_method(method: &str) -> Option<ReachKind> {
        match method {
            "email" | "digest" => Some(ReachKind::Email),
            "paper" => Some(ReachKind::Paper),
            "chat" => Some(ReachKind::Chat),
            "phone" | "notebook" | "visit" | "meeting" | "other" => Some(ReachKind::ByHand),
            _ => None,
        }
    }
}

/// One week of a family's strip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekMarks {
    /// The Monday the week starts on, in the class's time zone.
    pub week_of: NaiveDate,
    /// How the family was reached that week, each kind once, in [`ReachKind`]'s order;
    /// empty when nobody reached them.
    pub kinds: Vec<ReachKind>,
}

/// The last [`STRIP_WEEKS`] weeks (Monday to Sunday in `tz`, oldest first, the week of
/// `now` last) with how `log` ((when, method) entries of one family, in any order)
/// reached them. Entries outside those weeks are left out.
pub fn strip<'a>(
    log: impl IntoIterator<Item = (DateTime<Utc>, &'a str)>,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Vec<WeekMarks> {
    let first = strip_start(now, tz);
    let mut weeks: Vec<WeekMarks> = (0..STRIP_WEEKS)
        .map(|i| WeekMarks {
            week_of: first + chrono::Duration::weeks(i as i64),
            kinds: Vec::new(),
        })
        .collect();
    for (at, method) in log {
        let day = at.with_timezone(&tz).date_naive();
        let Ok(i) = usize::try_from((day - first).num_days().div_euclid(7)) else {
            continue;
        };
        if let (Some(w), Some(kind)) = (weeks.get_mut(i), ReachKind::of_method(method)) {
            if !w.kinds.contains(&kind) {
                w.kinds.push(kind);
                w.kinds.sort_unstable();
            }
        }
    }
    weeks
}

/// The Monday of the first week of the strip that ends with the week of `now`.
fn strip_start(now: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    let today = now.with_timezone(&tz).date_naive();
    let monday = today - chrono::Duration::days(today.weekday().num_days_from_monday().into());
    monday - chrono::Duration::weeks(STRIP_WEEKS as i64 - 1)
}

/// How many weeks of a strip someone reached the family in.
pub fn weeks_reached(weeks: &[WeekMarks]) -> usize {
    weeks.iter().filter(|w| !w.kinds.is_empty()).count()
}

/// Where a family (or a student, through all their contacts) stands, for [`worst_first`].
#[derive(Debug, Clone, Copy)]
pub struct Standing<'a> {
    /// False for a student with no contact at all: nobody can reach them.
    pub has_contact: bool,
    pub reached_lately: bool,
    /// Weeks of the strip in which they were reached.
    pub weeks_reached: usize,
    pub last_at: Option<DateTime<Utc>>,
    pub name: &'a str,
    pub id: i64,
}

/// The one order of the left out, worst first, for the Families screen and `goalpost
/// reach` alike: nobody to reach first, then not reached lately, then the fewest weeks of
/// the strip reached, then never reached before reached long ago (the longest ago first),
/// then by name.
pub fn worst_first(a: &Standing<'_>, b: &Standing<'_>) -> Ordering {
    // `false < true` and `None < Some`.
    let key = |s: &Standing<'_>| {
        (
            s.has_contact,
            s.reached_lately,
            s.weeks_reached,
            s.last_at,
            s.name.to_lowercase(),
            s.id,
        )
    };
    key(a).cmp(&key(b))
}

/// Each contact's contact log entries, (when, method), oldest first.
type LogByContact = std::collections::HashMap<ContactId, Vec<(DateTime<Utc>, String)>>;

impl Goalpost {
    /// The class's time zone and each contact's contact log entries of the strip's weeks.
    fn strip_log(&self, now: DateTime<Utc>) -> Result<(chrono_tz::Tz, LogByContact)> {
        let tz = crate::plan::class_tz(&self.class()?)?;
        // A day early: the strip's first Monday starts at midnight in the class's zone.
        let from = strip_start(now, tz)
            .pred_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(now, |d| d.and_utc());
        let mut by_contact = LogByContact::default();
        for (c, at, method) in store::contact_log::since(self.store().conn(), from)? {
            by_contact.entry(c).or_default().push((at, method));
        }
        Ok((tz, by_contact))
    }
}

/// One contact with how they were reached.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyReach {
    pub contact_id: ContactId,
    pub name: String,
    pub channel: Channel,
    pub language: String,
    /// Display names of their students.
    pub students: Vec<String>,
    /// Why the mail server refused their address, if it did (the server's own words).
    pub email_error: Option<String>,
    /// Why sync cannot reach them by email, if it cannot: the same codes as the sync
    /// summary's `unreachable[].code`, for the window to say in the teacher's language.
    pub reach_problem: Option<UnreachableCode>,
    /// How many times they were reached (every entry of the log).
    pub times: usize,
    pub last_at: Option<DateTime<Utc>>,
    /// `email`, `digest`, `paper`, `phone`, ...
    pub last_method: Option<String>,
    /// Whole days since the last contact.
    pub days_since: Option<i64>,
    /// Reached within the last [`LATELY_DAYS`] days.
    pub reached_lately: bool,
    /// The last [`STRIP_WEEKS`] weeks, oldest first: how they were reached in each.
    pub weeks: Vec<WeekMarks>,
}

impl FamilyReach {
    /// Where this family stands in [`worst_first`].
    pub fn standing(&self) -> Standing<'_> {
        Standing {
            has_contact: true,
            reached_lately: self.reached_lately,
            weeks_reached: weeks_reached(&self.weeks),
            last_at: self.last_at,
            name: &self.name,
            id: self.contact_id,
        }
    }
}

/// The Families screen.
#[derive(Debug, Clone, Serialize)]
pub struct FamiliesView {
    pub lately_days: i64,
    /// Worst first ([`worst_first`]): the families not reached lately first, the fewest
    /// weeks reached first, never reached before the longest ago.
    pub families: Vec<FamilyReach>,
    /// How many weeks each family's strip shows.
    pub strip_weeks: usize,
    /// The ways a contact made by hand can be logged ([`BY_HAND`]), for the form.
    pub by_hand: &'static [&'static str],
}

impl Goalpost {
    /// Every contact of the class with how they were reached, from the contact log.
    pub fn families_reached(&self) -> Result<FamiliesView> {
        let now = self.now();
        let (tz, log) = self.strip_log(now)?;
        let reach: std::collections::HashMap<ContactId, store::contact_log::Reach> =
            store::contact_log::reach_by_contact(self.store().conn())?
                .into_iter()
                .map(|r| (r.contact_id, r))
                .collect();
        let mut families: Vec<FamilyReach> = self
            .contacts()?
            .into_iter()
            .map(|c| {
                let r = reach.get(&c.id);
                let days_since = r.map(|r| (now - r.last_at).num_days().max(0));
                let reach_problem = UnreachableCode::of(&c);
                FamilyReach {
                    contact_id: c.id,
                    name: c.name,
                    channel: c.channel,
                    language: c.language,
                    students: c.students.into_iter().map(|l| l.display_name).collect(),
                    email_error: c.email_error,
                    reach_problem,
                    times: r.map_or(0, |r| r.times),
                    last_at: r.map(|r| r.last_at),
                    last_method: r.map(|r| r.last_method.clone()),
                    days_since,
                    reached_lately: days_since.is_some_and(|d| d < LATELY_DAYS),
                    weeks: strip(
                        log.get(&c.id)
                            .into_iter()
                            .flatten()
                            .map(|(at, m)| (*at, m.as_str())),
                        now,
                        tz,
                    ),
                }
            })
            .collect();
        families.sort_by(|a, b| worst_first(&a.standing(), &b.standing()));
        Ok(FamiliesView {
            lately_days: LATELY_DAYS,
            strip_weeks: STRIP_WEEKS,
            families,
            by_hand: &BY_HAND,
        })
    }

    /// Writes a contact made by hand into the contact log, now.
    pub fn log_contact_by_hand(
        &self,
        contact: ContactId,
        method: &str,
        note: &str,
    ) -> Result<store::contact_log::Entry> {
        self.log_contact_at(contact, method, note, None)
    }

    /// Writes a contact made by hand into the contact log, made at `at` (not in the
    /// future), or now.
    pub fn log_contact_at(
        &self,
        contact: ContactId,
        method: &str,
        note: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<store::contact_log::Entry> {
        if !BY_HAND.contains(&method) {
            return Err(Error::invalid(format!(
                "{method:?} is not a way to reach a family by hand: use one of {}",
                BY_HAND.join(", ")
            )));
        }
        let note = crate::validate::text("the note", note.trim(), NOTE_MAX)?;
        let c = self.contact(contact)?;
        let now = match at {
            Some(at) if at > self.now() => {
                return Err(Error::invalid(format!(
                    "{at} is in the future: log a contact once it is made"
                )))
            }
            Some(at) => at,
            None => self.now(),
        };
        let id = self
            .store()
            .in_tx(|tx| store::contact_log::insert(tx, c.id, now, method, &note, None))?;
        Ok(store::contact_log::Entry {
            id,
            contact_id: c.id,
            at: now,
            method: method.to_string(),
            note,
            delivery_id: None,
        })
    }
}

/// Why a student's family may not hear, as a stable code (for `reach --json` and the
/// window's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReachProblem {
    /// The student has no contact at all.
    NoContact,
    /// Every contact is on the `none` channel: only the teacher, by hand, reaches them.
    OnlyNone,
    /// A contact on email has no address.
    NoEmail,
    /// The mail server refused a contact's address (their news goes on paper meanwhile).
    AddressRefused,
    /// Chat texts wait for a contact on `chat`: never marked sent (`goalpost chat list`).
    ChatNotSent,
}

/// One contact of a student, as the reach list shows them.
#[derive(Debug, Clone, Serialize)]
pub struct ContactReach {
    pub contact_id: ContactId,
    pub name: String,
    pub channel: Channel,
    pub last_at: Option<DateTime<Utc>>,
    /// `email`, `digest`, `paper`, `phone`, ...
    pub last_method: Option<String>,
    /// Why they cannot be reached by email, if they cannot.
    pub problem: Option<UnreachableCode>,
    /// Chat texts prepared for them and not yet marked sent.
    pub chats_waiting: usize,
}

/// A student none of whose contacts was reached lately.
#[derive(Debug, Clone, Serialize)]
pub struct StudentReach {
    pub student_id: StudentId,
    pub display_name: String,
    /// The newest contact with any of their contacts, if there was one.
    pub last_at: Option<DateTime<Utc>>,
    /// Whole days since then.
    pub days_since: Option<i64>,
    /// What stands in the way, worst first (empty: nothing but time).
    pub problems: Vec<ReachProblem>,
    pub contacts: Vec<ContactReach>,
    /// The last [`STRIP_WEEKS`] weeks, oldest first: how any of their contacts was reached.
    pub weeks: Vec<WeekMarks>,
}

impl StudentReach {
    /// Where this student's family stands in [`worst_first`] (listed: not reached lately).
    pub fn standing(&self) -> Standing<'_> {
        Standing {
            has_contact: !self.contacts.is_empty(),
            reached_lately: false,
            weeks_reached: weeks_reached(&self.weeks),
            last_at: self.last_at,
            name: &self.display_name,
            id: self.student_id,
        }
    }
}

/// `goalpost reach`: the students none of whose contacts was reached in `days` days.
#[derive(Debug, Clone, Serialize)]
pub struct ReachList {
    pub days: i64,
    /// How many students the class has.
    pub students: usize,
    /// Worst first, in the Families screen's order ([`worst_first`]): no contact, then the
    /// fewest weeks reached, then never reached, then the longest ago; then by name.
    pub not_reached: Vec<StudentReach>,
}

impl Goalpost {
    /// The students none of whose contacts was reached in the last `days` days (a slip
    /// printed counts, as a contact made by hand does), worst first (see [`ReachList`]).
    pub fn reach(&self, days: i64) -> Result<ReachList> {
        if days < 1 {
            return Err(Error::invalid(format!(
                "--days {days}: give a number of days of 1 or more"
            )));
        }
        let now = self.now();
        let (tz, strip_log) = self.strip_log(now)?;
        let log: std::collections::HashMap<ContactId, store::contact_log::Reach> =
            store::contact_log::reach_by_contact(self.store().conn())?
                .into_iter()
                .map(|r| (r.contact_id, r))
                .collect();
        let contacts = self.contacts()?;
        let students = self.students()?;
        let mut chats: std::collections::HashMap<ContactId, usize> = Default::default();
        for d in store::outbox::chats_unsent(self.store().conn())? {
            *chats.entry(d.contact_id).or_default() += 1;
        }
        let since = now - chrono::Duration::days(days);
        let mut not_reached: Vec<StudentReach> = Vec::new();
        for s in &students {
            let own: Vec<ContactReach> = contacts
                .iter()
                .filter(|c| c.students.iter().any(|l| l.student_id == s.id))
                .map(|c| {
                    let r = log.get(&c.id);
                    ContactReach {
                        contact_id: c.id,
                        name: c.name.clone(),
                        channel: c.channel,
                        last_at: r.map(|r| r.last_at),
                        last_method: r.map(|r| r.last_method.clone()),
                        problem: UnreachableCode::of(c),
                        chats_waiting: chats.get(&c.id).copied().unwrap_or(0),
                    }
                })
                .collect();
            let last_at = own.iter().filter_map(|c| c.last_at).max();
            if last_at.is_some_and(|at| at > since) {
                continue;
            }
            let mut problems = Vec::new();
            if own.is_empty() {
                problems.push(ReachProblem::NoContact);
            } else if own.iter().all(|c| c.channel == Channel::None) {
                problems.push(ReachProblem::OnlyNone);
            }
            for (code, p) in [
                (
                    UnreachableCode::AddressRefused,
                    ReachProblem::AddressRefused,
                ),
                (UnreachableCode::NoEmail, ReachProblem::NoEmail),
            ] {
                if own.iter().any(|c| c.problem == Some(code)) {
                    problems.push(p);
                }
            }
            if own.iter().any(|c| c.chats_waiting > 0) {
                problems.push(ReachProblem::ChatNotSent);
            }
            let weeks = strip(
                own.iter()
                    .filter_map(|c| strip_log.get(&c.contact_id))
                    .flatten()
                    .map(|(at, m)| (*at, m.as_str())),
                now,
                tz,
            );
            not_reached.push(StudentReach {
                student_id: s.id,
                display_name: s.display_name.clone(),
                last_at,
                days_since: last_at.map(|at| (now - at).num_days().max(0)),
                problems,
                contacts: own,
                weeks,
            });
        }
        not_reached.sort_by(|a, b| worst_first(&a.standing(), &b.standing()));
        Ok(ReachList {
            days,
            students: students.len(),
            not_reached,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Clock;

    fn demo(now: &str) -> (tempfile::TempDir, Goalpost) {
        let dir = tempfile::tempdir().unwrap();
        let at = DateTime::parse_from_rfc3339(now)
            .unwrap()
            .with_timezone(&Utc);
        let gp = Goalpost::create(dir.path())
            .unwrap()
            .with_clock(Clock::fixed(at));
        gp.create_demo(6).unwrap();
        (dir, gp)
    }

    #[test]
    fn families_not_reached_lately_come_first_never_reached_before_long_ago() {
        let (dir, gp) = demo("2026-11-01T09:00:00Z");
        let contacts = gp.contacts().unwrap();
        assert!(contacts.len() >= 3, "the demo class has several contacts");
        let (recent, old) = (contacts[0].id, contacts[1].id);
        gp.log_contact_by_hand(old, "phone", "about the trip")
            .unwrap();
        // 20 days later: the first call is old, a new one is recent.
        let later = DateTime::parse_from_rfc3339("2026-11-21T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let gp = Goalpost::open(dir.path())
            .unwrap()
            .with_clock(Clock::fixed(later));
        gp.log_contact_by_hand(recent, "notebook", "").unwrap();
        gp.log_contact_by_hand(recent, "visit", "sharing time")
            .unwrap();

        let v = gp.families_reached().unwrap();
        assert_eq!(v.families.len(), contacts.len());
        let pos = |id| v.families.iter().position(|f| f.contact_id == id).unwrap();
        let last = v.families.len() - 1;
        assert_eq!(pos(recent), last, "the family reached lately is last");
        assert_eq!(
            pos(old),
            last - 1,
            "reached 20 days ago: after the never reached"
        );
        let never = &v.families[0];
        assert_eq!(
            (never.times, never.last_at, never.reached_lately),
            (0, None, false)
        );

        let r = &v.families[last];
        assert_eq!(r.times, 2);
        assert_eq!(r.last_method.as_deref(), Some("visit"));
        assert_eq!((r.days_since, r.reached_lately), (Some(0), true));
        let o = &v.families[last - 1];
        assert_eq!((o.days_since, o.reached_lately), (Some(20), false));
        assert_eq!(o.last_method.as_deref(), Some("phone"));
    }

    /// The left out first: nobody to reach, then not reached lately, then the fewest weeks
    /// of the strip reached (a family reached once lately is worse off than one reached
    /// most weeks until a fortnight ago), then never reached, then the longest ago.
    #[test]
    fn worst_first_puts_fewer_weeks_reached_before_reached_longer_ago() {
        let t = |d: &str| Some(format!("{d}T09:00:00Z").parse::<DateTime<Utc>>().unwrap());
        let s = |name, has_contact, reached_lately, weeks_reached, last_at| Standing {
            has_contact,
            reached_lately,
            weeks_reached,
            last_at,
            name,
            id: 1,
        };
        let mut all = [
            s("often, long ago", true, false, 5, t("2026-10-01")),
            s("lately", true, true, 1, t("2026-11-19")),
            s("once", true, false, 1, t("2026-11-01")),
            s("nobody", false, false, 0, None),
            s("never", true, false, 0, None),
            s("once, longer ago", true, false, 1, t("2026-10-20")),
        ];
        all.sort_by(worst_first);
        let names: Vec<&str> = all.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "nobody",
                "never",
                "once, longer ago",
                "once",
                "often, long ago",
                "lately"
            ]
        );
    }

    #[test]
    fn a_contact_by_hand_needs_a_known_method_a_short_note_and_a_real_contact() {
        let (_dir, gp) = demo("2026-11-01T09:00:00Z");
        let c = gp.contacts().unwrap()[0].id;
        let e = gp.log_contact_by_hand(c, "email", "").unwrap_err();
        assert!(e.to_string().contains("use one of phone"), "{e}");
        let e = gp
            .log_contact_by_hand(c, "phone", &"x".repeat(NOTE_MAX + 1))
            .unwrap_err();
        assert!(e.to_string().contains("the most is 500"), "{e}");
        let e = gp
            .log_contact_by_hand(c, "phone", "rang\u{7}twice")
            .unwrap_err();
        assert!(e.to_string().contains("control character"), "{e}");
        let e = gp.log_contact_by_hand(999_999, "phone", "").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::NotFound);
        assert!(store::contact_log::list(gp.store().conn(), None)
            .unwrap()
            .is_empty());
    }
}
