//! The two windows. Each has its own label, page and capability; only the station may use
//! the camera, and only because this app grants it for that window.

use tauri::webview::{PermissionKind, PermissionResponse};
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

/// The class station, used by children.
pub const STATION: &str = "station";
/// The teacher's window.
pub const TEACHER: &str = "teacher";

/// The first window: the station if asked for (`--station`, the class computer's
/// shortcut for children), else the teacher's window. A station started before the teacher
/// chose a PIN still opens as the station, never as the teacher's screens; it then cannot
/// bring the teacher's window forward ([`crate::AppState::may_call_teacher`]).
pub fn open_initial<R: Runtime>(app: &AppHandle<R>, station: bool) -> tauri::Result<()> {
    if station {
        let state = app.state::<crate::AppState>();
        if let Ok(mut s) = state.session() {
            if s.open_station().is_err() {
                eprintln!("goalpost: no teacher PIN yet: the station opens, but \"Teacher\" cannot open the teacher's screens until a PIN is chosen in Settings (start Goalpost without --station)");
            }
        }
        open_station(app)?;
    } else {
        show_teacher(app)?;
    }
    Ok(())
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

/// Opens (or brings forward) the class station.
pub fn open_station<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    if let Some(w) = app.get_webview_window(STATION) {
        w.show()?;
        w.unminimize()?;
        w.set_focus()?;
        return Ok(w);
    }
    let w = WebviewWindowBuilder::new(app, STATION, WebviewUrl::App("station.html".into()))
        .title("Goalpost station")
        .inner_size(1200.0, 800.0)
        .min_inner_size(640.0, 480.0)
        .on_permission_request(|_, kind| match kind {
            PermissionKind::Camera => PermissionResponse::Allow,
            _ => PermissionResponse::Deny,
        })
        .build()?;
    platform::enable_camera(&w);
    Ok(w)
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
