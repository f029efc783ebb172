//! The two windows. Each has its own label, page and capability; only the station may use
//! the camera, and only because this app grants it for that window.
//!
//! The station can be a kiosk: full screen, without a window frame, and closed only from
//! the teacher's window (behind the PIN) — `--station --fullscreen`, or the class's
//! `station.fullscreen` setting.

use std::ffi::OsString;

use tauri::webview::{PermissionKind, PermissionResponse};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

use crate::launch::{parse_args, Launch, WindowOptions};
use crate::state::{station_fullscreen, AppState, Notice};

/// The class station, used by children.
pub const STATION: &str = "station";
/// The teacher's window.
pub const TEACHER: &str = "teacher";

/// Opens what a launch asked for: the station if asked for (`--station`, the class
/// computer's shortcut for children), else the teacher's window. `kiosk`: the station full
/// screen and frameless.
///
/// A station started before the teacher chose a PIN still opens as the station, never as
/// the teacher's screens; it then cannot bring the teacher's window forward
/// ([`crate::AppState::may_call_teacher`]). But when the teacher's screens are open in this
/// app and no PIN protects them, the station does not open: a child would be one Alt-Tab
/// from them. The teacher's window comes forward and says a PIN is needed.
pub fn open_initial<R: Runtime>(
    app: &AppHandle<R>,
    station: bool,
    kiosk: bool,
) -> tauri::Result<()> {
    if !station {
        show_teacher(app)?;
        return Ok(());
    }
    let state = app.state::<AppState>();
    let has_pin = state
        .session()
        .map(|mut s| s.open_station().is_ok())
        .unwrap_or(false);
    if !has_pin {
        if app.get_webview_window(TEACHER).is_some() {
            show_teacher(app)?;
            state.tell(app, Some(Notice::NeedPin));
            return Ok(());
        }
        eprintln!("goalpost: no teacher PIN yet: the station opens, but \"Teacher\" cannot open the teacher's screens until a PIN is chosen in Settings (start Goalpost without --station)");
    }
    open_station(app, kiosk)?;
    // The teacher's screens locked as the station opened: the teacher's window shows
    // the lock screen at once.
    state.tell(app, None);
    Ok(())
}

/// A second launch on this app's data folder handed its command line over (see
/// `tauri-plugin-single-instance` in `lib.rs`): open what it asked for here, in this
/// app's one session. Called on the plugin's thread; the windows open from a task, off it.
pub fn second_launch<R: Runtime>(app: &AppHandle<R>, argv: Vec<String>) {
    let args: Vec<OsString> = argv.into_iter().map(OsString::from).collect();
    // Only a window launch reaches the plugin: the CLI and `teacher-pin` run before it.
    let Launch::Window(opts) = parse_args(&args) else {
        return;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = open_launch(&app, &opts).await {
            eprintln!("goalpost: the window asked for by a second launch did not open: {e}");
        }
    });
}

/// Opens what `opts` asks for in this app, reading `station.fullscreen` off the UI thread.
pub async fn open_launch<R: Runtime>(
    app: &AppHandle<R>,
    opts: &WindowOptions,
) -> tauri::Result<()> {
    let kiosk = opts.station
        && (opts.fullscreen
            || app
                .state::<AppState>()
                .run(|gp| station_fullscreen(gp))
                .await
                .unwrap_or(false));
    open_initial(app, opts.station, kiosk)
}

/// Opens (or brings forward) the teacher's window.
pub fn show_teacher<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    if let Some(w) = app.get_webview_window(TEACHER) {
        w.show()?;
        w.unminimize()?;
        w.set_focus()?;
        return Ok(w);
    }
    WebviewWindowBuilder::new(app, TEACHER, WebviewUrl::App("teacher.html".into()))
        .title("Goalpost")
        .inner_size(1200.0, 800.0)
        .min_inner_size(720.0, 520.0)
        .on_permission_request(|_, _| PermissionResponse::Deny)
        .build()
}

/// Opens (or brings forward) the class station; `kiosk`: full screen without a window
/// frame, closed only through the teacher's window. A station already open becomes a
/// kiosk when asked; it never stops being one but by the teacher closing it.
pub fn open_station<R: Runtime>(
    app: &AppHandle<R>,
    kiosk: bool,
) -> tauri::Result<WebviewWindow<R>> {
    let state = app.state::<AppState>();
    if let Some(w) = app.get_webview_window(STATION) {
        if kiosk {
            state.set_station_kiosk(true);
            w.set_decorations(false)?;
            w.set_fullscreen(true)?;
        }
        w.show()?;
        w.unminimize()?;
        w.set_focus()?;
        return Ok(w);
    }
    state.set_station_kiosk(kiosk);
    let w = WebviewWindowBuilder::new(app, STATION, WebviewUrl::App("station.html".into()))
        .title("Goalpost station")
        .inner_size(1200.0, 800.0)
        .min_inner_size(640.0, 480.0)
        .fullscreen(kiosk)
        .decorations(!kiosk)
        .on_permission_request(|_, kind| match kind {
            PermissionKind::Camera => PermissionResponse::Allow,
            _ => PermissionResponse::Deny,
        })
        .build()?;
    platform::enable_camera(&w);
    Ok(w)
}

/// Closes the station, kiosk or not (the teacher's way out of the kiosk).
pub fn close_station<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    if let Some(w) = app.get_webview_window(STATION) {
        // destroy(), not close(): a kiosk refuses close requests (`lib::window_event`).
        w.destroy()?;
    }
    app.state::<AppState>().station_closed();
    Ok(())
}

#[cfg(target_os = "linux")]
mod platform {
    use tauri::{Runtime, WebviewWindow};

    /// WebKitGTK keeps `getUserMedia` off unless the web view's settings allow it. With
    /// `GOALPOST_MOCK_CAMERA=1` (tests on machines without a webcam) WebKit's mock capture
    /// device stands in for the camera.
    pub fn enable_camera<R: Runtime>(w: &WebviewWindow<R>) {
        let mock = std::env::var_os("GOALPOST_MOCK_CAMERA").is_some_and(|v| v == "1");
        let _ = w.with_webview(move |pv| {
            use webkit2gtk::{SettingsExt, WebViewExt};
            if let Some(settings) = pv.inner().settings() {
                settings.set_enable_media_stream(true);
                if mock {
                    settings.set_enable_mock_capture_devices(true);
                }
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use tauri::{Runtime, WebviewWindow};

    /// WebView2 and WKWebView need no setting: the permission handler decides.
    pub fn enable_camera<R: Runtime>(_w: &WebviewWindow<R>) {}
}
