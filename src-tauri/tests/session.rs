//! Issue 13: one app per class, one teacher session for every window. In-process tests
//! with `tauri::test` (the real command list and capabilities, a real class in a temporary
//! folder): a database that cannot be read at start keeps the teacher's commands refused;
//! wrong PINs still wait after a restart; a second launch on the class opens its window in
//! the running app and the teacher's window hears at once that the session locked; the
//! kiosk station is closed only from the teacher's window.
//!
//! The launch handover itself (the D-Bus name, a second process) is tested on the real app
//! in tests/e2e (`a_second_launch_opens_the_station_inside_the_running_app`).

mod common;

use std::path::Path;
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use common::{app_on, db_file, demo_class, invoke, kind, PIN};
use goalpost::auth::FREE_ATTEMPTS;
use goalpost::{Clock, Goalpost};
use goalpost_desktop::{AppState, SESSION_EVENT, STATION, TEACHER};
use serde_json::{json, Value};
use tauri::test::{mock_builder, MockRuntime};
use tauri::{Listener, Manager, WebviewWindow};

/// Every session event the window `w` hears, as JSON.
fn heard(w: &WebviewWindow<MockRuntime>) -> Receiver<Value> {
    let (tx, rx) = channel();
    w.listen(SESSION_EVENT, move |e| {
        let _ = tx.send(serde_json::from_str(e.payload()).unwrap_or(Value::Null));
    });
    rx
}

/// The next event, waiting as long as a loaded machine may need.
fn next(rx: &Receiver<Value>, what: &str) -> Value {
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("the teacher's window was not told: {what}"))
}

fn unlock(teacher: &WebviewWindow<MockRuntime>) {
    let st = invoke(teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap();
    assert_eq!(st["unlocked"], true, "{st}");
}

/// Waits until `ready()` holds (a window opened by a task): a liveness check, no timing.
fn wait_for(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} did not happen");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn remove_wal(data: &Path) {
    for ext in ["-wal", "-shm"] {
        let mut p = db_file(data).into_os_string();
        p.push(ext);
        let _ = std::fs::remove_file(p);
    }
}

/// Issue 13: the class's database was there but could not be read when the app started
/// (here: damaged; in a school, a share not mounted yet or a lock held). Before, the app
/// took that for "no PIN" and left every teacher screen open once the database came back.
/// Now every teacher command is refused with the reason, and once the file can be read
/// again the screens still wait for the PIN.
#[test]
fn a_database_unreadable_at_start_keeps_the_teacher_commands_refused() {
    let (_dir, data) = demo_class(true);
    remove_wal(&data);
    let whole = std::fs::read(db_file(&data)).unwrap();
    std::fs::write(
        db_file(&data),
        b"not a database: the share is not mounted yet",
    )
    .unwrap();

    let (_app, station, teacher) =
        app_on(AppState::new(data.clone(), Clock::system()), true, |b| b);
    for cmd in [
        "review_list",
        "class_overview",
        "families_list",
        "settings_get",
    ] {
        let e = invoke(&teacher, cmd, json!({})).unwrap_err();
        assert_eq!(kind(&e), "forbidden", "{cmd}: {e}");
        assert!(e.to_string().contains("could not be read"), "{cmd}: {e}");
    }
    let st = invoke(&teacher, "teacher_status", json!({})).unwrap();
    assert_eq!(st["unlocked"], false, "{st}");
    assert!(
        st["problem"]
            .as_str()
            .is_some_and(|p| p.contains("database")),
        "the lock screen says why: {st}"
    );
    let e = invoke(&teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    // A child pressing Teacher brings the window forward, still locked, with the reason.
    invoke(&station, "station_call_teacher", json!({})).unwrap();
    let e = invoke(&teacher, "class_overview", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");

    // The database can be read again: the screens are still locked, behind the PIN.
    std::fs::write(db_file(&data), &whole).unwrap();
    let e = invoke(&teacher, "review_list", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    let st = invoke(&teacher, "teacher_status", json!({})).unwrap();
    assert_eq!(st["problem"], Value::Null, "{st}");
    assert_eq!(
        (st["pin_set"].clone(), st["unlocked"].clone()),
        (json!(true), json!(false)),
        "{st}"
    );
    assert_eq!(st["class_name"], "Room 7");
    let e = invoke(&teacher, "review_list", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    unlock(&teacher);
    invoke(&teacher, "review_list", json!({})).unwrap();
}

/// Issue 13: wrong PINs were counted in memory only, so restarting the app (or the station
/// shortcut) gave a child fresh tries. They are kept with the class now.
#[test]
fn wrong_pins_across_a_restart_still_wait() {
    let (_dir, data) = demo_class(true);
    {
        let (_app, _station, teacher) =
            app_on(AppState::new(data.clone(), Clock::system()), true, |b| b);
        for i in 0..FREE_ATTEMPTS {
            let e = invoke(&teacher, "teacher_unlock", json!({ "pin": "0000" })).unwrap_err();
            assert_eq!(kind(&e), "forbidden", "try {i}: {e}");
        }
        let e = invoke(&teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap_err();
        assert_eq!(kind(&e), "busy", "{e}");
    }

    // The app is started again on the same class.
    let (_app, _station, teacher) =
        app_on(AppState::new(data.clone(), Clock::system()), true, |b| b);
    let st = invoke(&teacher, "teacher_status", json!({})).unwrap();
    let wait = st["retry_after_secs"].as_u64().unwrap();
    assert!(
        wait > 0 && wait <= 30,
        "the lock screen shows the wait: {st}"
    );
    let e = invoke(&teacher, "teacher_unlock", json!({ "pin": PIN })).unwrap_err();
    assert_eq!(kind(&e), "busy", "even the right PIN waits: {e}");
    assert!(e.to_string().contains("wait"), "{e}");
    let e = invoke(&teacher, "review_list", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    // And a third app still finds the count: nothing was forgotten on the way.
    let gp = Goalpost::open(&data).unwrap();
    assert_eq!(gp.pin_tries().unwrap().failures, FREE_ATTEMPTS);
}

/// Issue 13: `goalpost-desktop --station` on a class whose app is already open hands its
/// command line over (the single-instance plugin calls `second_launch`): the station opens
/// in this app, the one session locks, and the teacher's window is told at once.
#[test]
fn a_second_launch_opens_the_station_in_the_running_app_and_locks_the_teacher_window() {
    let (_dir, data) = demo_class(true);
    let app =
        goalpost_desktop::builder(mock_builder(), AppState::new(data.clone(), Clock::system()))
            .build(goalpost_desktop::context())
            .unwrap();
    goalpost_desktop::open_initial(app.handle(), false, false).unwrap();
    let teacher = app
        .get_webview_window(TEACHER)
        .expect("the teacher's window");
    let events = heard(&teacher);
    unlock(&teacher);
    invoke(&teacher, "review_list", json!({})).unwrap();

    let dir = data.to_string_lossy().into_owned();
    let argv = |more: &[&str]| {
        ["goalpost-desktop", "--data-dir", &dir]
            .iter()
            .chain(more)
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    goalpost_desktop::second_launch(app.handle(), argv(&["--station"]));
    wait_for("the station window opening", || {
        app.get_webview_window(STATION).is_some()
    });
    let ev = next(&events, "the station opened");
    assert_eq!(
        (ev["unlocked"].clone(), ev["station_open"].clone()),
        (json!(false), json!(true)),
        "{ev}"
    );
    let e = invoke(&teacher, "review_list", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    let station = app.get_webview_window(STATION).unwrap();
    invoke(&station, "station_home", json!({})).unwrap();

    // Another launch of either brings the same window forward: still one of each.
    for opts in [
        goalpost_desktop::WindowOptions {
            data_dir: Some(data.clone()),
            ..Default::default()
        },
        goalpost_desktop::WindowOptions {
            data_dir: Some(data.clone()),
            station: true,
            ..Default::default()
        },
    ] {
        tauri::async_runtime::block_on(goalpost_desktop::open_launch(app.handle(), &opts)).unwrap();
    }
    let mut labels: Vec<String> = app.webview_windows().into_keys().collect();
    labels.sort();
    assert_eq!(labels, [STATION, TEACHER]);
}

/// Without a PIN, a second launch with `--station` while the teacher's screens are open
/// would put a child one Alt-Tab from them: nothing opens, and the teacher is told why.
#[test]
fn a_second_launch_asks_for_the_station_before_a_pin_and_the_teacher_is_told() {
    let (_dir, data) = demo_class(false);
    let app =
        goalpost_desktop::builder(mock_builder(), AppState::new(data.clone(), Clock::system()))
            .build(goalpost_desktop::context())
            .unwrap();
    goalpost_desktop::open_initial(app.handle(), false, false).unwrap();
    let teacher = app.get_webview_window(TEACHER).unwrap();
    let events = heard(&teacher);
    let dir = data.to_string_lossy().into_owned();
    goalpost_desktop::second_launch(
        app.handle(),
        ["goalpost-desktop", "--station", "--data-dir", &dir]
            .map(String::from)
            .to_vec(),
    );
    let ev = next(&events, "a PIN is needed");
    assert_eq!(ev["notice"], "need_pin", "{ev}");
    assert!(app.get_webview_window(STATION).is_none());
}

/// Issue 13: locking is told to the teacher's window the moment it happens, whatever
/// locked it, so the window can take its screen off the page; the station hears nothing.
#[test]
fn the_teacher_window_hears_at_once_whenever_the_session_locks() {
    let (_dir, data) = demo_class(true);
    // A short idle lock, so that the idle timer can be seen to fire.
    let state = AppState::new(data, Clock::system()).with_idle_lock(Duration::from_secs(3));
    let (app, station, teacher) = app_on(state, true, |b| b);
    let events = heard(&teacher);
    let at_station = heard(&station);

    // Left alone after the PIN, the session locks itself and says so.
    unlock(&teacher);
    let ev = next(&events, "the idle lock");
    assert_eq!(ev["unlocked"], false, "{ev}");
    let e = invoke(&teacher, "review_list", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");

    for (how, lock) in [
        (
            "the station took the focus",
            Box::new(|| {
                goalpost_desktop::window_event(
                    app.handle(),
                    STATION,
                    &tauri::WindowEvent::Focused(true),
                )
            }) as Box<dyn Fn()>,
        ),
        (
            "a child pressed Teacher",
            Box::new(|| {
                invoke(&station, "station_call_teacher", json!({})).unwrap();
            }),
        ),
        (
            "the Lock button",
            Box::new(|| {
                invoke(&teacher, "teacher_lock", json!({})).unwrap();
            }),
        ),
    ] {
        while events.try_recv().is_ok() {}
        unlock(&teacher);
        lock();
        let ev = next(&events, how);
        assert_eq!(ev["unlocked"], false, "{how}: {ev}");
        assert_eq!(
            kind(&invoke(&teacher, "review_list", json!({})).unwrap_err()),
            "forbidden",
            "{how}"
        );
    }
    assert!(
        at_station.try_recv().is_err(),
        "the station window is never told about the teacher's session"
    );
}

/// Issue 13: the station as a kiosk. `station.fullscreen` (checked like every setting)
/// makes the station open as one; a close request to it is refused; the teacher's window,
/// unlocked, closes it.
#[test]
fn a_kiosk_station_is_closed_only_from_the_unlocked_teacher_window() {
    let (_dir, data) = demo_class(true);
    let (app, _station, teacher) =
        app_on(AppState::new(data.clone(), Clock::system()), true, |b| b);
    let state = app.state::<AppState>();
    unlock(&teacher);
    let e = invoke(
        &teacher,
        "setting_set",
        json!({ "key": "station.fullscreen", "value": "maybe" }),
    )
    .unwrap_err();
    assert_eq!(kind(&e), "invalid", "{e}");
    let v = invoke(
        &teacher,
        "setting_set",
        json!({ "key": "station.fullscreen", "value": "on" }),
    )
    .unwrap();
    assert_eq!(v, "yes");

    invoke(&teacher, "open_station", json!({})).unwrap();
    assert!(state.station_kiosk(), "the setting made it a kiosk");
    assert!(state.refuses_close(STATION), "a child cannot close it");
    assert!(!state.refuses_close(TEACHER));

    // Locked (the station opened): the way out needs the PIN.
    let e = invoke(&teacher, "close_station", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    assert!(state.refuses_close(STATION));
    unlock(&teacher);
    let st = invoke(&teacher, "close_station", json!({})).unwrap();
    assert_eq!(st["station_open"], false, "{st}");
    assert!(!state.refuses_close(STATION));

    // The setting off: the station opens as a window that closes like any other.
    invoke(
        &teacher,
        "setting_set",
        json!({ "key": "station.fullscreen", "value": "no" }),
    )
    .unwrap();
    unlock(&teacher);
    invoke(&teacher, "open_station", json!({})).unwrap();
    assert!(!state.refuses_close(STATION));
}

/// A backup of a demo class with the teacher PIN, written beside `data`'s parent.
fn backup_of_a_class_with_a_pin(root: &Path) -> std::path::PathBuf {
    let (_dir, old_pc) = demo_class(true);
    let file = root.join("usb stick").join("room7.goalpost");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    Goalpost::open(&old_pc).unwrap().backup(&file).unwrap();
    file
}

/// Issue 15 in the window: the app on a new PC (a folder with no class) offers to start a
/// class or to restore one from a backup file; a form that is refused writes nothing; the
/// restored class asks for its PIN before anything of it shows; and a class that exists is
/// never replaced by "start a new class".
#[test]
fn a_new_pc_restores_the_class_from_a_file_and_then_asks_for_its_pin() {
    let root = tempfile::tempdir().unwrap();
    let file = backup_of_a_class_with_a_pin(root.path());
    let data = root.path().join("new pc");
    let (_app, station, teacher) =
        app_on(AppState::new(data.clone(), Clock::system()), true, |b| b);

    let st = invoke(&teacher, "teacher_status", json!({})).unwrap();
    assert_eq!(st["no_class_in"], json!(data), "{st}");
    assert_eq!(st["unlocked"], true, "{st}");
    // The station has no way to make or replace a class.
    for (cmd, args) in [
        ("class_create", json!({ "class": {} })),
        (
            "backup_restore_file",
            json!({ "title": "t", "filter": "f" }),
        ),
    ] {
        let e = invoke(&station, cmd, args).unwrap_err();
        assert!(e.to_string().contains("not allowed"), "{cmd}: {e}");
    }
    // A refused form names the problem and writes nothing at all.
    let bad = json!({ "class": { "school": "Hillside", "class_name": "Room 7",
        "teacher": "Ms Rivera", "teacher_email": "not an address", "language": "en",
        "timezone": "Europe/Madrid" } });
    let e = invoke(&teacher, "class_create", bad).unwrap_err();
    assert_eq!(kind(&e), "invalid", "{e}");
    assert!(e.to_string().contains("not an address"), "{e}");
    assert!(!db_file(&data).exists(), "no half-made class");

    std::env::set_var(goalpost_desktop::PICK_FILE_ENV, &file);
    let r = invoke(
        &teacher,
        "backup_restore_file",
        json!({ "title": "Choose", "filter": "Goalpost backups" }),
    );
    std::env::remove_var(goalpost_desktop::PICK_FILE_ENV);
    let r = r.unwrap();
    assert_eq!(r["format"], "archive", "{r}");
    assert_eq!(r["previous_saved_to"], Value::Null, "{r}");
    assert!(r["photos_restored"].as_u64().unwrap() > 0, "{r}");

    // The restored class has a PIN: nothing of it shows before the PIN.
    let st = invoke(&teacher, "teacher_status", json!({})).unwrap();
    assert_eq!(st.get("no_class_in"), None, "{st}");
    assert_eq!(
        (st["pin_set"].clone(), st["unlocked"].clone()),
        (json!(true), json!(false)),
        "{st}"
    );
    assert_eq!(st["class_name"], "Room 7");
    let e = invoke(&teacher, "class_overview", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    unlock(&teacher);
    let overview = invoke(&teacher, "class_overview", json!({})).unwrap();
    assert_eq!(
        overview["students"].as_array().unwrap().len(),
        6,
        "{overview}"
    );

    // "Start a new class" never replaces one.
    let good = json!({ "class": { "school": "Hillside", "class_name": "Room 8",
        "teacher": "Ms Rivera", "teacher_email": "rivera@school.example", "language": "en",
        "timezone": "Europe/Madrid" } });
    let e = invoke(&teacher, "class_create", good).unwrap_err();
    assert_eq!(kind(&e), "conflict", "{e}");
    assert_eq!(
        Goalpost::open(&data).unwrap().class().unwrap().class_name,
        "Room 7"
    );
}

/// The first day: a new class made in the window opens at once (no PIN yet), in the
/// language chosen.
#[test]
fn the_first_day_starts_a_new_class_in_the_window() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("class");
    let (_app, _station, teacher) =
        app_on(AppState::new(data.clone(), Clock::system()), true, |b| b);
    let class = json!({ "class": { "school": "Escuela Sol", "class_name": "3º B",
        "teacher": "Ana Ruiz", "teacher_email": "ana@sol.example", "language": "es",
        "timezone": "Europe/Madrid" } });
    // A restore into the folder from a terminal holds the class lock: not both at once.
    std::fs::create_dir_all(&data).unwrap();
    let restoring = goalpost::lock::ClassLock::try_acquire(
        &data,
        goalpost::lock::Operation::Restore,
        chrono::Utc::now(),
        || chrono_tz::UTC,
    )
    .unwrap();
    let e = invoke(&teacher, "class_create", class.clone()).unwrap_err();
    assert_eq!(kind(&e), "busy", "{e}");
    assert!(!db_file(&data).exists());
    drop(restoring);
    let made = invoke(&teacher, "class_create", class).unwrap();
    assert_eq!(made["class_name"], "3º B");
    let st = invoke(&teacher, "teacher_status", json!({})).unwrap();
    assert_eq!(st.get("no_class_in"), None, "{st}");
    assert_eq!(st["class_name"], "3º B", "{st}");
    assert_eq!(st["language"], "es", "{st}");
    assert_eq!(st["unlocked"], true, "{st}");
    invoke(&teacher, "class_overview", json!({})).unwrap();
}

/// A class that appears in a folder the app opened without one (restored from a terminal,
/// or a USB stick or share connected late) is read again before anything of it shows:
/// its PIN holds. Before, the session kept "no class, so no PIN" and every teacher screen
/// of the class that appeared was open.
#[test]
fn a_class_that_appears_later_still_asks_for_its_pin() {
    let root = tempfile::tempdir().unwrap();
    let file = backup_of_a_class_with_a_pin(root.path());
    let data = root.path().join("share");
    let (_app, _station, teacher) =
        app_on(AppState::new(data.clone(), Clock::system()), true, |b| b);
    let st = invoke(&teacher, "teacher_status", json!({})).unwrap();
    assert_eq!(st["unlocked"], true, "no class, nothing to lock: {st}");

    goalpost::backup::restore_into_new(&data, &file, Clock::system()).unwrap();
    let e = invoke(&teacher, "class_overview", json!({})).unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    let st = invoke(&teacher, "teacher_status", json!({})).unwrap();
    assert_eq!(st["unlocked"], false, "{st}");
    unlock(&teacher);
    invoke(&teacher, "class_overview", json!({})).unwrap();
}
