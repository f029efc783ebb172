//! A child's own note to their family (issue 16, part 2): written at the station (or with
//! `goalpost note add`), it waits for the teacher; once approved, the next sync sends it to
//! that child's contacts only, each on their channel and in their language's frame (email
//! through a real SMTP server on 127.0.0.1, a slip for a paper contact, a chat text), with
//! the name rule of family messages applied. A waiting or rejected note never leaves;
//! erasing the child removes their notes.

mod common;
mod mail_support;

use goalpost::class::ContactInput;
use goalpost::model::*;
use goalpost::notes::{NoteSubmission, NOTE_MAX_CHARS};
use goalpost::store::notes::NoteStatus;
use goalpost::Goalpost;
use mail_support::{parse, Fault, Server};

fn contact(
    gp: &Goalpost,
    name: &str,
    email: Option<&str>,
    channel: &str,
    lang: &str,
    s: StudentId,
) {
    let input = ContactInput {
        name: Some(name.into()),
        email: email.map(Into::into),
        language: Some(lang.into()),
        channel: Some(channel.into()),
    };
    gp.add_contact(&input, Some((s, "family"))).unwrap();
}

/// Everything Goalpost wrote for families: the messages the server received, the slip
/// pages and the chat texts waiting.
fn everything_sent(gp: &Goalpost, server: &Server) -> String {
    let mut all = String::new();
    for (_, p) in server.received() {
        all.push_str(&String::from_utf8_lossy(&std::fs::read(p).unwrap()));
    }
    for p in common::files_under(&gp.data_dir().join("print")) {
        all.push_str(&std::fs::read_to_string(p).unwrap());
    }
    for m in gp.chat_list().unwrap() {
        all.push_str(&m.text);
    }
    all
}

#[test]
fn a_childs_note_reaches_only_their_contacts_after_approval_on_each_channel() {
    let (_dir, gp) = common::new_class();
    let ana = gp.add_student("Ana", "López", None).unwrap().id;
    let ben = gp.add_student("Ben", "Wu", None).unwrap().id;
    gp.add_student("Mere", "Tane", Some("Star")).unwrap();
    contact(&gp, "Maria", Some("maria@example.org"), "email", "en", ana);
    contact(&gp, "Koro", None, "paper", "es", ana);
    contact(&gp, "Aunty Sefa", None, "chat", "en", ana);
    contact(&gp, "Uncle Tui", None, "none", "en", ana);
    contact(&gp, "Lei", Some("lei@example.org"), "email", "en", ben);
    contact(&gp, "Nana Wu", None, "paper", "en", ben);
    let server = Server::start(Fault::default());
    gp.set_setting("smtp.url", &server.url()).unwrap();

    // Written at the station; another one the teacher will reject.
    let note = gp
        .station_note(&NoteSubmission {
            student_id: ana,
            text: "Come and see my reading goal with Mere on Thursday!".into(),
        })
        .unwrap();
    assert_eq!(note.display_name, "Ana");
    let rejected = gp.add_note(ana, "Secret plan for the trip").unwrap();

    // Before approval: nothing leaves.
    let s = mail_support::send(&gp);
    assert_eq!((s.sent, s.slips), (0, 0), "{s:?}");
    assert!(server.received().is_empty());
    assert!(gp.chat_list().unwrap().is_empty());
    assert!(goalpost::store::outbox::list(gp.store().conn(), false)
        .unwrap()
        .is_empty());

    gp.reject_notes(&[rejected.id]).unwrap();
    let approved = gp.approve_notes(&[note.note_id]).unwrap();
    assert_eq!(approved[0].status, NoteStatus::Approved);
    // The plan gives each family only their own children's approved notes.
    for v in gp.family_views().unwrap() {
        let own = |s: StudentId| v.contact.students.iter().any(|l| l.student_id == s);
        assert!(
            v.notes.iter().all(|n| own(n.student_id)),
            "{}",
            v.contact.name
        );
        assert_eq!(v.notes.len(), usize::from(own(ana)), "{}", v.contact.name);
    }
    // A dry run shows it for each of Ana's families on a channel, and nobody else.
    let preview = goalpost::mail::preview(&gp, &gp.plan().unwrap()).unwrap();
    let shown: Vec<(String, String)> = preview
        .families
        .iter()
        .flat_map(|f| {
            f.deliveries
                .iter()
                .flat_map(|d| d.notes.iter().map(|n| (f.contact.clone(), n.text.clone())))
        })
        .collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(shown.iter().all(
        |(c, t)| ["Maria", "Koro", "Aunty Sefa"].contains(&c.as_str())
            && t == "Come and see my reading goal with Star on Thursday!"
    ));
    let s = mail_support::send(&gp);
    assert!(s.stopped.is_none(), "{s:?}");
    assert_eq!((s.sent, s.slips, s.queued.chats), (1, 1, 1), "{s:?}");

    // Email: to Maria only, one recipient, the child's words with the pseudonym rule.
    let received = server.received();
    assert_eq!(received.len(), 1);
    let m = &parse(&[received[0].1.clone()])[0];
    assert!(m["ascii"].as_bool().unwrap(), "7-bit clean");
    assert_eq!(m["to"][0], "maria@example.org");
    assert_eq!(received[0].0["rcpt_tos"].as_array().unwrap().len(), 1);
    assert_eq!(m["subject"], "A note from Ana");
    let plain = m["plain"].as_str().unwrap();
    assert!(plain.contains("Ana wrote you a note at school:"), "{plain}");
    assert!(
        plain.contains("\"Come and see my reading goal with Star on Thursday!\""),
        "the child's words as written, a pseudonymised classmate by their pseudonym: {plain}"
    );
    assert!(!common::has_word(plain, "Mere") && !plain.contains("Tane"));
    assert!(m["html"].as_str().unwrap().contains("class=\"note\""));

    // Slip: for Koro, in Spanish words around the child's own.
    let page = std::fs::read_to_string(&s.print_files[0]).unwrap();
    assert!(page.contains("Una nota de Ana"), "{page}");
    assert!(page.contains("Ana te escribió una nota en la escuela:"));
    assert!(page.contains("Come and see my reading goal with Star on Thursday!"));

    // Chat: for Aunty Sefa, the text to paste; not reached until marked sent.
    let chats = gp.chat_list().unwrap();
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0].contact, "Aunty Sefa");
    assert!(chats[0].photo.is_none());
    assert!(chats[0]
        .text
        .contains("Come and see my reading goal with Star on Thursday!"));

    // Nobody else heard of it; the rejected note went nowhere.
    let all = everything_sent(&gp, &server);
    assert!(!all.contains("Secret plan"), "a rejected note never leaves");
    assert!(!all.contains("lei@example.org"));
    assert!(!all.contains("Nana Wu"), "no slip for Ben's family");
    let log = goalpost::store::contact_log::list(gp.store().conn(), None).unwrap();
    let mut names: Vec<String> = gp
        .contacts()
        .unwrap()
        .into_iter()
        .filter(|c| log.iter().any(|e| e.contact_id == c.id))
        .map(|c| c.name)
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["Koro", "Maria"],
        "Uncle (none), Lei and the chat wait"
    );

    // Never twice.
    let again = mail_support::send(&gp);
    assert_eq!(
        (again.sent, again.slips, again.queued.chats),
        (0, 0, 0),
        "{again:?}"
    );
    assert_eq!(server.received().len(), 1);
}

#[test]
fn erasing_the_child_removes_their_notes_and_what_carried_them() {
    let (_dir, gp) = common::new_class();
    let ana = gp.add_student("Ana", "López", None).unwrap().id;
    let ben = gp.add_student("Ben", "Wu", None).unwrap().id;
    contact(&gp, "Maria", Some("maria@example.org"), "email", "en", ana);
    contact(&gp, "Koro", None, "paper", "en", ana);
    contact(&gp, "Lei", None, "paper", "en", ben);
    // No mail server: the email is a file in the outbox folder.
    let n = gp.add_note(ana, "Words from Ana for home").unwrap();
    let b = gp.add_note(ben, "Words from Ben for home").unwrap();
    gp.approve_notes(&[n.id, b.id]).unwrap();
    let s = mail_support::send(&gp);
    assert_eq!((s.sent, s.slips), (1, 2), "{s:?}");
    let outbox = gp.data_dir().join("outbox");
    assert_eq!(common::eml_files(&outbox).len(), 1);
    let page = s.print_files[0].clone();
    assert!(std::fs::read_to_string(&page)
        .unwrap()
        .contains("Words from Ana for home"));

    let r = gp.remove_student(ana).unwrap();
    assert_eq!(r.emails_removed, 1, "{r:?}");
    assert!(common::eml_files(&outbox).is_empty());
    assert_eq!(gp.notes(None).unwrap().len(), 1, "only Ben's note is left");
    // The next sync writes the slip page again without her.
    mail_support::send(&gp);
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(!text.contains("Words from Ana"), "{text}");
    assert!(text.contains("Words from Ben for home"));
    assert!(!common::dump(gp.data_dir()).contains("Words from Ana"));
}

#[test]
fn the_cli_adds_lists_approves_and_rejects_notes_and_refuses_bad_ones() {
    let (_d, data) = common::demo_data_dir(3);
    let v = common::cli_ok_json(
        &data,
        &[
            "note",
            "add",
            "--student",
            "1",
            "--text",
            "Come on Thursday!",
        ],
    );
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["status"], "waiting");
    let v = common::cli_ok_json(
        &data,
        &["note", "add", "--student", "2", "--text", "Hello!"],
    );
    let other = v["id"].as_i64().unwrap();
    let list = common::cli_ok_json(&data, &["note", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list[0]["display_name"].is_string());
    let text = common::cli_ok(&data, &["note", "list"]);
    assert!(text.contains("Come on Thursday!"), "{text}");

    let before = common::dump(&data);
    for (args, says) in [
        (
            vec!["note", "add", "--student", "1", "--text", "  "],
            "the note is empty",
        ),
        (
            vec![
                "note",
                "add",
                "--student",
                "1",
                "--text",
                &"x".repeat(NOTE_MAX_CHARS + 1),
            ],
            "the most is 140",
        ),
        (vec!["note", "add", "--student", "99", "--text", "hi"], "99"),
        (vec!["note", "approve", "12345"], "no note with id 12345"),
        (
            vec!["note", "reject", &id.to_string(), "777"],
            "no note with id 777",
        ),
    ] {
        let out = common::cli(&data).args(&args).assert().failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(
        common::dump(&data),
        before,
        "a refused command changes nothing"
    );

    common::cli_ok(&data, &["note", "reject", &other.to_string()]);
    let v = common::cli_ok_json(&data, &["note", "approve", "--all"]);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["id"], id);
    let all = common::cli_ok_json(&data, &["note", "list", "--all"]);
    let status: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["approved", "rejected"]);
    assert!(common::cli_ok(&data, &["note", "list"]).contains("No note waits"));
}

/// While the mail server refuses a contact's address, an approved note goes home on paper
/// like the rest of their news, and is not emailed after the address is fixed.
#[test]
fn a_note_to_a_refused_address_goes_on_paper_and_never_twice() {
    let (_dir, gp) = common::new_class();
    let ana = gp.add_student("Ana", "López", None).unwrap().id;
    contact(&gp, "Maria", Some("maria@example.org"), "email", "en", ana);
    let maria = gp.contacts().unwrap()[0].id;
    goalpost::store::contacts::set_email_error(gp.store().conn(), maria, Some("550 no such user"))
        .unwrap();
    let n = gp.add_note(ana, "See you Thursday").unwrap();
    gp.approve_notes(&[n.id]).unwrap();
    let s = mail_support::send(&gp);
    assert_eq!((s.sent, s.slips), (0, 1), "{s:?}");
    assert!(std::fs::read_to_string(&s.print_files[0])
        .unwrap()
        .contains("See you Thursday"));
    // Fixed: nothing more goes (the note went on paper).
    gp.edit_contact(
        maria,
        &ContactInput {
            email: Some("maria.lopez@example.org".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let s = mail_support::send(&gp);
    assert_eq!((s.sent, s.slips, s.queued.emails), (0, 0, 0), "{s:?}");
}

/// Six weeks of notes (seeded, bounded): children write notes, the teacher approves some
/// and rejects others, contacts change channel, are linked to another child or unlinked,
/// a child is erased, and a sync runs every day. After each sync: every note that went
/// out was approved and went only to a contact of that child, as linked when it was
/// queued; no waiting or rejected note is on any delivery; an erased child's notes are
/// gone with what carried them.
#[test]
fn six_weeks_of_notes_go_only_to_each_childs_own_families() {
    let (_dir, gp) = common::new_class();
    gp.create_demo(6).unwrap();
    let start = common::now();
    let mut seed: u64 = 0x0016_0002;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let channels = ["email", "weekly", "paper", "chat", "none"];
    let mut written = 0;
    // Each note's words, by child.
    let mut texts: Vec<(StudentId, String)> = Vec::new();
    let mut erased: Option<(StudentId, Vec<String>)> = None;
    for day in 0..42 {
        let gp = mail_support::reopen(
            gp.data_dir(),
            &(start + chrono::Duration::days(day)).to_rfc3339(),
        );
        let students = gp.students().unwrap();
        // A note or two a day, each with words of its own.
        for _ in 0..1 + next(2) {
            let s = &students[next(students.len())];
            written += 1;
            let text = format!("note{written}x for home");
            gp.add_note(s.id, &text).unwrap();
            texts.push((s.id, text));
        }
        let waiting = gp.notes(Some(NoteStatus::Waiting)).unwrap();
        for n in &waiting {
            match next(4) {
                0 | 1 => {
                    gp.approve_notes(&[n.note.id]).unwrap();
                }
                2 => {
                    gp.reject_notes(&[n.note.id]).unwrap();
                }
                _ => {} // left waiting
            }
        }
        let contacts = gp.contacts().unwrap();
        let c = &contacts[next(contacts.len())];
        match next(5) {
            0 => {
                let ch = channels[next(channels.len())];
                if c.email.is_some() || !["email", "weekly"].contains(&ch) {
                    gp.edit_contact(
                        c.id,
                        &ContactInput {
                            channel: Some(ch.into()),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                }
            }
            1 => {
                let s = &students[next(students.len())];
                if !c.students.iter().any(|l| l.student_id == s.id) {
                    gp.link_contact(c.id, s.id, "aunt").unwrap();
                }
            }
            2 if c.students.len() > 1 => {
                gp.unlink_contact(c.id, c.students[0].student_id).unwrap();
            }
            _ => {}
        }
        if day == 20 {
            let id = students[0].id;
            gp.remove_student(id).unwrap();
            let own = texts
                .iter()
                .filter(|(s, _)| *s == id)
                .map(|(_, t)| t.clone())
                .collect();
            erased = Some((id, own));
        }
        // What the plan gives each family, checked against the links before the sync.
        let links: std::collections::HashMap<ContactId, Vec<StudentId>> = gp
            .contacts()
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.students.iter().map(|l| l.student_id).collect()))
            .collect();
        mail_support::send(&gp);

        let notes = gp.notes(None).unwrap();
        let status = |id: i64| notes.iter().find(|n| n.note.id == id);
        for d in goalpost::store::outbox::list(gp.store().conn(), false).unwrap() {
            for id in &d.note_ids {
                let n =
                    status(*id).unwrap_or_else(|| panic!("day {day}: note {id} gone but carried"));
                assert_eq!(
                    n.note.status,
                    NoteStatus::Approved,
                    "day {day}: note {id} went out unapproved"
                );
                // Queued today: the contact was the child's when it was queued.
                if d.created_at == gp.now() {
                    assert!(
                        links[&d.contact_id].contains(&n.note.student_id),
                        "day {day}: note {id} to contact {} of another child",
                        d.contact_id
                    );
                }
            }
        }
        if let Some((id, texts)) = &erased {
            assert!(notes.iter().all(|n| n.note.student_id != *id), "day {day}");
            let dump = common::dump(gp.data_dir());
            let outbox: String = common::eml_files(&gp.data_dir().join("outbox"))
                .iter()
                .map(|p| std::fs::read_to_string(p).unwrap())
                .collect();
            for t in texts {
                assert!(!dump.contains(t.as_str()), "day {day}: {t} in the database");
                assert!(
                    !outbox.contains(t.as_str()),
                    "day {day}: {t} in the outbox folder"
                );
            }
        }
    }
    assert!(written > 42);
    let carried = goalpost::store::outbox::list(gp.store().conn(), false)
        .unwrap()
        .iter()
        .filter(|d| !d.note_ids.is_empty())
        .count();
    assert!(carried > 20, "notes went out: {carried}");
    assert!(
        erased.is_some_and(|(_, t)| !t.is_empty()),
        "the erased child had notes"
    );
}

/// `goalpost sync --dry-run` names the note for the child's family, and sends nothing.
#[test]
fn a_dry_run_shows_the_note_and_sends_nothing() {
    let (_d, data) = common::demo_data_dir(2);
    let v = common::cli_ok_json(
        &data,
        &[
            "note",
            "add",
            "--student",
            "1",
            "--text",
            "Ask me about volcanoes!",
        ],
    );
    let id = v["id"].as_i64().unwrap().to_string();
    common::cli_ok(&data, &["note", "approve", &id]);
    let before = common::dump(&data);
    let text = common::cli_ok(&data, &["sync", "--dry-run"]);
    assert!(
        text.contains("a note: \"Ask me about volcanoes!\""),
        "{text}"
    );
    assert_eq!(common::dump(&data), before, "a dry run changes nothing");
}
