//! What is due: the deliveries the outbox should hold for a plan, decided by [`due`], a
//! pure function of the plan, what the outbox already holds and the clock. A sync (and
//! `mail send`) writes its result into the outbox ([`Goalpost::queue`]) before anything is
//! sent; a dry run only shows it.
//!
//! At most `mail.max_per_week` messages a family a week (every kind counts): news beyond it
//! waits for one gathering on `mail.weekly_day`, which ends the week; a sharing time's
//! messages count but are never held back.
//!
//! One email per newly approved evidence for contacts on `email`; one digest per ISO week
//! (in the class's time zone, on or after `mail.weekly_day`) for contacts on `weekly`; one
//! slip per evidence for contacts on `paper`; one chat text per evidence for contacts on
//! `chat` (it waits in the outbox until the teacher marks it sent: `goalpost chat sent`). An evidence already covered by any delivery
//! to a contact is never due for them again, so queueing twice changes nothing. A contact
//! is only told about evidence approved at most [`BACK_CATALOGUE_DAYS`] days before they
//! were linked to the student: no back catalogue for a new contact.
//!
//! Each sharing time invites every contact with a child in the class, through their
//! channel (an email with `invite.ics`, a slip, a chat text), reminds them once the day
//! before, and sends an update when it changes or is cancelled (see [`sharing_due`]).
//!
//! A contact on `email` or `weekly` whose address the mail server refused gets their news
//! as paper slips until the address is fixed, the news of emails still waiting included;
//! news that went home on paper is never emailed after the fix.
//!
//! A child's own note to their family, once approved, is a delivery of its own
//! (`note:12`) to each of that child's contacts, at the next sync, on their channel: an
//! email (at once for contacts on `weekly` too: a note is usually about a day soon), a
//! slip, or a chat text; nothing for contacts on `none`. The same rules hold: never twice,
//! no back catalogue, on paper while an address is refused.

use chrono::{DateTime, Datelike, Utc};
use sha2::{Digest, Sha256};

use super::report::{QueueCounts, Unreachable, UnreachableCode, When};
use super::BACK_CATALOGUE_DAYS;
use crate::error::Result;
use crate::model::*;
use crate::plan::{FamilyItem, NoteItem, Plan};
use crate::store::notes::NoteId;
use crate::store::outbox::{self, Held, Kind};
use crate::Goalpost;

/// One delivery that is due: what the outbox gets a row for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub contact_id: ContactId,
    pub kind: Kind,
    /// What it is about, unique per contact and kind: `evidence:12`, `digest:2026-W47`.
    pub subject_key: String,
    pub channel: Channel,
    pub message_id: String,
    /// The evidence it tells about, oldest first: all of it the contact's own.
    pub evidence_ids: Vec<EvidenceId>,
    /// The child's note it carries (then no evidence): their own child's.
    pub note_ids: Vec<NoteId>,
}

/// Everything due at one moment.
#[derive(Debug, Clone, Default)]
pub struct Due {
    /// By contact (in the plan's order), each contact's oldest evidence first.
    pub deliveries: Vec<DueDelivery>,
    /// Contacts with news who cannot be reached by email: nothing is due for them until
    /// that is fixed (said in each note).
    pub unreachable: Vec<Unreachable>,
    /// News the weekly cap (`mail.max_per_week`) holds back for the weekly day.
    pub held_back: usize,
}

impl Due {
    pub fn counts(&self) -> QueueCounts {
        let mut c = QueueCounts {
            held_back: self.held_back,
            ..QueueCounts::default()
        };
        for d in &self.deliveries {
            c.add(d.kind);
        }
        c
    }
}

impl QueueCounts {
    fn add(&mut self, kind: Kind) {
        match kind {
            Kind::Evidence => self.emails += 1,
            Kind::Digest => self.digests += 1,
            Kind::Slip => self.slips += 1,
            Kind::Chat => self.chats += 1,
            Kind::Invitation | Kind::Reminder | Kind::Update => self.invitations += 1,
        }
    }
}

/// What is due for `plan` at `now`, given what the outbox already `held`. Reads nothing and
/// writes nothing: the same arguments always give the same deliveries.
pub fn due(plan: &Plan, held: &Held, now: DateTime<Utc>) -> Due {
    let weekly_due = now.with_timezone(&plan.tz).weekday().num_days_from_monday()
        >= plan.settings.mail_weekly_day.num_days_from_monday();
    let week = digest_key(now, plan.tz);
    // The weekly cap: a week ends on the weekly day, when what the cap held back goes.
    let cap = plan.settings.mail_max_per_week as usize;
    let cap_week = cap_week_start(now, plan.tz, plan.settings.mail_weekly_day);
    let weekly_day = now.with_timezone(&plan.tz).weekday() == plan.settings.mail_weekly_day;
    // A sharing time's messages are never held back, but they count.
    let mut sharing = Due::default();
    sharing_due(plan, held, now, &mut sharing);
    let mut due = Due::default();
    for v in &plan.families {
        let c = &v.contact;
        let refused = UnreachableCode::of(c) == Some(UnreachableCode::AddressRefused);
        // While the address is refused, news not yet on its way goes on paper: what no
        // delivery covers, and what only emails that cannot go cover.
        let done = if refused {
            held.settled.get(&c.id)
        } else {
            held.covered.get(&c.id)
        };
        let new: Vec<&FamilyItem> = v
            .items
            .iter()
            .filter(|i| !done.is_some_and(|d| d.contains(&i.evidence_id)))
            .filter(|i| within_link_window(c, i.student_id, i.approved_at))
            .collect();
        let notes_done = if refused {
            held.notes_settled.get(&c.id)
        } else {
            held.notes_covered.get(&c.id)
        };
        let new_notes: Vec<&NoteItem> = v
            .notes
            .iter()
            .filter(|n| !notes_done.is_some_and(|d| d.contains(&n.note_id)))
            .filter(|n| within_link_window(c, n.student_id, n.approved_at))
            .collect();
        if new.is_empty() && new_notes.is_empty() {
            continue;
        }
        if let Some(code) = UnreachableCode::of(c) {
            due.unreachable
                .push(Unreachable::note(c, code, When::NotReached));
            if !refused {
                continue;
            }
        }
        let delivery =
            |kind: Kind, subject_key: String, mid_key: &str, ids: Vec<EvidenceId>| DueDelivery {
                contact_id: c.id,
                kind,
                message_id: message_id(&plan.class, &plan.sender, mid_key, c.id),
                subject_key,
                channel: c.channel,
                evidence_ids: ids,
                note_ids: Vec::new(),
            };
        // The child's notes: one delivery each, on the contact's channel (on paper while
        // their address is refused). Like a sharing time's messages, a child's own
        // invitation is never held back by the weekly cap, but it counts.
        let note_kind = match c.channel {
            _ if refused => Some(Kind::Slip),
            Channel::Email | Channel::Weekly => Some(Kind::Evidence),
            Channel::Paper => Some(Kind::Slip),
            Channel::Chat => Some(Kind::Chat),
            Channel::None => None,
        };
        if let Some(kind) = note_kind {
            for n in &new_notes {
                let key = note_key(n.note_id);
                let mid_key = format!("{}:{key}", kind.as_str());
                let mut d = delivery(kind, key, &mid_key, vec![]);
                d.note_ids = vec![n.note_id];
                if refused {
                    d.channel = Channel::Paper;
                }
                due.deliveries.push(d);
            }
        }
        // At most `cap` messages a week: one each while the week allows, then the rest
        // wait for one gathering on the weekly day (digest, slip or chat text).
        let (new, held_back): (Vec<&FamilyItem>, Vec<&FamilyItem>) =
            if c.channel == Channel::Weekly && !refused {
                (new, Vec::new())
            } else {
                let used = held.messages_since(c.id, cap_week)
                    + sharing
                        .deliveries
                        .iter()
                        .chain(due.deliveries.iter().filter(|d| !d.note_ids.is_empty()))
                        .filter(|d| d.contact_id == c.id)
                        .count();
                let room = cap.saturating_sub(used).min(new.len());
                (new[..room].to_vec(), new[room..].to_vec())
            };
        if !held_back.is_empty() {
            if weekly_day && !held.has_digest(c.id, &week) {
                let (kind, channel) = match c.channel {
                    _ if refused => (Kind::Slip, Channel::Paper),
                    Channel::Chat => (Kind::Chat, Channel::Chat),
                    Channel::Paper => (Kind::Slip, Channel::Paper),
                    _ => (Kind::Digest, Channel::Email),
                };
                let mid_key = if kind == Kind::Digest {
                    week.clone()
                } else {
                    format!("{}:{week}", kind.as_str())
                };
                let ids = held_back.iter().map(|i| i.evidence_id).collect();
                let mut d = delivery(kind, week.clone(), &mid_key, ids);
                d.channel = channel;
                due.deliveries.push(d);
            } else {
                due.held_back += held_back.len();
            }
        }
        match c.channel {
            _ if refused => {
                for i in &new {
                    let mut d = delivery(
                        Kind::Slip,
                        evidence_key(i.evidence_id),
                        &format!("slip:{}", i.evidence_id),
                        vec![i.evidence_id],
                    );
                    d.channel = Channel::Paper;
                    due.deliveries.push(d);
                }
            }
            Channel::Email | Channel::Paper | Channel::Chat => {
                let kind = match c.channel {
                    Channel::Email => Kind::Evidence,
                    Channel::Chat => Kind::Chat,
                    _ => Kind::Slip,
                };
                for i in &new {
                    let mid_key = format!("{}:{}", kind.as_str(), i.evidence_id);
                    due.deliveries.push(delivery(
                        kind,
                        evidence_key(i.evidence_id),
                        &mid_key,
                        vec![i.evidence_id],
                    ));
                }
            }
            // This week's digest may already be out: then these wait for next week's.
            Channel::Weekly if weekly_due && !new.is_empty() && !held.has_digest(c.id, &week) => {
                let ids = new.iter().map(|i| i.evidence_id).collect();
                due.deliveries
                    .push(delivery(Kind::Digest, week.clone(), &week, ids));
            }
            Channel::Weekly | Channel::None => {}
        }
    }
    due.deliveries.extend(sharing.deliveries);
    due
}

/// The start of the week `now` is in for the weekly cap: the day after the last weekly
/// day (`mail.weekly_day`) before today, at midnight in the class's time zone. A week ends
/// on its weekly day, with the gathering of what the cap held back.
pub fn cap_week_start(
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    weekly_day: chrono::Weekday,
) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let first = weekly_day.succ().num_days_from_monday() as i64;
    let back = (today.weekday().num_days_from_monday() as i64 - first).rem_euclid(7);
    let start = today - chrono::Duration::days(back);
    start
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now - chrono::Duration::days(back + 1))
}

/// The sharing times' own messages due at `now` (part of [`due`]): for every contact with
/// a child in the class, through their channel (email with `invite.ics`, slip, chat text;
/// nothing on `none` or without an address; slips while the server refuses their address):
/// - an invitation to each sharing time not yet begun that they have not been told of;
/// - an update when the time changed or was cancelled after they were told of it (an
///   update carries the time's current SEQUENCE, so one update covers several changes);
/// - one reminder, from the start of the day before (class time zone) until it begins,
///   if they were invited before that day: never twice, whatever runs or restarts.
fn sharing_due(plan: &Plan, held: &Held, now: DateTime<Utc>, due: &mut Due) {
    if plan.invitations.is_empty() {
        return;
    }
    for v in &plan.families {
        let c = &v.contact;
        if c.students.is_empty() {
            continue;
        }
        let code = UnreachableCode::of(c);
        let refused = code == Some(UnreachableCode::AddressRefused);
        let channel = match (c.channel, code) {
            (Channel::None, _) => continue,
            (_, Some(UnreachableCode::AddressRefused)) => Channel::Paper,
            (_, Some(_)) => continue,
            (Channel::Email | Channel::Weekly, None) => Channel::Email,
            (other, None) => other,
        };
        // A slip replacing an email the server refused has a key of its own.
        let suffix = if refused { ":paper" } else { "" };
        let mut push = |kind: Kind, subject_key: String| {
            let mid_key = format!("{}:{subject_key}", kind.as_str());
            due.deliveries.push(DueDelivery {
                contact_id: c.id,
                kind,
                message_id: message_id(&plan.class, &plan.sender, &mid_key, c.id),
                subject_key,
                channel,
                evidence_ids: Vec::new(),
                note_ids: Vec::new(),
            });
        };
        for s in &plan.invitations {
            let h = held.sharing.get(&(c.id, s.id)).cloned().unwrap_or_default();
            let (told, reminded) = if refused {
                (h.told_ok, h.reminded_ok)
            } else {
                (h.told, h.reminded)
            };
            let kind = match told {
                Some(t) if t < s.sequence => Some(Kind::Update),
                Some(_) => None,
                None if !s.cancelled && now < s.starts_at => Some(Kind::Invitation),
                None => None,
            };
            if let Some(kind) = kind {
                push(kind, outbox::sharing_key(s.id, s.sequence) + suffix);
            }
            let from = reminder_from(s.starts_at, plan.tz);
            if !s.cancelled
                && !reminded
                && now >= from
                && now < s.starts_at
                && h.invited_at.is_some_and(|t| t < from)
            {
                push(Kind::Reminder, outbox::reminder_key(s.id) + suffix);
            }
        }
    }
}

/// When the reminder of a sharing time starting `at` is due: the start of the day before,
/// in the class's time zone (24 hours before when that midnight does not exist there).
pub fn reminder_from(at: DateTime<Utc>, tz: chrono_tz::Tz) -> DateTime<Utc> {
    at.with_timezone(&tz)
        .date_naive()
        .pred_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(at - chrono::Duration::hours(24))
}

impl Goalpost {
    /// Only the first step of [`Goalpost::mail_send`]: what is due now is written to the
    /// outbox; nothing is sent, no slip is written.
    pub fn mail_queue(&self) -> Result<(QueueCounts, Vec<Unreachable>)> {
        let plan = self.plan()?;
        let mut unreachable = Vec::new();
        let queued = self.queue(&plan, self.now(), &mut unreachable)?;
        Ok((queued, unreachable))
    }

    /// Writes what is [`due`] for `plan` at `now` into the outbox, in one transaction, and
    /// says how many deliveries it added; the contacts who cannot be reached are added to
    /// `unreachable`.
    pub(crate) fn queue(
        &self,
        plan: &Plan,
        now: DateTime<Utc>,
        unreachable: &mut Vec<Unreachable>,
    ) -> Result<QueueCounts> {
        let tx = self.store().write()?;
        let due = due(plan, &outbox::held(&tx)?, now);
        let mut counts = QueueCounts {
            held_back: due.held_back,
            ..QueueCounts::default()
        };
        for d in &due.deliveries {
            let row = outbox::NewDelivery {
                contact_id: d.contact_id,
                kind: d.kind,
                subject_key: &d.subject_key,
                channel: d.channel.as_str(),
                message_id: &d.message_id,
                evidence_ids: &d.evidence_ids,
                note_ids: &d.note_ids,
            };
            outbox::insert(&tx, &row, now)?;
            counts.add(d.kind);
        }
        // A refused address's news is on paper now: its emails never go.
        for u in &due.unreachable {
            if u.code == UnreachableCode::AddressRefused {
                outbox::settle_sent_on_paper(&tx, u.contact_id, SENT_ON_PAPER)?;
            }
        }
        tx.commit()?;
        unreachable.extend(due.unreachable);
        Ok(counts)
    }
}

/// Why an email stays unsent for good: its news went home on a slip instead.
pub const SENT_ON_PAPER: &str =
    "the mail server refused the address, so this news went home on a paper slip instead";

/// Whether news about `student` approved at `approved_at` is recent enough for `contact`
/// (see [`BACK_CATALOGUE_DAYS`]).
fn within_link_window(contact: &Contact, student: StudentId, approved_at: DateTime<Utc>) -> bool {
    contact
        .students
        .iter()
        .find(|l| l.student_id == student)
        .is_some_and(|l| {
            l.linked_at
                .is_none_or(|at| approved_at >= at - chrono::Duration::days(BACK_CATALOGUE_DAYS))
        })
}

/// A short tag that tells this class's Message-IDs from another class's at the same school.
pub(super) fn class_tag(class: &ClassInfo) -> String {
    let h = Sha256::digest(
        format!(
            "{}\n{}\n{}",
            class.school, class.class_name, class.teacher_email
        )
        .as_bytes(),
    );
    h.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

pub(super) fn domain_of(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
        .unwrap_or("goalpost.invalid")
}

/// The Message-ID of a delivery: from what it is about and the contact, so the same
/// delivery always has the same one (a retry after an unknown outcome can be recognised as
/// a duplicate by the receiving side).
pub fn message_id(class: &ClassInfo, from: &str, subject_key: &str, contact: ContactId) -> String {
    let key: String = subject_key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
        .collect();
    format!(
        "<goalpost.{key}.c{contact}.{}@{}>",
        class_tag(class),
        domain_of(from)
    )
}

fn evidence_key(e: EvidenceId) -> String {
    format!("evidence:{e}")
}

fn note_key(n: NoteId) -> String {
    format!("note:{n}")
}

/// The digest key of the ISO week `at` falls in, in the class's time zone.
pub fn digest_key(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let w = at.with_timezone(&tz).iso_week();
    format!("digest:{}-W{:02}", w.year(), w.week())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store;

    /// The outbox as (contact, kind, subject, Message-ID, evidence), oldest first.
    fn rows(gp: &Goalpost) -> Vec<(ContactId, Kind, String, String, Vec<EvidenceId>)> {
        let mut r: Vec<_> = outbox::list(gp.store().conn(), false)
            .unwrap()
            .into_iter()
            .map(|d| {
                (
                    d.contact_id,
                    d.kind,
                    d.subject_key,
                    d.message_id,
                    d.evidence_ids,
                )
            })
            .collect();
        r.reverse();
        r
    }

    /// Issue 14: what is due is a pure function of the plan, the outbox and the clock. Over
    /// four weeks of days (seeded: evidence approved, channels changed, a new contact), it
    /// reads and writes nothing, gives the same answer twice, is exactly what queueing
    /// then writes, holds only each contact's own children's evidence, and is nothing
    /// once queued.
    #[test]
    fn what_is_due_is_what_queueing_writes_day_after_day() {
        let dir = tempfile::tempdir().unwrap();
        let start = DateTime::parse_from_rfc3339("2026-11-02T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let gp = Goalpost::create(dir.path())
            .unwrap()
            .with_clock(crate::Clock::fixed(start));
        gp.create_demo(6).unwrap();
        let mut seed: u64 = 0x5eed_0014;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let channels = ["email", "weekly", "paper", "none"];
        let mut queued_any = [false; 3];
        for day in 0..28 {
            let gp = Goalpost::open(dir.path())
                .unwrap()
                .with_clock(crate::Clock::fixed(start + chrono::Duration::days(day)));
            let waiting = gp.evidence_list(Some(ReviewStatus::Waiting)).unwrap();
            if !waiting.is_empty() {
                let pick = waiting[next(waiting.len())].evidence.id;
                gp.approve(&[pick]).unwrap();
            } else {
                let students = gp.students().unwrap();
                let s = &students[next(students.len())];
                let g = gp
                    .add_goal(s.id, "I can count to 100", "Maths", None)
                    .unwrap();
                let e = gp.add_evidence(s.id, g.id, None, "I counted!", "").unwrap();
                gp.approve(&[e.id]).unwrap();
            }
            if day % 5 == 2 {
                let contacts = gp.contacts().unwrap();
                let c = &contacts[next(contacts.len())];
                let channel = channels[next(channels.len())];
                let input = crate::class::ContactInput {
                    channel: Some(channel.into()),
                    ..Default::default()
                };
                if c.email.is_some() || channel == "paper" || channel == "none" {
                    gp.edit_contact(c.id, &input).unwrap();
                }
            }
            if day == 9 {
                let s = &gp.students().unwrap()[0];
                let input = crate::class::ContactInput {
                    name: Some("Nana Rewi".into()),
                    email: Some("nana@example.org".into()),
                    ..Default::default()
                };
                gp.add_contact(&input, Some((s.id, "grandmother"))).unwrap();
            }
            // Issue 16: sharing times planned, changed and cancelled along the way.
            if day % 7 == 3 {
                let at = (gp.now() + chrono::Duration::days(4)).naive_utc();
                gp.add_sharing_time(at, None, "Come and see", "Room 7")
                    .unwrap();
            }
            if day % 7 == 5 {
                if let Some(t) = gp.upcoming_sharing_times().unwrap().last() {
                    if next(2) == 0 {
                        gp.cancel_sharing_time(t.id).unwrap();
                    } else {
                        let change = crate::class::SharingChange {
                            place: Some(format!("Room {day}")),
                            ..Default::default()
                        };
                        gp.edit_sharing_time(t.id, &change).unwrap();
                    }
                }
            }

            let plan = gp.plan().unwrap();
            let now = gp.now();
            let before = rows(&gp);
            let held = outbox::held(gp.store().conn()).unwrap();
            let d = due(&plan, &held, now);
            assert_eq!(rows(&gp), before, "day {day}: deciding wrote to the outbox");
            assert_eq!(due(&plan, &held, now).deliveries, d.deliveries, "day {day}");
            for x in &d.deliveries {
                let v = plan
                    .families
                    .iter()
                    .find(|v| v.contact.id == x.contact_id)
                    .unwrap();
                for e in &x.evidence_ids {
                    let item = v.items.iter().find(|i| i.evidence_id == *e).unwrap();
                    assert!(v
                        .contact
                        .students
                        .iter()
                        .any(|l| l.student_id == item.student_id));
                }
            }

            let mut unreachable = Vec::new();
            let counts = gp.queue(&plan, now, &mut unreachable).unwrap();
            let added: Vec<_> = rows(&gp)[before.len()..].to_vec();
            let want: Vec<_> = d
                .deliveries
                .iter()
                .map(|x| {
                    (
                        x.contact_id,
                        x.kind,
                        x.subject_key.clone(),
                        x.message_id.clone(),
                        x.evidence_ids.clone(),
                    )
                })
                .collect();
            assert_eq!(added, want, "day {day}: queueing wrote other rows");
            let c = d.counts();
            assert_eq!(
                (counts.emails, counts.digests, counts.slips),
                (c.emails, c.digests, c.slips),
                "day {day}"
            );
            assert_eq!(unreachable.len(), d.unreachable.len(), "day {day}");
            for (k, n) in [c.emails, c.digests, c.slips].into_iter().enumerate() {
                queued_any[k] |= n > 0;
            }
            let held = outbox::held(gp.store().conn()).unwrap();
            assert!(
                due(&plan, &held, now).deliveries.is_empty(),
                "day {day}: due twice"
            );
            // The weekly cap: this week, no family got more than `mail.max_per_week`
            // messages about single achievements.
            let week = cap_week_start(now, plan.tz, plan.settings.mail_weekly_day);
            let cap = plan.settings.mail_max_per_week as usize;
            let this_week: Vec<outbox::Delivery> = outbox::list(gp.store().conn(), false)
                .unwrap()
                .into_iter()
                .filter(|d| d.created_at >= week && d.subject_key.starts_with("evidence:"))
                .collect();
            for c in gp.contacts().unwrap() {
                let single = this_week.iter().filter(|d| d.contact_id == c.id).count();
                assert!(
                    single <= cap,
                    "day {day}: {} got {single} this week",
                    c.name
                );
            }
        }
        assert_eq!(
            queued_any, [true; 3],
            "emails, digests and slips were all due some day"
        );
    }

    #[test]
    fn queueing_notes_a_refused_address_with_its_code_and_the_families_screen_agrees() {
        let dir = tempfile::tempdir().unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let gp = Goalpost::create(dir.path())
            .unwrap()
            .with_clock(crate::Clock::fixed(at));
        gp.create_demo(6).unwrap();
        let emailed: Vec<Contact> = gp
            .contacts()
            .unwrap()
            .into_iter()
            .filter(|c| c.channel == Channel::Email)
            .collect();
        assert!(!emailed.is_empty(), "the demo has families on email");
        for c in &emailed {
            store::contacts::set_email_error(gp.store().conn(), c.id, Some("550 no such user"))
                .unwrap();
        }
        let (_, unreachable) = gp.mail_queue().unwrap();
        assert!(!unreachable.is_empty(), "families with news are noted");
        for u in &unreachable {
            assert_eq!(u.code, UnreachableCode::AddressRefused, "{u:?}");
            assert_eq!(u.detail.as_deref(), Some("550 no such user"));
            assert!(
                u.reason.starts_with("the mail server refused "),
                "{}",
                u.reason
            );
        }
        let families = gp.families_reached().unwrap().families;
        for f in &families {
            let want = emailed
                .iter()
                .any(|c| c.id == f.contact_id)
                .then_some(UnreachableCode::AddressRefused);
            assert_eq!(f.reach_problem, want, "{}", f.name);
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// The reminder's day is the class's: in Madrid, a time on the Tuesday after the
    /// clocks went forward is reminded from midnight summer time on Monday; one on the
    /// Monday, from midnight winter time on the Sunday of the change.
    #[test]
    fn a_reminder_is_due_from_the_start_of_the_day_before_in_the_class_time_zone() {
        let tz: chrono_tz::Tz = "Europe/Madrid".parse().unwrap();
        assert_eq!(
            reminder_from(utc("2027-03-30T14:00:00Z"), tz),
            utc("2027-03-28T22:00:00Z")
        );
        assert_eq!(
            reminder_from(utc("2027-03-29T08:00:00Z"), tz),
            utc("2027-03-27T23:00:00Z")
        );
    }

    /// Issue 16: an email invitation the server refused goes again on paper (a key of its
    /// own), once; the others are not due twice; a family on `none` gets nothing.
    #[test]
    fn an_invitation_to_a_refused_address_goes_again_on_paper_once() {
        let dir = tempfile::tempdir().unwrap();
        let now = utc("2026-11-20T09:00:00Z");
        let gp = Goalpost::create(dir.path())
            .unwrap()
            .with_clock(crate::Clock::fixed(now));
        gp.create_demo(6).unwrap();
        let sharing = gp.upcoming_sharing_times().unwrap()[0].id;
        gp.mail_queue().unwrap();
        let first: Vec<(ContactId, String, String)> = outbox::list(gp.store().conn(), false)
            .unwrap()
            .into_iter()
            .filter(|d| d.kind == Kind::Invitation)
            .map(|d| (d.contact_id, d.channel, d.subject_key))
            .collect();
        let contacts = gp.contacts().unwrap();
        for c in &contacts {
            let n = first.iter().filter(|(id, ..)| *id == c.id).count();
            assert_eq!(n, usize::from(c.channel != Channel::None), "{}", c.name);
        }
        let c = contacts
            .iter()
            .find(|c| c.channel == Channel::Email)
            .unwrap();
        let row = outbox::list(gp.store().conn(), false)
            .unwrap()
            .into_iter()
            .find(|d| d.kind == Kind::Invitation && d.contact_id == c.id)
            .unwrap();
        gp.store()
            .in_tx(|tx| {
                outbox::mark_failed(tx, row.id, FailureKind::Permanent, "550 no such user")?;
                store::contacts::set_email_error(tx, c.id, Some("550 no such user"))
            })
            .unwrap();
        let plan = gp.plan().unwrap();
        let held = outbox::held(gp.store().conn()).unwrap();
        let d = due(&plan, &held, now);
        let again: Vec<&DueDelivery> = d
            .deliveries
            .iter()
            .filter(|d| d.kind.is_sharing())
            .collect();
        assert_eq!(again.len(), 1, "{again:?}");
        assert_eq!(again[0].contact_id, c.id);
        assert_eq!(again[0].channel, Channel::Paper);
        assert_eq!(
            again[0].subject_key,
            format!("{}:paper", outbox::sharing_key(sharing, 0))
        );
        gp.mail_queue().unwrap();
        let held = outbox::held(gp.store().conn()).unwrap();
        assert!(
            !due(&plan, &held, now)
                .deliveries
                .iter()
                .any(|d| d.kind.is_sharing()),
            "once"
        );
    }

    /// The weekly cap's week ends on the weekly day: with Friday, Saturday to Friday, in
    /// the class's time zone.
    #[test]
    fn a_cap_week_starts_the_day_after_the_weekly_day() {
        let tz: chrono_tz::Tz = "Pacific/Auckland".parse().unwrap();
        let fri = chrono::Weekday::Fri;
        // Saturday 2 January 2027 00:00 in Auckland (UTC+13) is 11:00 UTC on the 1st.
        let start = utc("2027-01-01T11:00:00Z");
        for now in [
            "2027-01-01T11:00:00Z",
            "2027-01-03T21:00:00Z",
            "2027-01-08T10:59:00Z",
        ] {
            assert_eq!(cap_week_start(utc(now), tz, fri), start, "{now}");
        }
        // Friday 8 January 10:00 in Auckland is still that week; Saturday the next.
        assert_eq!(cap_week_start(utc("2027-01-07T21:00:00Z"), tz, fri), start);
        assert_eq!(
            cap_week_start(utc("2027-01-08T11:00:00Z"), tz, fri),
            utc("2027-01-08T11:00:00Z")
        );
        // With Monday, the week runs Tuesday to Monday: Monday 4 January is the end of
        // the week from Tuesday 29 December, Tuesday 5 January the start of the next.
        let mon = chrono::Weekday::Mon;
        assert_eq!(
            cap_week_start(utc("2027-01-03T21:00:00Z"), tz, mon),
            utc("2026-12-28T11:00:00Z")
        );
        assert_eq!(
            cap_week_start(utc("2027-01-04T21:00:00Z"), tz, mon),
            utc("2027-01-04T11:00:00Z")
        );
    }
}
