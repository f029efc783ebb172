//! `goalpost reach` and `goalpost contact log` end to end (issue 16, part 4): on a class
//! where some families were reached by email, some by a printed slip, some by a phone call
//! logged by hand, some by a chat text not yet marked sent, some long ago and some not at
//! all, `reach` names exactly the students
//! nobody reached, worst first, with each contact's last contact and channel.

mod common;

use common::*;
use serde_json::Value;

/// A student with one approved evidence; returns their id.
fn student_with_news(data: &std::path::Path, first: &str) -> i64 {
    let s = cli_ok_json(data, &["student", "add", "--first-name", first]);
    let id = s["id"].as_i64().unwrap();
    let g = cli_ok_json(
        data,
        &[
            "goal",
            "add",
            "--student",
            &id.to_string(),
            "--title",
            "I can read a chapter book",
        ],
    );
    let g = g["id"].as_i64().unwrap().to_string();
    cli_ok(
        data,
        &[
            "evidence",
            "add",
            "--student",
            &id.to_string(),
            "--goal",
            &g,
            "--words",
            "I read it all",
        ],
    );
    id
}

fn contact(data: &std::path::Path, name: &str, student: i64, extra: &[&str]) -> i64 {
    let c = cli_ok_json(
        data,
        &[
            &[
                "contact",
                "add",
                "--name",
                name,
                "--student",
                &student.to_string(),
            ][..],
            extra,
        ]
        .concat(),
    );
    c["id"].as_i64().unwrap()
}

/// The names `reach --json` lists, in its order, with their problems.
fn listed(v: &Value) -> Vec<(String, Vec<String>)> {
    v["not_reached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["display_name"].as_str().unwrap().to_string(),
                s["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn reach_names_the_students_nobody_reached_worst_first() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("class");
    cli_ok(&data, &INIT_ARGS);
    // Reached by email (written to the outbox folder: no mail server here).
    let ana = student_with_news(&data, "Ana");
    contact(&data, "Maria Ana", ana, &["--email", "maria@example.org"]);
    // Reached by a printed slip.
    let ben = student_with_news(&data, "Ben");
    contact(&data, "Nana Ben", ben, &["--channel", "paper"]);
    // Reached by a phone call, logged by hand.
    let cai = cli_ok_json(&data, &["student", "add", "--first-name", "Cai"])["id"]
        .as_i64()
        .unwrap();
    let cai_dad = contact(&data, "Dad Cai", cai, &["--channel", "none"]);
    // Only a contact on none, never reached.
    let dee = cli_ok_json(&data, &["student", "add", "--first-name", "Dee"])["id"]
        .as_i64()
        .unwrap();
    contact(&data, "Uncle Dee", dee, &["--channel", "none"]);
    // No contact at all.
    cli_ok(&data, &["student", "add", "--first-name", "Eli"]);
    // Reached by a visit 20 days ago.
    let fay = cli_ok_json(&data, &["student", "add", "--first-name", "Fay"])["id"]
        .as_i64()
        .unwrap();
    contact(&data, "Mum Fay", fay, &["--channel", "none"]);

    // A chat text prepared, never marked sent.
    let gus = student_with_news(&data, "Gus");
    contact(&data, "Mum Gus", gus, &["--channel", "chat"]);

    // Before anything: everyone, the student without a contact first.
    let v = cli_ok_json(&data, &["reach"]);
    assert_eq!(v["days"], 14);
    assert_eq!(v["students"], 7);
    let names: Vec<String> = listed(&v).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Eli", "Ana", "Ben", "Cai", "Dee", "Fay", "Gus"]);

    cli_ok(&data, &["review", "approve", "--all"]);
    cli_ok(&data, &["sync"]);
    let out = cli_ok(
        &data,
        &[
            "contact",
            "log",
            "Dad Cai",
            "--method",
            "phone",
            "--note",
            "about the trip",
        ],
    );
    assert!(out.contains("Logged: Dad Cai reached by phone"), "{out}");
    // NOW is 2026-11-20 09:00 UTC: 20 days before, in the class's time (Auckland).
    cli_ok(
        &data,
        &[
            "contact",
            "log",
            "Mum Fay",
            "--method",
            "visit",
            "--at",
            "2026-10-31 15:00",
        ],
    );

    let v = cli_ok_json(&data, &["reach"]);
    assert_eq!(
        listed(&v),
        [
            ("Eli".to_string(), vec!["no_contact".to_string()]),
            ("Dee".to_string(), vec!["only_none".to_string()]),
            ("Gus".to_string(), vec!["chat_not_sent".to_string()]),
            ("Fay".to_string(), vec!["only_none".to_string()]),
        ],
        "{v:#}"
    );
    let fay_row = &v["not_reached"][3];
    assert_eq!(fay_row["days_since"], 20);
    assert_eq!(fay_row["contacts"][0]["last_method"], "visit");
    assert_eq!(fay_row["contacts"][0]["channel"], "none");
    assert_eq!(v["not_reached"][1]["contacts"][0]["last_at"], Value::Null);

    // Thirty days: Fay's visit counts.
    let v = cli_ok_json(&data, &["reach", "--days", "30"]);
    let names: Vec<String> = listed(&v).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Eli", "Dee", "Gus"]);

    // The text says the same for the teacher.
    let text = cli_ok(&data, &["reach"]);
    assert!(
        text.starts_with("4 of 7 students: none of their contacts reached in 14 days"),
        "{text}"
    );
    assert!(
        text.contains("Mum Fay (none, last: visit 2026-10-31 15:00)"),
        "{text}"
    );
    assert!(text.contains("no contact"), "{text}");
    assert!(text.contains("chat texts not marked sent"), "{text}");
    // A one-day window: today's email, slip and call still count.
    let v = cli_ok_json(&data, &["reach", "--days", "1"]);
    let names: Vec<String> = listed(&v).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Eli", "Dee", "Gus", "Fay"]);
    let log = cli_ok_json(&data, &["reach", "--days", "1"]);
    assert!(log["not_reached"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["contact_id"] != cai_dad)));

    // Gus's text marked sent: reached by chat.
    let id = cli_ok_json(&data, &["chat", "list"])[0]["delivery_id"]
        .as_i64()
        .unwrap();
    cli_ok(&data, &["chat", "sent", &id.to_string()]);
    let v = cli_ok_json(&data, &["reach"]);
    let names: Vec<String> = listed(&v).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Eli", "Dee", "Fay"]);
}

#[test]
fn contact_log_refuses_bad_input_and_changes_nothing() {
    let (_d, data) = demo_data_dir(3);
    let before = dump(&data);
    for (args, says) in [
        (
            &["contact", "log", "1", "--method", "fax"][..],
            "use one of phone, notebook, visit, meeting, chat, other",
        ),
        (
            &[
                "contact",
                "log",
                "1",
                "--method",
                "phone",
                "--at",
                "2099-01-01",
            ][..],
            "is in the future",
        ),
        (
            &[
                "contact",
                "log",
                "1",
                "--method",
                "phone",
                "--at",
                "yesterday",
            ][..],
            "is not a time",
        ),
        (
            &["contact", "log", "nobody@nowhere", "--method", "phone"][..],
            "nobody@nowhere",
        ),
        (&["reach", "--days", "0"][..], "1 or more"),
    ] {
        let out = cli(&data).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(dump(&data), before, "nothing changed");
    // chat is a way to reach a family by hand, and lands in the log.
    let e = cli_ok_json(
        &data,
        &[
            "contact",
            "log",
            "1",
            "--method",
            "chat",
            "--note",
            "sent the photo on WhatsApp",
        ],
    );
    assert_eq!(e["method"], "chat");
    assert_eq!(e["note"], "sent the photo on WhatsApp");
}
