//! The class database through the core's operations: each store query reached, and the
//! backup that stays consistent while another connection writes.

mod backup_support;
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use goalpost::class::ContactInput;
use goalpost::*;

fn contact(name: &str, email: Option<&str>, lang: &str, channel: &str) -> ContactInput {
    ContactInput {
        name: Some(name.into()),
        email: email.map(Into::into),
        language: Some(lang.into()),
        channel: Some(channel.into()),
    }
}

#[test]
fn students_contacts_links_and_consents() {
    let (_d, gp) = new_class();
    let ana = gp.add_student("Ana", "López", None).unwrap();
    let ana2 = gp.add_student("Ana", "Smith", None).unwrap();
    let sam = gp.add_student("Samuel", "Lee", Some("Star")).unwrap();
    assert_eq!(gp.student(ana.id).unwrap().display_name, "Ana L.");
    assert_eq!(gp.student(ana2.id).unwrap().display_name, "Ana S.");
    assert_eq!(sam.display_name, "Star");

    // Editing one Ana's first name removes the need for initials.
    let ana2 = gp
        .edit_student(ana2.id, Some("Anahera"), None, None)
        .unwrap();
    assert_eq!(ana2.display_name, "Anahera");
    assert_eq!(gp.student(ana.id).unwrap().display_name, "Ana");
    let sam = gp.edit_student(sam.id, None, None, Some("")).unwrap();
    assert_eq!(sam.display_name, "Samuel");

    let mum = gp
        .add_contact(
            &contact("Maria López", Some("maria@example.org"), "es", "email"),
            Some((ana.id, "mother")),
        )
        .unwrap();
    assert_eq!(mum.students.len(), 1);
    let mum = gp.link_contact(mum.id, ana2.id, "aunt").unwrap();
    assert_eq!(mum.students.len(), 2);
    let mum = gp.link_contact(mum.id, ana2.id, "godmother").unwrap();
    assert_eq!(
        mum.students
            .iter()
            .find(|l| l.student_id == ana2.id)
            .unwrap()
            .relationship,
        "godmother"
    );
    let mum = gp.unlink_contact(mum.id, ana2.id).unwrap();
    assert_eq!(mum.students.len(), 1);
    assert!(gp.unlink_contact(mum.id, ana2.id).is_err());

    // Addresses are unique, channels that need an address get one.
    let dup = gp.add_contact(
        &contact("Other", Some("MARIA@example.org"), "en", "email"),
        None,
    );
    assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
    let no_mail = gp.add_contact(&contact("Nana", None, "en", "weekly"), None);
    assert!(no_mail.unwrap_err().to_string().contains("--channel paper"));
    let nana = gp
        .add_contact(
            &contact("Nana", None, "en", "paper"),
            Some((ana.id, "grandmother")),
        )
        .unwrap();
    let edited = gp
        .edit_contact(
            nana.id,
            &ContactInput {
                channel: Some("none".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(edited.emails_queued_again, 0, "nothing was refused");
    let edited = edited.contact;
    assert_eq!(edited.channel, Channel::None);
    assert_eq!(edited.name, "Nana");
    gp.remove_contact(nana.id).unwrap();
    assert!(gp.contact(nana.id).is_err());

    // Consent: recorded with who and when, unchanged answers leave no history.
    gp.set_consent(ana.id, Purpose::Blog, true, "Maria López")
        .unwrap();
    gp.set_consent(ana.id, Purpose::Blog, true, "Maria López")
        .unwrap();
    let c = gp
        .set_consent(ana.id, Purpose::PhotoOnBlog, false, "Maria López")
        .unwrap();
    assert!(c.allows(Purpose::Blog) && !c.allows(Purpose::PhotoOnBlog));
    assert!(!c.allows(Purpose::EmailFamily), "no answer counts as no");
    let rec = c.get(Purpose::Blog).unwrap();
    assert_eq!(rec.given_by, "Maria López");
    assert_eq!(rec.given_at.to_rfc3339(), "2026-11-20T09:00:00+00:00");
    let history: i64 = gp
        .store()
        .conn()
        .query_row("SELECT count(*) FROM consent_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(history, 2);
}

#[test]
fn goals_evidence_review_and_erasure() {
    let (d, gp) = new_class();
    let data = d.path().join("class");
    let ana = gp.add_student("Ana", "López", None).unwrap();
    let ben = gp.add_student("Ben", "Ray", None).unwrap();
    let g1 = gp
        .add_goal(ana.id, "I can count by 5s", "Maths", None)
        .unwrap();
    let g2 = gp
        .add_goal(ana.id, "I can count by 10s", "Maths", Some(g1.id))
        .unwrap();
    assert_eq!(gp.goal(g1.id).unwrap().next_goal_id, Some(g2.id));
    let bens = gp.add_goal(ben.id, "I can skip", "PE", None).unwrap();
    assert!(
        gp.add_goal(ben.id, "x", "", Some(g1.id)).is_err(),
        "next goal across students"
    );
    assert!(gp.set_next_goal(g1.id, Some(bens.id)).is_err());
    assert!(
        gp.add_evidence(ben.id, g1.id, None, "", "").is_err(),
        "evidence for another's goal"
    );

    let photo = photo("orientation/portrait_1.jpg");
    let e1 = gp
        .add_evidence(ana.id, g1.id, Some(&photo), "I did it", "Come and see!")
        .unwrap();
    // The same photo again is stored once.
    let e2 = gp
        .add_evidence(ben.id, bens.id, Some(&photo), "Me too", "")
        .unwrap();
    assert_eq!(e1.photo_hash, e2.photo_hash);
    let originals = || {
        std::fs::read_dir(data.join("photos/originals"))
            .unwrap()
            .count()
    };
    assert_eq!(originals(), 1);
    assert_eq!(
        gp.evidence_list(Some(ReviewStatus::Waiting)).unwrap().len(),
        2
    );

    let e1 = gp
        .edit_evidence_text(e1.id, Some("I did it!"), None)
        .unwrap();
    assert_eq!(
        (e1.words.as_str(), e1.family_message.as_str()),
        ("I did it!", "Come and see!")
    );
    let approved = gp.approve(&[e1.id]).unwrap();
    assert_eq!(approved[0].status, ReviewStatus::Approved);
    assert_eq!(approved[0].reviewed_by.as_deref(), Some("Ms Te Rangi"));
    assert_eq!(gp.goal(g1.id).unwrap().status, GoalStatus::Achieved);

    // Returning it makes the goal current again and keeps the reason.
    assert!(gp.return_evidence(e1.id, "  ").is_err());
    let r = gp
        .return_evidence(e1.id, "Please show the last row too")
        .unwrap();
    assert_eq!(r.status, ReviewStatus::Returned);
    assert_eq!(
        r.return_reason.as_deref(),
        Some("Please show the last row too")
    );
    assert_eq!(gp.goal(g1.id).unwrap().status, GoalStatus::Current);

    let all = gp.approve_all().unwrap();
    assert_eq!(all.len(), 1, "only what waits");
    assert!(gp.approve_all().unwrap().is_empty());

    // Erasing Ben keeps the photo Ana's evidence still uses; erasing Ana removes it.
    let erased = gp.remove_student(ben.id).unwrap();
    assert_eq!((erased.evidence, erased.photos), (1, 0));
    assert_eq!(originals(), 1);
    let erased = gp.remove_student(ana.id).unwrap();
    assert_eq!((erased.evidence, erased.photos), (1, 1));
    assert_eq!(originals(), 0);
    let left: i64 = gp
        .store()
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM evidence) + (SELECT count(*) FROM goals) + (SELECT count(*) FROM photos)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "nothing of an erased student remains");
}

#[test]
fn settings_and_sharing_times() {
    let (_d, gp) = new_class();
    assert_eq!(
        gp.setting("mail.weekly_day").unwrap().as_deref(),
        Some("friday")
    );
    assert_eq!(gp.setting("smtp.url").unwrap(), None);
    gp.set_setting("blog.site_url", "https://school.example/room7")
        .unwrap();
    assert_eq!(
        gp.setting("blog.site_url").unwrap().as_deref(),
        Some("https://school.example/room7/")
    );
    gp.set_setting("blog.site_url", "").unwrap();
    assert_eq!(gp.setting("blog.site_url").unwrap(), None);
    assert_eq!(gp.blog_dir().unwrap(), gp.data_dir().join("blog"));

    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    let s = gp
        .add_sharing_time(
            at("2026-11-26 14:00"),
            Some(at("2026-11-26 15:00")),
            "Maths morning",
            "Room 7",
        )
        .unwrap();
    // 14:00 in Auckland (NZDT, UTC+13) is 01:00 UTC.
    assert_eq!(s.starts_at.to_rfc3339(), "2026-11-26T01:00:00+00:00");
    gp.add_sharing_time(at("2026-11-01 14:00"), None, "Past", "")
        .unwrap();
    let up = gp.upcoming_sharing_times().unwrap();
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].title, "Maths morning");
    assert!(gp
        .add_sharing_time(
            at("2026-11-26 14:00"),
            Some(at("2026-11-26 13:00")),
            "x",
            ""
        )
        .is_err());
    gp.remove_sharing_time(s.id).unwrap();
    assert!(gp.upcoming_sharing_times().unwrap().is_empty());
}

/// A backup taken while another connection keeps writing is a consistent snapshot that
/// restores to a database passing `integrity_check`.
#[test]
fn backup_while_another_connection_writes() {
    let (d, gp) = new_class();
    let data = d.path().join("class");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let data = data.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let other = Goalpost::open(&data).unwrap();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) && n < 5000 {
                let s = other
                    .add_student(&format!("Student{n}"), "Writer", None)
                    .unwrap();
                other
                    .add_goal(s.id, "I can keep writing", "", None)
                    .unwrap();
                n += 1;
            }
            n
        })
    };
    let mut backups = Vec::new();
    for i in 0..5 {
        std::thread::sleep(std::time::Duration::from_millis(40));
        let f = d.path().join(format!("b{i}.goalpost"));
        gp.backup(&f).unwrap();
        backups.push(f);
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0);
    for f in &backups {
        let db = f.with_extension("db");
        backup_support::database_of(f, &db);
        let c = rusqlite::Connection::open(&db).unwrap();
        let ok: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        // Consistent: every student in the snapshot has their goal.
        let (s, g): (i64, i64) = c
            .query_row(
                "SELECT (SELECT count(*) FROM students), (SELECT count(*) FROM goals)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(s == g || s == g + 1, "students {s}, goals {g}");
    }
    let target = d.path().join("restored");
    let mut fresh = Goalpost::create(&target).unwrap();
    fresh.restore(backups.last().unwrap()).unwrap();
    let ok: String = fresh
        .store()
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    assert_eq!(fresh.class().unwrap().class_name, "Room 7");
}

#[test]
fn a_damaged_backup_is_refused_and_nothing_changes() {
    let (d, mut gp) = new_class();
    gp.add_student("Ana", "López", None).unwrap();
    let f = d.path().join("b.sqlite3");
    gp.backup(&f).unwrap();
    // Damage every page after the first (the schema): the tables' b-trees are garbage.
    let mut bytes = std::fs::read(&f).unwrap();
    assert!(bytes.len() > 8192);
    for b in &mut bytes[4096..] {
        *b = 0xA5;
    }
    std::fs::write(&f, &bytes).unwrap();
    let before = dump(&d.path().join("class"));
    let err = gp.restore(&f).unwrap_err().to_string();
    assert!(
        err.contains("damaged") || err.contains("not a Goalpost database"),
        "{err}"
    );
    assert_eq!(before, dump(&d.path().join("class")));
}
