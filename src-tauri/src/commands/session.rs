//! The teacher session: status, PIN, lock, and opening the station.

use std::time::Instant;

use goalpost::auth::SessionStatus;
use goalpost::teacher::ClassTitle;
use goalpost::Error;
use serde::Serialize;
use tauri::{AppHandle, Runtime, State, Webview};

use super::Reply;
use crate::AppState;

/// The session and which class this is (shown on the lock screen too).
#[derive(Debug, Serialize)]
pub struct TeacherStatus {
    #[serde(flatten)]
    pub session: SessionStatus,
    #[serde(flatten)]
    pub class: ClassTitle,
}

#[tauri::command]
pub async fn teacher_status<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<TeacherStatus> {
    let class = s
        .teacher_window(w.label())?
        .run(|gp| gp.class_title())
        .await?;
    Ok(TeacherStatus {
        session: s.status()?,
        class,
    })
}

/// Checks the PIN (argon2, on a worker thread) and unlocks the teacher screens.
#[tauri::command]
pub async fn teacher_unlock<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
    pin: String,
) -> Reply<SessionStatus> {
    s.teacher_window(w.label())?
        .session()?
        .check_may_try(Instant::now())?;
    let correct = s.run(move |gp| gp.verify_teacher_pin(&pin)).await?;
    s.session()?.record_try(correct, Instant::now())?;
    s.status()
}

#[tauri::command]
pub async fn teacher_lock<R: Runtime>(
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<SessionStatus> {
    s.teacher_window(w.label())?.session()?.lock();
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

/// Opens the class station; the teacher screens lock.
#[tauri::command]
pub async fn open_station<R: Runtime>(
    app: AppHandle<R>,
    w: Webview<R>,
    s: State<'_, AppState>,
) -> Reply<SessionStatus> {
    s.teacher(w.label())?.session()?.open_station()?;
    crate::windows::open_station(&app)
        .map_err(|e| Error::Busy(format!("the station window did not open: {e}")))?;
    s.status()
}
