//! The chat channel end to end (issue 16, part 3): families on `chat` get, per approved
//! evidence, a short text in their language and the photo's web copy (only under the
//! consent that lets photos reach the family), listed by `goalpost chat list`; `goalpost
//! chat sent` records the delivery and logs the contact, and until then the family counts
//! as not reached.

mod common;

use common::*;
use serde_json::Value;

/// Whether `name` is in `text` as a whole word (a display name such as "Ana L." too).
fn names(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The chat list's entry for `contact`.
fn entry<'v>(list: &'v Value, contact: &str) -> &'v Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["contact"] == contact)
        .unwrap_or_else(|| panic!("no chat text for {contact}: {list:#}"))
}

#[test]
fn chat_families_get_their_own_text_and_photo_and_sent_logs_it() {
    let (_d, data) = demo_data_dir(6);
    // Only news about evidence here: the demo's sharing time is cancelled before anyone
    // was invited (its chat invitations: tests/invitations.rs).
    for s in cli_ok_json(&data, &["sharing", "list"]).as_array().unwrap() {
        cli_ok(&data, &["sharing", "cancel", &s["id"].to_string()]);
    }
    // Aroha's grandmother (en), Mateo's mother (es), Ana L.'s mother (es, her only
    // contact), Sione's aunt (sm: no catalog, the class's English).
    for c in [
        "Nana Rose Ngata",
        "Hine García",
        "Maria López",
        "Aunty Lusia Taufa",
    ] {
        cli_ok(&data, &["contact", "edit", c, "--channel", "chat"]);
    }
    cli_ok(
        &data,
        &[
            "config",
            "set",
            "blog.site_url",
            "https://room7.example/blog/",
        ],
    );
    cli_ok(&data, &["review", "approve", "--all"]);

    // The dry run shows them, and changes nothing.
    let dry = cli_ok_json(&data, &["sync", "--dry-run"]);
    assert_eq!(dry["would_queue"]["chats"], 4, "{:#}", dry["would_queue"]);
    let kinds: Vec<&str> = dry["families"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["deliveries"].as_array().unwrap())
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "chat").count(),
        4,
        "{kinds:?}"
    );
    assert_eq!(cli_ok_json(&data, &["chat", "list"]), Value::Array(vec![]));

    let out = cli_ok(&data, &["sync"]);
    assert!(out.contains("4 chat texts prepared"), "{out}");
    let list = cli_ok_json(&data, &["chat", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 4, "{list:#}");
    let students: Vec<String> = cli_ok_json(&data, &["student", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["display_name"].as_str().unwrap().to_string())
        .collect();
    for (contact, student, lang, news) in [
        ("Nana Rose Ngata", "Aroha", "en", "Aroha reached a goal"),
        ("Hine García", "Mateo", "es", "Mateo alcanzó una meta"),
        ("Maria López", "Ana L.", "es", "Ana L. alcanzó una meta"),
        ("Aunty Lusia Taufa", "Sione", "en", "Sione reached a goal"),
    ] {
        let m = entry(&list, contact);
        let text = m["text"].as_str().unwrap();
        assert_eq!(m["student"], student);
        assert_eq!(m["language"], lang, "{contact}");
        assert!(text.starts_with(news), "{contact}: {text}");
        for other in students.iter().filter(|s| *s != student) {
            assert!(
                !names(text, other),
                "{contact}'s text names {other}: {text}"
            );
        }
        assert!(m["delivery_id"].as_i64().is_some());
    }
    // The child's words, the next step, the question, and the post's link on the blog.
    let mateo = entry(&list, "Hine García");
    let text = mateo["text"].as_str().unwrap();
    assert!(text.contains("three bears"), "{text}");
    assert!(text.contains("Próxima meta: "), "{text}");
    assert!(text.contains("Pregúntele a Mateo esta noche: "), "{text}");
    assert!(
        text.contains("https://room7.example/blog/posts/e2.html"),
        "{text}"
    );
    // Ana L. is not on the blog by name, but is on it: her link too; Sione's family said no
    // to photos reaching the family, so no photo.
    assert_eq!(entry(&list, "Aunty Lusia Taufa")["photo"], Value::Null);
    assert_eq!(entry(&list, "Aunty Lusia Taufa")["photo_missing"], false);
    // Mateo's photo: the re-encoded web copy, named by hash, no EXIF.
    let photo = std::path::PathBuf::from(mateo["photo"].as_str().expect("a photo"));
    assert!(
        photo.starts_with(data.join("photos")),
        "{}",
        photo.display()
    );
    let file = photo.file_name().unwrap().to_str().unwrap();
    assert!(
        file.trim_end_matches(".jpg")
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '-'),
        "{file}"
    );
    let bytes = std::fs::read(&photo).unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
    assert!(!bytes.windows(6).any(|w| w == b"Exif\0\0"), "no EXIF");

    // Until it is marked sent, Ana L.'s family is not reached.
    let reach = cli_ok_json(&data, &["reach"]);
    let ana = reach["not_reached"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["display_name"] == "Ana L.")
        .expect("Ana L. not reached yet");
    assert_eq!(ana["problems"], serde_json::json!(["chat_not_sent"]));
    assert_eq!(ana["contacts"][0]["chats_waiting"], 1);

    // Consent withdrawn after queueing: the next list has no photo (plan time, every time).
    cli_ok(
        &data,
        &[
            "consent",
            "set",
            "Mateo",
            "email_family",
            "no",
            "--given-by",
            "Hine García (mother)",
        ],
    );
    assert_eq!(
        entry(&cli_ok_json(&data, &["chat", "list"]), "Hine García")["photo"],
        Value::Null
    );

    // Bad ids change nothing: an unknown one, an email's.
    let before = dump(&data);
    let email_id = cli_ok_json(&data, &["mail", "outbox", "--all"])
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "evidence")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let ana_id = entry(&list, "Maria López")["delivery_id"]
        .as_i64()
        .unwrap()
        .to_string();
    for bad in ["999999".to_string(), email_id.to_string()] {
        let out = cli(&data)
            .args(["chat", "sent", &ana_id, &bad])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("no chat text with delivery id {bad}")),
            "{err}"
        );
    }
    assert_eq!(dump(&data), before, "all or nothing");

    let out = cli_ok(&data, &["chat", "sent", &ana_id]);
    assert!(
        out.contains("Marked sent: [") && out.contains("to Maria López"),
        "{out}"
    );
    let out = cli_ok(&data, &["chat", "sent", &ana_id]);
    assert!(out.contains("Already sent"), "{out}");
    let list = cli_ok_json(&data, &["chat", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["contact"] != "Maria López"));
    let reach = cli_ok_json(&data, &["reach"]);
    assert!(
        reach["not_reached"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["display_name"] != "Ana L."),
        "marked sent: reached"
    );
    let sent = cli_ok_json(&data, &["mail", "outbox", "--all"]);
    let row = sent
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"].as_i64() == ana_id.parse().ok())
        .unwrap();
    assert_eq!(
        (row["status"].as_str(), row["kind"].as_str()),
        (Some("sent"), Some("chat"))
    );

    // A second sync prepares nothing again.
    let out = cli_ok(&data, &["sync"]);
    assert!(!out.contains("chat texts prepared"), "{out}");
}

#[test]
fn the_roster_takes_the_chat_channel_and_names_it_when_refusing() {
    let (_d, data) = demo_data_dir(2);
    let csv = cli_ok(&data, &["roster", "export"]);
    let dir = tempfile::tempdir().unwrap();
    let header = csv.lines().next().unwrap();
    let col = header
        .split(',')
        .position(|h| h == "contact_channel")
        .unwrap();
    let with = |channel: &str| {
        let mut out = String::new();
        for (i, line) in csv.lines().enumerate() {
            if i == 1 {
                let mut cells: Vec<&str> = line.split(',').collect();
                cells[col] = channel;
                out.push_str(&cells.join(","));
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        let p = dir.path().join(format!("{channel}.csv"));
        std::fs::write(&p, out).unwrap();
        p
    };
    let bad = with("whatsapp");
    let out = cli(&data)
        .args(["roster", "import"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("use one of email, weekly, paper, chat, none"),
        "{err}"
    );
    let good = with("chat");
    cli_ok(&data, &["roster", "import", good.to_str().unwrap()]);
    let contacts = cli_ok_json(&data, &["contact", "list"]);
    assert!(
        contacts
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["channel"] == "chat"),
        "{contacts:#}"
    );
    let again = cli_ok(&data, &["roster", "export"]);
    assert!(again.contains(",chat"), "the export says chat");
}
