//! Not too many, not too few (issue 16, part 6): at most `mail.max_per_week` messages a
//! family gets in a week (emails, chat texts and slips alike); what is approved beyond it
//! is gathered into one message on the class's weekly day, which ends the week.
//! Invitations count, but are never held back.
//!
//! Sione's father hears by email (through a real SMTP server on 127.0.0.1), his aunt on
//! paper. Over one week (Saturday to Friday, `mail.weekly_day` = friday, in Auckland) four
//! of Sione's achievements are approved, Monday to Thursday, and a sharing time is planned
//! on Thursday, with a sync after each; then the week after.

mod common;
mod mail_support;

use std::path::Path;

use common::{cli_ok_json_at as at, demo_data_dir};
use mail_support::{Fault, Server};

/// 10:00 in Auckland (UTC+13 in January) on the given day of January 2027.
fn morning(day: u32) -> String {
    let utc = chrono::NaiveDate::from_ymd_opt(2027, 1, day)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
        - chrono::Duration::hours(13);
    format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S"))
}

/// What the outbox holds for `contact` queued on or after `since`: (kind, subject, number
/// of achievements), oldest first.
fn rows_since(data: &Path, now: &str, contact: i64, since: &str) -> Vec<(String, String, usize)> {
    let mut rows: Vec<(String, String, usize)> = at(data, now, &["mail", "outbox", "--all"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["contact_id"] == contact)
        .filter(|d| d["created_at"].as_str().unwrap() >= since)
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["subject_key"].as_str().unwrap().to_string(),
                d["evidence_ids"].as_array().unwrap().len(),
            )
        })
        .collect();
    rows.reverse();
    rows
}

/// Sione's new achievement, approved at `now`.
fn achievement(data: &Path, now: &str, n: u32) {
    let g = at(
        data,
        now,
        &[
            "goal",
            "add",
            "--student",
            "Sione",
            "--title",
            &format!("I can do step {n}"),
            "--subject",
            "Maths",
        ],
    );
    let e = at(
        data,
        now,
        &[
            "evidence",
            "add",
            "--student",
            "Sione",
            "--goal",
            &g["id"].to_string(),
            "--words",
            &format!("Step {n} done!"),
        ],
    );
    at(data, now, &["review", "approve", &e["id"].to_string()]);
}

#[test]
fn four_achievements_in_a_week_make_three_messages_and_one_gathering_on_the_weekly_day() {
    week_of_four("paper");
}

/// The same week with the aunt on the chat channel: her gathering is one chat text.
#[test]
fn a_family_on_chat_gets_one_gathered_text_on_the_weekly_day() {
    week_of_four("chat");
}

/// The week of four achievements, with Sione's aunt on `aunt_channel` (paper or chat).
fn week_of_four(aunt_channel: &str) {
    mail_support::require_aiosmtpd();
    let server = Server::start(Fault::default());
    let (_d, data) = demo_data_dir(6);
    let start = morning(1);
    at(&data, &start, &["config", "set", "smtp.url", &server.url()]);
    assert_eq!(
        at(&data, &start, &["config", "get", "mail.max_per_week"])["value"],
        "3",
        "three a week unless the teacher says otherwise"
    );
    let contacts = at(&data, &start, &["contact", "list"]);
    let find = |name: &str| {
        contacts
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let father = find("Tomasi Taufa");
    let aunt = find("Aunty Lusia Taufa");
    at(
        &data,
        &start,
        &[
            "contact",
            "edit",
            "Aunty Lusia Taufa",
            "--channel",
            aunt_channel,
        ],
    );
    let aunt_each = if aunt_channel == "chat" {
        "chat"
    } else {
        "slip"
    };
    // Friday 1 January, the weekly day: last year's news goes (it ends that week).
    at(&data, &start, &["sync"]);

    // The week from Saturday 2 to Friday 8 January.
    let week = morning(2);
    for (day, n) in [(4, 1), (5, 2), (6, 3), (7, 4)] {
        let now = morning(day);
        achievement(&data, &now, n);
        if day == 7 {
            at(
                &data,
                &now,
                &[
                    "sharing",
                    "add",
                    "--at",
                    "2027-01-20 14:00",
                    "--title",
                    "Come and see our maths",
                ],
            );
        }
        let s = at(&data, &now, &["sync"]);
        let held = s["mail"]["queued"]["held_back"].as_u64().unwrap();
        assert_eq!(held, if day == 7 { 2 } else { 0 }, "{day} January: {s:#}");
    }
    let thursday = morning(7);
    for contact in [father, aunt] {
        let rows = rows_since(&data, &thursday, contact, &week);
        let kinds: Vec<&str> = rows.iter().map(|(k, ..)| k.as_str()).collect();
        let each = if contact == father {
            "evidence"
        } else {
            aunt_each
        };
        assert_eq!(
            kinds,
            [each, each, each, "invitation"],
            "three achievements, then the invitation all the same: {rows:?}"
        );
    }

    // Friday: the fourth achievement goes in one gathering: a digest email for the father,
    // one delivery of slips for the aunt.
    let friday = morning(8);
    at(&data, &friday, &["sync"]);
    for contact in [father, aunt] {
        let rows = rows_since(&data, &friday, contact, &week);
        assert_eq!(rows.len(), 5, "{rows:?}");
        let (kind, subject, n) = &rows[4];
        let want = if contact == father {
            "digest"
        } else {
            aunt_each
        };
        assert_eq!(kind, want, "{rows:?}");
        assert!(subject.starts_with("digest:2027-W01"), "{subject}");
        assert_eq!(*n, 1, "the one achievement held back");
    }
    let to_father: Vec<_> = server
        .received()
        .into_iter()
        .filter(|(env, _)| env["rcpt_tos"][0] == "father.taufa3@example.org")
        .map(|(_, p)| p)
        .collect();
    let parsed = mail_support::parse(&to_father);
    let digest = parsed
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("This week in Room 7")
        })
        .expect("the father's digest arrived");
    let plain = digest["plain"].as_str().unwrap();
    assert!(plain.contains("Step 4 done!"), "{plain}");
    assert!(
        !plain.contains("Step 3 done!"),
        "only what was held back: {plain}"
    );
    if aunt_channel == "paper" {
        let page = std::fs::read_to_string(data.join("print/slips-2027-01-08.html")).unwrap();
        assert!(page.contains("Step 4 done!"));
    } else {
        let chats = at(&data, &friday, &["chat", "list"]);
        let last = chats
            .as_array()
            .unwrap()
            .iter()
            .rfind(|m| m["contact_id"] == aunt && m["kind"] == "chat")
            .unwrap();
        let text = last["text"].as_str().unwrap();
        assert!(
            text.contains("Step 4 done!") && !text.contains("Step 3 done!"),
            "{text}"
        );
        assert_eq!(last["student"], "Sione");
    }
    // A second sync that Friday sends nothing more.
    at(&data, &morning(8), &["sync"]);
    assert_eq!(rows_since(&data, &friday, father, &week).len(), 5);

    // A new week: news goes at once again.
    let monday = morning(11);
    achievement(&data, &monday, 5);
    at(&data, &monday, &["sync"]);
    let next = rows_since(&data, &monday, father, &morning(9));
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0].0, "evidence");
}
