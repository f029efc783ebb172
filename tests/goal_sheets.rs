//! Goal sheets go home (issue 16, part 5): every achievement email and slip ends with the
//! child's goal sheet in short (goals reached since the class began: how many and the
//! latest three; the goal worked on now; the next one), and `print goal-sheet --all`
//! writes one page per student, each in their family's language, that passes the HTML
//! validator.

mod blog_support;
mod common;
mod mail_support;

use goalpost::class::ContactInput;
use goalpost::model::*;
use goalpost::Goalpost;
use mail_support::{parse, Fault, Server};

fn contact(gp: &Goalpost, name: &str, email: Option<&str>, channel: &str, lang: &str, s: &Student) {
    let input = ContactInput {
        name: Some(name.into()),
        email: email.map(Into::into),
        language: Some(lang.into()),
        channel: Some(channel.into()),
    };
    gp.add_contact(&input, Some((s.id, "parent"))).unwrap();
}

/// A chain of goals for `s`: each the next goal of the one before. Returns them in order.
fn chain(gp: &Goalpost, s: &Student, titles: &[&str]) -> Vec<Goal> {
    let mut out: Vec<Goal> = Vec::new();
    for t in titles {
        let g = gp
            .add_goal(s.id, t, "Maths", out.last().map(|g| g.id))
            .unwrap();
        out.push(g);
    }
    out
}

fn achieve(gp: &Goalpost, s: &Student, g: &Goal) -> EvidenceId {
    let e = gp.add_evidence(s.id, g.id, None, "I did it", "").unwrap();
    gp.approve(&[e.id]).unwrap();
    e.id
}

/// The text of every message the server received, by recipient.
fn plain_by_rcpt(server: &Server) -> Vec<(String, String, String)> {
    let received = server.received();
    let parsed = parse(&received.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>());
    parsed
        .iter()
        .map(|m| {
            (
                m["to"][0].as_str().unwrap().to_string(),
                m["plain"].as_str().unwrap().to_string(),
                m["html"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn achievement_emails_and_slips_end_with_the_goal_sheet_in_short() {
    let (_dir, gp) = common::new_class();
    let ana = gp.add_student("Ana", "López", None).unwrap();
    let ben = gp.add_student("Ben", "Wu", None).unwrap();
    contact(&gp, "Maria", Some("maria@example.org"), "email", "en", &ana);
    contact(&gp, "Koro", None, "paper", "es", &ana);
    contact(&gp, "Lei", Some("lei@example.org"), "email", "en", &ben);
    // A current goal made first, not in the chain: the goal worked on now is the next goal
    // of the latest goal reached.
    gp.add_goal(ana.id, "I can tie my shoes", "", None).unwrap();
    let g = chain(
        &gp,
        &ana,
        &[
            "I can count to 10",
            "I can count to 20",
            "I can count by 2s",
            "I can count by 5s",
            "I can count by 10s",
            "I can count to 1000",
        ],
    );
    for goal in &g[..4] {
        achieve(&gp, &ana, goal);
    }
    let bg = chain(&gp, &ben, &["I can read a map"]);
    achieve(&gp, &ben, &bg[0]);

    let server = Server::start(Fault::default());
    gp.set_setting("smtp.url", &server.url()).unwrap();
    let s = mail_support::send(&gp);
    assert!(s.stopped.is_none(), "{:?}", s.stopped);
    // Ana's fourth news waits for the weekly gathering (mail.max_per_week is 3): a digest
    // today, the weekly day; it ends with the sheet too.
    assert_eq!((s.sent + s.digests, s.slips), (5, 4), "{s:?}");

    let got = plain_by_rcpt(&server);
    assert_eq!(got.len(), 5);
    for (to, plain, html) in &got {
        if to == "maria@example.org" {
            assert!(plain.contains("Ana's goal sheet"), "{plain}");
            assert!(
                plain.contains("Ana has reached 4 goals since the class began."),
                "{plain}"
            );
            assert!(
                plain.contains(
                    "Latest goals reached: I can count by 5s; I can count by 2s; I can count to 20"
                ),
                "the latest three, newest first: {plain}"
            );
            assert!(
                !plain.contains("Latest goals reached: I can count to 10"),
                "only three: {plain}"
            );
            assert!(
                plain.contains("Working on now: I can count by 10s"),
                "{plain}"
            );
            assert!(plain.contains("Next step: I can count to 1000"), "{plain}");
            assert!(html.contains("class=\"goal-sheet\""), "{html}");
            assert!(html.contains("Ana has reached 4 goals"), "{html}");
            // The sheet ends the message: after the news, before the reply hint.
            let sheet_at = plain.find("Ana's goal sheet").unwrap();
            assert!(sheet_at > plain.find("Ask Ana tonight").unwrap());
            assert!(sheet_at < plain.find("Reply to this email").unwrap());
            assert!(!plain.contains("Ben"), "no other child: {plain}");
        } else {
            assert_eq!(to, "lei@example.org");
            assert!(
                plain.contains("Ben has reached one goal since the class began."),
                "{plain}"
            );
            assert!(plain.contains("Latest goals reached: I can read a map"));
            assert!(plain.contains("Working on now: None yet."), "{plain}");
            assert!(!plain.contains("Ana"), "no other child: {plain}");
        }
    }

    // The slips (Koro reads Spanish) end with the same sheet, in his words.
    assert_eq!(s.print_files.len(), 1);
    let page = std::fs::read_to_string(&s.print_files[0]).unwrap();
    assert_eq!(page.matches("class=\"sheet-short\"").count(), 4, "{page}");
    assert!(
        page.contains("Ana ha alcanzado 4 metas desde que empezó el curso."),
        "{page}"
    );
    assert!(page.contains("Hoja de metas de Ana"));
    assert!(page.contains("<bdi>I can count by 10s</bdi>"));

    // A week later one more goal is reached: the next email counts it.
    let gp = mail_support::reopen(gp.data_dir(), "2026-11-27T09:00:00Z");
    achieve(&gp, &ana, &g[4]);
    let s = mail_support::send(&gp);
    assert_eq!(s.sent, 1, "{s:?}");
    let got = plain_by_rcpt(&server);
    let last = got
        .iter()
        .find(|(_, p, _)| p.contains("I can count by 10s") && p.contains("reached 5 goals"))
        .unwrap_or_else(|| panic!("no email counts five goals: {got:#?}"));
    assert!(last.1.contains(
        "Latest goals reached: I can count by 10s; I can count by 5s; I can count by 2s"
    ));
    assert!(last.1.contains("Working on now: I can count to 1000"));
    assert!(!last.1.contains("Next step:"), "no goal after it");
}

/// The name rule of family messages holds in the goal sheet in short: a goal that names a
/// pseudonymised classmate shows their pseudonym.
#[test]
fn the_goal_sheet_in_short_follows_the_name_rule() {
    let (_dir, gp) = common::new_class();
    let ana = gp.add_student("Ana", "López", None).unwrap();
    gp.add_student("Mere", "Tane", Some("Star")).unwrap();
    contact(&gp, "Maria", Some("maria@example.org"), "email", "en", &ana);
    let g = chain(
        &gp,
        &ana,
        &["I can read with Mere", "I can read to Mere Tane"],
    );
    achieve(&gp, &ana, &g[0]);
    let v = gp.family_views().unwrap();
    let sheet = &v[0].sheets[0];
    let shown: Vec<String> = sheet
        .latest
        .iter()
        .chain(&sheet.current)
        .map(|t| t.render("a classmate"))
        .collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    for t in &shown {
        assert!(!common::has_word(t, "Mere"), "{t}");
        assert!(!common::has_word(t, "Tane"), "{t}");
    }
}

#[test]
fn print_goal_sheet_all_writes_one_valid_page_per_student_in_their_familys_language() {
    let (_d, data) = common::demo_data_dir(6);
    let v = common::cli_ok_json(&data, &["print", "goal-sheet", "--all"]);
    let file = std::path::PathBuf::from(v["file"].as_str().unwrap());
    assert_eq!(v["students"], 6);
    assert_eq!(
        file.file_name().unwrap().to_string_lossy(),
        "goal-sheets-class.html"
    );
    let html = std::fs::read_to_string(&file).unwrap();
    assert_eq!(html.matches("<section class=\"page\"").count(), 6);
    assert!(
        html.contains("break-after: page"),
        "a page break after each"
    );
    assert!(html.contains("@page"));

    let gp = Goalpost::open(&data).unwrap();
    let contacts = gp.contacts().unwrap();
    let students = gp.students().unwrap();
    let sections: Vec<&str> = html.split("<section class=\"page\"").skip(1).collect();
    let class_lang = gp.class().unwrap().language;
    for (s, page) in students.iter().zip(&sections) {
        let first = contacts
            .iter()
            .find(|c| c.students.iter().any(|l| l.student_id == s.id))
            .map(|c| c.language.clone());
        // A language with no words in Goalpost (the demo's te reo Māori) falls back to the
        // class's.
        let want = first
            .filter(|l| ["en", "es", "ar"].contains(&l.as_str()))
            .unwrap_or(class_lang.clone());
        assert!(
            page.starts_with(&format!(" lang=\"{want}\"")),
            "{}'s page is in {want}: {}",
            s.display_name,
            &page[..60]
        );
        assert!(page.contains(&s.display_name), "{}", s.display_name);
        for other in students.iter().filter(|o| o.id != s.id) {
            assert!(
                !common::has_word(page, &other.last_name),
                "no other child's last name"
            );
        }
    }
    // The demo class reads more than one language: the pages say so.
    assert!(sections.iter().any(|p| p.starts_with(" lang=\"es\"")));

    // One student's sheet, as before, and the whole class in one language.
    common::cli_ok(&data, &["print", "goal-sheet", "1"]);
    let v = common::cli_ok_json(&data, &["print", "goal-sheet", "--all", "--language", "es"]);
    let es = std::fs::read_to_string(v["file"].as_str().unwrap()).unwrap();
    assert_eq!(es.matches("<section class=\"page\" lang=\"es\"").count(), 6);
    blog_support::validate_html(&data.join("print"));

    // Neither a student nor --all: a clear message, nothing written.
    let out = common::cli(&data)
        .args(["print", "goal-sheet"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("--all") || err.contains("<STUDENT>"), "{err}");
}

/// Erasing a child removes the whole class's goal sheet files too: they hold their page.
#[test]
fn an_erasure_removes_the_whole_class_goal_sheets() {
    let (_d, data) = common::demo_data_dir(4);
    let v = common::cli_ok_json(&data, &["print", "goal-sheet", "--all"]);
    let file = std::path::PathBuf::from(v["file"].as_str().unwrap());
    let v = common::cli_ok_json(&data, &["print", "goal-sheet", "--all", "--language", "es"]);
    let es = std::path::PathBuf::from(v["file"].as_str().unwrap());
    assert!(file.is_file() && es.is_file());
    let gp = Goalpost::open(&data).unwrap();
    let s = &gp.students().unwrap()[0];
    let r = gp.remove_student(s.id).unwrap();
    assert!(r.goal_sheets_removed >= 2, "{r:?}");
    assert!(!file.exists() && !es.exists());
}
