//! Invitations that stand on their own (issue 16, part 1), as a spec: adding a sharing
//! time invites every family through their channel and in their language (an email with
//! an `invite.ics` a calendar accepts, a paper slip, a chat text; nothing on `none`); one
//! reminder the day before, however many syncs run; a change or a cancellation sends an
//! update with the same calendar UID and a higher SEQUENCE; the blog lists the time
//! without its place.
//!
//! The class is in Europe/Madrid and the sharing time falls just after the clocks go
//! forward (Sunday 28 March 2027): invited a week before, on winter time, families must
//! still see it at 16:00 local time. The calendar files are read by Python's `icalendar`
//! (tests/mail_support/check_ics.py), the mail goes through a real SMTP server on
//! 127.0.0.1, and every step runs the `goalpost` command as a teacher would.

mod common;
mod mail_support;

use std::path::{Path, PathBuf};

use common::{cli_ok_at as at, cli_ok_json_at as at_json, demo_data_dir};
use mail_support::{support_dir, Fault, Server};
use serde_json::Value;

const TZ: &str = "Europe/Madrid";
/// Monday 22 March 2027, 10:00 in Madrid (winter time, UTC+1).
const MONDAY: &str = "2027-03-22T09:00:00Z";
const PLACE: &str = "Aula 7, puerta del patio";
const TITLE: &str = "Come and see our maths";

/// The demo class moved to Madrid, with its mail going to `server`, the demo's own sharing
/// time cancelled before anyone heard of it, Maria López (es) on the chat channel, and one
/// sharing time planned just after the clock change. Returns the data folder and the new
/// sharing time's id.
fn madrid_class(server: &Server) -> (tempfile::TempDir, PathBuf, i64) {
    let (d, data) = demo_data_dir(6);
    at(
        &data,
        MONDAY,
        &[
            "init",
            "--school",
            "Kōwhai Primary School",
            "--class",
            "Room 7",
            "--teacher",
            "Ms Aroha Te Rangi",
            "--teacher-email",
            "room7@kowhai.school.example",
            "--timezone",
            TZ,
        ],
    );
    at(&data, MONDAY, &["config", "set", "smtp.url", &server.url()]);
    at(
        &data,
        MONDAY,
        &["contact", "edit", "Maria López", "--channel", "chat"],
    );
    for s in at_json(&data, MONDAY, &["sharing", "list"])
        .as_array()
        .unwrap()
    {
        at(&data, MONDAY, &["sharing", "cancel", &s["id"].to_string()]);
    }
    let s = at_json(
        &data,
        MONDAY,
        &[
            "sharing",
            "add",
            "--at",
            "2027-03-30 16:00",
            "--until",
            "17:30",
            "--title",
            TITLE,
            "--place",
            PLACE,
        ],
    );
    (d, data, s["id"].as_i64().unwrap())
}

fn contacts(data: &Path) -> Vec<Value> {
    at_json(data, MONDAY, &["contact", "list"])
        .as_array()
        .unwrap()
        .clone()
}

/// Every message the server received whose Message-ID names `kind` (`invitation`,
/// `reminder`, `update`), read by check_ics.py.
fn received(server: &Server, kind: &str) -> Vec<Value> {
    let files: Vec<PathBuf> = server.received().into_iter().map(|(_, p)| p).collect();
    if files.is_empty() {
        return Vec::new();
    }
    let out = common::python::command()
        .arg(support_dir().join("check_ics.py"))
        .arg(TZ)
        .args(&files)
        .output()
        .unwrap_or_else(|e| common::python::cannot_run(e));
    assert!(
        out.status.success(),
        "check_ics.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    all.into_iter()
        .filter(|m| {
            m["message_id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("<goalpost.{kind}.sharing."))
        })
        .collect()
}

fn emailed(contacts: &[Value]) -> Vec<&Value> {
    contacts
        .iter()
        .filter(|c| matches!(c["channel"].as_str(), Some("email" | "weekly")))
        .filter(|c| c["email"].is_string())
        .collect()
}

fn to_of(m: &Value) -> String {
    m["to"].as_str().unwrap().to_string()
}

/// The one calendar event of a message.
fn event(m: &Value) -> &Value {
    let ics = m["ics"].as_array().unwrap();
    assert_eq!(ics.len(), 1, "one invite.ics in {}", m["path"]);
    assert_eq!(ics[0]["events_in_file"], 1);
    &ics[0]
}

#[test]
fn every_family_is_invited_in_their_channel_and_language_with_a_calendar_file() {
    mail_support::require_aiosmtpd();
    common::python::require("icalendar");
    let server = Server::start(Fault::default());
    let (_d, data, id) = madrid_class(&server);
    let contacts = contacts(&data);

    // The dry run shows every invitation with its channel, and sends nothing.
    let dry = at_json(&data, MONDAY, &["sync", "--dry-run"]);
    let planned: Vec<(String, String)> = dry["families"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"] == "invitation")
                .map(|d| {
                    assert_eq!(d["sharing"]["id"], id, "{d}");
                    (
                        f["contact"].as_str().unwrap().to_string(),
                        d["channel"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(server.received().is_empty(), "a dry run sends nothing");

    at(&data, MONDAY, &["sync"]);

    // Email: one invitation each, with a calendar file a calendar reads: 16:00 in Madrid
    // on the 30th, after the clocks went forward, though invited on winter time.
    let invitations = received(&server, "invitation");
    let emailed = emailed(&contacts);
    assert!(emailed.len() >= 3, "{contacts:#?}");
    assert_eq!(
        invitations.len(),
        emailed.len(),
        "one invitation per email family"
    );
    let mut uids = Vec::new();
    for c in &emailed {
        let address = c["email"].as_str().unwrap();
        let mine: Vec<&Value> = invitations
            .iter()
            .filter(|m| to_of(m).contains(address))
            .collect();
        assert_eq!(mine.len(), 1, "{address}");
        let m = mine[0];
        let e = event(m);
        assert_eq!(e["content_type"], "text/calendar");
        assert_eq!(e["method"], "PUBLISH");
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["start"], "2027-03-30 16:00", "{e}");
        assert_eq!(e["end"], "2027-03-30 17:30", "{e}");
        assert_eq!(e["sequence"], 0);
        assert_eq!(e["status"], "CONFIRMED");
        assert_eq!(e["summary"], TITLE);
        assert_eq!(e["location"], PLACE, "the place, in a private message");
        uids.push(e["uid"].as_str().unwrap().to_string());
        // In the family's own language.
        let spanish = c["language"] == "es";
        let subject = m["subject"].as_str().unwrap();
        let text = m["text"].as_str().unwrap();
        if spanish {
            assert!(subject.starts_with("Invitación: "), "{subject}");
            assert!(text.contains("martes 30 de marzo, 16:00 a 17:30"), "{text}");
            assert!(text.contains(&format!("Dónde: {PLACE}")), "{text}");
            assert_eq!(m["language"], "es");
        } else if c["language"] == "en" {
            assert!(subject.starts_with("Invitation: "), "{subject}");
            assert!(text.contains("Tuesday 30 March, 16:00 to 17:30"), "{text}");
            assert!(text.contains(&format!("Where: {PLACE}")), "{text}");
        }
        // Their own children by name, nobody else's.
        for s in c["students"].as_array().unwrap() {
            let name = s["display_name"].as_str().unwrap();
            assert!(text.contains(name), "{name} in {text}");
        }
    }
    uids.dedup();
    assert_eq!(uids.len(), 1, "one UID for the sharing time: {uids:?}");
    assert!(uids[0].starts_with(&format!("sharing-{id}.")), "{uids:?}");

    // Paper: a slip each on today's page, in their language.
    let page = std::fs::read_to_string(data.join("print/slips-2027-03-22.html")).unwrap();
    let paper: Vec<&Value> = contacts
        .iter()
        .filter(|c| c["channel"] == "paper")
        .collect();
    assert!(!paper.is_empty());
    for c in &paper {
        let name = c["name"].as_str().unwrap();
        assert!(page.contains(name), "a slip for {name}");
    }
    assert_eq!(
        page.matches("<h3>&#128197;").count(),
        paper.len(),
        "one invitation slip per paper family"
    );
    assert!(page.contains(PLACE));
    if paper.iter().any(|c| c["language"] == "ar") {
        assert!(page.contains("المكان"), "the Arabic slip's words");
    }

    // Chat: the text, in Spanish, waiting to be pasted and marked sent.
    let chats = at_json(&data, MONDAY, &["chat", "list"]);
    let invites: Vec<&Value> = chats
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "invitation")
        .collect();
    assert_eq!(invites.len(), 1, "{chats:#}");
    let text = invites[0]["text"].as_str().unwrap();
    assert_eq!(invites[0]["contact"], "Maria López");
    assert!(text.starts_with("Invitación: "), "{text}");
    assert!(text.contains("16:00") && text.contains(PLACE), "{text}");
    assert!(invites[0]["photo"].is_null());

    // Nothing for a family on `none`; everything the dry run promised, and no more.
    let outbox = at_json(&data, MONDAY, &["mail", "outbox", "--all"]);
    let sharing_rows: Vec<&Value> = outbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "invitation")
        .collect();
    assert_eq!(sharing_rows.len(), planned.len(), "{planned:?}");
    for c in contacts.iter().filter(|c| c["channel"] == "none") {
        assert!(
            !sharing_rows.iter().any(|d| d["contact_id"] == c["id"]),
            "{} is on none",
            c["name"]
        );
    }

    // The blog lists the time, never its place.
    at(&data, MONDAY, &["blog", "build"]);
    let mut listed = false;
    for f in common::files_under(&data.join("blog")) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        assert!(!text.contains("puerta del patio"), "{}", f.display());
        assert!(!text.contains("LOCATION"), "{}", f.display());
        listed |= text.contains(TITLE);
    }
    assert!(listed, "the blog lists the sharing time");

    // A second sync invites nobody again.
    at(&data, "2027-03-22T15:00:00Z", &["sync"]);
    assert_eq!(received(&server, "invitation").len(), emailed.len());
}

#[test]
fn one_reminder_the_day_before_however_many_syncs_run() {
    mail_support::require_aiosmtpd();
    common::python::require("icalendar");
    let server = Server::start(Fault::default());
    let (_d, data, _id) = madrid_class(&server);
    at(&data, MONDAY, &["sync"]);
    let emailed = emailed(&contacts(&data)).len();

    // Sunday night: too early. Monday (the day before), three syncs, each a new process;
    // Tuesday morning before it starts; Tuesday evening after it ended.
    for now in [
        "2027-03-28T20:00:00Z",
        "2027-03-29T06:00:00Z",
        "2027-03-29T10:00:00Z",
        "2027-03-29T18:30:00Z",
        "2027-03-30T07:00:00Z",
        "2027-03-30T19:00:00Z",
    ] {
        at(&data, now, &["sync"]);
        let reminders = received(&server, "reminder");
        let want = if now < "2027-03-29" { 0 } else { emailed };
        assert_eq!(reminders.len(), want, "after the sync at {now}");
    }
    let reminders = received(&server, "reminder");
    let mut to: Vec<String> = reminders.iter().map(to_of).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), emailed, "one reminder per family, never two");
    for m in &reminders {
        let e = event(m);
        assert_eq!(e["start"], "2027-03-30 16:00");
        assert_eq!(e["sequence"], 0, "a reminder changes nothing");
        assert!(m["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("Reminder: ") || s.starts_with("Recordatorio: ")));
    }
    // The chat family's reminder waits once in the chat list, and the paper families'
    // reminders were printed on Monday's page, once.
    let chats = at_json(&data, "2027-03-30T07:00:00Z", &["chat", "list"]);
    let reminders: Vec<&Value> = chats
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "reminder")
        .collect();
    assert_eq!(reminders.len(), 1, "{chats:#}");
    assert!(reminders[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("Recordatorio: "));
    let page = std::fs::read_to_string(data.join("print/slips-2027-03-29.html")).unwrap();
    let paper = contacts(&data)
        .iter()
        .filter(|c| c["channel"] == "paper")
        .count();
    assert_eq!(page.matches("<section class=\"slip\"").count(), paper);
}

#[test]
fn a_change_and_a_cancellation_update_the_same_calendar_entry() {
    mail_support::require_aiosmtpd();
    common::python::require("icalendar");
    let server = Server::start(Fault::default());
    let (_d, data, id) = madrid_class(&server);
    let id_s = id.to_string();
    at(&data, MONDAY, &["sync"]);
    let emailed = emailed(&contacts(&data)).len();
    let uid = event(&received(&server, "invitation")[0])["uid"]
        .as_str()
        .unwrap()
        .to_string();

    // Moved to Wednesday 16:30: the end moves with it.
    let tuesday = "2027-03-23T09:00:00Z";
    let edited = at_json(
        &data,
        tuesday,
        &["sharing", "edit", &id_s, "--at", "2027-03-31 16:30"],
    );
    assert_eq!(edited["sequence"], 1);
    at(&data, tuesday, &["sync"]);
    let updates = received(&server, "update");
    assert_eq!(
        updates.len(),
        emailed,
        "every invited family hears of the change"
    );
    for m in &updates {
        let e = event(m);
        assert_eq!(e["uid"], uid.as_str(), "the same calendar entry");
        assert_eq!(e["sequence"], 1);
        assert_eq!(e["status"], "CONFIRMED");
        assert_eq!(e["start"], "2027-03-31 16:30");
        assert_eq!(e["end"], "2027-03-31 18:00");
        assert_eq!(e["location"], PLACE);
    }
    // Nobody is invited twice.
    assert_eq!(received(&server, "invitation").len(), emailed);

    // Two more changes before the next sync: one update, with the newest details.
    at(
        &data,
        tuesday,
        &["sharing", "edit", &id_s, "--title", "Maths morning"],
    );
    at(
        &data,
        tuesday,
        &["sharing", "edit", &id_s, "--place", "The hall"],
    );
    at(&data, "2027-03-23T12:00:00Z", &["sync"]);
    let updates = received(&server, "update");
    assert_eq!(updates.len(), 2 * emailed);
    for m in updates.iter().skip(emailed) {
        let e = event(m);
        assert_eq!(e["sequence"], 3);
        assert_eq!(e["summary"], "Maths morning");
        assert_eq!(e["location"], "The hall");
    }

    // Cancelled: the same entry, a higher sequence, STATUS:CANCELLED; gone from the list
    // and the blog.
    let wednesday = "2027-03-24T09:00:00Z";
    at(&data, wednesday, &["sharing", "cancel", &id_s]);
    at(&data, wednesday, &["sync"]);
    let updates = received(&server, "update");
    assert_eq!(updates.len(), 3 * emailed);
    for m in updates.iter().skip(2 * emailed) {
        let e = event(m);
        assert_eq!(e["uid"], uid.as_str());
        assert_eq!(e["sequence"], 4);
        assert_eq!(e["status"], "CANCELLED");
        assert!(m["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("Cancelled: ") || s.starts_with("Cancelado: ")));
    }
    assert_eq!(
        at_json(&data, wednesday, &["sharing", "list"]),
        Value::Array(vec![])
    );
    at(&data, wednesday, &["blog", "build"]);
    for f in common::files_under(&data.join("blog")) {
        if let Ok(text) = std::fs::read_to_string(&f) {
            assert!(!text.contains("Maths morning"), "{}", f.display());
        }
    }
    // And no reminder for a cancelled time.
    at(&data, "2027-03-30T07:00:00Z", &["sync"]);
    assert!(received(&server, "reminder").is_empty());
}

/// A sharing time's words go through the name rule every family message follows (one
/// function in the plan): a title naming a child by their real name shows the name their
/// family agreed to (the pseudonym), in the subject and in the calendar entry, and never
/// their last name.
#[test]
fn a_sharing_time_names_a_child_as_every_family_message_does() {
    common::python::require("icalendar");
    let (_d, data) = demo_data_dir(6);
    let students = at_json(&data, MONDAY, &["student", "list"]);
    let s = &students.as_array().unwrap()[0];
    let (first, last) = (
        s["first_name"].as_str().unwrap(),
        s["last_name"].as_str().unwrap(),
    );
    at(
        &data,
        MONDAY,
        &[
            "student",
            "edit",
            &s["id"].to_string(),
            "--pseudonym",
            "Star",
        ],
    );
    at(
        &data,
        MONDAY,
        &[
            "sharing",
            "add",
            "--at",
            "2027-03-30 16:00",
            "--title",
            &format!("{first} {last} shows the class her volcano"),
        ],
    );
    at(&data, MONDAY, &["sync"]);
    let files: Vec<PathBuf> = common::eml_files(&data.join("outbox"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".invitation.sharing."))
        .collect();
    assert!(!files.is_empty());
    let out = common::python::command()
        .arg(support_dir().join("check_ics.py"))
        .arg(TZ)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for m in &parsed {
        let summary = event(m)["summary"].as_str().unwrap().to_string();
        let subject = m["subject"].as_str().unwrap();
        for text in [summary.as_str(), subject] {
            assert!(text.contains("Star"), "{text}");
            assert!(!common::has_word(text, first), "{text}");
            assert!(!common::has_word(text, last), "{text}");
        }
    }
}

/// A family whose only child was erased before the invitations went out is not invited:
/// the queued invitation leaves the outbox unsent, and nothing names the child.
#[test]
fn an_invitation_waiting_for_an_erased_childs_family_is_not_sent() {
    let (dir, gp) = mail_support::demo(6);
    gp.mail_queue().unwrap();
    let contacts = gp.contacts().unwrap();
    let only = contacts
        .iter()
        .find(|c| c.email.is_some() && c.students.len() == 1)
        .unwrap();
    let child = only.students[0].clone();
    // Every contact of that child hears of nobody else.
    let alone = contacts
        .iter()
        .filter(|c| c.students.iter().any(|s| s.student_id == child.student_id))
        .all(|c| c.students.len() == 1);
    assert!(alone, "{contacts:#?}");
    gp.remove_student(child.student_id).unwrap();
    let s = mail_support::send(&gp);
    assert!(s.stopped.is_none(), "{:?}", s.stopped);
    let to_them = common::eml_files(&dir.path().join("outbox"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(&format!(".c{}.", only.id)))
        .count();
    assert_eq!(to_them, 0, "nothing went to {}", only.name);
    for p in common::files_under(dir.path()) {
        if let Ok(text) = std::fs::read_to_string(&p) {
            assert!(
                !text.contains(&format!("see what {} and", child.display_name)),
                "{}",
                p.display()
            );
        }
    }
    let rows = goalpost::store::outbox::list(gp.store().conn(), false).unwrap();
    assert!(!rows
        .iter()
        .any(|d| d.contact_id == only.id && d.kind == goalpost::store::outbox::Kind::Invitation));
}
