//! The teacher session: status, PIN, lock, and opening and closing the station.

use std::time::Instant;

use chrono::Utc;
use goalpost::auth::SessionStatus;
use goalpost::teacher::ClassTitle;
use goalpost::Error;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State, Webview};

use super::Reply;
use crate::state::station_fullscreen;
use crate::AppState;

/// The session and which class this is (shown on the lock screen too).
#[derive(Debug, Serialize)]
pub struct TeacherStatus {
    #[serde(flatten)]
    pub session: SessionStatus,
    #[serde(flatten)]
    pub class: ClassTitle,
    /// The data folder, when it holds no class yet: the window offers to start a new class
    /// there or to restore one from a backup file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_class_in: Option<std::path::PathBuf>,
}

/// The session as it stands, for the lock screen and the top bar. A class that could not
/// be read is read again first; while it still cannot be, the status says why (and the
/// class has no name to show).
#[tauri::command]
pub async fn teacher_status<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<TeacherStatus> {
    s.teacher_window(w.label())?.reread_if_unreadable().await?;
    let no_class_in = s.has_no_class().then(|| s.data_dir().to_path_buf());
    if s.session()?.problem().is_some() || no_class_in.is_some() {
        return Ok(TeacherStatus {
            session: s.status()?,
            class: ClassTitle::default(),
            no_class_in,
        });
    }
    let (class, tries) = s.run(|gp| Ok((gp.class_title()?, gp.pin_tries()?))).await?;
    s.session()?.show_tries(&tries, Instant::now(), Utc::now());
    Ok(TeacherStatus {
        session: s.status()?,
        class,
        no_class_in: None,
    })
}

/// Checks the PIN (argon2, on a worker thread) and unlocks the teacher screens. Wrong
/// tries are counted with the class, so a restart gives no fresh ones.
#[tauri::command]
pub async fn teacher_unlock<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    pin: String,
) -> Reply<SessionStatus> {
    s.teacher_window(w.label())?.reread_if_unreadable().await?;
    if let Some(problem) = s.session()?.problem() {
        return Err(Error::Forbidden(problem.to_string()));
    }
    let outcome = s
        .run(move |gp| gp.try_teacher_pin(&pin, Utc::now()))
        .await?;
    s.session()?.record_try(outcome, Instant::now())?;
    s.status()
}

#[tauri::command]
pub async fn teacher_lock<R: Runtime>(
    app: AppHandle<R>,
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<SessionStatus> {
    s.teacher_window(w.label())?.lock_teacher(&app);
    s.status()
}

/// Chooses a new PIN; replacing one needs the current PIN as well.
#[tauri::command]
pub async fn teacher_set_pin<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    current: Option<String>,
    pin: String,
) -> Reply<SessionStatus> {
    s.teacher(w.label())?
        .run(move |gp| {
            if gp.teacher_pin_set()? && !gp.verify_teacher_pin(current.as_deref().unwrap_or(""))? {
                return Err(Error::Forbidden("the current PIN is not right".into()));
            }
            gp.set_teacher_pin(&pin)
        })
        .await?;
    s.session()?.pin_was_set();
    s.status()
}

/// Opens the class station (a kiosk when `station.fullscreen` is on); the teacher screens
/// lock.
#[tauri::command]
pub async fn open_station<R: Runtime>(
    app: AppHandle<R>,
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<SessionStatus> {
    let kiosk = s
        .teacher(w.label())?
        .run(|gp| station_fullscreen(gp))
        .await?;
    s.session()?.open_station()?;
    crate::windows::open_station(&app, kiosk)
        .map_err(|e| Error::Busy(format!("the station window did not open: {e}")))?;
    s.tell(&app, None);
    s.status()
}

/// Closes the class station, kiosk or not: the teacher's way out of the kiosk, behind
/// the PIN.
#[tauri::command]
pub async fn close_station<R: Runtime>(
    app: AppHandle<R>,
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<SessionStatus> {
    s.teacher(w.label())?;
    crate::windows::close_station(&app)
        .map_err(|e| Error::Busy(format!("the station window did not close: {e}")))?;
    s.status()
}
