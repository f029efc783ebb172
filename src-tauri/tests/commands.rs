//! In-process tests of the commands with `tauri::test`: the real command list, the real
//! capabilities (`generate_context!`), two mock windows labelled like the app's, and a demo
//! class in a temporary folder. No display needed.

mod common;

use base64::Engine;
use common::{fixture, fixture_with, invoke, kind, Fixture, PIN};
use goalpost::{Clock, Goalpost};
use goalpost_desktop::{AppState, STATION, TEACHER};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::Manager;

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 12, image::Rgb([10, 150, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn first_student_with_a_goal(f: &Fixture) -> (i64, i64) {
    let home = invoke(&f.station, "station_home", json!({})).unwrap();
    for s in home["students"].as_array().unwrap() {
        let id = s["id"].as_i64().unwrap();
        let goals = invoke(&f.station, "station_goals", json!({ "studentId": id })).unwrap();
        if let Some(g) = goals.as_array().unwrap().first() {
            return (id, g["id"].as_i64().unwrap());
        }
    }
    panic!("the demo class has no current goal");
}

#[test]
fn the_station_sees_the_class_and_display_names_only() {
    let f = fixture(true, true);
    let home = invoke(&f.station, "station_home", json!({})).unwrap();
    assert_eq!(home["class_name"], "Room 7");
    assert_eq!(home["students"].as_array().unwrap().len(), 6);
    let text = home.to_string();
    let gp = Goalpost::open(&f.data).unwrap();
    for s in gp.students().unwrap() {
        if !s.last_name.is_empty() {
            assert!(!text.contains(&s.last_name), "{} leaked", s.last_name);
        }
    }
}

#[test]
fn a_station_submission_waits_for_review_and_the_teacher_approves_it() {
    let f = fixture(true, true);
    let (student, goal) = first_student_with_a_goal(&f);
    let photo = png();
    let receipt = invoke(
        &f.station,
        "station_submit",
        json!({ "submission": {
            "student_id": student, "goal_id": goal,
            "photo": format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&photo)),
            "words": "I can now count by 5s 🎉", "family_message": "Come and see!"
        }}),
    )
    .unwrap();
    let id = receipt["evidence_id"].as_i64().unwrap();

    // Locked: the teacher window must unlock first.
    let e = invoke(&f.teacher, "review_list", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    let e = invoke(&f.teacher, "teacher_unlock", json!({ "pin": "1111" })).unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    let st = invoke(&f.teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap();
    assert_eq!(st["unlocked"], true);

    let waiting = invoke(&f.teacher, "review_list", json!({})).unwrap();
    let mine = waiting
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .expect("the submission waits for review");
    assert_eq!(mine["words"], "I can now count by 5s 🎉");
    assert_eq!(mine["status"], "waiting");

    // The photo comes back to the teacher byte for byte.
    let got = get_ipc_response(
        &f.teacher,
        InvokeRequest {
            cmd: "evidence_photo".into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(json!({ "id": id })),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .unwrap();
    match got {
        tauri::ipc::InvokeResponseBody::Raw(bytes) => assert_eq!(bytes, photo),
        other => panic!("expected raw bytes, got {other:?}"),
    }

    invoke(
        &f.teacher,
        "evidence_edit",
        json!({ "id": id, "words": "I can count by 5s to 100", "familyMessage": null }),
    )
    .unwrap();
    let approved = invoke(&f.teacher, "evidence_approve", json!({ "ids": [id] })).unwrap();
    assert_eq!(approved[0]["status"], "approved");
    assert_eq!(approved[0]["words"], "I can count by 5s to 100");
}

#[test]
fn the_capabilities_keep_the_station_away_from_teacher_commands() {
    let f = fixture(true, true);
    for (cmd, args) in [
        ("review_list", json!({})),
        ("evidence_approve_all", json!({})),
        ("class_overview", json!({})),
        ("teacher_unlock", json!({ "pin": PIN })),
        ("setting_set", json!({ "key": "blog.dir", "value": "/tmp" })),
        ("backup_restore", json!({ "name": "x.sqlite3" })),
        ("sync_preview", json!({})),
        ("sync_run", json!({ "onProgress": "__CHANNEL__:7" })),
        ("families_list", json!({})),
        (
            "family_log",
            json!({ "contactId": 1, "method": "phone", "note": "" }),
        ),
        ("chat_list", json!({})),
        ("chat_photo", json!({ "id": 1 })),
        ("chat_sent", json!({ "ids": [1] })),
        ("sharing_list", json!({})),
        (
            "sharing_add",
            json!({ "form": { "at": "2027-01-01T10:00", "title": "x" } }),
        ),
        (
            "sharing_edit",
            json!({ "id": 1, "form": { "at": "2027-01-01T10:00", "title": "x" } }),
        ),
        ("sharing_cancel", json!({ "id": 1 })),
        ("mail_server_get", json!({})),
        (
            "mail_server_save",
            json!({ "server": { "host": "evil.example" } }),
        ),
        ("mail_test", json!({ "address": "a@example.org" })),
        ("open_folder", json!({ "folder": "blog" })),
        ("goal_sheets_print", json!({ "studentId": null })),
        ("notes_waiting", json!({})),
        ("note_approve", json!({ "ids": [1] })),
        ("note_reject", json!({ "ids": [1] })),
        ("portfolio_export", json!({ "studentId": 1, "title": "t" })),
        ("portfolio_export", json!({ "title": "t" })),
        ("goal_suggestions", json!({})),
    ] {
        let e = invoke(&f.station, cmd, args).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("not allowed"), "{cmd}: {text}");
    }
}

#[test]
fn without_capabilities_the_rust_checks_still_refuse_the_station() {
    // Defence in depth: even if a capability were too broad, each command checks the window.
    let f = fixture(false, true);
    for cmd in [
        "review_list",
        "evidence_approve_all",
        "class_overview",
        "settings_get",
        "sync_preview",
        "families_list",
        "chat_list",
        "sharing_list",
        "mail_server_get",
        "goal_suggestions",
    ] {
        let e = invoke(&f.station, cmd, json!({})).unwrap_err();
        assert_eq!(kind(&e), "forbidden", "{cmd}: {e}");
    }
    for (cmd, args) in [
        ("mail_test", json!({ "address": "a@example.org" })),
        ("open_folder", json!({ "folder": "theme" })),
        ("goal_sheets_print", json!({ "studentId": 1 })),
        ("notes_waiting", json!({})),
        ("note_approve", json!({ "ids": [1] })),
        ("note_reject", json!({ "ids": [1] })),
        ("portfolio_export", json!({ "studentId": 1, "title": "t" })),
        ("portfolio_export", json!({ "title": "t" })),
        ("chat_photo", json!({ "id": 1 })),
        ("chat_sent", json!({ "ids": [1] })),
        (
            "sharing_add",
            json!({ "form": { "at": "2027-01-01T10:00", "title": "x" } }),
        ),
        (
            "sharing_edit",
            json!({ "id": 1, "form": { "at": "2027-01-01T10:00", "title": "x" } }),
        ),
        ("sharing_cancel", json!({ "id": 1 })),
        (
            "mail_server_save",
            json!({ "server": { "host": "x.example" } }),
        ),
    ] {
        let e = invoke(&f.station, cmd, args).unwrap_err();
        assert_eq!(kind(&e), "forbidden", "{cmd}: {e}");
    }
    let e = invoke(&f.station, "teacher_unlock", json!({ "pin": PIN })).unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    let e = invoke(
        &f.station,
        "sync_run",
        json!({ "onProgress": "__CHANNEL__:7" }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    let e = invoke(
        &f.station,
        "family_log",
        json!({ "contactId": 1, "method": "phone", "note": "" }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    // And the teacher window may not pose as the station.
    let e = invoke(&f.teacher, "station_home", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden");
}

#[test]
fn without_a_pin_the_teacher_is_in_but_cannot_open_the_station_until_choosing_one() {
    let f = fixture(false, false);
    let st = invoke(&f.teacher, "teacher_status", json!({})).unwrap();
    assert_eq!(st["pin_set"], false);
    assert_eq!(st["unlocked"], true);
    assert_eq!(st["class_name"], "Room 7");
    let e = invoke(&f.teacher, "open_station", json!({})).unwrap_err();
    assert_eq!(kind(&e), "invalid");
    let st = invoke(
        &f.teacher,
        "teacher_set_pin",
        json!({ "current": null, "pin": PIN }),
    )
    .unwrap();
    assert_eq!(st["pin_set"], true);
    // Replacing the PIN needs the current one.
    let e = invoke(
        &f.teacher,
        "teacher_set_pin",
        json!({ "current": "0000", "pin": "9999" }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    let gp = Goalpost::open(&f.data).unwrap();
    assert!(gp.verify_teacher_pin(PIN).unwrap());
}

#[test]
fn a_bad_roster_row_comes_back_with_its_line_and_nothing_is_imported() {
    let f = fixture(false, false);
    let before = invoke(&f.teacher, "class_overview", json!({})).unwrap()["students"]
        .as_array()
        .unwrap()
        .len();
    let csv = "student_first_name,student_last_name,contact_name,contact_email,contact_language,contact_channel,contact_relationship,photo_consent,name_consent,blog_consent\n\
               Rangi,Parata,Hine Parata,hine@example.org,mi,email,mother,yes,yes,yes\n\
               ,Nobody,X,not-an-email,en,email,aunt,maybe,yes,yes\n";
    let e = invoke(
        &f.teacher,
        "roster_import",
        json!({ "csv": csv, "fileName": "room7.csv" }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "invalid");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("line 3"), "{msg}");
    let after = invoke(&f.teacher, "class_overview", json!({})).unwrap()["students"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[test]
fn errors_cross_as_kind_and_message() {
    let f = fixture(false, false);
    let e = invoke(&f.station, "station_goals", json!({ "studentId": 999_999 })).unwrap_err();
    assert_eq!(kind(&e), "not_found");
    assert!(e["message"].as_str().unwrap().contains("999999"));
}

/// Files under `dir` whose names end with `ext`, recursively.
fn files_ending(dir: &std::path::Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_ending(&p, ext));
        } else if p.to_string_lossy().ends_with(ext) {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_sync_preview_shows_each_family_and_the_blog_and_changes_nothing() {
    let f = fixture(true, false);
    let p = invoke(&f.teacher, "sync_preview", json!({})).unwrap();
    assert_eq!(p["dry_run"], true);
    let families = p["families"].as_array().unwrap();
    assert!(
        !families.is_empty(),
        "the demo class has approved evidence to send: {p}"
    );
    for fam in families {
        for key in ["contact", "channel", "language", "language_used"] {
            assert!(
                fam[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key} in {fam}"
            );
        }
        let deliveries = fam["deliveries"].as_array().unwrap();
        // The demo's sharing time invites every family (issue 16): about no evidence.
        assert!(
            deliveries
                .iter()
                .any(|d| d["kind"] == "invitation" && d["sharing"]["title"].is_string()),
            "{fam}"
        );
        let items: Vec<&Value> = deliveries
            .iter()
            .flat_map(|d| d["items"].as_array().unwrap())
            .collect();
        assert!(items
            .iter()
            .all(|i| i["student"].is_string() && i["goal"].is_string()));
    }
    // The demo has contacts in languages without a catalog: the preview says which
    // language they get instead.
    assert!(
        families.iter().any(|f| f["language"] != f["language_used"]),
        "a language fallback is shown: {families:?}"
    );
    assert!(!p["blog"]["written"].as_array().unwrap().is_empty());
    assert!(p["new_posts"].as_u64().unwrap() > 0);
    // Nothing was written: no blog page, no email.
    assert!(!f.data.join("blog").join("index.html").exists());
    assert!(files_ending(&f.data.join("outbox"), ".eml").is_empty());
}

#[test]
fn a_sync_writes_the_blog_and_the_email_and_tells_only_the_teacher_window_how_it_goes() {
    type Heard = std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>;
    let heard: Heard = Default::default();
    let h = heard.clone();
    let f = fixture_with(true, false, move |b| {
        b.channel_interceptor(move |webview, _callback, _index, body| {
            if let tauri::ipc::InvokeResponseBody::Json(j) = body {
                h.lock().unwrap().push((
                    webview.label().to_string(),
                    serde_json::from_str(j).unwrap(),
                ));
            }
            true
        })
    });
    let s = invoke(
        &f.teacher,
        "sync_run",
        json!({ "onProgress": "__CHANNEL__:4242" }),
    )
    .unwrap();
    assert_eq!(s["dry_run"], false);
    let mail = &s["mail"];
    assert!(mail["sent"].as_u64().unwrap() > 0, "{s}");
    assert!(mail["failures"].as_array().unwrap().is_empty(), "{s}");
    assert!(f.data.join("blog").join("index.html").is_file());
    let eml = files_ending(&f.data.join("outbox"), ".eml");
    assert_eq!(
        eml.len() as u64,
        mail["sent"].as_u64().unwrap() + mail["digests"].as_u64().unwrap()
    );

    // A copy: the second sync below sends to the same recorder.
    let heard = heard.lock().unwrap().clone();
    assert!(heard.iter().all(|(label, _)| label == TEACHER), "{heard:?}");
    let steps: Vec<&str> = heard
        .iter()
        .filter(|(_, e)| e["event"] == "step")
        .map(|(_, e)| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["plan", "photos", "blog", "publish", "mail", "record"],
        "every step is reported, in order"
    );
    let sending: Vec<&Value> = heard
        .iter()
        .filter(|(_, e)| e["event"] == "sending")
        .map(|(_, e)| e)
        .collect();
    assert!(!sending.is_empty(), "sending progress is reported");
    // Each message is announced before it goes: done counts those already sent.
    let done: Vec<u64> = sending
        .iter()
        .map(|e| e["done"].as_u64().unwrap())
        .collect();
    let total = sending[0]["total"].as_u64().unwrap();
    assert_eq!(
        done,
        (0..done.len() as u64).collect::<Vec<_>>(),
        "{sending:?}"
    );
    assert!(done.len() as u64 <= total, "{sending:?}");

    // A second sync has nothing new to send.
    let again = invoke(
        &f.teacher,
        "sync_run",
        json!({ "onProgress": "__CHANNEL__:4243" }),
    )
    .unwrap();
    assert_eq!(again["mail"]["sent"], 0, "{again}");
    assert!(
        again["blog"]["written"].as_array().unwrap().is_empty(),
        "{again}"
    );
}

/// The desktop's writers of the output (sync, erasure, roster import, restore) take the
/// same class lock as the CLI and a scheduled sync: while another holds it, each is refused
/// at once as busy, saying what holds the class and since when, and changes nothing.
#[test]
fn writers_while_another_holds_the_class_are_refused_as_busy() {
    let f = fixture(true, false);
    // A sync (here, as from the CLI or a scheduled task) holds the class lock.
    let other = Goalpost::open(&f.data)
        .unwrap()
        .lock_class(goalpost::lock::Operation::Sync)
        .unwrap();
    let before = Goalpost::open(&f.data).unwrap().students().unwrap();
    let csv = "student_first_name,student_last_name\nNew,Child\n";
    for (cmd, args) in [
        ("sync_run", json!({ "onProgress": "__CHANNEL__:9" })),
        ("sync_preview", json!({})),
        ("student_remove", json!({ "id": before[0].id })),
        ("roster_import", json!({ "csv": csv, "fileName": "r.csv" })),
        ("backup_restore", json!({ "name": "x.sqlite3" })),
    ] {
        let e = invoke(&f.teacher, cmd, args).unwrap_err();
        assert_eq!(kind(&e), "busy", "{cmd}: {e}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.starts_with("a sync is running since ")
                && message.ends_with("try again when it ends"),
            "{cmd}: {e}"
        );
        // What a window needs to say it in its own words.
        assert_eq!(e["held_by"]["operation"], "sync", "{cmd}: {e}");
        let since = e["held_by"]["since_local"].as_str().unwrap();
        assert!(message.contains(&format!("since {since} ")), "{cmd}: {e}");
    }
    assert_eq!(
        Goalpost::open(&f.data).unwrap().students().unwrap().len(),
        before.len(),
        "nothing was erased or imported"
    );
    assert!(files_ending(&f.data.join("outbox"), ".eml").is_empty());
    drop(other);
    invoke(
        &f.teacher,
        "sync_run",
        json!({ "onProgress": "__CHANNEL__:10" }),
    )
    .unwrap();
}

#[test]
fn the_families_screen_shows_who_was_reached_and_puts_the_others_first() {
    let f = fixture(true, false);
    let before = invoke(&f.teacher, "families_list", json!({})).unwrap();
    let fams = before["families"].as_array().unwrap();
    assert!(!fams.is_empty());
    assert!(fams
        .iter()
        .all(|x| x["times"] == 0 && x["reached_lately"] == false));

    invoke(
        &f.teacher,
        "sync_run",
        json!({ "onProgress": "__CHANNEL__:1" }),
    )
    .unwrap();
    let after = invoke(&f.teacher, "families_list", json!({})).unwrap();
    let fams = after["families"].as_array().unwrap();
    let reached: Vec<&Value> = fams
        .iter()
        .filter(|x| x["reached_lately"] == true)
        .collect();
    assert!(
        !reached.is_empty(),
        "the sync reached some families: {after}"
    );
    for r in &reached {
        assert!(r["times"].as_u64().unwrap() >= 1);
        assert!(r["last_at"].is_string());
        assert!(
            ["email", "digest", "paper"].contains(&r["last_method"].as_str().unwrap()),
            "{r}"
        );
    }
    // Not reached lately first, then the reached.
    let first_reached = fams
        .iter()
        .position(|x| x["reached_lately"] == true)
        .unwrap();
    assert!(
        fams[first_reached..]
            .iter()
            .all(|x| x["reached_lately"] == true),
        "{after}"
    );
    assert!(
        first_reached > 0,
        "some families are not reached by a sync (by hand): {after}"
    );

    // The teacher phones one of them: it is logged and they move among the reached.
    let id = fams[0]["contact_id"].as_i64().unwrap();
    let e = invoke(
        &f.teacher,
        "family_log",
        json!({ "contactId": id, "method": "phone", "note": "about Thursday" }),
    )
    .unwrap();
    assert_eq!(e["method"], "phone");
    let now = invoke(&f.teacher, "families_list", json!({})).unwrap();
    let me = now["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["contact_id"] == id)
        .unwrap();
    assert_eq!(me["reached_lately"], true);
    assert_eq!(me["last_method"], "phone");

    // A way the teacher cannot reach anyone by hand is refused with the fix.
    let e = invoke(
        &f.teacher,
        "family_log",
        json!({ "contactId": id, "method": "pigeon", "note": "" }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "invalid");
    assert!(
        e["message"].as_str().unwrap().contains("use one of phone"),
        "{e}"
    );
}

#[test]
fn a_locked_teacher_window_cannot_sync_or_read_the_families() {
    let f = fixture(true, true);
    for (cmd, args) in [
        ("sync_preview", json!({})),
        ("sync_run", json!({ "onProgress": "__CHANNEL__:3" })),
        ("families_list", json!({})),
    ] {
        let e = invoke(&f.teacher, cmd, args).unwrap_err();
        assert_eq!(kind(&e), "forbidden", "{cmd}: {e}");
    }
    assert!(!f.data.join("blog").join("index.html").exists());
}

/// The teacher unlocked while the station stays open (approving at the same PC): a child
/// pressing "Call the teacher", or simply going to the station window, leaves the teacher
/// screens locked behind the PIN.
#[test]
fn from_the_station_the_teacher_screens_are_always_behind_the_pin() {
    let f = fixture(true, true);
    let unlock = || {
        let st = invoke(&f.teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap();
        assert_eq!(st["unlocked"], true);
        invoke(&f.teacher, "review_list", json!({})).unwrap();
    };
    let locked = |how: &str| {
        let st = invoke(&f.teacher, "teacher_status", json!({})).unwrap();
        assert_eq!(st["unlocked"], false, "{how}: {st}");
        let e = invoke(&f.teacher, "review_list", json!({})).unwrap_err();
        assert_eq!(kind(&e), "forbidden", "{how}: {e}");
    };

    invoke(&f.teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap();
    invoke(&f.teacher, "open_station", json!({})).unwrap();
    locked("opening the station");

    unlock();
    invoke(&f.station, "station_call_teacher", json!({})).unwrap();
    locked("the station called the teacher");

    // The app's own window-event handler, as the station window takes the focus.
    unlock();
    goalpost_desktop::window_event(
        f.teacher.app_handle(),
        TEACHER,
        &tauri::WindowEvent::Focused(true),
    );
    invoke(&f.teacher, "review_list", json!({})).expect("the teacher's own window keeps it open");
    goalpost_desktop::window_event(
        f.teacher.app_handle(),
        STATION,
        &tauri::WindowEvent::Focused(false),
    );
    invoke(&f.teacher, "review_list", json!({}))
        .expect("the station losing the focus changes nothing");
    goalpost_desktop::window_event(
        f.teacher.app_handle(),
        STATION,
        &tauri::WindowEvent::Focused(true),
    );
    locked("the station window took the focus");
}

/// A station started with `--station` before the teacher chose a PIN opens as the station,
/// not as the teacher's screens, and cannot bring the teacher's window forward.
#[test]
fn a_station_started_before_a_pin_never_opens_the_teacher_screens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("class");
    Goalpost::create(&data).unwrap().create_demo(4).unwrap();
    let app = goalpost_desktop::builder(mock_builder(), AppState::new(data, Clock::system()))
        .build(goalpost_desktop::context())
        .unwrap();
    goalpost_desktop::open_initial(app.handle(), true, false).unwrap();
    let station = app.get_webview_window(STATION).expect("the station opened");
    assert!(
        app.get_webview_window(TEACHER).is_none(),
        "no teacher window"
    );
    invoke(&station, "station_home", json!({})).unwrap();
    let e = invoke(&station, "station_call_teacher", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    assert!(e.to_string().contains("no PIN yet"), "{e}");
    assert!(
        app.get_webview_window(TEACHER).is_none(),
        "still no teacher window"
    );
}

/// The Settings screen's mail form and folders: saved as the CLI's settings, a bad field
/// refused in place with nothing saved, a test email written to the outbox folder when no
/// server is set, and only the class's own folders opened, through the file manager.
#[cfg(unix)]
#[test]
fn settings_save_the_mail_server_send_a_test_email_and_open_known_folders() {
    let f = fixture(true, true);
    invoke(&f.teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap();

    let m = invoke(&f.teacher, "mail_server_get", json!({})).unwrap();
    assert_eq!(m["host"], Value::Null);
    let r = invoke(
        &f.teacher,
        "mail_test",
        json!({ "address": "me@example.org" }),
    )
    .unwrap();
    let file = std::path::PathBuf::from(r["file"].as_str().unwrap());
    assert!(
        file.starts_with(f.data.join("outbox")) && file.is_file(),
        "{r}"
    );

    let m = invoke(
        &f.teacher,
        "mail_server_save",
        json!({ "server": { "host": "smtp.school.example", "security": "starttls",
                            "user": "room7", "from": "room7@school.example" } }),
    )
    .unwrap();
    assert_eq!(m["host"], "smtp.school.example");
    assert_eq!(m["port"], 587);
    assert_eq!(m["user"], "room7");
    assert_eq!(m["password"]["state"], "missing", "{m}");
    let gp = Goalpost::open(&f.data).unwrap();
    assert_eq!(
        gp.setting("smtp.url").unwrap().as_deref(),
        Some("smtp://room7@smtp.school.example:587")
    );
    drop(gp);

    let e = invoke(
        &f.teacher,
        "mail_server_save",
        json!({ "server": { "host": "other.example", "from": "nobody" } }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "invalid", "{e}");
    assert!(e["message"].as_str().unwrap().contains("smtp.from"), "{e}");
    let m = invoke(&f.teacher, "mail_server_get", json!({})).unwrap();
    assert_eq!(m["host"], "smtp.school.example", "nothing was saved");

    // Folders: the file manager (here a script that writes down its argument) is asked to
    // open the known folder, which exists by then; an unknown folder is refused.
    let rec = f.data.join("opened.txt");
    let script = f.data.join("file-manager.sh");
    // Issue 12: it does not inherit the SMTP password.
    let env_rec = f.data.join("opened-env.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s' \"${{GOALPOST_SMTP_PASSWORD-none}}\" > '{}'\nprintf '%s' \"$1\" > '{}'\n",
            env_rec.display(),
            rec.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::env::set_var("GOALPOST_FILE_MANAGER", &script);
    std::env::set_var("GOALPOST_SMTP_PASSWORD", "s3cret-for-the-mail-server");
    let dir = invoke(&f.teacher, "open_folder", json!({ "folder": "backups" }));
    std::env::remove_var("GOALPOST_SMTP_PASSWORD");
    let dir = dir.unwrap();
    assert_eq!(dir, json!(f.data.join("backups")));
    assert!(f.data.join("backups").is_dir());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !rec.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        std::fs::read_to_string(&rec).unwrap(),
        f.data.join("backups").to_str().unwrap()
    );
    assert_eq!(std::fs::read_to_string(&env_rec).unwrap(), "none");
    let e = invoke(&f.teacher, "open_folder", json!({ "folder": "/etc" })).unwrap_err();
    assert!(e.to_string().contains("unknown variant"), "{e}");

    // Goal sheets (issue 16, part 5): written to the print folder, then opened the same
    // way (a browser prints them); the whole class's without a student.
    for (args, name) in [
        (json!({ "studentId": null }), "goal-sheets-class.html"),
        (json!({ "studentId": 1 }), "goal-sheet-s1-"),
    ] {
        std::fs::remove_file(&rec).unwrap();
        let p = invoke(&f.teacher, "goal_sheets_print", args).unwrap();
        let file = p["file"].as_str().unwrap();
        assert!(file.contains(name), "{file}");
        assert!(std::path::Path::new(file).starts_with(f.data.join("print")));
        assert_eq!(p["opened"], true);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !rec.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(std::fs::read_to_string(&rec).unwrap(), file);
    }
    let e = invoke(&f.teacher, "goal_sheets_print", json!({ "studentId": 999 })).unwrap_err();
    assert_eq!(kind(&e), "not_found", "{e}");
}

/// Issue 7: why a family cannot be reached crosses as a stable code beside core's English
/// reason, on the Sync preview and the Families screen alike, so the window can say it in
/// the teacher's language (tests/e2e/suite.py checks the Spanish words on screen).
#[test]
fn an_unreachable_family_comes_with_a_code_beside_the_english_reason() {
    let f = fixture(true, false);
    let refused = "550 5.1.1 no such user";
    let gp = Goalpost::open(&f.data).unwrap();
    let emailed: Vec<i64> = gp
        .contacts()
        .unwrap()
        .into_iter()
        .filter(|c| c.channel == goalpost::Channel::Email)
        .map(|c| c.id)
        .collect();
    assert!(!emailed.is_empty(), "the demo has families on email");
    for id in &emailed {
        goalpost::store::contacts::set_email_error(gp.store().conn(), *id, Some(refused)).unwrap();
    }
    drop(gp);

    let p = invoke(&f.teacher, "sync_preview", json!({})).unwrap();
    let unreachable = p["unreachable"].as_array().unwrap();
    assert!(
        !unreachable.is_empty(),
        "families with news are listed: {p}"
    );
    for u in unreachable {
        assert_eq!(u["code"], "address_refused", "{u}");
        assert_eq!(u["detail"], refused, "{u}");
        assert!(
            u["reason"]
                .as_str()
                .unwrap()
                .starts_with("the mail server refused "),
            "the English reason stays: {u}"
        );
    }

    let view = invoke(&f.teacher, "families_list", json!({})).unwrap();
    for fam in view["families"].as_array().unwrap() {
        let id = fam["contact_id"].as_i64().unwrap();
        let want = if emailed.contains(&id) {
            json!("address_refused")
        } else {
            Value::Null
        };
        assert_eq!(fam["reach_problem"], want, "{fam}");
    }
}

/// Issue 16, part 2: a child writes a note to their own family at the station; it waits
/// for the teacher, who approves it in Review. The station can do nothing else with notes,
/// and the teacher window may not pose as the station to write one.
#[test]
fn a_childs_note_from_the_station_waits_and_the_teacher_approves_it() {
    let f = fixture(true, true);
    let (student, _) = first_student_with_a_goal(&f);
    let r = invoke(
        &f.station,
        "station_note",
        json!({ "note": { "student_id": student, "text": "Come and see my reading goal on Thursday!" } }),
    )
    .unwrap();
    let id = r["note_id"].as_i64().unwrap();
    assert!(r["display_name"].is_string());
    let e = invoke(
        &f.station,
        "station_note",
        json!({ "note": { "student_id": student, "text": "x".repeat(141) } }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "invalid", "{e}");
    let e = invoke(
        &f.teacher,
        "station_note",
        json!({ "note": { "student_id": student, "text": "hi" } }),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("not allowed") || kind(&e) == "forbidden",
        "{e}"
    );

    let e = invoke(&f.teacher, "notes_waiting", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "locked: {e}");
    invoke(&f.teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap();
    let waiting = invoke(&f.teacher, "notes_waiting", json!({})).unwrap();
    let mine = waiting
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .expect("the note waits for review");
    assert_eq!(mine["text"], "Come and see my reading goal on Thursday!");
    assert_eq!(mine["status"], "waiting");
    let done = invoke(&f.teacher, "note_approve", json!({ "ids": [id] })).unwrap();
    assert_eq!(done[0]["status"], "approved");
    assert!(invoke(&f.teacher, "notes_waiting", json!({}))
        .unwrap()
        .as_array()
        .unwrap()
        .is_empty());
}

/// Issue 15: the Settings screen's backup is the whole class (a `.goalpost` file named as
/// made by the teacher), its list names each kind, a restore by name brings the class back
/// and keeps the one it replaced, and the screen shows the last automatic backup, failed
/// or not.
#[test]
fn settings_back_up_the_whole_class_list_each_kind_and_show_the_automatic_backup() {
    let f = fixture(true, false);
    let view = invoke(&f.teacher, "settings_get", json!({})).unwrap();
    assert!(view["last_auto_backup"].is_null(), "{view}");
    assert_eq!(view["backup_dir"], json!(f.data.join("backups")));

    let b = invoke(&f.teacher, "backup_create", json!({})).unwrap();
    let name = b["name"].as_str().unwrap().to_string();
    assert!(name.ends_with(".goalpost") && b["kind"] == "manual", "{b}");
    assert!(b["bytes"].as_u64().unwrap() > 0);

    // A sync makes the day's automatic backup; the screen shows it.
    invoke(
        &f.teacher,
        "sync_run",
        json!({ "onProgress": "__CHANNEL__:4242" }),
    )
    .unwrap();
    let view = invoke(&f.teacher, "settings_get", json!({})).unwrap();
    assert_eq!(view["last_auto_backup"]["ok"], true, "{view}");
    let list = invoke(&f.teacher, "backup_list", json!({})).unwrap();
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"manual") && kinds.contains(&"automatic"),
        "{list}"
    );

    let gp = Goalpost::open(&f.data).unwrap();
    gp.add_student("Tuihana", "Backup", None).unwrap();
    let r = invoke(&f.teacher, "backup_restore", json!({ "name": name })).unwrap();
    assert_eq!(r["format"], "archive", "{r}");
    assert!(r["previous_saved_to"]
        .as_str()
        .unwrap()
        .contains("before-restore-"));
    let gp = Goalpost::open(&f.data).unwrap();
    assert!(!gp
        .students()
        .unwrap()
        .iter()
        .any(|s| s.first_name == "Tuihana"));

    // An automatic backup that fails is on the screen as failed, with why.
    let usb = f.data.join("usb stick");
    std::fs::create_dir_all(&usb).unwrap();
    gp.set_setting("backup.dir", usb.to_str().unwrap()).unwrap();
    std::fs::remove_dir(&usb).unwrap();
    let gp = gp.with_clock(Clock::fixed(chrono::Utc::now() + chrono::Duration::days(1)));
    assert!(gp.auto_backup_if_due().is_some_and(|a| !a.ok));
    let view = invoke(&f.teacher, "settings_get", json!({})).unwrap();
    assert_eq!(view["last_auto_backup"]["ok"], false, "{view}");
    assert!(view["last_auto_backup"]["error"]
        .as_str()
        .unwrap()
        .contains("usb stick"));
}

/// Issue 15: the Class screen's portfolios. The folder the teacher picks (here answered by
/// `GOALPOST_PICK_FOLDER`, as the dialog cannot be shown in a test) usually holds other
/// files: each export goes into a new folder inside it, named by id or date, never by a
/// child; a locked teacher window cannot export.
#[test]
fn the_teacher_exports_portfolios_into_a_new_folder_inside_the_one_picked() {
    let f = fixture(true, true);
    let picked = f.data.parent().unwrap().join("usb");
    std::fs::create_dir_all(&picked).unwrap();
    std::fs::write(picked.join("holiday.jpg"), b"not ours").unwrap();
    std::env::set_var("GOALPOST_PICK_FOLDER", &picked);
    let e = invoke(
        &f.teacher,
        "portfolio_export",
        json!({ "studentId": 1, "title": "t" }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "forbidden", "locked: {e}");
    invoke(&f.teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap();
    let one = invoke(
        &f.teacher,
        "portfolio_export",
        json!({ "studentId": 1, "title": "Where?" }),
    )
    .unwrap();
    let again = invoke(
        &f.teacher,
        "portfolio_export",
        json!({ "studentId": 1, "title": "Where?" }),
    )
    .unwrap();
    let all = invoke(&f.teacher, "portfolio_export", json!({ "title": "Where?" })).unwrap();
    std::env::remove_var("GOALPOST_PICK_FOLDER");
    assert_eq!(one["dir"], json!(picked.join("portfolio-s1")), "{one}");
    assert_eq!(
        again["dir"],
        json!(picked.join("portfolio-s1-2")),
        "{again}"
    );
    assert!(picked.join("portfolio-s1").join("index.html").is_file());
    assert!(picked.join("portfolio-s1").join("portfolio.json").is_file());
    let dir = std::path::PathBuf::from(all["dir"].as_str().unwrap());
    assert!(dir.starts_with(&picked), "{all}");
    let students = all["report"]["students"].as_array().unwrap();
    assert!(!students.is_empty());
    for s in students {
        let folder = dir.join(s["folder"].as_str().unwrap());
        assert!(folder.join("index.html").is_file(), "{s}");
    }
    assert_eq!(
        std::fs::read(picked.join("holiday.jpg")).unwrap(),
        b"not ours"
    );
    // The dialog is the command's own: no window may open it (or any file) by itself.
    for w in [&f.teacher, &f.station] {
        let e = invoke(
            w,
            "plugin:dialog|open",
            json!({ "options": { "directory": true } }),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not allowed"), "{e}");
    }
    let list = invoke(&f.teacher, "goal_suggestions", json!({})).unwrap();
    assert_eq!(list, json!([]), "no year archived yet");
    let gp = Goalpost::open(&f.data).unwrap();
    goalpost::store::year::keep(gp.store().conn(), "I can skip", "PE", gp.now()).unwrap();
    let list = invoke(&f.teacher, "goal_suggestions", json!({})).unwrap();
    assert_eq!(list[0]["title"], "I can skip", "{list}");
    assert_eq!(list[0]["subject"], "PE", "{list}");
}

/// The Sharing screen's commands (issue 16): the teacher plans a sharing time in the
/// class's local time, changes it (its calendar sequence goes up), and cancels it; a time
/// that is not one is refused with the fix, and nothing is stored.
#[test]
fn the_teacher_plans_changes_and_cancels_a_sharing_time() {
    let f = fixture(true, false);
    let form = |at: &str, until: &str, place: &str| json!({ "at": at, "until": until, "title": "Maths morning", "place": place });
    let row = invoke(
        &f.teacher,
        "sharing_add",
        json!({ "form": form("2030-03-05T14:00", "15:00", "Room 7") }),
    )
    .unwrap();
    assert_eq!(row["at"], "2030-03-05T14:00");
    assert_eq!(row["until"], "15:00");
    assert_eq!(row["sequence"], 0);
    let id = row["id"].clone();
    let edited = invoke(
        &f.teacher,
        "sharing_edit",
        json!({ "id": id, "form": form("2030-03-06T09:30", "", "The hall") }),
    )
    .unwrap();
    assert_eq!(edited["sequence"], 1);
    assert!(edited["until"].is_null(), "an empty end removes it");
    let list = invoke(&f.teacher, "sharing_list", json!({})).unwrap();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == id && r["place"] == "The hall" && r["at"] == "2030-03-06T09:30"));
    let before = list.as_array().unwrap().len();
    let e = invoke(
        &f.teacher,
        "sharing_add",
        json!({ "form": form("next Tuesday", "", "") }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "invalid", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("2026-11-26 14:30"),
        "{e}"
    );
    let cancelled = invoke(&f.teacher, "sharing_cancel", json!({ "id": id })).unwrap();
    assert!(cancelled["cancelled_at"].is_string());
    let list = invoke(&f.teacher, "sharing_list", json!({})).unwrap();
    assert_eq!(list.as_array().unwrap().len(), before - 1);
    assert!(!list.as_array().unwrap().iter().any(|r| r["id"] == id));
}

/// A Settings card saves its settings together: one value out of range is refused with
/// its key named, and none of the card's values is saved; then all are.
#[test]
fn a_settings_card_saves_all_its_values_or_none() {
    let f = fixture(true, false);
    let card = |daily: &str| {
        json!({ "values": [["backup.dir", f.data.parent().unwrap().to_str().unwrap()],
            ["backup.keep_daily", daily], ["photo.keep_originals_days", "30"],
            ["mail.max_per_week", "2"]] })
    };
    let e = invoke(&f.teacher, "settings_save", card("400")).unwrap_err();
    assert_eq!(kind(&e), "invalid", "{e}");
    assert!(e.to_string().contains("backup.keep_daily"), "{e}");
    let gp = Goalpost::open(&f.data).unwrap();
    for key in [
        "backup.dir",
        "photo.keep_originals_days",
        "mail.max_per_week",
    ] {
        let kept = gp.settings().unwrap().into_iter().find(|s| s.key == key);
        assert!(kept.unwrap().is_default, "{key} was saved");
    }
    let saved = invoke(&f.teacher, "settings_save", card("5")).unwrap();
    let value = |k: &str| {
        saved
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == k)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value("backup.keep_daily"), "5");
    assert_eq!(value("photo.keep_originals_days"), "30");
    assert_eq!(value("mail.max_per_week"), "2");
    let e = invoke(&f.station, "settings_save", card("5")).unwrap_err();
    assert!(e.to_string().contains("not allowed"), "{e}");
}
