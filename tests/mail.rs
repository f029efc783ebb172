//! Family mail, as a spec: what each contact receives, in which language and shape, through
//! the outbox folder and through a real SMTP server on 127.0.0.1.

mod common;
mod mail_support;

use std::collections::{HashMap, HashSet};

use common::has_word;
use goalpost::mail;
use goalpost::model::*;
use goalpost::store::outbox;
use mail_support::*;
use serde_json::Value;

fn by_message_id(parsed: &[Value]) -> HashMap<String, Value> {
    parsed
        .iter()
        .map(|m| (m["message_id"].as_str().unwrap().to_string(), m.clone()))
        .collect()
}

#[test]
fn without_a_server_each_due_message_is_an_openable_eml_and_slips_are_printed() {
    let (dir, gp) = demo(12);
    let s = send(&gp);
    assert!(s.stopped.is_none(), "{:?}", s.stopped);
    assert_eq!(s.digests, s.queued.digests);
    assert!(s.sent > 0 && s.digests > 0 && s.slips > 0, "{s:?}");
    assert_eq!(s.waiting_for_photos, 0);

    let files = eml_files(&dir.path().join("outbox"));
    assert_eq!(files.len(), s.sent + s.digests, "one .eml per message");
    let parsed = parse(&files);
    // The demo's sharing time is announced by invitations of its own (tests/invitations.rs).
    let invitations = parsed.iter().filter(|m| is_sharing_message(m)).count();
    assert!(invitations > 0);
    assert_eq!(
        s.sent,
        s.queued.emails + invitations,
        "every queued email went out"
    );
    for m in &parsed {
        check_shape(m);
    }
    // Each file is named after its Message-ID, from ids only.
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy();
        assert!(name.is_ascii() && name.starts_with("goalpost."), "{name}");
    }
    // The outbox rows are sent, with a contact log entry each.
    let rows = outbox::list(gp.store().conn(), false).unwrap();
    assert!(
        rows.iter().all(|d| d.status == outbox::Status::Sent),
        "{rows:?}"
    );
    let log = goalpost::store::contact_log::list(gp.store().conn(), None).unwrap();
    assert_eq!(log.len(), rows.len());

    // Slips: one page, one slip per queued slip, each in its family's language.
    assert_eq!(s.print_files.len(), 1);
    let page = std::fs::read_to_string(&s.print_files[0]).unwrap();
    assert_eq!(page.matches("<section class=\"slip\"").count(), s.slips);
    assert!(page.contains("@page"), "a print style");
    assert!(
        page.contains("dir=\"rtl\""),
        "the Arabic grandfather's slip reads right to left"
    );
    assert!(
        page.contains("data:image/jpeg;base64,"),
        "photos are embedded"
    );

    // A second run sends nothing again.
    let again = send(&gp);
    assert_eq!(
        (
            again.queued.emails,
            again.queued.digests,
            again.queued.slips,
            again.sent
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(eml_files(&dir.path().join("outbox")).len(), files.len());
}

#[test]
fn the_cli_demo_then_mail_send_fills_the_outbox_and_print_folders() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("goalpost")
            .unwrap()
            .env("GOALPOST_DATA_DIR", dir.path())
            .env("GOALPOST_NOW", NOW)
            .env_remove("GOALPOST_SMTP_PASSWORD")
            .args(args)
            .assert()
    };
    run(&["demo"]).success();
    // Until the photo pipeline is merged, its copies are made here.
    make_copies(&goalpost::Goalpost::open(dir.path()).unwrap());
    let out = run(&["mail", "send", "--json"]).success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let n = v["sent"].as_u64().unwrap() + v["digests"].as_u64().unwrap();
    assert!(n > 0);
    assert_eq!(eml_files(&dir.path().join("outbox")).len() as u64, n);
    assert!(std::fs::read_dir(dir.path().join("print")).unwrap().count() >= 1);
    let fallbacks = v["language_fallbacks"].as_array().unwrap();
    assert!(
        fallbacks
            .iter()
            .any(|f| f["wanted"] == "mi" && f["used"] == "en"),
        "te reo Māori has no catalog yet: the teacher is told, {fallbacks:?}"
    );
    // The text output names what fell back.
    let text = run(&["mail", "outbox", "--all"]).success();
    assert!(String::from_utf8_lossy(&text.get_output().stdout).contains("sent"));
    // A goal sheet.
    let sheet = run(&["print", "goal-sheet", "1"]).success();
    assert!(String::from_utf8_lossy(&sheet.get_output().stdout).contains("goal-sheet-s1-"));
}

#[test]
fn words_follow_the_contacts_language_with_rtl_for_arabic_and_fallback_reported() {
    let (dir, gp) = demo(12);
    let s = send(&gp);
    let parsed = parse(&eml_files(&dir.path().join("outbox")));
    let contacts = gp.contacts().unwrap();
    let by_email: HashMap<&str, &Contact> = contacts
        .iter()
        .filter_map(|c| c.email.as_deref().map(|e| (e, c)))
        .collect();
    let mut seen = HashSet::new();
    for m in &parsed {
        let to = m["to"][0].as_str().unwrap();
        let c = by_email[to];
        let lang = m["content_language"].as_str().unwrap();
        let subject = m["subject"].as_str().unwrap();
        let html = m["html"].as_str().unwrap();
        if is_sharing_message(m) {
            // The sharing time's invitation, in the same language (tests/invitations.rs).
            let (want_lang, word) = match c.language.as_str() {
                "es" => ("es", "Invitación"),
                "ar" => ("ar", "دعوة"),
                _ => ("en", "Invitation"),
            };
            assert_eq!(lang, want_lang, "{subject}");
            assert!(subject.starts_with(word), "{subject}");
            assert_eq!(html.contains("dir=\"rtl\""), want_lang == "ar");
            continue;
        }
        match c.language.as_str() {
            "es" => {
                assert_eq!(lang, "es");
                assert!(
                    subject.contains("alcanzó una meta") || subject.contains("Esta semana"),
                    "{subject}"
                );
                assert!(m["plain"].as_str().unwrap().contains("Pregúntele"));
            }
            "ar" => {
                assert_eq!(lang, "ar");
                assert!(
                    html.contains("dir=\"rtl\""),
                    "Arabic is laid out right to left"
                );
                assert!(subject.contains("حقق"), "{subject}");
            }
            "mi" | "de" | "zh-Hant" | "en" => {
                assert_eq!(
                    lang, "en",
                    "{} falls back to the class language",
                    c.language
                );
                assert!(subject.contains("reached a goal") || subject.contains("This week"));
            }
            other => panic!("unexpected language {other}"),
        }
        // Non-ASCII in headers is encoded (the raw message is 7-bit) and decodes back.
        let raw = m["raw_subject_header"].as_str().unwrap();
        if !subject.is_ascii() {
            assert!(raw.contains("=?utf-8?"), "{raw}");
        }
        assert_eq!(m["to_name"][0].as_str().unwrap(), c.name);
        seen.insert(c.language.clone());
    }
    assert!(seen.contains("es") && seen.contains("ar"), "{seen:?}");
    let fell: HashSet<&str> = s
        .language_fallbacks
        .iter()
        .map(|f| f.wanted.as_str())
        .collect();
    assert!(fell.contains("mi"), "{fell:?}");
    assert!(!fell.contains("es") && !fell.contains("ar"));
}

#[test]
fn messages_hold_the_goal_next_step_question_photo_and_blog_link() {
    let (dir, gp) = demo(12);
    gp.set_setting("blog.site_url", "https://kowhai.school.example/room7/")
        .unwrap();
    gp.set_setting("smtp.from", "goalpost@kowhai.school.example")
        .unwrap();
    send(&gp);
    let parsed = by_message_id(&parse(&eml_files(&dir.path().join("outbox"))));
    let views = gp.family_views().unwrap();
    let class = gp.class().unwrap();
    let mut checked = 0;
    for v in views.iter().filter(|v| v.contact.channel == Channel::Email) {
        for item in &v.items {
            let mid = mail::message_id(
                &class,
                "goalpost@kowhai.school.example",
                &format!("evidence:{}", item.evidence_id),
                v.contact.id,
            );
            let m = parsed
                .get(&mid)
                .unwrap_or_else(|| panic!("no message {mid} for {}", v.contact.name));
            assert_eq!(m["from_addr"], "goalpost@kowhai.school.example");
            let plain = m["plain"].as_str().unwrap();
            let html = m["html"].as_str().unwrap();
            // The plan's texts as the family reads them (names replaced, see `mentions`).
            let shown = |t: &goalpost::plan::Text| t.render("a classmate");
            assert!(plain.contains(&shown(&item.goal_title)), "the goal");
            assert!(
                plain.contains(shown(&item.words).trim()),
                "the child's own words"
            );
            if let Some(next) = &item.next_goal {
                assert!(plain.contains(&shown(next)), "the next goal");
            }
            let message = shown(&item.family_message);
            if !message.is_empty() {
                assert!(plain.contains(message.trim()));
            }
            let images = m["images"].as_array().unwrap();
            match &item.photo_hash {
                Some(_) => assert_eq!(images.len(), 1, "photo with email_family consent"),
                None => assert!(images.is_empty(), "no photo without email_family consent"),
            }
            if let Some(slug) = &item.blog_slug {
                let html_text = m["html_unescaped"].as_str().unwrap();
                assert!(html_text.contains(&format!(
                    "https://kowhai.school.example/room7/posts/{slug}.html"
                )));
            }
            assert!(
                plain.contains("Reply to this email")
                    || plain.contains("Responda")
                    || plain.contains("ردّوا")
            );
            assert!(html.contains("<blockquote"), "words are quoted");
            checked += 1;
        }
    }
    assert!(checked >= 3, "{checked}");
    // The sharing time is announced, with its place (for families only: the blog never
    // shows it).
    let any = parsed.values().next().unwrap();
    let plain = any["plain"].as_str().unwrap();
    assert!(plain.contains("Come and see our learning"), "{plain}");
    assert!(
        parsed
            .values()
            .any(|m| m["plain"].as_str().unwrap().contains("Where: Room 7")),
        "an English message says where"
    );
}

#[test]
fn the_same_message_twice_is_the_same_bytes() {
    // Boundaries come from the Message-ID and Date from the clock: byte-stable output.
    let (d1, g1) = demo(4);
    let (d2, g2) = demo(4);
    send(&g1);
    send(&g2);
    let a = eml_files(&d1.path().join("outbox"));
    let b = eml_files(&d2.path().join("outbox"));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            std::fs::read(x).unwrap(),
            std::fs::read(y).unwrap(),
            "{x:?}"
        );
    }
}

#[test]
fn a_teacher_can_correct_a_catalog_by_dropping_a_file() {
    let (dir, gp) = demo(6);
    let es = dir.path().join("i18n/es");
    std::fs::create_dir_all(&es).unwrap();
    std::fs::write(
        es.join("mail.ftl"),
        "subject-evidence = ¡{ $name } logró su meta! { $goal }\n",
    )
    .unwrap();
    send(&gp);
    let parsed = parse(&eml_files(&dir.path().join("outbox")));
    let es_subjects: Vec<&str> = parsed
        .iter()
        .filter(|m| m["content_language"] == "es" && !is_sharing_message(m))
        .map(|m| m["subject"].as_str().unwrap())
        .filter(|s| !s.starts_with("Esta semana"))
        .collect();
    assert!(!es_subjects.is_empty());
    for s in es_subjects {
        assert!(s.contains("logró su meta"), "{s}");
    }
}

#[test]
fn weekly_digests_wait_for_the_day_and_cover_everything_since_the_last_one() {
    let dir = tempfile::tempdir().unwrap();
    // Monday in Auckland: before Friday, no digest.
    let monday = "2026-11-15T22:00:00Z";
    let gp = reopen_create(dir.path(), monday);
    gp.create_demo(6).unwrap();
    make_copies(&gp);
    let s = send(&gp);
    assert_eq!(s.queued.digests, 0, "not before mail.weekly_day");
    assert!(s.queued.emails > 0);
    // Friday: one digest per weekly contact with all their approved evidence.
    let gp = reopen(dir.path(), NOW);
    let s = send(&gp);
    let views = gp.family_views().unwrap();
    let expect = views
        .iter()
        .filter(|v| v.contact.channel == Channel::Weekly && !v.items.is_empty())
        .count();
    assert_eq!(s.queued.digests, expect);
    assert_eq!(s.digests, expect);
    // Again on Saturday of the same week: nothing new.
    let gp = reopen(dir.path(), "2026-11-21T09:00:00Z");
    assert_eq!(send(&gp).queued.digests, 0);
}

fn reopen_create(dir: &std::path::Path, now: &str) -> goalpost::Goalpost {
    goalpost::Goalpost::create(dir)
        .unwrap()
        .with_clock(goalpost::Clock::fixed(at(now)))
}

#[test]
fn a_missing_photo_copy_keeps_the_message_waiting_and_never_attaches_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let gp = reopen_create(dir.path(), NOW);
    gp.create_demo(6).unwrap();
    // No copies can be made: the originals are away (say, on a disk that is not mounted).
    let originals = goalpost::photo::originals_dir(dir.path());
    let away = dir.path().join("originals-away");
    std::fs::rename(&originals, &away).unwrap();
    let s = send(&gp);
    assert!(s.waiting_for_photos > 0);
    let rows = outbox::list(gp.store().conn(), true).unwrap();
    assert!(rows.iter().any(|d| d
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("photo copies not made yet"))));
    // Once the originals are back, mail send makes the copies and the messages go.
    std::fs::rename(&away, &originals).unwrap();
    let s2 = send(&gp);
    assert_eq!(s2.waiting_for_photos, 0);
    assert!(s2.sent + s2.digests + s2.slips >= s.waiting_for_photos);
    // No original's bytes in any message: originals are the demo JPEGs at quality 85.
    for f in eml_files(&dir.path().join("outbox")) {
        let m = &parse(std::slice::from_ref(&f))[0];
        for img in m["images"].as_array().unwrap() {
            let n = img["bytes"].as_u64().unwrap();
            let originals: Vec<u64> = std::fs::read_dir(goalpost::photo::originals_dir(dir.path()))
                .unwrap()
                .flatten()
                .map(|e| e.metadata().unwrap().len())
                .collect();
            assert!(!originals.contains(&n), "an original was attached");
        }
    }
}

#[test]
fn a_digest_with_many_big_photos_stays_under_one_megabyte() {
    let (dir, gp) = demo(6);
    // A weekly contact with one child and many approved pieces of evidence, each with a
    // noisy 1024px photo (about 300-400 KB as JPEG).
    let views = gp.family_views().unwrap();
    let weekly = views
        .iter()
        .find(|v| v.contact.channel == Channel::Weekly && !v.contact.students.is_empty())
        .unwrap();
    let student = weekly.contact.students[0].student_id;
    let mut ids = Vec::new();
    for k in 0..4u32 {
        let mut rng = 12345u32.wrapping_add(k);
        let img = image::RgbImage::from_fn(1024, 768, |_, _| {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            image::Rgb([rng as u8, (rng >> 8) as u8, (rng >> 16) as u8])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 60)
            .encode_image(&img)
            .unwrap();
        let p = dir.path().join(format!("big{k}.jpg"));
        std::fs::write(&p, out.into_inner()).unwrap();
        let g = gp
            .add_goal(student, &format!("I can do thing {k}"), "Maths", None)
            .unwrap();
        ids.push(
            gp.add_evidence(student, g.id, Some(&p), "I did it", "")
                .unwrap()
                .id,
        );
    }
    gp.approve(&ids).unwrap();
    make_copies(&gp);
    send(&gp);
    let parsed = parse(&eml_files(&dir.path().join("outbox")));
    let digest = parsed
        .iter()
        .find(|m| m["to"][0] == weekly.contact.email.clone().unwrap().as_str())
        .unwrap();
    check_shape(digest);
    assert!(digest["size"].as_u64().unwrap() < 1_000_000);
    assert!(
        digest["plain"].as_str().unwrap().contains("left out"),
        "the family is told a photo was left out"
    );
}

#[test]
fn a_class_of_30_with_siblings_over_smtp_each_family_gets_exactly_its_own() {
    let (_dir, gp) = demo(30);
    // Siblings: some contacts also hear about a second child.
    let contacts = gp.contacts().unwrap();
    let students = gp.students().unwrap();
    let mut linked = 0;
    for (k, c) in contacts
        .iter()
        .filter(|c| c.channel != Channel::None)
        .enumerate()
        .filter(|(k, _)| k % 4 == 0)
    {
        let sib = &students[(k * 7 + 3) % students.len()];
        if !c.students.iter().any(|s| s.student_id == sib.id) {
            gp.link_contact(c.id, sib.id, "mother").unwrap();
            linked += 1;
        }
    }
    assert!(linked >= 4);
    let server = Server::start(Fault::default());
    gp.set_setting("smtp.url", &server.url()).unwrap();
    let s = send(&gp);
    assert!(s.stopped.is_none(), "{:?}", s.stopped);
    assert_eq!(s.connections, 1, "one connection for the whole run");
    let received = server.received();
    assert_eq!(received.len(), s.sent + s.digests);

    let contacts = gp.contacts().unwrap();
    let students = gp.students().unwrap();
    let views = gp.family_views().unwrap();
    let parsed = parse(&received.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>());
    let mut per_contact: HashMap<ContactId, usize> = HashMap::new();
    for ((env, _), m) in received.iter().zip(&parsed) {
        check_shape(m);
        let rcpts = env["rcpt_tos"].as_array().unwrap();
        assert_eq!(rcpts.len(), 1, "one recipient per message");
        assert_eq!(rcpts[0], m["to"][0], "envelope and To agree");
        let c = contacts
            .iter()
            .find(|c| c.email.as_deref() == rcpts[0].as_str())
            .unwrap();
        if !is_sharing_message(m) {
            *per_contact.entry(c.id).or_default() += 1;
        }
        let own: HashSet<StudentId> = c.students.iter().map(|s| s.student_id).collect();
        let own_names: Vec<&str> = students
            .iter()
            .filter(|s| own.contains(&s.id))
            .map(|s| s.display_name.as_str())
            .collect();
        // The teacher's name may share a first name with a student: leave it out.
        let text = format!("{}\n{}", m["plain"].as_str().unwrap(), m["subject"])
            .replace("Ms Aroha Te Rangi", "the teacher");
        for other in students.iter().filter(|s| !own.contains(&s.id)) {
            if own_names
                .iter()
                .any(|n| n.contains(other.display_name.as_str()))
            {
                continue;
            }
            assert!(
                !has_word(&text, &other.display_name),
                "{} received {}'s name",
                c.name,
                other.display_name
            );
        }
        for s in &students {
            assert!(
                s.last_name.is_empty()
                    || !has_word(&text, &s.last_name)
                    || c.name.contains(&s.last_name),
                "a last name leaked to {}",
                c.name
            );
        }
        // Photos only of own children's evidence.
        let own_evidence: HashSet<String> = views
            .iter()
            .find(|v| v.contact.id == c.id)
            .unwrap()
            .items
            .iter()
            .map(|i| mail::compose::photo_cid(i.evidence_id))
            .collect();
        for img in m["images"].as_array().unwrap() {
            assert!(own_evidence.contains(img["cid"].as_str().unwrap()));
        }
    }
    // Every email or weekly contact with approved evidence got exactly what was due.
    for v in &views {
        let expect = match v.contact.channel {
            Channel::Email => v.items.len(),
            Channel::Weekly => usize::from(!v.items.is_empty()),
            _ => 0,
        };
        assert_eq!(
            per_contact.get(&v.contact.id).copied().unwrap_or(0),
            expect,
            "{} ({})",
            v.contact.name,
            v.contact.channel
        );
    }
}

/// Deliveries queued for one contact, as the evidence they are about.
fn queued_for(gp: &goalpost::Goalpost, contact: ContactId) -> Vec<Vec<EvidenceId>> {
    outbox::list(gp.store().conn(), false)
        .unwrap()
        .into_iter()
        .filter(|d| d.contact_id == contact)
        .map(|d| d.evidence_ids)
        .collect()
}

#[test]
fn a_new_contact_hears_about_recent_evidence_not_the_back_catalogue() {
    // The demo's evidence is approved at NOW (2026-11-20).
    let (dir, gp) = demo(6);
    let view = gp
        .family_views()
        .unwrap()
        .into_iter()
        .find(|v| v.contact.channel == Channel::Email && !v.items.is_empty())
        .unwrap();
    let student = view.items[0].student_id;
    let old: Vec<EvidenceId> = gp
        .family_views()
        .unwrap()
        .into_iter()
        .flat_map(|v| v.items)
        .filter(|i| i.student_id == student)
        .map(|i| i.evidence_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    assert!(!old.is_empty());
    let add = |gp: &goalpost::Goalpost, name: &str, email: &str| {
        gp.add_contact(
            &goalpost::class::ContactInput {
                name: Some(name.into()),
                email: Some(email.into()),
                language: None,
                channel: Some("email".into()),
            },
            Some((student, "grandmother")),
        )
        .unwrap()
    };

    // Linked 5 days after the approval: within the week, so they hear about it.
    let soon = reopen(dir.path(), "2026-11-25T09:00:00Z");
    let aunt = add(&soon, "Aunt Recent", "aunt.recent@example.org");
    soon.mail_queue().unwrap();
    let mut got: Vec<EvidenceId> = queued_for(&soon, aunt.id).concat();
    got.sort();
    let mut want = old.clone();
    want.sort();
    assert_eq!(got, want, "a contact linked within the week hears about it");

    // Linked a month later: none of the back catalogue.
    let later = reopen(dir.path(), "2026-12-20T09:00:00Z");
    let nana = add(&later, "Nana Later", "nana.later@example.org");
    let (q, _) = later.mail_queue().unwrap();
    assert!(
        queued_for(&later, nana.id).is_empty(),
        "no back catalogue for a new contact ({} queued overall)",
        q.emails
    );
    // Relinking with another relationship keeps the link's date: still nothing old.
    later
        .link_contact(nana.id, student, "grandmother (Nana)")
        .unwrap();
    later.mail_queue().unwrap();
    assert!(queued_for(&later, nana.id).is_empty());

    // New evidence approved after the link reaches her, and the earlier contacts too.
    let goal = later.goals(Some(student)).unwrap()[0].id;
    let e = later
        .add_evidence(student, goal, None, "I can count by fives now", "")
        .unwrap();
    later.approve(&[e.id]).unwrap();
    later.mail_queue().unwrap();
    assert_eq!(queued_for(&later, nana.id), vec![vec![e.id]]);
    assert!(queued_for(&later, aunt.id).contains(&vec![e.id]));
}

/// The Settings screen's mail form: it saves exactly the settings the CLI uses, reads them
/// back apart, saves nothing when any field is wrong, and a test email sent through what it
/// saved reaches a real server.
#[test]
fn the_mail_settings_form_saves_the_cli_settings_whole_or_not_at_all() {
    use goalpost::mail::server::{MailServerInput, Password, Security};
    let server = Server::start(Fault::default());
    let (_dir, gp) = demo(2);

    // Nothing set: emails go to the outbox folder, and a test email is written there.
    let m = gp.mail_server().unwrap();
    assert_eq!(m.host, None);
    assert_eq!(m.outbox, gp.data_dir().join("outbox"));
    let r = gp.mail_test("teacher@example.org").unwrap();
    assert!(r
        .file
        .as_ref()
        .is_some_and(|f| f.starts_with(&m.outbox) && f.is_file()));

    let form = MailServerInput {
        host: " 127.0.0.1 ".into(),
        port: Some(server.port),
        security: Some(Security::Starttls),
        from: "room7@school.example".into(),
        ..Default::default()
    };
    let m = gp.set_mail_server(&form).unwrap();
    assert_eq!(gp.setting("smtp.url").unwrap(), Some(server.url()));
    assert_eq!(
        gp.setting("smtp.from").unwrap().as_deref(),
        Some("room7@school.example")
    );
    assert_eq!(m.host.as_deref(), Some("127.0.0.1"));
    assert_eq!(m.port, server.port);
    assert_eq!(m.security, Security::Starttls);
    assert_eq!(m.user, None);
    assert_eq!(m.password, Password::NotNeeded);
    assert_eq!(m.sender, "room7@school.example");

    let r = gp.mail_test("parent@example.org").unwrap();
    assert!(r.file.is_none());
    let got = server.received();
    assert_eq!(got.len(), 1, "the test email reached the server");
    assert_eq!(got[0].0["rcpt_tos"][0], "parent@example.org");
    assert_eq!(got[0].0["mail_from"], "room7@school.example");

    // One bad field saves none of them: the server stays the one that works.
    let settings_before = gp.settings().unwrap();
    let before: Vec<_> = settings_before.iter().map(|s| &s.value).collect();
    for (bad, names) in [
        (
            MailServerInput {
                host: "mail.school.example".into(),
                from: "not an address".into(),
                ..Default::default()
            },
            "smtp.from",
        ),
        (
            MailServerInput {
                host: "mail.school.example".into(),
                ca_file: "/nowhere/ca.pem".into(),
                ..Default::default()
            },
            "ca.pem",
        ),
        (
            MailServerInput {
                host: "mail.school.example:587".into(),
                ..Default::default()
            },
            "smtp.school.org",
        ),
        (
            MailServerInput {
                host: "mail.school.example".into(),
                password: Some("secret".into()),
                ..Default::default()
            },
            "user name",
        ),
    ] {
        let e = gp.set_mail_server(&bad).unwrap_err().to_string();
        assert!(e.contains(names), "{e}");
        let after = gp.settings().unwrap();
        assert_eq!(
            before,
            after.iter().map(|s| &s.value).collect::<Vec<_>>(),
            "{e}"
        );
    }

    // A user name is kept apart from the address and read back as typed.
    gp.set_mail_server(&MailServerInput {
        host: "smtp.school.example".into(),
        security: Some(Security::Tls),
        user: "lee@school.example".into(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        gp.setting("smtp.url").unwrap().as_deref(),
        Some("smtps://lee%40school.example@smtp.school.example:465")
    );
    let m = gp.mail_server().unwrap();
    assert_eq!(m.user.as_deref(), Some("lee@school.example"));
    assert_eq!(m.port, 465);
    assert!(matches!(
        m.password,
        Password::Found { .. } | Password::Missing { .. }
    ));

    // An empty server name goes back to the outbox folder.
    let m = gp.set_mail_server(&MailServerInput::default()).unwrap();
    assert_eq!(m.host, None);
    assert_eq!(gp.setting("smtp.url").unwrap(), None);
    assert_eq!(gp.setting("smtp.from").unwrap(), None);
}
