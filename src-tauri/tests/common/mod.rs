//! What the desktop crate's in-process tests share: a demo class in a temporary folder, the
//! app over it built with the real command list (and, if asked, the real capabilities),
//! the two windows labelled like the app's, and a way to call a command as a page would.

#![allow(dead_code)] // each test file uses its own part of these

use std::path::{Path, PathBuf};

use goalpost::{Clock, Goalpost};
use goalpost_desktop::{AppState, STATION, TEACHER};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

pub const PIN: &str = "2468";

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub app: App<MockRuntime>,
    pub station: WebviewWindow<MockRuntime>,
    pub teacher: WebviewWindow<MockRuntime>,
}

/// A demo class with a teacher PIN, the app over it, and both windows.
/// `acl`: use the app's real capabilities; without it only the Rust checks stand.
pub fn fixture(acl: bool, pin: bool) -> Fixture {
    fixture_with(acl, pin, |b| b)
}

/// The same, with something more on the builder (a channel interceptor).
pub fn fixture_with(
    acl: bool,
    pin: bool,
    more: impl FnOnce(tauri::Builder<MockRuntime>) -> tauri::Builder<MockRuntime>,
) -> Fixture {
    let (dir, data) = demo_class(pin);
    let state = AppState::new(data.clone(), Clock::system());
    let (app, station, teacher) = app_on(state, acl, more);
    Fixture {
        _dir: dir,
        data,
        app,
        station,
        teacher,
    }
}

/// A demo class of 6 in `<temp>/class`, with the teacher PIN if asked.
pub fn demo_class(pin: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("class");
    let gp = Goalpost::create(&data).unwrap();
    gp.create_demo(6).unwrap();
    if pin {
        gp.set_teacher_pin(PIN).unwrap();
    }
    (dir, data)
}

/// The app (the real builder) over `state`, and its two windows.
pub fn app_on(
    state: AppState,
    acl: bool,
    more: impl FnOnce(tauri::Builder<MockRuntime>) -> tauri::Builder<MockRuntime>,
) -> (
    App<MockRuntime>,
    WebviewWindow<MockRuntime>,
    WebviewWindow<MockRuntime>,
) {
    let builder = more(goalpost_desktop::builder(mock_builder(), state));
    let app = if acl {
        builder.build(goalpost_desktop::context()).unwrap()
    } else {
        builder.build(mock_context(noop_assets())).unwrap()
    };
    let station = WebviewWindowBuilder::new(&app, STATION, Default::default())
        .build()
        .unwrap();
    let teacher = WebviewWindowBuilder::new(&app, TEACHER, Default::default())
        .build()
        .unwrap();
    (app, station, teacher)
}

/// Calls `cmd` from the window `w`, as its page would.
pub fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap_or(Value::Null))
}

pub fn kind(e: &Value) -> &str {
    e.get("kind").and_then(Value::as_str).unwrap_or("")
}

/// The class's database file.
pub fn db_file(data: &Path) -> PathBuf {
    data.join(goalpost::store::DB_FILE)
}
