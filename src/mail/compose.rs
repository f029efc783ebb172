//! Composing family messages: words from Fluent, layout from templates, MIME from lettre.
//!
//! A message is built from one [`FamilyView`](crate::plan::FamilyView)'s contact and items
//! only: the caller hands over that contact's own items and nothing else exists here to
//! leak. Shape (ARCHITECTURE.md practice 8):
//!
//! ```text
//! multipart/mixed
//! └─ multipart/alternative
//!    ├─ text/plain                         (always)
//!    └─ multipart/related                  (only with photos; else the bare text/html)
//!       ├─ text/html                       <img src="cid:photo-e12@goalpost">
//!       └─ image/jpeg  inline, Content-ID <photo-e12@goalpost>, name photo-e12.jpg
//! ```
//!
//! Content-IDs and file names are ASCII and made from evidence ids (lettre issue 626; and
//! no child's name ever names a file). Boundaries come from the Message-ID, so the same
//! message at the same `Date` is the same bytes. A message stays under [`MAX_BYTES`]: photos
//! that would push it over are left out, with a line saying so.

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

use chrono::{DateTime, Datelike, Timelike, Utc};
use fluent_bundle::FluentValue;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, MultiPartKind, SinglePart};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::i18n::Localizer;
use crate::model::{ClassInfo, Contact};
use crate::plan::{FamilyItem, NoteItem, SheetInShort, Text};

/// The most a message may weigh, all encodings included.
pub const MAX_BYTES: usize = 1_000_000;

/// Whether a message is about one evidence or a week of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterKind {
    Evidence,
    Digest,
}

/// Everything a message is made from.
pub struct Letter<'a> {
    pub class: &'a ClassInfo,
    pub tz: chrono_tz::Tz,
    pub contact: &'a Contact,
    /// This contact's own items, oldest first.
    pub items: &'a [&'a FamilyItem],
    pub kind: LetterKind,
    pub message_id: &'a str,
    pub date: DateTime<Utc>,
    /// The configured sender address (`smtp.from`, else the teacher's).
    pub from: &'a str,
    /// `blog.site_url`, when set.
    pub site_url: Option<&'a str>,
    pub sharing: Option<&'a crate::plan::Sharing>,
    /// The goal sheet in short of each student the items are about (the message ends
    /// with them).
    pub sheets: &'a [&'a SheetInShort],
}

/// A composed message.
#[derive(Debug, Clone)]
pub struct Composed {
    pub bytes: Vec<u8>,
    pub subject: String,
    pub to: String,
    /// The language actually used.
    pub lang: String,
    pub photos_left_out: usize,
}

/// An email-size photo copy, read by the caller.
pub struct Photo {
    pub bytes: Vec<u8>,
}

const HTML: &str = include_str!("templates/message.html");
const TEXT: &str = include_str!("templates/message.txt");
const SLIPS: &str = include_str!("templates/slips.html");
const SHEET: &str = include_str!("templates/goal_sheet.html");
const CHAT: &str = include_str!("templates/chat.txt");
const NOTE_HTML: &str = include_str!("templates/note.html");
const NOTE_TEXT: &str = include_str!("templates/note.txt");
const INVITE_HTML: &str = include_str!("templates/invite.html");
const INVITE_TEXT: &str = include_str!("templates/invite.txt");
const INVITE_CHAT: &str = include_str!("templates/invite_chat.txt");

/// The templates, loaded once per run. HTML templates escape everything they insert.
pub struct Renderer {
    env: minijinja::Environment<'static>,
}

impl Renderer {
    pub fn new() -> Result<Renderer> {
        let mut env = minijinja::Environment::new();
        for (name, src) in [
            ("message.html", HTML),
            ("message.txt", TEXT),
            ("slips.html", SLIPS),
            ("goal_sheet.html", SHEET),
            ("chat.txt", CHAT),
            ("note.html", NOTE_HTML),
            ("note.txt", NOTE_TEXT),
            ("invite.html", INVITE_HTML),
            ("invite.txt", INVITE_TEXT),
            ("invite_chat.txt", INVITE_CHAT),
        ] {
            env.add_template(name, src)
                .map_err(|e| Error::Mail(format!("the built-in template {name} is broken: {e}")))?;
        }
        Ok(Renderer { env })
    }

    pub fn render<S: Serialize>(&self, name: &str, ctx: &S) -> Result<String> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| Error::Mail(format!("template {name}: {e}")))?;
        t.render(minijinja::value::Serde(ctx))
            .map_err(|e| Error::Mail(format!("could not render {name}: {e}")))
    }
}

/// Localizers by wanted language, made once per run.
pub struct Languages<'a> {
    data_dir: &'a Path,
    class_lang: String,
    cache: HashMap<String, Localizer>,
}

impl<'a> Languages<'a> {
    pub fn new(data_dir: &'a Path, class_lang: &str) -> Self {
        Languages {
            data_dir,
            class_lang: class_lang.to_string(),
            cache: HashMap::new(),
        }
    }

    pub fn get(&mut self, wanted: &str) -> Result<&Localizer> {
        if !self.cache.contains_key(wanted) {
            let l = Localizer::new(Some(self.data_dir), "mail", wanted, &self.class_lang)?;
            self.cache.insert(wanted.to_string(), l);
        }
        self.cache
            .get(wanted)
            .ok_or_else(|| Error::Mail("language cache".into()))
    }
}

/// A date in the reader's words: "Thursday 26 November".
pub fn long_date(l: &Localizer, d: chrono::NaiveDate) -> String {
    l.t(
        "date-long",
        &[
            (
                "weekday",
                FluentValue::from(l.s(&format!("weekday-{}", d.weekday().number_from_monday()))),
            ),
            ("day", FluentValue::from(d.day().to_string())),
            (
                "month",
                FluentValue::from(l.s(&format!("month-{}", d.month()))),
            ),
        ],
    )
}

pub(super) fn when(l: &Localizer, at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let local = at.with_timezone(&tz);
    l.t(
        "date-time",
        &[
            ("date", FluentValue::from(long_date(l, local.date_naive()))),
            (
                "time",
                FluentValue::from(format!("{:02}:{:02}", local.hour(), local.minute())),
            ),
        ],
    )
}

/// The blog page of a post: `<site_url><slug>/` (the blog writes `<slug>/index.html`).
pub fn blog_post_url(site_url: &str, slug: &str) -> String {
    format!("{site_url}{}", crate::blog::post_path(slug))
}

/// The Content-ID of an evidence's photo (ASCII, from the id only).
pub fn photo_cid(evidence_id: i64) -> String {
    format!("photo-e{evidence_id}@goalpost")
}

#[derive(Serialize)]
struct ItemView {
    name: String,
    goal: String,
    area: String,
    goal_achieved: String,
    words_label: String,
    words: String,
    photo_cid: Option<String>,
    photo_alt: String,
    photo_left_out: Option<String>,
    message_label: String,
    message: String,
    next_label: String,
    next_goal: Option<String>,
    ask_label: String,
    question: String,
    blog_url: Option<String>,
    blog_label: String,
}

#[derive(Serialize)]
struct MessageView {
    lang: String,
    dir: &'static str,
    subject: String,
    greeting: String,
    intro: String,
    items: Vec<ItemView>,
    sharing: Option<String>,
    sharing_place: Option<String>,
    sheets: Vec<SheetShortView>,
    reply_hint: String,
    footer: String,
}

/// A goal sheet in short as a message or slip shows it, in the reader's words.
#[derive(Serialize)]
pub struct SheetShortView {
    title: String,
    reached: String,
    latest_label: String,
    latest: Vec<String>,
    current_label: String,
    current: String,
    next_label: String,
    next: Option<String>,
}

/// The end of an achievement message or slip: `s` in `l`'s words.
pub fn sheet_short_view(l: &Localizer, s: &SheetInShort) -> SheetShortView {
    let name = || ("name", FluentValue::from(s.display_name.clone()));
    SheetShortView {
        title: l.t("sheet-short-title", &[name()]),
        reached: l.t(
            "sheet-short-reached",
            &[name(), ("count", FluentValue::from(s.reached))],
        ),
        latest_label: l.s("sheet-short-latest"),
        latest: s.latest.iter().map(|t| shown(l, t)).collect(),
        current_label: l.s("goal-sheet-current"),
        current: s
            .current
            .as_ref()
            .map_or_else(|| l.s("goal-sheet-none"), |t| shown(l, t)),
        next_label: l.s("goal-sheet-next"),
        next: s.next.as_ref().map(|t| shown(l, t)),
    }
}

/// "Room 7 at Kōwhai Primary", in `l`'s words: the end of every message, slip and sheet.
pub fn footer(l: &Localizer, class: &ClassInfo) -> String {
    l.t(
        "footer",
        &[
            ("class", FluentValue::from(class.class_name.clone())),
            ("school", FluentValue::from(class.school.clone())),
        ],
    )
}

/// "Reply to this email to reach Ms Te Rangi.", in `l`'s words.
fn reply_hint(l: &Localizer, class: &ClassInfo) -> String {
    l.t(
        "reply-hint",
        &[("teacher", FluentValue::from(class.teacher.clone()))],
    )
}

/// A text from the plan as the family reads it: "a classmate" in their language for a child
/// it may not name (see `crate::mentions`).
pub fn shown(l: &Localizer, t: &Text) -> String {
    t.render(&l.s("a-classmate"))
}

fn names_of(items: &[&FamilyItem]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for i in items {
        if !names.contains(&i.display_name.as_str()) {
            names.push(&i.display_name);
        }
    }
    names.join(", ")
}

fn student_count(items: &[&FamilyItem]) -> usize {
    let mut ids: Vec<i64> = items.iter().map(|i| i.student_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

/// The question for the family, varied by evidence so a family does not get the same one
/// every time.
pub fn question(l: &Localizer, item: &FamilyItem) -> String {
    let n = if item.next_goal.is_some() { 3 } else { 2 };
    l.s(&format!("question-{}", item.evidence_id.rem_euclid(n) + 1))
}

fn item_view(
    l: &Localizer,
    i: &FamilyItem,
    photo: bool,
    left_out: bool,
    site_url: Option<&str>,
) -> ItemView {
    let name = || ("name", FluentValue::from(i.display_name.clone()));
    ItemView {
        name: i.display_name.clone(),
        goal: shown(l, &i.goal_title),
        area: shown(l, &i.subject),
        goal_achieved: l.s("goal-achieved"),
        words_label: l.t("in-own-words", &[name()]),
        words: shown(l, &i.words).trim().to_string(),
        photo_cid: photo.then(|| photo_cid(i.evidence_id)),
        photo_alt: l.t("photo-alt", &[name()]),
        photo_left_out: left_out.then(|| l.s("photo-left-out")),
        message_label: l.t("message-from", &[name()]),
        message: shown(l, &i.family_message).trim().to_string(),
        next_label: l.s("next-goal"),
        next_goal: i.next_goal.as_ref().map(|t| shown(l, t)),
        ask_label: l.t("ask-tonight", &[name()]),
        question: question(l, i),
        blog_url: match (site_url, &i.blog_slug) {
            (Some(u), Some(s)) => Some(blog_post_url(u, s)),
            _ => None,
        },
        blog_label: l.s("blog-link"),
    }
}

/// The short text a family on the `chat` channel gets about one item, in `l`'s language:
/// the news, the child's words and message, the next step, the question to ask at home
/// and the blog post's link (when `site_url` is set and the post is on the blog). Made
/// from the plan's [`FamilyItem`] like an email, so the same rules apply to its words.
pub fn chat_text(
    l: &Localizer,
    r: &Renderer,
    i: &FamilyItem,
    site_url: Option<&str>,
) -> Result<String> {
    #[derive(Serialize)]
    struct ChatView {
        news: String,
        i: ItemView,
    }
    let news = l.t(
        "subject-evidence",
        &[
            ("name", FluentValue::from(i.display_name.clone())),
            ("goal", FluentValue::from(shown(l, &i.goal_title))),
        ],
    );
    let view = ChatView {
        news,
        i: item_view(l, i, false, false, site_url),
    };
    Ok(r.render("chat.txt", &view)?.trim().to_string())
}

/// Hex digits derived from the Message-ID, for MIME boundaries.
pub(super) fn boundary_seed(message_id: &str) -> String {
    let h = Sha256::digest(message_id.as_bytes());
    h.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

fn mailbox(name: &str, address: &str, what: &str) -> Result<Mailbox> {
    let addr: lettre::Address = address.trim().parse().map_err(|e| {
        Error::Mail(format!(
            "{what} {address:?} is not a valid email address ({e})"
        ))
    })?;
    // Display names are checked when entered; strip control characters again here because
    // lettre panics on a line break in a display name.
    let clean: String = name.chars().filter(|c| !c.is_control()).collect();
    Ok(Mailbox::new(
        (!clean.trim().is_empty()).then(|| clean.trim().to_string()),
        addr,
    ))
}

/// Builds one message. `photos` holds the email-size copy of each item's photo that the
/// caller could read, by photo hash.
pub fn compose(
    letter: &Letter<'_>,
    l: &Localizer,
    r: &Renderer,
    photos: &HashMap<String, Photo>,
) -> Result<Composed> {
    let to_addr = letter.contact.email.as_deref().ok_or_else(|| {
        Error::Mail(format!(
            "{} has no email address: add one or choose the paper channel",
            letter.contact.name
        ))
    })?;
    // Photos in order; drop from the end until the message fits.
    let wanted: Vec<(i64, &str)> = letter
        .items
        .iter()
        .filter_map(|i| i.photo_hash.as_deref().map(|h| (i.evidence_id, h)))
        .filter(|(_, h)| photos.contains_key(*h))
        .collect();
    let mut keep = wanted.len();
    loop {
        let kept: Vec<(i64, &str)> = wanted[..keep].to_vec();
        let left_out: Vec<i64> = wanted[keep..].iter().map(|(e, _)| *e).collect();
        let c = build(letter, l, r, photos, &kept, &left_out, to_addr)?;
        if c.bytes.len() <= MAX_BYTES || keep == 0 {
            if c.bytes.len() > MAX_BYTES {
                return Err(Error::Mail(format!(
                    "the message to {} is {} KB even without photos: shorten the student's words",
                    letter.contact.name,
                    c.bytes.len() / 1024
                )));
            }
            return Ok(c);
        }
        keep -= 1;
    }
}

fn build(
    letter: &Letter<'_>,
    l: &Localizer,
    r: &Renderer,
    photos: &HashMap<String, Photo>,
    kept: &[(i64, &str)],
    left_out: &[i64],
    to_addr: &str,
) -> Result<Composed> {
    let class = letter.class;
    let items = letter.items;
    let first = items
        .first()
        .ok_or_else(|| Error::Mail("a message about nothing".into()))?;
    let subject = match letter.kind {
        LetterKind::Evidence => l.t(
            "subject-evidence",
            &[
                ("name", FluentValue::from(first.display_name.clone())),
                ("goal", FluentValue::from(shown(l, &first.goal_title))),
            ],
        ),
        LetterKind::Digest => l.t(
            "subject-digest",
            &[
                ("class", FluentValue::from(class.class_name.clone())),
                ("names", FluentValue::from(names_of(items))),
            ],
        ),
    };
    // Subjects are one line, whatever a goal title holds.
    let subject: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let intro = match letter.kind {
        LetterKind::Evidence => l.t(
            "intro-evidence",
            &[("name", FluentValue::from(first.display_name.clone()))],
        ),
        LetterKind::Digest => l.t(
            "intro-digest",
            &[
                ("names", FluentValue::from(names_of(items))),
                ("count", FluentValue::from(student_count(items))),
            ],
        ),
    };
    let view = MessageView {
        lang: l.lang.clone(),
        dir: l.dir.as_str(),
        subject: subject.clone(),
        greeting: l.t(
            "greeting",
            &[("contact", FluentValue::from(letter.contact.name.clone()))],
        ),
        intro,
        items: items
            .iter()
            .map(|i| {
                item_view(
                    l,
                    i,
                    kept.iter().any(|(e, _)| *e == i.evidence_id),
                    left_out.contains(&i.evidence_id),
                    letter.site_url,
                )
            })
            .collect(),
        sharing: letter.sharing.map(|s| {
            l.t(
                "sharing-invite",
                &[
                    ("title", FluentValue::from(shown(l, &s.title))),
                    ("when", FluentValue::from(when(l, s.starts_at, letter.tz))),
                ],
            )
        }),
        sharing_place: letter
            .sharing
            .map(|s| shown(l, &s.place))
            .filter(|place| !place.trim().is_empty())
            .map(|place| l.t("sharing-place", &[("place", FluentValue::from(place))])),
        sheets: letter
            .sheets
            .iter()
            .map(|s| sheet_short_view(l, s))
            .collect(),
        reply_hint: reply_hint(l, class),
        footer: footer(l, class),
    };
    let html = r.render("message.html", &view)?;
    let text = r.render("message.txt", &view)?;

    let seed = boundary_seed(letter.message_id);
    let html_part = SinglePart::html(html);
    let body = if kept.is_empty() {
        MultiPart::builder()
            .kind(MultiPartKind::Alternative)
            .boundary(format!("gp-alt-{seed}"))
            .singlepart(SinglePart::plain(text))
            .singlepart(html_part)
    } else {
        let mut related = MultiPart::builder()
            .kind(MultiPartKind::Related)
            .boundary(format!("gp-rel-{seed}"))
            .singlepart(html_part);
        for (eid, hash) in kept {
            if let Some(p) = photos.get(*hash) {
                related = related.singlepart(
                    Attachment::new_inline_with_name(photo_cid(*eid), format!("photo-e{eid}.jpg"))
                        .body(
                            p.bytes.clone(),
                            ContentType::parse("image/jpeg")
                                .map_err(|e| Error::Mail(e.to_string()))?,
                        ),
                );
            }
        }
        MultiPart::builder()
            .kind(MultiPartKind::Alternative)
            .boundary(format!("gp-alt-{seed}"))
            .singlepart(SinglePart::plain(text))
            .multipart(related)
    };
    let mixed = MultiPart::builder()
        .kind(MultiPartKind::Mixed)
        .boundary(format!("gp-mix-{seed}"))
        .multipart(body);

    let head = FamilyHead {
        class,
        from: letter.from,
        contact: letter.contact,
        to: to_addr,
        message_id: letter.message_id,
        date: letter.date,
    };
    let mut c = family_message(&head, l, subject, mixed)?;
    c.photos_left_out = left_out.len();
    Ok(c)
}

/// Who a family message is from and to, and its identity.
pub(super) struct FamilyHead<'a> {
    pub class: &'a ClassInfo,
    pub from: &'a str,
    pub contact: &'a Contact,
    pub to: &'a str,
    pub message_id: &'a str,
    pub date: DateTime<Utc>,
}

/// A family message with every header it must have (one recipient, the class as sender,
/// replies to the teacher, a fixed Message-ID and Date, its language, auto-generated) and
/// `body`, formatted.
pub(super) fn family_message(
    head: &FamilyHead<'_>,
    l: &Localizer,
    subject: String,
    body: MultiPart,
) -> Result<Composed> {
    let msg = class_builder(head.class, head.from)?
        .to(mailbox(&head.contact.name, head.to, "the address of")?)
        .subject(subject.clone())
        .message_id(Some(head.message_id.to_string()))
        .date(SystemTime::from(head.date))
        .raw_header(content_language(&l.lang)?)
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ))
        .multipart(body)
        .map_err(|e| Error::Mail(format!("could not build the message: {e}")))?;
    Ok(Composed {
        bytes: msg.formatted(),
        subject,
        to: head.to.to_string(),
        lang: l.lang.clone(),
        photos_left_out: 0,
    })
}

fn content_language(lang: &str) -> Result<HeaderValue> {
    let tag: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Ok(HeaderValue::new(
        HeaderName::new_from_ascii_str("Content-Language"),
        if tag.is_empty() { "en".into() } else { tag },
    ))
}

/// Everything an email carrying a child's own note is made from.
pub struct NoteLetter<'a> {
    pub class: &'a ClassInfo,
    pub contact: &'a Contact,
    /// The note, one of this contact's own children's.
    pub note: &'a NoteItem,
    pub message_id: &'a str,
    pub date: DateTime<Utc>,
    /// The configured sender address (`smtp.from`, else the teacher's).
    pub from: &'a str,
}

#[derive(Serialize)]
struct NoteView {
    lang: String,
    dir: &'static str,
    subject: String,
    greeting: String,
    intro: String,
    note: String,
    reply_hint: String,
    footer: String,
}

/// "A note from Ana", in `l`'s words: the subject of a note's email, the title of its slip.
pub fn note_title(l: &Localizer, n: &NoteItem) -> String {
    l.t(
        "note-subject",
        &[("name", FluentValue::from(n.display_name.clone()))],
    )
}

/// "Ana wrote you a note at school:", in `l`'s words.
pub fn note_intro(l: &Localizer, n: &NoteItem) -> String {
    l.t(
        "note-intro",
        &[("name", FluentValue::from(n.display_name.clone()))],
    )
}

/// The chat text of a child's note: the intro and the child's words as written.
pub fn note_chat_text(l: &Localizer, n: &NoteItem) -> String {
    format!("{}\n\n“{}”", note_intro(l, n), shown(l, &n.text).trim())
}

/// Builds the email of a child's own note to their family: the child's words as written
/// (with the name rule of family messages applied in the plan), in the family's language
/// frame. Same shape as every message: `mixed > alternative(plain, html)`.
pub fn compose_note(letter: &NoteLetter<'_>, l: &Localizer, r: &Renderer) -> Result<Composed> {
    let to_addr = letter.contact.email.as_deref().ok_or_else(|| {
        Error::Mail(format!(
            "{} has no email address: add one or choose the paper channel",
            letter.contact.name
        ))
    })?;
    let class = letter.class;
    let subject: String = note_title(l, letter.note)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let view = NoteView {
        lang: l.lang.clone(),
        dir: l.dir.as_str(),
        subject: subject.clone(),
        greeting: l.t(
            "greeting",
            &[("contact", FluentValue::from(letter.contact.name.clone()))],
        ),
        intro: note_intro(l, letter.note),
        note: shown(l, &letter.note.text).trim().to_string(),
        reply_hint: reply_hint(l, class),
        footer: footer(l, class),
    };
    let html = r.render("note.html", &view)?;
    let text = r.render("note.txt", &view)?;
    let seed = boundary_seed(letter.message_id);
    let body = MultiPart::builder()
        .kind(MultiPartKind::Alternative)
        .boundary(format!("gp-alt-{seed}"))
        .singlepart(SinglePart::plain(text))
        .singlepart(SinglePart::html(html));
    let mixed = MultiPart::builder()
        .kind(MultiPartKind::Mixed)
        .boundary(format!("gp-mix-{seed}"))
        .multipart(body);
    let head = FamilyHead {
        class,
        from: letter.from,
        contact: letter.contact,
        to: to_addr,
        message_id: letter.message_id,
        date: letter.date,
    };
    let c = family_message(&head, l, subject, mixed)?;
    if c.bytes.len() > MAX_BYTES {
        return Err(Error::Mail(format!(
            "the note to {} is {} KB: shorten it",
            letter.contact.name,
            c.bytes.len() / 1024
        )));
    }
    Ok(c)
}

/// A short message that proves the settings work (`goalpost mail test`).
pub fn compose_test(
    class: &ClassInfo,
    l: &Localizer,
    from: &str,
    to: &str,
    message_id: &str,
    date: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let subject = l.t(
        "subject-test",
        &[("class", FluentValue::from(class.class_name.clone()))],
    );
    let body = l.t(
        "test-body",
        &[("class", FluentValue::from(class.class_name.clone()))],
    );
    let msg = class_builder(class, from)?
        .to(mailbox("", to, "the test address")?)
        .subject(subject)
        .message_id(Some(message_id.to_string()))
        .date(SystemTime::from(date))
        .raw_header(content_language(&l.lang)?)
        .singlepart(SinglePart::plain(body))
        .map_err(|e| Error::Mail(format!("could not build the test message: {e}")))?;
    Ok(msg.formatted())
}

/// A message from the class (`From` the sending address with the class's name, `Reply-To`
/// the teacher): what every message Goalpost sends starts with.
fn class_builder(class: &ClassInfo, from: &str) -> Result<lettre::message::MessageBuilder> {
    let sender_name = format!("{} · {}", class.class_name, class.school);
    Ok(lettre::Message::builder()
        .from(mailbox(
            &sender_name,
            from,
            "the sender address (smtp.from)",
        )?)
        .reply_to(mailbox(
            &class.teacher,
            &class.teacher_email,
            "the teacher's email",
        )?))
}
