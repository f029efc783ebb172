//! The class, its students, their contacts and consents: the operations a teacher performs
//! when setting up and keeping the roster, each checked and done in one transaction.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::*;
use crate::store::{self, contacts::ContactFields};
use crate::{validate, Goalpost};

/// What a teacher types for a new contact or an edit of one.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub language: Option<String>,
    pub channel: Option<String>,
}

/// What an erasure removed, for the teacher's confirmation.
/// A changed contact, and how many emails the mail server had refused that now go again
/// to the corrected address (at the next `mail send` or sync).
#[derive(Debug, Clone, Serialize)]
pub struct EditedContact {
    #[serde(flatten)]
    pub contact: Contact,
    pub emails_queued_again: usize,
}

pub use crate::erasure::Erased;

/// A local time as a teacher writes it: "2026-11-26 14:30" (or with a `T`, as a form's
/// date-time field gives it), or only "14:30" on `date_of` when one is given.
pub fn parse_local_time(
    s: &str,
    date_of: Option<chrono::NaiveDate>,
) -> Result<chrono::NaiveDateTime> {
    let s = s.trim();
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(t);
        }
    }
    if let (Some(d), Ok(t)) = (date_of, chrono::NaiveTime::parse_from_str(s, "%H:%M")) {
        return Ok(d.and_time(t));
    }
    Err(Error::invalid(format!(
        "{s:?} is not a time: write it as \"2026-11-26 14:30\""
    )))
}

/// A sharing time as the teacher's window shows and edits it, in the class's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharingRow {
    pub id: i64,
    pub title: String,
    pub place: String,
    /// The start, `YYYY-MM-DDTHH:MM` (what a date-time field holds).
    pub at: String,
    /// The end, `HH:MM`, if it has one.
    pub until: Option<String>,
    /// How many times it was changed (the calendar entry's SEQUENCE).
    pub sequence: u32,
}

/// A sharing time as the teacher's window sends it: local times of the class; `until` is
/// `HH:MM` on the same day (or a full time), empty for none.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct SharingForm {
    pub at: String,
    #[serde(default)]
    pub until: String,
    pub title: String,
    #[serde(default)]
    pub place: String,
}

/// A sharing time's start and end (UTC), title and place, checked.
type SharingParts = (
    chrono::DateTime<chrono::Utc>,
    Option<chrono::DateTime<chrono::Utc>>,
    String,
    String,
);

/// A change to a sharing time: each part given replaces the old one (see
/// [`Goalpost::edit_sharing_time`]). Times are local times in the class's time zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct SharingChange {
    pub starts: Option<chrono::NaiveDateTime>,
    /// `Some(None)` removes the end.
    pub ends: Option<Option<chrono::NaiveDateTime>>,
    pub title: Option<String>,
    pub place: Option<String>,
}

impl ClassInfo {
    /// The class's details checked and tidied, or what to correct.
    pub fn checked(&self) -> Result<ClassInfo> {
        Ok(ClassInfo {
            school: validate::name("school", &self.school)?,
            class_name: validate::name("class name", &self.class_name)?,
            teacher: validate::name("teacher", &self.teacher)?,
            teacher_email: validate::email(&self.teacher_email)?,
            language: validate::language(&self.language)?,
            timezone: validate::timezone(&self.timezone)?,
        })
    }
}

/// A new class in a folder that holds none (the app's first start on a new PC): the
/// details are checked before anything is written, so a refused form leaves no database
/// behind; a folder that already holds a class is refused and left as it is.
pub fn create_class(
    dir: &std::path::Path,
    c: &ClassInfo,
    clock: crate::Clock,
) -> Result<ClassInfo> {
    let c = c.checked()?;
    // Under the class lock, so that a restore into the same folder meanwhile (from a
    // terminal) and this never both make the class.
    crate::fsutil::private_dir(dir)?;
    let tz = c.timezone.parse().unwrap_or(chrono_tz::UTC);
    let _lock = crate::lock::ClassLock::try_acquire(
        dir,
        crate::lock::Operation::ClassCreate,
        clock.now(),
        || tz,
    )?;
    if crate::DataDir::new(dir).database().exists() {
        return Err(Error::Conflict(format!(
            "{} already holds a class: open it, or choose another folder for a new one",
            dir.display()
        )));
    }
    Goalpost::create(dir)?.with_clock(clock).init_class(&c)
}

impl Goalpost {
    /// Creates or updates the class of this data folder.
    pub fn init_class(&self, c: &ClassInfo) -> Result<ClassInfo> {
        let c = c.checked()?;
        let now = self.now();
        self.store().in_tx(|tx| store::class::put(tx, &c, now))?;
        Ok(c)
    }

    pub fn students(&self) -> Result<Vec<Student>> {
        store::students::list(self.store().conn())
    }

    pub fn student(&self, id: StudentId) -> Result<Student> {
        store::students::get(self.store().conn(), id)?.ok_or_else(|| {
            Error::not_found(format!(
                "there is no student with id {id}: see `goalpost student list`"
            ))
        })
    }

    /// Finds a student by id or by a name that is unique in the class: the full name, the
    /// display name, the first name or the pseudonym (the first of these that matches).
    pub fn find_student(&self, reference: &str) -> Result<Student> {
        let all = self.students()?;
        find_student_in(&all, reference)
    }

    pub fn add_student(&self, first: &str, last: &str, pseudonym: Option<&str>) -> Result<Student> {
        let first = validate::name("first name", first)?;
        let last = validate::optional_name("last name", last)?;
        let pseudonym = pseudonym
            .map(|p| validate::name("pseudonym", p))
            .transpose()?;
        let now = self.now();
        let id = self.store().in_tx(|tx| {
            ensure_no_duplicate(&store::students::list(tx)?, &first, &last, None)?;
            store::students::insert(tx, &first, &last, pseudonym.as_deref(), now)
        })?;
        self.student(id)
    }

    /// Changes a student's names; `None` leaves a field as it is, `Some("")` clears the pseudonym.
    pub fn edit_student(
        &self,
        id: StudentId,
        first: Option<&str>,
        last: Option<&str>,
        pseudonym: Option<&str>,
    ) -> Result<Student> {
        let cur = self.student(id)?;
        let first = match first {
            Some(f) => validate::name("first name", f)?,
            None => cur.first_name.clone(),
        };
        let last = match last {
            Some(l) => validate::optional_name("last name", l)?,
            None => cur.last_name.clone(),
        };
        let pseudonym = match pseudonym {
            Some(p) if p.trim().is_empty() => None,
            Some(p) => Some(validate::name("pseudonym", p)?),
            None => cur.pseudonym.clone(),
        };
        self.store().in_tx(|tx| {
            ensure_no_duplicate(&store::students::list(tx)?, &first, &last, Some(id))?;
            store::students::update(tx, id, &first, &last, pseudonym.as_deref())
        })?;
        self.student(id)
    }

    pub fn contacts(&self) -> Result<Vec<Contact>> {
        store::contacts::list(self.store().conn())
    }

    pub fn contact(&self, id: ContactId) -> Result<Contact> {
        store::contacts::get(self.store().conn(), id)?.ok_or_else(|| {
            Error::not_found(format!(
                "there is no contact with id {id}: see `goalpost contact list`"
            ))
        })
    }

    /// Finds a contact by id, email address, or a name unique among contacts.
    pub fn find_contact(&self, reference: &str) -> Result<Contact> {
        let all = self.contacts()?;
        let r = reference.trim();
        if let Ok(id) = r.parse::<ContactId>() {
            if let Some(c) = all.iter().find(|c| c.id == id) {
                return Ok(c.clone());
            }
        }
        let lower = r.to_lowercase();
        let hits: Vec<&Contact> = all
            .iter()
            .filter(|c| {
                c.email.as_deref().map(str::to_lowercase).as_deref() == Some(lower.as_str())
                    || c.name.to_lowercase() == lower
            })
            .collect();
        match hits.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::not_found(format!(
                "no contact matches {r:?}: see `goalpost contact list` for names and ids"
            ))),
            many => Err(Error::Ambiguous {
                what: format!("contact {r:?}"),
                candidates: many
                    .iter()
                    .map(|c| format!("{} (id {})", c.name, c.id))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Adds a contact, optionally linked to a student at once.
    pub fn add_contact(
        &self,
        input: &ContactInput,
        link: Option<(StudentId, &str)>,
    ) -> Result<Contact> {
        let class = self.class()?;
        let fields = contact_fields(input, None, &class.language)?;
        let relationship = link
            .map(|(_, r)| validate::optional_name("relationship", r))
            .transpose()?;
        let now = self.now();
        let id = self.store().in_tx(|tx| {
            ensure_email_free(tx, fields.email.as_deref(), None)?;
            let id = store::contacts::insert(tx, &fields, now)?;
            if let (Some((sid, _)), Some(rel)) = (link, relationship.as_deref()) {
                store::contacts::link(tx, id, sid, rel, now)?;
            }
            Ok(id)
        })?;
        self.contact(id)
    }

    /// Changes a contact. A corrected email address clears the mail server's refusal and
    /// queues the emails it refused again, for the new address.
    pub fn edit_contact(&self, id: ContactId, input: &ContactInput) -> Result<EditedContact> {
        let class = self.class()?;
        let cur = self.contact(id)?;
        let fields = contact_fields(input, Some(&cur), &class.language)?;
        let now = self.now();
        let emails_queued_again = self.store().in_tx(|tx| {
            ensure_email_free(tx, fields.email.as_deref(), Some(id))?;
            store::contacts::update(tx, id, &fields)?;
            if fields.email.is_some() && fields.email != cur.email {
                return store::outbox::requeue_refused(tx, id, now);
            }
            Ok(0)
        })?;
        Ok(EditedContact {
            contact: self.contact(id)?,
            emails_queued_again,
        })
    }

    pub fn remove_contact(&self, id: ContactId) -> Result<()> {
        self.contact(id)?;
        self.store().in_tx(|tx| store::contacts::delete(tx, id))?;
        Ok(())
    }

    pub fn link_contact(
        &self,
        contact: ContactId,
        student: StudentId,
        relationship: &str,
    ) -> Result<Contact> {
        self.contact(contact)?;
        self.student(student)?;
        let rel = validate::optional_name("relationship", relationship)?;
        let now = self.now();
        self.store()
            .in_tx(|tx| store::contacts::link(tx, contact, student, &rel, now))?;
        self.contact(contact)
    }

    pub fn unlink_contact(&self, contact: ContactId, student: StudentId) -> Result<Contact> {
        let removed = self
            .store()
            .in_tx(|tx| store::contacts::unlink(tx, contact, student))?;
        if !removed {
            return Err(Error::not_found(format!(
                "contact {contact} is not linked to student {student}: see `goalpost contact list`"
            )));
        }
        self.contact(contact)
    }

    pub fn consents(&self, student: StudentId) -> Result<ConsentSet> {
        store::consent::for_student(self.store().conn(), student)
    }

    /// Records a consent answer and who gave it.
    pub fn set_consent(
        &self,
        student: StudentId,
        purpose: Purpose,
        granted: bool,
        given_by: &str,
    ) -> Result<ConsentSet> {
        self.student(student)?;
        let given_by = validate::name("given by", given_by)?;
        let now = self.now();
        self.store()
            .in_tx(|tx| store::consent::set(tx, student, purpose, granted, &given_by, now))?;
        self.consents(student)
    }
}

/// Student lookup over a loaded list; see [`Goalpost::find_student`].
pub fn find_student_in(all: &[Student], reference: &str) -> Result<Student> {
    let r = reference.trim();
    if let Ok(id) = r.parse::<StudentId>() {
        return all.iter().find(|s| s.id == id).cloned().ok_or_else(|| {
            Error::not_found(format!(
                "there is no student with id {id}: see `goalpost student list`"
            ))
        });
    }
    let lower = r.to_lowercase();
    let full = |s: &Student| {
        format!("{} {}", s.first_name, s.last_name)
            .trim()
            .to_lowercase()
    };
    let levels: [&dyn Fn(&Student) -> bool; 4] = [
        &|s| full(s) == lower,
        &|s| s.display_name.to_lowercase() == lower,
        &|s| s.first_name.to_lowercase() == lower,
        &|s| s.pseudonym.as_deref().map(str::to_lowercase).as_deref() == Some(lower.as_str()),
    ];
    for matches in levels {
        let hits: Vec<&Student> = all.iter().filter(|s| matches(s)).collect();
        match hits.as_slice() {
            [] => continue,
            [one] => return Ok((*one).clone()),
            many => {
                return Err(Error::Ambiguous {
                    what: format!("student {r:?}"),
                    candidates: many
                        .iter()
                        .map(|s| {
                            format!("{} {} (id {})", s.first_name, s.last_name, s.id)
                                .replace("  ", " ")
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        }
    }
    Err(Error::not_found(format!(
        "no student matches {r:?}: see `goalpost student list` for names and ids"
    )))
}

fn ensure_no_duplicate(
    all: &[Student],
    first: &str,
    last: &str,
    except: Option<StudentId>,
) -> Result<()> {
    let same = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
    if let Some(s) = all
        .iter()
        .find(|s| Some(s.id) != except && same(&s.first_name, first) && same(&s.last_name, last))
    {
        return Err(Error::Conflict(format!(
            "a student named {first} {last} already exists (id {}): edit that one, or add a distinguishing last name",
            s.id
        )));
    }
    Ok(())
}

fn ensure_email_free(
    conn: &rusqlite::Connection,
    email: Option<&str>,
    except: Option<ContactId>,
) -> Result<()> {
    if let Some(e) = email {
        if let Some(other) = store::contacts::find_by_email(conn, e)? {
            if Some(other) != except {
                return Err(Error::Conflict(format!(
                    "contact {other} already has the address {e}: link that contact to the student instead (`goalpost contact link`)"
                )));
            }
        }
    }
    Ok(())
}

/// Checks a contact's fields, filling gaps from the current contact or the defaults.
fn contact_fields(
    input: &ContactInput,
    cur: Option<&Contact>,
    class_language: &str,
) -> Result<ContactFields> {
    let name = match (&input.name, cur) {
        (Some(n), _) => validate::name("contact name", n)?,
        (None, Some(c)) => c.name.clone(),
        (None, None) => return Err(Error::invalid("a contact needs a name: pass --name")),
    };
    let email = match (&input.email, cur) {
        (Some(e), _) if e.trim().is_empty() => None,
        (Some(e), _) => Some(validate::email(e)?),
        (None, Some(c)) => c.email.clone(),
        (None, None) => None,
    };
    let language = match (&input.language, cur) {
        (Some(l), _) => validate::language(l)?,
        (None, Some(c)) => c.language.clone(),
        (None, None) => class_language.to_string(),
    };
    let channel = match (&input.channel, cur) {
        (Some(ch), _) => ch.parse()?,
        (None, Some(c)) => c.channel,
        (None, None) if email.is_some() => Channel::Email,
        (None, None) => Channel::Paper,
    };
    if channel.needs_email() && email.is_none() {
        return Err(Error::invalid(format!(
            "contact {name} is on channel {channel} but has no email address: add --email, or use --channel paper"
        )));
    }
    Ok(ContactFields {
        name,
        email,
        language,
        channel,
    })
}

impl Goalpost {
    /// A local time of the class's time zone as UTC (the earlier one when a clock change
    /// makes it twice), or an error naming a time that does not exist there.
    pub fn class_time(&self, t: chrono::NaiveDateTime) -> Result<chrono::DateTime<chrono::Utc>> {
        let tz: chrono_tz::Tz = self.class()?.timezone.parse().map_err(|_| {
            Error::invalid("the class time zone is not valid: set it with `goalpost init`")
        })?;
        t.and_local_timezone(tz)
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "{t} does not exist in {tz} (a clock change): choose another time"
                ))
            })
    }

    /// Plans a sharing time. `starts` and `ends` are local times in the class's time zone.
    /// The next sync invites every family (see `mail::queue`).
    pub fn add_sharing_time(
        &self,
        starts: chrono::NaiveDateTime,
        ends: Option<chrono::NaiveDateTime>,
        title: &str,
        place: &str,
    ) -> Result<SharingTime> {
        let (starts_at, ends_at, title, place) =
            self.checked_sharing_time(starts, ends, title, place)?;
        let now = self.now();
        let id = self
            .store()
            .in_tx(|tx| store::sharing::insert(tx, starts_at, ends_at, &title, &place, "", now))?;
        Ok(SharingTime {
            id,
            starts_at,
            ends_at,
            title,
            place,
            note: String::new(),
            sequence: 0,
            cancelled_at: None,
        })
    }

    /// The parts of a sharing time, checked: start and end as UTC, title and place.
    fn checked_sharing_time(
        &self,
        starts: chrono::NaiveDateTime,
        ends: Option<chrono::NaiveDateTime>,
        title: &str,
        place: &str,
    ) -> Result<SharingParts> {
        let to_utc = |t| self.class_time(t);
        let starts_at = to_utc(starts)?;
        let ends_at = ends.map(to_utc).transpose()?;
        if ends_at.is_some_and(|e| e <= starts_at) {
            return Err(Error::invalid(
                "the sharing time ends before it starts: check --until",
            ));
        }
        let title = validate::line("title", title, 200)?;
        if title.is_empty() {
            return Err(Error::invalid(
                "give the sharing time a title, e.g. \"Come and see our maths\"",
            ));
        }
        let place = validate::line("place", place, 200)?;
        Ok((starts_at, ends_at, title, place))
    }

    /// One sharing time, cancelled or not.
    pub fn sharing_time(&self, id: i64) -> Result<SharingTime> {
        store::sharing::get(self.store().conn(), id)?.ok_or_else(|| {
            Error::not_found(format!(
                "there is no sharing time with id {id}: see `goalpost sharing list`"
            ))
        })
    }

    /// Changes a sharing time: what `change` gives replaces what it was (start and end are
    /// local times in the class's time zone). When anything changed, its calendar SEQUENCE
    /// goes up, messages about it not yet sent are dropped, and the next sync sends every
    /// invited family an update (same UID) and invites the others with the new details.
    pub fn edit_sharing_time(&self, id: i64, change: &SharingChange) -> Result<SharingTime> {
        let old = self.sharing_time(id)?;
        if old.cancelled_at.is_some() {
            return Err(Error::invalid(format!(
                "sharing time {id} was cancelled: plan a new one with `goalpost sharing add`"
            )));
        }
        let tz: chrono_tz::Tz = self.class()?.timezone.parse().unwrap_or(chrono_tz::UTC);
        let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).naive_local();
        let starts = change.starts.unwrap_or_else(|| local(old.starts_at));
        let ends = match change.ends {
            Some(e) => e,
            // The same length as before when only the start moves.
            None => old
                .ends_at
                .map(|e| starts + (local(e) - local(old.starts_at))),
        };
        let (starts_at, ends_at, title, place) = self.checked_sharing_time(
            starts,
            ends,
            change.title.as_deref().unwrap_or(&old.title),
            change.place.as_deref().unwrap_or(&old.place),
        )?;
        let new = SharingTime {
            starts_at,
            ends_at,
            title,
            place,
            ..old.clone()
        };
        if new == old {
            return Ok(old);
        }
        self.store().in_tx(|tx| {
            store::sharing::update(tx, &new)?;
            store::outbox::drop_unsent_sharing(tx, id)?;
            Ok(())
        })?;
        self.sharing_time(id)
    }

    /// Cancels a sharing time: it leaves the blog and the list, messages about it not yet
    /// sent are dropped, and the next sync tells every family who was invited (an update
    /// with STATUS:CANCELLED and the same UID).
    pub fn cancel_sharing_time(&self, id: i64) -> Result<SharingTime> {
        let now = self.now();
        let t = self.sharing_time(id)?;
        if t.cancelled_at.is_some() {
            return Ok(t);
        }
        self.store().in_tx(|tx| {
            store::sharing::cancel(tx, id, now)?;
            store::outbox::drop_unsent_sharing(tx, id)?;
            Ok(())
        })?;
        self.sharing_time(id)
    }

    /// The sharing times not ended nor cancelled, soonest first, in the class's local time
    /// (the Sharing screen).
    pub fn sharing_rows(&self) -> Result<Vec<SharingRow>> {
        let tz = self.class_tz()?;
        Ok(self
            .upcoming_sharing_times()?
            .iter()
            .map(|t| sharing_row(t, tz))
            .collect())
    }

    /// Plans a sharing time from the Sharing screen's form.
    pub fn add_sharing_from(&self, f: &SharingForm) -> Result<SharingRow> {
        let (starts, ends) = form_times(f)?;
        let t = self.add_sharing_time(starts, ends, &f.title, &f.place)?;
        Ok(sharing_row(&t, self.class_tz()?))
    }

    /// Changes a sharing time to what the Sharing screen's form says (see
    /// [`Goalpost::edit_sharing_time`]).
    pub fn edit_sharing_from(&self, id: i64, f: &SharingForm) -> Result<SharingRow> {
        let (starts, ends) = form_times(f)?;
        let change = SharingChange {
            starts: Some(starts),
            ends: Some(ends),
            title: Some(f.title.clone()),
            place: Some(f.place.clone()),
        };
        let t = self.edit_sharing_time(id, &change)?;
        Ok(sharing_row(&t, self.class_tz()?))
    }

    fn class_tz(&self) -> Result<chrono_tz::Tz> {
        self.class()?.timezone.parse().map_err(|_| {
            Error::invalid("the class time zone is not valid: set it with `goalpost init`")
        })
    }

    /// Sharing times that have not ended yet, soonest first.
    pub fn upcoming_sharing_times(&self) -> Result<Vec<SharingTime>> {
        store::sharing::upcoming(self.store().conn(), self.now())
    }

    /// Cancels a sharing time (see [`Goalpost::cancel_sharing_time`]).
    pub fn remove_sharing_time(&self, id: i64) -> Result<()> {
        self.cancel_sharing_time(id).map(|_| ())
    }
}

fn sharing_row(t: &SharingTime, tz: chrono_tz::Tz) -> SharingRow {
    SharingRow {
        id: t.id,
        title: t.title.clone(),
        place: t.place.clone(),
        at: t
            .starts_at
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        until: t
            .ends_at
            .map(|e| e.with_timezone(&tz).format("%H:%M").to_string()),
        sequence: t.sequence,
    }
}

/// The start and end a form gives, as local times.
fn form_times(f: &SharingForm) -> Result<(chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> {
    if f.at.trim().is_empty() {
        return Err(Error::invalid(
            "give the sharing time a day and a time to start",
        ));
    }
    let starts = parse_local_time(&f.at, None)?;
    let ends = Some(f.until.trim())
        .filter(|u| !u.is_empty())
        .map(|u| parse_local_time(u, Some(starts.date())))
        .transpose()?;
    Ok((starts, ends))
}
