//! A sharing time's own messages: the invitation, the reminder the day before, and the
//! update when it changes or is cancelled (issue 16, part 1).
//!
//! Each goes to one contact through their channel: an email with an `invite.ics` calendar
//! file, a paper slip, or a chat text, in their language, made from the plan's
//! [`Sharing`] (whose title and place went through the plan's name rule) and the contact's
//! own children's display names only. The calendar file follows RFC 5545 through the
//! `icalendar` crate: one VEVENT whose UID is stable per sharing time
//! (`sharing-<id>.<class tag>@<sender's domain>`), SEQUENCE the time's sequence (one more
//! for each change and for the cancellation), DTSTART/DTEND in UTC (calendars show them in
//! the reader's own zone, across clock changes), METHOD:PUBLISH, STATUS:CANCELLED for a
//! cancellation, and LOCATION, because the message is private. The public blog and feed
//! never get a place.

use chrono::{DateTime, Timelike, Utc};
use fluent_bundle::FluentValue;
use icalendar::{Component, EventLike};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, MultiPartKind, SinglePart};
use serde::Serialize;

use super::compose::{boundary_seed, family_message, shown, when, Composed, FamilyHead, Renderer};
use super::queue::{class_tag, domain_of};
use crate::error::{Error, Result};
use crate::i18n::Localizer;
use crate::model::{ClassInfo, Contact};
use crate::plan::Sharing;
use crate::store::outbox::Kind;

/// What a sharing time's message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteKind {
    Invitation,
    Reminder,
    Update,
    Cancellation,
}

impl InviteKind {
    /// What a delivery of `kind` about `s` says (an update about a cancelled time is its
    /// cancellation). `None` for a delivery about evidence.
    pub fn of(kind: Kind, s: &Sharing) -> Option<InviteKind> {
        Some(match kind {
            _ if s.cancelled && kind.is_sharing() => InviteKind::Cancellation,
            Kind::Invitation => InviteKind::Invitation,
            Kind::Reminder => InviteKind::Reminder,
            Kind::Update => InviteKind::Update,
            _ => return None,
        })
    }

    fn key(self) -> &'static str {
        match self {
            InviteKind::Invitation => "invite",
            InviteKind::Reminder => "reminder",
            InviteKind::Update => "update",
            InviteKind::Cancellation => "cancel",
        }
    }
}

/// What a delivery of `kind` about `subject_key` to `contact` is to say, from the plan:
/// the sharing time as it is now and the kind of message. `None` when there is nothing to
/// say: the time has ended (or is gone), or the contact has no child in the class any more
/// (an erasure): then the delivery leaves the outbox unsent.
pub fn sharing_of<'p>(
    plan: &'p crate::plan::Plan,
    contact: &Contact,
    kind: Kind,
    subject_key: &str,
) -> Option<(&'p Sharing, InviteKind)> {
    if contact.students.is_empty() {
        return None;
    }
    let (id, _) = crate::store::outbox::parse_sharing_key(subject_key)?;
    let s = plan.invitations.iter().find(|s| s.id == id)?;
    Some((s, InviteKind::of(kind, s)?))
}

/// A sharing time's message in one reader's words: what the email, the slip and the chat
/// text are made of.
#[derive(Debug, Clone, Serialize)]
pub struct InviteView {
    pub lang: String,
    pub dir: &'static str,
    pub kind: InviteKind,
    pub subject: String,
    pub greeting: String,
    pub intro: String,
    pub title: String,
    pub when: String,
    /// "Where: ..." when the time has a place.
    pub place: Option<String>,
    /// The place alone, as the calendar file's LOCATION.
    pub location: Option<String>,
    /// Said only in the email: the attached calendar file.
    pub calendar: String,
    pub reply_hint: String,
    pub footer: String,
}

/// The words of `kind` about `s` for `contact` in `l`'s language.
pub fn invite_view(
    l: &Localizer,
    class: &ClassInfo,
    tz: chrono_tz::Tz,
    contact: &Contact,
    s: &Sharing,
    kind: InviteKind,
) -> InviteView {
    let title = shown(l, &s.title);
    let mut at = when(l, s.starts_at, tz);
    if let Some(end) = s.ends_at {
        let e = end.with_timezone(&tz);
        at = l.t(
            "sharing-until",
            &[
                ("when", FluentValue::from(at)),
                (
                    "time",
                    FluentValue::from(format!("{:02}:{:02}", e.hour(), e.minute())),
                ),
            ],
        );
    }
    let names: Vec<&str> = contact
        .students
        .iter()
        .map(|s| s.display_name.as_str())
        .collect();
    let location = Some(shown(l, &s.place).trim().to_string()).filter(|p| !p.is_empty());
    let k = kind.key();
    let subject: String = l
        .t(
            &format!("{k}-subject"),
            &[
                ("title", FluentValue::from(title.clone())),
                ("when", FluentValue::from(at.clone())),
            ],
        )
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    InviteView {
        lang: l.lang.clone(),
        dir: l.dir.as_str(),
        kind,
        subject,
        greeting: l.t(
            "greeting",
            &[("contact", FluentValue::from(contact.name.clone()))],
        ),
        intro: l.t(
            &format!("{k}-intro"),
            &[
                ("names", FluentValue::from(names.join(", "))),
                ("class", FluentValue::from(class.class_name.clone())),
            ],
        ),
        title,
        when: l.t("sharing-when", &[("when", FluentValue::from(at))]),
        place: location
            .clone()
            .map(|p| l.t("sharing-place", &[("place", FluentValue::from(p))])),
        location,
        calendar: l.s("invite-calendar"),
        reply_hint: l.t(
            "reply-hint",
            &[("teacher", FluentValue::from(class.teacher.clone()))],
        ),
        footer: l.t(
            "footer",
            &[
                ("class", FluentValue::from(class.class_name.clone())),
                ("school", FluentValue::from(class.school.clone())),
            ],
        ),
    }
}

/// The calendar UID of a sharing time: the same in every message about it, to every
/// family, and different from another class's.
pub fn sharing_uid(class: &ClassInfo, from: &str, sharing: i64) -> String {
    format!("sharing-{sharing}.{}@{}", class_tag(class), domain_of(from))
}

/// The `invite.ics` of a message about `s` (see the module docs). `stamp` is the message's
/// date, so the same message is the same bytes.
pub fn ics(
    class: &ClassInfo,
    from: &str,
    s: &Sharing,
    v: &InviteView,
    stamp: DateTime<Utc>,
) -> String {
    let mut event = icalendar::Event::new();
    event
        .uid(&sharing_uid(class, from, s.id))
        .sequence(s.sequence)
        .timestamp(stamp)
        .starts(s.starts_at)
        .summary(&v.title)
        .description(&v.intro)
        .status(if v.kind == InviteKind::Cancellation {
            icalendar::EventStatus::Cancelled
        } else {
            icalendar::EventStatus::Confirmed
        });
    if let Some(end) = s.ends_at {
        event.ends(end);
    }
    // A private message: the place is said (never on the blog or in its feed).
    if let Some(place) = &v.location {
        event.location(place);
    }
    let mut cal = icalendar::Calendar::empty();
    cal.append_property(icalendar::Property::new("VERSION", "2.0"))
        .append_property(icalendar::Property::new(
            "PRODID",
            "-//Goalpost//Sharing times//EN",
        ))
        .append_property(icalendar::Property::new("CALSCALE", "GREGORIAN"))
        .append_property(icalendar::Property::new("METHOD", "PUBLISH"))
        .push(event.done());
    cal.done().to_string()
}

/// Everything an email about a sharing time is made from.
pub struct InviteLetter<'a> {
    pub class: &'a ClassInfo,
    pub tz: chrono_tz::Tz,
    pub contact: &'a Contact,
    pub sharing: &'a Sharing,
    pub kind: InviteKind,
    pub message_id: &'a str,
    pub date: DateTime<Utc>,
    pub from: &'a str,
}

/// Builds the email about a sharing time: `mixed > (alternative(plain, html), invite.ics)`.
pub fn compose_invite(letter: &InviteLetter<'_>, l: &Localizer, r: &Renderer) -> Result<Composed> {
    let c = letter.contact;
    let to_addr = c.email.as_deref().ok_or_else(|| {
        Error::Mail(format!(
            "{} has no email address: add one or choose the paper channel",
            c.name
        ))
    })?;
    let v = invite_view(l, letter.class, letter.tz, c, letter.sharing, letter.kind);
    let text = r.render("invite.txt", &v)?;
    let html = r.render("invite.html", &v)?;
    let cal = ics(letter.class, letter.from, letter.sharing, &v, letter.date);
    let seed = boundary_seed(letter.message_id);
    let calendar_type = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
        .map_err(|e| Error::Mail(e.to_string()))?;
    let body = MultiPart::builder()
        .kind(MultiPartKind::Alternative)
        .boundary(format!("gp-alt-{seed}"))
        .singlepart(SinglePart::plain(text))
        .singlepart(SinglePart::html(html));
    let mixed = MultiPart::builder()
        .kind(MultiPartKind::Mixed)
        .boundary(format!("gp-mix-{seed}"))
        .multipart(body)
        .singlepart(Attachment::new("invite.ics".into()).body(cal.into_bytes(), calendar_type));
    let head = FamilyHead {
        class: letter.class,
        from: letter.from,
        contact: c,
        to: to_addr,
        message_id: letter.message_id,
        date: letter.date,
    };
    family_message(&head, l, v.subject, mixed)
}

/// The chat text about a sharing time, in `l`'s language.
pub fn invite_chat_text(v: &InviteView, r: &Renderer) -> Result<String> {
    Ok(r.render("invite_chat.txt", v)?.trim().to_string())
}
